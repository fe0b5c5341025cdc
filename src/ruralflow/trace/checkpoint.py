"""Ed25519 keys, C2SP signed notes and tlog checkpoints.

Formats (byte-compatible with ``golang.org/x/mod/sumdb/note`` and the C2SP specs
``signed-note`` and ``tlog-checkpoint``):

- checkpoint body (the note text)::

      <origin>\\n
      <tree size, decimal, no leading zeros>\\n
      <base64 of the 32-byte root hash>\\n
      [<extension line>\\n ...]

- signed note: the text, a blank line, then one line per signature
  ``— <key name> <base64(key ID (4 bytes, big-endian) || Ed25519 signature)>\\n``
  (``—`` is U+2014), where ``key ID = SHA-256(name || 0x0A || 0x01 || public key)[:4]``;
- verifier (public) key text: ``<name>+<key ID, 8 hex digits>+<base64(0x01 || public key)>``;
- signer (private) key text: ``PRIVATE+KEY+<name>+<key ID>+<base64(0x01 || 32-byte seed)>``.

Key files hold one key text and a newline. A private key file is created with mode 0600 and
is refused on load when group or others may read or write it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from ruralflow.trace.errors import TraceError
from ruralflow.trace.merkle import HASH_SIZE

__all__ = [
    "SIG_TYPE_ED25519",
    "Checkpoint",
    "CheckpointError",
    "KeyFileError",
    "NoteError",
    "Signer",
    "Verifier",
    "generate_signer",
    "key_id",
    "load_signer",
    "load_verifier",
    "open_checkpoint",
    "open_note",
    "sign_checkpoint",
    "sign_note",
    "write_key_pair",
]

SIG_TYPE_ED25519 = 0x01
MAX_SIGNATURES = 100
_EM_DASH = "\u2014"
_SIZE_RE = re.compile(r"0|[1-9][0-9]*")


class NoteError(TraceError):
    """A signed note is malformed or not signed by a trusted key."""


class CheckpointError(TraceError):
    """A checkpoint body is malformed."""


class KeyFileError(TraceError):
    """A key file is malformed, missing or has unsafe permissions."""


def _b64decode(text: str, what: str, exc: type[ValueError]) -> bytes:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as e:
        raise exc(f"{what} is not standard base64: {text!r}") from e
    if base64.b64encode(raw).decode("ascii") != text:
        raise exc(f"{what} is not canonical base64: {text!r}")
    return raw


def _check_name(name: str) -> str:
    if not name or any(ch.isspace() or ch == "+" for ch in name):
        raise TraceError(f"key name {name!r} must be non-empty, without spaces or '+'")
    return name


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte signed-note key ID of an Ed25519 key: SHA-256(name || \\n || 0x01 || pub)[:4]."""
    return hashlib.sha256(
        name.encode("utf-8") + b"\n" + bytes([SIG_TYPE_ED25519]) + public_key
    ).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    """A trusted public key: name and 32-byte Ed25519 public key."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.public_key) != 32:
            raise TraceError("an Ed25519 public key is 32 bytes")

    @property
    def key_id(self) -> bytes:
        """4-byte key ID."""
        return key_id(self.name, self.public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature of ``message``."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def to_text(self) -> str:
        """``name+keyid+base64(0x01||pub)``."""
        blob = base64.b64encode(bytes([SIG_TYPE_ED25519]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{blob}"

    @classmethod
    def from_text(cls, text: str) -> Verifier:
        """Parse a verifier key text; checks the algorithm byte and the key ID."""
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise KeyFileError(f"malformed verifier key {text.strip()!r}")
        name, kid, blob = parts
        raw = _b64decode(blob, "verifier key", KeyFileError)
        if len(raw) != 33 or raw[0] != SIG_TYPE_ED25519:
            raise KeyFileError("verifier key is not an Ed25519 key (type 0x01, 32 bytes)")
        try:
            v = cls(name, raw[1:])
        except ValueError as e:
            raise KeyFileError(str(e)) from e
        if kid != v.key_id.hex():
            raise KeyFileError(f"verifier key {name!r}: key ID {kid} does not match the key")
        return v


@dataclass(frozen=True)
class Signer:
    """A private signing key: name and 32-byte Ed25519 seed. ``repr`` hides the seed."""

    name: str
    seed: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.seed) != 32:
            raise TraceError("an Ed25519 private key seed is 32 bytes")

    def __repr__(self) -> str:
        return f"Signer(name={self.name!r}, key_id={self.key_id.hex()})"

    def _private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def public_key(self) -> bytes:
        """32-byte Ed25519 public key."""
        return self._private().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> bytes:
        """4-byte key ID."""
        return key_id(self.name, self.public_key)

    def verifier(self) -> Verifier:
        """The matching public key."""
        return Verifier(self.name, self.public_key)

    def sign(self, message: bytes) -> bytes:
        """Ed25519 signature of ``message``."""
        return self._private().sign(message)

    def to_text(self) -> str:
        """``PRIVATE+KEY+name+keyid+base64(0x01||seed)``."""
        blob = base64.b64encode(bytes([SIG_TYPE_ED25519]) + self.seed).decode("ascii")
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{blob}"

    @classmethod
    def from_text(cls, text: str) -> Signer:
        """Parse a signer key text; checks the algorithm byte and the key ID."""
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise KeyFileError("malformed signer key (expected PRIVATE+KEY+name+id+key)")
        _, _, name, kid, blob = parts
        raw = _b64decode(blob, "signer key", KeyFileError)
        if len(raw) != 33 or raw[0] != SIG_TYPE_ED25519:
            raise KeyFileError("signer key is not an Ed25519 key (type 0x01, 32 bytes)")
        try:
            s = cls(name, raw[1:])
        except ValueError as e:
            raise KeyFileError(str(e)) from e
        if kid != s.key_id.hex():
            raise KeyFileError(f"signer key {name!r}: key ID {kid} does not match the key")
        return s


def generate_signer(name: str) -> Signer:
    """A new random Ed25519 signing key named ``name`` (e.g. the log origin)."""
    seed = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )
    return Signer(name, seed)


def write_key_pair(signer: Signer, private_path: Path | str, public_path: Path | str) -> None:
    """Write the private key (mode 0600) and public key (mode 0644) files.

    Refuses to overwrite an existing file: a lost signing key cannot be recovered, and a
    replaced one silently breaks verification of old checkpoints.
    """
    priv, pub = Path(private_path), Path(public_path)
    for p in (priv, pub):
        if p.exists():
            raise KeyFileError(f"refusing to overwrite existing key file {p}")
    fd = os.open(priv, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
        os.write(fd, (signer.to_text() + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    fd = os.open(pub, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, (signer.verifier().to_text() + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def load_signer(path: Path | str) -> Signer:
    """Load a private key file, refusing one that group or others can read or write."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError as e:
        raise KeyFileError(f"private key file {p} does not exist") from e
    if os.name == "posix" and st.st_mode & 0o077:
        mode = stat.S_IMODE(st.st_mode)
        raise KeyFileError(
            f"refusing to load private key {p}: its mode {mode:04o} lets group or others "
            f"access it; run 'chmod 600 {p}' (and consider the key compromised if others "
            "could read it)"
        )
    return Signer.from_text(p.read_text(encoding="ascii"))


