"""MinHash signatures and near-duplicate clusters, against datasketch used one document at a time."""

import json
import random
import re
import zlib
from itertools import islice

import numpy as np
import pyarrow as pa
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH

from tests.conftest import REPO
from transforms.dedup import (
    CLUSTERS,
    NUM_PERM,
    SCHEME,
    SEED,
    _in_words,
    _utf8,
    _word_hashes,
    minhash_signature,
    minhash_signatures,
    near_duplicate_clusters,
)

BENCH_JSONL = REPO / "bench" / "data" / "jsonl-100000-s1-v2" / "news.jsonl"


# The per-document implementation these replace, kept as the reference: datasketch's MinHash updated
# with each text's shingle hashes, and its MinHashLSH queried with every document.
_WORD = re.compile(r"\w+")
_MULTIPLIER = 1_000_003
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations


def _reference_shingle_hashes(text: str) -> np.ndarray:
    words = np.array([zlib.crc32(word.encode()) for word in _WORD.findall(text.casefold())], dtype=np.uint64)
    if len(words) < 3:
        return np.array([int(np.bitwise_xor.reduce(words)) if len(words) else 0], dtype=np.uint64)
    combined = np.zeros(len(words) - 3 + 1, dtype=np.uint64)
    for offset in range(3):
        combined = combined * np.uint64(_MULTIPLIER) + words[offset : len(words) - 3 + 1 + offset]
    return combined & np.uint64(0xFFFFFFFF)


def _reference_signature(text: str) -> list[int]:
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=int, permutations=_PERMUTATIONS, scheme=SCHEME)
    minhash.update_batch(_reference_shingle_hashes(text))
    return minhash.hashvalues.tolist()


def _reference_clusters(doc_ids: list[str], signatures: np.ndarray, threshold: float) -> dict[str, str]:
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    hashes: dict[str, LeanMinHash] = {}
    for doc_id, values in zip(doc_ids, signatures, strict=True):
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


def _as_dict(clusters: pa.Table) -> dict[str, str]:
    """The clusters as a dict, checked to be a table of CLUSTERS in doc_id order."""
    assert clusters.schema == CLUSTERS
    doc_ids = clusters["doc_id"].to_pylist()
    assert doc_ids == sorted(doc_ids)
    return dict(zip(doc_ids, clusters["cluster"].to_pylist(), strict=True))


