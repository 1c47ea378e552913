"""Locations given as fsspec URLs (`s3://bucket/key`, `gs://...`, `file:///path`), and what dumpling
needs of them: listing, fingerprints, existence and copies on local disk.

`file://` URLs are plain local paths. Credentials and endpoints come from the usual places of each
filesystem (for S3: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT_URL`),
or, for S3, from the Prefect `Secret` block that `$DUMPLING_S3_CREDENTIALS_BLOCK` names
(`block_credentials`), never from a URL: a location is logged, shown in reports and stored with every
row loaded from it, so one that carries a password or a signed token is refused, and error messages
are passed through `redact` before dumpling shows them.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import fsspec
from fsspec import AbstractFileSystem


def is_remote(location: str) -> bool:
    """A URL of a filesystem other than the local one."""
    scheme, separator, _ = location.partition("://")
    return bool(separator) and scheme != "file" and "/" not in scheme


def local_path(location: str) -> Path:
    return Path(location.removeprefix("file://"))


REDACTED = "***"
# `scheme://user:password@host`: the password runs to the last `@` before the path.
_URL_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/:@]*:)[^\s/]*@")
_QUERY = re.compile(r"\?[^\s#'\"]*")
# In a query: the parameters of signed URLs and API keys (S3's X-Amz-Signature, X-Amz-Credential and
# X-Amz-Security-Token, Azure's sig, key=, access_token=, password=).
_CREDENTIAL_PARAMETER = re.compile(
    r"([?&][^=&]*(?:sig|token|secret|passw|pwd|credential|key)[^=&]*=)[^&]+", re.IGNORECASE
)
SECRET_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
# Names the Prefect `Secret` block that holds the S3 credentials, if they are not the environment's.
CREDENTIALS_BLOCK_VARIABLE = "DUMPLING_S3_CREDENTIALS_BLOCK"


class CredentialsError(ValueError):
    """Object-store credentials that cannot be used, with a one-line message that holds none of them."""


class CredentialsInUrl(CredentialsError):
    """A location that carries credentials, which belong in the environment or a Prefect block."""


def _redact_urls(text: str) -> str:
    text = _URL_PASSWORD.sub(rf"\1{REDACTED}@", text)
    return _QUERY.sub(lambda query: _CREDENTIAL_PARAMETER.sub(rf"\1{REDACTED}", query.group()), text)


def redact(text: str) -> str:
    """`text` (a URL, an error message) with the passwords and credential parameters of the URLs in it,
    the values of the secret variables set in the environment and the secrets of the credentials
    block this process loaded, replaced by `***`."""
    text = _redact_urls(text)
    secrets = [os.environ.get(variable) or "" for variable in SECRET_VARIABLES]
    secrets += [secret for credentials in list(_loaded.values()) for secret in credentials.secrets()]
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def refuse_credentials(location: str, origin: str | None = None) -> str:
    """`location`, unless it is a URL that carries a password or a signed token; `origin` is where it
    was found, if it was not given as a location."""
    if is_remote(location) and _redact_urls(location) != location:
        shown = redact(location) if origin is None else f"{origin} ({redact(location)})"
        raise CredentialsInUrl(
            f"{shown}: credentials do not belong in a URL, which is logged, shown and stored with the "
            "rows loaded from it; give them in the environment (for S3: AWS_ACCESS_KEY_ID and "
            f"AWS_SECRET_ACCESS_KEY), in ~/.aws or in the Prefect Secret block ${CREDENTIALS_BLOCK_VARIABLE} "
            "names"
        )
    return location


# The S3 endpoint, which botocore logs and repeats in its errors.
ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3")


def filesystem(url: str, fresh: bool = False) -> tuple[AbstractFileSystem, str]:
    """The filesystem of `url`, and the path within it; `fresh` forgets the listings fsspec keeps, so
    that what changed in the store since is seen (a long-lived process lists a source many times).
    An S3 URL's filesystem has the credentials of the block `$DUMPLING_S3_CREDENTIALS_BLOCK` names,
    if it names one."""
    for variable in ENDPOINT_VARIABLES:
        refuse_credentials(os.environ.get(variable, ""), f"${variable}")
    refuse_credentials(url)
    credentials = block_credentials() if is_s3(url) else None
    options = {} if credentials is None else credentials.s3fs_options()
    fs, path = fsspec.core.url_to_fs(url, **options)
    if fresh:
        fs.invalidate_cache()
    return fs, path


def is_s3(url: str) -> bool:
    return url.partition("://")[0].lower() in ("s3", "s3a")


# The credentials of the blocks a process loaded, by name, handed through the environment to the
# worker processes it starts after (which copy remote files, and may have no Prefect API to load a
# block from). Only multiprocessing's children take them: any other program loads the block itself,
# as it is then. Not `DUMPLING_...`: no setting of dumpling.toml.
INHERITED_VARIABLE = "_DUMPLING_S3_CREDENTIALS"
_FIELDS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token", "endpoint_url", "region_name")
_REQUIRED = _FIELDS[:2]


@dataclass(frozen=True, slots=True)
class S3Credentials:
    """The value of a credentials block; its repr shows none of the keys."""

    block: str
    aws_access_key_id: str = field(repr=False)
    aws_secret_access_key: str = field(repr=False)
    aws_session_token: str | None = field(default=None, repr=False)
    endpoint_url: str | None = None
    region_name: str | None = None

    def secrets(self) -> list[str]:
        """What `redact` masks. The key ID, which names the key, is shown (as DuckDB shows it)."""
        return [self.aws_secret_access_key, *filter(None, [self.aws_session_token])]

    def s3fs_options(self) -> dict[str, Any]:
        """For `s3fs.S3FileSystem`; without an endpoint or a region, the environment's are used."""
        options: dict[str, Any] = {
            "key": self.aws_access_key_id,
            "secret": self.aws_secret_access_key,
            "token": self.aws_session_token,
        }
        if self.endpoint_url:
            options["endpoint_url"] = self.endpoint_url
        if self.region_name:
            options["client_kwargs"] = {"region_name": self.region_name}
        return options

    def value(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in _FIELDS if getattr(self, name) is not None}


