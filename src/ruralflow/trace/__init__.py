"""Traceability: EPCIS 2.0 events on a tamper-evident Merkle log with signed checkpoints.

- :mod:`ruralflow.trace.merkle`: RFC 9162 hashing, tree roots, inclusion and consistency proofs
  (generation and verification);
- :mod:`ruralflow.trace.canonical`: canonical entry bytes of a JSON-able value (RFC 8785 JCS);
- :mod:`ruralflow.trace.log`: the persistent log (SQLite behind a small storage interface);
- :mod:`ruralflow.trace.checkpoint`: Ed25519 keys and C2SP signed-note checkpoints;
- :mod:`ruralflow.trace.verify`: full audit of a stored log (``verify_log``);
- :mod:`ruralflow.trace.epcis`: GS1 EPCIS 2.0 events for a batch's life, documents, alarms;
- :mod:`ruralflow.trace.ids`: GS1 keys (Digital Link URIs) and the project namespace;
- :mod:`ruralflow.trace.validate`: GS1 schema validation and offline JSON-LD expansion;
- :mod:`ruralflow.trace.exchange`: EPCIS documents into and out of the log;
- :mod:`ruralflow.trace.view`: a lot's history, inclusion proofs, verification view;
- :mod:`ruralflow.trace.codes`: trace URLs and QR codes;
- :mod:`ruralflow.trace.brand`: regional public brand, sub-brands, GI status;
- :mod:`ruralflow.trace.season`: demo events for a season of a county bundle.

See ``docs/trace-log.md`` and ``docs/traceability.md``.
"""
