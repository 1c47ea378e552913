from pathlib import Path

import pytest

from flows.discover import InputError, discover
from flows.ingest import shards
from tests.conftest import SEED_ARTICLE, SEEDS, VARIANTS


def _names(found) -> list[tuple[str, str]]:
    return [(item.path.name, item.source) for item in found]


def test_a_folder_of_dumps_names_each_source_after_its_folder() -> None:
    assert _names(discover([str(SEEDS)])) == [
        ("000_6070c4b8a462a897.txt", "textdump"),
        ("001_month_only_header.txt", "textdump_variants"),
        ("002_no_header.txt", "textdump_variants"),
        ("003_crlf_line_endings.txt", "textdump_variants"),
        ("004_latin1_byte.txt", "textdump_variants"),
    ]


def test_a_single_file_takes_its_folder_name_and_paths_are_absolute() -> None:
    (item,) = discover([str(SEED_ARTICLE)])
    assert (item.source, item.path) == ("textdump", SEED_ARTICLE.resolve())
    assert item.path.is_absolute()


def test_globs_overlaps_and_source_override(tmp_path: Path) -> None:
    found = discover([str(VARIANTS / "00[12]_*.txt"), str(VARIANTS)], source="mine")
    assert [name for name, _ in _names(found)] == [
        "001_month_only_header.txt",
        "002_no_header.txt",
        "003_crlf_line_endings.txt",
        "004_latin1_byte.txt",
    ]
    assert {item.source for item in found} == {"mine"}


def test_hidden_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / ".DS_Store").write_bytes(b"\x00")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref")
    (tmp_path / "a.txt").write_text("text")
    assert [item.path.name for item in discover([str(tmp_path)])] == ["a.txt"]


def test_a_path_that_names_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        discover([str(tmp_path / "missing"), str(SEEDS)])
    with pytest.raises(InputError, match="no file matches"):
        discover([str(tmp_path / "*.nothing")])


def test_shards_split_by_source_and_size() -> None:
    found = discover([str(SEEDS)])
    assert [[item.path.name[:3] for item in shard] for shard in shards(found, size=3)] == [
        ["000"],
        ["001", "002", "003"],
        ["004"],
    ]


def test_documentation_files_inside_folders_are_marked_excluded(tmp_path: Path) -> None:
    for name in ["README.md", "license", "data.sha256", "a.txt", "lewis.dtd"]:
        (tmp_path / name).write_text("x")
    marked = {item.path.name: item.excluded_by for item in discover([str(tmp_path)])}
    assert marked == {
        "README.md": "README*",
        "a.txt": None,
        "data.sha256": "*.sha256",
        "lewis.dtd": "*.dtd",
        "license": "license*",
    }
    assert discover([str(tmp_path / "README.md")])[0].excluded_by is None  # named on its own: read
    assert {i.excluded_by for i in discover([str(tmp_path)], excludes=["*.txt"])} == {None, "*.txt"}


def test_shards_end_at_a_size_and_never_mix_sources(tmp_path: Path) -> None:
    from flows.ingest import shards
    from warehouse.load import InputFile

    files = []
    for source, sizes in (("a", [400, 400, 400, 900]), ("b", [100])):
        for number, size in enumerate(sizes):
            path = tmp_path / f"{source}{number}.txt"
            path.write_bytes(b"x" * size)
            files.append(InputFile(path, source))
    cut = [[item.path.name for item in shard] for shard in shards(files, size=500, max_bytes=1000)]
    assert cut == [["a0.txt", "a1.txt"], ["a2.txt"], ["a3.txt"], ["b0.txt"]]
    assert [len(shard) for shard in shards(files, size=2, max_bytes=10_000)] == [2, 2, 1]
