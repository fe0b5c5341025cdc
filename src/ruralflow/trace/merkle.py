"""RFC 9162 (RFC 6962) Merkle tree hashing and proofs, SHA-256.

- leaf hash: ``SHA-256(0x00 || entry)``; interior node: ``SHA-256(0x01 || left || right)``;
  the root of the empty tree is ``SHA-256("")``;
- the tree of ``n`` leaves splits at the largest power of two strictly less than ``n``
  (RFC 9162 section 2.1.1); leaf indices are 0-based.

Proof *verification* follows RFC 9162 sections 2.1.3.2 and 2.1.4.2 with the stricter rules
of the transparency-dev/merkle library (see ``shared/conformance/merkle/README.md``):
``verify_inclusion`` rejects ``leaf_index >= tree_size`` (so a size-0 tree never proves
anything) and a leaf hash that is not 32 bytes; ``verify_consistency`` rejects ``size1 == 0``
even when ``size2 == 0``, and for equal sizes requires an empty proof and equal roots. Sizes are
plain Python ints, so the whole unsigned 64-bit range works.

Proof *generation* is expressed over aligned complete subtrees. A node key ``(level, index)``
names the complete subtree of ``2**level`` leaves starting at leaf ``index * 2**level``; its
hash never changes once the tree has grown past it, so a store can keep every such hash and
build any proof from ``O(log n)`` of them (see :func:`inclusion_plan`,
:func:`consistency_plan`, :func:`root_plan` and :func:`assemble`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

from ruralflow.trace.errors import TraceError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_TREE_SIZE",
    "Frontier",
    "NodeKey",
    "ProofError",
    "assemble",
    "consistency_plan",
    "consistency_proof",
    "fold",
    "inclusion_plan",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "range_nodes",
    "root_from_hashes",
    "root_plan",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
MAX_TREE_SIZE = 2**64 - 1
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeKey = tuple[int, int]
"""``(level, index)``: the complete subtree of ``2**level`` leaves from ``index * 2**level``."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


