import pytest

from tests.conftest import VARIANTS
from transforms.encoding import UTF8, UTF8_WITH_CP1252_FALLBACK, decode_text


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        pytest.param(b"plain ascii", "plain ascii", UTF8, id="ascii"),
        pytest.param("Moët £5 – ’".encode(), "Moët £5 – ’", UTF8, id="utf8"),
        pytest.param(b"\xef\xbb\xbfwith bom", "with bom", UTF8, id="bom-dropped"),
        pytest.param(b"Mo\xebt & Chandon", "Moët & Chandon", UTF8_WITH_CP1252_FALLBACK, id="latin1-byte"),
        pytest.param(
            b"it\x92s \x93quoted\x94", "it’s “quoted”", UTF8_WITH_CP1252_FALLBACK, id="cp1252-quotes"
        ),
        pytest.param("£".encode() + b" and \xa3", "£ and £", UTF8_WITH_CP1252_FALLBACK, id="mixed"),
        pytest.param(b"x\x81y\x9d", "x\x81y\x9d", UTF8_WITH_CP1252_FALLBACK, id="cp1252-undefined"),
        pytest.param(b"cut \xe2\x80", "cut â\u20ac", UTF8_WITH_CP1252_FALLBACK, id="truncated-sequence"),
        pytest.param("had \ufffd".encode(), "had \ufffd", UTF8, id="source-replacement-char-kept"),
    ],
)
def test_decode_text(data: bytes, text: str, encoding: str) -> None:
    assert decode_text(data) == (text, encoding)


def test_seed_with_a_latin1_byte_decodes_it() -> None:
    text, encoding = decode_text((VARIANTS / "004_latin1_byte.txt").read_bytes())
    assert encoding == UTF8_WITH_CP1252_FALLBACK
    assert "Moët & Chandon" in text
    assert "\ufffd" not in text


def test_newsgroup_articles_get_replacement_characters_only_where_the_source_had_them(corpora) -> None:
    folder = corpora / "20news_mini" / "mini_newsgroups"
    fallbacks = set()
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            text, encoding = decode_text(data)
            assert text.count("\ufffd") == data.count("\ufffd".encode()), path
            if encoding == UTF8_WITH_CP1252_FALLBACK:
                fallbacks.add(str(path.relative_to(folder)))
    assert fallbacks == {
        "sci.space/61534",
        "sci.space/61293",
        "comp.windows.x/67305",
        "comp.graphics/38489",
        "rec.sport.hockey/54000",
        "rec.sport.baseball/104352",
    }
