import bz2
import gzip
import io
import lzma
import struct
import tarfile
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import zstandard

from tests.conftest import SEED_ARTICLE
from transforms import containers
from transforms.containers import HEAD_BYTES, MAX_RATIO, decompress, open_streams, peekable
from transforms.formats import read_path, reread
from transforms.records import RawRecord, Rejection

TEXT = b" date 2019-03-05 Body of the document.\n\nSecond paragraph.\n" * 3000  # larger than the head


class NonSeekable(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._data.read(min(len(buffer), 1000))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def seekable(self) -> bool:
        return False


@pytest.mark.parametrize(
    ("name", "compress"),
    [
        pytest.param("gzip", gzip.compress, id="gzip"),
        pytest.param("bz2", bz2.compress, id="bz2"),
        pytest.param("xz", lzma.compress, id="xz"),
        pytest.param("zstd", lambda data: zstandard.ZstdCompressor().compress(data), id="zstd"),
        pytest.param(None, lambda data: data, id="plain"),
    ],
)
def test_decompress_by_content(name, compress) -> None:
    found, head, plain = decompress(NonSeekable(compress(TEXT)))
    assert found == name
    assert head == TEXT[:HEAD_BYTES]
    assert plain.read() == TEXT


def test_multi_member_gzip_reads_every_member() -> None:
    _, _, plain = decompress(io.BytesIO(gzip.compress(b"one\n") + gzip.compress(b"two\n")))
    assert plain.read() == b"one\ntwo\n"


def test_peekable_keeps_every_byte_of_a_short_stream() -> None:
    head, stream = peekable(NonSeekable(b"short"))
    assert (head, stream.read()) == (b"short", b"short")


def _tar(members: dict[str, bytes], mode: str = "w:gz") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_tgz_members_are_streams_and_may_be_compressed(tmp_path: Path) -> None:
    path = tmp_path / "dump.tgz"
    path.write_bytes(_tar({"a/one.txt": b"first", "b/two.txt.xz": lzma.compress(b"second")}))
    streams = [(origin.source_member, plain.read()) for origin, _, plain in open_streams(path)]
    assert streams == [("a/one.txt", b"first"), ("b/two.txt.xz", b"second")]


def test_plain_tar_with_a_misleading_name(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(_tar({"inner.jsonl": b'{"a": 1}\n'}, mode="w"))
    ((origin, head, _),) = open_streams(path)
    assert (origin.source_file, origin.source_member, head) == (str(path), "inner.jsonl", b'{"a": 1}\n')


def test_zip_members(tmp_path: Path) -> None:
    path = tmp_path / "dump.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x/doc.txt", b"zipped text")
        archive.writestr("x/", b"")
        archive.writestr("y/doc.txt.gz", gzip.compress(b"gzipped in a zip"))
    assert [(o.source_member, p.read()) for o, _, p in open_streams(path)] == [
        ("x/doc.txt", b"zipped text"),
        ("y/doc.txt.gz", b"gzipped in a zip"),
    ]


def test_a_plain_file_is_one_stream_without_member(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt.bz2"
    path.write_bytes(bz2.compress(TEXT))
    assert [(origin.source_member, plain.read()) for origin, _, plain in open_streams(path)] == [(None, TEXT)]


def test_real_gzipped_warc_is_decompressed(corpora: Path) -> None:
    ((_, head, _),) = open_streams(corpora / "warc" / "commoncrawl-whirlwind" / "whirlwind.warc.gz")
    assert head.startswith(b"WARC/1.0\r\n")


# Archives built to hurt, compression that breaks, and what reading them gives (transforms.formats).


def _jsonl(count: int, start: int = 0) -> bytes:
    return b"".join(
        b'{"title": "headline %d", "text": "body %d"}\n' % (n, n) for n in range(start, start + count)
    )


def _outcomes(records: list[RawRecord | Rejection]) -> list[tuple[str | None, str]]:
    """(member, reason) of each record; a read record's reason is its format."""
    return [
        (r.locator.source_member, r.reason if isinstance(r, Rejection) else r.source_format) for r in records
    ]


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return buffer.getvalue()


UNSAFE_NAMES = ["../evil.txt", "/abs/evil.txt", "docs/../../evil.txt", "..\\evil.txt", "C:/evil.txt"]


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_member_names_that_climb_out_are_rejected_never_read(tmp_path: Path, kind: str) -> None:
    evil = b" date 2019-03-05 EVIL text that must never be loaded.\n"
    members = {
        "a/doc.txt": SEED_ARTICLE.read_bytes(),
        **dict.fromkeys(UNSAFE_NAMES, evil),
        "a/..b/ok.txt": TEXT,
    }
    path = tmp_path / f"hostile.{kind}"
    path.write_bytes(_zip(members) if kind == "zip" else _tar(members, mode="w"))
    records = list(read_path(path))
    assert _outcomes(records) == [
        ("a/doc.txt", "textdump"),
        *[(name, "unsafe_member_path") for name in UNSAFE_NAMES],
        ("a/..b/ok.txt", "textdump"),  # `..b` is a name, not a climb
    ]
    assert not any(isinstance(r, RawRecord) and "EVIL" in r.body for r in records)
    assert [p.name for p in tmp_path.rglob("*")] == [path.name]  # nothing is written anywhere
    assert not (tmp_path.parent / "evil.txt").exists()


def test_tar_links_and_special_files_are_rejected(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, kind, target in [
            ("doc.txt", tarfile.REGTYPE, ""),
            ("folder", tarfile.DIRTYPE, ""),
            ("passwd", tarfile.SYMTYPE, "/etc/passwd"),
            ("again.txt", tarfile.LNKTYPE, "doc.txt"),
            ("pipe", tarfile.FIFOTYPE, ""),
            ("tty", tarfile.CHRTYPE, ""),
            ("disk", tarfile.BLKTYPE, ""),
            ("folder/last.txt", tarfile.REGTYPE, ""),
        ]:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, target
            data = SEED_ARTICLE.read_bytes() if kind == tarfile.REGTYPE else b""
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    path = tmp_path / "links.tar"
    path.write_bytes(buffer.getvalue())
    records = list(read_path(path))
    assert _outcomes(records) == [
        ("doc.txt", "textdump"),  # the directory is no record
        ("passwd", "archive_link"),
        ("again.txt", "archive_link"),
        ("pipe", "archive_special_file"),
        ("tty", "archive_special_file"),
        ("disk", "archive_special_file"),
        ("folder/last.txt", "textdump"),
    ]
    assert isinstance(records[1], Rejection) and "'/etc/passwd'" in records[1].message
    assert isinstance(records[2], Rejection) and "hard link to 'doc.txt'" in records[2].message


def test_nested_archives_are_read_to_the_depth_limit(tmp_path: Path) -> None:
    deepest = _tar({"x.txt": TEXT}, mode="w")
    deeper = _zip({"mid.jsonl": _jsonl(3), "deepest.tar": deepest})
    inner = _tar({"doc.txt": SEED_ARTICLE.read_bytes(), "deeper.zip": deeper, "empty.txt": b""})
    path = tmp_path / "outer.zip"
    path.write_bytes(_zip({"top.txt": TEXT, "inner.tar.gz": inner}, method=zipfile.ZIP_STORED))
    records = list(read_path(path))
    assert _outcomes(records) == [
        ("top.txt", "textdump"),
        ("inner.tar.gz/doc.txt", "textdump"),
        ("inner.tar.gz/deeper.zip/mid.jsonl", "jsonl"),
        ("inner.tar.gz/deeper.zip/mid.jsonl", "jsonl"),
        ("inner.tar.gz/deeper.zip/mid.jsonl", "jsonl"),
        ("inner.tar.gz/deeper.zip/deepest.tar", "archive_too_deep"),  # a fourth archive
        ("inner.tar.gz/empty.txt", "empty_file"),
    ]
    second = records[3]
    assert isinstance(second, RawRecord) and second.title == "headline 1"
    assert reread(second.locator, second.source_format) == second


def test_a_compressed_zip_is_read_as_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "dump.zip.xz"
    path.write_bytes(lzma.compress(_zip({"one.jsonl": _jsonl(2)})))
    records = list(read_path(path))
    assert [(r.locator.source_member, getattr(r, "title", None)) for r in records] == [
        ("one.jsonl", "headline 0"),
        ("one.jsonl", "headline 1"),
    ]


def _tar_header(name: str, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = size
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def _peak_memory_of_the_rest(
    records: Iterator[RawRecord | Rejection],
) -> tuple[list[RawRecord | Rejection], int]:
    tracemalloc.start()
    try:
        rest = list(records)
        return rest, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_gzip_bomb_in_a_tar_stops_at_the_ratio_limit_in_little_memory(tmp_path: Path) -> None:
    """A tar.gz of 1 MB holding a JSON Lines member and then 1 GiB of zeros (gzip members of 1 MiB
    each, concatenated: a valid gzip stream)."""
    lines = _jsonl(2)
    member = lines + b"\0" * (-len(lines) % 512)
    path = tmp_path / "bomb.tar.gz"
    one_mib_of_zeros = gzip.compress(bytes(1 << 20))
    with path.open("wb") as stream:
        stream.write(
            gzip.compress(_tar_header("lines.jsonl", len(lines)) + member + _tar_header("zeros", 1 << 30))
        )
        for _ in range(1024):
            stream.write(one_mib_of_zeros)
        stream.write(gzip.compress(bytes(1024)))  # the end of the archive
    assert path.stat().st_size < 1_200_000
    records = read_path(path)
    first = next(records)
    rest, peak = _peak_memory_of_the_rest(records)
    assert _outcomes([first, *rest]) == [
        ("lines.jsonl", "jsonl"),
        ("lines.jsonl", "jsonl"),
        ("zeros", "unsupported_format"),
        ("zeros", "decompression_bomb"),  # met while reading past the member
    ]
    bomb = rest[-1]
    assert isinstance(bomb, Rejection) and bomb.locator.record_index == 1
    assert f"over {MAX_RATIO} times the compressed size" in bomb.message
    assert peak < 8 * 1024 * 1024


def _zip_entry(name: bytes, method: int, data: bytes, declared_size: int, crc: int) -> bytes:
    """A zip local file header and its data, with whatever size and CRC it is told to declare."""
    header = struct.pack(
        "<4s5H3I2H", b"PK\x03\x04", 20, 0, method, 0, 0, crc, len(data), declared_size, len(name), 0
    )
    return header + name + data


def test_a_zip_member_that_lies_about_its_size_stops_at_the_ratio_limit(tmp_path: Path) -> None:
    # Deflate blocks of 1 MiB of zeros, each ending in a full flush, so the same bytes can follow
    # one another: 1024 of them are 1 GiB of zeros in about 1 MB.
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = deflate.compress(bytes(1 << 20)) + deflate.flush(zlib.Z_FULL_FLUSH)
    zeros = block * 1024 + deflate.flush()
    lines = _jsonl(2)
    path = tmp_path / "bomb.zip"
    path.write_bytes(
        _zip_entry(b"lines.jsonl", 0, lines, len(lines), zlib.crc32(lines))
        + _zip_entry(b"small.jsonl", 8, zeros, 1000, 0)
        + b"PK\x05\x06"
        + bytes(18)
    )
    records = read_path(path)
    first = next(records)
    rest, peak = _peak_memory_of_the_rest(records)
    assert _outcomes([first, *rest]) == [
        ("lines.jsonl", "jsonl"),
        ("lines.jsonl", "jsonl"),
        ("small.jsonl", "unsupported_format"),
        ("small.jsonl", "decompression_bomb"),
    ]
    assert peak < 8 * 1024 * 1024


def test_the_limit_on_decompressed_bytes_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(containers, "MAX_PLAIN_BYTES", 1 << 20)
    data = _jsonl(40_000)  # 2 MB, which gzip shrinks only 5 times
    path = tmp_path / "big.jsonl.gz"
    path.write_bytes(gzip.compress(data))
    *kept, last = read_path(path)
    assert 10_000 < len(kept) < 40_000
    assert [r.title for r in kept if isinstance(r, RawRecord)] == [f"headline {n}" for n in range(len(kept))]
    assert isinstance(last, Rejection) and last.reason == "decompression_bomb"
    assert last.locator.record_index == len(kept)
    assert f"over {1 << 20} bytes decompressed from one file" in last.message


def test_a_small_file_that_compresses_very_well_is_read_whole(tmp_path: Path) -> None:
    data = b'{"title": "the same headline", "text": "%s"}\n' % (b"the same words " * 400) * 2_000  # 12 MB
    path = tmp_path / "repetitive.jsonl.gz"
    path.write_bytes(gzip.compress(data))
    assert len(data) > MAX_RATIO * path.stat().st_size
    records = list(read_path(path))
    assert len(records) == 2_000 and all(isinstance(r, RawRecord) for r in records)


@pytest.mark.parametrize(
    "compress",
    [
        pytest.param(lambda data: gzip.compress(data), id="gzip"),
        pytest.param(lambda data: bz2.compress(data, compresslevel=1), id="bz2"),  # blocks of 100 kB
        pytest.param(lambda data: zstandard.ZstdCompressor().compress(data), id="zstd"),
        pytest.param(lambda data: lzma.compress(data), id="xz"),
    ],
)
def test_a_compressed_stream_cut_short_keeps_the_records_before_the_cut(tmp_path: Path, compress) -> None:
    whole = compress(_jsonl(20_000))
    path = tmp_path / "cut.jsonl"
    path.write_bytes(whole[: len(whole) // 2])
    *kept, last = read_path(path)
    assert 1000 < len(kept) < 20_000
    assert [r.title for r in kept if isinstance(r, RawRecord)] == [f"headline {n}" for n in range(len(kept))]
    assert isinstance(last, Rejection) and last.reason == "truncated"
    assert last.locator.record_index == len(kept)


def test_a_zip_cut_short_keeps_the_members_and_records_before_the_cut(tmp_path: Path) -> None:
    whole = _zip({"a.jsonl": _jsonl(20_000), "b.jsonl": _jsonl(20_000, 20_000)})
    path = tmp_path / "cut.zip"
    path.write_bytes(whole[: len(whole) * 3 // 4])  # no central directory left
    *kept, last = read_path(path)
    assert [r.title for r in kept if isinstance(r, RawRecord)] == [f"headline {n}" for n in range(len(kept))]
    assert [r.locator.source_member for r in kept].count("a.jsonl") == 20_000
    assert 20_000 < len(kept) < 40_000
    assert isinstance(last, Rejection) and last.reason == "truncated"
    assert (last.locator.source_member, last.locator.record_index) == ("b.jsonl", len(kept) - 20_000)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"", "empty_file", id="zero-byte"),
        pytest.param(gzip.compress(b""), "empty_file", id="gzip-of-nothing"),
        pytest.param(gzip.compress(_jsonl(3))[:5], "truncated", id="gzip-header-cut"),
        pytest.param(b"\x28\xb5\x2f\xfd" + b"\xff" * 64, "corrupt_file", id="zstd-garbage"),
    ],
)
def test_a_gzip_or_zstd_file_with_nothing_to_read(tmp_path: Path, data: bytes, reason: str) -> None:
    path = tmp_path / "nothing.jsonl.gz"
    path.write_bytes(data)
    (only,) = read_path(path)
    assert isinstance(only, Rejection)
    assert (only.reason, only.locator.source_member, only.locator.record_index) == (reason, None, 0)
