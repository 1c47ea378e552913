"""HTML pages to text: the page's main text, by resiliparse, and its metadata, by trafilatura.

    extract_html(payload_bytes, "https://an.wikipedia.org/wiki/Escopete", "utf-8")
    -> ExtractedPage(text="Escopete\\n\\nEscopete ye un municipio ...", title="Escopete - Biquipedia, ...",
                     date="2008-07-04", sitename="Wikimedia Foundation, Inc.", language="an",
                     extraction="resiliparse", ...)

Bytes are decoded here, never by trafilatura (its guesses fall back to inserting U+FFFD):

- a byte-order mark decides;
- else the declared charset, from the HTTP header, or else from the page's own `<meta charset>`,
  `<meta http-equiv="Content-Type">` or `<?xml encoding?>`, read as browsers do: a label names the
  superset that browsers decode it as (gb2312 and gbk as gb18030, iso-8859-1 and us-ascii as cp1252,
  big5 as big5hkscs, shift_jis as cp932, euc-kr as cp949, ...); an unknown label counts as none;
- bytes that are valid UTF-8 are UTF-8 whatever the label says (a mislabelled UTF-8 page is common,
  a non-UTF-8 page whose non-ASCII bytes all happen to form valid UTF-8 is not), except under a label
  that is not ASCII-compatible (UTF-16, ISO-2022-JP);
- with no usable label, UTF-8 with `transforms.encoding.decode_text`'s cp1252 fallback;
- bytes that the declared charset cannot decode are decoded as cp1252 one by one (`<codec>+cp1252`),
  so no U+FFFD is ever produced that is not in the source.

The main text is resiliparse's main-content extraction: compiled, a millisecond or two a page where
trafilatura's takes ten or more, it drops navigation, headers, footers, sidebars, ads and comment
sections by their elements, roles, classes and ids (two of its rules, which drop text they should
not, are undone: see `_for_resiliparse`). On a page where it finds fewer than 250 characters
(trafilatura's own minimum for a main text), trafilatura's extraction (fast mode) is tried, and kept
when it finds more. The metadata is trafilatura's (title, author, canonical URL, site name).

The date is the one the page states about itself, found by htmldate's readers of the URL, the
`<meta>` headers and JSON-LD only: its other readers take dates from the page's text and elements,
which on a listing or a page with a sidebar are other articles' dates. Nothing is taken from the
time the page was fetched. When neither extractor finds a main text, the page's whole visible text
is used instead, so a page with text is never lost.

One page can neither stall a worker nor fill its memory. `ExtractedPage.cut` records the limits a
page reached:

- `html_size`: a page of more than MAX_HTML_CHARS characters is cut to its first MAX_HTML_CHARS
  (at a tag), and the rest of this applies to what is left;
- `html_depth`: the page is nested MAX_DEPTH levels deep (libxml2 stops reading there, and
  resiliparse's time grows with every element's depth), or its extraction ran past Python's
  recursion limit;
- `html_elements`: the page has more than MAX_ELEMENTS elements;
- `time_limit`: its extraction ran past EXTRACTION_SECONDS.

All but `html_size` give the page's whole visible text instead of its main text, read in one pass
over the markup (libxml2's parse events, no tree: at any depth, in time linear in the page's length).
The time limit is a SIGALRM timer, so it holds in a process's main thread only (where the loader's
worker processes load their shards); elsewhere the other limits bound the work. A timer stops
compiled code only once it returns to Python, which is why the other limits are checked first.
"""

from __future__ import annotations

import codecs
import contextlib
import logging
import re
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from types import FrameType
from typing import Any

import trafilatura
from htmldate.core import examine_header
from htmldate.extractors import extract_url_date, json_search
from htmldate.utils import Extractor
from htmldate.validators import get_max_date, get_min_date
from lxml import etree  # type: ignore[import-untyped,unused-ignore]
from lxml import html as lxml_html  # type: ignore[import-untyped,unused-ignore]
from lxml.html import HtmlElement  # type: ignore[import-untyped,unused-ignore]
from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.html import HTMLTree
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document

from transforms.encoding import UTF8, decode_text

