import bz2
import gzip
import io
import lzma
import tarfile
import zipfile
from pathlib import Path

import pytest
import zstandard

from transforms.containers import HEAD_BYTES, decompress, open_streams, peekable

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
