"""One reader per dump format: a generator of records from a binary stream, registered by name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from transforms.readers import textdump
from transforms.records import EXCERPT_BYTES, Locator, Origin, RawRecord, Rejection

Reader = Callable[[BinaryIO, Origin], Iterator[RawRecord | Rejection]]

READERS: dict[str, Reader] = {
    textdump.FORMAT: textdump.read_textdump,
}
_FORMAT_BY_SUFFIX = {".txt": textdump.FORMAT, "": textdump.FORMAT}


def detect_format(path: Path) -> str | None:
    return _FORMAT_BY_SUFFIX.get(path.suffix.lower())


def read_file(path: Path, source_format: str | None = None) -> Iterator[RawRecord | Rejection]:
    """Every record of the file at `path`; a file of no known format is one rejection."""
    source_format = source_format or detect_format(path)
    if source_format not in READERS:
        with path.open("rb") as stream:
            excerpt = stream.read(EXCERPT_BYTES)
        yield Rejection(
            locator=Locator(source_file=str(path), record_index=0, byte_offset=0),
            source_format=source_format or "unknown",
            reason="unsupported_format",
            message=f"no reader for {path.name!r} (known formats: {', '.join(sorted(READERS))})",
            raw_excerpt=excerpt,
        )
        return
    with path.open("rb") as stream:
        yield from READERS[source_format](stream, Origin(str(path)))
