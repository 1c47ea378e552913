import gzip
import io
import json
import os
import resource
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from transforms.readers.feed import (
    FORMAT,
    html_to_text,
    looks_like,
    read_feed,
    read_feed_item,
)
from transforms.records import EXCERPT_BYTES, Origin, RawRecord, Rejection

NYT_FIRST_TITLE = "Trump’s Likely Labor Pick, Andrew Puzder, Is Critic of Minimum Wage Increases"
NYT_FIRST_LINK = (
    "http://www.nytimes.com/2016/12/08/us/politics/andrew-puzder-labor-secretary-trump.html"
    "?partner=rss&emc=rss"
)
NYT_19TH_TITLE = "On Campus, Trump Fans Say They Need ‘Safe Spaces’"


@pytest.fixture
def nyt(corpora: Path) -> Path:
    return corpora / "rss_nyt_2016" / "HomePage.xml"


def _read(data: bytes, name: str = "memory.xml") -> list[RawRecord | Rejection]:
    return list(read_feed(io.BytesIO(data), Origin(name)))


def _records(data: bytes) -> list[RawRecord]:
    results = _read(data)
    assert all(isinstance(result, RawRecord) for result in results), results
    return results  # type: ignore[return-value]


def _item_starts(data: bytes) -> list[int]:
    starts, position = [], data.find(b"<item>")
    while position >= 0:
        starts.append(position)
        position = data.find(b"<item>", position + 1)
    return starts


# --------------------------------------------------------------------------------------------------
# The real NYT feed


def test_nyt_feed_has_33_items_in_document_order(nyt: Path) -> None:
    with nyt.open("rb") as stream:
        results = list(read_feed(stream, Origin(str(nyt))))
    assert len(results) == 33
    assert all(isinstance(result, RawRecord) for result in results)
    assert [result.locator.record_index for result in results] == list(range(33))
    assert {result.locator.byte_offset for result in results} == {-1}
    assert {result.locator.source_file for result in results} == {str(nyt)}
    assert {result.source_format for result in results} == {FORMAT}
    assert {result.encoding for result in results} == {"utf-8"}


def test_nyt_first_item_fields_and_headers(nyt: Path) -> None:
    first = _records(nyt.read_bytes())[0]
    assert first.title == NYT_FIRST_TITLE
    assert first.url == NYT_FIRST_LINK
    assert first.date == "Thu, 08 Dec 2016 16:39:53 GMT"
    assert first.authors == "NOAM SCHEIBER and MAGGIE HABERMAN"
    assert first.body == (
        "Mr. Puzder, chief executive of the company behind Hardee’s and Carl’s Jr., also strongly "
        "supports repealing the Affordable Care Act."
    )
    clean_url = "http://www.nytimes.com/2016/12/08/us/politics/andrew-puzder-labor-secretary-trump.html"
    assert first.headers == {
        "channel_title": ["NYT > Home Page"],
        "title": [NYT_FIRST_TITLE],
        "link": [NYT_FIRST_LINK],
        "guid": [clean_url],
        "atom:link": [json.dumps({"rel": "standout", "href": NYT_FIRST_LINK})],
        "media:content": [
            json.dumps(
                {
                    "url": "https://static01.nyt.com/images/2016/12/09/us/09puzder/09puzder-moth-v3.jpg",
                    "medium": "image",
                    "height": "151",
                    "width": "151",
                }
            )
        ],
        "media:description": ["Andrew F. Puzder at Trump Tower in Manhattan on Wednesday."],
        "media:credit": ["Andrew Harnik/Associated Press"],
        "description": [first.body],
        "dc:creator": ["NOAM SCHEIBER and MAGGIE HABERMAN"],
        "pubDate": ["Thu, 08 Dec 2016 16:39:53 GMT"],
        "category": ["Andy Puzder", "Trump, Donald J", "Labor Department (US)"],
    }


def test_nyt_last_item(nyt: Path) -> None:
    last = _records(nyt.read_bytes())[-1]
    assert last.locator.record_index == 32
    assert last.title == "The Neediest Cases: In Debt, but Undaunted"
    assert last.url == (
        "http://www.nytimes.com/2016/12/08/nyregion/neediest-cases-fund-queens-shelter.html?partner=rss&emc=rss"
    )
    assert last.date == "Thu, 08 Dec 2016 16:00:15 GMT"
    assert last.authors == "JOHN OTIS"
    assert last.body.startswith("Natasha Bell has worked many jobs")
    assert last.headers["category"] == ["New York Times Neediest Cases Fund"]


