"""The county input-output model: a provincial (or national) table regionalised to a county.

1. Domestic technical coefficients of the reference table ``A_P`` (``tables.IOTable``).
2. County output by sector ``x_C[i] = s_i * x_P[i]``, with ``s_i`` the county's share of the
   reference economy's output of sector ``i`` (``economy.sector_shares``; sectors not listed
   take ``county_output_share`` when given, else ``1 / N`` with ``N`` the number of
   county-level units of the province in the NBS 2023 division codes).
3. County coefficients ``A_C = A_P * min(1, LQ)`` (:func:`regional.regionalise`, FLQ with
   ``delta`` by default).
4. Households closed (Type II) for the county's rural households: labour row
   ``w_j = VA001_j / GO_j`` (compensation of employees, which in China's tables includes the
   mixed income of farm households), consumption column
   ``c_i = min(1, SLQ_i * lambda) * d_i * MPC * FU101_i / sum FU101``: the rural consumption
   pattern of the provincial table, the rural propensity to consume, the province's own share
   ``d_i`` and the county's local share (the household buys locally like a sector with LQ 1).
   The county is taken as rural: its sectors' labour income goes to its (mostly rural)
   residents; a stated assumption.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ruralflow.domain import Economy, SourcedValue
from ruralflow.matrix.errors import IOTableError
from ruralflow.matrix.flows import SectorMapping
from ruralflow.matrix.io import close_households, leontief_inverse
from ruralflow.matrix.multipliers import Multipliers, multipliers
from ruralflow.matrix.regional import (
    DEFAULT_DELTA,
    DELTA_SOURCE,
    METHODS,
    Method,
    flq_lambda,
    regionalise,
    slq,
)
from ruralflow.matrix.tables import IOTable

Array = NDArray[np.float64]

#: Key sectors of a rural county's two-way e-commerce (the flows map onto them).
KEY_SECTORS: tuple[str, ...] = ("01", "06", "28", "29", "30")


@dataclass(frozen=True, slots=True)
class FlowEffects:
    """County effects of one yuan of a flow (its sector mapping as final demand)."""

    local_content: float
    output_type1: float
    output_type2: float
    income_type1: float
    income_type2: float

    def to_dict(self) -> dict[str, float]:
        return {
            "local_content": round(self.local_content, 6),
            "output_type1": round(self.output_type1, 6),
            "output_type2": round(self.output_type2, 6),
            "income_type1": round(self.income_type1, 6),
            "income_type2": round(self.income_type2, 6),
        }


@dataclass(frozen=True)
class IOInputs:
    """The input-output data of the county IO layer, loaded by the caller.

    The engine reads no files: :func:`ruralflow.bundle.io_tables.load_io_inputs` (or a test)
    builds this. ``table`` is the reference table that ``economy.yaml`` names (``None``: the IO
    layer is not built and ``missing`` says why); ``county_units`` the number of county-level
    units of the table's economy (for the default county output share; 0 when unknown);
    ``notes`` are added to the result's notes as they stand.
    """

    table: IOTable | None = None
    county_units: int = 0
    notes: tuple[str, ...] = ()
    missing: str = "no input-output table passed in (ruralflow.bundle.io_tables.load_io_inputs)"

    def __post_init__(self) -> None:
        if isinstance(self.county_units, bool) or self.county_units < 0:
            raise IOTableError(f"county_units must be a count >= 0 (got {self.county_units!r})")


@dataclass(frozen=True)
class CountyIO:
    """The regionalised county table, its inverses and multipliers."""

    table: IOTable
    table_ref: str
    method: Method
    delta: SourcedValue
    county_share: Array
    share_source: str
    lam: float
    slq: Array
    a_reference: Array
    a_county: Array
    l_county: Array
    l_bar: Array
    w: Array
    c: Array
    mpc: SourcedValue
    county: Multipliers
    reference: Multipliers

    @property
    def codes(self) -> tuple[str, ...]:
        return self.table.codes

    def vector(self, mapping: SectorMapping) -> Array:
        f = np.zeros(len(self.codes))
        for code, share in mapping.shares.items():
            if code not in self.codes:
                raise IOTableError(f"sector mapping names unknown IO sector {code!r}")
            f[self.codes.index(code)] += share
        return f

    def effects(self, mapping: SectorMapping) -> FlowEffects:
        """Output and household income in the county per yuan of the flow."""
        f = self.vector(mapping)
        n = f.size
        x1 = self.l_county @ f
        fbar = np.append(f, 0.0)
        x2 = self.l_bar @ fbar
        return FlowEffects(
            local_content=float(f.sum()),
            output_type1=float(x1.sum()),
            output_type2=float(x2[:n].sum()),
            income_type1=float(self.w @ x1),
            income_type2=float(x2[n]),
        )

    def key_sectors(self) -> list[dict[str, Any]]:
        """Multipliers of :data:`KEY_SECTORS`, county and reference table."""
        out = []
        for code in KEY_SECTORS:
            j = self.codes.index(code)
            out.append(
                {
                    "code": code,
                    "name": self.table.names[j],
                    "slq": round(float(self.slq[j]), 4),
                    "county": self.county.row(code),
                    "reference": self.reference.row(code),
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table_ref,
            "kind": self.table.kind,
            "household": self.table.household_label,
            "method": self.method,
            "delta": {"value": self.delta.value, "source": self.delta.source},
            "lambda": round(self.lam, 6),
            "county_output_share_total": round(
                float((self.county_share * self.table.output).sum() / self.table.output.sum()),
                6,
            ),
            "county_share_source": self.share_source,
            "rural_propensity_to_consume": {"value": self.mpc.value, "source": self.mpc.source},
            "household_income_multiplier_county": round(
                self.county.household_income_multiplier, 6
            ),
            "key_sectors": self.key_sectors(),
            "employment": "not computed: the China tables have no employment row",
        }


def county_shares(
    economy: Economy,
    params: Mapping[str, SourcedValue],
    codes: tuple[str, ...],
    adcode: str,
    county_units: int,
    national: bool,
) -> tuple[Array, str]:
    """``s_i`` for every sector and the sentence saying where they come from."""
    given = {str(k).zfill(2): float(v) for k, v in economy.sector_shares.items()}
    unknown = sorted(set(given) - set(codes))
    if unknown:
        raise IOTableError(f"economy.yaml: sector_shares names unknown IO sector {unknown[0]!r}")
    if "county_output_share" in params:
        d = params["county_output_share"]
        default, dsrc = d.value, f"county_output_share {d.value:g} ({d.source})"
    else:
        n = county_units
        if n > 0:
            where = "China" if national else f"province {adcode[:2]}"
            default = 1.0 / n
            dsrc = (
                f"1/{n} = {default:.5f}: an equal share of the {n} county-level units of "
                f"{where} (NBS 2023 division codes, admin_divisions/counties_china.csv; "
                "assumption of an average county)"
            )
        else:
            default, dsrc = 0.01, "assumption: 0.01 (division codes not found)"
    s = np.array([given.get(c, default) for c in codes])
    listed = ", ".join(f"{k}: {v:g}" for k, v in sorted(given.items()))
    src = (
        f"economy.yaml sector_shares ({listed}); other sectors {dsrc}"
        if given
        else f"every sector {dsrc}"
    )
    return s, src


def build_county_io(
    economy: Economy,
    params: Mapping[str, SourcedValue],
    adcode: str,
    table: IOTable,
    county_units: int = 0,
    *,
    method: Method = "flq",
    delta: float | None = None,
) -> CountyIO:
    """Regionalise ``table`` (the county's reference IO table) to the county.

    ``county_units``: the number of county-level units of the table's economy (its province,
    or China for a national table), for the default county output share ``1 / N``; 0 when
    unknown (then an assumed 0.01). Raises :class:`IOTableError` on inconsistent inputs.
    """
    if method not in METHODS:
        raise IOTableError(f"unknown location-quotient method {method!r}")
    national = table.kind.startswith("national")
    if delta is not None:
        dv = SourcedValue(float(delta), "exponent", "option --delta")
    elif "flq_delta" in params:
        dv = params["flq_delta"]
    else:
        dv = SourcedValue(DEFAULT_DELTA, "exponent", DELTA_SOURCE)
    s, share_src = county_shares(economy, params, table.codes, adcode, county_units, national)
    x_ref = table.output
    x_cty = s * x_ref
    a_ref = table.coefficients(domestic=True)
    a_cty = regionalise(a_ref, x_cty, x_ref, method, dv.value)
    q = slq(x_cty, x_ref)
    lam = flq_lambda(x_cty, x_ref, dv.value) if method == "flq" else 1.0
    w = table.labour_share
    mpc = params["rural_propensity_to_consume"]
    total_hh = float(table.household.sum())
    pattern = table.household_domestic / total_hh if total_hh > 0 else np.zeros_like(w)
    local = np.minimum(1.0, q * lam)
    c = local * pattern * mpc.value
    c_ref = pattern * mpc.value
    county = multipliers(a_cty, w, c, codes=table.codes, value_added=table.value_added / x_ref)
    reference = multipliers(
        a_ref, w, c_ref, codes=table.codes, value_added=table.value_added / x_ref
    )
    return CountyIO(
        table=table,
        table_ref=economy.io_table,
        method=method,
        delta=dv,
        county_share=s,
        share_source=share_src,
        lam=lam,
        slq=q,
        a_reference=a_ref,
        a_county=a_cty,
        l_county=leontief_inverse(a_cty),
        l_bar=leontief_inverse(close_households(a_cty, w, c)),
        w=w,
        c=c,
        mpc=mpc,
        county=county,
        reference=reference,
    )
