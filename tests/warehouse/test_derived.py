"""Duplicate marks and full-text search, recomputed over the whole warehouse after loads."""

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warehouse.catalog import TABLES_DIR, commit, connect
from warehouse.derived import refresh_derived
from warehouse.load import InputFile, load_shard
from warehouse.schema import Load

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _load(root: Path, folder: Path, source: str, run: int) -> None:
    files = [InputFile(path, source) for path in sorted(folder.rglob("*.txt"))]
    report = load_shard(files, root / TABLES_DIR, Load(f"run-{run}", EPOCH + timedelta(minutes=run)))
    commit(root, report.parts, replaced=report.source_files)
    refresh_derived(root)


def _rows(root: Path, sql: str) -> list[tuple]:
    with connect(root) as connection:
        return connection.sql(sql).fetchall()


def test_a_corpus_loaded_twice_marks_every_second_copy(corpora: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "bbc_first", tmp_path / "bbc_second"
    shutil.copytree(corpora / "bbc_zitros" / "news", first)
    shutil.copytree(corpora / "bbc_zitros" / "news", second)
    root = tmp_path / "warehouse"
    _load(root, first, "bbc_first", 1)
    _load(root, second, "bbc_second", 2)
    # Every document of the second copy points at a document of the first; in the first copy only
    # the stories the BBC itself published twice (the same text in two folders) are marked.
    targets = _rows(
        root,
        "SELECT copy.source, original.source, count(*) FROM documents AS copy "
        "LEFT JOIN documents AS original ON copy.duplicate_of = original.doc_id "
        "WHERE copy.duplicate_of IS NOT NULL OR copy.source = 'bbc_second' GROUP BY ALL ORDER BY 1",
    )
    ((distinct,),) = _rows(root, "SELECT count(DISTINCT content_hash) FROM documents")
    assert targets == [("bbc_first", "bbc_first", 1262 - distinct), ("bbc_second", "bbc_first", 1262)]
    assert distinct > 1200


def test_the_first_copy_is_the_first_loaded(corpora: Path, tmp_path: Path) -> None:
    folder = tmp_path / "politics"
    shutil.copytree(corpora / "bbc_zitros" / "news" / "politics", folder)
    later = tmp_path / "a_sorts_first"
    shutil.copytree(folder, later)
    root = tmp_path / "warehouse"
    _load(root, folder, "politics", 1)
    _load(root, later, "again", 2)  # sorts first by path, but was loaded second
    marked = _rows(
        root,
        "SELECT copy.source, original.source, count(*) FROM documents AS copy "
        "LEFT JOIN documents AS original ON copy.duplicate_of = original.doc_id "
        "WHERE copy.source = 'again' GROUP BY ALL",
    )
    assert marked == [("again", "politics", 397)]


def _edited(text: str) -> str:
    """The story with one paragraph rewritten: the shortest of its middle half."""
    paragraphs = text.split("\n\n")
    middle = range(len(paragraphs) // 4, len(paragraphs) * 3 // 4)
    shortest = min(middle, key=lambda index: len(paragraphs[index]))
    paragraphs[shortest] = "This paragraph was rewritten for the edited copy of the story."
    return "\n\n".join(paragraphs)


def test_edited_copies_are_near_duplicates_in_one_cluster(corpora: Path, tmp_path: Path) -> None:
    originals = sorted((corpora / "bbc_zitros" / "news").rglob("*.txt"))
    long_enough = [path for path in originals if path.read_text().count("\n\n") >= 10][:10]
    assert len(long_enough) == 10
    dump = tmp_path / "dump"
    for path in long_enough:
        (dump / "original").mkdir(parents=True, exist_ok=True)
        (dump / "edited").mkdir(parents=True, exist_ok=True)
        shutil.copy(path, dump / "original" / path.name)
        (dump / "edited" / path.name).write_text(_edited(path.read_text()))
    root = tmp_path / "warehouse"
    _load(root, dump / "original", "original", 1)
    _load(root, dump / "edited", "edited", 2)
    clusters = _rows(
        root,
        "SELECT regexp_extract(source_file, '[^/]+$') AS name, list(DISTINCT near_duplicate_cluster), "
        "count(*), count(duplicate_of) FROM documents GROUP BY name ORDER BY name",
    )
    assert len(clusters) == len(long_enough)
    for name, cluster_ids, copies, exact in clusters:
        assert copies == 2 and exact == 0, name  # changed text: not an exact duplicate
        assert len(cluster_ids) == 1 and cluster_ids[0] is not None, name
    assert len({tuple(cluster_ids) for _, cluster_ids, _, _ in clusters}) == len(long_enough)


def test_search_ranks_by_bm25_over_title_and_text(corpora: Path, tmp_path: Path) -> None:
    root = tmp_path / "warehouse"
    folder = corpora / "reuters21578"
    report = load_shard(
        [InputFile(folder / "reut2-000.sgm", "reuters"), InputFile(folder / "reut2-001.sgm", "reuters")],
        root / TABLES_DIR,
        Load("run", EPOCH),
    )
    commit(root, report.parts, replaced=report.source_files)
    refresh_derived(root)
    hits = _rows(root, "SELECT title, text, score FROM search('oil prices opec') LIMIT 10")
    assert len(hits) == 10
    assert [score for _, _, score in hits] == sorted((score for _, _, score in hits), reverse=True)
    for title, text, _ in hits:
        words = f"{title} {text}".lower()
        assert "opec" in words and "oil" in words, title
    assert _rows(root, "SELECT count(*) FROM search('zzzunknownword')") == [(0,)]


@pytest.mark.parametrize("threshold", [0.5, 0.95])
def test_the_near_duplicate_threshold_is_a_setting(corpora: Path, tmp_path: Path, threshold: float) -> None:
    dump = tmp_path / "dump"
    path = sorted((corpora / "bbc_zitros" / "news" / "business").glob("*.txt"))[0]
    (dump / "a").mkdir(parents=True)
    (dump / "b").mkdir()
    shutil.copy(path, dump / "a" / path.name)
    text = path.read_text().split("\n\n")
    (dump / "b" / path.name).write_text("\n\n".join(text[: len(text) * 3 // 4]))  # a quarter cut
    root = tmp_path / "warehouse"
    for folder in (dump / "a", dump / "b"):
        report = load_shard([InputFile(folder / path.name, folder.name)], root / TABLES_DIR, Load("r", EPOCH))
        commit(root, report.parts, replaced=report.source_files)
    refresh_derived(root, threshold)
    clustered = _rows(root, "SELECT count(near_duplicate_cluster) FROM documents")[0][0]
    assert clustered == (2 if threshold == 0.5 else 0)
