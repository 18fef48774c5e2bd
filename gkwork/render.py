"""Render report specifications as text in the layouts real reports arrive in.

A :class:`ReportSpec` describes one annual report: metadata, narrative paragraphs and the raw
text of every table cell. :func:`spec_blocks` turns it into layout-neutral
:class:`~gkwork.model.ParaBlock` / :class:`~gkwork.model.TableBlock` objects with the **real**
header structures of the statutory tables (domain.md §2.2-§2.4, §3.3-§3.5, §4), and
:func:`render_text` writes those blocks in one of the text layouts seen in the wild:

``pipe``
    Seeds 000/001: one table row per line, each non-empty cell followed by ``' | '``, each empty
    cell written as ``'|'``, trailing whitespace stripped; cells covered by a rowspan are absent
    and every row is padded with empty cells to the grid width (ragged ``||||`` runs).
``cell_per_line``
    Seeds 002/004: each cell on its own line introduced by a TAB, a blank line ends a row, a
    lone-TAB line stands for a cell covered by a rowspan (one per covering cell), a header cell
    may continue on the next line without TAB (``本年新`` / ``制作数量``), even after a blank line
    (``科研`` / ``''`` / ``机构``).
``markdown``
    GitHub pipe tables (``| a | b |`` with a ``|---|`` separator after the first row), merged
    cells expanded to the full grid and either repeated (label cells) or left empty.
``tsv``
    One table row per line, cells of the expanded grid separated by TABs (covered cells empty).
``flattened``
    Archiver page text: the whole body on one line, table cells concatenated without any
    separator (``规范性文件898989``).
``flattened_spaced``
    The same with one space between cells (``规范性文件 89 89 89``; a blank cell leaves two).
``narrative``
    No tables at all: the table numbers are stated in prose only.

Value-level quirks (blanks, ``无``, units, full-width digits, padding, thousands separators)
change the raw cell text and are applied by :func:`apply_quirks`; they are deterministic given
``quirks['seed']`` and the report id, so that :func:`expected_cells` with the same ``quirks``
describes exactly what :func:`render_text` printed. Layout-level quirks (split or cut header
cells, half-width punctuation, ``[bookmark: _GoBack]``, CRLF, short captions) only change how
labels and lines are written and are drawn from ``rng``.

Examples
--------
>>> spec = ReportSpec(report_id="r1", title="", agency="某某镇人民政府", year=2021,
...                   template="gov2021")
>>> text = render_text(spec, "pipe")
>>> "第二十条第（一）项 | |||" in text
True
"""

from __future__ import annotations

import copy
import functools
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from gkwork import templates
from gkwork.errors import GkworkError
from gkwork.model import Block, ParaBlock, SpanCell, TableBlock
from gkwork.values import parse_value

__all__ = [
    "LAYOUTS",
    "SYNTHETIC_MARKER",
    "VALUE_QUIRKS",
    "LAYOUT_QUIRKS",
    "ReportSpec",
    "apply_quirks",
    "chinese_date",
    "expected_cells",
    "expected_records",
    "narrative_records",
    "render_text",
    "spec_blocks",
]

#: Text layouts :func:`render_text` can write.
LAYOUTS: tuple[str, ...] = (
    "pipe",
    "cell_per_line",
    "markdown",
    "tsv",
    "flattened",
    "flattened_spaced",
    "narrative",
)

#: First line of every synthetic report (also put in HTML titles by :mod:`gkwork.synth`).
SYNTHETIC_MARKER = "【合成数据 synthetic data — not a real report】"

#: Quirks that change raw cell text (probabilities per eligible cell), see :func:`apply_quirks`.
VALUE_QUIRKS: tuple[str, ...] = ("blanks", "nil", "units", "fullwidth", "padding", "thousands")

#: Quirks that change labels / lines only, see :func:`render_text`.
LAYOUT_QUIRKS: tuple[str, ...] = (
    "split_headers",
    "halfwidth",
    "bookmark",
    "crlf",
    "caption_short",
    "blank_lines",
    "md_merge",
    "pipe_extra",
    "indent",
)

GOV_SECTIONS: tuple[str, ...] = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)

LEGACY_SECTIONS: tuple[str, ...] = (
    "一、概述",
    "二、主动公开政府信息情况",
    "三、依申请公开政府信息办理情况",
    "四、政府信息公开的收费及减免情况",
    "五、因政府信息公开申请行政复议、提起行政诉讼的情况",
    "六、政府信息公开工作存在的主要问题及改进情况",
    "七、其他需要报告的事项",
)
LEGACY_TABLE_HEADING = "八、政府信息公开年度统计表"


# ---------------------------------------------------------------------------------------------
# The specification


