import gzip
import io
import logging
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from lxml import html as lxml_html
from warcio.archiveiterator import ArchiveIterator

from tests.transforms.readers.test_warc import http_response, warc_record
from transforms import html
from transforms.html import (
    CUT_HTML_DEPTH,
    CUT_HTML_ELEMENTS,
    CUT_HTML_SIZE,
    CUT_TIME_LIMIT,
    EXTRACTION_MAIN,
    EXTRACTION_TRAFILATURA,
    EXTRACTION_VISIBLE_TEXT,
    MAX_DEPTH,
    MAX_ELEMENTS,
    MAX_HTML_CHARS,
    ExtractedPage,
    charset_codec,
    decode_html,
    extract_html,
    markup_visible_text,
    sniff_charset,
    visible_text,
)
from transforms.readers.warc import read_warc
from transforms.records import Origin, RawRecord

ARTICLE = b"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<title>Rain expected in Leeds | Northern Post</title>
<meta property="og:site_name" content="Northern Post">
<meta name="author" content="Jane Smith">
<meta property="article:published_time" content="2021-03-04T10:00:00Z">
<link rel="canonical" href="https://news.example.org/leeds-rain">
</head><body>
<nav><a href="/">Home</a> <a href="/sport">Sport</a> <a href="/weather">Weather</a></nav>
<article><h1>Rain expected in Leeds</h1>
<p>Forecasters say heavy rain will reach Leeds on Thursday morning, with up to forty millimetres
expected in some places before the evening.</p>
<p>The council has opened two emergency shelters and asked residents near the river to move
valuables upstairs as a precaution.</p>
<p>Train services between Leeds and York may be delayed, the operator said, and passengers should
check before they travel.</p>
</article>
<footer>Copyright 2019 Northern Post. All rights reserved.</footer>
</body></html>"""


# --- decoding ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "declared", "text", "encoding"),
    [
        pytest.param(b"plain", None, "plain", "utf-8", id="ascii"),
        pytest.param("Grüße".encode(), None, "Grüße", "utf-8", id="utf8-undeclared"),
        pytest.param("Grüße".encode("cp1252"), None, "Grüße", "utf-8+cp1252", id="latin1-undeclared"),
        pytest.param("中文 囍".encode("gbk"), "gb2312", "中文 囍", "gb18030", id="gb2312-is-read-as-gb18030"),
        pytest.param("中文".encode("gbk"), "GBK", "中文", "gb18030", id="gbk-label-case"),
        pytest.param("Привет".encode("cp1251"), "windows-1251", "Привет", "cp1251", id="windows-1251"),
        pytest.param(b"it\x92s \x93so\x94", "iso-8859-1", "it’s “so”", "cp1252", id="latin1-is-cp1252"),
        pytest.param(b"x\x81y", "iso-8859-1", "x\x81y", "cp1252", id="cp1252-undefined-byte"),
        pytest.param("Grüße".encode(), "iso-8859-1", "Grüße", "utf-8", id="valid-utf8-beats-the-label"),
        pytest.param("中文".encode(), "gb2312", "中文", "utf-8", id="valid-utf8-beats-gb2312"),
        pytest.param("Grüße".encode("cp1252"), "utf-8", "Grüße", "utf-8+cp1252", id="declared-utf8-fallback"),
        pytest.param("Grüße".encode("cp1252"), "", "Grüße", "utf-8+cp1252", id="empty-label"),
        pytest.param("Grüße".encode("cp1252"), "base64", "Grüße", "utf-8+cp1252", id="non-text-codec"),
        pytest.param("Grüße".encode("cp1252"), "no-such", "Grüße", "utf-8+cp1252", id="unknown-label"),
        pytest.param(
            "中".encode("gbk") + b"\xff" + "文".encode("gbk"),
            "gb2312",
            "中ÿ文",
            "gb18030+cp1252",
            id="bad-bytes-for-codec",
        ),
        pytest.param(b"\xef\xbb\xbfbom", "cp1251", "bom", "utf-8", id="utf8-bom-wins"),
        pytest.param(b"\xff\xfeh\x00i\x00", None, "hi", "utf-16-le", id="utf16-bom"),
        pytest.param("日本語".encode("iso2022_jp"), "iso-2022-jp", "日本語", "iso2022_jp", id="iso-2022-jp"),
        pytest.param("had \ufffd".encode(), None, "had \ufffd", "utf-8", id="source-replacement-char-kept"),
    ],
)
def test_decode_html(data: bytes, declared: str | None, text: str, encoding: str) -> None:
    assert decode_html(data, declared) == (text, encoding)


@pytest.mark.parametrize(
    ("head", "label"),
    [
        pytest.param(b'<meta charset="gbk">', "gbk", id="meta-charset"),
        pytest.param(b"<META CHARSET=Windows-1251 />", "Windows-1251", id="unquoted-upper"),
        pytest.param(
            b'<meta http-equiv="Content-Type" content="text/html;charset=iso-8859-1">',
            "iso-8859-1",
            id="http-equiv",
        ),
        pytest.param(b'<?xml version="1.0" encoding="Shift_JIS"?><html>', "Shift_JIS", id="xml-declaration"),
        pytest.param(b'<script src="x.js" charset="utf-8"></script>', None, id="script-charset-ignored"),
        pytest.param(b"<html><body>no label</body></html>", None, id="none"),
    ],
)
def test_sniff_charset(head: bytes, label: str | None) -> None:
    assert sniff_charset(head) == label


@pytest.mark.parametrize(
    ("label", "from_meta", "codec"),
    [
        ("gb2312", False, "gb18030"),
        ("x-gbk", False, "gb18030"),
        ("US-ASCII", False, "cp1252"),
        ("latin1", False, "cp1252"),
        ("iso-8859-9", False, "cp1254"),
        ("big5", False, "big5hkscs"),
        ("shift_jis", False, "cp932"),
        ("euc-kr", False, "cp949"),
        ("koi8-r", False, "koi8-r"),
        ('"utf-8"', False, "utf-8"),
        ("utf-16le", False, "utf-16-le"),
        ("utf-16le", True, "utf-8"),
        ("rot13", False, None),
        ("unicode-escape", False, None),
        ("", False, None),
        (None, False, None),
    ],
)
def test_charset_codec(label: str | None, from_meta: bool, codec: str | None) -> None:
    assert charset_codec(label, from_meta=from_meta) == codec


def test_the_meta_label_is_used_when_the_header_has_none() -> None:
    page = b'<html><head><meta charset="gbk"></head><body>' + "中文".encode("gbk") + b"</body></html>"
    assert decode_html(page) == (page.decode("gb18030"), "gb18030")
    assert decode_html(page, sniff=False)[1] == "utf-8+cp1252"


def test_the_header_label_wins_over_the_meta_label() -> None:
    page = b'<meta charset="gbk">' + "Привет".encode("cp1251")
    assert decode_html(page, "windows-1251") == ('<meta charset="gbk">Привет', "cp1251")


def test_a_meta_label_naming_utf16_means_utf8() -> None:
    page = '<meta charset="utf-16"><p>Grüße</p>'.encode()
    assert decode_html(page) == (page.decode(), "utf-8")


# --- visible text -------------------------------------------------------------------------------------


def test_visible_text_keeps_blocks_as_paragraphs_and_drops_what_is_not_shown() -> None:
    tree = lxml_html.document_fromstring(
        "<html><head><title>T</title><script>x = 1</script></head><body>"
        "<p>one<!-- hidden -->two <b>bold</b> tail</p>"
        "<div>Second<br>line <script>bad()</script>after<style>p {}</style></div>"
        "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>"
        "<noscript>enable js</noscript>end</body></html>"
    )
    assert visible_text(tree) == "onetwo bold tail\n\nSecond\n\nline after\n\na b\n\nc d\n\nend"


def test_visible_text_of_the_markup_is_that_of_the_tree() -> None:
    markup = ARTICLE.decode()
    assert markup_visible_text(markup) == visible_text(lxml_html.document_fromstring(markup))
    assert markup_visible_text("<p>a</script>b</p></div>c<script>x") == "ab\n\nc"


# --- extraction ---------------------------------------------------------------------------------------


def test_an_article_gives_its_main_text_and_metadata() -> None:
    page = extract_html(ARTICLE, "https://news.example.org/leeds-rain?ref=rss", None)
    assert page is not None
    assert page.text == (
        "Rain expected in Leeds\n\n"
        "Forecasters say heavy rain will reach Leeds on Thursday morning, with up to forty millimetres "
        "expected in some places before the evening.\n\n"
        "The council has opened two emergency shelters and asked residents near the river to move "
        "valuables upstairs as a precaution.\n\n"
        "Train services between Leeds and York may be delayed, the operator said, and passengers should "
        "check before they travel."
    )
    assert page.extraction == EXTRACTION_MAIN
    assert page.encoding == "utf-8"
    assert page.title == "Rain expected in Leeds"
    assert page.author == "Jane Smith"
    assert page.date == "2021-03-04"
    assert page.url == "https://news.example.org/leeds-rain"
    assert page.sitename == "Northern Post"
    assert page.language == "en-GB"


PARAGRAPH = (
    "The committee met on Tuesday to discuss the new timetable for the regional bus network, which "
    "will change in the spring after a long consultation with passengers and the two operators. Most "
    "routes will run every ten minutes during the day, and every half hour in the evening."
)


def _in_an_article(content: str) -> bytes:
    return (
        "<html><head><title>Buses</title></head><body><ul><li><a href='/'>Start</a></li></ul><header><nav>"
        "<ul><li><a href='/'>Home</a></li><li><a href='/news'>News</a></li></ul></nav></header>"
        "<div class='page'><div class='main'>"
        f"<article><p>{PARAGRAPH}</p>{content}</article></div></div>"
        "<footer><p>Contact the paper</p></footer></body></html>"
    ).encode()


def test_a_lone_dash_or_cjk_character_between_tags_is_kept() -> None:
    page = extract_html(
        _in_an_article(
            "<p>Routes <a href='/r/1'>1</a>–<a href='/r/9'>9</a> change, see <b>表</b> and "
            "<i>&euro;</i> fares.\ufeff</p>"
        ),
        None,
        None,
    )
    assert page is not None and page.extraction == EXTRACTION_MAIN
    assert page.text == f"{PARAGRAPH}\n\nRoutes 1–9 change, see 表 and € fares."


def test_a_bullet_list_of_links_in_an_article_is_kept_and_the_menus_dropped() -> None:
    page = extract_html(
        _in_an_article(
            "<ul><li>Line <a href='/l/4'>4</a> goes to <a href='/p/airport'>the airport</a></li>"
            "<li>Line <a href='/l/7'>7</a> ends at <a href='/p/station'>the station</a></li></ul>"
        ),
        None,
        None,
    )
    assert page is not None and page.extraction == EXTRACTION_MAIN
    assert page.text == f"{PARAGRAPH}\n\nLine 4 goes to the airport\n\nLine 7 ends at the station"


def test_a_page_where_resiliparse_finds_little_gets_trafilaturas_text() -> None:
    page = extract_html(
        b"<html><body><div><div><table><tr><td><span>Opening hours</span></td></tr><tr><td>"
        b"Monday to Friday, nine to five</td></tr></table></div></div></body></html>",
        None,
        None,
    )
    assert page is not None and page.extraction == EXTRACTION_TRAFILATURA
    assert page.text == "| Opening hours |\n\n| Monday to Friday, nine to five |"


def test_an_author_in_a_byline_is_found() -> None:
    page = extract_html(_in_an_article("<p class='byline'>By Anna Berg</p>"), None, None)
    assert page is not None and page.author == "Anna Berg"
    page = extract_html(_in_an_article("<p>By Anna Berg</p>"), None, None)
    assert page is not None and page.author is None


def test_no_date_is_guessed_from_free_text() -> None:
    page = extract_html(
        b"<html><head><title>Shop</title></head><body><div><p>Buy our lovely handmade wooden chairs "
        b"and tables, made in Yorkshire from local oak.</p></div><footer>&copy; 2019 Chair Shop</footer>"
        b"</body></html>",
        "http://chairs.example/",
        None,
    )
    assert page is not None
    assert page.date is None  # htmldate's extensive search would say 2019-01-01


def test_a_date_in_the_url_is_the_pages_own() -> None:
    page = extract_html(
        b"<html><body><article><p>A report with no date in its markup, long enough to be kept as the "
        b"main text of the page.</p></article></body></html>",
        "http://x.example/2020/02/07/report.html",
        None,
    )
    assert page is not None
    assert page.date == "2020-02-07"


def test_a_page_without_main_text_keeps_its_visible_text() -> None:
    page = extract_html(
        b"<html><body><footer><p>Contact us at the town hall, Market Street.</p>"
        b"<p>Open on weekdays.</p></footer></body></html>",
        None,
        None,
    )
    assert page is not None
    assert page.extraction == EXTRACTION_VISIBLE_TEXT
    assert page.text == "Contact us at the town hall, Market Street.\n\nOpen on weekdays."


def test_a_fragment_and_plain_words_are_text_too() -> None:
    fragment = extract_html("<p>fragment only</p>", None, None)
    words = extract_html(b"just plain words", None, None)
    assert fragment is not None and fragment.text == "fragment only" and fragment.encoding is None
    assert words is not None and words.text == "just plain words"


def test_a_page_whose_only_text_is_its_title_keeps_the_title() -> None:
    page = extract_html(b"<html><head><title>Only a title</title></head><body></body></html>", None, None)
    assert page is not None
    assert (page.text, page.title) == ("", "Only a title")


@pytest.mark.parametrize(
    "html",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"  \r\n ", id="whitespace"),
        pytest.param(b"<html><body></body></html>", id="empty-body"),
        pytest.param(
            b"<html><body><script>var a = 1;</script><style>p {}</style></body></html>", id="scripts"
        ),
        pytest.param(b"<html><body><!-- nothing --><img src='a.png'></body></html>", id="image-only"),
    ],
)
def test_a_page_with_no_text_at_all_is_none(html: bytes) -> None:
    assert extract_html(html, "http://x.example/", None) is None


def test_tables_keep_their_cells_and_drop_rule_lines() -> None:
    page = extract_html(
        b"<html><body><table><tr><th>Name</th><th>Value</th></tr><tr><td>Alpha</td><td>1</td></tr>"
        b"<tr><td></td><td></td></tr></table></body></html>",
        None,
        None,
    )
    assert page is not None
    assert page.text == "| Name | Value |\n\n| Alpha | 1 |"


def test_a_declared_language_that_is_no_language_tag_is_ignored() -> None:
    page = extract_html(
        b'<html><head><meta http-equiv="Content-Language" content="UTF-8"></head>'
        b"<body><p>Some words of text.</p></body></html>",
        None,
        None,
    )
    assert page is not None and page.language is None
    page = extract_html(
        b'<html><head><meta http-equiv="Content-Language" content="de-ch, en"></head>'
        b"<body><p>Einige Worte.</p></body></html>",
        None,
        None,
    )
    assert page is not None and page.language == "de-ch"


def test_a_charset_from_the_header_decodes_the_page() -> None:
    page = extract_html(
        "<html><head><title>О компании</title></head><body><p>Стратегия пожарной безопасности</p>"
        "</body></html>".encode("cp1251"),
        None,
        "windows-1251",
    )
    assert page is not None
    assert (page.title, page.text, page.encoding) == (
        "О компании",
        "Стратегия пожарной безопасности",
        "cp1251",
    )


def test_trafilatura_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        extract_html(b"<html><body></body></html>", "http://x.example/", None)
        extract_html(b"<p>x</p>", None, None)
        extract_html(ARTICLE, None, None)
    noisy = ("trafilatura", "htmldate", "courlan", "justext", "readability")
    assert [record.name for record in caplog.records if record.name.startswith(noisy)] == []


# --- limits -------------------------------------------------------------------------------------------

# Generous: each page below takes well under a second; these catch a stall, not a slowdown.
SECONDS = 10.0
HEAD = "<html><head><title>A pathological page</title></head><body>"


def _timed(page: str | bytes) -> tuple[ExtractedPage | None, float]:
    start = time.perf_counter()
    extracted = extract_html(page, "http://x.example/", None)
    return extracted, time.perf_counter() - start


def test_an_ordinary_page_reaches_no_limit() -> None:
    page = extract_html(ARTICLE, None, None)
    assert page is not None
    assert (page.cut, page.html_chars, page.extraction) == ((), len(ARTICLE.decode()), EXTRACTION_MAIN)


def test_a_20_mb_page_keeps_the_paragraphs_before_the_size_limit() -> None:
    paragraph = "<p>Paragraph {}: " + PARAGRAPH + "</p>\n"
    markup = (
        HEAD + "<article>" + "".join(paragraph.format(n) for n in range(70_000)) + "</article></body></html>"
    )
    assert len(markup) > 20_000_000
    page, seconds = _timed(markup.encode())
    assert seconds < SECONDS
    assert page is not None
    assert (page.cut, page.html_chars, page.extraction) == ((CUT_HTML_SIZE,), len(markup), EXTRACTION_MAIN)
    assert page.title == "A pathological page"
    paragraphs = page.text.split("\n\n")
    # Whole paragraphs from the first, in order, up to the limit (the last may end just past it).
    assert paragraphs == [f"Paragraph {n}: {PARAGRAPH}" for n in range(len(paragraphs))]
    assert len(paragraphs) - markup[:MAX_HTML_CHARS].count("</p>") in (0, 1)


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        pytest.param(
            HEAD
            + "<p>Before the depths.</p>"
            + "<div>" * 100_000
            + "Down deep."
            + "</div>" * 100_000
            + "<p>After the depths.</p></body></html>",
            "Before the depths.\n\nDown deep.\n\nAfter the depths.",
            id="in-a-page",
        ),
        pytest.param(
            "<span>" * 100_000 + "Only <b>deep</b> words." + "<p>And then a paragraph.</p>",
            "Only deep words.\n\nAnd then a paragraph.",
            id="a-bare-fragment",
        ),
    ],
)
def test_a_page_nested_100000_levels_deep_keeps_all_its_text(markup: str, text: str) -> None:
    page, seconds = _timed(markup)
    assert seconds < SECONDS
    assert page is not None
    assert (page.text, page.extraction, page.cut) == (text, EXTRACTION_VISIBLE_TEXT, (CUT_HTML_DEPTH,))
    assert page.title == ("A pathological page" if markup.startswith(HEAD) else None)


def test_a_page_nested_100000_levels_deep_with_no_text_has_none() -> None:
    page, seconds = _timed("<div>" * 100_000 + "</div>" * 100_000)
    assert seconds < SECONDS
    assert page is None  # the reader's record is then rejected as `empty_text`


def test_a_page_just_under_the_depth_limit_is_extracted_as_usual() -> None:
    levels = MAX_DEPTH - 4  # <html>, <body> and the <p> are levels too: the <p> is one above the limit
    markup = "<html><body>" + "<div>" * levels + f"<p>{PARAGRAPH}</p>" + "</div>" * levels + "</body></html>"
    page = extract_html(markup, None, None)
    assert page is not None
    assert (page.text, page.extraction, page.cut) == (PARAGRAPH, EXTRACTION_MAIN, ())
    deeper = extract_html(markup.replace("<p>", "<div><p>"), None, None)
    assert deeper is not None
    assert (deeper.text, deeper.cut) == (PARAGRAPH, (CUT_HTML_DEPTH,))


def test_a_page_of_a_million_empty_elements_keeps_its_text_before_the_size_limit() -> None:
    markup = HEAD + f"<p>{PARAGRAPH}</p>" + "<span></span>" * 1_000_000 + "<p>The end.</p></body></html>"
    page, seconds = _timed(markup.encode())
    assert seconds < SECONDS
    assert page is not None
    assert (page.text, page.extraction) == (PARAGRAPH, EXTRACTION_VISIBLE_TEXT)
    assert (page.cut, page.html_chars) == ((CUT_HTML_SIZE, CUT_HTML_ELEMENTS), len(markup))


def test_a_page_of_too_many_elements_within_the_size_limit_keeps_all_its_text() -> None:
    markup = HEAD + f"<p>{PARAGRAPH}</p>" + "<br>" * (MAX_ELEMENTS + 1) + "<p>The end.</p></body></html>"
    assert len(markup) < MAX_HTML_CHARS
    page, seconds = _timed(markup)
    assert seconds < SECONDS
    assert page is not None
    assert (page.text, page.cut) == (f"{PARAGRAPH}\n\nThe end.", (CUT_HTML_ELEMENTS,))


def _stuck(*_: object) -> tuple[str, str]:
    """An extractor that would take a minute, in Python (as trafilatura's code is)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pass
    return "", EXTRACTION_MAIN


ARTICLE_VISIBLE_TEXT = visible_text(lxml_html.document_fromstring(ARTICLE))


def test_an_extraction_past_the_time_limit_keeps_the_visible_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html, "EXTRACTION_SECONDS", 0.2)
    monkeypatch.setattr(html, "main_text", _stuck)
    handler = signal.getsignal(signal.SIGALRM)
    page, seconds = _timed(ARTICLE)
    assert seconds < 5
    assert page is not None
    assert (page.text, page.extraction, page.cut) == (
        ARTICLE_VISIBLE_TEXT,
        EXTRACTION_VISIBLE_TEXT,
        (CUT_TIME_LIMIT,),
    )
    assert signal.getsignal(signal.SIGALRM) == handler
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_page_past_the_recursion_limit_keeps_the_visible_text(monkeypatch: pytest.MonkeyPatch) -> None:
    def too_deep(*_: object) -> tuple[str, str]:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(html, "main_text", too_deep)
    page = extract_html(ARTICLE, None, None)
    assert page is not None
    assert (page.text, page.cut) == (ARTICLE_VISIBLE_TEXT, (CUT_HTML_DEPTH,))


