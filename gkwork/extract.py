"""Map raw grids to the canonical long ``cells`` table, by label meaning.

The steps, each small and named (cf. pdfplumber's table finder):

1. :func:`split_row` separates a grid row into label cells and trailing value cells;
2. header rows set the context: a 第二十条 caption selects a Section 二 sub-table, a
   ``信息内容`` header maps that sub-table's columns (even cut-off ``本年新 | 本年新``), the
   申请人情况 header rows give the Section 三 column order, the 行政复议/行政诉讼 header rows
   give the Section 四 block and column order;
3. a data row's label (its last label cell; earlier label cells are merged-group parents)
   is matched to a template row key with :func:`gkwork.templates.match_label`, preferring
   keys after the last matched one so that repeated printed labels resolve in order;
4. values are parsed with :func:`gkwork.values.parse_value` and keep their source span.

Positions are used only where the statutory form fixes them and no label exists: the 15
numbers of the Section 四 data row, placed by the header structure.
"""

from __future__ import annotations

import functools
import logging
import math
import operator
import re
from dataclasses import dataclass, field

import pandas as pd

from gkwork import templates as T
from gkwork.errors import Reason
from gkwork.meta import extract_meta, extract_section_columns
from gkwork.model import (
    CELL_COLUMNS,
    SECTION_COLUMNS,
    Columns,
    Document,
    Grid,
    GridCell,
    Report,
    columns_to_frame,
)
from gkwork.values import UNITS, looks_numeric, parse_value

log = logging.getLogger("gkwork")

#: Minimum match score for a row label to be accepted (see gkwork.templates.MatchSettings).
MIN_ROW_SCORE = 85.0
#: Minimum score for a header label.
MIN_HEADER_SCORE = 80.0

_GOV = ("gov2019", "gov2021")
_APP_ORG_PARENT = "法人或其他组织"
_RL_BLOCK_LABELS = {
    "review": ("行政复议",),
    "litigation": ("行政诉讼",),
    "litigation_direct": ("未经复议直接起诉",),
    "litigation_after_review": ("复议后起诉",),
}


# ------------------------------------------------------------------------------------------
# template choice


def choose_template(signatures: dict[str, list[str]]) -> str:
    """The template whose signature labels the text carries most (ties: the newer format)."""
    gov = {t: len(signatures.get(t, [])) for t in _GOV}
    if gov["gov2021"] or gov["gov2019"]:
        return "gov2021" if gov["gov2021"] >= gov["gov2019"] else "gov2019"
    if signatures.get("legacy"):
        return "legacy"
    return "none"


# ------------------------------------------------------------------------------------------
# helpers


@functools.lru_cache(maxsize=65536)
def _match(
    template: str, table: str, axis: str, text: str, group: str | None = None, variant: str = ""
) -> tuple:
    return tuple(T.match_label(template, table, axis, text, group=group, variant=variant))


def split_row(row: list[GridCell]) -> tuple[list[GridCell], list[GridCell]]:
    """(label cells, value cells): values are the trailing cells that look like values.

    Merged-cell placeholders (empty cells before the first label) are dropped from the labels.
    """
    k = len(row)
    get = _NUMERIC.get
    while k > 0:
        raw = row[k - 1].raw
        try:
            hit = get(raw)
        except TypeError:  # an unhashable raw (never from gkwork's readers)
            hit = None
        if hit is None:
            hit = _looks_numeric(raw)
        if not hit:
            break
        k -= 1
    if k == 0:
        labels = []
    elif k == 1:  # one label cell (most data rows)
        c = row[0]
        labels = [c] if (c.raw if c.text is None else c.text).strip() else []
    else:
        labels = [c for c in row[:k] if (c.raw if c.text is None else c.text).strip()]
    values = row[k:]
    for c in values:
        if c.is_copy:
            # a value cell merged over several grid columns is one value: drop its copies
            values = [c for c in values if not c.is_copy]
            break
    return labels, values


def _looks_numeric(raw: str) -> bool:
    """``looks_numeric(raw)``, remembered in :data:`_NUMERIC` for short cell texts."""
    hit = looks_numeric(raw)
    if type(raw) is str and len(raw) <= 64:  # noqa: E721
        if len(_NUMERIC) >= 1 << 16:
            _NUMERIC.clear()
        _NUMERIC[raw] = hit
    return hit


#: raw cell text -> looks_numeric(raw) (cell texts repeat across reports).
_NUMERIC: dict[str, bool] = {}


def _trim(values: list[GridCell], n: int) -> list[GridCell]:
    """Drop surplus trailing blanks (ragged ``||||``), then keep the last ``n`` values.

    The result may be ``values`` itself (when it has at most ``n`` cells): do not mutate it.
    """
    hi = len(values)
    if hi <= n:
        return values
    lo = 0
    while hi - lo > n and values[hi - 1].raw == "":
        hi -= 1
    while hi - lo > n and values[lo].raw == "":
        lo += 1
    if hi - lo > n:
        lo = hi - n
    return values[lo:hi]


@dataclass
class _Ctx:
    template: str
    report_id: str
    #: the template's variant (provincial form, :func:`gkwork.templates.variants`); '' = base
    variant: str = ""
    table: str | None = None
    ad_group: str | None = None
    ad_cols: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ad_pos: dict[str, tuple[list[int], int]] = field(default_factory=dict)
    app_cols: tuple[str, ...] | None = None
    app_header: list[list[tuple[str, str]]] = field(default_factory=list)
    rl_header: list[list[GridCell]] = field(default_factory=list)
    last_order: dict[str, int] = field(default_factory=dict)
    #: key id (:func:`_key_id`) -> [rank, table, row, col, value, unit, raw, flag, start, end]
    out: dict[int, list] = field(default_factory=dict)
    duplicates: int = 0
    context: str = ""
    rectangular: bool = False


