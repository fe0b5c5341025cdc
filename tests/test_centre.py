"""The service centre's engine, bundle files and CLI (issue 19): a hand-made catalogue whose
overlaps, double funding, budget and HHI are known, strict file validation, the shipped
Liquan catalogue."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ruralflow.bundle import BundleError
from ruralflow.bundle.centre_files import read_centre_files
from ruralflow.centre import Applicant, Policy, Rule, analyse, eligibility, eligible_policies
from ruralflow.cli import app
from ruralflow.domain import FieldError

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "src" / "ruralflow" / "examples" / "610425"
runner = CliRunner()

POLICY_HEADER = (
    "id,bureau,name,purpose,applicant_types,amount_yuan,budget_yuan,start,end,documents\n"
)
APP_HEADER = "id,applicant,applicant_type,policy,purpose,amount_yuan,status,day\n"

#: A catalogue built so that exactly these pairs overlap:
#: - P1/P2: commerce and transport, logistics, share "station", 2025 and 2025H2;
#: - P2/P5 (written out of order: P5 before P2 in the file): share "enterprise", periods meet
#:   on one day (2025-07-01, inclusive);
#: - P1/P5: share "enterprise";
#: and these do not: P3 (same bureau as P1; ends before P2 starts), P4 (other purpose),
#: P6 (no shared type), P7 (period ends before P1 starts), P8/P9 (types disjoint).
CATALOGUE = POLICY_HEADER + (
    "P5,supply_marketing,供销配送,logistics,enterprise,100,3000,2024-07-01,2025-07-01,\n"
    "P1,commerce,示范物流,logistics,enterprise;station,500,9000,2025-01-01,2025-12-31,执照;方案\n"
    "P2,transport,客货邮,logistics,station;enterprise,200,3000,2025-07-01,2026-06-30,\n"
    "P3,commerce,共同配送,logistics,station,100,1000,2025-01-01,2025-06-30,\n"
    "P4,agriculture,冷库,cold_chain,cooperative;station,100,2000,2025-01-01,2025-12-31,\n"
    "P6,postal,快递进村,logistics,cooperative,50,500,2025-01-01,2025-12-31,\n"
    "P7,human_resources,旧线路,logistics,station,50,500,2023-01-01,2024-12-31,\n"
    "P8,agriculture,培训甲,training,farmer,10,100,2025-01-01,2025-12-31,\n"
    "P9,commerce,培训乙,training,enterprise,10,100,2025-01-01,2025-12-31,\n"
)
APPLICATIONS = APP_HEADER + (
    "A1,S1,station,P1,logistics,400,approved,2025-03-01\n"
    "A2,S1,station,P2,logistics,150,paid,2025-08-01\n"  # S1: P1 + P2 -> double funded
    "A3,S2,station,P1,logistics,300,approved,2025-03-01\n"
    "A4,S2,station,P2,logistics,100,rejected,2025-08-01\n"  # rejected: not funded
    "A5,S3,station,P1,logistics,300,paid,2025-03-01\n"
    "A6,S3,station,P4,cold_chain,100,paid,2025-03-01\n"  # other purpose
    "A7,E1,enterprise,P1,logistics,100,approved,2025-02-01\n"
    "A8,E1,enterprise,P9,training,10,approved,2025-02-01\n"  # other purpose
    "A9,E1,enterprise,P5,logistics,100,paid,2025-02-01\n"  # E1: P1 + P5
    "A10,S4,station,P3,logistics,50,submitted,2025-02-01\n"  # not decided
)


def bundle(tmp_path: Path, policies: str = CATALOGUE, apps: str | None = APPLICATIONS) -> Path:
    (tmp_path / "policies.csv").write_text(policies, encoding="utf-8")
    if apps is not None:
        (tmp_path / "applications.csv").write_text(apps, encoding="utf-8")
    return tmp_path


def test_hand_made_overlaps_and_double_funding(tmp_path: Path) -> None:
    files = read_centre_files(bundle(tmp_path))
    result = analyse(files.policies, files.applications).to_dict()
    assert result["overlapping_policies"] == [["P1", "P2"], ["P1", "P5"], ["P2", "P5"]]
    detail = {tuple(o["policies"]): o for o in result["overlaps"]}
    assert detail[("P2", "P5")]["start"] == detail[("P2", "P5")]["end"] == "2025-07-01"
    assert detail[("P1", "P2")]["applicant_types"] == ["enterprise", "station"]
    assert result["double_funded"] == [
        {
            "applicant": "E1",
            "purpose": "logistics",
            "policies": ["P1", "P5"],
            "applications": ["A7", "A9"],
            "amount_yuan": 200.0,
        },
        {
            "applicant": "S1",
            "purpose": "logistics",
            "policies": ["P1", "P2"],
            "applications": ["A1", "A2"],
            "amount_yuan": 550.0,
        },
    ]


def test_budget_and_hhi(tmp_path: Path) -> None:
    files = read_centre_files(bundle(tmp_path))
    result = analyse(files.policies, files.applications).to_dict()
    cells = {(c["purpose"], c["bureau"]): c for c in result["budget"]["by_purpose_bureau"]}
    assert cells[("logistics", "commerce")]["budget_yuan"] == 10000  # P1 + P3
    assert cells[("logistics", "commerce")]["policies"] == 2
    # granted: A1 400 + A3 300 + A5 300 + A7 100 (P1); A10 (P3) not decided; paid: A5
    assert cells[("logistics", "commerce")]["granted_yuan"] == 1100
    assert cells[("logistics", "commerce")]["paid_yuan"] == 300
    assert result["budget"]["total_yuan"] == 9000 + 3000 + 3000 + 1000 + 2000 + 500 + 500 + 200
    frag = {f["purpose"]: f for f in result["fragmentation"]["by_purpose"]}
    # logistics: commerce 10000, supply_marketing 3000, transport 3000, postal 500, hr 500
    shares = [10000 / 17000, 3000 / 17000, 3000 / 17000, 500 / 17000, 500 / 17000]
    assert frag["logistics"]["hhi"] == pytest.approx(sum(s * s for s in shares), abs=1e-6)
    assert frag["logistics"]["bureaus"] == 5
    assert frag["cold_chain"]["hhi"] == 1.0 and frag["cold_chain"]["reading"] == "single"
    assert frag["logistics"]["reading"] == "split"  # effective bureaus 2.44
    assert frag["training"]["hhi"] == 0.5 and frag["training"]["effective_bureaus"] == 2.0
    weights = {"logistics": 17000, "cold_chain": 2000, "training": 200}
    overall = sum(weights[p] * frag[p]["hhi"] for p in weights) / sum(weights.values())
    assert result["fragmentation"]["overall_hhi"] == pytest.approx(overall, abs=1e-6)


def test_cli_overlap_json_and_table(tmp_path: Path) -> None:
    path = bundle(tmp_path)
    r = runner.invoke(app, ["centre", "overlap", str(path), "--json"])
    assert r.exit_code == 0, r.output
    body = json.loads(r.output)
    assert body["overlapping_policies"] == [["P1", "P2"], ["P1", "P5"], ["P2", "P5"]]
    assert [d["applicant"] for d in body["double_funded"]] == ["E1", "S1"]
    assert {"budget", "fragmentation"} <= body.keys()
    r = runner.invoke(app, ["centre", "overlap", str(path)])
    assert r.exit_code == 0, r.output
    assert "P1 (commerce) × P2 (transport)" in r.output and "HHI" in r.output


def test_applications_are_optional(tmp_path: Path) -> None:
    r = runner.invoke(app, ["centre", "overlap", str(bundle(tmp_path, apps=None)), "--json"])
    assert r.exit_code == 0, r.output
    body = json.loads(r.output)
    assert body["applications"] == 0 and body["double_funded"] == []
    assert len(body["overlapping_policies"]) == 3


@pytest.mark.parametrize(
    ("policies", "apps", "expect"),
    [
        (
            CATALOGUE.replace("documents", "documents,source"),
            None,
            ["policies.csv 第 1 行 / row 1, 列 / column 'source'", "未知列 / unknown column"],
        ),
        (
            CATALOGUE.replace("cold_chain", "coldchain"),
            None,
            ["policies.csv 第 6 行 / row 6, 列 / column 'purpose', 值 / value 'coldchain'"],
        ),
        (
            CATALOGUE.replace("2025-07-01,\n", "2025-13-01,\n", 1),
            None,
            ["第 2 行 / row 2, 列 / column 'end'", "不是日期 YYYY-MM-DD / is not a date"],
        ),
        (
            CATALOGUE.replace("enterprise;station,500", "enterprise;merchant,500"),
            None,
            [
                "第 3 行 / row 3, 列 / column 'applicant_types', 值 / value 'enterprise;merchant'",
                "'merchant' is not an applicant type",
            ],
        ),
        (
            CATALOGUE.replace("P3,commerce", "P1,commerce"),
            None,
            ["第 5 行 / row 5, 列 / column 'id'", "与第 3 行重复 / repeats the id of row 3"],
        ),
        (
            POLICY_HEADER.replace(",budget_yuan", ""),
            None,
            ["列 / column 'budget_yuan'", "表头缺少必填列 / required column is missing"],
        ),
        (
            CATALOGUE,
            APPLICATIONS.replace("P4,cold_chain", "P9,cold_chain"),
            [
                "applications.csv 第 7 行 / row 7, 列 / column 'purpose'",
                "differs from the purpose",
            ],
        ),
        (
            CATALOGUE,
            APPLICATIONS.replace("A9,E1,enterprise,P5", "A9,E1,enterprise,P1"),
            ["applications.csv 第 10 行 / row 10, 列 / column 'policy'", "already applied"],
        ),
        (
            CATALOGUE,
            APPLICATIONS.replace("P2,logistics,150,paid", "P2,logistics,900,paid"),
            ["第 3 行 / row 3, 列 / column 'amount_yuan', 值 / value '900'", "exceeds"],
        ),
        (
            CATALOGUE,
            APPLICATIONS.replace("P1,logistics,400,approved", "PX,logistics,400,approved"),
            ["第 2 行 / row 2, 列 / column 'policy', 值 / value 'PX'", "不是 policies.csv"],
        ),
        (
            CATALOGUE,
            APPLICATIONS.replace("400,approved", "400,granted"),
            ["第 2 行 / row 2, 列 / column 'status', 值 / value 'granted'"],
        ),
        (
            CATALOGUE,
            APPLICATIONS.replace("A3,S2,station", "A3,S1,enterprise"),
            ["第 4 行 / row 4, 列 / column 'applicant_type'", "type station on row 2"],
        ),
    ],
)
def test_bad_files_name_file_row_column_value(
    tmp_path: Path, policies: str, apps: str | None, expect: list[str]
) -> None:
    path = bundle(tmp_path, policies, apps)
    with pytest.raises(BundleError) as e:
        read_centre_files(path)
    text = str(e.value)
    for part in expect:
        assert part in text
    r = runner.invoke(app, ["centre", "overlap", str(path), "--json"])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "读取政策目录失败 / cannot read the policy catalogue" in r.output


def test_missing_catalogue_is_one_message(tmp_path: Path) -> None:
    r = runner.invoke(app, ["centre", "overlap", str(tmp_path)])
    assert r.exit_code == 1 and "policies.csv" in r.output
    (tmp_path / "applications.csv").write_text(APPLICATIONS, encoding="utf-8")
    with pytest.raises(BundleError, match=r"policies\.csv"):
        read_centre_files(tmp_path)


def _policy(**kw: object) -> Policy:
    base: dict[str, object] = {
        "id": "P",
        "bureau": "agriculture",
        "name": "冷库",
        "purpose": "cold_chain",
        "applicant_types": ("farmer", "cooperative"),
        "amount_yuan": Decimal(100),
        "budget_yuan": Decimal(1000),
        "start": dt.date(2025, 1, 1),
        "end": dt.date(2025, 12, 31),
    }
    base.update(kw)
    return Policy(**base)  # type: ignore[arg-type]


def test_eligibility_by_type_attributes_and_period() -> None:
    p = _policy(rules=(Rule("family_farm", "=", "yes", "farmer"), Rule("mu", ">=", "10")))
    q = _policy(id="Q", bureau="commerce", applicant_types=("enterprise",))
    farm = Applicant("F1", "farmer", attributes={"family_farm": "yes", "mu": "12.5"})
    small = Applicant("F2", "farmer", attributes={"family_farm": "yes", "mu": "8"})
    coop = Applicant("C1", "cooperative", attributes={"mu": "300"})  # family_farm: farmers only
    assert eligible_policies(farm, [p, q]) == [p]
    assert eligible_policies(coop, [p, q]) == [p]
    (why,) = [e for e in eligibility(small, [p]) if not e.eligible]
    assert any("mu >= 10" in r for r in why.reasons)
    assert eligible_policies(farm, [p], on=dt.date(2026, 1, 1)) == []
    (other,) = [e for e in eligibility(farm, [q])]
    assert not other.eligible and "enterprise" in other.reasons[0]


def test_policy_checks_its_fields() -> None:
    with pytest.raises(FieldError, match="amount_yuan"):
        _policy(amount_yuan=Decimal(2000))
    with pytest.raises(FieldError, match="end"):
        _policy(end=dt.date(2024, 1, 1))
    with pytest.raises(FieldError, match="purpose"):
        _policy(purpose="everything")
    with pytest.raises(FieldError, match="op"):
        Rule("mu", "~", "3")
    with pytest.raises(FieldError, match="2 decimals"):
        _policy(amount_yuan=Decimal("0.001"))
    assert _policy(amount_yuan=Decimal("1E+2")).amount_yuan == 100


def test_shipped_liquan_catalogue() -> None:
    """The example's catalogue reads and shows the cross-bureau overlaps it was built with."""
    files = read_centre_files(EXAMPLE)
    result = analyse(files.policies, files.applications).to_dict()
    pairs = result["overlapping_policies"]
    for pair in (
        ["com-ec-logistics", "tra-kehuoyou"],  # 电子商务进农村 vs 客货邮融合
        ["agr-coldstore", "com-county-cold"],  # 产地冷藏保鲜 vs 县域商业体系 冷链
        ["com-ec-station", "pos-express-village"],  # 村级站点 vs 快递进村
        ["agr-farmer-training", "com-ec-training"],
    ):
        assert pair in pairs
    assert not any("hrs-live-training" in p for p in pairs)  # its period is 2024 only
    assert pairs == sorted(pairs) and all(a < b for a, b in pairs)
    assert {d["applicant"] for d in result["double_funded"]} == {"COOP-A", "F-0001", "T610425101"}
    who = {a.id: a for a in files.applicants}
    got = {p.id for p in eligible_policies(who["F-0003"], files.policies)}
    assert "agr-farmer-training" not in got and "com-ec-training" in got  # not resident


