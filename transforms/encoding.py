"""Bytes to text, never failing and never inventing U+FFFD.

Text is decoded as UTF-8. Any byte that is not part of a valid UTF-8 sequence is decoded as
Windows-1252 (the five bytes Windows-1252 leaves undefined map to the Latin-1 code points of the
same value). Stray Latin-1 / cp1252 bytes in otherwise UTF-8 or ASCII text are the common case in
real dumps, and this recovers them exactly.
"""

from __future__ import annotations

import codecs

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
