"""Which counties a sweep runs: ``all``, a file of adcodes, or adcodes separated by commas."""

from __future__ import annotations

import os
import re
from pathlib import Path

_CODE = re.compile(r"^\s*(\d{6})\b")
_LIST = re.compile(r"^\s*\d{6}(\s*,\s*\d{6})*\s*,?\s*$")


class SelectionError(ValueError):
    """The county selection cannot be read, or names unknown counties (one bilingual line)."""


def parse_codes(text: str, source: str) -> list[str]:
    """The adcodes of a county list: one per line (the first six digits of the line), blank
    lines and ``#`` comments ignored, a first line without a code (a CSV header) skipped."""
    out: list[str] = []
    for i, line in enumerate(text.splitlines(), start=1):
        body = line.split("#", 1)[0].strip()
        if not body:
            continue
        m = _CODE.match(body)
        if m is None:
            if not out and not any(ch.isdigit() for ch in body):
                continue  # a header line
            raise SelectionError(
                f"{source} 第 {i} 行不是县级代码 / line {i} of {source} does not start with a "
                f"6-digit county code: {line.strip()!r}"
            )
        out.append(m.group(1))
    return out


def select_counties(spec: str, data_dir: str | os.PathLike[str] | None = None) -> list[str]:
    """The adcodes named by ``spec``, without repeats, in the order given (``all``: every
    county-level unit of the shared data, by adcode)."""
    from ruralflow.bundle import shared_data
    from ruralflow.bundle.datadir import find_data_dir

    known = shared_data.counties(find_data_dir(data_dir))
    spec = spec.strip()
    if spec == "all":
        return sorted(known)
    path = Path(spec)
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as e:
            raise SelectionError(
                f"无法读取县列表 / cannot read the county list {spec}: {e}"
            ) from e
        codes = parse_codes(text, spec)
    elif _LIST.match(spec):
        codes = [c.strip() for c in spec.split(",") if c.strip()]
    else:
        raise SelectionError(
            f"--counties 应为 all、县列表文件或逗号分隔的县级代码 / --counties must be all, a "
            f"file of county codes, or codes separated by commas (got {spec!r})"
        )
    codes = list(dict.fromkeys(codes))
    unknown = [c for c in codes if c not in known]
    if unknown:
        shown = ", ".join(unknown[:10]) + (" ..." if len(unknown) > 10 else "")
        raise SelectionError(
            f"未知县级代码 / {len(unknown)} code(s) not in admin_divisions/counties_china.csv: "
            f"{shown}"
        )
    if not codes:
        raise SelectionError(f"县列表为空 / the county list {spec} names no county")
    return codes
