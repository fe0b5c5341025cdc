"""Persistent Merkle log: canonical entries, proofs from storage, crash safety, tamper audit."""

from __future__ import annotations

import math
import signal
import sqlite3
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ruralflow.trace.canonical import CanonicalJSONError, canonical_json
from ruralflow.trace.checkpoint import generate_signer, write_key_pair
from ruralflow.trace.log import LogError, MerkleLog, SqliteLogStore, node_id, node_key
from ruralflow.trace.merkle import (
    consistency_proof,
    inclusion_plan,
    inclusion_proof,
    leaf_hash,
    root_from_hashes,
    verify_consistency,
    verify_inclusion,
)
from ruralflow.trace.verify import verify_log

# ----------------------------------------------------------------------------- canonical JSON


@pytest.mark.parametrize(
    ("bits", "want"),
    [  # RFC 8785 appendix B: IEEE-754 bit patterns and their canonical text
        ("0000000000000000", "0"),
        ("8000000000000000", "0"),
        ("0000000000000001", "5e-324"),
        ("8000000000000001", "-5e-324"),
        ("7fefffffffffffff", "1.7976931348623157e+308"),
        ("4340000000000000", "9007199254740992"),
        ("4430000000000000", "295147905179352830000"),
        ("44b52d02c7e14af6", "1e+23"),
        ("444b1ae4d6e2ef4f", "999999999999999900000"),
        ("444b1ae4d6e2ef50", "1e+21"),
        ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
        ("3eb0c6f7a0b5ed8d", "0.000001"),
        ("41b3de4355555554", "333333333.33333325"),
        ("becbf647612f3696", "-0.0000033333333333333333"),
        ("43143ff3c1cb0959", "1424953923781206.2"),
    ],
)
def test_canonical_numbers(bits: str, want: str) -> None:
    x = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert canonical_json(x) == want.encode()


def test_canonical_rfc8785_examples() -> None:
    # section 3.2.3: names sort by UTF-16 code units (the emoji's surrogate sorts before U+FB33)
    sorting = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    assert canonical_json(sorting) == (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
        '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
    ).encode("utf-8")
    # section 3.2.2 example
    value = {
        "numbers": [333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001],
        "string": '\u20ac$\u000f\nA\'B"\\\\"/',
        "literals": [None, True, False],
    }
    assert (
        canonical_json(value)
        == (
            '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
            '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
        ).encode()
    )
    assert canonical_json({"b": [1, {"z": 1, "a": "批次"}], "a": None}) == (
        '{"a":null,"b":[1,{"a":"批次","z":1}]}'.encode()
    )


@pytest.mark.parametrize(
    ("value", "msg"),
    [
        (math.nan, "not a JSON number"),
        ({"x": [math.inf]}, r"\$\.x\[0\]"),
        (2**53 + 1, "2\\*\\*53"),
        ({1: "a"}, "not a string"),
        ("\ud800", "surrogate"),
        ({"s": {1, 2}}, "set is not JSON"),
    ],
)
def test_canonical_rejects(value: object, msg: str) -> None:
    with pytest.raises(CanonicalJSONError, match=msg):
        canonical_json(value)


# ----------------------------------------------------------------------------- the stored log


def test_node_ids() -> None:
    assert [node_id(0, i) for i in range(4)] == [0, 2, 4, 6]
    assert [node_id(1, i) for i in range(3)] == [1, 5, 9]
    assert node_id(2, 0) == 3
    for level in range(6):
        for index in range(9):
            assert node_key(node_id(level, index)) == (level, index)


