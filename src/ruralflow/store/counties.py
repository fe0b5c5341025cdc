"""County bundles into and out of the database.

:func:`import_bundle` reads and validates a bundle (:func:`ruralflow.bundle.read_bundle`, so a
bad bundle gets the messages of ``ruralflow validate`` and nothing is written) and stores it
as one county in one transaction, with its optional files (the benefit-sharing and up-flow
files, validated by their strict readers as ``validate`` does, stored as text by
:mod:`ruralflow.store.contracts`). :func:`load_county` rebuilds the :class:`County` from the
database and :func:`export_bundle` writes it back as a bundle folder, optional files included.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from ruralflow.domain import BusLine, County, DownDemand, Place, Product, UpSupply, VehicleType
from ruralflow.domain.county import CountySettings
from ruralflow.domain.economy import Economy
from ruralflow.store.codec import dump, load
from ruralflow.store.db import StoreError, require_current, session_scope
from ruralflow.store.models import (
    BusLineRow,
    CountyRow,
    DownDemandRow,
    PlaceRow,
    ProductRow,
    UpSupplyRow,
    VehicleTypeRow,
)

__all__ = [
    "ImportResult",
    "county_row",
    "export_bundle",
    "import_bundle",
    "import_county",
    "list_counties",
    "load_county",
]


@dataclass(frozen=True)
class ImportResult:
    """What an import stored: the county and how many rows of each kind."""

    adcode: str
    name: str
    counts: dict[str, int]
    replaced: bool

    def summary(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in self.counts.items())
        verb = "替换 / replaced" if self.replaced else "导入 / imported"
        return f"{verb} {self.name} ({self.adcode}): {parts}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "adcode": self.adcode,
            "name": self.name,
            "counts": dict(self.counts),
            "replaced": self.replaced,
        }


def import_bundle(
    path: str | os.PathLike[str], engine: Engine, *, replace: bool = False
) -> ImportResult:
    """Validate the bundle at ``path`` and store it (raises :class:`BundleError` if bad).

    The service centre's files (``policies.csv``, ...; ``docs/centre.md``) are validated too
    and stored in the same transaction when the bundle has them.
    """
    from ruralflow.bundle import read_bundle
    from ruralflow.bundle.centre_files import (
        has_centre_files,
        read_centre_files,
        read_station_services,
        read_talent_files,
    )
    from ruralflow.bundle.contract_files import read_contract_files
    from ruralflow.bundle.upflow_files import read_upflow_files
    from ruralflow.store.contracts import optional_texts

    county = read_bundle(path)
    # the optional files: BundleError naming file, row and column if bad (as `validate`)
    centre_files = read_centre_files(Path(path)) if has_centre_files(Path(path)) else None
    upflow = read_upflow_files(Path(path), county)  # brands and lots for the cloud expo
    read_contract_files(Path(path), county)
    read_station_services(Path(path), county)  # stored as text: checked here, read by the API
    read_talent_files(Path(path), county)
    return import_county(
        county,
        engine,
        replace=replace,
        centre_files=centre_files,
        upflow=upflow,
        files=optional_texts(Path(path)),
    )


_PARTS: tuple[tuple[str, type[Any]], ...] = (
    ("places", PlaceRow),
    ("products", ProductRow),
    ("vehicle_types", VehicleTypeRow),
    ("bus_lines", BusLineRow),
    ("demand_down", DownDemandRow),
    ("supply_up", UpSupplyRow),
)


def _row(name: str, i: int, obj: Any) -> Any:
    attrs = dump(obj)
    if name == "places":
        return PlaceRow(
            position=i,
            attrs=attrs,
            place_id=obj.id,
            kind=obj.kind.value,
            name=obj.name,
            parent=obj.parent,
            lon=obj.lon,
            lat=obj.lat,
        )
    if name == "products":
        return ProductRow(position=i, attrs=attrs, product_id=obj.id, name=obj.name)
    if name == "vehicle_types":
        return VehicleTypeRow(
            position=i, attrs=attrs, type_id=obj.id, kind=obj.kind.value, count=obj.count
        )
    if name == "bus_lines":
        return BusLineRow(position=i, attrs=attrs, line_id=obj.id, name=obj.name)
    if name == "demand_down":
        return DownDemandRow(
            position=i,
            attrs=attrs,
            day=obj.day,
            village=obj.village,
            parcels=obj.parcels,
            kg=obj.kg,
        )
    return UpSupplyRow(
        position=i,
        attrs=attrs,
        batch=obj.batch,
        day=obj.day,
        village=obj.village,
        product=obj.product,
        kg=obj.kg,
    )


def import_county(
    county: County,
    engine: Engine,
    *,
    replace: bool = False,
    centre_files: Any = None,
    upflow: Any = None,
    files: Mapping[str, str] | None = None,
) -> ImportResult:
    """Store ``county`` in one transaction; an existing county is replaced only if asked.

    ``centre_files`` (a :class:`ruralflow.bundle.centre_files.CentreFiles`) are stored in the
    same transaction (:func:`ruralflow.store.centre.import_centre`), and so are the cloud
    expo's product pages, with the brands and lots of ``upflow`` (a
    :class:`ruralflow.bundle.upflow_files.UpflowFiles`) when given
    (:func:`ruralflow.store.centre.import_expo`). ``files``: the bundle's other optional
    files (name -> text, already validated; see :mod:`ruralflow.store.contracts`), replacing
    those stored; ``None`` keeps what is stored.
    """
    from ruralflow.store.contracts import store_optional_texts

    require_current(engine)
    adcode = county.settings.adcode
    with session_scope(engine) as s:
        old = s.scalar(select(CountyRow).where(CountyRow.adcode == adcode))
        if old is not None and not replace:
            raise StoreError(
                f"县 {adcode} 已在数据库中(用 --replace 替换) / county {adcode} is already in "
                "the database (use --replace to replace it)"
            )
        values = {
            "name": county.settings.name,
            "name_en": county.settings.name_en,
            "settings": dump(county.settings),
            "economy": dump(county.economy),
            "boundary": dump(county.boundary),
            "roads": dump(county.roads),
        }
        if old is not None:  # keep the row (and the operations records that refer to it)
            for _name, model in _PARTS:
                s.execute(delete(model).where(model.county_id == old.id))
            for k, v in values.items():
                setattr(old, k, v)
            row = old
        else:
            row = CountyRow(adcode=adcode, **values)
            s.add(row)
        s.flush()
        counts: dict[str, int] = {}
        for name, _model in _PARTS:
            objs = getattr(county, name)
            rows = [_row(name, i, o) for i, o in enumerate(objs)]
            for r in rows:
                r.county_id = row.id
            s.add_all(rows)
            counts[name] = len(rows)
        from ruralflow.store.centre import import_centre, import_expo

        import_expo(
            s,
            row,
            [p.id for p in county.products],
            upflow.brands if upflow is not None else None,
            upflow.lots if upflow is not None else None,
        )
        if centre_files is not None:
            got = import_centre(
                s,
                row,
                centre_files.policies,
                centre_files.applicants,
                centre_files.applications,
            )
            counts.update(got.counts())
        if files is not None:
            counts.update(store_optional_texts(s, row.id, files))
    return ImportResult(adcode, county.settings.name, counts, old is not None)


def county_row(s: Session, adcode: str) -> CountyRow | None:
    """The county row of ``adcode``, if stored."""
    return s.scalar(select(CountyRow).where(CountyRow.adcode == adcode))


def list_counties(engine: Engine) -> list[tuple[str, str]]:
    """``(adcode, name)`` of every stored county."""
    with session_scope(engine) as s:
        return [
            (r.adcode, r.name) for r in s.scalars(select(CountyRow).order_by(CountyRow.adcode))
        ]


_TYPES: dict[str, type[Any]] = {
    "places": Place,
    "products": Product,
    "vehicle_types": VehicleType,
    "bus_lines": BusLine,
    "demand_down": DownDemand,
    "supply_up": UpSupply,
}


def load_county(engine: Engine, adcode: str) -> County:
    """The :class:`County` stored under ``adcode`` (:class:`StoreError` if none)."""
    with session_scope(engine) as s:
        row = county_row(s, adcode)
        if row is None:
            raise StoreError(f"数据库中没有县 {adcode} / no county {adcode} in the database")
        parts: dict[str, tuple[Any, ...]] = {}
        for name, model in _PARTS:
            rows = s.scalars(
                select(model).where(model.county_id == row.id).order_by(model.position)
            )
            parts[name] = tuple(load(_TYPES[name], r.attrs) for r in rows)
        return County(
            settings=load(CountySettings, row.settings),
            economy=load(Economy, row.economy),
            boundary=row.boundary,
            roads=row.roads,
            **parts,
        )


def export_bundle(
    engine: Engine, adcode: str, out_dir: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Write the county ``adcode`` as a bundle folder ``out_dir``; returns the folder.

    The service centre's catalogue, applicants and applications are written too when the
    county has a catalogue (:func:`ruralflow.store.centre.export_centre`)."""
    from ruralflow.bundle import write_bundle
    from ruralflow.store.centre import export_centre
    from ruralflow.store.contracts import write_optional_files

    county = load_county(engine, adcode)
    out = write_bundle(county, out_dir, overwrite=overwrite)
    write_optional_files(engine, adcode, out)
    export_centre(engine, adcode, out)
    return out
