"""RSS 2.0 (and 0.9x), RSS 1.0 (RDF) and Atom 1.0 feeds: one record per `<item>` or `<entry>`.

    <rss version="2.0"><channel><title>NYT &gt; Home Page</title> ...
      <item><title>Trump&#x2019;s Likely Labor Pick ...</title><link>...?partner=rss&amp;emc=rss</link> ...

The feed is streamed with `lxml.etree.iterparse`; each item is turned into a record when its end tag
is parsed, then cleared and dropped together with everything before it, so memory stays bounded by
one item (plus the parser's read-ahead) however long the feed is. lxml honours the encoding given by
the BOM or the XML declaration, except a declared UTF-16 or UTF-32 in a document of single bytes: one
that read_path has re-encoded as UTF-8, as it does every UTF-16 and UTF-32 file, and that is read so.

Safety: no DTD is loaded, nothing is fetched from the network, and entity references are never
expanded (`resolve_entities=False`). An entity reference declared in the document's DTD, or left
undeclared where an external DTD might declare it (RSS 0.91's doctype), such as `&eacute;` is kept
as `&eacute;` unless it names an HTML character, which it is then replaced by; one declared nowhere
(`&nbsp;` in a feed without a doctype) is a fatal XML error, so the feed is `malformed_xml` there.
The XML character references and predefined entities (`&#x2019;`, `&amp;`) are decoded as usual.
`huge_tree` stays off: libxml2's limits (10 MB per text node, nesting depth 256) guard against
hostile input, and a feed that exceeds them is reported as malformed.

Locators: lxml does not report byte offsets of elements, so every `byte_offset` is -1;
`record_index` counts the feed's items in document order, and `read_feed_item` re-reads one item by
that index.

Mapped fields (raw, stripped of outer whitespace; normalisation happens later):

* title: RSS `title`; Atom `title` by its `type`.
* url: RSS `link`, else `guid` unless `isPermaLink="false"`, else the RSS 1.0 item's `rdf:about`; Atom:
  the `href` of the first `link` with rel `alternate` (or no rel), else of the first `link`. As
  written: tracking parameters such as `?partner=rss&emc=rss` stay.
* date: RSS `pubDate`, else `dc:date`; Atom `published`, else `updated`.
* authors: RSS every `dc:creator`, else every `author`; Atom every `author/name`, else the feed's
  own authors (which its entries inherit); several are joined by ", ".
* body: RSS `content:encoded`, else `description`; Atom `content` (unless out of line, `src=`), else
  `summary`; as plain text.

Body text: HTML (escaped in the XML, or as child elements) becomes plain text: tags dropped, entities
decoded, `script`/`style` removed, block elements separated by blank lines and `<br>` by a newline.
Text without any tag is plain text (entities in it are still decoded); Atom `type="text"` is taken
literally.

Headers: every child element of the item, keyed by its qualified name as written (`title`,
`dc:creator`, `media:content`, `atom:link`, ...), each occurrence kept (`category` has several), plus
`channel_title` (the channel's or feed's title, when it comes before the item) and the item's own
attributes as `@name` (`@rdf:about`). A value is:

* the element's text as written, when it has text and no child elements;
* a JSON object of its attributes, when it has neither text nor child elements
  (`media:content` -> `{"url": "https://...jpg", "medium": "image", "height": "151", "width": "151"}`);
  an empty element without attributes is "";
* the inner markup as written, for text constructs (`title`, `description`, `summary`, `content`,
  `content:encoded`, `subtitle`, `rights`), XHTML and mixed content (`<content type="xhtml"><div ...`);
* otherwise (structured elements such as Atom `author`) a JSON object of its attributes and its
  children's values by qualified name, a repeated child giving a list (`{"name": "Jane Doe"}`).

An element's attributes are not kept when it has text (`category`'s `domain`, `guid`'s `isPermaLink`).

Broken input: the items parsed before an XML error are yielded, then one rejection: `truncated` when
the error lies at the very end of the stream (the data stops inside the document; an empty stream
too), `malformed_xml` otherwise, with lxml's message (line and column included) and up to
EXCERPT_BYTES raw bytes around the failing position. A well-formed document whose root is not a feed
is one `not_a_feed` rejection.
"""

