"""The template registry: rows, columns, labels and units of every statutory table, as data.

The registry lives in ``gkwork/data/templates/*.csv`` (one line per row key, column key,
sub-table caption or header cell) and is loaded once through :mod:`importlib.resources`.
This module only reads it; it never hard-codes a label.

Files
-----
``<template>.csv``
    The base definition of a template (``variant == ''``).
``<template>__<variant>.csv``
    A provincial or local variant (e.g. ``legacy__zhejiang.csv``). A variant file replaces the
    base definition of every table it defines; tables it does not define fall back to the base.

CSV columns
-----------
template, table, axis (``row`` | ``col`` | ``caption`` | ``header``), key, order, group,
label_zh, label_en, parent, aliases (``|``-separated), unit, is_data, allow_negative,
allow_decimal, source. ``caption`` lines name the sub-tables of ``active_disclosure``
(key == group == ``item1`` ...); ``header`` lines are merged label cells that carry no data
(e.g. ``（三）不予公开``, ``法人或其他组织``), useful to recognise and skip them.

Sources: 国办公开办函〔2019〕60号 (gov2019), 国办公开办函〔2021〕30号 (gov2021), and the
pre-2019 《政府信息公开情况统计表》 of 国办发〔2014〕32号 as printed in seed 001 (legacy).

Examples
--------
>>> rows("gov2021", "applications")[-5:]
['other_no_correction', 'other_no_fee', 'other_other', 'total_processed', 'carried_forward']
>>> cols("gov2019", "active_disclosure", row="fees")
['prev_count', 'change']
>>> match_label("gov2019", "active_disclosure", "col", "本年新")
[('new_made', 80.0), ('new_published', 80.0)]
>>> normalize_label("（三）不予公开：")
'(三)不予公开'
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
import io
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import pandas as pd
from rapidfuzz import fuzz

from gkwork.errors import TemplateError

__all__ = [
    "AXES",
    "REGISTRY_COLUMNS",
    "SIGNATURES",
    "TABLES",
    "TEMPLATE_KEYS",
    "VARIANT_SIGNATURES",
    "MatchSettings",
    "clear_cache",
    "cols",
    "form_name",
    "detect_signatures",
    "expected_cells",
    "glossary",
    "groups",
    "label",
    "match_label",
    "normalize_label",
    "registry",
    "rows",
    "spec",
    "split_form",
    "validate_key",
    "variants",
    "variants_in",
]

logger = logging.getLogger("gkwork")

#: Template keys of schema.md, in chronological order; ``none`` = no statutory table.
TEMPLATE_KEYS: tuple[str, ...] = ("gov2019", "gov2021", "legacy", "none")

#: Tables of each template, in document order.
TABLES: dict[str, tuple[str, ...]] = {
    "gov2019": ("active_disclosure", "applications", "review_litigation"),
    "gov2021": ("active_disclosure", "applications", "review_litigation"),
    "legacy": ("legacy_stats",),
    "none": (),
}

#: Kinds of registry line. ``row``/``col`` carry data keys; ``caption`` names a sub-table
#: (active_disclosure groups); ``header`` is a merged label cell without data.
AXES: tuple[str, ...] = ("row", "col", "caption", "header")

#: Columns of the CSV files; :func:`registry` adds ``variant``.
REGISTRY_COLUMNS: tuple[str, ...] = (
    "template",
    "table",
    "axis",
    "key",
    "order",
    "group",
    "label_zh",
    "label_en",
    "parent",
    "aliases",
    "unit",
    "is_data",
    "allow_negative",
    "allow_decimal",
    "source",
)
_INT_COLUMNS = ("order", "is_data", "allow_negative", "allow_decimal")


def _load_signatures() -> tuple[
    dict[str, tuple[tuple[str, ...], ...]], dict[tuple[str, str], tuple[tuple[str, ...], ...]]
]:
    """:data:`SIGNATURES` and :data:`VARIANT_SIGNATURES` from ``gkwork/data/signatures.csv``."""
    text = importlib.resources.files("gkwork").joinpath("data", "signatures.csv").read_text("utf-8")
    sigs: dict[str, list[tuple[str, ...]]] = {}
    gates: dict[tuple[str, str], list[tuple[str, ...]]] = {}
    for line in csv.DictReader(io.StringIO(text)):
        parts = tuple(line["signature"].split("+"))
        sigs.setdefault(line["template"], []).append(parts)
        if line["gates_variant"] == "1":
            gates.setdefault((line["template"], line["variant"]), []).append(parts)
    return {t: tuple(v) for t, v in sigs.items()}, {k: tuple(v) for k, v in gates.items()}


#: Template signatures (domain.md §7), declared in ``gkwork/data/signatures.csv`` (one line
#: per signature: template, the variant it belongs to, its parts joined with ``+``, whether it
#: gates that variant, its source). Each entry is a tuple of parts that must *all* occur in
#: the normalised text; the reported signature string joins the parts with ``+``.
#:
#: :data:`VARIANT_SIGNATURES`: provincial forms read only where their own header is printed
#: (the lines with ``gates_variant`` 1): (template, variant) -> signatures. A form with one
#: value column reads a run of digits as one number, so it would out-read a two-column form
#: (本年度 | 历年累计) wherever that form's digits ran together, and put a 历年累计 value in
#: its only column; it is chosen only on the evidence of its header. Forms not listed are
#: tried everywhere.
SIGNATURES, VARIANT_SIGNATURES = _load_signatures()


@dataclass(frozen=True)
class MatchSettings:
    """Scores and thresholds of :func:`match_label` (named defaults, not magic numbers).

    Attributes
    ----------
    exact : float
        Normalised text equals a label or alias.
    contains : float
        Text starts with / contains a label (provincial extensions such as
        ``规章(设区的市、自治州人民政府应提供相关数据)``), or equals it once leading
        enumerators (``(一)``, ``1.``, ``一、``) are removed from both.
    truncated : float
        A label starts with the text (cut-off headers such as ``本年新``).
    min_truncated_len : int
        Minimum number of letters (CJK characters count) in a cut-off text.
    min_contained_len : int
        Minimum length of a label found *inside* (not at the start of) a text; keeps
        ``其他`` from matching ``法人或其他组织``.
    fuzzy_cutoff : float
        Minimum rapidfuzz ratio (0-100) for an OCR-style near match (沭/沐).
    """

    exact: float = 100.0
    contains: float = 95.0
    truncated: float = 80.0
    min_truncated_len: int = 2
    min_contained_len: int = 3
    fuzzy_cutoff: float = 85.0


DEFAULT_MATCH_SETTINGS = MatchSettings()

# ---------------------------------------------------------------------------------------------
# Normalisation

_QUOTES = "“”\"'‘’「」『』〝〞″＂＇"
_QUOTE_TABLE = {ord(c): None for c in _QUOTES}
# Zero-width characters that survive NFKC and \s.
_ZERO_WIDTH = {ord(c): None for c in "\u200b\u200c\u200d\u2060\ufeff"}
_SEPARATORS = re.compile(r"[、，,]")
_WHITESPACE = re.compile(r"\s+")
_TRAILING_COLON = re.compile(r"[:：]+$")
_ITEM_NUMBER = re.compile(r"^(\d{1,2}),")
_NUMBERING = re.compile(r"\([一二三四五六七八九十\d]+\)|^\d+\.|^[一二三四五六七八九十]+、")
_ENUM_PREFIX = re.compile(
    r"^(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|\d+[.、)]|\(\d+\)|其中:)"
)


def normalize_label(text: str) -> str:
    """Normalise a label for matching.

    NFKC (full-width ``（），：`` become ASCII); all whitespace removed (incl. NBSP, U+3000 and
    newlines); quotes ``“”"'‘’`` removed; ``、``, ``，`` and ``,`` mapped to ``,``; ``其它`` ->
    ``其他``; trailing ``:`` stripped. Digits and brackets are kept.

    Parameters
    ----------
    text : str
        A label as found in a report (``None`` is treated as ``''``).

    Returns
    -------
    str

    Examples
    --------
    >>> normalize_label("3.危及“三安全一稳定”")
    '3.危及三安全一稳定'
    >>> normalize_label("社会 稳定\\u00a0") == normalize_label("社会稳定")
    True
    """
    if not text:
        return ""
    if type(text) is str and len(text) <= 200:  # noqa: E721 - labels repeat across reports
        return _normalize_label_cached(text)
    return _normalize_label(text)


def _normalize_label(text: str) -> str:
    s = unicodedata.normalize("NFKC", str(text))
    s = s.translate(_ZERO_WIDTH).translate(_QUOTE_TABLE)
    s = _WHITESPACE.sub("", s)
    s = _SEPARATORS.sub(",", s)
    s = _ITEM_NUMBER.sub(r"\1.", s)  # "1、" and "1," are the item number "1."
    s = s.replace("其它", "其他")
    s = _TRAILING_COLON.sub("", s)
    return s


_normalize_label_cached = functools.lru_cache(maxsize=1 << 16)(_normalize_label)


def _strip_enum(norm: str) -> str:
    """Remove leading enumerators (``一、``, ``(一)``, ``1.``, ``其中:``) from a normalised label."""
    prev = None
    while prev != norm:
        prev = norm
        norm = _ENUM_PREFIX.sub("", norm, count=1)
    return norm


def _letters(s: str) -> int:
    return sum(ch.isalpha() for ch in s)


# ---------------------------------------------------------------------------------------------
# Loading


def _template_dir():
    return importlib.resources.files("gkwork").joinpath("data", "templates")


def _read_csv(name: str, text: str) -> pd.DataFrame:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REGISTRY_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise TemplateError(
            f"template file {name}: expected columns {', '.join(REGISTRY_COLUMNS)}; "
            f"missing {', '.join(missing)}; fix the header line of the file"
        )
    df = pd.DataFrame(list(reader), columns=list(REGISTRY_COLUMNS), dtype=object).fillna("")
    for c in REGISTRY_COLUMNS:
        df[c] = df[c].astype(str).str.strip()
    for c in _INT_COLUMNS:
        bad = df[~df[c].str.fullmatch(r"-?\d+")]
        if len(bad):
            raise TemplateError(
                f"template file {name}: column {c} must be an integer; found "
                f"{bad[c].iloc[0]!r} on key {bad['key'].iloc[0]!r}; fix the file"
            )
        df[c] = df[c].astype(int)
    return df


@functools.lru_cache(maxsize=1)
def _registry() -> pd.DataFrame:
    frames = []
    folder = _template_dir()
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".csv"))
    for name in names:
        stem = name[: -len(".csv")]
        template, variant = split_form(stem)
        if template not in TEMPLATE_KEYS:
            logger.warning("template registry: ignoring %s (unknown template %r)", name, template)
            continue
        df = _read_csv(name, folder.joinpath(name).read_text(encoding="utf-8"))
        wrong = sorted(set(df["template"]) - {template})
        if wrong:
            raise TemplateError(
                f"template file {name}: column template must be {template!r} (from the file "
                f"name); found {', '.join(map(repr, wrong))}"
            )
        df["variant"] = variant
        frames.append(df)
    if not frames:
        raise TemplateError(f"no template files found in {folder}; reinstall gkwork")
    reg = pd.concat(frames, ignore_index=True)
    return reg[["variant", *REGISTRY_COLUMNS]]


_CACHES: list = []  # filled at the end of the module; see clear_cache()


def preload() -> None:
    """Load the registry and fill the per-template caches now (before forking workers).

    Corpus builds call this in the parent process so that worker processes inherit the
    parsed template files instead of each rebuilding them. Results are unchanged.
    """
    _normalized_signatures()
    variant = ""  # variants (provincial forms) are rare: loaded when first used
    for template in TEMPLATE_KEYS:
        _variants(template)
        for table in TABLES[template]:
            for axis in ("row", "col", "caption"):
                _forms(template, table, axis, variant)
            for data_only in (True, False):
                _rows(template, table, variant, data_only)
            _cols(template, table, None, variant)
        if TABLES[template]:
            _expected_cells(template, variant)


def clear_cache() -> None:
    """Forget the loaded registry (after editing the CSV files in a running session)."""
    for fn in _CACHES:
        fn.cache_clear()


def registry() -> pd.DataFrame:
    """All lines of all template files (base and variants), as a new DataFrame.

    Returns
    -------
    pandas.DataFrame
        Columns ``variant`` ('' for base files) followed by :data:`REGISTRY_COLUMNS`;
        ``order``, ``is_data``, ``allow_negative``, ``allow_decimal`` are ints.
    """
    return _registry().copy()


def form_name(template: str | None, variant: str = "") -> str:
    """A template's form as files and rules name it: ``legacy``, or ``legacy__fujian`` for a
    provincial variant (the stem of ``gkwork/data/templates/legacy__fujian.csv``).

    >>> form_name("legacy", "fujian"), form_name("gov2021")
    ('legacy__fujian', 'gov2021')
    """
    return f"{template}__{variant}" if variant and template else template or ""


def split_form(form: str) -> tuple[str, str]:
    """(template, variant) of a form name (:func:`form_name`; variant '' for the base).

    >>> split_form("legacy__fujian2016"), split_form("legacy")
    (('legacy', 'fujian2016'), ('legacy', ''))
    """
    template, _, variant = form.partition("__")
    return template, variant


def variants(template: str) -> list[str]:
    """Variant names defined for ``template`` ('' = the base definition), sorted."""
    _check_template(template)
    return list(_variants(template))


@functools.cache
def _variants(template: str) -> tuple[str, ...]:
    reg = _registry()
    return tuple(sorted(set(reg.loc[reg["template"] == template, "variant"]) | {""}))


def variants_in(template: str, text: str) -> list[str]:
    """The variants of ``template`` (:func:`variants`) that may be read in ``text``: all but
    those of :data:`VARIANT_SIGNATURES` whose header ``text`` does not print.

    Examples
    --------
    >>> variants_in("legacy", "指标名称 计量单位 本年度 历年累计")[-1] != "fujian_yearend"
    True
    >>> variants_in("legacy", "指标名称 计量单位 年末统计")[-1]
    'fujian_yearend'
    """
    out = variants(template)
    gated = [v for v in out if (template, v) in VARIANT_SIGNATURES]
    if not gated:
        return out
    nt = "".join(_nfkc(text or "").split())
    for v in gated:
        sigs = VARIANT_SIGNATURES[(template, v)]
        if not any(all(part in nt for part in parts) for parts in sigs):
            out.remove(v)
    return out


@functools.cache
def _table_lines(template: str, table: str, variant: str) -> pd.DataFrame:
    """Lines of one table in template order (variant lines replace the base table)."""
    reg = _registry()
    sub = reg[(reg["template"] == template) & (reg["table"] == table)]
    chosen = sub[sub["variant"] == variant]
    if chosen.empty:
        chosen = sub[sub["variant"] == ""]
    chosen = chosen.copy()
    captions = chosen[chosen["axis"] == "caption"].sort_values("order", kind="stable")
    rank = {g: i for i, g in enumerate(captions["key"])}
    chosen["_grank"] = chosen["group"].map(lambda g: rank.get(g, -1))
    chosen["_arank"] = chosen["axis"].map({a: i for i, a in enumerate(AXES)})
    chosen = chosen.sort_values(["_arank", "_grank", "order"], kind="stable")
    return chosen.drop(columns=["_arank", "_grank"]).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Validation


def _fmt(values) -> str:
    return ", ".join(str(v) for v in values)


def _check_template(template: str) -> None:
    if template not in TEMPLATE_KEYS:
        raise TemplateError(f"template must be one of {_fmt(TEMPLATE_KEYS)}; got {template!r}")


def _check_table(template: str, table: str) -> None:
    _check_template(template)
    allowed = TABLES[template]
    if table not in allowed:
        if not allowed:
            raise TemplateError(
                f"template {template!r} has no tables; got table {table!r}; use one of "
                f"{_fmt(t for t in TEMPLATE_KEYS if TABLES[t])}"
            )
        raise TemplateError(
            f"table of template {template} must be one of {_fmt(allowed)}; got {table!r}"
        )


def _check_axis(axis: str) -> None:
    if axis not in AXES:
        raise TemplateError(f"axis must be one of {_fmt(AXES)}; got {axis!r}")


def _check_variant(template: str, variant: str) -> None:
    if variant and variant not in variants(template):
        raise TemplateError(
            f"variant of template {template} must be one of "
            f"{_fmt(repr(v) for v in variants(template))}; got {variant!r}; add "
            f"gkwork/data/templates/{template}__{variant}.csv to define it"
        )


def validate_key(
    template: str,
    table: str | None = None,
    axis: str | None = None,
    key: str | None = None,
    *,
    variant: str = "",
) -> None:
    """Raise :class:`~gkwork.errors.TemplateError` unless the given names exist.

    Each argument is checked only when given (``key`` needs ``table`` and ``axis``).
    The message lists the allowed values.

    Examples
    --------
    >>> validate_key("gov2020")
    Traceback (most recent call last):
    ...
    gkwork.errors.TemplateError: template must be one of gov2019, gov2021, legacy, none; got 'gov2020'
    """
    _check_template(template)
    _check_variant(template, variant)
    if table is not None:
        _check_table(template, table)
    if axis is not None:
        _check_axis(axis)
    if key is not None:
        if table is None or axis is None:
            raise TemplateError(
                f"validate_key needs table and axis to check key {key!r}; got table={table!r}, "
                f"axis={axis!r}"
            )
        allowed = _axis_keys(template, table, axis, variant)
        if key not in allowed:
            raise TemplateError(
                f"{axis} key of table {table} in template {template} must be one of "
                f"{_fmt(allowed)}; got {key!r}"
            )


# ---------------------------------------------------------------------------------------------
# Queries


def _keys(lines: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(lines["key"]))


def rows(template: str, table: str, *, variant: str = "", data_only: bool = True) -> list[str]:
    """Row keys of a table in template order.

    Parameters
    ----------
    template, table : str
    variant : str
        '' for the base definition, else a variant file's name part.
    data_only : bool
        Drop heading rows (``is_data == 0``, e.g. legacy ``一、主动公开情况``).

    Examples
    --------
    >>> rows("gov2019", "review_litigation")
    ['review', 'litigation_direct', 'litigation_after_review']
    """
    validate_key(template, table, variant=variant)
    return list(_rows(template, table, variant, data_only))


@functools.cache
def _axis_keys(template: str, table: str, axis: str, variant: str) -> tuple[str, ...]:
    lines = _table_lines(template, table, variant)
    return tuple(_keys(lines[lines["axis"] == axis]))


@functools.cache
def _rows(template: str, table: str, variant: str, data_only: bool) -> tuple[str, ...]:
    lines = _table_lines(template, table, variant)
    lines = lines[lines["axis"] == "row"]
    if data_only:
        lines = lines[lines["is_data"] == 1]
    return tuple(_keys(lines))


def cols(template: str, table: str, *, row: str | None = None, variant: str = "") -> list[str]:
    """Column keys of a table in template order.

    For ``active_disclosure`` the columns differ per sub-table: give ``row`` to get the
    columns of that row's group; without ``row`` the union of all groups' columns is returned
    (first occurrence order).

    Examples
    --------
    >>> cols("gov2021", "active_disclosure", row="fees")
    ['amount_10k_yuan']
    >>> cols("legacy", "legacy_stats")
    ['value']
    """
    validate_key(template, table, variant=variant)
    if row is not None:
        validate_key(template, table, "row", row, variant=variant)
    return list(_cols(template, table, row, variant))


@functools.cache
def _cols(template: str, table: str, row: str | None, variant: str) -> tuple[str, ...]:
    recs = _table_records(template, table, variant)
    col_lines = [r for r in recs if r["axis"] == "col"]
    if row is not None:
        group = next(r["group"] for r in recs if r["axis"] == "row" and r["key"] == row)
        if group:
            col_lines = [r for r in col_lines if r["group"] == group]
    return tuple(dict.fromkeys(r["key"] for r in col_lines))


@functools.cache
def _table_records(template: str, table: str, variant: str) -> tuple[dict[str, Any], ...]:
    """:func:`_table_lines` as plain dicts (read-only; for per-key look-ups without pandas)."""
    return tuple(_table_lines(template, table, variant).to_dict("records"))


#: Section 三 rows that are not outcomes of this year's handling (A3 sums the others).
_NON_OUTCOME_ROWS = ("new_received", "carried_over", "total_processed", "carried_forward")


def outcome_rows(template: str) -> list[str]:
    """The Section 三 outcome rows whose sum is （七）总计 (``app.outcome_sum``), in order.

    >>> outcome_rows("gov2021")[-3:]
    ['other_no_correction', 'other_no_fee', 'other_other']
    """
    return [r for r in rows(template, "applications") if r not in _NON_OUTCOME_ROWS]


def applicant_cols(template: str = "gov2019") -> list[str]:
    """The six applicant columns of Section 三 (总计 excluded), in order."""
    return [c for c in cols(template, "applications") if c != "total"]


def groups(template: str, table: str = "active_disclosure", *, variant: str = "") -> list[str]:
    """Sub-table (group) ids of a table in document order; [] for tables without groups.

    Examples
    --------
    >>> groups("gov2021")
    ['item1', 'item5', 'item6', 'item8']
    """
    validate_key(template, table, variant=variant)
    lines = _table_lines(template, table, variant)
    return _keys(lines[lines["axis"] == "caption"])


def _line(template: str, table: str, axis: str, key: str, group: str, variant: str) -> dict:
    validate_key(template, table, axis, key, variant=variant)
    return dict(_line_cached(template, table, axis, key, group, variant))


@functools.cache
def _line_cached(
    template: str, table: str, axis: str, key: str, group: str, variant: str
) -> tuple[tuple[str, Any], ...]:
    sel = [r for r in _table_records(template, table, variant) if r["axis"] == axis]
    sel = [r for r in sel if r["key"] == key]
    if group:
        in_group = [r for r in sel if r["group"] == group]
        if not in_group:
            raise TemplateError(
                f"{axis} key {key!r} of table {table} in template {template} is not in group "
                f"{group!r}; its groups are {_fmt(r['group'] for r in sel)}"
            )
        sel = in_group
    return tuple(sel[0].items())


def label(
    template: str,
    table: str,
    axis: str,
    key: str,
    *,
    group: str = "",
    lang: str = "zh",
    variant: str = "",
) -> str:
    """The official Chinese (``lang='zh'``) or English (``lang='en'``) label of a key.

    Examples
    --------
    >>> label("gov2019", "applications", "row", "withheld_security_stability")
    '3.危及“三安全一稳定”'
    """
    if lang not in ("zh", "en"):
        raise TemplateError(f"lang must be one of zh, en; got {lang!r}")
    return str(_line(template, table, axis, key, group, variant)[f"label_{lang}"])


def spec(
    template: str, table: str, axis: str, key: str, *, group: str = "", variant: str = ""
) -> dict[str, Any]:
    """The full registry line of a key as a dict (ints for the flag and order columns)."""
    d = _line(template, table, axis, key, group, variant)
    return {k: (int(v) if k in _INT_COLUMNS else v) for k, v in d.items()}


_CELL_COLUMNS = ["table", "row", "col", "unit", "allow_negative", "allow_decimal"]


def expected_cells(template: str, *, variant: str = "") -> pd.DataFrame:
    """Every numeric cell a complete table set of ``template`` has, in template order.

    The unit of a cell is the column's unit when it has one, else the row's (legacy units
    come from the 单位 column, i.e. the row). ``allow_negative``/``allow_decimal`` hold when
    the row or the column allows it.

    Returns
    -------
    pandas.DataFrame
        Columns table, row, col, unit, allow_negative (bool), allow_decimal (bool).

    Examples
    --------
    >>> expected_cells("gov2019").groupby("table", sort=False).size().to_dict()
    {'active_disclosure': 22, 'applications': 161, 'review_litigation': 15}
    """
    validate_key(template, variant=variant)
    return _expected_cells(template, variant).copy()


@functools.cache
def _expected_cells(template: str, variant: str) -> pd.DataFrame:
    out = []
    for table in TABLES[template]:
        # plain records instead of per-row DataFrame filtering (same lines, same order)
        recs = _table_lines(template, table, variant).to_dict("records")
        row_lines = [r for r in recs if r["axis"] == "row" and r["is_data"] == 1]
        col_lines = [c for c in recs if c["axis"] == "col" and c["is_data"] == 1]
        for r in row_lines:
            cl = [c for c in col_lines if c["group"] == r["group"]] if r["group"] else col_lines
            seen: set = set()
            for c in cl:
                if c["key"] in seen:  # drop_duplicates("key"): first occurrence wins
                    continue
                seen.add(c["key"])
                out.append(
                    (
                        table,
                        r["key"],
                        c["key"],
                        c["unit"] or r["unit"],
                        bool(r["allow_negative"] or c["allow_negative"]),
                        bool(r["allow_decimal"] or c["allow_decimal"]),
                    )
                )
    df = pd.DataFrame(out, columns=_CELL_COLUMNS)
    return df.astype({"allow_negative": bool, "allow_decimal": bool})


# ---------------------------------------------------------------------------------------------
# Matching


@dataclass(frozen=True)
class _Form:
    key: str
    group: str
    parent: str  # normalised
    order: int
    norm: str  # normalised label or alias
    bare: str  # norm without leading enumerators


@functools.cache
def _forms(template: str, table: str, axis: str, variant: str) -> tuple[_Form, ...]:
    lines = _table_lines(template, table, variant)
    lines = lines[lines["axis"] == axis]
    out = []
    for i, ln in enumerate(lines.itertuples(index=False)):
        texts = [ln.label_zh, *[a for a in ln.aliases.split("|") if a.strip()]]
        seen = set()
        for t in texts:
            n = normalize_label(t)
            if n and n not in seen:
                seen.add(n)
                out.append(
                    _Form(ln.key, ln.group, normalize_label(ln.parent), i, n, _strip_enum(n))
                )
    return tuple(out)


def _numbering(norm: str) -> list[str]:
    """Enumerators in a normalised label: ``(一)``, ``1.``, ``一、`` (e.g. caption item numbers)."""
    return _NUMBERING.findall(norm)


def _score(nt: str, bare_t: str, form: _Form, st: MatchSettings) -> float:
    n = form.norm
    if nt == n:
        return st.exact
    if nt.startswith(n):
        # a short label (规章, 其他, 总计) only when an explanation follows, not another word:
        # 规章(设区的市…) yes, 其他结果 / 其他对外管理服务事项 no
        rest = nt[len(n) :]
        if len(n) >= st.min_contained_len or not rest[0].isalpha():
            return st.contains
    if len(n) >= st.min_contained_len and n in nt:
        return st.contains
    if bare_t != nt and form.bare != n and bare_t == form.bare and _letters(bare_t) >= 2:
        # same label, different enumerator style: (1)予以公开 vs （一）予以公开
        return st.contains
    if n.startswith(nt) and _letters(nt) >= st.min_truncated_len:
        return st.truncated
    if _numbering(nt) != _numbering(n):
        # a near match with another item number is another item (第（一）项 vs 第（五）项)
        return 0.0
    ratio = float(fuzz.ratio(nt, n))
    return ratio if ratio >= st.fuzzy_cutoff else 0.0


def match_label(
    template: str,
    table: str,
    axis: str,
    text: str,
    *,
    group: str | None = None,
    parent: str | None = None,
    variant: str = "",
    settings: MatchSettings = DEFAULT_MATCH_SETTINGS,
) -> list[tuple[str, float]]:
    """Candidate keys for a label found in a report, best first.

    Scores (see :class:`MatchSettings`): 100 exact normalised equality with a label or alias;
    95 the text starts with or contains a label (or equals it without enumerators); 80 a
    label starts with a cut-off text of at least two letters; otherwise the rapidfuzz ratio
    when >= 85. When ``parent`` is given, candidates whose registry parent equals it (after
    normalisation) rank first. Ties keep template order. Never raises on no match.

    Parameters
    ----------
    template, table, axis : str
        Where to look (``axis`` one of ``row``, ``col``, ``caption``, ``header``).
    text : str
        The label text as found (any width, spacing or quotes).
    group : str, optional
        Restrict to one sub-table (``item1`` ...).
    parent : str, optional
        Label of the merged cell / heading above the text.

    Returns
    -------
    list of (key, score)

    Examples
    --------
    >>> match_label("gov2019", "active_disclosure", "row", "规章(设区的市、自治州人民政府应提供相关数据)")
    [('regulations', 95.0)]
    >>> match_label("gov2019", "applications", "row", "完全无关的文字")
    []
    """
    validate_key(template, table, axis, variant=variant)
    nt = normalize_label(text)
    if not nt:
        return []
    bare_t = _strip_enum(nt)
    best: dict[str, tuple[float, bool, int]] = {}
    np_ = normalize_label(parent) if parent else ""
    for form in _forms(template, table, axis, variant):
        if group is not None and form.group != group:
            continue
        s = _score(nt, bare_t, form, settings)
        if s <= 0:
            continue
        pmatch = bool(np_) and form.parent == np_
        cur = best.get(form.key)
        cand = (s, pmatch, form.order)
        if cur is None or (pmatch, s) > (cur[1], cur[0]):
            best[form.key] = cand
    ranked = sorted(best.items(), key=lambda kv: (not kv[1][1], -kv[1][0], kv[1][2]))
    return [(k, v[0]) for k, v in ranked]


def detect_signatures(text: str) -> dict[str, list[str]]:
    """Template signature strings found in a report's text (domain.md §7).

    Both the text and the signatures are compared after :func:`normalize_label`, so
    whitespace and line breaks inside a label (``本年新\\n制作数量``) do not matter.

    Returns
    -------
    dict
        template -> list of signatures found, only for templates with at least one hit
        (an empty dict suggests ``none``). A report may mix signatures.

    Examples
    --------
    >>> detect_signatures("信息内容 | 本年制发件数 | 本年废止件数")
    {'gov2021': ['本年制发件数', '本年废止件数']}
    """
    # signatures hold no quotes or separators, so NFKC and whitespace removal suffice (fast);
    # str.split() splits on exactly the characters of _WHITESPACE (str.isspace)
    nt = "".join(_nfkc(text or "").split()).replace("其它", "其他")
    found: dict[str, list[str]] = {}
    for template, sigs in _normalized_signatures():
        hits = [name for name, parts in sigs if all(map(nt.__contains__, parts))]
        if hits:
            found[template] = hits
    return found


def _nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, faster on long CJK texts.

    The common full-width characters of Chinese reports (``，（）：；``, ideographic and
    no-break spaces, full-width digits) are replaced by their NFKC forms with ``str.replace``
    (a C-level scan per character present); if other characters remain to normalise, runs of
    characters whose NFKC form differs are replaced by their NFKC form (a regex scan). Either
    candidate is compatibility-equivalent to ``text``, so when it is itself in NFKC it *is* the
    NFKC form of ``text`` (normal forms are unique). Otherwise (combining marks and the like)
    the full normalisation runs.
    """
    if unicodedata.is_normalized("NFKC", text):
        return text
    cand = text
    for ch, nf in _COMMON_NFKC:
        if ch in cand:
            cand = cand.replace(ch, nf)
    if unicodedata.is_normalized("NFKC", cand):
        return cand
    cand = _nfkc_run_re().sub(_nfkc_run, cand)
    if unicodedata.is_normalized("NFKC", cand):
        return cand
    return unicodedata.normalize("NFKC", text)


