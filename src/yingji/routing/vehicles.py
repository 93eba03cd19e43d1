"""Vehicle profiles (车型尺寸): a fire engine's height, weight and width close the roads whose maxheight / maxweight /
maxwidth are below them.

A query for a vehicle runs on a *view* of the graph: the same node, CSR and coordinate arrays (and the same
snapping KD-tree), with its own packed weight array in which closed edges are inf (and, on a network with turn
restrictions, turns.py's expanded graph re-weighted without the closed roads). One view per distinct
vehicle size is kept per graph (an LRU of VIEW_CACHE), so a query never copies the graph: a new size costs one
pass over the edges (≈ 16 bytes an edge for the forward and reverse weights) the first time it is seen.
Typical sizes per type are in data/vehicles.toml (with their sources); a vehicle's own record overrides them.
"""

from __future__ import annotations

import copy
import math
import threading
import tomllib
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix

VEHICLES_FILE = Path(__file__).parent / "data" / "vehicles.toml"
VIEW_CACHE = 16
# Plausible bounds: outside them the number is a typing error (cm for m, kg for t), refused with a message.
BOUNDS = {"height_m": (1.0, 5.0, "车高", "米"), "weight_t": (0.5, 100.0, "总质量", "吨"),
          "width_m": (1.0, 3.5, "车宽", "米")}


class VehicleError(ValueError):
    """A vehicle size that cannot be used; the message is for the user (Chinese) and names the field."""


@dataclass(frozen=True)
class VehicleSize:
    """A vehicle's height (m), laden weight (t) and width (m); None: not limited by that dimension."""

    height_m: float | None = None
    weight_t: float | None = None
    width_m: float | None = None
    label: str = ""

    @property
    def key(self) -> tuple:
        return (self.height_m, self.weight_t, self.width_m)

    @property
    def empty(self) -> bool:
        return self.key == (None, None, None)


def vehicle_size(height_m=None, weight_t=None, width_m=None, label: str = "") -> VehicleSize:
    """A checked VehicleSize: each given value must be a number within BOUNDS, else VehicleError (Chinese)."""
    values = {}
    for field, value in (("height_m", height_m), ("weight_t", weight_t), ("width_m", width_m)):
        low, high, name, unit = BOUNDS[field]
        if value is None or value == "":
            values[field] = None
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise VehicleError(f"{name}“{value}”不是数字。") from None
        if not math.isfinite(number) or number <= 0:
            raise VehicleError(f"{name}须为正数（{unit}），收到 {value}。")
        if not low <= number <= high:
            raise VehicleError(f"{name} {number:g} {unit}不合理：应在 {low:g}～{high:g} {unit}之间，请检查单位。")
        values[field] = number
    return VehicleSize(**values, label=label)


@dataclass(frozen=True)
class VehicleType:
    code: str
    name: str
    size: VehicleSize
    source: str


