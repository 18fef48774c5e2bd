"""Wide, harmonised views and group comparisons, all derived from the long ``cells`` table.

Nothing here changes its input: every function returns a new DataFrame, and a value computed
from several reported cells (a sum, a rate) is a *derived* variable, documented as such in
:data:`CODEBOOK`.

Three layers:

* views: :func:`wide` (one canonical table as report x row by column) and :func:`harmonise`
  (one row per report, gov2019, gov2021 and, where the meaning is the same, the pre-2019
  统计表 mapped onto common variables, see :data:`CODEBOOK`);
* measures: :func:`request_volumes`, :func:`outcome_composition`, :func:`remedy_rates`,
  :func:`quality_rates`, each by a grouping column;
* inference: exact Clopper-Pearson intervals (:func:`proportion_ci`), a seeded percentile
  bootstrap (:func:`bootstrap_ci`), chi-square / Fisher exact tests (:func:`compare_proportions`,
  :func:`contingency_test`), Mann-Whitney U (:func:`compare_counts`) and effect sizes
  (:func:`cohens_h`, :func:`cramers_v`, :func:`rank_biserial`).

The statutory tables are those of 国办公开办函〔2019〕60号 (gov2019) and 国办公开办函〔2021〕30号
(gov2021); the legacy 统计表 is that of 国办发〔2014〕32号.

Examples
--------
>>> import pandas as pd
>>> cells = pd.DataFrame({"report_id": ["a", "a", "b"], "table": "applications",
...     "row": ["new_received", "total_processed", "new_received"], "col": "total",
...     "value": [3.0, 2.0, 0.0]})
>>> wide(cells, "applications")["total"].tolist()
[3.0, 2.0, 0.0]
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as ss

from gkwork import templates
from gkwork.errors import GkworkError

logger = logging.getLogger("gkwork")

__all__ = [
    "CODEBOOK",
    "META_VARIABLES",
    "OUTCOMES",
    "bootstrap_ci",
    "codebook",
    "cohens_h",
    "compare_counts",
    "compare_groups",
    "compare_proportions",
    "contingency_test",
    "cramers_v",
    "harmonise",
    "outcome_composition",
    "proportion_ci",
    "quality_rates",
    "rank_biserial",
    "remedy_rates",
    "request_volumes",
    "wide",
]

#: Confidence level of every interval unless a caller asks otherwise.
DEFAULT_CONFIDENCE = 0.95
#: Bootstrap resamples and seed (fixed: results are reproducible to the last digit).
DEFAULT_N_BOOT = 2000
DEFAULT_SEED = 20240101
#: Below this expected count in any cell of a 2x2 table, Fisher's exact test replaces chi-square
#: (Cochran's rule of thumb).
MIN_EXPECTED_FOR_CHI2 = 5.0

APP = "applications"
RL = "review_litigation"
LEG = "legacy_stats"

_WITHHELD = tuple(r for r in templates.outcome_rows("gov2019") if r.startswith("withheld_"))
_UNAVAILABLE = ("unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear")
_NOT_PROCESSED = (
    "not_processed_petition",
    "not_processed_duplicate",
    "not_processed_publication",
    "not_processed_excessive",
    "not_processed_confirmation",
)
_OTHER_2021 = ("other_no_correction", "other_no_fee", "other_other")
_ORG_COLS = (
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
)

#: Report metadata carried into the harmonised dataset (schema.md "Report metadata").
META_VARIABLES: tuple[tuple[str, str, str, str], ...] = (
    ("report_id", "报告编号", "Report identifier (file stem)", "string"),
    ("agency", "机关名称", "Issuing agency, as the report names it", "string"),
    ("panel_id", "机关面板编号", "The same agency across years: reports linked by gkwork.panel.match_agencies share it (p + 10 hex digits, stable for the same normalised name and place); empty for a report without a year or an agency, or not parsed", "string"),
    ("year", "报告年度", "Reporting year", "Int64"),
    ("template", "表格格式", "Table format found (gov2019, gov2021, legacy, none)", "string"),
    (
        "template_variant",
        "表格变体",
        "Provincial form of the template read (templates.variants; '' = the base form)",
        "string",
    ),
    ("status", "解析状态", "ok, error, needs_ocr or empty: the counts of a report not ok are missing", "string"),
    ("error", "失败原因", "Reason code and message when status is not ok (gkwork.errors.Reason)", "string"),
    ("format", "文件格式", "File format (txt, md, html, docx, pdf)", "string"),
    ("layout", "版式", "Table layout found in the file", "string"),
    ("admin_level", "行政层级", "Administrative level (province ... township)", "string"),
    ("agency_kind", "机关类型", "Kind of agency (government, department, ...)", "string"),
    ("province", "省份", "Province", "string"),
    ("city", "地市", "Prefecture-level city", "string"),
    ("county", "区县", "County-level division", "string"),
    ("division_code", "行政区划代码", "GB/T 2260 code of the most specific place found", "string"),
    ("signed_date", "成文日期", "Date the report was signed or issued (YYYY-MM-DD)", "string"),
    ("title", "标题", "Title of the report as printed", "string"),
    ("n_chars", "字数", "Length of the report's decoded text", "Int64"),
    ("sha256", "文件哈希", "SHA-256 of the source file: names the exact file a value came from", "string"),
    ("copy_of", "重复文件", "The first report (by report_id) whose file has the same bytes (sha256), when this file is a copy of it (the same report saved twice, or posted under two addresses); the statistics of this module leave copies out; empty for a file with no earlier copy", "string"),
    ("synthetic", "合成数据", "True for synthetic (generated) reports", "boolean"),
)  # fmt: skip


#: Metadata variables worked out from the reports table rather than copied: their source.
_META_DERIVED: dict[str, str] = {
    "panel_id": "gkwork.panel.panel_ids(reports)",
    "copy_of": "reports/report_id of the first report with the same reports/sha256",
}


def _copy_of(meta: pd.DataFrame) -> pd.Series:
    """For each report, the first report_id (in id order) with the same ``sha256`` when that is
    another report; NA otherwise (and for a file without a hash)."""
    ids = meta["report_id"].astype(str)
    sha = meta["sha256"].astype("string")
    first = ids.groupby(sha.to_numpy(dtype=object, na_value=None), dropna=True).transform("min")
    return first.where(first != ids).astype("string")


def _originals(harmonised: pd.DataFrame) -> pd.DataFrame:
    """``harmonised`` without the copies of other reports' files (``copy_of`` set), which would
    count one report twice; unchanged when it has no ``copy_of`` column."""
    if "copy_of" not in harmonised.columns:
        return harmonised
    copies = harmonised["copy_of"].notna()
    if copies.any():
        logger.info("%d copies of other reports' files left out (copy_of)", int(copies.sum()))
        return harmonised[~copies]
    return harmonised


@dataclass(frozen=True)
class _Var:
    """One harmonised variable: where it comes from in each template."""

    name: str
    label_zh: str
    label_en: str
    table: str
    col: str
    gov2019: tuple[str, ...]
    gov2021: tuple[str, ...]
    legacy: tuple[str, ...] = ()
    note: str = ""
    #: rows in provincial forms of the legacy 统计表: ((variant, rows), ...)
    legacy_variants: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def rows_for(self, template: str, variant: str = "") -> tuple[str, ...]:
        """Source rows in a template's form ('' = the base; a variant without rows: none)."""
        if variant and template == "legacy":
            return dict(self.legacy_variants).get(variant, ())
        return {"gov2019": self.gov2019, "gov2021": self.gov2021, "legacy": self.legacy}.get(
            template, ()
        )

    def derived_for(self, template: str) -> bool:
        rows = self.rows_for(template)
        return len(rows) > 1 or (self.col == "_org" and template != "legacy")


