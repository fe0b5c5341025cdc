"""Malformed bundles, as a hostile spreadsheet user makes them, through ``validate`` and ``plan``.

Every case copies the shipped example, breaks it in one way, and runs both commands. Each must
exit 1 with one clear message that names the file and the bad value (or key), in Chinese and
English, without a Python traceback; ``plan`` must not write its ``--out`` file.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ruralflow.bundle import BundleError, read_bundle, validate_bundle
from ruralflow.cli import app
from ruralflow.domain import limits

runner = CliRunner()
DAY = "2025-10-13"  # the first day of the example's season 2025-10-13 .. 2025-10-26
FLOW_ROWS = 40  # demand and supply rows kept by the ``small`` fixture
FAST = ["--time-limit", "1", "--seed", "0", "--workers", "1", "--no-compare"]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("example") / "610425"
    with as_file(files("ruralflow").joinpath("examples", "610425")) as src:
        shutil.copytree(src, dest)
    return dest


# --------------------------------------------------------------------------- editing helpers
@pytest.fixture(scope="module")
def small(example: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example with its first FLOW_ROWS demand and supply rows (reads five times faster)."""
    dest = tmp_path_factory.mktemp("small") / "610425"
    shutil.copytree(example, dest)
    for name in ("demand_down.csv", "supply_up.csv"):
        _write_rows(dest / name, _rows(dest / name)[: FLOW_ROWS + 1])
    return dest


