"""Traceability: EPCIS 2.0 events on a tamper-evident Merkle log with signed checkpoints.

- :mod:`ruralflow.trace.merkle`: RFC 9162 hashing, tree roots, inclusion and consistency proofs
  (generation and verification);
- :mod:`ruralflow.trace.canonical`: canonical entry bytes of a JSON-able value (RFC 8785 JCS);
- :mod:`ruralflow.trace.log`: the persistent log (SQLite behind a small storage interface);
- :mod:`ruralflow.trace.checkpoint`: Ed25519 keys and C2SP signed-note checkpoints;
- :mod:`ruralflow.trace.verify`: full audit of a stored log (``verify_log``);
- :mod:`ruralflow.trace.epcis`: GS1 EPCIS 2.0 events for a batch's life, documents, alarms;
- :mod:`ruralflow.trace.hashid`: the CBV 2.0 event hash ID (``ni:///sha-256;...``);
- :mod:`ruralflow.trace.strictjson`: strict (I-JSON) parsing with size and depth limits;
- :mod:`ruralflow.trace.ids`: GS1 keys (Digital Link URIs) and the project namespace;
- :mod:`ruralflow.trace.validate`: GS1 schema validation and offline JSON-LD expansion;
- :mod:`ruralflow.trace.exchange`: EPCIS documents into and out of the log;
- :mod:`ruralflow.trace.view`: a lot's history, inclusion proofs, verification view;
- :mod:`ruralflow.trace.codes`: trace URLs and QR codes;
- :mod:`ruralflow.trace.brand`: regional public brand, sub-brands, GI status;
- :mod:`ruralflow.trace.season`: demo events for a season of a county bundle.

Front doors, each returning a result with ``summary()`` and ``to_dict()``:
:func:`season_events` ``(county, options) -> SeasonTrace``; :meth:`MerkleLog.append`
``-> AppendResult``; :func:`capture` / :func:`capture_documents` ``-> CaptureResult``
(idempotent by ``eventID``); :func:`verify_log` ``-> VerifyReport`` (with ``trusted=``
checkpoints from :func:`load_trusted_checkpoints`); :func:`validate_epcis`
``-> EpcisReport``; :func:`import_document` / :func:`export_document`;
:func:`verification_view` (a JSON-ready dict). Errors derive from :class:`TraceError`
(a :class:`~ruralflow.domain.DomainError`). Names are imported lazily (the CLI loads this
package at start).

See ``docs/trace-log.md`` and ``docs/traceability.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ruralflow.trace.brand import BrandRegistry as BrandRegistry
    from ruralflow.trace.brand import registry_for as registry_for
    from ruralflow.trace.canonical import CanonicalJSONError as CanonicalJSONError
    from ruralflow.trace.canonical import canonical_json as canonical_json
    from ruralflow.trace.checkpoint import Checkpoint as Checkpoint
    from ruralflow.trace.checkpoint import CheckpointError as CheckpointError
    from ruralflow.trace.checkpoint import KeyFileError as KeyFileError
    from ruralflow.trace.checkpoint import NoteError as NoteError
    from ruralflow.trace.checkpoint import Signer as Signer
    from ruralflow.trace.checkpoint import Verifier as Verifier
    from ruralflow.trace.checkpoint import generate_signer as generate_signer
    from ruralflow.trace.checkpoint import load_signer as load_signer
    from ruralflow.trace.checkpoint import load_verifier as load_verifier
    from ruralflow.trace.checkpoint import open_checkpoint as open_checkpoint
    from ruralflow.trace.checkpoint import sign_checkpoint as sign_checkpoint
    from ruralflow.trace.codes import qr_svg as qr_svg
    from ruralflow.trace.codes import trace_url as trace_url
    from ruralflow.trace.epcis import STAGES as STAGES
    from ruralflow.trace.epcis import standalone_event as standalone_event
    from ruralflow.trace.errors import TraceError as TraceError
    from ruralflow.trace.exchange import CapturedEvent as CapturedEvent
    from ruralflow.trace.exchange import CaptureResult as CaptureResult
    from ruralflow.trace.exchange import capture as capture
    from ruralflow.trace.exchange import capture_documents as capture_documents
    from ruralflow.trace.exchange import export_document as export_document
    from ruralflow.trace.exchange import import_document as import_document
    from ruralflow.trace.hashid import event_hash_id as event_hash_id
    from ruralflow.trace.ids import IdentifierError as IdentifierError
    from ruralflow.trace.ids import Namespace as Namespace
    from ruralflow.trace.log import AppendResult as AppendResult
    from ruralflow.trace.log import Duplicate as Duplicate
    from ruralflow.trace.log import DuplicateKeyError as DuplicateKeyError
    from ruralflow.trace.log import KeyedEntry as KeyedEntry
    from ruralflow.trace.log import LogDatabaseError as LogDatabaseError
    from ruralflow.trace.log import LogError as LogError
    from ruralflow.trace.log import MerkleLog as MerkleLog
    from ruralflow.trace.log import SqliteLogStore as SqliteLogStore
    from ruralflow.trace.log import StaleSizeError as StaleSizeError
    from ruralflow.trace.merkle import ProofError as ProofError
    from ruralflow.trace.merkle import verify_consistency as verify_consistency
    from ruralflow.trace.merkle import verify_inclusion as verify_inclusion
    from ruralflow.trace.season import BatchTrace as BatchTrace
    from ruralflow.trace.season import SeasonOptions as SeasonOptions
    from ruralflow.trace.season import SeasonTrace as SeasonTrace
    from ruralflow.trace.season import season_events as season_events
    from ruralflow.trace.strictjson import StrictJSONError as StrictJSONError
    from ruralflow.trace.strictjson import loads_strict as loads_strict
    from ruralflow.trace.validate import EpcisDirError as EpcisDirError
    from ruralflow.trace.validate import EpcisJsonLdError as EpcisJsonLdError
    from ruralflow.trace.validate import EpcisProblem as EpcisProblem
    from ruralflow.trace.validate import EpcisReport as EpcisReport
    from ruralflow.trace.validate import EpcisValidationError as EpcisValidationError
    from ruralflow.trace.validate import validate_epcis as validate_epcis
    from ruralflow.trace.validate import validate_epcis_file as validate_epcis_file
    from ruralflow.trace.verify import LogProblem as LogProblem
    from ruralflow.trace.verify import TrustedCheckpoint as TrustedCheckpoint
    from ruralflow.trace.verify import VerifyReport as VerifyReport
    from ruralflow.trace.verify import load_trusted_checkpoints as load_trusted_checkpoints
    from ruralflow.trace.verify import verify_log as verify_log
    from ruralflow.trace.view import batch_history as batch_history
    from ruralflow.trace.view import verification_view as verification_view

_WHERE = {
    "brand": (
        "BrandRegistry",
        "registry_for",
    ),
    "canonical": (
        "CanonicalJSONError",
        "canonical_json",
    ),
    "checkpoint": (
        "Checkpoint",
        "CheckpointError",
        "KeyFileError",
        "NoteError",
        "Signer",
        "Verifier",
        "generate_signer",
        "load_signer",
        "load_verifier",
        "open_checkpoint",
        "sign_checkpoint",
    ),
    "codes": (
        "qr_svg",
        "trace_url",
    ),
    "epcis": (
        "STAGES",
        "standalone_event",
    ),
    "errors": ("TraceError",),
    "exchange": (
        "CaptureResult",
        "CapturedEvent",
        "capture",
        "capture_documents",
        "export_document",
        "import_document",
    ),
    "hashid": ("event_hash_id",),
    "ids": (
        "IdentifierError",
        "Namespace",
    ),
    "log": (
        "AppendResult",
        "Duplicate",
        "DuplicateKeyError",
        "KeyedEntry",
        "LogDatabaseError",
        "LogError",
        "MerkleLog",
        "SqliteLogStore",
        "StaleSizeError",
    ),
    "merkle": (
        "ProofError",
        "verify_consistency",
        "verify_inclusion",
    ),
    "season": (
        "BatchTrace",
        "SeasonOptions",
        "SeasonTrace",
        "season_events",
    ),
    "strictjson": (
        "StrictJSONError",
        "loads_strict",
    ),
    "validate": (
        "EpcisDirError",
        "EpcisJsonLdError",
        "EpcisProblem",
        "EpcisReport",
        "EpcisValidationError",
        "validate_epcis",
        "validate_epcis_file",
    ),
    "verify": (
        "LogProblem",
        "TrustedCheckpoint",
        "load_trusted_checkpoints",
        "VerifyReport",
        "verify_log",
    ),
    "view": (
        "batch_history",
        "verification_view",
    ),
}
_MODULE = {name: module for module, names in _WHERE.items() for name in names}
__all__ = sorted(_MODULE)


def __getattr__(name: str) -> Any:
    module = _MODULE.get(name)
    if module is None:
        raise AttributeError(f"module 'ruralflow.trace' has no attribute {name!r}")
    return getattr(importlib.import_module(f"ruralflow.trace.{module}"), name)