@lru_cache(maxsize=4)
def vehicle_types(path: str | Path = VEHICLES_FILE) -> dict[str, VehicleType]:
    """The typical sizes per vehicle type (data/vehicles.toml), keyed like resources.Vehicle.type."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    found = {}
    for code, row in data.get("types", {}).items():
        size = vehicle_size(row.get("height_m"), row.get("weight_t"), row.get("width_m"), label=row.get("name", code))
        found[code] = VehicleType(code, row.get("name", code), size, row.get("source", ""))
    return found


def for_type(code: str | None, height_m=None, weight_t=None, width_m=None, label: str = "") -> VehicleSize:
    """A vehicle's size: its own values where given, the type's typical values for the rest."""
    typical = vehicle_types().get(code or "")
    base = typical.size if typical else VehicleSize()
    return vehicle_size(base.height_m if height_m is None else height_m,
                        base.weight_t if weight_t is None else weight_t,
                        base.width_m if width_m is None else width_m,
                        label=label or (typical.name if typical else ""))


# --- per-vehicle views of a graph ------------------------------------------------------------------------------

LIMITS = (("maxheight", "height_m", "限高", "车高", "米"), ("maxweight", "weight_t", "限重", "车重", "吨"),
          ("maxwidth", "width_m", "限宽", "车宽", "米"))

_VIEWS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def closed(graph, size: VehicleSize) -> np.ndarray | None:
    """Edges closed to the vehicle (a limit below its size), or None when nothing limits it on this graph."""
    mask = None
    for key, field, *_ in LIMITS:
        value = getattr(size, field)
        limit = graph.edge_arrays.get(key)
        if value is None or limit is None:
            continue
        with np.errstate(invalid="ignore"):
            below = limit < np.float32(value)  # NaN (no limit) compares False
        mask = below if mask is None else mask | below
    return mask if mask is not None and mask.any() else None


def view(graph, size: VehicleSize | None):
    """The graph as the vehicle sees it (closed edges at inf), shared per size; the graph itself when no
    edge is closed to it."""
    if graph is None or size is None or size.empty:
        return graph
    with _LOCK:
        views = _VIEWS.setdefault(graph, OrderedDict())
        found = views.get(size.key)
        if found is not None:
            views.move_to_end(size.key)
            return found
    mask = closed(graph, size)
    if mask is None:
        result = graph
    else:
        result = _masked(graph, mask, size)
    with _LOCK:
        views[size.key] = result
        while len(views) > VIEW_CACHE:
            views.popitem(last=False)
    return result


def _masked(graph, mask: np.ndarray, size: VehicleSize):
    graph.kdtree  # noqa: B018 - build the snapping index once on the base graph, so every view shares it
    found = copy.copy(graph)  # shares every array; only the weights below are new
    found.weight = np.where(mask, np.inf, graph.weight)
    n = graph.n_nodes
    found.fwd = csr_matrix((found.weight, graph.indices, graph.indptr), shape=(n, n), copy=False)
    found.rev = csr_matrix((found.weight[_rev_edge(graph)], graph.rev_indices, graph.rev_indptr), shape=(n, n),
                           copy=False)
    found.meta = dict(graph.meta, version=f"{graph.version}:{size.key}")
    if getattr(graph, "turns", None) is not None:  # turn restrictions: the same expansion without the closed roads
        found.turns = graph.turns.reweighted(graph.edge_seconds(), graph.edge_metres(), ~mask)
    # A weak reference: the view is a value in _VIEWS, keyed weakly by the graph, so a strong one would keep
    # every replaced network alive.
    found.base_ref = weakref.ref(graph)
    found.vehicle = size
    found.closed = mask
    return found


def _rev_edge(graph) -> np.ndarray:
    cached = getattr(graph, "_rev_edge", None)
    if cached is None:
        from .graph import _reverse

        cached = graph._rev_edge = _reverse(graph.indptr, graph.indices, graph.n_nodes)[2]
    return cached


def base_of(graph):
    """The graph a vehicle view was made from (None for a graph that is not a view)."""
    ref = getattr(graph, "base_ref", None)
    return ref() if ref is not None else None


def blocking_reason(graph, nodes: list[int]) -> str | None:
    """Why the vehicle of view `graph` cannot follow the base graph's route `nodes`: the first closed edge on
    it, as "限高 3 米，车高 3.8 米，无可通行路线" (None when the route is open to it)."""
    base, size, mask = base_of(graph), getattr(graph, "vehicle", None), getattr(graph, "closed", None)
    if base is None or len(nodes) < 2:
        return None
    for u, v in zip(nodes[:-1], nodes[1:], strict=False):
        start, end = base.indptr[u], base.indptr[u + 1]
        hits = np.flatnonzero(base.indices[start:end] == v)
        if not len(hits):
            continue
        edge = start + int(hits[np.argmin(base.weight[start + hits])])
        if not mask[edge]:
            continue
        parts = []
        for key, field, limit_name, own_name, unit in LIMITS:
            limit = base.edge_arrays.get(key)
            value = getattr(size, field)
            if limit is not None and value is not None and limit[edge] < np.float32(value):
                parts.append(f"{limit_name} {float(limit[edge]):g} {unit}，{own_name} {value:g} {unit}")
        return "；".join(parts) + "，无可通行路线"
    return None