def test_validate_checks_the_centre_files(tmp_path: Path) -> None:
    """`ruralflow validate` reports the centre's files with the rest of the bundle."""
    import shutil

    from ruralflow.bundle import validate_bundle

    path = tmp_path / "610425"
    shutil.copytree(EXAMPLE, path)
    assert validate_bundle(path) == []
    text = (path / "applications.csv").read_text(encoding="utf-8")
    (path / "applications.csv").write_text(text.replace("A002,", "A001,"), encoding="utf-8")
    (problem,) = validate_bundle(path)
    assert (problem.file, problem.row, problem.column) == ("applications.csv", 3, "id")


def test_reading_of_the_hhi() -> None:
    from ruralflow.centre.analysis import BudgetCell, fragmentation

    zero = Decimal(0)
    cells = [
        BudgetCell("logistics", "commerce", 1, Decimal(800), zero, zero),
        BudgetCell("logistics", "transport", 1, Decimal(200), zero, zero),
    ]
    (f,) = fragmentation(cells)
    assert f.hhi == pytest.approx(0.68) and f.reading == "dominated"
    assert f.to_dict()["hhi_points"] == 6800.0 and f.to_dict()["fragmentation"] == 0.32


def test_results_have_summary_and_json(tmp_path: Path) -> None:
    """The engine's results follow the front-door convention: summary() and to_dict()."""
    files = read_centre_files(bundle(tmp_path))
    result = analyse(files.policies, files.applications)
    assert "3 overlapping pairs" in result.summary()
    assert json.loads(json.dumps(result.to_dict(), allow_nan=False)) == result.to_dict()
