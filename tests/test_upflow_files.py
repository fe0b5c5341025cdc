"""The up-flow bundle files and commands (issue 18): strict readers with file, row, column and
value; ``preprocess bill``, ``channels match`` and ``brands check`` keep their JSON shapes,
exit 1 with one bilingual message on bad input, and make-bundle writes a valid season."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ruralflow.bundle import BundleError, read_bundle, validate_bundle, write_bundle
from ruralflow.bundle.upflow_files import read_upflow_files
from ruralflow.bundle.upflow_generate import generate, write_upflow_files
from ruralflow.cli import app

LIQUAN = Path(__file__).resolve().parents[1] / "src" / "ruralflow" / "examples" / "610425"
runner = CliRunner()


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A copy of the Liquan example to break."""
    return Path(shutil.copytree(LIQUAN, tmp_path / "610425"))


def _problems(path: Path) -> list[str]:
    with pytest.raises(BundleError) as e:
        read_upflow_files(path, read_bundle(path))
    return [str(p) for p in e.value.problems]


def test_the_liquan_example_holds_a_valid_season() -> None:
    county = read_bundle(LIQUAN)
    files = read_upflow_files(LIQUAN, county)
    assert files.orders and files.services and files.lots and files.channels
    assert files.centre is not None and files.centre.kg_per_hour["grading"] == 800.0
    assert all(o.synthetic for o in files.orders)
    assert files.brands is not None and files.brands.regional[0].name_zh == "礼泉苹果"
    assert validate_bundle(LIQUAN) == []


def test_unknown_service_negative_kg_and_a_missing_fee_column(bundle: Path) -> None:
    orders = bundle / "preprocess_orders.csv"
    lines = orders.read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    row = lines[1].split(",")
    row[head.index("services")] = "grading;waxing"
    row2 = lines[2].split(",")
    row2[head.index("kg")] = "-3"
    orders.write_text("\n".join([lines[0], ",".join(row), ",".join(row2)]) + "\n", "utf-8")
    got = _problems(bundle)
    assert any("第 2 行" in p and "'services'" in p and "waxing" in p for p in got), got
    assert any("第 3 行" in p and "'kg'" in p and "-3" in p and "must be >= 0" in p for p in got)
    fees = bundle / "preprocess_fees.csv"
    text = fees.read_text(encoding="utf-8").replace("min_yuan,", "minimum,", 1)
    fees.write_text(text, "utf-8")
    got = _problems(bundle)
    assert any("preprocess_fees.csv" in p and "min_yuan" in p and "required" in p for p in got)
    assert validate_bundle(bundle)  # ruralflow validate sees them too


def test_orders_without_a_fee_table_and_bad_channels_lots_brands(bundle: Path) -> None:
    (bundle / "preprocess_fees.csv").unlink()
    (bundle / "channels.csv").write_text(
        "id,name,kind,product,min_grade,capacity_kg,price_yuan_per_kg,transport_yuan_per_kg,"
        "fixed_yuan\nX,x,teleport,apple,A,1,1,1,1\nY,y,export,durian,D,1,1,1,1\n",
        "utf-8",
    )
    (bundle / "lots.csv").write_text("id,cooperative,product,grade,kg\nL,C,apple,A,x\n", "utf-8")
    (bundle / "brands.csv").write_text(
        "id,name,level,parent,products,gi_status,gi_source\n"
        "E,子品牌,enterprise,nobody,apple,unknown,assumption\n",
        "utf-8",
    )
    got = "\n".join(_problems(bundle))
    assert "preprocess_fees.csv" in got and "missing" in got
    assert "'kind'" in got and "teleport" in got
    assert "durian" in got or "'min_grade'" in got
    assert "lots.csv 第 2 行 / row 2, 列 / column 'kg'" in got
    assert "brands.csv 第 2 行 / row 2, 列 / column 'parent'" in got


def _run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_preprocess_bill_json_and_bills(tmp_path: Path) -> None:
    code, out, _ = _run("preprocess", "bill", str(LIQUAN), "--json", "--out-dir", str(tmp_path))
    assert code == 0
    d = json.loads(out)
    assert set(d) == {"invoices", "total_fen"}
    assert d["total_fen"] == sum(i["total_fen"] for i in d["invoices"])
    assert {"order", "lines", "total_fen"} <= set(d["invoices"][0])
    farmer = d["invoices"][0]["farmer"]
    zh = (tmp_path / "bills" / f"{farmer}.zh.txt").read_text("utf-8")
    en = (tmp_path / "bills" / f"{farmer}.en.txt").read_text("utf-8")
    assert "合计" in zh and "Total" in en
    assert json.loads((tmp_path / "bill.json").read_text("utf-8")) == d


