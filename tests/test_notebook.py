"""warehouse/notebooks/explore.ipynb runs headless, as a fresh clone would run it, on a warehouse of the
corpora and the seeds: no cell fails, every chart is drawn, and the tables show what they should."""

import io
import os
import re
import shutil
import sys
from base64 import b64decode
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import matplotlib.image
import nbclient
import nbformat
import numpy as np
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbformat import NotebookNode

from flows.discover import discover
from flows.ingest import shards
from tests.conftest import REPO, SEEDS
from warehouse.catalog import TABLES_DIR, commit
from warehouse.derived import refresh_derived
from warehouse.load import load_shard
from warehouse.schema import Load

NOTEBOOK = REPO / "warehouse" / "notebooks" / "explore.ipynb"
SEED_SOURCES = ("textdump", "textdump_variants")


def load_in_process(root: Path, paths: Sequence[str], run_id: str) -> None:
    """As `load_without_prefect`, but the shards load in this process: for the few files of the seeds,
    starting and warming up worker processes takes several times longer than the loading."""
    load = Load(run_id, datetime.now(UTC))
    for shard in shards(discover(paths)):
        report = load_shard(shard, root / TABLES_DIR, load)
        commit(root, report.parts, replaced=report.source_files)
    refresh_derived(root)


@pytest.fixture(scope="module")
def executed(corpora_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> NotebookNode:
    root = tmp_path_factory.mktemp("notebook") / "warehouse"
    shutil.copytree(corpora_warehouse, root)
    load_in_process(root, [str(SEEDS)], "seeds")

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # The kernel is the ipykernel of the interpreter running the tests (the .venv's), whatever
    # kernelspecs the machine has installed: with no kernel folders, `python3` is the native one.
    kernels = KernelSpecManager(kernel_dirs=[])
    manager = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=kernels)
    assert manager.kernel_spec is not None and manager.kernel_spec.argv[0] == sys.executable
    environment = {name: value for name, value in os.environ.items() if name != "MPLBACKEND"}
    environment["DUMPLING_WAREHOUSE"] = str(root)
    client = nbclient.NotebookClient(
        notebook, km=manager, timeout=120, resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    # Raises CellExecutionError, with the cell and its traceback, if a cell fails; the kernel is shut
    # down either way (nbclient leaves running a kernel whose manager it was given, unless told).
    client.execute(env=environment, cleanup_kc=True)
    return notebook


def _cells(notebook: NotebookNode, tag: str) -> list[NotebookNode]:
    return [cell for cell in notebook.cells if tag in cell.metadata.get("tags", [])]


def _text(cell: NotebookNode) -> str:
    """What a cell printed and displayed, as text and HTML."""
    parts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        for kind in ("text/plain", "text/html"):
            parts.append(output.get("data", {}).get(kind, ""))
    return "\n".join(parts)


def test_the_saved_notebook_has_no_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)


def test_no_cell_fails(executed: NotebookNode) -> None:
    errors = [
        f"{cell.id}: {output.ename}: {output.evalue}"
        for cell in executed.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert errors == []


def test_every_chart_is_drawn(executed: NotebookNode) -> None:
    charts = _cells(executed, "chart")
    assert len(charts) >= 3
    for cell in charts:
        images = [
            output.data["image/png"] for output in cell.outputs if "image/png" in output.get("data", {})
        ]
        assert images, f"chart cell {cell.id} drew no image"
        for image in images:
            pixels = matplotlib.image.imread(io.BytesIO(b64decode(image)), format="png")
            assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.shape[1] > 100
            assert np.any(pixels != pixels[0, 0]), f"chart cell {cell.id} drew an image of one colour"


def test_the_source_summary_names_every_source(executed: NotebookNode) -> None:
    (summary,) = _cells(executed, "source-summary")
    text = _text(summary)
    for source in ("reuters21578", *SEED_SOURCES):
        assert source in text


def test_the_search_finds_documents(executed: NotebookNode) -> None:
    (search,) = _cells(executed, "search")
    text = _text(search)
    found = re.search(r"([\d,]+) documents mention 'oil prices'", text)
    assert found is not None and int(found.group(1).replace(",", "")) > 0, text
    assert "Empty DataFrame" not in text
    assert "reuters21578" in text


def test_near_duplicates_are_shown_side_by_side(executed: NotebookNode) -> None:
    (cell,) = _cells(executed, "near-duplicates")
    html = "".join(output.get("data", {}).get("text/html", "") for output in cell.outputs)
    assert html.count("<td") == 2 and "<mark>" in html
