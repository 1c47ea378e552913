import pytest

from transforms.language import identify_language


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("Johnson takes on Labour over Brexit", "en", id="english-headline"),
        pytest.param("BAHIA COCOA REVIEW", "en", id="english-all-caps"),
        pytest.param("Die Regierung hat neue Maßnahmen angekündigt", "de", id="german"),
        pytest.param("El gobierno anunció nuevas medidas económicas", "es", id="spanish"),
        pytest.param("Путин заявил о готовности к переговорам", "ru", id="russian"),
        pytest.param("中国经济增长放缓，专家称需要更多刺激", "zh", id="chinese"),
        pytest.param("Escopete ye un lugar d'a provincia de Uesca, en Aragón", "an", id="aragonese"),
        pytest.param("line one\nline two of an English text\n\nanother paragraph here", "en", id="newlines"),
    ],
)
def test_language(text: str, code: str) -> None:
    language = identify_language(text)
    assert language is not None
    assert language.code == code
    assert 0.0 < language.score <= 1.0


@pytest.mark.parametrize("text", [pytest.param("", id="empty"), pytest.param("12 34 -- 56", id="no-letters")])
def test_no_language_without_letters(text: str) -> None:
    assert identify_language(text) is None


def test_same_text_same_result() -> None:
    assert identify_language("The same words twice") == identify_language("The same words twice")


def test_a_long_text_is_judged_by_its_start() -> None:
    language = identify_language("An English sentence about markets and prices. " * 2000)
    assert language is not None and language.code == "en"
