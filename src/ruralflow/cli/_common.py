"""Shared pieces of the CLI: consoles, failing with a message, option parsing, JSON, progress.

Conventions every command follows (README, "Command line"):

- exit 0 success, 1 bad input (a bundle with problems, an infeasible request; one message,
  never a traceback), 2 usage errors (an unknown option, a bad option value);
- ``--json`` prints exactly one JSON object on stdout and nothing else there;
- ``--time-limit`` is the wall-clock budget of the whole command (:class:`Budget`);
- progress is shown on a terminal only (:func:`steps`), never on a pipe or with ``--json``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

# emoji off: user data such as "rf:x:" must print as typed, not as an emoji
console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)

#: The shipped example bundle (Liquan 礼泉县, 610425), the default of ``demo`` and
#: ``trace demo``.
EXAMPLE_BUNDLE = Path(__file__).resolve().parent.parent / "examples" / "610425"

BundleArg = Annotated[
    Path, typer.Argument(help="County bundle folder (county.yaml, places.csv, ...).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


# ----------------------------------------------------------------------------- output
def say(message: str) -> None:
    """Print plain text on stdout (no Rich markup or highlighting)."""
    console.print(message, markup=False, highlight=False, soft_wrap=True)


def note(message: str) -> None:
    """Print plain text on stderr (file paths written, hints) so stdout stays clean."""
    err_console.print(message, markup=False, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` (one problem, or a bundle's list of problems) on stderr; exit 1."""
    err_console.print(message, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code) from None


def json_text(value: Any, *, indent: int | None = None) -> str:
    """``value`` as JSON text (UTF-8 characters kept, e.g. Chinese names)."""
    return json.dumps(value, ensure_ascii=False, indent=indent)


def print_json(value: Any, *, indent: int | None = None) -> None:
    """Print ``value`` as one JSON document on stdout."""
    print(json_text(value, indent=indent))


