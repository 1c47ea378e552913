"""A real Prefect server for the tests that need one (the test harness runs no scheduler), moto's S3
server for those that need object storage, and the process-group helpers that start and stop the
programs under test."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

VENV_BIN = REPO / ".venv" / "bin"
SERVER_START_SECONDS = 120.0
QUIET_PREFECT = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_UI_ENABLED": "false",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(prefect_home: Path, api_url: str | None = None) -> dict[str, str]:
    env = {**os.environ, **QUIET_PREFECT, "PREFECT_HOME": str(prefect_home)}
    env.pop("PREFECT_API_URL", None)
    if api_url is not None:
        env["PREFECT_API_URL"] = api_url
    return env


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def tail(path: Path, characters: int = 3000) -> str:
    return path.read_text(errors="replace")[-characters:] if path.exists() else "(no output)"


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and every process of its group (its session), then reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def stop_group(process: subprocess.Popen[bytes], grace: float) -> None:
    """End the process and every process of its group, with SIGTERM first and SIGKILL after `grace` s."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=grace)
    kill_group(process)


@contextlib.contextmanager
def prefect_server(home: Path, **settings: str) -> Iterator[str]:
    """`prefect server start` on a free loopback port, with its own home and any extra `settings`
    (environment variables); yields the API's url once it is healthy, and stops it at the end."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    log = home / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(VENV_BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=environment(home / "home") | settings,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        started = time.monotonic()
        while not healthy(url):
            if server.poll() is not None or time.monotonic() - started > SERVER_START_SECONDS:
                pytest.fail(f"the Prefect server did not become healthy at {url}:\n{tail(log)}")
            time.sleep(0.5)
        print(f"\nPrefect server healthy at {url} after {time.monotonic() - started:.1f} s")
        yield url
    finally:
        stop_group(server, grace=10)


@contextlib.contextmanager
def moto_server(log: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """moto's S3 server on a free loopback port, its output in `log`; yields its endpoint once it takes
    connections, and stops it at the end."""
    port = free_port()
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while True:  # a connection, not a request: moto can be told to count requests
            try:
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the S3 server did not start:\n{tail(log)}")
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_group(server, grace=5)
