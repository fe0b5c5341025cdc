"""``ruralflow channels match``: send graded lots to sales channels (a MILP on HiGHS).

Thin: reads ``channels.csv`` and ``lots.csv`` and calls :func:`ruralflow.preprocess.match`.
Exit codes: 0 success, 1 bad or missing input (one bilingual message), 2 usage errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ruralflow.cli._common import (
    BundleArg,
    JsonOpt,
    TimeLimitOpt,
    fail,
    fail_engine,
    note,
    print_json,
    say,
    write_json,
)

channels_app = typer.Typer(
    no_args_is_help=True, help="Sales channels (渠道): match graded lots to channels."
)


@channels_app.command("match")
def match_cmd(
    path: BundleArg,
    time_limit: TimeLimitOpt = 30.0,
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", help="Write channel_plan.json here.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Send kg of lots (split allowed) to channels of the same product whose min_grade the
    lot meets, within capacity, paying fixed_yuan once per channel used; maximise revenue
    minus transport minus fixed costs. Prints HiGHS's proven status and gap.

    Example: ruralflow channels match src/ruralflow/examples/610425 --json
    """
    from ruralflow.bundle.upflow_files import CHANNELS_FILE, LOTS_FILE
    from ruralflow.cli.preprocess import load_upflow
    from ruralflow.domain import DomainError
    from ruralflow.preprocess import match
    from ruralflow.siting.result import SolverOptions

    _, files = load_upflow(path, CHANNELS_FILE, LOTS_FILE)
    assert files.channels is not None and files.lots is not None
    try:
        plan = match(files.lots, files.channels, SolverOptions(time_limit_s=time_limit))
    except DomainError as e:
        fail_engine("无法匹配渠道", "cannot match the channels", e)
    data = plan.to_dict()
    if out_dir is not None:
        write_json(data, out_dir / "channel_plan.json")
        note(f"wrote {out_dir}/channel_plan.json")
    if as_json:
        print_json(data)
    else:
        say(plan.summary())
        for ch, kg in sorted(plan.kg_by_channel().items()):
            say(f"  {ch}: {kg:,.1f} kg")
    if plan.objective_yuan is None:
        fail("时限内未找到渠道方案 / no channel plan found within the time limit")


def register(app: typer.Typer) -> None:
    app.add_typer(channels_app, name="channels")