def test_preprocess_season_shows_queue_spoilage_and_grading() -> None:
    code, out, _ = _run("preprocess", "season", str(LIQUAN), "--json")
    assert code == 0
    d = json.loads(out)
    assert d["queue"]["orders"] == d["orders"] > 0
    assert d["precooling"]["avoided_yuan"] > 0
    s = d["grading"]["season"]
    assert s["net_gain_fen"] == s["graded_fen"] - s["ungraded_fen"] - s["grading_fee_fen"]


def test_channels_match_json() -> None:
    code, out, _ = _run("channels", "match", str(LIQUAN), "--json")
    assert code == 0
    d = json.loads(out)
    assert {"status", "objective_yuan", "assignments", "gap"} <= set(d)
    assert d["status"] == "optimal" and d["gap"] <= 1e-6
    assert set(d["assignments"][0]) == {"lot", "channel", "kg"}


def test_brands_check_json(tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_text("礼泉苹果\n秦岭晨露\n", encoding="utf-8")
    code, out, _ = _run("brands", "check", str(LIQUAN), "--names", str(names), "--json")
    assert code == 0
    d = json.loads(out)
    assert list(d) == ["names"]
    flags = {n["name"]: n["region_category"] for n in d["names"]}
    assert flags == {"礼泉苹果": True, "秦岭晨露": False}
    assert all({"name", "region_category", "similar_to"} <= set(n) for n in d["names"])


def test_bad_input_exits_1_with_one_bilingual_message(bundle: Path, tmp_path: Path) -> None:
    (bundle / "lots.csv").unlink()
    code, out, err = _run("channels", "match", str(bundle), "--json")
    assert code == 1 and out == "" and "lots.csv" in err and " / " in err
    assert "Traceback" not in err
    fees = bundle / "preprocess_fees.csv"
    fees.write_text(fees.read_text("utf-8").replace("min_yuan", "minimum", 1), "utf-8")
    code, out, err = _run("preprocess", "bill", str(bundle), "--json")
    assert code == 1 and out == "" and "min_yuan" in err and "Traceback" not in err
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("礼泉".encode("gbk"))
    code, _, err = _run("brands", "check", str(LIQUAN), "--names", str(bad))
    assert code == 1 and "UTF-8" in err
    code, _, _ = _run("brands", "check", str(LIQUAN))
    assert code == 2  # --names is required: a usage error


def test_generated_files_read_back_for_a_written_bundle(tmp_path: Path) -> None:
    county = read_bundle(LIQUAN)
    out = write_bundle(county, tmp_path / "b")
    paths = write_upflow_files(county, out)
    assert {p.name for p in paths} == {
        "preprocess_fees.csv",
        "preprocess_orders.csv",
        "lots.csv",
        "channels.csv",
        "brands.csv",
    }
    files = read_upflow_files(out, county)
    season = generate(county)
    assert files.orders == season.orders and files.channels == season.channels


def test_the_report_shows_the_season_and_the_channel_plan() -> None:
    from ruralflow.report.analyses import ANALYSES
    from ruralflow.report.model import ReportOptions
    from ruralflow.report.upflow import sections

    assert any(a.id == "upflow" and a.available() for a in ANALYSES)
    county = read_bundle(LIQUAN)
    (s,) = sections(county, None, ReportOptions(bundle_dir=str(LIQUAN)))
    for text in (
        "ruralflow preprocess bill",
        "ruralflow preprocess season",
        "ruralflow channels match",
        "统货 / ungraded",
        "预冷",
        "optimal",
    ):
        assert text in s.html, text
    assert {p.kind.value for p in s.provenance} <= {"synthetic", "assumption"}


def test_the_county_brands_replace_the_hard_coded_registry(bundle: Path) -> None:
    from ruralflow.bundle.upflow_files import county_brands
    from ruralflow.trace.brand import liquan_registry

    county = read_bundle(bundle)
    assert county_brands(bundle, county) == liquan_registry()  # the example's brands.csv
    brands = bundle / "brands.csv"
    brands.write_text(brands.read_text("utf-8").replace("礼泉苹果", "礼泉红", 1), "utf-8")
    reg = county_brands(bundle, county)
    info = reg.brand_of("apple", county.adcode, "T610425105")
    assert info.regional is not None and info.regional.name_zh == "礼泉红"
    assert info.sub_brand is not None and info.sub_brand.gs1["apple"].gtin.endswith(
        "9520010000018"
    )
    other = generate(county).brand_rows
    assert other and other[0]["name"] == "礼泉苹果"


def test_a_found_gi_record_is_proposed_with_its_source(tmp_path: Path) -> None:
    from ruralflow.bundle.make import make_county

    county = make_county("420527", season_days=3)
    out = write_bundle(county, tmp_path / "zigui")
    write_upflow_files(county, out)
    brands = read_upflow_files(out, county).brands
    assert brands is not None
    (b,) = brands.regional
    assert b.name_zh == "秭归脐橙" and b.gi is not None
    assert b.gi.status.value == "registered" and b.gi.registration == "AGI02217"
    assert "hubeitoday" in b.gi.source
    assert validate_bundle(out) == []
