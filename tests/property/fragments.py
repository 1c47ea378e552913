"""Hypothesis strategies for the bytes of each dump format: documents assembled from valid-looking
fragments of the format, then damaged the way real dumps are (cut short, spliced, NULs inserted,
parts in the wrong encoding, line ends changed)."""

from __future__ import annotations

import csv
import gzip
import io
import json

from hypothesis import strategies as st

from transforms.fields import DEFAULT_ALIASES
from transforms.readers.csv_table import DELIMITERS

# Short text: words, markup and entity characters, quotes, controls, non-ASCII, line breaks.
_ALPHABET = st.sampled_from(
    [
        *"abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ 0123456789 .,;:!?'\"-_/",
        *"<>&#=@()[]{}|\\%*+~`^$",
        *"\t\n\r\x00\x01\x03\x0b\x0c\x1f\x7f\x85\xa0",
        *"éüßçñøåÆ–—‘’“”…€™ĀЖ中文한국",
        "\u2028",
        "\u200b",
        "\ufeff",
        "\U0001f600",
        "\ud83d",
    ]
)
TEXT = st.text(_ALPHABET, max_size=40)
WORDS = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz ABCDEFGH"), min_size=1, max_size=30)
ENTITIES = st.sampled_from(
    [
        "&amp;",
        "&lt;",
        "&gt;",
        "&quot;",
        "&#3;",
        "&#233;",
        "&#x2019;",
        "&#0;",
        "&#1114112;",
        "&eacute;",
        "&nbsp;",
    ]
)
# Text as a dump writes it: words, entities and odd characters.
PROSE = st.lists(st.one_of(WORDS, WORDS, ENTITIES, TEXT), max_size=6).map(" ".join)
DATES = st.sampled_from(
    [
        "2019-03-05",
        "2019-12",
        "Tue, 1 Nov 2016 00:55:41 -0400",
        "Thu, 08 Dec 2016 16:39:53 GMT",
        "26-FEB-1987 15:01:01.79",
        "7:51  PM ET Fri, 17 July 2020",
        "18-Jul-20",
        "31-02-2020",
        "9999-99-99",
        "",
        "yesterday",
    ]
)
URLS = st.sampled_from(
    [
        "http://www.nytimes.com/2016/12/08/us/a.html?partner=rss&emc=rss",
        "https://EXAMPLE.com:443/a/b?utm_source=x&b=2&a=1#frag",
        "https://[::1/broken",
        "http://",
        "ftp://example.com/file",
        "not a url",
    ]
)
ENCODINGS = ["latin-1", "cp1252", "utf-16-le", "utf-16-be", "utf-32", "cp1251", "gb18030", "shift_jis"]


def _encode(text: str, encoding: str = "utf-8") -> bytes:
    """`text` in `encoding`; a lone surrogate stays as its UTF-8 bytes, which no decoder accepts."""
    return text.encode(encoding, errors="surrogatepass" if encoding == "utf-8" else "replace")


# ---------------------------------------------------------------------------------------------------
# Damage


@st.composite
def _damage_once(draw: st.DrawFn, data: bytes) -> bytes:
    size = len(data)
    position = draw(st.integers(0, size))
    end = draw(st.integers(position, min(size, position + 200)))
    kind = draw(
        st.sampled_from(["cut", "drop", "splice", "nul", "encoding", "bytes", "flip", "line_ends", "bom"])
    )
    if kind == "cut":
        return data[:position]
    if kind == "drop":
        return data[:position] + data[end:]
    if kind == "splice":  # a piece of the document again somewhere else: a record repeated or overlapping
        at = draw(st.integers(0, size))
        return data[:at] + data[position:end] + data[at:]
    if kind == "nul":
        return data[:position] + b"\x00" * draw(st.integers(1, 4)) + data[position:]
    if kind == "encoding":  # a stretch written in another encoding
        encoding = draw(st.sampled_from(ENCODINGS))
        stretch = data[position:end].decode("utf-8", errors="replace")
        return data[:position] + stretch.encode(encoding, errors="replace") + data[end:]
    if kind == "bytes":
        return data[:position] + draw(st.binary(min_size=1, max_size=8)) + data[position:]
    if kind == "flip" and position < size:
        return data[:position] + bytes([draw(st.integers(0, 255))]) + data[position + 1 :]
    if kind == "line_ends":
        ending = draw(st.sampled_from([b"\r\n", b"\r", b"\n\n"]))
        return data[:position] + data[position:end].replace(b"\n", ending) + data[end:]
    if kind == "bom":
        return draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"])) + data
    return data