# trafilatura and the libraries it calls log every page they discard or find odd; none of that is
# actionable here, and a crawl has many such pages.
for _name in ("trafilatura", "htmldate", "courlan", "justext", "readability"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)

EXTRACTION_MAIN = "resiliparse"
EXTRACTION_TRAFILATURA = "trafilatura"
EXTRACTION_VISIBLE_TEXT = "visible_text"

# The limits on one page (see the module docstring), and the codes that record what they cut.
# 2,000,000 characters: real pages are tens of kilobytes (those of megabytes are mostly inline data),
# and at 4 UTF-8 bytes a character at most, no run of text, attribute or script in the page can reach
# the 10,000,000 bytes at which libxml2 stops reading a page and loses all of it.
MAX_HTML_CHARS = 2_000_000
# libxml2 reads 256 levels deep and no further (trafilatura does not set XML_PARSE_HUGE), dropping the
# rest of the page; resiliparse takes about 70 ns per element per level of its depth, so 20,000
# nested elements take it ten seconds, and 100,000 elements under 256 levels under two.
MAX_DEPTH = 256
MAX_ELEMENTS = 100_000
# A guard against stalls, not a budget: ordinary pages take milliseconds, the largest within the
# limits above a second or two.
EXTRACTION_SECONDS = 10.0
CUT_HTML_SIZE = "html_size"
CUT_HTML_DEPTH = "html_depth"
CUT_HTML_ELEMENTS = "html_elements"
CUT_TIME_LIMIT = "time_limit"
# Fewer characters of main text than this (trafilatura's MIN_EXTRACTED_SIZE) and trafilatura is tried.
_SHORT_MAIN_TEXT = 250
# Two of resiliparse's main-content rules drop text, and are undone by rewriting the page it reads:
# - a text whose only character is one of three UTF-8 bytes (a lone `–`, `！` or `狗` between two tags,
#   written or as a reference) is taken for an icon font's glyph: a word joiner after such a character
#   keeps it, and is taken out of the extracted text again;
# - a `<ul>` with more than a fifth of its text in links is taken for a menu, which drops content
#   lists too (an article's bullet points, a listing's entries): a `<ul>` four or more levels below
#   `<body>` becomes an `<ol>`, which has no such rule. Menus are still known by `<nav>`, roles,
#   classes and ids, and by being a `<ul>` nearer the top of the page.
_LONE_CHARACTER = re.compile(r">\s*(?:&#?[0-9A-Za-z]+;|[\u0800-\uffff])(?=\s*<)")
_WORD_JOINER = "\u2060"
_DEEP_UNORDERED_LIST = "body > * > * > * ul"

# htmldate: the publication date rather than the last modification, and no free-text search.
_DATE_PARAMS: dict[str, Any] = {"original_date": True, "extensive_search": False}


@dataclass(frozen=True, slots=True)
class ExtractedPage:
    """What one HTML page holds. `text` has one paragraph (block) per blank-line-separated run, and is
    empty only for a page whose sole text is its title.

    `encoding` is the decoding used (`utf-8`, `gb18030`, `cp1251`, `utf-8+cp1252`, ...), None when the
    page was given as text. `date` is the page's own date as `YYYY-MM-DD`. `url` is the page's own
    idea of its address (its canonical link or `og:url`), else the URL it was fetched from.
    `language` is the language the page declares (`<html lang>`, `Content-Language` meta), as
    written. `extraction` says where the text came from: `resiliparse` (the main text), `trafilatura`
    (the main text of a page where resiliparse found little) or `visible_text` (all the page's
    visible text, when no main text was found, or when a limit was reached).

    `cut` names the limits the page reached (`html_size`, `html_depth`, `html_elements`,
    `time_limit`: see the module docstring), empty for nearly every page; `html_chars` is the page's
    length in characters, before any cut.
    """

    text: str
    encoding: str | None
    extraction: str
    title: str | None = None
    author: str | None = None
    date: str | None = None
    url: str | None = None
    sitename: str | None = None
    language: str | None = None
    cut: tuple[str, ...] = ()
    html_chars: int = 0


# --- decoding ---------------------------------------------------------------------------------------

