"""The persistent, append-only Merkle log (SQLite by default, behind :class:`LogStore`).

Storage layout (tables prefixed ``tlog_`` so they can live in the project database):

- ``tlog_entries(idx INTEGER PRIMARY KEY, leaf_hash BLOB, data BLOB)``: one row per entry,
  ``idx`` = 0-based leaf index, ``data`` = the entry bytes (canonical JSON of an event, see
  :func:`ruralflow.trace.canonical.canonical_json`), ``leaf_hash`` = ``SHA-256(0x00||data)``;
- ``tlog_nodes(id INTEGER PRIMARY KEY, hash BLOB)``: the hash of every *complete* aligned
  subtree at level ``min_node_level`` (default 3, i.e. 8 leaves) or above. The subtree
  ``(level, index)`` (``2**level`` leaves from leaf ``index * 2**level``) is stored under its
  in-order number ``id = index * 2**(level+1) + 2**level - 1``, so a leaf ``i`` would be
  ``2*i`` and the nodes of any aligned subtree form one contiguous ``id`` range. A complete
  subtree never changes, so rows are only ever inserted. Subtrees below ``min_node_level``
  are recomputed from the (at most ``2**min_node_level - 1``) stored leaf hashes under them;
- ``tlog_checkpoints(seq INTEGER PRIMARY KEY, tree_size, root, note, created_at)``: signed
  checkpoints in the order they were made;
- ``tlog_keys(key TEXT PRIMARY KEY, idx, digest)``: the capture key of an entry (an EPCIS
  ``eventID``) with a digest of its content, written in the same transaction as the entry, so
  that a retried capture is recognised (:meth:`MerkleLog.append_keyed`);
- ``tlog_meta(key, value)``: schema version and ``min_node_level``.

Triggers refuse ``UPDATE`` and ``DELETE`` on the log tables (a guard against mistakes;
tampering by someone with write access to the file is what :func:`verify_log` detects).

An inclusion or consistency proof, or the root at any past size, reads ``O(log n)`` node rows
in one query plus at most a few short range reads of leaf hashes. Appends run one transaction
per batch (``BEGIN IMMEDIATE`` ... ``COMMIT``), in WAL mode with ``synchronous=FULL``:
entries, leaf hashes and the new nodes commit together or not at all, so a crash never leaves
a tree that disagrees with its entries, and an append that returned has been fsynced.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, cast
from urllib.parse import quote

from ruralflow.trace.canonical import canonical_json
from ruralflow.trace.checkpoint import Checkpoint, Signer, sign_checkpoint
from ruralflow.trace.errors import TraceError
from ruralflow.trace.merkle import (
    EMPTY_ROOT,
    Frontier,
    NodeKey,
    ProofError,
    assemble,
    consistency_plan,
    fold,
    inclusion_plan,
    root_from_hashes,
    root_plan,
    verify_consistency,
)

__all__ = [
    "AppendResult",
    "Duplicate",
    "DuplicateKeyError",
    "KeyedEntry",
    "LogDatabaseError",
    "LogError",
    "LogStore",
    "MerkleLog",
    "SqliteLogStore",
    "StaleSizeError",
    "StoredCheckpoint",
    "node_id",
    "node_key",
]

SCHEMA_VERSION = "1"
DEFAULT_MIN_NODE_LEVEL = 3
_CACHE_MIN_LEVEL = 8  # subtrees of 256+ leaves are cached in memory by MerkleLog
_CACHE_MAX = 200_000


class LogError(TraceError, RuntimeError):
    """The log cannot do what was asked (bad index, missing stored node, conflict)."""


class StaleSizeError(LogError):
    """Another writer appended since this one last read the tree size."""


class LogDatabaseError(LogError):
    """The log's database cannot be opened or read (missing folder, not SQLite, damaged)."""


class DuplicateKeyError(LogError):
    """A different entry is already stored (or given twice) under the same capture key."""

    def __init__(self, message: str, key: str, index: int | None) -> None:
        super().__init__(message)
        self.key = key
        self.index = index


@dataclass(frozen=True, slots=True)
class KeyedEntry:
    """An entry with its capture key (an EPCIS ``eventID``) and a digest of its content.

    Two entries with the same key are the same capture when their digests are equal (the
    retry is skipped) and a conflict otherwise (:class:`DuplicateKeyError`).
    """

    key: str
    data: bytes
    digest: bytes