def _same(*rows: str) -> tuple[str, ...]:
    return tuple(rows)


def _fujian(*rows: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The same rows in the four Fujian forms of the 统计表 (templates/legacy__fujian*.csv)."""
    return tuple((v, tuple(rows)) for v in ("fujian", "fujian2016", "fujian2008", "fujian_yearend"))


# Applications (Section 三): the 总计 column unless stated. Legacy rows only where the 2014
# 统计表 counts the same thing (requests received; review and litigation totals and
# corrections); its reply categories are not the 2019 outcome categories. The Fujian forms
# (本年度 or 年末统计 column) count requests accepted (受理) and reconsiderations and lawsuits in one row each.
_VARS: tuple[_Var, ...] = (
    _Var("received", "本年新收政府信息公开申请数量", "New requests received this year",
         APP, "total", _same("new_received"), _same("new_received"), ("requests_received",),
         "legacy: （一）收到申请数; Fujian forms: 受理政府信息公开申请总数 (requests accepted)",
         _fujian("requests_total")),
    _Var("received_natural_person", "本年新收申请数量（自然人）",
         "New requests received from natural persons", APP, "natural_person",
         _same("new_received"), _same("new_received")),
    _Var("received_organisations", "本年新收申请数量（法人或其他组织）",
         "New requests received from legal persons or other organisations (sum of 5 columns)",
         APP, "_org", _same("new_received"), _same("new_received"),
         note="sum of the five 法人或其他组织 columns"),
    _Var("carried_over", "上年结转政府信息公开申请数量", "Requests carried over from last year",
         APP, "total", _same("carried_over"), _same("carried_over")),
    _Var("granted", "予以公开", "Granted (disclosed in full)", APP, "total",
         _same("granted"), _same("granted")),
    _Var("partially_granted", "部分公开", "Partially granted", APP, "total",
         _same("partially_granted"), _same("partially_granted")),
    _Var("withheld", "不予公开（合计）", "Withheld, all grounds (sum of 8 rows)", APP, "total",
         _WITHHELD, _WITHHELD),
    _Var("unavailable", "无法提供（合计）", "Cannot be provided (sum of 3 rows)", APP, "total",
         _UNAVAILABLE, _UNAVAILABLE),
    _Var("unavailable_not_held", "本机关不掌握相关政府信息", "Cannot be provided: not held",
         APP, "total", _same("unavailable_not_held"), _same("unavailable_not_held")),
    _Var("not_processed", "不予处理（合计）", "Not processed (sum of 5 rows)", APP, "total",
         _NOT_PROCESSED, _NOT_PROCESSED),
    _Var("other", "其他处理", "Other handling (gov2021: sum of its 3 rows)", APP, "total",
         _same("other"), _OTHER_2021, note="gov2021 splits （六）其他处理 into three rows"),
    _Var("total_processed", "本年度办理结果总计", "Requests decided this year (total)", APP,
         "total", _same("total_processed"), _same("total_processed")),
    _Var("carried_forward", "结转下年度继续办理", "Requests carried forward to next year", APP,
         "total", _same("carried_forward"), _same("carried_forward")),
    _Var("review_total", "行政复议（总计）", "Administrative reconsiderations (total)", RL,
         "total", _same("review"), _same("review"), ("review_total",),
         legacy_variants=_fujian("reviews")),
    _Var("review_corrected", "行政复议结果纠正", "Reconsiderations: decision corrected", RL,
         "corrected", _same("review"), _same("review"), ("review_corrected",)),
    _Var("review_pending", "行政复议尚未审结", "Reconsiderations: pending", RL, "pending",
         _same("review"), _same("review")),
    _Var("litigation_total", "行政诉讼（总计）",
         "Administrative lawsuits (total: direct + after reconsideration)", RL, "total",
         ("litigation_direct", "litigation_after_review"),
         ("litigation_direct", "litigation_after_review"), ("litigation_total",),
         legacy_variants=_fujian("lawsuits")),
    _Var("litigation_corrected", "行政诉讼结果纠正", "Lawsuits: decision corrected", RL,
         "corrected", ("litigation_direct", "litigation_after_review"),
         ("litigation_direct", "litigation_after_review"), ("litigation_corrected",)),
    _Var("litigation_pending", "行政诉讼尚未审结", "Lawsuits: pending", RL, "pending",
         ("litigation_direct", "litigation_after_review"),
         ("litigation_direct", "litigation_after_review")),
)  # fmt: skip

#: Outcome categories of Section 三 (（一）-（六）), in template order.
OUTCOMES: tuple[str, ...] = (
    "granted",
    "partially_granted",
    "withheld",
    "unavailable",
    "not_processed",
    "other",
)

_VAR_BY_NAME = {v.name: v for v in _VARS}


def _source(v: _Var, template: str) -> str:
    """``table/row[+row]/col`` of the template's base form; for legacy, then each group of
    provincial forms with the same rows (``; fujian, fujian2016: legacy_stats/…/value``)."""
    rows = v.rows_for(template)
    table = LEG if template == "legacy" else v.table
    col = "value" if template == "legacy" else v.col
    if col == "_org":
        col = "+".join(_ORG_COLS)
    out = [f"{table}/{'+'.join(rows)}/{col}"] if rows else []
    if template == "legacy":
        groups: dict[tuple[str, ...], list[str]] = {}
        for variant, vrows in v.legacy_variants:
            groups.setdefault(vrows, []).append(variant)
        for vrows, names in groups.items():
            out.append(f"{', '.join(names)}: {LEG}/{'+'.join(vrows)}/value")
    return "; ".join(out)


def codebook() -> pd.DataFrame:
    """The codebook of the harmonised report-level dataset, one row per variable.

    Returns
    -------
    pandas.DataFrame
        Columns variable, label_zh, label_en, type, unit, derived (bool: computed from more
        than one reported cell in at least one template), templates (comma-joined templates
        the variable is defined for), source_gov2019, source_gov2021, source_legacy
        (``table/row[+row...]/col``; empty when the template lacks it), note.

    Examples
    --------
    >>> cb = codebook()
    >>> row = cb.set_index("variable").loc["other"]
    >>> bool(row["derived"]), row["source_gov2021"]
    (True, 'applications/other_no_correction+other_no_fee+other_other/total')
    """
    out: list[dict[str, Any]] = []
    for name, zh, en, typ in META_VARIABLES:
        out.append(
            {
                "variable": name,
                "label_zh": zh,
                "label_en": en,
                "type": typ,
                "unit": "chars" if name == "n_chars" else "",
                "derived": name in _META_DERIVED,
                "templates": "",
                "source_gov2019": _META_DERIVED.get(name, "reports/" + name),
                "source_gov2021": _META_DERIVED.get(name, "reports/" + name),
                "source_legacy": _META_DERIVED.get(name, "reports/" + name),
                "note": "report metadata",
            }
        )
    for v in _VARS:
        tpls = [t for t in ("gov2019", "gov2021", "legacy") if v.rows_for(t) or _source(v, t)]
        out.append(
            {
                "variable": v.name,
                "label_zh": v.label_zh,
                "label_en": v.label_en,
                "type": "float64",
                "unit": "件 (requests or cases)",
                "derived": any(v.derived_for(t) for t in tpls),
                "templates": ",".join(tpls),
                "source_gov2019": _source(v, "gov2019"),
                "source_gov2021": _source(v, "gov2021"),
                "source_legacy": _source(v, "legacy"),
                "note": v.note,
            }
        )
    for name, zh, en, note in _RATES:
        out.append(
            {
                "variable": name,
                "label_zh": zh,
                "label_en": en,
                "type": "float64",
                "unit": "share (0-1)" if not name.endswith("_per_100") else "per 100 requests",
                "derived": True,
                "templates": "gov2019,gov2021"
                if "review" not in name
                else "gov2019,gov2021,legacy",
                "source_gov2019": "",
                "source_gov2021": "",
                "source_legacy": "",
                "note": note,
            }
        )
    return pd.DataFrame(out)


_RATES: tuple[tuple[str, str, str, str], ...] = (
    ("has_requests", "是否收到申请", "Received at least one new request (1/0)",
     "received > 0; NaN when received is missing"),
    ("grant_rate", "公开率（予以公开+部分公开）", "Share granted in full or in part",
     "(granted + partially_granted) / total_processed"),
    ("review_per_100", "每百件申请行政复议数", "Reconsiderations per 100 new requests",
     "100 * review_total / received"),
    ("litigation_per_100", "每百件申请行政诉讼数", "Lawsuits per 100 new requests",
     "100 * litigation_total / received"),
)  # fmt: skip

#: The codebook as data (see :func:`codebook`).
CODEBOOK: pd.DataFrame = codebook()


# ---------------------------------------------------------------------------------------------
# Views


def wide(cells: pd.DataFrame, table: str) -> pd.DataFrame:
    """One canonical table of every report, as (report_id, row) by column.

    Parameters
    ----------
    cells : pandas.DataFrame
        Long cells (``report_id``, ``table``, ``row``, ``col``, ``value``); not modified.
    table : str
        ``applications``, ``review_litigation``, ``active_disclosure`` or ``legacy_stats``.

    Returns
    -------
    pandas.DataFrame
        Index (report_id, row) in order of first appearance, one column per ``col`` (order of
        first appearance), values the reported numbers (NaN for missing cells).

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"report_id": "r", "table": "review_litigation", "row": "review",
    ...     "col": ["upheld", "total"], "value": [1.0, float("nan")]})
    >>> w = wide(c, "review_litigation")
    >>> w.index.tolist(), w.columns.tolist(), float(w.loc[("r", "review"), "upheld"])
    ([('r', 'review')], ['upheld', 'total'], 1.0)
    """
    sub = cells[cells["table"] == table]
    if "report_id" not in sub.columns:
        sub = sub.assign(report_id="")
    if sub.empty:
        return pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=["report_id", "row"]))
    sub = sub.astype({"report_id": object, "row": object, "col": object})
    keys = list(dict.fromkeys(zip(sub["report_id"], sub["row"], strict=True)))
    cols = list(dict.fromkeys(sub["col"]))
    first = sub.drop_duplicates(["report_id", "row", "col"], keep="first")
    out = first.pivot(index=["report_id", "row"], columns="col", values="value")
    out = out.reindex(index=pd.MultiIndex.from_tuples(keys, names=["report_id", "row"]))
    out = out.reindex(columns=cols).astype("float64")
    out.columns.name = None
    return out


def _sum_strict(values: Sequence[float]) -> float:
    """Sum that is NaN when any part is missing (a blank is not a zero)."""
    if not values or any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values):
        return math.nan
    return float(sum(values))


def _infer_template(tables: set[str], rows: set[str]) -> str:
    if LEG in tables:
        return "legacy"
    if rows & set(_OTHER_2021):
        return "gov2021"
    if APP in tables or RL in tables:
        return "gov2019"
    return "none"


def harmonise(cells: pd.DataFrame, reports: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per report with gov2019, gov2021 and legacy tables mapped onto common variables.

    A variable whose source cells include a missing one (blank, 无, absent) is NaN: a blank is
    never read as 0. Sums over several rows (``withheld``, ``unavailable``, ``not_processed``,
    ``other`` for gov2021, ``litigation_total``) are derived values; the codebook
    (:func:`codebook`) says which and from what.

    Parameters
    ----------
    cells : pandas.DataFrame
        Long cells of any number of reports; not modified.
    reports : pandas.DataFrame, optional
        The ``reports`` table. Gives the rows (every report, failures included) and the
        metadata columns of :data:`META_VARIABLES`; when omitted, reports are those found in
        ``cells`` and the template is inferred from the tables present.

    Returns
    -------
    pandas.DataFrame
        Columns: the metadata (:data:`META_VARIABLES`), then the count variables of the
        codebook, then ``has_requests``, ``grant_rate``, ``review_per_100``,
        ``litigation_per_100``. Sorted by report_id.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = ["new_received", "other_no_correction", "other_no_fee", "other_other"]
    >>> cells = pd.DataFrame({"report_id": "r21", "table": "applications", "row": rows,
    ...     "col": "total", "value": [4.0, 1.0, 0.0, 2.0]})
    >>> h = harmonise(cells)
    >>> h.loc[0, "template"], [float(h.loc[0, c]) for c in ("received", "other", "has_requests")]
    ('gov2021', [4.0, 3.0, 1.0])
    """
    if not isinstance(cells, pd.DataFrame):
        raise GkworkError(
            f"harmonise takes the long cells table (a DataFrame, e.g. Corpus.cells); got "
            f"{type(cells).__name__}"
        )
    need = {"report_id", "table", "row", "col", "value"}
    missing = need - set(cells.columns)
    if missing:
        raise GkworkError(
            f"harmonise needs cells columns {sorted(need)}; missing {sorted(missing)}; "
            "pass the long cells table (Corpus.cells)"
        )
    lookup: dict[str, dict[tuple[str, str, str], float]] = {}
    present: dict[str, tuple[set[str], set[str]]] = {}
    for rid, t, r, c, v in zip(
        cells["report_id"].astype(object),
        cells["table"].astype(object),
        cells["row"].astype(object),
        cells["col"].astype(object),
        cells["value"].astype("float64"),
        strict=True,
    ):
        d = lookup.setdefault(str(rid), {})
        d.setdefault((t, r, c), float(v))
        tabs, rws = present.setdefault(str(rid), (set(), set()))
        tabs.add(t)
        rws.add(r)
    if reports is not None:
        meta = reports.copy()
        meta["report_id"] = meta["report_id"].astype(str)
        if "copy_of" not in meta.columns and "sha256" in meta.columns:
            meta["copy_of"] = _copy_of(meta)
        if "panel_id" not in meta.columns and {"agency", "year"} <= set(meta.columns):
            from gkwork.panel import panel_ids  # the agencies the cross-year checks link

            ids = panel_ids(meta)
            meta["panel_id"] = (
                meta["report_id"]
                .map(dict(zip(ids["report_id"].astype(str), ids["panel_id"], strict=True)))
                .astype("string")
            )
    else:
        meta = pd.DataFrame({"report_id": sorted(lookup)})
        meta["template"] = [_infer_template(*present[r]) for r in meta["report_id"]]
    for name, _zh, _en, typ in META_VARIABLES:
        if name not in meta.columns:
            meta[name] = pd.Series([pd.NA] * len(meta), dtype=typ)
    meta = meta[[m[0] for m in META_VARIABLES]].sort_values("report_id", kind="stable")
    records = []
    for rid, tpl, variant in zip(
        meta["report_id"], meta["template"], meta["template_variant"], strict=True
    ):
        d = lookup.get(rid, {})
        tpl = "" if pd.isna(tpl) else str(tpl)
        variant = "" if pd.isna(variant) else str(variant)
        rec: dict[str, float] = {}
        for v in _VARS:
            rows = v.rows_for(tpl, variant)
            if not rows:
                rec[v.name] = math.nan
                continue
            if tpl == "legacy":
                vals = [d.get((LEG, r, "value"), math.nan) for r in rows]
            elif v.col == "_org":
                vals = [d.get((v.table, r, c), math.nan) for r in rows for c in _ORG_COLS]
            else:
                vals = [d.get((v.table, r, v.col), math.nan) for r in rows]
            rec[v.name] = _sum_strict(vals)
        records.append(rec)
    out = pd.concat(
        [meta.reset_index(drop=True), pd.DataFrame(records, columns=[v.name for v in _VARS])],
        axis=1,
    )
    rec_n = out["received"]
    out["has_requests"] = np.where(rec_n.isna(), np.nan, (rec_n > 0).astype(float))
    tp = out["total_processed"]
    out["grant_rate"] = np.where(
        tp > 0, (out["granted"] + out["partially_granted"]) / tp.where(tp > 0), np.nan
    )
    out["review_per_100"] = np.where(rec_n > 0, 100 * out["review_total"] / rec_n, np.nan)
    out["litigation_per_100"] = np.where(rec_n > 0, 100 * out["litigation_total"] / rec_n, np.nan)
    return out


