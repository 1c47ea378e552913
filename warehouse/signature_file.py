"""MinHash signatures kept in a scratch file rather than in memory, for clustering a whole warehouse.

They take 256 bytes a document, more than all the rest the clustering holds; in a file, they cost
the page cache rather than the process. `transforms.dedup.near_duplicate_clusters` reads them as it
would an array, a block of rows at a time. A read maps one window of the file at a time, copies its
rows out and unmaps it: the kernel maps the pages around each page read as well, so mapping the whole
file would soon show all of it in the process's memory.
"""

from __future__ import annotations

import mmap
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt

# Rows of the file mapped at once (4 MB of signatures of 64 values).
WINDOW_ROWS = 1 << 14


class SignatureFile:
    """Rows of `width` 32-bit values, appended a batch at a time, then read by index like an array
    (`file[rows]`, `file[rows, columns]`). The file has no name and goes when it is closed."""

    def __init__(self, directory: Path, width: int) -> None:
        self._file = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 (closed by close())
        self.width = width
        self.rows = 0

    def append(self, signatures: npt.NDArray[Any]) -> None:
        values = np.ascontiguousarray(signatures, dtype=np.uint32)
        if values.shape[1:] != (self.width,):
            raise ValueError(f"signatures of shape {values.shape}, not of {self.width} values")
        self._file.write(values.tobytes())
        self.rows += len(values)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.width)

    def __len__(self) -> int:
        return self.rows

    def __getitem__(self, key: Any) -> npt.NDArray[np.uint32]:
        """`file[rows]` or `file[rows, columns]`: a copy of those rows (an array of row numbers) and
        columns (a slice)."""
        rows, columns = key if isinstance(key, tuple) else (key, slice(None))
        rows = np.asarray(rows, dtype=np.intp)
        if len(rows) and not 0 <= rows.min() <= rows.max() < self.rows:
            raise IndexError(f"rows outside 0..{self.rows - 1}")
        self._file.flush()
        selected = np.empty((len(rows), self.width), dtype=np.uint32)
        order = np.argsort(rows, kind="stable")
        ordered = rows[order]
        window_bytes = WINDOW_ROWS * self.width * 4
        bounds = np.searchsorted(ordered, np.arange(0, self.rows + WINDOW_ROWS, WINDOW_ROWS))
        for window in np.flatnonzero(np.diff(bounds)).tolist():
            first, end = bounds[window], bounds[window + 1]
            length = min(WINDOW_ROWS, self.rows - window * WINDOW_ROWS) * self.width * 4
            mapping = mmap.mmap(
                self._file.fileno(), length, access=mmap.ACCESS_READ, offset=window * window_bytes
            )
            block = np.frombuffer(mapping, dtype=np.uint32).reshape(-1, self.width)
            try:
                selected[order[first:end]] = block[ordered[first:end] - window * WINDOW_ROWS]
            finally:
                del block
                mapping.close()
        return selected[:, columns]

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> SignatureFile:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
