"""Compression and archives, handled by content: every file becomes one or more plain byte streams.

gzip, bz2, xz and zstd are undone as the bytes stream through; tar (plain or compressed) and zip
archives give one stream per member, each of which may itself be compressed. Nothing is read into
memory beyond the first block used to recognise what a stream holds.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO, cast

import zstandard

from transforms.records import Origin

HEAD_BYTES = 64 * 1024
# Decompressors raise on damage and drop what the failing read had decoded: small reads lose little.
READ_BYTES = 8 * 1024
_TAR_MAGIC_OFFSET = 257

_DECOMPRESSORS: list[tuple[str, bytes, Callable[[BinaryIO], object]]] = [
    ("gzip", b"\x1f\x8b", lambda raw: gzip.GzipFile(fileobj=raw, mode="rb")),
    ("bz2", b"BZh", lambda raw: bz2.BZ2File(raw, mode="rb")),
    ("xz", b"\xfd7zXZ\x00", lambda raw: lzma.LZMAFile(raw, mode="rb")),  # noqa: SIM115  # noqa: SIM115 (the caller closes it)
    (
        "zstd",
        b"\x28\xb5\x2f\xfd",
        lambda raw: zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True),
    ),
]


def _read_some(stream: BinaryIO, size: int) -> bytes:
    """Up to `size` bytes; `read1`, where there is one, returns what is decoded without waiting for more."""
    read = getattr(stream, "read1", stream.read)
    data: bytes = read(size)
    return data


class _HeadThenRest(io.RawIOBase):
    """The bytes already read to recognise a stream, followed by the rest of that stream.

    An error met while the head was read (a truncated gzip, say) is raised only once the bytes read
    before it have been served, so that the records before the damage are still read.
    """

    def __init__(self, head: bytes, rest: BinaryIO, error: Exception | None) -> None:
        self._head = memoryview(head)
        self._rest = rest
        self._error = error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            count = min(len(buffer), len(self._head))
            buffer[:count] = self._head[:count]
            self._head = self._head[count:]
            return count
        if self._error is not None:
            raise self._error
        data = _read_some(self._rest, min(len(buffer), READ_BYTES))
        buffer[: len(data)] = data
        return len(data)


def peekable(stream: BinaryIO) -> tuple[bytes, BinaryIO]:
    """The first HEAD_BYTES of `stream`, and a stream that still starts at its first byte."""
    head, error = b"", None
    try:
        while len(head) < HEAD_BYTES:
            chunk = _read_some(stream, min(HEAD_BYTES - len(head), READ_BYTES))
            if not chunk:
                break
            head += chunk
    except Exception as damage:  # raised again where the reader reaches it
        error = damage
    return head, io.BufferedReader(_HeadThenRest(head, stream, error), buffer_size=HEAD_BYTES)


def decompress(stream: BinaryIO) -> tuple[str | None, bytes, BinaryIO]:
    """`(compression or None, first bytes of the plain data, plain data stream)`."""
    head, stream = peekable(stream)
    for name, magic, opener in _DECOMPRESSORS:
        if head.startswith(magic):
            plain_head, plain = peekable(cast(BinaryIO, opener(stream)))
            return name, plain_head, plain
    return None, head, stream


def is_tar(head: bytes) -> bool:
    return head[_TAR_MAGIC_OFFSET : _TAR_MAGIC_OFFSET + 5] == b"ustar"


def is_zip(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06")


def open_streams(path: Path, name: str | None = None) -> Iterator[tuple[Origin, bytes, BinaryIO]]:
    """`(origin, first bytes, plain stream)` for the file at `path`, or for each member of an archive;
    origins name the file `name` (a URL the file was copied from), else its path.

    Each stream is valid until the next one is produced.
    """
    name = name or str(path)
    with ExitStack() as stack:
        raw = stack.enter_context(path.open("rb"))
        if is_zip(raw.read(4)):
            raw.seek(0)
            zip_archive = stack.enter_context(zipfile.ZipFile(raw))
            for info in zip_archive.infolist():
                if not info.is_dir():
                    with zip_archive.open(info) as member:
                        _, head, plain = decompress(member)  # type: ignore[arg-type]
                        yield Origin(name, info.filename), head, plain
            return
        raw.seek(0)
        _, head, plain = decompress(raw)
        if not is_tar(head):
            yield Origin(name), head, plain
            return
        with tarfile.open(fileobj=plain, mode="r|") as tar_archive:
            for tar_member in tar_archive:
                extracted = tar_archive.extractfile(tar_member) if tar_member.isfile() else None
                if extracted is not None:
                    _, member_head, member_plain = decompress(extracted)  # type: ignore[arg-type]
                    yield Origin(name, tar_member.name), member_head, member_plain
