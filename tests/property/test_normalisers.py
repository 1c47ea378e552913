"""Normalisers are idempotent: what comes out of one, put through it again, comes out unchanged."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import example, given
from hypothesis import strategies as st

from tests.property.fragments import PROSE, TEXT
from transforms.authors import KNOWN_AGENCIES, Byline, parse_byline
from transforms.dates import parse_date
from transforms.normalise import normalise
from transforms.records import Document, Locator, RawRecord
from transforms.text import normalise_line, normalise_text, split_paragraphs
from transforms.urls import canonical_url

# ---------------------------------------------------------------------------------------------------
# Text

# UTF-8 text read as a single-byte code page: the mojibake the text normaliser repairs.
MOJIBAKE = st.tuples(TEXT, st.sampled_from(["cp1252", "latin-1"])).map(
    lambda pair: pair[0].encode("utf-8", errors="surrogatepass").decode(pair[1], errors="replace")
)
# Text as the readers hand it on: prose, markup characters, entities (double-escaped too), mojibake,
# every kind of line break and space, the crawler's detached possessive.
RAW_TEXT = st.lists(
    st.one_of(
        PROSE,
        TEXT,
        MOJIBAKE,
        st.text(max_size=20),
        st.sampled_from(
            ["\n", "\n\n", "\r\n", "\r", " \n \n", "\u2028", "\u2029", "\x85", "\t", "\xa0", " 's", " ’s",
             "&amp;lt;", "&amp;amp;", "&#38;#233;", "&lt;p&gt;", "&#13;", "&#10;&#10;", "&#0;", "&#x85;",
             "&am\x01p;", "&\u200bamp;", "\x00", "\x1f", "\x7f", "\x9d", "e\u0301", "\ufeff",
             "â€™", "Ã©", "Ã\xa0", "TRT World 's", "Itâ€™s"]
        ),
    ),
    max_size=12,
).map("".join)  # fmt: skip
_CONTROLS = {chr(code) for code in [*range(0x20), *range(0x7F, 0xA0)]} - {"\n"}


@given(text=RAW_TEXT)
@example(text="&\x03ap;")  # a control character dropped after the references were decoded made one
@example(text="&amp;lt; &#38;#233;")  # escaped twice
@example(text="à¢\x1f0")  # mojibake that ftfy repairs only once `\x1f` has become a space
@example(text="\xa0Â¡")  # ... or once the no-break space before it has gone
@example(text="Ã ’s")  # mojibake made by joining a detached possessive
def test_normalised_text_is_clean_and_stays_as_it_is(text: str) -> None:
    once = normalise_text(text)
    assert normalise_text(once) == once
    assert split_paragraphs(once) == (once.split("\n\n") if once else [])
    assert not _CONTROLS.intersection(once)
    assert once == once.strip() and "\n\n\n" not in once and "  " not in once
    assert unicodedata.is_normalized("NFC", once)


@given(text=RAW_TEXT)
@example(text="\xa0Â¡")
def test_a_normalised_line_stays_as_it_is(text: str) -> None:
    once = normalise_line(text)
    assert normalise_line(once) == once
    assert once is None or ("\n" not in once and once == once.strip())


# ---------------------------------------------------------------------------------------------------
# Urls

_HOSTS = st.sampled_from(
    ["example.com", "EXAMPLE.COM", "www.NYTimes.com", "news.bbc.co.uk", "xn--bcher-kva.example", "bücher.de",
     "127.0.0.1", "[::1]", "example.com.", "a-b.example.org", "localhost", "exa mple.com", ""]
)  # fmt: skip
_PORTS = st.sampled_from(["", ":80", ":443", ":8080", ":0", ":99999", ":abc"])
_SEGMENTS = st.lists(
    st.one_of(
        st.sampled_from(
            ["2016", "12", "08", "a.html", "..", ".", "%7Euser", "%2F", "a b", "é", "%E2%80%99", ""]
        ),
        st.text(st.sampled_from("abcXYZ019-._~!$'()*+,;=:@%"), max_size=6),
    ),
    max_size=4,
).map("/".join)
_PARAMS = st.lists(
    st.tuples(
        st.sampled_from(
            ["utm_source", "UTM_Medium", "partner", "emc", "fbclid", "b", "a", "q", "", "x y", "é"]
        ),
        st.sampled_from(["", "1", "rss", "a b", "%20", "a&b", "=", "é", "%zz"]),
    ),
    max_size=4,
).map(lambda pairs: "&".join(f"{name}={value}" for name, value in pairs))
URLS = st.one_of(
    st.builds(
        lambda scheme, host, port, path, query, fragment: (
            f"{scheme}://{host}{port}/{path}" + (f"?{query}" if query else "") + fragment
        ),
        st.sampled_from(["http", "https", "HTTP", "HtTpS", "ftp"]),
        _HOSTS,
        _PORTS,
        _SEGMENTS,
        _PARAMS,
        st.sampled_from(["", "#", "#frag", "#a?b"]),
    ),
    st.text(max_size=40),
)


@given(url=URLS)
@example(url="https://EXAMPLE.com:443/a/b?utm_source=x&b=2&a=1#frag")
def test_a_canonical_url_stays_as_it_is(url: str) -> None:
    once = canonical_url(url)
    if once is not None:
        assert canonical_url(once) == once


# ---------------------------------------------------------------------------------------------------
# Authors

_NAMES = st.sampled_from(
    ["Julia Craven", "Taryn Finley", "ERIN McCANN", "JON PARELES", "Martin Luther King, Jr.", "Jane Doe, PhD",
     "Ted d'AFFLISIO", "María José García", "O'BRIEN, CONAN", "van der Berg", "Karen Freifeld", "S.V. Date",
     "Cal Mankowski", "Brad Schade", "Kevin L. McBride", "李明", "jane doe", "J.R.R. Tolkien"]
)  # fmt: skip
_AGENCIES = st.sampled_from(
    ["Reuters", "REUTERS", "The Associated Press", "THE ASSOCIATED PRESS", "AFP", "Reuters Staff",
     "Yahoo Entertainment", "HuffPost", "Staff Writer", "Bloomberg News", "Woodrow Wilson High School"]
)  # fmt: skip
BYLINES = st.one_of(
    st.builds(
        lambda by, names, joiner, agency: by + joiner.join(names) + agency,
        st.sampled_from(["", "By ", "by: ", "    BY "]),
        st.lists(_NAMES, min_size=1, max_size=3),
        st.sampled_from([" and ", ", ", " & ", "; ", " | ", " AND "]),
        st.one_of(st.just(""), _AGENCIES.map(lambda agency: f", {agency}")),
    ),
    _AGENCIES,
    PROSE,
    st.text(max_size=30),
)
_ADDRESSES = st.sampled_from(["a@b.org", "x at y.com", "jane.doe@example.co.uk", "joe@x.org;", "<>", "@"])
MAILBOXES = st.one_of(
    st.sampled_from(
        ["nad at python.org (Ned Deily)", '"Real Name" <user@example.com>',
         "klm@gozer.mv.com (Kevin L. McBride)", "=?ISO-8859-1?Q?BJ=F6rn_Lindqvist?= <bjourne@gmail.com>",
         "skip at pobox.com (skip at pobox.com)", "Doe, John <j@d.com>", "(Jim Tomlinson (jimt II))",
         "guido at python.org", "=?utf-8?B?broken?= <a@b.org>"]
    ),
    st.builds(
        lambda shape, name, address: shape.format(name=name, address=address),
        st.sampled_from(["{name} <{address}>", '"{name}" <{address}>', "{address} ({name})", "{address}",
                         "{name}", "{address}, {address}", "{name} <{address}>, {name}"]),
        # a display name holds no angle bracket, parenthesis, quote or @ (they are the header's syntax)
        st.one_of(_NAMES, _AGENCIES, PROSE.map(lambda text: re.sub(r'[<>()"@;\\]', "", text))),
        _ADDRESSES,
    ),
)  # fmt: skip


@given(byline=BYLINES)
def test_each_author_of_a_byline_reads_back_as_itself(byline: str) -> None:
    parsed = parse_byline(byline)
    for author in parsed.authors:
        assert parse_byline(author).authors == (author,)
    for agency in parsed.agencies:  # an agency the tables know (others are agencies by their place)
        if agency.casefold() in KNOWN_AGENCIES:
            assert parse_byline(agency) == Byline((), (agency,))


@given(header=MAILBOXES)
@example(header="0 ,(")  # the address, when there is no name, without the separator after it
def test_the_author_of_a_from_header_reads_back_as_itself(header: str) -> None:
    for author in parse_byline(header, mailbox=True).authors:
        assert parse_byline(author, mailbox=True).authors == (author,)


# ---------------------------------------------------------------------------------------------------
# Dates

_ZONES = st.sampled_from([UTC, timezone(timedelta(hours=-4)), timezone(timedelta(hours=5, minutes=30))])
_INSTANTS = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2068, 12, 31), timezones=_ZONES
).map(lambda when: when.replace(microsecond=0))
# The shapes the parser reads, each written from a random instant.
DATE_STRINGS = st.one_of(
    _INSTANTS.map(lambda when: when.strftime("%a, %d %b %Y %H:%M:%S %z")),
    _INSTANTS.map(lambda when: when.strftime("%d %b %y %H:%M:%S GMT")),
    _INSTANTS.map(lambda when: when.strftime("%d-%b-%Y %H:%M:%S.79").upper()),
    _INSTANTS.map(lambda when: when.strftime("%I:%M %p ET %a, %d %B %Y")),
    _INSTANTS.map(lambda when: when.strftime("%d-%b-%y")),
    _INSTANTS.map(lambda when: when.strftime("%b-%y")),
    _INSTANTS.map(lambda when: when.strftime("%d.%m.%Y")),
    _INSTANTS.map(lambda when: when.strftime("%B %d, %Y")),
    _INSTANTS.map(lambda when: when.strftime("%Y-%m-%d")),
    _INSTANTS.map(lambda when: when.strftime("%Y-%m")),
    _INSTANTS.map(lambda when: str(int(when.timestamp()))),
    _INSTANTS.map(datetime.isoformat),
    st.text(max_size=30),
)


@given(value=DATE_STRINGS)
def test_a_parsed_date_written_in_iso_reads_back_the_same(value: str) -> None:
    parsed = parse_date(value)
    if parsed is None:
        return
    again = parse_date(parsed.published_at.isoformat())
    assert again is not None and again.published_at == parsed.published_at
    day = parse_date(parsed.published_date.isoformat())
    assert day is not None and day.published_date == parsed.published_date


@given(when=_INSTANTS)
def test_an_iso_timestamp_is_read(when: datetime) -> None:
    parsed = parse_date(when.isoformat())
    assert parsed is not None and (parsed.published_at, parsed.precision) == (when, "second")


# ---------------------------------------------------------------------------------------------------
# The whole record


def _no_lone_surrogates(text: str) -> str:
    """Text as readers hand it on: a lone surrogate (which no reader lets through) as `?`."""
    return text.encode("utf-8", errors="replace").decode()


# Not mail: a mail body's quotes and signature are found by its line layout, which the normalised text
# (each paragraph one line) no longer has, so a mail's text is not a mail body to split again.
FORMATS = st.sampled_from(["textdump", "jsonl", "csv", "feed", "warc", "reuters_sgml"])
RAW_BODIES = st.one_of(
    RAW_TEXT,
    st.lists(
        st.one_of(
            PROSE,
            st.sampled_from(
                [
                    "> quoted line",
                    "In article <1@x>, joe@x.org (Joe) writes:",
                    "-- ",
                    "Joe Tham  joth@x.org",
                    " Reuter",
                    "REUTER",
                    "More videos",
                    "Python-Dev mailing list",
                    "_" * 30,
                    "Published: 9 December 2021",
                    "-----Original Message-----",
                    "We use cookies to improve your experience.",
                    "----",
                    "|> quoted",
                    ">>> import sys",
                    "Subscribe to our newsletter for more",
                    "",
                ]
            ),
        ),
        max_size=10,
    ).map("\n".join),
).map(_no_lone_surrogates)  # fmt: skip


@given(
    body=RAW_BODIES,
    title=st.one_of(st.none(), PROSE.map(_no_lone_surrogates)),
    source_format=FORMATS,
    date=st.one_of(st.none(), DATE_STRINGS),
)
@example(body="More\nvideos\n\nStory of the day.", title=None, source_format="jsonl", date=None)
@example(body="Story.\n\nMore&nbsp;videos", title=None, source_format="warc", date=None)
@example(body=" Reuter\n Reuter\n\n Reuter", title=None, source_format="textdump", date=None)
def test_normalising_a_normalised_text_changes_nothing(
    body: str, title: str | None, source_format: str, date: str | None
) -> None:
    record = RawRecord(Locator("memory", 0, 0), source_format, {}, body, "utf-8", title=title, date=date)
    first = normalise(record, "property", with_minhash=False)
    if not isinstance(first, Document):
        return
    second = normalise(dataclasses.replace(record, body=first.text), "property", with_minhash=False)
    assert isinstance(second, Document)
    assert (second.text, second.content_hash) == (first.text, first.content_hash)
    assert (second.published_at, second.title) == (first.published_at, first.title)
