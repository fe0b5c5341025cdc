"""The consumer page's proof code (``/static/trace/verify.js``) run inside Chromium and
compared with Python: a hand-computed RFC 9162 tree, the RFC 6962 vectors and inclusion probes
of ``shared/conformance/merkle/``, and C2SP signed checkpoints made by the log's own signer."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from consumer_data import Live

from ruralflow.trace.checkpoint import Checkpoint, generate_signer, sign_checkpoint
from ruralflow.trace.merkle import ProofError, verify_inclusion

IMPORT = "const v = await import('/static/trace/verify.js');"


def js(page: Any, live: Live, body: str, arg: Any = None) -> Any:
    """Run ``body`` (an async function body with ``v`` = verify.js and ``arg``) in the page."""
    if not page.url.startswith(live.base):
        page.goto(f"{live.base}/health")
    return page.evaluate(f"async (arg) => {{ {IMPORT} {body} }}", arg)


# -- a 7-leaf tree computed here by hand from RFC 9162 section 2.1 (hashlib only) ------------


def h_leaf(d: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + d).digest()


def h_node(a: bytes, b: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + a + b).digest()


def mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return h_leaf(d[0])
    k = 1
    while k * 2 < len(d):
        k *= 2
    return h_node(mth(d[:k]), mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 section 2.1.3.1."""
    if len(d) == 1:
        return []
    k = 1
    while k * 2 < len(d):
        k *= 2
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


LEAVES = [f"事件 / event {i}".encode() for i in range(7)]
B64 = "const b = (s) => v.b64decode(s);"


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def test_hand_computed_seven_leaf_tree(page: Any, live: Live) -> None:
    root = mth(LEAVES)
    # the hand computation, spelled out for leaf 6 of 7: its path is [MTH(D[4:6]), MTH(D[0:4])]
    assert path(6, LEAVES) == [h_node(h_leaf(LEAVES[4]), h_leaf(LEAVES[5])), mth(LEAVES[:4])]
    cases = [
        {"m": m, "leaf": _b64(LEAVES[m]), "proof": [_b64(p) for p in path(m, LEAVES)]}
        for m in range(7)
    ]
    got = js(
        page,
        live,
        B64
        + """
        const out = [];
        for (const c of arg.cases) {
          const leaf = await v.leafHash(b(c.leaf));
          const r = await v.rootFromInclusionProof(c.m, 7, leaf, c.proof.map(b));
          out.push({leaf: v.hex(leaf), root: v.hex(r),
                    ok: await v.verifyInclusion(c.m, 7, leaf, c.proof.map(b), b(arg.root))});
        }
        const leaves = await Promise.all(arg.cases.map((c) => v.leafHash(b(c.leaf))));
        return {cases: out, mth: v.hex(await v.merkleRoot(leaves))};
        """,
        {"cases": cases, "root": _b64(root)},
    )
    assert got["mth"] == root.hex()
    for m, c in enumerate(got["cases"]):
        assert c == {"leaf": h_leaf(LEAVES[m]).hex(), "root": root.hex(), "ok": True}


def _mutations(m: int) -> list[tuple[str, int, int, bytes, list[bytes]]]:
    """(what, index, size, leaf hash, proof): a right proof and wrong ones around it."""
    leaf, proof = h_leaf(LEAVES[m]), path(m, LEAVES)
    flipped = bytearray(proof[0])
    flipped[0] ^= 1
    return [
        ("right", m, 7, leaf, proof),
        ("bit flipped in the proof", m, 7, leaf, [bytes(flipped), *proof[1:]]),
        ("wrong leaf", m, 7, h_leaf(LEAVES[m] + b"!"), proof),
        ("wrong index", (m + 1) % 7, 7, leaf, proof),
        # (a proof of leaf m of 7 also proves it in some other sizes, e.g. leaf 0 in 8)
        ("wrong size", m, 16, leaf, proof),
        ("truncated proof", m, 7, leaf, proof[:-1]),
        ("extra element", m, 7, leaf, [*proof, proof[-1]]),
        ("index beyond the tree", 7, 7, leaf, proof),
        ("short leaf hash", m, 7, leaf[:31], proof),
        ("reversed proof", m, 7, leaf, proof[::-1]),
    ]


def test_wrong_proofs_are_rejected_as_python_rejects_them(page: Any, live: Live) -> None:
    root = mth(LEAVES)
    cases = []
    for m in range(7):
        for what, idx, size, leaf, proof in _mutations(m):
            try:
                verify_inclusion(idx, size, leaf, proof, root)
                py = True
            except ProofError:
                py = False
            cases.append(
                {
                    "what": what,
                    "m": m,
                    "idx": idx,
                    "size": size,
                    "leaf": _b64(leaf),
                    "proof": [_b64(p) for p in proof],
                    "py": py,
                }
            )
    got = js(
        page,
        live,
        B64
        + """
        const out = [];
        for (const c of arg.cases) {
          try {
            await v.verifyInclusion(c.idx, c.size, b(c.leaf), c.proof.map(b), b(arg.root));
            out.push({ok: true});
          } catch (e) {
            out.push({ok: false, name: e.name, msg: e.message});
          }
        }
        return out;
        """,
        {"cases": cases, "root": _b64(root)},
    )
    for c, g in zip(cases, got, strict=True):
        assert g["ok"] == c["py"], (c["what"], c["m"], g)
        assert g["ok"] == (c["what"] == "right"), (c["what"], c["m"], g)
        if not g["ok"]:
            assert g["name"] == "ProofError", g


