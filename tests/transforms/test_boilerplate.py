import pytest

from transforms.boilerplate import (
    MIN_DOCUMENTS,
    RepeatCounter,
    is_known_boilerplate,
    paragraph_key,
    split_known_lines,
    split_repeated,
)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("Reuter", id="wire-signature"),
        pytest.param(" REUTER ", id="wire-signature-upper"),
        pytest.param("REUTER...^M", id="wire-signature-continued"),
        pytest.param("More Videos", id="more-videos"),
        pytest.param("Follow the latest world news here.", id="follow-latest"),
        pytest.param("This site uses cookies to improve your experience.", id="cookies"),
        pytest.param("Click here to accept all cookies", id="accept-cookies"),
        pytest.param("Sign up for our daily newsletter", id="newsletter"),
        pytest.param("_______________________________________________", id="list-footer-rule"),
        pytest.param("Python-Dev mailing list", id="list-name"),
        pytest.param("https://mail.python.org/mailman/listinfo/python-dev", id="list-info"),
        pytest.param("Unsubscribe: https://mail.python.org/mailman/options/python-dev/a%40b.org", id="unsub"),
        pytest.param("-------------- next part --------------", id="next-part"),
        pytest.param("An HTML attachment was scrubbed...", id="scrubbed"),
        pytest.param(
            "URL: <http://mail.python.org/pipermail/python-dev/attachments/20161116/c7f4e1fa/attachment.html>",
            id="attachment-url",
        ),
    ],
)
def test_known_boilerplate(line: str) -> None:
    assert is_known_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("a spokesman told Reuters.", id="agency-in-a-sentence"),
        pytest.param("Reuters reported that profits rose.", id="agency-starting-a-sentence"),
        pytest.param("More videos of the crash appeared on Tuesday.", id="more-videos-in-a-sentence"),
        pytest.param("The cookies were sold out by noon.", id="cookies-as-food"),
        pytest.param("", id="empty"),
    ],
)
def test_not_boilerplate(line: str) -> None:
    assert not is_known_boilerplate(line)


def test_known_lines_move_out_of_the_body() -> None:
    body = "First.\n\nSecond line\nReuter\n"
    assert split_known_lines(body) == ("First.\n\nSecond line", ["Reuter"])


def test_a_body_of_nothing_but_boilerplate_is_reported_as_such() -> None:
    assert split_known_lines(" Reuter\n") == ("", ["Reuter"])


def test_paragraph_keys_ignore_case_and_addresses() -> None:
    assert paragraph_key("Unsubscribe: https://x.org/a%40b.com") == paragraph_key(
        "UNSUBSCRIBE: https://x.org/c"
    )
    assert paragraph_key("mail guido at python.org") == paragraph_key("mail tim at python.org")
    assert paragraph_key("Shr 12 cts") != paragraph_key("Shr 13 cts")


@pytest.mark.parametrize(
    "paragraph",
    [pytest.param("x" * 201, id="too-long"), pytest.param("12,345 678", id="no-letters")],
)
def test_paragraphs_that_are_not_counted(paragraph: str) -> None:
    assert paragraph_key(paragraph) is None


def _counter(documents: list[list[str]]) -> RepeatCounter:
    counter = RepeatCounter()
    for paragraphs in documents:
        counter.add(paragraphs)
    return counter


def test_a_paragraph_repeated_in_enough_documents_is_boilerplate() -> None:
    documents = [[f"Story {n}.", "More Videos from us"] for n in range(MIN_DOCUMENTS)]
    repeated = _counter(documents).repeated()
    assert split_repeated(documents[0], repeated) == (["Story 0."], ["More Videos from us"])


def test_a_paragraph_repeated_in_too_few_documents_stays() -> None:
    documents = [[f"Story {n}.", "Same line"] for n in range(MIN_DOCUMENTS - 1)]
    assert _counter(documents).repeated() == frozenset()


def test_a_paragraph_counts_once_per_document() -> None:
    assert _counter([["Same", "Same", "Same", "Other"]]).repeated() == frozenset()


def test_the_share_of_documents_matters_in_a_large_source() -> None:
    documents = [[f"Story {n}."] for n in range(1000)]
    for n in range(10):
        documents[n].append("Table row 1")  # 1 % of the documents: content, not boilerplate
    for n in range(30):
        documents[n].append("Share this story")  # 3 %
    repeated = _counter(documents).repeated()
    assert repeated == {paragraph_key("Share this story")}


def test_a_document_keeps_its_last_paragraph() -> None:
    repeated = frozenset({paragraph_key("Only line")})
    assert split_repeated(["Only line"], repeated) == (["Only line"], [])


def test_only_the_edges_of_a_document_are_boilerplate() -> None:
    repeated = frozenset({paragraph_key("Year"), paragraph_key("Share this")})
    paragraphs = ["Share this", "Shr 1.10 dlrs", "Year", "Shr 4.20 dlrs", "Share this"]
    assert split_repeated(paragraphs, repeated) == (
        ["Shr 1.10 dlrs", "Year", "Shr 4.20 dlrs"],
        ["Share this", "Share this"],
    )


def test_bare_links_are_not_all_the_same_paragraph() -> None:
    assert paragraph_key("http://www.cobolscript.com/") != paragraph_key("https://speed.python.org/")
