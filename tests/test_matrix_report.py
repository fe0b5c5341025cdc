"""The value-matrix section of the county report."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

import pytest

from ruralflow.bundle import read_bundle
from ruralflow.domain import County, Economy, SourcedValue
from ruralflow.report import ANALYSES, build_report
from ruralflow.report.matrix import sections


@pytest.fixture(scope="module")
def liquan() -> County:
    with as_file(files("ruralflow").joinpath("examples", "610425")) as p:
        return read_bundle(Path(p))


def test_matrix_analysis_is_registered() -> None:
    a = {x.id: x for x in ANALYSES}["matrix"]
    assert a.available()
    assert a.entry == "ruralflow.report.matrix:sections"


def test_section_has_heat_map_flow_diagram_and_tables(liquan: County) -> None:
    (s,) = sections(liquan, None)
    assert s.id == "matrix"
    html = s.html
    assert "<script" not in html and "http" not in html.split("</svg>")[0]
    assert html.count('class="chart matrix-tornado"') >= 1  # the uncertainty's tornado
    assert html.count("<svg") == 2 + html.count('class="chart matrix-tornado"')
    assert 'id="matrix-uncertainty"' in html and "data-mc-band" in html
    assert 'data-logistics-basis="literature"' in html  # no day: no plan to measure
    assert 'class="chart matrix-heat"' in html and 'class="chart matrix-flows"' in html
    for anchor in ("matrix-coefficients", "matrix-scenarios", "matrix-io", "matrix-elasticities"):
        assert f'id="{anchor}"' in html
    assert "重下行轻上行" in html
    for name in ("cold_hub", "bus_parcels", "brand", "training"):
        assert name in html
    assert "y_k * c * g * o" in html
    assert any("Input-output table" in p.item_en for p in s.provenance)
    page = build_report(liquan, sections=[s])
    assert 'id="matrix"' in page


def test_refused_matrix_gives_a_message_not_a_crash(liquan: County) -> None:
    e = liquan.economy
    params = {
        **e.parameters,
        "coef.up_products.down_goods": SourcedValue(2.0, "yuan/yuan", "test"),
        "coef.down_goods.up_products": SourcedValue(0.9, "yuan/yuan", "test"),
    }
    econ = Economy(flows=e.flows, parameters=params, io_table=e.io_table, year=e.year)
    (s,) = sections(liquan.replace(economy=econ), None)
    assert "spectral radius" in s.html and "up_products -&gt; down_goods" in s.html