class ProofError(TraceError):
    """A Merkle proof does not hold (or its arguments cannot describe a valid proof)."""


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 leaf hash of one entry: ``SHA-256(0x00 || entry)``."""
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def root_from_hashes(leaf_hashes: Sequence[bytes]) -> bytes:
    """Merkle tree hash (MTH) of a sequence of leaf hashes.

    Pairs adjacent nodes level by level, carrying an odd last node up unchanged; this builds
    exactly the RFC 9162 tree (left subtrees are complete).
    """
    if not leaf_hashes:
        return EMPTY_ROOT
    level = list(leaf_hashes)
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


# --------------------------------------------------------------------------- verification


def _check_int(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProofError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0 or value > MAX_TREE_SIZE:
        raise ProofError(f"{name} must be in 0..2**64-1, got {value}")
    return value


def _check_bytes(name: str, value: object) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise ProofError(f"{name} must be bytes, got {type(value).__name__}")
    return bytes(value)


def _check_proof(proof: object) -> list[bytes]:
    if proof is None:
        return []
    if isinstance(proof, bytes | str) or not isinstance(proof, Iterable):
        raise ProofError("proof must be a sequence of 32-byte hashes")
    out = [_check_bytes("proof element", p) for p in proof]
    for i, p in enumerate(out):
        if len(p) != HASH_SIZE:
            raise ProofError(f"proof element {i} is {len(p)} bytes, not {HASH_SIZE}")
    return out


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``leaf_index`` of the tree of ``tree_size`` with ``root``.

    Returns ``None`` when the inclusion proof holds; raises :class:`ProofError` otherwise.
    ``leaf_hash`` is the RFC 9162 leaf hash (``SHA-256(0x00 || entry)``), not the entry.
    """
    index = _check_int("leaf_index", leaf_index)
    size = _check_int("tree_size", tree_size)
    lh = _check_bytes("leaf_hash", leaf_hash)
    want = _check_bytes("root", root)
    path = _check_proof(proof)
    if index >= size:
        raise ProofError(f"leaf_index {index} is not below tree_size {size}")
    if len(lh) != HASH_SIZE:
        raise ProofError(f"leaf_hash is {len(lh)} bytes, not {HASH_SIZE}")
    # RFC 9162 section 2.1.3.2
    fn, sn, r = index, size - 1, lh
    for p in path:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    if r != want:
        raise ProofError("inclusion proof does not lead to the root")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree of ``size1`` with ``root1`` is a prefix of the tree of ``size2``.

    Returns ``None`` when the consistency proof holds; raises :class:`ProofError` otherwise.
    A proof from the empty tree (``size1 == 0``) is rejected as meaningless.
    """
    m = _check_int("size1", size1)
    n = _check_int("size2", size2)
    r1 = _check_bytes("root1", root1)
    r2 = _check_bytes("root2", root2)
    path = _check_proof(proof)
    if n < m:
        raise ProofError(f"size2 {n} is smaller than size1 {m}")
    if m == 0:
        raise ProofError("a consistency proof from the empty tree is meaningless")
    if m == n:
        if path:
            raise ProofError("sizes are equal but the proof is not empty")
        if r1 != r2:
            raise ProofError("sizes are equal but the roots differ")
        return
    if not path:
        raise ProofError("consistency proof is empty")
    # RFC 9162 section 2.1.4.2
    if m & (m - 1) == 0:  # size1 is an exact power of two
        path = [r1, *path]
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != r1:
        raise ProofError("consistency proof does not lead to root1")
    if sr != r2:
        raise ProofError("consistency proof does not lead to root2")


# --------------------------------------------------------------------------- generation


def _split(n: int) -> int:
    """Largest power of two strictly less than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_nodes(start: int, end: int) -> list[NodeKey]:
    """Aligned complete subtrees whose right fold is ``MTH(D[start:end])``, left to right.

    Only the ranges that occur in RFC 9162 proofs are accepted: a complete aligned subtree, or
    a range starting at a multiple of a power of two not smaller than its length (the right
    edge of a tree). Their subtrees have strictly decreasing sizes.
    """
    if not 0 <= start < end:
        raise TraceError(f"empty or negative range [{start}, {end})")
    out: list[NodeKey] = []
    pos = start
    prev = 0
    while pos < end:
        size = pos & -pos if pos else 1 << (end.bit_length())
        while pos + size > end:
            size >>= 1
        if prev and size >= prev:
            raise TraceError(f"[{start}, {end}) is not a range of an RFC 9162 proof")
        level = size.bit_length() - 1
        out.append((level, pos >> level))
        prev = size
        pos += size
    return out


def root_plan(size: int) -> list[NodeKey]:
    """Node keys whose right fold is the root of the tree of ``size`` (its peaks)."""
    return range_nodes(0, size) if size else []