def write_json(value: Any, path: Path, *, indent: int | None = 1) -> None:
    """Write ``value`` as JSON to ``path`` (parent folders created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json_text(value, indent=indent) + "\n", encoding="utf-8")


# ----------------------------------------------------------------------------- option values
def _bad(zh: str, en: str, value: object) -> typer.BadParameter:
    return typer.BadParameter(f"{zh} / {en} (got {value!r})")


def parse_date(value: str) -> dt.date:
    """A date YYYY-MM-DD, or :class:`typer.BadParameter` (a usage error, exit 2)."""
    try:
        return dt.date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise _bad("须为日期 YYYY-MM-DD", "must be a date YYYY-MM-DD", value) from None


def day_callback(value: str | None) -> str | None:
    """Typer callback of a ``--day``-style option: checks the date, keeps the text."""
    if value is not None:
        parse_date(value)
    return value


def days_callback(values: list[str] | None) -> list[str] | None:
    """Typer callback of a repeatable ``--day`` option."""
    for v in values or ():
        parse_date(v)
    return values


def positive_seconds(value: float | None) -> float | None:
    """Typer callback of ``--time-limit``-style options: a positive finite number."""
    if value is not None and not (0 < value < 10**7):
        raise _bad("须为正的秒数", "must be a positive number of seconds", value)
    return value


def positive(value: float | None) -> float | None:
    """Typer callback of a length or similar option: a positive finite number."""
    if value is not None and not (0 < value < 1e12):
        raise _bad("须为正数", "must be a positive number", value)
    return value


def non_negative(value: float | None) -> float | None:
    """Typer callback of a count or amount: a finite number >= 0."""
    if value is not None and not (0 <= value < 1e15):
        raise _bad("须为非负数", "must be a number >= 0", value)
    return value


def seed_callback(value: int | None) -> int | None:
    """Typer callback of ``--seed``: 0 .. 2**31 - 1."""
    if value is not None and not (0 <= value <= 2**31 - 1):
        raise _bad("须为 0 至 2147483647 的整数", "must be an integer 0 .. 2147483647", value)
    return value


def choice(*allowed: str) -> Callable[[str | None], str | None]:
    """Typer callback accepting only ``allowed`` values (a usage error otherwise)."""

    def check(value: str | None) -> str | None:
        if value is not None and value not in allowed:
            raise _bad("可选值 " + "、".join(allowed), "must be " + _or(allowed), value)
        return value

    return check


def _or(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


TimeLimitOpt = Annotated[
    float,
    typer.Option(
        "--time-limit",
        help="Wall-clock budget of the whole command, seconds.",
        callback=positive_seconds,
    ),
]
SeedOpt = Annotated[
    int,
    typer.Option("--seed", help="Random seed (results reproduce).", callback=seed_callback),
]


# ----------------------------------------------------------------------------- time budget
@dataclass
class Budget:
    """The wall-clock budget of one command (``--time-limit``), split across its steps."""

    total_s: float
    started: float = field(default_factory=time.perf_counter)

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def left(self, floor: float = 0.1) -> float:
        """Seconds left (at least ``floor``, so a solver always gets some time)."""
        return max(floor, self.total_s - self.elapsed())

    def share(self, parts: float, floor: float = 0.1) -> float:
        """The time left split evenly over ``parts`` remaining steps."""
        return max(floor, self.left(floor) / max(1.0, parts))


# ----------------------------------------------------------------------------- progress
def interactive(as_json: bool = False) -> bool:
    """True when progress may be shown: stdout and stderr are terminals and not ``--json``."""
    return not as_json and sys.stdout.isatty() and err_console.is_terminal


class Steps:
    """Per-step status line (a Rich spinner on stderr), or nothing off a terminal."""

    def __init__(self, status: Any | None) -> None:
        self._status = status

    def step(self, message: str) -> None:
        if self._status is not None:
            self._status.update(message)


@contextmanager
def steps(first: str, *, show: bool) -> Iterator[Steps]:
    """Show ``first`` then each :meth:`Steps.step` while the block runs, if ``show``."""
    if not show:
        yield Steps(None)
        return
    with err_console.status(first) as status:
        yield Steps(status)


# ----------------------------------------------------------------------------- engine errors
_OPTION_FIELD = re.compile(r"\b\w+Options: field '(\w+)'")
_INTERNAL = re.compile(r"\b(?:make_coarse_county|make_county|site_county|settle_bundle)\b")


def clean(message: str, flags: dict[str, str] | None = None) -> str:
    """``message`` without internal class or function names.

    ``PlanOptions: field 'mode' ...`` becomes ``option --mode ...`` (``flags`` maps option
    fields to the command's flags; default: ``time_limit_s`` -> ``--time-limit``, else the
    field with dashes).
    """
    names = {"time_limit_s": "--time-limit", **(flags or {})}

    def flag(m: re.Match[str]) -> str:
        f = m.group(1)
        return "option " + names.get(f, "--" + f.replace("_", "-"))

    out = _OPTION_FIELD.sub(flag, message)
    return _INTERNAL.sub("the command", out)


def fail_engine(zh: str, en: str, error: BaseException, code: int = 1) -> NoReturn:
    """Exit with one bilingual line: ``{zh} / {en}: {detail}`` (a bundle's list kept whole)."""
    from ruralflow.bundle import BundleError

    if isinstance(error, BundleError):  # file, row, column and value of every problem
        fail(f"{zh} / {en}:\n{error}", code)
    detail = clean(str(error)).strip() or type(error).__name__
    fail(f"{zh} / {en}: {detail}", code)


def read_bundle_or_fail(path: Path) -> Any:
    """The county of the bundle at ``path``, or its problems and exit 1."""
    from ruralflow.bundle import BundleError, read_bundle

    try:
        return read_bundle(path)
    except BundleError as e:
        fail_engine("读取数据包失败", "cannot read the bundle", e)
    except OSError as e:
        fail(f"读取数据包失败 / cannot read the bundle {path}: {e.strerror or e}")
