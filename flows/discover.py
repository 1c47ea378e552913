"""Input paths (files, folders, globs) into the list of files to load, each with its source name."""

from __future__ import annotations

import glob
from collections.abc import Iterator, Sequence
from pathlib import Path

from warehouse.load import InputFile


class InputError(ValueError):
    """An input path that names nothing."""


def _is_hidden(path: Path) -> bool:
    return any(part.startswith(".") for part in path.parts)


def _expand(argument: str) -> Iterator[tuple[Path, Path]]:
    """`(file, the folder it counts as found in)` for every file that `argument` names."""
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
                    yield file, match
        elif match.is_file():
            yield match, match.parent


def _source_name(file: Path, top: Path) -> str:
    """A folder directly under what was ingested is one dump, named after that folder."""
    relative = file.relative_to(top).parts
    return relative[0] if len(relative) > 1 else top.resolve().name


def discover(
    paths: Sequence[str], source: str | None = None, source_format: str | None = None
) -> list[InputFile]:
    """Every file under `paths`, once each, in a stable order."""
    found: dict[Path, InputFile] = {}
    for argument in paths:
        for file, top in _expand(argument):
            resolved = file.resolve()
            if resolved not in found:
                found[resolved] = InputFile(resolved, source or _source_name(file, top), source_format)
    return list(found.values())