# ---------------------------------------------------------------------------------------------
# Inference primitives


def proportion_ci(k: int, n: int, conf: float = DEFAULT_CONFIDENCE) -> tuple[float, float]:
    """Exact (Clopper-Pearson) confidence interval of a proportion k/n.

    Parameters
    ----------
    k, n : int
        Successes and trials (0 <= k <= n). ``n == 0`` gives (nan, nan).
    conf : float
        Confidence level.

    Returns
    -------
    tuple of float
        (low, high).

    Examples
    --------
    >>> [round(x, 4) for x in proportion_ci(3, 10)]
    [0.0667, 0.6525]
    >>> proportion_ci(0, 0)
    (nan, nan)
    """
    k, n = int(k), int(n)
    if n == 0:
        return (math.nan, math.nan)
    if not 0 <= k <= n:
        raise GkworkError(f"proportion_ci needs 0 <= k <= n; got k={k}, n={n}")
    ci = ss.binomtest(k, n).proportion_ci(confidence_level=conf, method="exact")
    return (float(ci.low), float(ci.high))


def bootstrap_ci(
    x: Sequence[float] | np.ndarray | pd.Series,
    stat: str = "median",
    *,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    conf: float = DEFAULT_CONFIDENCE,
) -> tuple[float, float, float]:
    """Percentile bootstrap interval of a median or mean (NaNs dropped), with a fixed seed.

    Parameters
    ----------
    x : array-like
        Observations.
    stat : {'median', 'mean'}
    n_boot : int
        Resamples.
    seed : int
        Seed of :func:`numpy.random.default_rng`: the same call gives the same interval.
    conf : float
        Confidence level.

    Returns
    -------
    tuple of float
        (estimate, low, high); all NaN when ``x`` has no observation.

    Examples
    --------
    >>> bootstrap_ci([1, 2, 3, 4, 5, 6, 7, 8, 9, 100], "median", n_boot=200, seed=1)
    (5.5, 2.5, 8.0)
    """
    funcs = {"median": np.median, "mean": np.mean}
    if stat not in funcs:
        raise GkworkError(f"stat must be one of median, mean; got {stat!r}")
    a = np.asarray(pd.Series(x, dtype="float64").dropna(), dtype="float64")
    if a.size == 0:
        return (math.nan, math.nan, math.nan)
    f = funcs[stat]
    est = float(f(a))
    if a.size == 1:
        return (est, est, est)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, a.size, size=(n_boot, a.size))
    boots = f(a[idx], axis=1)
    alpha = (1 - conf) / 2
    lo, hi = np.quantile(boots, [alpha, 1 - alpha])
    return (est, float(lo), float(hi))


