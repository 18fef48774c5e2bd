"""Data release writers: the harmonised dataset, the long cells and the checks in Parquet, CSV
and Stata.

A release directory holds::

    reports.parquet  reports.csv  reports.dta    one row per report (stats.harmonise)
    cells.parquet    cells.csv    cells.dta      the long cells table (schema.md)
    checks.parquet   checks.csv   checks.dta     one row per check performed (when the corpus
                                                 was checked): rule, outcome, the numbers
                                                 compared and where the first of them stands
    codebook.csv     codebook.md                 every variable of the datasets

The Stata files are version 118 (Unicode), carry a variable label for every column (Chinese
label, then English, cut at Stata's 80-character limit) and a fixed time stamp, so that the
same corpus gives the same bytes. Stata reserves the name ``end``: in ``cells.dta`` and
``checks.dta`` that column is ``end_offset`` (:data:`STATA_RENAMES`). CSV files are UTF-8 with
a byte-order mark (so that Excel opens the Chinese labels correctly).

:func:`write_tables` writes result tables as CSV and LaTeX (``DataFrame.to_latex``, which
needs jinja2).

Examples
--------
>>> cb = codebook()
>>> sorted(set(cb["dataset"]))
['cells', 'checks', 'reports']
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from gkwork import stats
from gkwork.errors import GkworkError
from gkwork.model import CELL_COLUMNS, CELL_FLAGS, CHECK_COLUMNS
from gkwork.reference import markdown_table

logger = logging.getLogger("gkwork")

__all__ = [
    "CELL_CODEBOOK",
    "CHECK_CODEBOOK",
    "STATA_LABEL_MAX",
    "STATA_RENAMES",
    "codebook",
    "release_frames",
    "write_codebook",
    "write_release",
    "write_tables",
]

#: Stata's limit on a variable label (characters).
STATA_LABEL_MAX = 80
#: Fixed time stamp written into .dta files (Stata requires one; a fixed one keeps bytes stable).
STATA_TIME_STAMP = _dt.datetime(2000, 1, 1)
#: Columns renamed in .dta files only (Stata reserves these names).
STATA_RENAMES: dict[str, str] = {"end": "end_offset"}
#: Columns of :func:`codebook`.
CODEBOOK_COLUMNS = [
    "dataset",
    "variable",
    "label_zh",
    "label_en",
    "type",
    "unit",
    "derived",
    "templates",
    "source_table",
    "source_gov2019",
    "source_gov2021",
    "source_legacy",
    "note",
]

#: The report identifier as the harmonised dataset documents it (a unit of its own: none).
_REPORT_ID: tuple[str, str, str, str, str] = (
    *next(v for v in stats.META_VARIABLES if v[0] == "report_id"),
    "",
)

#: The long cells table, column by column (schema.md "Long cell format").
CELL_CODEBOOK: tuple[tuple[str, str, str, str, str], ...] = (
    _REPORT_ID,
    ("table", "表格", "Canonical table (applications, review_litigation, ...)", "string", ""),
    ("row", "行", "Row key of the template (see the template registry)", "string", ""),
    ("col", "列", "Column key of the template", "string", ""),
    ("value", "数值", "Reported value; missing (blank, 无, —) is empty, never 0", "float64", ""),
    ("unit", "单位", "Unit found in or beside the cell (件, 条, 万元, ...)", "string", ""),
    ("raw", "原文", "Exact source text of the cell", "string", ""),
    ("flag", "标记", "Parsing flags, comma-joined: " + ", ".join(CELL_FLAGS), "string", ""),
    ("start", "起始位置", "Start offset of raw in the decoded source text", "Int64", "chars"),
    ("end", "结束位置", "End offset: text[start:end] == raw (end_offset in .dta)", "Int64", "chars"),
)  # fmt: skip


#: The checks table, column by column (schema.md "Check results").
CHECK_CODEBOOK: tuple[tuple[str, str, str, str, str], ...] = (
    _REPORT_ID,
    ("rule", "规则", "Rule ID of the catalog (gkwork rules)", "string", ""),
    ("status", "结果", "pass, fail or not_assessable (inputs missing or not applicable)", "string", ""),
    ("severity", "严重程度", "Severity of a failure of the rule: error, warning, info", "string", ""),
    ("table", "表格", "Table the check reads ('' for report-level rules)", "string", ""),
    ("row", "行", "Row key the check is about ('' when it runs over a column or a table)", "string", ""),
    ("col", "列", "Column key the check is about ('' when it runs over a row or a table)", "string", ""),
    ("expected", "应为", "Value the relation implies (derived, never a reported value)", "float64", ""),
    ("observed", "实报", "Reported value compared with it", "float64", ""),
    ("delta", "差额", "observed - expected", "float64", ""),
    ("start", "起始位置", "Start offset of the first cell compared in the source text", "Int64", "chars"),
    ("end", "结束位置", "End offset of that cell (end_offset in .dta)", "Int64", "chars"),
    ("message", "说明", "What was compared, in words, with the numbers and report ids", "string", ""),
)  # fmt: skip

#: Long datasets of a release that are documented column by column here (not by stats).
_LONG_CODEBOOKS: dict[str, tuple[tuple[str, str, str, str, str], ...]] = {
    "cells": CELL_CODEBOOK,
    "checks": CHECK_CODEBOOK,
}


def codebook() -> pd.DataFrame:
    """Every variable of a release: the harmonised ``reports`` dataset, ``cells``, ``checks``.

    Returns
    -------
    pandas.DataFrame
        Columns dataset (``reports`` or ``cells``), variable, label_zh, label_en, type, unit,
        derived, templates, source_table, source_gov2019, source_gov2021, source_legacy
        (``table/row/col``, rows joined by ``+`` when summed), note.

    Examples
    --------
    >>> cb = codebook()
    >>> cb.loc[cb["variable"] == "withheld", "source_gov2019"].item().split("/")[0]
    'applications'
    """
    rep = stats.codebook().assign(dataset="reports")
    rep["source_table"] = [
        next((s.split("/")[0] for s in srcs if s), "")
        for srcs in zip(
            rep["source_gov2019"], rep["source_gov2021"], rep["source_legacy"], strict=True
        )
    ]
    long = pd.DataFrame(
        [
            {
                "dataset": dataset,
                "variable": name,
                "label_zh": zh,
                "label_en": en,
                "type": typ,
                "unit": unit,
                "derived": dataset == "checks" and name in ("expected", "delta"),
                "templates": "gov2019,gov2021,legacy",
                "source_table": dataset,
                "source_gov2019": "",
                "source_gov2021": "",
                "source_legacy": "",
                "note": "",
            }
            for dataset, entries in _LONG_CODEBOOKS.items()
            for name, zh, en, typ, unit in entries
        ]
    )
    out = pd.concat([rep, long], ignore_index=True)[CODEBOOK_COLUMNS]
    out["derived"] = out["derived"].astype(bool)
    return out


def _frames_of(corpus_or_frames: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    if isinstance(corpus_or_frames, Mapping):
        reports, cells = corpus_or_frames.get("reports"), corpus_or_frames.get("cells")
        checks = corpus_or_frames.get("checks")
    else:
        reports = getattr(corpus_or_frames, "reports", None)
        cells = getattr(corpus_or_frames, "cells", None)
        checks = getattr(corpus_or_frames, "checks", None)
    if cells is None:
        raise GkworkError(
            "write_release needs a Corpus or a dict with 'cells' (and 'reports', 'checks'); "
            f"got {type(corpus_or_frames).__name__}"
        )
    return reports, cells, checks


def release_frames(corpus_or_frames: Any) -> dict[str, pd.DataFrame]:
    """The two datasets of a release, as DataFrames (nothing written).

    Parameters
    ----------
    corpus_or_frames : Corpus or dict
        A :class:`~gkwork.corpus.Corpus` or ``{"reports": ..., "cells": ..., "checks": ...}``
        (``checks`` optional).

    Returns
    -------
    dict
        ``{"reports": stats.harmonise(cells, reports), "cells": cells[CELL_COLUMNS]}``, cells
        sorted by report_id then source position; and ``"checks"`` (``CHECK_COLUMNS``, by
        report_id, each report's in the order they ran) when the corpus was checked.
    """
    reports, cells, checks = _frames_of(corpus_or_frames)
    harm = stats.harmonise(cells, reports)
    long = cells[CELL_COLUMNS].copy()
    long = long.sort_values(["report_id", "start", "table", "row", "col"], kind="stable")
    out = {"reports": harm.reset_index(drop=True), "cells": long.reset_index(drop=True)}
    if checks is not None and len(checks):
        missing = [c for c in CHECK_COLUMNS if c not in checks.columns]
        if missing:
            raise GkworkError(
                f"the checks given to write_release lack columns {', '.join(missing)}; pass the "
                "checks table of a corpus (gkwork.model.CHECK_COLUMNS)"
            )
        # by report, each report's checks in the order they were run (catalog order)
        out["checks"] = (
            checks[CHECK_COLUMNS].sort_values("report_id", kind="stable").reset_index(drop=True)
        )
    return out


def _stata_label(zh: str, en: str) -> str:
    label = f"{zh} {en}".strip()
    return label if len(label) <= STATA_LABEL_MAX else label[: STATA_LABEL_MAX - 1] + "…"


def _stata_ready(df: pd.DataFrame) -> pd.DataFrame:
    """Plain numpy dtypes Stata accepts: strings '' for missing, numbers float64 (NaN)."""
    out = {}
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_bool_dtype(s.dtype) or str(s.dtype) == "boolean":
            out[c] = s.astype("float64")  # 1/0, missing stays missing
        elif pd.api.types.is_numeric_dtype(s.dtype):
            out[c] = s.astype("float64")
        else:
            out[c] = s.astype(object).where(s.notna(), "").astype(str).to_numpy(dtype=object)
    return pd.DataFrame(out, index=range(len(df)))


#: String columns with values longer than this many bytes are written as Stata ``strL``: a
#: fixed-width ``str#`` column is as wide as its longest value in every row (check messages
#: run to 1,000 characters: the Pingtan checks take 9.0 MB as str#, 1.9 MB as strL).
STATA_STR_MAX = 244


def _long_strings(df: pd.DataFrame) -> list[str]:
    return [
        c
        for c in df.columns
        if pd.api.types.is_string_dtype(df[c])
        and len(df)
        and df[c].str.encode("utf-8").str.len().max() > STATA_STR_MAX
    ]


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")


def write_codebook(path_stem: str | os.PathLike, cb: pd.DataFrame | None = None) -> list[Path]:
    """Write the codebook as ``<stem>.csv`` and ``<stem>.md``.

    Returns
    -------
    list of Path
        The two files.
    """
    cb = codebook() if cb is None else cb
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    csv, md = stem.with_suffix(".csv"), stem.with_suffix(".md")
    _write_csv(cb, csv)
    parts = [
        "# gkwork codebook 变量说明\n",
        "Every variable of the data release. `reports` has one row per report (gov2019, "
        "gov2021 and the pre-2019 统计表 mapped onto common variables; `derived` = computed "
        "from more than one reported cell); `cells` is the long table every view derives "
        "from; `checks` has one row per check performed (rule IDs: `gkwork rules`). Sources "
        "read `table/row/col`.\n",
    ]
    for ds, sub in cb.groupby("dataset", sort=False):
        parts.append(f"\n## {ds}\n\n")
        parts.append(markdown_table(sub.drop(columns="dataset")))
    md.write_text("".join(parts), encoding="utf-8")
    return [csv, md]


def write_release(corpus_or_frames: Any, out_dir: str | os.PathLike) -> dict[str, list[Path]]:
    """Write the data release (Parquet, CSV, Stata .dta) and its codebook into ``out_dir``.

    Parameters
    ----------
    corpus_or_frames : Corpus or dict
        A :class:`~gkwork.corpus.Corpus` or ``{"reports": ..., "cells": ...}``; not modified.
    out_dir : path
        Created if missing; files are overwritten.

    Returns
    -------
    dict
        ``{"reports": [...], "cells": [...], "checks": [...], "codebook": [...]}``: the paths
        written (no ``checks`` when the corpus was not checked).

    Raises
    ------
    GkworkError
        When a column of the release is missing from the codebook (a programming error that
        would give an undocumented variable).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames = release_frames(corpus_or_frames)
    cb = codebook()
    written: dict[str, list[Path]] = {}
    for name, df in frames.items():
        doc = cb[cb["dataset"] == name].set_index("variable")
        undocumented = [c for c in df.columns if c not in doc.index]
        if undocumented:
            raise GkworkError(
                f"release dataset {name!r} has columns missing from the codebook: "
                f"{', '.join(undocumented)}; add them to gkwork.stats.CODEBOOK or CELL_CODEBOOK"
            )
        paths = [out / f"{name}.parquet", out / f"{name}.csv", out / f"{name}.dta"]
        df.to_parquet(paths[0], index=False)
        _write_csv(df, paths[1])
        labels = {
            STATA_RENAMES.get(c, c): _stata_label(doc.at[c, "label_zh"], doc.at[c, "label_en"])
            for c in df
        }
        dta = _stata_ready(df).rename(columns=STATA_RENAMES)
        dta.to_stata(
            paths[2],
            write_index=False,
            version=118,
            variable_labels=labels,
            data_label=f"gkwork release: {name}",
            time_stamp=STATA_TIME_STAMP,
            convert_strl=_long_strings(dta),
        )
        written[name] = paths
    if "checks" not in frames:  # an unchecked corpus: no checks of an earlier release stay
        for suffix in (".parquet", ".csv", ".dta"):
            (out / f"checks{suffix}").unlink(missing_ok=True)
    written["codebook"] = write_codebook(out / "codebook", cb)
    logger.info("wrote data release to %s", out)
    return written


def write_tables(
    tables: Mapping[str, pd.DataFrame],
    out_dir: str | os.PathLike,
    *,
    float_format: str = "{:.3f}",
    captions: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write result tables as ``<name>.csv`` and ``<name>.tex`` (LaTeX booktabs).

    Parameters
    ----------
    tables : mapping of str to DataFrame
        File stem -> table.
    out_dir : path
        Created if missing.
    float_format : str
        Format of floats in the LaTeX file (CSV keeps full precision).
    captions : mapping, optional
        LaTeX captions by table name.

    Returns
    -------
    list of Path
        Files written, in the order of ``tables``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    captions = captions or {}
    paths: list[Path] = []
    for name, df in tables.items():
        csv, tex = out / f"{name}.csv", out / f"{name}.tex"
        _write_csv(df, csv)
        latex = df.to_latex(
            index=False,
            float_format=float_format.format,
            na_rep="",
            caption=captions.get(name),
            label=f"tab:{name}",
            escape=True,
        )
        tex.write_text(latex, encoding="utf-8")
        paths += [csv, tex]
    return paths
