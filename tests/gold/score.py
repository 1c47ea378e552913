"""Accuracy of dumpling's header metadata against the hand-checked gold set, per field and per corpus.

    python -m tests.gold.score              # the accuracy table
    python -m tests.gold.score --misses     # and every case that is wrong, with what was found

Each case names a record by file and index; the file is read with dumpling's readers and the record
normalised as an ingest would, then each field is compared with the expectation (see README.md).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transforms.formats import read_path
from transforms.normalise import normalise
from transforms.records import Document, RawRecord

GOLD = Path(__file__).resolve().parent
REPO = GOLD.parent.parent
CORPORA = REPO.parent / "shared" / "corpora"
FIELDS = ("date", "language", "title", "authors")
_DATE_FORMATS = {"second": "%Y-%m-%dT%H:%M:%SZ", "day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


@dataclass(frozen=True, slots=True)
class Outcome:
    corpus: str
    case: dict[str, Any]
    found: dict[str, Any]
    correct: dict[str, bool]  # only the fields the case scores


def cases() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(GOLD.glob("*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    yield path.stem, json.loads(line)


def case_path(case: dict[str, Any]) -> Path:
    relative = case["source_file"]
    return REPO / relative if relative.startswith("seeds/") else CORPORA / relative


def _date(document: Document) -> tuple[str | None, str | None]:
    if document.published_at is None or document.date_precision is None:
        return None, None
    return document.published_at.strftime(_DATE_FORMATS[document.date_precision]), document.date_precision


def found_fields(document: Document | None) -> dict[str, Any]:
    if document is None:
        return {"date": None, "date_precision": None, "language": None, "title": None, "authors": None}
    date, precision = _date(document)
    return {
        "date": date,
        "date_precision": precision,
        "language": document.language,
        "title": document.title,
        "authors": document.authors,
    }


def _documents(path: Path, indexes: set[int]) -> dict[tuple[str | None, int], Document]:
    """The normalised documents at `indexes` of the file (any member of an archive)."""
    found: dict[tuple[str | None, int], Document] = {}
    for record in read_path(path):
        locator = record.locator
        if isinstance(record, RawRecord) and locator.record_index in indexes:
            document = normalise(record, "gold")
            if isinstance(document, Document):
                found[(locator.source_member, locator.record_index)] = document
    return found


def score() -> list[Outcome]:
    by_file: defaultdict[Path, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for corpus, case in cases():
        by_file[case_path(case)].append((corpus, case))
    outcomes = []
    for path, file_cases in sorted(by_file.items()):
        documents = _documents(path, {case["record_index"] for _, case in file_cases})
        for corpus, case in file_cases:
            found = found_fields(documents.get((case.get("source_member"), case["record_index"])))
            correct = {
                "date": (found["date"], found["date_precision"]) == (case["date"], case["date_precision"]),
                "language": found["language"] == case["language"],
                "title": found["title"] == case["title"],
            }
            if case["authors"] is not None:
                correct["authors"] = found["authors"] == case["authors"]
            outcomes.append(Outcome(corpus, case, found, correct))
    return outcomes


def accuracy(outcomes: list[Outcome]) -> dict[str, dict[str, tuple[int, int]]]:
    """(correct, scored) per corpus and field, with the corpus `all` for the whole set."""
    table: defaultdict[str, defaultdict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for outcome in outcomes:
        for corpus in (outcome.corpus, "all"):
            for field, right in outcome.correct.items():
                table[corpus][field][0] += right
                table[corpus][field][1] += 1
    return {corpus: {field: (c, n) for field, (c, n) in fields.items()} for corpus, fields in table.items()}


def format_table(table: dict[str, dict[str, tuple[int, int]]]) -> str:
    lines = [f"{'corpus':<18}{'cases':>7}" + "".join(f"{field:>18}" for field in FIELDS)]
    for corpus in sorted(table, key=lambda name: (name == "all", name)):
        fields = table[corpus]
        cells = []
        for field in FIELDS:
            if field in fields:
                right, scored = fields[field]
                cells.append(f"{right:>5}/{scored:<4} {right / scored:6.1%}")
            else:
                cells.append(f"{'-':>17}")
        cases_count = fields["title"][1]
        lines.append(f"{corpus:<18}{cases_count:>7}" + "".join(f"{cell:>18}" for cell in cells))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--misses", action="store_true", help="list every wrong field")
    arguments = parser.parse_args()
    if not CORPORA.is_dir():
        parser.exit(2, f"the developer corpora are not at {CORPORA}\n")
    outcomes = score()
    print(format_table(accuracy(outcomes)))
    if arguments.misses:
        for outcome in outcomes:
            for field, right in outcome.correct.items():
                if not right:
                    keys = ("date", "date_precision") if field == "date" else (field,)
                    expected = [outcome.case[key] for key in keys]
                    found = [outcome.found[key] for key in keys]
                    where = f"{outcome.case['source_file']}#{outcome.case['record_index']}"
                    print(f"{field:<9} {where}\n  expected {expected}\n  found    {found}")


if __name__ == "__main__":
    main()