def _in_a_thread(call: Callable[[], ExtractedPage | None]) -> ExtractedPage | None:
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(call).result()


def test_outside_the_main_thread_there_is_no_timer_and_pages_extract_as_usual() -> None:
    page = _in_a_thread(lambda: extract_html(ARTICLE, None, None))
    assert page == extract_html(ARTICLE, None, None)
    deep = _in_a_thread(lambda: extract_html("<div>" * 100_000 + "Down deep.", None, None))
    assert deep is not None and (deep.text, deep.cut) == ("Down deep.", (CUT_HTML_DEPTH,))


def test_the_warc_reader_records_what_was_cut() -> None:
    deep = HEAD + "<div>" * 10_000 + f"<p>{PARAGRAPH}</p>" + "</div>" * 10_000 + "</body></html>"
    data = b"".join(
        warc_record("response", http_response(page), uri=f"http://x.example/{n}")
        for n, page in enumerate([ARTICLE, deep.encode()])
    )
    ordinary, cut = list(read_warc(io.BytesIO(data), Origin("memory.warc")))
    assert isinstance(ordinary, RawRecord) and isinstance(cut, RawRecord)
    assert "extraction_cut" not in ordinary.headers and "html_chars" not in ordinary.headers
    assert cut.body == PARAGRAPH
    assert cut.headers["extraction"] == [EXTRACTION_VISIBLE_TEXT]
    assert cut.headers["extraction_cut"] == [CUT_HTML_DEPTH]
    assert cut.headers["html_chars"] == [str(len(deep))]