def _yaml(path: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _county(edit: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    return lambda b: _yaml(b / "county.yaml", edit)


def _economy(edit: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    return lambda b: _yaml(b / "economy.yaml", edit)


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    *head, last = dotted.split(".")
    for k in head:
        data = data[k]
    data[last] = value


def _put(dotted: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda d: _set(d, dotted, value)


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _cell(file: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    """Set one cell; ``row`` is the spreadsheet row (header = 1)."""

    def edit(b: Path) -> None:
        rows = _rows(b / file)
        rows[row - 1][rows[0].index(column)] = value
        _write_rows(b / file, rows)

    return edit


def _rename_column(file: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(b: Path) -> None:
        rows = _rows(b / file)
        rows[0][rows[0].index(old)] = new
        _write_rows(b / file, rows)

    return edit


def _extra_column(file: str, name: str, fill: bool) -> Callable[[Path], None]:
    def edit(b: Path) -> None:
        rows = _rows(b / file)
        rows[0].append(name)
        if fill:
            for r in rows[1:]:
                r.append("x")
        _write_rows(b / file, rows)

    return edit


def _duplicate_row(file: str, row: int) -> Callable[[Path], None]:
    def edit(b: Path) -> None:
        rows = _rows(b / file)
        rows.append(list(rows[row - 1]))
        _write_rows(b / file, rows)

    return edit


def _encode(file: str, encoding: str) -> Callable[[Path], None]:
    def edit(b: Path) -> None:
        text = (b / file).read_text(encoding="utf-8")
        (b / file).write_bytes(text.encode(encoding))

    return edit


def _write(file: str, text: str) -> Callable[[Path], None]:
    return lambda b: (b / file).write_text(text, encoding="utf-8")


def _delete(file: str) -> Callable[[Path], None]:
    return lambda b: (b / file).unlink()


def _roads(coords: list[list[float]]) -> Callable[[Path], None]:
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "G312"},
                "geometry": {"type": "LineString", "coordinates": coords},
            }
        ],
    }
    return _write("roads.geojson", json.dumps(fc))


def _semicolons(file: str) -> Callable[[Path], None]:
    def edit(b: Path) -> None:
        rows = _rows(b / file)
        buf = io.StringIO()
        csv.writer(buf, delimiter=";", lineterminator="\n").writerows(rows)
        (b / file).write_text(buf.getvalue(), encoding="utf-8")

    return edit


# --------------------------------------------------------------------------- the cases
@dataclass(frozen=True)
class Case:
    id: str
    edit: Callable[[Path], None]
    file: str  # the file the message must name
    needles: tuple[str, ...]  # the bad value (or key), and anything else the message must say


def _c(id: str, edit: Callable[[Path], None], file: str, *needles: str) -> Case:
    return Case(id, edit, file, needles)


CASES = [
    # county.yaml: wrong types, anywhere
    _c(
        "name-list", _county(_put("name", ["礼泉", "县"])), "county.yaml", "['礼泉', '县']", "name"
    ),
    _c("city-mapping", _county(_put("city", {"a": 1})), "county.yaml", "{'a': 1}", "city"),
    _c("hub-null", _county(_put("hub", None)), "county.yaml", "hub", "null"),
    _c("season-autumn", _county(_put("season", "autumn")), "county.yaml", "'autumn'", "season"),
    _c("coarse-maybe", _county(_put("coarse", "maybe")), "county.yaml", "'maybe'", "coarse"),
    _c(
        "temp-list-in-list",
        _county(lambda d: d["monthly_mean_temp_c"].__setitem__(3, [1, 2])),
        "county.yaml",
        "monthly_mean_temp_c[3]",
        "[1, 2]",
    ),
    _c(
        "temps-eleven",
        _county(lambda d: d["monthly_mean_temp_c"].pop()),
        "county.yaml",
        "monthly_mean_temp_c",
        "12",
    ),
    _c("detour-text", _county(_put("detour_factor", "high")), "county.yaml", "'high'"),
    _c("detour-huge", _county(_put("detour_factor.value", 13.0)), "county.yaml", "13"),
    _c("costs-list", _county(_put("costs", [1, 2])), "county.yaml", "[1, 2]", "costs"),
    _c(
        "cost-negative",
        _county(_put("costs.penalty_yuan_per_kg.value", -5.0)),
        "county.yaml",
        "-5",
        "costs.penalty_yuan_per_kg",
    ),
    _c(
        "cost-value-list",
        _county(_put("costs.penalty_yuan_per_kg.value", [5])),
        "county.yaml",
        "[5]",
    ),
    _c(
        "cost-huge",
        _county(_put("costs.last_mile_yuan_per_parcel.value", 1e300)),
        "county.yaml",
        "1e+300",
        "1,000,000",
    ),
    _c(
        "cost-nan",
        _county(_put("costs.last_mile_yuan_per_parcel.value", float("nan"))),
        "county.yaml",
        "nan",
    ),
    _c(
        "speed-zero",
        _county(lambda d: d["costs"].__setitem__("last_leg_speed_kmh", 0)),
        "county.yaml",
        "costs.last_leg_speed_kmh",
        "> 0",
    ),
    _c(
        "cost-misspelt",
        _county(lambda d: d["costs"].__setitem__("penalty_yuan_per_kgg", 5.0)),
        "county.yaml",
        "penalty_yuan_per_kgg",
        "did you mean 'penalty_yuan_per_kg'",
    ),
    _c(
        "cost-unit-unknown",
        _county(_put("costs.penalty_yuan_per_kg.unit", "yuan/kgg")),
        "county.yaml",
        "'yuan/kgg'",
        "yuan/kg",
    ),
    _c(
        "cost-unknown-field",
        _county(_put("costs.penalty_yuan_per_kg.valeu", 3)),
        "county.yaml",
        "valeu",
        "did you mean 'value'",
    ),
    _c(
        "key-misspelt",
        _county(lambda d: d.__setitem__("seasons", d.pop("season"))),
        "county.yaml",
        "seasons",
        "did you mean 'season'",
    ),
    _c(
        "season-bad-date", _county(_put("season.start", "2025-13-01")), "county.yaml", "2025-13-01"
    ),
    _c(
        "season-reversed",
        _county(_put("season.end", "2025-10-01")),
        "county.yaml",
        "2025-10-01",
        "season",
    ),
    _c("sources-list", _county(_put("sources", ["NBS"])), "county.yaml", "['NBS']", "sources"),
    _c("synthetic-text", _county(_put("synthetic", "all")), "county.yaml", "'all'", "synthetic"),
    _c("format-wrong", _county(_put("format", "ruralflow-bundle/9")), "county.yaml", "bundle/9"),
    _c("crs-misspelt", _county(_put("crs", "wgs-84")), "county.yaml", "'wgs-84'", "wgs84"),
    _c("adcode-text", _county(_put("adcode", "Liquan")), "county.yaml", "'Liquan'", "adcode"),
    # economy.yaml
    _c("year-text", _economy(_put("year", "twenty")), "economy.yaml", "'twenty'", "year"),
    _c("io-table-list", _economy(_put("io_table", ["a"])), "economy.yaml", "['a']", "io_table"),
    _c(
        "io-table-unknown",
        _economy(_put("io_table", "io/tables/shaanxi.csv")),
        "economy.yaml",
        "io/tables/shaanxi.csv",
    ),
    _c("flows-list", _economy(_put("flows", [1, 2])), "economy.yaml", "[1, 2]", "flows"),
    _c(
        "flow-negative",
        _economy(_put("flows.down_goods.value", -1.0)),
        "economy.yaml",
        "-1",
        "flows.down_goods",
    ),
    _c(
        "flow-1e300-yuan",
        _economy(_put("flows.up_tourism.value", 1e300)),
        "economy.yaml",
        "1e+300",
        "1e+12",
    ),
    _c(
        "flow-unit-wrong",
        _economy(_put("flows.down_goods.unit", "yuan/month")),
        "economy.yaml",
        "yuan/month",
        "yuan/year",
    ),
    _c(
        "flow-name-without-direction",
        _economy(lambda d: d["flows"].__setitem__("tourism", 1.0)),
        "economy.yaml",
        "flows.tourism",
        "down_",
    ),
    _c(
        "parameter-misspelt",
        _economy(lambda d: d["parameters"].__setitem__("parcel_valu_yuan", 60.0)),
        "economy.yaml",
        "parcel_valu_yuan",
        "did you mean 'parcel_value_yuan'",
    ),
    _c(
        "share-above-one",
        _economy(_put("parameters.online_share_of_goods_retail.value", 27.6)),
        "economy.yaml",
        "27.6",
    ),
    _c(
        "propensity-above-one",
        _economy(_put("parameters.rural_propensity_to_consume.value", 5.0)),
        "economy.yaml",
        "rural_propensity_to_consume",
        "5",
    ),
    _c(
        "parcel-value-zero",
        _economy(_put("parameters.parcel_value_yuan.value", 0)),
        "economy.yaml",
        "parameters.parcel_value_yuan.value",
        "> 0",
    ),
    _c(
        "flq-delta-one",
        _economy(lambda d: d["parameters"].__setitem__("flq_delta", 1.0)),
        "economy.yaml",
        "flq_delta",
        "< 1",
    ),
    _c(
        "sector-share-text",
        _economy(_put("sector_shares", {"01": "lots"})),
        "economy.yaml",
        "'lots'",
        "sector_shares.01",
    ),
    _c(
        "sector-code-unknown",
        _economy(_put("sector_shares", {"99": 0.1})),
        "economy.yaml",
        "sector_shares.99",
        "01..42",
    ),
    _c(
        "economy-key-misspelt",
        _economy(lambda d: d.__setitem__("flow", d.pop("flows"))),
        "economy.yaml",
        "flow",
        "did you mean 'flows'",
    ),
    # CSV cells beyond any plausible bound, NaN, inf, negative, wrong types
    _c("kg-1e12", _cell("demand_down.csv", 2, "kg", "1e12"), "demand_down.csv", "'1e12'", "row 2"),
    _c("kg-nan", _cell("demand_down.csv", 3, "kg", "nan"), "demand_down.csv", "'nan'", "row 3"),
    _c("kg-inf", _cell("supply_up.csv", 4, "kg", "inf"), "supply_up.csv", "'inf'", "row 4"),
    _c(
        "parcels-negative",
        _cell("demand_down.csv", 5, "parcels", "-3"),
        "demand_down.csv",
        "-3",
        "row 5",
    ),
    _c(
        "capacity-1e15",
        _cell("fleet.csv", 2, "capacity_kg", "1e15"),
        "fleet.csv",
        "'1e15'",
        "50,000",
    ),
    _c(
        "fixed-cost-negative",
        _cell("fleet.csv", 3, "fixed_cost_yuan", "-450"),
        "fleet.csv",
        "-450",
        "row 3",
    ),
    _c("count-text", _cell("fleet.csv", 2, "count", "many"), "fleet.csv", "'many'", "count"),
    _c(
        "vehicle-kind-misspelt",
        _cell("fleet.csv", 2, "kind", "vann"),
        "fleet.csv",
        "'vann'",
        "did you mean 'van'",
    ),
    _c(
        "product-value-1e300",
        _cell("products.csv", 2, "value_yuan_per_kg", "1e300"),
        "products.csv",
        "'1e300'",
    ),
    _c(
        "bus-fee-negative",
        _cell("bus_lines.csv", 2, "fee_yuan_per_kg", "-1"),
        "bus_lines.csv",
        "-1",
    ),
    _c(
        "ready-time-25h",
        _cell("supply_up.csv", 2, "ready_time", "25:00"),
        "supply_up.csv",
        "'25:00'",
    ),
    _c(
        "excel-date",
        _cell("demand_down.csv", 2, "day", "2025/10/14"),
        "demand_down.csv",
        "'2025/10/14'",
        "YYYY-MM-DD",
        "Excel",
    ),
    _c(
        "excel-time",
        _cell("supply_up.csv", 2, "ready_time", "9:35:00"),
        "supply_up.csv",
        "'9:35:00'",
        "Excel",
    ),
    _c(
        "header-upper-case",
        _rename_column("fleet.csv", "count", "COUNT"),
        "fleet.csv",
        "'COUNT'",
        "did you mean 'count'",
    ),
    _c("households-1e9", _cell("places.csv", 5, "households", "1e9"), "places.csv", "'1e9'"),
    # values the domain refuses: enumerations, references, orderings
    _c(
        "category-misspelt",
        _cell("products.csv", 2, "category", "fruits"),
        "products.csv",
        "'fruits'",
        "did you mean 'fruit'",
    ),
    _c(
        "function-misspelt",
        _cell("places.csv", 3, "functions", "parcels_in;payment"),
        "places.csv",
        "'payment'",
        "did you mean 'payments'",
    ),
    _c(
        "coord-source-misspelt",
        _cell("places.csv", 3, "coord_source", "geocode"),
        "places.csv",
        "'geocode'",
        "did you mean 'geocoded'",
    ),
    _c(
        "reefer-ambient",
        _cell("fleet.csv", 3, "temperature_class", "ambient"),
        "fleet.csv",
        "reefer",
    ),
    _c("bus-one-stop", _cell("bus_lines.csv", 2, "stops", "HUB"), "bus_lines.csv", "'HUB'", "two"),
    _c(
        "bus-departures-decreasing",
        _cell("bus_lines.csv", 2, "departures", "11:15;06:35"),
        "bus_lines.csv",
        "11:15;06:35",
        "increasing",
    ),
    _c(
        "bus-unknown-stop",
        _cell("bus_lines.csv", 2, "stops", "HUB;T610425999"),
        "bus_lines.csv",
        "'T610425999'",
        "row 2",
    ),
    _c("depot-unknown", _cell("fleet.csv", 2, "depot", "DEPOT9"), "fleet.csv", "'DEPOT9'"),
    _c(
        "village-unknown",
        _cell("demand_down.csv", 3, "village", "V999"),
        "demand_down.csv",
        "'V999'",
        "row 3",
    ),
    _c(
        "product-unknown",
        _cell("supply_up.csv", 3, "product", "durian"),
        "supply_up.csv",
        "'durian'",
        "row 3",
    ),
    _c(
        "parent-unknown",
        _cell("places.csv", 57, "parent", "T999"),
        "places.csv",
        "'T999'",
        "row 57",
    ),
    _c("hub-not-a-hub", _county(_put("hub", "T610425101")), "county.yaml", "'T610425101'"),
    _c(
        "close-before-open",
        _cell("places.csv", 3, "close", "07:00"),
        "places.csv",
        "'07:00'",
        "07:30",
    ),
    _c(
        "harvest-after-ready",
        _cell("supply_up.csv", 2, "harvest_time", "11:00"),
        "supply_up.csv",
        "'11:00'",
        "ready_time",
    ),
    _c("lat-beyond-90", _cell("places.csv", 3, "lat", "134.48"), "places.csv", "134.48"),
    _c(
        "lonlat-projected",
        lambda b: (
            _cell("places.csv", 3, "lon", "12069000")(b),
            _cell("places.csv", 3, "lat", "4094000")(b),
        ),
        "places.csv",
        "12069000",
        "metres",
    ),
    _c(
        "candidate-site-bad",
        _write("candidate_sites.csv", "id,name,lon,lat\nC1,候选,abc,34.5\n"),
        "candidate_sites.csv",
        "'abc'",
        "row 2",
    ),
    # dates and codes that belong elsewhere
    _c(
        "demand-day-outside-season",
        _cell("demand_down.csv", 2, "day", "2025-12-01"),
        "demand_down.csv",
        "2025-12-01",
        "season",
    ),
    _c(
        "supply-day-outside-season",
        _cell("supply_up.csv", 6, "day", "2024-10-14"),
        "supply_up.csv",
        "2024-10-14",
        "row 6",
    ),
    _c(
        "other-county-adcode",
        _cell("places.csv", 4, "adcode", "620621101"),
        "places.csv",
        "620621101",
        "610425",
    ),
    _c(
        "county-adcode-other-county",
        _county(_put("adcode", "620621")),
        "county.yaml",
        "620621",
        "places.csv",
    ),
    # geometry
    _c("road-one-point", _roads([[108.42, 34.48]]), "roads.geojson", "[108.42, 34.48]"),
    _c("roads-bad-json", _write("roads.geojson", "{oops"), "roads.geojson", "JSON"),
    _c(
        "boundary-point",
        _write("boundary.geojson", '{"type": "Point", "coordinates": [108.4, 34.4]}'),
        "boundary.geojson",
        "'Point'",
    ),
    _c(
        "boundary-broken-ring",
        _write("boundary.geojson", '{"type": "Polygon", "coordinates": [[[108.4, 34.4]]]}'),
        "boundary.geojson",
        "polygon",
    ),
    # headers, columns, duplicates
    _c(
        "header-extra-column-without-data",
        _extra_column("demand_down.csv", "note", fill=False),
        "demand_down.csv",
        "note",
        "more rows",
        "likely cause",
    ),
    _c(
        "header-misspelt",
        _rename_column("demand_down.csv", "parcels", "parcles"),
        "demand_down.csv",
        "parcles",
        "did you mean 'parcels'",
    ),
    _c(
        "columns-swapped",
        lambda b: (
            _rename_column("demand_down.csv", "kg", "tmp")(b),
            _rename_column("demand_down.csv", "parcels", "kg")(b),
            _rename_column("demand_down.csv", "tmp", "parcels")(b),
        ),
        "demand_down.csv",
        "more rows",
        "likely cause",
    ),
    _c(
        "extra-column",
        _extra_column("fleet.csv", "driver", fill=True),
        "fleet.csv",
        "driver",
        "unknown column",
    ),
    _c(
        "header-empty-column",
        _extra_column("fleet.csv", "", fill=True),
        "fleet.csv",
        "column 15 has no name",
    ),
    _c(
        "semicolon-separated",
        _semicolons("fleet.csv"),
        "fleet.csv",
        "id;name;kind",
        "comma-separated",
    ),
    _c(
        "duplicated-place",
        _duplicate_row("places.csv", 5),
        "places.csv",
        "duplicates row 5",
        "row 228",
    ),
    _c(
        "duplicated-batch",
        _duplicate_row("supply_up.csv", 2),
        "supply_up.csv",
        "duplicates row 2",
        f"row {FLOW_ROWS + 2}",
    ),
    # encodings, empty and missing files
    _c("gbk-csv", _encode("places.csv", "gbk"), "places.csv", "save as UTF-8", "请另存为 UTF-8"),
    _c("gbk-yaml", _encode("county.yaml", "gbk"), "county.yaml", "save as UTF-8", "GBK"),
    _c("utf16-csv", _encode("fleet.csv", "utf-16"), "fleet.csv", "save as UTF-8", "UTF-16"),
    _c("empty-places", _write("places.csv", ""), "places.csv", "file is empty"),
    _c("empty-county", _write("county.yaml", ""), "county.yaml", "file is empty"),
    _c("empty-economy", _write("economy.yaml", "\n"), "economy.yaml", "file is empty"),
    _c("empty-boundary", _write("boundary.geojson", ""), "boundary.geojson", "file is empty"),
    _c("missing-county", _delete("county.yaml"), "county.yaml", "file is missing"),
    _c("missing-places", _delete("places.csv"), "places.csv", "file is missing"),
    _c("yaml-list", _write("economy.yaml", "- 1\n- 2\n"), "economy.yaml", "mapping"),
    _c("yaml-syntax", _write("county.yaml", "name: [unclosed\n"), "county.yaml", "YAML"),
    _c(
        "excel-workbook-named-csv",
        lambda b: (b / "products.csv").write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00"),
        "products.csv",
        "Excel",
        "CSV UTF-8",
    ),
]


# one cause, many rows: listed up to limits.MAX_SAME_PROBLEMS, then counted
MANY = {"header-extra-column-without-data", "columns-swapped"}


def _flat(text: str) -> str:
    """Output without whitespace: the console wraps long lines wherever it likes."""
    return re.sub(r"\s+", "", text)


def _check(output: str, case: Case, command: str) -> None:
    flat = _flat(output)
    assert "Traceback" not in output, f"{command}: {output}"
    assert _flat(case.file) in flat, f"{command}: file {case.file} not named:\n{output}"
    for needle in case.needles:
        assert _flat(needle) in flat, f"{command}: {needle!r} not in:\n{output}"
    assert CJK.search(output), f"{command}: no Chinese text:\n{output}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_bundle_gets_one_clear_message(case: Case, small: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "610425"
    shutil.copytree(small, bundle)
    case.edit(bundle)

    problems = validate_bundle(bundle)
    if case.id not in MANY:
        assert len(problems) == 1, "\n".join(map(str, problems))

    r = runner.invoke(app, ["validate", str(bundle)])
    assert r.exit_code == 1, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    _check(r.output, case, "validate")
    assert r.output.count("\n") < 3 * limits.MAX_SAME_PROBLEMS + 10, "too many lines"

    out = tmp_path / "plan.json"
    r = runner.invoke(app, ["plan", str(bundle), "--day", DAY, *FAST, "--out", str(out)])
    assert r.exit_code == 1, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    _check(r.output, case, "plan")
    assert not out.exists(), "plan wrote --out for a bad bundle"


def test_the_example_is_valid(example: Path, small: Path) -> None:
    assert validate_bundle(example) == []
    assert validate_bundle(small) == []


@pytest.mark.parametrize("name", ["county.yaml", "places.csv", "boundary.geojson"])
def test_a_utf8_bom_is_accepted(name: str, example: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "610425"
    shutil.copytree(example, bundle)
    (bundle / name).write_bytes(b"\xef\xbb\xbf" + (bundle / name).read_bytes())
    assert validate_bundle(bundle) == []


def test_roads_with_a_bom_are_accepted(example: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "610425"
    shutil.copytree(example, bundle)
    _roads([[108.42, 34.48], [108.43, 34.39]])(bundle)
    (bundle / "roads.geojson").write_bytes(
        b"\xef\xbb\xbf" + (bundle / "roads.geojson").read_bytes()
    )
    county = read_bundle(bundle)
    assert county.roads is not None and len(county.roads["features"]) == 1


def test_thousands_of_problems_are_counted_not_listed(example: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "610425"
    shutil.copytree(example, bundle)
    _extra_column("demand_down.csv", "note", fill=False)(bundle)
    problems = validate_bundle(bundle)
    rows = [p for p in problems if p.row is not None and p.row > 1]
    assert len(rows) == limits.MAX_SAME_PROBLEMS
    assert [p.row for p in rows] == list(range(2, 2 + limits.MAX_SAME_PROBLEMS))
    (summary,) = [p for p in problems if "more rows" in p.message]
    n = len(_rows(example / "demand_down.csv")) - 1
    assert f"and {n - limits.MAX_SAME_PROBLEMS} more rows" in summary.message
    assert "likely cause" in summary.message


# --------------------------------------------------------------------------- property style
GARBAGE = st.sampled_from(
    ["", " ", "nan", "-inf", "1e309", "-1", "1e300", "abc", "是", "07:61", "2025-02-30", ";;", '"']
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    file=st.sampled_from(["places.csv", "fleet.csv", "bus_lines.csv", "products.csv"]),
    row=st.integers(min_value=2, max_value=4),
    col=st.integers(min_value=0, max_value=13),
    value=GARBAGE,
)
def test_any_garbage_cell_is_a_problem_never_a_crash(
    file: str,
    row: int,
    col: int,
    value: str,
    example: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    bundle = tmp_path_factory.mktemp("garbage") / "610425"
    shutil.copytree(example, bundle)
    rows = _rows(bundle / file)
    column = rows[0][col % len(rows[0])]
    _cell(file, min(row, len(rows)), column, value)(bundle)
    try:
        read_bundle(bundle)
    except BundleError as e:
        assert all(p.file and CJK.search(p.message) for p in e.problems), e


def test_known_keys_and_units_are_those_the_engines_read() -> None:
    """The reader refuses unknown keys, so it must know every key an engine reads."""
    from helpers import tiny_county
    from ruralflow.logistics.params import Params
    from ruralflow.matrix.params import DEFAULTS
    from ruralflow.siting.county import DEFAULT_COSTS

    planner = {k: p.unit for k, p in Params.from_county(tiny_county()).values.items()}
    siting = {k: v.unit for k, v in DEFAULT_COSTS.items()}
    for key, unit in {**planner, **siting}.items():
        assert limits.COST_UNITS.get(key) == unit, key
    for key, v in DEFAULTS.items():
        assert limits.PARAMETER_UNITS.get(key) == v.unit, key


def test_numbers_pyyaml_reads_as_text_are_numbers(example: Path, tmp_path: Path) -> None:
    """``value: 1.2e9`` is text to PyYAML (no sign in the exponent) but a number to a person."""
    bundle = tmp_path / "610425"
    shutil.copytree(example, bundle)
    path = bundle / "economy.yaml"
    text = path.read_text(encoding="utf-8").replace("value: 142581000.0", "value: 1.4e8", 1)
    assert "value: 1.4e8" in text
    path.write_text(text, encoding="utf-8")
    assert read_bundle(bundle).economy.flows["down_goods"].value == 1.4e8


def _leaves(obj: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(obj, dict) and obj:
        return [p for k, v in obj.items() for p in _leaves(v, (*path, k))]
    if isinstance(obj, list) and obj:
        return [p for i, v in enumerate(obj) for p in _leaves(v, (*path, i))]
    return [path]


def _tiny(tmp_path: Path) -> Path:
    from helpers import tiny_county
    from ruralflow.bundle import write_bundle

    return write_bundle(tiny_county(), tmp_path / "tiny")


@pytest.mark.parametrize("name", ["county.yaml", "economy.yaml"])
def test_a_list_or_mapping_at_any_yaml_leaf_is_refused(name: str, tmp_path: Path) -> None:
    """Wrong types anywhere in the YAML files: every leaf, replaced by a list and a mapping."""
    bundle = _tiny(tmp_path)
    original = yaml.safe_load((bundle / name).read_text(encoding="utf-8"))
    leaves = _leaves(original)
    assert len(leaves) > 5
    for path in leaves:
        for bad in ([1, 2], {"x": 1}):
            data = yaml.safe_load((bundle / name).read_text(encoding="utf-8"))
            node = data
            for k in path[:-1]:
                node = node[k]
            node[path[-1]] = bad
            broken = tmp_path / "broken"
            shutil.rmtree(broken, ignore_errors=True)
            shutil.copytree(bundle, broken)
            (broken / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
            with pytest.raises(BundleError) as ei:
                read_bundle(broken)
            named = [p for p in ei.value.problems if p.file == name and p.column]
            assert any(str(path[0]) in str(p.column) for p in named), (path, bad, ei.value)
            assert all(CJK.search(p.message) for p in ei.value.problems)


def test_an_io_table_that_does_not_exist_is_named(example: Path, tmp_path: Path) -> None:
    from ruralflow.bundle.datadir import DataDirError, find_data_dir

    try:
        folder = find_data_dir() / "io" / "china_provincial_2017_42"
    except DataDirError:
        pytest.skip("no data folder with the IO tables")
    if not folder.is_dir():
        pytest.skip("the data folder has no IO tables")
    bundle = tmp_path / "610425"
    shutil.copytree(example, bundle)
    _economy(_put("io_table", "io/china_provincial_2017_42/prov2017_27_陕西省.csv"))(bundle)
    (p,) = validate_bundle(bundle)
    assert (p.file, p.column, p.value) == (
        "economy.yaml",
        "io_table",
        "io/china_provincial_2017_42/prov2017_27_陕西省.csv",
    )
    assert "did you mean 'prov2017_27_陕西.csv'" in p.message


def test_a_json_document_with_a_bom_is_read(tmp_path: Path) -> None:
    from ruralflow.trace.validate import load_json

    path = tmp_path / "events.json"
    path.write_bytes(b'\xef\xbb\xbf{"type": "EPCISDocument"}')
    assert load_json(path) == {"type": "EPCISDocument"}


def test_a_wrong_crs_is_named_as_the_likely_cause(example: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "610425"
    shutil.copytree(example, bundle)
    _rename_column("places.csv", "lon", "tmp")(bundle)  # lon and lat swapped in the header
    _rename_column("places.csv", "lat", "lon")(bundle)
    _rename_column("places.csv", "tmp", "lat")(bundle)
    problems = validate_bundle(bundle)
    (summary,) = [p for p in problems if "more rows" in p.message and p.column == "lon/lat"]
    assert "crs" in summary.message and "swapped" in summary.message


@pytest.mark.parametrize("command", [["info"], ["site"], ["matrix"]])
def test_every_command_that_reads_a_bundle_fails_the_same_way(
    command: list[str], small: Path, tmp_path: Path
) -> None:
    bundle = tmp_path / "610425"
    shutil.copytree(small, bundle)
    case = next(c for c in CASES if c.id == "kg-1e12")
    case.edit(bundle)
    r = runner.invoke(app, [*command, str(bundle)])
    assert r.exit_code == 1, r.output
    _check(r.output, case, command[0])
