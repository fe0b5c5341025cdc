"""Where the real data lives: a thin wrapper over :mod:`ruralflow.data`.

:func:`find_data_dir` is :func:`ruralflow.data.data_root`: the ``data_dir`` argument, else
``$RURALFLOW_DATA``, else the data shipped inside the package. There is no search of parent
folders. A bad explicit or environment folder raises :class:`DataDirError` (one line).
"""

from __future__ import annotations

import os
from pathlib import Path

from ruralflow.data import DATA_ENV, DataDirError, data_root

ENV_VAR = DATA_ENV

__all__ = ["ENV_VAR", "DataDirError", "find_data_dir"]


def find_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The data folder (explicit, ``$RURALFLOW_DATA`` or packaged); see :mod:`ruralflow.data`."""
    return data_root(data_dir)
