"""Auditing the trace log as an attacker with write access to its database would attack it.

Each tampering case is run against ``ruralflow trace verify --checkpoint`` with a note saved
before the attack (``trace checkpoint --out``); the first three also against ``--key``
alone. Also: witness folders, the concurrent-writers guarantee and clear errors for broken
database files.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ruralflow.cli import app
from ruralflow.trace.checkpoint import Signer, generate_signer, write_key_pair
from ruralflow.trace.log import MerkleLog, SqliteLogStore
from ruralflow.trace.verify import load_trusted_checkpoints, verify_log

runner = CliRunner()
ORIGIN = "ruralflow.example/county/000000/trace"
N = 40


def _run(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, ["trace", *args])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    return r.exit_code, " ".join(r.output.split())


def _entries(n: int = N) -> list[bytes]:
    return [b'{"event":%d}' % i for i in range(n)]


def _build(path: Path, entries: list[bytes], signer: Signer | None, at: tuple[int, ...]) -> None:
    """A log of ``entries`` with checkpoints signed by ``signer`` at the sizes ``at``."""
    with MerkleLog.open(path) as log:
        done = 0
        for size in at:
            log.append_many(entries[done:size])
            done = size
            if signer is not None:
                log.add_checkpoint(signer)
        if done < len(entries):
            log.append_many(entries[done:])


@pytest.fixture
def audited(tmp_path: Path) -> tuple[Path, Signer, Path, Path]:
    """A signed log of 40 entries (checkpoints at 16 and 40), its public key and a note of
    size 40 saved outside it."""
    signer = generate_signer(ORIGIN)
    key, pub = tmp_path / "log.key", tmp_path / "log.pub"
    write_key_pair(signer, key, pub)
    db = tmp_path / "log.db"
    _build(db, _entries(), signer, (16, N))
    note = tmp_path / "saved.note"
    code, _ = _run("checkpoint", "--db", str(db), "--out", str(note))
    assert code == 0 and note.read_text().startswith(f"{ORIGIN}\n{N}\n")
    code, out = _run("verify", "--db", str(db), "--key", str(pub), "--checkpoint", str(note))
    assert code == 0 and "OK" in out, out
    return db, signer, pub, note


def _sql(db: Path, *statements: str) -> None:
    con = sqlite3.connect(db)
    for t in ("entries", "nodes", "checkpoints", "keys"):
        for op in ("update", "delete"):
            con.execute(f"DROP TRIGGER IF EXISTS tlog_{t}_no_{op}")
    for s in statements:
        con.execute(s)
    con.commit()
    con.close()


def _replace(db: Path, entries: list[bytes]) -> None:
    """Rewrite history: a fresh log of ``entries`` with a rebuilt tree, no checkpoints."""
    db.unlink()
    for extra in db.parent.glob(db.name + "-*"):
        extra.unlink()
    _build(db, entries, None, ())


def _verify(db: Path, pub: Path, note: Path | None) -> tuple[int, str]:
    args = ["verify", "--db", str(db), "--key", str(pub)]
    return _run(*args, *(["--checkpoint", str(note)] if note else []))


def test_deleted_checkpoints_are_detected(audited: tuple[Path, Signer, Path, Path]) -> None:
    """Deleting every checkpoint row: no checkpoint verifies with the key any more."""
    db, _s, pub, note = audited
    _sql(db, "DELETE FROM tlog_checkpoints")
    for saved in (note, None):
        code, out = _verify(db, pub, saved)
        assert code == 1 and "[checkpoint-none]" in out, out


def test_rewritten_rebuilt_history_is_detected(audited: tuple[Path, Signer, Path, Path]) -> None:
    """One entry changed, the whole tree rebuilt and the checkpoints dropped."""
    db, _s, pub, note = audited
    forged = _entries()
    forged[5] = b'{"event":"forged"}'
    _replace(db, forged)
    assert verify_log(db).ok  # consistent by itself: only an outside reference finds it
    code, out = _verify(db, pub, None)
    assert code == 1 and "[checkpoint-none]" in out
    code, out = _verify(db, pub, note)
    assert code == 1 and "[trusted-root]" in out and "history was rewritten" in out, out


def test_truncated_log_is_detected(audited: tuple[Path, Signer, Path, Path]) -> None:
    """The issue's attack: checkpoints and entries from 32 on deleted."""
    db, _s, pub, note = audited
    _sql(db, "DELETE FROM tlog_checkpoints", "DELETE FROM tlog_entries WHERE idx >= 32")
    code, out = _verify(db, pub, None)
    assert code == 1 and "[checkpoint-none]" in out
    code, out = _verify(db, pub, note)
    assert code == 1 and "[trusted-truncated]" in out and "entries 32..39 were removed" in out
    # cleanly truncated and rebuilt too
    _replace(db, _entries(32))
    code, out = _verify(db, pub, note)
    assert code == 1 and "first altered entry: 32" in out, out


