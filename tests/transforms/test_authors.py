import json
import re
from pathlib import Path

import pytest

from transforms.authors import Byline, parse_byline

GOLD_HUFFPOST = Path(__file__).resolve().parent.parent / "gold" / "jsonl_huffpost.jsonl"
HUFFPOST = "jsonl_huffpost/News_Category_Dataset_v2.json"
NYT_FEED = "rss_nyt_2016/HomePage.xml"
NEWSGROUPS = "20news_mini/mini_newsgroups"
MBOX = "mbox_python_dev"

FROM_RE = re.compile(r"^From:[ \t]*(.*(?:\n[ \t].*)*)", re.MULTILINE)


def authors(*names: str) -> Byline:
    return Byline(names, ())


def latin1(path: Path) -> str:
    return path.read_bytes().decode("latin-1")


def mbox_froms(corpora: Path) -> list[str]:
    return [
        m.group(1) for path in sorted((corpora / MBOX).glob("*.txt")) for m in FROM_RE.finditer(latin1(path))
    ]


def newsgroup_from(path: Path) -> str | None:
    match = FROM_RE.search(latin1(path).split("\n\n", 1)[0])
    return match.group(1) if match else None


def huffpost_rows(corpora: Path) -> list[dict[str, str]]:
    with (corpora / HUFFPOST).open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def has_letters_all_caps(name: str) -> bool:
    letters = [ch for ch in name if ch.isalpha()]
    return len(letters) > 1 and all(ch.isupper() for ch in letters)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(None, Byline((), ()), id="none"),
        pytest.param("", Byline((), ()), id="empty"),
        pytest.param("  \n\t ", Byline((), ()), id="whitespace"),
        pytest.param(",,", Byline((), ()), id="only-commas"),
        pytest.param(" , and , ", Byline((), ()), id="only-separators"),
        pytest.param("By ", Byline((), ()), id="only-by"),
        pytest.param("x" * 10_000, Byline((), ()), id="10000-characters-is-no-name"),
        pytest.param(
            "Jane\x00 Doe\x07 and\tJohn\r\nSmith", authors("Jane Doe", "John Smith"), id="control-chars"
        ),
        pytest.param("Ed Mazza", authors("Ed Mazza"), id="one-name"),
        pytest.param("  Ed   Mazza \n", authors("Ed Mazza"), id="whitespace-collapsed"),
        pytest.param('"Ed Mazza"', authors("Ed Mazza"), id="surrounding-quotes"),
        pytest.param("“Ed Mazza”", authors("Ed Mazza"), id="surrounding-curly-quotes"),
        pytest.param("Karen Freifeld, Reuters", Byline(("Karen Freifeld",), ("Reuters",)), id="name-agency"),
        pytest.param("Julia Craven and Taryn Finley", authors("Julia Craven", "Taryn Finley"), id="a-and-b"),
        pytest.param(
            "Margarita Antidze and Hasmik Mkrtchyan, Reuters",
            Byline(("Margarita Antidze", "Hasmik Mkrtchyan"), ("Reuters",)),
            id="a-and-b-agency",
        ),
        pytest.param(
            "Sarah Dadouch, Marwa Rashad, Mostafa Hashem and Stephen Kalin, Reuters",
            Byline(("Sarah Dadouch", "Marwa Rashad", "Mostafa Hashem", "Stephen Kalin"), ("Reuters",)),
            id="list-and-agency",
        ),
        pytest.param(
            "Sebastian Murdock, Hayley Miller, and Doha Madani",
            authors("Sebastian Murdock", "Hayley Miller", "Doha Madani"),
            id="oxford-comma",
        ),
        pytest.param(
            "Guy Faulconbridge, Michael Holden, Reuters",
            Byline(("Guy Faulconbridge", "Michael Holden"), ("Reuters",)),
            id="a-b-agency-without-and",
        ),
        pytest.param(
            "Jim Finkle & Aparajita Saxena, Reuters",
            Byline(("Jim Finkle", "Aparajita Saxena"), ("Reuters",)),
            id="ampersand",
        ),
        pytest.param(
            "Stateline, Editorial Partner", Byline(("Stateline",), ("Editorial Partner",)), id="partner"
        ),
        pytest.param(
            "INTO, Editorial Partner", Byline(("INTO",), ("Editorial Partner",)), id="capital-acronym-kept"
        ),
        pytest.param(
            "Lyndsey Parker, Yahoo Entertainment",
            Byline(("Lyndsey Parker",), ("Yahoo Entertainment",)),
            id="yahoo",
        ),
        pytest.param(
            "Peter Martell, On Assignment For HuffPost",
            Byline(("Peter Martell",), ("On Assignment For HuffPost",)),
            id="on-assignment",
        ),
        pytest.param(
            "Reuters Staff, Reuters", Byline((), ("Reuters Staff", "Reuters")), id="agency-staff-only"
        ),
        pytest.param("Reuters, Reuters", Byline((), ("Reuters",)), id="agency-twice"),
        pytest.param("HuffPost PR Team", Byline((), ("HuffPost PR Team",)), id="publisher-team-only"),
        pytest.param("Gibson Johns, AOL.com", Byline(("Gibson Johns",), ("AOL.com",)), id="dot-com"),
        pytest.param(
            "Cyd Zeigler, Outsports", Byline(("Cyd Zeigler",), ("Outsports",)), id="one-word-publication"
        ),
        pytest.param(
            "Rachael Rettner, Live Science",
            Byline(("Rachael Rettner",), ("Live Science",)),
            id="name-like-publication",
        ),
        pytest.param(
            "Wilson Beacon Staff, Woodrow Wilson High School",
            Byline(("Wilson Beacon Staff",), ("Woodrow Wilson High School",)),
            id="institution",
        ),
        pytest.param(
            "Bernice Yeung, Reveal from The Center for Investigative Reporting",
            Byline(("Bernice Yeung",), ("Reveal from The Center for Investigative Reporting",)),
            id="not-a-person-after-one-name",
        ),
        pytest.param(
            "Michael Isikoff and David Corn, Yahoo News and Mother Jones",
            Byline(("Michael Isikoff", "David Corn"), ("Yahoo News and Mother Jones",)),
            id="two-affiliations-joined-by-and",
        ),
        pytest.param("S.V. Date and Elise Foley", authors("S.V. Date", "Elise Foley"), id="initials-kept"),
        pytest.param("Jane Doe, John Smith", authors("Jane Doe", "John Smith"), id="two-persons-by-comma"),
        pytest.param(
            "NOAM SCHEIBER and MAGGIE HABERMAN",
            authors("Noam Scheiber", "Maggie Haberman"),
            id="nyt-capitals",
        ),
        pytest.param(
            "JON PARELES, JON CARAMANICA and NATE CHINEN",
            authors("Jon Pareles", "Jon Caramanica", "Nate Chinen"),
            id="nyt-three",
        ),
        pytest.param("ERIN McCANN", authors("Erin McCann"), id="caps-mc"),
        pytest.param("CHOE SANG-HUN", authors("Choe Sang-Hun"), id="caps-hyphen"),
        pytest.param("DANIEL E. SLOTNIK", authors("Daniel E. Slotnik"), id="caps-initial"),
        pytest.param("S.V. DATE", authors("S.V. Date"), id="caps-initials-not-particles"),
        pytest.param("THE ASSOCIATED PRESS", Byline((), ("The Associated Press",)), id="caps-agency-only"),
        pytest.param("THE NEW YORK TIMES", Byline((), ("The New York Times",)), id="caps-publisher-only"),
        pytest.param("AP", Byline((), ("AP",)), id="ap-only"),
        pytest.param(
            "    By Cal Mankowski, Reuters\n", Byline(("Cal Mankowski",), ("Reuters",)), id="reuters-sgml"
        ),
        pytest.param("By Jane Doe", authors("Jane Doe"), id="by"),
        pytest.param("BY: JANE DOE", authors("Jane Doe"), id="by-colon-caps"),
        pytest.param(
            "By Brad Schade Reuters", Byline(("Brad Schade",), ("Reuters",)), id="agency-without-comma"
        ),
        pytest.param(
            "By STEPHEN JUKES AND PHILIP SHEHADI, REUTERS",
            Byline(("Stephen Jukes", "Philip Shehadi"), ("Reuters",)),
            id="caps-and",
        ),
        pytest.param(
            "By TED d'AFFLISIO, Reuters", Byline(("Ted D'Afflisio",), ("Reuters",)), id="caps-d-apostrophe"
        ),
        pytest.param(
            "By Colin Brinsden, Reuters.", Byline(("Colin Brinsden",), ("Reuters",)), id="agency-full-stop"
        ),
        pytest.param("By keith grant, Reuters", Byline(("keith grant",), ("Reuters",)), id="lower-case-kept"),
        pytest.param("Martin Luther King, Jr.", authors("Martin Luther King, Jr."), id="jr-kept"),
        pytest.param("MARTIN LUTHER KING, JR.", authors("Martin Luther King, Jr."), id="caps-jr"),
        pytest.param(
            "John Smith, III, Jane Doe and Ann Roe",
            authors("John Smith, III", "Jane Doe", "Ann Roe"),
            id="suffix-in-list",
        ),
        pytest.param("Jane Doe, PhD", authors("Jane Doe"), id="degree-dropped"),
        pytest.param("Jane Doe; John Smith", authors("Jane Doe", "John Smith"), id="semicolon"),
        pytest.param("Jane Doe | Staff Writer", Byline(("Jane Doe",), ("Staff Writer",)), id="bar-role"),
        pytest.param(
            "By Jane Doe | The Guardian", Byline(("Jane Doe",), ("The Guardian",)), id="bar-publication"
        ),
        pytest.param("Jane Doe ; ; John Smith", authors("Jane Doe", "John Smith"), id="empty-segment"),
        pytest.param("Jane Doe and", authors("Jane Doe"), id="dangling-and"),
        pytest.param("Jane Doe and Jane Doe", authors("Jane Doe"), id="duplicate"),
        pytest.param("Michael R. Bloomberg", authors("Michael R. Bloomberg"), id="agency-word-in-a-name"),
        pytest.param(
            "Jane Doe, Bloomberg", Byline(("Jane Doe",), ("Bloomberg",)), id="bloomberg-after-comma"
        ),
        pytest.param(
            "Jane Doe, Los Angeles Times", Byline(("Jane Doe",), ("Los Angeles Times",)), id="times"
        ),
        pytest.param("Jürgen Klöckner", authors("Jürgen Klöckner"), id="non-ascii"),
        pytest.param("((((", Byline((), ()), id="punctuation-only"),
    ],
)
def test_byline(raw: str | None, expected: Byline) -> None:
    assert parse_byline(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(None, (), id="none"),
        pytest.param("", (), id="empty"),
        pytest.param("()", (), id="empty-comment-no-address"),
        pytest.param("<>", (), id="empty-angle"),
        pytest.param("klm@gozer.mv.com (Kevin L. McBride)", ("Kevin L. McBride",), id="comment"),
        pytest.param("Kevin L. McBride <klm@gozer.mv.com>", ("Kevin L. McBride",), id="angle"),
        pytest.param('"Kevin L. McBride" <klm@gozer.mv.com>', ("Kevin L. McBride",), id="quoted-angle"),
        pytest.param("nnorwitz at gmail.com (Neal Norwitz)", ("Neal Norwitz",), id="pipermail"),
        pytest.param("guido at python.org", ("guido@python.org",), id="pipermail-address-only"),
        pytest.param("<guido at python.org>", ("guido@python.org",), id="pipermail-angle-only"),
        pytest.param("Greg Rose <ggr at qualcomm.com>", ("Greg Rose",), id="pipermail-angle"),
        pytest.param(
            "skip at pobox.com (skip at pobox.com)", ("skip@pobox.com",), id="pipermail-address-as-name"
        ),
        pytest.param('"Meet at noon" <a@b.c>', ("Meet at noon",), id="at-in-a-name-kept"),
        pytest.param(
            "matmcinn@nuscc.nus.sg (Matthew MacIntyre at the National University of Senegal)",
            ("Matthew MacIntyre",),
            id="workplace-after-at",
        ),
        pytest.param("JEK@cu.nih.gov", ("JEK@cu.nih.gov",), id="address-case-kept"),
        pytest.param("bhjelle@carina.unm.edu ()", ("bhjelle@carina.unm.edu",), id="empty-comment"),
        pytest.param(
            "=?ISO-8859-1?Q?BJ=F6rn_Lindqvist?= <bj@x.com>", ("BJörn Lindqvist",), id="rfc2047-angle"
        ),
        pytest.param(
            "bjorn at x.com (=?ISO-8859-1?Q?BJ=F6rn_Lindqvist?=)", ("BJörn Lindqvist",), id="rfc2047-comment"
        ),
        pytest.param(
            "hrvoje.niksic at avl.com (Hrvoje =?UTF-8?Q?Nik=C5=A1i=C4=87?=)",
            ("Hrvoje Nikšić",),
            id="rfc2047-mixed",
        ),
        pytest.param(
            "martin at v.loewis.de (=?UTF-8?B?Ik1hcnRpbiB2LiBMw7Z3aXMi?=)",
            ("Martin v. Löwis",),
            id="rfc2047-base64-quoted",
        ),
        pytest.param("=?x-unknown?Q?Ann_Roe?= <a@b.c>", ("Ann Roe",), id="rfc2047-unknown-charset"),
        pytest.param("Kevin L.\n McBride <klm@gozer.mv.com>", ("Kevin L. McBride",), id="folded"),
        pytest.param("JOHN SMITH <js@x.com>", ("John Smith",), id="caps-name"),
        pytest.param("cma@titan.ucs.umass.edu (COLIN MA)", ("Colin Ma",), id="caps-comment"),
        pytest.param(
            "balsamo@stargl.enet.dec.com (Antonio L. Balsamo (Save the wails))",
            ("Antonio L. Balsamo",),
            id="nested-comment-dropped",
        ),
        pytest.param(
            "kschang@sfsuvax1.sfsu.edu (Kuo-Sheng (Kasey) Chang)",
            ("Kuo-Sheng (Kasey) Chang",),
            id="inner-comment-kept",
        ),
        pytest.param(
            "bwarsaw@cnri.reston.va.us (Barry A. Warsaw) (Barry A. Warsaw)",
            ("Barry A. Warsaw",),
            id="repeated-comment",
        ),
        pytest.param(
            'Fred L. Drake, Jr." <fdrake@acm.org (Fred L. Drake, Jr.)',
            ("Fred L. Drake, Jr.",),
            id="broken-quoting-with-jr",
        ),
        pytest.param("drevik@utkvx.utk.edu (Drevik, Steve)", ("Steve Drevik",), id="surname-first"),
        pytest.param("Doe, John <j@d.com>", ("John Doe",), id="surname-first-unquoted"),
        pytest.param(
            "ldo@waikato.ac.nz (Lawrence D'Oliveiro, Waikato University)",
            ("Lawrence D'Oliveiro",),
            id="affiliation-after-comma",
        ),
        pytest.param("a@b.c, d@e.f", ("a@b.c", "d@e.f"), id="two-mailboxes"),
        pytest.param("Guido van Rossum", ("Guido van Rossum",), id="name-without-address"),
        pytest.param('"" <a@b.c>', ("a@b.c",), id="empty-quoted-name"),
        pytest.param("a@b.c (" + "x" * 10_000 + ")", ("a@b.c",), id="10000-character-comment"),
        pytest.param("x" * 10_000, (), id="10000-characters"),
        pytest.param("Ann\x00 Roe\x1b <a@b.c>", ("Ann Roe",), id="control-chars"),
        pytest.param("(((((", (), id="parentheses-only"),
        pytest.param(
            "bioinformed at gmail.com (Kevin Jacobs <jacobs@bioinformed.com>)",
            ("Kevin Jacobs",),
            id="mailbox-inside-comment",
        ),
    ],
)
def test_mailbox(raw: str | None, expected: tuple[str, ...]) -> None:
    assert parse_byline(raw, mailbox=True) == Byline(expected, ())