_FALLBACK_HANDLER = "dumpling-html-cp1252-fallback"
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(chr(b) if b in _CP1252_UNDEFINED else bytes([b]).decode("cp1252") for b in bad), error.end


codecs.register_error(_FALLBACK_HANDLER, _cp1252_fallback)

# Labels Python does not know, by the codec browsers use for them.
_LABEL_ALIASES = {
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "ms_kanji": "cp932",
    "csshiftjis": "cp932",
    "windows-874": "cp874",
    "x-mac-roman": "mac_roman",
    "x-mac-cyrillic": "mac_cyrillic",
    "x-mac-ukrainian": "mac_cyrillic",
    "iso-8859-8-i": "iso8859_8",
    "csiso88598i": "iso8859_8",
    "x-euc-jp": "euc_jp",
    "x-cp1250": "cp1250",
    "x-cp1251": "cp1251",
    "x-cp1252": "cp1252",
    "unicode-1-1-utf-8": "utf-8",
    "unicode11utf8": "utf-8",
    "unicode20utf8": "utf-8",
    "x-unicode20utf8": "utf-8",
}
# Codecs (by Python's name) whose bytes browsers decode with a superset.
_SUPERSETS = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
}
# The encodings of the WHATWG Encoding Standard, by Python's codec names: a label naming any other
# codec (base64, rot13, unicode-escape, idna, ...) is not a charset a page can have.
_ALLOWED = frozenset(
    codecs.lookup(name).name
    for name in [
        "utf-8",
        "utf-16",
        "utf-16-le",
        "utf-16-be",
        "cp866",
        *(f"iso8859_{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)),
        "koi8_r",
        "koi8_u",
        "mac_roman",
        "mac_cyrillic",
        "cp874",
        *(f"cp{n}" for n in range(1250, 1259)),
        "gb18030",
        "big5hkscs",
        "euc_jp",
        "iso2022_jp",
        "cp932",
        "cp949",
    ]
)
_UTF16 = frozenset(codecs.lookup(name).name for name in ("utf-16", "utf-16-le", "utf-16-be"))
# Encodings whose bytes are not ASCII for ASCII text: valid UTF-8 says nothing against them.
_ASCII_INCOMPATIBLE = _UTF16 | {codecs.lookup("iso2022_jp").name}
_CP1252 = codecs.lookup("cp1252").name
_BOMS = [(codecs.BOM_UTF8, UTF8), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")]

_SNIFF_BYTES = 16 * 1024
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_.:+-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9_.:+-]+)""", re.IGNORECASE)


def charset_codec(label: str | None, *, from_meta: bool = False) -> str | None:
    """The Python codec to decode a page labelled `label` with; None for no label or an unknown one.

    A label inside the page (`from_meta`) cannot be UTF-16: the page was read as ASCII to find it.
    """
    if not label:
        return None
    label = label.strip().strip("\"'").strip().lower()
    try:
        name = codecs.lookup(_LABEL_ALIASES.get(label, label)).name
    except LookupError:
        return None
    name = _SUPERSETS.get(name, name)
    if name not in _ALLOWED:
        return None
    return UTF8 if from_meta and name in _UTF16 else name


def sniff_charset(data: bytes) -> str | None:
    """The charset label that the page's start declares (`<meta>` or XML declaration), as written."""
    head = data[:_SNIFF_BYTES]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def decode_html(data: bytes, declared_charset: str | None = None, *, sniff: bool = True) -> tuple[str, str]:
    """The text of a page's bytes and the decoding used (see the module docstring for the rules).

    `declared_charset` is the label from the HTTP header; `sniff` also reads the page's own label.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return decode_text(data) if name == UTF8 else _decode_as(data[len(bom) :], name)
    codec = charset_codec(declared_charset)
    if codec is None and sniff:
        codec = charset_codec(sniff_charset(data), from_meta=True)
    if codec in _ASCII_INCOMPATIBLE:
        return _decode_as(data, codec)
    try:
        return data.decode(UTF8), UTF8
    except UnicodeDecodeError:
        pass
    if codec is None or codec == UTF8:
        return decode_text(data)
    return _decode_as(data, codec)


def _decode_as(data: bytes, codec: str) -> tuple[str, str]:
    if codec == _CP1252:  # browsers decode its five undefined bytes as the Latin-1 characters too
        return data.decode(codec, errors=_FALLBACK_HANDLER), codec
    try:
        return data.decode(codec), codec
    except UnicodeDecodeError:
        return data.decode(codec, errors=_FALLBACK_HANDLER), f"{codec}+cp1252"


# --- text ---------------------------------------------------------------------------------------------


# A line of a rendered table that holds no text: `|---|---|`, `|  |  |`.
_EMPTY_TABLE_LINE = re.compile(r"[\s|:-]*")


def _paragraphs(lines: str) -> str:
    """An extractor's text has one block per line: the blocks, whitespace collapsed (resiliparse puts
    tabs between table cells) and byte-order marks (of files included in a page) dropped, separated by
    blank lines."""
    kept = (" ".join(line.replace("\ufeff", "").split()) for line in lines.splitlines())
    return "\n\n".join(line for line in kept if not _EMPTY_TABLE_LINE.fullmatch(line))


# fmt: off
# Elements whose content is never shown.
_INVISIBLE = frozenset([
    "head", "script", "style", "noscript", "template", "svg", "math", "canvas", "iframe", "object",
    "embed", "audio", "video", "select", "datalist",
])
# Elements that start and end a block of text.
_BLOCKS = frozenset([
    "address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main",
    "menu", "nav", "ol", "option", "p", "pre", "section", "summary", "table", "tbody", "tfoot",
    "thead", "tr", "ul",
])
# fmt: on
# Elements shown side by side, apart.
_CELLS = frozenset(["td", "th"])
_BREAK = "\n\n"


class _VisibleText:
    """The text a browser would show, from a page's start tags, end tags and text in order: as an lxml
    parser target, or from a tree's walk."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.hidden_depth = 0  # > 0 inside an invisible element

    def start(self, tag: object, attributes: object = None) -> None:
        self.tag(tag, opens=True)

    def end(self, tag: object) -> None:
        self.tag(tag, opens=False)

    def tag(self, tag: object, *, opens: bool) -> None:
        name = tag.lower() if isinstance(tag, str) else ""
        if name in _INVISIBLE:
            self.hidden_depth += 1 if opens else -1
        elif self.hidden_depth == 0:
            if name in _BLOCKS:
                self.pieces.append(_BREAK)
            elif name in _CELLS:
                self.pieces.append(" ")

    def data(self, text: str | None) -> None:
        if text and self.hidden_depth == 0:
            self.pieces.append(text)

    def close(self) -> str:
        blocks = (" ".join(block.split()) for block in "".join(self.pieces).split(_BREAK))
        return "\n\n".join(block for block in blocks if block)


