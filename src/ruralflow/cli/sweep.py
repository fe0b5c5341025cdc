"""``ruralflow sweep``: every county at once on Dask (one row per county, resumable)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ruralflow.cli._common import (
    JsonOpt,
    SeedOpt,
    err_console,
    fail,
    interactive,
    note,
    positive_seconds,
    print_json,
    say,
)
from ruralflow.scale.runner import SweepMonitor


def _what(value: str) -> str:
    from ruralflow.scale import ANALYSES

    names = [w.strip() for w in value.split(",") if w.strip()]
    bad = [w for w in names if w not in ANALYSES]
    if not names or bad:
        raise typer.BadParameter(
            f"可选值 {','.join(ANALYSES)} / must be analyses among {', '.join(ANALYSES)}, "
            f"separated by commas (got {value!r})"
        )
    return value


def _figure(value: str | None) -> str | None:
    from ruralflow.scale import FIGURES

    if value is not None and value not in FIGURES:
        raise typer.BadParameter(
            f"未知指标 / unknown figure {value!r}: expected one of {', '.join(FIGURES)}"
        )
    return value


class _Display(SweepMonitor):
    """The terminal progress bar (Rich, on stderr), fed by the sweep's callbacks."""

    def __init__(self, show: bool) -> None:
        self.show = show
        self.progress: Any = None
        self.task: Any = None
        self.counts = {"ok": 0, "failed": 0, "skipped": 0}

    def on_start(self, todo: int, done_before: int, workers: int, dashboard: str | None) -> None:
        if done_before:
            note(f"已完成 {done_before} 个县，跳过 / {done_before} counties already done, skipped")
        if todo and dashboard:
            note(f"Dask 仪表盘 / Dask dashboard: {dashboard}")
        if todo:
            note(
                f"{todo} 个县待算，{workers} 个工作进程 / {todo} counties to compute on {workers} "
                "worker(s)"
            )
        if self.show and todo:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.progress = Progress(
                TextColumn("[bold]扫描 / sweep"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[counts]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=err_console,
                transient=False,
            )
            self.progress.start()
            self.task = self.progress.add_task("sweep", total=todo, counts=self._counts())

    def _counts(self) -> str:
        c = self.counts
        return f"ok {c['ok']} failed {c['failed']} skipped {c['skipped']}"

    def on_county(self, row: dict[str, Any]) -> None:
        status = str(row.get("status"))
        self.counts[status] = self.counts.get(status, 0) + 1
        if self.progress is not None:
            self.progress.update(self.task, advance=1, counts=self._counts())

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def sweep_cmd(
    counties: Annotated[
        str,
        typer.Option(
            "--counties",
            help="all, a file of county codes (one per line), or codes separated by commas.",
        ),
    ],
    out_dir: Annotated[
        Path, typer.Option("--out-dir", help="Folder of the results (resumes what is there).")
    ],
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="Local Dask worker processes (default: the cores).", min=1),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler", help="Address of a running Dask scheduler, e.g. tcp://host:8786."
        ),
    ] = None,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            help="Seconds per county, split over its analyses (the bundle build is extra).",
            callback=positive_seconds,
        ),
    ] = 10.0,
    what: Annotated[
        str,
        typer.Option(
            "--what",
            help="Analyses, comma-separated: plan, season, stations, matrix.",
            callback=_what,
        ),
    ] = "plan,stations,matrix",
    seed: SeedOpt = 0,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Compute failed counties again.")
    ] = False,
    figure: Annotated[
        str | None,
        typer.Option(
            "--figure",
            help="Figure the summary map is coloured by first (e.g. saving_pct).",
            callback=_figure,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run the chosen analyses for many counties on Dask, one row per county.

    Builds each county's bundle (full for the six example counties, coarse from the real
    township and village lists otherwise), runs --what, and writes OUT_DIR/counties.parquet,
    one JSON per county in OUT_DIR/counties/, OUT_DIR/summary.html and OUT_DIR/sweep.json.
    A county that fails is recorded and the sweep goes on; a rerun skips counties already
    done (stop it any time and run the same command again). Exits 1 on a bad county list or
    an unreachable scheduler, 130 when interrupted.

    Example: ruralflow sweep --counties all --what stations --time-limit 5 --out-dir sweep
    """
    from ruralflow.scale import (
        SelectionError,
        SweepError,
        SweepOptions,
        select_counties,
        sweep,
    )

    if scheduler and workers:
        note("--workers 在使用 --scheduler 时不起作用 / --workers is ignored with --scheduler")
    try:
        codes = select_counties(counties)
        options = SweepOptions(
            what=tuple(what.split(",")),
            time_limit_s=time_limit,
            seed=seed,
            workers=workers,
            scheduler=scheduler,
            retry_failed=retry_failed,
            figure=figure,
        )
    except (SelectionError, SweepError) as e:
        fail(str(e))
    display = _Display(interactive(as_json))
    try:
        report = sweep(codes, out_dir, options, monitor=display)
    except SweepError as e:
        fail(str(e))
    except OSError as e:
        fail(f"无法写入结果 / cannot write the results in {out_dir}: {e.strerror or e}")
    finally:
        display.stop()
    if as_json:
        print_json(report.to_dict())
    else:
        say(report.summary())
        note(f"写入 / wrote {report.out_dir}/counties.parquet, summary.html")
    if report.interrupted:
        note("已中断；再次运行同一命令即可继续 / interrupted; run the same command to resume")
        raise typer.Exit(130)


def register(app: typer.Typer) -> None:
    app.command("sweep")(sweep_cmd)