def test_a_byline_is_not_read_as_a_mailbox_and_back() -> None:
    assert parse_byline("Tom and Jerry <tj@x.com>", mailbox=True).authors == ("Tom and Jerry",)
    assert parse_byline("guido at python.org").authors == ("guido at python.org",)


# Real data.


def test_huffpost_gold_cases(corpora: Path) -> None:
    rows = huffpost_rows(corpora)
    cases = [json.loads(line) for line in GOLD_HUFFPOST.read_text(encoding="utf-8").splitlines() if line]
    assert len(cases) == 40
    for case in cases:
        raw = rows[case["record_index"]]["authors"]
        assert list(parse_byline(raw).authors) == case["authors"], raw


def test_huffpost_no_author_keeps_an_agency_or_a_conjunction(corpora: Path) -> None:
    bylines = [(row["authors"], parse_byline(row["authors"])) for row in huffpost_rows(corpora)]
    assert len(bylines) == 4782
    names = [name for _, byline in bylines for name in byline.authors]
    assert not [name for name in names if ", " in name or " and " in name or " & " in name]
    assert not [name for name in names if "Reuters" in name or "Yahoo" in name or "HuffPost" in name]
    with_reuters = [byline for raw, byline in bylines if raw.endswith(", Reuters")]
    assert len(with_reuters) > 100
    assert all(byline.agencies[-1:] == ("Reuters",) for byline in with_reuters)
    assert all(
        byline.authors for raw, byline in bylines if raw and not raw.startswith(("Reuters", "HuffPost"))
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("Karen Freifeld, Sarah N. Lynch and Mark Hosenball, Reuters", 3, id="three-and-agency"),
        pytest.param("Andy Campbell, Roque Planas, Willa Frej, and Nina Golgowski", 4, id="four-oxford"),
        pytest.param("Nidal al-Mughrabi and Jeffrey Heller, Reuters", 2, id="particle"),
    ],
)
def test_huffpost_rows_name_all_their_authors(corpora: Path, raw: str, expected: int) -> None:
    assert raw in {row["authors"] for row in huffpost_rows(corpora)}
    byline = parse_byline(raw)
    assert len(byline.authors) == expected
    assert all(len(name.split()) >= 2 for name in byline.authors)


