"""Ed25519 keys, C2SP signed notes and checkpoints, and their audit in a stored log."""

from __future__ import annotations

import base64
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from ruralflow.trace.checkpoint import (
    Checkpoint,
    CheckpointError,
    KeyFileError,
    NoteError,
    Signer,
    Verifier,
    generate_signer,
    key_id,
    load_signer,
    load_verifier,
    open_checkpoint,
    open_note,
    sign_checkpoint,
    sign_note,
    write_key_pair,
)
from ruralflow.trace.log import LogError, MerkleLog
from ruralflow.trace.merkle import EMPTY_ROOT, leaf_hash
from ruralflow.trace.verify import verify_log

# Known answer of golang.org/x/mod/sumdb/note (its package documentation example).
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_SIG = (
    "— PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)

ORIGIN = "ruralflow.example/county/610425/trace"


def test_go_sumdb_note_known_answer() -> None:
    signer = Signer.from_text(GO_SKEY)
    assert signer.verifier().to_text() == GO_VKEY
    assert signer.to_text() == GO_SKEY
    assert signer.key_id.hex() == "c74f20a3"
    note = sign_note(GO_TEXT, [signer])
    assert note == GO_TEXT + "\n" + GO_SIG
    text, ok = open_note(note, [Verifier.from_text(GO_VKEY)])
    assert text == GO_TEXT
    assert [v.name for v in ok] == ["PeterNeumann"]
    assert "AYEK" not in repr(signer)  # the seed never shows in logs


def test_key_id_is_signed_note_recipe() -> None:
    pub = bytes(range(32))
    want = __import__("hashlib").sha256(b"abc\n\x01" + pub).digest()[:4]
    assert key_id("abc", pub) == want


def test_note_verification_rules() -> None:
    s = generate_signer(ORIGIN)
    other = generate_signer("someone.else/witness")
    note = sign_note("hello\n\nworld\n", [other, s])
    # the last blank line separates text and signatures; unknown keys are ignored
    text, ok = open_note(note, [s.verifier()])
    assert text == "hello\n\nworld\n"
    assert ok == [s.verifier()]
    with pytest.raises(NoteError, match="not signed by any trusted key"):
        open_note(note, [generate_signer(ORIGIN).verifier()])  # same name, other key
    with pytest.raises(NoteError, match="does not verify"):
        open_note(note.replace("world", "w0rld"), [s.verifier()])
    with pytest.raises(NoteError, match="control"):
        open_note(note.replace("hello", "hel\tlo"), [s.verifier()])
    with pytest.raises(NoteError, match="malformed"):
        open_note(note.replace("— ", "- "), [s.verifier()])
    with pytest.raises(NoteError, match="no signatures"):
        open_note("hello\n\n", [s.verifier()])
    with pytest.raises(NoteError, match="newline"):
        sign_note("no newline", [s])
    with pytest.raises(ValueError, match="spaces"):
        generate_signer("bad name")


def test_checkpoint_format_round_trip() -> None:
    root = leaf_hash(b"x")
    cp = Checkpoint(ORIGIN, 20852163, root)
    body = cp.body()
    assert body == f"{ORIGIN}\n20852163\n{base64.b64encode(root).decode()}\n"
    s = generate_signer(ORIGIN)
    note = sign_checkpoint(cp, [s])
    assert note.startswith(body + "\n— " + ORIGIN + " ")
    assert open_checkpoint(note, [s.verifier()]) == cp
    ext = Checkpoint(ORIGIN, 0, EMPTY_ROOT, ("extension line",))
    assert Checkpoint.parse(ext.body()) == ext
    b64 = base64.b64encode(root).decode()
    for bad, msg in [
        (f"{ORIGIN}\n007\n{b64}\n", "size"),
        (f"{ORIGIN}\n-1\n{b64}\n", "size"),
        (f"{ORIGIN}\n7\n{b64[:-1]}\n", "base64"),
        (f"{ORIGIN}\n7\n{base64.b64encode(root[:31]).decode()}\n", "32 bytes"),
        (f"{ORIGIN}\n7\n", "three"),
        (f"{ORIGIN}\n7\n{b64}\n\nx\n", "three non-empty"),
        (f"{ORIGIN}\n7\n{b64}", "newline"),
    ]:
        with pytest.raises(CheckpointError, match=msg):
            Checkpoint.parse(bad)


def test_key_files_permissions(tmp_path: Path) -> None:
    s = generate_signer(ORIGIN)
    priv, pub = tmp_path / "log.key", tmp_path / "log.pub"
    write_key_pair(s, priv, pub)
    assert stat.S_IMODE(priv.stat().st_mode) == 0o600
    assert load_signer(priv) == s
    assert load_verifier(pub) == s.verifier()
    with pytest.raises(KeyFileError, match="overwrite"):
        write_key_pair(s, priv, tmp_path / "other.pub")
    os.chmod(priv, 0o640)
    with pytest.raises(KeyFileError, match=r"mode 0640 .*chmod 600"):
        load_signer(priv)
    os.chmod(priv, 0o604)
    with pytest.raises(KeyFileError, match="group or others"):
        load_signer(priv)
    with pytest.raises(KeyFileError, match="private key"):
        load_verifier(priv)
    with pytest.raises(KeyFileError, match="does not exist"):
        load_signer(tmp_path / "missing.key")
    # a key text whose ID does not match its key is refused
    bad = s.verifier().to_text().replace(s.key_id.hex(), "00000000")
    with pytest.raises(KeyFileError, match="does not match"):
        Verifier.from_text(bad)


def _log_with_checkpoints(path: Path, signer: Signer) -> MerkleLog:
    log = MerkleLog.open(path)
    log.add_checkpoint(signer)  # the empty tree
    for b in range(4):
        log.append_many([b"batch %d entry %d" % (b, i) for i in range(5 + 3 * b)])
        log.add_checkpoint(signer)
    return log


def test_checkpoints_stored_and_verified(tmp_path: Path) -> None:
    s = generate_signer(ORIGIN)
    log = _log_with_checkpoints(tmp_path / "log.db", s)
    cps = log.checkpoints()
    assert [c.tree_size for c in cps] == [0, 5, 13, 24, 38]
    latest = open_checkpoint(cps[-1].note, [s.verifier()])
    assert latest == Checkpoint(ORIGIN, 38, log.root())
    report = verify_log(log, [s.verifier()])
    assert report.ok, report.summary()
    assert report.checkpoints_checked == 5
    # the wrong key: every signature fails
    wrong = verify_log(log, [generate_signer(ORIGIN).verifier()])
    assert [p.kind for p in wrong.problems] == ["checkpoint-signature"] * 5 + ["checkpoint-none"]
    # no key: reported, not silently skipped
    nokey = verify_log(log, [])
    assert [p.kind for p in nokey.problems] == ["checkpoint-unchecked"]
    log.close()


def test_tampered_checkpoint_note_is_detected(tmp_path: Path) -> None:
    s = generate_signer(ORIGIN)
    path = tmp_path / "log.db"
    _log_with_checkpoints(path, s).close()
    db = sqlite3.connect(path)
    db.execute("DROP TRIGGER tlog_checkpoints_no_update")
    note = db.execute("SELECT note FROM tlog_checkpoints WHERE seq = 3").fetchone()[0]
    db.execute("UPDATE tlog_checkpoints SET note = ? WHERE seq = 3", (note.replace("13", "12"),))
    db.commit()
    db.close()
    report = verify_log(path, [s.verifier()])
    assert not report.ok
    assert report.problems[0].kind == "checkpoint-signature"
    assert "checkpoint 3" in report.problems[0].message


def test_forked_checkpoint_is_inconsistent(tmp_path: Path) -> None:
    """A validly signed checkpoint of a different history fails the consistency check."""
    s = generate_signer(ORIGIN)
    path = tmp_path / "log.db"
    log = _log_with_checkpoints(path, s)
    fork_root = MerkleLog.open(tmp_path / "fork.db")
    fork_root.append_many([b"forged %d" % i for i in range(13)])
    forged = sign_checkpoint(Checkpoint(ORIGIN, 13, fork_root.root()), [s])
    fork_root.close()
    db = sqlite3.connect(path)
    db.execute(
        "INSERT INTO tlog_checkpoints(tree_size, root, note, created_at) VALUES (?, ?, ?, 'x')",
        (13, Checkpoint.parse(forged.split("\n\n")[0] + "\n").root_hash, forged),
    )
    db.commit()
    db.close()
    report = verify_log(path, [s.verifier()])
    kinds = [p.kind for p in report.problems]
    assert "checkpoint-order" in kinds  # 13 after 38
    assert "checkpoint-root" in kinds  # the entries do not hash to the forged root
    # and the log refuses to sign anything on top of a history it cannot prove consistent
    with pytest.raises(LogError, match="not consistent"):
        log.add_checkpoint(s)
    log.close()


def test_consistency_between_checkpoints_uses_stored_tree(tmp_path: Path) -> None:
    """If a stored subtree hash is rewritten, the consistency proof between checkpoints fails."""
    s = generate_signer(ORIGIN)
    path = tmp_path / "log.db"
    _log_with_checkpoints(path, s).close()
    db = sqlite3.connect(path)
    db.execute("DROP TRIGGER tlog_nodes_no_update")
    # node (level 3, index 0) = subtree over entries 0..7, id 7: used to prove 5 -> 13
    db.execute("UPDATE tlog_nodes SET hash = ? WHERE id = 7", (leaf_hash(b"junk"),))
    db.commit()
    db.close()
    report = verify_log(path, [s.verifier()])
    kinds = {p.kind for p in report.problems}
    assert "checkpoint-consistency" in kinds
    assert "node-mismatch" in kinds
    assert report.bad_range == (0, 8)


def test_store_refuses_shrinking_checkpoint(tmp_path: Path) -> None:
    s = generate_signer(ORIGIN)
    log = _log_with_checkpoints(tmp_path / "log.db", s)
    with pytest.raises(LogError, match="below the latest"):
        log.store.add_checkpoint(10, log.root(10), "x")
    with pytest.raises(LogError, match="beyond the log"):
        log.store.add_checkpoint(99, log.root(), "x")
    log.close()
