"""datatrove's plain pipeline: a JsonlReader into a ParquetWriter (zstd), run by its local executor.

    bench/.venv-peers/bin/python bench/peers/datatrove_copy.py INPUT.jsonl OUTPUT_FOLDER LOGS_FOLDER

Run in the benchmark's own environment (bench/.venv-peers), never dumpling's. One file is one task
(datatrove gives each task whole files), so it runs on one core. The text is `body`, or
`short_description` for HuffPost-shaped lines; every other field goes to the metadata, whose schema is
given. Prints one JSON object: the pipeline's own seconds (imports excluded), the documents written and
datatrove's version.
"""

from __future__ import annotations

import json
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any


def _adapter(self: object, data: dict[str, Any], path: str, id_in_file: int | str) -> dict[str, Any]:
    text = data.pop("body", None) or data.pop("short_description", None) or ""
    return {"text": text, "id": f"{path}/{id_in_file}", "media": [], "metadata": data}


def _schema() -> Any:
    """The output's schema, given: datatrove infers it from the first document otherwise, and a field
    that is null there, or missing from one of the two shapes, breaks the writer."""
    import pyarrow as pa

    fields = ["title", "headline", "date", "authors", "link", "category", "file_path"]
    metadata = pa.struct([(name, pa.string()) for name in fields])
    return pa.schema([("text", pa.string()), ("id", pa.string()), ("metadata", metadata)])


def main() -> None:
    source, output, logs = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import ParquetWriter

    executor = LocalPipelineExecutor(
        pipeline=[
            JsonlReader(str(source.parent), glob_pattern=source.name, adapter=_adapter, recursive=False),
            ParquetWriter(output, compression="zstd", schema=_schema()),
        ],
        tasks=1,
        workers=1,
        logging_dir=logs,
    )
    started = time.perf_counter()
    executor.run()
    seconds = time.perf_counter() - started
    stats = json.loads((Path(logs) / "stats.json").read_text())
    written = next((step["stats"].get("total") for step in stats if "WRITER" in step.get("name", "")), None)
    print(json.dumps({"seconds": seconds, "rows": written, "version": version("datatrove")}))


if __name__ == "__main__":
    main()
