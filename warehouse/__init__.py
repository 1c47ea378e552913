"""Storage: the Parquet tables, their atomic commits, and the DuckDB catalog over them."""

from warehouse.catalog import connect

__all__ = ["connect"]
