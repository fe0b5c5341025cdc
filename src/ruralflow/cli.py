"""Command-line interface (Typer). Thin: parses arguments and calls the public functions."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help="RuralFlow county planning.")


def main() -> None:
    app()
