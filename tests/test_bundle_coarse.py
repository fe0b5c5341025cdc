"""Coarse bundles from the real NBS 2023 divisions: any county, real names and codes."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import DATA
from ruralflow.bundle import read_bundle, shared_data, write_bundle
from ruralflow.bundle.make import MakeError, make_coarse_county, urban_district_warning
from ruralflow.domain import CoordSource

RURALFLOW = Path(sys.executable).with_name("ruralflow")


def _rural(code: str) -> bool:
    s = int(code[-3:])
    return 200 <= s < 400 or 600 <= s < 800


def test_real_townships_and_villages_are_used() -> None:
    warnings: list[str] = []
    c = make_coarse_county("620621", data_dir=DATA, season_days=2, warn=warnings.append)
    assert warnings == []  # 民勤县 is a rural county
    twp = shared_data.townships_china(DATA, "620621")
    assert [(t.adcode, t.name) for t in c.townships] == [(t.code, t.name) for t in twp]
    assert any(t.name == "苏武镇" for t in c.townships)
    real = shared_data.villages_china(DATA, "620621")
    committees = [v for v in real if _rural(v.code)]
    assert len(committees) < len(real)  # the county has residents' committees too
    assert sorted(v.adcode for v in c.villages) == [v.code for v in committees]
    assert not any(v.name.endswith(("居委会", "居民委员会")) for v in c.villages)
    by_code = {v.code: v for v in real}
    for v in c.villages:
        assert v.parent == f"T{by_code[v.adcode].township_code}"
        assert v.name.rstrip("村") in by_code[v.adcode].name
    assert all(p.coord_source is CoordSource.SYNTHETIC for p in c.places if p.id != "HUB")
    assert c.hub.coord_source is CoordSource.GEOCODED
    assert "NBS 2023" in c.settings.sources["townships"]
    assert "positions synthetic" in c.settings.sources["villages"]
    assert "left out" in c.settings.sources["villages"]
    assert any("coordinates" in s for s in c.settings.synthetic)
    assert c.find_problems() == []


def test_keeping_residents_committees() -> None:
    c = make_coarse_county("620621", data_dir=DATA, season_days=1, include_urban=True)
    assert len(c.villages) == len(shared_data.villages_china(DATA, "620621"))
    assert "all village-level units kept" in c.settings.sources["villages"]


def test_urban_district_warns_and_still_builds() -> None:
    warnings: list[str] = []
    c = make_coarse_county("130102", data_dir=DATA, season_days=2, warn=warnings.append)
    assert len(warnings) == 1 and "\n" not in warnings[0]
    w = warnings[0]
    assert "130102 长安区" in w and "市辖区" in w and "urban district" in w
    assert "not a rural county" in w and "12 of 16" in w
    # 长安区 has no village committee at all: its residents' committees are kept, and it says so
    assert "residents' committees are kept" in w
    assert c.settings.sources["warning"] == w
    assert len(c.villages) == len(shared_data.villages_china(DATA, "130102")) > 0
    assert c.find_problems() == []


def test_urban_district_rule() -> None:
    rows = shared_data.townships_china(DATA, "130102")
    assert urban_district_warning("130102", "长安区", rows) is not None
    assert urban_district_warning("130102", "长安县", rows) is None  # not a 区
    towns = [r for r in rows if r.name.endswith("镇")]
    assert urban_district_warning("130102", "长安区", towns) is None  # mostly not 街道
    assert (
        urban_district_warning("620621", "民勤县", shared_data.townships_china(DATA, "620621"))
        is None
    )


def test_random_counties_build_and_validate() -> None:
    counties = shared_data.counties(DATA)
    with_seat = sorted(c for c, r in counties.items() if r.seat_lon is not None)
    for adcode in random.Random(11).sample(with_seat, 4):
        c = make_coarse_county(adcode, data_dir=DATA, season_days=1, warn=lambda m: None)
        assert c.adcode == adcode and c.townships
        assert {t.adcode for t in c.townships} == {
            t.code for t in shared_data.townships_china(DATA, adcode)
        }
        assert c.find_problems() == [], adcode


def test_cli_coarse_bundle_warns_on_stderr_and_plans(tmp_path: Path) -> None:
    out = tmp_path / "changan"
    args = ["make-bundle", "--county", "130102", "--coarse", "--days", "1", "--out", str(out)]
    r = subprocess.run(
        [str(RURALFLOW), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert "urban district" in r.stderr and "市辖区" in r.stderr
    assert "urban district" not in r.stdout
    assert "Traceback" not in r.stderr
    v = subprocess.run(
        [str(RURALFLOW), "validate", str(out)], capture_output=True, text=True, timeout=120
    )
    assert v.returncode == 0, v.stdout + v.stderr
    day = read_bundle(out).days[0].isoformat()
    p = subprocess.run(
        [str(RURALFLOW), "plan", str(out), "--day", day, "--time-limit", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    assert "130102" in p.stdout


def test_coarse_bundle_round_trips(tmp_path: Path) -> None:
    c = make_coarse_county("522323", data_dir=DATA, season_days=2)
    assert read_bundle(write_bundle(c, tmp_path / "pa")) == c


def test_incomplete_data_folder_is_a_one_line_error(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "admin_divisions").mkdir(parents=True)
    (root / "coordinates").mkdir()
    with pytest.raises(MakeError, match="missing data file") as e:
        make_coarse_county("620621", data_dir=root)
    assert "\n" not in str(e.value) and "数据文件缺失" in str(e.value)
    args = ["make-bundle", "--county", "620621", "--coarse", "--data-dir", str(root)]
    r = subprocess.run(
        [str(RURALFLOW), *args, "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1 and "missing data file" in r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr and not (tmp_path / "x").exists()
