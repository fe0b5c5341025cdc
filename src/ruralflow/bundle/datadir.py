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
from pathlib import Path

from ruralflow.shared_dir import find_shared_dir

ENV_VAR = "RURALFLOW_DATA"
_MARKERS = ("admin_divisions", "coordinates")


class DataDirError(FileNotFoundError):
    """The shared data folder was not found (one-line message naming the path tried)."""


def find_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The shared data folder, or :class:`DataDirError` naming what was tried."""
    return find_shared_dir(
        "data",
        markers=_MARKERS,
        env_var=ENV_VAR,
        what="shared data folder",
        error=DataDirError,
        explicit=data_dir,
    )
