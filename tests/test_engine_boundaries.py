"""The engines import no report, CLI, web or bundle code (issue 11, "one front door per engine").

Every module under ``freshness/``, ``logistics/``, ``siting/``, ``matrix/``, ``trace/`` and
``sharing/`` is parsed (``ast``), and every ``import`` / ``from ... import`` in it, at module
level or inside a function, is checked against the forbidden packages.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ruralflow

ENGINES = (
    "freshness",
    "logistics",
    "siting",
    "matrix",
    "trace",
    "sharing",
    "preprocess",
    "centre",
)
#: The done-when list of issue 11, and the web layers DESIGN.md plans (not written yet).
FORBIDDEN = (
    "ruralflow.report",
    "ruralflow.cli",
    "ruralflow.bundle",
    "ruralflow.scale",
    "typer",
    "dask",
    "distributed",
    "ruralflow.api",
    "ruralflow.store",
    "sqlalchemy",
    "ruralflow.web",
    "fastapi",
)
PACKAGE = Path(ruralflow.__file__).parent


def _modules() -> list[Path]:
    return sorted(p for e in ENGINES for p in (PACKAGE / e).rglob("*.py"))


def _imported(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every import in ``path``, relative imports resolved."""
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    package = list(rel.parts[:-1])  # the package a relative import starts from
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            out.append((node.lineno, name))
            out += [(node.lineno, f"{name}.{a.name}") for a in node.names]
    return out


def _forbidden(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FORBIDDEN)


def test_the_scan_sees_every_engine() -> None:
    """Each engine package has modules to scan (a renamed package would pass silently)."""
    for e in ENGINES:
        assert (PACKAGE / e / "__init__.py").is_file(), e
    assert len(_modules()) > 6 * 3


def test_imports_are_resolved() -> None:
    """The scanner finds absolute, relative and function-level imports."""
    found = dict((m, n) for n, m in _imported(PACKAGE / "sharing" / "contracts.py"))
    assert "ruralflow.sharing.money" in found
    bad = "def f():\n    from ruralflow.bundle import read_bundle\n    import typer\n"
    tree = ast.parse(bad)
    names = [
        n.module if isinstance(n, ast.ImportFrom) else n.names[0].name
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
    ]
    assert all(_forbidden(str(n)) for n in names)
    assert not _forbidden("ruralflow.bundled") and not _forbidden("typeright")


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_engine_module_imports_no_report_cli_or_bundle(path: Path) -> None:
    """No engine module imports ruralflow.report, ruralflow.cli, ruralflow.bundle or typer."""
    rel = path.relative_to(PACKAGE).as_posix()
    bad = [f"line {n}: {m}" for n, m in _imported(path) if _forbidden(m)]
    assert not bad, f"{rel} imports " + "; ".join(bad)
