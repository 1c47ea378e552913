"""`dumpling.toml`: the sources a team loads, their schedules, and the warehouse, typed and validated.

    [warehouse]
    location = "warehouse"            # a folder; $DUMPLING_WAREHOUSE overrides it
    workers = 2                       # default: one per core
    dask_scheduler = "tcp://10.0.0.5:8786"   # optional: run shards on a Dask cluster
    near_duplicate_threshold = 0.8

    [sources.reuters]
    location = "../shared/corpora/reuters21578"   # a file, folder or glob, relative to this file
    format = "auto"                   # or a format name (reuters_sgml, jsonl, csv, ...)
    map = { body = "short_description", title = "headline" }   # JSONL/CSV fields
    exclude = ["*.txt"]
    schedule = { cron = "0 * * * *", timezone = "Europe/Paris" }   # or { interval_seconds = 3600 }

Any setting can be overridden by an environment variable named `DUMPLING_` and the setting's keys
joined by `__`: `DUMPLING_WAREHOUSE__WORKERS=4`, `DUMPLING_SOURCES__REUTERS__LOCATION=s3://b/reuters`,
`DUMPLING_SOURCES__REUTERS__SCHEDULE='{ cron = "0 6 * * *" }'`. A value is read as TOML where it is
one (numbers, booleans, arrays, inline tables), else as a string.

Every error names the file (or the variable), the place in it and the problem on one line. A
location that carries credentials (`s3://key:secret@bucket/...`, a signed URL) is refused: they come
from the environment, never from this file.
"""

from __future__ import annotations

import glob
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from warehouse.location import default_warehouse
from warehouse.storage import CredentialsInUrl, is_remote, list_files, local_path, redact, refuse_credentials

CONFIG_FILE = "dumpling.toml"
CONFIG_VARIABLE = "DUMPLING_CONFIG"
WAREHOUSE_VARIABLE = "DUMPLING_WAREHOUSE"


class ConfigError(ValueError):
    """A configuration file that cannot be used, with a one-line message."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Schedule(_Strict):
    cron: str | None = None
    interval_seconds: Annotated[int, Field(gt=0)] | None = None
    timezone: str = "UTC"

    @model_validator(mode="after")
    def _one_kind(self) -> Schedule:
        if (self.cron is None) == (self.interval_seconds is None):
            raise ValueError("a schedule has either `cron` or `interval_seconds`")
        return self


class Source(_Strict):
    location: str
    format: str = "auto"
    map: dict[Literal["body", "title", "url", "date", "authors"], str] = {}
    exclude: list[str] = []
    schedule: Schedule | None = None

    @field_validator("location")
    @classmethod
    def _no_credentials(cls, value: str) -> str:
        return refuse_credentials(value)

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        from transforms.formats import FORMATS

        if value != "auto" and value not in FORMATS:
            raise ValueError(f"unknown format {value!r}; known: auto, {', '.join(FORMATS)}")
        return value

    @property
    def source_format(self) -> str | None:
        return None if self.format == "auto" else self.format

    @property
    def field_mapping(self) -> str | None:
        return ",".join(f"{ours}={theirs}" for ours, theirs in self.map.items()) or None


class Warehouse(_Strict):
    location: str | None = None
    workers: Annotated[int, Field(ge=1)] | None = None
    dask_scheduler: str | None = None
    near_duplicate_threshold: Annotated[float, Field(gt=0, le=1)] = 0.8

    @field_validator("location")
    @classmethod
    def _no_credentials(cls, value: str | None) -> str | None:
        return None if value is None else refuse_credentials(value)


class Config(_Strict):
    warehouse: Warehouse = Warehouse()
    sources: dict[str, Source] = {}

    def warehouse_location(self, base: Path) -> str:
        """A folder (relative to the configuration file's) or a URL."""
        if os.environ.get(WAREHOUSE_VARIABLE):
            try:
                return refuse_credentials(os.environ[WAREHOUSE_VARIABLE])
            except CredentialsInUrl as error:
                raise ConfigError(f"${WAREHOUSE_VARIABLE}: {error}") from None
        if self.warehouse.location:
            return resolve_location(base, self.warehouse.location)
        return default_warehouse()


def config_path(given: Path | None) -> Path:
    return given or Path(os.environ.get(CONFIG_VARIABLE) or CONFIG_FILE)


def _where(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "(top level)"


OVERRIDE_PREFIX = "DUMPLING_"


def _override_value(text: str) -> object:
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def apply_overrides(data: dict[str, Any], environment: Mapping[str, str]) -> dict[tuple[str, ...], str]:
    """Put the settings of `DUMPLING_A__B...` variables into `data`; which variable set which keys."""
    applied: dict[tuple[str, ...], str] = {}
    for variable, text in sorted(environment.items()):
        if not variable.startswith(OVERRIDE_PREFIX) or "__" not in variable:
            continue
        keys = variable.removeprefix(OVERRIDE_PREFIX).split("__")
        table = data
        path: list[str] = []
        for depth, key in enumerate(keys, start=1):
            # Keys match case-insensitively, since variable names are written in capitals.
            name = next((existing for existing in table if existing.lower() == key.lower()), key.lower())
            path.append(name)
            if depth == len(keys):
                table[name] = _override_value(text)
            else:
                child = table.setdefault(name, {})
                if not isinstance(child, dict):
                    raise ConfigError(f"${variable}: {'.'.join(path)} is not a table")
                table = child
        applied[tuple(path)] = variable
    return applied


def _origin(path: Path, applied: Mapping[tuple[str, ...], str], location: tuple[int | str, ...]) -> str:
    """The file, or the variable that set the setting at `location`."""
    keys = tuple(str(part) for part in location)
    for length in range(len(keys), 0, -1):
        if keys[:length] in applied:
            return f"${applied[keys[:length]]} (over {path})"
    return str(path)


def load_config(path: Path, *, check_locations: bool = True) -> Config:
    """The configuration in `path`; with `check_locations`, every source's location must name files."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    applied = apply_overrides(data, os.environ)
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        origin = _origin(path, applied, first["loc"])
        if first["type"] == "extra_forbidden":
            *parent, key = first["loc"]
            raise ConfigError(f"{origin}: unknown key {key!r} in {_where(tuple(parent))}") from None
        raise ConfigError(f"{origin}: {_where(first['loc'])}: {first['msg']}") from None
    config.warehouse_location(path.parent)  # $DUMPLING_WAREHOUSE is checked as the file is
    if check_locations:
        for name, source in config.sources.items():
            if not _names_files(resolve_location(path.parent, source.location)):
                origin = _origin(path, applied, ("sources", name, "location"))
                raise ConfigError(f"{origin}: source {name!r}: location {source.location!r} does not exist")
    return config


def _names_files(location: str) -> bool:
    if is_remote(location):
        try:
            return bool(list_files(location))
        except (OSError, ValueError) as error:
            raise ConfigError(
                f"cannot list {location}: {type(error).__name__}: {redact(str(error))}"
            ) from None
    return local_path(location).exists() or bool(glob.glob(location, recursive=True))


def resolve_location(base: Path, location: str) -> str:
    """A location relative to the configuration file's folder, as a path or glob; URLs as they are."""
    if is_remote(location) or local_path(location).is_absolute():
        return location
    return str(base / local_path(location))