def _emit(
    ctx: _Ctx, table: str, row: str, col: str, cell: GridCell, template: str | None = None
) -> list:
    """Record the cell ``(table, row, col)``; a key seen before is a duplicate (kept once).

    Returns the key's record in ``ctx.out`` (the earlier one for a duplicate).
    """
    kid, head, spec, cache = _emit_key(
        ctx.template, template or ctx.template, table, row, col, ctx.variant
    )
    out = ctx.out
    rec = out.get(kid)
    if rec is not None:
        ctx.duplicates += 1
        return rec
    raw = cell.raw
    hit = _parsed(spec, cache, raw)
    rec = out[kid] = [*head, hit[0], hit[1], raw, hit[2], cell.start, cell.end]
    return rec


def _parsed(
    spec: tuple[str, bool, bool], cache: dict[str, tuple], raw: str
) -> tuple[float, str, str]:
    """(value, unit, flag) of ``raw`` in a cell of ``spec`` (its unit, negatives, decimals).

    ``cache`` is the raw -> result dict of ``spec`` (see :func:`_spec_cache`); short texts are
    remembered in it.
    """
    try:
        hit = cache.get(raw)
    except TypeError:  # an unhashable raw (never from gkwork's readers)
        hit = None
    if hit is None:
        pv = parse_value(raw, allow_negative=spec[1], allow_decimal=spec[2])
        hit = (pv.value, pv.unit or spec[0], pv.flag)
        if type(raw) is str and len(raw) <= 64:  # noqa: E721
            if len(cache) >= 1 << 14:
                cache.clear()
            cache[raw] = hit
    return hit


#: cell spec (unit, allow_negative, allow_decimal) -> {raw: (value, unit, flag)}. A parsed
#: cell depends on its raw text and its spec only; there are a handful of specs, and cell
#: texts repeat across reports.
_PARSED: dict[tuple[str, bool, bool], dict[str, tuple]] = {}


@functools.lru_cache(maxsize=8192)
def _emit_key(
    ctx_template: str, template: str, table: str, row: str, col: str, variant: str = ""
) -> tuple[int, tuple[int, str, str, str], tuple[str, bool, bool], dict[str, tuple]]:
    """What recording the cell ``(table, row, col)`` needs, computed once per key.

    Returns ``(key id, (rank, table, row, col), spec, parse cache)``: the key's id in
    ``_Ctx.out`` (:func:`_key_id`), its rank in the template order of the report's template
    ``ctx_template`` (:func:`_template_order`; keys outside it rank after all others), the cell
    spec under ``template`` (the report's, or the sibling gov template a row came from;
    :func:`_cell_spec`) and that spec's parse cache (:data:`_PARSED`), all in the form
    ``variant`` of the template.
    """
    key = (table, row, col)
    rank = _template_order(ctx_template, variant).get(key, _UNRANKED)
    spec = _cell_spec(template, table, row, col, variant)
    return _key_id(key), (rank, *key), spec, _PARSED.setdefault(spec, {})


_UNRANKED = 10**6


def _key_id(key: tuple[str, str, str]) -> int:
    """A small int standing for a cell key (ints hash faster than tuples of strings).

    Keys come from the template registry, so the table stays small.
    """
    return _KEY_IDS.setdefault(key, len(_KEY_IDS))


_KEY_IDS: dict[tuple[str, str, str], int] = {}


@functools.lru_cache(maxsize=8192)
def _emit_plan(
    ctx_template: str, template: str, table: str, row: str, cols: tuple[str, ...]
) -> tuple[tuple, ...]:
    """:func:`_emit_key` of each column of a data row, for :func:`_emit_row`."""
    return tuple(_emit_key(ctx_template, template, table, row, col) for col in cols)


@functools.lru_cache(maxsize=4096)
def _cell_spec(
    template: str, table: str, row: str, col: str, variant: str = ""
) -> tuple[str, bool, bool]:
    ec = _expected(template, variant)
    hit = ec.get((table, row, col))
    if hit is None:
        # a row of the sibling gov template (e.g. a single （六）其他处理 row in a 2021 report)
        for other in _GOV:
            if other != template and other in T.TEMPLATE_KEYS and template in _GOV:
                hit = _expected(other).get((table, row, col))
                if hit is not None:
                    break
    return hit or ("", False, True)


@functools.lru_cache(maxsize=16)
def _expected(
    template: str, variant: str = ""
) -> dict[tuple[str, str, str], tuple[str, bool, bool]]:
    ec = T.expected_cells(template, variant=variant)
    return {
        (r.table, r.row, r.col): (r.unit or "", bool(r.allow_negative), bool(r.allow_decimal))
        for r in ec.itertuples(index=False)
    }


# ------------------------------------------------------------------------------------------
# gov2019 / gov2021 tables


def _best(cands: tuple, min_score: float) -> tuple[str, float] | None:
    return cands[0] if cands and cands[0][1] >= min_score else None


def _caption_of(template: str, texts: tuple[str, ...]) -> str | None:
    """The Section 二 sub-table (group) named by a caption among the label texts, if any."""
    if template not in _GOV:
        return None
    for text in texts:
        m = _best(_match(template, "active_disclosure", "caption", text), 95)
        if m:
            return m[0]
    return None


