"""Compression and archives, handled by content: every file becomes one or more plain byte streams.

gzip, bz2, xz and zstd are undone as the bytes stream through; tar and zip archives (compressed or not,
and nested up to MAX_ARCHIVE_DEPTH archives deep) give one stream per member, each of which may itself
be compressed. Nothing is extracted to disk, and nothing is read into memory beyond the first block used
to recognise what a stream holds.

Archives from the outside world may be built to hurt. A member that is not read comes as a `Rejection`
in place of its stream: a name that climbs out of the archive (`unsafe_member_path`), a tar link
(`archive_link`) or device or fifo (`archive_special_file`), an archive nested too deep
(`archive_too_deep`). A file that decompresses to far more than it holds raises `DecompressionBomb`.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO, cast

import stream_unzip
from backports import zstd

from transforms.records import Origin, Rejection

HEAD_BYTES = 64 * 1024
# Decompressors raise on damage and drop what the failing read had decoded: small reads lose little.
READ_BYTES = 8 * 1024
_TAR_MAGIC_OFFSET = 257

# An archive inside an archive is read, to this many archives deep (the file itself is the first).
MAX_ARCHIVE_DEPTH = 3
# Decompression bomb limits, counted on the bytes that actually come out of every decompressor of one
# input file (sizes declared in headers can lie). Text compresses 3 to 5 times (gzip -9, xz -9 and
# zstd -19 on every corpus in ../shared/corpora); 100 leaves room for very repetitive exports, while
# deflate reaches about 1,000 and bz2 and zstd far more on a bomb. Below RATIO_FREE_BYTES the ratio is
# not checked, so that a small, highly compressible file always passes.
MAX_RATIO = 100
RATIO_FREE_BYTES = 64 * 1024 * 1024
# Past this, a single input file is more likely hostile than useful: the largest dumps we read (a
# Common Crawl WARC, about 5 GB once decompressed; a year of a mailing list) stay far below it, and at
# a few hundred MB/s of decompression it bounds the time a hostile file can take to a few minutes.
MAX_PLAIN_BYTES = 32 * 1024**3

_DECOMPRESSORS: list[tuple[str, bytes, Callable[[BinaryIO], object]]] = [
    ("gzip", b"\x1f\x8b", lambda raw: gzip.GzipFile(fileobj=raw, mode="rb")),
    ("bz2", b"BZh", lambda raw: bz2.BZ2File(raw, mode="rb")),
    ("xz", b"\xfd7zXZ\x00", lambda raw: lzma.LZMAFile(raw, mode="rb")),  # noqa: SIM115 (the caller closes it)
    # backports.zstd (Python 3.14's compression.zstd) raises EOFError on a stream cut inside a frame.
    ("zstd", b"\x28\xb5\x2f\xfd", lambda raw: zstd.ZstdFile(raw, mode="rb")),
]

Stream = tuple[Origin, bytes, BinaryIO]
# What the file gives: its plain streams, and a rejection for each member that is not read.
Streams = Iterator[Stream | Rejection]


class DecompressionBomb(Exception):
    """An input file decompresses to more bytes than MAX_RATIO or MAX_PLAIN_BYTES allow."""


class _Budget:
    """The bytes read from one input file and the bytes its decompressors gave, against the limits.

    Once a limit trips, every further count raises again, so a reader cannot read past it.
    """

    def __init__(self) -> None:
        self.raw = 0
        self.plain = 0
        self.tripped: DecompressionBomb | None = None

    def add_raw(self, count: int) -> None:
        self.raw += count

    def add_plain(self, count: int) -> None:
        if self.tripped is None:
            self.plain += count
            if self.plain > MAX_PLAIN_BYTES:
                self.tripped = DecompressionBomb(
                    f"over {MAX_PLAIN_BYTES} bytes decompressed from one file (the limit per input file)"
                )
            elif self.plain > RATIO_FREE_BYTES and self.plain > MAX_RATIO * self.raw:
                self.tripped = DecompressionBomb(
                    f"{self.plain} bytes decompressed from {self.raw} bytes read: over {MAX_RATIO} times "
                    "the compressed size (the limit on the compression ratio)"
                )
        if self.tripped is not None:
            raise self.tripped


def _read_some(stream: BinaryIO, size: int) -> bytes:
    """Up to `size` bytes; `read1`, where there is one, returns what is decoded without waiting for more."""
    read = getattr(stream, "read1", stream.read)
    data: bytes = read(size)
    return data


class _Counted(io.RawIOBase):
    """`stream`, with the length of every read handed to `count` (which may raise)."""

    def __init__(self, stream: BinaryIO, count: Callable[[int], None]) -> None:
        self._stream = stream
        self._count = count

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = _read_some(self._stream, min(len(buffer), READ_BYTES))
        self._count(len(data))
        buffer[: len(data)] = data
        return len(data)


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


def decompress(stream: BinaryIO, budget: _Budget | None = None) -> tuple[str | None, bytes, BinaryIO]:
    """`(compression or None, first bytes of the plain data, plain data stream)`; the decompressed
    bytes are counted against `budget` if given."""
    head, stream = peekable(stream)
    for name, magic, opener in _DECOMPRESSORS:
        if head.startswith(magic):
            plain = cast(BinaryIO, opener(stream))
            if budget is not None:
                plain = cast(BinaryIO, _Counted(plain, budget.add_plain))
            plain_head, plain = peekable(plain)
            return name, plain_head, plain
    return None, head, stream


def is_tar(head: bytes) -> bool:
    return head[_TAR_MAGIC_OFFSET : _TAR_MAGIC_OFFSET + 5] == b"ustar"


def is_zip(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06")


def open_streams(path: Path, name: str | None = None) -> Streams:
    """`(origin, first bytes, plain stream)` for the file at `path`, or for each member of an archive
    (members of an archive inside it are named `inner.tar/doc.txt`); a member that is not read comes
    as a `Rejection` instead. Origins name the file `name` (a URL the file was copied from), else its
    path.

    Each stream is valid until the next one is produced. Reading raises `DecompressionBomb` once the
    file has decompressed past the limits, EOFError where it ends early and other errors on damage.
    """
    budget = _Budget()
    with path.open("rb") as raw:
        counted = cast(BinaryIO, _Counted(raw, budget.add_raw))
        yield from _streams(counted, Origin(name or str(path)), budget, 0)


def _streams(stream: BinaryIO, origin: Origin, budget: _Budget, depth: int) -> Streams:
    """The plain stream of `stream`, or its members' if it is an archive; `depth` archives enclose it."""
    _, head, plain = decompress(stream, budget)
    kind = "zip" if is_zip(head) else "tar" if is_tar(head) else None
    if kind is None:
        yield origin, head, plain
    elif depth >= MAX_ARCHIVE_DEPTH:
        yield _refused(
            origin,
            "archive_too_deep",
            f"a {kind} archive inside {depth} archives; archives are read {MAX_ARCHIVE_DEPTH} deep at most",
        )
    elif kind == "zip":
        yield from _zip_members(plain, origin, budget, depth + 1)
    else:
        yield from _tar_members(plain, origin, budget, depth + 1)


