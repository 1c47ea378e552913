import pytest

from transforms.text import normalise_line, normalise_text, split_paragraphs


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("One.\n\nTwo.", "One.\n\nTwo.", id="clean"),
        pytest.param("One.\r\n\r\nTwo.\r\n", "One.\n\nTwo.", id="crlf"),
        pytest.param("One.\r\rTwo.", "One.\n\nTwo.", id="old-mac-cr"),
        pytest.param("  One  \t word.\n\n\n\n  Two.  ", "One word.\n\nTwo.", id="whitespace-collapsed"),
        pytest.param("a line\nwrapped here", "a line wrapped here", id="soft-line-break"),
        pytest.param("One.\n  \t \nTwo.", "One.\n\nTwo.", id="blank-line-with-spaces"),
        pytest.param("cafe\u0301", "café", id="nfc"),
        pytest.param("non\u00a0breaking", "non breaking", id="nbsp"),
        pytest.param("bell\x07 and\x00 nul", "bell and nul", id="control-chars-dropped"),
        pytest.param("TRT World 's Sara Firth", "TRT World's Sara Firth", id="detached-possessive"),
        pytest.param("the 1990 ’s boom", "the 1990’s boom", id="curly-possessive"),
        pytest.param("press 's' to save", "press 's' to save", id="quoted-letter-untouched"),
        pytest.param("the boss 'said' no", "the boss 'said' no", id="quote-untouched"),
        pytest.param(" \n\n \r\n", "", id="blank"),
    ],
)
def test_normalise_text(raw: str, expected: str) -> None:
    assert normalise_text(raw) == expected


def test_paragraphs_are_kept() -> None:
    assert split_paragraphs("First one.\n\nSecond\none.\n\n\nThird.") == [
        "First one.",
        "Second one.",
        "Third.",
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("communiqu&#233; signed", "communiqué signed", id="decimal-reference"),
        pytest.param("caf&#xE9;", "café", id="hex-reference"),
        pytest.param("&lt;OXY&gt; &amp; partners", "<OXY> & partners", id="named-references"),
        pytest.param("wire&#3; code&#127;", "wire code", id="control-references-dropped"),
        pytest.param("a&#0;b&#xD800;c&#x110000;d", "abcd", id="references-to-no-character-dropped"),
        pytest.param(
            "AT&T and &copy without semicolon", "AT&T and &copy without semicolon", id="bare-ampersands"
        ),
        pytest.param("The ^&#@$#$% Rangers", "The ^&#@$#$% Rangers", id="swearing-is-not-a-reference"),
        pytest.param("Itâ€™s cafÃ© time", "It’s café time", id="mojibake-cp1252"),
        pytest.param("Â£5m deal", "£5m deal", id="mojibake-pound"),
        pytest.param("the «café» and naïve", "the «café» and naïve", id="real-accents-untouched"),
        pytest.param("Málaga: «Olé»", "Málaga: «Olé»", id="hint-but-not-mojibake"),
    ],
)
def test_entities_and_mojibake(raw: str, expected: str) -> None:
    assert normalise_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("  Kicker  \n\n\n  Headline &amp; more ", "Kicker Headline & more", id="multi-line"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="none"),
        pytest.param(" \n\x07 ", None, id="only-space-and-controls"),
    ],
)
def test_normalise_line(raw: str | None, expected: str | None) -> None:
    assert normalise_line(raw) == expected