@dataclass(frozen=True, slots=True)
class Duplicate:
    """An entry of a keyed append that was already in the log: its position in the batch,
    its key and the index of the stored entry."""

    position: int
    key: str
    index: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"position": self.position, "key": self.key, "index": self.index}


def node_id(level: int, index: int) -> int:
    """In-order number of the aligned subtree ``(level, index)``."""
    return (index << (level + 1)) + (1 << level) - 1


def node_key(nid: int) -> NodeKey:
    """Inverse of :func:`node_id`: the level is the number of trailing one bits."""
    level = ((nid + 1) & ~nid).bit_length() - 1
    return level, nid >> (level + 1)


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint row: its sequence number, size, root, signed note and creation time."""

    seq: int
    tree_size: int
    root: bytes
    note: str
    created_at: str


@dataclass(frozen=True)
class AppendResult:
    """What one append batch added: the first index, its leaf hashes and the new tree."""

    first_index: int
    leaf_hashes: tuple[bytes, ...]
    tree_size: int
    root: bytes
    duplicates: tuple[Duplicate, ...] = ()
    """Entries of a keyed append already in the log (not appended again)."""

    @property
    def indices(self) -> range:
        """Indices of the appended entries."""
        return range(self.first_index, self.first_index + len(self.leaf_hashes))

    def summary(self) -> str:
        """One line: entries appended and the new tree."""
        n = len(self.leaf_hashes)
        last = self.first_index + n - 1
        span = f" ({self.first_index}..{last})" if n else ""
        dup = f", {len(self.duplicates)} duplicates skipped" if self.duplicates else ""
        return (
            f"追加 / appended {n} entries{span}{dup}; tree size "
            f"{self.tree_size}, root {self.root.hex()}"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: indices, hex leaf hashes, tree size and hex root."""
        return {
            "first_index": self.first_index,
            "leaf_hashes": [h.hex() for h in self.leaf_hashes],
            "tree_size": self.tree_size,
            "root": self.root.hex(),
            "duplicates": [d.to_dict() for d in self.duplicates],
        }


