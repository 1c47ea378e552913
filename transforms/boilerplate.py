"""Boilerplate: lines that belong to the page, list or wire around a document rather than to it.

Two ways to find them, and both move the lines out of the text into the `boilerplate` column:

* known shapes (a wire signature, a mailing-list footer, a cookie or newsletter line), line by line
  (and a paragraph that is one such line wrapped), as each document is normalised;
* repetition: a short paragraph at the start or the end of a document that recurs in at least
  MIN_DOCUMENTS documents and MIN_SHARE of the documents of one source within one load, once all of
  them have been seen.

A document never loses its last paragraph: if every paragraph looks like boilerplate, all stay.
(For known lines the normaliser decides, since a record may have a title to fall back on.)
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from transforms.text import normalise_line

MIN_DOCUMENTS = 3
MIN_SHARE = 0.02
# Longer paragraphs are content even when they repeat (a standard disclaimer is rarely this short).
MAX_CHARS = 200

# Each known shape, and words (lower case, no spaces) of which every line of that shape has one:
# a body with none of them needs no look at its lines.
_KNOWN_LINES = [
    (r"reuters?(?:\.\.\.)?(?:\^m)?", ["reuter"]),  # the wire signature of Reuters stories
    (r"more videos?\.?", ["video"]),
    (r"follow the latest .{0,40}news here\.?", ["latest"]),
    (r"(?:this (?:site|website)|we) uses? cookies\b.{0,300}", ["cookies"]),
    (r".{0,100}\b(?:accept|manage|use of) (?:all )?cookies\.?", ["cookies"]),
    (r"(?:subscribe|sign up)(?: now)? (?:to|for) (?:our|the) .{0,60}newsletters?\b.{0,100}", ["newsletter"]),
    (r"(?:click|tap) here to (?:subscribe|sign up|unsubscribe)\b.{0,100}", ["subscribe", "sign"]),
    # Mailman and pipermail: the list footer and the attachment scrubber's notes.
    (r"_{20,}", ["_" * 20]),
    (r"[\w.+-]+ mailing list", ["mailing"]),
    (r"https?://\S+/mailman/listinfo/\S*", ["/mailman/listinfo/"]),
    (r"unsubscribe: ?\S*", ["unsubscribe:"]),
    (r"-+ next part -+", ["next"]),
    (r"an html attachment was scrubbed\.*", ["scrubbed"]),
    (r"url: <?https?://\S+/attachments?/\S+>?", ["/attachment"]),
]
_KNOWN = re.compile("|".join(f"(?:{pattern})" for pattern, _ in _KNOWN_LINES), re.IGNORECASE)
# Known lines one after another, as a paragraph's lines are once joined: normalised text is read again
# the same way (`Reuter` on two lines is `Reuter Reuter` in the text).
_KNOWN_RUN = re.compile(f"(?:{_KNOWN.pattern})(?: (?:{_KNOWN.pattern}))*", re.IGNORECASE)
_CUES = sorted({cue for _, cues in _KNOWN_LINES for cue in cues})
_ADDRESS = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+|\S+ at \S+\.[a-z]{2,}\b", re.IGNORECASE)
# Every address `_ADDRESS` finds in a case-folded paragraph contains one of these.
_ADDRESS_CUES = ("http", "www.", "@", " at ")
_LETTER = re.compile(r"[^\W\d_]")
# A blank line, where `split_paragraphs` starts a paragraph (captured: the breaks stay in the body).
_PARAGRAPH_BREAK = re.compile(r"(\n[^\S\n]*\n\s*)")


def is_known_boilerplate(line: str) -> bool:
    return _KNOWN.fullmatch(" ".join(line.split())) is not None


def _has_cue(text: str) -> bool:
    folded = text.casefold()
    return any(cue in folded for cue in _CUES)


def _is_known(text: str) -> bool:
    """Text of a known boilerplate shape as the normalised text would have it (references decoded,
    whitespace collapsed), so that what is left in the text cannot turn out to be one later."""
    return _has_cue(text) and _KNOWN_RUN.fullmatch(normalise_line(text) or "") is not None


def split_known_lines(body: str) -> tuple[str, list[str]]:
    """`body` without its lines of a known boilerplate shape, and those lines (normalised). A paragraph
    that is one such line wrapped over several lines goes whole."""
    if not _has_cue(body):
        return body.strip("\n"), []
    pieces: list[str] = []
    removed: list[str] = []
    for index, piece in enumerate(_PARAGRAPH_BREAK.split(body)):  # paragraphs, and the breaks between
        if index % 2 == 0 and _is_known(piece):
            removed.append(normalise_line(piece) or "")
            piece = ""
        elif index % 2 == 0 and _has_cue(piece):
            kept = []
            for line in piece.split("\n"):
                if _is_known(line):
                    removed.append(normalise_line(line) or "")
                else:
                    kept.append(line)
            piece = "\n".join(kept)
        pieces.append(piece)
    return "".join(pieces).strip("\n"), removed


def paragraph_key(paragraph: str) -> bytes | None:
    """What makes two paragraphs the same boilerplate: case and addresses aside (a footer that names
    each subscriber is one footer). None for a paragraph too long, or without letters, to count."""
    if len(paragraph) > MAX_CHARS or not _LETTER.search(paragraph):
        return None
    key = paragraph.casefold()
    # A bare link stays itself: all links are not one.
    if any(cue in key for cue in _ADDRESS_CUES) and _LETTER.search(_ADDRESS.sub("", key)):
        key = _ADDRESS.sub("<address>", key)
    return hashlib.blake2b(key.encode(), digest_size=8).digest()


class RepeatCounter:
    """Counts, for each short paragraph, how many documents of one source contain it."""

    def __init__(self) -> None:
        self.documents = 0
        self._counts: Counter[bytes] = Counter()

    def add(self, paragraphs: Iterable[str]) -> None:
        self.documents += 1
        self._counts.update({key for key in map(paragraph_key, paragraphs) if key is not None})

    def repeated(self) -> frozenset[bytes]:
        threshold = max(MIN_DOCUMENTS, math.ceil(MIN_SHARE * self.documents))
        return frozenset(key for key, count in self._counts.items() if count >= threshold)


def split_repeated(paragraphs: Sequence[str], repeated: frozenset[bytes]) -> tuple[list[str], list[str]]:
    """The paragraphs that are not repeated boilerplate, and those that are. Boilerplate frames a
    document, so only the runs of repeated paragraphs at its start and at its end are taken: a short
    line that recurs inside documents (a table's `Year` row) is content."""
    start = 0
    while start < len(paragraphs) and paragraph_key(paragraphs[start]) in repeated:
        start += 1
    end = len(paragraphs)
    while end > start and paragraph_key(paragraphs[end - 1]) in repeated:
        end -= 1
    if start == end:
        return list(paragraphs), []
    return list(paragraphs[start:end]), [*paragraphs[:start], *paragraphs[end:]]
