"""The packaged data and its loader: override order, .xz transparency, one-line errors."""

from __future__ import annotations

import csv
import lzma
import shutil
from pathlib import Path

import pytest

from helpers import DATA
from ruralflow.bundle import shared_data
from ruralflow.bundle.datadir import ENV_VAR, find_data_dir
from ruralflow.data import (
    DATA_ENV,
    DataDirError,
    data_file,
    data_root,
    open_text,
    packaged_data_root,
    packaged_epcis_dir,
    read_text,
)
from ruralflow.trace.validate import EPCIS_DIR_ENV, EpcisDirError, find_epcis_dir

SRC_DATA = Path(__file__).resolve().parents[1] / "src" / "ruralflow" / "data"


def _minimal_folder(root: Path) -> Path:
    (root / "admin_divisions").mkdir(parents=True)
    (root / "coordinates").mkdir()
    return root


def test_packaged_data_is_the_package_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_ENV, raising=False)
    assert packaged_data_root() == SRC_DATA.resolve() == DATA
    assert data_root() == DATA and find_data_dir() == DATA
    assert ENV_VAR == DATA_ENV == "RURALFLOW_DATA"
    assert (DATA / "admin_divisions" / "villages_china.csv.xz").is_file()
    assert (DATA / "admin_divisions" / "townships_china.csv.xz").is_file()


def test_override_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit = _minimal_folder(tmp_path / "explicit")
    env = _minimal_folder(tmp_path / "env")
    monkeypatch.setenv(DATA_ENV, str(env))
    assert data_root() == env.resolve()  # environment beats the packaged data
    assert data_root(explicit) == explicit.resolve()  # the argument beats the environment
    monkeypatch.setenv(DATA_ENV, "  ")
    assert data_root() == DATA  # blank means unset
    monkeypatch.delenv(DATA_ENV)
    assert data_root() == DATA