@dataclass
class ReportSpec:
    """Everything needed to print one report.

    Attributes
    ----------
    report_id : str
    title : str
        Title line; '' means ``<agency><year>年政府信息公开工作年度报告``.
    agency, agency_kind, admin_level, province, city, county, division_code, index_no : str
    year : int
    template : str
        ``gov2019`` | ``gov2021`` | ``legacy`` | ``none`` — the format the tables are printed
        in (which may be outdated for ``year``; see ``faults``).
    signed_date : str
        ISO date (``2021-01-18``); printed as ``2021年1月18日``.
    paragraphs : list[str]
        Narrative of the first section (一、总体情况 / 一、概述).
    tables : dict
        ``{table: {row: {col: raw}}}`` — the exact text printed in each cell (``''`` blank,
        ``'无'``, ``'61件'``, ``'１２'`` ...). Missing cells print as blank.
    extra : dict
        Optional paragraphs of later sections, keyed by section number (``'五'``, ``'六'``).
    synthetic : bool
        Print :data:`SYNTHETIC_MARKER` as the first line.
    truncate_applications_after : str | None
        Row key of ``applications`` after which Section 三 stops (seed 004).
    faults : list[dict]
        Injected defects (:mod:`gkwork.synth`), e.g. ``{'kind': 'broken_sum', ...}``.
    panel : str
        The synthetic agency's id when the report is one year of a panel ('' otherwise).
    previous : str
        report_id of the same agency's report of the year before ('' for none).
    expected_failures : list[str]
        Rules that fail on this report without a defect of its own (last year's report
        broke the sum this year's carries over).
    """

    report_id: str
    title: str = ""
    agency: str = ""
    agency_kind: str = ""
    admin_level: str = ""
    province: str = ""
    city: str = ""
    county: str = ""
    division_code: str = ""
    index_no: str = ""
    year: int = 2020
    template: str = "gov2019"
    signed_date: str = ""
    paragraphs: list[str] = field(default_factory=list)
    tables: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    extra: dict[str, list[str]] = field(default_factory=dict)
    synthetic: bool = True
    truncate_applications_after: str | None = None
    faults: list[dict[str, Any]] = field(default_factory=list)
    panel: str = ""
    previous: str = ""
    expected_failures: list[str] = field(default_factory=list)

    @property
    def full_title(self) -> str:
        """The title line (default built from agency and year)."""
        return self.title or f"{self.agency}{self.year}年政府信息公开工作年度报告"


def chinese_date(iso: str) -> str:
    """``'2021-01-18'`` -> ``'2021年1月18日'`` ('' stays '')."""
    if not iso:
        return ""
    y, m, d = iso.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


# ---------------------------------------------------------------------------------------------
# Static table structures (built once from the template registry)


@functools.cache
def _cell_defs(template: str) -> pd.DataFrame:
    """templates.expected_cells(template) (cached)."""
    return templates.expected_cells(template)


@functools.cache
def _cell_keys(template: str) -> tuple[tuple[str, str, tuple[tuple[str, bool, bool], ...]], ...]:
    """(table, row, ((col, allow_negative, allow_decimal), ...)) in template order."""
    df = _cell_defs(template)
    out: dict[tuple[str, str], list[tuple[str, bool, bool]]] = {}
    for r in df.itertuples(index=False):
        out.setdefault((r.table, r.row), []).append(
            (r.col, bool(r.allow_negative), bool(r.allow_decimal))
        )
    return tuple((t, row, tuple(cols)) for (t, row), cols in out.items())


def _lab(template: str, table: str, axis: str, key: str, group: str = "") -> str:
    return templates.label(template, table, axis, key, group=group)


_AD_WIDTH = 4  # 信息内容 + three value columns


@functools.cache
def _ad_structure(
    template: str,
) -> tuple[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...], tuple[str, ...]], ...]:
    """Per group: (caption, col labels, ((row key, row label), ...), col keys)."""
    out = []
    t = "active_disclosure"
    for g in templates.groups(template, t):
        caption = _lab(template, t, "caption", g, g)
        reg = templates.registry()
        sub = reg[
            (reg["template"] == template)
            & (reg["variant"] == "")
            & (reg["table"] == t)
            & (reg["group"] == g)
        ].sort_values("order", kind="stable")
        rkeys = [k for k in dict.fromkeys(sub.loc[sub["axis"] == "row", "key"])]
        ckeys = templates.cols(template, t, row=rkeys[0])
        clabels = tuple(_lab(template, t, "col", c, g) for c in ckeys)
        rows = tuple((r, _lab(template, t, "row", r, g)) for r in rkeys)
        out.append((caption, clabels, rows, tuple(ckeys)))
    return tuple(out)


_APP_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
_APP_COLS = tuple(templates.cols("gov2019", "applications"))
#: Group cells (label, first row key, rows covered) of Section 三.
_APP_GROUPS = {
    "gov2019": (
        ("三、本年度办理结果", "granted", 20),
        ("（三）不予公开", "withheld_state_secret", 8),
        ("（四）无法提供", "unavailable_not_held", 3),
        ("（五）不予处理", "not_processed_petition", 5),
    ),
    "gov2021": (
        ("三、本年度办理结果", "granted", 22),
        ("（三）不予公开", "withheld_state_secret", 8),
        ("（四）无法提供", "unavailable_not_held", 3),
        ("（五）不予处理", "not_processed_petition", 5),
        ("（六）其他处理", "other_no_correction", 3),
    ),
}
#: Level of each row label: 1 = spans all three label columns, 2 = spans two, 3 = one.
_APP_LEVEL1 = {"new_received", "carried_over", "carried_forward"}
_APP_LEVEL2 = {"granted", "partially_granted", "other", "total_processed"}

