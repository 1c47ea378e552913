"""Near-duplicate detection: MinHash signatures of word shingles, and clusters by LSH.

A signature is computed once per document, as it is loaded, and kept with it; clustering runs over
the stored signatures of the whole warehouse, so copies are found across runs.

Signatures are those of [datasketch](https://ekzhu.com/datasketch/)'s `MinHash` (scheme "affine32",
seed 1) fed with the 32-bit hashes of the text's word 3-shingles, computed for a batch of texts at
once in numpy. Clusters are those of datasketch's `MinHashLSH`, queried with every document and
verified by estimated Jaccard similarity, computed over the whole signature matrix in numpy.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from datasketch import MinHash, MinHashLSH
from scipy.sparse import coo_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped]

NUM_PERM = 64
SHINGLE_WORDS = 3
DEFAULT_THRESHOLD = 0.8
# datasketch's permutations depend on the seed and the scheme only: signatures stay comparable
# across runs as long as neither changes.
SEED = 1
SCHEME = "affine32"
_MULTIPLIER = np.uint32(1_000_003)
_A, _B = np.asarray(MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations, dtype=np.uint32)
# Characters of text whose bytes are handled at once, and permuted shingle hashes computed at once
# (as many permutations as fit): the arrays stay in cache.
_CHUNK_CHARS = 1 << 16
_PERMUTED_VALUES = 1 << 17
# Words up to this many bytes (a power of two) are hashed in numpy, longer ones (rare) by zlib.
_CRC_BYTES = 32
# Pairs of documents compared between two updates of the clusters, and compared at once (their
# gathered signatures take 2 MB; read from a file, the pages they sit on up to 16 MB).
_PAIRS_PER_STEP = 1 << 17
_PAIRS_AT_ONCE = 1 << 12

Signatures = npt.NDArray[np.uint32]


class SignatureRows(Protocol):
    """Signatures that are read by index as an array's rows are, without being in memory
    (`warehouse.signature_file`)."""

    @property
    def shape(self) -> tuple[int, int]: ...

    def __len__(self) -> int: ...

    def __getitem__(self, key: Any) -> Signatures: ...


CLUSTERS = pa.schema([("doc_id", pa.string()), ("cluster", pa.string())])


def minhash_signatures(texts: Sequence[str]) -> Signatures:
    """The MinHash signatures, shape (len(texts), NUM_PERM), of the texts' word 3-shingles.

    Words are the runs of `\\w` of the casefolded text, hashed with CRC-32 of their UTF-8; a shingle
    combines three word hashes; a text of fewer than three words has one shingle, the XOR of its
    word hashes (0 for no words)."""
    signatures = np.empty((len(texts), NUM_PERM), dtype=np.uint32)
    for start, end in _chunks(texts):
        shingles, counts = _shingles(texts[start:end])
        segments = np.cumsum(counts) - counts
        at_once = max(_PERMUTED_VALUES // len(shingles), 1)
        for first in range(0, NUM_PERM, at_once):
            permutations = slice(first, first + at_once)
            permuted = shingles * _A[permutations, None]
            permuted += _B[permutations, None]
            signatures[start:end, permutations] = np.minimum.reduceat(permuted, segments, axis=1).T
    return signatures


def minhash_signature(text: str) -> list[int]:
    """The MinHash signature (NUM_PERM 32-bit values) of the text's word 3-shingles."""
    return minhash_signatures([text])[0].tolist()  # type: ignore[no-any-return]