# --- real pages -----------------------------------------------------------------------------------------

# The 16 responses of chatnoir-resiliparse's warcfile.warc.gz: URL, HTTP charset, decoding expected.
RESILIPARSE_PAGES = [
    ("http://003338.cn/l41/481397.html", None, "utf-8"),
    ("http://01spb.ru/company/", "windows-1251", "cp1251"),
    ("http://035.psb556.com/24/i/u_1090813/article.html", "utf-8", "utf-8"),
    ("http://037426.cn/", "gb2312", "gb18030"),
    ("http://041696.com/15477/list_6_4.html", None, "gb18030"),  # <meta> gbk
    ("http://044545.com/topic/20200207/015849.html", None, "utf-8"),
    ("http://0513mt.com/index.php/art/detail/id/8884.html", "utf-8", "utf-8"),
    ("http://05925.net/index.php/vod/type/id/53.html", "utf-8", "utf-8"),
    ("http://06.live-radsport.ch/fahrerstatistik_801/Anthony_Ravard.html", None, "cp1252"),  # iso-8859-1
    ("http://06.live-radsport.ch/tippspiel/stats_140_petzi.html", None, "cp1252"),
    ("http://0615235.com/02mjqjo%7Bibotij2.btq?odmbtt=106&tdmbtt=121", "UTF-8", "utf-8"),
    ("http://0755krk.com/76104/list_4_1.html", None, "gb18030"),
    ("http://0760.jxtdw.com/area/sanxiang/", "gb2312", "gb18030"),
    ("http://077678u.info/erxiaoshujinguang/list_6_2.html", None, "gb18030"),
    ("http://0900-hovenier.nl/gelderland/oosterbeek/", "UTF-8", "utf-8"),
    ("http://096355.com/video/11073.html?11073-0-2", None, "gb18030"),
]