def cohens_h(p1: float, p2: float) -> float:
    """Cohen's h effect size of two proportions, 2 asin(sqrt(p1)) - 2 asin(sqrt(p2)).

    Examples
    --------
    >>> round(cohens_h(0.5, 0.2), 3)
    0.644
    """
    if any(pd.isna(p) for p in (p1, p2)):
        return math.nan
    return float(2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2)))


def cramers_v(table: pd.DataFrame | np.ndarray) -> float:
    """Cramér's V of an r x c contingency table (no bias correction).

    Rows or columns that sum to 0 are dropped; V is NaN when fewer than 2 remain.

    Examples
    --------
    >>> cramers_v([[10, 0], [0, 10]])
    1.0
    >>> cramers_v([[5, 5], [5, 5]])
    0.0
    """
    a = np.asarray(table, dtype="float64")
    a = a[a.sum(axis=1) > 0][:, a.sum(axis=0) > 0]
    if a.ndim != 2 or min(a.shape) < 2:
        return math.nan
    chi2 = ss.chi2_contingency(a, correction=False)[0]
    n = a.sum()
    return float(math.sqrt(chi2 / (n * (min(a.shape) - 1))))


def rank_biserial(x: Sequence[float], y: Sequence[float]) -> float:
    """Rank-biserial correlation r = 2 U_x / (n_x n_y) - 1 (positive when x tends to exceed y).

    Examples
    --------
    >>> rank_biserial([3, 4, 5], [0, 1, 2])
    1.0
    >>> rank_biserial([1, 2], [1, 2])
    0.0
    """
    a = pd.Series(x, dtype="float64").dropna().to_numpy()
    b = pd.Series(y, dtype="float64").dropna().to_numpy()
    if a.size == 0 or b.size == 0:
        return math.nan
    u = ss.mannwhitneyu(a, b, alternative="two-sided").statistic
    return float(2 * u / (a.size * b.size) - 1)


