"""The gold set: at least 300 hand-checked cases from every corpus, and accuracy that does not drop."""

import json
from collections import Counter

import pytest

from tests.gold import score

THRESHOLDS = json.loads((score.GOLD / "thresholds.json").read_text())
# The accuracy the metadata must reach at the very least, whatever the thresholds file says.
FLOORS = {"date": 0.98, "language": 0.97, "title": 0.98, "authors": 0.95}


@pytest.fixture(scope="module")
def outcomes() -> list[score.Outcome]:
    if not score.CORPORA.is_dir():
        pytest.skip(f"the developer corpora are not at {score.CORPORA}")
    return score.score()


@pytest.fixture(scope="module")
def table(outcomes: list[score.Outcome]) -> dict[str, dict[str, tuple[int, int]]]:
    return score.accuracy(outcomes)


def test_the_gold_set_covers_every_corpus() -> None:
    corpora = Counter(corpus for corpus, _ in score.cases())
    assert sum(corpora.values()) >= 300
    assert set(corpora) == {
        "20news_mini",
        "bbc_zitros",
        "csv_cnbc",
        "csv_guardian",
        "jsonl_huffpost",
        "mbox_python_dev",
        "reuters21578",
        "rss_nyt_2016",
        "seeds",
        "warc",
    }
    assert min(corpora.values()) >= 5


def test_every_case_is_well_formed() -> None:
    keys = ["source_file", "source_member", "record_index", "excerpt", "date", "date_precision"]
    keys += ["language", "title", "authors"]
    locators = set()
    for _, case in score.cases():
        assert list(case) == keys, case
        assert case["date_precision"] in {None, "second", "day", "month", "year"}, case
        assert (case["date"] is None) == (case["date_precision"] is None), case
        locators.add((case["source_file"], case["source_member"], case["record_index"]))
    assert len(locators) == sum(1 for _ in score.cases())


@pytest.mark.parametrize("field", score.FIELDS)
def test_accuracy_does_not_drop(table: dict[str, dict[str, tuple[int, int]]], field: str) -> None:
    right, scored = table["all"][field]
    assert right / scored >= max(THRESHOLDS[field], FLOORS[field]), score.format_table(table)


def test_every_case_is_found(outcomes: list[score.Outcome]) -> None:
    """A case whose record is missing counts as wrong everywhere; none may be missing."""
    missing = [o.case for o in outcomes if o.found["language"] is None and o.found["title"] is None]
    assert missing == []
