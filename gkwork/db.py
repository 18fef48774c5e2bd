"""SQL and pandas access to a dataset written by :func:`gkwork.corpus.build_corpus`.

Examples
--------
>>> con = connect("build/corpus")  # doctest: +SKIP
>>> con.sql("SELECT status, count(*) FROM reports GROUP BY status").df()  # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd

from gkwork.corpus import TABLES, _require_dataset
from gkwork.errors import InputError

__all__ = ["TABLES", "connect", "load"]


def _quote(path: Path) -> str:
    return "'" + path.as_posix().replace("'", "''") + "'"


def connect(out_dir: str | os.PathLike, *, database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """Open DuckDB with views ``reports``, ``cells``, ``sections``, ``checks`` over a dataset.

    Extension auto-install and auto-load are switched off, so nothing is downloaded; Parquet
    support is built into the duckdb Python package.

    Parameters
    ----------
    out_dir : path
        The ``--out`` directory of ``gkwork parse``.
    database : str
        DuckDB database (default an in-memory one; the views always read the Parquet files).

    Returns
    -------
    duckdb.DuckDBPyConnection

    Raises
    ------
    InputError
        When ``out_dir`` holds no gkwork dataset.
    """
    out = Path(out_dir)
    _require_dataset(out)
    con = duckdb.connect(database)
    con.execute("SET autoinstall_known_extensions=false")
    con.execute("SET autoload_known_extensions=false")
    for table in TABLES:
        pattern = _quote(out.resolve() / f"{table}.parquet" / "*.parquet")
        con.execute(
            f"CREATE OR REPLACE VIEW {table} AS "
            f"SELECT * FROM read_parquet({pattern}, union_by_name=true)"
        )
    return con


def load(out_dir: str | os.PathLike, table: str) -> pd.DataFrame:
    """Read one table of a dataset into pandas.

    Parameters
    ----------
    out_dir : path
        The ``--out`` directory of ``gkwork parse``.
    table : {'reports', 'cells', 'sections', 'checks'}

    Returns
    -------
    DataFrame
        Columns as in :mod:`gkwork.model` (``REPORT_COLUMNS``, ``CELL_COLUMNS``, ...).
    """
    if table not in TABLES:
        raise InputError(f"table must be one of {', '.join(TABLES)}; got {table!r}")
    out = Path(out_dir)
    _require_dataset(out)
    return pd.read_parquet(out / f"{table}.parquet")