@pytest.mark.parametrize("min_level", [1, 3])
def test_log_matches_in_memory_tree(tmp_path: Path, min_level: int) -> None:
    log = MerkleLog(SqliteLogStore(tmp_path / "log.db", min_node_level=min_level))
    assert log.size == 0
    assert log.root() == root_from_hashes([])
    entries: list[bytes] = []
    for batch in [1, 2, 5, 0, 9, 17, 1, 30]:
        new = [f"entry {len(entries) + i}".encode() for i in range(batch)]
        result = log.append_many(new)
        assert result.first_index == len(entries)
        entries += new
        hashes = [leaf_hash(e) for e in entries]
        assert result.tree_size == log.size == len(entries)
        assert result.root == log.root() == root_from_hashes(hashes)
    n = len(entries)
    assert log.store.node_count() == sum(n >> level for level in range(min_level, 10))
    hashes = [leaf_hash(e) for e in entries]
    for size in range(1, n + 1):
        root = log.root(size)
        assert root == root_from_hashes(hashes[:size])
        for i in range(0, size, 3):
            proof = log.inclusion_proof(i, size)
            assert proof == inclusion_proof(i, hashes[:size])
            verify_inclusion(i, size, log.leaf_hash(i), proof, root)
        for m in range(1, size + 1, 4):
            proof = log.consistency_proof(m, size)
            assert proof == consistency_proof(m, hashes[:size])
            verify_consistency(m, size, proof, log.root(m), root)
    assert log.entry(7) == b"entry 7"
    assert log.append_json({"b": 1, "a": "x"}) == n
    assert log.entry(n) == b'{"a":"x","b":1}'
    with pytest.raises(LogError):
        log.inclusion_proof(n + 1)
    with pytest.raises(LogError):
        log.entry(n + 1)
    with pytest.raises(TypeError, match="not bytes"):
        log.append_many([b"ok", "text"])  # type: ignore[list-item]
    log.close()
    with MerkleLog.open(tmp_path / "log.db") as again:  # persisted, with its node level
        assert again.store.min_node_level == min_level
        assert again.size == n + 1
        assert again.root(n) == root_from_hashes(hashes)


def test_proofs_read_log_n_rows(tmp_path: Path) -> None:
    log = MerkleLog.open(tmp_path / "log.db", synchronous="NORMAL")
    n = 5000
    log.append_many([b"%d" % i for i in range(n)])
    statements: list[str] = []
    log.store._db.set_trace_callback(statements.append)  # type: ignore[attr-defined]
    proof = log.inclusion_proof(1234)
    # one query for the stored subtrees, one for the leaf hash, plus the size lookups
    assert len(statements) <= 5
    keys = {k for e in inclusion_plan(1234, n) for k in e}
    assert len(keys) <= 2 * math.ceil(math.log2(n))
    verify_inclusion(1234, n, leaf_hash(b"1234"), proof, log.root())
    log.close()


def test_append_only_triggers_and_atomic_batches(tmp_path: Path) -> None:
    log = MerkleLog.open(tmp_path / "log.db")
    log.append_many([b"a", b"b", b"c"])
    db = sqlite3.connect(tmp_path / "log.db")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE tlog_entries SET data = x'00' WHERE idx = 0")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM tlog_entries WHERE idx = 2")
    db.close()

    # a failure inside the transaction (after the entries, before the nodes) stores nothing
    class Failing(SqliteLogStore):
        def _insert_nodes(self, nodes: object) -> None:
            raise RuntimeError("disk on fire")

    broken = MerkleLog(Failing(tmp_path / "log.db"))
    with pytest.raises(RuntimeError, match="disk on fire"):
        broken.append_many([b"d", b"e"])
    broken.close()
    assert log.size == 3
    assert verify_log(log).ok
    log.close()


def test_two_writers_interleave(tmp_path: Path) -> None:
    a = MerkleLog.open(tmp_path / "log.db")
    b = MerkleLog.open(tmp_path / "log.db")
    a.append(b"a0")
    b.append(b"b0")  # b's cached frontier is stale after a's append
    a.append_many([b"a1", b"a2"])
    b.append(b"b1")
    assert [a.entry(i) for i in range(5)] == [b"a0", b"b0", b"a1", b"a2", b"b1"]
    report = verify_log(a)
    assert report.ok, report.summary()
    assert report.root == a.root() == b.root()
    a.close()
    b.close()