def visible_text(tree: HtmlElement) -> str:
    """All the text a browser would show, one paragraph per block element, whitespace collapsed."""
    collector = _VisibleText()
    for event, element in etree.iterwalk(tree, events=("start", "end", "comment", "pi")):
        if event == "start":
            collector.start(element.tag)
            collector.data(element.text)
        elif event == "end":
            collector.end(element.tag)
        if event != "start" and element is not tree:
            collector.data(element.tail)
    return collector.close()


def markup_visible_text(markup: str) -> str:
    """`visible_text` of a page's markup, from libxml2's parse events without building a tree: no
    depth limit, and time linear in the markup's length."""
    parser = etree.HTMLParser(target=_VisibleText(), encoding=UTF8)
    text: str = etree.fromstring(markup.encode(UTF8, "surrogatepass"), parser)
    return text


# --- extraction ---------------------------------------------------------------------------------------


# An element MAX_DEPTH levels down (the root is the first): the page is nested that deep, or deeper
# and cut off there by libxml2.
_REACHES_MAX_DEPTH = etree.XPath("boolean(/" + "/".join(["*"] * MAX_DEPTH) + ")")
_COUNT_ELEMENTS = etree.XPath("count(//*)")


class _OutOfTime(BaseException):
    """A page's extraction ran past its time; a BaseException, so that no extractor's `except
    Exception` can swallow it."""


