"""Body text normalisation: Unicode NFC, clean paragraphs, single spaces, crawler artefacts repaired."""

from __future__ import annotations

import re
import unicodedata

# Control characters carry no text. Tab, newlines and the other whitespace controls become spaces
# or paragraph breaks below, so they are kept until then.
_WHITESPACE_CONTROLS = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85"
_DROP_CONTROLS = {
    code: None
    for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
    if chr(code) not in _WHITESPACE_CONTROLS
}
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
_WHITESPACE_RUN = re.compile(r"\s+")
# Tokenising crawlers detach the possessive: "TRT World 's Sara Firth".
_DETACHED_POSSESSIVE = re.compile(r"(?<=\w) (['’]s)(?![\w'’])")


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by blank lines; whitespace inside one collapses to single spaces."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.translate(_DROP_CONTROLS)
    paragraphs = (_clean_paragraph(p) for p in _PARAGRAPH_BREAK.split(text))
    return [p for p in paragraphs if p]


def _clean_paragraph(paragraph: str) -> str:
    paragraph = _WHITESPACE_RUN.sub(" ", paragraph).strip()
    return _DETACHED_POSSESSIVE.sub(r"\1", paragraph)


def normalise_text(text: str) -> str:
    """The normalised text: its paragraphs joined by one blank line."""
    return "\n\n".join(split_paragraphs(text))
