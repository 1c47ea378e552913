"""Where the warehouse is when nobody says: `$DUMPLING_WAREHOUSE`, else the checkout's `warehouse/`."""

from __future__ import annotations

import os
from pathlib import Path

WAREHOUSE_VARIABLE = "DUMPLING_WAREHOUSE"
_REPO = Path(__file__).resolve().parent.parent


def default_warehouse() -> str:
    """`$DUMPLING_WAREHOUSE` (a folder or a URL such as `s3://bucket/w`, kept as written), else
    `warehouse/` of the checkout dumpling runs from, else `./warehouse`, whatever the working directory.
    A string, not a `Path`, because a `Path` would fold the `//` of a URL."""
    if configured := os.environ.get(WAREHOUSE_VARIABLE):
        return configured
    if (_REPO / "pyproject.toml").is_file() and (_REPO / "warehouse").is_dir():
        return str(_REPO / "warehouse")
    return str(Path.cwd() / "warehouse")
