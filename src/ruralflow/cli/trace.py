"""``ruralflow trace ...``: keygen, add, export, prove, checkpoint, verify, validate, qr, demo.

The Typer sub-app :data:`trace_app`, added to the main CLI as ``trace``. Thin: each command
calls the public functions of :mod:`ruralflow.trace`.

Exit codes: 0 success; 1 bad input (an invalid EPCIS document, an unknown lot, an unreadable
log or key, a failed proof); 2 usage errors (Typer's own).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from ruralflow.cli._common import (
    EXAMPLE_BUNDLE,
    choice,
    console,
    days_callback,
    err_console,
    fail,
    fail_engine,
    interactive,
    note,
    parse_date,
    positive_seconds,
    print_json,
    read_bundle_or_fail,
    seed_callback,
    steps,
    write_json,
)
from ruralflow.cli._common import say as _say

trace_app = typer.Typer(
    no_args_is_help=True,
    help="Traceability (溯源): EPCIS 2.0 events, Merkle log, checkpoints, trace codes.",
)

DbOpt = Annotated[Path, typer.Option("--db", help="SQLite database holding the trace log.")]
ResolverOpt = Annotated[
    str | None,
    typer.Option(
        "--resolver",
        help="Base URL of trace codes (default $RURALFLOW_TRACE_RESOLVER or "
        "https://trace.ruralflow.example).",
    ),
]


_fail = fail


@contextmanager
def _log_guard() -> Iterator[None]:
    """One clear message and exit 1 for any refusal of the trace engine or its database."""
    import sqlite3

    from ruralflow.trace.errors import TraceError

    try:
        yield
    except TraceError as e:
        _fail(str(e))
    except sqlite3.OperationalError as e:
        if "locked" in str(e) or "busy" in str(e):
            _fail(f"追溯日志正忙 / the trace log database is busy (another writer holds it): {e}")
        _fail(f"追溯日志数据库不可用 / the trace log database cannot be used: {e}")
    except sqlite3.DatabaseError as e:
        _fail(f"追溯日志数据库已损坏 / the trace log database is damaged or unreadable: {e}")
    except OSError as e:
        _fail(f"无法读写文件 / cannot read or write {e.filename or ''}: {e.strerror or e}")


def _dump(value: Any, out: Path | None = None) -> None:
    if out is None:
        print_json(value, indent=1)
    else:
        write_json(value, out)


def keygen(
    name: Annotated[
        str,
        typer.Option("--name", help="Key name = checkpoint origin, e.g. example.org/610425/trace"),
    ],
    key: Annotated[Path, typer.Option("--key", help="Private key file to create (mode 0600).")],
    pub: Annotated[
        Path | None, typer.Option("--pub", help="Public key file (default: KEY.pub).")
    ] = None,
) -> None:
    """Create an Ed25519 key pair for signing checkpoints (never overwrites a file).

    Example: ruralflow trace keygen --name ruralflow.example/county/610425/trace --key log.key
    """
    from ruralflow.trace.checkpoint import KeyFileError, NoteError, generate_signer
    from ruralflow.trace.checkpoint import write_key_pair as write

    pub = pub or key.with_name(key.name + ".pub")
    try:
        signer = generate_signer(name)
        write(signer, key, pub)
    except (KeyFileError, NoteError, ValueError) as e:
        _fail(str(e))
    _say(f"wrote private key {key} (0600) and public key {pub}: {signer.verifier().to_text()}")


def add(
    db: DbOpt,
    files: Annotated[list[Path], typer.Argument(help="EPCIS 2.0 JSON(-LD) documents or events.")],
    sign: Annotated[
        Path | None,
        typer.Option("--sign", help="Private key: sign a checkpoint after appending."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object: events appended, log size.")
    ] = False,
) -> None:
    """Validate EPCIS documents and append their events to the log, all or nothing.

    Every file is read strictly (I-JSON) and validated first; if any is invalid nothing is
    written (exit 1, the failing event and field are named). All files' events are then
    appended in one transaction. Each event is stored as the canonical JSON of the event with
    its document's @context; one without eventID gets its CBV 2.0 event hash ID. An event
    whose eventID is already in the log is a duplicate and not appended again (so a retried
    add changes nothing); a different event under a stored eventID is refused (exit 1).

    Example: ruralflow trace add --db county.db events.jsonld --sign log.key
    """
    from ruralflow.trace.checkpoint import load_signer
    from ruralflow.trace.exchange import capture_documents
    from ruralflow.trace.log import MerkleLog
    from ruralflow.trace.validate import (
        EpcisDirError,
        EpcisValidationError,
        load_json,
        validate_epcis,
    )

    docs: list[tuple[Path, Any]] = []
    bad = False
    tell = note if as_json else _say
    result: dict[str, Any] = {"db": str(db), "files": []}
    with steps("校验 / validating", show=interactive(as_json)) as progress:
        try:
            for f in files:
                progress.step(f"校验 / validating {f}")
                try:
                    doc = load_json(f)
                except EpcisValidationError as e:
                    err_console.print(
                        e.report.summary(), markup=False, highlight=False, emoji=False
                    )
                    bad = True
                    continue
                report = validate_epcis(doc, source=str(f))
                if not report.ok:
                    err_console.print(report.summary(), markup=False, highlight=False, emoji=False)
                    bad = True
                docs.append((f, doc))
        except EpcisDirError as e:
            _fail(str(e))
        if bad:
            _fail("未写入任何内容 / nothing was appended")
        with _log_guard():
            signer = load_signer(sign) if sign is not None else None
            with MerkleLog.open(db) as log:
                progress.step(f"导入 / appending to {db}")
                res = capture_documents(log, [(str(f), doc) for f, doc in docs], validate=False)
                for f, _doc in docs:
                    mine = [e for e in res.events if e.source == str(f)]
                    new = [e.index for e in mine if not e.duplicate]
                    dup = len(mine) - len(new)
                    span = f" (entries {min(new)}-{max(new)})" if new else ""
                    result["files"].append(
                        {"file": str(f), "events": len(new), "duplicates": dup}
                        | ({"first": min(new), "last": max(new)} if new else {})
                    )
                    tell(f"{f}: appended {len(new)} events{span}, {dup} already in the log")
                result["appended"] = res.appended
                result["duplicates"] = res.duplicates
                result["checkpoint"] = None
                if signer is not None:
                    cp = log.add_checkpoint(signer)
                    result["checkpoint"] = cp.seq
                    tell(f"signed checkpoint {cp.seq} at size {cp.tree_size}")
                result["log_size"] = log.size
                tell(f"log size {log.size}")
    if as_json:
        print_json(result)


def export(
    db: DbOpt,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output file (default: standard output).")
    ] = None,
    lot: Annotated[
        str | None,
        typer.Option("--lot", help="Only the history of this lot (identifier or trace URL)."),
    ] = None,
    start: Annotated[int, typer.Option("--start", help="First entry index.")] = 0,
    end: Annotated[int | None, typer.Option("--end", help="Stop before this index.")] = None,
) -> None:
    """Write log entries as one EPCIS 2.0 document (all, a range, or one lot's history).

    Example: ruralflow trace export --db county.db --out season.jsonld
    """
    from ruralflow.trace.codes import lot_of_url
    from ruralflow.trace.exchange import export_document
    from ruralflow.trace.ids import IdentifierError
    from ruralflow.trace.log import MerkleLog
    from ruralflow.trace.view import batch_history

    with _log_guard(), MerkleLog.open(db, create=False) as log:
        indices = None
        if lot is not None:
            try:
                ident = lot_of_url(lot)
            except IdentifierError:
                ident = lot
            indices = [i for i, _ in batch_history(log, ident)]
            if not indices:
                _fail(f"no events about {ident} in {db}")
        doc = export_document(log, indices=indices, start=start, end=end)
    _dump(doc, out)
    if out is not None:
        _say(f"wrote {len(doc['epcisBody']['eventList'])} events to {out}")


def prove(
    db: DbOpt,
    index: Annotated[
        int | None, typer.Option("--index", help="Inclusion proof of this entry.")
    ] = None,
    lot: Annotated[
        str | None,
        typer.Option("--lot", help="Verification view of a lot (identifier or trace URL)."),
    ] = None,
    size: Annotated[
        int | None,
        typer.Option("--size", help="Tree size for --index (default: latest checkpoint)."),
    ] = None,
    key: Annotated[
        list[Path] | None,
        typer.Option("--key", help="Public key to check the checkpoint signature (repeatable)."),
    ] = None,
    resolver: ResolverOpt = None,
    no_events: Annotated[
        bool, typer.Option("--no-events", help="Leave the full events out of the view.")
    ] = False,
) -> None:
    """Print an inclusion proof (--index) or a lot's verification view (--lot) as JSON.

    The view holds the lot's history, each event's inclusion proof against the latest
    signed checkpoint, temperature alarms and the brand. Exit 1 when the lot is unknown or
    anything fails to verify.

    Example: ruralflow trace prove --db county.db --key log.pub --lot https://.../01/.../10/...
    """
    from ruralflow.trace.checkpoint import load_verifier
    from ruralflow.trace.log import MerkleLog
    from ruralflow.trace.view import entry_proof, verification_view

    if (index is None) == (lot is None):
        _fail("只给 --index 或 --lot 之一 / give exactly one of --index and --lot", 2)
    with _log_guard():
        verifiers = [load_verifier(k) for k in key or []]
        with MerkleLog.open(db, create=False) as log:
            if index is not None:
                _dump(entry_proof(log, index, tree_size=size))
                return
            assert lot is not None
            view = verification_view(
                log,
                lot,
                resolver=resolver,
                verifiers=verifiers,
                include_events=not no_events,
            )
    _dump(view)
    if not view["verified"]:
        _fail("NOT verified: " + "; ".join(view["problems"]))


def checkpoint(
    db: DbOpt,
    key: Annotated[
        Path | None,
        typer.Option("--key", help="Private key file of the log: sign a new checkpoint."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Also write the note here (a folder gets checkpoint-SIZE.txt): keep it "
            "outside the log for `verify --checkpoint`.",
        ),
    ] = None,
    origin: Annotated[
        str | None, typer.Option("--origin", help="Checkpoint origin (default: key name).")
    ] = None,
) -> None:
    """Sign a checkpoint of the log's current tree (with --key) and print its signed note.

    Without --key the latest stored checkpoint is printed (exit 1 if there is none). Refuses
    (exit 1) to sign a tree that is not consistent with the previous checkpoint.

    Example: ruralflow trace checkpoint --db county.db --key log.key --out audit/
    """
    from ruralflow.trace.checkpoint import load_signer
    from ruralflow.trace.log import MerkleLog

    with _log_guard():
        if key is None and origin is not None:
            _fail("--origin 需与 --key 同用 / --origin needs --key", 2)
        signer = load_signer(key) if key is not None else None
        with MerkleLog.open(db, create=signer is not None) as log:
            if signer is not None:
                cp = log.add_checkpoint(signer, origin=origin)
            else:
                latest = log.latest_checkpoint()
                if latest is None:
                    _fail(f"日志尚无检查点 / {db} has no checkpoint yet (sign one with --key)")
                cp = latest
        note_text = cp.note if cp.note.endswith("\n") else cp.note + "\n"
        if out is not None:
            target = out / f"checkpoint-{cp.tree_size}.txt" if out.is_dir() else out
            try:
                target.write_text(note_text, encoding="utf-8")
            except OSError as e:
                _fail(f"无法写入 / cannot write {target}: {e.strerror or e}")
            note(f"wrote checkpoint of size {cp.tree_size} to {target}")
    print(note_text, end="")


def validate(
    files: Annotated[list[Path], typer.Argument(help="EPCIS 2.0 JSON(-LD) files.")],
    jsonld: Annotated[
        bool,
        typer.Option("--jsonld", help="Also expand as JSON-LD with the local GS1 contexts."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print reports as JSON.")] = False,
) -> None:
    """Validate EPCIS 2.0 documents against GS1's JSON schema (format checking on).

    Exit 0 when every file is valid, 1 otherwise; each problem names the event (index,
    type, eventID) and the field (JSON pointer). The schema is read from
    $RURALFLOW_EPCIS_DIR or the copy shipped in the package.

    Example: ruralflow trace validate events.jsonld
    """
    from ruralflow.trace.validate import (
        EpcisDirError,
        EpcisJsonLdError,
        expand_jsonld,
        load_json,
        validate_epcis_file,
    )

    reports: list[dict[str, Any]] = []
    ok = True
    try:
        for f in files:
            report = validate_epcis_file(f)
            item = report.to_dict()
            text = report.summary()
            if report.ok and jsonld:
                try:
                    expand_jsonld(load_json(f))
                    item["jsonld"] = "valid"
                except EpcisJsonLdError as e:
                    item["jsonld"] = str(e)
                    text = f"{f}: schema-valid but {e}"
                    ok = False
            ok = ok and report.ok
            reports.append(item)
            if not as_json:
                out = (
                    console
                    if report.ok and item.get("jsonld", "valid") == "valid"
                    else err_console
                )
                out.print(text, markup=False, highlight=False, emoji=False, soft_wrap=True)
    except EpcisDirError as e:
        _fail(str(e))
    if as_json:
        _dump(reports if len(reports) != 1 else reports[0])
    if not ok:
        raise typer.Exit(1)


def qr(
    target: Annotated[
        str | None,
        typer.Argument(help="A trace URL or a lot identifier (GS1 Digital Link or project)."),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="Output stem: writes OUT.png and OUT.svg.")
    ] = Path("trace-code"),
    gtin: Annotated[
        str | None, typer.Option("--gtin", help="GTIN (with --lot-number instead of TARGET).")
    ] = None,
    lot_number: Annotated[
        str | None, typer.Option("--lot-number", help="GS1 lot number (AI 10).")
    ] = None,
    resolver: ResolverOpt = None,
    scale: Annotated[int, typer.Option("--scale", help="PNG pixels per module.")] = 8,
) -> None:
    """Write the trace code (QR, PNG and SVG) of a lot and print its URL.

    Example: ruralflow trace qr --gtin 9520010000018 --lot-number 251013-K2ABOIMH --out box
    """
    from ruralflow.trace.codes import digital_link, lot_of_url, trace_url, write_qr
    from ruralflow.trace.ids import IdentifierError

    try:
        if gtin is not None or lot_number is not None:
            if gtin is None or lot_number is None or target is not None:
                _fail(
                    "--gtin 须与 --lot-number 同用 / give --gtin with --lot-number, "
                    "or a TARGET, not both",
                    2,
                )
            url = digital_link(gtin, lot_number, resolver=resolver)
        elif target is None:
            _fail(
                "缺少追溯对象 / give a trace URL or lot identifier, or --gtin with --lot-number", 2
            )
        else:
            lot = lot_of_url(target)
            keep = resolver is None and lot != target  # a trace URL stays as it is
            url = target if keep else trace_url(lot, resolver=resolver)
        png, svg = write_qr(url, out, scale=scale)
    except (IdentifierError, ValueError) as e:
        _fail(str(e))
    _say(f"{url}\nwrote {png} and {svg}")


def demo(
    bundle: Annotated[
        Path | None,
        typer.Argument(help="County bundle folder (default: the shipped Liquan 610425)."),
    ] = None,
    db: Annotated[
        Path | None, typer.Option("--db", help="Append the events to this trace log.")
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option("--key", help="Sign a checkpoint with this key (created if missing)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the events as one EPCIS document.")
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="Only the first N batches.")] = None,
    day: Annotated[
        list[str] | None,
        typer.Option(
            "--day", help="Only these days, YYYY-MM-DD (repeatable).", callback=days_callback
        ),
    ] = None,
    qr_dir: Annotated[
        Path | None, typer.Option("--qr-dir", help="Write trace codes of 3 example batches here.")
    ] = None,
    resolver: ResolverOpt = None,
    no_validate: Annotated[
        bool, typer.Option("--no-validate", help="Skip schema validation (faster).")
    ] = False,
    seed: Annotated[
        int,
        typer.Option(
            "--seed", help="Seed of the readings and the day plans.", callback=seed_callback
        ),
    ] = 0,
    journeys: Annotated[
        str,
        typer.Option(
            "--journeys",
            help="plan: each batch's carrier, cold or ambient chain, pre-cooling and hub "
            "arrival come from the county's day plan (one plan per traced day); rules: the "
            "fixed demo rules.",
            callback=choice("plan", "rules"),
        ),
    ] = "plan",
    plan_seconds: Annotated[
        float,
        typer.Option(
            "--plan-time-limit",
            help="Seconds for each day plan (with --journeys plan).",
            callback=positive_seconds,
        ),
    ] = 2.0,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print one JSON object: counts, log, trace codes."),
    ] = False,
) -> None:
    """Generate the EPCIS events of a season of batches of a county (demo data).

    Every batch gets harvest, grading, packing, shipping, transport temperatures, receiving
    and sale events, plus pre-cooling and cold storage when its journey was cold. Journeys
    come from the county's day plans (--journeys plan, the default: which batches went by
    reefer and were pre-cooled, which by ambient van or bus, when they reached the hub) or
    from fixed rules. Events are validated against GS1's schema (unless --no-validate),
    appended to --db (a rerun appends nothing new), and a checkpoint is signed with --key.

    Example: ruralflow trace demo --db liquan.db --key liquan.key --limit 200 --qr-dir qr
    """
    from ruralflow.trace.checkpoint import generate_signer, load_signer
    from ruralflow.trace.checkpoint import write_key_pair as write
    from ruralflow.trace.codes import write_qr
    from ruralflow.trace.exchange import capture
    from ruralflow.trace.log import MerkleLog
    from ruralflow.trace.season import SeasonOptions, season_events, traced_days
    from ruralflow.trace.validate import EpcisDirError, validate_epcis

    path = bundle or EXAMPLE_BUNDLE
    days = tuple(parse_date(d) for d in day) if day else None
    tell = note if as_json else _say
    result: dict[str, Any] = {"bundle": str(path)}
    with steps("读取数据包 / reading the bundle", show=interactive(as_json)) as progress:
        county = read_bundle_or_fail(path)
        opts = SeasonOptions(
            days=days, limit=limit, seed=seed, brands=_county_brands(path, county)
        )
        if journeys == "plan":
            plans = _day_journeys(county, traced_days(county, opts), plan_seconds, seed, progress)
            opts = replace(opts, journeys=plans)
        progress.step("生成事件 / generating the season's EPCIS events")
        season = season_events(county, opts)
        if not season.events:
            _fail(f"{path}: no up-flow batches to trace (check --day/--limit)")
        tell(season.summary())
        result.update(adcode=county.adcode, batches=len(season.batches))
        result.update(planned_journeys=season.planned())
        result.update(events=len(season.events), valid=None)
        doc = season.document()
        if not no_validate:
            progress.step(f"校验 / validating {len(season.events)} events (GS1 JSON schema)")
            try:
                report = validate_epcis(doc, source="demo events")
            except EpcisDirError as e:
                _fail(f"{e} (or pass --no-validate)")
            if not report.ok:
                _fail(report.summary())
            result["valid"] = True
            tell(f"all {report.n_events} events are valid EPCIS 2.0 (GS1 JSON schema)")
        if out is not None:
            _dump(doc, out)
            result["out"] = str(out)
            tell(f"wrote {out}")
        if db is not None:
            progress.step(f"写入追溯日志 / appending to {db}")
            with _log_guard():
                signer = None
                if key is not None:
                    if key.exists():
                        signer = load_signer(key)
                    else:
                        signer = generate_signer(f"ruralflow.example/county/{county.adcode}/trace")
                        write(signer, key, key.with_name(key.name + ".pub"))
                        tell(f"created key {key} and {key.name}.pub")
                with MerkleLog.open(db) as log:
                    res = capture(log, doc, validate=False, source="demo events")
                    tell(
                        f"appended {res.appended} events to {db} ({res.duplicates} already "
                        f"there); log size {res.tree_size}"
                    )
                    result.update(db=str(db), log_size=res.tree_size, checkpoint=None)
                    result.update(appended=res.appended, duplicates=res.duplicates)
                    if signer is not None:
                        cp = log.add_checkpoint(signer)
                        result["checkpoint"] = cp.seq
                        tell(f"signed checkpoint {cp.seq} at size {cp.tree_size}")
    with_gs1 = [b for b in season.batches if b.gs1][:1]
    examples = with_gs1 + [b for b in season.batches if not b.gs1][: 3 - len(with_gs1)]
    codes = []
    for b in examples:
        url = b.trace_urls(resolver)[0]
        codes.append({"batch": b.batch, "url": url})
        tell(f"trace code of {b.batch}: {url}")
        if qr_dir is not None:
            png, _svg = write_qr(url, qr_dir / b.batch)
            tell(f"  wrote {png} and .svg")
    result["trace_codes"] = codes
    if as_json:
        print_json(result)


def _day_journeys(
    county: Any, days: list[Any], seconds: float, seed: int, progress: Any
) -> dict[str, Any]:
    """Batch journeys from one logistics plan per day (a day that cannot be planned keeps
    the demo rules, with a note)."""
    from ruralflow.logistics import LogisticsError, PlanOptions, plan
    from ruralflow.trace.season import journeys_from_plan

    out: dict[str, Any] = {}
    options = PlanOptions(time_limit_s=seconds, seed=seed, compare=False, workers=1)
    for day in days:
        progress.step(f"日计划 / planning {day.isoformat()} for the batch journeys")
        try:
            out.update(journeys_from_plan(plan(county, day, options).spoilage))
        except LogisticsError as e:
            note(f"{day.isoformat()}: 无法规划，按规则 / not planned, demo rules used: {e}")
    return out


def verify(
    db: DbOpt,
    key: Annotated[
        list[Path] | None,
        typer.Option("--key", help="Public key file of the log (repeatable)."),
    ] = None,
    trusted: Annotated[
        list[Path] | None,
        typer.Option(
            "--checkpoint",
            help="A checkpoint note saved earlier, or a witness folder of notes (repeatable): "
            "the log must extend each. Needs --key.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Audit the trace log: re-hash every entry, rebuild the tree, check every checkpoint.

    With --key, at least one stored checkpoint must verify with the key. With --checkpoint
    (a note kept outside the log, e.g. from `trace checkpoint --out`), the log must extend it:
    a rewritten, truncated or reordered history fails even when its tree was rebuilt. Exits 0
    when the log is intact, 1 when anything was altered (the first altered entry is named
    where it can be) or the log cannot be read.

    Example: ruralflow trace verify --db county.db --key log.pub --checkpoint audit/
    """
    from ruralflow.trace.checkpoint import load_verifier
    from ruralflow.trace.verify import load_trusted_checkpoints, verify_log

    if trusted and not key:
        _fail("--checkpoint 需与 --key 同用 / --checkpoint needs --key (the log's public key)", 2)
    with _log_guard():
        verifiers = [load_verifier(k) for k in key or []]
        notes = [t for path in trusted or [] for t in load_trusted_checkpoints(path, verifiers)]
        with steps(f"核验 / verifying {db}", show=interactive(as_json)):
            report = verify_log(db, verifiers, trusted=notes)
    if as_json:
        print_json(report.to_dict())
    else:
        out = console if report.ok else err_console
        out.print(report.summary(), markup=False, highlight=False, emoji=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(1)


trace_app.command("keygen")(keygen)
trace_app.command("add")(add)
trace_app.command("export")(export)
trace_app.command("prove")(prove)
trace_app.command("checkpoint")(checkpoint)
trace_app.command("verify")(verify)
trace_app.command("validate")(validate)
trace_app.command("qr")(qr)
trace_app.command("demo")(demo)

__all__ = ["trace_app"]


def _county_brands(path: Path, county: Any) -> Any:
    """The bundle's brands.csv (or the proposed brands), or one message and exit 1."""
    from ruralflow.bundle import BundleError
    from ruralflow.bundle.upflow_files import county_brands

    try:
        return county_brands(path, county)
    except BundleError as e:
        fail_engine("读取品牌失败", "cannot read brands.csv", e)
