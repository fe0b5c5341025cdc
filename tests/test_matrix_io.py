"""Input-output layer: published reference examples, invariants, refusals, regionalisation."""

from __future__ import annotations

import csv
import inspect
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import ruralflow.matrix.io as io_module
from helpers import DATA as PACKAGED_DATA
from ruralflow.bundle.io_tables import read_io_table
from ruralflow.domain import DomainError
from ruralflow.matrix.errors import NonProductiveError, ShapeError, SingularMatrixError
from ruralflow.matrix.io import (
    close_households,
    income_effects,
    income_multipliers_type1,
    leontief_inverse,
    output_multipliers,
    technical_coefficients,
)
from ruralflow.matrix.multipliers import forward_linkages, ghosh_inverse, multipliers
from ruralflow.matrix.regional import cilq, flq, flq_lambda, regionalise, slq

#: The China tables ship in the package; the reference examples are test material in ../shared.
IO_DATA = PACKAGED_DATA / "io"


@pytest.fixture(scope="module")
def ref(shared: Path) -> Path:
    return shared / "data" / "io" / "reference_examples"


@pytest.fixture(scope="module")
def expected(ref: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ref / "expected_values.json").read_text(encoding="utf-8"))
    return data


def close(actual: Any, wanted: Any, tol: float) -> None:
    np.testing.assert_allclose(np.asarray(actual), np.asarray(wanted), rtol=0, atol=tol)


# ----------------------------------------------------------------------------- public surface


def test_io_module_has_exactly_the_six_public_functions() -> None:
    public = {
        name
        for name, obj in vars(io_module).items()
        if inspect.isfunction(obj) and obj.__module__ == io_module.__name__ and name[0] != "_"
    }
    assert public == {
        "technical_coefficients",
        "leontief_inverse",
        "output_multipliers",
        "income_effects",
        "income_multipliers_type1",
        "close_households",
    }
    assert set(io_module.__all__) == public


# ----------------------------------------------------------------------------- Miller & Blair


def test_miller_blair_open(expected: dict[str, Any]) -> None:
    ex = expected["miller_blair_2sector_open"]
    tol = ex["tolerance_abs"]
    a = technical_coefficients(ex["Z"], ex["x"])
    close(a, ex["A"], tol)
    lm = leontief_inverse(a)
    close(lm, ex["L"], tol)
    close(output_multipliers(lm), ex["output_multipliers_typeI"], tol)
    close(lm @ np.array(ex["f"]), ex["x"], 1e-6)
    close(lm @ np.array(ex["new_final_demand"]), ex["x_for_new_final_demand"], tol)


def test_miller_blair_closed(expected: dict[str, Any]) -> None:
    ex = expected["miller_blair_2sector_closed_households"]
    tol = ex["tolerance_abs"]
    abar = np.array(ex["A_bar"])
    a, w, c = abar[:2, :2], abar[2, :2], abar[:, 2]  # c includes households' own 0.05
    close(close_households(a, w, c), abar, 1e-12)
    lbar = leontief_inverse(close_households(a, w, c))
    close(lbar, ex["L_bar"], tol)
    close(w, ex["labour_income_coefficients"], 1e-12)
    lm = leontief_inverse(a)
    close(output_multipliers(lm), ex["typeI_output_multipliers"], tol)
    close(income_effects(lm, w), ex["simple_household_income_multipliers"], tol)
    close(income_multipliers_type1(lm, w), ex["typeI_income_multipliers"], tol)
    m = multipliers(a, w, c)
    close(m.output_type1, ex["typeI_output_multipliers"], tol)
    close(m.output_type2, ex["typeII_output_multipliers_sectors_only"], tol)
    close(m.output_type2_total, ex["total_output_multipliers_incl_household_row"], tol)
    close(m.income_effect, ex["simple_household_income_multipliers"], tol)
    close(m.income_type1, ex["typeI_income_multipliers"], tol)
    close(m.income_effect_closed, ex["total_household_income_multipliers_closed"], tol)
    close(m.income_type2, ex["typeII_income_multipliers"], tol)
    # invariant: Type II / Type I income is the same for every sector, = L_bar[h, h]
    ratio = m.income_type2 / m.income_type1
    close(ratio, [m.household_income_multiplier] * 2, 1e-9)
    assert m.household_income_multiplier == pytest.approx(1.288539, abs=tol)
    assert np.all(m.output_type2 >= m.output_type1)
    assert np.all(m.income_type2 >= m.income_type1)


# ----------------------------------------------------------------------------- Eurostat


