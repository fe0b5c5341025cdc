"""RFC 9162 Merkle hashing and proofs: shared conformance probes, reference vectors, properties."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import SHARED
from ruralflow.trace import merkle
from ruralflow.trace.merkle import (
    EMPTY_ROOT,
    Frontier,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    range_nodes,
    root_from_hashes,
    verify_consistency,
    verify_inclusion,
)

#: transparency-dev/merkle's probes and the RFC 6962 vectors are test material in ../shared.
MERKLE = SHARED / "conformance" / "merkle"
PROBES = sorted((MERKLE / "testdata").rglob("*.json"))
#: Without ../shared the parametrised probe test has one case, skipped by the fixture.
PROBE_CASES: list[Path | None] = list(PROBES) or [None]
needs_shared = pytest.mark.usefixtures("shared")


def _b64(s: str) -> bytes:
    return base64.b64decode(s)


def _proof(d: dict[str, Any]) -> list[bytes]:
    return [_b64(p) for p in (d["proof"] or [])]


@needs_shared
def test_probe_files_are_all_found() -> None:
    inclusion = [p for p in PROBES if "inclusion" in p.parts]
    consistency = [p for p in PROBES if "consistency" in p.parts]
    assert len(inclusion) == 65
    assert len(consistency) == 66


@needs_shared
@pytest.mark.parametrize(
    "path",
    PROBE_CASES,
    ids=lambda p: "no-shared" if p is None else str(p.relative_to(MERKLE / "testdata")),
)
def test_conformance_probe(path: Path | None) -> None:
    assert path is not None
    d = json.loads(path.read_text(encoding="utf-8"))
    if "inclusion" in path.parts:

        def call() -> None:
            verify_inclusion(
                d["leafIdx"], d["treeSize"], _b64(d["leafHash"]), _proof(d), _b64(d["root"])
            )
    else:

        def call() -> None:
            verify_consistency(
                d["size1"], d["size2"], _proof(d), _b64(d["root1"]), _b64(d["root2"])
            )

    if d["wantErr"]:
        with pytest.raises(ProofError):
            call()
    else:
        call()  # raises ProofError if the proof does not hold


@pytest.fixture(scope="module")
def ref(shared: Path) -> dict[str, Any]:
    path = shared / "conformance" / "merkle" / "rfc6962_reference_vectors.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def tree(ref: dict[str, Any]) -> dict[str, Any]:
    t: dict[str, Any] = ref["reference_tree"]
    return t


@pytest.fixture(scope="module")
def leaf_hashes(tree: dict[str, Any]) -> list[bytes]:
    return [leaf_hash(bytes.fromhex(h)) for h in tree["leaf_inputs_hex"]]


def test_hasher_vectors(ref: dict[str, Any]) -> None:
    ops = 0
    for case in ref["hasher_vectors"]["cases"]:
        want = bytes.fromhex(case["want"])
        if case["op"] == "empty_root":
            assert want == EMPTY_ROOT == root_from_hashes([])
        elif case["op"] == "leaf_hash":
            assert leaf_hash(bytes.fromhex(case["input_hex"])) == want
        else:
            assert (
                node_hash(bytes.fromhex(case["left_hex"]), bytes.fromhex(case["right_hex"]))
                == want
            )
        ops += 1
    assert ops == 4


def test_reference_tree_nodes_and_roots(tree: dict[str, Any], leaf_hashes: list[bytes]) -> None:
    levels = tree["node_hashes_by_level"]["levels"]
    for level, hashes in enumerate(levels):
        for index, want in enumerate(hashes):
            lo = index << level
            assert root_from_hashes(leaf_hashes[lo : lo + (1 << level)]).hex() == want
    roots = tree["root_hash_by_tree_size"]["roots"]
    assert len(roots) == 9
    f = Frontier()
    assert f.root().hex() == roots[0]
    for n in range(1, 9):
        assert root_from_hashes(leaf_hashes[:n]).hex() == roots[n]
        f.append(leaf_hashes[n - 1])
        assert f.root().hex() == roots[n]


def test_generated_proofs_match_probe_happy_paths(leaf_hashes: list[bytes]) -> None:
    """Our generated proofs for the reference tree equal the upstream positive probes."""
    matched = 0
    for path in PROBES:
        d = json.loads(path.read_text(encoding="utf-8"))
        if d["wantErr"] or d.get("treeSize", d.get("size2")) > 8:
            continue
        if "inclusion" in path.parts and d["treeSize"] > 0:
            assert inclusion_proof(d["leafIdx"], leaf_hashes[: d["treeSize"]]) == _proof(d)
            matched += 1
        elif "consistency" in path.parts and 0 < d["size1"] < d["size2"]:
            assert consistency_proof(d["size1"], leaf_hashes[: d["size2"]]) == _proof(d)
            matched += 1
    assert matched >= 6


def _rfc_mth(hashes: list[bytes]) -> bytes:
    """MTH written straight from RFC 9162 section 2.1.1 (recursive split)."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return node_hash(_rfc_mth(hashes[:k]), _rfc_mth(hashes[k:]))


leaf_lists = st.lists(st.binary(max_size=12), min_size=1, max_size=40, unique=True)


