"""Seeded generator of households, down demand and up supply: all its parameters in one place.

No public data gives village households, daily parcels per village or daily produce per
village for these counties, so these are **synthetic** (every row says ``synthetic=True``)
and come from :class:`FlowParams`, calibrated to the published figures collected in
the research notes ``PARAMS.md`` section 3 (rural logistics, China):

* Beizhen (Liaoning): 600+ items a day over 224 village post stations, ~2.7 per village a day
  (D). Jungar Banner (Inner Mongolia): 4,000 parcels a day over 94 villages, ~43 per village a
  day (D). Leiyang (Hunan): one station serving 4 villages grew from <10 to >200 parcels a day,
  i.e. up to ~50 per village a day. The default rate 0.08 parcels per household per day gives a
  median village (330 households) ~26 down parcels a day, inside that 2.7..50 range and near
  the Jungar figure.
* Shiping (Yunnan) county hub: 39,000 parcels in and 10,700 out a day, so outbound is ~0.27 of
  inbound over a year (D). In the harvest season of a county's lead product the up flow is
  larger; the defaults give up parcels (at 5 kg per up parcel) of roughly 0.3-0.8 of the down
  parcels in the main season and none out of season.

Everything else here is an **assumption** (stated per field). Random streams are keyed by
(seed, county, purpose[, day]) so a village's households and a day's flows do not move when the
season is made longer or shorter: a 14-day county is a prefix of the 30-day one.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ruralflow.bundle.catalog import CountyProduct
from ruralflow.domain import DownDemand, UpSupply

# Purposes of the random streams (the third element of the seed sequence).
STREAM_HOUSEHOLDS = 1
STREAM_PLACEMENT = 2
STREAM_PRODUCERS = 3
STREAM_DOWN = 4
STREAM_UP = 5
STREAM_BUS = 6
STREAM_COARSE = 7


def rng_for(seed: int, adcode: str, stream: int, *extra: int) -> np.random.Generator:
    """A numpy Generator for one purpose; independent of every other purpose."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, int(adcode), stream, *extra])


def _roles(**kw: float) -> Mapping[str, float]:
    return dict(kw)