@st.composite
def damaged(draw: st.DrawFn, documents: st.SearchStrategy[bytes]) -> bytes:
    """A document from `documents`, as it is or with up to three pieces of damage."""
    data = draw(documents)
    for _ in range(draw(st.integers(0, 3))):
        data = draw(_damage_once(data))
    return data


def lines(pieces: list[bytes], line_end: bytes, final: bool) -> bytes:
    return line_end.join(pieces) + (line_end if final and pieces else b"")


LINE_ENDS = st.sampled_from([b"\n", b"\r\n"])


# ---------------------------------------------------------------------------------------------------
# JSON Lines

_JSON_KEYS = st.sampled_from(
    [name for names in DEFAULT_ALIASES.values() for name in names] + ["category", "id", "Headline", " text "]
)
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | TEXT | PROSE,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)
_JSON_OBJECT = st.dictionaries(_JSON_KEYS | TEXT, _JSON_VALUES, max_size=6).map(
    lambda obj: json.dumps(obj, ensure_ascii=False, allow_nan=True).encode("utf-8", errors="surrogatepass")
)
_JSON_LINE = st.one_of(
    _JSON_OBJECT,
    _JSON_OBJECT,
    _JSON_OBJECT,
    st.sampled_from(
        [
            b"",
            b"   ",
            b"\t",
            b"[1, 2]",
            b"null",
            b'"a string"',
            b"42",
            b'{"text": "unclosed',
            b'{"text": "\\ud83d lone surrogate", "title": "\\udc00"}',
            b'{"text": "a"} trailing',
            b"[" * 3000 + b"]" * 3000,
            b'{"a": ' * 2000 + b"1" + b"}" * 2000,
            b"{'single': 'quotes'}",
            b'{"text": NaN, "title": Infinity}',
            b'{"text": "\xe9t\xe9 latin-1"}',
            b'{"text": "\x00"}',
        ]
    ),
)
JSONL = st.builds(lines, st.lists(_JSON_LINE, max_size=8), LINE_ENDS, st.booleans())


# ---------------------------------------------------------------------------------------------------
# CSV

_CSV_NAMES = st.sampled_from(
    [name for names in DEFAULT_ALIASES.values() for name in names]
    + ["Headlines", "Time", "Description", "id"]
)


@st.composite
def _csv_table(draw: st.DrawFn) -> bytes:
    delimiter = draw(st.sampled_from(DELIMITERS))
    columns = draw(st.lists(_CSV_NAMES | WORDS, min_size=1, max_size=5))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(columns)
    for _ in range(draw(st.integers(0, 6))):
        width = draw(st.integers(0, len(columns) + 1))
        writer.writerow(draw(st.lists(PROSE | DATES | URLS, min_size=width, max_size=width)))
        if draw(st.booleans()):
            out.write(draw(st.sampled_from(["\n", "  \n", '"unclosed, quote\n', 'a,"b"c,d\n', ",,\n"])))
    return _encode(out.getvalue())


CSV = _csv_table()


# ---------------------------------------------------------------------------------------------------
# Feeds (RSS 2.0, RSS 1.0, Atom)

_DOCTYPES = st.sampled_from(
    [
        "",
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        '"http://my.netscape.com/publish/formats/rss-0.91.dtd">',
        '<!DOCTYPE rss [<!ENTITY eacute "é"><!ENTITY custom "own text">]>',
        '<!DOCTYPE rss [<!ENTITY big "&custom;&custom;"><!ENTITY custom "x">]>',
    ]
)