def test_nyt_headers_across_the_feed(nyt: Path) -> None:
    records = _records(nyt.read_bytes())
    every = ["channel_title", "title", "link", "guid", "description", "dc:creator", "pubDate"]
    assert all(all(len(record.headers[name]) == 1 for name in every) for record in records)
    assert sum("media:content" in record.headers for record in records) == 29
    assert sum("atom:link" in record.headers for record in records) == 30
    # Every <category> is kept, in order; the feed has 147 of them.
    assert sum(len(record.headers.get("category", [])) for record in records) == 147
    assert records[1].headers["category"] == [
        "Automobiles",
        "Factories and Manufacturing",
        "International Trade and World Market",
        "Trump, Donald J",
        "Customs (Tariff)",
    ]
    # Channel-level elements are not item headers; `lastBuildDate` (with its trailing space) stays out.
    assert not any("lastBuildDate" in record.headers for record in records)
    # An empty <media:description/> is an empty value, not a missing one.
    assert records[15].headers["media:description"] == [""]


def test_nyt_text_has_no_entities_left(nyt: Path) -> None:
    records = _records(nyt.read_bytes())
    assert all(record.body for record in records)
    for record in records:
        for text in (record.body, record.title or "", record.url or ""):
            assert "&#" not in text
            assert "&amp;" not in text
            assert "<" not in text
    assert sum("’" in record.body for record in records) > 5


def test_nyt_empty_creator_gives_no_authors(nyt: Path) -> None:
    records = _records(nyt.read_bytes())
    assert [record.authors for record in records[11:14]] == [None, None, None]
    assert records[11].headers["dc:creator"] == [""]
    assert records[20].authors == "JON PARELES, JON CARAMANICA and NATE CHINEN"


def test_nyt_cut_in_the_middle_of_the_20th_item(nyt: Path) -> None:
    data = nyt.read_bytes()
    starts = _item_starts(data)
    assert len(starts) == 33
    cut = (starts[19] + starts[20]) // 2
    results = _read(data[:cut])
    assert len(results) == 20
    *records, rejection = results
    assert all(isinstance(record, RawRecord) for record in records)
    assert records[-1].title == NYT_19TH_TITLE  # type: ignore[union-attr]
    assert isinstance(rejection, Rejection)
    assert rejection.reason == "truncated"
    assert rejection.locator.record_index == 19
    assert rejection.locator.byte_offset == -1
    assert "Premature end of data" in rejection.message
    assert "line 327" in rejection.message
    # The excerpt is the raw bytes just before where the data stops.
    assert 0 < len(rejection.raw_excerpt) <= EXCERPT_BYTES
    assert data[:cut].endswith(rejection.raw_excerpt)


@pytest.mark.parametrize(
    ("where", "items"),
    [
        pytest.param(lambda data, starts: 0, 0, id="empty"),
        pytest.param(lambda data, starts: 1, 0, id="one-byte"),
        pytest.param(lambda data, starts: 50, 0, id="inside-the-rss-start-tag"),
        pytest.param(lambda data, starts: starts[0], 0, id="before-the-first-item"),
        pytest.param(lambda data, starts: starts[5] + len(b"<item>"), 5, id="just-after-an-item-start-tag"),
        pytest.param(lambda data, starts: data.index(b'"/>', starts[7]) + 2, 7, id="between-slash-and-gt"),
        pytest.param(lambda data, starts: starts[20], 20, id="between-items"),
        pytest.param(lambda data, starts: data.index(b"</channel>"), 33, id="before-channel-end"),
        pytest.param(lambda data, starts: len(data) - 3, 33, id="inside-the-last-end-tag"),
    ],
)
def test_nyt_truncated_anywhere(nyt: Path, where, items: int) -> None:
    data = nyt.read_bytes()
    results = _read(data[: where(data, _item_starts(data))])
    assert len(results) == items + 1
    assert all(isinstance(result, RawRecord) for result in results[:-1])
    rejection = results[-1]
    assert isinstance(rejection, Rejection)
    assert (rejection.reason, rejection.locator.record_index) == ("truncated", items)


def test_nyt_malformed_in_the_5th_item(nyt: Path) -> None:
    data = nyt.read_bytes()
    starts = _item_starts(data)
    broken_at = data.index(b"<description>", starts[4]) + len(b"<description>")
    data = data[:broken_at] + b"Q&A <with> a bare ampersand " + data[broken_at:]
    results = _read(data)
    assert len(results) == 5
    rejection = results[-1]
    assert isinstance(rejection, Rejection)
    assert rejection.reason == "malformed_xml"
    assert rejection.locator.record_index == 4
    line = data[:broken_at].count(b"\n") + 1
    assert f"line {line}" in rejection.message
    assert b"Q&A <with>" in rejection.raw_excerpt
    assert len(rejection.raw_excerpt) <= EXCERPT_BYTES