@settings(max_examples=40, deadline=None)
@given(leaf_lists)
def test_roots_agree_with_rfc_recursion(entries: list[bytes]) -> None:
    hashes = [leaf_hash(e) for e in entries]
    f = Frontier()
    nodes = 0
    for h in hashes:
        nodes += len(f.append(h))
    want = _rfc_mth(hashes)
    assert root_from_hashes(hashes) == want
    assert f.root() == want
    assert nodes == len(hashes) - bin(len(hashes)).count("1")


@settings(max_examples=50, deadline=None)
@given(leaf_lists, st.data())
def test_inclusion_proofs_verify_and_tampering_fails(entries: list[bytes], data: Any) -> None:
    hashes = [leaf_hash(e) for e in entries]
    n = len(hashes)
    root = root_from_hashes(hashes)
    i = data.draw(st.integers(0, n - 1))
    proof = inclusion_proof(i, hashes)
    verify_inclusion(i, n, hashes[i], proof, root)

    with pytest.raises(ProofError):
        verify_inclusion(i, n, leaf_hash(entries[i] + b"x"), proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(i, n, hashes[i], [*proof, EMPTY_ROOT], root)
    if n > 1:
        with pytest.raises(ProofError):
            verify_inclusion((i + 1) % n, n, hashes[i], proof, root)
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bit = data.draw(st.integers(0, 255))
        bad = bytearray(proof[k])
        bad[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(ProofError):
            verify_inclusion(i, n, hashes[i], [*proof[:k], bytes(bad), *proof[k + 1 :]], root)
        with pytest.raises(ProofError):
            verify_inclusion(i, n, hashes[i], proof[:-1], root)


@settings(max_examples=50, deadline=None)
@given(leaf_lists, st.data())
def test_consistency_proofs_verify_and_tampering_fails(entries: list[bytes], data: Any) -> None:
    hashes = [leaf_hash(e) for e in entries]
    n = len(hashes)
    m = data.draw(st.integers(1, n))
    r1, r2 = root_from_hashes(hashes[:m]), root_from_hashes(hashes)
    proof = consistency_proof(m, hashes)
    verify_consistency(m, n, proof, r1, r2)

    with pytest.raises(ProofError):
        verify_consistency(m, n, proof, r1, leaf_hash(b"other"))
    if m < n:
        with pytest.raises(ProofError):
            verify_consistency(m, n, proof, leaf_hash(b"forged"), r2)
        # a forked history: same size, one different leaf before size1
        forked = list(hashes)
        forked[m - 1] = leaf_hash(b"fork")
        with pytest.raises(ProofError):
            verify_consistency(m, n, proof, root_from_hashes(forked[:m]), r2)
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = bytearray(proof[k])
        bad[data.draw(st.integers(0, 31))] ^= 0x80
        with pytest.raises(ProofError):
            verify_consistency(m, n, [*proof[:k], bytes(bad), *proof[k + 1 :]], r1, r2)
        with pytest.raises(ProofError):
            verify_consistency(m, n, [*proof, r1], r1, r2)
    else:
        assert proof == []


def test_size_rules() -> None:
    h = leaf_hash(b"a")
    with pytest.raises(ProofError, match="not below"):
        verify_inclusion(0, 0, h, [], EMPTY_ROOT)
    with pytest.raises(ProofError, match="32"):
        verify_inclusion(0, 1, h[:31], [], h[:31])
    verify_inclusion(0, 1, h, [], h)
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, 5, [], EMPTY_ROOT, h)
    with pytest.raises(ProofError, match="smaller"):
        verify_consistency(2, 1, [], h, h)
    verify_consistency(3, 3, [], h, h)
    with pytest.raises(ProofError, match="not empty"):
        verify_consistency(3, 3, [h], h, h)


def test_64_bit_sizes_and_bad_types() -> None:
    h = leaf_hash(b"a")
    top = merkle.MAX_TREE_SIZE
    # a huge tree is handled with exact integers: the proof is simply too short
    with pytest.raises(ProofError, match="too short"):
        verify_inclusion(top - 1, top, h, [h] * 3, h)
    with pytest.raises(ProofError, match="not below"):
        verify_inclusion(top, top, h, [], h)
    with pytest.raises(ProofError, match="2\\*\\*64"):
        verify_inclusion(0, top + 1, h, [], h)
    with pytest.raises(ProofError, match="2\\*\\*64"):
        verify_consistency(-1, 2, [h], h, h)
    with pytest.raises(ProofError, match="int"):
        verify_inclusion(True, 2, h, [h], h)
    with pytest.raises(ProofError, match="bytes"):
        verify_inclusion(0, 2, h.hex(), [h], h)  # type: ignore[arg-type]
    with pytest.raises(ProofError, match="sequence"):
        verify_inclusion(0, 2, h, h, h)  # type: ignore[arg-type]


def test_range_nodes_accepts_only_proof_ranges() -> None:
    assert range_nodes(0, 8) == [(3, 0)]
    assert range_nodes(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert range_nodes(8, 13) == [(2, 2), (0, 12)]
    with pytest.raises(ValueError, match="not a range"):
        range_nodes(2, 8)
    with pytest.raises(ValueError, match="empty"):
        range_nodes(3, 3)
