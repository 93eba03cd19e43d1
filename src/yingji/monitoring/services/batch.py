"""A batch of stored readings, as the rollups and the rule evaluation take it: parallel numpy arrays,
sorted by sensor then time, so that per-sensor work is a slice and never a Python loop per reading."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Batch:
    sensor_id: np.ndarray  # int64
    ts_ms: np.ndarray      # int64, epoch milliseconds (UTC)
    value: np.ndarray      # float64, NaN for an event reading
    event: np.ndarray      # object (str), "" for a numeric reading
    reading_id: np.ndarray  # int64, the stored Reading ids (0 where the store does not return them)

    def __len__(self) -> int:
        return len(self.sensor_id)

    @classmethod
    def sorted(cls, sensor_id, ts_ms, value, event, reading_id=None) -> "Batch":
        """Build a batch from unsorted sequences, in (sensor, time) order (stable: equal times keep arrival order)."""
        sensor_id = np.asarray(sensor_id, dtype=np.int64)
        ts_ms = np.asarray(ts_ms, dtype=np.int64)
        value = np.asarray(value, dtype=np.float64)
        event = np.asarray(event, dtype=object)
        reading_id = np.zeros(len(sensor_id), np.int64) if reading_id is None else np.asarray(reading_id, np.int64)
        order = np.lexsort((ts_ms, sensor_id))
        return cls(sensor_id[order], ts_ms[order], value[order], event[order], reading_id[order])

    def sensor_slices(self):
        """(sensor_id, start, stop) for each sensor's run of readings."""
        if not len(self):
            return []
        starts = np.flatnonzero(np.r_[True, self.sensor_id[1:] != self.sensor_id[:-1]])
        stops = np.r_[starts[1:], len(self)]
        return list(zip(self.sensor_id[starts].tolist(), starts.tolist(), stops.tolist(), strict=True))