def compare_proportions(k1: int, n1: int, k2: int, n2: int) -> dict[str, Any]:
    """Test whether two proportions differ: chi-square, or Fisher exact for small counts.

    Fisher's exact test is used when an expected count of the 2x2 table is below
    :data:`MIN_EXPECTED_FOR_CHI2`; otherwise Pearson's chi-square without continuity
    correction.

    Returns
    -------
    dict
        p1, p2, test ('chi2' or 'fisher'), statistic, p_value, cohens_h. NaNs when a group
        is empty.

    Examples
    --------
    >>> r = compare_proportions(1, 6, 5, 6)
    >>> r["test"], round(r["p_value"], 4), round(r["cohens_h"], 3)
    ('fisher', 0.0801, -1.459)
    """
    k1, n1, k2, n2 = int(k1), int(n1), int(k2), int(n2)
    out: dict[str, Any] = {
        "p1": k1 / n1 if n1 else math.nan,
        "p2": k2 / n2 if n2 else math.nan,
        "test": "",
        "statistic": math.nan,
        "p_value": math.nan,
        "cohens_h": math.nan,
    }
    if not n1 or not n2:
        return out
    out["cohens_h"] = cohens_h(out["p1"], out["p2"])
    table = np.array([[k1, n1 - k1], [k2, n2 - k2]], dtype="float64")
    if (table.sum(axis=0) == 0).any():
        out.update(test="none", p_value=1.0)
        return out
    expected = ss.contingency.expected_freq(table)
    if (expected < MIN_EXPECTED_FOR_CHI2).any():
        res = ss.fisher_exact(table.astype(int))
        out.update(test="fisher", statistic=float(res.statistic), p_value=float(res.pvalue))
    else:
        chi2, p, _dof, _exp = ss.chi2_contingency(table, correction=False)
        out.update(test="chi2", statistic=float(chi2), p_value=float(p))
    return out


