"""Bundle reading, validation (every problem, with file/row/column/value) and round trips."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import tiny_county
from ruralflow.bundle import BundleError, read_bundle, validate_bundle, write_bundle
from ruralflow.cli import app
from ruralflow.geo.crs import wgs84_to_gcj02

runner = CliRunner()


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_bundle(tiny_county(), tmp_path / "tiny")


def _edit_csv(path: Path, row: int, column: str, value: str) -> None:
    """Set ``column`` of spreadsheet row ``row`` (header = row 1)."""
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows[row - 2][column] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _append_csv(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def _messages(path: Path) -> list[str]:
    return [str(p) for p in validate_bundle(path)]


def test_round_trip_gives_same_county(bundle: Path, tmp_path: Path) -> None:
    first = read_bundle(bundle)
    assert first == tiny_county()
    again = read_bundle(write_bundle(first, tmp_path / "again"))
    assert again == first
    # the written files are byte-identical the second time round
    for f in ("places.csv", "county.yaml", "supply_up.csv", "bus_lines.csv"):
        assert (bundle / f).read_bytes() == (tmp_path / "again" / f).read_bytes()


def test_gcj02_bundle_is_converted_to_wgs84(bundle: Path) -> None:
    cy = bundle / "county.yaml"
    cy.write_text(cy.read_text(encoding="utf-8").replace("crs: wgs84", "crs: gcj02"), "utf-8")
    wgs = read_bundle(bundle.parent / "tiny")  # still fine as wgs84 numbers, now read as gcj02
    hub = wgs.place_by_id["HUB"]
    # reading declared-GCJ coordinates moves them by the GCJ offset (hundreds of metres)
    glon, glat = wgs84_to_gcj02(hub.lon, hub.lat)
    assert abs(glon - 108.5) < 1e-6 and abs(glat - 34.5) < 1e-6


def test_unknown_village_in_demand(bundle: Path) -> None:
    _edit_csv(bundle / "demand_down.csv", 3, "village", "V404")
    assert _messages(bundle) == [
        "demand_down.csv 第 3 行 / row 3, 列 / column 'village', 值 / value 'V404': "
        "不是村编号 / is not a village id"
    ]


def test_negative_and_non_numeric_quantities_all_reported(bundle: Path) -> None:
    _edit_csv(bundle / "demand_down.csv", 2, "kg", "-4")
    _edit_csv(bundle / "demand_down.csv", 3, "parcels", "lots")
    _edit_csv(bundle / "supply_up.csv", 2, "kg", "abc")
    msgs = _messages(bundle)
    assert (
        "demand_down.csv 第 2 行 / row 2, 列 / column 'kg', 值 / value '-4': "
        "须 >= 0 / must be >= 0" in msgs
    )
    assert (
        "demand_down.csv 第 3 行 / row 3, 列 / column 'parcels', 值 / value 'lots': "
        "不是整数 / is not a whole number"
    ) in msgs
    assert (
        "supply_up.csv 第 2 行 / row 2, 列 / column 'kg', 值 / value 'abc': "
        "不是数字 / is not a number"
    ) in msgs
    assert len(msgs) == 3


def test_duplicate_ids(bundle: Path) -> None:
    lines = (bundle / "places.csv").read_text(encoding="utf-8").splitlines()
    _append_csv(bundle / "places.csv", lines[4])  # V1 (row 5) again, as row 8
    assert (
        "places.csv 第 8 行 / row 8, 列 / column 'id', 值 / value 'V1': "
        "与第 5 行重复 / duplicates row 5"
    ) in _messages(bundle)


def test_coordinates_outside_polygon(bundle: Path) -> None:
    _edit_csv(bundle / "places.csv", 5, "lon", "108.9")
    msgs = _messages(bundle)
    assert len(msgs) == 1
    assert msgs[0].startswith(
        "places.csv 第 5 行 / row 5, 列 / column 'lon/lat', 值 / value '108.900000,34.440000'"
    )
    assert "outside the county polygon" in msgs[0]


def test_wrong_crs_projected_metres(bundle: Path) -> None:
    _edit_csv(bundle / "places.csv", 2, "lon", "12070000")
    _edit_csv(bundle / "places.csv", 2, "lat", "4094000")
    msgs = _messages(bundle)
    assert any(
        m.startswith("places.csv 第 2 行 / row 2, 列 / column 'lon/lat'") and "crs wgs84" in m
        for m in msgs
    )


def test_swapped_lat_lon(bundle: Path) -> None:
    _edit_csv(bundle / "places.csv", 3, "lon", "34.45")
    _edit_csv(bundle / "places.csv", 3, "lat", "108.45")
    msgs = _messages(bundle)
    assert any("row 3, 列 / column 'lon/lat'" in m for m in msgs), msgs


def test_village_whose_township_is_missing(bundle: Path) -> None:
    _edit_csv(bundle / "places.csv", 7, "parent", "T9")
    assert _messages(bundle) == [
        "places.csv 第 7 行 / row 7, 列 / column 'parent', 值 / value 'T9': "
        "不是乡镇站编号 / names no township station"
    ]


def test_bus_line_stopping_at_unknown_place(bundle: Path) -> None:
    _edit_csv(bundle / "bus_lines.csv", 2, "stops", "HUB;T1;NOWHERE")
    assert _messages(bundle) == [
        "bus_lines.csv 第 2 行 / row 2, 列 / column 'stops', 值 / value 'NOWHERE': "
        "不是地点编号 / is not a place id"
    ]


def test_missing_column_and_file(bundle: Path) -> None:
    (bundle / "places.csv").unlink()
    text = (bundle / "fleet.csv").read_text(encoding="utf-8").replace("capacity_kg", "weight")
    (bundle / "fleet.csv").write_text(text, encoding="utf-8")
    msgs = _messages(bundle)
    assert "places.csv: 缺少此文件 / file is missing" in msgs
    assert (
        "fleet.csv 第 1 行 / row 1, 列 / column 'capacity_kg': "
        "表头缺少必需的列 / required column is missing from the header" in msgs
    )


def test_misspelt_column_is_one_problem(bundle: Path) -> None:
    text = (bundle / "fleet.csv").read_text(encoding="utf-8").replace("capacity_kg", "cap_kg")
    (bundle / "fleet.csv").write_text(text, encoding="utf-8")
    (msg,) = _messages(bundle)
    assert msg.startswith("fleet.csv 第 1 行 / row 1, 列 / column 'cap_kg': 未知的列 / unknown")
    assert "did you mean 'capacity_kg'?" in msg


def test_read_raises_with_all_problems(bundle: Path) -> None:
    _edit_csv(bundle / "demand_down.csv", 2, "village", "X1")
    _edit_csv(bundle / "products.csv", 2, "q10", "0.2")
    with pytest.raises(BundleError) as ei:
        read_bundle(bundle)
    assert len(ei.value.problems) == 2
    assert "2 problem(s)" in str(ei.value)


def test_write_is_atomic_and_refuses_overwrite(bundle: Path) -> None:
    before = sorted(p.name for p in bundle.iterdir())
    with pytest.raises(FileExistsError):
        write_bundle(tiny_county(), bundle)
    assert sorted(p.name for p in bundle.iterdir()) == before
    assert not [p for p in bundle.parent.iterdir() if p.name.startswith(".")]


def test_cli_validate_exit_codes(bundle: Path) -> None:
    ok = runner.invoke(app, ["validate", str(bundle)])
    assert ok.exit_code == 0, ok.output
    _edit_csv(bundle / "demand_down.csv", 2, "kg", "-1")
    _edit_csv(bundle / "bus_lines.csv", 2, "stops", "HUB;ZZ")
    bad = runner.invoke(app, ["validate", str(bundle), "--json"])
    assert bad.exit_code == 1
    problems = json.loads(bad.stdout)
    assert {(p["file"], p["row"], p["column"]) for p in problems} == {
        ("demand_down.csv", 2, "kg"),
        ("bus_lines.csv", 2, "stops"),
    }
    missing = runner.invoke(app, ["validate", str(bundle / "nope")])
    assert missing.exit_code == 1


def test_cli_info(bundle: Path) -> None:
    res = runner.invoke(app, ["info", str(bundle), "--json"])
    assert res.exit_code == 0
    assert json.loads(res.stdout)["households"] == 400
