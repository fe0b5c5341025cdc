"""Seasonal price model per product, fitted to the real Beijing Xinfadi series, and price paths.

Front door: :func:`fit_price_model` ``(series) -> PriceModel``; paths with
:meth:`PriceModel.simulate`; the fit checked against the real series with :func:`check_fit`.

The model (weekly, on log wholesale price)::

    log P_t = s(doy_t) + y_t,     y_t = phi * y_(t-1) + sigma * e_t,
    e_t ~ Student-t(nu), scaled to unit variance

* ``s`` is the **seasonal profile**: a periodic linear spline with a knot on the 15th of each
  month that has at least two weeks of data, the knot values chosen so that the spline's mean
  over each month's observed weeks equals that month's real mean log price. Fruit prices follow the
  storage cycle (apples are dearest in Aug-Sep before the new crop and cheapest in Nov after
  harvest); a product quoted only in season (peach, navel orange) gets knots only in its months.
* ``y`` is the deviation from the profile, **mean-reverting** (AR(1)): over a few seasons prices
  come back to their seasonal level, which a random walk (geometric Brownian motion) would not
  do, and a 3-year sample cannot support a trend. ``phi`` is the lag-1 autocorrelation of the
  deviations over consecutive weeks (clipped to [0, 0.995]).
* ``e`` is **fat tailed**: weekly changes have kurtosis well above 3 (apples about 13), so the
  shocks are Student-t with ``nu`` fitted by maximum likelihood to the standardised residuals
  (bounded to [3, 100] so the variance and skewness exist), capped at 8 standard deviations
  (the largest real shock is 5.5) and rescaled to unit variance after the cap.
* ``sigma`` is set by the method of moments so that the model's weekly log-return variance
  equals the real one: ``var(dx) = var(ds) + 2 sigma^2 / (1 + phi)``. (The plain residual
  standard deviation would count twice the month-to-month moves that a 3-year sample attributes
  to the seasonal profile.)
* **Weekly, not daily**: Xinfadi quotes are sticky (88 % of daily apple changes are zero) and
  mix size grades from day to day; a week's mean of daily log prices removes both.

Models considered and not used: GBM (no mean reversion, drifts away over several seasons);
GARCH or regime switching (too few weeks, about 150, to estimate them stably).

Paths start each season at a deviation the real market has shown around that time of year (a
draw from the real deviations within three weeks of the season start), so a season opens at a
plausible level. Between seasons the AR(1) runs on (the off-season weeks in one Gaussian step of
the same variance). The second option, ``method="bootstrap"``, keeps the real shocks: a moving
block bootstrap (blocks of 4 consecutive weeks) of the real de-seasonalised weekly log returns,
added up from the same start draw, each season on its own.

Farm-gate prices are the wholesale paths times a farm-gate factor (0.5, an assumption; see
:data:`ruralflow.sharing.settlement.FARM_GATE_SOURCE`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

from ruralflow.sharing.errors import SharingError
from ruralflow.sharing.settlement import PriceLevel, PriceQuote

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Method = Literal["model", "bootstrap"]

XINFADI_SOURCE = (
    "Beijing Xinfadi wholesale market daily quotes 2013-06..2016-05 "
    "(shared/data/prices/xinfadi_2013_2016_daily_fruit_veg.csv, from GitHub "
    "xieli000/Xinfadi-Fruit-Price), avg price per jin x 2 = yuan/kg, median of a day's quotes"
)
#: Weeks are counted from this Monday.
WEEK_EPOCH = dt.date(2000, 1, 3)
#: Day of year of the 15th of each month (non-leap year): the seasonal knots.
MONTH_KNOTS = tuple(float(dt.date(2001, m, 15).timetuple().tm_yday) for m in range(1, 13))
YEAR_DAYS = 365.0
PHI_MAX = 0.995
NU_BOUNDS = (3.0, 100.0)
#: Standardised weekly shocks are capped at this many standard deviations (the largest in the
#: real series is 5.5 for Fuji apples); without a cap a t(3) draw among millions reaches ~100.
SHOCK_CAP_SD = 8.0
#: A season path starts from a real deviation within this many days of the season start.
START_WINDOW_DAYS = 21
BLOCK_WEEKS = 4

#: Tolerances of :func:`check_fit` (the fitted model against the real series).
MEAN_TOL = 0.05  # relative error of the mean price
VOL_TOL = 0.15  # relative error of the weekly log-return standard deviation
SHAPE_TOL = 0.10  # largest difference of a month's mean log price (about 10 %)
SHAPE_CORR_MIN = 0.95  # correlation of the monthly mean log-price profiles


class PriceDataError(SharingError):
    """A price series is missing or too short to fit."""


@dataclass(frozen=True, eq=False)
class PriceSeries:
    """Daily prices of one product (yuan/kg) at one level, sorted by day, one value a day."""

    product: str
    days: tuple[dt.date, ...]
    yuan_per_kg: tuple[float, ...]
    level: PriceLevel = PriceLevel.WHOLESALE
    source: str = "assumption"

    def __post_init__(self) -> None:
        if len(self.days) != len(self.yuan_per_kg):
            raise PriceDataError(f"{self.product}: days and prices differ in length")
        if any(b <= a for a, b in zip(self.days, self.days[1:], strict=False)):
            raise PriceDataError(f"{self.product}: days must be sorted and unique")
        if any(not (v > 0 and math.isfinite(v)) for v in self.yuan_per_kg):
            raise PriceDataError(f"{self.product}: prices must be positive and finite")

    def between(self, first: dt.date, last: dt.date) -> PriceSeries:
        keep = [
            (d, v) for d, v in zip(self.days, self.yuan_per_kg, strict=True) if first <= d <= last
        ]
        return PriceSeries(
            self.product,
            tuple(d for d, _ in keep),
            tuple(v for _, v in keep),
            self.level,
            self.source,
        )


def series_from_quotes(
    quotes: Iterable[PriceQuote], product: str, level: PriceLevel = PriceLevel.WHOLESALE
) -> PriceSeries:
    """A :class:`PriceSeries` from ``prices.csv`` quotes of one product and level."""
    sel = sorted((q.day, q) for q in quotes if q.product == product and q.level is level)
    sources = sorted({q.source for _, q in sel})
    return PriceSeries(
        product,
        tuple(d for d, _ in sel),
        tuple(float(q.yuan_per_kg) for _, q in sel),
        level,
        "; ".join(sources) or "prices.csv",
    )


# --------------------------------------------------------------------------- weekly data
@dataclass(frozen=True, eq=False)
class Weekly:
    """Weekly log prices: week number (from :data:`WEEK_EPOCH`), log price, day of year of the
    week's middle (Thursday), month of that day."""

    week: IntArray
    log_price: FloatArray
    doy: FloatArray
    month: IntArray

    @property
    def consecutive(self) -> npt.NDArray[np.bool_]:
        """For each adjacent pair of observed weeks: are they one week apart?"""
        return np.asarray(np.diff(self.week) == 1)


