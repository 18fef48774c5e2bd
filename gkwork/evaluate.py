"""How well a parse reads a synthetic corpus: every cell, the metadata and the injected faults
against the corpus' ``truth.jsonl`` (:func:`gkwork.synth.write_corpus`).

A synthetic report says what it holds: its template and year, every table cell (``None`` for a
cell printed blank or 无), and the defects injected into it with the rules that should fail.
:func:`score` compares a parsed corpus with that record, file by file:

* **cells** (for the ``narrative`` layout, the numbers its sentences state):
  a true cell read with its value is ``correct``; read as another number (or as a
  number where the truth has none), ``wrong``; not read, or read without a value where the
  truth has one (a cell left missing because its digits could not be split, flag
  ``ambiguous``), ``missing``; a cell read that the truth does not have is ``extra``;
* **metadata**: template, year, agency and signed date as recorded; a place (division code)
  or administrative level read that contradicts the truth (not reading one is no error);
* **faults**: an injected defect is ``detected`` when one of its rules fails on that report;
* **unexplained failures**: failing checks of rules no injected defect names (nor the record's
  ``expected_failures``: a report written in the ``narrative`` layout has no statutory table,
  and ``table.incomplete`` says so), severity error or warning (on a clean synthetic report
  such a failure is a false alarm of the parser or the rules). Info-level notes (a unit
  printed in a cell, 无 for a number: the quirks the generator writes on purpose) are not
  counted, nor the cross-year ``panel`` rules unless the corpus was drawn in panels
  (``gkwork synth --panel-years K``: otherwise reports are drawn one by one and no relation
  holds between two years of one agency);
* **panels** (a corpus drawn in panels): how many of the true consecutive-year pairs the
  agency matching links (``panel_pairs_linked``), and how many reports it puts in a panel
  with another agency's (``reports_mislinked``).

It measures gkwork on data whose truth is known; it says nothing about real reports.

Examples
--------
>>> import tempfile, gkwork as gk
>>> from gkwork.synth import generate, write_corpus
>>> folder = write_corpus(generate(4, seed=3), tempfile.mkdtemp())
>>> result = score(gk.read_corpus(folder), folder / "truth.jsonl")
>>> float(result.summary.loc["cell_accuracy", "value"])
1.0
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from gkwork.errors import InputError

__all__ = ["Score", "score", "read_truth"]

#: Outcomes of a cell comparison, in the order :attr:`Score.files` counts them.
CELL_OUTCOMES: tuple[str, ...] = ("correct", "wrong", "missing", "extra")


@dataclass(frozen=True)
class Score:
    """The result of :func:`score`.

    Attributes
    ----------
    files : DataFrame
        One row per report of the truth file: report_id, file, format, layout, status,
        template (true), template_read, year_ok, agency_ok, signed_date_ok, place_wrong (a
        division code read that is neither the true one nor its province or prefecture),
        level_wrong (an administrative level read that is not the true one), one column per
        cell outcome (:data:`CELL_OUTCOMES`), faults (kinds, ``;``-joined), faults_detected,
        unexplained (rules failing that no injected defect names, ``;``-joined).
    cells : DataFrame
        The cells that are not ``correct``: report_id, table, row, col, true, read, flag (of
        the cell read), outcome.
    summary : DataFrame
        Index ``metric`` (files, files_read, template_accuracy, year_accuracy, agency_accuracy,
        signed_date_accuracy, places_wrong, levels_wrong, true_cells, cell_accuracy,
        missing_cells, wrong_cells, extra_cells, faults, faults_detected, fault_recall,
        unexplained_failures; for a
        corpus drawn in panels also panel_pairs, panel_pairs_linked, panel_pair_recall,
        reports_mislinked), column ``value``.
    """

    files: pd.DataFrame
    cells: pd.DataFrame
    summary: pd.DataFrame


def read_truth(truth: str | os.PathLike) -> list[dict[str, Any]]:
    """The records of a ``truth.jsonl`` (or of the one in a directory), one per report."""
    path = Path(truth)
    if path.is_dir():
        path = path / "truth.jsonl"
    if not path.is_file():
        raise InputError(
            f"no truth file at {str(path)!r}; give the truth.jsonl that gkwork synth wrote "
            "beside the reports (or its folder)"
        )
    records = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: line {n} is not JSON ({exc.msg})") from None
    return records


def _true_cells(records: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [
        (rec["report_id"], table, row, col, math.nan if v is None else float(v))
        for rec in records
        for table, by_row in rec.get("cells", {}).items()
        for row, by_col in by_row.items()
        for col, v in by_col.items()
    ]
    return pd.DataFrame(rows, columns=["report_id", "table", "row", "col", "true"])


def _same_text(read: Any, true: Any) -> bool:
    """A metadata value read equals the truth's (both missing counts as equal)."""
    missing_read = read is None or (not isinstance(read, str) and pd.isna(read)) or read == ""
    if true is None or true == "":
        return missing_read
    return not missing_read and str(read) == str(true)


