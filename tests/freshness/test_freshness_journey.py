"""Journeys: consumed fraction of shelf life, cooling segments, chilling threshold."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralflow.domain import Product
from ruralflow.freshness import (
    FreshnessError,
    Journey,
    Segment,
    chilling_violations,
    consumed_fraction,
    decay_rate_per_hour,
    hold,
    precool,
    product_temperature,
    segment_phi,
    segment_phis,
)


def _product(**kw: object) -> Product:
    base: dict[str, object] = {
        "id": "P1",
        "name": "test produce",
        "category": "vegetable",
        "value_yuan_per_kg": 4.0,
        "shelf_life_ref_days": 10.0,
        "t_ref_c": 0.0,
        "q10": 3.0,
        "t_min_c": 0.0,
    }
    base.update(kw)
    return Product(**base)  # type: ignore[arg-type]


Q10_PRODUCT = _product()
ARR_PRODUCT = _product(id="P2", ea_kj_per_mol=65.0)


def _simpson_reference(product: Product, hours: float, t0: float, ta: float, z: float) -> float:
    """Composite Simpson rule with 20,001 nodes on the product temperature path."""
    t = np.linspace(0.0, hours, 20_001)
    temps = ta + (t0 - ta) * np.exp(-math.log(2) * t / z)
    rates = np.array([decay_rate_per_hour(product, float(x)) for x in temps])
    h = t[1] - t[0]
    return float(
        h / 3 * (rates[0] + rates[-1] + 4 * rates[1:-1:2].sum() + 2 * rates[2:-1:2].sum())
    )


def test_hold_segments_hand_value() -> None:
    # SL = 10 d at 0 degC, Q10 3: 10/3 d at 10 degC, 10/9 d at 20 degC.
    journey = [hold("a", 24.0, 0.0), hold("b", 20.0, 10.0), hold("c", 8.0, 20.0)]
    expected = 24 / 240 + 20 / 80 + 8 / (240 / 9)
    assert consumed_fraction(Q10_PRODUCT, journey) == pytest.approx(expected)
    assert segment_phis(Q10_PRODUCT, journey) == pytest.approx([0.1, 0.25, 0.3])


@pytest.mark.parametrize("product", [Q10_PRODUCT, ARR_PRODUCT], ids=["q10", "arrhenius"])
@pytest.mark.parametrize(
    ("hours", "t0", "ta", "z"),
    [(3.6, 30.0, 1.0, 1.2), (0.6, 32.0, 0.0, 0.2), (20.0, 25.0, 2.0, 6.93), (5.0, 2.0, 30.0, 1.0)],
)
def test_cooling_segment_matches_fine_numerical_reference(
    product: Product, hours: float, t0: float, ta: float, z: float
) -> None:
    seg = Segment("cooling", hours, ta, half_cooling_h=z)
    got = segment_phi(product, seg, t0)
    ref = _simpson_reference(product, hours, t0, ta, z)
    assert got == pytest.approx(ref, rel=1e-7)
    # and it lies strictly between holding at the medium and at the start temperature
    lo, hi = sorted(hours * decay_rate_per_hour(product, t) for t in (t0, ta))
    assert lo < got < hi


def test_cooling_starts_from_previous_segment() -> None:
    journey = Journey.of(
        [
            hold("field", 2.0, 30.0),
            precool("forced air", "forced_air", 1.0),
            hold("store", 10.0, 1.0),
        ]
    )
    profile = journey.temperature_profile()
    assert profile[0] == (30.0, 30.0)
    z = math.log(2) / 0.6
    assert profile[1][0] == 30.0
    assert profile[1][1] == pytest.approx(1.0 + 29.0 / 8.0)  # 3 Z: seven-eighths cooled
    assert journey.segments[1].hours == pytest.approx(3 * z)
    assert profile[2] == (1.0, 1.0)
    # explicit start temperature overrides, initial_c feeds a first cooling segment
    j2 = Journey.of([precool("p", "hydro", 1.0, hours=0.4)], initial_c=21.0)
    assert j2.temperature_profile()[0] == pytest.approx((21.0, 11.0))
    j3 = Journey.of([precool("p", "hydro", 1.0, hours=0.4, start_c=11.0)], initial_c=21.0)
    assert j3.temperature_profile()[0] == pytest.approx((11.0, 6.0))


def test_cooling_faster_method_consumes_less() -> None:
    phis = [
        consumed_fraction(ARR_PRODUCT, [hold("field", 2.0, 30.0), precool("p", m, 1.0, hours=8.0)])
        for m in ("room", "forced_air", "hydro", "vacuum")
    ]
    assert phis == sorted(phis, reverse=True)


def test_chilling_threshold_raises_one_line_error() -> None:
    mango = _product(id="mango-01", name="mango", t_ref_c=12.0, t_min_c=10.0)
    journey = Journey.of([hold("orchard", 3.0, 30.0), hold("reefer at 4 degC", 24.0, 4.0)])
    with pytest.raises(FreshnessError) as info:
        consumed_fraction(mango, journey)
    msg = str(info.value)
    assert "\n" not in msg
    assert "'mango-01'" in msg
    assert "segment 1 'reefer at 4 degC'" in msg
    assert "4.00 degC" in msg
    assert "t_min_c=10" in msg
    bad = chilling_violations(mango, journey)
    assert [(v.index, v.min_product_c) for v in bad] == [(1, 4.0)]


def test_cooling_medium_below_threshold_only_raises_if_product_gets_there() -> None:
    pepper = _product(id="pepper", t_ref_c=8.0, t_min_c=7.0)
    # hydro-cooling in 2 degC water from 30 degC; Z = 0.4 h. After 0.4 h: 16 degC (fine).
    ok = [hold("field", 1.0, 30.0), precool("hydro", "hydro", 2.0, hours=0.4)]
    assert consumed_fraction(pepper, ok) > 0.0
    assert chilling_violations(pepper, ok) == []
    # after 2 h: 2 + 28 / 32 = 2.875 degC, below 7 degC
    too_long = [hold("field", 1.0, 30.0), precool("hydro", "hydro", 2.0, hours=2.0)]
    with pytest.raises(FreshnessError, match=r"segment 1 'hydro'.*2\.88 degC"):
        consumed_fraction(pepper, too_long)


def test_bad_segments_are_rejected() -> None:
    with pytest.raises(FreshnessError, match="hours"):
        Segment("x", -1.0, 5.0)
    with pytest.raises(FreshnessError, match="air_c"):
        Segment("x", 1.0, float("nan"))
    with pytest.raises(FreshnessError, match="half_cooling_h"):
        Segment("x", 1.0, 5.0, half_cooling_h=0.0)
    with pytest.raises(FreshnessError, match="start_c"):
        Segment("x", 1.0, 5.0, start_c=20.0)
    with pytest.raises(FreshnessError, match="name"):
        Segment("", 1.0, 5.0)


temps = st.floats(min_value=0.0, max_value=38.0)
# A minute or more, or nothing: on durations like 5e-324 h the consumed fraction underflows
# to 0 at every temperature, which says nothing about the model.
hours = st.one_of(st.just(0.0), st.floats(min_value=1 / 60, max_value=72.0))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(hours, temps), min_size=1, max_size=6), st.floats(0.1, 8.0))
def test_phi_increases_with_temperature(legs: list[tuple[float, float]], delta: float) -> None:
    for product in (Q10_PRODUCT, ARR_PRODUCT):
        base = [hold(f"s{i}", h, t) for i, (h, t) in enumerate(legs)]
        warmer = [hold(f"s{i}", h, t + delta) for i, (h, t) in enumerate(legs)]
        a, b = consumed_fraction(product, base), consumed_fraction(product, warmer)
        if sum(h for h, _ in legs) > 0:
            assert b > a
        else:
            assert a == b == 0.0


@settings(max_examples=40, deadline=None)
@given(
    st.floats(0.05, 20.0),
    st.floats(0.0, 1.0),
    st.floats(0.0, 35.0),
    st.floats(0.0, 35.0),
    st.floats(0.1, 7.0),
)
def test_splitting_a_cooling_segment_keeps_phi(
    total: float, frac: float, t0: float, ta: float, z: float
) -> None:
    for product in (Q10_PRODUCT, ARR_PRODUCT):
        whole = Journey.of([Segment("c", total, ta, half_cooling_h=z)], initial_c=t0)
        split = Journey.of(
            [
                Segment("c1", total * frac, ta, half_cooling_h=z),
                Segment("c2", total * (1 - frac), ta, half_cooling_h=z),
            ],
            initial_c=t0,
        )
        assert consumed_fraction(product, split) == pytest.approx(
            consumed_fraction(product, whole), rel=1e-8
        )
        assert split.temperature_profile()[-1][1] == pytest.approx(
            product_temperature(total, t0, ta, z)
        )