def _responses(path: Path) -> list[tuple[str, str, bytes]]:
    """(target URI, HTTP Content-Type, de-chunked and decoded payload) of each response, by warcio alone."""
    with gzip.open(path) if path.suffix == ".gz" else path.open("rb") as stream:
        return [
            (
                record.rec_headers.get_header("WARC-Target-URI"),
                record.http_headers.get_header("Content-Type") or "",
                record.content_stream().read(),
            )
            for record in ArchiveIterator(stream)
            if record.rec_type == "response"
        ]


def test_real_pages_decode_by_their_declared_charsets_and_all_have_text(corpora: Path) -> None:
    responses = _responses(corpora / "warc/chatnoir-resiliparse/tests/data/warcfile.warc.gz")
    assert [uri for uri, _, _ in responses] == [uri for uri, _, _ in RESILIPARSE_PAGES]
    for (uri, content_type, payload), (_, charset, encoding) in zip(
        responses, RESILIPARSE_PAGES, strict=True
    ):
        declared = content_type.partition("charset=")[2] or None
        assert declared == charset, uri
        page = extract_html(payload, uri, declared)
        assert page is not None, uri
        assert page.encoding == encoding, uri
        assert page.text, uri
        assert "\ufffd" not in page.text + (page.title or ""), uri
        assert "\n\n" in page.text, uri


