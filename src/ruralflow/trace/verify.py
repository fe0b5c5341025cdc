"""Full audit of a stored Merkle log: :func:`verify_log`.

The audit trusts nothing in the database except the public keys it is given:

1. every entry is re-hashed and compared with its stored leaf hash, and indices must run
   0, 1, 2, ... without gaps (an altered entry is named by its index);
2. the tree is rebuilt from the re-hashed entries and every stored subtree hash is compared
   with the rebuilt one (a subtree that disagrees names the entry range below it), and the
   number of stored subtrees must be exactly what the size implies;
3. every checkpoint's signed note is verified with the given public keys, its size and root
   must match the stored columns and the rebuilt tree, all checkpoints must name the same
   origin, sizes must never decrease, and a consistency proof from each checkpoint to the
   next (built from the stored tree) must verify against the two signed roots. With public
   keys given, at least one checkpoint must verify (a log whose checkpoints were deleted
   fails);
4. every capture key (``tlog_keys``, not covered by the tree) must name an entry holding the
   event with that ``eventID``;
5. every *trusted* checkpoint (a signed note the auditor kept outside the log, or a witness
   folder of them: :func:`load_trusted_checkpoints`) must be covered by today's log: the
   entries rebuilt up to its size must hash to its signed root, and a consistency proof from
   it to today's tree (built from the stored subtrees) must verify. This is what catches a
   log rewritten, rebuilt and re-checkpointed by someone with write access to the database:
   they cannot sign with the log's key, and cannot make old notes agree with a new history.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruralflow.trace.checkpoint import (
    Checkpoint,
    CheckpointError,
    NoteError,
    Verifier,
    open_checkpoint,
)
from ruralflow.trace.log import (
    LogError,
    LogStore,
    MerkleLog,
    SqliteLogStore,
    StoredCheckpoint,
    node_id,
    node_key,
)
from ruralflow.trace.merkle import EMPTY_ROOT, Frontier, ProofError, leaf_hash, verify_consistency

__all__ = [
    "LogProblem",
    "TrustedCheckpoint",
    "VerifyReport",
    "load_trusted_checkpoints",
    "verify_log",
]

MAX_NOTE_BYTES = 64 * 1024

_CHUNK_LEVEL = 14  # leaves are checked in aligned chunks of 2**14


@dataclass(frozen=True)
class LogProblem:
    """One finding of the audit.

    ``kind`` is one of ``entry-altered``, ``entry-missing``, ``node-mismatch``,
    ``node-missing``, ``node-extra``, ``checkpoint-signature``, ``checkpoint-mismatch``,
    ``checkpoint-root``, ``checkpoint-origin``, ``checkpoint-order``,
    ``checkpoint-consistency``, ``checkpoint-unchecked``, ``checkpoint-none`` (public keys
    given but no checkpoint verifies), ``trusted-truncated``, ``trusted-root``,
    ``trusted-consistency``, ``trusted-origin`` (against a trusted checkpoint kept outside
    the log), ``key-mismatch`` (a capture key that names the wrong entry). ``entry_index``
    names the altered entry when it is known exactly; ``entry_range`` (half-open) bounds it
    otherwise.
    """

    kind: str
    message: str
    entry_index: int | None = None
    entry_range: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "kind": self.kind,
            "message": self.message,
            "entry_index": self.entry_index,
            "entry_range": list(self.entry_range) if self.entry_range else None,
        }


@dataclass(frozen=True)
class VerifyReport:
    """Result of :func:`verify_log`."""

    tree_size: int
    root: bytes
    entries_checked: int
    checkpoints_checked: int
    problems: tuple[LogProblem, ...] = field(default_factory=tuple)
    truncated: bool = False
    signed_size: int | None = None
    """Largest size of a stored checkpoint whose signature and root verified (if any)."""
    trusted_checked: int = 0
    """Trusted (external) checkpoints the log was checked against."""

    @property
    def ok(self) -> bool:
        """True when nothing was found."""
        return not self.problems

    @property
    def first_bad_entry(self) -> int | None:
        """Lowest index of an entry found altered (or missing), when known exactly."""
        exact = [p.entry_index for p in self.problems if p.entry_index is not None]
        return min(exact) if exact else None

    @property
    def bad_range(self) -> tuple[int, int] | None:
        """When no entry is named exactly: the narrowest entry range known to hold a change.

        This happens when an entry *and* its stored leaf hash were rewritten: the first stored
        subtree (or signed checkpoint) that disagrees with the entries bounds the change.
        """
        ranges = [p.entry_range for p in self.problems if p.entry_range is not None]
        if self.first_bad_entry is not None or not ranges:
            return None
        return min(ranges, key=lambda r: (r[1] - r[0], r[0]))

    def summary(self) -> str:
        """A few human-readable lines."""
        head = (
            f"log of {self.tree_size} entries, root {self.root.hex()}; "
            f"{self.entries_checked} entries and {self.checkpoints_checked} checkpoints checked"
        )
        if self.trusted_checked:
            head += f"; checked against {self.trusted_checked} trusted checkpoint(s)"
        if self.ok:
            tail = ""
            if self.signed_size is not None and self.signed_size < self.tree_size:
                tail = (
                    f"\nnote: entries {self.signed_size}..{self.tree_size - 1} are not yet "
                    "covered by a signed checkpoint"
                )
            return head + "\nOK / 完好: the log is intact" + tail
        lines = [head, f"FAILED: {len(self.problems)} problem(s)"]
        if self.first_bad_entry is not None:
            lines.append(f"first altered entry: {self.first_bad_entry}")
        elif self.bad_range is not None:
            lo, hi = self.bad_range
            lines.append(f"an altered entry lies in entries {lo}..{hi - 1}")
        lines += [f"- [{p.kind}] {p.message}" for p in self.problems]
        if self.truncated:
            lines.append("- (more problems not listed)")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "ok": self.ok,
            "tree_size": self.tree_size,
            "root": self.root.hex(),
            "entries_checked": self.entries_checked,
            "checkpoints_checked": self.checkpoints_checked,
            "first_bad_entry": self.first_bad_entry,
            "bad_range": list(self.bad_range) if self.bad_range else None,
            "problems": [p.to_dict() for p in self.problems],
            "truncated": self.truncated,
            "signed_size": self.signed_size,
            "trusted_checked": self.trusted_checked,
        }


@dataclass(frozen=True)
class TrustedCheckpoint:
    """A checkpoint the auditor trusts because it was kept outside the log: its verified
    body and where it came from (a file name)."""

    checkpoint: Checkpoint
    source: str = ""


def load_trusted_checkpoints(
    path: Path | str, verifiers: Sequence[Verifier]
) -> list[TrustedCheckpoint]:
    """Read a saved checkpoint note, or every note in a witness folder, and verify each.

    A folder's regular files (hidden ones skipped) are read in name order; each must be a
    signed note that verifies with ``verifiers`` (co-signatures of other keys, such as a
    witness's, are ignored). Raises :class:`NoteError` naming the file otherwise.
    """
    if not verifiers:
        raise NoteError("可信检查点需要公钥 / a trusted checkpoint needs the log's public key")
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith("."))
        if not files:
            raise NoteError(f"见证文件夹为空 / the witness folder {p} holds no checkpoint")
    elif p.is_file():
        files = [p]
    else:
        raise NoteError(f"找不到检查点 / no checkpoint file or folder at {p}")
    out = []
    for f in files:
        try:
            if f.stat().st_size > MAX_NOTE_BYTES:
                raise NoteError(f"larger than {MAX_NOTE_BYTES} bytes")
            raw = f.read_bytes()
            body = open_checkpoint(raw, verifiers)
        except (NoteError, CheckpointError, OSError) as e:
            raise NoteError(f"检查点无效 / checkpoint {f}: {e}") from None
        out.append(TrustedCheckpoint(body, os.fspath(f)))
    return out


class _Findings:
    def __init__(self, limit: int) -> None:
        self.items: list[LogProblem] = []
        self.limit = limit
        self.truncated = False
        self.bad_ranges: list[tuple[int, int]] = []

    def add(self, problem: LogProblem) -> None:
        if len(self.items) >= self.limit:
            self.truncated = True
            return
        self.items.append(problem)
        if problem.entry_index is not None:
            self.bad_ranges.append((problem.entry_index, problem.entry_index + 1))
        elif problem.entry_range is not None:
            self.bad_ranges.append(problem.entry_range)

    def explained(self, lo: int, hi: int) -> bool:
        """Whether a bad range already found overlaps [lo, hi) (so ancestors stay quiet)."""
        return any(a < hi and lo < b for a, b in self.bad_ranges)


def _open(source: MerkleLog | LogStore | Path | str) -> tuple[LogStore, bool]:
    if isinstance(source, MerkleLog):
        return source.store, False
    if isinstance(source, str | Path):
        return SqliteLogStore(source, create=False), True
    return source, False


def verify_log(
    source: MerkleLog | LogStore | Path | str,
    verifiers: Sequence[Verifier] = (),
    *,
    trusted: Sequence[TrustedCheckpoint | Checkpoint] = (),
    require_checkpoint: bool | None = None,
    max_problems: int = 100,
) -> VerifyReport:
    """Audit a stored log (see the module docstring); never modifies it.

    ``source`` is an open log or store, or the path of an SQLite log database (which must
    exist). ``verifiers`` are the trusted public keys of the log; with none, checkpoint
    signatures cannot be checked and that is reported as a problem when checkpoints exist;
    with some, a log without any checkpoint that verifies fails (``require_checkpoint``,
    default: whether keys are given; pass ``False`` for a log not yet signed). ``trusted``
    are checkpoints kept outside the log (:func:`load_trusted_checkpoints`), already
    verified: today's log must extend each of them.
    """
    store, owned = _open(source)
    cps = [t if isinstance(t, TrustedCheckpoint) else TrustedCheckpoint(t) for t in trusted]
    try:
        need = bool(verifiers) if require_checkpoint is None else require_checkpoint
        return _verify(store, list(verifiers), cps, need, max_problems)
    finally:
        if owned:
            store.close()


def _verify(
    store: LogStore,
    verifiers: list[Verifier],
    trusted: list[TrustedCheckpoint],
    require_checkpoint: bool,
    max_problems: int,
) -> VerifyReport:
    found = _Findings(max_problems)
    stored_cps = store.checkpoints()
    wanted_sizes = {cp.tree_size for cp in stored_cps} | {t.checkpoint.size for t in trusted}
    roots_at: dict[int, bytes] = {0: EMPTY_ROOT}

    frontier = Frontier()
    computed: list[tuple[int, int, bytes]] = []
    pending: list[bytes] = []  # re-hashed leaves not yet added to the rebuilt tree
    expected = 0
    complete = True
    chunk = 1 << _CHUNK_LEVEL
    for idx, stored_lh, data in store.iter_entries():
        if idx != expected:
            found.add(
                LogProblem(
                    "entry-missing",
                    f"entries {expected}..{idx - 1} are missing (deleted rows)",
                    entry_index=expected,
                )
            )
            complete = False
            break
        h = leaf_hash(data)
        if h != stored_lh:
            found.add(
                LogProblem(
                    "entry-altered",
                    f"entry {idx} was altered: its bytes hash to {h.hex()[:16]}..., "
                    f"the stored leaf hash is {stored_lh.hex()[:16]}...",
                    entry_index=idx,
                )
            )
        pending.append(h)
        expected += 1
        if expected in wanted_sizes:
            computed.extend(frontier.extend(pending))
            pending = []
            roots_at[expected] = frontier.root()
        if expected % chunk == 0:
            computed.extend(frontier.extend(pending))
            pending = []
            _compare_chunk(store, expected - chunk, chunk, computed, found)
            computed = []
    computed.extend(frontier.extend(pending))
    if computed:
        _compare_chunk(store, (expected >> _CHUNK_LEVEL) << _CHUNK_LEVEL, chunk, computed, found)

    size = expected
    if complete:
        want_nodes = sum(size >> level for level in range(store.min_node_level, 64))
        have_nodes = store.node_count()
        if have_nodes != want_nodes:
            found.add(
                LogProblem(
                    "node-extra",
                    f"{have_nodes} subtree hashes are stored, a tree of {size} has {want_nodes}",
                )
            )

    checked, signed, origin = _check_checkpoints(
        store, stored_cps, verifiers, roots_at, size, found
    )
    if require_checkpoint and signed is None:
        found.add(
            LogProblem(
                "checkpoint-none",
                "没有有效的签名检查点 / no checkpoint in the log verifies with the given "
                f"public key(s) ({len(stored_cps)} stored): checkpoints were deleted or "
                "replaced, or the log was never signed",
            )
        )
    root = frontier.root()
    _check_keys(store, found)
    if trusted:
        _check_trusted(store, trusted, roots_at, size, root, origin, found)
    return VerifyReport(
        tree_size=size,
        root=root,
        entries_checked=expected,
        checkpoints_checked=checked,
        problems=tuple(found.items),
        truncated=found.truncated,
        signed_size=signed,
        trusted_checked=len(trusted),
    )


def _check_keys(store: LogStore, found: _Findings) -> None:
    """Every capture key must name an entry that is the event with that ``eventID``.

    The keys table is not covered by the tree, so a changed key could make a new event look
    like a duplicate (and be dropped at capture); this catches it.
    """
    rows = getattr(store, "iter_keys", None)
    if rows is None:
        return
    for key, idx, data in rows():
        eid: object = None
        if data is not None:
            try:
                value = json.loads(data)
            except ValueError:
                value = None
            eid = value.get("eventID") if isinstance(value, dict) else None
        if data is None or (eid is not None and eid != key):
            found.add(
                LogProblem(
                    "key-mismatch",
                    f"capture key {key[:80]!r} points at entry {idx}, which "
                    + ("does not exist" if data is None else f"has eventID {str(eid)[:80]!r}"),
                    entry_index=idx if data is not None else None,
                )
            )


def _check_trusted(
    store: LogStore,
    trusted: list[TrustedCheckpoint],
    roots_at: dict[int, bytes],
    size: int,
    root: bytes,
    origin: str | None,
    found: _Findings,
) -> None:
    """Today's log must extend every trusted checkpoint (see the module docstring, step 4)."""
    log_view = MerkleLog(store)
    ordered = sorted(trusted, key=lambda t: t.checkpoint.size)
    good = 0  # largest trusted size whose root the entries still match
    for t in ordered:
        cp, name = t.checkpoint, t.source or "the trusted checkpoint"
        if origin is not None and cp.origin != origin:
            found.add(
                LogProblem(
                    "trusted-origin",
                    f"{name} names origin {cp.origin!r}, the log's checkpoints {origin!r}",
                )
            )
        if cp.size > size:
            found.add(
                LogProblem(
                    "trusted-truncated",
                    f"日志被截断 / {name} signs {cp.size} entries but the log holds {size}: "
                    f"entries {size}..{cp.size - 1} were removed",
                    entry_index=size,
                    entry_range=(size, cp.size),
                )
            )
            continue
        if roots_at.get(cp.size) != cp.root_hash:
            lo = min(good, cp.size)
            found.add(
                LogProblem(
                    "trusted-root",
                    f"历史被改写 / history was rewritten: entries 0..{cp.size - 1} no longer "
                    f"hash to the root signed in {name} (a change, deletion or reordering "
                    f"lies in entries {lo}..{cp.size - 1})",
                    entry_range=(lo, cp.size),
                )
            )
            continue
        good = max(good, cp.size)
        if 0 < cp.size < size:
            try:
                proof = log_view.consistency_proof(cp.size, size)
                verify_consistency(cp.size, size, proof, cp.root_hash, root)
            except (ProofError, LogError, KeyError) as e:
                found.add(
                    LogProblem(
                        "trusted-consistency",
                        f"the stored tree does not prove that today's log (size {size}) "
                        f"extends {name} (size {cp.size}): {e}",
                    )
                )


def _compare_chunk(
    store: LogStore,
    lo_leaf: int,
    chunk: int,
    computed: list[tuple[int, int, bytes]],
    found: _Findings,
) -> None:
    """Compare rebuilt nodes completed by leaves of one aligned chunk with the stored ones."""
    lo, hi = 2 * lo_leaf, 2 * (lo_leaf + chunk) - 1  # ids of the chunk's own subtree
    stored = dict(store.nodes_in_id_range(lo, hi))
    outside = [
        (lv, ix)
        for lv, ix, _ in computed
        if lv >= store.min_node_level and not lo <= node_id(lv, ix) < hi
    ]
    if outside:
        stored.update({node_id(k[0], k[1]): h for k, h in store.node_hashes(outside).items()})
    seen: set[int] = set()
    for level, index, h in computed:  # children before parents
        if level < store.min_node_level:
            continue  # not stored: derived from the leaf hashes, which were checked
        nid = node_id(level, index)
        seen.add(nid)
        first, end = index << level, (index + 1) << level
        got = stored.get(nid)
        if got == h or found.explained(first, end):
            continue
        kind = "node-missing" if got is None else "node-mismatch"
        found.add(
            LogProblem(
                kind,
                f"stored hash of the subtree over entries {first}..{end - 1} "
                f"{'is missing' if got is None else 'disagrees with the entries'}: "
                "an entry in that range (or the stored tree) was changed",
                entry_range=(first, end),
            )
        )
    for nid in stored.keys() - seen:
        if lo <= nid < hi:
            level, index = node_key(nid)
            found.add(
                LogProblem(
                    "node-extra",
                    f"a hash is stored for subtree ({level}, {index}), which is not complete",
                )
            )


def _body_unverified(note: str) -> Checkpoint:
    cut = note.rfind("\n\n")
    return Checkpoint.parse(note[: cut + 1] if cut >= 0 else note)


def _check_checkpoints(
    store: LogStore,
    stored_cps: list[StoredCheckpoint],
    verifiers: list[Verifier],
    roots_at: dict[int, bytes],
    size: int,
    found: _Findings,
) -> tuple[int, int | None, str | None]:
    """Check stored checkpoints; return how many were read, the largest size whose signature
    and root verified (``None`` if none did), and the origin they name."""
    if stored_cps and not verifiers:
        found.add(
            LogProblem(
                "checkpoint-unchecked",
                f"{len(stored_cps)} checkpoints exist but no public key was given: "
                "signatures not checked",
            )
        )
    log_view = MerkleLog(store)  # proofs only: reads stored subtrees, loads no frontier
    prev: tuple[int, Checkpoint] | None = None
    origin: str | None = None
    checked = 0
    last_good = 0  # largest checkpoint size whose signed root the entries still match
    signed: int | None = None
    for cp in stored_cps:
        try:
            body = open_checkpoint(cp.note, verifiers) if verifiers else _body_unverified(cp.note)
        except (NoteError, CheckpointError) as e:
            found.add(LogProblem("checkpoint-signature", f"checkpoint {cp.seq}: {e}"))
            continue
        checked += 1
        if body.size != cp.tree_size or body.root_hash != cp.root:
            found.add(
                LogProblem(
                    "checkpoint-mismatch",
                    f"checkpoint {cp.seq}: stored size/root differ from its signed note",
                )
            )
        if origin is None:
            origin = body.origin
        elif body.origin != origin:
            found.add(
                LogProblem(
                    "checkpoint-origin",
                    f"checkpoint {cp.seq} names origin {body.origin!r}, earlier ones {origin!r}",
                )
            )
        lo = min(last_good, body.size)
        rebuilt = roots_at.get(body.size)
        if body.size > size:
            found.add(
                LogProblem(
                    "checkpoint-root",
                    f"checkpoint {cp.seq} signs {body.size} entries but the log holds {size}: "
                    "entries were removed",
                    entry_range=(size, body.size),
                )
            )
        elif rebuilt != body.root_hash:
            found.add(
                LogProblem(
                    "checkpoint-root",
                    f"checkpoint {cp.seq}: the entries 0..{body.size - 1} no longer hash to "
                    f"its signed root (a change lies in entries {lo}..{body.size - 1})",
                    entry_range=(lo, body.size),
                )
            )
        else:
            last_good = max(last_good, body.size)
            if verifiers and body.size == cp.tree_size and body.root_hash == cp.root:
                signed = max(signed or 0, body.size)
        if prev is not None:
            pseq, pbody = prev
            if body.size < pbody.size:
                found.add(
                    LogProblem(
                        "checkpoint-order",
                        f"checkpoint {cp.seq} (size {body.size}) is smaller than "
                        f"checkpoint {pseq} (size {pbody.size})",
                    )
                )
            elif pbody.size > 0 and body.size <= size:
                try:
                    proof = log_view.consistency_proof(pbody.size, body.size)
                    verify_consistency(
                        pbody.size, body.size, proof, pbody.root_hash, body.root_hash
                    )
                except (ProofError, LogError, KeyError) as e:
                    found.add(
                        LogProblem(
                            "checkpoint-consistency",
                            f"checkpoints {pseq} (size {pbody.size}) and {cp.seq} "
                            f"(size {body.size}) are not consistent: {e}",
                        )
                    )
            elif pbody.size == 0 and pbody.root_hash != EMPTY_ROOT:
                found.add(
                    LogProblem(
                        "checkpoint-root",
                        f"checkpoint {pseq} has size 0 but not the empty root",
                    )
                )
        prev = (cp.seq, body)
    return checked, signed, origin
