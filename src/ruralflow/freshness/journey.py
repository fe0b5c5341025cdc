"""Journeys of temperature segments and the consumed fraction of shelf life.

A journey is a sequence of :class:`Segment`. In each segment the product sits for ``hours`` in
air (or a cooling medium) at ``air_c``:

* without ``half_cooling_h`` the product is taken to be at ``air_c`` throughout (the DESIGN.md
  form "duration dt_k at product temperature T_k");
* with ``half_cooling_h`` (pre-cooling, or warm produce loaded into a reefer) the product
  temperature relaxes from its temperature at the start of the segment towards ``air_c`` by
  Newtonian cooling, ``T(t) = T_a + (T_0 - T_a) * exp(-ln 2 * t / Z)`` (:mod:`.cooling`). The
  start temperature is ``start_c`` if given, else the product temperature at the end of the
  previous segment, else the journey's ``initial_c``, else ``air_c``.

The consumed fraction of shelf life is (DESIGN.md, Freshness)::

    phi = sum_k  integral over segment k of dt / SL(T(t))        (t and SL in the same unit)

which is ``dt_k / SL(T_k)`` for a constant-temperature segment. For a cooling segment under the
Q10 form, with ``b = ln(Q10) / 10``, ``c = ln 2 / Z`` and ``D = T_0 - T_a``, the integral is
exact::

    phi_k = exp(b (T_a - T_ref)) / (24 SL_ref c) * [Ei(b D) - Ei(b D exp(-c tau))]

(``Ei`` the exponential integral, ``tau`` the segment hours). Under the Arrhenius form the
integral is computed by adaptive Gauss-Kronrod quadrature (``scipy.integrate.quad``, relative
tolerance 1e-10). Both are tested against a fine composite Simpson rule.

Product temperatures below the product's chilling threshold ``t_min_c`` are never used: the
lowest product temperature of every segment (the smaller of its start and end temperature, as
Newtonian relaxation is monotone) is checked first and :class:`FreshnessError` is raised.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ruralflow.domain.products import Product
from ruralflow.freshness.cooling import (
    LN2,
    CoolingMethod,
    half_cooling_time_h,
    product_temperature,
)
from ruralflow.freshness.errors import FreshnessError
from ruralflow.freshness.kinetics import (
    CHILLING_TOLERANCE_C,
    HOURS_PER_DAY,
    decay_rate_per_hour,
)

MIN_AIR_C = -40.0
MAX_AIR_C = 60.0


def _finite(owner: str, field: str, value: object, lo: float | None, hi: float | None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FreshnessError(f"{owner}: field '{field}' must be a finite number (got {value!r})")
    v = float(value)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise FreshnessError(
            f"{owner}: field '{field}' must be within [{lo}, {hi}] (got {value!r})"
        )
    return v


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of a journey: ``hours`` at air (or medium) temperature ``air_c``.

    ``half_cooling_h`` (Z, hours) makes the product temperature relax towards ``air_c``
    instead of being equal to it; ``start_c`` overrides the product temperature at the start.
    """

    name: str
    hours: float
    air_c: float
    half_cooling_h: float | None = None
    start_c: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise FreshnessError(
                f"segment: field 'name' must be non-empty text (got {self.name!r})"
            )
        owner = f"segment {self.name!r}"
        object.__setattr__(self, "hours", _finite(owner, "hours", self.hours, 0.0, None))
        object.__setattr__(
            self, "air_c", _finite(owner, "air_c", self.air_c, MIN_AIR_C, MAX_AIR_C)
        )
        if self.half_cooling_h is not None:
            z = _finite(owner, "half_cooling_h", self.half_cooling_h, None, None)
            if z <= 0.0:
                raise FreshnessError(
                    f"{owner}: field 'half_cooling_h' must be > 0 (got {self.half_cooling_h!r})"
                )
            object.__setattr__(self, "half_cooling_h", z)
        if self.start_c is not None:
            if self.half_cooling_h is None:
                raise FreshnessError(
                    f"{owner}: field 'start_c' needs 'half_cooling_h' (a hold segment keeps the "
                    f"product at air_c; got start_c={self.start_c!r})"
                )
            object.__setattr__(
                self, "start_c", _finite(owner, "start_c", self.start_c, MIN_AIR_C, MAX_AIR_C)
            )

    @property
    def is_relaxing(self) -> bool:
        """True when the product temperature changes continuously in this segment."""
        return self.half_cooling_h is not None

    def end_temperature(self, start_c: float) -> float:
        """Product temperature at the end of the segment, given the one at its start."""
        if self.half_cooling_h is None:
            return self.air_c
        return product_temperature(self.hours, start_c, self.air_c, self.half_cooling_h)


