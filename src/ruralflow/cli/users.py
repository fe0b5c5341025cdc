"""``ruralflow users add``: logins of the service (see ``docs/service.md``, "Roles")."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ruralflow.cli._common import JsonOpt, fail, print_json, say
from ruralflow.cli.db import DbOpt

users_app = typer.Typer(no_args_is_help=True, help="Users of the service (用户).")


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="county_admin, station_operator, cooperative, logistics_operator, applicant "
            "or bureau.",
        ),
    ],
    county: Annotated[str, typer.Option("--county", help="County code (adcode) of the user.")],
    scope: Annotated[
        str,
        typer.Option(
            "--scope",
            help="Station place id (station_operator), cooperative id (cooperative), "
            "applicant id (applicant) or bureau id (bureau).",
        ),
    ] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a user; the password is read from standard input (never an argument).

    Example: printf '%s' "$PASSWORD" | ruralflow users add alice --role county_admin
    --county 610425 --password-stdin --db sqlite:///ruralflow.db
    """
    from ruralflow.store import StoreError, add_user, engine_for

    if not password_stdin:
        fail(
            "请用 --password-stdin 从标准输入提供密码 / give the password on stdin with "
            "--password-stdin",
            2,
        )
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = add_user(
            engine_for(db), name, role=role, county=county, scope=scope, password=password
        )
    except StoreError as e:
        fail(str(e))
    out = {"name": user.name, "role": user.role, "county": user.county, "scope": user.scope}
    if as_json:
        print_json(out)
    else:
        where = f"{user.county} {user.scope}".strip()
        say(f"已创建用户 / created user {user.name} ({user.role}, {where})")
