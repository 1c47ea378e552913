import dataclasses

import pyarrow as pa

from transforms.records import Document, Locator, Rejection
from warehouse.schema import DOCUMENTS, LOAD_COLUMNS, REJECTS, Load, documents_batch, rejects_batch


def test_documents_schema_matches_the_document_record() -> None:
    fields = [field.name for field in dataclasses.fields(Document)]
    assert sorted(DOCUMENTS.names) == sorted([*fields, *LOAD_COLUMNS])
    assert len(DOCUMENTS.names) == len(set(DOCUMENTS.names))


def test_rejects_schema_matches_the_rejection_record() -> None:
    record_fields = {field.name for field in dataclasses.fields(Rejection)} - {"locator"}
    locator_fields = {field.name for field in dataclasses.fields(Locator)}
    assert set(REJECTS.names) == record_fields | locator_fields | {"source", *LOAD_COLUMNS}


def test_design_columns_exist() -> None:
    for name in [
        "doc_id",
        "source",
        "source_file",
        "source_format",
        "url",
        "canonical_url",
        "domain",
        "title",
        "authors",
        "published_at",
        "published_date",
        "date_precision",
        "date_source",
        "date_raw",
        "language",
        "language_score",
        "text",
        "content_hash",
        "minhash",
        "headers",
        "run_id",
        "ingested_at",
    ]:
        assert name in DOCUMENTS.names
    assert DOCUMENTS.field("published_at").type == pa.timestamp("us", tz="UTC")
    assert DOCUMENTS.field("published_date").type == pa.date32()


def test_batches_conform_to_the_schemas() -> None:
    from datetime import UTC, datetime

    load = Load(run_id="run-1", ingested_at=datetime(2026, 1, 1, tzinfo=UTC))
    document = Document(
        doc_id="d1",
        source="s",
        source_file="f.txt",
        source_member=None,
        record_index=0,
        byte_offset=0,
        source_format="textdump",
        encoding="utf-8",
        text="Hello.",
        paragraph_count=1,
        word_count=1,
        char_count=6,
        content_hash="h",
        headers={"date": ["2019-03-05"], "x": ["a", "b"]},
    )
    batch = documents_batch([document], load)
    assert batch.schema == DOCUMENTS
    row = batch.to_pylist()[0]
    assert row["headers"] == [("date", ["2019-03-05"]), ("x", ["a", "b"])]
    assert (row["run_id"], row["authors"]) == ("run-1", [])

    rejection = Rejection(Locator("f.bin", 3, 120), "textdump", "too_large", "big", b"\x00raw")
    rejects = rejects_batch([("s", rejection)], load)
    assert rejects.schema == REJECTS
    assert rejects.to_pylist()[0]["raw_excerpt"] == b"\x00raw"
    assert rejects.to_pylist()[0]["byte_offset"] == 120
