"""Bundle files, CLI and report of benefit sharing (issue 5 parts 2 and 5, worked example)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import DATA, REPO
from ruralflow.bundle import BundleError, read_bundle
from ruralflow.bundle.contract_files import read_contract_files
from ruralflow.bundle.sharing_case import MissingInputError, settle_bundle
from ruralflow.cli import app
from ruralflow.domain import County

LIQUAN = REPO / "src" / "ruralflow" / "examples" / "610425"
EXAMPLE = REPO / "src" / "ruralflow" / "sharing" / "data" / "liquan_2015"
runner = CliRunner()

CONTRACTS_HEAD = (
    "contract,farmer,product,type,price_yuan_per_kg,floor_yuan_per_kg,dividend_share,fund,"
    "fund_yuan_per_kg,fund_trigger_yuan_per_kg,shares,contracted_kg\n"
)


@pytest.fixture()
def bundle(tmp_path: Path) -> Iterator[Path]:
    """A copy of the Liquan bundle with the worked example's files."""
    root = tmp_path / "liquan"
    shutil.copytree(LIQUAN, root)
    for f in EXAMPLE.glob("*.csv"):
        shutil.copy(f, root / f.name)
    yield root


@cache
def _liquan() -> County:
    return read_bundle(LIQUAN)


def _problems(root: Path) -> list[str]:
    """Problems of the sharing files in ``root`` (a copy of the Liquan bundle)."""
    with pytest.raises(BundleError) as e:
        read_contract_files(root, _liquan())
    return [str(p) for p in e.value.problems]


def test_contracts_csv_errors_name_file_row_column_value(tmp_path: Path) -> None:
    root = tmp_path / "b"
    shutil.copytree(LIQUAN, root)
    (root / "contracts.csv").write_text(
        CONTRACTS_HEAD
        + "C1,F1,apple,order_dividend,2.70,3.00,0.3,,,,,\n"  # floor above the order price
        + "C2,F2,apple,floor,,2.6,,FUND1,0.1,,,\n"  # fund without trigger
        + "C3,F3,apple,spot,,,,,,,,-5\n"  # negative kg
        + "C4,F4,pear,spot,,,,,,,,\n"  # unknown product
        + "C5,F5,apple,floor,,abc,,,,,,\n"  # not a number
        + "C6,F6,apple,equity,,,0.3,,,,,\n"  # equity without shares
        + "C6,F7,apple,order_dividend,,,,,,,2,\n",  # differs from the contract's first row
        encoding="utf-8",
    )
    got = _problems(root)
    text = "\n".join(got)
    assert (
        "contracts.csv 第 2 行 / row 2, 列 / column 'floor_yuan_per_kg', 值 / value '3.00': "
        "is above the contract price 2.70" in text
    )
    assert (
        "row 3, 列 / column 'fund_trigger_yuan_per_kg'" in text and "first row naming fund" in text
    )
    assert "row 4, 列 / column 'contracted_kg', 值 / value '-5': must be >= 0" in text
    assert (
        "row 5, 列 / column 'product', 值 / value 'pear': 不是数据包中的产品 / "
        "is not a product of the bundle" in text
    )
    assert (
        "row 6, 列 / column 'floor_yuan_per_kg', 值 / value 'abc': 不是数字 / is not a number"
        in text
    )
    assert "row 8, 列 / column 'type', 值 / value 'order_dividend': 与第 7 行" in text


def test_contract_book_problems_map_to_rows(tmp_path: Path) -> None:
    root = tmp_path / "b"
    shutil.copytree(LIQUAN, root)
    (root / "contracts.csv").write_text(
        CONTRACTS_HEAD
        + "C1,F1,apple,equity,,2.5,0.3,,,,,\n"  # equity member without shares
        + "C2,F1,apple,spot,,,,,,,,\n",  # second apple contract of F1
        encoding="utf-8",
    )
    text = "\n".join(_problems(root))
    assert "row 2, 列 / column 'shares'" in text and "must be > 0 for equity" in text
    assert "row 3, 列 / column 'farmer'" in text and "one contract per farmer" in text


def test_deliveries_and_prices_are_strict(tmp_path: Path) -> None:
    root = tmp_path / "b"
    shutil.copytree(LIQUAN, root)
    (root / "deliveries.csv").write_text(
        "day,farmer,product,kg,grade,colour\n2015-09-28,F1,apple,0,A,red\n", encoding="utf-8"
    )
    (root / "prices.csv").write_text(
        "date,product,yuan_per_kg,level\n2015-09-28,apple,6,wholesale\n"
        "2015-09-28,apple,6.1,wholesale\n2015-09-29,apple,5,retail\n2015-13-01,apple,5,\n",
        encoding="utf-8",
    )
    text = "\n".join(_problems(root))
    assert (
        "deliveries.csv 第 1 行 / row 1, 列 / column 'colour'" in text and "unknown column" in text
    )
    assert "prices.csv 第 3 行 / row 3, 列 / column 'date'" in text and "already quoted" in text
    assert "prices.csv 第 4 行 / row 4, 列 / column 'level', 值 / value 'retail'" in text
    assert (
        "prices.csv 第 5 行 / row 5, 列 / column 'date', 值 / value '2015-13-01': "
        "不是日期 YYYY-MM-DD / is not a date" in text
    )