@functools.lru_cache(maxsize=1 << 14)
def _header_info(
    template: str, texts: tuple[str, ...]
) -> tuple[str | None, bool, bool, tuple[tuple[str, str], ...], bool]:
    """What the header checks of a row without values make of its label texts.

    Returns ``(caption group, first label is 信息内容, is a Section 四 header, Section 三
    header keys, is a Section 三 header)``: what :func:`_caption_of`, :func:`_ad_header`,
    :func:`_rl_is_header` and :func:`_app_header_of` say, remembered per label texts (header
    rows repeat across reports).
    """
    app_keys, app_is_header = _app_header_of(template, texts)
    return (
        _caption_of(template, texts),
        bool(texts) and _is_ad_head(texts[0]),
        _rl_is_header(texts),
        app_keys,
        app_is_header,
    )


def _ad_header(ctx: _Ctx, labels: list[GridCell], row: list[GridCell] | None = None) -> bool:
    """A ``信息内容 | col | col`` header: map the sub-table's columns by label."""
    if not labels or not _is_ad_head(labels[0].label):
        return False
    heads = [c for c in labels[1:] if not c.is_copy]
    best = _ad_best(ctx.template, ctx.ad_group or None, tuple([h.label for h in heads]))
    if best is not None:
        group, assigned, used = best
        ctx.ad_group = group
        ctx.ad_cols[group] = assigned
        if row is not None:
            # grid positions of the header labels (first occurrence; merged copies repeat them)
            pos = {id(c): i for i, c in enumerate(row)}
            ctx.ad_pos[group] = ([pos[id(heads[k])] for k in used], len(row))
    ctx.table = "active_disclosure"
    return True


@functools.lru_cache(maxsize=4096)
def _ad_best(
    template: str, ad_group: str | None, heads: tuple[str, ...]
) -> tuple[str, tuple[str, ...], tuple[int, ...]] | None:
    """The sub-table whose columns the header labels ``heads`` map to best, if any.

    Tries ``ad_group`` (the caption just read), else every group of ``template``. Returns
    ``(group, column keys, indices in heads of the labels that gave them)``.
    """
    groups = [ad_group] if ad_group else T.groups(template)
    best: tuple[float, str, list[str], list[int]] | None = None
    for g in groups:
        allowed = _group_cols(template, g)
        assigned: list[str] = []
        used: list[int] = []
        score = 0.0
        ok = True
        for i, h in enumerate(heads):
            all_cands = _match(template, "active_disclosure", "col", h, g)
            cands = [c for c in all_cands if c[0] not in assigned]
            if cands and cands[0][1] >= MIN_HEADER_SCORE:
                assigned.append(cands[0][0])
                used.append(i)
                score += cands[0][1]
            elif all_cands and i > 0 and h == heads[i - 1]:
                continue  # a merged header repeated over the columns it spans
            else:
                ok = False
        if ok and assigned and set(assigned) <= set(allowed):
            if best is None or score > best[0]:
                best = (score, g, assigned, used)
    if best is None:
        return None
    return best[1], tuple(best[2]), tuple(best[3])


@functools.lru_cache(maxsize=1 << 14)
def _is_ad_head(label: str) -> bool:
    """Whether a label is the ``信息内容`` header cell of a Section 二 sub-table."""
    return T.normalize_label(label) == "信息内容"


@functools.lru_cache(maxsize=64)
def _group_cols(template: str, group: str) -> tuple[str, ...]:
    reg = T.registry()
    sel = reg[
        (reg["template"] == template)
        & (reg["variant"] == "")
        & (reg["table"] == "active_disclosure")
        & (reg["axis"] == "col")
        & (reg["group"] == group)
    ].sort_values("order")
    return tuple(dict.fromkeys(sel["key"]))


def _app_header_of(
    template: str, texts: tuple[str, ...]
) -> tuple[tuple[tuple[str, str], ...], bool]:
    """(column keys, is a header) of a row of label texts of the 申请人情况 header.

    Header rows' column labels give the column order of the Section 三 table.
    """
    keys = []
    for text in texts:
        norm = T.normalize_label(text)
        if norm == _APP_ORG_PARENT:
            keys.append(("parent", norm))
            continue
        m = _best(_match(template, "applications", "col", text), 95)
        if m:
            keys.append(("col", m[0]))
    n_cols = sum(1 for k in keys if k[0] == "col")
    is_header = n_cols >= 2 or ("申请人情况" in "".join(T.normalize_label(t) for t in texts))
    return tuple(keys), is_header


def _app_col_order(ctx: _Ctx) -> tuple[str, ...]:
    if ctx.app_cols is not None:
        return ctx.app_cols
    default = T.cols(ctx.template, "applications")
    order: list[str] | None = None
    for keys in ctx.app_header:
        cols = [k[1] for k in keys if k[0] == "col"]
        if sorted(cols) == sorted(default):
            order = cols
    if order is None:
        top = next((k for k in ctx.app_header if ("parent", _APP_ORG_PARENT) in k), None)
        leaf = next(
            (
                [k[1] for k in keys if k[0] == "col"]
                for keys in ctx.app_header
                if sum(1 for k in keys if k[0] == "col") >= 5
                and ("parent", _APP_ORG_PARENT) not in keys
            ),
            None,
        )
        if top and leaf:
            seq: list[str] = []
            for k in top:
                if k[0] == "parent":
                    seq.extend(x for x in leaf if x not in ("natural_person", "total"))
                elif k[1] not in seq:
                    seq.append(k[1])
            if sorted(seq) == sorted(default):
                order = seq
    ctx.app_cols = tuple(order or default)
    return ctx.app_cols


