"""The service centre's station services ledger and talent pipeline in the database (issue 19,
items 3 and 4; ``docs/centre.md``).

Both live as the exact texts of their bundle files in ``bundle_files`` (see
:func:`ruralflow.store.contracts.optional_files`), so ``db export`` writes them back byte for
byte. They are read here with the bundle's own strict readers; a station operator's day of
service counts is appended to the stored ledger text (and checked by the same reader before
it is kept), so the stored file stays what a bundle would hold.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ruralflow.domain import County
from ruralflow.store.models import BundleFile

if TYPE_CHECKING:
    from ruralflow.bundle.centre_files import TalentFiles
    from ruralflow.centre.services import ServiceEntry

T = TypeVar("T")

__all__ = [
    "LEDGER_HEADER",
    "append_service_rows",
    "stored_ledger",
    "stored_talent",
]

#: The header of a ledger the service starts (no stored ``station_services.csv`` yet).
LEDGER_HEADER = ("day", "station", "service", "count", "fee_yuan", "source")


def _text(s: Session, county_id: int, name: str, *, lock: bool = False) -> BundleFile | None:
    q = select(BundleFile).where(BundleFile.county_id == county_id, BundleFile.name == name)
    if lock:
        q = q.with_for_update()
    return s.scalars(q).first()


def _read_texts(texts: dict[str, str], read: Callable[[str, County], T], county: County) -> T:
    with tempfile.TemporaryDirectory(prefix="ruralflow-centre-") as tmp:
        for name, text in texts.items():
            (Path(tmp) / name).write_bytes(text.encode("utf-8"))
        return read(tmp, county)


def stored_ledger(s: Session, county_id: int, county: County) -> list[ServiceEntry] | None:
    """The stored ``station_services.csv`` as :class:`~ruralflow.centre.services.ServiceEntry`
    rows (None when none is stored); :class:`~ruralflow.bundle.BundleError` if it no longer
    reads (the county's places changed under it)."""
    from ruralflow.bundle.centre_files import SERVICES_FILE, read_station_services

    row = _text(s, county_id, SERVICES_FILE)
    if row is None:
        return None
    return _read_texts({SERVICES_FILE: row.text}, read_station_services, county)


def stored_talent(s: Session, county_id: int, county: County) -> TalentFiles | None:
    """The stored talent files as :class:`~ruralflow.bundle.centre_files.TalentFiles` (None
    when ``talent_cohorts.csv`` is not stored)."""
    from ruralflow.bundle.centre_files import (
        COHORTS_FILE,
        SALES_FILE,
        TRAINEES_FILE,
        read_talent_files,
    )

    texts = {
        f.name: f.text
        for f in s.scalars(
            select(BundleFile).where(
                BundleFile.county_id == county_id,
                BundleFile.name.in_((COHORTS_FILE, TRAINEES_FILE, SALES_FILE)),
            )
        )
    }
    if COHORTS_FILE not in texts:
        return None
    return _read_texts(texts, read_talent_files, county)


def _fee(v: Decimal) -> str:
    """A fee as the ledger writes it (no exponent, no trailing zeros beyond the fen)."""
    q = v.quantize(Decimal("0.01")) if v == v.quantize(Decimal("0.01")) else v
    text = format(q, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def append_service_rows(
    s: Session,
    county_id: int,
    county: County,
    rows: Sequence[tuple[dt.date, str, str, int, Decimal]],
    source: str,
) -> list[int]:
    """Append ``rows`` (day, station, service, count, fee_yuan) to the stored ledger (started
    with :data:`LEDGER_HEADER` when none is stored) and return their spreadsheet row numbers.
    The new text is read back with the bundle's strict reader first:
    :class:`~ruralflow.bundle.BundleError` (nothing kept) on a repeated day + station +
    service or any other problem."""
    from ruralflow.bundle.centre_files import SERVICES_FILE, read_station_services

    stored = _text(s, county_id, SERVICES_FILE, lock=True)
    old = stored.text if stored is not None else ",".join(LEDGER_HEADER) + "\n"
    newline = "\r\n" if "\r\n" in old else "\n"
    header = [h.strip() for h in next(csv.reader(io.StringIO(old.lstrip("\ufeff"))), [])]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline)
    for day, station, service, count, fee in rows:
        cells = {
            "day": day.isoformat(),
            "station": station,
            "service": service,
            "count": str(count),
            "fee_yuan": _fee(fee),
            "source": source,
        }
        w.writerow([cells.get(h, "") for h in header])
    base = old if old.endswith(("\n", "\r")) or not old else old + newline
    text = base + buf.getvalue()
    _read_texts({SERVICES_FILE: text}, read_station_services, county)  # raises BundleError
    first = sum(
        1 for _ in csv.reader(io.StringIO(base.lstrip("\ufeff"), newline=""))
    )  # rows already there, header included
    if stored is None:
        s.add(BundleFile(county_id=county_id, name=SERVICES_FILE, text=text))
    else:
        stored.text = text
    s.flush()
    return [first + 1 + i for i in range(len(rows))]
