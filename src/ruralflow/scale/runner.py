"""The national sweep on Dask: many counties, one record each, streamed to disk.

:func:`sweep` submits one task per county (:func:`~ruralflow.scale.county.run_county`) to a
Dask cluster: a :class:`distributed.LocalCluster` of ``workers`` single-threaded worker
processes by default, or the scheduler at ``scheduler`` (``tcp://host:8786``) of a real
cluster. At most ``window`` tasks are in flight; as each ends, the client writes its record
(:class:`~ruralflow.scale.store.ResultStore`, atomic) and submits the next, so memory stays
bounded whatever the number of counties. A county that fails is recorded and the sweep goes
on; a worker that dies is replaced by Dask and its county, after Dask's retries, recorded as
failed. Counties whose record is already complete are not submitted (a rerun resumes).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ruralflow.scale.county import ANALYSES, CountyTask, failed_record, run_county
from ruralflow.scale.store import ResultStore, json_bytes, write_atomic

DEFAULT_WHAT: tuple[str, ...] = ("plan", "stations", "matrix")


class SweepError(ValueError):
    """A sweep cannot start (bad options, no scheduler at the address); one bilingual line."""


@dataclass(frozen=True, slots=True)
class SweepOptions:
    """How to sweep.

    ``what``: analyses of each county (:data:`~ruralflow.scale.county.ANALYSES`).
    ``time_limit_s``: seconds per county, split over its analyses (the bundle build is extra).
    ``workers``: local worker processes (default: the machine's cores); ignored with
    ``scheduler``, the address of an existing Dask scheduler. ``retry_failed``: recompute
    counties whose record says ``failed``. ``window``: tasks in flight (default twice the
    cluster's threads). ``dashboard_address``: of the local cluster's dashboard (None: none).
    ``figure``: the figure the summary map is coloured by first. ``processes``: local
    workers are processes (the default; False: threads of this process, for quick tests).
    """

    what: tuple[str, ...] = DEFAULT_WHAT
    time_limit_s: float = 10.0
    seed: int = 0
    workers: int | None = None
    scheduler: str | None = None
    retry_failed: bool = False
    window: int | None = None
    dashboard_address: str | None = ":8787"
    data_dir: str | None = None
    figure: str | None = None
    processes: bool = True

    def __post_init__(self) -> None:
        what = tuple(dict.fromkeys(w.strip() for w in self.what if w.strip()))
        bad = [w for w in what if w not in ANALYSES]
        if not what or bad:
            raise SweepError(
                f"--what 可选 {','.join(ANALYSES)} / --what must name analyses among "
                f"{', '.join(ANALYSES)} (got {','.join(self.what)!r})"
            )
        object.__setattr__(self, "what", tuple(w for w in ANALYSES if w in what))
        if not (0 < self.time_limit_s < 10**6):
            raise SweepError(
                f"时限须为正的秒数 / time_limit_s must be a positive number of seconds "
                f"(got {self.time_limit_s!r})"
            )
        if not (0 <= self.seed <= 2**31 - 1):
            raise SweepError(f"种子须为 0 至 2147483647 / seed must be 0 .. 2**31-1 ({self.seed})")
        if self.workers is not None and not (1 <= self.workers <= 1024):
            raise SweepError(
                f"工作进程数须为 1 至 1024 / workers must be 1 .. 1024 ({self.workers})"
            )
        if self.window is not None and self.window < 1:
            raise SweepError(f"window must be >= 1 (got {self.window})")


class SweepMonitor:
    """Callbacks of a sweep's progress (no-op; the CLI overrides them for its display)."""

    def on_start(self, todo: int, done_before: int, workers: int, dashboard: str | None) -> None:
        """The cluster is up: ``todo`` counties to compute, ``done_before`` already done."""

    def on_county(self, row: dict[str, Any]) -> None:
        """One county finished (its row, already on disk)."""


@dataclass
class SweepReport:
    """What one call of :func:`sweep` did."""

    run_id: str
    out_dir: str
    counties: int
    done_before: int
    computed: int = 0
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    workers: int = 0
    scheduler: str | None = None
    dashboard: str | None = None
    wall_s: float = 0.0
    interrupted: bool = False
    #: seconds summed over the counties computed now: build and each analysis
    seconds: dict[str, float] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    rows_written: int = 0
    started_at: str = ""
    finished_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["seconds"] = {k: round(v, 3) for k, v in self.seconds.items()}
        out["wall_s"] = round(self.wall_s, 3)
        return out

    def summary(self) -> str:
        head = "已中断 / interrupted" if self.interrupted else "完成 / done"
        return (
            f"全国扫描{head}: {self.counties} counties ({self.done_before} already done, "
            f"{self.computed} computed now: ok {self.ok}, failed {self.failed}, skipped "
            f"{self.skipped}) on {self.workers} worker(s) in {self.wall_s:,.1f} s; "
            f"结果 / results in {self.out_dir}"
        )


def _run_id() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + f"-{os.getpid()}"


def _connect(options: SweepOptions) -> tuple[Any, Any]:
    """(client, local cluster or None)."""
    import distributed

    dist: Any = distributed  # untyped constructors
    Client, LocalCluster = dist.Client, dist.LocalCluster  # noqa: N806

    if options.scheduler:
        try:
            client = Client(options.scheduler, timeout="20s")
        except (OSError, TimeoutError) as e:
            raise SweepError(
                f"无法连接调度器 / cannot reach the Dask scheduler at {options.scheduler}: {e}"
            ) from e
        try:
            client.wait_for_workers(1, timeout=120)
        except TimeoutError as e:
            client.close()
            raise SweepError(
                f"调度器没有工作进程 / the scheduler at {options.scheduler} has no worker "
                "after 120 s (start one with: dask worker ADDRESS)"
            ) from e
        return client, None
    n = options.workers or os.cpu_count() or 1
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=options.processes,
        dashboard_address=options.dashboard_address,
        silence_logs=logging.ERROR,
    )
    return Client(cluster), cluster


def sweep(
    adcodes: Sequence[str],
    out_dir: str | os.PathLike[str],
    options: SweepOptions | None = None,
    *,
    monitor: SweepMonitor | None = None,
) -> SweepReport:
    """Run the chosen analyses for every county of ``adcodes`` (module docstring).

    Writes ``out_dir``'s records, ``counties.parquet``, ``sweep.json`` and ``summary.html``
    (:mod:`ruralflow.scale.store`). A ``KeyboardInterrupt`` stops the sweep: finished counties
    stay on disk, the report says ``interrupted`` and a rerun resumes.
    """
    from distributed import as_completed

    from ruralflow.bundle import shared_data
    from ruralflow.bundle.datadir import find_data_dir

    opts = options or SweepOptions()
    mon = monitor or SweepMonitor()
    store = ResultStore(out_dir)
    store.prepare()
    codes = list(dict.fromkeys(adcodes))
    run_id = _run_id()
    started = time.perf_counter()
    report = SweepReport(
        run_id=run_id,
        out_dir=str(store.root),
        counties=len(codes),
        done_before=0,
        scheduler=opts.scheduler,
        options={k: v for k, v in asdict(opts).items() if k not in ("data_dir",)},
        started_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    tasks = [
        CountyTask(c, opts.what, opts.time_limit_s, opts.seed, opts.data_dir, run_id)
        for c in codes
    ]
    key = tasks[0].key() if tasks else {}
    todo = [t for t in tasks if not store.complete(t.adcode, key, retry_failed=opts.retry_failed)]
    report.done_before = len(tasks) - len(todo)
    infos = shared_data.counties(find_data_dir(opts.data_dir))
    client = cluster = None
    try:
        if todo:
            client, cluster = _connect(opts)
            threads = sum(
                w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()
            )
            report.workers = len(client.scheduler_info()["workers"])
            report.dashboard = (
                client.dashboard_link if opts.dashboard_address or cluster is None else None
            )
            window = opts.window or max(2, 2 * threads)
        mon.on_start(len(todo), report.done_before, report.workers, report.dashboard)
        if todo:
            _drive(client, todo, window, store, report, mon, infos, as_completed)
    except KeyboardInterrupt:
        report.interrupted = True
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    report.rows_written = store.write_parquet(codes)
    from ruralflow.scale.summary import write_summary

    write_summary(store, codes, opts.figure, title_note=", ".join(opts.what))
    report.wall_s = time.perf_counter() - started
    report.finished_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    write_atomic(store.meta, json_bytes(report.to_dict()))
    return report


def _drive(
    client: Any,
    todo: list[CountyTask],
    window: int,
    store: ResultStore,
    report: SweepReport,
    mon: SweepMonitor,
    infos: dict[str, Any],
    as_completed: Any,
) -> None:
    pending = iter(todo)
    queue = as_completed()
    inflight: dict[str, CountyTask] = {}

    def submit() -> None:
        task = next(pending, None)
        if task is None:
            return
        key = f"county-{task.adcode}-{task.run_id}"
        fut = client.submit(run_county, task, key=key, pure=False)
        inflight[fut.key] = task
        queue.add(fut)

    for _ in range(window):
        submit()
    for fut in queue:
        task = inflight.pop(fut.key)
        try:
            record = fut.result()
        except Exception as e:  # the task itself died (KilledWorker, lost worker, ...)
            record = failed_record(task, e, infos.get(task.adcode))
        fut.release()
        store.save(record)
        row = record["row"]
        report.computed += 1
        status = row.get("status")
        if status == "ok":
            report.ok += 1
        elif status == "skipped":
            report.skipped += 1
        else:
            report.failed += 1
        for k in ("build_s", *(f"{w}_s" for w in ANALYSES), "runtime_s"):
            v = row.get(k)
            if isinstance(v, int | float):
                report.seconds[k] = report.seconds.get(k, 0.0) + float(v)
        mon.on_county(row)
        submit()