def inclusion_plan(index: int, size: int) -> list[list[NodeKey]]:
    """Per proof element (bottom-up order), the node keys to right-fold into it."""
    if not 0 <= index < size:
        raise TraceError(f"leaf index {index} is not in a tree of size {size}")
    elems: list[list[NodeKey]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            elems.append(range_nodes(start + k, end))
            end = start + k
        else:
            elems.append(range_nodes(start, start + k))
            start += k
    elems.reverse()
    return elems


def consistency_plan(size1: int, size2: int) -> list[list[NodeKey]]:
    """Per consistency-proof element (RFC 9162 order), the node keys to right-fold into it."""
    if not 0 < size1 <= size2:
        raise TraceError(f"no consistency proof from size {size1} to size {size2}")
    elems: list[list[NodeKey]] = []
    start, end, whole = 0, size2, True
    while True:
        n = end - start
        m = size1 - start
        if m == n:
            if not whole:
                elems.append(range_nodes(start, end))
            break
        k = _split(n)
        if m <= k:
            elems.append(range_nodes(start + k, end))
            end = start + k
        else:
            elems.append(range_nodes(start, start + k))
            start += k
            whole = False
    elems.reverse()
    return elems


def fold(hashes: Sequence[bytes]) -> bytes:
    """Right fold of subtree hashes: ``H(h0, H(h1, ... H(h[-2], h[-1])))``."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def assemble(plan: Sequence[Sequence[NodeKey]], lookup: Mapping[NodeKey, bytes]) -> list[bytes]:
    """Turn a proof plan into proof hashes using stored subtree hashes."""
    return [fold([lookup[key] for key in elem]) for elem in plan]


def _memory_lookup(leaf_hashes: Sequence[bytes], keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
    out: dict[NodeKey, bytes] = {}
    for level, index in keys:
        lo = index << level
        out[(level, index)] = root_from_hashes(leaf_hashes[lo : lo + (1 << level)])
    return out


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Inclusion proof of leaf ``index`` in the tree of all ``leaf_hashes`` (in memory)."""
    plan = inclusion_plan(index, len(leaf_hashes))
    return assemble(plan, _memory_lookup(leaf_hashes, {k for e in plan for k in e}))


def consistency_proof(size1: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Consistency proof from the first ``size1`` leaves to all ``leaf_hashes`` (in memory)."""
    plan = consistency_plan(size1, len(leaf_hashes))
    return assemble(plan, _memory_lookup(leaf_hashes, {k for e in plan for k in e}))


class Frontier:
    """The right edge of a growing tree: the hashes of its peaks (a compact range).

    Appending a leaf returns the interior nodes it completes, so that a store can keep every
    complete subtree hash. ``root()`` is the current tree root.
    """

    __slots__ = ("_peaks", "size")

    def __init__(self, size: int = 0, peaks: Sequence[bytes] = ()) -> None:
        levels = [level for level, _ in root_plan(size)]
        if len(levels) != len(peaks):
            raise TraceError(f"a tree of size {size} has {len(levels)} peaks, got {len(peaks)}")
        self.size = size
        self._peaks: list[tuple[int, bytes]] = list(zip(levels, peaks, strict=True))

    @classmethod
    def load(
        cls, size: int, get: Callable[[Sequence[NodeKey]], Mapping[NodeKey, bytes]]
    ) -> Frontier:
        """Rebuild the frontier of a stored tree from its peak hashes."""
        keys = root_plan(size)
        found = get(keys)
        return cls(size, [found[k] for k in keys])

    def append(self, lh: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; return the completed interior nodes as ``(level, index, hash)``."""
        new: list[tuple[int, int, bytes]] = []
        h, level, index = lh, 0, self.size
        peaks = self._peaks
        while peaks and peaks[-1][0] == level:
            h = node_hash(peaks.pop()[1], h)
            level += 1
            index >>= 1
            new.append((level, index, h))
        peaks.append((level, h))
        self.size += 1
        return new

    def extend(self, leaf_hashes: Sequence[bytes]) -> list[tuple[int, int, bytes]]:
        """Add many leaf hashes at once (level by level); same result as repeated ``append``.

        Returns the completed interior nodes, level by level, as ``(level, index, hash)``.
        """
        if not leaf_hashes:
            return []
        start = self.size
        end = start + len(leaf_hashes)
        known: dict[NodeKey, bytes] = {}
        for (level, index), (_, h) in zip(root_plan(start), self._peaks, strict=True):
            known[(level, index)] = h
        new: list[tuple[int, int, bytes]] = []
        sha256 = hashlib.sha256  # node_hash inlined in the loop below (hot path)
        cur = list(leaf_hashes)
        first, level = start, 0  # cur[j] is node (level, first + j)
        while cur:
            if first & 1:  # the left sibling is the old peak of this level
                cur.insert(0, known[(level, first - 1)])
                first -= 1
            if len(cur) & 1:
                known[(level, first + len(cur) - 1)] = cur[-1]  # incomplete: a new peak
            cur = [
                sha256(b"\x01" + cur[k] + cur[k + 1]).digest() for k in range(0, len(cur) - 1, 2)
            ]
            first >>= 1
            level += 1
            new.extend((level, first + j, h) for j, h in enumerate(cur))
        self._peaks = [(lv, known[(lv, ix)]) for lv, ix in root_plan(end)]
        self.size = end
        return new

    def root(self) -> bytes:
        """Root hash of the tree as it stands."""
        return fold([h for _, h in self._peaks])

    def copy(self) -> Frontier:
        """An independent copy."""
        return Frontier(self.size, [h for _, h in self._peaks])
