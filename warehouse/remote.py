"""A warehouse in object storage (`s3://bucket/warehouse`, or any fsspec URL): loaded through a local
mirror, queried in place.

A run takes the remote lock (an object created only if absent), brings its mirror (a folder under the
cache folder) up to the remote catalog, downloading the parts it lacks, then loads and commits into
the mirror exactly as into a local warehouse. A push uploads the parts the remote lacks and then the
catalog: the catalog's upload is the remote commit, one PUT, which object stores make atomic. Pushes
follow commits at most every `PUSH_INTERVAL_SECONDS` and at the end of the run, so a run that dies
loses at most that much of its work, and never leaves the remote half-committed.

A reader downloads only the catalog (kept while the remote one is unchanged) and reads the parts where
they are: through DuckDB's httpfs extension for S3, through the fsspec filesystem for other stores.
Parts no remote catalog lists are deleted at the start of the next run rather than at once, so that a
query started on the previous catalog can finish.

Credentials are never part of a URL (`storage.refuse_credentials`). DuckDB gets the S3 ones, those
of the Prefect block `$DUMPLING_S3_CREDENTIALS_BLOCK` names (`storage.block_credentials`) or else
resolved by botocore as s3fs resolves them, as bound parameters of a temporary secret, which
`duckdb_secrets()` shows redacted; the errors of a reader's remote operations are redacted too.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb
import duckdb_extension_httpfs

from warehouse.catalog import (
    CATALOG_FILE,
    EMPTY_PART,
    TABLES_DIR,
    WarehouseError,
    connect,
    connect_for_writing,
    create_views,
    load_search_extension,
    run_lock,
    search_path,
)
from warehouse.schema import TABLES
from warehouse.storage import (
    CredentialsError,
    block_credentials,
    cache_directory,
    download,
    filesystem,
    is_remote,
    local_path,
    redact,
    remote_fingerprint,
    upload,
    url_key,
)

LOCK_OBJECT = ".lock"
PUSH_INTERVAL_SECONDS = 30.0
# The remote catalog the mirror was last made equal to, and the local catalog's state just after.
SYNC_STATE = ".remote-state.json"
HTTPFS_EXTENSION = next(
    (Path(duckdb_extension_httpfs.__file__).parent / "extensions").rglob("httpfs.duckdb_extension")
)


class RemoteWarehouse:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        try:
            self.fs, self.path = filesystem(self.url, fresh=True)
        except CredentialsError as error:  # in the URL, or a credentials block that cannot be used
            raise WarehouseError(str(error)) from None
        self.mirror = cache_directory() / "warehouses" / url_key(self.url)
        self._pushed_at = time.monotonic()

    def _object(self, relative: str) -> str:
        return f"{self.path}/{relative}"

    def catalog_fingerprint(self) -> str | None:
        self.fs.invalidate_cache(self._object(CATALOG_FILE))
        try:
            info = self.fs.info(self._object(CATALOG_FILE))
        except FileNotFoundError:
            return None
        return remote_fingerprint(self.fs, info)

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Held for a whole run, against runs on any machine."""
        lock = self._object(LOCK_OBJECT)
        holder = {"host": socket.gethostname(), "pid": os.getpid(), "since": datetime.now(UTC).isoformat()}
        try:
            self._create_exclusively(lock, json.dumps(holder).encode())
        except FileExistsError:
            other = json.loads(self.fs.cat_file(lock))
            if not _is_dead_here(other):
                raise WarehouseError(
                    f"the warehouse at {self.url} is being loaded by another run (pid {other['pid']} on "
                    f"{other['host']} since {other['since']}); if that run is dead, delete "
                    f"{self.url}/{LOCK_OBJECT}"
                ) from None
            self.fs.pipe_file(lock, json.dumps(holder).encode())
        try:
            yield
        finally:
            self.fs.rm_file(lock)

    def _create_exclusively(self, path: str, data: bytes) -> None:
        if "s3" in self.fs.protocol:
            self.fs.pipe_file(path, data, IfNoneMatch="*")  # FileExistsError when it exists
        elif self.fs.exists(path):
            raise FileExistsError(path)
        else:
            self.fs.pipe_file(path, data)

    def pull(self) -> None:
        """Make the mirror the remote warehouse as last committed: its catalog, and every part it lists.
        Then remove the remote parts no catalog lists (left by a run that died, or superseded)."""
        catalog = self.mirror / CATALOG_FILE
        remote_catalog = self.catalog_fingerprint()
        if remote_catalog is None:
            _remove_catalog(self.mirror)
            return
        if self._state() != {"remote": remote_catalog, "local": _file_state(catalog)}:
            _remove_catalog(self.mirror)
            self.mirror.mkdir(parents=True, exist_ok=True)
            download([f"{self.url}/{CATALOG_FILE}"], [catalog])
            self._save_state(remote_catalog)
        listed = _listed_parts(self.mirror)
        missing = sorted(file for file in listed if not (self.mirror / file).exists())
        download([f"{self.url}/{file}" for file in missing], [self.mirror / file for file in missing])
        unlisted = sorted(self._remote_parts() - listed)
        if unlisted:
            self.fs.rm([self._object(file) for file in unlisted])

    def push(self, force: bool = True) -> None:
        """Upload the parts the remote lacks, then the catalog: the remote commit."""
        if not force and time.monotonic() - self._pushed_at < PUSH_INTERVAL_SECONDS:
            return
        snapshot = self.mirror / f".{CATALOG_FILE}.push"
        connection = connect_for_writing(self.mirror)  # no commit, in any process, while it is copied
        try:
            connection.execute("CHECKPOINT")
            listed = _listed_parts(self.mirror, connection)
            shutil.copyfile(self.mirror / CATALOG_FILE, snapshot)
            local_state = _file_state(self.mirror / CATALOG_FILE)
        finally:
            connection.close()
        missing = sorted(listed - self._remote_parts())
        upload((self.mirror / file, f"{self.url}/{file}") for file in missing)
        upload([(snapshot, f"{self.url}/{CATALOG_FILE}")])
        snapshot.unlink()
        remote_catalog = self.catalog_fingerprint()
        assert remote_catalog is not None
        if _file_state(self.mirror / CATALOG_FILE) == local_state:
            self._save_state(remote_catalog)
        self._pushed_at = time.monotonic()

    def _remote_parts(self) -> set[str]:
        tables = self._object(TABLES_DIR)
        self.fs.invalidate_cache(tables)
        prefix = self.path + "/"
        return (
            {name.removeprefix(prefix) for name in self.fs.find(tables)} if self.fs.exists(tables) else set()
        )

    def _state(self) -> dict[str, Any] | None:
        with suppress(FileNotFoundError, ValueError):
            state: dict[str, Any] = json.loads((self.mirror / SYNC_STATE).read_text())
            return state
        return None

    def _save_state(self, remote_catalog: str) -> None:
        state = {"remote": remote_catalog, "local": _file_state(self.mirror / CATALOG_FILE)}
        (self.mirror / SYNC_STATE).write_text(json.dumps(state))