def _out_of_time(signum: int, frame: FrameType | None) -> None:
    raise _OutOfTime


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raises _OutOfTime in the block once `seconds` have passed, by SIGALRM: only in a process's main
    thread (where signals are handled) and when no other timer is running (it is someone else's)."""
    if threading.current_thread() is not threading.main_thread() or signal.getitimer(signal.ITIMER_REAL)[0]:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _out_of_time)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)


def _parse(text: str) -> HtmlElement | None:
    tree = trafilatura.load_html(text)
    if tree is not None:
        return tree
    # trafilatura refuses what does not look like a whole page (a bare fragment): lxml takes it.
    try:
        return lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None


# A language tag (BCP 47, loosely): `en`, `zh-CN`, `de_CH`, `sr-Latn-RS`.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")


def _language_tag(value: str | None) -> str | None:
    """The first tag of a declared language list, unless it is no tag (pages declare `UTF-8` too)."""
    first = (value or "").split(",")[0].strip()
    if not _LANGUAGE_TAG.fullmatch(first) or charset_codec(first) is not None:
        return None
    return first


def declared_language(tree: HtmlElement) -> str | None:
    """The language the page says it is in: `<html lang>` (or `xml:lang`), else a Content-Language meta."""
    root = tree.getroottree().getroot()
    for attribute in ("lang", "xml:lang", "{http://www.w3.org/XML/1998/namespace}lang"):
        tag = _language_tag(root.get(attribute))
        if tag:
            return tag
    for meta in root.iter("meta"):
        if (meta.get("http-equiv") or "").strip().lower() == "content-language":
            tag = _language_tag(meta.get("content"))
            if tag:
                return tag
    return None


def _clean(value: str | None) -> str | None:
    value = " ".join(value.split()) if value else ""
    return value or None


def stated_date(tree: HtmlElement, url: str | None) -> str | None:
    """The date (`YYYY-MM-DD`) a page states about itself: in its URL, its `<meta>` headers or its
    JSON-LD."""
    options = Extractor(
        _DATE_PARAMS["extensive_search"],
        get_max_date(None),
        get_min_date(None),
        _DATE_PARAMS["original_date"],
        "%Y-%m-%d",
    )
    found = extract_url_date(url, options) or examine_header(tree, options) or json_search(tree, options)
    return str(found) if found else None


# Every one of trafilatura's author XPaths needs an <author> (or <rel>) element, or one of these words
# in a class, id, rel, itemprop or data- attribute: a page without any has no author for it to find.
_AUTHOR_HINT = re.compile(
    r"author|byl|bbl|username|screenname|writer|zuozhe|bianji|xiaobian"
    r"|channel-name|submitted-by|posted-by|journalist-name|<rel\b"
)
_AUTHOR_ATTRIBUTES = etree.XPath("//@class|//@id|//@rel|//@itemprop|//@data-testid|//@data-component")


def _may_name_an_author(tree: HtmlElement, text: str) -> bool:
    """Whether trafilatura's author XPaths can find anything: the page's source, then its attributes."""
    if not _AUTHOR_HINT.search(text.lower()):
        return False
    if tree.find(".//author") is not None or tree.find(".//rel") is not None:
        return True
    return _AUTHOR_HINT.search(" ".join(_AUTHOR_ATTRIBUTES(tree)).lower()) is not None


def page_metadata(tree: HtmlElement, text: str, url: str | None) -> Document:
    """The title, author, canonical URL and site name, as `trafilatura.extract_metadata` finds them,
    without the date, categories, tags and licence that it also looks for (its date is htmldate's full
    search, and all four are unused here)."""
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    with contextlib.suppress(Exception):  # trafilatura's JSON-LD reader has its bugs, skipped as it does
        metadata = extract_meta_json(tree, metadata)
    metadata.title = metadata.title or extract_title(tree)
    if not metadata.author and _may_name_an_author(tree, text):
        metadata.author = extract_author(tree)
    metadata.url = metadata.url or extract_url(tree, url)
    metadata.sitename = metadata.sitename or extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if metadata.sitename and "." not in metadata.sitename and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url and (match := META_URL.match(metadata.url)):
        metadata.sitename = match[1]
    metadata.clean_and_trim()
    return metadata