def _tar_members(plain: BinaryIO, origin: Origin, budget: _Budget, depth: int) -> Streams:
    with tarfile.open(fileobj=plain, mode="r|") as archive:
        for member in archive:
            if member.isdir():
                continue
            inner = _member(origin, member.name)
            if _climbs_out(member.name):
                yield _unsafe_path(inner)
            elif member.issym() or member.islnk():
                kind = "symbolic" if member.issym() else "hard"
                message = f"a {kind} link to {member.linkname!r}; links in archives are not followed"
                yield _refused(inner, "archive_link", message)
            elif not member.isfile():
                yield _refused(inner, "archive_special_file", "not a regular file (a device, a fifo, ...)")
            else:
                yield from _streams(cast(BinaryIO, archive.extractfile(member)), inner, budget, depth)


def _zip_members(plain: BinaryIO, origin: Origin, budget: _Budget, depth: int) -> Streams:
    """The members of a zip archive, read from their local headers as they stream past: a nested
    zip needs no seeking, and a zip cut short keeps the members before the cut. (Zip marks links only
    in the central directory, which is not read: a zip "link" is read as the short text it holds.)"""
    members = stream_unzip.stream_unzip(iter(partial(_read_some, plain, READ_BYTES), b""))
    while True:
        with _zip_errors():
            member = next(members, None)
        if member is None:
            return
        raw_name, _, chunks = member
        name = _zip_name(raw_name)
        data = _ZipMember(chunks, budget)
        if not name.endswith("/"):  # a directory is no record
            inner = _member(origin, name)
            if _climbs_out(name):
                yield _unsafe_path(inner)
            else:
                yield from _streams(cast(BinaryIO, data), inner, budget, depth)
        data.drain()  # stream_unzip reads the next member only once this one is read to its end


class _ZipMember(io.RawIOBase):
    """The decompressed bytes of one zip member, counted against the budget."""

    def __init__(self, chunks: Iterator[bytes], budget: _Budget) -> None:
        self._chunks = chunks
        self._budget = budget
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            with _zip_errors():
                chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._budget.add_plain(len(chunk))
            self._pending = memoryview(chunk)
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

    def drain(self) -> None:
        while self.read(READ_BYTES):
            pass


@contextmanager
def _zip_errors() -> Iterator[None]:
    """stream_unzip's errors as the errors of the other containers: EOFError for a cut, BadZipFile."""
    try:
        yield
    except stream_unzip.TruncatedDataError as error:
        raise EOFError("the zip archive ends inside a member") from error
    except stream_unzip.UnzipError as error:
        message = f"the zip archive cannot be read on: {type(error).__name__} {error}"
        raise zipfile.BadZipFile(message) from error


def _zip_name(raw_name: bytes) -> str:
    """Zip names are UTF-8 when a flag says so, else code page 437 (the flag is not passed on)."""
    try:
        return raw_name.decode("utf-8")
    except UnicodeDecodeError:
        return raw_name.decode("cp437")


def _climbs_out(name: str) -> bool:
    """The member name is absolute or has a `..` component, `/` or `\\` separated."""
    posix = PurePosixPath(name.replace("\\", "/"))
    return posix.is_absolute() or ".." in posix.parts or bool(PureWindowsPath(name).drive)


def _member(origin: Origin, name: str) -> Origin:
    member = f"{origin.source_member}/{name}" if origin.source_member else name
    return Origin(origin.source_file, member)


def _unsafe_path(origin: Origin) -> Rejection:
    return _refused(origin, "unsafe_member_path", "the member's name is absolute or climbs out with '..'")


def _refused(origin: Origin, reason: str, message: str) -> Rejection:
    return Rejection(origin.at(0, 0), "unknown", reason, message, b"")