def eurostat(ref: Path) -> tuple[np.ndarray, np.ndarray, dict[str, dict[str, str]]]:
    with (ref / "eurostat_manual_table15_4_de.csv").open(encoding="utf-8") as f:
        rows = {r["t_rows2"]: r for r in csv.DictReader(f)}
    cols = [
        "agriculture_group",
        "manufacturing_group",
        "construction_group",
        "trade_group",
        "business_services_group",
        "other_services_group",
    ]
    codes = ["cpa_a", "cpa_c", "cpa_f", "cpa_g_i", "cpa_business", "cpa_other"]
    z = np.array([[float(rows[r][c]) for c in cols] for r in codes])
    x = np.array([float(rows["P1"][c]) for c in cols])  # README: use P1, not the row total
    extra = {k: {c: rows[k][c] for c in cols} for k in ("B1G", "EMP")}
    return z, x, extra


def test_eurostat_table_15_4(expected: dict[str, Any], ref: Path) -> None:
    ex = expected["eurostat_manual_germany_6sector"]
    tol = ex["tolerance_abs"]
    z, x, extra = eurostat(ref)
    lm = leontief_inverse(technical_coefficients(z, x))
    close(output_multipliers(lm), ex["output_multipliers_colsum_L"], tol)
    close(np.diag(lm)[:3], ex["L_diagonal_first3"], tol)
    gva = np.array([float(v) for v in extra["B1G"].values()]) / x
    close(gva, ex["gva_coefficients"], tol)
    close(gva @ lm, ex["gva_multipliers"], tol)
    emp = np.array([float(v) for v in extra["EMP"].values()]) / x
    close(emp @ lm, ex["employment_multipliers_per_mio_eur"], tol)
    close(ghosh_inverse(z, x)[:, 0], ex["ghosh_inverse_first_column"], tol)
    close(forward_linkages(z, x), ex["forward_linkages_rowsum_ghosh_recomputed"], tol)


def test_eurostat_employment_and_value_added_multipliers(ref: Path) -> None:
    z, x, extra = eurostat(ref)
    a = technical_coefficients(z, x)
    emp = np.array([float(v) for v in extra["EMP"].values()]) / x
    gva = np.array([float(v) for v in extra["B1G"].values()]) / x
    w = 0.5 * gva  # any labour row and consumption column for a Type II closure
    c = np.full(6, 0.1)
    m = multipliers(a, w, c, employment=emp, value_added=gva)
    assert m.employment_effect is not None and m.employment_type1 is not None
    assert m.employment_type2 is not None and m.value_added_effect is not None
    close(m.employment_effect, emp @ leontief_inverse(a), 1e-12)
    close(m.employment_type1, (emp @ leontief_inverse(a)) / emp, 1e-12)
    assert np.all(m.employment_type2 >= m.employment_type1)
    assert np.all(m.output_type2 >= m.output_type1)


# ----------------------------------------------------------------------------- China tables


def test_china_2017_national_regression(expected: dict[str, Any]) -> None:
    ex = expected["china_2017_42_noncompetitive_recomputed"]
    tol = ex["tolerance_abs"]
    t = read_io_table(IO_DATA / "china_national_42" / "china_io_2017_42_noncompetitive.csv")
    dom = output_multipliers(leontief_inverse(t.coefficients(domestic=True)))
    tot = output_multipliers(leontief_inverse(t.coefficients(domestic=False)))
    for key, want in ex["domestic_output_multipliers"].items():
        assert dom[int(key[:2]) - 1] == pytest.approx(want, abs=tol), key
    for key, want in ex["total_technology_output_multipliers"].items():
        assert tot[int(key[:2]) - 1] == pytest.approx(want, abs=tol), key


def test_provincial_table_reads_and_closes() -> None:
    t = read_io_table(IO_DATA / "china_provincial_2017_42" / "prov2017_27_陕西.csv")
    assert t.kind.startswith("provincial") and len(t.codes) == 42
    assert np.all((t.domestic_share >= 0) & (t.domestic_share <= 1))
    a = t.coefficients()
    assert np.all(a.sum(axis=0) < 1)
    w = t.labour_share
    c = 0.8 * t.household_domestic / t.household.sum()
    m = multipliers(a, w, c, codes=t.codes)
    assert np.all(m.output_type1 >= 1)
    assert np.all(m.output_type2 >= m.output_type1 - 1e-12)
    ok = np.isfinite(m.income_type1)
    close(
        (m.income_type2 / m.income_type1)[ok],
        np.full(ok.sum(), m.household_income_multiplier),
        1e-9,
    )
    assert 0.4 < w[0] < 0.5  # agriculture: compensation (incl. farm mixed income) / output
    assert 0 < t.goods_share_of_household < 1


# ----------------------------------------------------------------------------- refusals


def test_non_productive_matrix_is_refused() -> None:
    with pytest.raises(NonProductiveError, match=r"not productive.*spectral radius") as e:
        leontief_inverse([[0.6, 0.5], [0.5, 0.6]])
    assert isinstance(e.value, DomainError)