#: (character, its NFKC form) for the characters NFKC changes that Chinese reports use most.
_COMMON_NFKC: tuple[tuple[str, str], ...] = tuple(
    (ch, unicodedata.normalize("NFKC", ch))
    for ch in "，（）：；\u3000\u00a0\u2002％／．！－" + "".join(map(chr, range(0xFF10, 0xFF1A)))
)


def _nfkc_run(m: re.Match) -> str:
    run = m.group()
    out = _NFKC_RUNS.get(run)
    if out is None:
        out = unicodedata.normalize("NFKC", run)
        if len(_NFKC_RUNS) >= 1 << 14:
            _NFKC_RUNS.clear()
        _NFKC_RUNS[run] = out
    return out


def _nfkc_changed_class() -> str:
    """A regex character class of the BMP characters (outside CJK ideographs and Hangul
    syllables) that NFKC changes on their own."""
    ranges: list[tuple[int, int]] = []
    for cp in [*range(0x80, 0x3400), *range(0xA000, 0xAC00), *range(0xD7A4, 0x10000)]:
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        if unicodedata.normalize("NFKC", ch) != ch:
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


@functools.cache
def _nfkc_run_re() -> re.Pattern[str]:
    return re.compile(f"[{_nfkc_changed_class()}]+")


_NFKC_RUNS: dict[str, str] = {}