def _for_resiliparse(text: str) -> HTMLTree:
    """The page parsed by resiliparse, with the two rules that drop text undone (see above)."""
    page = HTMLTree.parse(_LONE_CHARACTER.sub(lambda match: match[0] + _WORD_JOINER, text))
    document = page.document
    if document is not None:
        # values(): resiliparse's node lists are slow to iterate, their lists of values are not
        for unordered in document.query_selector_all(_DEEP_UNORDERED_LIST).values():
            ordered = document.create_element("ol")
            ordered.append(*unordered.child_nodes.values())
            unordered.replace_with(ordered)
    return page


def main_text(text: str, tree: HtmlElement, url: str | None) -> tuple[str, str]:
    """The page's main text and the extractor it came from, `""` when neither finds any."""
    extracted = extract_plain_text(
        _for_resiliparse(text), main_content=True, alt_texts=False, comments=False, list_bullets=False
    ).replace(_WORD_JOINER, "")
    body = _paragraphs(extracted)
    if len(body) >= _SHORT_MAIN_TEXT:
        return body, EXTRACTION_MAIN
    # bare_extraction copies a tree it is given, so `tree` stays whole for the visible text.
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        fast=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        include_formatting=False,
        deduplicate=False,
        with_metadata=False,
    )
    fallback = _paragraphs(document.text or "") if isinstance(document, Document) else ""
    return (fallback, EXTRACTION_TRAFILATURA) if len(fallback) > len(body) else (body, EXTRACTION_MAIN)


def extract_html(
    html: bytes | str, url: str | None = None, declared_charset: str | None = None
) -> ExtractedPage | None:
    """The main text and metadata of one page, within the limits of the module docstring; None only
    when the page has no text at all.

    A page whose only text is its title gives an empty `text` and the title.
    """
    if isinstance(html, bytes):
        text, encoding = decode_html(html, declared_charset)
    else:
        text, encoding = html, None
    if not text.strip():
        return None
    html_chars = len(text)
    cut: tuple[str, ...] = ()
    if html_chars > MAX_HTML_CHARS:
        # At the last tag before the limit (if it is not far back), so that no word is cut in two.
        end = text.rfind("<", MAX_HTML_CHARS // 2, MAX_HTML_CHARS)
        text, cut = text[: end if end > 0 else MAX_HTML_CHARS], (CUT_HTML_SIZE,)
    try:
        with _time_limit(EXTRACTION_SECONDS):
            page = _extract(text, encoding, url)
        return None if page is None else replace(page, cut=cut + page.cut, html_chars=html_chars)
    except _OutOfTime:
        cut += (CUT_TIME_LIMIT,)
    except RecursionError:
        cut += (CUT_HTML_DEPTH,)
    body = markup_visible_text(text)
    if not body:
        return None
    return ExtractedPage(body, encoding, EXTRACTION_VISIBLE_TEXT, cut=cut, html_chars=html_chars)


def _extract(text: str, encoding: str | None, url: str | None) -> ExtractedPage | None:
    tree = _parse(text)
    if tree is None:
        return None
    cut: tuple[str, ...] = ()
    if _REACHES_MAX_DEPTH(tree):
        cut = (CUT_HTML_DEPTH,)
    elif _COUNT_ELEMENTS(tree) > MAX_ELEMENTS:
        cut = (CUT_HTML_ELEMENTS,)
    # Past MAX_DEPTH the tree holds only the page's start: its metadata, which comes first, is whole.
    metadata = page_metadata(tree, text, url)
    if cut:
        body, extraction = markup_visible_text(text), EXTRACTION_VISIBLE_TEXT
    else:
        body, extraction = main_text(text, tree, url)
        if not body:
            body, extraction = visible_text(tree), EXTRACTION_VISIBLE_TEXT
    title = _clean(metadata.title)
    if not body and not title:
        return None
    return ExtractedPage(
        text=body,
        encoding=encoding,
        extraction=extraction,
        title=title,
        author=_clean(metadata.author),
        date=stated_date(tree, url or metadata.url),
        url=_clean(metadata.url),
        sitename=_clean(metadata.sitename),
        language=declared_language(tree),
        cut=cut,
    )