def _rl_is_header(texts: tuple[str, ...]) -> bool:
    """Whether a row of label texts is a Section 四 (行政复议/行政诉讼) header row."""
    norms = [T.normalize_label(t) for t in texts]
    leafs = sum(1 for n in norms if n in ("结果维持", "结果纠正", "其他结果", "尚未审结"))
    return "行政复议" in norms or "行政诉讼" in norms or "未经复议直接起诉" in norms or leafs >= 3


def _rl_sequence(ctx: _Ctx) -> list[tuple[str, str]]:
    """The 15 (row, col) keys of the Section 四 data row, from the header structure."""
    header = tuple(tuple([c.label for c in labels]) for labels in ctx.rl_header)
    return list(_rl_sequence_of(ctx.template, header))


@functools.lru_cache(maxsize=4096)
def _rl_sequence_of(
    template: str, header: tuple[tuple[str, ...], ...]
) -> tuple[tuple[str, str], ...]:
    """:func:`_rl_sequence` of the label texts of the Section 四 header rows."""
    cols_default = T.cols(template, "review_litigation")
    blocks = ["review", "litigation_direct", "litigation_after_review"]
    leaf_row: list[str] = []
    for labels in header:
        norms = [T.normalize_label(label) for label in labels]
        if (
            "行政复议" in norms
            and "行政诉讼" in norms
            and norms.index("行政诉讼") < norms.index("行政复议")
        ):
            blocks = ["litigation_direct", "litigation_after_review", "review"]
        if "未经复议直接起诉" in norms and "复议后起诉" in norms:
            lit = (
                ["litigation_direct", "litigation_after_review"]
                if norms.index("未经复议直接起诉") < norms.index("复议后起诉")
                else ["litigation_after_review", "litigation_direct"]
            )
            blocks = [b if not b.startswith("litigation") else None for b in blocks]
            it = iter(lit)
            blocks = [b if b is not None else next(it) for b in blocks]
        keys = []
        for label in labels:
            m = _best(_match(template, "review_litigation", "col", label), 95)
            if m:
                keys.append(m[0])
        if len(keys) > len(leaf_row):
            leaf_row = keys
    per_block = (
        leaf_row[:5]
        if len(leaf_row) >= 5 and sorted(leaf_row[:5]) == sorted(cols_default)
        else cols_default
    )
    return tuple((b, c) for b in blocks for c in per_block)


def _data_row(
    ctx: _Ctx, labels: list[GridCell], values: list[GridCell], row: list[GridCell] | None = None
) -> None:
    label = labels[-1]
    text = label.raw if label.text is None else label.text
    in_ad = ctx.table == "active_disclosure"
    choice = _row_choice(ctx.template, in_ad, ctx.ad_group if in_ad else None, text)
    if choice is None:
        return
    if choice is _TIED:
        # tied candidates: the choice depends on the rows matched before (_pick_in_order)
        best: tuple[float, str, str, str] | None = None  # score, table, key, template
        plan = _row_plan(ctx.template, in_ad, ctx.ad_group if in_ad else None, text)
        for table, tpl, cands in plan:
            m = _pick_in_order(ctx, table, cands)
            if m and m[1] >= MIN_ROW_SCORE and (best is None or m[1] > best[0]):
                best = (m[1], table, m[0], tpl)
            if best is not None and best[0] >= 95:
                break
        if best is None:
            return
        _, table, key, tpl = best
        order = _row_order(tpl, table, key)
        group = _row_group(tpl, key) if table != "applications" else None
    else:
        table, key, tpl, order, group = choice
    ctx.last_order[table] = max(order, ctx.last_order.get(table, -1))
    if table == "applications":
        cols = ctx.app_cols if ctx.app_cols is not None else _app_col_order(ctx)
        ctx.table = "applications"
        pos = None
    else:
        ctx.ad_group = group
        cols = ctx.ad_cols.get(group) or _group_cols(tpl, group)
        ctx.table = "active_disclosure"
        pos = ctx.ad_pos.get(group)
    if ctx.rectangular:
        if pos and row is not None and len(row) == pos[1] and len(pos[0]) == len(cols):
            vals = [row[i] for i in pos[0]]  # under the header labels, whatever the spans
        else:
            vals = values[-len(cols) :]
    else:
        vals = _trim(values, len(cols))
    _emit_row(ctx, table, key, cols, vals, tpl)


def _emit_row(
    ctx: _Ctx, table: str, row: str, cols: tuple[str, ...], vals: list[GridCell], template: str
) -> None:
    """``_emit(ctx, table, row, col, cell, template)`` for each (col, cell) pair."""
    out = ctx.out
    plan = _emit_plan(ctx.template, template, table, row, cols)
    for (kid, head, spec, cache), cell in zip(plan, vals):  # noqa: B905 - as many as both have
        if kid in out:
            ctx.duplicates += 1
            continue
        raw = cell.raw
        try:
            hit = cache.get(raw)
        except TypeError:  # an unhashable raw (never from gkwork's readers)
            hit = None
        if hit is None:
            hit = _parsed(spec, cache, raw)
        out[kid] = [*head, hit[0], hit[1], raw, hit[2], cell.start, cell.end]


