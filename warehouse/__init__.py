"""Storage: the Parquet tables, their atomic commits, and the DuckDB catalog over them.

`connect()` is the entry for notebooks and scripts: a read-only DuckDB connection to the default
warehouse (`$DUMPLING_WAREHOUSE`, else the checkout's `warehouse/`), or to the folder or URL given,
with every view and macro in place. Its relations turn into pandas (`.df()`), polars (`.pl()`, when
polars is installed) or Arrow (`.arrow()`):

    from warehouse import connect

    con = connect()
    con.sql("select source, count(*) as documents from documents group by all").df()
"""

from warehouse.catalog import connect
from warehouse.location import default_warehouse

__all__ = ["connect", "default_warehouse"]
