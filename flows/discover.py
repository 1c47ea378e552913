"""Input paths (files, folders, globs) into the list of files to load, each with its source name."""

from __future__ import annotations

import glob
from collections.abc import Iterator, Sequence
from fnmatch import fnmatch
from pathlib import Path

from transforms.fields import FieldMapping
from warehouse.load import InputFile

# Files that sit beside the data in real dumps but are not part of it. Matched against file names of
# files found inside folders or globs; a file named on its own is always read.
DEFAULT_EXCLUDES = (
    "README*",
    "readme*",
    "LICENSE*",
    "license*",
    "LICENCE*",
    "COPYING*",
    "NOTICE*",
    "CHANGELOG*",
    "MANIFEST*",
    "SOURCES.md",
    "*.sha256",
    "*.md5",
    "*.dtd",
)


class InputError(ValueError):
    """An input path that names nothing."""


def _is_hidden(path: Path) -> bool:
    return any(part.startswith(".") for part in path.parts)


def _expand(argument: str) -> Iterator[tuple[Path, Path, bool]]:
    """`(file, the folder it counts as found in, named on its own)` for every file `argument` names."""
    path = Path(argument)
    if path.exists():
        matches = [path]
    else:
        matches = [Path(match) for match in sorted(glob.glob(argument, recursive=True))]
        if not matches:
            raise InputError(f"{argument}: no such file or folder, and no file matches it as a glob")
    for match in matches:
        if match.is_dir():
            for file in sorted(match.rglob("*")):
                if file.is_file() and not _is_hidden(file.relative_to(match)):
                    yield file, match, False
        elif match.is_file():
            yield match, match.parent, match == path


def _source_name(file: Path, top: Path) -> str:
    """A folder directly under what was ingested is one dump, named after that folder."""
    relative = file.relative_to(top).parts
    return relative[0] if len(relative) > 1 else top.resolve().name


def discover(
    paths: Sequence[str],
    source: str | None = None,
    source_format: str | None = None,
    mapping: FieldMapping | None = None,
    excludes: Sequence[str] = DEFAULT_EXCLUDES,
) -> list[InputFile]:
    """Every file under `paths`, once each, in a stable order; excluded ones are marked, not dropped."""
    found: dict[Path, InputFile] = {}
    for argument in paths:
        for file, top, named in _expand(argument):
            resolved = file.resolve()
            if resolved in found:
                continue
            excluded_by = None if named else next((p for p in excludes if fnmatch(file.name, p)), None)
            found[resolved] = InputFile(
                resolved, source or _source_name(file, top), source_format, mapping, excluded_by
            )
    return list(found.values())
