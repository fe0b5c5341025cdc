"""The sweep's folder: one JSON per county, a journal, ``counties.parquet``, atomic writes.

Layout of ``DIR``::

    counties/{adcode}.json   one record per county (the truth; written as each county ends)
    journal.jsonl            one line per county finished: adcode, status, run id, time
    counties.parquet         one row per county of the last sweep (rebuilt from the records)
    sweep.json               what the last sweep did: options, counts, wall time
    summary.html             the national summary

Every file is written to a temporary name in the same folder and moved into place with
:func:`os.replace`, so a sweep killed at any moment leaves either the old file or the new one,
never half a file. A record is *complete* when it parses, names its county, has a final status
and was made with the same analyses, time limit and seed as asked now; a rerun skips complete
records, so killing and rerunning a sweep computes every county once.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ruralflow.scale.columns import COLUMNS
from ruralflow.scale.county import RECORD_FORMAT

STATUSES = ("ok", "failed", "skipped")
#: Rows per Parquet row group (and the most rows held in memory while writing).
ROW_GROUP = 512


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and :func:`os.replace`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_name(path)
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _temp_name(path: Path) -> Path:
    """A fresh hidden name beside ``path`` (created with the usual permissions)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def json_bytes(value: Any, indent: int | None = 1) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=indent) + "\n").encode("utf-8")


class ResultStore:
    """The sweep folder ``root`` (module docstring)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.records = self.root / "counties"
        self.journal = self.root / "journal.jsonl"
        self.parquet = self.root / "counties.parquet"
        self.meta = self.root / "sweep.json"
        self.summary = self.root / "summary.html"

    def prepare(self) -> int:
        """Create the folders and remove temporary files a killed sweep left; their count."""
        self.records.mkdir(parents=True, exist_ok=True)
        n = 0
        for folder in (self.root, self.records):
            for p in folder.glob(".*.tmp"):
                with contextlib.suppress(OSError):
                    p.unlink()
                    n += 1
        return n

    def path(self, adcode: str) -> Path:
        return self.records / f"{adcode}.json"

    def load(self, adcode: str) -> dict[str, Any] | None:
        """The record of ``adcode``, or None when missing or unreadable."""
        try:
            data = json.loads(self.path(adcode).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def complete(self, adcode: str, key: dict[str, Any], *, retry_failed: bool = False) -> bool:
        """True when the record of ``adcode`` exists and is complete for ``key``."""
        rec = self.load(adcode)
        if rec is None or rec.get("format") != RECORD_FORMAT or rec.get("key") != key:
            return False
        row = rec.get("row")
        if not isinstance(row, dict) or row.get("adcode") != adcode:
            return False
        status = row.get("status")
        if status not in STATUSES:
            return False
        return not (retry_failed and status == "failed")

    def save(self, record: dict[str, Any]) -> None:
        """Write one county's record atomically, then note it in the journal."""
        row = record["row"]
        write_atomic(self.path(row["adcode"]), json_bytes(record))
        line = {
            "adcode": row["adcode"],
            "status": row["status"],
            "run_id": record.get("run_id", ""),
            "finished_at": record.get("finished_at", ""),
        }
        with self.journal.open("a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
            f.flush()

    def journal_lines(self) -> list[dict[str, Any]]:
        """Every readable journal line (a line cut by a kill is left out)."""
        out: list[dict[str, Any]] = []
        try:
            text = self.journal.read_text(encoding="utf-8")
        except OSError:
            return out
        for line in text.splitlines():
            with contextlib.suppress(ValueError):
                item = json.loads(line)
                if isinstance(item, dict):
                    out.append(item)
        return out

    def rows(self, adcodes: Iterable[str]) -> Iterator[dict[str, Any]]:
        """The row of each county in ``adcodes`` that has a record (in that order)."""
        for code in adcodes:
            rec = self.load(code)
            if rec is not None and isinstance(rec.get("row"), dict):
                yield rec["row"]

    def write_parquet(self, adcodes: Iterable[str]) -> int:
        """Write ``counties.parquet`` (atomically, row group by row group); rows written."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        types = {"str": pa.string(), "float": pa.float64(), "int": pa.int64()}
        schema = pa.schema([pa.field(c.name, types[c.type]) for c in COLUMNS])
        names = [c.name for c in COLUMNS]
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = _temp_name(self.parquet)
        n = 0
        try:
            with pq.ParquetWriter(tmp, schema) as writer:
                batch: list[dict[str, Any]] = []
                for row in self.rows(adcodes):
                    batch.append(
                        {k: _cell(row.get(k), c.type) for k, c in zip(names, COLUMNS, strict=True)}
                    )
                    if len(batch) >= ROW_GROUP:
                        writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                        n += len(batch)
                        batch = []
                if batch or n == 0:
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                    n += len(batch)
            os.replace(tmp, self.parquet)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return n


def _cell(value: Any, type_: str) -> Any:
    if value is None:
        return None
    if type_ == "str":
        return str(value)
    if type_ == "int":
        return int(value)
    return float(value)