@dataclass(frozen=True)
class FlowParams:
    """Parameters of the synthetic households and flows (the one documented place).

    Households (assumption): per village, lognormal with median ``households_median`` and log
    standard deviation ``households_sigma``, clipped to [``households_min``,
    ``households_max``]. A median of 330 households (~1,000 residents at ~3 per household)
    is an assumed typical administrative village.

    Down (calibrated, see module docstring): parcels per village-day are negative binomial
    with mean ``down_parcels_per_household_day`` x households x weekday factor x festival
    factor and shape ``down_dispersion``. A share ``cold_share`` of parcels is fresh food that
    needs a chilled vehicle (assumption; PARAMS.md s2 gives a 10 % cold-chain circulation rate
    for fruit and vegetables in China, grade C, and fresh food is a small part of parcels).

    Up (assumption, checked against the Shiping in/out ratio): a share of villages produces
    each product (``role_village_share``: lead / secondary / minor); a producing village
    ships on a season day with probability ``ship_probability``; its kg is households x
    ``role_peak_kg_per_household_day`` x season shape x lognormal noise. The season shape is
    ``season_floor + (1 - season_floor) * sin(pi * x)`` for x = 0..1 through the harvest
    window (a peak mid-season).
    """

    households_median: float = 330.0
    households_sigma: float = 0.45
    households_min: int = 40
    households_max: int = 3000

    down_parcels_per_household_day: float = 0.08
    down_dispersion: float = 4.0
    #: Monday..Sunday (assumption: a little more on Monday after the weekend).
    weekday_factor: tuple[float, ...] = (1.10, 1.00, 1.00, 1.00, 1.00, 0.95, 0.95)
    #: (first MM-DD, last MM-DD, factor): online shopping festivals (assumption).
    festivals: tuple[tuple[str, str, float], ...] = (
        ("11-11", "11-20", 1.5),
        ("06-18", "06-22", 1.2),
    )
    kg_per_parcel: float = 1.6
    kg_per_parcel_sigma: float = 0.25
    m3_per_parcel: float = 0.008
    cold_share: float = 0.05
    cold_kg_per_parcel: float = 3.0
    cold_m3_per_parcel: float = 0.012

    role_village_share: Mapping[str, float] = field(
        default_factory=lambda: _roles(lead=0.7, secondary=0.35, minor=0.15)
    )
    role_peak_kg_per_household_day: Mapping[str, float] = field(
        default_factory=lambda: _roles(lead=0.30, secondary=0.15, minor=0.06)
    )
    ship_probability: float = 0.85
    season_floor: float = 0.4
    up_kg_sigma: float = 0.5
    #: kg per up parcel, only to compare up with down in parcels (assumption: a 5 kg box).
    up_kg_per_parcel: float = 5.0
    #: Picking starts between these minutes after midnight; loading is ready 60-180 min later.
    harvest_earliest_min: int = 5 * 60 + 30
    harvest_latest_min: int = 8 * 60 + 30
    ready_delay_min: tuple[int, int] = (60, 180)

    def __post_init__(self) -> None:
        if len(self.weekday_factor) != 7:
            raise ValueError("weekday_factor needs 7 values (Monday..Sunday)")
        for name in ("down_parcels_per_household_day", "kg_per_parcel", "households_median"):
            if getattr(self, name) <= 0:
                raise ValueError(f"FlowParams.{name} must be > 0")
        if not 0.0 <= self.cold_share <= 1.0 or not 0.0 <= self.ship_probability <= 1.0:
            raise ValueError("FlowParams shares must be within 0..1")

    def festival_factor(self, day: dt.date) -> float:
        md = (day.month, day.day)
        f = 1.0
        for a, b, k in self.festivals:
            lo = tuple(int(x) for x in a.split("-"))
            hi = tuple(int(x) for x in b.split("-"))
            if lo <= md <= hi:
                f = max(f, k)
        return f

    def season_shape(self, x: float) -> float:
        return self.season_floor + (1.0 - self.season_floor) * math.sin(math.pi * x)

    @property
    def mean_season_shape(self) -> float:
        """Mean of :meth:`season_shape` over a window (for annual estimates)."""
        return self.season_floor + (1.0 - self.season_floor) * 2.0 / math.pi

    def down_kg_per_parcel_mean(self) -> float:
        return (
            1 - self.cold_share
        ) * self.kg_per_parcel + self.cold_share * self.cold_kg_per_parcel

    def as_dict(self) -> dict[str, Any]:
        """Plain values (for county.yaml sources and the docs)."""
        out: dict[str, Any] = {}
        for k in self.__dataclass_fields__:
            v = getattr(self, k)
            out[k] = dict(v) if isinstance(v, Mapping) else v
        return out


DEFAULT_PARAMS = FlowParams()


def households(n: int, rng: np.random.Generator, p: FlowParams = DEFAULT_PARAMS) -> list[int]:
    """``n`` household counts (lognormal assumption, see :class:`FlowParams`)."""
    h = rng.lognormal(math.log(p.households_median), p.households_sigma, n)
    return [int(v) for v in np.clip(np.round(h), p.households_min, p.households_max)]


def days_of(start: dt.date, season_days: int) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(season_days)]


def down_demand(
    village_ids: Sequence[str],
    hh: Sequence[int],
    days: Sequence[dt.date],
    *,
    seed: int,
    adcode: str,
    p: FlowParams = DEFAULT_PARAMS,
) -> list[DownDemand]:
    """Daily parcels per village at the county hub (ambient and cold rows), synthetic."""
    out: list[DownDemand] = []
    h = np.asarray(hh, dtype=float)
    for day in days:
        rng = rng_for(seed, adcode, STREAM_DOWN, day.toordinal())
        mean = (
            p.down_parcels_per_household_day
            * h
            * p.weekday_factor[day.weekday()]
            * p.festival_factor(day)
        )
        k = p.down_dispersion
        parcels = rng.negative_binomial(k, k / (k + np.maximum(mean, 1e-9)))
        cold = rng.binomial(parcels, p.cold_share)
        amb = parcels - cold
        kg_noise = rng.lognormal(
            -0.5 * p.kg_per_parcel_sigma**2, p.kg_per_parcel_sigma, (2, len(h))
        )
        for i, vid in enumerate(village_ids):
            a, c = int(amb[i]), int(cold[i])
            if a > 0:
                kg = round(a * p.kg_per_parcel * float(kg_noise[0, i]), 1)
                out.append(
                    DownDemand(
                        day, vid, a, kg, round(a * p.m3_per_parcel, 3), False, synthetic=True
                    )
                )
            if c > 0:
                kg = round(c * p.cold_kg_per_parcel * float(kg_noise[1, i]), 1)
                out.append(
                    DownDemand(
                        day, vid, c, kg, round(c * p.cold_m3_per_parcel, 3), True, synthetic=True
                    )
                )
    return out