def _xml_text(draw: st.DrawFn) -> str:
    """Element content: escaped text, escaped HTML, CDATA, or an entity reference."""
    kind = draw(st.sampled_from(["plain", "html", "cdata", "entity", "raw"]))
    text = draw(PROSE)
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if kind == "plain":
        return escaped
    if kind == "html":
        return "&lt;p&gt;" + escaped + "&lt;br/&gt;&lt;b&gt;" + escaped + "&lt;/b&gt;&lt;/p&gt;"
    if kind == "cdata":
        return "<![CDATA[<p>" + text.replace("]]>", "") + "</p>]]>"
    if kind == "entity":
        return escaped + draw(st.sampled_from(["&eacute;", "&custom;", "&#x2019;", "&amp;amp;", "&nbsp;"]))
    return text  # unescaped: often not well-formed


@st.composite
def _rss_item(draw: st.DrawFn) -> str:
    fields = draw(
        st.lists(
            st.sampled_from(["title", "link", "description", "pubDate", "guid", "dc:creator", "author",
                             "content:encoded", "category", "media:content"]),
            max_size=6,
        )
    )  # fmt: skip
    parts = []
    for name in fields:
        if name == "media:content":
            parts.append('<media:content url="https://x/y.jpg" medium="image"/>')
        elif name == "link":
            parts.append(f"<link>{draw(URLS).replace('&', '&amp;')}</link>")
        elif name == "pubDate":
            parts.append(f"<pubDate>{draw(DATES)}</pubDate>")
        else:
            parts.append(f"<{name}>{_xml_text(draw)}</{name}>")
    return "<item>" + "".join(parts) + "</item>"


@st.composite
def _atom_entry(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["text", "html", "xhtml"]))
    if kind == "xhtml":
        content = f'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>{_xml_text(draw)}</p></div></content>'
    else:
        content = f'<content type="{kind}">{_xml_text(draw)}</content>'
    return (
        f"<entry><title>{_xml_text(draw)}</title>"
        f'<link rel="alternate" href="{draw(URLS).replace("&", "&amp;")}"/>'
        f"<published>{draw(DATES)}</published><author><name>{_xml_text(draw)}</name></author>"
        f"{content if draw(st.booleans()) else ''}<summary>{_xml_text(draw)}</summary></entry>"
    )


@st.composite
def _feed(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["rss", "rdf", "atom", "other"]))
    encoding = draw(st.sampled_from(["utf-8", "iso-8859-1", "windows-1252", "utf-16", None]))
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>' if encoding else ""
    if kind == "atom":
        entries = "".join(draw(st.lists(_atom_entry(), max_size=4)))
        body = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{_xml_text(draw)}</title>{entries}</feed>'
    elif kind == "rdf":
        items = "".join(draw(st.lists(_rss_item(), max_size=4)))
        body = (
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<channel><title>{_xml_text(draw)}</title></channel>{items}</rdf:RDF>"
        )
    else:
        items = "".join(draw(st.lists(_rss_item(), max_size=4)))
        root = "rss" if kind == "rss" else "html"
        body = (
            f'<{root} version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:media="http://search.yahoo.com/mrss/">'
            f"<channel><title>{_xml_text(draw)}</title>{items}</channel></{root}>"
        )
    text = declaration + draw(_DOCTYPES) + "\n" + body
    return _encode(text, encoding or "utf-8")


FEED = _feed()


# ---------------------------------------------------------------------------------------------------
# Mail: RFC 822 messages and mbox

_HEADER_VALUES = st.one_of(
    PROSE,
    DATES,
    st.sampled_from(
        [
            "nad at python.org (Ned Deily)",
            '"Real Name" <user@example.com>',
            "=?ISO-8859-1?Q?BJ=F6rn_Lindqvist?= <bjourne@gmail.com>",
            "=?utf-8?B?w6k=?= =?utf-8?B?broken?=",
            "=?x-unknown?Q?abc?=",
            "=?utf-8*en?Q?caf=C3=A9?=",
            "folded\n continuation\n\tline",
        ]
    ),
)
_HEADER_NAMES = st.sampled_from(
    ["From", "Subject", "Date", "Newsgroups", "Path", "Message-ID", "To", "X-Mailer", "Content-Type"]
)
_CONTENT_TYPES = st.sampled_from(
    [
        "text/plain; charset=utf-8",
        "text/plain; charset=iso-8859-1",
        "text/plain; charset=x-unknown",
        "text/plain; charset=utf-16",
        "text/html",
        "multipart/alternative; boundary=BOUNDARY",
        "multipart/mixed; boundary=BOUNDARY",
        "multipart/mixed",
    ]
)