def compare_counts(x: Sequence[float], y: Sequence[float]) -> dict[str, Any]:
    """Mann-Whitney U test of two samples of counts, with the rank-biserial r.

    Returns
    -------
    dict
        n1, n2, median1, median2, test ('mannwhitney'), statistic (U of ``x``), p_value
        (two-sided), rank_biserial.

    Examples
    --------
    >>> r = compare_counts([0, 0, 1, 2], [5, 7, 9, 12])
    >>> r["statistic"], round(r["p_value"], 4), r["rank_biserial"]
    (0.0, 0.0294, -1.0)
    """
    a = pd.Series(x, dtype="float64").dropna()
    b = pd.Series(y, dtype="float64").dropna()
    out: dict[str, Any] = {
        "n1": int(a.size),
        "n2": int(b.size),
        "median1": float(a.median()) if a.size else math.nan,
        "median2": float(b.median()) if b.size else math.nan,
        "test": "mannwhitney",
        "statistic": math.nan,
        "p_value": math.nan,
        "rank_biserial": math.nan,
    }
    if a.size and b.size:
        res = ss.mannwhitneyu(a, b, alternative="two-sided")
        out.update(
            statistic=float(res.statistic),
            p_value=float(res.pvalue),
            rank_biserial=float(2 * res.statistic / (a.size * b.size) - 1),
        )
    return out


def contingency_test(table: pd.DataFrame) -> dict[str, Any]:
    """Chi-square test of independence of an r x c table of counts, with Cramér's V.

    All-zero rows and columns are dropped first.

    Returns
    -------
    dict
        statistic, dof, p_value, cramers_v, min_expected (a chi-square p-value is unreliable
        when it is below 5), n.

    Examples
    --------
    >>> r = contingency_test(pd.DataFrame([[30, 10], [10, 30]]))
    >>> round(r["statistic"], 2), r["dof"], round(r["cramers_v"], 2)
    (20.0, 1, 0.5)
    """
    a = np.asarray(table, dtype="float64")
    a = a[a.sum(axis=1) > 0][:, a.sum(axis=0) > 0]
    if a.ndim != 2 or min(a.shape) < 2:
        return {
            "statistic": math.nan,
            "dof": 0,
            "p_value": math.nan,
            "cramers_v": math.nan,
            "min_expected": math.nan,
            "n": float(a.sum()),
        }
    chi2, p, dof, exp = ss.chi2_contingency(a, correction=False)
    return {
        "statistic": float(chi2),
        "dof": int(dof),
        "p_value": float(p),
        "cramers_v": cramers_v(a),
        "min_expected": float(exp.min()),
        "n": float(a.sum()),
    }


# ---------------------------------------------------------------------------------------------
# Measures by group


def _groups(df: pd.DataFrame, by: str) -> list[tuple[str, pd.DataFrame]]:
    if by not in df.columns:
        raise GkworkError(
            f"by must be a column of the harmonised table; got {by!r}; "
            f"columns are {', '.join(map(str, df.columns))}"
        )
    df = _originals(df)
    key = df[by].astype(object).where(df[by].notna(), "(missing)").astype(str)
    return [(str(g), df[key == g]) for g in sorted(key.unique())]