def test_nyt_feed_creators_lose_their_capitals(corpora: Path) -> None:
    text = (corpora / NYT_FEED).read_text(encoding="utf-8")
    creators = re.findall(r"<dc:creator>(.*?)</dc:creator>", text, re.DOTALL)
    assert len(creators) >= 30
    bylines = {creator: parse_byline(creator) for creator in creators}
    names = [name for byline in bylines.values() for name in byline.authors]
    assert not [name for name in names if has_letters_all_caps(name)]
    assert bylines["JON PARELES, JON CARAMANICA and NATE CHINEN"].authors == (
        "Jon Pareles",
        "Jon Caramanica",
        "Nate Chinen",
    )
    assert bylines["MIKE McPHATE"].authors == ("Mike McPhate",)
    assert bylines["THE ASSOCIATED PRESS"] == Byline((), ("The Associated Press",))


def test_reuters_sgml_authors_are_persons_without_the_agency(corpora: Path) -> None:
    raws = [
        match
        for path in sorted((corpora / "reuters21578").glob("reut2-*.sgm"))
        for match in re.findall(r"<AUTHOR>(.*?)</AUTHOR>", latin1(path), re.DOTALL)
    ]
    assert len(raws) == 419
    for raw in raws:
        byline = parse_byline(raw)
        assert 1 <= len(byline.authors) <= 2, raw
        for name in byline.authors:
            assert "Reuter" not in name and not name.lower().startswith("by ") and "," not in name, raw
            assert not has_letters_all_caps(name), raw
        assert set(byline.agencies) <= {"Reuters", "Reuter", "Reutersd"}, raw


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        pytest.param("talk.politics.guns/54956", "Kevin L. McBride", id="comment"),
        pytest.param("talk.politics.guns/54634", "James Shapleigh Cochrane", id="caps-surname-first"),
        pytest.param("talk.politics.misc/178532", "Steve Drevik", id="surname-first"),
        pytest.param("alt.atheism/51195", "Lawrence M. Henling", id="surname-first-initial"),
        pytest.param("soc.religion.christian/21505", "Frank DeCenso, Jr.", id="jr"),
        pytest.param("soc.religion.christian/20850", "Jim Tomlinson", id="nested-comment"),
        pytest.param("comp.graphics/39659", "Martin VICENTE", id="mixed-case-kept"),
        pytest.param("comp.os.ms-windows.misc/9499", "Amro Younes", id="address-in-comment"),
        pytest.param("talk.politics.guns/54238", "Tom Swiss", id="comment-with-commas"),
    ],
)
def test_newsgroup_from(corpora: Path, member: str, expected: str) -> None:
    raw = newsgroup_from(corpora / NEWSGROUPS / member)
    assert parse_byline(raw, mailbox=True) == Byline((expected,), ())


def test_every_newsgroup_article_has_one_clean_author(corpora: Path) -> None:
    articles = sorted(path for path in (corpora / NEWSGROUPS).glob("*/*") if path.is_file())
    assert len(articles) == 2000
    empty = []
    for path in articles:
        raw = newsgroup_from(path)
        byline = parse_byline(raw, mailbox=True)
        if not byline.authors:
            empty.append(raw)
            continue
        (name,) = byline.authors
        assert name == name.strip() and "  " not in name and name[0] not in "\"'(<", raw
        assert not name.endswith(")") or "(" in name, raw
    assert empty == ["()", "()"]


def test_mbox_from_headers_decode(corpora: Path) -> None:
    froms = mbox_froms(corpora)
    encoded = [raw for raw in froms if "=?" in raw]
    assert len(encoded) == 44
    names = {parse_byline(raw, mailbox=True).authors for raw in encoded}
    assert names == {("BJörn Lindqvist",), ("Hrvoje Nikšić",), ("Martin v. Löwis",), ("Walter Dörwald",)}
    for raw in froms:
        (name,) = parse_byline(raw, mailbox=True).authors
        assert "=?" not in name and " at " not in name and "<" not in name and "(" not in name, raw