@st.composite
def _message(draw: st.DrawFn) -> str:
    headers = [f"{name}: {draw(_HEADER_VALUES)}" for name in draw(st.lists(_HEADER_NAMES, max_size=5))]
    content_type = draw(_CONTENT_TYPES)
    headers.append(f"Content-Type: {content_type}")
    encoding = draw(st.sampled_from(["", "base64", "quoted-printable", "8bit", "x-uuencode"]))
    if encoding:
        headers.append(f"Content-Transfer-Encoding: {encoding}")
    body = "\n".join(
        draw(st.lists(PROSE | st.sampled_from(["", "> quoted", "-- ", "From inside", "aGVsbG8="])))
    )
    if content_type.startswith("multipart") and draw(st.booleans()):
        part = "Content-Type: text/plain; charset=utf-8\n\n" + body
        html = "Content-Type: text/html\nContent-Disposition: attachment\n\n<p>" + body + "</p>"
        body = f"preamble\n--BOUNDARY\n{part}\n--BOUNDARY\n{html}\n--BOUNDARY--\n"
    return "\n".join(headers) + "\n\n" + body


MESSAGE = st.builds(lambda text, end: _encode(text).replace(b"\n", end), _message(), LINE_ENDS)

_FROM_LINES = st.sampled_from(
    [
        "From nad at python.org  Tue Nov  1 00:55:41 2016",
        "From bjourne at gmail.com  Wed Nov  2 10:00:00 2016",
        "From MAILER-DAEMON Mon Jan  1 00:00:00 2001",
        "From ",
    ]
)


@st.composite
def _mbox(draw: st.DrawFn) -> bytes:
    messages = []
    for _ in range(draw(st.integers(0, 4))):
        body = _encode(draw(_message())).replace(b"\nFrom ", b"\n>From ")
        messages.append(_encode(draw(_FROM_LINES)) + b"\n" + body + b"\n")
    preamble = draw(st.sampled_from([b"", b"\n", b"stray text\n\n", b"  \n"]))
    return (preamble + b"\n".join(messages)).replace(b"\n", draw(LINE_ENDS))


MBOX = _mbox()


# ---------------------------------------------------------------------------------------------------
# Reuters-21578 SGML


@st.composite
def _reuters_element(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["NORM", "BRIEF", "UNPROC"]))
    title = f"<TITLE>{draw(PROSE)}</TITLE>" if kind != "UNPROC" else ""
    body = f"<BODY>{draw(PROSE)}\n    {draw(PROSE)}\n Reuter\n&#3;</BODY>" if kind == "NORM" else ""
    text = draw(PROSE) if kind == "UNPROC" else ""
    lists = "".join(
        f"<{name}>{''.join(f'<D>{draw(WORDS)}</D>' for _ in range(draw(st.integers(0, 2))))}</{name}>"
        for name in draw(st.lists(st.sampled_from(["TOPICS", "PLACES", "PEOPLE", "ORGS"]), max_size=3))
    )
    text_type = f' TYPE="{kind}"' if kind != "NORM" else ""
    closing = draw(st.sampled_from(["</REUTERS>", "</reuters>", "</REUTERS >", "</REUTERS\n>"]))
    return (
        f'<REUTERS TOPICS="YES" NEWID="{draw(st.integers(0, 99999))}">\n<DATE>{draw(DATES)}</DATE>\n{lists}'
        f"<UNKNOWN>&#5;&#5;C T</UNKNOWN>\n<TEXT{text_type}>&#2;\n"
        f"{title}<AUTHOR>    By {draw(WORDS)}, Reuters</AUTHOR>{text}{body}</TEXT>\n{closing}"
    )


REUTERS_SGML = st.builds(
    lambda doctype, elements, end: _encode(doctype + "\n".join(elements)).replace(b"\n", end),
    st.sampled_from(['<!DOCTYPE lewis SYSTEM "lewis.dtd">\n', "", "\ufeff", "<!-- a comment -->\n"]),
    st.lists(_reuters_element(), max_size=4),
    LINE_ENDS,
)


# ---------------------------------------------------------------------------------------------------
# Text dumps