#: :func:`_row_choice` result when tied candidates make the choice depend on earlier rows.
_TIED = object()


@functools.lru_cache(maxsize=65536)
def _row_choice(template: str, in_ad: bool, ad_group: str | None, text: str):
    """What :func:`_data_row` matches ``text`` to, when that does not depend on earlier rows.

    Returns None (no match), :data:`_TIED` (a tie among the top candidates of a table tried
    before the choice is made: :func:`_pick_in_order` must look at the rows matched so far),
    or ``(table, key, template, order, group)`` where ``order`` is :func:`_row_order` and
    ``group`` the row's active_disclosure group (None for applications rows).
    """
    best: tuple[float, str, str, str] | None = None  # score, table, key, template
    for table, tpl, cands in _row_plan(template, in_ad, ad_group, text):
        if not cands:
            continue  # _pick_in_order gives None
        if len(cands) > 1 and cands[1][1] == cands[0][1]:
            return _TIED
        m = cands[0]
        if m[1] >= MIN_ROW_SCORE and (best is None or m[1] > best[0]):
            best = (m[1], table, m[0], tpl)
        if best is not None and best[0] >= 95:
            break
    if best is None:
        return None
    _, table, key, tpl = best
    group = _row_group(tpl, key) if table != "applications" else None
    return table, key, tpl, _row_order(tpl, table, key), group


@functools.lru_cache(maxsize=65536)
def _row_plan(
    template: str, in_ad: bool, ad_group: str | None, text: str
) -> tuple[tuple[str, str, tuple], ...]:
    """(table, template, candidates) in the order :func:`_data_row` tries them."""
    tables = (
        ["active_disclosure", "applications"] if in_ad else ["applications", "active_disclosure"]
    )
    plan = []
    for table in tables:
        group = ad_group if table == "active_disclosure" and in_ad else None
        templates = [template] + (
            [t for t in _GOV if t != template] if table == "applications" else []
        )
        for tpl in templates:
            cands = _match(tpl, table, "row", text, group)
            if table == "active_disclosure" and group and not cands:
                cands = _match(tpl, table, "row", text, None)
            plan.append((table, tpl, cands))
    return tuple(plan)


def _pick_in_order(ctx: _Ctx, table: str, cands: tuple) -> tuple[str, float] | None:
    if not cands:
        return None
    top = cands[0][1]
    if len(cands) == 1 or cands[1][1] != top:
        # candidates come best first (match_label without parent): nothing tied with the top
        return cands[0]
    tied = [c for c in cands if c[1] == top]
    last = ctx.last_order.get(table, -1)
    for c in tied:
        if _row_order(ctx.template, table, c[0], ctx.variant) > last:
            return c
    return tied[0]


@functools.lru_cache(maxsize=4096)
def _row_order(template: str, table: str, key: str, variant: str = "") -> int:
    try:
        return T.rows(template, table, variant=variant, data_only=False).index(key)
    except ValueError:
        return -1


@functools.lru_cache(maxsize=256)
def _row_group(template: str, key: str) -> str:
    return T.spec(template, "active_disclosure", "row", key)["group"]


def _rl_block_from_context(context: str) -> str | None:
    """The Section 四 block named by the heading just above a sub-table, if any."""
    found = []
    for block, words in (
        ("litigation_after_review", ("复议后起诉",)),
        ("litigation_direct", ("未经复议直接起诉", "直接起诉")),
        ("review", ("行政复议",)),
    ):
        pos = max((context.rfind(w) for w in words), default=-1)
        if pos >= 0:
            found.append((pos, block))
    return max(found)[1] if found else None


def _extract_gov(grids: list[Grid], ctx: _Ctx, text: str = "") -> None:
    for grid in grids:
        ctx.context = text[max(0, grid.start - 80) : grid.start] if text else ""
        # full-width grids (Markdown, TSV, HTML, Word, PDF) keep blank and merged cells in place,
        # so value cells are the last n positions; ragged text grids drop them
        ctx.rectangular = (
            grid.layout not in ("pipe", "cell_per_line") and len(set(map(len, grid.rows))) == 1
        )
        ctx.table = None
        ctx.ad_group = None
        ctx.rl_header = []
        ctx.app_header = []
        ctx.app_cols = None
        ctx.ad_cols = {}
        ctx.ad_pos = {}
        for row in grid.rows:
            labels, values = split_row(row)
            has_value = False
            for v in values:
                if v.raw:
                    has_value = True
                    break
            if labels:
                if not has_value:
                    # a caption, then the 信息内容, Section 四 and 申请人情况 headers (the first
                    # that recognises the row wins), from their answers per label texts
                    texts = tuple([c.raw if c.text is None else c.text for c in labels])
                    group, ad_head, rl_head, app_keys, app_head = _header_info(ctx.template, texts)
                    if group:
                        ctx.ad_group = group
                        ctx.table = "active_disclosure"
                        continue
                    if ad_head:
                        _ad_header(ctx, labels, row)  # True: the first label is 信息内容
                        continue
                    if rl_head:
                        ctx.rl_header.append(labels)
                        ctx.table = "review_litigation"
                        continue
                    if app_head:
                        ctx.app_header.append(list(app_keys))
                        ctx.table = "applications"
                        ctx.app_cols = None
                        continue
                    # none of them is a header: a data row whose values are all blank (the
                    # header checks give the same answers when asked again, without effects)
                elif _is_ad_head(labels[0].label) and _ad_header(ctx, labels, row):
                    # (_ad_header is False unless the first label is 信息内容; the Section 四
                    # header is only looked for in rows without value cells)
                    continue
                _data_row(ctx, labels, values, row)
            elif has_value and (ctx.table == "review_litigation" or ctx.rl_header):
                seq = _rl_sequence(ctx)
                vals = (
                    values[-len(seq) :]
                    if ctx.rectangular and len(values) >= len(seq)
                    else _trim(values, len(seq))
                )
                block = _rl_block_from_context(ctx.context) if len(vals) < len(seq) else None
                if block is not None and len(vals) == len(seq) // 3:
                    # one block per sub-table, named by the heading above it (OCR markdown)
                    seq = [(block, c) for r, c in seq if r == block]
                if len(vals) == len(seq):
                    for (r, c), cell in zip(seq, vals, strict=True):
                        _emit(ctx, "review_litigation", r, c, cell)
                ctx.rl_header = []