def test_real_page_in_windows_1251(corpora: Path) -> None:
    uri, _, payload = _responses(corpora / "warc/chatnoir-resiliparse/tests/data/warcfile.warc.gz")[1]
    page = extract_html(payload, uri, "windows-1251")
    assert page is not None
    assert page.title == "О компании - Стратегия пожарной безопасности"
    assert "Стратегия пожарной безопасности" in page.text


def test_real_wikipedia_page(corpora: Path) -> None:
    [(uri, _, payload)] = _responses(corpora / "warc/commoncrawl-whirlwind/whirlwind.warc.gz")
    page = extract_html(payload, uri, "UTF-8")
    assert page is not None
    assert page.title == "Escopete - Biquipedia, a enciclopedia libre"
    assert page.extraction == EXTRACTION_MAIN
    assert "Escopete ye un municipio d'a provincia de Guadalachara" in page.text
    assert "1979–1983" in page.text  # a lone dash between two links
    assert "Ilesia parroquial de l'Asunción" in page.text  # a bullet point whose words are links
    assert page.date == "2008-07-04"  # the JSON-LD datePublished, not the crawl date (2024-05-18)
    assert page.language == "an"
    assert page.sitename == "Wikimedia Foundation, Inc."
    assert "|---" not in page.text
    assert "mover a la barra lateral" not in page.text  # the navigation that the WET text keeps
