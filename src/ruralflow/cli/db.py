"""``ruralflow db upgrade|import|export``: the service database (see ``docs/service.md``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ruralflow.cli._common import (
    BundleArg,
    JsonOpt,
    err_console,
    fail,
    fail_engine,
    print_json,
    say,
)

db_app = typer.Typer(
    no_args_is_help=True,
    help="The service database: migrate, import a bundle, export a county (数据库).",
)

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL: sqlite:///file.db or postgresql+psycopg://user@host/db "
        "(default $RURALFLOW_DB or sqlite:///ruralflow.db).",
    ),
]


def engine_or_fail(url: str | None, *, migrate: bool = False) -> object:
    """The engine of ``url`` (migrated first when ``migrate``), or a message and exit 1."""
    from ruralflow.store import StoreError, engine_for, upgrade

    try:
        engine = engine_for(url)
        if migrate:
            upgrade(url)
    except StoreError as e:
        fail(str(e))
    return engine


@db_app.command("upgrade")
def upgrade_cmd(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Create or migrate the database to the newest schema (Alembic).

    Example: ruralflow db upgrade --db sqlite:///ruralflow.db
    """
    from ruralflow.store import StoreError, default_url, upgrade

    try:
        rev = upgrade(db)
    except StoreError as e:
        fail(str(e))
    if as_json:
        print_json({"db": db or default_url(), "revision": rev})
    else:
        say(f"数据库已是最新版本 / database at revision {rev}")


@db_app.command("import")
def import_cmd(
    path: BundleArg,
    db: DbOpt = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace the county if it is already stored.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Import a county bundle in one transaction (a bad bundle writes nothing).

    The bundle is checked as `ruralflow validate` does and gets the same messages.

    Example: ruralflow db import src/ruralflow/examples/610425 --db sqlite:///ruralflow.db
    """
    from ruralflow.bundle import BundleError
    from ruralflow.store import StoreError, engine_for, import_bundle

    try:
        result = import_bundle(path, engine_for(db), replace=replace)
    except BundleError as e:
        if as_json:
            print_json({"problems": [p.to_dict() for p in e.problems]}, indent=1)
            raise typer.Exit(1) from None
        err_console.print(f"[red]{path}: {len(e.problems)} problem(s)[/red]")
        for p in e.problems:
            err_console.print(f"  {p}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    except StoreError as e:
        fail(str(e))
    except OSError as e:
        fail_engine("读取数据包失败", "cannot read the bundle", e)
    if as_json:
        print_json(result.to_dict())
    else:
        say(result.summary())


@db_app.command("export")
def export_cmd(
    adcode: Annotated[str, typer.Argument(help="County code (6 digits) of a stored county.")],
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Bundle folder to write.")],
    db: DbOpt = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace the folder if it exists.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Export a stored county back to a bundle folder (which `validate` accepts).

    Example: ruralflow db export 610425 --out-dir out/610425-db --db sqlite:///ruralflow.db
    """
    from ruralflow.store import StoreError, engine_for, export_bundle

    try:
        out = export_bundle(engine_for(db), adcode, out_dir, overwrite=overwrite)
    except StoreError as e:
        fail(str(e))
    except FileExistsError:
        fail(f"{out_dir} 已存在(用 --overwrite) / {out_dir} exists (use --overwrite)")
    if as_json:
        print_json({"adcode": adcode, "out_dir": str(out)})
    else:
        say(f"已导出 / exported {adcode} to {out}")