def test_rfc6962_vectors_and_inclusion_probes(page: Any, live: Live, shared: Path) -> None:
    merkle = shared / "conformance" / "merkle"
    vec = json.loads((merkle / "rfc6962_reference_vectors.json").read_text())
    tree = vec["reference_tree"]
    probes = []
    for f in sorted((merkle / "testdata" / "inclusion").rglob("*.json")):
        p = json.loads(f.read_text())
        probes.append(
            {
                "file": str(f.relative_to(merkle)),
                # as text: sizes up to 2^64-1 do not fit a JavaScript number
                "idx": str(p["leafIdx"]),
                "size": str(p["treeSize"]),
                "root": p["root"],
                "leaf": p["leafHash"],
                "proof": p["proof"] or [],
                "wantErr": p["wantErr"],
            }
        )
    assert len(probes) == 65
    got = js(
        page,
        live,
        """
        const x = (s) => v.fromHex(s);
        const b = (s) => v.b64decode(s);
        const hasher = [];
        for (const c of arg.hasher) {
          if (c.op === "empty_root") hasher.push(v.hex(await v.merkleRoot([])));
          else if (c.op === "leaf_hash") hasher.push(v.hex(await v.leafHash(x(c.input_hex))));
          else hasher.push(v.hex(await v.nodeHash(x(c.left_hex), x(c.right_hex))));
        }
        const leaves = await Promise.all(arg.inputs.map((h) => v.leafHash(x(h))));
        const roots = [];
        for (let n = 0; n <= leaves.length; n++) {
          roots.push(v.hex(await v.merkleRoot(leaves.slice(0, n))));
        }
        const probes = [];
        for (const p of arg.probes) {
          try {
            const [i, n] = [BigInt(p.idx), BigInt(p.size)];
            await v.verifyInclusion(i, n, b(p.leaf), p.proof.map(b), b(p.root));
            probes.push(false);
          } catch (e) {
            probes.push(true);
          }
        }
        return {hasher, roots, probes};
        """,
        {
            "hasher": vec["hasher_vectors"]["cases"],
            "inputs": tree["leaf_inputs_hex"],
            "probes": probes,
        },
    )
    assert got["hasher"] == [c["want"] for c in vec["hasher_vectors"]["cases"]]
    assert got["roots"] == tree["root_hash_by_tree_size"]["roots"]
    wrong = [
        p["file"] for p, err in zip(probes, got["probes"], strict=True) if err != p["wantErr"]
    ]
    assert not wrong, wrong
    assert sum(p["wantErr"] for p in probes) > 40  # the negative probes are most of them


def test_signed_checkpoint_checked_with_webcrypto_ed25519(page: Any, live: Live) -> None:
    signer = generate_signer("ruralflow.example/county/610425/trace")
    other = generate_signer("ruralflow.example/county/610425/trace")
    root = mth(LEAVES)
    note = sign_checkpoint(Checkpoint(signer.name, 7, root), [signer])
    key = signer.verifier().to_text()
    size_changed = note.replace("\n7\n", "\n8\n", 1)
    body, sig = note.split("\n\n")
    sig_flipped = body + "\n\n" + sig[:-3] + ("A" if sig[-3] != "A" else "B") + sig[-2:]
    cases = {
        "good": (note, key),
        "size changed": (size_changed, key),
        "signature changed": (sig_flipped, key),
        "other key": (note, other.verifier().to_text()),
        "key id wrong": (note, key.replace(key.split("+")[1], "00000000")),
        "unsigned": (body + "\n\n", key),
    }
    got = js(
        page,
        live,
        """
        const out = {};
        for (const [what, [note, key]] of Object.entries(arg)) {
          try {
            const cp = await v.verifyCheckpoint(note, key);
            const root = v.hex(cp.rootHash);
            out[what] = {ok: true, origin: cp.origin, size: String(cp.size), root};
          } catch (e) {
            out[what] = {ok: false, msg: e.message};
          }
        }
        return out;
        """,
        cases,
    )
    assert got["good"] == {"ok": True, "origin": signer.name, "size": "7", "root": root.hex()}
    for what in cases.keys() - {"good"}:
        assert got[what]["ok"] is False, (what, got[what])
    assert "does not verify" in got["size changed"]["msg"]
    assert "not signed by the log key" in got["other key"]["msg"]
    assert "key ID" in got["key id wrong"]["msg"]
