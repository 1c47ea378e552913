"""Locations given as fsspec URLs (`s3://bucket/key`, `gs://...`, `file:///path`), and what dumpling
needs of them: listing, fingerprints, existence and copies on local disk.

`file://` URLs are plain local paths. Credentials and endpoints come from the usual places of each
filesystem (for S3: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT_URL`),
never from a URL: a location is logged, shown in reports and stored with every row loaded from it, so
one that carries a password or a signed token is refused, and error messages are passed through
`redact` before dumpling shows them.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


class CredentialsInUrl(ValueError):
    """A location that carries credentials, which belong in the environment."""


def _redact_urls(text: str) -> str:
    text = _URL_PASSWORD.sub(rf"\1{REDACTED}@", text)
    return _QUERY.sub(lambda query: _CREDENTIAL_PARAMETER.sub(rf"\1{REDACTED}", query.group()), text)


def redact(text: str) -> str:
    """`text` (a URL, an error message) with the passwords and credential parameters of the URLs in it,
    and the values of the secret variables set in the environment, replaced by `***`."""
    text = _redact_urls(text)
    for variable in SECRET_VARIABLES:
        if secret := os.environ.get(variable):
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
            "AWS_SECRET_ACCESS_KEY) or in ~/.aws"
        )
    return location


# The S3 endpoint, which botocore logs and repeats in its errors.
ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3")


def filesystem(url: str, fresh: bool = False) -> tuple[AbstractFileSystem, str]:
    """The filesystem of `url`, and the path within it; `fresh` forgets the listings fsspec keeps, so
    that what changed in the store since is seen (a long-lived process lists a source many times)."""
    for variable in ENDPOINT_VARIABLES:
        refuse_credentials(os.environ.get(variable, ""), f"${variable}")
    fs, path = fsspec.core.url_to_fs(refuse_credentials(url))
    if fresh:
        fs.invalidate_cache()
    return fs, path


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
