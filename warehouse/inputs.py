"""The files a load reads, as the planning of a run (discovery, shards, slices) sees them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from transforms.fields import FieldMapping

# A slice of a big file loads runs of this many consecutive records, every n-th run.
SLICE_RUN = 64


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file to load; `excluded_by` names the pattern that keeps it out, as a counted rejection.

    A remote file has its `url`, which its rows name, and its `size_bytes` and `fingerprint` from the
    store's listing; `path` is where its bytes are copied to while its shard loads. A big file is
    loaded in slices: `file_slice` is `(k, n)` for the k-th of n, each its own shard.
    """

    path: Path
    source: str
    source_format: str | None = None
    mapping: FieldMapping | None = None
    excluded_by: str | None = None
    fingerprint: str | None = None
    url: str | None = None
    size_bytes: int | None = None
    file_slice: tuple[int, int] | None = None

    @property
    def name(self) -> str:
        return self.url or str(self.path)

    @property
    def size(self) -> int:
        return self.size_bytes if self.size_bytes is not None else self.path.stat().st_size

    def keeps(self, record_index: int) -> bool:
        """Whether this slice of the file loads the record at `record_index` (every record, unsliced)."""
        if self.file_slice is None:
            return True
        k, n = self.file_slice
        return (record_index // SLICE_RUN) % n == k