_RL_ROWS = ("review", "litigation_direct", "litigation_after_review")
_RL_COLS = ("upheld", "corrected", "other", "pending", "total")
_RL_COL_LABELS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")


@functools.cache
def _app_row_labels(template: str) -> tuple[tuple[str, str], ...]:
    t = "applications"
    return tuple((r, _lab(template, t, "row", r)) for r in templates.rows(template, t))


@functools.cache
def _legacy_rows() -> tuple[tuple[str, str, str, bool], ...]:
    """(key, label, unit, is_data) of every legacy row incl. heading rows."""
    reg = templates.registry()
    sub = reg[
        (reg["template"] == "legacy")
        & (reg["variant"] == "")
        & (reg["table"] == "legacy_stats")
        & (reg["axis"] == "row")
    ].sort_values("order", kind="stable")
    return tuple((r.key, r.label_zh, r.unit, bool(r.is_data)) for r in sub.itertuples(index=False))


# ---------------------------------------------------------------------------------------------
# Blocks


def _raw(spec: ReportSpec, table: str, row: str, col: str) -> str:
    return spec.tables.get(table, {}).get(row, {}).get(col, "")


def _keyed(table: TableBlock, key: tuple) -> TableBlock:
    """Tag a table with a key of its span structure (saves recomputing the grid placement)."""
    table._gk_skey = key  # type: ignore[attr-defined]
    return table


def _ad_block(spec: ReportSpec) -> TableBlock:
    rows: list[list[SpanCell]] = []
    t = "active_disclosure"
    for caption, clabels, rdefs, ckeys in _ad_structure(spec.template):
        n = len(clabels)
        last_span = _AD_WIDTH - n
        rows.append([SpanCell(caption, colspan=_AD_WIDTH)])
        hdr = [SpanCell("信息内容")] + [SpanCell(c) for c in clabels]
        hdr[-1].colspan = last_span
        rows.append(hdr)
        for rkey, rlabel in rdefs:
            r = [SpanCell(rlabel)] + [SpanCell(_raw(spec, t, rkey, c)) for c in ckeys]
            r[-1].colspan = last_span
            rows.append(r)
    return _keyed(TableBlock(rows=rows, name=t), (t, spec.template))


