"""Settings read from the environment, with their defaults."""

from __future__ import annotations

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent


def default_warehouse() -> Path:
    """`$DUMPLING_WAREHOUSE`, else `warehouse/` of the checkout dumpling runs from, else `./warehouse`."""
    if configured := os.environ.get("DUMPLING_WAREHOUSE"):
        return Path(configured)
    if (_REPO / "pyproject.toml").is_file() and (_REPO / "warehouse").is_dir():
        return _REPO / "warehouse"
    return Path.cwd() / "warehouse"
