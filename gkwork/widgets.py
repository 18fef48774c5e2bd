"""Viewers that put every number beside the characters it came from.

* :func:`highlight_source` returns HTML (no widgets needed): the report text with each cell's
  span wrapped in ``<mark>`` and a tooltip (table / row / col, label, value, flag); cells of
  failing checks are red and their tooltip carries the check message.
* :func:`explore` builds an ipywidgets explorer: pick a report and a table, and see the
  highlighted source, the raw grid as found in the file, the canonical table with Chinese
  labels beside the keys, and the check results.

Examples
--------
>>> import gkwork as gk
>>> r = gk.read_text("| 本年新收政府信息公开申请数量 | 3 |", report_id="t")  # doctest: +SKIP
>>> html = highlight_source(r)  # doctest: +SKIP
"""

from __future__ import annotations

import html as _html
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from gkwork.errors import GkworkError
from gkwork.model import Report

logger = logging.getLogger("gkwork")

__all__ = [
    "canonical_table",
    "explore",
    "failing_cells",
    "grids_for_table",
    "highlight_source",
]

#: Characters of source text shown by default (a window around the cells beyond that).
DEFAULT_MAX_CHARS = 20_000
#: Characters of context kept before the first cell when the text is cropped.
CONTEXT_CHARS = 300

_STYLE = (
    "<style>"
    ".gk-src{white-space:pre-wrap;font-family:monospace;font-size:12px;line-height:1.5;"
    "max-height:520px;overflow:auto;border:1px solid #ddd;padding:6px}"
    ".gk-src mark{background:#fff3a3;padding:0 1px}"
    ".gk-src mark.gk-fail{background:#ffb3b3;outline:1px solid #d00}"
    ".gk-src mark.gk-blank{background:#dde;padding:0 3px}"
    "</style>"
)


def _label(
    template: str | None, table: str, axis: str, key: str, variant: str = "", lang: str = "zh"
) -> str:
    """The official label of a key in the report's form ('' when the form lacks the key)."""
    if not template or template == "none":
        return ""
    from gkwork import templates

    try:
        return templates.label(template, table, axis, key, lang=lang, variant=variant or "")
    except (GkworkError, KeyError, IndexError):
        return ""


def failing_cells(checks: pd.DataFrame | None) -> dict[tuple[str, str, str], list[str]]:
    """Map (table, row, col) -> messages of the failing checks that name that cell.

    Checks that name no single cell (empty row or col) are mapped by their span instead:
    key ``('@span', start, end)``.

    Examples
    --------
    >>> ch = pd.DataFrame({"rule": ["r"], "status": ["fail"], "table": ["t"], "row": ["a"],
    ...     "col": ["b"], "start": [0], "end": [1], "message": ["bad"]})
    >>> failing_cells(ch)
    {('t', 'a', 'b'): ['bad']}
    """
    out: dict[tuple[Any, ...], list[str]] = {}
    if checks is None or len(checks) == 0:
        return out
    fail = checks[checks["status"].astype(str) == "fail"]
    for rec in fail.to_dict("records"):
        row, col = rec.get("row"), rec.get("col")
        msg = str(rec.get("message") or rec.get("rule") or "")
        if isinstance(row, str) and row and isinstance(col, str) and col:
            key: tuple[Any, ...] = (str(rec.get("table") or ""), row, col)
        elif pd.notna(rec.get("start")) and pd.notna(rec.get("end")):
            key = ("@span", int(rec["start"]), int(rec["end"]))
        else:
            continue
        out.setdefault(key, []).append(msg)
    return out


