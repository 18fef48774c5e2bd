"""Corpus runs: one ``reports`` row per input file, failures included, as DataFrames or Parquet.

Two entry points:

* :func:`read_corpus` parses files into an in-memory :class:`Corpus` (for notebooks);
* :func:`build_corpus` writes a partitioned Parquet dataset (``reports``, ``cells``,
  ``sections``, ``checks``) under an output directory, streaming results to disk in chunks,
  reusing a content-hash cache so that a re-run parses only new or changed files, and
  publishing the new dataset atomically.

A bad input file never stops a run: it becomes a ``reports`` row whose ``status`` is not
``ok`` and whose ``error`` starts with a stable :class:`gkwork.errors.Reason` code. A file that
makes a worker process die is recorded as ``worker_crashed``; one that takes longer than the
time limit is recorded as ``timeout``.

Layout of an output directory::

    out_dir/
      reports.parquet/part-00000.parquet ...   one row per input file
      cells.parquet/part-*.parquet             long cell table (schema.md)
      sections.parquet/part-*.parquet
      checks.parquet/part-*.parquet
      _manifest.json                           versions, per-file sha256 -> part
      _cache/results-<version>.sqlite          per-file results keyed by content hash, and
                                               file hashes (one file per gkwork version)
      _cache/panel_match.parquet               the last panel step's agency matching
      _cache/panel_blocks/<key>.parquet        its check rows, block by block (see
                                               _staged_panel_checks)

Parts hold consecutive report_ids in sorted order (about ``chunk_size`` reports per part,
boundaries set by the report ids), so the dataset is identical whatever the engine or the
number of workers; a part's tables are written in row groups of up to 50,000 rows.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import gc
import hashlib
import importlib.metadata
import json
import logging
import marshal
import multiprocessing
import os
import pickle
import shutil
import signal
import sqlite3
import sys
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, partial
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from gkwork.errors import FileFormatError, InputError, Reason
from gkwork.model import CELL_COLUMNS, CHECK_COLUMNS, REPORT_COLUMNS, SECTION_COLUMNS, Report
from gkwork.readers import FORMATS, recorded_path, sniff_format, unsupported_message

log = logging.getLogger("gkwork")

#: Version of the parsing pipeline. Part of every cache key: bump it when parsing output changes
#: in a way the code fingerprint below would not catch (e.g. a dependency upgrade).
PARSER_VERSION = "1"

#: File suffixes that are parsed; any other file gets status ``error`` (unsupported_format).
SUPPORTED_SUFFIXES: dict[str, str] = FORMATS

#: Dataset tables, their columns (in order) and pandas dtypes (columns not listed are "string").
TABLES: dict[str, list[str]] = {
    "reports": REPORT_COLUMNS,
    "cells": CELL_COLUMNS,
    "sections": SECTION_COLUMNS,
    "checks": CHECK_COLUMNS,
}
_DTYPES: dict[str, dict[str, str]] = {
    "reports": {"year": "Int64", "n_chars": "Int64", "synthetic": "boolean"},
    "cells": {"value": "float64", "start": "Int64", "end": "Int64"},
    "sections": {"start": "Int64", "end": "Int64"},
    "checks": {
        "expected": "float64",
        "observed": "float64",
        "delta": "float64",
        "start": "Int64",
        "end": "Int64",
    },
}

ENGINES = ("process", "serial", "dask")
MANIFEST_NAME = "_manifest.json"
CACHE_DIRNAME = "_cache"
#: Environment variable read by workers (tests only): a worker process handling a file whose
#: path contains this substring dies with ``os._exit(1)``.
CRASH_HOOK_ENV = "GKWORK_TEST_CRASH_ON"
#: Results with these reasons may be transient and are never cached.
_UNCACHED_REASONS = (
    Reason.TIMEOUT,
    Reason.WORKER_CRASHED,
    Reason.INTERNAL_ERROR,
    Reason.UNREADABLE,
)
#: Extra seconds granted beyond ``2 * timeout`` before the process engine kills a hung pool.
_HARD_LIMIT_GRACE = 30.0

ParseFn = Callable[[Path], Report]
CheckFn = Callable[[Report], pd.DataFrame]


# ---------------------------------------------------------------------------------------------
# Results


@dataclass
class Corpus:
    """Parsed reports as four DataFrames (columns as in :mod:`gkwork.model`).

    Attributes
    ----------
    reports : DataFrame
        One row per input file (``REPORT_COLUMNS``), failures included.
    cells : DataFrame
        Long cell table (``CELL_COLUMNS``).
    sections : DataFrame
        ``SECTION_COLUMNS``.
    checks : DataFrame
        ``CHECK_COLUMNS``; empty when checks were not run.
    """

    reports: pd.DataFrame
    cells: pd.DataFrame
    sections: pd.DataFrame
    checks: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Counts per file format, with a ``total`` row.

        Returns
        -------
        DataFrame
            Index ``format``; columns ``files``, ``ok``, ``empty``, ``needs_ocr``, ``error``,
            ``cells``, ``checks_failed``, ``inferred_cells`` (values whose cell boundaries were
            inferred from damaged text, flag ``inferred_split``) and ``ambiguous_cells``
            (left missing because several splits fit).
        """
        rep = self.reports.assign(format=self.reports["format"].fillna("unknown"))
        fmt_of = dict(zip(rep["report_id"], rep["format"], strict=True))
        out = pd.crosstab(rep["format"], rep["status"]).reindex(
            columns=["ok", "empty", "needs_ocr", "error"], fill_value=0
        )
        out.insert(0, "files", rep.groupby("format").size())
        out["cells"] = self.cells["report_id"].map(fmt_of).value_counts()
        failed = self.checks[self.checks["status"] == "fail"]
        out["checks_failed"] = failed["report_id"].map(fmt_of).value_counts()
        flags = self.cells["flag"].fillna("")
        for name, pattern in (
            ("inferred_cells", "inferred_split"),
            ("ambiguous_cells", "ambiguous"),
        ):
            hit = self.cells.loc[flags.str.contains(pattern, regex=False), "report_id"]
            out[name] = hit.map(fmt_of).value_counts()
        out = out.fillna(0).astype("int64")
        out.loc["total"] = out.sum()
        out.index.name = "format"
        out.columns.name = None
        return out

    def by_template(self) -> pd.DataFrame:
        """Counts of successfully parsed reports per template.

        Returns
        -------
        DataFrame
            Index ``template``; columns ``reports``, ``year_min``, ``year_max``, ``cells``.
        """
        ok = self.reports[self.reports["status"] == "ok"]
        tpl = ok["template"].fillna("unknown")
        cells = self.cells["report_id"].map(dict(zip(ok["report_id"], tpl, strict=True)))
        out = pd.DataFrame(
            {
                "reports": tpl.value_counts(),
                "year_min": ok.groupby(tpl)["year"].min(),
                "year_max": ok.groupby(tpl)["year"].max(),
                "cells": cells.value_counts(),
            }
        )
        out["cells"] = out["cells"].fillna(0).astype("int64")
        out.index.name = "template"
        return out.sort_index()

    def __repr__(self) -> str:
        n = len(self.reports)
        n_ok = int((self.reports["status"] == "ok").sum())
        tpl = self.reports.loc[self.reports["status"] == "ok", "template"].fillna("unknown")
        tpls = ", ".join(f"{k}={v}" for k, v in sorted(tpl.value_counts().items()))
        return (
            f"Corpus({n} reports: {n_ok} ok, {n - n_ok} failed; {len(self.cells)} cells, "
            f"{len(self.sections)} sections, {len(self.checks)} checks; templates: {tpls or '-'})"
        )


@dataclass
class BuildResult:
    """What :func:`build_corpus` did.

    Attributes
    ----------
    n_files, n_ok, n_failed : int
        Input files, files with status ``ok``, files with any other status.
    n_parsed, n_cached : int
        Files parsed in this run, files taken from the cache.
    by_template : dict[str, int]
        Number of ``ok`` reports per template.
    elapsed : float
        Wall-clock seconds.
    out_dir : Path
    by_status : dict[str, int]
    failures : list[tuple[str, str, str]]
        ``(report_id, status, error)`` of every file whose status is not ``ok``.
    n_parts, n_parts_kept : int
        Parts of the dataset (per table), and how many of them were taken from the published
        dataset as they were (none of their files changed; all of them for an unchanged corpus).
    n_panel_blocks, n_panel_blocks_kept : int
        Blocks of cross-year check rows the build's panel step went through, and how many of
        them it took from the last build (none of their reports changed); both 0 when the
        step did not run (no checks, or an unchanged corpus).
    """

    n_files: int
    n_ok: int
    n_failed: int
    n_parsed: int
    n_cached: int
    by_template: dict[str, int]
    elapsed: float
    out_dir: Path
    by_status: dict[str, int] = field(default_factory=dict)
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    n_parts: int = 0
    n_parts_kept: int = 0
    n_panel_blocks: int = 0
    n_panel_blocks_kept: int = 0

    def table_dir(self, table: str) -> Path:
        """Directory of one dataset table (e.g. ``'cells'``)."""
        return self.out_dir / f"{table}.parquet"


# ---------------------------------------------------------------------------------------------
# Input discovery and report ids


@dataclass(frozen=True, slots=True)
class _Entry:
    path: str  # as str(Path(...)) gives it, shown as in the dataset (see recorded_path)
    rel: str  # path relative to the input directory (or the file name for a file input)
    report_id: str
    fs: str | None = None  # the path to open, when the name is not UTF-8 (path shows it)


def _as_list(inputs: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    if isinstance(inputs, str | os.PathLike):
        return [Path(inputs)]
    items = list(inputs) if isinstance(inputs, Iterable) and not isinstance(inputs, bytes) else None
    bad = [p for p in items or () if not isinstance(p, str | os.PathLike)]
    if items is None or bad:
        got = inputs if items is None else bad[0]
        raise InputError(
            "inputs must be a path (str or Path) or a list of paths to report files and "
            f"folders; got {type(got).__name__} {got!r:.60}"
        )
    return [Path(p) for p in items]


def _walk(root: Path, exclude: Path | None) -> list[tuple[str, str, str]]:
    """Files under ``root`` as (path, relative path, resolved path), hidden entries skipped.

    One ``os.scandir`` pass, strings only (a pathlib object per file cost about 1 s and 500
    bytes per 100,000 files): ``str(root)`` is already normalised, and joining it with entry
    names keeps it so, so a path reads as ``str(Path(path))`` would (the root ``.`` aside,
    whose ``./`` prefix is dropped, as pathlib does). The resolved path is the resolved root
    joined with the relative path: only symbolic links need a per-file ``resolve()``.
    """
    real_root = root.resolve()
    top = str(root)
    out: list[tuple[str, str, str]] = []
    stack = [(top, str(real_root), "")]
    cut = 2 if top == "." else 0  # scandir(".") names "./x"; Path("./x") is "x"
    while stack:
        path, real, rel = stack.pop()
        # a file lies inside the excluded directory exactly when its directory does
        if exclude is not None and Path(real).is_relative_to(exclude):
            continue
        with os.scandir(path) as it:
            for e in it:
                if e.name.startswith("."):
                    continue
                sub_rel = f"{rel}/{e.name}" if rel else e.name
                if e.is_symlink():  # a linked file counts; a linked directory is not entered
                    # a link to nothing (or a loop) is listed too: its row says it is unreadable
                    target = os.path.realpath(e.path)
                    if not os.path.isdir(target) and not (
                        exclude and Path(target).is_relative_to(exclude)
                    ):
                        out.append((e.path[cut:], sub_rel, target))
                elif e.is_dir():
                    stack.append((e.path, os.path.join(real, e.name), sub_rel))
                elif e.is_file():
                    out.append((e.path[cut:], sub_rel, os.path.join(real, e.name)))
    return out


def _stem(name: str) -> str:
    """``PurePath(name).stem`` for a path's last component, without building a path object."""
    i = name.rfind(".")
    return name[:i] if 0 < i < len(name) - 1 else name


def discover_files(
    inputs: str | os.PathLike | Iterable[str | os.PathLike], *, exclude: Path | None = None
) -> list[tuple[Path, str, str]]:
    """List input files with their report ids, sorted by report id.

    Parameters
    ----------
    inputs : path or list of paths
        Files and directories. Directories are searched recursively; hidden files and
        directories (names starting with ``.``) are skipped, and so is ``exclude``.
    exclude : Path, optional
        A directory to leave out (the output directory when it lies inside an input).

    Returns
    -------
    list of (path, relative path, report_id)
        ``report_id`` is the file stem; stems shared by several files get ``-<8 hex>`` from a
        hash of the relative path, so ids are stable across runs.

    Raises
    ------
    InputError
        When an input path does not exist.
    """
    return [(Path(f), rel, rid) for f, rel, rid in _discover(inputs, exclude)]


def _discover(
    inputs: str | os.PathLike | Iterable[str | os.PathLike], exclude: Path | None
) -> list[tuple[str, str, str]]:
    """:func:`discover_files` with each path as ``str(path)``."""
    excl = exclude.resolve() if exclude is not None else None
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for p in _as_list(inputs):
        if not p.exists():
            raise InputError(
                f"input path not found: {str(p)!r}; expected a report file or a directory of "
                "reports (txt, md, html, docx, pdf); check the path"
            )
        if p.is_dir():
            candidates = _walk(p, excl)
        else:
            candidates = [(str(p), p.name, str(p.resolve()))]
        for f, rel, key in candidates:
            if key not in seen:
                seen.add(key)
                found.append((f, rel))
    del seen
    found = [(f, recorded_path(rel)) for f, rel in found]
    rel_count = Counter(rel for _, rel in found)
    stems = [_stem(rel.rpartition("/")[2]) for _, rel in found]  # rel uses "/" throughout
    stem_count = Counter(stems)
    out = []
    for (f, rel), stem in zip(found, stems, strict=True):
        if stem_count[stem] == 1:
            rid = stem
        else:
            ident = rel
            if rel_count[rel] > 1:
                ident = recorded_path(Path(os.path.realpath(f)).as_posix())
            rid = f"{stem}-{hashlib.sha1(ident.encode('utf-8')).hexdigest()[:8]}"
        out.append((f, rel, rid))
    out.sort(key=lambda t: (t[2], t[0]))  # report ids are unique: the path never decides
    return out


def _entries(inputs: Any, exclude: Path | None = None) -> list[_Entry]:
    out = []
    for p, rel, rid in _discover(inputs, exclude):
        shown = recorded_path(p)
        out.append(_Entry(shown, rel, rid, None if shown == p else p))
    odd = [e.path for e in out if e.fs is not None]
    if odd:
        log.warning(
            "%d file name(s) are not UTF-8 (e.g. %s): recorded with \\x escapes; rename them "
            "(e.g. convmv -f gbk -t utf-8 -r --notest DIR) so that the paths in the dataset "
            "name the files as they are shown",
            len(odd),
            odd[0],
        )
    return out


# ---------------------------------------------------------------------------------------------
# Report -> rows


def _is_missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float | np.floating) and np.isnan(v)


