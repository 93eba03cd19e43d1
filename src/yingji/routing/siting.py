"""Station siting: the maximal covering location problem (MCLP, Church & ReVelle 1974).

Choose K sites among candidate road nodes to maximise the demand reached within N minutes. Coverage sets
come from one limited Dijkstra per candidate (station → demand, the direction a crew drives). Demand
nodes with the same covering set are merged (their weights add up), which shrinks the model a lot.
Exact: a MIP solved by HiGHS (highspy) — max Σ w_g·y_g s.t. y_g ≤ Σ_{j covers g} x_j, Σ x_j = K,
x binary, 0 ≤ y ≤ 1 — when the merged model is of moderate size. Greedy (the next site is the one adding
the most uncovered demand) always runs; when both run, both objective values are reported.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix

from .graph import GraphError, RoadGraph, unpack_seconds
from .query import tree
from .snap import DEFAULT_MAX_SNAP_M, snap

EXACT_MAX_NNZ = 2_000_000
EXACT_MAX_CANDIDATES = 5_000


@dataclass
class Solution:
    method: str  # "exact" | "greedy"
    nodes: list[int]
    sites: list[list[float]]  # [lon, lat] per chosen site
    covered: float
    status: str
    seconds: float
    gap: float | None = None


@dataclass
class SitingResult:
    k: int
    minutes: float
    candidates: int
    demand_total: float
    demand_label: str
    already_covered: float  # by existing stations
    greedy: Solution
    exact: Solution | None
    exact_skipped: str | None  # why exact did not run

    @property
    def best(self) -> Solution:
        if self.exact is not None and self.exact.covered >= self.greedy.covered:
            return self.exact
        return self.greedy

    def as_dict(self) -> dict:
        def sol(s: Solution | None):
            if s is None:
                return None
            return dict(s.__dict__, covered=round(s.covered, 3), seconds=round(s.seconds, 3),
                        pct=round(100 * (s.covered + self.already_covered) / self.demand_total, 2)
                        if self.demand_total else None)

        return {"k": self.k, "minutes": self.minutes, "candidates": self.candidates,
                "demand_total": round(self.demand_total, 3), "demand": self.demand_label,
                "already_covered": round(self.already_covered, 3), "best": self.best.method,
                "exact": sol(self.exact), "greedy": sol(self.greedy), "exact_skipped": self.exact_skipped}


def road_demand(graph: RoadGraph) -> np.ndarray:
    """Demand per node = half the length (km) of the roads at it, each two-way road once."""
    src = graph.edge_sources()
    keep = ~graph.twin_mask(upper=True)
    length = graph.edge_metres()[keep] / 1000.0
    return (np.bincount(src[keep], weights=length / 2, minlength=graph.n_nodes)
            + np.bincount(graph.indices[keep], weights=length / 2, minlength=graph.n_nodes))


def default_candidates(graph: RoadGraph, max_candidates: int = 300) -> np.ndarray:
    """Intersections (≥ 3 neighbours), thinned to one per grid cell, the cell grown until ≤ max_candidates."""
    src = graph.edge_sources()
    pairs = np.unique(np.column_stack([np.minimum(src, graph.indices), np.maximum(src, graph.indices)]), axis=0)
    degree = np.bincount(pairs.ravel(), minlength=graph.n_nodes)
    nodes = np.flatnonzero(degree >= 3)
    if len(nodes) == 0:
        nodes = np.arange(graph.n_nodes)
    xy = graph.project(graph.lon[nodes], graph.lat[nodes])
    cell = 250.0
    while True:
        keys = np.floor(xy / cell).astype(np.int64)
        _, first = np.unique(keys, axis=0, return_index=True)
        if len(first) <= max_candidates:
            return np.sort(nodes[first])
        cell *= 1.25


def coverage_matrix(graph: RoadGraph, candidates: np.ndarray, budget_s: float, chunk: int = 16) -> csr_matrix:
    """Boolean (candidates × nodes): candidate j reaches node i within budget_s."""
    rows, cols = [], []
    for start in range(0, len(candidates), chunk):
        block = candidates[start:start + chunk]
        packed = np.atleast_2d(tree(graph, block, limit_s=budget_s))
        r, c = np.nonzero(unpack_seconds(packed) <= budget_s)
        rows.append(r + start)
        cols.append(c)
    r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    return csr_matrix((np.ones(len(r), dtype=np.float64), (r, c)), shape=(len(candidates), graph.n_nodes))


def _merge_demand(cover: csr_matrix, weights: np.ndarray):
    """Merge demand nodes with identical covering sets: (candidates × groups matrix, group weights)."""
    by_node = cover.T.tocsr()
    by_node.sort_indices()
    rng = np.random.default_rng(12345)
    keys = []
    for _ in range(2):  # two independent 64-bit hashes of each node's covering set
        r = rng.integers(1, 2**63, size=cover.shape[0], dtype=np.uint64)
        values = np.zeros(by_node.shape[0], dtype=np.uint64)
        hashed = r[by_node.indices]
        nonempty = np.diff(by_node.indptr) > 0
        starts = by_node.indptr[:-1][nonempty]
        if len(hashed):
            values[nonempty] = np.add.reduceat(hashed, starts)
        keys.append(values)
    useful = (np.diff(by_node.indptr) > 0) & (weights > 0)
    idx = np.flatnonzero(useful)
    if len(idx) == 0:
        return csr_matrix((cover.shape[0], 0)), np.zeros(0)
    key = np.column_stack([keys[0][idx], keys[1][idx]])
    _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    group_weight = np.bincount(inverse.ravel(), weights=weights[idx], minlength=len(first))
    merged = cover[:, idx[first]].tocsr()
    return merged, group_weight


def greedy(cover: csr_matrix, weights: np.ndarray, k: int) -> tuple[list[int], float]:
    """Pick k candidates, each time the one adding the most uncovered weight."""
    remaining = weights.astype(np.float64).copy()
    chosen: list[int] = []
    total = 0.0
    by_candidate = cover.tocsr()
    for _ in range(min(k, cover.shape[0])):
        gains = by_candidate @ remaining
        if chosen:
            gains[chosen] = -1.0
        j = int(np.argmax(gains))
        if gains[j] < 0:
            break
        chosen.append(j)
        total += float(gains[j])
        remaining[by_candidate.indices[by_candidate.indptr[j]:by_candidate.indptr[j + 1]]] = 0.0
    return chosen, total


def exact(cover: csr_matrix, weights: np.ndarray, k: int, time_limit_s: float = 60.0):
    """The MCLP MIP with HiGHS. Returns (chosen candidate indices, objective, status, mip gap)."""
    import highspy

    n_cand, n_groups = cover.shape
    k = min(k, n_cand)
    by_group = cover.T.tocsr()
    # The plain solver class: highspy.Highs's constructor sets up Python callbacks and prints a banner to
    # stdout before any option can silence it, which would spoil `--json` output.
    solver_class = getattr(getattr(highspy, "_core", None), "_Highs", highspy.Highs)
    h = solver_class()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("threads", 1)
    lp = highspy.HighsLp()
    lp.num_col_ = n_cand + n_groups
    lp.num_row_ = n_groups + 1
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.concatenate([np.zeros(n_cand), weights]).astype(np.float64)
    lp.col_lower_ = np.zeros(n_cand + n_groups)
    lp.col_upper_ = np.ones(n_cand + n_groups)
    lp.row_lower_ = np.concatenate([np.full(n_groups, -highspy.kHighsInf), [k]]).astype(np.float64)
    lp.row_upper_ = np.concatenate([np.zeros(n_groups), [k]]).astype(np.float64)
    # Row g: y_g − Σ_j x_j ≤ 0 ; last row: Σ x_j = k.
    counts = np.diff(by_group.indptr)
    starts = np.zeros(n_groups + 2, dtype=np.int64)
    starts[1:n_groups + 1] = np.cumsum(counts + 1)
    starts[-1] = starts[n_groups] + n_cand
    index = np.empty(starts[-1], dtype=np.int32)
    value = np.empty(starts[-1], dtype=np.float64)
    row_start = starts[:n_groups]
    index[row_start] = n_cand + np.arange(n_groups)
    value[row_start] = 1.0
    within = np.repeat(row_start + 1, counts) + (np.arange(by_group.nnz) - np.repeat(by_group.indptr[:-1], counts))
    index[within] = by_group.indices
    value[within] = -1.0
    index[starts[n_groups]:] = np.arange(n_cand)
    value[starts[n_groups]:] = 1.0
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = starts.astype(np.int32)
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    lp.a_matrix_.num_col_ = n_cand + n_groups
    lp.a_matrix_.num_row_ = n_groups + 1
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_cand + [highspy.HighsVarType.kContinuous] * n_groups
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    if status not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kTimeLimit) or \
            info.primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
        raise GraphError(f"HiGHS 未能求解选址模型：{h.modelStatusToString(status)}。")
    x = np.asarray(h.getSolution().col_value[:n_cand])
    chosen = [int(j) for j in np.flatnonzero(x > 0.5)]
    # The objective of the chosen set, recomputed from the data (not the solver's float).
    covered = np.zeros(n_groups, dtype=bool)
    for j in chosen:
        covered[cover.indices[cover.indptr[j]:cover.indptr[j + 1]]] = True
    label = "optimal" if status == highspy.HighsModelStatus.kOptimal else "time_limit"
    return chosen, float(weights[covered].sum()), label, float(info.mip_gap)


def site(graph: RoadGraph, k: int, minutes: float = 5.0, candidates=None, demand=None, existing=None,
         turnout_s: float = 0.0, exact_max_nnz: int = EXACT_MAX_NNZ, time_limit_s: float = 60.0,
         run_exact: bool | None = None, max_snap_m: float = DEFAULT_MAX_SNAP_M,
         demand_label: str | None = None) -> SitingResult:
    """Choose k station sites maximising demand within `minutes` (minus turnout_s).

    candidates: node indices, or None for default_candidates(graph); demand: weight per node (len n_nodes),
    or None for road length (km); existing: [(lon, lat), …] stations already there, whose covered demand
    is taken out first. run_exact: None = when the merged model has ≤ exact_max_nnz nonzeros.
    """
    if k < 1:
        raise GraphError("选址数量 K 须为正整数。")
    if minutes <= 0:
        raise GraphError("分钟数须大于 0。")
    budget = float(minutes) * 60.0 - float(turnout_s)
    candidates = default_candidates(graph) if candidates is None else np.unique(np.asarray(candidates, np.int64))
    if len(candidates) == 0:
        raise GraphError("没有候选站址。")
    if candidates.min() < 0 or candidates.max() >= graph.n_nodes:
        raise GraphError("候选站址的节点编号超出路网范围。")
    if demand is None:
        weights = road_demand(graph)
        demand_label = demand_label or "道路里程(km)"
    else:
        weights = np.asarray(demand, dtype=np.float64)
        if weights.shape != (graph.n_nodes,):
            raise GraphError(f"需求权重的个数（{weights.size}）须等于路网节点数（{graph.n_nodes}）。")
        demand_label = demand_label or "需求"
    total = float(weights.sum())
    already = 0.0
    if existing is not None and len(existing):
        from .covering import points
        from .query import nearest_station

        lons, lats, _ = points(existing)
        placed = snap(graph, lons, lats, max_snap_m)
        seconds, _ = nearest_station(graph, placed.node[placed.ok], limit_s=budget, with_station=False)
        reached = seconds <= budget
        already = float(weights[reached].sum())
        weights = np.where(reached, 0.0, weights)

    cover = coverage_matrix(graph, candidates, budget)
    merged, group_weight = _merge_demand(cover, weights)

    started = time.perf_counter()
    picks, value = greedy(merged, group_weight, k)
    greedy_solution = Solution("greedy", [int(candidates[j]) for j in picks],
                               [[float(graph.lon[candidates[j]]), float(graph.lat[candidates[j]])] for j in picks],
                               value, "heuristic", time.perf_counter() - started)
    exact_solution = None
    skipped = None
    if run_exact is None:
        run_exact = merged.nnz <= exact_max_nnz and len(candidates) <= EXACT_MAX_CANDIDATES
        if not run_exact:
            skipped = (f"模型规模过大（候选 {len(candidates)} 个、合并后需求 {merged.shape[1]} 组、非零元 {merged.nnz}），"
                       f"只用贪心算法。")
    elif not run_exact:
        skipped = "按要求未运行精确求解。"
    if run_exact:
        started = time.perf_counter()
        picks, value, status, gap = exact(merged, group_weight, k, time_limit_s)
        exact_solution = Solution("exact", [int(candidates[j]) for j in picks],
                                  [[float(graph.lon[candidates[j]]), float(graph.lat[candidates[j]])] for j in picks],
                                  value, status, time.perf_counter() - started, gap)
    return SitingResult(k=k, minutes=float(minutes), candidates=len(candidates), demand_total=total,
                        demand_label=demand_label, already_covered=already, greedy=greedy_solution,
                        exact=exact_solution, exact_skipped=skipped)