def _edited(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    for _ in range(max(1, len(words) // 40)):
        i = rng.randrange(len(words))
        words[i] = words[i].upper() if rng.random() < 0.5 else "changed"
    return " ".join(words)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Real texts with real near-duplicates: the start of the benchmark's JSON Lines file when it is
    built, otherwise stories of the developer corpora with edited, cut and exact copies."""
    if BENCH_JSONL.is_file():
        texts = []
        with BENCH_JSONL.open() as lines:
            # Every tenth document: the file has all originals first, and their copies after them.
            for line in islice(lines, 0, None, 10):
                record = json.loads(line)
                texts.append(record.get("body") or record.get("short_description") or record.get("headline"))
        return texts
    stories = sorted((REPO.parent / "shared" / "corpora" / "bbc_zitros" / "news").rglob("*.txt"))
    if not stories:
        pytest.skip("neither the benchmark's JSON Lines file nor the developer corpora are there")
    rng = random.Random(1)
    originals = [path.read_text() for path in stories[:2500]]
    copies = [rng.choice([_edited(text, rng), text[: len(text) * 4 // 5], text]) for text in originals]
    texts = originals + copies + [_edited(text, rng) for text in copies]
    rng.shuffle(texts)
    return texts


def test_signatures_are_datasketch_minhashes_of_real_texts(texts: list[str]) -> None:
    expected = np.array([_reference_signature(text) for text in texts], dtype=np.uint32)
    signatures = np.concatenate([minhash_signatures(texts[i : i + 2000]) for i in range(0, len(texts), 2000)])
    assert signatures.dtype == np.uint32 and signatures.shape == (len(texts), NUM_PERM)
    assert (signatures == expected).all()


EDGE_CASES = [
    "",
    "   ",
    "... -- !!",
    "one",
    "two words",
    "three words here",
    "Straße STRASSE strasse ﬁne ǅ İstanbul ΣΑΣ",
    "naïve café — ünïcödé, 日本語のテキスト, русский текст, عربي, 😀 emoji👍ok",
    "combining a\u0301e\u0300 marks, NBSP\u00a0here, zero\u200bwidth",
    "lone a\ud800b surrogate c d",
    "snake_case x_1 3.14 ½ ² ¹²³ ٣",
    "a" * 31 + " " + "b" * 32 + " " + "c" * 33 + " " + "é" * 40 + " " + "z" * 1000 + " end",
    "tab\tnew\nline\r\nreturn\x00nul\x1fend",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_signatures_of_edge_cases(text: str) -> None:
    assert minhash_signature(text) == _reference_signature(text)


def test_a_batch_is_each_text_alone() -> None:
    batch = [*EDGE_CASES, "x", *EDGE_CASES[::-1]]
    assert minhash_signatures(batch).tolist() == [minhash_signature(text) for text in batch]
    assert minhash_signatures([]).shape == (0, NUM_PERM)


def test_words_are_runs_of_regex_word_characters_with_their_crc32() -> None:
    # Every code point, once alone and once inside a word.
    characters = [chr(code) for code in range(0x110000)]
    text = " ".join(characters) + " " + "".join(f"a{character}b " for character in characters)
    data, _ = _utf8([text])
    hashes, _ = _word_hashes(data, _in_words(data))
    expected = [zlib.crc32(word.encode()) for word in re.findall(r"\w+", text.casefold())]
    assert hashes.tolist() == expected


def _shuffled_ids(count: int) -> list[str]:
    """Document ids whose order is not the order of the documents, as in a warehouse."""
    return [f"doc-{number:05d}" for number in random.Random(2).sample(range(count), count)]


@pytest.mark.parametrize("threshold", [0.5, 0.8, 0.95])
def test_clusters_are_datasketch_lsh_clusters_of_real_near_duplicates(
    texts: list[str], threshold: float
) -> None:
    signatures = minhash_signatures(texts)
    doc_ids = _shuffled_ids(len(texts))
    expected = _reference_clusters(doc_ids, signatures, threshold)
    assert len(expected) > len(texts) // 20  # the texts do have near-duplicates
    assert _as_dict(near_duplicate_clusters(doc_ids, signatures, threshold)) == expected
    assert (
        _as_dict(
            near_duplicate_clusters(pa.chunked_array([doc_ids[:10], doc_ids[10:]]), signatures, threshold)
        )
        == expected
    )


def test_clusters_of_big_buckets() -> None:
    """Exact copies, near-copies and unrelated signatures that share the first band, in one bucket."""
    rng = np.random.default_rng(3)
    base = rng.integers(0, 2**32, NUM_PERM, dtype=np.uint32)
    near = np.tile(base, (150, 1))
    for row in near:
        changed = rng.choice(np.arange(11, NUM_PERM), 6, replace=False)
        row[changed] = rng.integers(0, 2**32, len(changed), dtype=np.uint32)
    unrelated = rng.integers(0, 2**32, (100, NUM_PERM), dtype=np.uint32)
    unrelated[:, :11] = base[:11]
    others = rng.integers(0, 2**32, (100, NUM_PERM), dtype=np.uint32)
    signatures = np.concatenate(
        [np.tile(base, (200, 1)), near, unrelated, others, np.tile(others[0], (3, 1))]
    )
    signatures = signatures[rng.permutation(len(signatures))]
    doc_ids = _shuffled_ids(len(signatures))
    clusters = _as_dict(near_duplicate_clusters(doc_ids, signatures))
    assert clusters == _reference_clusters(doc_ids, signatures, 0.8)
    assert len(clusters) == 200 + 150 + 4 and len(set(clusters.values())) == 2


def test_no_documents_no_clusters() -> None:
    assert _as_dict(near_duplicate_clusters([], np.zeros((0, NUM_PERM), dtype=np.uint32))) == {}
    assert _as_dict(near_duplicate_clusters(["a"], np.zeros((1, NUM_PERM), dtype=np.uint32))) == {}
    with pytest.raises(ValueError):
        near_duplicate_clusters(["a", "b"], np.zeros((1, NUM_PERM), dtype=np.uint32))
    with pytest.raises(ValueError):
        near_duplicate_clusters(["a"], np.zeros((1, NUM_PERM // 2), dtype=np.uint32))
