"""``ruralflow brands ...``: the county's brand matrix and the homogenisation check.

Thin: reads ``brands.csv`` (:mod:`ruralflow.bundle.upflow_files`) and calls
:func:`ruralflow.preprocess.check_names`. Exit codes: 0 success, 1 bad or missing input (one
bilingual message), 2 usage errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ruralflow.cli._common import BundleArg, JsonOpt, fail, print_json, say

brands_app = typer.Typer(
    no_args_is_help=True,
    help="Brands (品牌): the regional + enterprise brand matrix, homogenisation check.",
)


@brands_app.command("check")
def check_cmd(
    path: BundleArg,
    names: Annotated[
        Path,
        typer.Option("--names", help="UTF-8 text file: one product or brand name per line."),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Flag bare "region + category" names (a place of the county, its townships or
    villages, then only category or variety words) and names confusingly close to each
    other or to the county's brands (Dice coefficient of character bigrams >= 0.5, or two
    region + category names of the same category); suggest distinguishing attributes.

    Example: ruralflow brands check src/ruralflow/examples/610425 --names names.txt --json
    """
    from ruralflow.cli.preprocess import load_upflow
    from ruralflow.preprocess import check_names

    try:
        text = names.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{names} 不是 UTF-8 文本 / is not UTF-8 text")
    except OSError as e:
        fail(f"无法读取 / cannot read {names}: {e.strerror or e}")
    county, files = load_upflow(path)
    others = [b.name_zh for b in files.brands.regional] if files.brands else []
    if files.brands:
        others += [s.name_zh for s in files.brands.sub_brands]
    result = check_names(text.splitlines(), county, others)
    if as_json:
        print_json(result.to_dict())
        return
    say(result.summary())
    for n in result.names:
        flag = "地域+品类 / region+category" if n.region_category else "ok"
        close = f"; 近似 / close to: {'、'.join(n.similar_to)}" if n.similar_to else ""
        say(f"  {n.name}: {flag}{close}")
        for s in n.suggestions:
            say(f"      → {s}")


def register(app: typer.Typer) -> None:
    app.add_typer(brands_app, name="brands")
