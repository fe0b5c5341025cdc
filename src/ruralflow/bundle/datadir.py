"""Where the shared real data (``../shared/data``) lives.

Order of search:

1. the ``data_dir`` argument, when given;
2. the environment variable ``RURALFLOW_DATA``, when set;
3. a folder ``shared/data`` beside or above the current directory or the installed package
   (the repository's checkout sits next to ``shared/``, so from the repo root this finds
   ``../shared/data``).

A folder counts only if it holds ``admin_divisions/`` and ``coordinates/``. When none is found
the error is one line naming the path(s) tried.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

ENV_VAR = "RURALFLOW_DATA"
_MARKERS = ("admin_divisions", "coordinates")


class DataDirError(FileNotFoundError):
    """The shared data folder was not found (one-line message naming the path tried)."""


def _looks_right(p: Path) -> bool:
    return p.is_dir() and all((p / m).is_dir() for m in _MARKERS)


def _ancestors(start: Path) -> Iterator[Path]:
    start = start.resolve()
    yield start
    yield from start.parents


def find_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The shared data folder, or :class:`DataDirError` naming what was tried."""
    if data_dir is not None:
        p = Path(data_dir).expanduser()
        if not _looks_right(p):
            raise DataDirError(
                f"shared data folder not found at {p} (expected sub-folders {', '.join(_MARKERS)})"
            )
        return p.resolve()
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        p = Path(env).expanduser()
        if not _looks_right(p):
            raise DataDirError(
                f"shared data folder not found at {p} (from ${ENV_VAR}; expected sub-folders "
                f"{', '.join(_MARKERS)})"
            )
        return p.resolve()
    tried: list[Path] = []
    for start in (Path.cwd(), Path(__file__).parent):
        for a in _ancestors(start):
            cand = a / "shared" / "data"
            if cand in tried:
                continue
            tried.append(cand)
            if _looks_right(cand):
                return cand.resolve()
    first = tried[1] if len(tried) > 1 else tried[0]
    raise DataDirError(
        f"shared data folder not found: tried {first} and every shared/data above "
        f"{Path.cwd()} and the package; set ${ENV_VAR} or pass a data folder"
    )
