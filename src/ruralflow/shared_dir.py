"""Find a folder of the shared material (``../shared/...``) beside the checkout.

Order of search: an explicit path, then an environment variable, then ``shared/<relative>``
in the current directory, the installed package, or any folder above them (the repository's
checkout sits next to ``shared/``, so from the repo root this finds ``../shared/<relative>``).
A folder counts only when it holds every marker entry. Errors are one line naming what was
tried.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


def find_shared_dir(
    relative: str,
    *,
    markers: Sequence[str],
    env_var: str,
    what: str,
    error: type[Exception] = FileNotFoundError,
    explicit: str | os.PathLike[str] | None = None,
) -> Path:
    """The folder ``shared/<relative>``, or ``error`` naming the path(s) tried."""

    def looks_right(p: Path) -> bool:
        return p.is_dir() and all((p / m).exists() for m in markers)

    expect = f"expected {', '.join(markers)}"
    if explicit is not None:
        p = Path(explicit).expanduser()
        if not looks_right(p):
            raise error(f"{what} not found at {p} ({expect})")
        return p.resolve()
    env = os.environ.get(env_var, "").strip()
    if env:
        p = Path(env).expanduser()
        if not looks_right(p):
            raise error(f"{what} not found at {p} (from ${env_var}; {expect})")
        return p.resolve()
    tried: list[Path] = []
    for start in (Path.cwd(), Path(__file__).parent):
        for a in (start.resolve(), *start.resolve().parents):
            cand = a / "shared" / relative
            if cand in tried:
                continue
            tried.append(cand)
            if looks_right(cand):
                return cand.resolve()
    first = tried[1] if len(tried) > 1 else tried[0]
    raise error(
        f"{what} not found: tried {first} and every shared/{relative} above {Path.cwd()} "
        f"and the package; set ${env_var} or pass the folder"
    )
