"""Loading the IO data of the value matrix outside the engine (``bundle/io_tables.py``).

What cannot be loaded is said in the :class:`~ruralflow.matrix.IOInputs` (notes and the reason
the table is missing), and the engine turns it into the result's notes, as it did when it
looked for the data folder itself.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ruralflow.bundle import read_bundle
from ruralflow.bundle.io_tables import NO_TABLE, load_io_inputs, table_path
from ruralflow.matrix import MatrixOptions, analyse

LIQUAN = Path(__file__).resolve().parents[1] / "src" / "ruralflow" / "examples" / "610425"


def test_missing_data_folder_is_a_note_not_an_error(tmp_path: Path) -> None:
    """An explicit data folder that does not exist: no table, a note naming the folder."""
    county = read_bundle(LIQUAN)
    io = load_io_inputs(county.economy, county.adcode, tmp_path / "nowhere")
    assert io.table is None and io.county_units == 0
    assert any("nowhere" in n for n in io.notes) and io.missing == NO_TABLE
    r = analyse(county, MatrixOptions(scenarios=(), elasticities=False), io=io)
    assert r.county_io is None
    assert any(n.startswith("county IO model not built: ") for n in r.notes)


def test_table_that_does_not_exist_is_named(tmp_path: Path) -> None:
    """``io_table`` naming an absent file: the reason names that file."""
    county = read_bundle(LIQUAN)
    econ = dataclasses.replace(county.economy, io_table=str(tmp_path / "no_such_table.csv"))
    io = load_io_inputs(econ, county.adcode)
    assert io.table is None and "no_such_table.csv" in io.missing
    r = analyse(county.replace(economy=econ), MatrixOptions(scenarios=()), io=io)
    assert any("no_such_table.csv" in n for n in r.notes)


def test_table_path_is_relative_to_the_data_folder(tmp_path: Path) -> None:
    """A relative ``io_table`` lies under the data folder; an absolute one is kept; none is
    None."""
    county = read_bundle(LIQUAN)
    econ = county.economy
    rel = dataclasses.replace(econ, io_table="io/t.csv")
    assert table_path(rel, tmp_path) == tmp_path / "io" / "t.csv"
    assert table_path(rel, None) is None
    absolute = dataclasses.replace(econ, io_table=str(tmp_path / "t.csv"))
    assert table_path(absolute, None) == tmp_path / "t.csv"
    assert table_path(dataclasses.replace(econ, io_table=""), tmp_path) is None