@functools.cache
def _normalized_signatures() -> tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...]:
    return tuple(
        (
            template,
            tuple(("+".join(parts), tuple(normalize_label(p) for p in parts)) for parts in sigs),
        )
        for template, sigs in SIGNATURES.items()
    )


# ---------------------------------------------------------------------------------------------
# Glossary

_GLOSSARY_COLUMNS = ["term_zh", "pinyin", "term_en", "note"]


@functools.lru_cache(maxsize=1)
def _glossary() -> pd.DataFrame:
    text = importlib.resources.files("gkwork").joinpath("data", "glossary.csv").read_text("utf-8")
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    missing = [c for c in _GLOSSARY_COLUMNS if c not in df.columns]
    if missing:
        raise TemplateError(
            f"gkwork/data/glossary.csv: expected columns {_fmt(_GLOSSARY_COLUMNS)}; "
            f"missing {_fmt(missing)}"
        )
    return df[_GLOSSARY_COLUMNS]


def glossary() -> pd.DataFrame:
    """Terms a reader meets, with pinyin and an English gloss.

    Returns
    -------
    pandas.DataFrame
        Columns term_zh, pinyin, term_en, note.
    """
    return _glossary().copy()


_CACHES.extend(
    [
        _registry,
        _variants,
        _table_lines,
        _axis_keys,
        _rows,
        _cols,
        _table_records,
        _line_cached,
        _forms,
        _expected_cells,
        _glossary,
    ]
)