class LogStore(Protocol):
    """Storage of one log. Implementations: :class:`SqliteLogStore` (PostgreSQL later).

    ``append`` and ``add_checkpoint`` are atomic; everything else reads committed state.
    """

    min_node_level: int
    """Lowest interior level whose hashes are stored; lower subtrees derive from leaf hashes."""

    def size(self) -> int:
        """Number of stored entries."""
        ...

    def node_hashes(self, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
        """Hashes of the given subtrees (level 0 = leaf hashes); unknown keys are absent."""
        ...

    def nodes_in_id_range(self, lo: int, hi: int) -> list[tuple[int, bytes]]:
        """Stored interior node rows with ``lo <= id < hi``, in ``id`` order."""
        ...

    def node_count(self) -> int:
        """Number of stored interior node rows."""
        ...

    def entry(self, index: int) -> bytes:
        """The bytes of entry ``index`` (raises :class:`LogError` if absent)."""
        ...

    def iter_entries(self, start: int = 0) -> Iterator[tuple[int, bytes, bytes]]:
        """``(index, leaf_hash, data)`` of every entry from ``start``, in index order."""
        ...

    def find_keys(self, keys: Iterable[str]) -> dict[str, tuple[int, bytes]]:
        """``key -> (index, digest)`` of the given capture keys that are stored."""
        ...

    def transaction(self) -> Any:
        """Context manager holding the write lock (nested uses join the outer one)."""
        ...

    def append(
        self,
        expected_size: int,
        leaf_hashes: Sequence[bytes],
        datas: Sequence[bytes],
        nodes: Sequence[tuple[int, int, bytes]],
        keys: Sequence[tuple[str, bytes]] | None = None,
    ) -> None:
        """Atomically add entries (with leaf hashes) from index ``expected_size``, and nodes.

        ``nodes`` are all subtrees the entries complete, as ``(level, index, hash)``; a store
        keeps those at ``min_node_level`` and above. ``keys`` (one ``(key, digest)`` per
        entry) are stored in the same transaction.

        Raises :class:`StaleSizeError` (and writes nothing) if the log no longer has
        ``expected_size`` entries.
        """
        ...

    def add_checkpoint(self, tree_size: int, root: bytes, note: str) -> StoredCheckpoint:
        """Atomically store a checkpoint; refuses one smaller than the latest or the log."""
        ...

    def checkpoints(self) -> list[StoredCheckpoint]:
        """All checkpoints, oldest first."""
        ...

    def close(self) -> None:
        """Release the storage."""
        ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS tlog_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tlog_entries (
    idx INTEGER PRIMARY KEY,
    leaf_hash BLOB NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS tlog_nodes (id INTEGER PRIMARY KEY, hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS tlog_checkpoints (
    seq INTEGER PRIMARY KEY,
    tree_size INTEGER NOT NULL,
    root BLOB NOT NULL,
    note TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tlog_keys (
    key TEXT PRIMARY KEY,
    idx INTEGER NOT NULL,
    digest BLOB NOT NULL
);
"""

_APPEND_ONLY_TABLES = ("tlog_entries", "tlog_nodes", "tlog_checkpoints", "tlog_keys")


@contextmanager
def _database_errors(path: Path) -> Iterator[None]:
    """Turn SQLite's errors about an unusable file into one :class:`LogDatabaseError`."""
    try:
        yield
    except sqlite3.DatabaseError as e:
        raise LogDatabaseError(
            f"追溯日志数据库不可用 / the trace log database {path} cannot be used: {e}"
        ) from None


class SqliteLogStore:
    """:class:`LogStore` in an SQLite file (WAL, ``synchronous=FULL``).

    ``create=False`` opens an existing log without touching its schema (used by audits).
    ``min_node_level`` (fixed when the database is created, kept in ``tlog_meta``): interior
    nodes below this level are not stored but derived from the ``2**level`` stored leaf
    hashes under them, which makes appends cheaper (a quarter of the node rows for level 3)
    and costs a proof at most two extra range reads of fewer than ``2**level`` leaf hashes.

    ``synchronous`` may be set to ``"NORMAL"`` for speed: a process crash still loses nothing
    committed, but a power cut may lose the last commits.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        synchronous: str = "FULL",
        timeout: float = 30.0,
        create: bool = True,
        min_node_level: int = DEFAULT_MIN_NODE_LEVEL,
    ) -> None:
        if synchronous.upper() not in {"FULL", "NORMAL", "EXTRA"}:
            raise TraceError("synchronous must be FULL, EXTRA or NORMAL")
        if not 1 <= min_node_level <= 8:
            raise TraceError("min_node_level must be in 1..8")
        self.min_node_level = min_node_level
        self.path = Path(path)
        self._depth = 0  # nesting of transaction()
        if not self.path.parent.is_dir():
            raise LogDatabaseError(
                f"追溯日志的文件夹不存在 / the folder of the trace log {self.path} does not exist"
            )
        if self.path.is_dir():
            raise LogDatabaseError(
                f"追溯日志应为文件 / the trace log {self.path} is a folder, not a database file"
            )
        with _database_errors(self.path):
            if not create:
                self._open_existing(timeout)
                return
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            try:
                self._create(synchronous, min_node_level)
            except BaseException:
                self._db.close()
                raise

    def _open_existing(self, timeout: float) -> None:
        if not self.path.is_file():
            raise LogDatabaseError(f"没有追溯日志 / no log database at {self.path}")
        uri = f"file:{quote(str(self.path.resolve()))}?mode=rw"
        self._db = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
        try:
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master")}
            if not {"tlog_entries", "tlog_nodes", "tlog_checkpoints"} <= tables:
                raise LogDatabaseError(
                    f"不是追溯日志 / {self.path} holds no Merkle log (no tlog_* tables)"
                )
            self._has_keys = "tlog_keys" in tables
            self._read_meta()
        except BaseException:
            self._db.close()
            raise

    def _create(self, synchronous: str, min_node_level: int) -> None:
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={synchronous.upper()}")
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    self._db.execute(stmt)
            for table in _APPEND_ONLY_TABLES:
                for op in ("UPDATE", "DELETE"):
                    self._db.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} "
                        f"BEFORE {op} ON {table} "
                        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                    )
            self._db.executemany(
                "INSERT OR IGNORE INTO tlog_meta(key, value) VALUES (?, ?)",
                [("schema_version", SCHEMA_VERSION), ("min_node_level", str(min_node_level))],
            )
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        self._has_keys = True
        self._read_meta()

    def _read_meta(self) -> None:
        meta = dict(self._db.execute("SELECT key, value FROM tlog_meta").fetchall())
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise LogDatabaseError(
                f"未知的日志格式 / {self.path}: unknown log schema "
                f"{meta.get('schema_version')!r} (expected {SCHEMA_VERSION!r})"
            )
        raw = meta.get("min_node_level")
        try:
            level = int(str(raw))
        except ValueError:
            level = -1
        if not 1 <= level <= 8:
            raise LogDatabaseError(
                f"日志元数据损坏 / {self.path}: tlog_meta min_node_level {raw!r} is not "
                "an integer in 1..8"
            )
        self.min_node_level = level

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold SQLite's write lock (``BEGIN IMMEDIATE``) for the block; commit at its end.

        Nested uses join the outermost transaction; an exception rolls everything back.
        """
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0

    # reads ------------------------------------------------------------------

    def size(self) -> int:
        row = self._db.execute("SELECT MAX(idx) FROM tlog_entries").fetchone()
        return 0 if row[0] is None else int(row[0]) + 1

    def node_hashes(self, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
        low: list[NodeKey] = []  # level 0 (leaf hashes) and derived levels
        ids: dict[int, NodeKey] = {}
        for level, index in keys:
            if level < self.min_node_level:
                low.append((level, index))
            else:
                ids[node_id(level, index)] = (level, index)
        out: dict[NodeKey, bytes] = {}
        if low:
            leaves = self._leaf_hashes([(i << lv, (i + 1) << lv) for lv, i in low])
            for level, index in low:
                lo, hi = index << level, (index + 1) << level
                hashes = [leaves.get(k) for k in range(lo, hi)]
                if all(h is not None for h in hashes):
                    out[(level, index)] = root_from_hashes(cast("list[bytes]", hashes))
        for chunk in _chunks(list(ids), 500):
            marks = ",".join("?" * len(chunk))
            for nid, h in self._db.execute(
                f"SELECT id, hash FROM tlog_nodes WHERE id IN ({marks})", chunk
            ):
                out[ids[nid]] = h
        return out

    def _leaf_hashes(self, ranges: list[tuple[int, int]]) -> dict[int, bytes]:
        """Leaf hashes of the union of the half-open index ranges (one query per run)."""
        merged: list[list[int]] = []
        for lo, hi in sorted(ranges):
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        out: dict[int, bytes] = {}
        for lo, hi in merged:
            for idx, h in self._db.execute(
                "SELECT idx, leaf_hash FROM tlog_entries WHERE idx >= ? AND idx < ?", (lo, hi)
            ):
                out[idx] = h
        return out

    def nodes_in_id_range(self, lo: int, hi: int) -> list[tuple[int, bytes]]:
        return list(
            self._db.execute(
                "SELECT id, hash FROM tlog_nodes WHERE id >= ? AND id < ? ORDER BY id", (lo, hi)
            )
        )

    def node_count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM tlog_nodes").fetchone()[0])

    def entry(self, index: int) -> bytes:
        row = self._db.execute("SELECT data FROM tlog_entries WHERE idx = ?", (index,)).fetchone()
        if row is None:
            raise LogError(f"no entry {index} in the log")
        return bytes(row[0])

    def iter_entries(self, start: int = 0) -> Iterator[tuple[int, bytes, bytes]]:
        pos = start
        while True:
            rows = self._db.execute(
                "SELECT idx, leaf_hash, data FROM tlog_entries WHERE idx >= ? "
                "ORDER BY idx LIMIT 4096",
                (pos,),
            ).fetchall()
            if not rows:
                return
            for idx, lh, data in rows:
                yield int(idx), bytes(lh), bytes(data)
            pos = int(rows[-1][0]) + 1

    def checkpoints(self) -> list[StoredCheckpoint]:
        return [
            StoredCheckpoint(int(seq), int(size), bytes(root), note, created)
            for seq, size, root, note, created in self._db.execute(
                "SELECT seq, tree_size, root, note, created_at FROM tlog_checkpoints ORDER BY seq"
            )
        ]

    def find_keys(self, keys: Iterable[str]) -> dict[str, tuple[int, bytes]]:
        if not self._has_keys:
            return {}
        out: dict[str, tuple[int, bytes]] = {}
        wanted = list(dict.fromkeys(keys))
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for key, idx, digest in self._db.execute(
                f"SELECT key, idx, digest FROM tlog_keys WHERE key IN ({marks})", chunk
            ):
                out[str(key)] = (int(idx), bytes(digest))
        return out

    def iter_keys(self) -> Iterator[tuple[str, int, bytes | None]]:
        """``(key, index, entry bytes or None)`` of every stored capture key (for audits)."""
        if not self._has_keys:
            return
        for key, idx, data in self._db.execute(
            "SELECT k.key, k.idx, e.data FROM tlog_keys k "
            "LEFT JOIN tlog_entries e ON e.idx = k.idx ORDER BY k.idx"
        ):
            yield str(key), int(idx), None if data is None else bytes(data)

    # writes -----------------------------------------------------------------

    def append(
        self,
        expected_size: int,
        leaf_hashes: Sequence[bytes],
        datas: Sequence[bytes],
        nodes: Sequence[tuple[int, int, bytes]],
        keys: Sequence[tuple[str, bytes]] | None = None,
    ) -> None:
        if len(leaf_hashes) != len(datas) or (keys is not None and len(keys) != len(datas)):
            raise TraceError("one leaf hash (and key) per entry is needed")
        if keys is not None and not self._has_keys:
            raise LogDatabaseError(f"{self.path}: this log has no tlog_keys table")
        db = self._db
        with self.transaction():
            if self.size() != expected_size:
                raise StaleSizeError("the log grew since its size was read")
            db.executemany(
                "INSERT INTO tlog_entries(idx, leaf_hash, data) VALUES (?, ?, ?)",
                zip(
                    range(expected_size, expected_size + len(datas)),
                    leaf_hashes,
                    datas,
                    strict=True,
                ),
            )
            if keys is not None:
                db.executemany(
                    "INSERT INTO tlog_keys(key, idx, digest) VALUES (?, ?, ?)",
                    ((key, expected_size + i, digest) for i, (key, digest) in enumerate(keys)),
                )
            self._insert_nodes(nodes)

    def _insert_nodes(self, nodes: Sequence[tuple[int, int, bytes]]) -> None:
        low = self.min_node_level
        self._db.executemany(
            "INSERT INTO tlog_nodes(id, hash) VALUES (?, ?)",
            (
                ((index << (level + 1)) + (1 << level) - 1, h)  # node_id, inlined
                for level, index, h in nodes
                if level >= low
            ),
        )

    def add_checkpoint(self, tree_size: int, root: bytes, note: str) -> StoredCheckpoint:
        db = self._db
        with self.transaction():
            if tree_size > self.size():
                raise LogError(f"checkpoint size {tree_size} is beyond the log ({self.size()})")
            row = db.execute("SELECT MAX(tree_size) FROM tlog_checkpoints").fetchone()
            if row[0] is not None and tree_size < int(row[0]):
                raise LogError(f"checkpoint size {tree_size} is below the latest ({row[0]})")
            created = datetime.now(UTC).isoformat(timespec="seconds")
            cur = db.execute(
                "INSERT INTO tlog_checkpoints(tree_size, root, note, created_at) "
                "VALUES (?, ?, ?, ?)",
                (tree_size, root, note, created),
            )
        assert cur.lastrowid is not None
        return StoredCheckpoint(cur.lastrowid, tree_size, root, note, created)

    def close(self) -> None:
        self._db.close()


def _chunks(items: list[int], n: int) -> Iterator[list[int]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


class MerkleLog:
    """An append-only RFC 9162 log over a :class:`LogStore`.

    Several processes may append to the same store: each append checks, under the store's
    write lock, that the size it built on is still current, and otherwise reloads and retries.
    """

    def __init__(self, store: LogStore) -> None:
        self.store = store
        self._frontier: Frontier | None = None  # loaded on first append
        self._cache: dict[NodeKey, bytes] = {}

    @classmethod
    def open(
        cls, path: Path | str, *, synchronous: str = "FULL", create: bool = True
    ) -> MerkleLog:
        """Open the log in the SQLite file ``path`` (created if needed, unless ``create`` is
        false: then a missing file or one without a log raises :class:`LogDatabaseError`)."""
        return cls(SqliteLogStore(path, synchronous=synchronous, create=create))

    def __enter__(self) -> MerkleLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the store."""
        self.store.close()

    def _load_frontier(self) -> Frontier:
        size = self.store.size()
        try:
            return Frontier.load(size, self.store.node_hashes)
        except KeyError as e:
            raise LogError(f"stored tree of size {size} is missing subtree {e}") from e

    def _lookup(self, keys: Iterable[NodeKey]) -> Mapping[NodeKey, bytes]:
        # A complete subtree never changes, so high ones (shared by most proofs) are cached.
        cache = self._cache
        keyset = set(keys)
        found = {k: cache[k] for k in keyset if k in cache}
        wanted = keyset - found.keys()
        if wanted:
            read = self.store.node_hashes(wanted)
            missing = wanted - read.keys()
            if missing:
                raise LogError(f"stored tree is missing subtrees {sorted(missing)[:5]}")
            found.update(read)
            if len(cache) > _CACHE_MAX:
                cache.clear()
            cache.update((k, h) for k, h in read.items() if k[0] >= _CACHE_MIN_LEVEL)
        return found

    # writing ------------------------------------------------------------------

    @property
    def size(self) -> int:
        """Current number of entries (reads the store, so it sees other writers)."""
        return self.store.size()

    def append(self, entry: bytes) -> int:
        """Append one entry; returns its index once it is durably stored."""
        return self.append_many([entry]).first_index

    def append_json(self, value: Any) -> int:
        """Append the canonical JSON bytes of ``value``; returns its index."""
        return self.append(canonical_json(value))

    def append_many(self, entries: Iterable[bytes]) -> AppendResult:
        """Append a batch of entries in one transaction; all or none are stored."""
        datas = list(entries)
        for i, d in enumerate(datas):
            if not isinstance(d, bytes):
                raise TypeError(f"entry {i} is {type(d).__name__}, not bytes")
        sha256 = hashlib.sha256  # inlined leaf_hash: this loop is the hot path
        hashes = [sha256(b"\x00" + d).digest() for d in datas]
        for _attempt in range(100):
            if self._frontier is None:
                self._frontier = self._load_frontier()
            frontier = self._frontier.copy()
            start = frontier.size
            nodes = frontier.extend(hashes)
            try:
                self.store.append(start, hashes, datas, nodes)
            except StaleSizeError:
                self._frontier = None
                continue
            self._frontier = frontier
            return AppendResult(start, tuple(hashes), frontier.size, frontier.root())
        raise LogError("could not append: the log kept growing under other writers")

    def append_keyed(self, items: Iterable[KeyedEntry]) -> AppendResult:
        """Append entries that carry a capture key, skipping those already captured.

        An item whose key is stored (or given earlier in the batch) with the same digest is a
        duplicate: it is not appended again and is listed in ``duplicates`` with the index of
        the stored entry. The same key with a different digest raises
        :class:`DuplicateKeyError` and nothing is written. The new entries and their keys are
        written in one transaction (all or none).
        """
        batch = list(items)
        for i, it in enumerate(batch):
            if not isinstance(it.data, bytes) or not isinstance(it.digest, bytes):
                raise TypeError(f"entry {i}: data and digest must be bytes")
            if not isinstance(it.key, str) or not it.key:
                raise TypeError(f"entry {i}: the key must be a non-empty string")
        sha256 = hashlib.sha256
        for _attempt in range(100):
            if self._frontier is None:
                self._frontier = self._load_frontier()
            frontier = self._frontier.copy()
            start = frontier.size
            stored = self.store.find_keys(it.key for it in batch)
            new: list[KeyedEntry] = []
            dups: list[Duplicate] = []
            first: dict[str, tuple[int, int]] = {}  # key -> (position, index) in this batch
            for pos, it in enumerate(batch):
                if it.key in stored:
                    idx, digest = stored[it.key]
                    if digest != it.digest:
                        raise DuplicateKeyError(
                            f"重复的事件编号 / key {it.key!r} (item {pos}) is already in the "
                            f"log as entry {idx} with different content",
                            it.key,
                            idx,
                        )
                    dups.append(Duplicate(pos, it.key, idx))
                elif it.key in first:
                    p0, idx = first[it.key]
                    if batch[p0].digest != it.digest:
                        raise DuplicateKeyError(
                            f"重复的事件编号 / key {it.key!r} is given twice with different "
                            f"content (items {p0} and {pos})",
                            it.key,
                            None,
                        )
                    dups.append(Duplicate(pos, it.key, idx))
                else:
                    first[it.key] = (pos, start + len(new))
                    new.append(it)
            if not new:
                size = self.store.size()
                return AppendResult(size, (), size, self.root(size), tuple(dups))
            hashes = [sha256(b"\x00" + it.data).digest() for it in new]
            nodes = frontier.extend(hashes)
            try:
                self.store.append(
                    start,
                    hashes,
                    [it.data for it in new],
                    nodes,
                    keys=[(it.key, it.digest) for it in new],
                )
            except StaleSizeError:
                self._frontier = None
                continue
            self._frontier = frontier
            return AppendResult(start, tuple(hashes), frontier.size, frontier.root(), tuple(dups))
        raise LogError("could not append: the log kept growing under other writers")

    # reading ------------------------------------------------------------------

    def entry(self, index: int) -> bytes:
        """Bytes of entry ``index``."""
        return self.store.entry(index)

    def leaf_hash(self, index: int) -> bytes:
        """Stored leaf hash of entry ``index``."""
        found = self.store.node_hashes([(0, index)])
        if (0, index) not in found:
            raise LogError(f"no entry {index} in the log")
        return found[(0, index)]

    def root(self, size: int | None = None) -> bytes:
        """Root hash of the tree of the first ``size`` entries (default: all)."""
        have = self.size
        n = have if size is None else size
        if n < 0 or n > have:
            raise LogError(f"no tree of size {n} (log has {have} entries)")
        keys = root_plan(n)
        if not keys:
            return EMPTY_ROOT
        found = self._lookup(keys)
        return fold([found[k] for k in keys])

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Inclusion proof of entry ``index`` in the tree of ``size`` (default: all)."""
        have = self.size
        n = have if size is None else size
        if not 0 <= index < n <= have:
            raise LogError(f"no entry {index} in a tree of size {n} (log has {have})")
        plan = inclusion_plan(index, n)
        return assemble(plan, self._lookup(k for e in plan for k in e))

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """Consistency proof from the tree of ``size1`` to that of ``size2`` (default: all)."""
        have = self.size
        n = have if size2 is None else size2
        if not 0 < size1 <= n <= have:
            raise LogError(f"no consistency proof from {size1} to {n} (log has {have})")
        plan = consistency_plan(size1, n)
        return assemble(plan, self._lookup(k for e in plan for k in e))

    # checkpoints --------------------------------------------------------------

    def checkpoints(self) -> list[StoredCheckpoint]:
        """Stored checkpoints, oldest first."""
        return self.store.checkpoints()

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        """The newest stored checkpoint, if any."""
        cps = self.store.checkpoints()
        return cps[-1] if cps else None

    def add_checkpoint(
        self, signer: Signer, *, origin: str | None = None, extensions: Sequence[str] = ()
    ) -> StoredCheckpoint:
        """Sign and store a checkpoint of the current tree.

        ``origin`` defaults to the signer's key name. Refuses to sign a tree that is not
        consistent with the latest stored checkpoint (a log must never sign a fork).
        """
        # Under the write lock: no other writer can append or sign between reading the
        # tree and storing its checkpoint (so two writers never race to a smaller size).
        with self.store.transaction():
            size = self.size
            root = self.root(size)
            prev = self.latest_checkpoint()
            if prev is not None:
                if prev.tree_size > size:
                    raise LogError("the latest checkpoint is larger than the log")
                try:
                    if prev.tree_size == 0:
                        if prev.root != EMPTY_ROOT:
                            raise ProofError("empty checkpoint with a non-empty root")
                    else:
                        proof = self.consistency_proof(prev.tree_size, size)
                        verify_consistency(prev.tree_size, size, proof, prev.root, root)
                except ProofError as e:
                    raise LogError(
                        f"refusing to sign: the tree is not consistent with checkpoint "
                        f"{prev.seq} (size {prev.tree_size}): {e}"
                    ) from e
            cp = Checkpoint(origin or signer.name, size, root, tuple(extensions))
            return self.store.add_checkpoint(size, root, sign_checkpoint(cp, [signer]))