TEXTDUMP = st.builds(
    lambda header, title, paragraphs, end: _encode(header + title + "\n\n".join(paragraphs)).replace(
        b"\n", end
    ),
    st.sampled_from(["", " date 2019-03-05 ", "date 2019-12\n", " date 2019-03-05 date 2020-01 ", "date "]),
    st.sampled_from(["", "Ad sales boost Time Warner profit\n\n", "A sentence title.\n\n"]),
    st.lists(PROSE, max_size=4),
    LINE_ENDS,
)


# ---------------------------------------------------------------------------------------------------
# WARC

_HTML = st.builds(
    lambda title, paragraphs: (
        f"<!doctype html><html><head><title>{title}</title>"
        '<meta name="author" content="Jane Doe"><meta property="article:published_time" content="2016-12-08">'
        "</head><body><article>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article></body></html>"
    ),
    PROSE,
    st.lists(PROSE, max_size=4),
)


def _chunked(payload: bytes) -> bytes:
    middle = len(payload) // 2
    return (
        b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (payload[:middle], payload[middle:]) if part)
        + b"0\r\n\r\n"
    )


@st.composite
def _http_response(draw: st.DrawFn) -> bytes:
    payload = _encode(draw(_HTML), draw(st.sampled_from(["utf-8", "latin-1", "utf-16"])))
    content_type = draw(
        st.sampled_from(
            ["text/html; charset=utf-8", "text/html; charset=x-bogus", "text/plain", "image/png", None]
        )
    )
    headers = [b"HTTP/1.1 200 OK"]
    if content_type:
        headers.append(b"Content-Type: " + content_type.encode())
    coding = draw(st.sampled_from(["", "gzip", "br", "chunked", "gzip+chunked"]))
    if "gzip" in coding:
        payload = gzip.compress(payload, mtime=0)
        headers.append(b"Content-Encoding: gzip")
    if coding == "br":
        headers.append(b"Content-Encoding: br")
    if "chunked" in coding:
        payload = _chunked(payload)
        headers.append(b"Transfer-Encoding: chunked")
    return b"\r\n".join(headers) + b"\r\n\r\n" + payload


@st.composite
def _warc_record(draw: st.DrawFn) -> bytes:
    warc_type = draw(
        st.sampled_from(
            ["response", "response", "conversion", "resource", "request", "warcinfo", "metadata", "revisit"]
        )
    )
    if warc_type == "response":
        block = draw(_http_response())
        content_type = "application/http; msgtype=response"
    elif warc_type == "conversion":
        block = _encode("\n".join(draw(st.lists(PROSE, max_size=4))))
        content_type = "text/plain"
    elif warc_type == "resource":
        block = _encode(draw(_HTML))
        content_type = draw(st.sampled_from(["text/html", "text/plain", "application/pdf"]))
    else:
        block = _encode(draw(PROSE))
        content_type = "application/warc-fields"
    uri = draw(URLS)
    length = draw(st.sampled_from([str(len(block))] * 6 + [str(len(block) + 5), "-1", "abc", ""]))
    headers = [
        draw(st.sampled_from(["WARC/1.0", "WARC/1.1", "WARC/0.18"])),
        f"WARC-Type: {warc_type}",
        f"WARC-Target-URI: {uri}" if draw(st.integers(0, 5)) else "",
        "WARC-Date: 2024-05-18T01:58:10Z",
        "WARC-Record-ID: <urn:uuid:12345678-1234-1234-1234-123456789012>",
        f"Content-Type: {content_type}",
        f"Content-Length: {length}" if length else "",
    ]
    header_block = "\r\n".join(line for line in headers if line) + "\r\n\r\n"
    return header_block.encode() + block + b"\r\n\r\n"


WARC = st.lists(_warc_record(), max_size=4).map(b"".join)


# Every format's documents, by the name of its reader.
DOCUMENTS: dict[str, st.SearchStrategy[bytes]] = {
    "jsonl": JSONL,
    "csv": CSV,
    "feed": FEED,
    "rfc822": MESSAGE,
    "mbox": MBOX,
    "reuters_sgml": REUTERS_SGML,
    "textdump": TEXTDUMP,
    "warc": WARC,
}