def near_duplicate_clusters(
    doc_ids: Sequence[str] | pa.Array | pa.ChunkedArray,
    signatures: Signatures | SignatureRows,
    threshold: float = DEFAULT_THRESHOLD,
) -> pa.Table:
    """Every document in a cluster of two or more near-duplicates (estimated Jaccard similarity of at
    least `threshold` to another member) and its cluster id, the smallest doc_id in the cluster: a
    table of columns `doc_id` and `cluster` (CLUSTERS), in doc_id order.

    `signatures[i]` is the signature of `doc_ids[i]`, in any order; an array, or rows read from
    elsewhere a block at a time (SignatureRows), never all at once. Two documents are compared when
    they agree on all values of one of the bands that datasketch's `MinHashLSH(threshold, NUM_PERM)`
    uses."""
    ids = doc_ids if isinstance(doc_ids, pa.Array | pa.ChunkedArray) else pa.array(doc_ids, pa.string())
    if isinstance(signatures, np.ndarray) or not hasattr(signatures, "shape"):
        signatures = np.asarray(signatures, dtype=np.uint32)
    if len(ids) != len(signatures) or (len(signatures) and signatures.shape[1:] != (NUM_PERM,)):
        raise ValueError(f"{len(ids)} doc_ids and signatures of shape {signatures.shape}")
    if not len(signatures):
        return CLUSTERS.empty_table()
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    # Documents with equal labels are in one cluster. Identical signatures are (their similarity is
    # 1), and only the first of each is compared with others: copies would make buckets of any size.
    labels = _identical(signatures)
    distinct = np.flatnonzero(labels == np.arange(len(labels)))
    for start in range(0, lsh.b * lsh.r, lsh.r):
        band = slice(start, start + lsh.r)
        keys = _row_keys(signatures, distinct, band)
        order = np.argsort(keys, kind="stable")
        keys, rows = keys[order], distinct[order]
        bucket_starts, bucket_ends = _runs(keys)
        # Each document is compared with the first of its bucket: that is all for the many buckets
        # of two, and joins a bucket of near-copies at once. Then the others of bigger buckets are
        # compared with one another, unless they are in one cluster by then.
        _link(signatures, labels, rows, rows[bucket_starts], band, threshold)
        rest = (bucket_starts != np.arange(len(rows))) & (bucket_ends - bucket_starts > 2)
        keys, rows = keys[rest], rows[rest]
        for first, second in _across_groups(keys, labels[rows]):
            _link(signatures, labels, rows[first], rows[second], band, threshold)

    members = np.flatnonzero(np.bincount(labels)[labels] > 1)
    member_ids = ids.take(members)
    by_id = pc.sort_indices(member_ids).to_numpy()
    ordered = member_ids.take(by_id)
    # In doc_id order, the first member of each cluster is its smallest.
    _, first_of, cluster = np.unique(labels[members[by_id]], return_index=True, return_inverse=True)
    return pa.table([ordered, ordered.take(first_of[cluster])], schema=CLUSTERS)


def _chunks(texts: Sequence[str]) -> Iterator[tuple[int, int]]:
    """Runs of texts of about _CHUNK_CHARS characters: the arrays of their bytes stay in cache."""
    start, size = 0, 0
    for end, text in enumerate(texts, 1):
        size += len(text)
        if size >= _CHUNK_CHARS:
            yield start, end
            start, size = end, 0
    if start < len(texts):
        yield start, len(texts)


def _shingles(texts: Sequence[str]) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.intp]]:
    """The texts' shingle hashes, mixed as datasketch mixes them, one text after the other, and how
    many each text has."""
    data, text_starts = _utf8(texts)
    hashes, word_starts = _word_hashes(data, _in_words(data))
    first_words = np.searchsorted(word_starts, text_starts)
    words = np.diff(first_words, append=len(word_starts))
    padded = np.concatenate([hashes, np.zeros(SHINGLE_WORDS, dtype=np.uint32)])
    # combined[i]: the shingle of words i, i + 1 and i + 2.
    combined = padded[: len(hashes) + 1]
    for offset in range(1, SHINGLE_WORDS):
        combined = combined * _MULTIPLIER + padded[offset : offset + len(hashes) + 1]
    counts = np.maximum(words - (SHINGLE_WORDS - 1), 1)
    offsets = np.cumsum(counts) - counts
    shingles = combined[np.arange(offsets[-1] + counts[-1]) + np.repeat(first_words - offsets, counts)]
    short = words < SHINGLE_WORDS
    first, size = first_words[short], words[short]
    shingles[offsets[short]] = np.where(size >= 1, padded[first], 0) ^ np.where(
        size == 2, padded[first + 1], 0
    )
    return _fmix32(shingles), counts


def _utf8(texts: Sequence[str]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """The casefolded texts' UTF-8, separated by spaces, and the offset of each text in it."""
    encoded = [text.casefold().encode("utf-8", "surrogatepass") for text in texts]
    sizes = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)) + 1
    # A space first, so that no word starts the data, and three last, so that decoding a character
    # never reads past the end.
    data = np.frombuffer(b" " + b" ".join(encoded) + b"   ", dtype=np.uint8)
    return data, np.cumsum(sizes) - sizes + 1


