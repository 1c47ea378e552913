from pathlib import Path

import pytest

import flows  # noqa: F401  (Prefect's environment: no telemetry, patient server start-up)

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SEED_ARTICLE = SEEDS / "textdump" / "000_6070c4b8a462a897.txt"
VARIANTS = SEEDS / "textdump_variants"
CORPORA = REPO.parent / "shared" / "corpora"


@pytest.fixture
def corpora() -> Path:
    if not CORPORA.is_dir():
        pytest.skip(
            f"the developer corpora are not at {CORPORA} (they sit beside the repo as ../shared/corpora)"
        )
    return CORPORA