_loaded: dict[str, S3Credentials] = {}
_loading = threading.Lock()


def block_credentials() -> S3Credentials | None:
    """The S3 credentials of the Prefect `Secret` block that `$DUMPLING_S3_CREDENTIALS_BLOCK` names (a
    JSON object: `aws_access_key_id`, `aws_secret_access_key`, optionally `aws_session_token`,
    `endpoint_url` and `region_name`), or None if it names none. Loaded once per process, when an S3
    location is first used, or taken from the process that started this worker process."""
    name = os.environ.get(CREDENTIALS_BLOCK_VARIABLE, "").strip()
    if not name:
        return None
    with _loading:
        if name not in _loaded:
            credentials = _inherited(name)
            if credentials is None:
                credentials = _parse(name, _load_block(name))
            _loaded[name] = credentials
            values = {loaded: each.value() for loaded, each in _loaded.items()}
            os.environ[INHERITED_VARIABLE] = json.dumps(values)
        return _loaded[name]


def _where(name: str) -> str:
    return f"the Prefect Secret block {name!r} (${CREDENTIALS_BLOCK_VARIABLE})"


def _inherited(name: str) -> S3Credentials | None:
    if multiprocessing.parent_process() is None:
        return None
    try:
        return _parse(name, json.loads(os.environ.get(INHERITED_VARIABLE, ""))[name])
    except (ValueError, TypeError, KeyError):
        return None


def _load_block(name: str) -> object:
    from prefect.blocks.system import Secret

    try:
        block = cast("Secret[Any]", Secret.load(name, _sync=True))  # type: ignore[call-arg]
    except Exception as error:  # Prefect's or its API's, whose text is not shown: it may quote the value
        if isinstance(error, ValueError) and str(error).startswith("Unable to find block document"):
            raise CredentialsError(f"{_where(name)}: no such block") from None
        problem = f"cannot load it from the Prefect API ({type(error).__name__})"
        raise CredentialsError(f"{_where(name)}: {problem}") from None
    return block.get()