#: Columns of :func:`request_volumes`, :func:`outcome_composition` and :func:`remedy_rates`
#: (an empty input gives an empty frame with these columns).
REQUEST_VOLUME_COLUMNS: list[str] = [
    "group", "reports", "n", "n_zero", "share_zero", "share_zero_low", "share_zero_high",
    "median", "median_low", "median_high", "mean", "mean_low", "mean_high", "total",
]  # fmt: skip
OUTCOME_COMPOSITION_COLUMNS: list[str] = [
    "group", "outcome", "count", "total", "share", "low", "high", "reports",
]  # fmt: skip
REMEDY_RATE_COLUMNS: list[str] = [
    "group", "reports", "received", "review", "review_per_100", "litigation",
    "litigation_per_100",
    *(f"{kind}_{stat}" for kind in ("review", "litigation")
      for stat in ("concluded", "corrected", "correction_rate", "correction_low",
                   "correction_high")),
]  # fmt: skip


def request_volumes(harmonised: pd.DataFrame, by: str = "template") -> pd.DataFrame:
    """Request volumes by group: share of agencies with no request, median and mean received.

    Only reports where ``received`` is known count (``n``); the share uses a Clopper-Pearson
    interval, the median and mean a seeded percentile bootstrap.

    Parameters
    ----------
    harmonised : pandas.DataFrame
        Output of :func:`harmonise`.
    by : str
        Grouping column (e.g. template, year, admin_level, agency_kind, province).

    Returns
    -------
    pandas.DataFrame
        One row per group (sorted): group, reports, n (with a known ``received``), n_zero,
        share_zero, share_zero_low, share_zero_high, median, median_low, median_high, mean,
        mean_low, mean_high, total.

    Examples
    --------
    >>> h = pd.DataFrame({"template": ["a", "a", "a", "b"], "received": [0, 2, 4, float("nan")]})
    >>> request_volumes(h)[["group", "reports", "n", "n_zero", "median", "total"]]
      group  reports  n  n_zero  median  total
    0     a        3  3       1     2.0    6.0
    1     b        1  0       0     NaN    0.0
    """
    rows = []
    for g, sub in _groups(harmonised, by):
        x = sub["received"].dropna().astype("float64")
        n, n0 = int(x.size), int((x == 0).sum())
        lo, hi = proportion_ci(n0, n)
        med = bootstrap_ci(x, "median")
        mean = bootstrap_ci(x, "mean")
        rows.append(
            {
                "group": g,
                "reports": len(sub),
                "n": n,
                "n_zero": n0,
                "share_zero": n0 / n if n else math.nan,
                "share_zero_low": lo,
                "share_zero_high": hi,
                "median": med[0],
                "median_low": med[1],
                "median_high": med[2],
                "mean": mean[0],
                "mean_low": mean[1],
                "mean_high": mean[2],
                "total": float(x.sum()),
            }
        )
    return pd.DataFrame(rows, columns=REQUEST_VOLUME_COLUMNS)


def outcome_composition(harmonised: pd.DataFrame, by: str = "template") -> pd.DataFrame:
    """Pooled composition of decided requests by outcome category, per group.

    Uses reports where every outcome category is known; each share is the category's pooled
    count over the pooled total (requests, not reports, are the unit), with a Clopper-Pearson
    interval.

    Returns
    -------
    pandas.DataFrame
        Long: group, outcome (one of :data:`OUTCOMES`), count, total, share, low, high,
        reports (reports contributing).

    Examples
    --------
    >>> h = pd.DataFrame({"template": "g", "granted": [3.0], "partially_granted": [1.0],
    ...     "withheld": [0.0], "unavailable": [0.0], "not_processed": [0.0], "other": [0.0]})
    >>> oc = outcome_composition(h)
    >>> oc.loc[0, "outcome"], [float(oc.loc[0, c]) for c in ("count", "total", "share")]
    ('granted', [3.0, 4.0, 0.75])
    """
    rows = []
    for g, sub in _groups(harmonised, by):
        ok = sub.dropna(subset=list(OUTCOMES))
        counts = ok[list(OUTCOMES)].sum()
        total = float(counts.sum())
        for o in OUTCOMES:
            k = float(counts[o])
            lo, hi = proportion_ci(int(k), int(total))
            rows.append(
                {
                    "group": g,
                    "outcome": o,
                    "count": k,
                    "total": total,
                    "share": k / total if total else math.nan,
                    "low": lo,
                    "high": hi,
                    "reports": len(ok),
                }
            )
    return pd.DataFrame(rows, columns=OUTCOME_COMPOSITION_COLUMNS)