def test_no_parent_folder_search(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stray shared/data above the working directory is never picked up."""
    _minimal_folder(tmp_path / "shared" / "data")
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    monkeypatch.delenv(DATA_ENV, raising=False)
    assert data_root() == DATA


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_bad_folder_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    half = tmp_path / "half"
    (half / "admin_divisions").mkdir(parents=True)
    for bad, why in ((tmp_path / "nowhere", "no such folder"), (half, "lacks coordinates/")):
        if how == "argument":
            monkeypatch.delenv(DATA_ENV, raising=False)
            with pytest.raises(DataDirError) as e:
                data_root(bad)
        else:
            monkeypatch.setenv(DATA_ENV, str(bad))
            with pytest.raises(DataDirError) as e:
                data_root()
        msg = str(e.value)
        assert "\n" not in msg and str(bad) in msg and why in msg
        assert msg.startswith("数据文件夹不可用 / data folder not usable")
        assert ("RURALFLOW_DATA" in msg) == (how == "environment")
    assert issubclass(DataDirError, FileNotFoundError)


def test_xz_is_transparent(tmp_path: Path) -> None:
    root = _minimal_folder(tmp_path / "d")
    text = "code,name\n110101,东城区\n"
    (root / "admin_divisions" / "plain.csv").write_text(text, encoding="utf-8")
    (root / "admin_divisions" / "packed.csv.xz").write_bytes(lzma.compress(text.encode()))
    for name in ("plain.csv", "packed.csv", "packed.csv.xz"):
        p = data_file(f"admin_divisions/{name}", root)
        assert p.is_file()
        with open_text(p) as fh:
            assert list(csv.DictReader(fh)) == [{"code": "110101", "name": "东城区"}]
        assert read_text(root / "admin_divisions" / name) == text
    # the plain file is found under its .xz name too (an override folder of plain files)
    assert data_file("admin_divisions/plain.csv.xz", root).name == "plain.csv"
    with pytest.raises(FileNotFoundError, match="missing data file"):
        data_file("admin_divisions/none.csv", root)
    with pytest.raises(FileNotFoundError, match="missing data file"):
        open_text(root / "none.csv")


def test_bom_is_dropped(tmp_path: Path) -> None:
    p = tmp_path / "bom.csv"
    p.write_bytes("\ufeffcode\n1\n".encode())
    assert read_text(p) == "code\n1\n"


def test_readers_work_on_plain_and_compressed_folders(tmp_path: Path) -> None:
    """The packaged (.xz) files and a folder of the same files uncompressed read the same."""
    plain = _minimal_folder(tmp_path / "plain")
    for rel in (
        "admin_divisions/counties_china.csv",
        "admin_divisions/townships_china.csv",
        "admin_divisions/villages_china.csv",
        "coordinates/county_points_china.csv",
    ):
        (plain / rel).write_text(read_text(DATA / rel), encoding="utf-8")
    assert not (plain / "admin_divisions" / "villages_china.csv.xz").exists()
    for adcode in ("620621", "130102"):
        assert shared_data.villages_china(plain, adcode) == shared_data.villages_china(
            DATA, adcode
        )
        assert shared_data.townships_china(plain, adcode) == shared_data.townships_china(
            DATA, adcode
        )
    assert shared_data.counties(plain) == shared_data.counties(DATA)
    assert len(shared_data.counties(DATA)) == 2978


def test_national_divisions_cover_every_county() -> None:
    counties = shared_data.counties(DATA)
    for adcode in ("110101", "130102", "620621", "654326", "522323"):
        assert shared_data.townships_china(DATA, adcode), adcode
        assert shared_data.villages_china(DATA, adcode), adcode
        assert adcode in counties
    v = shared_data.villages_china(DATA, "610425")
    assert len(v) == 225 and any(x.code == "610425105223" and "袁家" in x.name for x in v)
    with pytest.raises(shared_data.SharedDataError, match="6 digits"):
        shared_data.villages_china(DATA, "61042")


def test_epcis_dir_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(EPCIS_DIR_ENV, raising=False)
    packaged = packaged_epcis_dir()
    assert find_epcis_dir() == packaged.resolve()
    assert (packaged / "EPCIS-JSON-Schema.json").is_file()
    assert len(list((packaged / "JSON-LD-Context").glob("*.jsonld"))) == 9
    # GS1's example documents are not shipped.
    assert not (packaged / "JSON").exists() and not (packaged / "JSON-simple-context").exists()
    mine = tmp_path / "epcis"
    mine.mkdir()
    for name in ("EPCIS-JSON-Schema.json", "epcis-context.jsonld"):
        shutil.copy(packaged / name, mine / name)
    monkeypatch.setenv(EPCIS_DIR_ENV, str(mine))
    assert find_epcis_dir() == mine.resolve()
    assert find_epcis_dir(packaged) == packaged.resolve()
    monkeypatch.setenv(EPCIS_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(EpcisDirError) as e:
        find_epcis_dir()
    assert "\n" not in str(e.value) and "RURALFLOW_EPCIS_DIR" in str(e.value)
    assert "EPCIS 文件夹不可用 / EPCIS folder not usable" in str(e.value)


def test_packaged_files_match_the_shared_originals(shared: Path) -> None:
    """Every packaged data file is a byte-for-byte (decompressed) copy of ../shared."""
    pairs = [
        (p, shared / "data" / p.relative_to(DATA))
        for p in sorted(DATA.rglob("*"))
        if p.is_file() and p.suffix not in (".py", ".md", ".pyc") and "epcis" not in p.parts
    ]
    pairs += [
        (p, shared / "conformance" / "epcis" / p.relative_to(DATA / "epcis"))
        for p in sorted((DATA / "epcis").rglob("*.json*"))
    ]
    assert len(pairs) > 30
    for packaged, original in pairs:
        if original.is_file():
            assert packaged.read_bytes() == original.read_bytes(), packaged
        else:
            plain = original.with_name(original.name.removesuffix(".xz"))
            assert packaged.suffix == ".xz" and plain.is_file(), packaged
            assert lzma.decompress(packaged.read_bytes()) == plain.read_bytes(), packaged
