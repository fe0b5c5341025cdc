"""Traceability: a tamper-evident, append-only Merkle log with signed checkpoints.

- :mod:`ruralflow.trace.merkle`: RFC 9162 hashing, tree roots, inclusion and consistency proofs
  (generation and verification);
- :mod:`ruralflow.trace.canonical`: canonical entry bytes of a JSON-able value (RFC 8785 JCS);
- :mod:`ruralflow.trace.log`: the persistent log (SQLite behind a small storage interface);
- :mod:`ruralflow.trace.checkpoint`: Ed25519 keys and C2SP signed-note checkpoints;
- :mod:`ruralflow.trace.verify`: full audit of a stored log (``verify_log``).

See ``docs/trace-log.md``.
"""