def remedy_rates(harmonised: pd.DataFrame, by: str = "template") -> pd.DataFrame:
    """Reconsideration and litigation per 100 requests, and how often decisions were corrected.

    Rates per 100 are pooled (sum of cases / sum of new requests x 100) over reports where
    both are known; the correction rate is corrected / concluded cases (total minus pending)
    with a Clopper-Pearson interval.

    Returns
    -------
    pandas.DataFrame
        group, reports, received, review, litigation, review_per_100, litigation_per_100,
        review_concluded, review_corrected, review_correction_rate, review_correction_low,
        review_correction_high, and the same three for litigation.

    Examples
    --------
    >>> h = pd.DataFrame({"template": "g", "received": [50.0, 50.0],
    ...     "review_total": [2.0, 1.0], "review_corrected": [1.0, 0.0], "review_pending": [0.0, 1.0],
    ...     "litigation_total": [1.0, 0.0], "litigation_corrected": [0.0, 0.0],
    ...     "litigation_pending": [0.0, 0.0]})
    >>> rr = remedy_rates(h)
    >>> [float(rr.loc[0, c]) for c in ("review_per_100", "review_concluded", "review_correction_rate")]
    [3.0, 2.0, 0.5]
    """
    rows = []
    for g, sub in _groups(harmonised, by):
        rec: dict[str, Any] = {"group": g, "reports": len(sub)}
        both = sub.dropna(subset=["received", "review_total", "litigation_total"])
        n_req = float(both["received"].sum())
        rec["received"] = n_req
        for kind in ("review", "litigation"):
            cases = float(both[f"{kind}_total"].sum())
            rec[kind] = cases
            rec[f"{kind}_per_100"] = 100 * cases / n_req if n_req else math.nan
        for kind in ("review", "litigation"):
            cols = [f"{kind}_total", f"{kind}_corrected", f"{kind}_pending"]
            known = sub.dropna(subset=cols)
            concluded = float((known[cols[0]] - known[cols[2]]).clip(lower=0).sum())
            corrected = float(known[cols[1]].sum())
            corrected = min(corrected, concluded)
            lo, hi = proportion_ci(int(corrected), int(concluded))
            rec[f"{kind}_concluded"] = concluded
            rec[f"{kind}_corrected"] = corrected
            rec[f"{kind}_correction_rate"] = corrected / concluded if concluded else math.nan
            rec[f"{kind}_correction_low"] = lo
            rec[f"{kind}_correction_high"] = hi
        rows.append(rec)
    return pd.DataFrame(rows, columns=REMEDY_RATE_COLUMNS)


def quality_rates(
    checks: pd.DataFrame,
    reports: pd.DataFrame | None = None,
    by: str = "rule",
    *,
    severities: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Pass rates of the checks, with exact intervals, by rule or by a report attribute.

    ``not_assessable`` results are counted but left out of the rate: a relation that could not
    be tested neither passes nor fails.

    Parameters
    ----------
    checks : pandas.DataFrame
        Check results (CHECK_COLUMNS).
    reports : pandas.DataFrame, optional
        Needed when ``by`` is a report column (template, layout, format, year, ...).
    by : str
        ``rule``, ``severity`` or a column of ``reports``.
    severities : sequence of str, optional
        Keep only these severities (e.g. ``["error"]``).

    Returns
    -------
    pandas.DataFrame
        group, checks, pass, fail, not_assessable, assessed, pass_rate, low, high,
        reports_failing (distinct reports with at least one fail). Sorted by group.

    Examples
    --------
    >>> ch = pd.DataFrame({"report_id": ["a", "a", "b"], "rule": "r",
    ...     "status": ["pass", "fail", "not_assessable"], "severity": "error"})
    >>> q = quality_rates(ch)
    >>> [float(q.loc[0, c]) for c in ("pass", "fail", "assessed", "pass_rate", "reports_failing")]
    [1.0, 1.0, 2.0, 0.5, 1.0]
    """
    ch = checks
    if severities is not None:
        ch = ch[ch["severity"].isin(list(severities))]
    if by not in ch.columns:
        if reports is None or by not in reports.columns:
            raise GkworkError(
                f"by must be a column of checks or reports; got {by!r}; pass reports= for "
                "report attributes such as template, layout or format"
            )
        attr = reports.drop_duplicates("report_id").set_index("report_id")[by]
        ch = ch.assign(**{by: ch["report_id"].map(attr)})
    rows = []
    for g, sub in _groups(ch, by):
        status = sub["status"].astype(str)
        n_pass, n_fail = int((status == "pass").sum()), int((status == "fail").sum())
        n_na = int((status == "not_assessable").sum())
        assessed = n_pass + n_fail
        lo, hi = proportion_ci(n_pass, assessed)
        rows.append(
            {
                "group": g,
                "checks": len(sub),
                "pass": n_pass,
                "fail": n_fail,
                "not_assessable": n_na,
                "assessed": assessed,
                "pass_rate": n_pass / assessed if assessed else math.nan,
                "low": lo,
                "high": hi,
                "reports_failing": int(sub.loc[status == "fail", "report_id"].nunique()),
            }
        )
    cols = [
        "group",
        "checks",
        "pass",
        "fail",
        "not_assessable",
        "assessed",
        "pass_rate",
        "low",
        "high",
        "reports_failing",
    ]
    return pd.DataFrame(rows, columns=cols)


def compare_groups(
    harmonised: pd.DataFrame, variable: str, by: str, a: Any, b: Any
) -> dict[str, Any]:
    """Compare two groups on one variable: proportions for 0/1 variables, counts otherwise.

    For a 0/1 indicator (a name starting with ``has_`` or ``is_``, e.g. ``has_requests``) the
    result is :func:`compare_proportions`; for a count (e.g. ``received``) it is
    :func:`compare_counts`.

    Returns
    -------
    dict
        The test result plus variable, by, a, b.

    Examples
    --------
    >>> h = pd.DataFrame({"level": ["x"] * 4 + ["y"] * 4, "received": [0, 0, 1, 2, 5, 7, 9, 12]})
    >>> compare_groups(h, "received", "level", "x", "y")["rank_biserial"]
    -1.0
    """
    if variable not in harmonised.columns:
        raise GkworkError(f"variable {variable!r} is not a column of the harmonised table")
    harmonised = _originals(harmonised)
    key = harmonised[by].astype(object).astype(str)
    x = harmonised.loc[key == str(a), variable].dropna().astype("float64")
    y = harmonised.loc[key == str(b), variable].dropna().astype("float64")
    if variable.startswith(("has_", "is_")):
        res = compare_proportions(int(x.sum()), int(x.size), int(y.sum()), int(y.size))
        res.update(n1=int(x.size), n2=int(y.size))
    else:
        res = compare_counts(x, y)
    return {"variable": variable, "by": by, "a": str(a), "b": str(b), **res}
