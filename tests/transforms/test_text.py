import pytest

from transforms.text import normalise_text, split_paragraphs


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