from __future__ import annotations

import codecs
import copy
import html
import json
import re
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from html.entities import html5 as HTML5_ENTITIES
from typing import Any, BinaryIO

from lxml import etree  # type: ignore[import-untyped,unused-ignore]
from lxml import html as lxml_html  # type: ignore[import-untyped,unused-ignore]

from transforms.containers import peekable
from transforms.records import EXCERPT_BYTES, Headers, Locator, Origin, RawRecord, Rejection

FORMAT = "feed"

ATOM_NS = "http://www.w3.org/2005/Atom"
RSS1_NS = "http://purl.org/rss/1.0/"
RSS090_NS = "http://my.netscape.com/rdf/simple/0.9/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC_NS = "http://purl.org/dc/elements/1.1/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
XHTML_NS = "http://www.w3.org/1999/xhtml"
XML_NS = "http://www.w3.org/XML/1998/namespace"

RSS = "rss"
ATOM = "atom"
# The root elements of a feed, the kind of feed each starts, and the tags of its items.
FEED_ROOTS: dict[str, str] = {"rss": RSS, f"{{{RDF_NS}}}RDF": RSS, f"{{{ATOM_NS}}}feed": ATOM}
ITEM_TAGS: dict[str, frozenset[str]] = {
    "rss": frozenset({"item"}),
    f"{{{RDF_NS}}}RDF": frozenset({f"{{{RSS1_NS}}}item", f"{{{RSS090_NS}}}item"}),
    f"{{{ATOM_NS}}}feed": frozenset({f"{{{ATOM_NS}}}entry"}),
}
CHANNEL_TAGS = frozenset({"channel", f"{{{RSS1_NS}}}channel", f"{{{RSS090_NS}}}channel"})
TITLE_TAGS = frozenset({"title", f"{{{RSS1_NS}}}title", f"{{{RSS090_NS}}}title", f"{{{ATOM_NS}}}title"})

# Elements whose children are markup rather than structure: their header value is the inner markup.
TEXT_CONSTRUCTS = frozenset({"title", "description", "summary", "content", "encoded", "subtitle", "rights"})
# HTML elements that separate paragraphs, and those whose text is no text.
BLOCK_ELEMENTS = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure",
        "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
        "pre", "section", "table", "tr", "ul",
    }
)  # fmt: skip
INVISIBLE_ELEMENTS = frozenset({"script", "style", "noscript", "template", "head"})

# How much of the latest input is kept to quote around a parse error (lxml reads 32 KiB at a time).
ERROR_WINDOW_BYTES = 256 * 1024

_TAG = re.compile(r"<[A-Za-z/!?]")
_SPACE_RUN = re.compile(r"[ \t\r\n\f\v]+")
_SPACES = re.compile(r" {2,}")
_SPACE_AROUND_NEWLINE = re.compile(r"[^\S\n]*\n[^\S\n]*")
_BLANK_LINES = re.compile(r"\n{3,}")
_NAME = re.compile(r"[A-Za-z_][\w.\-]*(?::[\w.\-]+)?")
_ENCODING_DECLARATION = re.compile(rb"""<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z][\w.\-]*)["']""")
_XMLNS = re.compile(r"""xmlns(?::([\w.\-]+))?\s*=\s*["']([^"']*)["']""")

Element = Any  # lxml ships without type information


# ---------------------------------------------------------------------------------------------------
# Reading


