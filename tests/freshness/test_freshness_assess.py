"""Front door assess(), the result object and the default parameter table."""

from __future__ import annotations

import json

import pytest

from ruralflow.domain import Product, ProductCategory
from ruralflow.freshness import (
    FLAG_ABOVE_40C,
    FLAG_ASSUMED_PARAMETERS,
    FLAG_PAST_SHELF_LIFE,
    FreshnessError,
    Journey,
    assess,
    default_perishability,
    default_precooling,
    hold,
    known_products,
    precool,
    typical_cold_chain,
)
from ruralflow.freshness.defaults import PRODUCT_FIELDS


def _product(**kw: object) -> Product:
    base: dict[str, object] = {
        "id": "veg-1",
        "name": "小白菜",
        "category": "vegetable",
        "value_yuan_per_kg": 3.0,
        "shelf_life_ref_days": 10.0,
        "t_ref_c": 0.0,
        "q10": 3.0,
        "t_min_c": 0.0,
        "source": "PARAMS.md test row",
    }
    base.update(kw)
    return Product(**base)  # type: ignore[arg-type]


def test_assess_numbers_and_contributions() -> None:
    p = _product()
    journey = Journey.of(
        [hold("field", 24.0, 0.0), hold("truck", 20.0, 10.0)], name="test journey"
    )
    r = assess(p, journey, kg=500.0)
    assert r.phi == pytest.approx(0.1 + 0.25)
    assert r.model == "q10"
    assert [s.phi for s in r.segments] == pytest.approx([0.1, 0.25])
    assert sum(s.share for s in r.segments) == pytest.approx(1.0)
    assert r.loss_kg == pytest.approx(500.0 * r.loss_fraction)
    assert r.loss_yuan == pytest.approx(500.0 * r.loss_fraction * 3.0)
    # remaining: (1 - 0.35) * SL(10 degC) = 0.65 * 10/3 d
    assert r.remaining_shelf_life_days == pytest.approx(0.65 * 10.0 / 3.0)
    assert r.flags == ()
    assert r.hours == pytest.approx(44.0)


def test_assess_accepts_plain_list_and_empty_journey() -> None:
    p = _product()
    assert assess(p, [hold("a", 10.0, 5.0)]).phi > 0.0
    empty = assess(p, [])
    assert empty.phi == 0.0 and empty.loss_fraction == 0.0 and empty.segments == ()


def test_flags() -> None:
    p = _product(source="assumption")
    r = assess(p, [hold("hot truck", 300.0, 42.0)])
    assert set(r.flags) == {FLAG_PAST_SHELF_LIFE, FLAG_ABOVE_40C, FLAG_ASSUMED_PARAMETERS}
    assert r.remaining_shelf_life_days == 0.0


def test_assess_raises_below_chilling_threshold() -> None:
    p = _product(id="orange-zg", t_ref_c=5.0, t_min_c=3.0)
    with pytest.raises(FreshnessError, match=r"'orange-zg'.*segment 1 'cold store'.*1\.00 degC"):
        assess(p, [hold("field", 2.0, 20.0), hold("cold store", 48.0, 1.0)])


def test_assess_rejects_bad_kg() -> None:
    with pytest.raises(FreshnessError, match="kg"):
        assess(_product(), [hold("a", 1.0, 5.0)], kg=-1.0)


def test_summary_and_to_dict() -> None:
    p = _product(ea_kj_per_mol=60.0)
    journey = Journey.of(
        [hold("field", 3.0, 30.0), precool("pre-cooling", "forced_air", 1.0)], name="demo"
    )
    r = assess(p, journey, kg=100.0)
    d = r.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["model"] == "arrhenius"
    assert d["phi"] == pytest.approx(r.phi)
    assert [s["name"] for s in d["segments"]] == ["field", "pre-cooling"]
    assert d["segments"][1]["product_start_c"] == 30.0
    text = r.summary()
    assert "小白菜" in text and "phi = " in text and "yuan" in text and "field" in text


def test_default_perishability_builds_products() -> None:
    names = known_products()
    for required in ("apple", "kiwifruit", "peach", "navel orange", "leafy vegetable", "cherry"):
        assert required in names
    assert "pepper" in names
    for name in names:
        d = default_perishability(name)
        assert tuple(d) == PRODUCT_FIELDS
        assert d["source"]
        p = Product(id="x", name=name, category=ProductCategory.FRUIT, value_yuan_per_kg=1.0, **d)
        # the default cold chain never goes below the product's threshold
        assess(p, typical_cold_chain(p, method=default_precooling(name)))


def test_default_perishability_values_and_aliases() -> None:
    lettuce = default_perishability("Lettuce")
    assert lettuce == default_perishability("leafy vegetable")
    assert (lettuce["shelf_life_ref_days"], lettuce["t_ref_c"]) == (21.0, 0.0)
    assert (lettuce["q10"], lettuce["ea_kj_per_mol"]) == (2.1, 48.0)
    assert "PARAMS.md" in lettuce["source"]
    orange = default_perishability("navel_orange")
    assert orange["t_min_c"] == 3.0 and orange["ea_kj_per_mol"] == pytest.approx(58.9)
    assert default_perishability("kiwi")["source"].startswith("AH-66")
    # a returned dict is a copy
    lettuce["q10"] = 99.0
    assert default_perishability("lettuce")["q10"] == 2.1
    with pytest.raises(FreshnessError, match="no default perishability for product 'durian'"):
        default_perishability("durian")


def test_lead_products_have_their_own_sourced_parameters() -> None:
    """Issue 16 item 6: kiwifruit no longer reuses the apple row; honeydew melon has a chilling
    threshold below its storage optimum; each row cites AH-66 or another named source."""
    apple, kiwi = default_perishability("apple"), default_perishability("kiwifruit")
    assert kiwi["shelf_life_ref_days"] == 135.0 != apple["shelf_life_ref_days"]
    assert "Kiwi row" in kiwi["source"] and "UC Davis" in kiwi["source"]
    melon = default_perishability("honeydew")
    assert melon["t_min_c"] == 4.4 and melon["t_opt_c"] == 7.0
    assert "WFLO" in melon["source"] and melon["ea_kj_per_mol"] is None
    pear = default_perishability("pear")
    assert (pear["shelf_life_ref_days"], pear["t_ref_c"]) == (75.0, -1.0)
    assert "Pear row" in pear["source"]
    # the catalogue's melon and pear take these rows (the bundles' products carry them)
    from ruralflow.bundle.catalog import products

    cat = products()
    assert cat["melon"].freshness_key == "honeydew melon"
    assert cat["pear"].freshness_key == "pear"
    assert cat["kiwifruit"].freshness_key == "kiwifruit"
