"""dumpling's benchmark harness: `.venv/bin/python -m bench` (see bench/README.md).

Nothing here is imported by dumpling itself; the modules run its command and its functions as a user
would, each measurement in a process of its own.
"""

from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CORPORA = REPO.parent / "shared" / "corpora"
DATA = BENCH / "data"
RESULTS = BENCH / "results"
VENV = REPO / ".venv"
PYTHON = VENV / "bin" / "python"
DUMPLING = VENV / "bin" / "dumpling"