# ------------------------------------------------------------------------------------------
# legacy 统计表


def _extract_legacy(grids: list[Grid], ctx: _Ctx, text: str = "") -> str:
    """Read the 统计表 in the form of the template whose labels the grids match best.

    Each form (the base and each variant of :func:`gkwork.templates.variants_in` the text --
    else the grids' cells -- may hold, as :func:`gkwork.recover.extract_flattened` tries them
    for flattened text) reads the grids with its own labels; the form with the most matched
    data rows wins, and among those the one that read values in most of them (a row with
    fewer values than the form's columns is matched but not read: 年末统计 | one value
    against 本年度 | 历年累计); remaining ties: the base, then registry order. Returns that
    form's variant name and leaves its cells in ``ctx``.

    Rows are split once; a form whose labels match fewer rows than the best form's data rows,
    or no more when the best form read all of its rows, cannot win and is not read.
    """
    template = ctx.template
    rows = _legacy_rows(grids)
    best: tuple[int, int, _Ctx] | None = None  # (rows matched, rows read, the form's cells)
    if not text:
        text = " ".join(c.label for grid in grids for row in grid.rows for c in row)
    for variant in T.variants_in(template, text):  # '' (the base) first, then registry order
        if best is not None:
            bound = sum(1 for r in rows if _legacy_choice(template, r[3], variant) is not None)
            if bound < best[0] or (bound == best[0] and best[1] == best[0]):
                continue
        trial = _Ctx(template=template, report_id=ctx.report_id, variant=variant)
        n = _extract_legacy_form(rows, trial)
        read = len({rec[2] for rec in trial.out.values()})
        if best is None or (n, read) > best[:2]:
            best = (n, read, trial)
    assert best is not None  # variants() always lists the base
    chosen = best[2]
    ctx.variant, ctx.out, ctx.duplicates = chosen.variant, chosen.out, chosen.duplicates
    ctx.last_order = chosen.last_order
    return chosen.variant


#: A grid row of a legacy table: (grid index, labels, values, label text, unit).
_LegacyRow = tuple[int, list[GridCell], list[GridCell], str, str]


def _legacy_rows(grids: list[Grid]) -> list[_LegacyRow]:
    """The labelled rows of the grids, split into labels and values once for every form."""
    out = []
    for g, grid in enumerate(grids):
        for row in grid.rows:
            labels, values = split_row(row)
            if not labels:
                continue
            unit = ""
            names = labels
            if len(labels) >= 2 and T.normalize_label(labels[-1].label) in _UNIT_LABELS:
                unit = labels[-1].label
                names = labels[:-1]
            if len(names) == 1:
                c = names[0]
                text = c.raw if c.text is None else c.text
            else:
                text = "".join([c.label for c in names])
            out.append((g, labels, values, text, unit))
    return out


def _extract_legacy_form(rows: list[_LegacyRow], ctx: _Ctx) -> int:
    """Cells of the legacy form ``ctx.variant`` found in ``rows``; the number of data rows.

    A data row's values map to the form's value columns (``value``, then e.g. ``cumulative``)
    in the order the last header row of its grid names them (:func:`_legacy_header`), else in
    registry order; a row with fewer values than columns is not read (which column is blank
    is unknown).
    """
    template, variant = ctx.template, ctx.variant
    default = _legacy_cols(template, variant)
    matched: set[str] = set()
    grid = -1
    cols = default
    for g, labels, values, text, unit in rows:
        if g != grid:
            grid, cols = g, default
        choice = _legacy_choice(template, text, variant)
        if choice is None:
            if not any(v.raw for v in values):
                cols = _legacy_header(template, variant, tuple([c.label for c in labels])) or cols
            continue
        if choice is _TIED:
            cands = _match(template, "legacy_stats", "row", text, None, variant)
            m = _pick_in_order(ctx, "legacy_stats", cands)
            if not m or m[1] < MIN_ROW_SCORE:
                continue
            key = m[0]
            is_data = _legacy_is_data(template, key, variant)
            order = _row_order(template, "legacy_stats", key, variant)
        else:
            key, is_data, order = choice
        ctx.last_order["legacy_stats"] = max(order, ctx.last_order.get("legacy_stats", -1))
        if not is_data:
            continue
        matched.add(key)
        vals = _trim(values, len(cols))
        if len(vals) == len(cols):
            for col, cell in zip(cols, vals, strict=True):
                rec = _emit(ctx, "legacy_stats", key, col, cell)
                if unit and unit not in ("——", "—"):
                    rec[5] = unit  # the unit column of the record (see _Ctx.out)
    return len(matched)