def _app_block(spec: ReportSpec) -> TableBlock:
    t = "applications"
    tmpl = spec.template
    rdefs = list(_app_row_labels(tmpl))
    if spec.truncate_applications_after:
        keys = [k for k, _ in rdefs]
        if spec.truncate_applications_after in keys:
            rdefs = rdefs[: keys.index(spec.truncate_applications_after) + 1]
    present = [k for k, _ in rdefs]
    idx = {k: i for i, k in enumerate(present)}
    group_at: dict[str, list[SpanCell]] = {}
    for label, first, span in _APP_GROUPS[tmpl]:
        if first in idx:
            span = min(span, len(present) - idx[first])
            group_at.setdefault(first, []).append(SpanCell(label, rowspan=span))
    rows: list[list[SpanCell]] = [
        [SpanCell(_APP_NOTE, rowspan=3, colspan=3), SpanCell("申请人情况", colspan=7)],
        [
            SpanCell("自然人", rowspan=2),
            SpanCell("法人或其他组织", colspan=5),
            SpanCell("总计", rowspan=2),
        ],
        [SpanCell(x) for x in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")],
    ]
    table = spec.tables.get(t, {})
    for key, label in rdefs:
        lead = list(group_at.get(key, ()))
        if key in _APP_LEVEL1:
            lead.append(SpanCell(label, colspan=3))
        elif key in _APP_LEVEL2:
            lead.append(SpanCell(label, colspan=2))
        else:
            lead.append(SpanCell(label))
        vals = table.get(key, {})
        rows.append(lead + [SpanCell(vals.get(c, "")) for c in _APP_COLS])
    return _keyed(TableBlock(rows=rows, name=t), (t, tmpl, len(rdefs)))


def _rl_block(spec: ReportSpec) -> TableBlock:
    t = "review_litigation"
    table = spec.tables.get(t, {})
    rows = [
        [SpanCell("行政复议", colspan=5), SpanCell("行政诉讼", colspan=10)],
        [SpanCell(x, rowspan=2) for x in _RL_COL_LABELS]
        + [SpanCell("未经复议直接起诉", colspan=5), SpanCell("复议后起诉", colspan=5)],
        [SpanCell(x) for x in _RL_COL_LABELS * 2],
        [SpanCell(table.get(r, {}).get(c, "")) for r in _RL_ROWS for c in _RL_COLS],
    ]
    return _keyed(TableBlock(rows=rows, name=t), (t,))


def _legacy_block(spec: ReportSpec) -> TableBlock:
    t = "legacy_stats"
    table = spec.tables.get(t, {})
    rows: list[list[SpanCell]] = [
        [SpanCell("政府信息公开情况统计表", colspan=3)],
        [SpanCell(f"（{spec.year}年度）", colspan=3)],
        [SpanCell(f"填报单位：{spec.agency}", colspan=3)],
        [SpanCell("统 计 指 标"), SpanCell("单位"), SpanCell("年度累计数")],
    ]
    for key, label, unit, is_data in _legacy_rows():
        if is_data:
            rows.append(
                [SpanCell(label), SpanCell(unit), SpanCell(table.get(key, {}).get("value", ""))]
            )
        else:
            rows.append([SpanCell(label), SpanCell("——"), SpanCell("")])
    rows.append([SpanCell("单位负责人：某某 审核人：某某 填报人：某某", colspan=3)])
    rows.append([SpanCell(f"联系电话：0000000 填报日期：{spec.year}.12.29", colspan=3)])
    return _keyed(TableBlock(rows=rows, name=t), (t,))


def _default_extra(spec: ReportSpec, section: str) -> list[str]:
    if section == "五":
        return [
            f"{spec.year}年，本机关政府信息公开工作取得一定成效，但仍存在公开内容不够全面、"
            "更新不够及时等问题。下一步将加强业务培训，规范公开流程，提升公开质量。"
        ]
    if section == "六":
        if spec.template == "gov2021":
            return [
                "本年度未发出收费通知，未收取信息处理费。",
            ]
        return ["无其他需要报告的事项。"]
    return []


def spec_blocks(spec: ReportSpec) -> list[Block]:
    """The whole report as blocks, in document order.

    Parameters
    ----------
    spec : ReportSpec

    Returns
    -------
    list[Block]
        Marker line (synthetic reports), title, intro (编制 sentence and 统计期限), section
        headings with narrative, tables at their sections, signature (agency, date).
    """
    if spec.template not in templates.TEMPLATE_KEYS:
        raise GkworkError(
            f"ReportSpec.template must be one of {', '.join(templates.TEMPLATE_KEYS)}; "
            f"got {spec.template!r} in report {spec.report_id!r}"
        )
    y = spec.year
    out: list[Block] = []
    if spec.synthetic:
        out.append(ParaBlock(SYNTHETIC_MARKER))
    out.append(ParaBlock(spec.full_title))
    if spec.template in ("gov2019", "gov2021"):
        out.append(
            ParaBlock(
                "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）规定，"
                f"由{spec.agency}编制。全文包括总体情况、主动公开政府信息情况、收到和处理政府"
                "信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、"
                f"其他需要报告的事项。本报告所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。"
            )
        )
        blocks_by_section = {
            1: _ad_block(spec),
            2: _app_block(spec),
            3: _rl_block(spec),
        }
        for i, heading in enumerate(GOV_SECTIONS):
            out.append(ParaBlock(heading))
            if i == 0:
                out.extend(ParaBlock(p) for p in spec.paragraphs)
            elif i in blocks_by_section:
                out.append(blocks_by_section[i])
            else:
                num = heading[0]
                out.extend(ParaBlock(p) for p in (spec.extra.get(num) or _default_extra(spec, num)))
    else:
        out.append(
            ParaBlock(
                "根据《中华人民共和国政府信息公开条例》（以下简称《条例》），"
                f"由{spec.agency}编制本报告，特向社会公布{y}年度政府信息公开年度报告。"
                "本报告由概述、主动公开政府信息情况、依申请公开政府信息办理情况、收费及减免情况、"
                "行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项等组成。"
                f"本报告中所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。"
            )
        )
        for i, heading in enumerate(LEGACY_SECTIONS):
            out.append(ParaBlock(heading))
            num = heading[0]
            if i == 0:
                out.extend(ParaBlock(p) for p in spec.paragraphs)
            else:
                out.extend(ParaBlock(p) for p in spec.extra.get(num, ()))
        if spec.template == "legacy":
            out.append(ParaBlock(LEGACY_TABLE_HEADING))
            out.append(_legacy_block(spec))
    out.append(ParaBlock(spec.agency))
    out.append(ParaBlock(chinese_date(spec.signed_date)))
    return out


# ---------------------------------------------------------------------------------------------
# Value quirks


_FW_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
_NIL_CHOICES = ("无", "—", "——", "/", "-")
_PLAIN_NUMBER = re.compile(r"[+\-]?\d+(\.\d+)?")
_PADS = (" ", "  ", "\u00a0", "\u2002\u2002", "\u3000", "    ")


def _prob(quirks: Mapping[str, Any] | None, name: str) -> float:
    if not quirks:
        return 0.0
    v = quirks.get(name, 0.0)
    if v is True:
        return 1.0
    if not v:
        return 0.0
    return float(v)


def _cell_unit(table: str, row: str, col: str) -> str:
    if table == "active_disclosure":
        if col == "amount":
            return "元"
        if col == "amount_10k_yuan":
            return "万元"
        return "件"
    if table == "legacy_stats":
        return ""
    return "件"


def _quirk_cell(
    raw: str, table: str, row: str, col: str, q: dict[str, float], r: random.Random
) -> str:
    s = raw.strip()
    if s == "":
        return raw
    p_blank, p_nil = q["blanks"], q["nil"]
    if s == "0" and (p_blank or p_nil):
        x = r.random()
        if x < p_blank:
            return ""
        if x < p_blank + p_nil:
            return r.choice(_NIL_CHOICES)
    if not (s.isdigit() or _PLAIN_NUMBER.fullmatch(s)):
        return raw
    if q["thousands"] and len(s) >= 4 and abs(float(s)) >= 1000 and r.random() < q["thousands"]:
        sign = s[0] if s[0] in "+-" else ""
        body = s[len(sign) :]
        ip, _, fp = body.partition(".")
        s = sign + f"{int(ip):,}" + (("." + fp) if fp else "")
    if q["units"] and r.random() < q["units"]:
        unit = _cell_unit(table, row, col)
        if unit:
            s = s + unit
    if q["fullwidth"] and r.random() < q["fullwidth"]:
        s = s.translate(_FW_DIGITS)
    if q["padding"] and r.random() < q["padding"]:
        pad = r.choice(_PADS)
        where = r.random()
        s = pad + s if where < 0.4 else (s + pad if where < 0.8 else pad + s + pad)
    return s


def apply_quirks(spec: ReportSpec, quirks: Mapping[str, Any] | None) -> ReportSpec:
    """A copy of ``spec`` whose raw cell texts carry the value-level quirks.

    Parameters
    ----------
    spec : ReportSpec
    quirks : mapping
        Probabilities (or True = 1.0) per eligible cell: ``blanks`` / ``nil`` (only cells whose
        raw is ``0``, so sums still hold when missing counts as 0), ``units`` (``61件``,
        ``251000元``), ``fullwidth`` (``１２``), ``padding`` (spaces, NBSP, U+2002, U+3000),
        ``thousands`` (``1,234`` for |value| >= 1000). ``seed`` (int) selects the draw; the
        draw also depends on ``spec.report_id``, never on any outside state.

    Returns
    -------
    ReportSpec
        ``spec`` itself when no value quirk is active, else a modified deep copy.
    """
    if not quirks or not any(_prob(quirks, k) for k in VALUE_QUIRKS):
        return spec
    r = random.Random(f"{quirks.get('seed', 0)}:{spec.report_id}")
    q = {k: _prob(quirks, k) for k in VALUE_QUIRKS}
    tables = {
        t: {
            row: {col: _quirk_cell(raw, t, row, col, q, r) for col, raw in cells.items()}
            for row, cells in rows.items()
        }
        for t, rows in spec.tables.items()
    }
    return replace(spec, tables=tables, faults=copy.deepcopy(spec.faults))


# ---------------------------------------------------------------------------------------------
# Expected cells

EXPECTED_COLUMNS = ["table", "row", "col", "value", "raw", "unit"]


def _cut_rows(spec: ReportSpec) -> set[str]:
    if not spec.truncate_applications_after:
        return set()
    keys = [k for k, _ in _app_row_labels(spec.template)]
    if spec.truncate_applications_after not in keys:
        return set()
    return set(keys[keys.index(spec.truncate_applications_after) + 1 :])


def expected_records(spec: ReportSpec) -> list[tuple[str, str, str, float, str, str]]:
    """(table, row, col, value, raw, unit) of every cell a parser must find (fast path).

    Same content as :func:`expected_cells` without quirks or layout, as plain tuples.
    """
    if spec.template == "none":
        return []
    cut = _cut_rows(spec)
    recs = []
    append = recs.append
    tables = spec.tables
    empty: dict[str, str] = {}
    for table, row, cols in _cell_keys(spec.template):
        if cut and table == "applications" and row in cut:
            continue
        cells = tables.get(table, empty).get(row, empty)
        for col, neg, dec in cols:
            raw = cells.get(col, "")
            if raw.isdigit() and raw.isascii():
                append((table, row, col, float(raw), raw, ""))
            else:
                pv = parse_value(raw, allow_negative=neg, allow_decimal=dec)
                append((table, row, col, pv.value, raw, pv.unit))
    return recs


def expected_cells(
    spec: ReportSpec, *, quirks: Mapping[str, Any] | None = None, layout: str | None = None
) -> pd.DataFrame:
    """What a correct parser must extract from the rendered ``spec``.

    Parameters
    ----------
    spec : ReportSpec
    quirks : mapping, optional
        The same ``quirks`` given to :func:`render_text` (value quirks are re-applied).
    layout : str, optional
        ``'narrative'`` has no tables: its cells are the numbers its sentences state
        (:func:`narrative_records`).

    Returns
    -------
    pandas.DataFrame
        Columns table, row, col, value (float, NaN for blank / 无 / —), raw (the cell text as
        printed, padding included), unit (unit suffix found in raw, '' if none); one line per
        cell of the template, in template order, without the rows cut by
        ``truncate_applications_after``.
    """
    if quirks:
        spec = apply_quirks(spec, quirks)
    recs = narrative_records(spec) if layout == "narrative" else expected_records(spec)
    df = pd.DataFrame.from_records(recs, columns=EXPECTED_COLUMNS)
    df["value"] = df["value"].astype("float64")
    return df


# ---------------------------------------------------------------------------------------------
# Text rendering

_HALFWIDTH = (
    ("（", "("),
    ("）", ")"),
    ("：", ":"),
    ("，", ","),
    ("；", ";"),
    ("？", "?"),
    ("！", "!"),
)

#: Header cells that real conversions split over two lines (first part, rest).
_SPLITS: dict[str, tuple[str, str]] = {
    "本年新制作数量": ("本年新", "制作数量"),
    "本年新公开数量": ("本年新", "公开数量"),
    "对外公开总数量": ("对外公开", "总数量"),
    "上一年项目数量": ("上一年", "项目数量"),
    "处理决定数量": ("处理决定", "数量"),
    "本年制发件数": ("本年制发", "件数"),
    "本年废止件数": ("本年废止", "件数"),
    "现行有效件数": ("现行有效", "件数"),
    "本年处理决定数量": ("本年处理", "决定数量"),
    "商业企业": ("商业", "企业"),
    "科研机构": ("科研", "机构"),
    "社会公益组织": ("社会公益", "组织"),
    "法律服务机构": ("法律服务", "机构"),
    "总计": ("总", "计"),
}


def _make_rng(rng: Any) -> random.Random:
    if isinstance(rng, random.Random):
        return rng
    if isinstance(rng, np.random.Generator):
        return random.Random(int(rng.integers(0, 2**62)))
    if rng is None:
        return random.Random(0)
    return random.Random(rng)


# A skeleton entry: (grid column, colspan, source row, source cell, is_placeholder). Placeholders
# point at the cell whose rowspan covers them.
_Entry = tuple[int, int, int, int, bool]
_SKELETONS: dict[tuple, tuple[list[list[_Entry]], int]] = {}


def _skeleton(table: TableBlock) -> tuple[list[list[_Entry]], int]:
    """Grid placement of a table's cells (HTML algorithm), cached by span structure.

    The grid width is the colspan sum of the first row (a longer row widens the grid).
    """
    rows = table.rows
    key = getattr(table, "_gk_skey", None)
    if key is None:
        key = tuple(tuple((c.rowspan, c.colspan) for c in row) for row in rows)
    hit = _SKELETONS.get(key)
    if hit is not None:
        return hit
    width = sum(c.colspan for c in rows[0]) if rows else 0
    busy = [0] * width  # rows still covered, indexed by the origin column of a rowspan
    origin: list[tuple[int, int, int]] = [(1, 0, 0)] * width
    out: list[list[_Entry]] = []
    for ri, row in enumerate(rows):
        placed: list[_Entry] = []
        col = ci = 0
        n = len(row)
        while col < width or ci < n:
            if col < width and busy[col]:
                span, r0, c0 = origin[col]
                placed.append((col, span, r0, c0, True))
                busy[col] -= 1
                col += span
            elif ci < n:
                c = row[ci]
                placed.append((col, c.colspan, ri, ci, False))
                if col + c.colspan > width:
                    grow = col + c.colspan - width
                    busy += [0] * grow
                    origin += [(1, 0, 0)] * grow
                    width += grow
                if c.rowspan > 1:
                    busy[col] = c.rowspan - 1
                    origin[col] = (c.colspan, ri, ci)
                col += c.colspan
                ci += 1
            else:
                col += 1
        out.append(placed)
    if len(_SKELETONS) > 256:
        _SKELETONS.clear()
    _SKELETONS[key] = (out, width)
    return out, width


def _header_rows(table: TableBlock) -> int:
    return {"applications": 3, "review_litigation": 3, "legacy_stats": 4}.get(table.name, 0)


def _is_label(table: TableBlock, ri: int, col: int, span: int, nhdr: int) -> bool:
    """Header cells and row-label cells (not value cells)."""
    if ri < nhdr:
        return True
    if table.name == "applications":
        return col < 3
    if table.name == "active_disclosure":
        return col == 0 or span == _AD_WIDTH or table.rows[ri][0].text == "信息内容"
    if table.name == "legacy_stats":
        return col < 2 or span == 3
    return False


class _Ctx:
    def __init__(self, layout: str, quirks: Mapping[str, Any], r: random.Random):
        self.layout = layout
        self.q = quirks
        self.r = r
        self.p_split = _prob(quirks, "split_headers")
        self.p_caption = _prob(quirks, "caption_short")

    def header_text(self, text: str) -> str:
        """Apply the split/cut-header quirk to one header cell."""
        parts = _SPLITS.get(text)
        if parts is None or self.r.random() >= self.p_split:
            return text
        a, b = parts
        if self.layout == "cell_per_line":
            return a + ("\n\n" if len(b) <= 2 and self.r.random() < 0.5 else "\n") + b
        if self.layout == "pipe":
            return a if len(a) >= 2 else text
        if self.layout in ("markdown", "tsv"):
            return a + " " + b
        return text

    def caption_text(self, text: str) -> str:
        if text.startswith("第二十条") and self.r.random() < self.p_caption:
            return text[len("第二十条") :]
        return text


def _texts(table: TableBlock, ctx: _Ctx) -> list[list[str]]:
    """Cell texts with the label quirks (split headers, short captions) applied.

    Layouts that print one table row per line cannot hold a line break inside a cell: there a
    multi-line cell text (``本年新\n制作数量``) is joined with a space, as converters do.
    """
    one_line = ctx.layout in ("pipe", "markdown", "tsv")
    texts = [[c.text.replace("\n", " ") if one_line else c.text for c in row] for row in table.rows]
    if not (ctx.p_split or ctx.p_caption):
        return texts
    nhdr = _header_rows(table)
    ad = table.name == "active_disclosure"
    for ri, row in enumerate(texts):
        if ri < nhdr or (ad and row and row[0] == "信息内容"):
            if ctx.p_split:
                texts[ri] = [ctx.header_text(t) if t else t for t in row]
        elif ad and ctx.p_caption and len(row) == 1:
            row[0] = ctx.caption_text(row[0])
    return texts


def _pipe_table(table: TableBlock, ctx: _Ctx) -> list[str]:
    width = sum(c.colspan for c in table.rows[0]) if table.rows else 0
    extra = int(ctx.q.get("pipe_extra", 0) or 0)
    lines = []
    for row in _texts(table, ctx):
        pad = max(width - len(row), 0) + extra
        lines.append(("".join(t + " | " if t else "|" for t in row) + "|" * pad).rstrip(" "))
    return lines


def _cpl_table(table: TableBlock, ctx: _Ctx) -> list[str]:
    skel, _ = _skeleton(table)
    texts = _texts(table, ctx)
    lines: list[str] = []
    for prow in skel:
        for _col, _span, ri, ci, ph in prow:
            lines.append("\t" if ph else "\t" + texts[ri][ci])
        lines.append("")
    lines.append("")
    return lines


def _grid(table: TableBlock, ctx: _Ctx, repeat: bool) -> list[list[str]]:
    skel, width = _skeleton(table)
    texts = _texts(table, ctx)
    nhdr = _header_rows(table)
    grid: list[list[str]] = []
    for gi, prow in enumerate(skel):
        line = [""] * width
        for col, span, ri, ci, ph in prow:
            label = repeat and _is_label(table, gi, col, span, nhdr)
            if ph and not label:
                continue
            text = texts[ri][ci]
            line[col] = text
            if label:
                for k in range(1, span):
                    line[col + k] = text
        grid.append(line)
    return grid


def _md_table(table: TableBlock, ctx: _Ctx) -> list[str]:
    mode = ctx.q.get("md_merge")
    repeat = (ctx.r.random() < 0.5) if mode is None else (mode == "repeat")
    grid = _grid(table, ctx, repeat)
    out = []
    for i, line in enumerate(grid):
        out.append("| " + " | ".join(t.replace("|", "/") for t in line) + " |")
        if i == 0:
            out.append("|" + "|".join("---" for _ in line) + "|")
    return out


def _tsv_table(table: TableBlock, ctx: _Ctx) -> list[str]:
    return ["\t".join(line) for line in _grid(table, ctx, False)]


def _flat_table(table: TableBlock, sep: str = "") -> str:
    """A table as archived page text: every cell in reading order, run together (``sep``
    empty) or one space apart (``flattened_spaced``, as pingtan/006 prints its cells)."""
    return sep.join(c.text for row in table.rows for c in row)


def _num(raw: str) -> str:
    s = raw.strip()
    return s if s else "0"


#: What the narrative layout writes around each table's statements: (opening, separator).
_NARRATIVE_FRAMES: dict[str, tuple[str, str]] = {
    "applications": ("本年度收到和处理政府信息公开申请情况如下：", "，"),
    "review_litigation": ("本年度", "；"),
    "active_disclosure": ("主动公开情况：", "；"),
    "legacy_stats": ("统计情况：", "；"),
}
_RL_NAMES = {
    "review": "行政复议",
    "litigation_direct": "未经复议直接起诉的行政诉讼",
    "litigation_after_review": "复议后起诉的行政诉讼",
}


def _narrative_statements(
    name: str, spec: ReportSpec
) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """The statements the narrative layout makes of one table: (text, [(row, col, raw), ...]),
    ``raw`` being the number as the text states it (a blank cell is stated as 0)."""
    t = spec.tables.get(name, {})
    out: list[tuple[str, list[tuple[str, str, str]]]] = []
    if name == "applications":
        for k, label in _app_row_labels(spec.template):
            if k in t:
                raw = _num(t[k].get("total", ""))
                out.append((f"{label}{raw}件", [(k, "total", raw)]))
    elif name == "review_litigation":
        for r, label in _RL_NAMES.items():
            v = t.get(r, {})
            raws = {
                c: _num(v.get(c, "")) for c in ("total", "upheld", "corrected", "other", "pending")
            }
            text = (
                f"{label}{raws['total']}件（结果维持{raws['upheld']}件，结果纠正{raws['corrected']}件，"
                f"其他结果{raws['other']}件，尚未审结{raws['pending']}件）"
            )
            out.append((text, [(r, c, raw) for c, raw in raws.items()]))
    elif name == "active_disclosure":
        for _, clabels, rdefs, ckeys in _ad_structure(spec.template):
            for rkey, rlabel in rdefs:
                v = t.get(rkey, {})
                raws = [(ck, _num(v.get(ck, ""))) for ck in ckeys]
                text = rlabel + "".join(
                    f"{cl}{raw}" for cl, (_, raw) in zip(clabels, raws, strict=True)
                )
                out.append((text, [(rkey, ck, raw) for ck, raw in raws]))
    elif name == "legacy_stats":
        for k, label, unit, is_data in _legacy_rows():
            if is_data and k in t:
                raw = _num(t[k].get("value", ""))
                out.append((f"{label}{raw}{unit}", [(k, "value", raw)]))
    return out


def _narrative_table(table: TableBlock, spec: ReportSpec | None) -> list[str]:
    """State a table's numbers in prose (the 'narrative' layout)."""
    if spec is None:
        return ["，".join(c.text for row in table.rows for c in row if c.text) + "。"]
    statements = _narrative_statements(table.name, spec)
    if not statements:
        return []
    opening, sep = _NARRATIVE_FRAMES[table.name]
    return [opening + sep.join(text for text, _ in statements) + "。"]


def narrative_records(spec: ReportSpec) -> list[tuple[str, str, str, float, str, str]]:
    """(table, row, col, value, raw, unit) of every number the narrative layout states.

    The narrative layout writes no table: it states numbers in sentences (Section 三's totals,
    every reconsideration and lawsuit count, the Section 二 cells, the 统计表's values), as
    reports that describe their statistics in prose do. A blank cell is stated as 0 and is
    recorded so; what a parser reads from those sentences is scored against these.
    """
    if spec.template == "none":
        return []
    flags = {
        (t, r, c): (neg, dec) for t, r, cols in _cell_keys(spec.template) for c, neg, dec in cols
    }
    recs = []
    for name in (n for n in _NARRATIVE_FRAMES if n in spec.tables):
        for _, cells in _narrative_statements(name, spec):
            for row, col, raw in cells:
                neg, dec = flags.get((name, row, col), (False, False))
                pv = parse_value(raw, allow_negative=neg, allow_decimal=dec)
                recs.append((name, row, col, pv.value, raw, pv.unit))
    return recs


def render_text(
    spec_or_blocks: ReportSpec | Iterable[Block],
    layout: str,
    *,
    quirks: Mapping[str, Any] | None = None,
    rng: Any = None,
) -> str:
    """Write a report (spec or blocks) as text in one layout.

    Parameters
    ----------
    spec_or_blocks : ReportSpec or iterable of Block
        A spec is first passed through :func:`apply_quirks` (value quirks) and
        :func:`spec_blocks`.
    layout : str
        One of :data:`LAYOUTS`.
    quirks : mapping, optional
        Value quirks (see :func:`apply_quirks`) and layout quirks: ``split_headers`` (prob.;
        ``本年新\\n制作数量`` in cell_per_line, cut to ``本年新`` in pipe, ``本年新 制作数量``
        in markdown/tsv), ``caption_short`` (prob.; ``第（八）项``), ``halfwidth`` (bool;
        ``（）：，；`` -> ASCII as in seeds 000/001), ``bookmark`` (bool; ``[bookmark: _GoBack]``
        before the title), ``crlf`` (bool), ``blank_lines`` (bool; blank line between
        paragraphs), ``md_merge`` (``'repeat'`` | ``'empty'``), ``pipe_extra`` (int; extra
        trailing empty cells per pipe row), ``indent`` (bool; indented signature).
    rng : numpy.random.Generator | random.Random | int | None
        Source of the layout-quirk draws (None = fixed seed 0).

    Returns
    -------
    str
        The text, ending with a newline.
    """
    if layout not in LAYOUTS:
        raise GkworkError(f"layout must be one of {', '.join(LAYOUTS)}; got {layout!r}")
    q: Mapping[str, Any] = quirks or {}
    r = _make_rng(rng)
    spec: ReportSpec | None = None
    if isinstance(spec_or_blocks, ReportSpec):
        spec = apply_quirks(spec_or_blocks, q)
        blocks = spec_blocks(spec)
    else:
        blocks = list(spec_or_blocks)
    ctx = _Ctx(layout, q, r)
    blank = bool(q.get("blank_lines")) or layout == "markdown"
    indent = bool(q.get("indent"))
    lines: list[str] = []
    flat: list[str] = []
    n = len(blocks)
    title_done = False
    for i, b in enumerate(blocks):
        if isinstance(b, TableBlock):
            if layout == "pipe":
                lines.extend(_pipe_table(b, ctx))
            elif layout == "cell_per_line":
                lines.extend(_cpl_table(b, ctx))
            elif layout == "markdown":
                if lines and lines[-1] != "":
                    lines.append("")
                lines.extend(_md_table(b, ctx))
                lines.append("")
            elif layout == "tsv":
                lines.extend(_tsv_table(b, ctx))
            elif layout == "flattened":
                flat.append(_flat_table(b))
            elif layout == "flattened_spaced":
                flat.append(" " + _flat_table(b, " ") + " ")
            else:  # narrative
                lines.extend(_narrative_table(b, spec))
            continue
        text = b.text
        if not title_done and text != SYNTHETIC_MARKER:
            title_done = True
            if q.get("bookmark"):
                text = "[bookmark: _GoBack]" + text
        if indent and i >= n - 2:
            text = " " * 30 + text
        if layout in ("flattened", "flattened_spaced"):
            flat.append(text)
            continue
        lines.append(text)
        if blank:
            lines.append("")
    if layout in ("flattened", "flattened_spaced"):
        # marker and title stay on their own lines so that the report is still recognisable
        head = []
        if flat and flat[0] == SYNTHETIC_MARKER:
            head.append(flat.pop(0))
        body = "".join(flat)
        out = "\n".join([*head, body]) + "\n"
    else:
        out = "\n".join(lines).rstrip("\n") + "\n"
    if q.get("halfwidth"):
        for full, half in _HALFWIDTH:
            out = out.replace(full, half)
    if q.get("crlf"):
        out = out.replace("\n", "\r\n")
    return out