def test_truncation_behind_an_older_checkpoint_needs_the_saved_note(
    audited: tuple[Path, Signer, Path, Path],
) -> None:
    """Cut back to 20 entries, keeping the genuine checkpoint of size 16: the log's own
    checkpoints cannot tell (threat model), the note saved at size 40 can."""
    db, _s, pub, note = audited
    old = [r for r in SqliteLogStore(db, create=False).checkpoints() if r.tree_size == 16]
    _replace(db, _entries(20))
    _sql(
        db,
        "INSERT INTO tlog_checkpoints(tree_size, root, note, created_at) VALUES "
        f"(16, x'{old[0].root.hex()}', '{old[0].note}', '{old[0].created_at}')",
    )
    code, out = _verify(db, pub, None)
    assert code == 0 and "entries 16..19 are not yet covered by a signed checkpoint" in out
    code, out = _verify(db, pub, note)
    assert code == 1 and "[trusted-truncated]" in out


def test_reordered_entries_are_detected(audited: tuple[Path, Signer, Path, Path]) -> None:
    """Two entries swapped and the tree rebuilt."""
    db, _s, pub, note = audited
    swapped = _entries()
    swapped[3], swapped[4] = swapped[4], swapped[3]
    _replace(db, swapped)
    code, out = _verify(db, pub, note)
    assert code == 1 and "[trusted-root]" in out


def test_changed_payload_byte_is_named(audited: tuple[Path, Signer, Path, Path]) -> None:
    db, _s, pub, note = audited
    _sql(db, """UPDATE tlog_entries SET data = CAST('{"event":8}' AS BLOB) WHERE idx = 7""")
    code, out = _verify(db, pub, note)
    assert code == 1 and "first altered entry: 7" in out, out


def test_changed_stored_hash_is_detected(audited: tuple[Path, Signer, Path, Path]) -> None:
    db, _s, pub, note = audited
    _sql(db, f"UPDATE tlog_entries SET leaf_hash = x'{'00' * 32}' WHERE idx = 9")
    code, out = _verify(db, pub, note)
    assert code == 1 and "first altered entry: 9" in out
    _sql(db, "UPDATE tlog_entries SET leaf_hash = (SELECT leaf_hash FROM tlog_entries "
         "WHERE idx = 10) WHERE idx = 9")  # fmt: skip
    _sql(db, "UPDATE tlog_nodes SET hash = zeroblob(32) WHERE id = 7")  # subtree 0..7
    report = verify_log(db)
    assert not report.ok and any(p.kind == "node-mismatch" for p in report.problems)


def test_witness_folder(tmp_path: Path, audited: tuple[Path, Signer, Path, Path]) -> None:
    """A folder of notes saved at several sizes: each must be extended; a forged history
    is bounded between the largest note it still matches and the smallest it does not."""
    db, signer, pub, _note = audited
    folder = tmp_path / "witness"
    folder.mkdir()
    with MerkleLog.open(db) as log:
        for _ in range(3):
            log.append_many([b"more"] * 8)
            log.add_checkpoint(signer)
            code, _ = _run("checkpoint", "--db", str(db), "--out", str(folder))
            assert code == 0
    assert sorted(p.name for p in folder.iterdir()) == [
        "checkpoint-48.txt",
        "checkpoint-56.txt",
        "checkpoint-64.txt",
    ]
    code, out = _verify(db, pub, folder)
    assert code == 0 and "3 trusted" in out, out
    entries = _entries() + [b"more"] * 24
    entries[50] = b"changed"
    _replace(db, entries)
    report = verify_log(db, trusted=load_trusted_checkpoints(folder, [signer.verifier()]))
    assert report.bad_range == (48, 56), report.summary()
    (folder / "junk.txt").write_text("not a note\n")
    code, out = _verify(db, pub, folder)
    assert code == 1 and "junk.txt" in out


