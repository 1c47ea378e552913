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

Every error names the file, the place in it and the problem on one line.
"""

from __future__ import annotations

import glob
import os
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from flows.settings import default_warehouse

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


class Config(_Strict):
    warehouse: Warehouse = Warehouse()
    sources: dict[str, Source] = {}

    def warehouse_path(self, base: Path) -> Path:
        if os.environ.get(WAREHOUSE_VARIABLE):
            return Path(os.environ[WAREHOUSE_VARIABLE])
        return base / self.warehouse.location if self.warehouse.location else default_warehouse()


def config_path(given: Path | None) -> Path:
    return given or Path(os.environ.get(CONFIG_VARIABLE) or CONFIG_FILE)


def _where(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "(top level)"


def load_config(path: Path, *, check_locations: bool = True) -> Config:
    """The configuration in `path`; with `check_locations`, every source's location must name files."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        if first["type"] == "extra_forbidden":
            *parent, key = first["loc"]
            raise ConfigError(f"{path}: unknown key {key!r} in {_where(tuple(parent))}") from None
        raise ConfigError(f"{path}: {_where(first['loc'])}: {first['msg']}") from None
    if check_locations:
        for name, source in config.sources.items():
            location = resolve_location(path.parent, source.location)
            if not Path(location).exists() and not glob.glob(location, recursive=True):
                raise ConfigError(f"{path}: source {name!r}: location {source.location!r} does not exist")
    return config


def resolve_location(base: Path, location: str) -> str:
    """A location relative to the configuration file's folder, as a path or glob."""
    return location if Path(location).is_absolute() else str(base / location)
