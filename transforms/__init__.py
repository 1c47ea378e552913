"""Pure transformations: raw dump bytes in, typed documents and rejections out.

Nothing here orchestrates, queries or writes files: this package imports neither prefect nor duckdb.
"""
