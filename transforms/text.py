"""Text normalisation: entities decoded, mojibake repaired, Unicode NFC, control characters dropped,
clean paragraphs with single spaces, crawler artefacts repaired."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable

import ftfy

# Control characters carry no text. Tab, newlines and the other whitespace controls become spaces
# or paragraph breaks below, so they are kept until then.
_WHITESPACE_CONTROLS = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85"
_DROP_CONTROLS = [
    chr(code)
    for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
    if chr(code) not in _WHITESPACE_CONTROLS
]
_CONTROL = re.compile("[" + "".join(map(re.escape, _DROP_CONTROLS)) + "]")
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
# Tokenising crawlers detach the possessive: "TRT World 's Sara Firth".
_DETACHED_POSSESSIVE = re.compile(r"(?<=\w) (['’]s)(?![\w'’])")
# Only complete references, with their semicolon: "AT&T", "&copy" or "^&#@$" stay as written.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Cleaning rounds of one paragraph: more are needed only for mojibake nested in mojibake.
_MAX_ROUNDS = 4
# UTF-8 read as Windows-1252 or Latin-1: a lead byte (Â..ô) followed by a continuation byte as
# either code page shows it. Cheap to find; ftfy then decides whether it really is mojibake.
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)


def decode_entities(text: str) -> str:
    """HTML/SGML character references decoded; one that names a control character is dropped later,
    one that names no character (NUL, a surrogate, past U+10FFFF) now: HTML would show U+FFFD, and no
    U+FFFD is invented."""
    return _ENTITY.sub(_character, text) if "&" in text else text


def _character(reference: re.Match[str]) -> str:
    text = reference.group()
    if text[1] == "#":
        code = int(text[3:-1], 16) if text[2] in "xX" else int(text[2:-1])
        if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            return ""
    return html.unescape(text)


def repair_mojibake(text: str) -> str:
    """Text that was encoded as UTF-8 and decoded as a single-byte code page, decoded right."""
    return ftfy.fix_encoding(text) if _MOJIBAKE_HINT.search(text) else text


def _clean_characters(text: str) -> str:
    # References are decoded until none is left, with the control characters dropped before each round,
    # so that clean text holds no reference to decode: `&amp;lt;` (escaped twice) is `<`, and `&am\x03p;`
    # is `&` as its second cleaning would find it.
    text = _CONTROL.sub("", text)
    while "&" in text and (decoded := _CONTROL.sub("", decode_entities(text))) != text:
        text = decoded
    return unicodedata.normalize("NFC", text) if not text.isascii() else text


def _repaired(text: str) -> str:
    """Collapsed text with its mojibake repaired, and collapsed again."""
    repaired = repair_mojibake(text)
    if repaired == text:
        return text
    return " ".join(_CONTROL.sub("", unicodedata.normalize("NFC", repaired)).split())


def _joined_possessive(text: str) -> str:
    return _DETACHED_POSSESSIVE.sub(r"\1", text) if "'s" in text or "’s" in text else text


def _settled(text: str, clean: Callable[[str], str]) -> str:
    """`text`, whitespace collapsed, then cleaned until the cleaning changes nothing. ftfy's verdict on
    a candidate depends on the characters around it, which collapsing, an earlier repair or a joined
    possessive change: asked again about what it gave, it could decide otherwise."""
    text = " ".join(text.split())  # str.split() and the regex `\s` agree on what is white
    for _ in range(_MAX_ROUNDS):
        cleaned = clean(text)
        if cleaned == text:
            break
        text = cleaned
    return text


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by blank lines; whitespace inside one collapses to single spaces."""
    text = _clean_characters(text.replace("\r\n", "\n").replace("\r", "\n"))
    paragraphs = (_clean_paragraph(p) for p in _PARAGRAPH_BREAK.split(text))
    return [p for p in paragraphs if p]


def _clean_paragraph(paragraph: str) -> str:
    return _settled(paragraph, lambda text: _joined_possessive(_repaired(text)))


def normalise_text(text: str) -> str:
    """The normalised text: its paragraphs joined by one blank line."""
    return "\n\n".join(split_paragraphs(text))


def normalise_line(text: str | None) -> str | None:
    """A header value (a title, a name) as one clean line; None when nothing is left."""
    if not text:
        return None
    return _settled(_clean_characters(text), _repaired) or None
