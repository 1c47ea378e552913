import functools
import mailbox
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CORPORA
from transforms.mail import MailBody, split_mail_body

NEWS = CORPORA / "20news_mini" / "mini_newsgroups"
MBOX = CORPORA / "mbox_python_dev"
FOOTER = (
    "_______________________________________________\n"
    "Python-Dev mailing list\n"
    "Python-Dev at python.org\n"
    "https://mail.python.org/mailman/listinfo/python-dev\n"
    "Unsubscribe: https://mail.python.org/mailman/options/python-dev/joe%40example.org"
)
UUENCODED = "begin 644 pic.bmp\n" + "M>" + "!" * 59 + "\n" + "M" + "-" * 60 + "\n`\nend"
ONE_MB = 1_000_000
DELIMITER = re.compile(r"--[ \t]*")
RULE = re.compile(r"[ \t]*[+|*]?[-=_*~]{3,}[+|*]?[ \t]*|==")

Corpus = Callable[[], dict[str, tuple[str, MailBody]]]


def unchanged(body: str) -> MailBody:
    return MailBody(body=body, quoted=None, signature=None)


CASES = [
    pytest.param("", unchanged(""), id="empty"),
    pytest.param("Hello.\n\nSee you.", unchanged("Hello.\n\nSee you."), id="clean"),
    pytest.param("> one\n> two\n", unchanged("> one\n> two\n"), id="only-quotes"),
    pytest.param(
        "Joe wrote:\n> one\n\n> two",
        unchanged("Joe wrote:\n> one\n\n> two"),
        id="only-quotes-and-attribution",
    ),
    pytest.param("-- \nJoe Bloggs", unchanged("-- \nJoe Bloggs"), id="only-a-signature"),
    pytest.param("> quoted\n-- \nJoe", unchanged("> quoted\n-- \nJoe"), id="only-quote-and-signature"),
    pytest.param(
        "Joe wrote:\n> Is it done?\n\nYes.",
        MailBody("Yes.", "Joe wrote:\n> Is it done?", None),
        id="reply-under-quote",
    ),
    pytest.param(
        "In article <1993Apr5@cs.cmu.edu>, joe@cs.cmu.edu (Joe) writes:\n>Is it done?\n\nYes.",
        MailBody(
            "Yes.", "In article <1993Apr5@cs.cmu.edu>, joe@cs.cmu.edu (Joe) writes:\n>Is it done?", None
        ),
        id="usenet-attribution",
    ),
    pytest.param(
        "In article <1993Apr5@cs.cmu.edu>, joe@cs.cmu.edu (Joe\nBloggs) writes:\n> Is it done?\nYes.",
        MailBody(
            "Yes.",
            "In article <1993Apr5@cs.cmu.edu>, joe@cs.cmu.edu (Joe\nBloggs) writes:\n> Is it done?",
            None,
        ),
        id="attribution-wrapped-over-two-lines",
    ),
    pytest.param(
        "On Mon, 1 Nov 2016, Joe Bloggs wrote:\n\n\n> Is it done?\n\nYes.",
        MailBody("Yes.", "On Mon, 1 Nov 2016, Joe Bloggs wrote:\n> Is it done?", None),
        id="attribution-blank-lines-before-quote",
    ),
    pytest.param(
        "Quoting Joe:\n> Is it done?\nYes.",
        MailBody("Yes.", "Quoting Joe:\n> Is it done?", None),
        id="quoting-attribution",
    ),
    pytest.param(
        "Joe wrote:\n\nNothing quoted here.",
        unchanged("Joe wrote:\n\nNothing quoted here."),
        id="attribution-alone",
    ),
    pytest.param(
        "First.\n\n> quoted\n\n\n> more\n\nSecond.",
        MailBody("First.\n\nSecond.", "> quoted\n> more", None),
        id="blank-lines-around-quote-collapse",
    ),
    pytest.param(
        "First point.\n> quoted\nSecond point.",
        MailBody("First point.\n\nSecond point.", "> quoted", None),
        id="quote-between-lines-leaves-paragraph-break",
    ),
    pytest.param(
        "  >  indented quote\nReply.", MailBody("Reply.", "  >  indented quote", None), id="indented-quote"
    ),
    pytest.param(
        "Joe writes:\n|> nested\n|plain\n\nReply.",
        MailBody("Reply.", "Joe writes:\n|> nested\n|plain", None),
        id="bar-quote",
    ),
    pytest.param(
        "Joe writes:\n: one\n:\n: two\n\nReply.",
        MailBody("Reply.", "Joe writes:\n: one\n:\n: two", None),
        id="colon-quote-after-attribution",
    ),
    pytest.param(
        "Joe writes:\n}one\n\nReply.\n\n}two\n\nAgain.",
        MailBody("Reply.\n\nAgain.", "Joe writes:\n}one\n}two", None),
        id="marker-established-for-later-runs",
    ),
    pytest.param(
        "Run:\n}\n}\n\nDone.", unchanged("Run:\n}\n}\n\nDone."), id="brace-lines-without-attribution-are-code"
    ),
    pytest.param(
        "Text.\n\n| Joe Bloggs   |\n| joe@x.org    |",
        unchanged("Text.\n\n| Joe Bloggs   |\n| joe@x.org    |"),
        id="box",
    ),
    pytest.param(
        "  TP> supercite quote\nReply.", MailBody("Reply.", "  TP> supercite quote", None), id="supercite"
    ),
    pytest.param(
        "Joe wrote:\n[...]\n> two\nReply.",
        MailBody("Reply.", "Joe wrote:\n[...]\n> two", None),
        id="elision-goes-with-quote",
    ),
    pytest.param(
        "Try:\n\n>>> import sys\n>>> sys.path\n['']\n",
        unchanged("Try:\n\n>>> import sys\n>>> sys.path\n['']\n"),
        id="python-session-is-not-a-quote",
    ),
    pytest.param(
        ">>> Joe wrote:\n>>>> It is.\n>>> No.\nYes.",
        MailBody("Yes.", ">>> Joe wrote:\n>>>> It is.\n>>> No.", None),
        id="deep-quote-is-not-a-session",
    ),
    pytest.param(
        "Reply.\n\n-----Original Message-----\nFrom: Joe\nSent: Monday\n\nThe original.",
        MailBody("Reply.", "-----Original Message-----\nFrom: Joe\nSent: Monday\nThe original.", None),
        id="outlook-quote",
    ),
    pytest.param(
        "Text.\n\n-- \nJoe Bloggs\njoe@example.org\n",
        MailBody("Text.", None, "-- \nJoe Bloggs\njoe@example.org"),
        id="signature",
    ),
    pytest.param(
        "Text.\n--\nJoe Bloggs",
        MailBody("Text.", None, "--\nJoe Bloggs"),
        id="signature-delimiter-without-space",
    ),
    pytest.param(
        "Text.\n-- \nJoe\n-- \nA quip.",
        MailBody("Text.", None, "-- \nJoe\n-- \nA quip."),
        id="stacked-signatures",
    ),
    pytest.param(
        "Text.\n\n======================\nJoe Bloggs  joe@example.org",
        MailBody("Text.", None, "======================\nJoe Bloggs  joe@example.org"),
        id="ruled-signature",
    ),
    pytest.param(
        "Text.\n\n+----------------+\n| Joe Bloggs     |\n+----------------+",
        MailBody("Text.", None, "+----------------+\n| Joe Bloggs     |\n+----------------+"),
        id="boxed-signature",
    ),
    pytest.param(
        "Totals:\n\napples   5\npears    5\n---------\n        10",
        unchanged("Totals:\n\napples   5\npears    5\n---------\n        10"),
        id="table-total-is-not-a-signature",
    ),
    pytest.param(
        "Where can I get it?\n-------------------\nftp.x.org",
        unchanged("Where can I get it?\n-------------------\nftp.x.org"),
        id="heading-underline-is-not-a-signature",
    ),
    pytest.param(
        "Run this:\n```\nSELECT 1\n--\nSELECT 2\n```\nDone.",
        unchanged("Run this:\n```\nSELECT 1\n--\nSELECT 2\n```\nDone."),
        id="delimiter-inside-code-block",
    ),
    pytest.param(
        "int main() {\n    --\n    x = 1;\n}",
        unchanged("int main() {\n    --\n    x = 1;\n}"),
        id="indented-dashes",
    ),
    pytest.param(
        "Query:\n-- select the rows\nSELECT 1;",
        unchanged("Query:\n-- select the rows\nSELECT 1;"),
        id="sql-comment",
    ),
    pytest.param(
        "Code:\n--\nx = f(1);\ny = g(2);\nreturn x;",
        unchanged("Code:\n--\nx = f(1);\ny = g(2);\nreturn x;"),
        id="code-after-delimiter",
    ),
    pytest.param(
        "Text.\n--\n" + "a line\n" * 20,
        unchanged("Text.\n--\n" + "a line\n" * 20),
        id="too-long-for-a-signature",
    ),
    pytest.param(
        "Part one.\n--\n\n" + "This paragraph is long enough to be running prose, not a signature.\n" * 5,
        unchanged(
            "Part one.\n--\n\n" + "This paragraph is long enough to be running prose, not a signature.\n" * 5
        ),
        id="dashes-as-section-break",
    ),
    pytest.param(
        "Here:\n\n" + UUENCODED + "\n",
        unchanged("Here:\n\n" + UUENCODED + "\n"),
        id="uuencoded-lines-with-gt",
    ),
    pytest.param(
        "Text.\n-- \nJoe\n" + FOOTER,
        MailBody("Text.\n\n" + FOOTER, None, "-- \nJoe"),
        id="signature-ends-at-mailman-footer",
    ),
    pytest.param(
        "Text.\n-- \nJoe\n\n[Moderator: noted. --clh]",
        MailBody("Text.\n\n[Moderator: noted. --clh]", None, "-- \nJoe"),
        id="signature-ends-at-moderator-note",
    ),
    pytest.param(
        "Joe wrote:\r\n> Is it done?\r\n\r\nYes.\r\n-- \r\nAnn\r\n",
        MailBody("Yes.", "Joe wrote:\n> Is it done?", "-- \nAnn"),
        id="crlf",
    ),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_split_mail_body(raw: str, expected: MailBody) -> None:
    assert split_mail_body(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_splitting_again_changes_nothing(raw: str, expected: MailBody) -> None:
    body = split_mail_body(raw).body
    assert split_mail_body(body) == unchanged(body)


@pytest.mark.parametrize(
    ("raw", "quoted", "signature"),
    [
        pytest.param("Reply.\n" + "> quoted line\n" * (ONE_MB // 14) + "-- \nJoe", True, True, id="quotes"),
        pytest.param("a" * ONE_MB, False, False, id="one-long-line"),
        pytest.param(": " * (ONE_MB // 2), False, False, id="colons"),
        pytest.param("Reply.\n" + "<a@" * (ONE_MB // 3) + ":\n> q", True, False, id="long-attribution"),
        pytest.param("Reply.\n" + "-- \nx\n" * (ONE_MB // 6), False, True, id="many-delimiters"),
        pytest.param("Reply.\n\n" + "*" * ONE_MB + "x", False, False, id="long-rule"),
        pytest.param("Reply.\n" + "\n" * ONE_MB, False, False, id="blank-lines"),
    ],
)
def test_a_megabyte_body_is_split_in_linear_time(raw: str, quoted: bool, signature: bool) -> None:
    started = time.perf_counter()
    result = split_mail_body(raw)
    assert time.perf_counter() - started < 10
    assert (result.quoted is not None, result.signature is not None) == (quoted, signature)
    assert result.body.startswith(raw[:6])


def test_stacked_signatures_before_a_long_run_of_delimiters_are_taken_together() -> None:
    result = split_mail_body("Reply.\n" + "-- \nx\n" * 1000)
    assert result.body == "Reply."
    assert result.signature is not None and result.signature.count("-- \n") == 1000


def _article_body(path: Path) -> str:
    return path.read_bytes().decode("latin-1").partition("\n\n")[2]


@functools.cache
def _news() -> dict[str, tuple[str, MailBody]]:
    articles = {}
    for path in sorted(NEWS.glob("*/*")):
        body = _article_body(path)
        articles[f"{path.parent.name}/{path.name}"] = (body, split_mail_body(body))
    return articles


@functools.cache
def _mbox() -> dict[str, tuple[str, MailBody]]:
    messages = {}
    for path in sorted(MBOX.glob("*.txt")):
        for index, message in enumerate(mailbox.mbox(path)):
            payload = message.get_payload(decode=True)
            assert isinstance(payload, bytes)
            body = payload.decode("utf-8", "replace")
            messages[f"{path.name}#{index}"] = (body, split_mail_body(body))
    return messages


def test_newsgroup_signature(corpora: Path) -> None:
    _, result = _news()["comp.graphics/37916"]
    assert result.signature == "--\nJoe Tham              joth@ersys.edmonton.ab.ca "
    assert result.quoted is None
    assert result.body.endswith("                                        Thanks,  Joe Tham")


def test_newsgroup_boxed_signature_after_a_quote(corpora: Path) -> None:
    _, result = _news()["sci.space/62319"]
    assert result.quoted is not None
    assert result.quoted.startswith(
        "In article <1993May13.101820.21298@ke4zv.uucp> gary@ke4zv.UUCP (Gary Coffman) writes:\n"
        ">>As a rough guess I would say that in 10 years Shuttle has delivered\n"
    )
    assert result.signature is not None
    assert result.signature.splitlines()[3] == (
        '| W. Churchill: "Madam, if you were my wife, I would drink it."             |'
    )
    assert result.body.startswith("Often Shuttle lifts satellites with upper stages.")
    assert result.body.endswith("    Allen")


def test_newsgroup_attribution_wrapped_over_two_lines(corpora: Path) -> None:
    _, result = _news()["alt.atheism/54237"]
    assert result.quoted is not None
    assert result.quoted.splitlines()[:3] == [
        "In article <1993Apr21.144114.8057@wam.umd.edu>, willdb@wam.umd.edu (William",
        "David Battles) says:",
        ">",
    ]
    assert result.body.startswith("Sounds like you were going to a different Penn State")


def test_newsgroup_bar_quote_before_uuencoded_data(corpora: Path) -> None:
    raw, result = _news()["comp.os.ms-windows.misc/9704"]
    assert result.quoted is not None
    assert result.quoted.splitlines()[0].endswith("rwang@gmuvax2.gmu.edu (John Wang) writes:")
    assert result.quoted.splitlines()[-1] == " |"
    assert len(result.quoted.splitlines()) == 11
    assert result.signature is None
    assert result.body.startswith('\tIn response to a "different" kinda wallpaper')
    assert result.body.splitlines()[-950:] == raw.splitlines()[-950:]


def test_newsgroup_colon_quotes_and_a_signature_with_blank_lines(corpora: Path) -> None:
    _, result = _news()["rec.motorcycles/104688"]
    assert result.quoted is not None
    assert result.quoted.splitlines()[:2] == [
        "Dave Edmondson, on the Wed, 21 Apr 1993 12:05:41 GMT wibbled:",
        ": Nick Pettefar (npet@bnr.ca) wrote:",
    ]
    assert result.body == "What, you mean like the one in my bleedin' signature?!\n\nHELLO!"
    assert result.signature is not None
    assert result.signature.startswith("--\n\nNick (the Connected Biker)   DoD 1069")


def test_mail_gmail_attribution(corpora: Path) -> None:
    _, result = _mbox()["2016-11.txt#22"]
    assert result.quoted is not None
    assert result.quoted.startswith(
        "2016-11-04 13:53 GMT+01:00 Victor Stinner <victor.stinner at gmail.com>:\n"
        "> (Re-post without the two attached files of 100 KB each.)\n"
    )
    assert result.body.endswith("https://twitter.com/VictorStinner/status/794525289623719937\n\nVictor")


def test_mail_outlook_quote_runs_to_the_footer(corpora: Path) -> None:
    _, result = _mbox()["2016-11.txt#53"]
    assert result.quoted is not None
    assert result.quoted.startswith(
        '-----Original Message-----\nFrom: "Nathaniel Smith" <njs at pobox.com>\n'
    )
    assert result.body.startswith("Yeah, we did.")
    assert (
        "\nTop-posted from my Windows Phone\n\n_______________________________________________\n"
        in result.body
    )


def test_mail_signature_with_python_prompts_and_a_multipart_remainder(corpora: Path) -> None:
    raw, result = _mbox()["1999-10.txt#16"]
    assert result.quoted is None
    assert ">>> import d\ntry a.b.c.d" in result.body
    assert result.signature == (
        "-- \nMarc-Andre Lemburg\n" + "_" * 70 + "\n"
        "Y2000:                                                    81 days left\n"
        "Business:                                      http://www.lemburg.com/\n"
        "Python Pages:                           http://www.lemburg.com/python/"
    )
    assert result.body.endswith(raw[raw.rindex("--------------8F8110B6CFB57E279F385677\nContent-Type") :])


def test_mail_indented_python_session_stays_in_the_body(corpora: Path) -> None:
    _, result = _mbox()["2007-06.txt#39"]
    assert result.quoted is not None
    assert result.quoted.splitlines()[0] == "On 6/9/07, Eyal Lotem <eyal.lotem at gmail.com> wrote:"
    assert "[snip]" in result.quoted.splitlines()
    assert "    >>> c.__dict__['x'] = 43\n    >>> c.x\n    42" in result.body
    assert result.signature is not None and result.signature.endswith("        --- Bucky Katt, Get Fuzzy")


def test_no_newsgroup_body_keeps_a_quoted_line_unless_the_article_is_all_quote(corpora: Path) -> None:
    kept_as_is = {
        name
        for name, (_, result) in _news().items()
        if any(line.lstrip().startswith(">") for line in result.body.splitlines())
    }
    assert kept_as_is == {"talk.politics.mideast/77250"}
    raw, result = _news()["talk.politics.mideast/77250"]
    assert result == MailBody(raw, None, None)


@pytest.mark.parametrize(
    ("source", "count", "quoted", "signature"),
    [
        pytest.param(_news, 2000, range(1150, 1250), range(840, 920), id="newsgroups"),
        pytest.param(_mbox, 440, range(295, 335), range(95, 120), id="python-dev"),
    ],
)
def test_corpus_counts(corpora: Path, source: Corpus, count: int, quoted: range, signature: range) -> None:
    results = [result for _, result in source().values()]
    assert len(results) == count
    assert sum(result.quoted is not None for result in results) in quoted
    assert sum(result.signature is not None for result in results) in signature


@pytest.mark.parametrize("source", [_news, _mbox], ids=["newsgroups", "python-dev"])
def test_no_body_is_emptied(corpora: Path, source: Corpus) -> None:
    emptied = [name for name, (raw, result) in source().items() if raw.strip() and not result.body.strip()]
    assert emptied == []


@pytest.mark.parametrize("source", [_news, _mbox], ids=["newsgroups", "python-dev"])
def test_corpus_splits_are_idempotent(corpora: Path, source: Corpus) -> None:
    changed = [
        name
        for name, (_, result) in source().items()
        if split_mail_body(result.body) != MailBody(result.body, None, None)
    ]
    assert changed == []


@pytest.mark.parametrize(
    ("source", "delimited", "ruled"),
    [
        pytest.param(_news, range(680, 720), range(160, 200), id="newsgroups"),
        pytest.param(_mbox, range(100, 115), range(0, 3), id="python-dev"),
    ],
)
def test_every_signature_starts_at_a_delimiter_or_a_rule(
    corpora: Path, source: Corpus, delimited: range, ruled: range
) -> None:
    first_lines = [result.signature.splitlines()[0] for _, result in source().values() if result.signature]
    assert sum(DELIMITER.fullmatch(line) is not None for line in first_lines) in delimited
    assert sum(RULE.fullmatch(line) is not None for line in first_lines) in ruled
    assert all(DELIMITER.fullmatch(line) or RULE.fullmatch(line) for line in first_lines)


def test_mailman_footers_stay_in_the_body(corpora: Path) -> None:
    with_footer = [
        (raw, result)
        for raw, result in _mbox().values()
        if "\nPython-Dev mailing list\nPython-Dev at " in raw
    ]
    assert len(with_footer) == 3
    for _, result in with_footer:
        assert "\nPython-Dev mailing list\nPython-Dev at python.org\n" in result.body
        assert "mailing list" not in (result.signature or "")
