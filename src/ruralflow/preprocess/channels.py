"""Channel matching (渠道匹配): which graded lots go to which sales channel, as a MILP on HiGHS.

Lots (``lots.csv``: a cooperative's kg of one product and grade) are sent, split if useful, to
channels (``channels.csv``: wholesale market, live-stream shop, front warehouse, supermarket,
export buyer) of the same product whose ``min_grade`` the lot meets (A best, then B, C),
within each channel's capacity, paying a channel's ``fixed_yuan`` once if it is used:

    max  sum_{l,c} (price_c - transport_c) x_lc  -  sum_c fixed_c y_c
    s.t. sum_c x_lc <= kg_l                         (each lot)
         sum_l x_lc <= capacity_c y_c               (each channel)
         x_lc >= 0 only for eligible (l, c); y_c binary.

The answer reports HiGHS's proven status, the best bound and the relative gap (as the siting
models do). Assigned kg are rounded down to the gram and the objective is recomputed from the
printed assignments, so it equals their value exactly and never exceeds the bound.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from ruralflow.domain import FieldError
from ruralflow.preprocess.errors import ChannelSolveError, PreprocessError
from ruralflow.siting._milp import relative_gap, rows, solve_milp
from ruralflow.siting.result import SolverOptions

KINDS = ("wholesale", "live_stream", "front_warehouse", "supermarket", "export")
KIND_ZH = {
    "wholesale": "批发市场",
    "live_stream": "直播电商",
    "front_warehouse": "前置仓",
    "supermarket": "商超",
    "export": "出口",
}
GRADE_RANK = {"A": 0, "B": 1, "C": 2}


def meets(grade: str, min_grade: str) -> bool:
    """Whether a lot of ``grade`` may go to a channel asking ``min_grade`` (A best)."""
    return GRADE_RANK[grade] <= GRADE_RANK[min_grade]


def _num(owner: str, name: str, v: float, *, positive: bool = False) -> None:
    if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
        raise FieldError(owner, name, v, "must be a finite number")
    if v < 0 or (positive and v == 0):
        raise FieldError(owner, name, v, "must be > 0" if positive else "must be >= 0")


@dataclass(frozen=True, slots=True)
class Channel:
    """A sales channel for one product (``channels.csv``)."""

    id: str
    name: str
    kind: str
    product: str
    min_grade: str
    capacity_kg: float
    price_yuan_per_kg: float
    transport_yuan_per_kg: float = 0.0
    fixed_yuan: float = 0.0
    source: str = "assumption"

    def __post_init__(self) -> None:
        owner = f"Channel {self.id!r}"
        if self.kind not in KINDS:
            raise FieldError(owner, "kind", self.kind, f"must be one of {', '.join(KINDS)}")
        if self.min_grade not in GRADE_RANK:
            raise FieldError(owner, "min_grade", self.min_grade, "must be A, B or C")
        _num(owner, "capacity_kg", self.capacity_kg)
        _num(owner, "price_yuan_per_kg", self.price_yuan_per_kg)
        _num(owner, "transport_yuan_per_kg", self.transport_yuan_per_kg)
        _num(owner, "fixed_yuan", self.fixed_yuan)

    @property
    def margin(self) -> float:
        return self.price_yuan_per_kg - self.transport_yuan_per_kg


@dataclass(frozen=True, slots=True)
class Lot:
    """A lot of one cooperative's product of one grade (``lots.csv``)."""

    id: str
    cooperative: str
    product: str
    grade: str
    kg: float

    def __post_init__(self) -> None:
        owner = f"Lot {self.id!r}"
        if self.grade not in GRADE_RANK:
            raise FieldError(owner, "grade", self.grade, "must be A, B or C")
        _num(owner, "kg", self.kg)


@dataclass(frozen=True, slots=True)
class Assignment:
    lot: str
    channel: str
    kg: float

    def to_dict(self) -> dict[str, Any]:
        return {"lot": self.lot, "channel": self.channel, "kg": self.kg}