def _is_dead_here(holder: dict[str, Any]) -> bool:
    """A lock left by a process of this machine that no longer runs."""
    if holder.get("host") != socket.gethostname():
        return False
    try:
        os.kill(int(holder["pid"]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _file_state(path: Path) -> list[int] | None:
    with suppress(FileNotFoundError):
        stat = path.stat()
        return [stat.st_size, stat.st_mtime_ns]
    return None


def _remove_catalog(mirror: Path) -> None:
    for name in (CATALOG_FILE, f"{CATALOG_FILE}.wal", SYNC_STATE):
        (mirror / name).unlink(missing_ok=True)


def _listed_parts(mirror: Path, connection: duckdb.DuckDBPyConnection | None = None) -> set[str]:
    """Every part file the mirror's catalog lists, with the tables' empty parts."""
    empties = {f"{TABLES_DIR}/{table}/{EMPTY_PART}" for table in TABLES}
    if connection is None:
        with connect(mirror) as reading:
            return empties | {row[0] for row in reading.execute("SELECT file FROM _parts").fetchall()}
    return empties | {row[0] for row in connection.execute("SELECT file FROM _parts").fetchall()}


@dataclass
class Loading:
    """The local folder a run loads into; for a remote warehouse, its mirror, pushed by `sync`."""

    root: Path
    remote: RemoteWarehouse | None = None

    def sync(self, force: bool = False) -> None:
        if self.remote is not None:
            self.remote.push(force)


@contextmanager
def loading(location: str | Path) -> Iterator[Loading]:
    """The warehouse at `location` locked for a run, as a local folder to load into."""
    if not is_remote(str(location)):
        root = local_path(str(location))
        search_path(root)  # a folder DuckDB cannot use is refused before anything is loaded
        with run_lock(root):
            yield Loading(root)
        return
    remote = RemoteWarehouse(str(location))
    search_path(remote.mirror)
    with run_lock(remote.mirror), remote.lock():
        remote.pull()
        target = Loading(remote.mirror, remote)
        try:
            yield target
        finally:
            if (remote.mirror / CATALOG_FILE).exists():
                target.sync(force=True)


def connect_remote(url: str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse at `url`: its catalog copied here, its parts read there."""
    try:
        return _connect_remote(RemoteWarehouse(url))
    except WarehouseError:
        raise
    except Exception as error:  # the store's, its client library's or DuckDB's own
        # Not chained: their text, which names endpoints and options, is what could hold a credential.
        message = redact(str(error)) or type(error).__name__
        raise WarehouseError(f"cannot read the warehouse at {redact(url)}: {message}") from None


def _connect_remote(remote: RemoteWarehouse) -> duckdb.DuckDBPyConnection:
    fingerprint = remote.catalog_fingerprint()
    if fingerprint is None:
        raise WarehouseError(f"no warehouse at {remote.url}: load one with `dumpling ingest PATH`")
    copies = remote.mirror / "readers"
    copy = copies / f"{url_key(fingerprint)}.duckdb"
    if not copy.exists():
        download([f"{remote.url}/{CATALOG_FILE}"], [copies / f".{copy.name}.tmp"])
        os.replace(copies / f".{copy.name}.tmp", copy)
        for old in copies.glob("*.duckdb"):
            if old != copy:
                old.unlink()  # a reader still using it keeps it open
    connection = duckdb.connect(str(copy), read_only=True)
    connection.execute("SET TimeZone = 'UTC'")
    _read_from(connection, remote)
    create_views(connection, base=remote.url + "/", temporary=True)
    return load_search_extension(connection)


def _read_from(connection: duckdb.DuckDBPyConnection, remote: RemoteWarehouse) -> None:
    if "s3" in remote.fs.protocol:
        connection.load_extension(str(HTTPFS_EXTENSION))
        settings = _s3_settings()
        options = ", ".join(f"{name} ?" for name in settings)  # the names are dumpling's own
        connection.execute(
            f"CREATE TEMPORARY SECRET dumpling_s3 (TYPE s3, {options})", list(settings.values())
        )
    else:
        connection.register_filesystem(remote.fs)


def _s3_settings() -> dict[str, str | bool]:
    """DuckDB's S3 settings from the credentials block, else the standard AWS variables (and the
    credentials in ~/.aws); a block without an endpoint or a region leaves them to the variables."""
    import botocore.session

    session = botocore.session.get_session()
    block = block_credentials()
    region = (block and block.region_name) or session.get_config_variable("region") or "us-east-1"
    settings: dict[str, str | bool] = {"REGION": region}
    if block is not None:
        settings |= {"KEY_ID": block.aws_access_key_id, "SECRET": block.aws_secret_access_key}
        if block.aws_session_token:
            settings["SESSION_TOKEN"] = block.aws_session_token
    elif (credentials := session.get_credentials()) is not None:
        frozen = credentials.get_frozen_credentials()
        settings |= {"KEY_ID": frozen.access_key, "SECRET": frozen.secret_key}
        if frozen.token:
            settings["SESSION_TOKEN"] = frozen.token
    endpoint = (
        (block and block.endpoint_url)
        or os.environ.get("AWS_ENDPOINT_URL_S3")
        or os.environ.get("AWS_ENDPOINT_URL")
    )
    if endpoint:
        split = urlsplit(endpoint)
        host = split.netloc.rpartition("@")[2]  # without a user name
        settings |= {"ENDPOINT": host, "URL_STYLE": "path", "USE_SSL": split.scheme == "https"}
    return settings