def hold(name: str, hours: float, temp_c: float) -> Segment:
    """A segment with the product at ``temp_c`` throughout (field, wait, ride, store)."""
    return Segment(name=name, hours=hours, air_c=temp_c)


def precool(
    name: str,
    method: CoolingMethod | str,
    medium_c: float,
    hours: float | None = None,
    *,
    half_cooling_h: float | None = None,
    start_c: float | None = None,
) -> Segment:
    """A pre-cooling segment: Newtonian cooling towards ``medium_c``.

    ``half_cooling_h`` defaults to the method's value (:data:`.DEFAULT_HALF_COOLING_H`);
    ``hours`` defaults to the seven-eighths cooling time ``3 Z``.
    """
    z = half_cooling_time_h(method) if half_cooling_h is None else half_cooling_h
    return Segment(
        name=name,
        hours=3.0 * z if hours is None else hours,
        air_c=medium_c,
        half_cooling_h=z,
        start_c=start_c,
    )


@dataclass(frozen=True, slots=True)
class Journey:
    """An ordered sequence of segments.

    ``initial_c`` is the product temperature at the start, used only when the first segment is
    a cooling (relaxing) segment without ``start_c``; by default that segment starts at its
    own ``air_c``.
    """

    segments: tuple[Segment, ...]
    initial_c: float | None = None
    name: str = ""

    def __post_init__(self) -> None:
        segs = tuple(self.segments)
        for i, s in enumerate(segs):
            if not isinstance(s, Segment):
                raise FreshnessError(
                    f"journey {self.name!r}: segment {i} is not a Segment ({s!r})"
                )
        object.__setattr__(self, "segments", segs)
        if self.initial_c is not None:
            object.__setattr__(
                self,
                "initial_c",
                _finite(
                    f"journey {self.name!r}", "initial_c", self.initial_c, MIN_AIR_C, MAX_AIR_C
                ),
            )

    @classmethod
    def of(
        cls, segments: Iterable[Segment], initial_c: float | None = None, name: str = ""
    ) -> Journey:
        """Build a journey from any iterable of segments."""
        return cls(segments=tuple(segments), initial_c=initial_c, name=name)

    @property
    def hours(self) -> float:
        """Total duration in hours."""
        return sum(s.hours for s in self.segments)

    def temperature_profile(self) -> list[tuple[float, float]]:
        """Product temperature ``(start_c, end_c)`` of every segment."""
        out: list[tuple[float, float]] = []
        current = self.initial_c
        for s in self.segments:
            if not s.is_relaxing:
                t0 = s.air_c
            elif s.start_c is not None:
                t0 = s.start_c
            else:
                t0 = s.air_c if current is None else current
            t1 = s.end_temperature(t0)
            out.append((t0, t1))
            current = t1
        return out


def as_journey(journey: Journey | Sequence[Segment]) -> Journey:
    """Accept a :class:`Journey` or a plain sequence of segments."""
    return journey if isinstance(journey, Journey) else Journey.of(journey)


@dataclass(frozen=True, slots=True)
class ChillingViolation:
    """A segment whose product temperature goes below the product's ``t_min_c``."""

    index: int
    segment: str
    min_product_c: float
    t_min_c: float

    def message(self, product: Product) -> str:
        """The one-line message used by :class:`FreshnessError`."""
        return (
            f"product {product.id!r} ({product.name}): segment {self.index} {self.segment!r} "
            f"takes the product to {self.min_product_c:.2f} degC, below its chilling threshold "
            f"t_min_c={self.t_min_c:g} degC; the shelf-life model does not extrapolate there"
        )


