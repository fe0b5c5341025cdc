"""Loss function and its calibration against PARAMS.md section 2."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ruralflow.domain import Product
from ruralflow.freshness import (
    COLD_CHAIN_MAX_LOSS,
    FRUIT_AMBIENT_LOSS_RANGE,
    VEGETABLE_AMBIENT_LOSS_RANGE,
    WEIBULL_SCALE_PHI,
    WEIBULL_SHAPE,
    CoolingMethod,
    FreshnessError,
    assess,
    default_perishability,
    default_precooling,
    loss_fraction,
    loss_yuan,
    phi_for_loss,
    typical_ambient_chain,
    typical_cold_chain,
)


def _default_product(name_en: str, category: str) -> Product:
    return Product(
        id=name_en.replace(" ", "_"),
        name=name_en,
        category=category,  # type: ignore[arg-type]
        value_yuan_per_kg=6.0,
        name_en=name_en,
        **default_perishability(name_en),
    )


LEAFY = _default_product("leafy vegetable", "vegetable")
APPLE = _default_product("apple", "fruit")


def test_loss_function_hand_values() -> None:
    assert loss_fraction(0.0) == 0.0
    # 1 - exp(-(1 / 3.6) ** 1.2)
    assert loss_fraction(1.0) == pytest.approx(1 - math.exp(-((1 / 3.6) ** 1.2)))
    assert loss_fraction(1.0) == pytest.approx(0.1935, abs=1e-4)
    assert loss_fraction(3.6) == pytest.approx(1 - math.exp(-1))
    assert loss_fraction(2.0, scale=2.0, shape=1.0) == pytest.approx(1 - math.exp(-1))
    assert loss_yuan(200.0, 0.25, 3.0) == pytest.approx(150.0)


def test_loss_rejects_bad_phi() -> None:
    with pytest.raises(FreshnessError, match="phi"):
        loss_fraction(-0.1)
    with pytest.raises(FreshnessError, match="phi"):
        loss_fraction(float("nan"))


@given(st.floats(0.0, 50.0), st.floats(0.0, 50.0))
def test_loss_is_increasing_and_bounded(a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert 0.0 <= loss_fraction(lo) <= loss_fraction(hi) <= 1.0
    if hi - lo > 1e-6 and hi < 20.0:
        assert loss_fraction(lo) < loss_fraction(hi)


@given(st.floats(0.0, 0.99))
def test_phi_for_loss_inverts_loss(loss: float) -> None:
    assert loss_fraction(phi_for_loss(loss)) == pytest.approx(loss, abs=1e-12)


def test_calibration_constants_in_one_place() -> None:
    assert (WEIBULL_SCALE_PHI, WEIBULL_SHAPE) == (3.6, 1.2)
    assert VEGETABLE_AMBIENT_LOSS_RANGE == (0.20, 0.30)
    assert FRUIT_AMBIENT_LOSS_RANGE == (0.10, 0.20)
    assert COLD_CHAIN_MAX_LOSS == 0.05


def test_typical_journeys_as_documented() -> None:
    amb = typical_ambient_chain()
    assert amb.hours == pytest.approx(102.0)
    assert [s.air_c for s in amb.segments] == [32.0, 28.0, 30.0, 28.0, 28.0, 26.0]
    cold = typical_cold_chain(LEAFY, method=CoolingMethod.VACUUM)
    assert cold.hours == pytest.approx(98.0 + 3 * 0.2)
    assert cold.segments[1].half_cooling_h == pytest.approx(0.2)
    assert [s.air_c for s in cold.segments] == [32.0, 0.0, 1.0, 2.0, 1.0, 4.0]


def test_leafy_vegetable_ambient_chain_loses_20_to_30_percent() -> None:
    r = assess(LEAFY, typical_ambient_chain(), kg=1000.0)
    lo, hi = VEGETABLE_AMBIENT_LOSS_RANGE
    assert lo <= r.loss_fraction <= hi
    assert r.loss_fraction == pytest.approx(0.272, abs=0.002)
    assert r.loss_yuan == pytest.approx(1000.0 * r.loss_fraction * 6.0)


def test_leafy_vegetable_full_cold_chain_under_5_percent() -> None:
    journey = typical_cold_chain(LEAFY, method=default_precooling("leafy vegetable"))
    r = assess(LEAFY, journey)
    assert r.loss_fraction < COLD_CHAIN_MAX_LOSS
    assert r.loss_fraction == pytest.approx(0.043, abs=0.002)


def test_fruit_ambient_chain_loses_10_to_20_percent() -> None:
    r = assess(APPLE, typical_ambient_chain())
    lo, hi = FRUIT_AMBIENT_LOSS_RANGE
    assert lo <= r.loss_fraction <= hi
    assert r.loss_fraction == pytest.approx(0.118, abs=0.002)


def test_fruit_full_cold_chain_under_5_percent() -> None:
    r = assess(APPLE, typical_cold_chain(APPLE, method=default_precooling("apple")))
    assert r.loss_fraction < COLD_CHAIN_MAX_LOSS


def test_cold_chain_beats_ambient_chain_for_every_default_product() -> None:
    for name in ("apple", "peach", "navel orange", "cherry", "pepper", "kiwifruit", "mango"):
        p = _default_product(name, "fruit")
        ambient = assess(p, typical_ambient_chain()).loss_fraction
        cold = assess(p, typical_cold_chain(p, method=default_precooling(name))).loss_fraction
        assert cold < ambient / 2, name