def test_nyt_mismatched_tag_is_malformed_not_truncated(nyt: Path) -> None:
    data = nyt.read_bytes().replace(b"</dc:creator>", b"</dc:creatr>", 3)
    results = _read(data)
    assert len(results) == 1
    assert isinstance(results[0], Rejection)
    assert results[0].reason == "malformed_xml"
    assert "Opening and ending tag mismatch" in results[0].message


def test_nyt_extra_content_after_the_feed_is_malformed(nyt: Path) -> None:
    results = _read(nyt.read_bytes() + b"<rss>again</rss>\n")
    assert len(results) == 34
    assert isinstance(results[-1], Rejection)
    assert (results[-1].reason, results[-1].locator.record_index) == ("malformed_xml", 33)
    assert "Extra content at the end of the document" in results[-1].message


def test_nyt_from_a_non_seekable_pipe(nyt: Path) -> None:
    data = nyt.read_bytes()
    read_end, write_end = os.pipe()

    def write() -> None:
        with os.fdopen(write_end, "wb") as pipe:
            for start in range(0, len(data), 1000):
                pipe.write(data[start : start + 1000])

    writer = threading.Thread(target=write)
    writer.start()
    with os.fdopen(read_end, "rb") as stream:
        assert not stream.seekable()
        results = list(read_feed(stream, Origin("pipe")))
    writer.join()
    assert len(results) == 33
    assert isinstance(results[-1], RawRecord)
    assert results[-1].title == "The Neediest Cases: In Debt, but Undaunted"


def test_nyt_reread_one_item_by_index(nyt: Path) -> None:
    with nyt.open("rb") as stream:
        every = list(read_feed(stream, Origin(str(nyt))))
    for index in (0, 19, 32):
        with nyt.open("rb") as stream:
            assert read_feed_item(stream, Origin(str(nyt)), index) == every[index]


def test_reread_beyond_the_last_item(nyt: Path) -> None:
    with nyt.open("rb") as stream:
        result = read_feed_item(stream, Origin(str(nyt)), 33)
    assert isinstance(result, Rejection)
    assert (result.reason, result.locator.record_index) == ("record_not_found", 33)
    assert "33 items" in result.message


def test_reread_beyond_a_cut(nyt: Path) -> None:
    data = nyt.read_bytes()
    cut = (_item_starts(data)[19] + _item_starts(data)[20]) // 2
    assert read_feed_item(io.BytesIO(data[:cut]), Origin("memory.xml"), 18) == _read(data[:cut])[18]
    result = read_feed_item(io.BytesIO(data[:cut]), Origin("cut.xml"), 25)
    assert isinstance(result, Rejection)
    assert (result.reason, result.locator.record_index) == ("truncated", 25)
    assert "reading stopped before item 25" in result.message


def test_reread_negative_index_is_an_error() -> None:
    with pytest.raises(ValueError):
        read_feed_item(io.BytesIO(b"<rss/>"), Origin("x.xml"), -1)


# --------------------------------------------------------------------------------------------------
# Atom, RSS 1.0 and other shapes, in memory