@functools.lru_cache(maxsize=65536)
def _legacy_choice(template: str, text: str, variant: str = ""):
    """The legacy row a label text matches, when that does not depend on earlier rows.

    Returns None (no match good enough), :data:`_TIED` (tied top candidates:
    :func:`_pick_in_order` decides) or ``(key, is_data, order)``.
    """
    cands = _match(template, "legacy_stats", "row", text, None, variant)
    if not cands:
        return None
    if len(cands) > 1 and cands[1][1] == cands[0][1]:
        return _TIED
    key, score = cands[0]
    if score < MIN_ROW_SCORE:
        return None
    return (
        key,
        _legacy_is_data(template, key, variant),
        _row_order(template, "legacy_stats", key, variant),
    )


@functools.lru_cache(maxsize=64)
def _legacy_cols(template: str, variant: str) -> tuple[str, ...]:
    return tuple(T.cols(template, "legacy_stats", variant=variant))


@functools.lru_cache(maxsize=4096)
def _legacy_header(template: str, variant: str, texts: tuple[str, ...]) -> tuple[str, ...] | None:
    """The value columns a header row names (``2017年度 | 历年累计``), in printed order.

    None unless the labels name every value column of the form. A year before a column label
    (``2017年度``) is the printed reporting period: it is dropped before matching.
    """
    keys: list[str] = []
    for text in texts:
        label = _YEAR_PREFIX.sub("", T.normalize_label(text))
        m = _best(_match(template, "legacy_stats", "col", label, None, variant), 95)
        if m and m[0] not in keys:
            keys.append(m[0])
    return tuple(keys) if sorted(keys) == sorted(_legacy_cols(template, variant)) else None


#: A year printed before a column label (``2017年度``, ``2017年``).
_YEAR_PREFIX = re.compile(r"^(?:19|20)\d{2}(?=年)")

_UNIT_LABELS = frozenset((*UNITS, "——", "—"))


@functools.lru_cache(maxsize=1024)
def _legacy_is_data(template: str, key: str, variant: str = "") -> bool:
    return bool(T.spec(template, "legacy_stats", "row", key, variant=variant).get("is_data", 1))


# ------------------------------------------------------------------------------------------
# entry points


def extract_cells(
    grids: list[Grid], template: str, *, report_id: str = "", text: str = ""
) -> pd.DataFrame:
    """Canonical cells of ``template`` found in ``grids``.

    Parameters
    ----------
    grids : list of Grid
        Raw grids from :func:`gkwork.layouts.find_grids` or a structured-format reader.
    template : str
        ``gov2019``, ``gov2021``, ``legacy`` or ``none``.
    report_id : str
        Written into the ``report_id`` column.
    text : str
        The document text, used to read headings just above a table (OCR markdown that splits
        Section 四 into one sub-table per block).

    Returns
    -------
    DataFrame
        The long ``cells`` table (schema.md): report_id, table, row, col, value, unit, raw,
        flag, start, end, in template order.
    """
    return columns_to_frame(_cell_columns(grids, template, report_id=report_id, text=text), "cells")


def _cell_columns(
    grids: list[Grid], template: str, *, report_id: str = "", text: str = ""
) -> Columns:
    return _cells_and_variant(grids, template, report_id=report_id, text=text)[0]


def _cells_and_variant(
    grids: list[Grid], template: str, *, report_id: str = "", text: str = ""
) -> tuple[Columns, str]:
    """:func:`_cell_columns` and the variant of the template they were read in ('' = base)."""
    if template == "none" or not grids:
        return _to_columns([], template), ""
    ctx = _Ctx(template=template, report_id=report_id)
    if template in _GOV:
        _extract_gov(grids, ctx, text)
    elif template == "legacy":
        _extract_legacy(grids, ctx, text)
    return _out_columns(ctx.out, template, report_id), ctx.variant


def _out_columns(out: dict[int, list], template: str, report_id: str) -> Columns:
    """:func:`_to_columns` for the emitted cells of a context (see ``_Ctx.out``).

    The records carry their rank in ``template``'s order (given when they were emitted).
    """
    if not out:
        return {c: [] for c in CELL_COLUMNS}
    recs = list(out.values())
    # stable: keys not in the template keep their emission order, after the others
    recs.sort(key=_RANK)
    # transpose at C speed
    _, table, row, col, value, unit, raw, flag, start, end = map(list, zip(*recs, strict=True))
    return {
        "report_id": [report_id] * len(recs),
        "table": table,
        "row": row,
        "col": col,
        "value": value,
        "unit": unit,
        "raw": raw,
        "flag": flag,
        "start": start,
        "end": end,
    }


_RANK = operator.itemgetter(0)


@functools.lru_cache(maxsize=16)
def _template_order(template: str, variant: str = "") -> dict[tuple[str, str, str], int]:
    if template not in T.TABLES or template == "none":
        return {}
    ec = T.expected_cells(template, variant=variant)
    keys = zip(ec["table"], ec["row"], ec["col"], strict=True)
    return {k: i for i, k in enumerate(keys)}


def _to_columns(records, template: str, variant: str = "") -> Columns:
    """Cell records -> column lists, in the order of the template's form (unknown keys after,
    as found)."""
    recs = list(records)
    order = _template_order(template, variant)
    big = 10**6
    if recs:
        keyed = sorted(
            enumerate(recs),
            key=lambda ir: (order.get((ir[1]["table"], ir[1]["row"], ir[1]["col"]), big), ir[0]),
        )
        recs = [r for _, r in keyed]
    return {c: [r[c] for r in recs] for c in CELL_COLUMNS}