def _known(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _place_wrong(read: Any, true: Any) -> bool:
    """A division code read that is neither the true one nor one of its ancestors (province
    or prefecture). Not reading a place is no error: a name such as 和平区 (Shenyang's or
    Tianjin's) does not tell it."""
    if not _known(read) or not _known(true):
        return False
    ancestors = {true, true[:2] + "0000", true[:4] + "00"}
    return read not in ancestors


def _level_wrong(read: Any, true: Any) -> bool:
    """An administrative level read that is not the true one (not reading one is no error)."""
    return _known(read) and _known(true) and read != true


def _same(a: float, b: float) -> bool:
    if a != a or b != b:  # NaN: a cell printed blank or 无 is read as missing
        return a != a and b != b
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


def _frames(corpus: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    if isinstance(corpus, str | os.PathLike):
        from gkwork.corpus import load_corpus

        corpus = load_corpus(corpus)
    try:
        return corpus.reports, corpus.cells, corpus.checks
    except AttributeError:
        raise InputError(
            "score takes a Corpus (gkwork.read_corpus / load_corpus) or a dataset folder; got "
            f"{type(corpus).__name__}"
        ) from None


def _panel_metrics(records: list[dict[str, Any]], reports: pd.DataFrame) -> dict[str, Any]:
    """How the build's agency matching (``gkwork.panel.panel_ids``) reads the true panels."""
    from gkwork.panel import panel_ids

    ids = panel_ids(reports)
    linked = dict(zip(ids["report_id"], ids["panel_id"], strict=True))
    true = {rec["report_id"]: rec.get("panel") for rec in records}
    pairs = [(rec["previous"], rec["report_id"]) for rec in records if rec.get("previous")]
    n_linked = sum(
        1 for a, b in pairs if linked.get(a) is not None and linked.get(a) == linked.get(b)
    )
    agencies: dict[Any, set] = {}
    for rid, pid in linked.items():
        if rid in true:
            agencies.setdefault(pid, set()).add(true[rid])
    mislinked = sum(1 for rid, pid in linked.items() if rid in true and len(agencies[pid]) > 1)
    return {
        "panel_pairs": len(pairs),
        "panel_pairs_linked": n_linked,
        "panel_pair_recall": n_linked / len(pairs) if pairs else math.nan,
        "reports_mislinked": mislinked,
    }


def score(corpus: Any, truth: str | os.PathLike) -> Score:
    """Compare a parsed synthetic corpus with its ``truth.jsonl``.

    Parameters
    ----------
    corpus : Corpus or path
        What :func:`gkwork.read_corpus` or :func:`gkwork.load_corpus` returns, or a dataset
        folder written by ``gkwork parse``. Reports are matched to the truth by report_id
        (the file name without its extension, as both name them).
    truth : path
        The ``truth.jsonl`` written by :func:`gkwork.synth.write_corpus`, or its folder.

    Returns
    -------
    Score
        Per file, the cells that differ, and a summary.
    """
    reports, cells, checks = _frames(corpus)
    records = read_truth(truth)
    if not records:
        raise InputError(f"the truth file {str(truth)!r} lists no report")
    truth_ids = [r["report_id"] for r in records]
    if not reports["report_id"].isin(truth_ids).any():
        raise InputError(
            f"the dataset holds none of the {len(truth_ids)} reports its truth file lists (e.g. "
            f"{truth_ids[0]!r}): it was not built from the synthetic folder of {str(truth)!r}; "
            "build it with gkwork parse SYNTH_FOLDER --out DIR, then score DIR"
        )
    true = _true_cells(records)
    read = cells.loc[
        cells["report_id"].isin(truth_ids), ["report_id", "table", "row", "col", "value", "flag"]
    ]
    read = read.assign(value=pd.to_numeric(read["value"], errors="coerce").astype("float64"))
    both = true.merge(
        read.rename(columns={"value": "read"}),
        on=["report_id", "table", "row", "col"],
        how="outer",
        indicator=True,
    )
    outcome = []
    for t, r, side in zip(both["true"], both["read"], both["_merge"], strict=True):
        if side == "left_only" or (r != r and t == t):  # not read, or read without a value
            outcome.append("missing")
        elif side == "right_only":
            outcome.append("extra")
        else:
            outcome.append("correct" if _same(t, r) else "wrong")
    both = both.drop(columns="_merge").assign(outcome=outcome)
    counts = (
        both.groupby(["report_id", "outcome"]).size().unstack(fill_value=0)
        .reindex(index=truth_ids, columns=list(CELL_OUTCOMES), fill_value=0)
    )  # fmt: skip

    rep = reports.set_index("report_id")
    from gkwork.validate import rules

    panels = any(rec.get("panel") for rec in records)
    counted = {
        rid
        for rid, r in rules().items()
        if (panels or r["kind"] != "panel") and r["severity"] != "info"
    }
    failed_checks = checks[(checks["status"] == "fail") & checks["rule"].isin(counted)]
    failing = {rid: set(rules) for rid, rules in failed_checks.groupby("report_id")["rule"]}
    rows = []
    for rec in records:
        rid = rec["report_id"]
        got = rep.loc[rid] if rid in rep.index else None
        fault_rules = {rule for f in rec.get("faults", []) for rule in f.get("rules", [])}
        fault_rules |= set(rec.get("expected_failures", []))  # e.g. no table in prose reports
        failed = failing.get(rid, set())
        detected = sum(1 for f in rec.get("faults", []) if set(f.get("rules", [])) & failed)
        rows.append(
            {
                "report_id": rid,
                "file": rec.get("file"),
                "format": rec.get("format"),
                "layout": rec.get("layout"),
                "status": None if got is None else got["status"],
                "template": rec.get("template"),
                "template_read": None if got is None else got["template"],
                "year_ok": got is not None and got["year"] == rec.get("year"),
                "agency_ok": got is not None and _same_text(got["agency"], rec.get("agency")),
                "signed_date_ok": got is not None
                and _same_text(got["signed_date"], rec.get("signed_date")),
                "place_wrong": got is not None
                and _place_wrong(got.get("division_code"), rec.get("division_code")),
                "level_wrong": got is not None
                and _level_wrong(got.get("admin_level"), rec.get("admin_level")),
                **{k: int(counts.at[rid, k]) for k in CELL_OUTCOMES},
                "faults": ";".join(f["kind"] for f in rec.get("faults", [])),
                "n_faults": len(rec.get("faults", [])),
                "faults_detected": detected,
                "unexplained": ";".join(sorted(failed - fault_rules)),
            }
        )
    files = pd.DataFrame(rows)
    n_true = len(true)
    n_faults = int(files["n_faults"].sum())
    metrics = {
        "files": len(files),
        "files_read": int(files["status"].notna().sum()),
        "template_accuracy": float((files["template"] == files["template_read"]).mean()),
        "year_accuracy": float(files["year_ok"].mean()),
        "agency_accuracy": float(files["agency_ok"].mean()),
        "signed_date_accuracy": float(files["signed_date_ok"].mean()),
        "places_wrong": int(files["place_wrong"].sum()),
        "levels_wrong": int(files["level_wrong"].sum()),
        "true_cells": n_true,
        "cell_accuracy": float(files["correct"].sum() / n_true) if n_true else math.nan,
        "missing_cells": int(files["missing"].sum()),
        "wrong_cells": int(files["wrong"].sum()),
        "extra_cells": int(files["extra"].sum()),
        "faults": n_faults,
        "faults_detected": int(files["faults_detected"].sum()),
        "fault_recall": float(files["faults_detected"].sum() / n_faults) if n_faults else math.nan,
        "unexplained_failures": int((files["unexplained"] != "").sum()),
    }
    if panels:
        metrics.update(_panel_metrics(records, reports))
    summary = pd.DataFrame({"value": pd.Series(metrics, dtype=object)})
    summary.index.name = "metric"
    diffs = both[both["outcome"] != "correct"].reset_index(drop=True)
    return Score(files=files, cells=diffs, summary=summary)