def _to_str(v: Any) -> str | None:
    if _is_missing(v):
        return None
    if isinstance(v, datetime):  # also pd.Timestamp
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _to_float(v: Any) -> float | None:
    if _is_missing(v):
        return None
    if isinstance(v, bool | np.bool_ | int | np.integer | float | np.floating):
        return float(v)
    try:
        return float(str(v).replace(",", "").strip())
    except ValueError:
        return None


def _to_int(v: Any) -> int | None:
    if _is_missing(v):
        return None
    if isinstance(v, bool | np.bool_ | int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return int(v) if float(v).is_integer() else None
    try:
        return int(str(v).strip())
    except ValueError:
        return None


def _to_bool(v: Any) -> bool | None:
    if _is_missing(v):
        return None
    if isinstance(v, str):
        low = v.strip().lower()
        if low in ("true", "1", "yes"):
            return True
        if low in ("false", "0", "no", ""):
            return False
        return None
    return bool(v)


_NORMALIZERS: dict[str, Callable[[Any], Any]] = {
    "string": _to_str,
    "float64": _to_float,
    "Int64": _to_int,
    "boolean": _to_bool,
}


def _columnize(
    table: str, df: pd.DataFrame | dict[str, list] | None, report_id: str | None = None
) -> dict:
    """One table of one report as column lists of plain Python values (the cache format).

    Missing columns are filled with None; ``report_id`` (when given) replaces that column.
    Plain lists keep the per-file cost low (no per-file DataFrame copies).
    """
    dtypes = _DTYPES[table]
    if isinstance(df, dict):  # already column lists (Report.cell_columns())
        present = df
        n = len(next(iter(df.values()), []))
    else:
        n = 0 if df is None else len(df)
        present = _column_lists(df) if n else {}
    out: dict[str, list] = {}
    for c in TABLES[table]:
        if c == "report_id" and report_id is not None:
            out[c] = [report_id] * n
        elif c not in present:
            out[c] = [None] * n
        else:
            out[c] = _normalize_column(present[c], dtypes.get(c, "string"))
    return out


def _normalize_column(values: list, dtype: str) -> list:
    """``[_NORMALIZERS[dtype](v) for v in values]``, with fast paths for uniform columns.

    A column of exact ``str`` (string), ``int`` (Int64) or ``float`` (float64) values, with or
    without None, needs no per-value conversion beyond NaN -> None; the result is the same as
    the general path.
    """
    types = set(map(type, values))
    types.discard(type(None))  # None is None in every dtype
    if dtype == "string" and types <= {str}:
        return list(values)
    if dtype == "Int64" and types <= {int}:  # exact int: not bool
        return list(values)
    if dtype == "float64" and types <= {float}:
        return [None if v is None or v != v else v for v in values]
    norm = _NORMALIZERS[dtype]
    return [norm(v) for v in values]


def _column_lists(df: pd.DataFrame) -> dict[str, list]:
    """``{column: values as a list}``; the fast path avoids building one Series per column."""
    get = getattr(df, "_get_column_array", None)  # pandas internal, ~6x faster than df[c]
    if get is None or not df.columns.is_unique:  # pragma: no cover - other pandas versions
        return {c: df[c].tolist() for c in df.columns}
    return {c: get(i).tolist() for i, c in enumerate(df.columns)}


def _frame(table: str, columns: dict[str, list]) -> pd.DataFrame:
    """Column lists -> a DataFrame with the dataset dtypes."""
    dtypes = _DTYPES[table]
    return pd.DataFrame(
        {c: pd.Series(columns[c], dtype=dtypes.get(c, "string")) for c in TABLES[table]}
    )


def _sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(partial(fh.read, 1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _report_row(report: Report, *, report_id: str, path: str, sha256: str | None) -> dict:
    meta = report.meta or {}
    row = {c: meta.get(c) for c in REPORT_COLUMNS}
    row["report_id"] = report_id
    row["path"] = path
    row["sha256"] = sha256
    row["status"] = meta.get("status") or report.status or "ok"
    if row["format"] is None:
        row["format"] = SUPPORTED_SUFFIXES.get(Path(path).suffix.lower())
    text = report.text
    row["n_chars"] = len(text) if text is not None else meta.get("n_chars")
    return row


def report_frames(
    report: Report,
    *,
    checks: pd.DataFrame | None = None,
    report_id: str | None = None,
    path: str | os.PathLike | None = None,
    sha256: str | None = None,
) -> dict[str, pd.DataFrame]:
    """Convert one parsed report to dataset rows.

    Parameters
    ----------
    report : Report
        A report from :func:`gkwork.readers.read_report` (any status).
    checks : DataFrame, optional
        Check results for the report (``CHECK_COLUMNS``).
    report_id, path, sha256 : optional
        Override ``report.report_id`` / ``report.path``; ``sha256`` defaults to
        ``meta['sha256']`` or the hash of the file when it exists.

    Returns
    -------
    dict
        ``reports`` (one row, ``REPORT_COLUMNS``), ``cells``, ``sections``, ``checks``, each
        with its columns in contract order and the report's ``report_id``.
    """
    rid = report_id or report.report_id
    p = str(path) if path is not None else str(report.path)
    if sha256 is None:
        sha256 = (report.meta or {}).get("sha256")
        if sha256 is None and p and Path(p).is_file():
            sha256 = _sha256_file(Path(p))
    columns = _report_columns(report, checks, report_id=rid, path=p, sha256=sha256)
    return {t: _frame(t, columns[t]) for t in TABLES}


def _row_columns(row: dict[str, Any]) -> dict[str, list]:
    dtypes = _DTYPES["reports"]
    return {c: [_NORMALIZERS[dtypes.get(c, "string")](row.get(c))] for c in REPORT_COLUMNS}


def _report_columns(
    report: Report, checks: pd.DataFrame | None, *, report_id: str, path: str, sha256: str | None
) -> dict[str, dict[str, list]]:
    row = _report_row(report, report_id=report_id, path=path, sha256=sha256)
    return {
        "reports": _row_columns(row),
        "cells": _columnize("cells", _cols(report, "cells"), report_id),
        "sections": _columnize("sections", _cols(report, "sections"), report_id),
        "checks": _columnize("checks", checks, report_id),
    }


def _cols(report: Report, kind: str) -> dict[str, list] | pd.DataFrame:
    """A report's cells or sections as column lists when the Report offers them."""
    getter = getattr(report, {"cells": "cell_columns", "sections": "section_columns"}[kind], None)
    return getter() if callable(getter) else getattr(report, kind)


def _failure_columns(
    *, report_id: str, path: str, sha256: str | None, status: str, error: str
) -> dict[str, dict[str, list]]:
    row = {c: None for c in REPORT_COLUMNS}
    row.update(
        report_id=report_id,
        path=path,
        sha256=sha256,
        format=SUPPORTED_SUFFIXES.get(Path(path).suffix.lower()),
        status=status,
        error=error,
    )
    out = {t: _columnize(t, None) for t in TABLES}
    out["reports"] = _row_columns(row)
    return out


# ---------------------------------------------------------------------------------------------
# The per-file worker


@dataclass(frozen=True, slots=True)
class _Task:
    path: str  # as the dataset shows it (see recorded_path)
    report_id: str
    sha256: str | None
    key: str
    fs: str | None = None  # the path to open, when it differs from ``path``


@dataclass(slots=True)
class _Result:
    key: str
    blob: bytes | None  # pickled dict[table, dict[column, list]]; None once written to `stored`
    status: str
    error: str | None
    cacheable: bool
    stored: str | None = None  # where the worker wrote the blob (local engines)


@dataclass(frozen=True, slots=True)
class _Store:
    """Where workers write their results: the cache, or the run's spool when not cacheable.

    Both are SQLite files of (key, pickled columns) rows (see :class:`_ResultDB`). Local
    engines (serial, process pool) write from the worker, so that the build's parent process
    only dispatches; dask workers may not see the output directory and return blobs.
    """

    cache: str | None  # None: cache off, every result goes to the spool
    spool: str

    def db(self, cacheable: bool) -> str:
        return self.cache if self.cache is not None and cacheable else self.spool


class _Timeout(BaseException):
    """Raised by the alarm handler; a BaseException so that parser code cannot swallow it."""


def _default_parse(path: Path) -> Report:
    from gkwork.readers import read_report

    return read_report(path)


def _default_check(report: Report) -> dict[str, list]:
    """The catalog checks as column lists (no per-report DataFrame; see _columnize)."""
    from gkwork.validate import check_columns

    return check_columns(report)


def _call_with_timeout(fn: Callable[[], Any], timeout: float | None) -> Any:
    """Run ``fn()``; raise :class:`_Timeout` after ``timeout`` seconds.

    In the main thread of a process (pool workers, serial runs) this uses ``SIGALRM``, which
    interrupts the parser. Elsewhere (dask worker threads) the call runs in a daemon thread
    that is abandoned when the limit passes.
    """
    if not timeout or timeout <= 0:
        return fn()
    if hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread():

        def _on_alarm(signum, frame):  # noqa: ARG001
            raise _Timeout()

        previous = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            return fn()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    box: dict[str, Any] = {}

    def _run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            box["error"] = exc

    th = threading.Thread(target=_run, daemon=True, name="gkwork-parse")
    th.start()
    th.join(timeout)
    if th.is_alive():
        raise _Timeout()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _parse_columns(
    task: _Task, parse_fn: ParseFn, check_fn: CheckFn | None
) -> dict[str, dict[str, list]]:
    path = Path(task.fs or task.path)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES and not _sniffs_readable(path):
        return _failure_columns(
            report_id=task.report_id,
            path=task.path,
            sha256=task.sha256,
            status="error",
            error=unsupported_message(path.suffix),
        )
    try:
        report = parse_fn(path)
    except FileFormatError as exc:
        return _failure_columns(
            report_id=task.report_id,
            path=task.path,
            sha256=task.sha256,
            status="error",
            error=str(exc),
        )
    except (InputError, OSError) as exc:  # listed, but gone, a broken link, or not readable
        if path.is_symlink() and not path.exists():
            why = "a symbolic link to nothing (or to itself)"
        else:
            why = str(exc) if isinstance(exc, InputError) else (exc.strerror or str(exc))
        return _failure_columns(
            report_id=task.report_id,
            path=task.path,
            sha256=task.sha256,
            status="error",
            error=f"{Reason.UNREADABLE}: cannot read the file: {why}; fix or remove it",
        )
    checks = None
    if check_fn is not None and report.status == "ok":
        try:
            checks = check_fn(report)
        except Exception as exc:  # noqa: BLE001 - a failing rule must not lose the parse
            log.warning("checks failed for %s: %s: %s", task.path, type(exc).__name__, exc)
            checks = pd.DataFrame(
                [
                    {
                        "report_id": task.report_id,
                        "rule": Reason.INTERNAL_ERROR.value,
                        "status": "not_assessable",
                        "severity": "error",
                        "message": f"checks could not run: {type(exc).__name__}: {exc}",
                    }
                ]
            )
    return _report_columns(
        report, checks, report_id=task.report_id, path=task.path, sha256=task.sha256
    )


def _sniffs_readable(path: Path) -> bool:
    """Whether a file under a suffix gkwork does not read is a PDF, a Word .docx or a web page
    all the same (a .doc that is a .docx, or a Word file saved as a page): its first bytes
    decide."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1024)
    except OSError:
        return False
    return sniff_format(head, path.suffix.lower()) != ""


def _in_child_process() -> bool:
    return multiprocessing.parent_process() is not None


def process_file(
    task: _Task,
    parse_fn: ParseFn | None = None,
    check_fn: CheckFn | None = None,
    timeout: float | None = None,
    store: _Store | None = None,
) -> _Result:
    """Parse one file into a :class:`_Result`; never raises (runs inside workers).

    With ``store`` the pickled columns are written to the cache (or the spool) here, in the
    worker, and the result carries only the file's status and where its columns are.
    """
    hook = os.environ.get(CRASH_HOOK_ENV)
    if hook and hook in task.path and _in_child_process():
        os._exit(1)  # test hook: simulate a worker dying (segfault, OOM kill)
    parse_fn = parse_fn or _default_parse
    try:
        columns = _call_with_timeout(lambda: _parse_columns(task, parse_fn, check_fn), timeout)
    except _Timeout:
        columns = _failure_columns(
            report_id=task.report_id,
            path=task.path,
            sha256=task.sha256,
            status="error",
            error=f"{Reason.TIMEOUT}: parsing took longer than {timeout:g} s; raise the limit "
            "(--timeout) or inspect the file",
        )
    except Exception as exc:  # noqa: BLE001 - any failure becomes a row
        log.debug("internal error on %s", task.path, exc_info=True)
        columns = _failure_columns(
            report_id=task.report_id,
            path=task.path,
            sha256=task.sha256,
            status="error",
            error=f"{Reason.INTERNAL_ERROR}: {type(exc).__name__}: {exc}",
        )
    res = _make_result(task, columns)
    if store is not None:
        dest = store.db(res.cacheable)
        _ResultDB(dest).put(res.key, res.blob)
        res.blob, res.stored = None, dest
    return res


def _make_result(task: _Task, columns: dict[str, dict[str, list]]) -> _Result:
    status = columns["reports"]["status"][0] or "error"
    error = columns["reports"]["error"][0]
    cacheable = not (error and error.split(":", 1)[0] in {r.value for r in _UNCACHED_REASONS})
    blob = pickle.dumps(columns, protocol=pickle.HIGHEST_PROTOCOL)
    return _Result(task.key, blob, status, error, cacheable)


def _crash_result(task: _Task, message: str, reason: Reason = Reason.WORKER_CRASHED) -> _Result:
    columns = _failure_columns(
        report_id=task.report_id,
        path=task.path,
        sha256=task.sha256,
        status="error",
        error=f"{reason}: {message}",
    )
    return _make_result(task, columns)


# ---------------------------------------------------------------------------------------------
# Engines: each yields one _Result per task, in any order


def _run_serial(tasks: Sequence[_Task], call: Callable[[_Task], _Result]) -> Iterator[_Result]:
    for t in tasks:
        yield call(t)


def _kill_pool(pool: cf.ProcessPoolExecutor) -> None:
    # ProcessPoolExecutor has no public way to stop a hung worker; _processes is stable since 3.8.
    for proc in list(getattr(pool, "_processes", {}).values()):
        proc.kill()


def _run_suspects(
    call: Callable[[_Task], _Result], suspects: Sequence[_Task], hard_limit: float
) -> Iterator[_Result]:
    """Run tasks one at a time in a single-worker pool, to pin a crash on the file causing it.

    The pool is reused until it breaks; a new one replaces it after each crash or kill.
    """
    pool: cf.ProcessPoolExecutor | None = None
    try:
        for task in suspects:
            if pool is None:
                pool = cf.ProcessPoolExecutor(max_workers=1)
            try:
                yield pool.submit(call, task).result(timeout=hard_limit)
                continue
            except BrokenProcessPool:
                res = _crash_result(
                    task,
                    "the worker process died while parsing this file (crash, segfault or killed)",
                )
            except cf.TimeoutError:
                _kill_pool(pool)
                msg = f"worker did not return within {hard_limit:g} s and was killed"
                res = _crash_result(task, msg, Reason.TIMEOUT)
            except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
                res = _crash_result(task, f"{type(exc).__name__}: {exc}", Reason.INTERNAL_ERROR)
            pool.shutdown(wait=True, cancel_futures=True)
            pool = None
            yield res
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _call_batch(
    call: Callable[[_Task], _Result], store: _Store | None, batch: tuple[_Task, ...]
) -> list[_Result]:
    """Run ``call`` (which does not store) over a batch, then store the results together:
    one transaction per database instead of one per file (0.21 -> 0.09 ms per result). A
    batch whose worker dies is run again file by file, so nothing is lost by waiting."""
    results = [call(t) for t in batch]
    if store is not None:
        by_db: dict[str, list[_Result]] = {}
        for res in results:
            by_db.setdefault(store.db(res.cacheable), []).append(res)
        for dest, group in by_db.items():
            _ResultDB(dest).put_many((res.key, res.blob) for res in group)
            for res in group:
                res.blob, res.stored = None, dest
    return results


#: Most files a process-pool worker takes at once: batches amortise the pool's per-call cost
#: (about 1 ms of the parent's time per call, as much as parsing a short report).
_MAX_BATCH = 16


def _batches(tasks: Sequence[_Task], jobs: int) -> list[tuple[_Task, ...]]:
    """Split tasks into batches small enough that every worker gets at least 8 of them."""
    size = max(1, min(_MAX_BATCH, len(tasks) // (8 * jobs)))
    return [tuple(tasks[i : i + size]) for i in range(0, len(tasks), size)]


#: Files a process-pool worker parses before the pool is replaced by a fresh one (forked from
#: the parent, which holds the imported parser). A worker's memory grows while its bounded
#: caches fill and the allocator keeps what the parses freed (151 -> 221 MiB over 10,000
#: reports, of which about 43 MiB are live objects); replacing the pool caps that growth (two
#: workers sampled over 30,000 reports: 233-312 MiB together instead of rising towards 500)
#: for a fork and the caches' warm-up, about 0.1 s per worker every 4,000 files (estimated;
#: lost in the benchmarks' noise).
_WORKER_FILES = 4_000

#: Allocations between two young-generation collections in worker processes (Python's default
#: is 700). A parse keeps few objects alive, so collections find little; measured over 2,000
#: reports, the collector's time went from 0.19 to 0.05 ms per report (of about 3.5).
_WORKER_GC_THRESHOLD = 10_000


def _worker_init() -> None:
    """Set up a pool worker process (the build's own processes, never the caller's)."""
    gc.set_threshold(_WORKER_GC_THRESHOLD, *gc.get_threshold()[1:])


@contextlib.contextmanager
def _frozen_gc() -> Iterator[None]:
    """Keep the garbage collector off the objects this process holds while pools fork from it.

    A forked worker shares its parent's memory pages until it writes to them, and a collection
    writes to every object it traverses (the imported modules, the parser's tables): with the
    objects frozen (``gc.freeze``, as the gc module's documentation advises before a fork),
    workers leave those pages shared (a 20,000-report build: 390 -> 357 MiB of proportional
    set size). The objects are unfrozen afterwards; a process that froze objects itself is left
    as it is (it manages its own collector).
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run_process(
    tasks: Sequence[_Task],
    call: Callable[[_Task], _Result],
    jobs: int,
    hard_limit: float,
    store: _Store | None = None,
) -> Iterator[_Result]:
    """Process pool with a bounded in-flight window of batches; survives worker crashes.

    When the pool breaks, the files of the batches in flight are suspects: each is re-run
    alone in a fresh pool, so that only the culprit is recorded as ``worker_crashed``; then a
    new pool takes the remaining batches. A batch is killed when it runs longer than
    ``hard_limit`` per file. With ``store`` the workers write the results there (a batch's
    together) and return them without their blobs.
    """
    with _frozen_gc():
        yield from _run_pool(tasks, call, jobs, hard_limit, store)


def _run_pool(
    tasks: Sequence[_Task],
    call: Callable[[_Task], _Result],
    jobs: int,
    hard_limit: float,
    store: _Store | None,
) -> Iterator[_Result]:
    """:func:`_run_process`'s pool loop (run with the collector frozen, see there).

    A pool takes about ``_WORKER_FILES`` files per worker; then it is left to finish its
    batches and a fresh pool takes the next ones (bounded worker memory, see there).
    """
    pending = deque(_batches(tasks, jobs))
    window = max(2, 2 * jobs)
    run_batch = partial(_call_batch, call, store)
    call_alone = call if store is None else partial(call, store=store)
    new_pool = partial(cf.ProcessPoolExecutor, max_workers=jobs, initializer=_worker_init)
    pool = new_pool()
    share = _WORKER_FILES * jobs  # files one pool takes before it is replaced
    taken = 0
    inflight: dict[cf.Future, tuple[_Task, ...]] = {}
    started: dict[cf.Future, float] = {}
    try:
        while pending or inflight:
            while pending and len(inflight) < window and taken < share:
                batch = pending.popleft()
                inflight[pool.submit(run_batch, batch)] = batch
                taken += len(batch)
            if not inflight:  # this pool has had its share: a fresh one takes the rest
                pool.shutdown(wait=True)
                pool = new_pool()
                taken = 0
                continue
            done, _ = cf.wait(inflight, timeout=1.0, return_when=cf.FIRST_COMPLETED)
            now = time.monotonic()
            broken = False
            for fut in done:
                batch = inflight.pop(fut)
                started.pop(fut, None)
                exc = fut.exception()
                if exc is None:
                    yield from fut.result()
                elif isinstance(exc, BrokenProcessPool):
                    inflight[fut] = batch  # keep as suspects
                    broken = True
                else:
                    for t in batch:
                        msg = f"{type(exc).__name__}: {exc}"
                        yield _crash_result(t, msg, Reason.INTERNAL_ERROR)
            if not broken:
                for fut in inflight:
                    if fut.running():
                        started.setdefault(fut, now)
                overdue = [f for f, s in started.items() if now - s > hard_limit * len(inflight[f])]
                if overdue:
                    log.warning("killing a worker pool stuck for more than %.0f s", hard_limit)
                    _kill_pool(pool)
                    broken = True
            if broken:
                cf.wait(inflight)
                suspects = []
                for fut, batch in inflight.items():
                    if fut.exception() is None:
                        yield from fut.result()
                    else:
                        suspects.extend(batch)
                inflight.clear()
                started.clear()
                pool.shutdown(wait=True, cancel_futures=True)
                log.warning(
                    "a worker process died; re-running %d file(s) one by one", len(suspects)
                )
                suspects.sort(key=lambda t: t.path)
                yield from _run_suspects(call_alone, suspects, hard_limit)
                pool = new_pool()
                taken = 0
        pool.shutdown(wait=True)  # all done: let the workers exit (and be reaped) now
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _run_dask(
    tasks: Sequence[_Task], call: Callable[[_Task], _Result], scheduler: Any
) -> Iterator[_Result]:
    """dask.distributed engine: the same per-file call, in batches, with a bounded window of
    futures.

    Files go in batches as to the process pool (:func:`_batches`: a task per file cost the
    scheduler's round trip per file, and two local workers ran at a third of the process
    engine's rate). A batch that fails (a worker killed: ``KilledWorker``, after dask's
    ``distributed.scheduler.allowed-failures`` retries; or an error outside the parse) is run
    again file by file, one file at a time with nothing else running, so that only the file
    causing it is recorded.
    """
    from dask.distributed import Client, LocalCluster, as_completed

    own: list[Any] = []
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
        own = [client, cluster]
    elif isinstance(scheduler, Client):
        client = scheduler
    else:
        try:
            client = Client(scheduler)  # an address or a cluster object
        except (OSError, ValueError, TypeError) as exc:  # unreachable, refused, malformed
            raise InputError(
                f"could not connect to the dask scheduler {scheduler!r}: {exc}; check the "
                "address (e.g. tcp://host:8786) and that the scheduler runs, or leave out "
                "--scheduler for a local cluster"
            ) from None
        own = [client]
    try:
        n_threads = sum(client.nthreads().values()) or 1
        window = max(4, 2 * n_threads)
        batches = deque(_batches(tasks, n_threads))
        alone: deque[_Task] = deque()  # the files of a failed batch, each run by itself
        run_batch = partial(_call_batch, call, None)
        submitted: dict[str, tuple[tuple[_Task, ...], bool]] = {}
        queue = as_completed()

        def submit() -> bool:
            single = bool(alone)
            if single:
                if submitted:  # a suspect runs by itself on a quiet cluster, so that a
                    return False  # worker it kills was running it and nothing else
                work: tuple[_Task, ...] = (alone.popleft(),)
                fut = client.submit(call, work[0], pure=False)
            elif batches:
                work = batches.popleft()
                fut = client.submit(run_batch, work, pure=False)
            else:
                return False
            submitted[fut.key] = (work, single)
            queue.add(fut)
            return True

        for _ in range(window):
            if not submit():
                break
        for fut in queue:
            work, single = submitted.pop(fut.key)
            if fut.status == "finished":
                got = fut.result()
                yield from ([got] if single else got)
            elif not single:
                alone.extend(work)  # run again file by file
            else:
                try:
                    exc = fut.exception()
                except BaseException as err:  # noqa: BLE001 - e.g. CancelledError
                    exc = err
                if type(exc).__name__ == "KilledWorker":
                    yield _crash_result(
                        work[0], f"dask worker died while parsing this file ({exc})"
                    )
                else:
                    msg = f"{type(exc).__name__}: {exc}"
                    yield _crash_result(work[0], msg, Reason.INTERNAL_ERROR)
            fut.release()
            while len(submitted) < window and submit():
                pass
    finally:
        for obj in own:
            obj.close()


def _preload(parse_fn: ParseFn | None, check_fn: CheckFn | None) -> None:
    """Import the default parser and checks before forking, so workers inherit them."""
    if parse_fn is None:
        import gkwork.extract  # noqa: F401
        import gkwork.readers  # noqa: F401
        import gkwork.templates

        preload = getattr(gkwork.templates, "preload", None)  # optional eager-load hook
        if callable(preload):
            preload()
        import gkwork.meta

        gkwork.meta._gazetteer()  # the place-name automaton, built once before forking
    if check_fn is _default_check:
        import gkwork.validate  # noqa: F401


def _run_engine(
    engine: str,
    tasks: Sequence[_Task],
    *,
    jobs: int,
    scheduler: Any,
    timeout: float | None,
    parse_fn: ParseFn | None,
    check_fn: CheckFn | None,
    store: _Store | None = None,
) -> Iterator[_Result]:
    call = partial(process_file, parse_fn=parse_fn, check_fn=check_fn, timeout=timeout)
    if not tasks:
        return iter(())
    if engine == "dask":  # dask workers may not see the output directory: blobs come back
        return _run_dask(tasks, call, scheduler)
    if engine == "serial" or jobs == 1:
        return _run_serial(tasks, call if store is None else partial(call, store=store))
    _preload(parse_fn, check_fn)
    hard_limit = 2 * (timeout or 0) + _HARD_LIMIT_GRACE if timeout else float("inf")
    return _run_process(tasks, call, jobs, hard_limit, store)


# ---------------------------------------------------------------------------------------------
# Helpers shared by read_corpus and build_corpus


def _check_args(engine: str, jobs: int | None, timeout: float | None, chunk_size: int) -> int:
    if engine not in ENGINES:
        raise InputError(f"engine must be one of {', '.join(ENGINES)}; got {engine!r}")
    if jobs is None:
        jobs = os.cpu_count() or 1
    if not isinstance(jobs, int) or jobs < 1:
        raise InputError(f"jobs must be a positive integer (or None for all cores); got {jobs!r}")
    if timeout is not None and timeout <= 0:
        raise InputError(f"timeout must be a positive number of seconds or None; got {timeout!r}")
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise InputError(f"chunk_size must be a positive integer; got {chunk_size!r}")
    return jobs


def _show_progress(progress: bool | None) -> bool:
    if progress is None:
        return bool(getattr(sys.stderr, "isatty", lambda: False)())
    return bool(progress)


def _progress_bar(total: int, show: bool, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="file", desc=desc, disable=not show, file=sys.stderr)


_fingerprint_cache: str | None = None


def code_fingerprint() -> str:
    """Hash of the gkwork source and data files: any code change invalidates the cache."""
    global _fingerprint_cache
    if _fingerprint_cache is None:
        root = Path(__file__).resolve().parent
        h = hashlib.sha256(PARSER_VERSION.encode())
        files = [*root.glob("*.py"), *root.glob("data/**/*")]
        # modules that never run while parsing or checking one report
        skip = {
            "__main__.py", "cli.py", "db.py", "panel.py", "plots.py", "stats.py", "synth.py",
            "widgets.py", "writers.py", "render.py",
        }  # fmt: skip
        for f in sorted(p for p in files if p.is_file() and p.name not in skip):
            h.update(f.relative_to(root).as_posix().encode())
            h.update(f.read_bytes())
        _fingerprint_cache = h.hexdigest()[:16]
    return _fingerprint_cache


def _callable_fingerprint(fn: Callable[..., Any] | None) -> str:
    """An identity of a caller's ``parse_fn`` or ``check_fn`` for cache keys ('' for gkwork's
    own): its qualified name and code (bytecode, constants, defaults and the values it closes
    over; a ``functools.partial``'s function and arguments), so that the results of one
    function are never taken for another's. A change inside a helper the function calls is
    not seen: build with ``cache=False`` (or into a new directory) after changing one."""
    if fn is None or fn is _default_parse or fn is _default_check:
        return ""
    h = hashlib.sha256()

    def text(x: Any) -> bytes:
        try:
            return repr(x).encode("utf-8", "surrogatepass")
        except Exception:  # noqa: BLE001 - a repr that fails: its type alone
            return type(x).__qualname__.encode()

    def feed(f: Any) -> None:
        if isinstance(f, partial):
            feed(f.func)
            h.update(text((f.args, sorted(f.keywords.items()))))
            return
        qualname = getattr(f, "__qualname__", type(f).__qualname__)
        h.update(f"{getattr(f, '__module__', '')}.{qualname}".encode())
        code = getattr(f, "__code__", None)
        if code is None:  # a callable object: what its repr says of it
            h.update(text(f))
            return
        h.update(marshal.dumps(code))
        h.update(text((f.__defaults__, f.__kwdefaults__)))
        for cell in f.__closure__ or ():
            try:
                h.update(text(cell.cell_contents))
            except ValueError:  # an empty cell
                h.update(b"<empty>")

    feed(fn)
    return h.hexdigest()[:16]


def _key_prefix(
    check: bool, parse_fn: ParseFn | None = None, check_fn: CheckFn | None = None
) -> str:
    """What every cache key of a build shares: parser version, code fingerprint, checks, and
    the caller's parse and check functions when given (:func:`_callable_fingerprint`)."""
    custom = f"{_callable_fingerprint(parse_fn)}|{_callable_fingerprint(check_fn)}|"
    return f"{PARSER_VERSION}|{code_fingerprint()}|{int(check)}|" + (
        custom if custom != "||" else ""
    )


def _cache_key(sha256: str | None, path: str, prefix: str) -> str:
    """A file's cache key: its bytes' hash and name under ``prefix`` (:func:`_key_prefix`)."""
    if sha256 is None:  # unreadable file: a key that is never found in the cache
        return "nohash-" + hashlib.sha256(path.encode()).hexdigest()
    ident = f"{prefix}{os.path.basename(path)}|{sha256}"
    return hashlib.sha256(ident.encode("utf-8")).hexdigest()


def _hash_entries(entries: Sequence[_Entry], threads: int = 8) -> list[str | None]:
    def _one(e: _Entry) -> str | None:
        try:
            return _sha256_file(e.fs or e.path)
        except OSError as exc:
            log.warning("cannot read %s: %s", e.path, exc)
            return None

    def _many(part: Sequence[_Entry]) -> list[str | None]:
        return [_one(e) for e in part]

    # threads overlap the reads of a cold disk; 64 files per task keep the pool's per-call
    # cost small beside hashing a report of a few KB, and slices of 4,096 files bound the
    # futures alive at once (Executor.map submits everything it is given)
    out: list[str | None] = []
    with cf.ThreadPoolExecutor(max_workers=threads) as ex:
        for i in range(0, len(entries), 4096):
            block = entries[i : i + 4096]
            parts = [block[j : j + 64] for j in range(0, len(block), 64)]
            for hashed in ex.map(_many, parts):
                out.extend(hashed)
    return out


#: A file whose status changed this close (ns) to the hashing is hashed again next time: a
#: change within the file system's timestamp granularity (2 s on FAT) could leave the status
#: as it was ("racy" entries, as git calls them).
_RACY_NS = 2_000_000_000


def _stat_key(path: str) -> tuple[int, int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _hash_with_stats(entries: Sequence[_Entry], db: _ResultDB) -> list[str | None]:
    """File hashes, reading only the files whose status changed since they were last hashed.

    A file keeps its recorded sha256 while its size, modification time, status-change time
    (``ctime``: any write to the file sets it, even one that restores the modification time)
    and inode are those recorded, as git and DVC do. The status is taken before the file is
    read, and only statuses older than :data:`_RACY_NS` are recorded. (On Windows ``st_ctime``
    is the creation time: a rewrite that restores the modification time and the size would go
    unseen there; ``cache=False`` reads every file.)
    """
    started = time.time_ns()
    known = db.known_hashes()
    stats = [_stat_key(e.fs or e.path) for e in entries]
    shas: list[str | None] = [None] * len(entries)
    todo: list[int] = []
    for i, (e, st) in enumerate(zip(entries, stats, strict=True)):
        got = known.get(e.path)
        if st is not None and got is not None and got[0] == st:
            shas[i] = got[1]
        else:
            todo.append(i)
    for i, sha in zip(todo, _hash_entries([entries[i] for i in todo]), strict=True):
        shas[i] = sha
    settled = started - _RACY_NS
    rows = [
        (e.path, *st, sha)
        for e, st, sha in zip(entries, stats, shas, strict=True)
        if st is not None and sha is not None and st[1] < settled and st[2] < settled
    ]
    if todo or len(rows) != len(known):
        db.set_hashes(rows)
    return shas


def _make_tasks(
    entries: Sequence[_Entry], check: bool, db: _ResultDB | None = None, prefix: str | None = None
) -> list[_Task]:
    """One task per file with its sha256 and cache key under ``prefix`` (default
    ``_key_prefix(check)``; hashes recorded in ``db`` reused)."""
    shas = _hash_entries(entries) if db is None else _hash_with_stats(entries, db)
    prefix = _key_prefix(check) if prefix is None else prefix
    return [
        _Task(e.path, e.report_id, sha, _cache_key(sha, e.path, prefix), e.fs)
        for e, sha in zip(entries, shas, strict=True)
    ]


def _fix_ids(columns: dict[str, dict[str, list]], task: _Task) -> dict[str, dict[str, list]]:
    """Set report_id/path/sha256 of a (possibly cached or shared) result to this file's."""
    for table, cols in columns.items():
        cols["report_id"] = [task.report_id] * len(cols["report_id"])
        if table == "reports":
            cols["path"] = [task.path]
            cols["sha256"] = [task.sha256]
    return columns


class _Chunk:
    """Accumulates column lists of consecutive reports, then becomes DataFrames."""

    def __init__(self) -> None:
        self.columns = {t: {c: [] for c in cols} for t, cols in TABLES.items()}
        self.n = 0

    def add(self, columns: dict[str, dict[str, list]]) -> None:
        for t, cols in self.columns.items():
            src = columns[t]
            for c, values in cols.items():
                values.extend(src[c])
        self.n += 1

    def frames(self) -> dict[str, pd.DataFrame]:
        return {t: _frame(t, cols) for t, cols in self.columns.items()}


# ---------------------------------------------------------------------------------------------
# read_corpus


# ---------------------------------------------------------------------------------------------
# corpus-level checks (panel continuity across years)

_PANEL_REPORT_COLUMNS = ["report_id", "agency", "year", "template", "template_variant",
                         "division_code", "province", "city", "county", "admin_level",
                         "status", "synthetic"]  # fmt: skip


@cache
def _panel_cell_rows() -> tuple[str, ...]:
    """Rows of the cells the panel rules read (carry-over of requests, item counts, stocks,
    历年累计): a small slice of the cells, from the catalog."""
    from gkwork import templates
    from gkwork.validate import rules

    rows: list[str] = []
    for r in rules().values():
        if r["kind"] != "panel":
            continue
        if r["per"] == "col":
            rows += [*r["left"], *r["right"]]
        elif r.get("rows"):
            rows += r["rows"]
        else:  # every row of the forms it applies to
            for form in r.get("forms", r["templates"]):
                template, variant = templates.split_form(form)
                rows += templates.rows(template, r["table"], variant=variant)
    return tuple(dict.fromkeys(rows))


def panel_checks(reports: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """Cross-year checks (``panel.*`` rules) of a corpus, in dataset dtypes and a stable order.

    Only reports parsed ``ok`` with a year and an agency take part; the rows belong to the
    later year's report (see :func:`gkwork.panel.check_panel`).
    """
    reps = _panel_reports(reports)
    if reps.empty:
        return _frame("checks", {c: [] for c in TABLES["checks"]})
    # the rows the rules read (cells of reports left out are never looked up); no copy when
    # the caller read only these rows, as the build does: at 100k reports that is millions
    keep = cells["row"].isin(_panel_cell_rows())
    sub = cells.reset_index(drop=True) if keep.all() else cells[keep].reset_index(drop=True)
    del keep
    blocks = [_frame("checks", got) for got in _panel_blocks(reps, sub)]
    if not blocks:
        return _frame("checks", {c: [] for c in TABLES["checks"]})
    return pd.concat(blocks, ignore_index=True) if len(blocks) > 1 else blocks[0]


def _panel_reports(reports: pd.DataFrame) -> pd.DataFrame:
    """The reports that take part in the panel checks (parsed ok, with a year and an agency)."""
    from gkwork.panel import panel_members

    reps = reports[[c for c in _PANEL_REPORT_COLUMNS if c in reports.columns]]
    return panel_members(reps).drop(columns="status").reset_index(drop=True)


#: Later-year reports per block of panel checks: a block's rows (about 20 per report, 1.3 KB
#: each while they are Python objects) are written before the next block is computed.
PANEL_BLOCK = 5_000


def _panel_blocks(reps: pd.DataFrame, cells: Any) -> Iterator[dict[str, list]]:
    """The panel checks over ``cells`` (a DataFrame or a prepared cell index) as column lists
    of the dataset's checks table, block by block, sorted by report_id, rule, table, row and
    col (see :func:`gkwork.panel.panel_check_blocks`)."""
    from gkwork import panel

    for rows in panel._sorted_blocks(reps, cells, PANEL_BLOCK, None, "en"):
        if rows:
            yield _panel_columns(rows)


def _panel_columns(rows: list[tuple]) -> dict[str, list]:
    """Panel check rows (tuples in CHECK_COLUMNS order) as the dataset's checks columns."""
    from gkwork import validate

    return _columnize("checks", validate._columns(rows))


#: The agency matching of a build's panel step, kept in the cache directory with the key of
#: its inputs (see :func:`_panel_ids`).
PANEL_MATCH_NAME = "panel_match.parquet"


def _panel_match_key(frame: pd.DataFrame) -> str:
    """A key of everything :func:`gkwork.panel.match_agencies` depends on: the columns it reads
    (names, values, order), gkwork's code (panel.py is outside :func:`code_fingerprint`),
    rapidfuzz and the Unicode tables behind the name normalisation."""
    import unicodedata

    import rapidfuzz

    from gkwork import panel

    h = hashlib.sha256()
    for part in (code_fingerprint(), rapidfuzz.__version__, unicodedata.unidata_version,
                 pd.__version__, "|".join(frame.columns)):  # fmt: skip
        h.update(part.encode("utf-8") + b"\0")
    h.update(Path(panel.__file__).read_bytes())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def _panel_ids(reps: pd.DataFrame, cache_dir: Path | None) -> pd.DataFrame:
    """``match_agencies(reps)``'s report_id and panel_id, taken from the last build when the
    matching's inputs are the same (a build that changed no agency name, year or place: most
    incremental builds); about 2.3 s for 110,000 reports."""
    from gkwork.panel import MATCH_INPUTS, panel_ids

    cols = [c for c in MATCH_INPUTS if c in reps.columns]
    path = cache_dir / PANEL_MATCH_NAME if cache_dir is not None else None
    key = _panel_match_key(reps[cols]) if path is not None else ""
    if path is not None and path.is_file():
        try:
            table = pq.ParquetFile(path).read()
            if (table.schema.metadata or {}).get(b"gkwork_key") == key.encode():
                return table.to_pandas()
        except (OSError, pa.ArrowException) as exc:  # a damaged file: match again
            log.warning("cached agency matching unreadable (%s); matching again", exc)
    got = panel_ids(reps)
    if path is not None:
        table = pa.Table.from_pandas(got, preserve_index=False)
        meta = {**(table.schema.metadata or {}), b"gkwork_key": key.encode()}
        tmp = path.with_name(path.name + ".tmp")
        pq.write_table(table.replace_schema_metadata(meta), tmp)
        os.replace(tmp, path)
    return got


#: Where a build keeps each block of panel check rows for the next build (see
#: :func:`_staged_panel_checks`), one Parquet file per block named by its key.
PANEL_BLOCKS_DIRNAME = "panel_blocks"


def _panel_code_key(prefix: str) -> str:
    """What every panel block's rows depend on besides its reports: the build's key prefix
    (parser and check code, :func:`_key_prefix`), panel.py (outside
    :func:`code_fingerprint`) and the dataset's checks schema."""
    from gkwork import panel

    h = hashlib.sha256(prefix.encode())
    h.update(Path(panel.__file__).read_bytes())
    h.update(_schema("checks").to_string().encode())
    return h.hexdigest()


def _block_key(code_key: str, pairs: Sequence[tuple[Any, Any]], content: dict[str, int]) -> str:
    """A key of one panel block: the code, and each pair's reports (year, id, template,
    variant) with the content hashes of their files (file hash and path)."""
    h = hashlib.sha256(code_key.encode())
    for early, later in pairs:
        h.update(repr((early, later, content[str(early[1])], content[str(later[1])])).encode())
    return h.hexdigest()[:32]


def _report_content(reports: pd.DataFrame) -> dict[str, int]:
    """report_id -> a 64-bit hash of its file's sha256 and path (what its cells come from)."""
    frame = reports[["sha256", "path"]].astype("string").fillna("")
    hashes = pd.util.hash_pandas_object(frame, index=False).tolist()
    return dict(zip(reports["report_id"].astype(str).tolist(), hashes, strict=True))


def _cached_block(path: Path) -> pa.Table | None:
    """A panel block kept by an earlier build, in the dataset schema; None when unreadable."""
    try:
        table = pq.ParquetFile(path).read()
    except (OSError, pa.ArrowException) as exc:
        log.warning("cached panel block %s unreadable (%s); computing it again", path.name, exc)
        return None
    schema = _schema("checks")
    if table.schema.remove_metadata() != schema.remove_metadata():
        return None
    return table.replace_schema_metadata(schema.metadata)


def _keep_block(path: Path, table: pa.Table) -> None:
    """Keep a panel block for the next build (a cache: a failure to write it is logged)."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("cannot keep panel block %s for the next build (%s)", path.name, exc)
        tmp.unlink(missing_ok=True)


def _staged_panel_checks(
    staging: Path,
    cache_dir: Path | None = None,
    prefix: str | None = None,
    counts: Counter[str] | None = None,
) -> Iterator[dict[str, list] | pa.Table]:
    """Panel checks over a staged dataset, block by block (column lists, or Arrow tables
    kept from the last build), reading only the columns and rows they need.

    The cells the panel rules read (a few dozen per report) are read one part at a time,
    strings dictionary-encoded, and reduced to integer codes and float arrays before the
    next part is read (:meth:`gkwork.panel._CellIndex.from_arrow`): about 20 bytes per cell,
    so that the step stays small even for a million reports.

    With ``cache_dir`` the agency matching is kept there for the next build
    (:func:`_panel_ids`), and so is each block's rows, under a key of the code and the
    block's pairs of reports with their files' hashes: a build in which a few files changed
    computes only their blocks (block ends are set by the report ids,
    :func:`gkwork.panel._content_bounds`, so a file added or removed moves no other block)
    and reads no cell when no block changed. Blocks no longer used are deleted at the end.
    ``prefix`` is the build's :func:`_key_prefix` (the caller's parse and check functions in
    it); default gkwork's own. ``counts`` (when given) counts the ``blocks`` and those
    ``kept`` from the last build.
    """
    import pyarrow.dataset as ds

    from gkwork import panel

    counts = Counter() if counts is None else counts
    reports = (
        ds.dataset(staging / "reports.parquet", format="parquet")
        .to_table(columns=[*_PANEL_REPORT_COLUMNS, "sha256", "path"])
        .to_pandas()
    )
    reps = _panel_reports(reports)
    content = _report_content(reports) if cache_dir is not None else {}
    del reports
    pairs: list = []
    if not reps.empty:
        # as check_panel would merge match_agencies' panel ids
        reps = reps.merge(_panel_ids(reps, cache_dir), on="report_id", how="left")
        pairs = panel._pairs_by_later(reps)
    del reps
    index: Any = None
    plans: dict = {}
    kept_dir = cache_dir / PANEL_BLOCKS_DIRNAME if cache_dir is not None else None
    if kept_dir is not None:
        kept_dir.mkdir(parents=True, exist_ok=True)
        code_key = _panel_code_key(_key_prefix(True) if prefix is None else prefix)
    used: set[str] = set()
    for lo, hi in panel._content_bounds(pairs, PANEL_BLOCK):
        block = pairs[lo:hi]
        counts["blocks"] += 1
        path = None
        if kept_dir is not None:
            key = _block_key(code_key, block, content)
            path = kept_dir / f"{key}.parquet"
            used.add(path.name)
            table = _cached_block(path) if path.is_file() else None
            if table is not None:
                counts["kept"] += 1
                if table.num_rows:
                    yield table
                continue
        if index is None:
            index = _staged_cell_index(staging)
        got = _panel_columns(panel._block_rows(block, index, "en", plans))
        if path is not None:
            _keep_block(path, _arrow_table("checks", got))
        if got["report_id"]:
            yield got
    if kept_dir is not None:
        for old in kept_dir.iterdir():
            if old.name not in used:
                old.unlink(missing_ok=True)


def _staged_cell_index(staging: Path) -> Any:
    """The cells the panel rules read, of every staged report, as a
    :class:`gkwork.panel._CellIndex`."""
    from gkwork.panel import _CellIndex

    columns = ["report_id", "table", "row", "col", "value", "start", "end"]
    strings = ["report_id", "table", "row", "col"]
    keep = pa.array(_panel_cell_rows())
    files = sorted((staging / "cells.parquet").glob("*.parquet"))

    def parts() -> Iterator[pa.Table]:
        for f in files:  # one file: ParquetFile, lighter than read_table's dataset set-up
            table = pq.ParquetFile(f, read_dictionary=strings).read(columns=columns)
            yield table.filter(pc.is_in(table["row"], value_set=keep))

    index = _CellIndex.from_arrow(parts())
    # what reading the parts freed stays in the C allocator's arenas (about 70 MB per 100k
    # reports) unless it is handed back; the matching and the checks then start from less
    pa.default_memory_pool().release_unused()
    if index is None:  # a missing key (not in a gkwork dataset): the DataFrame path spells it
        plain = [t.cast(_plain_strings(t.schema)) for t in parts()]
        index = pa.concat_tables(plain).to_pandas(strings_to_categorical=True)
        index = _CellIndex.from_frame(index)
    return index


def _write_blocks(path: Path, table: str, blocks: Iterable[dict[str, list] | pa.Table]) -> None:
    """Write blocks of dataset table ``table`` (column lists, or Arrow tables in its schema)
    as the row groups of one Parquet file, as they come (no file when there is none)."""
    writer = None
    try:
        for block in blocks:
            got = block if isinstance(block, pa.Table) else _arrow_table(table, block)
            if writer is None:
                writer = pq.ParquetWriter(path, got.schema)
            writer.write_table(got)
    finally:
        if writer is not None:
            writer.close()


def _plain_strings(schema: pa.Schema) -> pa.Schema:
    """``schema`` with dictionary-encoded fields as their plain value type."""
    fields = [
        pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in schema
    ]
    return pa.schema(fields, metadata=schema.metadata)


def read_corpus(
    paths_or_dir: str | os.PathLike | Iterable[str | os.PathLike],
    *,
    check: bool = True,
    jobs: int = 1,
    progress: bool | None = None,
    timeout: float | None = None,
    parse_fn: ParseFn | None = None,
    check_fn: CheckFn | None = None,
) -> Corpus:
    """Parse reports into an in-memory :class:`Corpus` (one ``reports`` row per file).

    Parameters
    ----------
    paths_or_dir : path or list of paths
        A directory (searched recursively), a file, or a list of both.
    check : bool
        Run :func:`gkwork.validate.check_report` on every report parsed with status ok.
    jobs : int
        Worker processes; 1 parses in this process.
    progress : bool, optional
        Show a progress bar; default only when stderr is a terminal.
    timeout : float, optional
        Per-file time limit in seconds (None: no limit).
    parse_fn, check_fn : callable, optional
        Replace the parser (``path -> Report``) or the checks (``Report -> DataFrame``).

    Returns
    -------
    Corpus
        Rows sorted by ``report_id``.

    Examples
    --------
    >>> corpus = read_corpus("data/raw")  # doctest: +SKIP
    >>> corpus.summary()  # doctest: +SKIP
    """
    jobs = _check_args("process", jobs, timeout, 1)
    if check and check_fn is None:
        check_fn = _default_check
    entries = _entries(paths_or_dir)
    tasks = _make_tasks(entries, check)
    by_key: dict[str, bytes] = {}
    unique = list({t.key: t for t in tasks}.values())
    results = _run_engine(
        "process",
        unique,
        jobs=jobs,
        scheduler=None,
        timeout=timeout,
        parse_fn=parse_fn,
        check_fn=check_fn if check else None,
    )
    with _progress_bar(len(unique), _show_progress(progress), "gkwork read") as bar:
        for res in results:
            by_key[res.key] = res.blob
            bar.update(1)
    chunk = _Chunk()
    for t in tasks:
        chunk.add(_fix_ids(pickle.loads(by_key[t.key]), t))
    frames = chunk.frames()
    if check:
        panel = panel_checks(frames["reports"], frames["cells"])
        if len(panel):
            frames["checks"] = pd.concat([frames["checks"], panel], ignore_index=True)
    return Corpus(**frames)


def load_corpus(out_dir: str | os.PathLike) -> Corpus:
    """Read a dataset written by :func:`build_corpus` back into a :class:`Corpus`."""
    out = Path(out_dir)
    _require_dataset(out)
    return Corpus(**{t: pd.read_parquet(out / f"{t}.parquet") for t in TABLES})


def _require_dataset(out: Path) -> None:
    missing = [t for t in TABLES if not (out / f"{t}.parquet").is_dir()]
    if missing:
        raise InputError(
            f"no gkwork dataset in {str(out)!r} (missing {', '.join(missing)}); "
            f"build one with: gkwork parse INPUT --out {out}"
        )


# ---------------------------------------------------------------------------------------------
# build_corpus: staging, writing, atomic publish, cache


#: Name of the result database in a run's staging directory (the spool of results that are
#: not cached); the cache's own is one per gkwork version (:func:`_cache_db`).
RESULTS_DB = "results.sqlite"


class _ResultDB:
    """Per-file results (pickled column lists) by cache key, in one SQLite file.

    One file instead of one file per report: creating a file costs about a millisecond on
    some file systems (as much as parsing a report), and a million small files strain any.
    WAL journal, so that readers never block the writers; ``synchronous=NORMAL`` (a power cut
    may lose the last results, never corrupt the file: it is a cache). Each process keeps its
    own connection (a connection must not cross a fork).
    """

    _connections: dict[tuple[int, str], sqlite3.Connection] = {}

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = str(path)

    def create(self) -> _ResultDB:
        """Make the file, its table and WAL mode; before any worker opens it (these steps
        take locks that concurrent first connections would fight over)."""
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = self._conn()
        conn.execute("PRAGMA page_size=16384")  # a result (~25 KB) in two pages, not seven
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, blob BLOB)")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS hashes (path TEXT PRIMARY KEY, size INTEGER, "
            "mtime_ns INTEGER, ctime_ns INTEGER, ino INTEGER, sha256 TEXT)"
        )
        return self

    def _conn(self) -> sqlite3.Connection:
        ident = (os.getpid(), self.path)
        conn = self._connections.get(ident)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=120.0, isolation_level=None)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA wal_autocheckpoint=4000")  # pages: checkpoint every ~64 MB
            self._connections[ident] = conn
        return conn

    def close(self) -> None:
        conn = self._connections.pop((os.getpid(), self.path), None)
        if conn is not None:
            conn.close()

    def put(self, key: str, blob: bytes) -> None:
        self._conn().execute("INSERT OR REPLACE INTO results VALUES (?, ?)", (key, blob))

    def put_many(self, items: Iterable[tuple[str, bytes]]) -> None:
        """:meth:`put` each ``(key, blob)``, in one transaction."""
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            conn.executemany("INSERT OR REPLACE INTO results VALUES (?, ?)", items)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def known_hashes(self) -> dict[str, tuple[tuple[int, int, int, int], str]]:
        """The file hashes of the last build: path -> ((size, mtime, ctime, inode), sha256)."""
        rows = self._conn().execute(
            "SELECT path, size, mtime_ns, ctime_ns, ino, sha256 FROM hashes"
        )
        return {path: ((size, mt, ct, ino), sha) for path, size, mt, ct, ino, sha in rows}

    def set_hashes(self, rows: Iterable[tuple[str, int, int, int, int, str]]) -> None:
        """Replace the file hashes with ``rows`` of (path, size, mtime, ctime, inode, sha256)."""
        conn = self._conn()
        conn.execute("BEGIN")
        conn.execute("DELETE FROM hashes")
        conn.executemany("INSERT OR REPLACE INTO hashes VALUES (?, ?, ?, ?, ?, ?)", rows)
        conn.execute("COMMIT")

    def get_many(self, keys: Sequence[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        conn = self._conn()
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            marks = ",".join("?" * len(part))
            sql = f"SELECT key, blob FROM results WHERE key IN ({marks})"
            out.update(conn.execute(sql, part).fetchall())
        return out

    def present(self, keys: Iterable[str]) -> set[str]:
        """The keys that have a result (no blob is read)."""
        keys = list(keys)
        out: set[str] = set()
        conn = self._conn()
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            marks = ",".join("?" * len(part))
            sql = f"SELECT key FROM results WHERE key IN ({marks})"
            out.update(k for (k,) in conn.execute(sql, part))
        return out

    def prune(self, keep: set[str]) -> int:
        """Delete every result whose key is not in ``keep``; return how many went.

        The keys come from the key index alone (no result is read: 0.1 s for 100,000), so
        that a build which replaced a few results deletes those few, in one transaction.
        """
        conn = self._conn()
        stale = [(k,) for (k,) in conn.execute("SELECT key FROM results") if k not in keep]
        if stale:
            conn.execute("BEGIN")
            conn.executemany("DELETE FROM results WHERE key = ?", stale)
            conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return len(stale)


#: Arrow schemas of the dataset tables (with the pandas metadata ``pandas.read_parquet`` uses to
#: restore the dtypes), derived once from an empty frame of each table.
_SCHEMAS: dict[str, pa.Schema] = {}


def _schema(table: str) -> pa.Schema:
    if table not in _SCHEMAS:
        empty = _frame(table, {c: [] for c in TABLES[table]})
        _SCHEMAS[table] = pa.Table.from_pandas(empty, preserve_index=False).schema
    return _SCHEMAS[table]


def _arrow_table(table: str, columns: dict[str, list]) -> pa.Table:
    """Column lists -> an Arrow table with the dataset schema (no pandas round trip)."""
    schema = _schema(table)
    arrays = [pa.array(columns[c], type=schema.field(c).type) for c in TABLES[table]]
    return pa.Table.from_arrays(arrays, schema=schema)


#: Rows of one table a part holds in memory before writing them as a Parquet row group. A
#: part has up to 4 x chunk_size reports (about 150 cells and 70 check rows each); held whole
#: as Python lists, a part of 2,000 reports took about 290 MB in the worker assembling it.
_ROW_GROUP_ROWS = 50_000


class _PartWriter:
    """Writes one part of every table from consecutive reports' columns, in bounded memory.

    A report's rows come as column lists (:meth:`add`, from a stored result) or as Arrow
    tables (:meth:`add_rows`, from a published part). Rows are held per table and written as
    a row group each time a table holds ``rows`` (default :data:`_ROW_GROUP_ROWS`) of them, in
    the order they came; a table that never reaches that is written at :meth:`close` in one
    piece (an empty table too: every part has every table).
    """

    def __init__(self, staging: Path, name: str, rows: int | None = None) -> None:
        self.paths = {t: staging / f"{t}.parquet" / name for t in TABLES}
        self.buffers = {t: {c: [] for c in cols} for t, cols in TABLES.items()}
        self.pieces: dict[str, list[pa.Table]] = {t: [] for t in TABLES}  # before the lists
        self.held = dict.fromkeys(TABLES, 0)  # rows in pieces
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.rows = rows or _ROW_GROUP_ROWS

    def add(self, columns: dict[str, dict[str, list]]) -> None:
        for t, buf in self.buffers.items():
            src = columns[t]
            for c, values in buf.items():
                values.extend(src[c])
            if self.held[t] + len(values) >= self.rows:
                self._flush(t)

    def add_rows(self, tables: dict[str, pa.Table]) -> None:
        """Add one report's rows as Arrow tables (every table, in the dataset schema)."""
        for t, piece in tables.items():
            self._hold_lists(t)
            self.pieces[t].append(piece)
            self.held[t] += piece.num_rows
            if self.held[t] >= self.rows:
                self._flush(t)

    def _hold_lists(self, t: str) -> None:
        buf = self.buffers[t]
        if buf[TABLES[t][0]]:
            table = _arrow_table(t, buf)
            self.pieces[t].append(table)
            self.held[t] += table.num_rows
            for values in buf.values():
                values.clear()

    def _take(self, t: str) -> pa.Table:
        """Everything held of table ``t``, as one Arrow table (empty when nothing is)."""
        self._hold_lists(t)
        pieces, self.pieces[t], self.held[t] = self.pieces[t], [], 0
        if len(pieces) == 1:
            return pieces[0]
        return pa.concat_tables(pieces) if pieces else _arrow_table(t, self.buffers[t])

    def _path(self, t: str) -> Path:
        self.paths[t].parent.mkdir(exist_ok=True)
        return self.paths[t]

    def _flush(self, t: str) -> None:
        if t not in self.writers:
            self.writers[t] = pq.ParquetWriter(self._path(t), _schema(t))
        self.writers[t].write_table(self._take(t))

    def close(self) -> None:
        for t, buf in self.buffers.items():
            if t in self.writers:
                if buf[TABLES[t][0]] or self.pieces[t]:
                    self._flush(t)
                self.writers.pop(t).close()
            else:
                pq.write_table(self._take(t), self._path(t))

    def discard(self) -> None:
        """Close and delete whatever was written (the part is assembled again later)."""
        for w in self.writers.values():
            w.close()
        self.writers.clear()
        for path in self.paths.values():
            path.unlink(missing_ok=True)


@dataclass(frozen=True, slots=True)
class _PartJob:
    """One part of the dataset: consecutive files and where each one's columns are stored.

    ``reuse`` is ``(published dataset directory, part name)`` of a published part built from
    exactly these files (same report ids, paths and cache keys): its files are linked into the
    staging area instead of being assembled again. Otherwise ``published`` is ``(published
    dataset directory, each file's published part or None)``: the rows of a file that a
    published part holds as this part needs them (same report id, path and cache key) are
    copied from there, and only the other files' results are read from the database.
    """

    staging: str
    index: int
    items: tuple[tuple[_Task, str], ...]  # each file's task and the database holding its result
    reuse: tuple[str, str] | None = None
    published: tuple[str, tuple[str | None, ...]] | None = None


def _part_bounds(tasks: Sequence[_Task], chunk_size: int) -> list[tuple[int, int]]:
    """Split tasks (in report_id order) into parts of about ``chunk_size`` files.

    Boundaries are chosen by content (content-defined chunking): a part ends after a file
    whose report id hashes to 0 modulo ``chunk_size - min + 1``, once it holds at least
    ``min = chunk_size // 4`` files, and at ``4 * chunk_size`` files in any case. Adding or
    removing a file then changes the part it falls in (and rarely a neighbour), not every part
    after it, so that an incremental build re-assembles only those (see :func:`_reusable`).
    """
    least = max(1, chunk_size // 4)
    most = 4 * chunk_size
    modulus = chunk_size - least + 1
    bounds: list[tuple[int, int]] = []
    start = 0
    for i, t in enumerate(tasks):
        size = i + 1 - start
        h = int.from_bytes(hashlib.blake2b(t.report_id.encode(), digest_size=8).digest(), "big")
        if size >= most or (size >= least and h % modulus == 0):
            bounds.append((start, i + 1))
            start = i + 1
    if start < len(tasks):
        bounds.append((start, len(tasks)))
    return bounds


def _part_identity(items: Iterable[tuple[str | None, str | None, str | None]]) -> str:
    """Digest of a part's files: (report_id, cache_key, path) of each, in order."""
    h = hashlib.sha256()
    for item in items:  # none of the three holds a NUL or a newline
        h.update(("\0".join(map(str, item)) + "\n").encode("utf-8"))
    return h.hexdigest()


#: Manifest header keys that may differ between builds whose parts are interchangeable.
_FREE_HEADER_KEYS = frozenset({"gkwork_version", "n_files"})


def _published_manifest(
    out: Path, header: dict[str, Any], *, ignore: frozenset[str]
) -> dict[str, Any] | None:
    """The published manifest when it reads and its header is ``header`` (keys in ``ignore``
    aside); None otherwise (no dataset yet, another gkwork or build setting, a damaged file)."""
    path = out / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict):
        return None
    if any(manifest.get(k) != v for k, v in header.items() if k not in ignore):
        return None
    return manifest


class _Published(NamedTuple):
    """What a build may take from the published dataset: whole parts (identity -> part name)
    and single files' rows ((report_id, cache_key, path) -> part name)."""

    parts: dict[str, str]
    files: dict[tuple[str, str, str], str]


def _reusable(out: Path, header: dict[str, Any]) -> _Published:
    """The published dataset's parts, and the files in them, that a new build may take.

    Only when the published manifest was written with the same parser, code, checks setting
    and part size (``header`` but for the version string and the file count), and only parts
    whose files exist in every table.
    """
    none = _Published({}, {})
    manifest = _published_manifest(out, header, ignore=_FREE_HEADER_KEYS)
    if manifest is None:
        return none
    parts: dict[str, list[tuple[Any, Any, Any]]] = {}
    try:
        for f in manifest.get("files", []):
            parts.setdefault(f["part"], []).append((f["report_id"], f["cache_key"], f["path"]))
    except (KeyError, TypeError, AttributeError):
        return none
    whole = {
        name: items
        for name, items in parts.items()
        if all((out / f"{t}.parquet" / name).is_file() for t in TABLES)
    }
    return _Published(
        {_part_identity(items): name for name, items in whole.items()},
        {item: name for name, items in whole.items() for item in items},
    )


def _link_part(job: _PartJob, reuse: tuple[str, str]) -> list[dict[str, Any]]:
    """Link the published part ``reuse`` into the staging area; return its manifest entries.

    Hard links (the publish step moves the old files away and deletes them; the links keep
    the content), copies where the file system has none. The entries are read back from the
    part's reports table, as :func:`_assemble_part` would have made them. Raises OSError or an
    Arrow error when the part cannot be read; the caller then assembles it from the cache.
    """
    published, old = Path(reuse[0]), reuse[1]
    name = f"part-{job.index:05d}.parquet"
    columns = ["report_id", "status", "template", "error"]
    # one file: ParquetFile, not read_table (which sets up a dataset: ~6 ms against ~1)
    rep = pq.ParquetFile(published / "reports.parquet" / old).read(columns=columns).to_pydict()
    tasks = [t for t, _ in job.items]
    if rep["report_id"] != [t.report_id for t in tasks]:
        raise OSError(f"{old}: its reports are not the files of this part")
    for t in TABLES:
        src, dest = published / f"{t}.parquet" / old, Path(job.staging) / f"{t}.parquet" / name
        dest.parent.mkdir(exist_ok=True)
        try:
            os.link(src, dest)
        except OSError:
            shutil.copyfile(src, dest)
    return [
        _manifest_entry(task, name, status, template, error)
        for task, status, template, error in zip(
            tasks, rep["status"], rep["template"], rep["error"], strict=True
        )
    ]


def _manifest_entry(
    task: _Task, part: str, status: str | None, template: str | None, error: str | None
) -> dict[str, Any]:
    """One file's line in the manifest (from its row of the reports table)."""
    return {
        "report_id": task.report_id,
        "path": task.path,
        "sha256": task.sha256,
        "cache_key": task.key,
        "part": part,
        "status": status or "error",
        "template": template,
        "error": error,
    }


class _PartDone(NamedTuple):
    """What became of a part: its manifest entries, the keys of unreadable stored results
    (then nothing was written), and whether the published part was kept as it was."""

    entries: list[dict[str, Any]]
    damaged: list[str]
    kept: bool = False


def _assemble_part(job: _PartJob) -> _PartDone:
    """Write part ``job.index`` of every table (or link the published one it reuses).

    Runs in a worker process. When a stored result cannot be read (e.g. a cache file
    truncated by a full disk), nothing is written and the keys of the unreadable results are
    returned instead, for the caller to parse those files again.
    """
    part = f"part-{job.index:05d}.parquet"
    if job.reuse is not None:
        try:
            return _PartDone(_link_part(job, job.reuse), [], kept=True)
        except (OSError, pa.ArrowException) as exc:
            log.warning("published %s unreadable (%s); assembling it again", job.reuse, exc)
            for t in TABLES:
                (Path(job.staging) / f"{t}.parquet" / part).unlink(missing_ok=True)
    kept: dict[str, dict[str, pa.Table]] = {}
    if job.published is not None:
        try:
            kept = _published_rows(job.published, [t.report_id for t, _ in job.items])
        except (OSError, pa.ArrowException) as exc:
            log.warning("published rows unreadable (%s); part %s assembled again", exc, part)
    writer = _PartWriter(Path(job.staging), part)
    entries: list[dict[str, Any]] = []
    damaged: list[str] = []
    for items in _slices(job.items, _READ_BATCH):
        stored = [(t, w) for t, w in items if t.report_id not in kept]
        blobs: dict[str, bytes] = {}
        for where in sorted({w for _, w in stored}):
            blobs.update(_ResultDB(where).get_many([t.key for t, w in stored if w == where]))
        for task, where in items:
            rows = kept.get(task.report_id)
            if rows is not None:
                if not damaged:
                    rep = rows["reports"].select(["status", "template", "error"]).to_pylist()[0]
                    entries.append(_manifest_entry(task, part, **rep))
                    writer.add_rows(rows)
                continue
            try:
                columns = pickle.loads(blobs[task.key])
            except Exception as exc:  # noqa: BLE001 - any damage means: parse again
                log.warning("stored result %s unreadable (%s); %s is parsed again", where, exc,
                            task.path)  # fmt: skip
                damaged.append(task.key)
                continue
            if damaged:
                continue
            columns = _fix_ids(columns, task)
            rep = columns["reports"]
            entries.append(
                _manifest_entry(task, part, rep["status"][0], rep["template"][0], rep["error"][0])
            )
            writer.add(columns)
    if damaged:
        writer.discard()
        return _PartDone([], damaged)
    writer.close()
    return _PartDone(entries, [])


#: Stored results a part's assembly reads from the database at once.
_READ_BATCH = 100


def _published_rows(
    published: tuple[str, tuple[str | None, ...]], report_ids: Sequence[str]
) -> dict[str, dict[str, pa.Table]]:
    """The rows of every table of the files a part takes from published parts, by report id.

    ``published`` is ``(dataset directory, each file's published part or None)`` aligned with
    ``report_ids``. A part holds each report's rows together (the writer adds them report by
    report), so a report's rows are one slice of each table. Raises OSError when a published
    part lacks a report it should hold.
    """
    out, olds = Path(published[0]), published[1]
    wanted: dict[str, set[str]] = {}
    for rid, old in zip(report_ids, olds, strict=True):
        if old is not None:
            wanted.setdefault(old, set()).add(rid)
    got: dict[str, dict[str, pa.Table]] = {}
    for old, rids in sorted(wanted.items()):
        for t in TABLES:
            table = pq.ParquetFile(out / f"{t}.parquet" / old).read().cast(_schema(t))
            ids = table.column("report_id").to_numpy(zero_copy_only=False)
            starts = [0, *(np.flatnonzero(ids[1:] != ids[:-1]) + 1).tolist()]
            ends = [*starts[1:], len(ids)]
            runs = {ids[a]: (a, b - a) for a, b in zip(starts, ends, strict=True) if b > a}
            for rid in rids:
                a, n = runs.get(rid, (0, 0))
                got.setdefault(rid, {})[t] = table.slice(a, n)
        if any(got[rid]["reports"].num_rows != 1 for rid in rids):
            raise OSError(f"{old}: its reports are not the files the manifest says")
    return got


def _slices(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _run_parts(part_jobs: Iterable[_PartJob], workers: int) -> Iterator[tuple[_PartJob, _PartDone]]:
    """Assemble parts, yielding results in part order; in a process pool when workers > 1."""
    if workers <= 1:
        for job in part_jobs:
            yield job, _assemble_part(job)
        return
    it = iter(part_jobs)
    with (
        _frozen_gc(),
        cf.ProcessPoolExecutor(max_workers=workers, initializer=_worker_init) as pool,
    ):

        def start(job: _PartJob) -> cf.Future | None:  # a reused part is linked here, later
            return None if job.reuse is not None else pool.submit(_assemble_part, job)

        window = deque((job, start(job)) for job in islice(it, 2 * workers))
        while window:
            job, fut = window.popleft()
            nxt = next(it, None)
            if nxt is not None:
                window.append((nxt, start(nxt)))
            yield job, (_assemble_part(job) if fut is None else fut.result())


_PUBLISHED = [*(f"{t}.parquet" for t in TABLES), MANIFEST_NAME]


def _publish(staging: Path, out: Path) -> None:
    """Swap the staged dataset into place.

    Old entries move to ``.old-<id>/``, staged ones move in, then ``.old-<id>`` is deleted.
    A run killed in between is repaired by :func:`_recover` at the next build.
    """
    old = out / f".old-{staging.name.removeprefix('.staging-')}"
    old.mkdir()
    for name in _PUBLISHED:
        if (out / name).exists():
            os.replace(out / name, old / name)
    for name in _PUBLISHED:
        os.replace(staging / name, out / name)
    shutil.rmtree(staging)
    shutil.rmtree(old, ignore_errors=True)


def _recover(out: Path) -> None:
    """Repair an output directory after a run killed during :func:`_publish`; drop leftovers."""
    for old in sorted(out.glob(".old-*")):
        staging = out / f".staging-{old.name.removeprefix('.old-')}"
        if staging.exists():  # swap incomplete: put the previous dataset back
            log.warning("restoring the previous dataset in %s after an interrupted run", out)
            for name in _PUBLISHED:
                if (old / name).exists():
                    if (out / name).is_dir():
                        shutil.rmtree(out / name)
                    elif (out / name).exists():
                        (out / name).unlink()
                    os.replace(old / name, out / name)
        shutil.rmtree(old, ignore_errors=True)
    for staging in out.glob(".staging-*"):
        shutil.rmtree(staging, ignore_errors=True)


def _cache_db(cache_dir: Path) -> Path:
    """The cache database of this gkwork version (:func:`code_fingerprint`).

    Every cache key includes the version, so a new version finds nothing in an older one's
    file; one file per version lets the build drop an older version's results by deleting its
    file (a second or so) instead of deleting its rows one by one (35 s for 100,000 results,
    and the file kept its size).
    """
    return cache_dir / f"results-{code_fingerprint()}.sqlite"


def _prune_cache(cache_dir: Path, keep: set[str]) -> int:
    """Drop what the cache holds besides the results ``keep``; return how many results went
    from this version's database (other versions' files are deleted whole)."""
    if not cache_dir.is_dir():
        return 0
    for old in cache_dir.glob("??"):  # one file per result (gkwork before 0.2): dropped
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    current = _cache_db(cache_dir).name
    for old in cache_dir.glob("results*.sqlite*"):  # other versions (and their WAL files)
        if not old.name.startswith(current):
            old.unlink(missing_ok=True)
    db = _ResultDB(cache_dir / current)
    try:
        return db.prune(keep)
    finally:
        db.close()


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out/.lock`` so that two builds never share a directory."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    with open(out / ".lock", "a+b") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(
                f"another gkwork build is writing to {str(out)!r}; wait for it to finish or "
                "choose another --out directory"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _package_version() -> str:
    try:
        return importlib.metadata.version("gkwork")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - source checkout
        return "0+unknown"


def build_corpus(
    inputs: str | os.PathLike | Iterable[str | os.PathLike],
    out_dir: str | os.PathLike,
    *,
    engine: str = "process",
    jobs: int | None = None,
    scheduler: Any = None,
    timeout: float | None = 120.0,
    check: bool = True,
    progress: bool | None = None,
    chunk_size: int = 500,
    cache: bool = True,
    parse_fn: ParseFn | None = None,
    check_fn: CheckFn | None = None,
) -> BuildResult:
    """Parse a corpus into a partitioned Parquet dataset under ``out_dir``.

    Parameters
    ----------
    inputs : path or list of paths
        Report files and/or directories (searched recursively; hidden entries skipped).
    out_dir : path
        Output directory (created). Holds ``reports.parquet/``, ``cells.parquet/``,
        ``sections.parquet/``, ``checks.parquet/`` (directories of ``part-*.parquet``, each
        readable with ``pandas.read_parquet(dir)``), ``_manifest.json`` and ``_cache/``.
    engine : {'process', 'serial', 'dask'}
        Where files are parsed: a local process pool, this process, or a dask cluster.
    jobs : int, optional
        Worker processes for ``engine='process'``; default all cores.
    scheduler : str or dask Client or cluster, optional
        For ``engine='dask'``: a scheduler address, a Client or a cluster. Default: a
        ``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)`` for this run.
    timeout : float, optional
        Time limit per file in seconds; a file over it gets status ``error`` (``timeout``).
    check : bool
        Also run the checks (``checks`` table; empty when False).
    progress : bool, optional
        Progress bar on stderr (files/s, failures); default only when stderr is a terminal.
    chunk_size : int
        Reports per Parquet part, on average: part boundaries are set by the report ids
        (between ``chunk_size // 4`` and ``4 * chunk_size`` reports per part), so that a
        later build with a file added, changed or removed writes only the parts holding it
        (the other files' rows copied from their published parts) and takes the others from
        the published dataset as they are.
    cache : bool
        Reuse and update the per-file cache in ``out_dir/_cache`` (keyed by the sha256 of the
        file bytes, its name, the parser version, the gkwork code and the ``parse_fn`` and
        ``check_fn`` given; one database per gkwork version, an older version's deleted by the
        next build). The cache also records
        each file's status (size, modification and status-change times, inode) when it was
        hashed: a file whose status is unchanged is not read again. False: every file is read,
        hashed and parsed.
    parse_fn, check_fn : callable, optional
        Replace the parser (``path -> Report``) or the checks (``Report -> DataFrame``); must be
        picklable (module-level functions) for the process and dask engines. The cache knows
        them by name and code: a change inside a helper they call is not seen, so build with
        ``cache=False`` after changing one.

    Returns
    -------
    BuildResult

    Raises
    ------
    InputError
        An input path does not exist, or an argument is invalid.

    Examples
    --------
    >>> res = build_corpus("data/raw", "build/corpus", jobs=4)  # doctest: +SKIP
    >>> res.n_ok, res.n_failed  # doctest: +SKIP
    """
    t0 = time.perf_counter()
    jobs = _check_args(engine, jobs, timeout, chunk_size)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out must be a directory; {str(out)!r} is a file")
    entries = _entries(inputs, exclude=out)
    if not entries:
        log.warning("no input files found in %s", inputs)
    if check and check_fn is None:
        check_fn = _default_check
    out.mkdir(parents=True, exist_ok=True)
    with _locked(out):
        return _build_locked(
            entries, out, engine=engine, jobs=jobs, scheduler=scheduler, timeout=timeout,
            check=check, progress=progress, chunk_size=chunk_size, cache=cache,
            parse_fn=parse_fn, check_fn=check_fn, t0=t0,
        )  # fmt: skip


def _manifest_header(check: bool, chunk_size: int, n_files: int) -> dict[str, Any]:
    return {
        "gkwork_version": _package_version(),
        "parser_version": PARSER_VERSION,
        "code_fingerprint": code_fingerprint(),
        "check": check,
        "chunk_size": chunk_size,
        "n_files": n_files,
        "tables": {t: f"{t}.parquet" for t in TABLES},
    }


def _unchanged_result(
    out: Path, tasks: Sequence[_Task], *, check: bool, chunk_size: int, t0: float
) -> BuildResult | None:
    """The published dataset's result when it was built from exactly these files (no rewrite).

    A re-run over an unchanged corpus then costs the hashing of the files and nothing else.
    """
    if not all((out / f"{t}.parquet").is_dir() for t in TABLES):
        return None
    header = _manifest_header(check, chunk_size, len(tasks))
    manifest = _published_manifest(out, header, ignore=frozenset({"gkwork_version"}))
    if manifest is None:
        return None
    files = manifest.get("files", [])
    if [(f.get("report_id"), f.get("cache_key"), f.get("path")) for f in files] != [
        (t.report_id, t.key, t.path) for t in tasks
    ] or any("template" not in f for f in files):
        return None
    by_status = Counter(f["status"] for f in files)
    by_template = Counter(f["template"] or "unknown" for f in files if f["status"] == "ok")
    failures = [
        (f["report_id"], f["status"], f.get("error") or "") for f in files if f["status"] != "ok"
    ]
    n_ok = by_status.get("ok", 0)
    n_parts = len({f.get("part") for f in files})
    return BuildResult(
        n_files=len(tasks),
        n_ok=n_ok,
        n_failed=len(tasks) - n_ok,
        n_parsed=0,
        n_cached=len(tasks),
        by_template=dict(sorted(by_template.items())),
        elapsed=time.perf_counter() - t0,
        out_dir=out,
        by_status=dict(sorted(by_status.items())),
        failures=failures,
        n_parts=n_parts,
        n_parts_kept=n_parts,
    )


def _parse_todo(
    todo: dict[str, _Task],
    store: _Store,
    *,
    engine: str,
    jobs: int,
    scheduler: Any,
    timeout: float | None,
    parse_fn: ParseFn | None,
    check_fn: CheckFn | None,
    progress: bool | None,
) -> set[str]:
    """Parse the files not in the cache; return the keys whose results went to the spool."""
    results = _run_engine(
        engine, list(todo.values()), jobs=jobs, scheduler=scheduler, timeout=timeout,
        parse_fn=parse_fn, check_fn=check_fn, store=store,
    )  # fmt: skip
    spooled: set[str] = set()
    n_failed = 0
    with _progress_bar(len(todo), _show_progress(progress), "gkwork parse") as bar:
        for res in results:
            dest = store.db(res.cacheable)
            if res.stored is None:  # dask, or a crash recorded by the parent
                _ResultDB(dest).put(res.key, res.blob)
            if dest == store.spool:
                spooled.add(res.key)
            if res.status != "ok":
                n_failed += 1
                bar.set_postfix(failed=n_failed, refresh=False)
            bar.update(1)
    return spooled


def _build_locked(
    entries: list[_Entry],
    out: Path,
    *,
    engine: str,
    jobs: int,
    scheduler: Any,
    timeout: float | None,
    check: bool,
    progress: bool | None,
    chunk_size: int,
    cache: bool,
    parse_fn: ParseFn | None,
    check_fn: CheckFn | None,
    t0: float,
) -> BuildResult:
    _recover(out)
    cache_dir = out / CACHE_DIRNAME
    staging = out / f".staging-{uuid.uuid4().hex[:12]}"
    staging.mkdir(parents=True)
    spool = staging / RESULTS_DB
    store = _Store(str(_cache_db(cache_dir)) if cache else None, str(spool))
    try:
        cached: set[str] = set()
        prefix = _key_prefix(check, parse_fn, check_fn)
        if cache:
            db = _ResultDB(_cache_db(cache_dir)).create()
            tasks = _make_tasks(entries, check, db, prefix)
            cached = db.present(t.key for t in tasks)
            db.close()  # before forking workers
        else:
            tasks = _make_tasks(entries, check, prefix=prefix)
        entries.clear()  # the tasks say it all; about 500 bytes per file (the caller's list)
        _ResultDB(spool).create().close()
        todo: dict[str, _Task] = {}
        for t in tasks:
            if t.key not in cached and t.key not in todo:
                todo[t.key] = t
        n_cached = sum(1 for t in tasks if t.key in cached)  # before parsing
        if cache and not todo:
            unchanged = _unchanged_result(out, tasks, check=check, chunk_size=chunk_size, t0=t0)
            if unchanged is not None:
                return unchanged
        workers = 1 if engine == "serial" else jobs
        spooled = _parse_todo(
            todo, store, engine=engine, jobs=jobs, scheduler=scheduler, timeout=timeout,
            parse_fn=parse_fn, check_fn=check_fn if check else None, progress=progress,
        )  # fmt: skip
        parsed = set(todo)
        del cached, todo

        def where(t: _Task) -> str:
            return store.db(t.key not in spooled)

        # Parts hold tasks in sorted report_id order: identical output whatever the engine.
        # Workers write the parts; the manifest is streamed, so memory does not grow.
        by_status: Counter[str] = Counter()
        by_template: Counter[str] = Counter()
        failures: list[tuple[str, str, str]] = []
        header = _manifest_header(check, chunk_size, len(tasks))
        head = json.dumps(header, ensure_ascii=False, indent=1, sort_keys=True)
        # a part built from exactly the same files (none parsed in this run) is taken from the
        # published dataset as it is; only the parts holding a new, changed or removed file
        # are assembled again
        published = _reusable(out, header) if cache else _Published({}, {})

        def make_job(k: int, part: Sequence[_Task]) -> _PartJob:
            items = tuple((t, where(t)) for t in part)
            if not published.files:
                return _PartJob(str(staging), k, items)
            if not any(t.key in parsed for t in part):
                name = published.parts.get(
                    _part_identity((t.report_id, t.key, t.path) for t in part)
                )
                if name is not None:
                    return _PartJob(str(staging), k, items, reuse=(str(out), name))
            # a file parsed in this run (new, changed, or its stored result was unreadable)
            # comes from the database; the others from the published parts holding them
            olds = tuple(
                None if t.key in parsed else published.files.get((t.report_id, t.key, t.path))
                for t in part
            )
            return _PartJob(
                str(staging), k, items, published=(str(out), olds) if any(olds) else None
            )

        part_jobs = (
            make_job(k, tasks[a:b]) for k, (a, b) in enumerate(_part_bounds(tasks, chunk_size))
        )
        n_parts = n_kept = 0
        panel_counts: Counter[str] = Counter()
        with (
            open(staging / MANIFEST_NAME, "w", encoding="utf-8") as manifest,
            _progress_bar(len(tasks), _show_progress(progress), "gkwork write") as bar,
        ):
            manifest.write(head[: head.rindex("}")].rstrip() + ',\n "files": [')
            sep = "\n  "
            for job, done in _run_parts(part_jobs, workers):
                if done.damaged:  # parse those files again (in this process), then redo the part
                    for t, _ in job.items:
                        if t.key in done.damaged:
                            process_file(
                                t, parse_fn=parse_fn, check_fn=check_fn if check else None,
                                timeout=timeout, store=store,
                            )  # fmt: skip
                    done = _assemble_part(job)
                    if done.damaged:
                        raise RuntimeError(f"cannot read results just written: {done.damaged}")
                n_parts += 1
                n_kept += done.kept
                bar.set_postfix(parts=n_parts, kept=n_kept, refresh=False)
                bar.update(len(job.items))
                for f in done.entries:
                    by_status[f["status"]] += 1
                    if f["status"] == "ok":
                        by_template[f["template"] or "unknown"] += 1
                    else:
                        failures.append((f["report_id"], f["status"], f["error"] or ""))
                    manifest.write(sep + json.dumps(f, ensure_ascii=False, sort_keys=True))
                    sep = ",\n  "
            manifest.write("\n ]\n}\n")
        n_files = len(tasks)
        if cache:
            # Results no file of this build uses go now rather than after publishing, so that
            # the task records (about 450 bytes per file) are not held through the panel step:
            # a run killed before publishing leaves the previous dataset, which reads its parts,
            # not the cache, and the next run finds its own files' results kept.
            _prune_cache(cache_dir, {t.key for t in tasks})
        for held in (tasks, parsed, published.files, published.parts):
            held.clear()
        if not n_files:  # an empty corpus still gets readable (empty) tables
            _PartWriter(staging, "part-00000.parquet").close()
        elif check:
            # cross-year checks need every report: computed over the staged dataset, written as
            # one more part of checks.parquet
            _write_blocks(
                staging / "checks.parquet" / "part-panel.parquet",
                "checks",
                _staged_panel_checks(staging, cache_dir if cache else None, prefix, panel_counts),
            )
        _ResultDB(spool).close()
        for f in staging.glob(RESULTS_DB + "*"):  # the spool and its WAL files
            f.unlink()
        _publish(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    n_ok = by_status.get("ok", 0)
    result = BuildResult(
        n_files=n_files,
        n_ok=n_ok,
        n_failed=n_files - n_ok,
        n_parsed=n_files - n_cached,
        n_cached=n_cached,
        by_template=dict(sorted(by_template.items())),
        elapsed=time.perf_counter() - t0,
        out_dir=out,
        by_status=dict(sorted(by_status.items())),
        failures=failures,
        n_parts=n_parts,
        n_parts_kept=n_kept,
        n_panel_blocks=panel_counts["blocks"],
        n_panel_blocks_kept=panel_counts["kept"],
    )
    log.info(
        "built %s: %d files, %d ok, %d failed (%d parsed, %d cached) in %.1f s",
        out,
        result.n_files,
        result.n_ok,
        result.n_failed,
        result.n_parsed,
        result.n_cached,
        result.elapsed,
    )
    return result