@dataclass(frozen=True, slots=True)
class Producer:
    """A village that grows one product: (village id, village code, households)."""

    village: str
    code: str
    households: int
    product: CountyProduct
    kg_per_m3: float


def choose_producers(
    villages: Sequence[tuple[str, str, int]],
    products: Sequence[CountyProduct],
    kg_per_m3: Mapping[str, float],
    *,
    seed: int,
    adcode: str,
    p: FlowParams = DEFAULT_PARAMS,
) -> list[Producer]:
    """Which villages produce which products (seeded, share per role)."""
    rng = rng_for(seed, adcode, STREAM_PRODUCERS)
    out: list[Producer] = []
    for cp in products:
        share = p.role_village_share.get(cp.role, 0.0)
        draws = rng.random(len(villages))
        for (vid, code, hh), u in zip(villages, draws, strict=True):
            if u < share:
                out.append(Producer(vid, code, hh, cp, kg_per_m3[cp.product]))
    return out


def up_supply(
    producers: Sequence[Producer],
    days: Sequence[dt.date],
    *,
    seed: int,
    adcode: str,
    p: FlowParams = DEFAULT_PARAMS,
) -> list[UpSupply]:
    """Daily batches waiting at villages in each product's harvest window, synthetic."""
    out: list[UpSupply] = []
    n = len(producers)
    lo, hi = p.ready_delay_min
    for day in days:
        rng = rng_for(seed, adcode, STREAM_UP, day.toordinal())
        ship = rng.random(n)
        noise = rng.lognormal(-0.5 * p.up_kg_sigma**2, p.up_kg_sigma, n)
        harvest = rng.integers(p.harvest_earliest_min // 5, p.harvest_latest_min // 5 + 1, n) * 5
        delay = rng.integers(lo // 5, hi // 5 + 1, n) * 5
        for i, pr in enumerate(producers):
            x = pr.product.season.fraction(day)
            if x is None or ship[i] >= p.ship_probability:
                continue
            peak = p.role_peak_kg_per_household_day.get(pr.product.role, 0.0)
            kg = round(pr.households * peak * p.season_shape(x) * float(noise[i]), 1)
            if kg < 1.0:
                continue
            h = int(harvest[i])
            out.append(
                UpSupply(
                    batch=f"B{day:%Y%m%d}-{pr.code}-{pr.product.product}",
                    day=day,
                    village=pr.village,
                    product=pr.product.product,
                    kg=kg,
                    ready_min=h + int(delay[i]),
                    harvest_min=h,
                    m3=round(kg / pr.kg_per_m3, 3),
                    synthetic=True,
                )
            )
    return out


def flow_stats(
    demand: Sequence[DownDemand],
    supply: Sequence[UpSupply],
    n_villages: int,
    n_days: int,
    p: FlowParams = DEFAULT_PARAMS,
) -> dict[str, float]:
    """Calibration figures: per village-day parcels, kg, and up/down parcel ratio."""
    parcels = sum(d.parcels for d in demand)
    down_kg = sum(d.kg for d in demand)
    up_kg = sum(s.kg for s in supply)
    vd = max(1, n_villages * n_days)
    up_parcels = up_kg / p.up_kg_per_parcel
    return {
        "down_parcels_per_village_day": parcels / vd,
        "down_kg_per_village_day": down_kg / vd,
        "down_parcels_per_day": parcels / max(1, n_days),
        "cold_share": sum(d.parcels for d in demand if d.cold) / max(1, parcels),
        "up_kg_per_day": up_kg / max(1, n_days),
        "up_parcels_per_day": up_parcels / max(1, n_days),
        "up_to_down_parcels": up_parcels / max(1, parcels),
    }