# ----------------------------------------------------------------------------- tamper audit


def _filled(path: Path, n: int = 3000) -> None:
    with MerkleLog.open(path, synchronous="NORMAL") as log:
        for k in range(0, n, 700):
            log.append_many(
                [canonical_json({"event": "harvest", "i": i}) for i in range(k, min(n, k + 700))]
            )


def _sql(path: Path, *statements: tuple[str, tuple[object, ...]]) -> None:
    db = sqlite3.connect(path)
    for table in ("tlog_entries", "tlog_nodes"):
        for op in ("update", "delete"):
            db.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
    for sql, args in statements:
        db.execute(sql, args)
    db.commit()
    db.close()


def test_verify_names_the_altered_entry(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    _filled(path)
    assert verify_log(path).ok
    data = bytearray(
        sqlite3.connect(path)
        .execute("SELECT data FROM tlog_entries WHERE idx = 2049")
        .fetchone()[0]
    )
    data[5] ^= 0x01  # one bit of one byte
    _sql(path, ("UPDATE tlog_entries SET data = ? WHERE idx = 2049", (bytes(data),)))
    report = verify_log(path)
    assert not report.ok
    assert report.first_bad_entry == 2049
    assert [p.kind for p in report.problems] == ["entry-altered"]  # ancestors stay quiet
    assert "entry 2049" in report.summary()
    assert report.to_dict()["first_bad_entry"] == 2049


def test_verify_bounds_entry_rewritten_with_its_hash(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    _filled(path)
    forged = b'{"event":"harvest","i":"forged"}'
    _sql(
        path,
        (
            "UPDATE tlog_entries SET data = ?, leaf_hash = ? WHERE idx = 1501",
            (forged, leaf_hash(forged)),
        ),
    )
    report = verify_log(path)
    assert report.first_bad_entry is None
    # levels below 3 are not stored: the lowest stored subtree over 8 entries bounds it
    assert report.bad_range == (1496, 1504)
    assert "1496..1503" in report.summary()


def test_verify_detects_deleted_entries_and_extra_nodes(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    _filled(path)
    _sql(path, ("DELETE FROM tlog_entries WHERE idx = 100", ()))
    report = verify_log(path)
    assert report.first_bad_entry == 100
    assert report.problems[0].kind == "entry-missing"

    path2 = tmp_path / "log2.db"
    _filled(path2)
    _sql(path2, ("INSERT INTO tlog_nodes(id, hash) VALUES (?, ?)", (node_id(11, 1), b"x" * 32)))
    problems = verify_log(path2).problems
    assert {p.kind for p in problems} == {"node-extra"}
    assert any("subtree (11, 1)" in p.message for p in problems)


def test_verify_refuses_missing_database(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="no log database"):
        verify_log(tmp_path / "nope.db")
    assert not (tmp_path / "nope.db").exists()


# ----------------------------------------------------------------------------- crash safety

WRITER = textwrap.dedent(
    """
    import random, sys, time
    from ruralflow.trace.checkpoint import load_signer
    from ruralflow.trace.log import MerkleLog, SqliteLogStore

    path, seed, mode, keyfile = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

    class Hooked(SqliteLogStore):
        def _insert_nodes(self, nodes):
            super()._insert_nodes(nodes)
            if mode == "pause" and self.size() > start + 300:  # written, not committed
                print("IN-TRANSACTION", flush=True)
                time.sleep(60)

    signer = load_signer(keyfile)
    log = MerkleLog(Hooked(path))
    start = log.size
    rng = random.Random(seed)
    batch_no = 0
    while True:
        batch = [
            b"%d:%d:" % (seed, i) + rng.randbytes(rng.randrange(0, 80))
            for i in range(rng.randrange(1, 200))
        ]
        result = log.append_many(batch)
        # acknowledged: the batch is committed; print every index and leaf hash
        sys.stdout.write("".join(
            f"{i} {h.hex()}\\n" for i, h in zip(result.indices, result.leaf_hashes)
        ))
        sys.stdout.flush()
        batch_no += 1
        if batch_no % 7 == 0:
            log.add_checkpoint(signer)
    """
)


def _run_writer(path: Path, keyfile: Path, seed: int, mode: str, acks: int) -> dict[int, str]:
    """Start a writer, SIGKILL it after ``acks`` acknowledgements (or mid-transaction)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(seed), mode, str(keyfile)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    acked: dict[int, str] = {}
    killed_in_txn = False
    try:
        for line in proc.stdout:
            if line == "IN-TRANSACTION\n":
                killed_in_txn = True
                break
            if line.endswith("\n"):
                i, h = line.split()
                acked[int(i)] = h
            if mode == "random" and len(acked) >= acks:
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        # read through the text wrapper: communicate() reads the pipe directly and would
        # drop what the wrapper has already buffered, cutting a line in two
        rest = proc.stdout.read()
        proc.wait(timeout=30)
    for line in rest.splitlines(keepends=True):
        if line.endswith("\n") and line != "IN-TRANSACTION\n":
            i, h = line.split()
            acked[int(i)] = h
    assert proc.returncode == -signal.SIGKILL
    assert killed_in_txn == (mode == "pause")
    return acked


def test_kill_during_append_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    signer = generate_signer("ruralflow.example/crash-test")
    write_key_pair(signer, tmp_path / "k", tmp_path / "k.pub")
    all_acked: dict[int, str] = {}
    for round_no, (mode, acks) in enumerate(
        [("random", 900), ("random", 1700), ("random", 2600), ("pause", 0)]
    ):
        acked = _run_writer(path, tmp_path / "k", round_no, mode, acks)
        assert acked, "the writer acknowledged nothing"
        all_acked.update(acked)
        with MerkleLog.open(path) as log:
            size = log.size
            # the tree equals a recomputation from the entries, checkpoints included
            report = verify_log(log, [signer.verifier()], require_checkpoint=False)
            assert report.ok, report.summary()
            assert report.root == log.root()
            # every acknowledged entry survived, byte for byte
            assert max(all_acked) < size
            for i, h in all_acked.items():
                assert log.leaf_hash(i).hex() == h
                assert leaf_hash(log.entry(i)).hex() == h
            if mode == "pause":
                # killed between writing a batch and committing it: the batch is gone
                assert size == max(all_acked) + 1
        assert not (tmp_path / "log.db-journal").exists()
    assert len(all_acked) >= 2600


def test_cli_trace_verify(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ruralflow.cli import app

    path = tmp_path / "county.db"
    signer = generate_signer("ruralflow.example/cli")
    write_key_pair(signer, tmp_path / "log.key", tmp_path / "log.pub")
    _filled(path, 300)
    with MerkleLog.open(path) as log:
        log.add_checkpoint(signer)
    runner = CliRunner()
    args = ["trace", "verify", "--db", str(path), "--key", str(tmp_path / "log.pub")]
    ok = runner.invoke(app, args)
    assert ok.exit_code == 0, ok.output
    assert "OK" in ok.output
    data = bytearray(
        sqlite3.connect(path).execute("SELECT data FROM tlog_entries WHERE idx = 42").fetchone()[0]
    )
    data[-2] ^= 0x20
    _sql(path, ("UPDATE tlog_entries SET data = ? WHERE idx = 42", (bytes(data),)))
    bad = runner.invoke(app, [*args, "--json"])
    assert bad.exit_code == 1
    assert '"first_bad_entry": 42' in bad.output
    missing = runner.invoke(app, ["trace", "verify", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1
    assert "no log database" in missing.output
