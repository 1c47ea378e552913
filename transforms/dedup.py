"""Near-duplicate detection: MinHash signatures of word shingles, and clusters by LSH
([datasketch](https://ekzhu.com/datasketch/)).

A signature is computed once per document, as it is loaded, and kept with it; clustering runs over
the stored signatures of the whole warehouse, so copies are found across runs.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

NUM_PERM = 64
SHINGLE_WORDS = 3
DEFAULT_THRESHOLD = 0.8
# datasketch's permutations depend on the seed and the scheme only: signatures stay comparable
# across runs as long as neither changes.
SEED = 1
SCHEME = "affine32"
_WORD = re.compile(r"\w+")
_MULTIPLIER = 1_000_003
# Drawing the permutations is most of the cost of a new MinHash: draw them once.
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations


def _shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the text's word 3-shingles: each word hashed once, shingles combined in numpy."""
    words = np.array([zlib.crc32(word.encode()) for word in _WORD.findall(text.casefold())], dtype=np.uint64)
    if len(words) < SHINGLE_WORDS:
        return np.array([int(np.bitwise_xor.reduce(words)) if len(words) else 0], dtype=np.uint64)
    combined = np.zeros(len(words) - SHINGLE_WORDS + 1, dtype=np.uint64)
    for offset in range(SHINGLE_WORDS):
        combined = combined * np.uint64(_MULTIPLIER) + words[offset : len(words) - SHINGLE_WORDS + 1 + offset]
    return combined & np.uint64(0xFFFFFFFF)


def minhash_signature(text: str) -> list[int]:
    """The MinHash signature (NUM_PERM 32-bit values) of the text's word 3-shingles."""
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=int, permutations=_PERMUTATIONS, scheme=SCHEME)
    minhash.update_batch(_shingle_hashes(text))
    return minhash.hashvalues.tolist()  # type: ignore[no-any-return]


def near_duplicate_clusters(
    signatures: Iterable[tuple[str, Sequence[int] | np.ndarray]], threshold: float = DEFAULT_THRESHOLD
) -> dict[str, str]:
    """For every document in a cluster of two or more near-duplicates (estimated Jaccard similarity
    of at least `threshold` to another member), the cluster id: the smallest doc_id in the cluster."""
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    hashes: dict[str, LeanMinHash] = {}
    for doc_id, values in signatures:
        minhash = LeanMinHash(seed=SEED, hashvalues=np.asarray(values, dtype=np.uint32), scheme=SCHEME)
        hashes[doc_id] = minhash
        lsh.insert(doc_id, minhash, check_duplication=False)
    parent = {doc_id: doc_id for doc_id in hashes}

    def root(doc_id: str) -> str:
        while parent[doc_id] != doc_id:
            parent[doc_id] = parent[parent[doc_id]]
            doc_id = parent[doc_id]
        return doc_id

    for doc_id, minhash in hashes.items():
        for other in lsh.query(minhash):
            if other != doc_id and minhash.jaccard(hashes[other]) >= threshold:
                first, second = sorted((root(doc_id), root(other)))
                parent[second] = first
    members: dict[str, list[str]] = {}
    for doc_id in hashes:
        members.setdefault(root(doc_id), []).append(doc_id)
    return {doc_id: min(group) for group in members.values() if len(group) > 1 for doc_id in group}
