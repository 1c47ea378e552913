"""The search index: postings parts that follow the documents parts, and BM25 scores equal to those of
DuckDB's fts extension over the same documents."""

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

import warehouse.search_index as search_index
from warehouse.catalog import SEARCH_PARTS, TABLES_DIR, commit, connect, load_search_extension
from warehouse.derived import BM25_B, refresh_derived
from warehouse.load import InputFile, NewPart, load_shard
from warehouse.schema import Load
from warehouse.search_index import SEARCH_TOP, index_part, postings, postings_part

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
QUERIES = ["oil prices", "oil prices opec", "Bank of England interest rates", "U.S. trade deficit", "zzzz"]


def _rows(root: Path, sql: str) -> list[tuple]:
    with connect(root) as connection:
        return connection.sql(sql).fetchall()


def _parts(root: Path, table: str) -> list[str]:
    return [
        file for (file,) in _rows(root, f"SELECT file FROM _parts WHERE table_name = '{table}' ORDER BY 1")
    ]


def _load(root: Path, files: list[InputFile], run: str, index: bool = False) -> None:
    """Load and commit `files` as the flow does; with `index`, the loader writes the postings parts."""
    report = load_shard(files, root / TABLES_DIR, Load(run, EPOCH))
    if index:
        documents = [part for part in report.parts if part.table == "documents"]
        report.parts += [
            NewPart(SEARCH_PARTS, part.partition, index_part(root / part.file, root)) for part in documents
        ]
    commit(root, report.parts, replaced=report.source_files)


def test_postings_count_the_terms_of_title_and_text() -> None:
    documents = pa.table(
        {
            "doc_id": ["a", "b", "c"],
            "title": ["Oil prices", None, "Gold"],
            "text": ["Oil rises; prices fall.", "The price of gold", "Nothing here, oil-2020"],
        }
    )
    rows = postings(documents).to_pylist()
    assert rows[0] == {
        "term": "",
        "docs": None,
        "tfs": [6, 2, 2],  # lengths
        "doc_ids": ["a", "b", "c"],
        "lengths": None,
        "documents": 3,
        "total_length": 10,
    }
    assert [(row["term"], row["docs"], row["tfs"], row["lengths"]) for row in rows[1:]] == [
        ("fall", [0], [1], [6]),
        ("gold", [1, 2], [1, 1], [2, 2]),
        ("oil", [0, 2], [2, 1], [6, 2]),
        ("price", [0, 1], [2, 1], [6, 2]),
        ("rise", [0], [1], [6]),
    ]
    assert all(row["doc_ids"] is None and row["documents"] is None for row in rows[1:])
    # Counted a batch of documents at a time, the same postings.
    assert postings(documents.to_batches(max_chunksize=1)).equals(postings(documents))
    assert postings(documents.to_batches(max_chunksize=2)).equals(postings(documents))


def test_scores_are_those_of_the_fts_extension(corpora: Path, tmp_path: Path) -> None:
    root = tmp_path / "warehouse"
    folder = corpora / "reuters21578"
    _load(root, [InputFile(folder / f"reut2-00{n}.sgm", "reuters") for n in range(3)], "run")
    refresh_derived(root)
    with connect(root) as connection:
        documents = connection.sql(
            "SELECT doc_id, coalesce(title, '') AS title, text FROM documents"
        ).to_arrow_table()
        ours = {query: _scores(connection, query) for query in QUERIES}
    fts = load_search_extension(duckdb.connect())
    fts.register("documents_arrow", documents)
    fts.execute("CREATE TABLE documents AS FROM documents_arrow")
    fts.execute("PRAGMA create_fts_index('documents', 'doc_id', 'title', 'text')")
    for query in QUERIES:
        theirs = dict(
            fts.execute(
                "SELECT doc_id, score FROM (SELECT doc_id, fts_main_documents.match_bm25("
                f"doc_id, '{query}', b := {BM25_B}) AS score FROM documents) WHERE score IS NOT NULL"
            ).fetchall()
        )
        assert ours[query].keys() == theirs.keys(), query
        assert all(ours[query][doc] == pytest.approx(theirs[doc], rel=1e-12) for doc in theirs), query
    assert len(ours["oil prices"]) > 100


def test_search_keeps_the_best_documents_and_reads_their_rows_whole(corpora: Path, tmp_path: Path) -> None:
    root = tmp_path / "warehouse"
    folder = corpora / "reuters21578"
    _load(root, [InputFile(folder / f"reut2-00{n}.sgm", "reuters") for n in range(2)], "run")
    refresh_derived(root)
    with connect(root) as connection:
        every = connection.execute("SELECT doc_id, score FROM search('oil prices', top := NULL)").fetchall()
        default = connection.execute("SELECT doc_id, score FROM search('oil prices')").fetchall()
        five = connection.execute("SELECT * FROM search('oil prices', top := 5)").arrow().read_all()
        rows = (
            connection.execute(
                "SELECT * FROM documents WHERE doc_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY doc_id",
                [five.column("doc_id").to_pylist()],
            )
            .arrow()
            .read_all()
        )
    assert len(every) > SEARCH_TOP
    assert [score for _, score in default] == [score for _, score in every[:SEARCH_TOP]]
    assert {doc for doc, _ in default} <= {doc for doc, _ in every}
    assert five.column("score").to_pylist() == [score for _, score in every[:5]]
    # Each hit is its documents row, every column, fetched by part and row number.
    assert five.drop_columns(["score"]).sort_by("doc_id").equals(rows)


def _scores(connection: duckdb.DuckDBPyConnection, query: str) -> dict[str, float]:
    rows = connection.execute("SELECT doc_id, score FROM search(?, top := NULL)", [query]).fetchall()
    assert [score for _, score in rows] == sorted((score for _, score in rows), reverse=True)
    return dict(rows)


def test_each_documents_part_has_its_postings_and_only_new_parts_are_indexed(
    corpora: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "warehouse"
    folder = corpora / "reuters21578"
    first, second = (
        InputFile(folder / "reut2-000.sgm", "reuters"),
        InputFile(folder / "reut2-001.sgm", "reuters"),
    )
    indexed: list[Path] = []
    index_parts = search_index.index_parts

    def counted(parts: list[Path], at: Path) -> list[str]:
        indexed.extend(parts)
        return index_parts(parts, at)

    monkeypatch.setattr("warehouse.derived.index_parts", counted)
    _load(root, [first], "run-1")
    refresh_derived(root)
    assert [root / part for part in _parts(root, "documents")] == indexed
    # The loader indexes what it writes: the refresh has nothing left to do.
    indexed.clear()
    _load(root, [second], "run-2", index=True)
    refresh_derived(root)
    assert indexed == []
    assert _parts(root, SEARCH_PARTS) == sorted(postings_part(part) for part in _parts(root, "documents"))
    (hits,) = _rows(root, "SELECT count(*) FROM search('oil prices', top := NULL)")
    # Loaded again, a file replaces its documents parts: their postings go, the new parts' come.
    indexed.clear()
    _load(root, [first], "run-3")
    refresh_derived(root)
    assert indexed and all(part.relative_to(root).as_posix() in _parts(root, "documents") for part in indexed)
    assert _parts(root, SEARCH_PARTS) == sorted(postings_part(part) for part in _parts(root, "documents"))
    assert _rows(root, "SELECT count(*) FROM search('oil prices', top := NULL)") == [hits]
    documents = _rows(root, "SELECT doc_id FROM documents ORDER BY 1")
    assert _rows(root, "SELECT doc_id FROM _search_documents ORDER BY 1") == documents