@dataclass(frozen=True, slots=True)
class ChannelPlan:
    """The channel plan: status, objective (recomputed from the assignments), bound, gap."""

    status: str
    objective_yuan: float | None
    best_bound_yuan: float | None
    gap: float | None
    assignments: tuple[Assignment, ...]
    lots: tuple[Lot, ...] = ()
    channels: tuple[Channel, ...] = ()
    runtime_s: float = 0.0
    notes: tuple[str, ...] = field(default=())

    def kg_by_channel(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for a in self.assignments:
            out[a.channel] = out.get(a.channel, 0.0) + a.kg
        return out

    def unsold_kg(self) -> dict[str, float]:
        sent: dict[str, float] = {}
        for a in self.assignments:
            sent[a.lot] = sent.get(a.lot, 0.0) + a.kg
        return {lot.id: round(lot.kg - sent.get(lot.id, 0.0), 3) for lot in self.lots}

    def summary(self) -> str:
        obj = "—" if self.objective_yuan is None else f"{self.objective_yuan:,.2f}"
        gap = "—" if self.gap is None else f"{self.gap:.2e}"
        used = len(self.kg_by_channel())
        return (
            f"渠道匹配 / channel matching: {self.status}, 目标 / objective {obj} 元 / yuan, "
            f"gap {gap}, {used}/{len(self.channels)} 渠道使用 / channels used, "
            f"{len(self.assignments)} 条分配 / assignments"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "objective_yuan": self.objective_yuan,
            "best_bound_yuan": self.best_bound_yuan,
            "gap": None if self.gap is None or not math.isfinite(self.gap) else self.gap,
            "assignments": [a.to_dict() for a in self.assignments],
            "runtime_s": round(self.runtime_s, 3),
            "notes": list(self.notes),
        }


def plan_value(assignments: Sequence[Assignment], channels: Sequence[Channel]) -> float:
    """Revenue - transport - fixed costs of ``assignments`` (each used channel's fixed once)."""
    by_id = {c.id: c for c in channels}
    used = {a.channel for a in assignments if a.kg > 0}
    value = sum(by_id[a.channel].margin * a.kg for a in assignments)
    return value - sum(by_id[c].fixed_yuan for c in used)


def match(
    lots: Sequence[Lot],
    channels: Sequence[Channel],
    options: SolverOptions | None = None,
) -> ChannelPlan:
    """The revenue-maximising channel plan of ``lots`` (see the module docstring)."""
    opts = options or SolverOptions()
    started = time.perf_counter()
    for seq, what in ((lots, "lot"), (channels, "channel")):
        ids = [x.id for x in seq]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise PreprocessError(f"{what} id {dup[0]!r} appears more than once")
    pairs = [
        (i, j)
        for i, lot in enumerate(lots)
        for j, ch in enumerate(channels)
        if ch.product == lot.product and meets(lot.grade, ch.min_grade)
    ]
    notes = []
    if not pairs:
        notes.append("no lot fits any channel (product and grade) / 没有批次符合任何渠道")
        return ChannelPlan(
            "optimal",
            0.0,
            0.0,
            0.0,
            (),
            tuple(lots),
            tuple(channels),
            time.perf_counter() - started,
            tuple(notes),
        )
    n_x, n_y = len(pairs), len(channels)
    cost = np.zeros(n_x + n_y)
    upper = np.zeros(n_x + n_y)
    for k, (i, j) in enumerate(pairs):
        cost[k] = channels[j].margin
        upper[k] = min(lots[i].kg, channels[j].capacity_kg)
    cost[n_x:] = [-c.fixed_yuan for c in channels]
    upper[n_x:] = 1.0
    integer = np.zeros(n_x + n_y, dtype=bool)
    integer[n_x:] = True
    li = [i for i, _ in pairs]
    lj = [j for _, j in pairs]
    k_idx = list(range(n_x))
    a_lot = sp.csr_matrix((np.ones(n_x), (li, k_idx)), shape=(len(lots), n_x + n_y))
    cap = sp.csr_matrix(
        (
            np.concatenate([np.ones(n_x), [-c.capacity_kg for c in channels]]),
            (lj + list(range(n_y)), k_idx + [n_x + j for j in range(n_y)]),
        ),
        shape=(n_y, n_x + n_y),
    )
    blocks = [
        rows(a_lot, -np.inf, [lot.kg for lot in lots]),
        rows(cap, -np.inf, 0.0),
    ]
    outcome = solve_milp(
        cost,
        np.zeros(n_x + n_y),
        upper,
        integer,
        blocks,
        sense="max",
        options=opts,
        known_bound=float(sum(max(cost[k], 0.0) * upper[k] for k in range(n_x))),
    )
    if outcome.x is None:
        if outcome.status in ("time_limit", "infeasible"):
            return ChannelPlan(
                outcome.status,
                None,
                outcome.bound,
                None,
                (),
                tuple(lots),
                tuple(channels),
                time.perf_counter() - started,
                ("no plan found in time / 时限内未找到方案",),
            )
        raise ChannelSolveError(f"HiGHS stopped with status {outcome.status} and no plan")
    out = []
    for k, (i, j) in enumerate(pairs):
        kg = math.floor(float(outcome.x[k]) * 1000 + 1e-6) / 1000
        kg = min(kg, lots[i].kg)
        if kg > 0:
            out.append(Assignment(lots[i].id, channels[j].id, kg))
    objective = round(plan_value(out, channels), 6)
    bound = outcome.bound
    if bound is not None:
        bound = max(bound, objective) + 0.0
    gap = relative_gap(objective, bound)
    if outcome.status == "optimal" and gap is not None and gap < 1e-6:
        notes.append(f"gap {gap:.1e} from rounding kg down to the gram")
    return ChannelPlan(
        outcome.status,
        objective,
        bound,
        gap,
        tuple(out),
        tuple(lots),
        tuple(channels),
        time.perf_counter() - started,
        tuple(notes),
    )
