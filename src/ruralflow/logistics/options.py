"""Options of :func:`ruralflow.logistics.plan`, validated when built."""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass
from typing import Any, Literal

from ruralflow.logistics.errors import PlanOptionError

Mode = Literal["integrated", "separate"]
MODES: tuple[str, ...] = ("integrated", "separate")


def _number(name: str, value: Any, lo: float, hi: float, *, strict_lo: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PlanOptionError(name, value, "must be a finite number")
    if (strict_lo and value <= lo) or (not strict_lo and value < lo):
        raise PlanOptionError(name, value, f"must be {'>' if strict_lo else '>='} {lo:g}")
    if value > hi:
        raise PlanOptionError(name, value, f"must be <= {hi:g}")
    return float(value)


def _integer(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PlanOptionError(name, value, "must be a whole number")
    if value < lo or value > hi:
        raise PlanOptionError(name, value, f"must be between {lo} and {hi}")
    return value


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """How to plan one day.

    Parameters
    ----------
    time_limit_s:
        Wall-clock budget of the plan (routing and mode choice), seconds. The comparison
        plan (``compare``) gets the same budget, on the second core when ``workers >= 2``.
    seed:
        Seed of every random choice (PyVRP's search). A run that ends by its iteration
        criteria (``max_iterations``, ``no_improvement``) rather than the clock is
        bit-identical for a seed.
    mode:
        ``"integrated"``: down parcels and up produce share vehicles (simultaneous pickup and
        delivery); ``"separate"``: two one-way operations (down-only, up-only).
    compare:
        Also plan the other mode with the same solver and the same time, and report the
        integrated saving in yuan and percent.
    workers:
        Processes to use (1 or 2): with 2, the comparison runs beside the main plan (or, with
        ``compare=False``, a second seed does and the better plan is kept).
    max_trips:
        Trips per vehicle per shift (reloads at the county hub between trips).
    mode_rounds:
        Rounds of the mode-choice improvement (moves of villages and batches between bus,
        van and reefer). ``0`` keeps the starting rule.
    use_buses:
        Offer scheduled bus lines as a carrier.
    max_iterations:
        Cap on PyVRP iterations per solve (``None``: no cap); with a generous time limit
        this makes runs reproducible whatever the machine's speed.
    no_improvement:
        A solve stops after this many iterations without a better solution (``None``: 100
        per stop to route, between 1,000 and 20,000).
    air_temp_c:
        Daytime air temperature for spoilage (degC); ``None``: the county's monthly mean for
        the day plus ``daytime_uplift_c``.
    daytime_uplift_c:
        Day-time air temperature above the 24-hour monthly mean (ASSUMPTION, 4 degC).
    reefer_air_c:
        Air temperature of a chilled reefer compartment (degC; ASSUMPTION 4 degC, middle of
        the 0-8 degC chilled band); a product is never held below its own hold temperature.
    """

    time_limit_s: float = 10.0
    seed: int = 0
    mode: Mode = "integrated"
    compare: bool = True
    workers: int = 2
    max_trips: int = 3
    mode_rounds: int = 8
    use_buses: bool = True
    max_iterations: int | None = None
    no_improvement: int | None = None
    air_temp_c: float | None = None
    daytime_uplift_c: float = 4.0
    reefer_air_c: float = 4.0

    def __post_init__(self) -> None:
        _number("time_limit_s", self.time_limit_s, 0.0, 24 * 3600.0, strict_lo=True)
        object.__setattr__(self, "time_limit_s", float(self.time_limit_s))
        _integer("seed", self.seed, 0, 2**31 - 1)
        if self.mode not in MODES:
            raise PlanOptionError("mode", self.mode, "must be 'integrated' or 'separate'")
        if not isinstance(self.compare, bool):
            raise PlanOptionError("compare", self.compare, "must be true or false")
        _integer("workers", self.workers, 1, max(2, os.cpu_count() or 1))
        _integer("max_trips", self.max_trips, 1, 20)
        _integer("mode_rounds", self.mode_rounds, 0, 1000)
        if not isinstance(self.use_buses, bool):
            raise PlanOptionError("use_buses", self.use_buses, "must be true or false")
        if self.max_iterations is not None:
            _integer("max_iterations", self.max_iterations, 1, 10**9)
        if self.no_improvement is not None:
            _integer("no_improvement", self.no_improvement, 1, 10**9)
        if self.air_temp_c is not None:
            _number("air_temp_c", self.air_temp_c, -40.0, 50.0)
        _number("daytime_uplift_c", self.daytime_uplift_c, -10.0, 20.0)
        _number("reefer_air_c", self.reefer_air_c, -25.0, 15.0)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