def _n(cols: Columns) -> int:
    return len(cols["table"])


def build_report(doc: Document, *, report_id: str, sha256: str | None = None) -> Report:
    """Turn a :class:`Document` into a :class:`Report`: metadata, cells, sections, grids."""
    base = {
        "report_id": report_id,
        "path": doc.path,
        "sha256": sha256,
        "format": doc.format,
        "layout": doc.layout,
        "encoding": doc.encoding,
        "status": doc.status,
        "error": doc.error,
        "n_chars": len(doc.text),
        "template": None,
    }
    if doc.status != "ok":
        base["synthetic"] = False
        return Report(
            report_id,
            doc.path,
            doc.text,
            base,
            _to_columns([], "none"),
            {c: [] for c in SECTION_COLUMNS},
            [],
            doc,
        )
    meta = extract_meta(doc)
    meta.update(base)
    signatures = T.detect_signatures(doc.narrative)
    template = choose_template(signatures)
    meta["template"] = template
    meta["signatures"] = {k: v for k, v in signatures.items() if v}
    grids = doc.grids if doc.grids is not None else _find_grids(doc.text)
    cells, variant = _cells_and_variant(grids, template, report_id=report_id, text=doc.text)
    # the provincial form of the template the cells were read in (templates.variants; '' =
    # the base form); none for reports without a statutory table
    meta["template_variant"] = variant if template != "none" else None
    layout = doc.layout or (_dominant_layout(grids) if _n(cells) else None)
    inferred: list[dict] = []
    if template != "none" and _needs_recovery(cells, template, variant):
        rec = _recover(doc, template)
        if rec is not None and len(rec.cells) > _n(cells):
            variant = getattr(rec, "variant", "") or ""
            recs = [{**c, "report_id": report_id} for c in rec.cells]
            cells = _to_columns(recs, template, variant)
            layout = rec.layout
            inferred = list(rec.inferred)
            meta["inferred_by"] = dict(rec.inferred_by)
            meta["template_variant"] = variant
            meta["recovery"] = {
                "tables": dict(getattr(rec, "tables", {}) or {}),
                "variant": getattr(rec, "variant", ""),
                "notes": list(getattr(rec, "notes", []) or []),
            }
    if layout is None:
        layout = "narrative" if template == "none" or not _n(cells) else "unknown"
    meta["layout"] = layout
    meta["inferred_cells"] = inferred
    meta["n_cells"] = _n(cells)
    sections = extract_section_columns(doc, report_id)
    if template == "none" and not _n(cells) and not sections["section"]:
        body = _body_chars(doc.narrative, meta.get("title"))
        if body < MIN_BODY_CHARS:
            # an archived page whose report was an image or an attachment: the metadata read
            # (agency, year) stays; status empty says there is nothing to check
            meta["status"] = "empty"
            meta["error"] = (
                f"{Reason.NO_BODY}: no report text beyond its title and page metadata "
                f"({body} characters); the report may be an image or an attachment of the page"
            )
    return Report(report_id, doc.path, doc.text, meta, cells, sections, grids, doc)


#: Fewer CJK characters than this outside the title and ``label: value`` lines is no report.
MIN_BODY_CHARS = 40
#: A line of page metadata (标题: …, 发布时间: …, 原文链接: …), or a line without CJK text.
_META_LINE_RE = re.compile(r"^[^\n:：]{1,8}[:：][^\n]*$|^[^\n\u3400-\u9fff]*$", re.M)
_CJK_RE = re.compile(r"[\u3400-\u9fff]")


def _body_chars(narrative: str, title: str | None) -> int:
    """CJK characters of ``narrative`` outside its title and page-metadata lines."""
    text = _META_LINE_RE.sub("", narrative)
    if title:
        text = text.replace(title, "")
    return len(_CJK_RE.findall(text))


def _find_grids(text: str) -> list[Grid]:
    from gkwork.layouts import find_grids

    return find_grids(text)


def _dominant_layout(grids: list[Grid]) -> str | None:
    if not grids:
        return None
    sizes: dict[str, int] = {}
    for g in grids:
        sizes[g.layout] = sizes.get(g.layout, 0) + len(g.rows)
    return max(sizes, key=sizes.get)


def _needs_recovery(cells: Columns, template: str, variant: str = "") -> bool:
    """Fewer than half the cells of the form the grids were read in were found."""
    expected = _n_expected(template, variant) if template in T.TABLES else 0
    return expected > 0 and _n(cells) < 0.5 * expected


@functools.lru_cache(maxsize=16)
def _n_expected(template: str, variant: str = "") -> int:
    return len(T.expected_cells(template, variant=variant))


def _recover(doc: Document, template: str):
    try:
        from gkwork import recover
    except ImportError:  # pragma: no cover - optional during development
        return None
    try:
        layout = recover.detect_damaged_layout(doc.text)
        if layout is None:
            return None
        return recover.extract_flattened(doc.text, template)
    except Exception as exc:  # a recovery bug must not lose the report
        log.warning("recovery failed for %s: %s", doc.path, exc)
        return None


def is_missing(value: float) -> bool:
    """True for NaN (blank, 无, ambiguous)."""
    return value is None or (isinstance(value, float) and math.isnan(value))
