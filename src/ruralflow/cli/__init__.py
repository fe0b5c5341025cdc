"""Command-line interface (Typer). Thin: parses arguments and calls the public functions.

One module per group of commands, each with ``register(app)``:

- :mod:`~ruralflow.cli.bundle`: ``validate``, ``info``, ``make-bundle``;
- :mod:`~ruralflow.cli.plan`: ``plan``; :mod:`~ruralflow.cli.season`: ``season``;
  :mod:`~ruralflow.cli.site`: ``site``;
- :mod:`~ruralflow.cli.matrix`: ``matrix``; :mod:`~ruralflow.cli.demo`: ``demo``;
- :mod:`~ruralflow.cli.bench`: ``solve-instance``; :mod:`~ruralflow.cli.sweep`: ``sweep``;
- :mod:`~ruralflow.cli.trace`: ``trace ...``; :mod:`~ruralflow.cli.contracts`:
  ``contracts ...``; :mod:`~ruralflow.cli.preprocess`: ``preprocess ...``;
  :mod:`~ruralflow.cli.channels`: ``channels match``; :mod:`~ruralflow.cli.brands`:
  ``brands check``; :mod:`~ruralflow.cli.centre`: ``centre overlap|eligible``;
- :mod:`~ruralflow.cli.db`: ``db upgrade|import|export``; :mod:`~ruralflow.cli.users`:
  ``users add``; :mod:`~ruralflow.cli.serve`: ``serve`` (the HTTP API).

Conventions (:mod:`ruralflow.cli._common`): the bundle is the first positional argument;
``--json`` prints one JSON object on stdout; ``--out`` names an output file and ``--out-dir``
a folder; ``--time-limit`` is the wall-clock budget of the whole command; ``--seed`` wherever
a result is random. Exit codes: 0 success, 1 bad input (a bundle with problems, an
infeasible request), 2 usage errors.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ruralflow import __version__
from ruralflow.cli import (
    bench,
    brands,
    bundle,
    centre,
    channels,
    contracts,
    db,
    demo,
    matrix,
    plan,
    preprocess,
    season,
    serve,
    site,
    sweep,
    trace,
    users,
)
from ruralflow.cli._common import console

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="RuralFlow: two-way rural e-commerce planning for a county (下行/上行).",
)


def _version(value: bool) -> None:
    if value:
        console.print(f"ruralflow {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """RuralFlow county planning."""


for _module in (bundle, demo, bench, plan, season, matrix, site, sweep):
    _module.register(app)
app.add_typer(trace.trace_app, name="trace")
app.add_typer(contracts.contracts_app, name="contracts")
app.add_typer(db.db_app, name="db")
app.add_typer(users.users_app, name="users")
serve.register(app)
for _module in (preprocess, channels, brands):
    _module.register(app)
centre.register(app)


def main() -> None:
    app()


__all__ = ["app", "main"]
