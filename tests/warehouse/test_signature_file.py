"""Signatures in a scratch file read as an array's rows are, and clustered as from the array."""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from transforms.dedup import NUM_PERM, near_duplicate_clusters
from warehouse import signature_file
from warehouse.signature_file import SignatureFile


@pytest.fixture
def small_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    # A window must start at a multiple of the page size: 16 rows of 64 values is one page.
    monkeypatch.setattr(signature_file, "WINDOW_ROWS", 16)


def _signatures(rows: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2**32, (rows, NUM_PERM), dtype=np.uint32)


def test_rows_are_read_as_from_the_array(tmp_path: Path, small_windows: None) -> None:
    array = _signatures(100, 1)
    with SignatureFile(tmp_path, NUM_PERM) as stored:
        for start in range(0, 100, 30):  # batches that do not line up with the windows
            stored.append(array[start : start + 30])
        assert stored.shape == (100, NUM_PERM) and len(stored) == 100
        rows = np.array([99, 0, 17, 17, 64, 15, 16, 3])  # unsorted, repeated, at the windows' edges
        assert np.array_equal(stored[rows], array[rows])
        assert np.array_equal(stored[rows, 8:16], array[rows, 8:16])
        assert np.array_equal(stored[np.arange(100)], array)
        assert stored[np.array([], dtype=np.intp)].shape == (0, NUM_PERM)
        with pytest.raises(IndexError):
            stored[np.array([100])]
        with pytest.raises(ValueError):
            stored.append(array[:2, :8])
    assert list(tmp_path.iterdir()) == []  # the scratch file has no name


def test_an_empty_file_reads_as_an_empty_array(tmp_path: Path) -> None:
    with SignatureFile(tmp_path, NUM_PERM) as stored:
        assert stored[np.array([], dtype=np.intp)].shape == (0, NUM_PERM)
        assert near_duplicate_clusters([], stored).num_rows == 0


def test_clusters_from_the_file_are_those_from_the_array(tmp_path: Path, small_windows: None) -> None:
    rng = np.random.default_rng(2)
    base = _signatures(40, 3)
    copies = base[rng.integers(0, 40, 300)]
    # Near-copies: a few values changed, so that some pairs are similar and others not.
    for row in copies:
        changed = rng.choice(NUM_PERM, rng.integers(0, 20), replace=False)
        row[changed] = rng.integers(0, 2**32, len(changed), dtype=np.uint32)
    array = np.concatenate([base, copies, _signatures(200, 4)])[rng.permutation(540)]
    doc_ids = pa.array([f"doc-{number:04d}" for number in rng.permutation(540)])
    expected = near_duplicate_clusters(doc_ids, array)
    assert 100 < expected.num_rows < 540
    with SignatureFile(tmp_path, NUM_PERM) as stored:
        stored.append(array[:333])
        stored.append(array[333:])
        assert near_duplicate_clusters(doc_ids, stored).equals(expected)
