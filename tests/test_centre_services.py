"""Station public services (issue 19, item 4): the ledger summed per station, service income
beside parcel income, villages lacking each service; strict ``station_services.csv``."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import tiny_county
from ruralflow.bundle import BundleError, read_bundle, write_bundle
from ruralflow.bundle.centre_files import read_station_services
from ruralflow.bundle.centre_generate import write_station_services
from ruralflow.centre.services import ServiceEntry, station_services
from ruralflow.cli import app

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "src" / "ruralflow" / "examples" / "610425"
runner = CliRunner()

HEADER = "day,station,service,count,fee_yuan\n"
LEDGER = HEADER + (
    "2025-09-01,T1,payments,10,1.0\n"
    "2025-09-01,T1,repairs,2,15\n"
    "2025-09-02,T1,payments,5,1.0\n"
    "2025-09-01,V1,bills,3,0.5\n"
    "2025-09-01,V1,parcels,7,0.6\n"
)


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write_bundle(tiny_county(), tmp_path / "tiny")


def test_ledger_sums_and_coverage(tiny: Path) -> None:
    (tiny / "station_services.csv").write_text(LEDGER, encoding="utf-8")
    county = read_bundle(tiny)
    entries = read_station_services(tiny, county)
    assert entries is not None and len(entries) == 5
    out = station_services(county, entries).to_dict()
    st = {s["station"]: s for s in out["stations"]}
    # T1: payments 15 x 1.0 + repairs 2 x 15; parcels: V1 and V2 have no parcel point, so
    # T1 hands over V1's 10 down parcels x 0.5 yuan (the default)
    assert st["T1"]["services"] == {
        "payments": {"count": 15, "income_yuan": 15.0},
        "repairs": {"count": 2, "income_yuan": 30.0},
    }
    assert st["T1"]["service_income_yuan"] == 45.0 and st["T1"]["days"] == 2
    assert (st["T1"]["parcels"], st["T1"]["parcel_income_yuan"]) == (10, 5.0)
    assert st["T1"]["parcel_basis"] == "demand_down" and st["T1"]["service_share"] == 0.9
    # V1 records its parcels in the ledger: 7 x 0.6
    assert (st["V1"]["parcels"], st["V1"]["parcel_income_yuan"]) == (7, 4.2)
    assert st["V1"]["parcel_basis"] == "ledger"
    assert st["V1"]["service_share"] == round(1.5 / 5.7, 4)
    assert "T2" not in st  # no ledger rows
    svc = out["services"]
    assert svc["parcels"]["villages_lacking"] == ["V2", "V3"]
    assert svc["parcels"]["households_lacking"] == 280
    assert svc["parcels"]["household_coverage"] == 0.3
    assert svc["payments"]["villages_lacking"] == ["V1", "V2", "V3"]  # only T1 offers it
    assert svc["payments"]["income_yuan"] == 15.0 and svc["payments"]["stations"] == 1
    assert svc["bills"]["villages_with"] == 1
    assert out["parcel_fee_yuan"]["source"].startswith("assumption")
    other = station_services(county, entries, parcel_fee_yuan=Decimal("0.8")).to_dict()
    assert {s["station"]: s for s in other["stations"]}["T1"]["parcel_income_yuan"] == 8.0


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        (
            LEDGER + "2025-09-01,HUB,bills,1,1\n",
            "第 7 行 / row 7, 列 / column 'station', 值 / value 'HUB'",
        ),
        (LEDGER + "2025-09-01,T2,massage,1,1\n", "列 / column 'service', 值 / value 'massage'"),
        (LEDGER + "2025-09-02,T1,payments,1,1\n", "row 7, 列 / column 'service'"),
        (LEDGER + "2025-09-01,T2,bills,-1,1\n", "列 / column 'count', 值 / value '-1'"),
        (LEDGER + "2025-09-01,T2,bills,1,-0.5\n", "列 / column 'fee_yuan', 值 / value '-0.5'"),
        (LEDGER.replace("fee_yuan", "fee"), "表头缺少必填列 / required column is missing"),
    ],
)
def test_bad_ledger_names_row_column_value(tiny: Path, text: str, expect: str) -> None:
    (tiny / "station_services.csv").write_text(text, encoding="utf-8")
    county = read_bundle(tiny)
    with pytest.raises(BundleError) as e:
        read_station_services(tiny, county)
    assert "station_services.csv" in str(e.value) and expect in str(e.value)
    r = runner.invoke(app, ["centre", "services", str(tiny), "--json"])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "读取站点服务台账失败 / cannot read the station services ledger" in r.output


def test_cli_services(tiny: Path) -> None:
    r = runner.invoke(app, ["centre", "services", str(tiny)])
    assert r.exit_code == 1 and "station_services.csv" in r.output
    (tiny / "station_services.csv").write_text(LEDGER, encoding="utf-8")
    r = runner.invoke(app, ["centre", "services", str(tiny), "--json", "--parcel-fee", "1"])
    assert r.exit_code == 0, r.output
    body = json.loads(r.output)
    assert {s["station"] for s in body["stations"]} == {"T1", "V1"}
    assert body["parcel_fee_yuan"]["value"] == 1.0
    r = runner.invoke(app, ["centre", "services", str(tiny)])
    assert r.exit_code == 0 and "T1" in r.output and "小修小补" in r.output
    r = runner.invoke(app, ["centre", "services", str(tiny), "--parcel-fee", "-1"])
    assert r.exit_code == 2


def test_shipped_ledger_is_a_fresh_build(tmp_path: Path) -> None:
    """The example's ledger is ``write_station_services(county, seed=0)`` (make_examples)."""
    county = read_bundle(EXAMPLE)
    fresh = write_station_services(county, tmp_path)
    assert fresh.read_bytes() == (EXAMPLE / "station_services.csv").read_bytes()
    entries = read_station_services(EXAMPLE, county)
    assert entries is not None
    out = station_services(county, entries).to_dict()
    assert len(out["stations"]) == len(county.townships) + 44  # townships + bus-stop villages
    assert out["services"]["agri_info"]["villages_with"] == 0  # townships only
    assert all(0 <= s["service_share"] <= 1 for s in out["stations"])


def test_entry_checks_itself() -> None:
    import datetime as dt

    from ruralflow.domain import FieldError

    with pytest.raises(FieldError, match="count"):
        ServiceEntry(dt.date(2025, 9, 1), "T1", "bills", True, Decimal(1))  # type: ignore[arg-type]


def test_engine_refuses_an_unknown_station(tiny: Path) -> None:
    import datetime as dt

    from ruralflow.centre import CentreError

    county = read_bundle(tiny)
    entries = [ServiceEntry(dt.date(2025, 9, 1), "T1", "bills", 2, Decimal("0.5"))]
    report = station_services(county, entries)
    assert "1 stations: 1.00 yuan from services" in report.summary()
    with pytest.raises(CentreError, match="HUB"):
        station_services(
            county, [ServiceEntry(dt.date(2025, 9, 1), "HUB", "bills", 1, Decimal(1))]
        )