def load_verifier(path: Path | str) -> Verifier:
    """Load a public (verifier) key file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise KeyFileError(f"public key file {p} does not exist") from e
    if text.startswith("PRIVATE+KEY+"):
        raise KeyFileError(f"{p} holds a private key; give the public key file")
    return Verifier.from_text(text)


# --------------------------------------------------------------------------- signed notes


def _check_note_chars(text: str) -> None:
    for ch in text:
        if ch < " " and ch != "\n":
            raise NoteError(f"note contains control character U+{ord(ch):04X}")


def sign_note(text: str, signers: Sequence[Signer]) -> str:
    """Sign a note text (must end in a newline) with each signer; returns the signed note."""
    if not text.endswith("\n"):
        raise NoteError("note text must end in a newline")
    _check_note_chars(text)
    if not signers:
        raise NoteError("at least one signer is needed")
    msg = text.encode("utf-8")
    lines = []
    for s in signers:
        blob = base64.b64encode(s.key_id + s.sign(msg)).decode("ascii")
        lines.append(f"{_EM_DASH} {s.name} {blob}\n")
    return text + "\n" + "".join(lines)


def open_note(note: str | bytes, verifiers: Iterable[Verifier]) -> tuple[str, list[Verifier]]:
    """Verify a signed note; return its text and the trusted keys whose signatures verified.

    Signatures from unknown keys (name and key ID not both matching a trusted key) are
    ignored; a signature of a trusted key that fails to verify rejects the whole note, and so
    does a note with no verified signature of a trusted key.
    """
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as e:
            raise NoteError("note is not valid UTF-8") from e
    _check_note_chars(note)
    if not note.endswith("\n"):
        raise NoteError("note must end in a newline")
    cut = note.rfind("\n\n")
    if cut < 0:
        raise NoteError("note has no blank line before its signatures")
    text, sig_block = note[: cut + 1], note[cut + 2 :]
    sig_lines = sig_block[:-1].split("\n") if sig_block else []
    if not sig_lines:
        raise NoteError("note has no signatures")
    if len(sig_lines) > MAX_SIGNATURES:
        raise NoteError(f"note has more than {MAX_SIGNATURES} signatures")
    trusted = {(v.name, v.key_id): v for v in verifiers}
    msg = text.encode("utf-8")
    ok: list[Verifier] = []
    for line in sig_lines:
        prefix = _EM_DASH + " "
        if not line.startswith(prefix):
            raise NoteError(f"malformed signature line {line!r}")
        fields = line[len(prefix) :].split(" ")
        if len(fields) != 2 or not fields[0]:
            raise NoteError(f"malformed signature line {line!r}")
        name, blob = fields
        raw = _b64decode(blob, "signature", NoteError)
        if len(raw) < 5:
            raise NoteError(f"signature of {name!r} is too short")
        v = trusted.get((name, raw[:4]))
        if v is None:
            continue  # unknown key: ignored, as the spec requires
        if not v.verify(msg, raw[4:]):
            raise NoteError(f"signature of trusted key {name!r} does not verify")
        if v not in ok:
            ok.append(v)
    if not ok:
        raise NoteError("note is not signed by any trusted key")
    return text, ok


# --------------------------------------------------------------------------- checkpoints


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: origin, tree size and root hash (plus optional extension lines)."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise CheckpointError("checkpoint origin must be one non-empty line")
        if self.size < 0:
            raise CheckpointError("checkpoint size must not be negative")
        if len(self.root_hash) != HASH_SIZE:
            raise CheckpointError(f"checkpoint root hash must be {HASH_SIZE} bytes")
        for ext in self.extensions:
            if not ext or "\n" in ext:
                raise CheckpointError("extension lines must be non-empty single lines")

    def body(self) -> str:
        """The note text of this checkpoint."""
        lines = [
            self.origin,
            str(self.size),
            base64.b64encode(self.root_hash).decode("ascii"),
            *self.extensions,
        ]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint note text (without signatures)."""
        if not text.endswith("\n"):
            raise CheckpointError("checkpoint text must end in a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3 or any(not line for line in lines):
            raise CheckpointError("checkpoint needs at least three non-empty lines")
        origin, size_s, root_s, *ext = lines
        if not _SIZE_RE.fullmatch(size_s):
            raise CheckpointError(f"bad checkpoint tree size {size_s!r}")
        root = _b64decode(root_s, "checkpoint root hash", CheckpointError)
        return cls(origin, int(size_s), root, tuple(ext))


def sign_checkpoint(checkpoint: Checkpoint, signers: Sequence[Signer]) -> str:
    """The signed note of a checkpoint."""
    return sign_note(checkpoint.body(), signers)


def open_checkpoint(note: str | bytes, verifiers: Iterable[Verifier]) -> Checkpoint:
    """Verify a signed checkpoint note and parse its body (raises NoteError/CheckpointError)."""
    text, _ = open_note(note, verifiers)
    return Checkpoint.parse(text)
