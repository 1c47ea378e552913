"""Bytes to text, never failing and never inventing U+FFFD.

Text is decoded as UTF-8. Any byte that is not part of a valid UTF-8 sequence is decoded as
Windows-1252 (the five bytes Windows-1252 leaves undefined map to the Latin-1 code points of the
same value). Stray Latin-1 / cp1252 bytes in otherwise UTF-8 or ASCII text are the common case in
real dumps, and this recovers them exactly.
"""

from __future__ import annotations

import codecs
import io
from typing import BinaryIO

UTF8 = "utf-8"
UTF8_WITH_CP1252_FALLBACK = "utf-8+cp1252"
_ERROR_HANDLER = "dumpling-cp1252-fallback"
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def _cp1252_char(byte: int) -> str:
    return chr(byte) if byte in _CP1252_UNDEFINED else bytes([byte]).decode("cp1252")


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(_cp1252_char(b) for b in bad), error.end


codecs.register_error(_ERROR_HANDLER, _cp1252_fallback)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode `data`, returning the text and the name of the decoding used. A UTF-8 BOM is dropped."""
    try:
        return data.decode("utf-8-sig"), UTF8
    except UnicodeDecodeError:
        return data.decode("utf-8-sig", errors=_ERROR_HANDLER), UTF8_WITH_CP1252_FALLBACK


# UTF-32's little-endian mark starts with UTF-16's: the longer marks are tried first.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_TRANSCODE_CHARS = 64 * 1024


class _Utf8Encoded(io.RawIOBase):
    """The characters of a text stream, encoded as UTF-8."""

    def __init__(self, text: io.TextIOBase) -> None:
        self._text = text
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            chunk = self._text.read(_TRANSCODE_CHARS)
            if not chunk:
                return 0
            self._pending = chunk.encode("utf-8", "surrogatepass")
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


def utf8_stream(head: bytes, stream: BinaryIO) -> BinaryIO | None:
    """`stream` as UTF-8 if its first bytes are a UTF-16 or UTF-32 byte-order mark, else None: every
    reader splits lines and finds markup in bytes, which a two- or four-byte encoding defeats. Bytes
    that do not decode become U+FFFD (a wide stream cut at an odd length, say)."""
    for bom, codec in _WIDE_BOMS:
        if head.startswith(bom):
            text = io.TextIOWrapper(stream, encoding=codec, errors="replace", newline="")
            return io.BufferedReader(_Utf8Encoded(text))
    return None
