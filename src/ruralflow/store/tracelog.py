"""The Merkle log in the service database: :class:`SqlLogStore`, a ``LogStore`` on SQLAlchemy.

It implements the storage interface of :class:`ruralflow.trace.log.MerkleLog`
(:class:`ruralflow.trace.log.LogStore`) on the ``tlog_*`` tables the migrations create, with
the layout of :class:`ruralflow.trace.log.SqliteLogStore`, so the log lives in the same
database as everything else on SQLite and on PostgreSQL alike (and ``ruralflow trace verify``
audits an SQLite service database as it stands).

An append takes the writers' lock first (an ``UPDATE`` of the ``tlog_meta`` row
``schema_version``: SQLite's write lock, a row lock on PostgreSQL), then checks the size it built
on, so concurrent writers serialise and a stale one gets :class:`StaleSizeError` and retries.
:meth:`SqlLogStore.transaction` holds that lock over several steps (the log signs a checkpoint
under it); every read and write inside the block uses the block's connection.
``on_append`` runs inside the same transaction (the EPCIS event index is written there), so
the entries and their index commit together or not at all.

Capture keys (``tlog_keys``) are kept within a scope: :meth:`SqlLogStore.scoped` sets it for
the calling thread (the service uses the capturing county's adcode), and ``find_keys`` and
``append`` see and write only that scope's keys; ``iter_keys`` (for audits) lists them all.
Outside a ``scoped`` block the scope is empty, as for keys written by ``trace.log`` itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Connection, Engine, Table, func, insert, select, update

from ruralflow.store.models import LogCheckpoint, LogEntry, LogKey, LogMeta, LogNode
from ruralflow.trace.log import LogError, StaleSizeError, StoredCheckpoint, node_id
from ruralflow.trace.merkle import NodeKey, root_from_hashes

__all__ = ["SqlLogStore"]

_E = cast("Table", LogEntry.__table__)
_N = cast("Table", LogNode.__table__)
_C = cast("Table", LogCheckpoint.__table__)
_M = cast("Table", LogMeta.__table__)
_K = cast("Table", LogKey.__table__)


class SqlLogStore:
    """A :class:`~ruralflow.trace.log.LogStore` on the database of ``engine``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with engine.connect() as conn:
            meta = dict(conn.execute(select(_M.c.key, _M.c.value)).all())
        if meta.get("schema_version") != "1":
            raise LogError("the database holds no Merkle log (run `ruralflow db upgrade`)")
        self.min_node_level = int(meta["min_node_level"])
        #: Called as ``on_append(connection, first_index)`` inside the append transaction.
        self.on_append: Callable[[Connection, int], None] | None = None
        # the connection of this thread's open transaction() (the API shares one store
        # between its worker threads)
        self._local = threading.local()

    @property
    def scope(self) -> str:
        """The capture-key scope of the calling thread (empty outside :meth:`scoped`)."""
        return cast("str", getattr(self._local, "scope", ""))

    @contextmanager
    def scoped(self, scope: str) -> Iterator[None]:
        """Read and write the capture keys of ``scope`` (in this thread) for the block."""
        before = self.scope
        self._local.scope = scope
        try:
            yield
        finally:
            self._local.scope = before

    @property
    def _tx(self) -> Connection | None:
        return cast("Connection | None", getattr(self._local, "tx", None))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the writers' lock for the block and commit at its end (nested: join it)."""
        if self._tx is not None:
            yield
            return
        with self.engine.begin() as conn:
            self._lock(conn)
            self._local.tx = conn
            try:
                yield
            finally:
                self._local.tx = None

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """The open transaction's connection, or a fresh one."""
        if self._tx is not None:
            yield self._tx
        else:
            with self.engine.connect() as conn:
                yield conn

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """The open transaction's connection, or a new locked transaction committed at the end."""
        if self._tx is not None:
            yield self._tx
        else:
            with self.engine.begin() as conn:
                self._lock(conn)
                yield conn

    # reads ------------------------------------------------------------------

    def _size(self, conn: Connection) -> int:
        v = conn.execute(select(func.max(_E.c.idx))).scalar()
        return 0 if v is None else int(v) + 1

    def size(self) -> int:
        with self._reading() as conn:
            return self._size(conn)

    def node_hashes(self, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
        low: list[NodeKey] = []
        ids: dict[int, NodeKey] = {}
        for level, index in keys:
            if level < self.min_node_level:
                low.append((level, index))
            else:
                ids[node_id(level, index)] = (level, index)
        out: dict[NodeKey, bytes] = {}
        with self._reading() as conn:
            if low:
                leaves: dict[int, bytes] = {}
                for lo, hi in _merge([(i << lv, (i + 1) << lv) for lv, i in low]):
                    for idx, h in conn.execute(
                        select(_E.c.idx, _E.c.leaf_hash).where(_E.c.idx >= lo, _E.c.idx < hi)
                    ):
                        leaves[int(idx)] = bytes(h)
                for level, index in low:
                    got = [leaves.get(k) for k in range(index << level, (index + 1) << level)]
                    if all(h is not None for h in got):
                        out[(level, index)] = root_from_hashes([h for h in got if h is not None])
            wanted = list(ids)
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                for nid, h in conn.execute(select(_N.c.id, _N.c.hash).where(_N.c.id.in_(chunk))):
                    out[ids[int(nid)]] = bytes(h)
        return out

    def nodes_in_id_range(self, lo: int, hi: int) -> list[tuple[int, bytes]]:
        with self._reading() as conn:
            rows = conn.execute(
                select(_N.c.id, _N.c.hash).where(_N.c.id >= lo, _N.c.id < hi).order_by(_N.c.id)
            )
            return [(int(i), bytes(h)) for i, h in rows]

    def node_count(self) -> int:
        with self._reading() as conn:
            return int(conn.execute(select(func.count()).select_from(_N)).scalar() or 0)

    def entry(self, index: int) -> bytes:
        with self._reading() as conn:
            data = conn.execute(select(_E.c.data).where(_E.c.idx == index)).scalar()
        if data is None:
            raise LogError(f"no entry {index} in the log")
        return bytes(data)

    def entries(self, indices: Sequence[int]) -> dict[int, bytes]:
        """The bytes of several entries at once (absent indices are left out)."""
        out: dict[int, bytes] = {}
        with self._reading() as conn:
            for i in range(0, len(indices), 500):
                chunk = list(indices[i : i + 500])
                for idx, data in conn.execute(
                    select(_E.c.idx, _E.c.data).where(_E.c.idx.in_(chunk))
                ):
                    out[int(idx)] = bytes(data)
        return out

    def iter_entries(self, start: int = 0) -> Iterator[tuple[int, bytes, bytes]]:
        pos = start
        while True:
            with self._reading() as conn:
                rows = conn.execute(
                    select(_E.c.idx, _E.c.leaf_hash, _E.c.data)
                    .where(_E.c.idx >= pos)
                    .order_by(_E.c.idx)
                    .limit(4096)
                ).all()
            if not rows:
                return
            for idx, lh, data in rows:
                yield int(idx), bytes(lh), bytes(data)
            pos = int(rows[-1][0]) + 1

    def checkpoints(self) -> list[StoredCheckpoint]:
        with self._reading() as conn:
            rows = conn.execute(
                select(_C.c.seq, _C.c.tree_size, _C.c.root, _C.c.note, _C.c.created_at).order_by(
                    _C.c.seq
                )
            )
            return [
                StoredCheckpoint(int(q), int(n), bytes(r), note, created)
                for q, n, r, note, created in rows
            ]

    # writes -----------------------------------------------------------------

    @staticmethod
    def _lock(conn: Connection) -> None:
        conn.execute(update(_M).where(_M.c.key == "schema_version").values(value=_M.c.value))

    def find_keys(self, keys: Iterable[str]) -> dict[str, tuple[int, bytes]]:
        """``key -> (index, digest)`` of the given capture keys that are stored."""
        wanted = list(dict.fromkeys(keys))
        out: dict[str, tuple[int, bytes]] = {}
        with self._reading() as conn:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                for key, idx, digest in conn.execute(
                    select(_K.c.key, _K.c.idx, _K.c.digest).where(
                        _K.c.scope == self.scope, _K.c.key.in_(chunk)
                    )
                ):
                    out[str(key)] = (int(idx), bytes(digest))
        return out

    def iter_keys(self) -> Iterator[tuple[str, int, bytes | None]]:
        """``(key, index, entry bytes or None)`` of every stored capture key (for audits)."""
        with self._reading() as conn:
            rows = conn.execute(
                select(_K.c.key, _K.c.idx, _E.c.data)
                .select_from(_K.outerjoin(_E, _E.c.idx == _K.c.idx))
                .order_by(_K.c.idx)
            ).all()
        for key, idx, data in rows:
            yield str(key), int(idx), None if data is None else bytes(data)

    def append(
        self,
        expected_size: int,
        leaf_hashes: Sequence[bytes],
        datas: Sequence[bytes],
        nodes: Sequence[tuple[int, int, bytes]],
        keys: Sequence[tuple[str, bytes]] | None = None,
    ) -> None:
        if len(leaf_hashes) != len(datas) or (keys is not None and len(keys) != len(datas)):
            raise LogError("one leaf hash (and key) per entry is needed")
        with self._writing() as conn:
            if self._size(conn) != expected_size:
                raise StaleSizeError("the log grew since its size was read")
            conn.execute(
                insert(_E),
                [
                    {"idx": expected_size + i, "leaf_hash": h, "data": d}
                    for i, (h, d) in enumerate(zip(leaf_hashes, datas, strict=True))
                ],
            )
            rows = [
                {"id": node_id(level, index), "hash": h}
                for level, index, h in nodes
                if level >= self.min_node_level
            ]
            if rows:
                conn.execute(insert(_N), rows)
            if keys:
                conn.execute(
                    insert(_K),
                    [
                        {"scope": self.scope, "key": k, "idx": expected_size + i, "digest": d}
                        for i, (k, d) in enumerate(keys)
                    ],
                )
            if self.on_append is not None:
                self.on_append(conn, expected_size)

    def add_checkpoint(self, tree_size: int, root: bytes, note: str) -> StoredCheckpoint:
        created = datetime.now(UTC).isoformat(timespec="seconds")
        with self._writing() as conn:
            size = self._size(conn)
            if tree_size > size:
                raise LogError(f"checkpoint size {tree_size} is beyond the log ({size})")
            latest = conn.execute(select(func.max(_C.c.tree_size))).scalar()
            if latest is not None and tree_size < int(latest):
                raise LogError(f"checkpoint size {tree_size} is below the latest ({latest})")
            seq = conn.execute(
                insert(_C)
                .values(tree_size=tree_size, root=root, note=note, created_at=created)
                .returning(_C.c.seq)
            ).scalar_one()
        return StoredCheckpoint(int(seq), tree_size, root, note, created)

    def close(self) -> None:
        """Nothing to release: the engine belongs to the caller."""


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(a, b) for a, b in merged]