def chilling_violations(
    product: Product, journey: Journey | Sequence[Segment]
) -> list[ChillingViolation]:
    """Every segment whose lowest product temperature is below ``product.t_min_c``.

    A planner can call this before :func:`segment_phi` / ``assess`` to keep chilling-sensitive
    produce out of cold vehicles instead of catching the error.
    """
    j = as_journey(journey)
    out: list[ChillingViolation] = []
    for i, (s, (t0, t1)) in enumerate(zip(j.segments, j.temperature_profile(), strict=True)):
        low = min(t0, t1)
        if low < product.t_min_c - CHILLING_TOLERANCE_C:
            out.append(ChillingViolation(i, s.name, low, product.t_min_c))
    return out


def check_chilling(product: Product, journey: Journey | Sequence[Segment]) -> None:
    """Raise :class:`FreshnessError` for the first segment below ``product.t_min_c``."""
    bad = chilling_violations(product, journey)
    if bad:
        raise FreshnessError(bad[0].message(product))


def _relax_phi_q10(product: Product, hours: float, t0: float, ta: float, z: float) -> float:
    """Exact Q10-form integral of ``dt / SL(T(t))`` over a Newtonian relaxation."""
    from scipy import special  # deferred: scipy is slow to import

    b = math.log(product.q10) / 10.0
    c = LN2 / z
    d = t0 - ta
    rate_a = (
        1.0 / (HOURS_PER_DAY * product.shelf_life_ref_days) * math.exp(b * (ta - product.t_ref_c))
    )
    u0 = b * d
    if abs(u0) < 1e-12:
        return rate_a * hours
    u1 = u0 * math.exp(-c * hours)
    return rate_a / c * float(special.expi(u0) - special.expi(u1))


def _relax_phi_numeric(product: Product, hours: float, t0: float, ta: float, z: float) -> float:
    """Adaptive quadrature of ``dt / SL(T(t))`` over a Newtonian relaxation."""
    from scipy import integrate  # deferred: scipy is slow to import

    def rate(t: float) -> float:
        return decay_rate_per_hour(product, product_temperature(t, t0, ta, z))

    points = [k * z for k in (0.5, 2.0, 8.0, 32.0) if k * z < hours]
    value, _err = integrate.quad(
        rate, 0.0, hours, epsabs=0.0, epsrel=1e-10, limit=200, points=points or None
    )
    return float(value)


def segment_phi(product: Product, segment: Segment, start_c: float, index: int = 0) -> float:
    """Consumed fraction of shelf life in one segment, product at ``start_c`` at its start.

    ``start_c`` is ignored by a hold segment (product at ``air_c``). Raises
    :class:`FreshnessError` if the product temperature goes below ``t_min_c``; ``index`` only
    names the segment in that message.
    """
    if not segment.is_relaxing:
        start_c = segment.air_c
    end_c = segment.end_temperature(start_c)
    low = min(start_c, end_c)
    if low < product.t_min_c - CHILLING_TOLERANCE_C:
        raise FreshnessError(
            ChillingViolation(index, segment.name, low, product.t_min_c).message(product)
        )
    if segment.hours == 0.0:
        return 0.0
    if segment.half_cooling_h is None or start_c == segment.air_c:
        return segment.hours * decay_rate_per_hour(product, segment.air_c)
    if product.ea_kj_per_mol is None:
        return _relax_phi_q10(
            product, segment.hours, start_c, segment.air_c, segment.half_cooling_h
        )
    return _relax_phi_numeric(
        product, segment.hours, start_c, segment.air_c, segment.half_cooling_h
    )


def segment_phis(product: Product, journey: Journey | Sequence[Segment]) -> list[float]:
    """Consumed fraction per segment (chilling is checked for the whole journey first)."""
    j = as_journey(journey)
    check_chilling(product, j)
    return [
        segment_phi(product, s, t0, i)
        for i, (s, (t0, _t1)) in enumerate(zip(j.segments, j.temperature_profile(), strict=True))
    ]


def consumed_fraction(product: Product, journey: Journey | Sequence[Segment]) -> float:
    """``phi = sum_k integral dt / SL(T(t))`` over the journey (module docstring)."""
    return math.fsum(segment_phis(product, journey))