ATOM_FEED = """<?xml version="1.0" encoding="utf-8"?>
<?xml-stylesheet type="text/xsl" href="/feed.xsl"?>
<!-- generated by Hugo -->
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" xml:lang="en">
  <title type="text">Example Gazette — World</title>
  <subtitle>News from everywhere</subtitle>
  <link rel="self" type="application/atom+xml" href="https://gazette.example.org/world/feed.atom"/>
  <link rel="alternate" type="text/html" href="https://gazette.example.org/world/"/>
  <id>tag:gazette.example.org,2024:world</id>
  <updated>2024-03-05T12:00:00Z</updated>
  <author><name>Gazette Newsroom</name><email>news@gazette.example.org</email></author>
  <entry>
    <title type="html">Central bank holds rates at 5&amp;#37; &amp;mdash; &lt;em&gt;again&lt;/em&gt;</title>
    <link rel="self" href="https://gazette.example.org/api/entries/1041"/>
    <link rel="alternate" type="text/html"
          href="https://gazette.example.org/world/2024/03/05/rates-held?utm_source=atom&amp;utm_medium=feed"/>
    <id>tag:gazette.example.org,2024:1041</id>
    <published>2024-03-05T09:30:00+01:00</published>
    <updated>2024-03-05T11:02:00Z</updated>
    <author><name>Ana Lima</name><uri>https://gazette.example.org/people/ana-lima</uri></author>
    <author><name>Ben Okafor</name></author>
    <category term="economy" label="Economy"/>
    <category term="banks"/>
    <media:thumbnail url="https://gazette.example.org/img/1041.jpg" width="150" height="100"/>
    <summary type="text">The bank kept its main rate unchanged for a fifth month.</summary>
    <content type="html">&lt;p&gt;The central bank held rates on Tuesday&amp;nbsp;&amp;mdash; for the
      fifth month in a row.&lt;/p&gt;
      &lt;p&gt;&amp;ldquo;We are patient,&amp;rdquo; the governor said.&lt;br&gt;Markets barely
      moved.&lt;/p&gt;
      &lt;script&gt;trackView(1041)&lt;/script&gt;</content>
  </entry>
  <entry>
    <title>Floods &amp; fires: a week of extremes</title>
    <link href="https://gazette.example.org/world/2024/03/04/extremes"/>
    <id>tag:gazette.example.org,2024:1040</id>
    <updated>2024-03-04T18:00:00Z</updated>
    <content type="xhtml">
      <div xmlns="http://www.w3.org/1999/xhtml">
        <p>Rivers burst their banks in <strong>three</strong> countries.</p>
        <ul><li>Spain</li><li>Portugal</li></ul>
        <p>Meanwhile &#x2014; fires in the south.</p>
      </div>
    </content>
  </entry>
  <entry>
    <title>Podcast: the week in review</title>
    <link rel="enclosure" type="audio/mpeg" href="https://gazette.example.org/audio/1039.mp3"/>
    <id>tag:gazette.example.org,2024:1039</id>
    <updated>2024-03-03T08:00:00Z</updated>
    <content type="audio/mpeg" src="https://gazette.example.org/audio/1039.mp3"/>
    <summary>Listen: &lt;b&gt; is how HTML makes text bold.</summary>
  </entry>
</feed>
""".encode()


def test_atom_entries() -> None:
    first, second, third = _records(ATOM_FEED)
    assert first.title == "Central bank holds rates at 5% — again"
    assert first.url == (
        "https://gazette.example.org/world/2024/03/05/rates-held?utm_source=atom&utm_medium=feed"
    )
    assert first.date == "2024-03-05T09:30:00+01:00"  # published is preferred to updated
    assert first.authors == "Ana Lima, Ben Okafor"
    assert first.body == (
        "The central bank held rates on Tuesday\xa0— for the fifth month in a row.\n\n"
        "“We are patient,” the governor said.\nMarkets barely moved."
    )
    assert first.encoding == "utf-8"
    assert second.title == "Floods & fires: a week of extremes"
    assert second.url == "https://gazette.example.org/world/2024/03/04/extremes"  # a link without rel
    assert second.date == "2024-03-04T18:00:00Z"
    assert second.authors == "Gazette Newsroom"  # inherited from the feed
    assert second.body == (
        "Rivers burst their banks in three countries.\n\nSpain\n\nPortugal\n\nMeanwhile — fires in the south."
    )
    # Out-of-line content: the summary is the body, and its `&lt;b&gt;` is literal text.
    assert third.url == "https://gazette.example.org/audio/1039.mp3"
    assert third.body == "Listen: <b> is how HTML makes text bold."
    assert [record.locator.record_index for record in (first, second, third)] == [0, 1, 2]


def test_atom_headers() -> None:
    first, second, third = _records(ATOM_FEED)
    assert first.headers["channel_title"] == ["Example Gazette — World"]
    assert first.headers["title"] == ["Central bank holds rates at 5&#37; &mdash; <em>again</em>"]
    assert [json.loads(link)["rel"] for link in first.headers["link"]] == ["self", "alternate"]
    assert [json.loads(author) for author in first.headers["author"]] == [
        {"name": "Ana Lima", "uri": "https://gazette.example.org/people/ana-lima"},
        {"name": "Ben Okafor"},
    ]
    assert [json.loads(category) for category in first.headers["category"]] == [
        {"term": "economy", "label": "Economy"},
        {"term": "banks"},
    ]
    assert json.loads(first.headers["media:thumbnail"][0])["width"] == "150"
    assert first.headers["published"] == ["2024-03-05T09:30:00+01:00"]
    assert first.headers["content"][0].startswith("<p>The central bank held rates on Tuesday&nbsp;&mdash;")
    # XHTML content is kept as the markup it is.
    assert second.headers["content"][0].strip().startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
    assert "<strong>three</strong>" in second.headers["content"][0]
    assert json.loads(third.headers["content"][0]) == {
        "type": "audio/mpeg",
        "src": "https://gazette.example.org/audio/1039.mp3",
    }