def read_feed(stream: BinaryIO, origin: Origin) -> Generator[RawRecord | Rejection, None, None]:
    """Every item of the feed in `stream`, in document order; a broken feed ends with one rejection."""
    head, stream = peekable(stream)
    tap = _Tap(stream)
    feed = _FeedState()
    index = 0
    events = etree.iterparse(
        tap,
        encoding="utf-8" if _misdeclared(head) else None,
        events=("end",),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    stopped_by: list[_ParseError] = []
    tap.before_read = lambda: _keep_first_fatal(events.error_log, stopped_by)
    try:
        for _event, element in events:
            if feed.root is None:
                feed.start(element.getroottree().getroot(), tap.head)
                if feed.kind is None:
                    yield _not_a_feed(feed.root, origin.at(0, -1), tap.head)
                    return
            if feed.is_item(element):
                yield _record(element, origin.at(index, -1), feed)
                index += 1
                _release(element)
            else:
                feed.note(element)
    except etree.XMLSyntaxError as error:
        _keep_first_fatal(events.error_log, stopped_by)
        stopped_by.append(_ParseError.of(error))
        yield _syntax_rejection(stopped_by[0], tap, origin.at(index, -1))
    else:
        if stopped_by:  # an error lxml went past (see _keep_first_fatal): nothing after it was read
            yield _syntax_rejection(stopped_by[0], tap, origin.at(index, -1))


def read_feed_item(stream: BinaryIO, origin: Origin, record_index: int) -> RawRecord | Rejection:
    """The item at `record_index` (as `read_feed` numbers them), read again from the start of `stream`."""
    if record_index < 0:
        raise ValueError(f"record_index must not be negative, not {record_index}")
    locator = origin.at(record_index, -1)
    results = read_feed(stream, origin)
    count = 0
    try:
        for result in results:
            if result.locator.record_index == record_index:
                return result
            if isinstance(result, Rejection):
                return Rejection(
                    locator=locator,
                    source_format=FORMAT,
                    reason=result.reason,
                    message=f"reading stopped before item {record_index}: {result.message}",
                    raw_excerpt=result.raw_excerpt,
                )
            count += 1
    finally:
        results.close()
    return Rejection(
        locator=locator,
        source_format=FORMAT,
        reason="record_not_found",
        message=f"the feed has {count} items, so there is no item {record_index}",
        raw_excerpt=b"",
    )


@dataclass(slots=True)
class _FeedState:
    """What the reader knows about the feed around its items."""

    root: Element | None = None
    kind: str | None = None
    item_tags: frozenset[str] = frozenset()
    encoding: str = "utf-8"
    channel_title: str | None = None
    feed_authors: list[str] = field(default_factory=list)

    def start(self, root: Element, head: bytes) -> None:
        self.root = root
        self.kind = FEED_ROOTS.get(root.tag)
        self.item_tags = ITEM_TAGS.get(root.tag, frozenset())
        self.encoding = _document_encoding(head)

    def is_item(self, element: Element) -> bool:
        """An item tag directly under the root or under a channel (RSS 2.0) that is under the root."""
        if element.tag not in self.item_tags:
            return False
        parent = element.getparent()
        return parent is self.root or (parent is not None and parent.getparent() is self.root)

    def note(self, element: Element) -> None:
        """Keep the channel's or feed's title, and an Atom feed's authors, which its entries inherit."""
        parent = element.getparent()
        if parent is None:
            return
        if element.tag in TITLE_TAGS and (
            parent is self.root if self.kind == ATOM else parent.tag in CHANNEL_TAGS
        ):
            self.channel_title = _construct_text(element).strip() or None
        elif element.tag == f"{{{ATOM_NS}}}author" and parent is self.root:
            self.feed_authors.extend(_atom_author_names([element]))


def _release(item: Element) -> None:
    """Free an item that has been read, and everything before it under the same parent."""
    item.clear(keep_tail=True)
    parent = item.getparent()
    if parent is not None:
        while item.getprevious() is not None:
            del parent[0]


def _not_a_feed(root: Element, locator: Locator, head: bytes) -> Rejection:
    return Rejection(
        locator=locator,
        source_format=FORMAT,
        reason="not_a_feed",
        message=f"the root element is <{_qualified_name(root)}>, not <rss>, <rdf:RDF> or an Atom <feed>",
        raw_excerpt=head[:EXCERPT_BYTES],
    )


# ---------------------------------------------------------------------------------------------------
# One item


def _record(item: Element, locator: Locator, feed: _FeedState) -> RawRecord:
    headers: Headers = {}
    if feed.channel_title is not None:
        headers["channel_title"] = [feed.channel_title]
    for name, value in item.attrib.items():
        headers[f"@{_qualified_name(item, name)}"] = [value]
    for child in _child_elements(item):
        headers.setdefault(_qualified_name(child), []).append(_header_value(child))
    fields = _atom_fields(item, feed) if feed.kind == ATOM else _rss_fields(item)
    return RawRecord(locator=locator, source_format=FORMAT, headers=headers, encoding=feed.encoding, **fields)


def _rss_fields(item: Element) -> dict[str, Any]:
    namespace, _ = _split_name(item.tag)
    own = f"{{{namespace}}}" if namespace else ""  # RSS 1.0 and 0.90 put their elements in a namespace
    title = item.find(f"{own}title")
    body = _first_with_text(item, f"{{{CONTENT_NS}}}encoded", f"{own}description")
    return {
        "title": _stripped(_text_of(title)) if title is not None else None,
        "url": _rss_url(item, own),
        "date": _first_text(item, f"{own}pubDate", f"{{{DC_NS}}}date"),
        "authors": _joined(item.findall(f"{{{DC_NS}}}creator")) or _joined(item.findall(f"{own}author")),
        "body": _markup_text(body) if body is not None else "",
    }


def _rss_url(item: Element, own: str) -> str | None:
    url = _first_text(item, f"{own}link")
    if url:
        return url
    guid = item.find(f"{own}guid")
    if guid is not None and guid.get("isPermaLink", "true").strip().lower() != "false":
        url = _stripped(_text_of(guid))
        if url:
            return url
    return _stripped(item.get(f"{{{RDF_NS}}}about"))


def _atom_fields(entry: Element, feed: _FeedState) -> dict[str, Any]:
    title = entry.find(f"{{{ATOM_NS}}}title")
    authors = _atom_author_names(entry.findall(f"{{{ATOM_NS}}}author")) or feed.feed_authors
    return {
        "title": _stripped(_construct_text(title)) if title is not None else None,
        "url": _atom_url(entry),
        "date": _first_text(entry, f"{{{ATOM_NS}}}published", f"{{{ATOM_NS}}}updated"),
        "authors": ", ".join(authors) or None,
        "body": _atom_body(entry),
    }


def _atom_url(entry: Element) -> str | None:
    links = [link for link in entry.findall(f"{{{ATOM_NS}}}link") if link.get("href")]
    alternates = [link for link in links if link.get("rel", "alternate").strip() == "alternate"]
    chosen = (alternates or links or [None])[0]
    return _stripped(chosen.get("href")) if chosen is not None else None


def _atom_body(entry: Element) -> str:
    content = entry.find(f"{{{ATOM_NS}}}content")
    if content is not None and content.get("src") is None:
        text = _construct_text(content).strip()
        if text:
            return text
    summary = entry.find(f"{{{ATOM_NS}}}summary")
    return _construct_text(summary).strip() if summary is not None else ""


def _atom_author_names(authors: list[Element]) -> list[str]:
    names = (_stripped(_text_of(author.find(f"{{{ATOM_NS}}}name"))) for author in authors)
    return [name for name in names if name]


def _first_text(item: Element, *tags: str) -> str | None:
    """The stripped text of the first of `tags` present with some text."""
    element = _first_with_text(item, *tags)
    return _stripped(_text_of(element)) if element is not None else None


def _first_with_text(item: Element, *tags: str) -> Element | None:
    for tag in tags:
        for element in item.iterfind(tag):
            if _text_of(element).strip() or len(element):
                return element
    return None


def _joined(elements: list[Element]) -> str | None:
    values = [text.strip() for text in map(_text_of, elements) if text.strip()]
    return ", ".join(values) or None


def _stripped(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


# ---------------------------------------------------------------------------------------------------
# Element text, header values and HTML


def _child_elements(element: Element) -> list[Element]:
    return [child for child in element if isinstance(child.tag, str)]


def _split_name(name: str) -> tuple[str | None, str]:
    """The namespace and local name of a Clark name (`{namespace}local`). A name whose prefix no xmlns
    declares stays whole, as written (`media:content`): libxml2 keeps it so, and lxml's QName refuses it."""
    if not name.startswith("{"):
        return None, name
    namespace, _, local = name[1:].partition("}")
    return namespace, local


def _qualified_name(element: Element, clark_name: str | None = None) -> str:
    """`clark_name` (`{namespace}local`; by default the element's tag) with the prefix the source uses."""
    namespace, local = _split_name(clark_name if clark_name is not None else element.tag)
    if namespace is None:
        return local
    if namespace == XML_NS:
        return f"xml:{local}"
    if clark_name is None and element.prefix:
        return f"{element.prefix}:{local}"
    prefixes = [prefix for prefix, uri in element.nsmap.items() if uri == namespace and prefix]
    return f"{prefixes[0]}:{local}" if prefixes else local


def _attributes(element: Element) -> dict[str, str]:
    return {_qualified_name(element, name): str(value) for name, value in element.attrib.items()}


def _text_of(element: Element | None) -> str:
    """All the text inside `element` as written, entity references resolved where they are HTML's."""
    if element is None:
        return ""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            parts.append(_text_of(child))
        elif child.tag is etree.Entity:
            parts.append(_entity_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _entity_text(entity: Element) -> str:
    return HTML5_ENTITIES.get(f"{entity.name};", str(entity.text))


def _header_value(element: Element) -> str:
    children = _child_elements(element)
    if not children:
        text = _text_of(element)
        if text.strip() or not element.attrib:
            return text
        return json.dumps(_attributes(element), ensure_ascii=False)
    if _is_markup(element, children):
        return _inner_markup(element)
    return json.dumps(_structure(element), ensure_ascii=False)


def _is_markup(element: Element, children: list[Element]) -> bool:
    return (
        _split_name(element.tag)[1] in TEXT_CONSTRUCTS
        or any(_split_name(child.tag)[0] == XHTML_NS for child in children)
        or bool((element.text or "").strip())
        or any((child.tail or "").strip() for child in children)
    )


def _inner_markup(element: Element) -> str:
    """The markup inside `element`, without the namespace declarations its ancestors put in scope."""
    parts = [html.escape(element.text or "", quote=False)]
    for child in element:
        if isinstance(child.tag, str):
            alone = copy.deepcopy(child)
            etree.cleanup_namespaces(alone)
            parts.append(etree.tostring(alone, encoding="unicode", with_tail=False))
        else:
            parts.append(etree.tostring(child, encoding="unicode", with_tail=False))
        parts.append(html.escape(child.tail or "", quote=False))
    return "".join(parts)


def _structure(element: Element) -> dict[str, Any]:
    """An element's attributes and child values as a JSON-ready object."""
    result: dict[str, Any] = dict(_attributes(element))
    for child in _child_elements(element):
        if _child_elements(child):
            value: Any = _structure(child)
        else:
            text = _text_of(child).strip()
            value = text if text or not child.attrib else _attributes(child)
        name = _qualified_name(child)
        if name not in result:
            result[name] = value
        elif isinstance(result[name], list):
            result[name].append(value)
        else:
            result[name] = [result[name], value]
    return result


def _construct_text(element: Element) -> str:
    """The plain text of an Atom text construct or content element, by its `type`."""
    kind = (element.get("type") or "text").strip().lower()
    if kind in ("text", "text/plain") and not _child_elements(element):
        return _text_of(element)
    return _markup_text(element)


def _markup_text(element: Element) -> str:
    """Plain text of an element holding HTML: as escaped text, or as child elements (XHTML)."""
    if _child_elements(element):
        return _tidy(_flatten(element, preformatted=False))
    return html_to_text(_text_of(element))


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment; text without any tag only has its entities decoded."""
    if not _TAG.search(markup):
        return html.unescape(markup).strip()
    try:
        fragment = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return html.unescape(re.sub(r"<[^>]*>", " ", markup)).strip()
    return _tidy(_flatten(fragment, preformatted=False))


def _flatten(element: Element, preformatted: bool) -> str:
    parts = [_html_space(element.text, preformatted)]
    for child in element:
        if isinstance(child.tag, str):
            name = _split_name(child.tag)[1].lower()
            inside_pre = preformatted or name == "pre"
            if name in INVISIBLE_ELEMENTS:
                pass
            elif name == "br":
                parts.append("\n")
            elif name in BLOCK_ELEMENTS:
                parts.extend(("\n\n", _flatten(child, inside_pre), "\n\n"))
            elif name in ("td", "th"):
                parts.extend((" ", _flatten(child, inside_pre), " "))
            else:
                parts.append(_flatten(child, inside_pre))
        elif child.tag is etree.Entity:
            parts.append(_entity_text(child))
        parts.append(_html_space(child.tail, preformatted))
    return "".join(parts)


def _html_space(text: str | None, preformatted: bool) -> str:
    """HTML text with its whitespace runs collapsed to one space (inside `<pre>` kept as is)."""
    if not text:
        return ""
    return text if preformatted else _SPACE_RUN.sub(" ", text)


def _tidy(text: str) -> str:
    text = _SPACE_AROUND_NEWLINE.sub("\n", _SPACES.sub(" ", text))
    return _BLANK_LINES.sub("\n\n", text).strip()


# ---------------------------------------------------------------------------------------------------
# Parse errors


class _Tap:
    """The stream as lxml reads it, remembering what an error report needs: the first bytes, a window
    of the latest bytes (where it starts in the stream, and on which line), and whether the end was
    reached. Positions are offsets in the stream."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.head = b""
        self.window = bytearray()
        self.window_offset = 0
        self.window_line = 1  # the line window[0] is on, and where that line starts
        self.window_line_start = 0
        self.at_end = False
        self.before_read: Callable[[], None] | None = None

    def read(self, size: int = -1) -> bytes:
        if self.before_read is not None:
            self.before_read()
        data = self._stream.read(size)
        if not data:
            self.at_end = True
            return b""
        if len(self.head) < EXCERPT_BYTES:
            self.head += data[: EXCERPT_BYTES - len(self.head)]
        self.window += data
        excess = len(self.window) - ERROR_WINDOW_BYTES
        if excess > 0:
            newlines = self.window.count(b"\n", 0, excess)
            if newlines:
                self.window_line += newlines
                self.window_line_start = self.window_offset + self.window.rfind(b"\n", 0, excess) + 1
            self.window_offset += excess
            del self.window[:excess]
        return data

    def line_start(self, line: int) -> int | None:
        """Where `line` (1-based) starts, or None if that is before the window or after the data."""
        if line < self.window_line:
            return None
        position = 0
        for _ in range(line - self.window_line):
            newline = self.window.find(b"\n", position)
            if newline < 0:
                return None
            position = newline + 1
        return self.window_offset + position if line > self.window_line else self.window_line_start

    def rest_of_line(self, start: int) -> tuple[int, bytes]:
        """How many bytes of the line starting at `start` are before the window, and those in it."""
        before = max(self.window_offset - start, 0)
        return before, bytes(self.window[max(start - self.window_offset, 0) :])

    def excerpt(self, start: int) -> bytes:
        """Up to EXCERPT_BYTES of the window from `start` (from the window's last bytes if later)."""
        index = min(max(start - self.window_offset, 0), max(len(self.window) - EXCERPT_BYTES // 2, 0))
        return bytes(self.window[index : index + EXCERPT_BYTES])


@dataclass(frozen=True, slots=True)
class _ParseError:
    message: str
    line: int
    column: int

    @classmethod
    def of(cls, error: Any) -> _ParseError:
        line, column = error.position or (0, 0)
        return cls(str(error.msg or error) or "no element found", int(line), int(column))


def _keep_first_fatal(error_log: Any, found: list[_ParseError]) -> None:
    """Add the parser's first fatal error to `found` unless it holds one already.

    Called before each read of the stream and when parsing fails: after some fatal errors (an
    undefined entity such as `&nbsp;` without a DTD) lxml 6.1 / libxml2 2.14 stop producing events
    but raise nothing; the next chunk then starts a new document whose error ("Extra content at the
    end of the document, line 2") is the one raised, and the parser's log forgets the first."""
    if found:
        return
    for entry in error_log:
        if entry.level >= etree.ErrorLevels.FATAL:
            line, column = int(entry.line), int(entry.column)
            found.append(_ParseError(f"{entry.message}, line {line}, column {column}", line, column))
            return


def _syntax_rejection(error: _ParseError, tap: _Tap, locator: Locator) -> Rejection:
    start = tap.line_start(error.line) if error.line > 0 else None
    empty = tap.at_end and not tap.window
    truncated = empty or (tap.at_end and start is not None and _at_end_of_input(tap, start, error.column))
    # Columns count characters: as bytes they fall a little short on non-ASCII lines.
    failing = start + max(error.column - 1, 0) if start is not None else -1
    if failing < tap.window_offset:  # not known, or no longer in the window: the stream's first bytes
        excerpt = tap.head[:EXCERPT_BYTES]
    else:
        excerpt = tap.excerpt(max(start or 0, failing - EXCERPT_BYTES // 2))
    return Rejection(
        locator=locator,
        source_format=FORMAT,
        reason="truncated" if truncated else "malformed_xml",
        message=f"the stream is empty ({error.message})" if empty else error.message,
        raw_excerpt=excerpt,
    )


def _at_end_of_input(tap: _Tap, start: int, column: int) -> bool:
    """Whether libxml2's error position (line start, 1-based column in characters) is at the last
    character of the input or past it (a cut inside `/>` is reported at the `/`)."""
    before, rest = tap.rest_of_line(start)
    return b"\n" not in rest and column >= before + len(rest.decode("utf-8", errors="replace"))


def _document_encoding(head: bytes) -> str:
    """The encoding lxml decodes the document with: by its BOM, else its XML declaration, else UTF-8.

    (lxml's own `docinfo.encoding` is only known once the whole document has been parsed.)"""
    for bom, name in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            return name
    declaration = _ENCODING_DECLARATION.match(head.removeprefix(codecs.BOM_UTF8))
    if declaration is None or _misdeclared(head):
        return "utf-8"
    return _codec_name(declaration.group(1).decode("ascii"))


def _misdeclared(head: bytes) -> bool:
    """An XML declaration written in single bytes that names a two- or four-byte encoding: the document
    was re-encoded (read_path reads UTF-16 and UTF-32 files as UTF-8), and is read as UTF-8."""
    declaration = _ENCODING_DECLARATION.match(head.removeprefix(codecs.BOM_UTF8))
    return declaration is not None and declaration.group(1).lower().startswith((b"utf-16", b"utf-32", b"ucs"))


def _codec_name(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.lower()


# ---------------------------------------------------------------------------------------------------
# Format detection


def looks_like(head: bytes) -> bool:
    """Whether `head` (the first bytes of a stream) starts a feed: after an optional BOM, the XML
    declaration, processing instructions, comments, a doctype and whitespace, the root element is
    `<rss>`, an Atom `<feed>`, or an `<rdf:RDF>` declaring the RSS 1.0 (or 0.90) namespace."""
    text = _head_text(head)
    position = _skip_prolog(text)
    name = _NAME.match(text, position + 1) if text.startswith("<", position) else None
    if name is None:
        return False
    tag_end = text.find(">", name.end())
    start_tag = text[name.end() : tag_end if tag_end >= 0 else len(text)]
    prefix, _, local = name.group().rpartition(":")
    namespaces = {found.group(1) or "": found.group(2) for found in _XMLNS.finditer(start_tag)}
    if name.group() == "rss":
        return True
    if local == "feed":
        return namespaces.get(prefix) == ATOM_NS
    if local == "RDF" and prefix and namespaces.get(prefix) == RDF_NS:
        return any(uri in (RSS1_NS, RSS090_NS) for uri in namespaces.values())
    return False


def _head_text(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    elif head.startswith((codecs.BOM_UTF16_LE, b"<\x00")):
        return head.decode("utf-16-le", errors="ignore").lstrip("\ufeff")
    elif head.startswith((codecs.BOM_UTF16_BE, b"\x00<")):
        return head.decode("utf-16-be", errors="ignore").lstrip("\ufeff")
    return head.decode("utf-8", errors="replace")


def _skip_prolog(text: str) -> int:
    """The position after the whitespace, declarations, comments and doctype that may precede the root."""
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if text.startswith("<?", position):
            end = text.find("?>", position + 2)
            position = end + 2 if end >= 0 else len(text)
        elif text.startswith("<!--", position):
            end = text.find("-->", position + 4)
            position = end + 3 if end >= 0 else len(text)
        elif text.startswith("<!DOCTYPE", position):
            end = text.find(">", position)
            subset = text.find("[", position, end if end >= 0 else len(text))
            if subset >= 0:
                close = text.find("]", subset)
                end = text.find(">", close) if close >= 0 else -1
            position = end + 1 if end >= 0 else len(text)
        else:
            return position