def highlight_source(
    report: Report,
    checks: pd.DataFrame | None = None,
    *,
    table: str | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> str:
    """The report text as HTML, each cell's span marked, failing cells in red.

    Parameters
    ----------
    report : Report
        A parsed report (``text`` and ``cells`` with ``start``/``end``).
    checks : pandas.DataFrame, optional
        Check results of this report; cells named by a failing check get class ``gk-fail``.
    table : str, optional
        Mark only the cells of this canonical table.
    max_chars : int
        Longest stretch of text shown. A longer text is cropped to a window that starts a
        little before the first marked cell; the cut is shown as ``…``.

    Returns
    -------
    str
        An HTML fragment (a ``<style>`` and a ``<div class="gk-src">``). Each mark has
        ``data-start``/``data-end`` offsets and a ``title`` tooltip.
    """
    text = report.text or ""
    cells = report.cells
    if table is not None:
        cells = cells[cells["table"] == table]
    cells = cells[cells["start"].notna() & cells["end"].notna()]
    cells = cells.sort_values(["start", "end"], kind="stable")
    fails = failing_cells(checks)
    template = report.meta.get("template") if report.meta else None
    variant = report.meta.get("template_variant") if report.meta else None
    lo, hi = 0, len(text)
    if len(text) > max_chars:
        first = int(cells["start"].min()) if len(cells) else 0
        lo = max(0, first - CONTEXT_CHARS)
        hi = min(len(text), lo + max_chars)
    parts = [_STYLE, '<div class="gk-src">']
    if lo > 0:
        parts.append("…\n")
    pos = lo
    for rec in cells.to_dict("records"):
        s, e = int(rec["start"]), int(rec["end"])
        if s < pos or e > hi or s < lo:
            continue  # overlapping or outside the window
        parts.append(_html.escape(text[pos:s]))
        key = (str(rec["table"]), str(rec["row"]), str(rec["col"]))
        msgs = fails.get(key, []) + fails.get(("@span", s, e), [])
        row_label = _label(template, key[0], "row", key[1], variant)
        value = rec.get("value")
        tip = [
            f"{key[0]} / {key[1]} / {key[2]}",
            row_label,
            f"value = {'NaN' if pd.isna(value) else f'{value:g}'}",
        ]
        flag = rec.get("flag")
        if isinstance(flag, str) and flag:
            tip.append(f"flag: {flag}")
        tip.extend(f"FAIL {m}" for m in msgs)
        classes = []
        if msgs:
            classes.append("gk-fail")
        if s == e:
            classes.append("gk-blank")
        attr = f' class="{" ".join(classes)}"' if classes else ""
        title = _html.escape("\n".join(t for t in tip if t), quote=True)
        parts.append(
            f'<mark{attr} data-start="{s}" data-end="{e}" title="{title}">'
            f"{_html.escape(text[s:e])}</mark>"
        )
        pos = e
    parts.append(_html.escape(text[pos:hi]))
    if hi < len(text):
        parts.append("\n…")
    parts.append("</div>")
    return "".join(parts)


def canonical_table(report: Report, table: str, *, lang: str = "zh") -> pd.DataFrame:
    """Wide view of one canonical table with the official label beside each row key.

    Returns
    -------
    pandas.DataFrame
        Index ``row``, a ``label`` column (``label_zh`` or ``label_en`` of the template), then
        one column per ``col`` key; values as reported (NaN for missing).
    """
    w = report.table(table)
    if w.empty:
        return w
    template, variant = report.meta.get("template"), report.meta.get("template_variant")
    labels = [_label(template, table, "row", key, variant, lang) for key in w.index]
    out = w.copy()
    out.insert(0, "label", labels)
    out.columns.name = None
    return out


def grids_for_table(report: Report, table: str) -> list[pd.DataFrame]:
    """Raw grids (``Grid.to_frame()``) that hold the cells of ``table`` in the source text."""
    sub = report.cells[(report.cells["table"] == table) & report.cells["start"].notna()]
    if sub.empty:
        return []
    s, e = int(sub["start"].min()), int(sub["end"].max())
    return [g.to_frame() for g in report.grids if g.start < e and g.end > s]


def _frame_html(df: pd.DataFrame, max_rows: int = 60) -> str:
    if df is None or len(df) == 0:
        return "<p><i>(empty)</i></p>"
    return df.head(max_rows).to_html(na_rep="", border=0, escape=True)


class _Source:
    """Gives Reports and their checks by id, for a Corpus, a list or a dict of Reports."""

    def __init__(self, obj: Any):
        self._reports: dict[str, Report] = {}
        self._paths: dict[str, str] = {}
        self._checks: pd.DataFrame | None = None
        if isinstance(obj, Report):
            self._reports = {obj.report_id: obj}
        elif isinstance(obj, Mapping):
            self._reports = {str(k): v for k, v in obj.items()}
        elif hasattr(obj, "reports") and hasattr(obj, "checks"):
            reps = obj.reports
            ok = reps[reps["status"].astype(str) == "ok"]
            self._paths = dict(
                zip(ok["report_id"].astype(str), ok["path"].astype(str), strict=True)
            )
            self._checks = obj.checks
        elif isinstance(obj, Iterable):
            self._reports = {r.report_id: r for r in obj}
        else:
            raise GkworkError(
                "explore needs a Report, a list or dict of Reports, or a Corpus; "
                f"got {type(obj).__name__}"
            )
        self._check_cache: dict[str, pd.DataFrame] = {}

    @property
    def ids(self) -> list[str]:
        return sorted(set(self._reports) | set(self._paths))

    def report(self, rid: str) -> Report:
        if rid not in self._reports:
            from gkwork.readers import read_report, source_path

            path = Path(source_path(self._paths[rid]))
            if not path.is_absolute() and not path.exists():
                from gkwork import paths  # a repo-relative path (gkwork.demo.load_bundled)

                path = paths.PROJECT_ROOT / path
            self._reports[rid] = read_report(path, report_id=rid)
        return self._reports[rid]

    def checks(self, rid: str) -> pd.DataFrame | None:
        if self._checks is not None:
            return self._checks[self._checks["report_id"].astype(str) == rid]
        if rid not in self._check_cache:
            try:
                from gkwork.validate import check_report
            except ImportError:  # pragma: no cover - validate not installed
                return None
            self._check_cache[rid] = check_report(self.report(rid))
        return self._check_cache[rid]


_CHECK_VIEW = ["rule", "status", "severity", "table", "row", "col", "message"]


def explore(reports_or_corpus: Any, *, max_chars: int = DEFAULT_MAX_CHARS):
    """An ipywidgets explorer of reports: source with spans, raw grid, canonical table, checks.

    Parameters
    ----------
    reports_or_corpus : Report, list or dict of Report, or Corpus
        For a :class:`~gkwork.corpus.Corpus`, reports are re-read from their ``path`` when
        selected and the corpus ``checks`` are shown.
    max_chars : int
        Passed to :func:`highlight_source`.

    Returns
    -------
    ipywidgets.VBox
        Children: an HBox with the report and table Dropdowns, then a Tab with four HTML
        panes (source, raw grid, canonical table, checks). The widget has attributes
        ``report_dropdown``, ``table_dropdown`` and ``panes`` for scripted use.
    """
    import ipywidgets as w

    src = _Source(reports_or_corpus)
    ids = src.ids
    if not ids:
        raise GkworkError("explore: no report with status ok to show; check the corpus")
    rep_dd = w.Dropdown(options=ids, value=ids[0], description="report")
    tab_dd = w.Dropdown(options=[], description="table")
    panes = {k: w.HTML() for k in ("source", "grid", "canonical", "checks")}
    tabs = w.Tab(children=list(panes.values()))
    for i, title in enumerate(
        ["原文 source", "原始网格 raw grid", "规范表 canonical", "检查 checks"]
    ):
        tabs.set_title(i, title)

    def _tables(rep: Report) -> list[str]:
        return list(dict.fromkeys(rep.cells["table"].astype(str))) or ["(none)"]

    def _render(*_: Any) -> None:
        rep = src.report(rep_dd.value)
        table = tab_dd.value if tab_dd.value not in (None, "(none)") else None
        checks = src.checks(rep_dd.value)
        panes["source"].value = highlight_source(rep, checks, table=table, max_chars=max_chars)
        grids = grids_for_table(rep, table) if table else []
        panes["grid"].value = "".join(_frame_html(g) for g in grids) or _frame_html(None)
        panes["canonical"].value = _frame_html(canonical_table(rep, table) if table else None)
        if checks is not None and len(checks):
            sub = checks if table is None else checks[checks["table"].astype(str) == table]
            sub = sub.sort_values(["status", "rule"], kind="stable")
            panes["checks"].value = _frame_html(sub[[c for c in _CHECK_VIEW if c in sub]])
        else:
            panes["checks"].value = _frame_html(None)

    busy = {"on": False}

    def _on_table(*_: Any) -> None:
        if not busy["on"]:
            _render()

    def _on_report(*_: Any) -> None:
        rep = src.report(rep_dd.value)
        opts = _tables(rep)
        busy["on"] = True
        try:
            tab_dd.options = opts
            tab_dd.value = opts[0]
        finally:
            busy["on"] = False
        _render()

    rep_dd.observe(_on_report, names="value")
    tab_dd.observe(_on_table, names="value")
    _on_report()
    box = w.VBox([w.HBox([rep_dd, tab_dd]), tabs])
    box.report_dropdown = rep_dd
    box.table_dropdown = tab_dd
    box.panes = panes
    return box
