"""Shelf life at temperature (Q10, Arrhenius) and Newtonian pre-cooling."""

from __future__ import annotations

import math

import pytest

from ruralflow.domain import DomainError, Product
from ruralflow.freshness import (
    DEFAULT_HALF_COOLING_H,
    CoolingMethod,
    FreshnessError,
    cooling_time_h,
    decay_rate_per_hour,
    half_cooling_time_h,
    kinetics_model,
    product_temperature,
    q10_to_ea,
    shelf_life_arrhenius,
    shelf_life_days,
    shelf_life_q10,
    unaccomplished_fraction,
)


def _product(**kw: object) -> Product:
    base: dict[str, object] = {
        "id": "P1",
        "name": "test produce",
        "category": "fruit",
        "value_yuan_per_kg": 4.0,
        "shelf_life_ref_days": 100.0,
        "t_ref_c": 0.0,
        "q10": 3.0,
        "t_min_c": 0.0,
    }
    base.update(kw)
    return Product(**base)  # type: ignore[arg-type]


def test_q10_hand_values() -> None:
    # SL(T) = 100 * 3 ** ((0 - T) / 10)
    assert shelf_life_q10(100.0, 0.0, 3.0, 0.0) == pytest.approx(100.0)
    assert shelf_life_q10(100.0, 0.0, 3.0, 10.0) == pytest.approx(100.0 / 3.0)
    assert shelf_life_q10(100.0, 0.0, 3.0, 20.0) == pytest.approx(100.0 / 9.0)
    assert shelf_life_q10(100.0, 0.0, 3.0, 30.0) == pytest.approx(100.0 / 27.0)
    # reference not at 0: 10 d at 5 degC, Q10 2 -> 20 d at -5 degC, 5 d at 15 degC
    assert shelf_life_q10(10.0, 5.0, 2.0, -5.0) == pytest.approx(20.0)
    assert shelf_life_q10(10.0, 5.0, 2.0, 15.0) == pytest.approx(5.0)


def test_published_relative_shelf_life_100_33_13() -> None:
    # Saltveit (USDA AH-66), PARAMS.md s.1: 100 / 33 / 13 at 0 / 10 / 20 degC for Q10 ~ 3.
    q10 = [shelf_life_q10(100.0, 0.0, 3.0, t) for t in (0.0, 10.0, 20.0)]
    assert q10 == pytest.approx([100.0, 33.3, 11.1], abs=0.05)
    # Arrhenius with Ea = 70.6 kJ/mol (= Q10 3 over 0-10 degC, PARAMS.md conversion)
    arr = [shelf_life_arrhenius(100.0, 0.0, 70.6, t) for t in (0.0, 10.0, 20.0)]
    assert arr == pytest.approx([100.0, 33.36, 11.99], abs=0.01)
    for got, published in zip(arr, (100.0, 33.0, 13.0), strict=True):
        assert abs(got - published) / published < 0.10


def test_arrhenius_hand_value() -> None:
    # exp(-70600 / 8.314 * (1/273.15 - 1/283.15)) = 0.33356
    factor = math.exp(-70600.0 / 8.314 * (1.0 / 273.15 - 1.0 / 283.15))
    assert shelf_life_arrhenius(1.0, 0.0, 70.6, 10.0) == pytest.approx(factor, rel=1e-12)
    assert factor == pytest.approx(0.33356, abs=1e-5)


def test_lettuce_published_points() -> None:
    # PARAMS.md s.1: whole butter lettuce 21 d at 0, 14 d at 5, 10 d at 10 degC; Ea ~ 48 (D)
    assert shelf_life_arrhenius(21.0, 0.0, 48.0, 5.0) == pytest.approx(14.0, rel=0.04)
    assert shelf_life_arrhenius(21.0, 0.0, 48.0, 10.0) == pytest.approx(10.0, rel=0.04)


def test_q10_to_ea_matches_params_conversions() -> None:
    assert q10_to_ea(3.0, 0.0) == pytest.approx(70.6, abs=0.05)
    assert q10_to_ea(2.5, 0.0) == pytest.approx(58.9, abs=0.05)
    assert q10_to_ea(2.0, 10.0) == pytest.approx(47.8, abs=0.05)


def test_model_choice_arrhenius_when_ea_given() -> None:
    q = _product()
    a = _product(ea_kj_per_mol=70.6)
    assert kinetics_model(q) == "q10"
    assert kinetics_model(a) == "arrhenius"
    assert shelf_life_days(q, 20.0) == pytest.approx(100.0 / 9.0)
    assert shelf_life_days(a, 20.0) == pytest.approx(11.9916, abs=1e-3)
    assert decay_rate_per_hour(q, 10.0) == pytest.approx(3.0 / 2400.0)


def test_shelf_life_below_chilling_threshold_raises() -> None:
    mango = _product(id="mango", name="mango", t_ref_c=12.0, t_min_c=10.0)
    assert shelf_life_days(mango, 10.0) == pytest.approx(100.0 * 3.0**0.2)
    with pytest.raises(FreshnessError, match=r"'mango'.*9\.00 degC.*t_min_c=10") as info:
        shelf_life_days(mango, 9.0)
    assert isinstance(info.value, DomainError)
    assert "\n" not in str(info.value)


def test_half_cooling_time_law() -> None:
    z = 1.5
    assert unaccomplished_fraction(z, z) == pytest.approx(0.5)
    assert unaccomplished_fraction(3 * z, z) == pytest.approx(1 / 8)
    # 30 degC produce in a 0 degC medium: 15 after Z, 3.75 after 3 Z (seven-eighths cooled)
    assert product_temperature(z, 30.0, 0.0, z) == pytest.approx(15.0)
    assert product_temperature(3 * z, 30.0, 0.0, z) == pytest.approx(3.75)
    # warming follows the same law
    assert product_temperature(z, 2.0, 30.0, z) == pytest.approx(16.0)
    assert cooling_time_h(30.0, 0.0, 3.75, z) == pytest.approx(3 * z)
    assert cooling_time_h(30.0, 2.0, 16.0, 0.4) == pytest.approx(0.4)


def test_cooling_target_unreachable() -> None:
    with pytest.raises(FreshnessError, match="not reachable"):
        cooling_time_h(30.0, 5.0, 5.0, 1.0)
    with pytest.raises(FreshnessError, match="not reachable"):
        cooling_time_h(30.0, 5.0, 2.0, 1.0)


def test_default_half_cooling_times() -> None:
    # room: C = 0.1 /h (PARAMS.md) -> Z = ln 2 / 0.1
    assert half_cooling_time_h("room") == pytest.approx(math.log(2) / 0.1)
    assert half_cooling_time_h(CoolingMethod.FORCED_AIR) == pytest.approx(math.log(2) / 0.6)
    # PARAMS.md ordering: vacuum fastest, then hydro, then forced air, then room
    z = DEFAULT_HALF_COOLING_H
    assert (
        z[CoolingMethod.VACUUM]
        < z[CoolingMethod.HYDRO]
        < z[CoolingMethod.FORCED_AIR]
        < z[CoolingMethod.ROOM]
    )
    # forced air 75-90 % faster than room
    assert 0.10 <= z[CoolingMethod.FORCED_AIR] / z[CoolingMethod.ROOM] <= 0.25
    with pytest.raises(FreshnessError, match="unknown cooling method"):
        half_cooling_time_h("ice")
