"""Sensor kinds (监测类型) and their units, from data/sensor_kinds.csv: one place for the list the models,
forms, rules and ingest share."""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "sensor_kinds.csv"
FIRE_EVENTS = ["火警", "故障", "监管", "屏蔽", "复位"]  # what a fire alarm panel reports; 复位 clears the others


@dataclass(frozen=True)
class Kind:
    code: str
    name: str
    unit: str
    expected_interval_s: int
    is_event: bool
    note: str

    @property
    def label(self) -> str:
        return f"{self.name}（{self.unit}）" if self.unit else self.name


@cache
def kinds() -> dict[str, Kind]:
    with DATA.open(encoding="utf-8") as f:
        return {row["code"]: Kind(row["code"], row["name"], row["unit"], int(row["expected_interval_s"]),
                                  row["is_event"] == "1", row["note"]) for row in csv.DictReader(f)}


def choices() -> list[tuple[str, str]]:
    return [(k.code, k.label) for k in kinds().values()]