def _parse(name: str, value: object) -> S3Credentials:
    """The credentials in a block's value; errors name the fields at fault, never their values."""
    shape = f"a JSON object with {', '.join(_REQUIRED)} and optionally {', '.join(_FIELDS[2:])}"
    if not isinstance(value, dict):
        raise CredentialsError(f"{_where(name)}: its value is not {shape}")
    if set(value) - set(_FIELDS):
        raise CredentialsError(f"{_where(name)}: its value has keys other than those of {shape}")
    missing = [key for key in _REQUIRED if not value.get(key)]
    if missing:
        raise CredentialsError(f"{_where(name)}: its value has no {' or '.join(missing)}")
    wrong = [key for key, item in value.items() if item is not None and not isinstance(item, str)]
    if wrong:
        raise CredentialsError(f"{_where(name)}: in its value, {' and '.join(sorted(wrong))} must be text")
    text: dict[str, str | None] = {key: value.get(key) or None for key in _FIELDS}
    credentials = S3Credentials(
        name,
        text["aws_access_key_id"] or "",
        text["aws_secret_access_key"] or "",
        text["aws_session_token"],
        text["endpoint_url"],
        text["region_name"],
    )
    endpoint = credentials.endpoint_url
    if endpoint is not None:
        if endpoint.partition("://")[0] not in ("http", "https"):
            raise CredentialsError(f"{_where(name)}: its endpoint_url is not an http:// or https:// URL")
        if "@" in endpoint or "?" in endpoint:  # not shown: a password can hold what ends a URL's
            raise CredentialsError(
                f"{_where(name)}: its endpoint_url holds a user, a password or parameters, which botocore "
                "logs and repeats in its errors; give only the scheme, host and port"
            )
    return credentials


def cache_directory() -> Path:
    """Where local copies of remote files and warehouses are kept: `$DUMPLING_CACHE`, else the user's
    cache folder."""
    if configured := os.environ.get("DUMPLING_CACHE"):
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dumpling"


def url_key(url: str) -> str:
    """A short name for a URL, for folders of local copies."""
    return hashlib.blake2b(url.encode(), digest_size=8).hexdigest()


@dataclass(frozen=True, slots=True)
class RemoteFile:
    url: str
    size: int
    fingerprint: str


def remote_fingerprint(fs: AbstractFileSystem, info: dict[str, Any]) -> str:
    """What identifies a remote file's content without reading it: the store's content hash (S3's
    ETag, GCS's MD5) with the size, else the filesystem's own key for the file's version."""
    content_hash = info.get("ETag") or info.get("etag") or info.get("md5Hash")
    if content_hash:
        return f"etag:{str(content_hash).strip(chr(34))}:{info['size']}"
    return f"{fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]}:{fs.ukey(info['name'])}"


def list_files(url: str) -> list[RemoteFile]:
    """The files `url` names: a file, every file under a folder, or the files a glob matches (folders
    among them searched too), in a stable order. Empty when nothing matches."""
    fs, path = filesystem(url, fresh=True)
    found: dict[str, dict[str, Any]] = {}
    if fs.isfile(path):
        found[path] = fs.info(path)
    elif fs.isdir(path):
        found.update(fs.find(path, detail=True))
    elif any(character in path for character in "*?["):
        for name, info in fs.glob(path, detail=True).items():
            if info["type"] == "directory":
                found.update(fs.find(name, detail=True))
            else:
                found[name] = info
    return [
        RemoteFile(fs.unstrip_protocol(name), int(info["size"]), remote_fingerprint(fs, info))
        for name, info in sorted(found.items())
        if info["type"] == "file"
    ]


def exists(url: str) -> bool:
    fs, path = filesystem(url)
    return bool(fs.exists(path))


def download(urls: Sequence[str], targets: Sequence[Path]) -> None:
    """Copy remote files to local paths (concurrently, where the filesystem can)."""
    if not urls:
        return
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
    fs, _ = filesystem(urls[0])
    fs.get([filesystem(url)[1] for url in urls], [str(target) for target in targets])


def upload(files: Iterable[tuple[Path, str]]) -> None:
    """Copy local files to remote URLs."""
    pairs = list(files)
    if not pairs:
        return
    fs, _ = filesystem(pairs[0][1])
    fs.put([str(local) for local, _ in pairs], [filesystem(url)[1] for _, url in pairs])