def test_settle_without_contracts_explains_what_is_missing() -> None:
    with pytest.raises(MissingInputError, match=r"missing contracts\.csv and prices\.csv"):
        settle_bundle(LIQUAN)
    res = runner.invoke(app, ["contracts", "settle", str(LIQUAN)])
    assert res.exit_code == 1
    assert "contracts.csv" in res.output and "prices.csv" in res.output
    assert "type = spot|floor|order_dividend|equity" in res.output


def test_example_files_are_reproducible_from_real_prices() -> None:
    from ruralflow.bundle.sharing_example import build_example

    files = build_example(_liquan(), DATA)
    for name, text in files.items():
        assert (EXAMPLE / name).read_text(encoding="utf-8") == text, name


def test_worked_example_settles_to_the_fen(bundle: Path) -> None:
    county, s = settle_bundle(bundle)
    assert county.adcode == "610425"
    assert s.reconciles and s.floor_ok()
    assert len(s.lines) == 120 and len(s.farmer_rows) == 12
    assert s.rounding_remainder >= 0
    res = runner.invoke(app, ["contracts", "settle", str(bundle)])
    assert res.exit_code == 0, res.output
    assert "reconciles to the fen" in res.output and "农户07 (F07)" in res.output
    res = runner.invoke(app, ["contracts", "settle", str(bundle), "--statement", "F07"])
    assert res.exit_code == 0 and "农户结算单" in res.output and "net payable" in res.output
    res = runner.invoke(app, ["contracts", "settle", str(bundle), "--json"])
    data = json.loads(res.output)
    assert data["reconciles"] and all(v == 0 for v in data["reconciliation_fen"].values())
    res = runner.invoke(app, ["contracts", "settle", str(bundle), "--statement", "nobody"])
    assert res.exit_code == 1


def test_settle_reports_deliveries_without_a_price(bundle: Path) -> None:
    with (bundle / "deliveries.csv").open("a", encoding="utf-8") as fh:
        fh.write("2016-03-01,F01,apple,10,A,,\n")
    with pytest.raises(BundleError) as e:
        settle_bundle(bundle)
    (p,) = e.value.problems
    assert p.file == "deliveries.csv" and p.row == 122 and p.column == "day"
    assert "no apple price" in p.message


def test_cli_simulate_compare_and_prices(bundle: Path) -> None:
    res = runner.invoke(
        app, ["contracts", "simulate", str(LIQUAN), "--paths", "600", "--seasons", "1", "--json"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert {d["id"] for d in data["designs"]} >= {"spot", "order_dividend", "equity"}
    assert data["designs"][0]["income_mean"]["se"] > 0
    res = runner.invoke(
        app,
        ["contracts", "compare", str(bundle), "--paths", "600", "--search-paths", "300"],
    )
    assert res.exit_code == 0, res.output
    assert "C-ORDER" in res.output and "cheapest contribution" in res.output
    assert "viable designs first" in res.output
    res = runner.invoke(app, ["contracts", "prices", str(LIQUAN), "--replicas", "200"])
    assert res.exit_code == 0 and "[pass]" in res.output
    res = runner.invoke(app, ["contracts", "simulate", str(LIQUAN), "--method", "coin"])
    assert res.exit_code == 2


def test_report_section_has_inline_plots(monkeypatch: pytest.MonkeyPatch) -> None:
    import ruralflow.report.sharing as rep
    from ruralflow.report import ANALYSES, build_report

    monkeypatch.setattr(rep, "REPORT_PATHS", 1000)
    assert any(a.entry == "ruralflow.report.sharing:sections" for a in ANALYSES)
    county = _liquan()
    (section,) = rep.sections(county, None)
    assert section.id == "sharing"
    html = section.html
    assert html.count("<svg") >= 4  # ridges, fulfilment, two fund fans
    assert "poverty line" in html and "Fulfilment" in html and "Fund balance" in html
    assert "2015" in html and "农户07" in html  # the worked example
    page = build_report(county, sections=[section])
    # the inlined ECharts names licence URLs in its comments; nothing else may
    from ruralflow.report.figures import echarts_source

    assert echarts_source() in page
    page = page.replace(echarts_source(), "")
    assert not re.search(r"<script[^>]+src=|https?://(?!www\.w3\.org)", page)