def weekly(series: PriceSeries) -> Weekly:
    acc: dict[int, list[float]] = defaultdict(list)
    for d, v in zip(series.days, series.yuan_per_kg, strict=True):
        acc[(d - WEEK_EPOCH).days // 7].append(math.log(v))
    weeks = sorted(acc)
    mids = [WEEK_EPOCH + dt.timedelta(days=7 * w + 3) for w in weeks]
    return Weekly(
        week=np.array(weeks, dtype=np.int64),
        log_price=np.array([float(np.mean(acc[w])) for w in weeks]),
        doy=np.array([_doy(m) for m in mids], dtype=np.float64),
        month=np.array([m.month for m in mids], dtype=np.int64),
    )


def _doy(d: dt.date) -> float:
    """Day of year on a 365-day year (29 Feb counts as 28 Feb)."""
    if d.month == 2 and d.day == 29:
        d = d.replace(day=28)
    return float(dt.date(2001, d.month, d.day).timetuple().tm_yday)


@lru_cache(maxsize=256)
def _capped_scale(nu: float) -> float:
    """1 / standard deviation of a unit-variance t(nu) capped at +-SHOCK_CAP_SD."""
    if nu >= NU_BOUNDS[1]:
        dist: Any = stats.norm()
    else:
        dist = stats.t(nu, scale=math.sqrt((nu - 2.0) / nu))
    a = SHOCK_CAP_SD
    inner = dist.expect(lambda x: x * x, lb=-a, ub=a)
    tails = 2.0 * a * a * dist.sf(a)
    return 1.0 / math.sqrt(float(inner) + float(tails))


def _basis(doy: FloatArray, knots: FloatArray) -> FloatArray:
    """Periodic piecewise-linear (tent) basis at ``doy`` for ``knots`` (days of year)."""
    out = np.zeros((len(doy), len(knots)))
    if len(knots) == 1:
        out[:, 0] = 1.0
        return out
    eye = np.eye(len(knots))
    for k in range(len(knots)):
        out[:, k] = np.interp(doy, knots, eye[k], period=YEAR_DAYS)
    return out


# --------------------------------------------------------------------------- the model
@dataclass(frozen=True, eq=False)
class PriceModel:
    """A fitted seasonal AR(1)-t model of weekly log wholesale prices (see the module doc)."""

    product: str
    source: str
    knots_doy: tuple[float, ...]
    knot_log: tuple[float, ...]
    phi: float
    sigma: float
    nu: float
    sigma_residual: float
    deviations: FloatArray = field(repr=False)
    deviation_doy: FloatArray = field(repr=False)
    returns: FloatArray = field(repr=False)
    block_starts: IntArray = field(repr=False)
    n_weeks: int = 0
    first: dt.date | None = None
    last: dt.date | None = None
    kurtosis: float = 3.0
    level: PriceLevel = PriceLevel.WHOLESALE

    def seasonal(self, doy: FloatArray | float) -> FloatArray:
        """The seasonal log price at day(s) of year ``doy``."""
        d = np.atleast_1d(np.asarray(doy, dtype=np.float64)) % YEAR_DAYS
        knots = np.array(self.knots_doy)
        return np.asarray(_basis(d, knots) @ np.array(self.knot_log), dtype=np.float64)

    def seasonal_price(self, doy: FloatArray | float) -> FloatArray:
        """exp(seasonal): the typical (median-like) price at day(s) of year ``doy``."""
        return np.exp(self.seasonal(doy))

    @property
    def months(self) -> tuple[int, ...]:
        """Months with data (a knot each)."""
        return tuple(MONTH_KNOTS.index(k) + 1 for k in self.knots_doy)

    def _start_draws(self, doy0: float, n: int, rng: np.random.Generator) -> FloatArray:
        dist = np.abs((self.deviation_doy - doy0 + YEAR_DAYS / 2) % YEAR_DAYS - YEAR_DAYS / 2)
        pool = self.deviations[dist <= START_WINDOW_DAYS]
        if len(pool) < 5:
            pool = self.deviations
        return np.asarray(rng.choice(pool, size=n), dtype=np.float64)

    def _shocks(self, rng: np.random.Generator, shape: tuple[int, ...]) -> FloatArray:
        """Unit-variance shocks: t(nu) scaled to variance 1, capped at SHOCK_CAP_SD, rescaled."""
        if self.nu >= NU_BOUNDS[1]:
            e = rng.standard_normal(shape)
        else:
            e = rng.standard_t(self.nu, size=shape) * math.sqrt((self.nu - 2.0) / self.nu)
        np.clip(e, -SHOCK_CAP_SD, SHOCK_CAP_SD, out=e)
        return np.asarray(e * _capped_scale(self.nu), dtype=np.float64)

    def simulate(
        self,
        start: tuple[int, int],
        weeks: int,
        paths: int,
        *,
        seasons: int = 1,
        seed: int | np.random.Generator = 0,
        method: Method = "model",
        block_weeks: int = BLOCK_WEEKS,
    ) -> FloatArray:
        """Wholesale price paths (yuan/kg), shape ``(paths, seasons, weeks)``.

        Week ``k`` of a season is the week starting ``7k`` days after ``start`` (month, day).
        ``method="model"``: the fitted AR(1)-t, continuous over the seasons;
        ``method="bootstrap"``: block bootstrap of real de-seasonalised weekly returns.
        Reproducible for a given ``seed``.
        """
        if weeks < 1 or weeks > 52:
            raise SharingError(f"weeks must be 1..52 (got {weeks})")
        return self._simulate(
            _doy(dt.date(2001, *start)), weeks, paths, seasons, seed, method, block_weeks
        )

    def _simulate(
        self,
        doy0: float,
        weeks: int,
        paths: int,
        seasons: int,
        seed: int | np.random.Generator,
        method: Method,
        block_weeks: int,
    ) -> FloatArray:
        if paths < 1 or seasons < 1:
            raise SharingError("paths and seasons must be >= 1")
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        doys = doy0 + 3.0 + 7.0 * np.arange(weeks)
        s = self.seasonal(np.asarray(doys, dtype=np.float64))
        y = np.empty((paths, seasons, weeks))
        if method == "model":
            y0 = self._start_draws(doy0, paths, rng)
            gap = 53 - weeks  # steps from a season's last week to the next season's first
            for j in range(seasons):
                if j > 0:
                    last = y[:, j - 1, -1]
                    g = max(gap, 1)
                    var = self.sigma**2 * (1 - self.phi ** (2 * g)) / max(1 - self.phi**2, 1e-12)
                    y0 = self.phi**g * last + math.sqrt(var) * rng.standard_normal(paths)
                y[:, j, 0] = y0
                if weeks > 1:
                    e = self.sigma * self._shocks(rng, (paths, weeks - 1))
                    for k in range(1, weeks):
                        y[:, j, k] = self.phi * y[:, j, k - 1] + e[:, k - 1]
        elif method == "bootstrap":
            if len(self.block_starts) == 0:
                raise PriceDataError(
                    f"{self.product}: no run of {block_weeks} consecutive real weeks to bootstrap"
                )
            for j in range(seasons):
                y[:, j, 0] = self._start_draws(doy0, paths, rng)
                if weeks > 1:
                    nblocks = -(-(weeks - 1) // block_weeks)
                    starts = rng.choice(self.block_starts, size=(paths, nblocks))
                    idx = (starts[:, :, None] + np.arange(block_weeks)).reshape(paths, -1)
                    r = self.returns[idx[:, : weeks - 1]]
                    y[:, j, 1:] = y[:, j, :1] + np.cumsum(r, axis=1)
        else:
            raise SharingError(f"method must be 'model' or 'bootstrap' (got {method!r})")
        return np.asarray(np.exp(y + s), dtype=np.float64)

    def summary(self) -> str:
        """The fitted model in one paragraph (the same text as :meth:`describe`)."""
        return self.describe()

    def describe(self) -> str:
        prof = ", ".join(
            f"{m:02d}:{math.exp(v):.2f}" for m, v in zip(self.months, self.knot_log, strict=True)
        )
        return (
            f"{self.product}: seasonal AR(1)-t on weekly log wholesale price, "
            f"{self.n_weeks} weeks {self.first}..{self.last}; phi {self.phi:.3f} (half-life "
            f"{self.half_life_weeks:.1f} weeks), sigma {self.sigma:.4f} (residual sd "
            f"{self.sigma_residual:.4f}), Student-t nu {self.nu:.1f} (residual kurtosis "
            f"{self.kurtosis:.1f}); seasonal level yuan/kg by month {prof}"
        )

    @property
    def half_life_weeks(self) -> float:
        if self.phi <= 0:
            return 0.0
        if self.phi >= 1:
            return math.inf
        return math.log(0.5) / math.log(self.phi)

    def to_dict(self) -> dict[str, Any]:
        return {
            "product": self.product,
            "model": "seasonal AR(1) with Student-t shocks on weekly log wholesale price",
            "source": self.source,
            "weeks": self.n_weeks,
            "first": str(self.first),
            "last": str(self.last),
            "phi": self.phi,
            "half_life_weeks": self.half_life_weeks,
            "sigma": self.sigma,
            "sigma_residual": self.sigma_residual,
            "nu": self.nu,
            "residual_kurtosis": self.kurtosis,
            "seasonal_yuan_per_kg": {
                f"{m:02d}": math.exp(v) for m, v in zip(self.months, self.knot_log, strict=True)
            },
        }


def fit_price_model(series: PriceSeries, *, min_weeks: int = 30) -> PriceModel:
    """Fit the seasonal AR(1)-t model to a daily series (see the module docstring)."""
    w = weekly(series)
    n = len(w.week)
    if n < min_weeks:
        raise PriceDataError(
            f"{series.product}: {n} weeks of prices, at least {min_weeks} are needed to fit "
            "a seasonal model"
        )
    months = sorted({int(m) for m in w.month if int(np.sum(w.month == m)) >= 2})
    knots = np.array([MONTH_KNOTS[m - 1] for m in months])
    basis = _basis(w.doy, knots)
    # knot values such that the spline's mean over each month's observed weeks equals that
    # month's real mean log price (a square system; least squares if it is singular)
    avg = np.array([basis[w.month == m].mean(axis=0) for m in months])
    target = np.array([w.log_price[w.month == m].mean() for m in months])
    coef, *_ = np.linalg.lstsq(avg, target, rcond=None)
    s = basis @ coef
    y = w.log_price - s
    cons = w.consecutive
    if int(cons.sum()) < 10:
        raise PriceDataError(f"{series.product}: fewer than 10 pairs of consecutive weeks")
    y0, y1 = y[:-1][cons], y[1:][cons]
    phi = float(np.clip(np.sum(y0 * y1) / np.sum(y0 * y0), 0.0, PHI_MAX))
    res = y1 - phi * y0
    sd_res = float(np.std(res))
    z = res / sd_res if sd_res > 0 else res
    nu_hat, _, _ = stats.t.fit(z, floc=0.0)
    nu = float(np.clip(nu_hat, *NU_BOUNDS))
    var_x = float(np.var(np.diff(w.log_price)[cons]))
    var_s = float(np.var(np.diff(s)[cons]))
    sigma = math.sqrt(max(var_x - var_s, 0.25 * var_x) * (1.0 + phi) / 2.0)
    # block bootstrap pool: de-seasonalised returns over consecutive weeks; a block of
    # BLOCK_WEEKS may start at i when returns i..i+B-1 all join consecutive weeks
    dy = np.diff(y)
    ok = cons.astype(np.int64)
    runs = np.convolve(ok, np.ones(BLOCK_WEEKS, dtype=np.int64), mode="valid")
    starts = np.flatnonzero(runs == BLOCK_WEEKS).astype(np.int64)
    return PriceModel(
        product=series.product,
        source=series.source,
        knots_doy=tuple(float(k) for k in knots),
        knot_log=tuple(float(c) for c in coef),
        phi=phi,
        sigma=sigma,
        nu=nu,
        sigma_residual=sd_res,
        deviations=y,
        deviation_doy=w.doy,
        returns=np.asarray(dy, dtype=np.float64),
        block_starts=starts,
        n_weeks=n,
        first=series.days[0],
        last=series.days[-1],
        kurtosis=float(stats.kurtosis(res, fisher=False)),
        level=series.level,
    )


# --------------------------------------------------------------------------- fit check
@dataclass(frozen=True)
class FitCheck:
    """The fitted model's mean, volatility and seasonal shape against the real series.

    Simulated statistics are taken at the real series' weeks of the year (so the same months
    weigh the same), averaged over ``replicas`` one-year model paths started from real
    deviations at the start of the year.
    """

    product: str
    replicas: int
    mean_real: float
    mean_model: float
    vol_real: float
    vol_model: float
    months: tuple[int, ...]
    profile_real: tuple[float, ...]
    profile_model: tuple[float, ...]

    @property
    def mean_error(self) -> float:
        return self.mean_model / self.mean_real - 1.0

    @property
    def vol_error(self) -> float:
        return self.vol_model / self.vol_real - 1.0

    @property
    def shape_error(self) -> float:
        return float(np.max(np.abs(np.array(self.profile_model) - np.array(self.profile_real))))

    @property
    def shape_corr(self) -> float:
        if len(self.months) < 3:
            return 1.0
        return float(np.corrcoef(self.profile_model, self.profile_real)[0, 1])

    @property
    def passed(self) -> bool:
        return (
            abs(self.mean_error) <= MEAN_TOL
            and abs(self.vol_error) <= VOL_TOL
            and self.shape_error <= SHAPE_TOL
            and self.shape_corr >= SHAPE_CORR_MIN
        )

    def summary(self) -> str:
        ok = "pass" if self.passed else "FAIL"
        return (
            f"{self.product}: mean {self.mean_real:.2f} real / {self.mean_model:.2f} model "
            f"({self.mean_error:+.1%}, tol {MEAN_TOL:.0%}); weekly vol {self.vol_real:.3f} / "
            f"{self.vol_model:.3f} ({self.vol_error:+.1%}, tol {VOL_TOL:.0%}); seasonal shape "
            f"max |diff| {self.shape_error:.3f} (tol {SHAPE_TOL}), corr {self.shape_corr:.3f} "
            f"(min {SHAPE_CORR_MIN}) [{ok}]"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "product": self.product,
            "replicas": self.replicas,
            "mean_real": self.mean_real,
            "mean_model": self.mean_model,
            "mean_error": self.mean_error,
            "vol_real": self.vol_real,
            "vol_model": self.vol_model,
            "vol_error": self.vol_error,
            "months": list(self.months),
            "profile_real": list(self.profile_real),
            "profile_model": list(self.profile_model),
            "shape_error": self.shape_error,
            "shape_corr": self.shape_corr,
            "tolerances": {
                "mean": MEAN_TOL,
                "vol": VOL_TOL,
                "shape": SHAPE_TOL,
                "shape_corr_min": SHAPE_CORR_MIN,
            },
            "passed": self.passed,
        }


def check_fit(
    model: PriceModel, series: PriceSeries, *, replicas: int = 2000, seed: int = 0
) -> FitCheck:
    """Compare the model with the real series (mean, weekly volatility, monthly profile)."""
    w = weekly(series)
    x = w.log_price
    cons = w.consecutive
    woy = ((w.doy - 1.0) // 7.0).astype(np.int64)  # 0..52
    # one-year paths from 1 January, weeks 0..53 (a week 53 for pairs ending in January)
    sim = np.log(model._simulate(1.0, 54, replicas, 1, seed, "model", BLOCK_WEEKS)[:, 0, :])
    mean_real = float(np.mean(np.exp(x)))
    mean_model = float(np.mean(np.exp(sim[:, woy])))
    k = woy[:-1][cons]
    keep = k + 1 < sim.shape[1]
    d_sim = sim[:, k[keep] + 1] - sim[:, k[keep]]
    vol_real = float(np.std(np.diff(x)[cons]))
    vol_model = float(np.std(d_sim))
    months = model.months  # months with a knot (at least two weeks of data)
    prof_real = tuple(float(np.mean(x[w.month == m])) for m in months)
    prof_model = tuple(float(np.mean(sim[:, woy[w.month == m]])) for m in months)
    return FitCheck(
        product=model.product,
        replicas=replicas,
        mean_real=mean_real,
        mean_model=mean_model,
        vol_real=vol_real,
        vol_model=vol_model,
        months=months,
        profile_real=prof_real,
        profile_model=prof_model,
    )


def season_weeks(start: tuple[int, int], end: tuple[int, int]) -> int:
    """Number of weeks from ``start`` to ``end`` (month, day), wrapping New Year, 1..52."""
    a = dt.date(2001, *start)
    b = dt.date(2001, *end)
    if b < a:
        b = dt.date(2002, *end)
    return max(1, min(52, ((b - a).days + 7) // 7))


def monthly_profile(series: PriceSeries) -> dict[int, float]:
    """Mean price (yuan/kg) by calendar month of a daily series."""
    acc: dict[int, list[float]] = defaultdict(list)
    for d, v in zip(series.days, series.yuan_per_kg, strict=True):
        acc[d.month].append(v)
    return {m: float(np.mean(v)) for m, v in sorted(acc.items())}


def quotes_of(
    series: PriceSeries, product: str | None = None, days: Sequence[dt.date] | None = None
) -> list[PriceQuote]:
    """``prices.csv`` rows (as quotes) of a series, as ``product``, optionally only on ``days``
    (prices rounded to 0.1 fen per kg)."""
    from decimal import Decimal

    keep = set(days) if days is not None else None
    name = product or series.product
    return [
        PriceQuote(d, name, Decimal(f"{v:.3f}"), series.level, series.source)
        for d, v in zip(series.days, series.yuan_per_kg, strict=True)
        if keep is None or d in keep
    ]
