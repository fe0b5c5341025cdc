"""Siting models on small instances whose optima are checked by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ruralflow.domain import DomainError
from ruralflow.siting import (
    CapacityShortfallError,
    CoverageInfeasibleError,
    InfeasibleSitingError,
    SitingInputError,
    SitingResult,
    SolverOptions,
    capacitated_facility_location,
    coverage,
    maximal_covering,
    p_center,
    p_median,
    set_covering,
    uncapacitated_facility_location,
)


def line(clients: list[float], sites: list[float]) -> np.ndarray:
    """Distances between points on a line: clients x sites."""
    return np.abs(np.array(clients, dtype=float)[:, None] - np.array(sites, dtype=float)[None, :])


# Clients at 0, 1, 2, 10, 11; sites at 1, 10.5, 20 (and 5 for set covering).
COVER_D = line([0, 1, 2, 10, 11], [1, 10.5, 20])
COVER_W = [5, 1, 1, 3, 3]


def check_result(r: SitingResult) -> None:
    """The result contract every model keeps."""
    assert r.status == "optimal"
    assert r.gap is not None and r.gap <= 1e-9
    assert r.best_bound is not None and r.objective is not None
    assert abs(r.best_bound - r.objective) <= 1e-6 * max(1.0, abs(r.objective))
    d = r.to_dict()
    json.dumps(d)
    assert {"status", "objective", "best_bound", "gap", "open_sites"} <= set(d)
    assert r.status in r.summary()


# ----------------------------------------------------------------------------- covering


def test_maximal_covering_hand_optima() -> None:
    r1 = maximal_covering(COVER_D, 1, weights=COVER_W, radius=1.5)
    check_result(r1)
    # site at 1 covers 0, 1, 2 (weight 7); site at 10.5 covers 10, 11 (weight 6)
    assert r1.objective == 7 and r1.open_sites == (0,)
    assert r1.metrics["coverage_share"] == pytest.approx(7 / 13)
    assert r1.assignment == (0, 0, 0, -1, -1)
    r2 = maximal_covering(COVER_D, 2, weights=COVER_W, radius=1.5)
    assert r2.objective == 13 and r2.open_sites == (0, 1)


def test_maximal_covering_keeps_existing_and_reports_before() -> None:
    # The useless site at 20 must stay open and uses one of the two sites.
    r = maximal_covering(COVER_D, 2, weights=COVER_W, radius=1.5, existing=[2])
    check_result(r)
    assert r.open_sites == (0, 2) and r.objective == 7
    r = maximal_covering(COVER_D, 2, weights=COVER_W, radius=1.5, existing=[1])
    assert r.open_sites == (0, 1)
    assert r.metrics["covered_weight_before"] == 6 and r.objective == 13


def test_maximal_covering_budget_and_labels() -> None:
    r = maximal_covering(
        COVER_D,
        2,
        weights=COVER_W,
        radius=1.5,
        site_cost=[10, 3, 1],
        budget=5,
        site_ids=["A", "B", "C"],
    )
    check_result(r)
    assert r.open_ids[0] == "B" and r.objective == 6


def test_maximal_covering_default_radius_is_two_km() -> None:
    d = np.array([[1999.0, 5000.0], [2001.0, 100.0]])
    r = maximal_covering(d, 1, weights=[10, 1])
    assert r.metrics["radius"] == 2000 and r.objective == 10 and r.open_sites == (0,)


def test_maximal_covering_p_below_existing() -> None:
    with pytest.raises(CoverageInfeasibleError, match="p = 1 sites but 2 existing"):
        maximal_covering(COVER_D, 1, existing=[0, 1])


def test_coverage_before_after() -> None:
    assert coverage(COVER_D, [], weights=COVER_W, radius=1.5) == (0.0, 0.0)
    got, share = coverage(COVER_D, [1], weights=COVER_W, radius=1.5)
    assert got == 6 and share == pytest.approx(6 / 13)


def test_set_covering_hand_optima() -> None:
    d = line([0, 1, 2, 10, 11], [1, 10.5, 20, 5])
    r = set_covering(d, radius=1.5)
    check_result(r)
    assert r.objective == 2 and r.open_sites == (0, 1)
    r = set_covering(d, radius=6)  # the site at 5 reaches everyone
    assert r.objective == 1 and r.open_sites == (3,)
    r = set_covering(d, radius=6, existing=[2])
    assert r.open_sites == (2, 3) and r.objective == 2
    # cheaper pair beats the single expensive site
    r = set_covering(d, radius=6, site_cost=[1, 1, 1, 5])
    assert r.objective == 2 and r.open_sites == (0, 1)


def test_set_covering_unreachable_message() -> None:
    d = line([0, 1, 30], [1, 10])
    with pytest.raises(CoverageInfeasibleError) as e:
        set_covering(d, radius=2000 / 1000, client_ids=["V1", "V2", "V3"])
    msg = str(e.value)
    assert "1 of 3 demand points have no candidate site within radius 2" in msg
    assert "'V3' at 20" in msg
    assert isinstance(e.value, DomainError)


def test_set_covering_budget_too_small() -> None:
    d = line([0, 1, 2, 10, 11], [1, 10.5, 20, 5])
    with pytest.raises(CoverageInfeasibleError, match="under budget 1 "):
        set_covering(d, radius=1.5, site_cost=[1, 1, 1, 1], budget=1)


# ----------------------------------------------------------------------------- median / centre

MED_D = line([0, 2, 8, 10], [1, 9, 5])


def test_p_median_hand_optima() -> None:
    r = p_median(MED_D, 1)
    check_result(r)
    assert r.objective == 16 and r.open_sites == (2,)  # 5 + 3 + 3 + 5
    r = p_median(MED_D, 2)
    assert r.objective == 4 and r.open_sites == (0, 1)
    assert r.assignment == (0, 0, 1, 1)
    r = p_median(MED_D, 1, weights=[10, 1, 1, 1])
    assert r.objective == 27 and r.open_sites == (0,)  # 10 + 1 + 7 + 9


def test_p_median_existing_and_budget() -> None:
    r = p_median(MED_D, 2, existing=[2])
    check_result(r)
    assert 2 in r.open_sites and r.objective == 10
    r = p_median(MED_D, 2, site_cost=[5, 5, 1], budget=6)
    assert r.open_sites in ((0, 2), (1, 2)) and r.objective == 10


def test_p_median_errors() -> None:
    with pytest.raises(InfeasibleSitingError, match="p = 4 sites requested but only 3"):
        p_median(MED_D, 4)
    with pytest.raises(InfeasibleSitingError, match="cost 10 > budget 6"):
        p_median(MED_D, 2, existing=[0, 1], site_cost=[5, 5, 1], budget=6)
    with pytest.raises(SitingInputError, match="negative"):
        p_median(-MED_D - 1, 1)
    with pytest.raises(SitingInputError, match="weights has 2 values, expected 4"):
        p_median(MED_D, 1, weights=[1, 2])


def test_p_median_unreachable_client() -> None:
    d = MED_D.astype(float)
    d[3, :] = np.inf
    with pytest.raises(InfeasibleSitingError, match="cannot reach any candidate site: client 3"):
        p_median(d, 1)
    d[3, 1] = 1.0  # only site 1 reaches client 3: it must be open
    r = p_median(d, 1)
    assert r.open_sites == (1,) and r.objective == 9 + 7 + 1 + 1


def test_p_center_hand_optima() -> None:
    r = p_center(MED_D, 1)
    check_result(r)
    assert r.objective == 5 and r.open_sites == (2,)
    r = p_center(MED_D, 2)
    assert r.objective == 1 and r.open_sites == (0, 1)
    r = p_center(MED_D, 2, existing=[2])
    assert 2 in r.open_sites and r.objective == 5  # site 2 alone already gives 5


# ----------------------------------------------------------------------------- facility location


def test_ufl_hand_optima() -> None:
    f = [10, 4]
    c = [[1, 5], [1, 5], [1, 5]]
    r = uncapacitated_facility_location(f, c)
    check_result(r)
    assert r.objective == 13 and r.open_sites == (0,)  # 10 + 3 (site 1 alone: 4 + 15)
    r = uncapacitated_facility_location(f, c, existing=[1])
    assert r.objective == 17 and r.open_sites == (0, 1)
    r = uncapacitated_facility_location(f, c, budget=5)
    assert r.objective == 19 and r.open_sites == (1,)
    assert r.metrics["fixed_cost"] == 4 and r.metrics["assignment_cost"] == 15


CFL = {
    "fixed_cost": [10, 10],
    "capacity": [10, 10],
    "demand": [6, 6],
    "assign_cost": [[6, 12], [6, 12]],  # 1 per unit from site 0, 2 per unit from site 1
}


def test_cfl_split_and_single_source() -> None:
    r = capacitated_facility_location(**CFL)  # type: ignore[arg-type]
    check_result(r)
    # both open (20); 10 units at 1 and 2 units at 2 (14)
    assert r.objective == pytest.approx(34) and r.open_sites == (0, 1)
    assert sum(share for _, _, share in r.allocation) == pytest.approx(2)
    r = capacitated_facility_location(**CFL, single_source=True)  # type: ignore[arg-type]
    check_result(r)
    assert r.objective == pytest.approx(38) and r.allocation == ()
    assert sorted(r.assignment) == [0, 1]


def test_cfl_existing_kept_open() -> None:
    r = capacitated_facility_location(
        [10, 10, 1], [20, 10, 10], [6, 6], [[6, 12, 100], [6, 12, 100]], existing=[2]
    )
    check_result(r)
    assert r.open_sites == (0, 2) and r.objective == pytest.approx(23)


def test_cfl_infeasibility_messages() -> None:
    with pytest.raises(CapacityShortfallError, match=r"total capacity 10 < total demand 12"):
        capacitated_facility_location([1, 1], [5, 5], [6, 6], [[1, 1], [1, 1]])
    with pytest.raises(
        CapacityShortfallError,
        match=r"within budget 10 at most capacity 10 can be opened < total demand 12",
    ):
        capacitated_facility_location(**CFL, budget=10)  # type: ignore[arg-type]
    with pytest.raises(CapacityShortfallError, match=r"'big' demand 11 > largest capacity 10"):
        capacitated_facility_location(
            [1, 1],
            [5, 10],
            [11, 1],
            [[1, 1], [1, 1]],
            single_source=True,
            client_ids=["big", "small"],
        )
    with pytest.raises(CapacityShortfallError, match=r"the 1 largest sites hold capacity 10"):
        capacitated_facility_location(**CFL, max_sites=1)  # type: ignore[arg-type]
    # enough capacity in total (14) but 6, 4, 4 do not pack into two bins of 7
    with pytest.raises(CapacityShortfallError, match="single assignment"):
        capacitated_facility_location([1, 1], [7, 7], [6, 4, 4], [[1, 1]] * 3, single_source=True)


def test_solver_options_checked() -> None:
    with pytest.raises(SitingInputError, match="time_limit"):
        SolverOptions(time_limit_s=0)
    with pytest.raises(SitingInputError, match="mip_gap"):
        SolverOptions(mip_gap=1.5)