def test_singular_matrix_is_refused() -> None:
    # eigenvalue exactly 1 (I - A singular): refused as non-productive
    with pytest.raises(NonProductiveError):
        leontief_inverse([[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(NonProductiveError):
        leontief_inverse([[1.0, 0.0], [0.0, 0.5]])
    # radius 0 but I - A numerically singular (condition number ~1e26)
    with pytest.raises(SingularMatrixError, match="singular") as e:
        leontief_inverse([[0.0, 1e13], [0.0, 0.0]])
    assert isinstance(e.value, DomainError)


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(ShapeError, match="square"):
        leontief_inverse([[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]])
    with pytest.raises(ShapeError, match="NaN"):
        leontief_inverse([[np.nan, 0.0], [0.0, 0.1]])
    with pytest.raises(ShapeError, match="zero gross output"):
        technical_coefficients([[1.0, 1.0], [1.0, 0.0]], [10.0, 0.0])
    with pytest.raises(ShapeError, match=">= 0"):
        technical_coefficients([[1.0, 0.0], [1.0, 0.0]], [10.0, -1.0])
    assert np.all(technical_coefficients([[1.0, 0.0], [1.0, 0.0]], [10.0, 0.0])[:, 1] == 0)
    with pytest.raises(ShapeError, match="3 or 4 entries"):
        close_households(np.zeros((3, 3)), [0.1, 0.2, 0.3], [0.1, 0.1])


def test_income_multiplier_of_a_sector_without_labour_is_nan() -> None:
    out = income_multipliers_type1(np.eye(2), [0.0, 0.5])
    assert np.isnan(out[0]) and out[1] == pytest.approx(1.0)


# ----------------------------------------------------------------------------- invariants

productive = arrays(
    np.float64,
    (4, 4),
    elements=st.floats(0.0, 0.24, allow_nan=False, allow_infinity=False),
)
small = arrays(np.float64, (4,), elements=st.floats(0.0, 0.2, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(productive, small, small)
def test_invariants(a: np.ndarray, w: np.ndarray, c: np.ndarray) -> None:
    lm = leontief_inverse(a)  # column sums < 0.96 < 1: productive
    assert np.all(output_multipliers(lm) >= 1 - 1e-12)
    assert np.all(lm >= -1e-12)
    m = multipliers(a, w, c)
    assert np.all(m.output_type2 >= m.output_type1 - 1e-12)
    assert np.all(m.income_effect_closed >= m.income_effect - 1e-12)
    ok = w > 1e-9
    assert np.all(m.income_type2[ok] >= m.income_type1[ok] - 1e-9)
    ratio = m.income_type2[ok] / m.income_type1[ok]
    close(ratio, np.full(ok.sum(), m.household_income_multiplier), 1e-7)


# ----------------------------------------------------------------------------- location quotients


def test_location_quotients_by_hand() -> None:
    xn = np.array([100.0, 300.0, 600.0])  # reference economy, total 1000
    xr = np.array([4.0, 3.0, 3.0])  # region, total 10 (1 %)
    s = slq(xr, xn)
    close(s, [4.0, 1.0, 0.5], 1e-12)
    q = cilq(xr, xn)
    close(q, [[4.0, 4.0, 8.0], [0.25, 1.0, 2.0], [0.125, 0.5, 0.5]], 1e-12)
    lam = flq_lambda(xr, xn, 0.3)
    assert lam == pytest.approx(np.log2(1.01) ** 0.3)
    close(flq(xr, xn, 0.3), q * lam, 1e-12)
    a = np.full((3, 3), 0.1)
    close(regionalise(a, xr, xn, "slq"), 0.1 * np.minimum(s, 1)[:, None] * np.ones((1, 3)), 1e-12)
    close(regionalise(a, xr, xn, "cilq"), 0.1 * np.minimum(q, 1), 1e-12)
    close(regionalise(a, xr, xn, "flq", 0.3), 0.1 * np.minimum(q * lam, 1), 1e-12)
    # delta = 0: FLQ is CILQ
    close(flq(xr, xn, 0.0), q, 1e-12)
    # a region with the reference's structure: SLQ = CILQ = 1 and FLQ = lambda
    close(regionalise(a, xn / 100, xn, "cilq"), a, 1e-12)
    close(regionalise(a, xn / 100, xn, "flq", 0.3), a * flq_lambda(xn / 100, xn, 0.3), 1e-12)
    with pytest.raises(ShapeError, match="delta"):
        flq(xr, xn, 1.5)


def test_flq_gives_smaller_multipliers_for_smaller_regions() -> None:
    t = read_io_table(IO_DATA / "china_provincial_2017_42" / "prov2017_27_陕西.csv")
    a = t.coefficients()
    big = output_multipliers(leontief_inverse(regionalise(a, 0.2 * t.output, t.output)))
    tiny = output_multipliers(leontief_inverse(regionalise(a, 0.005 * t.output, t.output)))
    prov = output_multipliers(leontief_inverse(a))
    assert np.all(tiny <= big + 1e-12) and np.all(big <= prov + 1e-12)
