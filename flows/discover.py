"""Input paths (files, folders, globs, or fsspec URLs of them such as `s3://bucket/dumps/`) into the
list of files to load, each with its source name."""

from __future__ import annotations

import dataclasses
import glob
from collections.abc import Iterator, Sequence
from fnmatch import fnmatch
from pathlib import Path, PurePath, PurePosixPath

from transforms.fields import FieldMapping
from warehouse.inputs import InputFile
from warehouse.storage import cache_directory, is_remote, list_files, local_path, url_key

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


_GLOB_CHARACTERS = frozenset("*?[")


def _is_hidden(path: PurePath) -> bool:
    return any(part.startswith(".") for part in path.parts)


# Each file an argument names: (the file, the folder it counts as found in, named on its own, the file
# to load with its source still unset).
Found = tuple[PurePath, PurePath, bool, InputFile]


def _expand(argument: str) -> Iterator[Found]:
    path = local_path(argument)
    if path.exists():
        matches = [path]
    else:
        matches = [Path(match) for match in sorted(glob.glob(str(path), recursive=True))]
        if not matches:
            raise InputError(f"{argument}: no such file or folder, and no file matches it as a glob")
    for match in matches:
        if match.is_dir():
            for file in sorted(match.rglob("*")):
                if file.is_file() and not _is_hidden(file.relative_to(match)):
                    yield file, match, False, InputFile(file.resolve(), "")
        elif match.is_file():
            yield match, match.parent, match == path, InputFile(match.resolve(), "")


def _expand_url(url: str, staging: Path) -> Iterator[Found]:
    files = list_files(url)
    if not files:
        raise InputError(f"{url}: no such file or folder in the store, and no file matches it as a glob")
    given = PurePosixPath(url.split("://", 1)[1].rstrip("/"))
    named = len(files) == 1 and files[0].url.endswith(f"://{given}")
    top = given.parent if named else given
    while _GLOB_CHARACTERS.intersection(str(top)):
        top = top.parent
    for remote in files:
        key = PurePosixPath(remote.url.split("://", 1)[1])
        if not named and _is_hidden(key.relative_to(top)):
            continue
        copy = staging / url_key(remote.url) / key.name
        yield (
            key,
            top,
            named,
            InputFile(copy, "", fingerprint=remote.fingerprint, url=remote.url, size_bytes=remote.size),
        )


def _source_name(file: PurePath, top: PurePath) -> str:
    """A folder directly under what was ingested is one dump, named after that folder."""
    relative = file.relative_to(top).parts
    return relative[0] if len(relative) > 1 else (top.resolve() if isinstance(top, Path) else top).name


def discover(
    paths: Sequence[str],
    source: str | None = None,
    source_format: str | None = None,
    mapping: FieldMapping | None = None,
    excludes: Sequence[str] = DEFAULT_EXCLUDES,
    staging: Path | None = None,
) -> list[InputFile]:
    """Every file under `paths`, once each, in a stable order; excluded ones are marked, not dropped.
    Remote files are listed, not read: each is copied into `staging` when its shard loads."""
    staging = staging or cache_directory() / "staging"
    found: dict[str, InputFile] = {}
    for argument in paths:
        expanded = _expand_url(argument, staging) if is_remote(argument) else _expand(argument)
        for file, top, named, item in expanded:
            if item.name in found:
                continue
            excluded_by = None if named else next((p for p in excludes if fnmatch(file.name, p)), None)
            found[item.name] = dataclasses.replace(
                item,
                source=source or _source_name(file, top),
                source_format=source_format,
                mapping=mapping,
                excluded_by=excluded_by,
            )
    return list(found.values())
