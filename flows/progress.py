"""A progress bar for a run on a terminal: files and documents loaded so far, shard by shard."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class ShardProgress:
    def __init__(self, progress: Progress | None, files: int) -> None:
        self._progress = progress
        self.documents = 0
        self._task = progress.add_task("files", total=files, documents=0) if progress else None

    def shard_done(self, files: int, documents: int) -> None:
        self.documents += documents
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=files, documents=self.documents)


@contextmanager
def shard_progress(files: int) -> Iterator[ShardProgress]:
    """A bar on standard error when it is a terminal; nothing shown otherwise (logs, CI, pipes)."""
    if files == 0 or not sys.stderr.isatty():
        yield ShardProgress(None, files)
        return
    columns = (
        TextColumn("loading"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files, {task.fields[documents]} documents"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=True) as progress:
        yield ShardProgress(progress, files)
