"""The talent pipeline (issue 19, item 3): funnel, conversion and sales per cohort, villages to
invite next; strict talent files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import tiny_county
from ruralflow.bundle import BundleError, read_bundle, write_bundle
from ruralflow.bundle.centre_files import read_talent_files
from ruralflow.bundle.centre_generate import write_talent_files
from ruralflow.centre.talent import talent_pipeline
from ruralflow.cli import app

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "src" / "ruralflow" / "examples" / "610425"
runner = CliRunner()

COHORTS = (
    "cohort,name,course,start,end\n"
    "C1,村播一期,live_streaming,2025-03-01,2025-03-21\n"
    "C2,供应链一期,supply_chain,2025-05-01,2025-05-21\n"
)
TRAINEES = (
    "trainee,cohort,village,stage,shop\n"
    "t1,C1,V1,incubated,S1\n"
    "t2,C1,V2,incubated,S2\n"
    "t3,C1,V1,practised,\n"
    "t4,C1,V3,trained,\n"
    "t5,C1,V3,enrolled,\n"
)
SALES = (
    "day,shop,product,orders,kg,sales_yuan\n"
    "2025-09-01,S1,apple,3,7.5,60\n"
    "2025-09-01,S2,apple,0,0,0\n"
)


def files(
    tmp_path: Path, cohorts: str = COHORTS, trainees: str = TRAINEES, sales: str = SALES
) -> Path:
    root = write_bundle(tiny_county(), tmp_path / "tiny")
    (root / "talent_cohorts.csv").write_text(cohorts, encoding="utf-8")
    (root / "talent_trainees.csv").write_text(trainees, encoding="utf-8")
    (root / "shop_sales.csv").write_text(sales, encoding="utf-8")
    return root


def test_funnel_conversion_sales_invite(tmp_path: Path) -> None:
    root = files(tmp_path)
    county = read_bundle(root)
    got = read_talent_files(root, county)
    assert got is not None
    report = talent_pipeline(county, got.cohorts, got.trainees, got.sales)
    assert "2 cohorts: 5 enrolled, 1 linked sellers, 60.00 yuan" in report.summary()
    out = report.to_dict()
    c1, c2 = out["cohorts"]
    assert c1["funnel"] == {
        "enrolled": 5,
        "trained": 4,
        "practised": 3,
        "incubated": 2,
        "linked": 1,  # S2 has a row but no order
    }
    assert c1["conversion"] == {
        "trained": 0.8,
        "practised": 0.75,
        "incubated": 0.6667,
        "linked": 0.5,
    }
    assert c1["overall_conversion"] == 0.2
    assert (c1["orders"], c1["kg"], c1["sales_yuan"]) == (3, 7.5, 60.0)
    assert c2["funnel"]["enrolled"] == 0 and c2["conversion"]["linked"] is None
    assert c2["overall_conversion"] is None
    # V2 has 300 kg of supply and its only seller (S2) sold nothing
    assert out["invite_next"] == [
        {"village": "V2", "name": "二村", "supply_kg": 300.0, "trainees": 1}
    ]
    sold = files(tmp_path / "b", sales=SALES.replace("S2,apple,0,0,0", "S2,apple,1,2.5,20"))
    county = read_bundle(sold)
    got = read_talent_files(sold, county)
    assert got is not None
    assert talent_pipeline(county, got.cohorts, got.trainees, got.sales).invite == ()


@pytest.mark.parametrize(
    ("what", "text", "expect"),
    [
        (
            "cohorts",
            COHORTS.replace("supply_chain", "cooking"),
            "talent_cohorts.csv 第 3 行 / row 3, 列 / column 'course'",
        ),
        (
            "cohorts",
            COHORTS + "C1,重复,live_streaming,2025-01-01,2025-01-02\n",
            "row 4, 列 / column 'cohort'",
        ),
        (
            "trainees",
            TRAINEES + "t6,C9,V1,trained,\n",
            "row 7, 列 / column 'cohort', 值 / value 'C9'",
        ),
        (
            "trainees",
            TRAINEES + "t6,C1,T1,trained,\n",
            "row 7, 列 / column 'village', 值 / value 'T1'",
        ),
        ("trainees", TRAINEES + "t6,C1,V1,trained,S9\n", "row 7, 列 / column 'shop'"),
        ("trainees", TRAINEES + "t6,C1,V1,incubated,\n", "row 7, 列 / column 'shop'"),
        (
            "trainees",
            TRAINEES + "t6,C1,V1,incubated,S1\n",
            "row 7, 列 / column 'shop', 值 / value 'S1'",
        ),
        ("trainees", TRAINEES + "t6,C1,V1,graduated,\n", "row 7, 列 / column 'stage'"),
        (
            "sales",
            SALES + "2025-09-01,S9,apple,1,1,1\n",
            "shop_sales.csv 第 4 行 / row 4, 列 / column 'shop'",
        ),
        (
            "sales",
            SALES + "2025-09-01,S1,pear,1,1,1\n",
            "row 4, 列 / column 'product', 值 / value 'pear'",
        ),
        (
            "sales",
            SALES + "2025-09-01,S1,apple,1,1,1\n",
            "row 4, 列 / column 'product', 值 / value 'apple'",
        ),
        (
            "sales",
            SALES
            + "2025-09-01,S1,apple,1,-1,1\n".replace("apple", "apple", 1).replace(
                "09-01", "09-02"
            ),
            "row 4, 列 / column 'kg'",
        ),
    ],
)
def test_bad_talent_files(tmp_path: Path, what: str, text: str, expect: str) -> None:
    root = files(tmp_path, **{what: text})  # type: ignore[arg-type]
    with pytest.raises(BundleError) as e:
        read_talent_files(root, read_bundle(root))
    assert expect in str(e.value)
    r = runner.invoke(app, ["centre", "talent", str(root)])
    assert r.exit_code == 1 and "读取人才培养文件失败 / cannot read the talent files" in r.output


def test_cli_talent(tmp_path: Path) -> None:
    root = files(tmp_path)
    r = runner.invoke(app, ["centre", "talent", str(root), "--json"])
    assert r.exit_code == 0, r.output
    body = json.loads(r.output)
    assert [c["cohort"] for c in body["cohorts"]] == ["C1", "C2"]
    assert body["stages"] == ["enrolled", "trained", "practised", "incubated", "linked"]
    r = runner.invoke(app, ["centre", "talent", str(root)])
    assert r.exit_code == 0 and "enrolled 5 → trained 4 (80%)" in r.output
    (root / "talent_cohorts.csv").unlink()
    r = runner.invoke(app, ["centre", "talent", str(root)])
    assert r.exit_code == 1 and "talent_cohorts.csv" in r.output


def test_shipped_talent_files_are_a_fresh_build(tmp_path: Path) -> None:
    county = read_bundle(EXAMPLE)
    for path in write_talent_files(county, tmp_path):
        assert path.read_bytes() == (EXAMPLE / path.name).read_bytes(), path.name
    got = read_talent_files(EXAMPLE, county)
    assert got is not None
    out = talent_pipeline(county, got.cohorts, got.trainees, got.sales).to_dict()
    for c in out["cohorts"]:
        f = c["funnel"]
        assert f["enrolled"] >= f["trained"] >= f["practised"] >= f["incubated"] >= f["linked"]
    assert len(out["invite_next"]) == 10
    assert sum(c["sales_yuan"] for c in out["cohorts"]) > 0