def test_checkpoint_usage(tmp_path: Path) -> None:
    """--checkpoint needs --key; a log without a checkpoint has no note to write."""
    db = tmp_path / "log.db"
    _build(db, _entries(3), None, ())
    code, _ = _run("verify", "--db", str(db), "--checkpoint", str(tmp_path))
    assert code == 2
    code, out = _run("checkpoint", "--db", str(db))
    assert code == 1 and "no checkpoint yet" in out


def test_broken_databases_get_one_message(tmp_path: Path) -> None:
    """Missing folder, not a database, a bad tlog_meta value, a damaged page: exit 1."""
    cases = {"missing": tmp_path / "no" / "such" / "log.db"}
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite\n" * 100)
    cases["junk"] = junk
    meta = tmp_path / "meta.db"
    _build(meta, _entries(3), None, ())
    _sql(meta, "UPDATE tlog_meta SET value = 'eight' WHERE key = 'min_node_level'")
    cases["meta"] = meta
    damaged = tmp_path / "damaged.db"
    _build(damaged, [b"x" * 300 + b"%d" % i for i in range(2000)], None, ())
    with damaged.open("r+b") as f:
        f.seek(4096 * 20)
        f.write(b"\xff" * 4096 * 30)
    cases["damaged"] = damaged
    for name, db in cases.items():
        for cmd in (["verify"], ["export"], ["checkpoint"], ["add", str(junk)]):
            code, out = _run(cmd[0], "--db", str(db), *cmd[1:])
            assert code == 1, (name, cmd, out)
            assert "Traceback" not in out and out, (name, cmd)


WRITER = textwrap.dedent(
    """
    import sys, time
    from ruralflow.trace.checkpoint import load_signer
    from ruralflow.trace.log import MerkleLog
    db, key, tag = sys.argv[1:4]
    signer = load_signer(key)
    stop = time.monotonic() + 2.0
    n = 0
    with MerkleLog.open(db) as log:
        while time.monotonic() < stop:
            log.append_many([f"{tag} {n} {i}".encode() for i in range(3)])
            log.add_checkpoint(signer)
            n += 1
    print(n)
    """
)


def test_two_writers_append_and_sign_concurrently(tmp_path: Path) -> None:
    """Two processes append and sign for 2 s each: no false "below the latest" refusal."""
    signer = generate_signer(ORIGIN)
    key = tmp_path / "log.key"
    write_key_pair(signer, key, tmp_path / "log.pub")
    db = tmp_path / "log.db"
    MerkleLog.open(db).close()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), str(key), tag],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("a", "b")
    ]
    rounds = 0
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        rounds += int(out)
    assert rounds >= 2
    report = verify_log(db, [signer.verifier()])
    assert report.ok, report.summary()
    assert report.tree_size == 3 * rounds and report.checkpoints_checked == rounds


def test_changed_capture_key_is_detected(tmp_path: Path) -> None:
    """The eventID index is outside the tree: a key moved to another entry is reported."""
    from ruralflow.trace.log import KeyedEntry

    db = tmp_path / "log.db"
    with MerkleLog.open(db) as log:
        log.append_keyed(
            KeyedEntry(f"urn:uuid:{i}", b'{"eventID":"urn:uuid:%d"}' % i, b"d%d" % i)
            for i in range(3)
        )
    assert verify_log(db).ok
    _sql(db, "UPDATE tlog_keys SET idx = 2 WHERE key = 'urn:uuid:1'")
    report = verify_log(db)
    assert [p.kind for p in report.problems] == ["key-mismatch"]
    assert report.first_bad_entry == 2
