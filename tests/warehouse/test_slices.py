"""A big file loaded in slices gives the documents and rejects of the file loaded whole, each once."""

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from warehouse.load import InputFile, ShardReport, load_shard
from warehouse.schema import Load

LOAD = Load(run_id="run", ingested_at=datetime(2026, 1, 1, tzinfo=UTC))
# Columns that do not depend on how the file was cut.
COLUMNS = ["doc_id", "content_hash", "title", "published_at", "language", "text", "boilerplate"]


def _rows(tables: Path, report: ShardReport, table: str, columns: list[str]) -> list[tuple]:
    rows = []
    for part in report.parts:
        if part.table == table:
            data = pq.read_table(tables.parent / part.file, columns=columns).to_pylist()
            rows += [tuple(str(row[column]) for column in columns) for row in data]
    return sorted(rows)


@pytest.mark.parametrize(
    ("relative", "slices"),
    [
        pytest.param("jsonl_huffpost/News_Category_Dataset_v2.json", 3, id="jsonl"),
        pytest.param("warc/chatnoir-resiliparse/tests/data/warcfile.warc.gz", 3, id="warc"),
        pytest.param("reuters21578/reut2-003.sgm", 4, id="reuters"),
        pytest.param("csv_financial_headlines/cnbc_headlines.csv", 5, id="csv-with-empty-rows"),
    ],
)
def test_slices_together_are_the_whole_file(
    corpora: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, relative: str, slices: int
) -> None:
    monkeypatch.setattr("warehouse.inputs.SLICE_RUN", 4)  # small files: short runs, so every slice has some
    path = corpora / relative
    if not path.exists():
        pytest.skip(f"{relative} is not in the corpora")
    item = InputFile(path, "source", fingerprint="f")
    whole = load_shard([item], tmp_path / "whole" / "tables", LOAD)
    parts = [
        load_shard(
            [dataclasses.replace(item, file_slice=(k, slices))], tmp_path / f"slice{k}" / "tables", LOAD
        )
        for k in range(slices)
    ]
    merged = ShardReport.merged(parts)
    assert merged.documents == whole.documents and merged.documents.total() > 0
    assert merged.rejects == whole.rejects
    assert merged.tallies == whole.tallies
    assert all(part.documents.total() > 0 for part in parts)  # every slice did a share
    sliced_documents = sorted(
        row
        for k, part in enumerate(parts)
        for row in _rows(tmp_path / f"slice{k}" / "tables", part, "documents", COLUMNS)
    )
    assert sliced_documents == _rows(tmp_path / "whole" / "tables", whole, "documents", COLUMNS)
    reject_columns = ["record_index", "reason", "message"]
    sliced_rejects = sorted(
        row
        for k, part in enumerate(parts)
        for row in _rows(tmp_path / f"slice{k}" / "tables", part, "rejects", reject_columns)
    )
    assert sliced_rejects == _rows(tmp_path / "whole" / "tables", whole, "rejects", reject_columns)
    assert not any(part.table == "files" for part in merged.parts)  # the flow writes the file's row


def test_a_truncated_warc_gives_its_one_reject_in_one_slice(
    corpora: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("warehouse.inputs.SLICE_RUN", 1)
    path = next(corpora.glob("warc/**/clipped.warc.gz"), None)
    if path is None:
        pytest.skip("clipped.warc.gz is not in the corpora")
    item = InputFile(path, "source", fingerprint="f")
    reports = [
        load_shard([dataclasses.replace(item, file_slice=(k, 2))], tmp_path / f"slice{k}" / "tables", LOAD)
        for k in range(2)
    ]
    assert (
        ShardReport.merged(reports).rejects == load_shard([item], tmp_path / "whole" / "tables", LOAD).rejects
    )
    assert sum(report.rejects["truncated"] for report in reports) == 1
