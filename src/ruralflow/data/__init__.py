"""The real data RuralFlow uses at run time, shipped inside the package.

This package folder mirrors the layout of the project's data folder (``admin_divisions/``,
``coordinates/``, ``prices/``, ``io/``) and adds ``epcis/`` (GS1's EPCIS 2.0 JSON schema and
JSON-LD contexts). ``README.md`` files beside the data give provenance and licences; the
package's own docs (``docs/data.md``) list what ships and how big it is.

Where the data is read from (:func:`data_root`), first match wins; there is no search of
parent folders:

1. the ``data_dir`` argument (``--data-dir`` on the command line);
2. the environment variable ``RURALFLOW_DATA``;
3. the packaged data (this folder, found with :mod:`importlib.resources`).

An explicit or environment folder must hold ``admin_divisions/`` and ``coordinates/``, or
:class:`DataDirError` says so in one line. Large text files ship compressed with xz
(``townships_china.csv.xz``); :func:`data_file` and :func:`open_text` accept a name with or
without ``.xz`` and use whichever exists, so an override folder of plain files works too.
"""

from __future__ import annotations

import io
import lzma
import os
from importlib.resources import files
from pathlib import Path
from typing import TextIO

__all__ = [
    "DATA_ENV",
    "EPCIS_SUBDIR",
    "XZ_SUFFIX",
    "DataDirError",
    "data_file",
    "data_root",
    "open_text",
    "packaged_data_root",
    "packaged_epcis_dir",
    "read_text",
    "resolve_file",
]

#: Environment variable naming a data folder that replaces the packaged data.
DATA_ENV = "RURALFLOW_DATA"
#: Sub-folder of the packaged data holding the EPCIS schema and JSON-LD contexts.
EPCIS_SUBDIR = "epcis"
XZ_SUFFIX = ".xz"
_MARKERS = ("admin_divisions", "coordinates")


class DataDirError(FileNotFoundError):
    """A data folder cannot be used; the message is one line, in Chinese and English."""


def packaged_data_root() -> Path:
    """The packaged data folder (a real directory: the package is installed as files)."""
    root = files(__name__)
    if not isinstance(root, Path) or not root.is_dir():
        raise DataDirError(
            f"打包数据不是文件夹 / the packaged data is not a folder on disk ({root!s}); "
            f"install ruralflow unzipped or set ${DATA_ENV}"
        )
    if not all((root / m).is_dir() for m in _MARKERS):
        raise DataDirError(
            f"打包数据不完整 / the packaged data at {root} lacks {', '.join(_MARKERS)}; "
            f"reinstall ruralflow or set ${DATA_ENV}"
        )
    return root


def packaged_epcis_dir() -> Path:
    """The packaged EPCIS folder (``EPCIS-JSON-Schema.json``, JSON-LD contexts)."""
    return packaged_data_root() / EPCIS_SUBDIR


def _check(path: Path, origin: str) -> Path:
    missing = [m for m in _MARKERS if not (path / m).is_dir()]
    if not path.is_dir() or missing:
        what = "no such folder" if not path.is_dir() else f"it lacks {', '.join(missing)}/"
        raise DataDirError(
            f"数据文件夹不可用 / data folder not usable: {path} ({origin}; {what}; "
            f"expected {'/, '.join(_MARKERS)}/)"
        )
    return path.resolve()


def data_root(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The data folder: ``data_dir``, else ``$RURALFLOW_DATA``, else the packaged data."""
    if data_dir is not None and str(data_dir).strip():
        return _check(Path(data_dir).expanduser(), "given as --data-dir")
    env = os.environ.get(DATA_ENV, "").strip()
    if env:
        return _check(Path(env).expanduser(), f"from ${DATA_ENV}")
    return packaged_data_root()


def resolve_file(path: str | os.PathLike[str]) -> Path | None:
    """``path`` if it is a file, else ``path.xz`` (or the plain name of an ``.xz``), else None."""
    p = Path(path)
    if p.is_file():
        return p
    alt = p.with_name(p.name[: -len(XZ_SUFFIX)]) if p.name.endswith(XZ_SUFFIX) else None
    if alt is None:
        alt = p.with_name(p.name + XZ_SUFFIX)
    return alt if alt.is_file() else None


def data_file(relative: str, data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The file ``relative`` (or ``relative.xz``) under :func:`data_root`.

    Raises :class:`FileNotFoundError` naming the path when neither exists.
    """
    root = data_root(data_dir)
    found = resolve_file(root / relative)
    if found is None:
        raise FileNotFoundError(
            f"数据文件缺失 / missing data file {root / relative} (nor {XZ_SUFFIX})"
        )
    return found


def open_text(path: str | os.PathLike[str], encoding: str = "utf-8-sig") -> TextIO:
    """Open a text file for reading, decompressing ``.xz`` transparently.

    ``path`` may name the plain or the compressed file; whichever exists is opened (newline
    translation off, as :mod:`csv` wants).
    """
    found = resolve_file(path)
    if found is None:
        raise FileNotFoundError(f"数据文件缺失 / missing data file {path} (nor {XZ_SUFFIX})")
    if found.name.endswith(XZ_SUFFIX):
        return io.TextIOWrapper(lzma.open(found, "rb"), encoding=encoding, newline="")
    return found.open(encoding=encoding, newline="")


def read_text(path: str | os.PathLike[str], encoding: str = "utf-8-sig") -> str:
    """The whole text of ``path`` (or ``path.xz``)."""
    with open_text(path, encoding) as fh:
        return fh.read()