RSS1_FEED = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
 <channel rdf:about="https://slash.example.org/">
  <title>Slash Caf\xe9</title>
  <link>https://slash.example.org/</link>
  <description>News for caf\xe9 people</description>
  <items><rdf:Seq>
   <rdf:li rdf:resource="https://slash.example.org/story/16/12/08/1"/>
   <rdf:li rdf:resource="https://slash.example.org/story/16/12/08/2"/>
  </rdf:Seq></items>
 </channel>
 <item rdf:about="https://slash.example.org/story/16/12/08/1">
  <title>Caf\xe9 owners embrace robots</title>
  <link>https://slash.example.org/story/16/12/08/1?utm_source=rss1.0</link>
  <description>Short &lt;i&gt;teaser&lt;/i&gt;.</description>
  <dc:creator>msmash</dc:creator>
  <dc:date>2016-12-08T16:00:00+00:00</dc:date>
  <content:encoded><![CDATA[<p>The full <b>story</b> about caf\xe9 robots.</p>]]></content:encoded>
 </item>
 <item rdf:about="https://slash.example.org/story/16/12/08/2">
  <title>No link here</title>
  <description>Only a description.</description>
 </item>
</rdf:RDF>
"""


def test_rss1_rdf_items() -> None:
    first, second = _records(RSS1_FEED)
    assert first.encoding == "iso8859-1"
    assert first.title == "Café owners embrace robots"
    assert first.url == "https://slash.example.org/story/16/12/08/1?utm_source=rss1.0"
    assert first.date == "2016-12-08T16:00:00+00:00"
    assert first.authors == "msmash"
    assert first.body == "The full story about café robots."  # content:encoded beats description
    assert first.headers["channel_title"] == ["Slash Café"]
    assert first.headers["@rdf:about"] == ["https://slash.example.org/story/16/12/08/1"]
    assert first.headers["description"] == ["Short <i>teaser</i>."]
    assert first.headers["content:encoded"] == ["<p>The full <b>story</b> about café robots.</p>"]
    assert second.url == "https://slash.example.org/story/16/12/08/2"  # from rdf:about
    assert second.body == "Only a description."
    assert (second.date, second.authors) == (None, None)


def _rss(items: str, prolog: str = "", namespaces: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}\n<rss version="2.0"{namespaces}>'
        f"<channel><title>Test</title>{items}</channel></rss>"
    ).encode()


def test_guid_is_the_url_only_when_it_is_a_permalink() -> None:
    permalink, opaque = _records(
        _rss(
            "<item><title>a</title><guid>https://example.org/a</guid></item>"
            '<item><title>b</title><guid isPermaLink="false">example.org:b</guid></item>'
        )
    )
    assert permalink.url == "https://example.org/a"
    assert opaque.url is None
    assert opaque.headers["guid"] == ["example.org:b"]


def test_rss_author_when_there_is_no_dc_creator() -> None:
    (record,) = _records(_rss("<item><author>jane@example.org (Jane Roe)</author></item>"))
    assert record.authors == "jane@example.org (Jane Roe)"


def test_several_dc_creators_are_joined() -> None:
    namespaces = ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
    (record,) = _records(
        _rss("<item><dc:creator>A</dc:creator><dc:creator> B </dc:creator></item>", "", namespaces)
    )
    assert record.authors == "A, B"
    assert record.headers["dc:creator"] == ["A", " B "]


def test_channel_title_only_when_it_comes_before_the_items() -> None:
    data = b'<rss version="2.0"><channel><item><title>early</title></item><title>Late</title>' + (
        b"<item><title>late</title></item></channel></rss>"
    )
    early, late = _records(data)
    assert "channel_title" not in early.headers
    assert late.headers["channel_title"] == ["Late"]


def test_structured_and_unescaped_html_children() -> None:
    namespaces = ' xmlns:media="http://search.yahoo.com/mrss/"'
    (record,) = _records(
        _rss(
            "<item><title>t</title>"
            '<media:group><media:content url="https://x/1.jpg"/><media:content url="https://x/2.jpg"/>'
            "<media:title>Two photos</media:title></media:group>"
            "<description><p>Raw <b>HTML</b> child elements.</p><p>Second.</p></description></item>",
            "",
            namespaces,
        )
    )
    assert json.loads(record.headers["media:group"][0]) == {
        "media:content": [{"url": "https://x/1.jpg"}, {"url": "https://x/2.jpg"}],
        "media:title": "Two photos",
    }
    assert record.headers["description"] == ["<p>Raw <b>HTML</b> child elements.</p><p>Second.</p>"]
    assert record.body == "Raw HTML child elements.\n\nSecond."


def test_utf16_feed() -> None:
    data = '<?xml version="1.0" encoding="UTF-16"?><rss><channel><item><title>Ça va</title></item></channel>'
    (record,) = _records((data + "</rss>").encode("utf-16"))
    assert record.title == "Ça va"
    assert record.encoding.startswith("utf-16")


def test_entities_are_never_expanded_and_nothing_is_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    doctype = (
        f'<!DOCTYPE rss [<!ENTITY secret SYSTEM "file://{secret}">'
        '<!ENTITY lol "lollollollollol"><!ENTITY lols "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    (record,) = _records(
        _rss("<item><title>&secret; &lols; x</title><description>&secret;</description></item>", doctype)
    )
    assert record.title == "&secret; &lols; x"
    assert record.headers["description"] == ["&secret;"]
    assert "SECRET" not in record.body


def test_entities_declared_in_the_internal_subset_may_name_html_characters() -> None:
    doctype = '<!DOCTYPE rss [<!ENTITY nbsp "&#160;"><!ENTITY eacute "&#233;">]>'
    (record,) = _records(_rss("<item><title>caf&eacute;&nbsp;au lait</title></item>", doctype))
    assert record.title == "café\xa0au lait"


def test_undefined_entity_is_malformed_with_its_position(nyt: Path) -> None:
    data = nyt.read_bytes()
    broken_at = data.index(b"<description>", _item_starts(data)[4]) + len(b"<description>")
    data = data[:broken_at] + b"Caf&eacute;&nbsp;" + data[broken_at:]
    results = _read(data)
    assert len(results) == 5
    rejection = results[-1]
    assert isinstance(rejection, Rejection)
    assert rejection.reason == "malformed_xml"
    line = data[:broken_at].count(b"\n") + 1
    assert rejection.message.startswith(f"Entity 'eacute' not defined, line {line}, column ")
    assert b"Caf&eacute;&nbsp;" in rejection.raw_excerpt


def test_undeclared_html_entity_with_an_external_dtd() -> None:
    prolog = (
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        '"http://my.netscape.com/publish/formats/rss-0.91.dtd">'
    )
    (record,) = _records(_rss("<item><title>Caf&eacute; &amp; bar</title></item>", prolog))
    assert record.title == "Café & bar"


def test_well_formed_xml_that_is_not_a_feed() -> None:
    opml = b'<?xml version="1.0"?><opml version="2.0"><body><outline text="NYT"/></body></opml>'
    (result,) = _read(opml)
    assert isinstance(result, Rejection)
    assert result.reason == "not_a_feed"
    assert "<opml>" in result.message
    assert result.raw_excerpt == opml


def test_atom_feed_element_outside_the_atom_namespace_is_not_a_feed() -> None:
    (result,) = _read(b"<feed><entry><title>x</title></entry></feed>")
    assert isinstance(result, Rejection)
    assert result.reason == "not_a_feed"


def test_only_items_of_the_feed_itself_count() -> None:
    namespaces = ' xmlns:x="https://example.org/x"'
    data = _rss(
        "<item><title>one</title><x:list><item>nested, not an item</item></x:list></item>"
        "<x:item>foreign</x:item><item><title>two</title></item>",
        "",
        namespaces,
    )
    assert [record.title for record in _records(data)] == ["one", "two"]


def test_memory_stays_bounded_on_a_long_feed() -> None:
    """100 MB of items streamed through; without releasing read items the tree alone would hold it all."""
    item = b"<item><title>t</title><description>" + b"word " * 10_000 + b"</description></item>"

    def chunks() -> Iterator[bytes]:
        yield b'<?xml version="1.0"?><rss version="2.0"><channel><title>Long</title>'
        for _ in range(2_000):
            yield item
        yield b"</channel></rss>"

    class Generated(io.RawIOBase):
        def __init__(self) -> None:
            self._chunks = chunks()
            self._pending = b""

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
            while not self._pending:
                self._pending = next(self._chunks, b"")
                if not self._pending:
                    return 0
            size = min(len(buffer), len(self._pending))
            buffer[:size], self._pending = self._pending[:size], self._pending[size:]
            return size

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    count = sum(1 for _ in read_feed(io.BufferedReader(Generated()), Origin("long.xml")))
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert count == 2_000
    assert grown_kib < 40 * 1024


# --------------------------------------------------------------------------------------------------
# HTML to text


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        pytest.param("Plain words.", "Plain words.", id="plain"),
        pytest.param("  padded  ", "padded", id="padded"),
        pytest.param("Q&amp;A &#8217;s", "Q&A ’s", id="escaped-entities-without-tags"),
        pytest.param("AT&T and R&D", "AT&T and R&D", id="bare-ampersands"),
        pytest.param("<p>One</p><p>Two</p>", "One\n\nTwo", id="paragraphs"),
        pytest.param("a<br>b<br/>c", "a\nb\nc", id="line-breaks"),
        pytest.param("<p>split\n   across\tlines</p>", "split across lines", id="html-whitespace"),
        pytest.param('<a href="x">link</a> &amp; <b>bold</b>', "link & bold", id="inline"),
        pytest.param("<p>x</p><script>alert(1)</script><style>p{}</style>", "x", id="script-and-style"),
        pytest.param("<p>unclosed <b>bold", "unclosed bold", id="unclosed-tags"),
        pytest.param("<div><p>", "", id="tags-only"),
        pytest.param("2 < 3 and 5 > 4", "2 < 3 and 5 > 4", id="comparison-signs"),
        pytest.param("<!-- c --><p>kept</p>", "kept", id="comment"),
        pytest.param(
            "<table><tr><td>1</td><td>2</td></tr><tr><th>3</th></tr></table>", "1 2\n\n3", id="table"
        ),
        pytest.param("<html><head><title>T</title></head><body><p>a</p></body></html>", "a", id="document"),
    ],
)
def test_html_to_text(markup: str, text: str) -> None:
    assert html_to_text(markup) == text


# --------------------------------------------------------------------------------------------------
# Format detection


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(b'<?xml version="1.0"?>\n<rss version="2.0">', id="rss2"),
        pytest.param(b'\xef\xbb\xbf<rss version="0.91">', id="utf8-bom"),
        pytest.param(ATOM_FEED[:400], id="atom-with-stylesheet-and-comment"),
        pytest.param(RSS1_FEED[:300], id="rss1"),
        pytest.param(b'<atom:feed xmlns:atom="http://www.w3.org/2005/Atom">', id="prefixed-atom"),
        pytest.param(
            b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
            b'"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss version="0.91">',
            id="rss091-doctype",
        ),
        pytest.param(b'<!DOCTYPE rss [<!ENTITY a "b">]><rss>', id="internal-subset"),
        pytest.param('<?xml version="1.0" encoding="UTF-16"?><rss>'.encode("utf-16"), id="utf16"),
    ],
)
def test_looks_like_feeds(head: bytes) -> None:
    assert looks_like(head)


def test_looks_like_the_real_feed(nyt: Path) -> None:
    assert looks_like(nyt.read_bytes()[:1024])


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(b"<feed><entry/></feed>", id="feed-without-atom-namespace"),
        pytest.param(b'<feed xmlns="http://purl.org/atom/ns#">', id="atom-0.3"),
        pytest.param(b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">', id="rdf-not-rss"),
        pytest.param(b"<rsshub>", id="longer-name"),
        pytest.param(b'<?xml version="1.0"?><opml version="2.0">', id="opml"),
        pytest.param(b"<!DOCTYPE html><html><body><rss>", id="html"),
        pytest.param(b"", id="empty"),
        pytest.param(b"rss feed", id="text"),
    ],
)
def test_looks_like_rejects(head: bytes) -> None:
    assert not looks_like(head)


def _corpus_heads(corpora: Path) -> dict[str, bytes]:
    def head(path: Path) -> bytes:
        with path.open("rb") as stream:
            return stream.read(4096)

    warc = corpora / "warc" / "commoncrawl-whirlwind" / "whirlwind.warc.gz"
    with gzip.open(warc, "rb") as stream:
        warc_text = stream.read(2_000_000)
    html_page = warc_text[warc_text.index(b"<!DOCTYPE html>") :]
    return {
        "reuters-sgml": head(corpora / "reuters21578" / "reut2-000.sgm"),
        "newsgroups": head(sorted((corpora / "20news_mini" / "mini_newsgroups" / "sci.med").iterdir())[0]),
        "bbc-text": head(
            corpora / "bbc_zitros" / "news" / "business" / "fiat-mulls-ferrari-market-listing.txt"
        ),
        "csv": head(corpora / "csv_financial_headlines" / "cnbc_headlines.csv"),
        "jsonl": head(next((corpora / "jsonl_huffpost").iterdir())),
        "mbox": head(corpora / "mbox_python_dev" / "2016-11.txt"),
        "warc-gzip": head(warc),
        "warc": warc_text[:4096],
        "wet": gzip.open(corpora / "warc" / "commoncrawl-whirlwind" / "whirlwind.warc.wet.gz").read(4096),
        "html-from-warc": html_page[:4096],
    }


def test_looks_like_is_false_on_every_other_corpus(corpora: Path) -> None:
    heads = _corpus_heads(corpora)
    assert all(heads.values())
    assert {name: looks_like(head) for name, head in heads.items()} == dict.fromkeys(heads, False)


# --------------------------------------------------------------------------------------------------
# Where a broken feed breaks, on long lines and past the error window


def test_every_cut_of_the_real_feed_is_truncated_after_the_complete_items(nyt: Path) -> None:
    data = nyt.read_bytes()
    declaration = data.index(b"?>") + 2  # a cut inside `<?xml version...` can look like a typo
    for cut in range(declaration, len(data) - len(b"</rss>\n"), 101):
        results = _read(data[:cut])
        *records, rejection = results
        assert isinstance(rejection, Rejection), cut
        assert (rejection.reason, rejection.locator.record_index) == ("truncated", len(records)), cut
        assert len(records) == data[:cut].count(b"</item>"), cut


@pytest.mark.parametrize("window", [40_000, 256 * 1024], ids=["window-shorter-than-the-line", "default"])
def test_one_line_feed_errors(nyt: Path, monkeypatch: pytest.MonkeyPatch, window: int) -> None:
    monkeypatch.setattr("transforms.readers.feed.ERROR_WINDOW_BYTES", window)
    data = nyt.read_bytes().replace(b"\n", b"")
    starts = _item_starts(data)
    cut = (starts[19] + starts[20]) // 2
    *records, rejection = _read(data[:cut])
    assert len(records) == 19
    assert isinstance(rejection, Rejection)
    assert rejection.reason == "truncated"
    assert data[:cut].endswith(rejection.raw_excerpt)

    broken_at = data.index(b"<description>", starts[25]) + len(b"<description>")
    broken = data[:broken_at] + b"Q&A <with> a bare ampersand " + data[broken_at:]
    *records, rejection = _read(broken)
    assert len(records) == 25
    assert isinstance(rejection, Rejection)
    assert rejection.reason == "malformed_xml"
    assert "line 1, column" in rejection.message
    assert b"Q&A <with>" in rejection.raw_excerpt


@pytest.mark.parametrize(
    ("window", "excerpt_has"),
    [
        pytest.param(40_000, b"<description></oops>", id="error-in-the-window"),
        pytest.param(1024, b'<?xml version="1.0"?>', id="window-moved-past-the-error-first-bytes-instead"),
    ],
)
def test_error_after_the_window_moved(
    nyt: Path, monkeypatch: pytest.MonkeyPatch, window: int, excerpt_has: bytes
) -> None:
    monkeypatch.setattr("transforms.readers.feed.ERROR_WINDOW_BYTES", window)
    data = nyt.read_bytes()
    broken_at = data.index(b"<description>", _item_starts(data)[30]) + len(b"<description>")
    *records, rejection = _read(data[:broken_at] + b"</oops>" + data[broken_at:])
    assert len(records) == 30
    assert isinstance(rejection, Rejection)
    assert rejection.reason == "malformed_xml"
    line = data[:broken_at].count(b"\n") + 1
    assert f"line {line}, column" in rejection.message
    assert excerpt_has in rejection.raw_excerpt


def test_hostile_nesting_is_refused_not_crashed() -> None:
    deep = "<b>" * 300 + "x" + "</b>" * 300
    *records, rejection = _read(
        _rss(f"<item><title>ok</title></item><item><description>{deep}</description></item>")
    )
    assert [record.title for record in records] == ["ok"]  # type: ignore[union-attr]
    assert isinstance(rejection, Rejection)
    assert rejection.reason == "malformed_xml"
    assert "Excessive depth" in rejection.message
    assert html_to_text("<div>" * 5000 + "x") == ""  # lxml.html drops what is nested beyond 255 levels