def _in_words(data: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Whether each byte of UTF-8 is part of a `\\w` character."""
    in_word = ((data | 0x20) - ord("a") < 26) | (data - ord("0") < 10) | (data == ord("_"))
    # Characters of several bytes: decoded from their first byte on, classified once each.
    leads = np.flatnonzero(data >= 0xC0)
    if len(leads):
        lead = data[leads].astype(np.uint32)
        follow = [data[leads + k].astype(np.uint32) & 0x3F for k in (1, 2, 3)]
        length = np.where(lead >= 0xF0, 4, np.where(lead >= 0xE0, 3, 2))
        code = np.select(
            [length == 2, length == 3],
            [(lead & 0x1F) << 6 | follow[0], (lead & 0x0F) << 12 | follow[0] << 6 | follow[1]],
            (lead & 0x07) << 18 | follow[0] << 12 | follow[1] << 6 | follow[2],
        )
        distinct, inverse = np.unique(code, return_inverse=True)
        is_word = np.array([chr(character).isalnum() for character in distinct.tolist()], dtype=bool)
        word_leads, word_lengths = leads[is_word[inverse]], length[is_word[inverse]]
        for k in range(4):
            in_word[word_leads[word_lengths > k] + k] = True
    return in_word  # type: ignore[no-any-return]


def _crc_tables() -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """Tables for CRC-32 in numpy. CRC-32 is linear: the CRC of L bytes b[0], ..., b[L-1] is ENDS[L]
    XOR, for every j, BYTES[256 * (L-1-j) + b[j]], where BYTES[256 * k + b] is the register after
    byte b then k zero bytes, and ENDS[L] the part of the initial and final values."""
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> np.uint32(1)) ^ np.uint32(0xEDB88320), table >> np.uint32(1))
    bytes_, ends = [table], [np.uint32(0)]
    register = np.uint32(0xFFFFFFFF)
    for _ in range(_CRC_BYTES):
        bytes_.append(table[bytes_[-1] & 0xFF] ^ (bytes_[-1] >> np.uint32(8)))
        register = table[register & 0xFF] ^ (register >> np.uint32(8))
        ends.append(register ^ np.uint32(0xFFFFFFFF))
    return np.concatenate(bytes_[:_CRC_BYTES]), np.array(ends, dtype=np.uint32)


_CRC_BYTE, _CRC_END = _crc_tables()


def _word_hashes(
    data: npt.NDArray[np.uint8], in_word: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.intp]]:
    """zlib.crc32 of each word (run of bytes in words; never at the first or last byte, which `_utf8`
    makes spaces), and where it starts."""
    edges = np.flatnonzero(in_word[1:] != in_word[:-1]) + 1
    starts, ends = edges[::2], edges[1::2]
    # For each byte of a word, how many bytes follow it in the word: a count down from each word's
    # start, where it is set to the word's length less one.
    left = np.full(len(data), -256, dtype=np.int32)
    left[starts] = (np.diff(ends, prepend=0) - 1) * 256
    left = np.cumsum(left, dtype=np.int32)
    # The index of the byte's term in the table (any index outside words and past _CRC_BYTES).
    left &= (_CRC_BYTES - 1) * 256
    left |= data
    prefix = np.bitwise_xor.accumulate(np.take(_CRC_BYTE, left))
    lengths = ends - starts
    hashes = np.take(prefix, ends - 1) ^ np.take(prefix, starts - 1)
    hashes ^= np.take(_CRC_END, np.minimum(lengths, _CRC_BYTES))
    raw = data.tobytes()
    for word in np.flatnonzero(lengths > _CRC_BYTES).tolist():
        hashes[word] = zlib.crc32(raw[starts[word] : ends[word]])
    return hashes, starts


def _fmix32(values: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """The MurmurHash3 finalizer, which datasketch applies to every input hash before permuting it."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def _identical(signatures: Signatures | SignatureRows) -> npt.NDArray[np.intp]:
    """For each row, the first row with the same values."""
    rows = np.arange(len(signatures))
    keys = _row_keys(signatures, rows, slice(None))
    order = np.argsort(keys, kind="stable")
    run_starts, _ = _runs(keys[order])
    later = np.flatnonzero(run_starts != rows)
    copies, firsts = order[later], order[run_starts[later]]
    same = _similar(signatures, copies, firsts, slice(None), 1.0)
    rows[copies[same]] = firsts[same]
    return rows


def _link(
    signatures: Signatures | SignatureRows,
    labels: npt.NDArray[np.intp],
    first: npt.NDArray[np.intp],
    second: npt.NDArray[np.intp],
    band: slice,
    threshold: float,
) -> None:
    """Joins the clusters of first[i] and second[i] in `labels` where the two are equal on the band
    (their keys may collide) and similar."""
    for step in range(0, len(first), _PAIRS_PER_STEP):
        one, other = first[step : step + _PAIRS_PER_STEP], second[step : step + _PAIRS_PER_STEP]
        apart = labels[one] != labels[other]
        one, other = one[apart], other[apart]
        linked = _similar(signatures, one, other, band, threshold)
        if linked.any():
            size = len(labels)
            links = (
                np.ones(np.count_nonzero(linked), dtype=np.int8),
                (labels[one[linked]], labels[other[linked]]),
            )
            _, components = connected_components(coo_matrix(links, shape=(size, size)), directed=False)
            labels[:] = components[labels]


def _similar(
    signatures: Signatures | SignatureRows,
    first: npt.NDArray[np.intp],
    second: npt.NDArray[np.intp],
    band: slice,
    threshold: float,
) -> npt.NDArray[np.bool_]:
    """Whether the rows first[i] and second[i] are equal on the band and share at least `threshold` of
    their values."""
    similar = np.empty(len(first), dtype=bool)
    for start in range(0, len(first), _PAIRS_AT_ONCE):
        pairs = slice(start, start + _PAIRS_AT_ONCE)
        equal = signatures[first[pairs]] == signatures[second[pairs]]
        similar[pairs] = equal[:, band].all(axis=1) & (
            np.count_nonzero(equal, axis=1) / NUM_PERM >= threshold
        )
    return similar


def _across_groups(
    keys: npt.NDArray[np.uint64], groups: npt.NDArray[np.intp]
) -> Iterator[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]]:
    """The pairs of positions with equal keys and different groups, about _PAIRS_PER_STEP at a time."""
    order = np.lexsort((groups, keys))
    _, bucket_ends = _runs(keys[order])
    _, group_ends = _runs(keys[order], groups[order])
    # Each sorted position is paired with the rest of its bucket after its own group.
    positions = np.flatnonzero(bucket_ends - group_ends)
    counts = (bucket_ends - group_ends)[positions]
    totals = np.cumsum(counts)
    step = 0
    while step < len(positions):
        stop = max(
            int(np.searchsorted(totals, totals[step] - counts[step] + _PAIRS_PER_STEP, "right")), step + 1
        )
        chunk, chunk_counts = positions[step:stop], counts[step:stop]
        first = np.repeat(chunk, chunk_counts)
        offsets = np.arange(len(first)) - np.repeat(np.cumsum(chunk_counts) - chunk_counts, chunk_counts)
        yield order[first], order[np.repeat(group_ends[chunk], chunk_counts) + offsets]
        step = stop


def _row_keys(
    signatures: Signatures | SignatureRows, rows: npt.NDArray[np.intp], columns: slice
) -> npt.NDArray[np.uint64]:
    """A 64-bit hash of each of the rows' values in the columns, a block of rows at a time (for the
    cache)."""
    keys = np.zeros(len(rows), dtype=np.uint64)
    block = 1 << 16
    for start in range(0, len(rows), block):
        block_keys = keys[start : start + block]
        for column in signatures[rows[start : start + block], columns].T:
            block_keys *= np.uint64(0x9E3779B97F4A7C15)
            block_keys += column
    return keys


def _runs(*columns: npt.NDArray[Any]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """For each position of sorted columns, the start and end of its run of equal values."""
    change = np.zeros(max(len(columns[0]) - 1, 0), dtype=bool)
    for column in columns:
        change |= column[1:] != column[:-1]
    bounds = np.concatenate([[0], np.flatnonzero(change) + 1, [len(columns[0])]])
    return np.repeat(bounds[:-1], np.diff(bounds)), np.repeat(bounds[1:], np.diff(bounds))
