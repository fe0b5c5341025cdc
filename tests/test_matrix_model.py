"""The flow-matrix mathematics: total value, rounds, synergy, balance, refusal, elasticities."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ruralflow.domain import DomainError
from ruralflow.matrix import model
from ruralflow.matrix.errors import SpectralRadiusError

NAMES = ("down_goods", "down_services", "up_products", "up_tourism")

flow_matrix = arrays(np.float64, (4, 4), elements=st.floats(0.0, 0.24, allow_nan=False))
direct = arrays(np.float64, (4,), elements=st.floats(0.0, 1e9, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(flow_matrix, direct)
def test_total_value_at_least_direct_and_rounds_add_up(m: np.ndarray, x: np.ndarray) -> None:
    rho = model.check_radius(m, NAMES)
    assert rho < 1
    v = model.total_value(m, x)
    assert np.all(v >= x - 1e-6 * (1 + x))
    d, first, higher = model.rounds(m, x)
    np.testing.assert_allclose(d + first + higher, v, rtol=1e-9, atol=1e-6)
    assert np.all(first >= 0) and np.all(higher >= -1e-6 * (1 + v))
    s = model.synergy_index(m, x)
    assert -1e-12 <= s <= 1


def test_total_value_is_the_sum_of_rounds() -> None:
    m = np.array(
        [[0.0, 0.2, 0.0, 0.0], [0.0, 0.0, 0.3, 0.0], [0.4, 0.0, 0.0, 0.1], [0, 0, 0.2, 0]]
    )
    x = np.array([100.0, 10.0, 5.0, 50.0])
    series = np.zeros(4)
    term = x.copy()
    for _ in range(200):
        series += term
        term = m.T @ term
    np.testing.assert_allclose(model.total_value(m, x), series, rtol=1e-12)


def test_synergy_index() -> None:
    x = np.array([10.0, 20.0, 0.0, 0.0])
    # own-flow feedback only: no synergy
    assert model.synergy_index(np.diag([0.1, 0.2, 0.0, 0.0]), x) == pytest.approx(0.0)
    # zero diagonal: synergy = induced share of total value
    m = np.zeros((4, 4))
    m[0, 2] = 0.5
    v = model.total_value(m, x)
    assert model.synergy_index(m, x) == pytest.approx((v.sum() - x.sum()) / v.sum())
    assert model.synergy_index(np.zeros((4, 4)), x) == 0.0


def test_diagnosis() -> None:
    assert model.diagnose(0.1, 0.5).code == "down_heavy"
    assert "重下行轻上行" in model.diagnose(0.1, 0.5).text_zh
    assert model.diagnose(1.0, 0.5).code == "balanced"
    assert model.diagnose(3.0, 0.5).code == "up_heavy"
    assert model.diagnose(float("nan"), 0.5).code == "undefined"


def test_spectral_radius_refusal_names_the_driving_coefficients() -> None:
    m = np.zeros((4, 4))
    m[2, 0] = 1.5  # up_products -> down_goods
    m[0, 2] = 0.9  # down_goods -> up_products
    m[2, 3] = 0.01  # a small link that does not matter
    with pytest.raises(SpectralRadiusError) as e:
        model.check_radius(m, NAMES)
    err = e.value
    assert isinstance(err, DomainError)
    assert err.radius == pytest.approx(np.sqrt(1.35))
    msg = str(err)
    assert "spectral radius 1.1619 >= 1" in msg
    assert "explode" in msg
    assert "up_products -> down_goods = 1.5 (50 %)" in msg
    assert "down_goods -> up_products = 0.9 (50 %)" in msg
    assert {(d.source, d.target) for d in err.drivers} == {
        ("up_products", "down_goods"),
        ("down_goods", "up_products"),
    }


def test_refusal_of_a_single_self_loop() -> None:
    m = np.zeros((4, 4))
    m[1, 1] = 1.0
    with pytest.raises(SpectralRadiusError, match=r"down_services -> down_services = 1 \(100 %\)"):
        model.check_radius(m, NAMES)


def test_elasticity_of_total_value_matches_the_analytic_derivative() -> None:
    rng = np.random.default_rng(3)
    m = rng.uniform(0, 0.2, (4, 4))
    x = rng.uniform(1, 100, 4)

    def total(mm: np.ndarray, xx: np.ndarray) -> float:
        return float(model.total_value(mm, xx).sum())

    el = model.elasticities(m, x, total)
    v = model.total_value(m, x)
    n = np.linalg.inv(np.eye(4) - m.T)
    # dV/dM_ij = v_i * sum_k N[k, j]
    analytic = m * np.outer(v, n.sum(axis=0)) / v.sum()
    np.testing.assert_allclose(el, analytic, rtol=1e-6)
    assert model.elasticities(np.zeros((4, 4)), x, total).sum() == 0
