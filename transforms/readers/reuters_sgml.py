"""Reuters-21578 SGML (`reut2-NNN.sgm`): one record per `<REUTERS>` element.

    <!DOCTYPE lewis SYSTEM "lewis.dtd">
    <REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="5544" NEWID="1">
    <DATE>26-FEB-1987 15:01:01.79</DATE>
    <TOPICS><D>cocoa</D></TOPICS> <PLACES>...</PLACES> ... <UNKNOWN>&#5;&#5;&#5;C T ...</UNKNOWN>
    <TEXT>&#2;
    <TITLE>BAHIA COCOA REVIEW</TITLE>
    <DATELINE>    SALVADOR, Feb 26 - </DATELINE><BODY>Showers continued throughout the week in
    the Bahia cocoa zone, ...
        The dry period means the temporao will be late this year.
    ...
     Reuter
    &#3;</BODY></TEXT>
    </REUTERS>

The files are not XML (no root element, `>` and `"` unescaped in text), so no XML parser is used.
The stream is read in chunks and split on `<REUTERS ...>` ... `</REUTERS>`; only the element being
read (plus at most one chunk) is held in memory, and byte offsets are counted here. Anything between
elements (the DOCTYPE line, blank lines) is skipped. Each element's bytes are decoded on their own
(`decode_text`) and its fields are found with regexes.

Records: `byte_offset` is the offset of the element's `<REUTERS` tag; `record_index` counts the
elements (rejected ones included). An element the stream ends inside, or that the next `<REUTERS`
tag interrupts, is one `truncated` rejection; an element longer than MAX_ELEMENT_BYTES is one
`too_large` rejection, and reading goes on after its `</REUTERS>` (or at the next `<REUTERS`).

Mapped fields:

* title: TITLE, entities decoded, outer whitespace stripped; None without a TITLE (`TYPE="UNPROC"`).
* date: DATE as written, outer whitespace stripped (` 5-MAR-1987 09:15:05.40` -> `5-MAR-1987 09:15:05.40`).
* authors: AUTHOR (419 stories carry one, `    By Cal Mankowski, Reuters`) stripped, as written.
  Bylines inside a body are left alone. url: always None.
* body: BODY. A `TYPE="BRIEF"` story (TITLE, no BODY) has body "" (the normaliser uses the title).
  A `TYPE="UNPROC"` story (neither TITLE nor BODY) has the text of its TEXT element as its body.
  Either body is cleaned as below.

Body cleaning, so that the normaliser (paragraphs at blank lines, other whitespace collapsed) sees
the story's paragraphs: entities decoded; the wire signature at the end (` Reuter` / ` REUTER` /
`REUTER...` on its own line or after the last sentence, then `&#3;`) put in a paragraph of its own
(the normaliser moves it to the boilerplate); a paragraph starts at each line indented with
whitespace (Reuters marks paragraphs by a 4-space indent, not a blank line),
so a blank line is put before every indented line except the first. Table rows are indented too, so
each becomes a paragraph of its own.

Entities: `&lt; &gt; &amp; &quot; &apos;` and numeric references are decoded. A numeric reference to
a control character (C0 other than tab and newline, DEL, C1) or to no character at all (a surrogate,
beyond U+10FFFF) is dropped: the corpus is full of the wire codes `&#1; &#2; &#3; &#5; &#22; &#31;
&#127;`. Other named references (`&eacute;`) stay as written.

Headers (names as in the file; values are lists of strings):

* `@TOPICS`, `@LEWISSPLIT`, `@CGISPLIT`, `@OLDID`, `@NEWID`, `@CSECS`, ...: the attributes of the
  `<REUTERS>` tag (the `@` keeps the `TOPICS="YES"` attribute apart from the `<TOPICS>` element).
* `TOPICS`, `PLACES`, `PEOPLE`, `ORGS`, `EXCHANGES`, `COMPANIES`: the `<D>` values, in order. An empty
  element is an empty list, so these keys are present exactly when the element is; an absent element
  is an absent key.
* `UNKNOWN`: raw, entity references kept as written (it is wire routing full of control codes).
* `TEXT@TYPE` (`BRIEF`, `UNPROC`) where the TEXT tag has it; likewise `NAME@ATTR` for any attribute
  of another element.
* Every other element inside REUTERS or TEXT, by its name (`DATE`, `MKNOTE`, `TITLE`, `AUTHOR`,
  `DATELINE`, ...): its text as written, entities decoded. BODY is the body and is not repeated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO, NamedTuple

from transforms.encoding import decode_text
from transforms.records import EXCERPT_BYTES, Headers, Locator, Origin, RawRecord, Rejection

FORMAT = "reuters_sgml"
MAX_ELEMENT_BYTES = 64 * 1024 * 1024
READ_CHUNK_BYTES = 1024 * 1024

# Elements holding a list of `<D>` values (lewis.dtd).
LIST_ELEMENTS = frozenset({"TOPICS", "PLACES", "PEOPLE", "ORGS", "EXCHANGES", "COMPANIES"})
# Elements kept exactly as written, entity references and all.
RAW_ELEMENTS = frozenset({"UNKNOWN"})
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_KEPT_CONTROLS = frozenset({0x09, 0x0A})

# A start or end tag of REUTERS. A tag cut by the end of the buffer is found again after the next
# read, because each search starts at least _TAG_LOOKBACK bytes before the end of what was searched.
_TAG = re.compile(rb"<REUTERS(?=[\s>])|</REUTERS\s*>", re.IGNORECASE)
_TAG_LOOKBACK = 64
_HEAD = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?>(?:<!--.*?-->\s*)*)(?:<!DOCTYPE\s+lewis\b|<REUTERS[\s>])",
    re.IGNORECASE | re.DOTALL,
)

_REUTERS_START = re.compile(r"<REUTERS\b([^>]*)>", re.IGNORECASE)
_START_TAG = re.compile(r"<([A-Za-z][\w.-]*)([^>]*)>")
_ATTRIBUTE = re.compile(r"""([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_D = re.compile(r"<D>(.*?)</D\s*>", re.IGNORECASE | re.DOTALL)
_ANY_TAG = re.compile(r"<[^>]*>")
_ENTITY = re.compile(r"&(?:#([0-9]+)|#[xX]([0-9a-fA-F]+)|(lt|gt|amp|quot|apos));")
# The wire signature at the end of a story: ` Reuter`, `REUTER...`, `REUTER...^M`, `REUTERS` on its own
# line, or after the story's last sentence (`a tenth of an ounce. REUTER`).
_SIGNATURE = re.compile(
    r"""(?:(?:\A|\n)[ \t]*|(?<=[.!?)"'])[ \t]+)REUTERS?(?:\.\.\.)?(?:\^M)?\s*\Z""", re.IGNORECASE
)
_SIGNATURE_SEARCH_CHARS = 200
# A line break before an indented line: the indented line starts a paragraph.
_INDENTED_LINE = re.compile(r"(?<=[^\n])\n(?=[ \t]+\S)")


def looks_like(head: bytes) -> bool:
    """The stream starts with `<!DOCTYPE lewis` or `<REUTERS` (after a BOM, whitespace, an XML declaration
    or comments). Only at the start: a mail or a text that quotes a Reuters file is not one."""
    return _HEAD.match(head) is not None


def read_reuters_sgml(stream: BinaryIO, origin: Origin) -> Iterator[RawRecord | Rejection]:
    for index, (offset, kind, data) in enumerate(_elements(stream)):
        locator = origin.at(index, offset)
        if kind == "element" and len(data) > MAX_ELEMENT_BYTES:
            kind = "too_large"
        if kind == "element":
            yield element_record(data, locator)
        elif kind == "too_large":
            message = f"the <REUTERS> element is longer than {MAX_ELEMENT_BYTES} bytes"
            yield _rejection(locator, "too_large", message, data)
        elif kind == "interrupted":
            message = "the <REUTERS> element has no </REUTERS> before the next <REUTERS>"
            yield _rejection(locator, "truncated", message, data)
        else:
            yield _rejection(locator, "truncated", "the stream ends inside the <REUTERS> element", data)


def _rejection(locator: Locator, reason: str, message: str, data: bytes) -> Rejection:
    return Rejection(locator, FORMAT, reason, message, data[:EXCERPT_BYTES])


# ---------------------------------------------------------------------------------------------------
# Splitting the stream


def _elements(stream: BinaryIO) -> Iterator[tuple[int, str, bytes]]:
    """(byte offset, kind, bytes) of each `<REUTERS>` element: kind `element` for a whole one, else
    `truncated` (the stream ends in it), `interrupted` (the next one starts in it) or `too_large` (its
    first bytes only).

    `buffer[position:]` is still to be searched; `start` is the index of the open element's tag.
    What is done with is dropped only when a chunk is added, so the work is linear in the stream's
    length, and the buffer holds at most one element (up to MAX_ELEMENT_BYTES) and one chunk.
    """
    buffer = bytearray()
    base = 0  # the stream offset of buffer[0]
    position = 0
    start: int | None = None
    while True:
        match = _TAG.search(buffer, position)
        if match is not None:
            closing = match.group().startswith(b"</")
            if start is None:
                if not closing:  # an end tag with no element open (after a too-large one) is skipped
                    start = match.start()
            elif closing:
                yield base + start, "element", bytes(buffer[start : match.end()])
                start = None
            else:
                yield base + start, "interrupted", bytes(buffer[start : match.start()])
                start = match.start()
            position = match.end()
            continue
        if start is not None and len(buffer) - start > MAX_ELEMENT_BYTES:
            yield base + start, "too_large", bytes(buffer[start : start + EXCERPT_BYTES])
            start = None
        keep = max(position, len(buffer) - _TAG_LOOKBACK) if start is None else start
        chunk = stream.read(READ_CHUNK_BYTES)
        if not chunk:
            if start is not None:
                yield base + start, "truncated", bytes(buffer[start:])
            return
        position = max(position, len(buffer) - _TAG_LOOKBACK) - keep
        start = None if start is None else start - keep
        base += keep
        del buffer[:keep]  # cheap: a bytearray drops its head without moving the rest
        buffer += chunk


# ---------------------------------------------------------------------------------------------------
# One element


class _Element(NamedTuple):
    name: str
    attributes: str
    content: str


def _children(text: str) -> Iterator[_Element]:
    """The elements at the top level of `text`, each up to its first `</NAME>`; an element without an
    end tag is skipped (its start tag only)."""
    position = 0
    while match := _START_TAG.search(text, position):
        name = match.group(1)
        end = text.find(f"</{name}", match.end())
        close = text.find(">", end) if end >= 0 else -1
        if close < 0:
            position = match.end()
            continue
        yield _Element(name, match.group(2), text[match.end() : end])
        position = close + 1


def element_record(data: bytes, locator: Locator) -> RawRecord:
    """The record of one whole `<REUTERS ...>...</REUTERS>` element."""
    text, encoding = decode_text(data)
    match = _REUTERS_START.match(text)
    attributes, content = (match.group(1), text[match.end() : text.rfind("</")]) if match else ("", text)
    headers: Headers = {f"@{name}": [value] for name, value in _attributes(attributes)}
    story: _Element | None = None
    for child in _children(content):
        if child.name.upper() == "TEXT" and story is None:
            story = child
        _add_header(headers, child)
    body = ""
    if story is not None:
        story_body: _Element | None = None
        names = set()
        for child in _children(story.content):
            name = child.name.upper()
            names.add(name)
            if name != "BODY":
                _add_header(headers, child)
            elif story_body is None:
                story_body = child
        if story_body is not None:
            body = clean_body(story_body.content)
        elif "TITLE" not in names:  # TYPE="UNPROC": the story is the TEXT itself
            body = clean_body(_ANY_TAG.sub("", story.content))
    return RawRecord(
        locator=locator,
        source_format=FORMAT,
        headers=headers,
        body=body,
        encoding=encoding,
        title=_first(headers, "TITLE"),
        date=_first(headers, "DATE"),
        authors=_first(headers, "AUTHOR"),
    )


def _attributes(attributes: str) -> Iterator[tuple[str, str]]:
    for match in _ATTRIBUTE.finditer(attributes):
        value = next(group for group in match.groups()[1:] if group is not None)
        yield match.group(1), unescape(value)


def _add_header(headers: Headers, element: _Element) -> None:
    name, content = element.name, element.content
    if element.attributes:
        for attribute, value in _attributes(element.attributes):
            headers.setdefault(f"{name}@{attribute}", []).append(value)
    upper = name.upper()
    if upper == "TEXT":
        return
    if upper in LIST_ELEMENTS:
        headers.setdefault(name, []).extend(unescape(value) for value in _D.findall(content))
    elif upper in RAW_ELEMENTS:
        headers.setdefault(name, []).append(content)
    else:
        headers.setdefault(name, []).append(unescape(content))


def _first(headers: Headers, name: str) -> str | None:
    values = headers.get(name)
    return values[0].strip() or None if values else None


# ---------------------------------------------------------------------------------------------------
# Text


def _entity(match: re.Match[str]) -> str:
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        return NAMED_ENTITIES[name]
    digits = (decimal or hexadecimal).lstrip("0")
    if len(digits) > (7 if decimal else 6):  # beyond U+10FFFF
        return ""
    code = int(digits or "0", 10 if decimal else 16)
    if (
        code > 0x10FFFF
        or 0xD800 <= code <= 0xDFFF
        or (code < 0x20 and code not in _KEPT_CONTROLS)
        or 0x7F <= code <= 0x9F
    ):
        return ""
    return chr(code)


def unescape(text: str) -> str:
    """`text` with its entity references decoded; references to control characters dropped."""
    return _ENTITY.sub(_entity, text) if "&" in text else text


def clean_body(raw: str) -> str:
    """A BODY (or UNPROC TEXT) as written, as text: entities decoded, the wire signature put in a
    paragraph of its own (the normaliser moves it to the boilerplate), and a blank line before every
    indented line so that each Reuters paragraph is a paragraph."""
    body = unescape(raw).rstrip()
    signatures: list[str] = []
    while signature := _SIGNATURE.search(body, max(0, len(body) - _SIGNATURE_SEARCH_CHARS)):
        signatures.insert(0, signature.group().strip())  # some stories are signed twice
        body = body[: signature.start()].rstrip()
    return "\n\n".join([_INDENTED_LINE.sub("\n\n", body).strip(), *signatures]).strip()
