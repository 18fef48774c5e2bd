"""Check reports against the rule catalog in ``gkwork/data/rules.toml``.

Every check that is performed becomes one row of a results DataFrame (columns
:data:`gkwork.model.CHECK_COLUMNS`) with status ``pass``, ``fail`` or ``not_assessable``:
results, not only failures, so that a researcher can count how often a relation could be
tested at all. A check whose inputs are missing (blank, 无, ambiguous or absent cells) is
``not_assessable``, never ``fail``. Checks never change a cell.

The catalog is data: :func:`rule_catalog` shows it as a table and :func:`format_catalog` as
plain text (``gkwork rules``). Rule kinds (``kind`` in the TOML):

``sum``           sum(left) = sum(right), repeated per column (``per = "col"``, terms are rows)
                  or per row (``per = "row"``, terms are columns)
``le``            sum(left) <= sum(right) (an empty left side means 0)
``le_pairs``      part <= total for listed (part, total) row pairs (legacy 其中 items)
``domain``        every cell non-negative / integer unless the template allows otherwise
``flag``          a cell flag (e.g. ``text_value`` for 无) is reported
``pattern``       C5: decisions = prev_count + change in every row
``authority``     E1: 规章 reported by an agency without rule-making power
``max_value``     D3: amount above a plausible maximum
``unit_unknown``  C6: amount without a unit
``completeness``  table.incomplete, against :func:`gkwork.templates.expected_cells`
``template``      template.mismatch, against the template in force for the report year
``sections``      sections.missing, against the content items of the report year
``narrative``     text_table.mismatch, numbers in prose vs cells (:mod:`gkwork.narrative`)
``total_missing`` emitted by a ``sum`` rule when its total is blank but its parts are not 0
``panel``         cross-year rules, evaluated by :func:`gkwork.panel.check_panel`

Examples
--------
>>> import pandas as pd
>>> cells = pd.DataFrame({
...     "table": "review_litigation", "row": "review",
...     "col": ["upheld", "corrected", "other", "pending", "total"],
...     "value": [1.0, 0.0, 0.0, 1.0, 3.0], "raw": ["1", "0", "0", "1", "3"],
...     "flag": "", "unit": "", "start": [0, 2, 4, 6, 8], "end": [1, 3, 5, 7, 9]})
>>> res = check_cells(cells, {"template": "gov2019", "year": 2020}, report_id="r1")
>>> row = res[(res.rule == "rl.total") & (res.row == "review")].iloc[0]
>>> row.status, row.message
('fail', 'rl.total, row review (行政复议): total 3, outcomes 1 + 0 + 0 + 1 = 2 (delta +1)')
"""

from __future__ import annotations

import logging
import math
import os
import re
import string
import textwrap
import tomllib
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache, partial
from importlib import resources
from itertools import accumulate, compress
from operator import itemgetter
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from gkwork.errors import GkworkError
from gkwork.model import CHECK_COLUMNS, Report

logger = logging.getLogger("gkwork")

__all__ = [
    "CheckSettings",
    "RULE_KINDS",
    "check_cells",
    "check_report",
    "format_catalog",
    "harmonised_view",
    "rule",
    "rule_catalog",
    "rules",
    "section_items",
    "summarize_checks",
    "template_for_year",
]

PASS, FAIL, NA = "pass", "fail", "not_assessable"
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
STATUS_ORDER: tuple[str, ...] = (PASS, FAIL, NA)

#: Rule kinds and the keys each needs besides the common ones (see module docstring).
RULE_KINDS: dict[str, tuple[str, ...]] = {
    "sum": ("table", "per", "left", "right"),
    "le": ("table", "per", "left", "right"),
    "le_pairs": ("table", "pairs"),
    "domain": ("table",),
    "flag": ("flag",),
    "pattern": ("table", "rows"),
    "authority": ("table", "rows", "levels_without_power", "levels_with_power"),
    "max_value": ("table", "rows", "cols", "max_value"),
    "unit_unknown": ("table", "rows", "cols"),
    "completeness": (),
    "template": (),
    "sections": (),
    "narrative": ("targets",),
    "total_missing": ("table",),
    "panel": ("table", "per", "left", "right", "expect"),
}

#: Keys every rule has.
COMMON_KEYS: tuple[str, ...] = (
    "id",
    "kind",
    "severity",
    "relation",
    "rationale",
    "message_en",
    "message_zh",
    "tolerance",
    "templates",
    "table",
    "note",
)

#: Placeholders a message template may use.
MESSAGE_FIELDS: tuple[str, ...] = (
    "rule",
    "axis",
    "key",
    "label",
    "left_key",
    "left_label",
    "left_expr",
    "right_expr",
    "observed",
    "expected",
    "delta",
    "detail",
    "table",
    "op",
    "rop",
)

#: ``{op}`` and ``{rop}`` of a message: the relation that holds between the left and the
#: right side (``op``) and between the right and the left (``rop``), by rule kind and outcome,
#: so that one template reads true for a pass and for a failure ("this year 181 <= cumulative
#: 1568", "this year 107 > cumulative 74").
_OPS: dict[tuple[str, str], tuple[str, str]] = {
    ("sum", "pass"): ("=", "="),
    ("sum", "fail"): ("!=", "!="),
    ("le", "pass"): ("<=", ">="),
    ("le", "fail"): (">", "<"),
    ("le_pairs", "pass"): ("<=", ">="),
    ("le_pairs", "fail"): (">", "<"),
    ("narrative", "pass"): ("=", "="),
    ("narrative", "fail"): ("!=", "!="),
}

#: Template in force by report year (schema.md "Templates").
FIRST_YEAR_GOV2019 = 2019
FIRST_YEAR_GOV2021 = 2021

#: Table-based kinds: evaluated only for reports whose template the rule lists.
_TABLE_KINDS = frozenset(
    {"sum", "le", "le_pairs", "domain", "flag", "pattern", "authority", "max_value", "unit_unknown"}
)
_MISSING_FLAGS = ("blank", "text_value", "ambiguous", "unparseable")
_INFERRED_FLAG = "inferred_split"
_INFERRED_SUFFIX = " [depends on inferred cells]"
_LEVEL_ZH = {
    "central": "中央",
    "province": "省级",
    "prefecture": "地市级",
    "county": "县级",
    "township": "乡镇级",
}
_TEMPLATE_SOURCE = {
    "legacy": "国办发〔2014〕32号 统计表",
    "gov2019": "国办公开办函〔2019〕60号",
    "gov2021": "国办公开办函〔2021〕30号",
}


@dataclass(frozen=True)
class CheckSettings:
    """Tuning settings of the validator.

    Attributes
    ----------
    lang : str
        Language of the ``message`` column: ``en`` (default; Chinese labels beside keys) or
        ``zh``.
    tolerances : Mapping[str, float]
        Per-rule overrides of the catalog ``tolerance`` (e.g. ``{"ad.fee_magnitude": ...}``).
    max_listed : int
        How many missing keys a ``table.incomplete`` message lists before "... and N more".
    long_sum_terms : int
        Sums with more terms than this show only the non-zero terms in messages.
    """

    lang: str = "en"
    tolerances: Mapping[str, float] = field(default_factory=dict)
    max_listed: int = 12
    long_sum_terms: int = 6

    def __post_init__(self) -> None:
        if self.lang not in ("en", "zh"):
            raise GkworkError(f"CheckSettings.lang must be one of en, zh; got {self.lang!r}")
        unknown = sorted(set(self.tolerances) - set(rules()))
        if unknown:
            raise GkworkError(
                f"CheckSettings.tolerances names unknown rules {unknown}; "
                "see gkwork.validate.rule_catalog() for the IDs"
            )


# ---------------------------------------------------------------------------------------------
# The catalog


@lru_cache(maxsize=1)
def _catalog_data() -> dict[str, Any]:
    text = resources.files("gkwork").joinpath("data/rules.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def rules() -> dict[str, dict[str, Any]]:
    """All rules of the catalog as ``{id: rule dict}``, in catalog order (new dicts)."""
    return {r["id"]: dict(r) for r in _catalog_data()["rule"]}


_RULES_MEMO: list[Any] = [None, None]  # [catalog data it was built from, {id: rule}]
#: Memoised rule instances (see _instances), valid for the catalog in _RULES_MEMO.
_INSTANCE_CACHE: dict[tuple, list[tuple[str, list[str], list[str]]]] = {}
_INSTANCE_CACHE_MAX = 4096


def _rules_cached() -> dict[str, dict[str, Any]]:
    """:func:`rules`, shared (read-only: callers must not modify the dicts).

    Rebuilt when the catalog is reloaded (``_catalog_data.cache_clear()``).
    """
    data = _catalog_data()
    if _RULES_MEMO[0] is not data:
        _INSTANCE_CACHE.clear()
        _PLAN_CACHE.clear()
        _FORM_RULES.clear()
        _LAYOUTS.clear()  # their compiled plans hold rules of the old catalog
        _RULES_MEMO[:] = [data, rules()]
    return _RULES_MEMO[1]


def rule(rule_id: str) -> dict[str, Any]:
    """One rule of the catalog by ID.

    Raises
    ------
    GkworkError
        When the ID is not in the catalog (the message lists the IDs).
    """
    all_rules = rules()
    if rule_id not in all_rules:
        raise GkworkError(f"rule must be one of {', '.join(all_rules)}; got {rule_id!r}")
    return all_rules[rule_id]


def section_items(era: str) -> list[dict[str, Any]]:
    """Content items a report must cover: ``era`` '2019' (Art. 50) or '2008' (Art. 32)."""
    if era not in ("2008", "2019"):
        raise GkworkError(f"era must be one of 2008, 2019; got {era!r}")
    return [dict(i) for i in _catalog_data()["section_item"] if i["era"] == era]


def rule_catalog() -> pd.DataFrame:
    """The rule catalog as a table, one row per rule, in catalog order.

    Returns
    -------
    pandas.DataFrame
        Columns id, severity, kind, table, per, templates (comma-joined), relation,
        rationale, tolerance, left, right (comma-joined terms), note, message_en, message_zh.
    """
    out = []
    for r in rules().values():
        out.append(
            {
                "id": r["id"],
                "severity": r["severity"],
                "kind": r["kind"],
                "table": r.get("table", ""),
                "per": r.get("per", ""),
                "templates": ",".join(r.get("templates", [])),
                "relation": r["relation"],
                "rationale": r["rationale"],
                "tolerance": float(r.get("tolerance", 0)),
                "left": ",".join(r.get("left", [])),
                "right": ",".join(r.get("right", [])),
                "note": r.get("note", ""),
                "message_en": r["message_en"],
                "message_zh": r["message_zh"],
            }
        )
    return pd.DataFrame(out)


def format_catalog(*, width: int = 100) -> str:
    """The catalog as a plain-text table (ID, severity, relation) for ``gkwork rules``.

    Relations longer than the line are wrapped onto indented continuation lines.
    """
    cat = rule_catalog()
    w_id = max(len("rule"), *cat["id"].str.len())
    w_sev = len("severity")
    lines = [f"{'rule':<{w_id}}  {'severity':<{w_sev}}  relation"]
    lines.append(f"{'-' * w_id}  {'-' * w_sev}  {'-' * max(8, width - w_id - w_sev - 4)}")
    room = max(20, width - w_id - w_sev - 4)
    indent = " " * (w_id + w_sev + 4)
    for r in cat.itertuples(index=False):
        wrapped = textwrap.wrap(r.relation, room) or [""]
        lines.append(f"{r.id:<{w_id}}  {r.severity:<{w_sev}}  {wrapped[0]}")
        lines.extend(indent + w for w in wrapped[1:])
    return "\n".join(lines)


def template_for_year(year: Any) -> str | None:
    """The template in force for reports of ``year`` (None when the year is unknown).

    Examples
    --------
    >>> template_for_year(2018), template_for_year(2020), template_for_year(2023)
    ('legacy', 'gov2019', 'gov2021')
    """
    y = _as_year(year)
    if y is None:
        return None
    if y >= FIRST_YEAR_GOV2021:
        return "gov2021"
    if y >= FIRST_YEAR_GOV2019:
        return "gov2019"
    return "legacy"


# ---------------------------------------------------------------------------------------------
# Cells and context


@lru_cache(maxsize=1024)
def _flag_set(flag: str) -> frozenset[str]:
    return frozenset(f for f in flag.split(",") if f)


class _Cell(NamedTuple):
    value: float
    flag: str
    raw: str
    unit: str
    start: int | None
    end: int | None

    @property
    def flags(self) -> frozenset[str]:
        return _flag_set(self.flag)

    @property
    def is_number(self) -> bool:
        return not math.isnan(self.value)

    def why_missing(self) -> str:
        return _why_missing(self.flag, self.raw)


@lru_cache(maxsize=4096)
def _why_missing(flag: str, raw: str) -> str:
    """Why a cell with these flags and raw text has no number (for messages)."""
    flags = _flag_set(flag)
    for f in ("ambiguous", "unparseable", "text_value", "blank"):
        if f in flags:
            return f"text {raw.strip()!r}" if f == "text_value" else f
    return "no value"


#: _Cell from a 6-tuple without a Python-level call (tuple.__new__ on the subclass).
_new_cell = partial(tuple.__new__, _Cell)


def _opt_int(x: Any) -> int | None:
    if type(x) is int:  # noqa: E721 - the common case, without pd.isna
        return x
    try:
        if x is None or pd.isna(x):
            return None
    except (TypeError, ValueError):
        return None
    return int(x)


def _text(x: Any) -> str:
    if type(x) is str:  # noqa: E721 - the common case, without pd.isna
        return x
    if x is None:
        return ""
    try:
        if pd.isna(x):
            return ""
    except (TypeError, ValueError):
        pass
    return str(x)


def _as_year(year: Any) -> int | None:
    if type(year) is int:  # noqa: E721 - the common case, without pd.isna
        return int(str(year).strip()[:4])
    try:
        if year is None or pd.isna(year):
            return None
        return int(str(year).strip()[:4])
    except (TypeError, ValueError):
        return None


#: The cell columns the checks read, in the order of :func:`_frame_columns`' tuples.
_CELL_FIELDS = ("table", "row", "col", "value", "flag", "raw", "unit", "start", "end")


def _frame_columns(cells: pd.DataFrame) -> tuple[list, ...]:
    """The cell columns of a DataFrame as lists (None for absent columns; values as floats)."""
    n = len(cells)

    def column(name: str) -> list[Any]:
        return cells[name].tolist() if name in cells.columns else [None] * n

    values = pd.to_numeric(cells["value"], errors="coerce").astype("float64").tolist()
    return tuple(values if c == "value" else column(c) for c in _CELL_FIELDS)


def _report_columns(cols: Mapping[str, list]) -> tuple[list, ...] | None:
    """The cell columns of ``Report.cell_columns()`` as lists (None: no cells)."""
    n = len(cols.get("table") or [])
    if n == 0:
        return None

    def column(name: str) -> list[Any]:
        got = cols.get(name)
        if got is None:
            return [None] * n
        return got if type(got) is list else list(got)  # read only below: no copy needed

    values = column("value")
    if not set(map(type, values)) <= _FLOAT_ONLY:  # exact type: fast path only
        values = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
        values = values.astype("float64").tolist()
    return tuple(values if c == "value" else column(c) for c in _CELL_FIELDS)


def _index_cells(cells: pd.DataFrame) -> tuple[dict[tuple[str, str, str], _Cell], list]:
    """Cells of a DataFrame as ``({(table, row, col): _Cell}, keys in input order)``.

    The first of repeated keys wins. (The checks use :func:`_prepare`; this dict form is for
    callers that want single cells.)
    """
    if cells is None or len(cells) == 0:
        return {}, []
    return _prepare(*_frame_columns(cells), template=None).as_index()


def _index_columns(cols: Mapping[str, list]) -> tuple[dict[tuple[str, str, str], _Cell], list]:
    """:func:`_index_cells` for cells given as column lists (``Report.cell_columns()``)."""
    got = _report_columns(cols)
    if got is None:
        return {}, []
    return _prepare(*got, template=None).as_index()


def _all_type(col: list[Any], typ: type) -> bool:
    """Every value has exactly type ``typ`` (bool is not an int here)."""
    return set(map(type, col)) <= {typ}


class _CellArrays:
    """One report's cells as aligned column lists, position ``i`` being ``layout.keys[i]``.

    Only the first of repeated keys is kept. Values are floats (NaN: missing), flags str,
    starts / ends int or None; raws and units as given (read them with :meth:`raw`,
    :meth:`unit`). Per-report facts that several rules need are
    computed once, on first use (:meth:`flagged`, :meth:`odd`).
    """

    __slots__ = (
        "layout",
        "values",
        "flags",
        "_raws",
        "_units",
        "starts",
        "ends",
        "offsets_int",
        "_flagged",
        "_odd",
        "_nan",
        "_tuple",
    )

    def __init__(
        self, layout: _Layout, values, flags, raws, units, starts, ends, offsets_int: bool = False
    ) -> None:
        self.layout = layout
        self.values: list[float] = values
        self.flags: list[str] = flags
        self._raws = raws  # as given: read through raw() / unit()
        self._units = units
        self.starts: list[int | None] = starts
        self.ends: list[int | None] = ends
        self.offsets_int = offsets_int  # True: every start and end is an int (no None)
        self._flagged: list[int] | None = None
        self._odd: list[int] | None = None
        self._nan: list[int] | None = None
        self._tuple: tuple[float, ...] | None = None

    def raw(self, p: int) -> str:
        """The raw text of the cell at ``p`` (normalised as a whole column would be)."""
        raw = self._raws[p]
        return raw if type(raw) is str else _text(raw)

    def unit(self, p: int) -> str:
        unit = self._units[p]
        return unit if type(unit) is str else _text(unit)

    def cell(self, p: int) -> _Cell:
        return _new_cell(
            (self.values[p], self.flags[p], self.raw(p), self.unit(p), self.starts[p], self.ends[p])
        )

    def as_index(self) -> tuple[dict[tuple[str, str, str], _Cell], list[tuple[str, str, str]]]:
        """``({key: _Cell}, keys in input order)``."""
        keys = self.layout.keys
        raws, units = (
            c if _all_type(c, str) else [_text(x) for x in c] for c in (self._raws, self._units)
        )
        cells = map(
            _new_cell,
            zip(self.values, self.flags, raws, units, self.starts, self.ends, strict=True),
        )
        return dict(zip(keys, cells, strict=True)), list(keys)

    def flagged(self) -> list[int]:
        """Positions of the cells with any flag, in input order."""
        if self._flagged is None:
            self._flagged = list(compress(range(len(self.flags)), self.flags))
        return self._flagged

    def odd(self) -> list[int]:
        """Positions whose value is not a non-negative integer (NaN included), input order.

        Values repeat a lot (counts, zeros), so each distinct value is classified once and
        the positions are then found with C-level iteration (NaNs are matched by identity,
        which set membership tests first).
        """
        if self._odd is None:
            vals = self.values
            odd = {v for v in set(vals) if not (v >= 0.0 and v.is_integer())}
            self._odd = list(compress(range(len(vals)), map(odd.__contains__, vals))) if odd else []
        return self._odd

    def nan_positions(self) -> list[int]:
        """Positions whose value is NaN."""
        if self._nan is None:
            vals = self.values
            self._nan = [p for p in self.odd() if vals[p] != vals[p]]
        return self._nan

    def value_tuple(self) -> tuple[float, ...]:
        """The values as a tuple (slices of it are tuples: hashable)."""
        if self._tuple is None:
            self._tuple = tuple(self.values)
        return self._tuple

    def span_min_max(self, positions: list[int]) -> tuple[int | None, int | None]:
        """(min start, max end) of the cells at ``positions``, ignoring missing offsets."""
        starts, ends = self.starts, self.ends
        if self.offsets_int and positions:
            return min(map(starts.__getitem__, positions)), max(map(ends.__getitem__, positions))
        st = [s for s in map(starts.__getitem__, positions) if s is not None]
        en = [e for e in map(ends.__getitem__, positions) if e is not None]
        return (min(st) if st else None, max(en) if en else None)


class _CellView(Mapping):
    """Read-only ``{(table, row, col): _Cell}`` over :class:`_CellArrays` (cells built on use).

    Gives the generic check functions the dict they were written for without building a
    ``_Cell`` per cell of every report.
    """

    __slots__ = ("_pos", "_arrays")

    def __init__(self, arrays: _CellArrays) -> None:
        self._pos = arrays.layout.pos
        self._arrays = arrays

    def __getitem__(self, key: tuple[str, str, str]) -> _Cell:
        return self._arrays.cell(self._pos[key])

    def get(self, key: tuple[str, str, str], default: Any = None) -> Any:
        p = self._pos.get(key)
        return default if p is None else self._arrays.cell(p)

    def __contains__(self, key: object) -> bool:
        return key in self._pos

    def __iter__(self):
        return iter(self._pos)

    def __len__(self) -> int:
        return len(self._pos)


class _Layout:
    """What the checks need to know about a report's cell keys, and nothing of its values.

    A layout is the template plus the sequence of (table, row, col) keys. Reports of a corpus
    share few layouts (a statutory table parsed in full always gives the same keys), so a
    layout is built once (:func:`_layout`) and carries the compiled check plans
    (:func:`_compiled_plan`), whose results depend on the cells' values only.

    Attributes
    ----------
    template : str or None
    variant : str
        The template's provincial variant ('' = the base form; :func:`gkwork.templates.variants`).
    keys : list of (table, row, col)
        Distinct keys in input order (first occurrence); position ``i`` of the cell arrays.
    keep : list of int or None
        Positions in the input columns of the first occurrences (None: no repeated key).
    pos : dict
        ``{key: position}``.
    order : list of (table, row, col)
        Keys in template order (:func:`_template_order`).
    by_table : dict
        ``{table: keys in template order}``, tables in the order of ``order``.
    by_table_pos : dict
        The same as positions.
    rank, table_of : list
        Per position: its index in ``order``, its table.
    table_getters : list
        Per table of ``by_table``: a :func:`_gather` of its positions.
    """

    __slots__ = (
        "template",
        "variant",
        "keys",
        "keep",
        "pos",
        "order",
        "by_table",
        "by_table_pos",
        "rank",
        "table_of",
        "table_rows",
        "table_getters",
        "plans",
    )

    def __init__(
        self, template: str | None, keys: list, keep: list[int] | None, variant: str = ""
    ) -> None:
        self.template = template
        self.variant = variant
        self.keys = keys
        self.keep = keep
        self.pos = {k: i for i, k in enumerate(keys)}
        self.order = _template_order_uncached(keys, template, variant) if keys else []
        pos = self.pos
        self.by_table: dict[str, list[tuple[str, str, str]]] = {}
        for k in self.order:
            self.by_table.setdefault(k[0], []).append(k)
        self.by_table_pos = {t: [pos[k] for k in ks] for t, ks in self.by_table.items()}
        self.table_getters = [_gather(ps) for ps in self.by_table_pos.values()]
        self.rank = [0] * len(keys)
        for i, k in enumerate(self.order):
            self.rank[pos[k]] = i
        self.table_of = [k[0] for k in keys]
        self.table_rows: dict[str, frozenset[str]] = {}  # memo of _table_rows
        self.plans: dict[tuple, list] = {}  # compiled plans, see _compiled_plan


#: Memo of layouts: {(template, variant, tables, rows, cols): _Layout} (columns as tuples).
_LAYOUTS: dict[tuple, _Layout] = {}
_LAYOUTS_MAX = 512


def _new_layout(template: str | None, tables, rows, cols, variant: str = "") -> _Layout:
    keys = list(zip(tables, rows, cols, strict=True))
    if len(set(keys)) == len(keys):  # no repeated key: the common case
        return _Layout(template, keys, None, variant)
    first: dict[tuple[str, str, str], int] = {}
    for i, k in enumerate(keys):
        first.setdefault(k, i)
    keep = list(first.values())
    return _Layout(template, list(first), keep, variant)


def _layout(template: str | None, tables, rows, cols, variant: str = "") -> _Layout:
    """The layout of cells with these key columns (memoised).

    The memo is looked up with the columns as given: the key columns of a report are not
    needed once its layout is known (``layout.keys`` holds them, as str), so on a hit they
    are not type-checked. Tuples of the same str objects (the registry's keys, as a parser
    gives them) hash and compare fast.
    """
    try:
        layout = _LAYOUTS.get((template, variant, tuple(tables), tuple(rows), tuple(cols)))
    except TypeError:  # an unhashable key value: normalised below
        layout = None
    if layout is not None:
        return layout
    # normalise whole columns (the common case, all str, costs one pass each)
    tables, rows, cols = (
        c if _all_type(c, str) else [str(x) for x in c] for c in (tables, rows, cols)
    )
    key = (template, variant, tuple(tables), tuple(rows), tuple(cols))
    layout = _LAYOUTS.get(key)
    if layout is None:
        layout = _new_layout(template, tables, rows, cols, variant)
        if len(_LAYOUTS) >= _LAYOUTS_MAX:
            _LAYOUTS.clear()
        _LAYOUTS[key] = layout
    return layout


def _prepare(
    tables,
    rows,
    cols,
    values,
    flags,
    raws,
    units,
    starts,
    ends,
    *,
    template: str | None,
    variant: str = "",
) -> _CellArrays:
    """Normalised cell columns of one report, with its (memoised) layout.

    ``raws`` and ``units`` are read rarely (messages of failures), so they are normalised per
    cell when read (:meth:`_CellArrays.raw`, :meth:`_CellArrays.unit`).
    """
    if not _all_type(flags, str):  # one pass in the common case, all str
        flags = [_text(x) for x in flags]
    offsets_int = _all_type(starts, int) and _all_type(ends, int)
    if not offsets_int:
        starts, ends = (
            c if _all_type(c, int) else [_opt_int(x) for x in c] for c in (starts, ends)
        )
    n = len(tables)
    if not all(len(c) == n for c in (rows, cols, values, flags, raws, units, starts, ends)):
        # columns of different lengths: raise as the plain zip over them does
        list(
            zip(
                zip(tables, rows, cols, strict=True),
                values,
                flags,
                raws,
                units,
                starts,
                ends,
                strict=True,
            )
        )
    layout = _layout(template, tables, rows, cols, variant)
    keep = layout.keep
    if keep is not None:
        values, flags, raws, units, starts, ends = (
            [c[i] for i in keep] for c in (values, flags, raws, units, starts, ends)
        )
    return _CellArrays(layout, values, flags, raws, units, starts, ends, offsets_int)


@dataclass
class _Ctx:
    """One report being checked: its cells, metadata and the result rows so far."""

    report_id: str | None
    meta: Mapping[str, Any]
    template: str | None
    year: int | None
    cells: Mapping[tuple[str, str, str], _Cell]  # a _CellView over ``arrays``
    order: list[tuple[str, str, str]]
    text: str | None
    sections: _Sections | None
    settings: CheckSettings
    to_text_offset: Callable[[int], int] | None = None
    out: list[tuple] = field(default_factory=list)  # result rows, CHECK_COLUMNS order
    by_table: dict[str, list[tuple[str, str, str]]] | None = None  # order keys per table
    any_inferred: bool | None = None  # does any cell carry the inferred_split flag?
    msg_key: str = "message_en"  # rule key of the message template (settings.lang)
    table_rows: dict[str, frozenset[str]] = field(default_factory=dict)  # rows present per table
    flagged: dict[str, list[tuple[str, str, str]]] | None = None  # keys of flagged cells per table
    arrays: _CellArrays | None = None  # the cells as column lists (compiled checks read these)
    variant: str = ""  # the template's provincial variant ('' = base form)

    @property
    def known_template(self) -> bool:
        return self.template in ("gov2019", "gov2021", "legacy")

    @property
    def form(self) -> str:
        """The template, or ``<template>__<variant>`` for a provincial variant (rules' forms)."""
        return _tpl().form_name(self.template, self.variant)

    def get(self, table: str, row: str, col: str) -> _Cell | None:
        return self.cells.get((table, row, col))

    def tolerance(self, r: Mapping[str, Any]) -> float:
        return float(self.settings.tolerances.get(r["id"], r.get("tolerance", 0)))

    def inferred_rules(self, table: str, row: str, col: str) -> list[str]:
        inferred_by = self.meta.get("inferred_by") or {}
        try:
            return list(inferred_by.get(f"{table}/{row}/{col}", []))
        except AttributeError:
            return []


# ---------------------------------------------------------------------------------------------
# Template helpers (tolerant of a template the registry does not know)


def _tpl():
    from gkwork import templates

    return templates


def _form_value(by_form: Mapping[str, Any], ctx: _Ctx, default: Any) -> Any:
    """The entry of a ``{form: value}`` mapping for the report's form (a variant's entry
    replaces its template's)."""
    form = ctx.form
    if form in by_form:
        return by_form[form]
    return by_form.get(ctx.template or "", default)


#: Rules as they apply to a form: {(rule id, form): rule dict or None (not applicable)}.
_FORM_RULES: dict[tuple[str, str], dict[str, Any] | None] = {}


def _rule_for_form(r: dict[str, Any], template: str | None, variant: str) -> dict | None:
    """Rule ``r`` for reports of a template's form: ``r`` itself, ``r`` with the keys of its
    ``by_form`` entry for the form, or None when the rule lists ``forms`` without this one.

    Reports of templates the rule does not list get ``r`` (their rows are decided as for
    any rule of another template).
    """
    if template not in r["templates"] or ("forms" not in r and "by_form" not in r):
        return r
    form = _tpl().form_name(template, variant)
    key = (r["id"], form)
    if key not in _FORM_RULES:
        if "forms" in r and form not in r["forms"]:
            _FORM_RULES[key] = None
        elif form in r.get("by_form", {}):
            _FORM_RULES[key] = {**r, **r["by_form"][form]}
        else:
            _FORM_RULES[key] = r
    return _FORM_RULES[key]


@lru_cache(maxsize=256)
def _rows_cached(template: str, table: str, variant: str = "") -> tuple[str, ...]:
    try:
        return tuple(_tpl().rows(template, table, variant=variant))
    except GkworkError:
        return ()


def _rows(template: str | None, table: str, variant: str = "") -> list[str]:
    return list(_rows_cached(template, table, variant)) if template else []


@lru_cache(maxsize=1024)
def _cols_cached(template: str, table: str, row: str | None, variant: str = "") -> tuple[str, ...]:
    try:
        return tuple(_tpl().cols(template, table, row=row, variant=variant))
    except GkworkError:
        return ()


def _cols(template: str | None, table: str, row: str | None = None, variant: str = "") -> list[str]:
    return list(_cols_cached(template, table, row, variant)) if template else []


@lru_cache(maxsize=4096)
def _label_cached(template: str, table: str, axis: str, key: str, variant: str = "") -> str:
    try:
        return _tpl().label(template, table, axis, key, lang="zh", variant=variant)
    except (GkworkError, IndexError, KeyError):
        return ""


def _label(ctx: _Ctx, table: str, axis: str, key: str) -> str:
    if not ctx.template or not table or not key:
        return ""
    return _label_cached(ctx.template, table, axis, key, ctx.variant)


@lru_cache(maxsize=32)
def _expected_cached(template: str, variant: str = "") -> pd.DataFrame:
    try:
        return _tpl().expected_cells(template, variant=variant)
    except GkworkError:
        return pd.DataFrame(
            columns=["table", "row", "col", "unit", "allow_negative", "allow_decimal"]
        )


def _expected_cells(template: str | None, variant: str = "") -> pd.DataFrame:
    """expected_cells of the template's form (cached; callers must not modify the frame)."""
    return _expected_cached(template or "", variant)


@lru_cache(maxsize=32)
def _expected_info(
    template: str, variant: str = ""
) -> dict[tuple[str, str, str], tuple[bool, bool, str, int]]:
    """(allow_negative, allow_decimal, unit, rank) per expected cell of a template's form."""
    exp = _expected_cells(template, variant)
    return {
        (t, r, c): (bool(n), bool(d), str(u or ""), i)
        for i, (t, r, c, n, d, u) in enumerate(
            zip(
                exp["table"],
                exp["row"],
                exp["col"],
                exp["allow_negative"],
                exp["allow_decimal"],
                exp["unit"],
                strict=True,
            )
        )
    }


# ---------------------------------------------------------------------------------------------
# Formatting


def _float_memo(
    fn: Callable[[float | None], str], memo: dict[float, str]
) -> Callable[[float | None], str]:
    """Memoise a number formatter in ``memo`` for exact, non-NaN floats (cleared at 65,536).

    The memo is a module-level dict so that hot loops can look values up directly.
    """

    def wrapper(x: float | None) -> str:
        if type(x) is float and x == x:  # noqa: E721 - exact float, not NaN
            got = memo.get(x)
            if got is None:
                if len(memo) > 65536:
                    memo.clear()
                got = memo[x] = fn(x)
            return got
        return fn(x)

    wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrapper


def _num_uncached(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.6g}"


_NUM_MEMO: dict[float, str] = {}
_num = _float_memo(_num_uncached, _NUM_MEMO)


def _signed_uncached(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    return "0" if x == 0 else ("+" if x > 0 else "-") + _num(abs(x))


_SIGNED_MEMO: dict[float, str] = {}
_signed = _float_memo(_signed_uncached, _SIGNED_MEMO)


#: Memo of _expr: {long_sum_terms: {values (a tuple of floats): expression}}.
_EXPR_MEMO: dict[int, dict[tuple, str]] = {}
_EXPR_MEMO_MAX = 65536
_FLOAT_ONLY = frozenset({float})


def _expr(values: list[float], settings: CheckSettings) -> str:
    """'5 + 1 = 6' (long sums: only non-zero terms and a count of zeros); memoised."""
    if not values:
        return "0"
    if not set(map(type, values)) <= _FLOAT_ONLY:  # exact floats only
        return _expr_uncached(values, settings)
    return _expr_floats(values, settings)


def _expr_memo(settings: CheckSettings) -> dict[tuple, str]:
    """The memo of :func:`_expr` for the settings' ``long_sum_terms``."""
    memo = _EXPR_MEMO.get(settings.long_sum_terms)
    if memo is None or len(memo) > _EXPR_MEMO_MAX:
        memo = _EXPR_MEMO[settings.long_sum_terms] = {}
    return memo


def _expr_floats(values: list[float] | tuple[float, ...], settings: CheckSettings) -> str:
    """:func:`_expr` for values known to be floats (no type test)."""
    if not values:
        return "0"
    key = values if type(values) is tuple else tuple(values)
    memo = _expr_memo(settings)
    got = memo.get(key)
    if got is None:
        got = memo[key] = _expr_uncached(values, settings)
    return got


def _expr_uncached(values: list[float], settings: CheckSettings) -> str:
    if not values:
        return "0"
    total = sum(values)
    if len(values) == 1:
        return _num(values[0])
    if len(values) > settings.long_sum_terms:
        nonzero = [v for v in values if v != 0]
        zeros = len(values) - len(nonzero)
        parts = " + ".join(_num(v) for v in nonzero) if nonzero else "0"
        tail = f" (+ {zeros} zero{'s' if zeros != 1 else ''})" if zeros and nonzero else ""
        if not nonzero:
            return f"0 (all {len(values)} terms 0)"
        return f"{parts}{tail} = {_num(total)}"
    parts = " + ".join(_num(v) for v in values).replace("+ -", "- ")
    return f"{parts} = {_num(total)}"


class _Fields(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _format(template: str, fields: Mapping[str, Any]) -> str:
    return template.format_map(_Fields(fields))


def _emit(
    ctx: _Ctx,
    r: Mapping[str, Any],
    status: str,
    *,
    table: str = "",
    row: str = "",
    col: str = "",
    expected: float | None = None,
    observed: float | None = None,
    delta: float | None = None,
    span: tuple[int | None, int | None] = (None, None),
    message: str | None = None,
    fields: Mapping[str, Any] | None = None,
    suffix: str = "",
) -> None:
    """Append one result row (a tuple in CHECK_COLUMNS order) to ``ctx.out``."""
    rid = r["id"]
    if message is None:
        message = _render(ctx, r, table, expected, observed, delta, fields, status)
    ctx.out.append(
        (
            ctx.report_id,
            rid,
            status,
            r["severity"],
            table,
            row,
            col,
            _NAN if expected is None else float(expected),
            _NAN if observed is None else float(observed),
            _NAN if delta is None else float(delta),
            span[0],
            span[1],
            message + suffix if suffix else message,
        )
    )


_NAN = math.nan


def _render(
    ctx: _Ctx,
    r: Mapping[str, Any],
    table: str,
    expected: float | None,
    observed: float | None,
    delta: float | None,
    fields: Mapping[str, Any] | None,
    status: str = "",
) -> str:
    """The rule's message template (``ctx.msg_key``) filled in, as :func:`_emit` does."""
    op, rop = _OPS.get((r["kind"], status), ("", ""))
    f = _Fields(
        rule=r["id"],
        table=table,
        observed=_num(observed),
        expected=_num(expected),
        delta=_signed(delta),
        op=op,
        rop=rop,
    )
    if fields:
        f.update(fields)
    return r[ctx.msg_key].format_map(f)


def _na_message(r: Mapping[str, Any], where: str, reason: str) -> str:
    where = f", {where}" if where else ""
    return f"{r['id']}{where}: not assessable: {reason}"


#: Why an identity is not checked on cells the recovery inferred with that same identity.
_CIRCULAR = "values were inferred using this identity"


def _emit_na(ctx: _Ctx, r: Mapping[str, Any], where: str, reason: str, **at: Any) -> None:
    """A not-assessable row of rule ``r`` (``at``: table, row, col, span, expected)."""
    _emit(ctx, r, NA, message=_na_message(r, where, reason), **at)


def _where(axis: str, key: str, label: str) -> str:
    if not key:
        return ""
    return f"{axis} {key} ({label})" if label else f"{axis} {key}"


def _describe_missing(
    items: list[tuple[str, _Cell | None]], n_inputs: int, settings: CheckSettings
) -> str:
    """'inputs missing: total_processed (absent), other (text '无')'."""
    if len(items) == n_inputs and all(c is None for _, c in items):
        return f"all {n_inputs} inputs absent"
    lim = settings.max_listed
    desc = ", ".join(f"{k} ({'absent' if c is None else c.why_missing()})" for k, c in items[:lim])
    if len(items) > lim:
        desc += f" and {len(items) - lim} more"
    return f"inputs missing: {desc}"


def _describe_missing_at(
    a: _CellArrays, items: list[tuple[str, int | None]], n_inputs: int, settings: CheckSettings
) -> str:
    """:func:`_describe_missing` for cells given by position (None: absent)."""
    if len(items) == n_inputs and all(p is None for _, p in items):
        return f"all {n_inputs} inputs absent"
    lim = settings.max_listed
    flags = a.flags
    desc = ", ".join(
        f"{k} ({'absent' if p is None else _why_missing(flags[p], a.raw(p))})"
        for k, p in items[:lim]
    )
    if len(items) > lim:
        desc += f" and {len(items) - lim} more"
    return f"inputs missing: {desc}"


def _span(cell: _Cell | None) -> tuple[int | None, int | None]:
    return (cell.start, cell.end) if cell is not None else (None, None)


def _any_inferred(ctx: _Ctx) -> bool:
    """Does any cell carry the inferred_split flag? (substring test first: cheap)"""
    a = ctx.arrays
    if a is not None:
        flags = a.flags
        # one substring test over all flags first (a match across two flags is only a
        # false alarm: the exact test follows)
        if _INFERRED_FLAG not in "".join(flags):
            return False
        return any(_INFERRED_FLAG in _flag_set(flags[p]) for p in a.flagged())
    return any(_INFERRED_FLAG in c.flag and _INFERRED_FLAG in c.flags for c in ctx.cells.values())


def _inference_state(
    ctx: _Ctx, r: Mapping[str, Any], inputs: Iterable[tuple[str, str, str, _Cell | None]]
) -> str:
    """'' (no inferred input), 'circular' (inferred with this rule) or 'depends'."""
    if ctx.any_inferred is None:
        ctx.any_inferred = _any_inferred(ctx)
    if not ctx.any_inferred:
        return ""
    state = ""
    for table, row, col, cell in inputs:
        if cell is None or _INFERRED_FLAG not in cell.flags:
            continue
        if r["id"] in ctx.inferred_rules(table, row, col):
            return "circular"
        state = "depends"
    return state


# ---------------------------------------------------------------------------------------------
# Table rules


def _substitute(ctx: _Ctx, r: Mapping[str, Any], table: str, terms: list[str]) -> list[str]:
    """Swap a single row for its group (or back) when the report has the other form.

    ``substitutes`` in the rule lists ``[single, *group]``; e.g. a gov2021 report that kept
    the 2019 single row ``other`` instead of ``other_no_correction`` / ``other_no_fee`` /
    ``other_other``.
    """
    have = {k[1] for k in _table_keys(ctx, table)}
    for single, *group in r.get("substitutes", []):
        has_single, has_group = single in have, any(g in have for g in group)
        if set(group) <= set(terms) and single not in terms and has_single and not has_group:
            at = terms.index(group[0])
            terms = [t for t in terms if t not in group]
            terms.insert(at, single)
        elif single in terms and not set(group) & set(terms) and has_group and not has_single:
            at = terms.index(single)
            terms = [*terms[:at], *group, *terms[at + 1 :]]
    return terms


def _table_rows(ctx: _Ctx, table: str) -> frozenset[str]:
    """Rows the report has in ``table`` (memoised on the context)."""
    got = ctx.table_rows.get(table)
    if got is None:
        got = ctx.table_rows[table] = frozenset(k[1] for k in _table_keys(ctx, table))
    return got


def _instance_key(ctx: _Ctx, r: Mapping[str, Any]) -> tuple | None:
    """Memo key of the rule's instances on this report (None: not memoisable)."""
    table = r["table"]
    if r is not _rules_cached().get(r.get("id")):  # not a catalog rule: no memo
        return None
    if r["per"] == "col":
        return (r["id"], ctx.form, _table_rows(ctx, table))
    if not r.get("rows"):
        tpl_rows = _rows_cached(ctx.template, table, ctx.variant) if ctx.template else ()
        if not _table_rows(ctx, table) <= frozenset(tpl_rows):
            return None
    return (r["id"], ctx.form, None)


#: Memoised _sum_plan results, same keys as _INSTANCE_CACHE.
_PLAN_CACHE: dict[tuple, list[tuple]] = {}


def _sum_plan(ctx: _Ctx, r: Mapping[str, Any]) -> list[tuple]:
    """Per instance of a sum/le rule: (key, left, right, label, left keys, right keys,
    row_key, col_key), memoised like :func:`_instances`. Callers must not modify it."""
    key = _instance_key(ctx, r)
    if key is not None:
        hit = _PLAN_CACHE.get(key)
        if hit is not None:
            return hit
    table, is_col = r["table"], r["per"] == "col"
    label_axis = "col" if is_col else "row"
    legacy = table == "legacy_stats"
    plan = []
    for k, left, right in _instances(ctx, r):
        if is_col:
            lkeys = [(table, t, k) for t in left]
            rkeys = [(table, t, k) for t in right]
        else:
            lkeys = [(table, k, t) for t in left]
            rkeys = [(table, k, t) for t in right]
        row_key, col_key = ("", k) if is_col else (k, "")
        if legacy and left and is_col:  # a legacy row is one indicator: (row, column)
            row_key, col_key = left[0], k
        label = _label(ctx, table, label_axis, k)
        plan.append((k, left, right, label, lkeys, rkeys, row_key, col_key))
    if key is not None:
        if len(_PLAN_CACHE) >= _INSTANCE_CACHE_MAX:
            _PLAN_CACHE.clear()
        _PLAN_CACHE[key] = plan
    return plan


def _instances(ctx: _Ctx, r: Mapping[str, Any]) -> list[tuple[str, list[str], list[str]]]:
    """:func:`_instances_of`, memoised when the result depends on the template only.

    ``per = "col"``: the result depends on the rows present (``substitutes``), which are part
    of the key. ``per = "row"``: memoised when the rule lists its rows or the report has no
    row beyond its template. Callers must not modify the returned lists.
    """
    key = _instance_key(ctx, r)
    if key is None:
        return _instances_of(ctx, r)
    hit = _INSTANCE_CACHE.get(key)
    if hit is None:
        if len(_INSTANCE_CACHE) >= _INSTANCE_CACHE_MAX:
            _INSTANCE_CACHE.clear()
        hit = _INSTANCE_CACHE[key] = _instances_of(ctx, r)
    return hit


def _instances_of(ctx: _Ctx, r: Mapping[str, Any]) -> list[tuple[str, list[str], list[str]]]:
    """(instance key, left terms, right terms) for a sum/le rule on the report's template.

    ``per = "col"``: one instance per column, terms are the template's rows (with
    ``substitutes`` applied). ``per = "row"``: one instance per row that has every term
    column; without an explicit ``rows`` list, rows the report has beyond its template (a
    provincial extra row, a 2019 row in a 2021 table) are checked too.
    """
    table, per = r["table"], r["per"]
    out = []
    if per == "col":
        keys = r.get("cols") or _cols(ctx.template, table, variant=ctx.variant)
        avail = set(_rows(ctx.template, table, ctx.variant))
        left = [t for t in r["left"] if t in avail]
        right = [t for t in r["right"] if t in avail]
        left, right = _substitute(ctx, r, table, left), _substitute(ctx, r, table, right)
        for k in keys:
            out.append((k, left, right))
    else:
        tpl_rows = _rows(ctx.template, table, ctx.variant)
        keys = r.get("rows") or tpl_rows
        if not r.get("rows"):
            extra = [k[1] for k in _table_keys(ctx, table) if k[1] not in tpl_rows]
            keys = [*keys, *dict.fromkeys(extra)]
        for k in keys:
            if k in tpl_rows:
                avail = set(_cols(ctx.template, table, k, ctx.variant))
            elif k in r.get("rows", []):
                continue
            else:
                if (table, k, r["left"][0] if r["left"] else "") not in ctx.cells:
                    continue
                avail = set(_cols(ctx.template, table, variant=ctx.variant))
            left = [t for t in r["left"] if t in avail]
            right = [t for t in r["right"] if t in avail]
            if len(left) != len(r["left"]) or len(right) != len(r["right"]):
                continue  # the row lacks a term column (e.g. fees has no decisions)
            out.append((k, left, right))
    # a side that the rule defines but the template lacks entirely: skip
    return [(k, lt, rt) for k, lt, rt in out if (lt or not r["left"]) and (rt or not r["right"])]


def _get(
    ctx: _Ctx, table: str, per: str, key: str, term: str
) -> tuple[tuple[str, str, str], _Cell | None]:
    tk = (table, term, key) if per == "col" else (table, key, term)
    return tk, ctx.cells.get(tk)


def _check_sum(ctx: _Ctx, r: Mapping[str, Any]) -> None:
    """sum / le rules, generic form (:func:`_run_sum` is the compiled one)."""
    for item in _sum_plan(ctx, r):
        _sum_instance(ctx, r, item)


def _sum_instance(ctx: _Ctx, r: Mapping[str, Any], item: tuple) -> None:
    """One instance (a column or a row) of a sum / le rule: append its result row(s).

    ``item`` is one entry of :func:`_sum_plan`.
    """
    key, left, right, label, lkeys, rkeys, row_key, col_key = item
    table, per, kind = r["table"], r["per"], r["kind"]
    is_col = per == "col"
    axis = "column" if is_col else "row"
    tol = ctx.tolerance(r)
    get = ctx.cells.get
    settings = ctx.settings
    is_sum = kind == "sum"
    tm_id = r.get("total_missing_rule")
    if ctx.any_inferred is None:
        ctx.any_inferred = _any_inferred(ctx)
    any_inferred = ctx.any_inferred
    isnan = math.isnan
    out = ctx.out
    rid, severity, report_id = r["id"], r["severity"], ctx.report_id
    template = r[ctx.msg_key]
    lc = list(map(get, lkeys))
    rc = list(map(get, rkeys))
    obs_cell = lc[0] if lc else (rc[0] if rc else None)
    span = (obs_cell.start, obs_cell.end) if obs_cell is not None else (None, None)
    at = {"table": table, "row": row_key, "col": col_key, "span": span}  # of a result row
    # every term present and a number (None never equals a _Cell: `in` is exact here)
    r_ok = None not in rc and not any(map(isnan, rv := [c.value for c in rc]))
    l_ok = None not in lc and not any(map(isnan, lv := [c.value for c in lc]))
    # A blank total beside numeric parts: 'total not filled' (domain.md §5.0), not an error.
    if tm_id and len(lc) == 1 and lc[0] is not None and "blank" in lc[0].flags and r_ok:
        tm = _rules_cached()[tm_id] if tm_id in _rules_cached() else rule(tm_id)
        parts = rv
        status = FAIL if sum(parts) > tol else PASS
        _emit(
            ctx,
            tm,
            status,
            expected=sum(parts),
            observed=None,
            delta=None,
            **at,
            fields={
                "axis": axis,
                "key": key,
                "label": label,
                "right_expr": _expr(parts, settings),
            },
        )
        reason = f"total {left[0]} is blank (see {tm_id})"
        _emit_na(ctx, r, _where(axis, key, label), reason, expected=sum(parts), **at)
        return
    if not (l_ok and r_ok):
        desc = _describe_missing(
            [
                (t, c)
                for t, c in zip([*left, *right], lc + rc, strict=True)
                if c is None or c.value != c.value
            ],
            len(lc) + len(rc),
            settings,
        )
        _emit_na(ctx, r, _where(axis, key, label), desc, **at)
        return
    state = (
        _inference_state(ctx, r, ((*k, c) for k, c in zip(lkeys + rkeys, lc + rc, strict=True)))
        if any_inferred
        else ""
    )
    if state == "circular":
        _emit_na(ctx, r, _where(axis, key, label), _CIRCULAR, **at)
        return
    observed, expected = sum(lv), sum(rv)
    delta = observed - expected
    ok = abs(delta) <= tol if is_sum else delta <= tol
    op, rop = _OPS[(r["kind"], PASS if ok else FAIL)]
    # as _emit(ctx, r, PASS/FAIL, ..., fields={axis, key, label, left_expr, right_expr}),
    # inlined: this is the hot path of the checks
    message = template.format_map(
        _Fields(
            rule=rid,
            table=table,
            observed=_num(observed),
            expected=_num(expected),
            delta=_signed(delta),
            axis=axis,
            key=key,
            label=label,
            left_expr=_expr(lv, settings),
            right_expr=_expr(rv, settings),
            op=op,
            rop=rop,
        )
    )
    out.append(
        (
            report_id,
            rid,
            PASS if ok else FAIL,
            severity,
            table,
            row_key,
            col_key,
            float(expected),
            float(observed),
            float(delta),
            span[0],
            span[1],
            message + _INFERRED_SUFFIX if state == "depends" else message,
        )
    )


def _le_pairs_instances(ctx: _Ctx, r: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(col, part, total) per comparison of a le_pairs rule (parts and totals the template has)."""
    table = r["table"]
    tpl_rows = set(_rows(ctx.template, table, ctx.variant))
    return [
        (col, part, total)
        for col in r.get("cols") or _cols(ctx.template, table, variant=ctx.variant)
        for part, total in r["pairs"]
        if part in tpl_rows and total in tpl_rows
    ]


def _check_le_pairs(ctx: _Ctx, r: Mapping[str, Any]) -> None:
    """Generic form (:func:`_run_le_pairs` is the compiled one)."""
    tol = ctx.tolerance(r)
    for col, part, total in _le_pairs_instances(ctx, r):
        _le_pair(ctx, r, tol, col, part, total)


def _le_pair_fields(ctx: _Ctx, table: str, part: str, total: str) -> dict[str, str]:
    return {
        "axis": "row",
        "key": total,
        "label": _label(ctx, table, "row", total),
        "left_key": part,
        "left_label": _label(ctx, table, "row", part),
    }


def _le_pair(ctx: _Ctx, r: Mapping[str, Any], tol: float, col: str, part: str, total: str) -> None:
    """One comparison part <= total of a le_pairs rule, in column ``col``."""
    table = r["table"]
    pc, tc = ctx.get(table, part, col), ctx.get(table, total, col)
    where = f"{part} <= {total}"
    fields = _le_pair_fields(ctx, table, part, total)
    span = _span(pc)
    at = {"table": table, "row": part, "col": col, "span": span}  # of a result row
    miss = [(k, c) for k, c in ((part, pc), (total, tc)) if c is None or not c.is_number]
    if miss:
        _emit_na(ctx, r, where, _describe_missing(miss, 2, ctx.settings), **at)
        return
    inputs = [(table, part, col, pc), (table, total, col, tc)]
    state = _inference_state(ctx, r, inputs)
    if state == "circular":
        _emit_na(ctx, r, where, _CIRCULAR, **at)
        return
    delta = pc.value - tc.value
    _emit(
        ctx,
        r,
        PASS if delta <= tol else FAIL,
        table=table,
        row=part,
        col=col,
        expected=tc.value,
        observed=pc.value,
        delta=delta,
        span=span,
        fields=fields,
        suffix=_INFERRED_SUFFIX if state == "depends" else "",
    )


def _table_keys(ctx: _Ctx, table: str) -> list[tuple[str, str, str]]:
    by_table = ctx.by_table
    if by_table is None:
        by_table = {}
        for k in ctx.order:
            by_table.setdefault(k[0], []).append(k)
        ctx.by_table = by_table
    return by_table.get(table, [])


def _check_domain(ctx: _Ctx, r: Mapping[str, Any]) -> None:
    """Generic form (:func:`_run_domain` is the compiled one)."""
    table = r["table"]
    n_checked, failures = 0, 0
    cells = ctx.cells
    for key in _table_keys(ctx, table):
        cell = cells[key]
        value = cell.value
        if value != value:  # NaN: not a number
            continue
        n_checked += 1
        if value >= 0 and value.is_integer():  # nothing to object to, whatever is allowed
            continue
        failures += _domain_cell(ctx, r, table, key, cell)
    _domain_summary(ctx, r, table, n_checked, failures)


def _domain_cell(
    ctx: _Ctx, r: Mapping[str, Any], table: str, key: tuple[str, str, str], cell: _Cell
) -> bool:
    """Emit a failure when the number in ``cell`` is not allowed; True when it was."""
    value = cell.value
    a = _expected_info(ctx.template or "", ctx.variant).get(key)
    if a is not None:
        allow_neg, allow_dec = a[0], a[1]
    else:  # a row the registry does not know (provincial variant): be conservative
        allow_neg, allow_dec = key[2] == "change", cell.unit in ("万元", "元")
    problems = []
    if value < 0 and not allow_neg:
        problems.append("negative")
    if not value.is_integer() and not allow_dec:
        problems.append("not an integer")
    if not problems:
        return False
    _cell_fail(ctx, r, table, key, cell, ", ".join(problems), observed=cell.value)
    return True


def _domain_summary(
    ctx: _Ctx, r: Mapping[str, Any], table: str, n_checked: int, failures: int
) -> None:
    """The table's closing row of a domain rule: not assessable, or pass without failures."""
    if n_checked == 0:
        _emit(ctx, r, NA, table=table, message=_na_message(r, f"table {table}", "no numeric cells"))
    elif failures == 0:
        _table_pass(ctx, r, table, n_checked, f"all {n_checked} numeric cells allowed")


def _check_flag(ctx: _Ctx, r: Mapping[str, Any]) -> None:
    flag = r["flag"]
    _table_keys(ctx, "")  # builds ctx.by_table: its keys are the tables in order
    tables = list(ctx.by_table)
    if not tables:
        _emit(ctx, r, NA, message=_na_message(r, "", "the report has no cells"))
        return
    cells = ctx.cells
    flagged = ctx.flagged
    if flagged is None:  # keys of cells with any flag, per table, in order (once per report)
        flagged = ctx.flagged = {
            t: [k for k in keys if cells[k].flag] for t, keys in ctx.by_table.items()
        }
    for table in tables:
        bad = [
            k
            for k in flagged[table]
            if flag in cells[k].flag and flag in cells[k].flags  # substring test first: cheap
        ]
        for key in bad:
            _flag_fail(ctx, r, table, key, ctx.cells[key])
        if not bad:
            _flag_pass(ctx, r, table, len(_table_keys(ctx, table)))


def _flag_fail(
    ctx: _Ctx, r: Mapping[str, Any], table: str, key: tuple[str, str, str], cell: _Cell
) -> None:
    _cell_fail(ctx, r, table, key, cell, cell.raw.strip())


def _cell_fail(
    ctx: _Ctx,
    r: Mapping[str, Any],
    table: str,
    key: tuple[str, str, str],
    cell: _Cell,
    detail: str,
    observed: float | None = None,
) -> None:
    """A failing row about one cell: its key, row label and ``detail`` in the rule's message."""
    label = _label(ctx, table, "row", key[1])
    fields = {"key": f"{key[1]}/{key[2]}", "label": label, "detail": detail}
    _emit(
        ctx, r, FAIL, table=table, row=key[1], col=key[2], observed=observed, span=_span(cell),
        fields=fields,
    )  # fmt: skip


def _flag_pass(ctx: _Ctx, r: Mapping[str, Any], table: str, n: int) -> None:
    _table_pass(ctx, r, table, n, f"no cell flagged {r['flag']} ({n} cells)")


def _table_pass(ctx: _Ctx, r: Mapping[str, Any], table: str, n: int, what: str) -> None:
    """A table's passing row: ``n`` cells checked, the message ``<rule>, table <t>: <what>``."""
    _emit(ctx, r, PASS, table=table, observed=n, message=f"{r['id']}, table {table}: {what}")


def _check_pattern(ctx: _Ctx, r: Mapping[str, Any]) -> None:
    """C5: decisions = prev_count + change in every assessable row."""
    table = r["table"]
    tpl_rows = set(_rows(ctx.template, table, ctx.variant))
    assessable, matches, spans = [], [], []
    for row in r["rows"]:
        if row not in tpl_rows:
            continue
        p, c, d = (ctx.get(table, row, k) for k in ("prev_count", "change", "decisions"))
        if not all(x is not None and x.is_number for x in (p, c, d)):
            continue
        assessable.append(row)
        spans.append(_span(d))
        if d.value == p.value + c.value:
            matches.append(
                f"{row} {_num(p.value)} {'-' if c.value < 0 else '+'} "
                f"{_num(abs(c.value))} = {_num(d.value)}"
            )
    starts = [s for s, _ in spans if s is not None]
    ends = [e for _, e in spans if e is not None]
    span = (min(starts) if starts else None, max(ends) if ends else None)
    if len(assessable) < 2:
        _emit(
            ctx,
            r,
            NA,
            table=table,
            col="decisions",
            span=span,
            message=_na_message(r, "", f"{len(assessable)} complete row(s); needs 2"),
        )
        return
    nonzero = any(ctx.get(table, row, "decisions").value != 0 for row in assessable)
    hit = len(matches) == len(assessable) and nonzero
    _emit(
        ctx,
        r,
        FAIL if hit else PASS,
        table=table,
        col="decisions",
        observed=len(matches),
        expected=len(assessable),
        delta=len(matches) - len(assessable),
        span=span,
        fields={"detail": "; ".join(matches)},
        message=None
        if hit
        else (
            f"{r['id']}: decisions equal prev_count + change in {len(matches)} of "
            f"{len(assessable)} rows"
        ),
    )


def _check_authority(ctx: _Ctx, r: Mapping[str, Any]) -> None:
    """E1: 规章 counts from agencies without rule-making power."""
    table = r["table"]
    level = str(ctx.meta.get("admin_level") or "").strip()
    kind = str(ctx.meta.get("agency_kind") or "").strip()
    for row in r["rows"]:
        if row not in set(_rows(ctx.template, table, ctx.variant)):
            continue
        label = _label(ctx, table, "row", row)
        cells = [(c, ctx.get(table, row, c)) for c in _cols(ctx.template, table, row, ctx.variant)]
        numeric = [(c, x) for c, x in cells if x is not None and x.is_number]
        first = next((x for _, x in cells if x is not None), None)
        if not numeric:
            _emit(
                ctx,
                r,
                NA,
                table=table,
                row=row,
                span=_span(first),
                message=_na_message(r, _where("row", row, label), "no numeric cells"),
            )
            continue
        if level not in r["levels_without_power"] and level not in r["levels_with_power"]:
            _emit(
                ctx,
                r,
                NA,
                table=table,
                row=row,
                span=_span(first),
                message=_na_message(
                    r, _where("row", row, label), f"admin_level unknown ({level or 'missing'})"
                ),
            )
            continue
        nonzero = [(c, x) for c, x in numeric if x.value != 0]
        observed = max(x.value for _, x in numeric)
        if level in r["levels_with_power"] or not nonzero:
            _emit(
                ctx,
                r,
                PASS,
                table=table,
                row=row,
                observed=observed,
                expected=0,
                span=_span(first),
                message=f"{r['id']}, row {row} ({label}): {_num(observed)} from a "
                f"{level}-level agency",
            )
            continue
        col, cell = nonzero[0]
        desc = _LEVEL_ZH.get(level, level) if ctx.settings.lang == "zh" else f"{level}-level"
        if kind:
            desc = f"{desc} {kind}"
        _emit(
            ctx,
            r,
            FAIL,
            table=table,
            row=row,
            col=col,
            observed=observed,
            expected=0,
            delta=observed,
            span=_span(cell),
            fields={
                "label": label,
                "observed": ", ".join(f"{c} {_num(x.value)}" for c, x in numeric),
                "detail": desc,
            },
        )


def _check_cell_rule(ctx: _Ctx, r: Mapping[str, Any]) -> None:
    """max_value (D3) and unit_unknown (C6): one cell each."""
    table = r["table"]
    for row in r["rows"]:
        for col in r["cols"]:
            if col not in _cols(
                ctx.template,
                table,
                row if row in _rows(ctx.template, table, ctx.variant) else None,
                ctx.variant,
            ):
                continue
            cell = ctx.get(table, row, col)
            label = _label(ctx, table, "row", row)
            where = _where("cell", f"{row}/{col}", label)
            if cell is None or not cell.is_number:
                reason = "absent" if cell is None else cell.why_missing()
                _emit(
                    ctx,
                    r,
                    NA,
                    table=table,
                    row=row,
                    col=col,
                    span=_span(cell),
                    message=_na_message(r, where, reason),
                )
                continue
            fields = {"key": f"{row}/{col}", "label": label}
            if r["kind"] == "max_value":
                limit = float(r["max_value"]) + ctx.tolerance(r)
                ok = cell.value <= limit
                _emit(
                    ctx,
                    r,
                    PASS if ok else FAIL,
                    table=table,
                    row=row,
                    col=col,
                    observed=cell.value,
                    expected=float(r["max_value"]),
                    delta=cell.value - float(r["max_value"]),
                    span=_span(cell),
                    fields=fields,
                    message=None
                    if not ok
                    else f"{r['id']}, {where}: {_num(cell.value)} <= {_num(float(r['max_value']))}",
                )
            else:
                ok = bool(cell.unit) or cell.value == 0
                _emit(
                    ctx,
                    r,
                    PASS if ok else FAIL,
                    table=table,
                    row=row,
                    col=col,
                    observed=cell.value,
                    span=_span(cell),
                    fields=fields,
                    message=None
                    if not ok
                    else f"{r['id']}, {where}: unit {cell.unit or 'irrelevant (value 0)'}",
                )


# ---------------------------------------------------------------------------------------------
# Report-level rules


def _lab(ctx: _Ctx, table: str, axis: str, key: str) -> str:
    lab = _label(ctx, table, axis, key)
    return f"{key} ({lab})" if lab else key


@lru_cache(maxsize=32)
def _expected_by_table(
    template: str, variant: str = ""
) -> tuple[tuple[str, list[tuple[str, str]], list[tuple[str, str, str]]], ...]:
    """(table, [(row, col)], [(table, row, col)]) per table of the template's expected cells.

    Read-only (callers must not modify the lists).
    """
    info = _expected_info(template, variant)
    return tuple(
        (
            table,
            [(k[1], k[2]) for k in info if k[0] == table],
            [k for k in info if k[0] == table],
        )
        for table in dict.fromkeys(k[0] for k in info)
    )


def _check_completeness(ctx: _Ctx, r: Mapping[str, Any]) -> None:
    """Generic form (:func:`_run_completeness` is the compiled one)."""
    if not ctx.known_template:
        _emit(
            ctx,
            r,
            NA,
            message=_na_message(
                r, "", f"template {ctx.template or 'missing'}: no statutory table to compare"
            ),
        )
        return
    cells = ctx.cells
    for table, status, n_exp, n_have, delta, message, span_kind, keys in _completeness_entries(
        ctx, r
    ):
        have = [cells[k] for k in keys]
        span = _completeness_span(
            span_kind,
            [c.start for c in have if c.start is not None],
            [c.end for c in have if c.end is not None],
        )
        _emit(
            ctx,
            r,
            status,
            table=table,
            expected=n_exp,
            observed=n_have,
            delta=delta,
            span=span,
            message=message,
        )


def _completeness_span(
    kind: str, starts: list[int], ends: list[int]
) -> tuple[int | None, int | None]:
    """Span of a table.incomplete row from the offsets of the table's cells present.

    ``all``: the whole table (all cells present); ``last_end``: where the table stops (some
    missing); ``none``: no cell present.
    """
    if kind == "all":
        return (min(starts) if starts else None, max(ends) if ends else None)
    if kind == "last_end":
        return (max(ends) if ends else None, max(ends) if ends else None)
    return (None, None)


def _completeness_entries(ctx: _Ctx, r: Mapping[str, Any]) -> list[tuple]:
    """The rows of a completeness rule, but for their spans.

    Per table of the template: (table, status, expected, observed, delta, message, span
    kind (see :func:`_completeness_span`), keys of the cells present). Depends only on which
    keys the report has (``in ctx.cells``), so it is compiled once per layout.
    """
    lim = ctx.settings.max_listed
    cells = ctx.cells
    out = []
    for table, expected, full_keys in _expected_by_table(ctx.template, ctx.variant):
        keys = [k for k in full_keys if k in cells]
        n_exp, n_have = len(expected), len(keys)
        if n_have == n_exp:
            message = f"{r['id']}, table {table}: all {n_exp} cells present"
            out.append((table, PASS, n_exp, n_have, 0, message, "all", keys))
            continue
        if n_have == 0:
            detail = f"table absent (0 of {n_exp} cells)"
            message = _render(ctx, r, table, n_exp, 0, -n_exp, {"detail": detail})
            out.append((table, FAIL, n_exp, 0, -n_exp, message, "none", keys))
            continue
        present = [rc for rc, k in zip(expected, full_keys, strict=True) if k in cells]
        rows_order = list(dict.fromkeys(rw for rw, _ in expected))
        cols_order = list(dict.fromkeys(c for _, c in expected))
        have = set(present)
        missing_rows = [rw for rw in rows_order if not any((rw, c) in have for c in cols_order)]
        present_rows = [rw for rw in rows_order if rw not in missing_rows]
        exp_set = set(expected)
        missing_cols = [
            c
            for c in cols_order
            if not any((rw, c) in have for rw in present_rows)
            and any((rw, c) in exp_set for rw in present_rows)
        ]
        other = [
            f"{rw}/{c}"
            for rw, c in expected
            if (rw, c) not in have and rw not in missing_rows and c not in missing_cols
        ]
        parts = [f"{n_have} of {n_exp} cells present"]

        if missing_rows:
            listed = ", ".join(_lab(ctx, table, "row", k) for k in missing_rows[:lim])
            more = f" and {len(missing_rows) - lim} more" if len(missing_rows) > lim else ""
            parts.append(f"missing rows: {listed}{more}")
            last = present_rows[-1] if present_rows else None
            if (
                last
                and rows_order.index(last) < rows_order.index(missing_rows[0])
                and all(rows_order.index(m) > rows_order.index(last) for m in missing_rows)
            ):
                parts.append(f"truncated after {_lab(ctx, table, 'row', last)}")
        if missing_cols:
            parts.append(
                "missing columns: " + ", ".join(_lab(ctx, table, "col", k) for k in missing_cols)
            )
        if other:
            more = f" and {len(other) - lim} more" if len(other) > lim else ""
            parts.append("missing cells: " + ", ".join(other[:lim]) + more)
        delta = n_have - n_exp
        message = _render(ctx, r, table, n_exp, n_have, delta, {"detail": "; ".join(parts)})
        out.append((table, FAIL, n_exp, n_have, delta, message, "last_end", keys))
    return out


def _first_span(ctx: _Ctx) -> tuple[int | None, int | None]:
    for key in ctx.order:
        c = ctx.cells[key]
        if c.start is not None:
            return c.start, c.end
    return None, None


def _check_template(ctx: _Ctx, r: Mapping[str, Any]) -> None:
    year, tpl = ctx.year, ctx.template
    if year is None:
        _emit(ctx, r, NA, message=_na_message(r, "", "report year unknown"))
        return
    if not tpl:
        _emit(ctx, r, NA, message=_na_message(r, "", "template unknown"))
        return
    in_force = template_for_year(year)
    span = _first_span(ctx)
    if tpl == "none":
        if in_force == "legacy":
            _emit(
                ctx,
                r,
                PASS,
                message=f"{r['id']}: a {year} report without a statutory table "
                "(no national table was mandatory before 2019)",
            )
        else:
            detail = (
                f"{year} report has no statutory table; the format in force is "
                f"{in_force} ({_TEMPLATE_SOURCE[in_force]})"
            )
            _emit(ctx, r, FAIL, fields={"detail": detail})
        return
    if tpl == in_force:
        _emit(
            ctx,
            r,
            PASS,
            span=span,
            message=f"{r['id']}: a {year} report uses {tpl}, the format in force",
        )
        return
    detail = (
        f"{year} report uses {tpl}; the format in force for {year} is {in_force} "
        f"({_TEMPLATE_SOURCE[in_force]})"
    )
    _emit(ctx, r, FAIL, span=span, fields={"detail": detail})


_WS_RE = re.compile(r"\s+")


def _norm(s: Any) -> str:
    if type(s) is str and len(s) <= 200:  # noqa: E721 - titles: memoised
        return _norm_str(s)
    return _WS_RE.sub("", unicodedata.normalize("NFKC", str(s or "")))


@lru_cache(maxsize=8192)
def _norm_str(s: str) -> str:
    return _WS_RE.sub("", unicodedata.normalize("NFKC", s or ""))


@lru_cache(maxsize=4)
def _section_items_cached(era: str) -> tuple[dict[str, Any], ...]:
    """:func:`section_items` (read-only; callers must not modify the dicts)."""
    return tuple(section_items(era))


class _Sections(NamedTuple):
    """A report's sections as columns (titles, starts, ends), for ``sections.missing``."""

    titles: list[Any]
    starts: list[Any]
    ends: list[Any]

    @classmethod
    def of_records(cls, records: list[Mapping[str, Any]]) -> _Sections:
        return cls(
            [s.get("title") for s in records],
            [s.get("start") for s in records],
            [s.get("end") for s in records],
        )

    @classmethod
    def of_columns(cls, cols: Mapping[str, Any]) -> _Sections:
        """From ``Report.section_columns()`` (as :func:`_section_records` reads them)."""
        lengths = {len(c) for c in cols.values()}
        if len(lengths) > 1:  # raises as the records do
            return cls.of_records(_section_records(cols))
        n = lengths.pop() if lengths else 0

        def column(name: str) -> list[Any]:
            got = cols.get(name)
            if got is None:
                return [None] * n
            return got if type(got) is list else list(got)  # read only: no copy needed

        return cls(column("title"), column("start"), column("end"))


def _first_titles(titles: list[str], items: tuple[dict[str, Any], ...]) -> list[int | None]:
    """Per item: the first of ``titles`` that contains one of its keywords (None: none).

    ``titles`` are normalised (no whitespace), so in the titles joined by newlines a keyword
    without a newline matches inside one title: the first title with any keyword is the
    least of the titles of each keyword's first match.
    """
    joined = "\n".join(titles)
    starts = list(accumulate((len(t) + 1 for t in titles[:-1]), initial=0))
    out = []
    for item in items:
        hit = None
        for k in item["keywords"]:
            i = joined.find(k)
            if i >= 0:
                j = bisect_right(starts, i) - 1
                hit = j if hit is None else min(hit, j)
        out.append(hit)
    return out


@lru_cache(maxsize=4)
def _keywords_one_line(era: str) -> bool:
    """No section keyword of the era contains a newline (see :func:`_first_titles`)."""
    return not any("\n" in k for i in _section_items_cached(era) for k in i["keywords"])


def _check_sections(ctx: _Ctx, r: Mapping[str, Any]) -> None:
    year = ctx.year
    if year is None:
        _emit(ctx, r, NA, message=_na_message(r, "", "report year unknown"))
        return
    secs = ctx.sections
    if secs is None or not secs.titles:
        _emit(ctx, r, NA, message=_na_message(r, "", "no sections found"))
        return
    era = "2008" if year < FIRST_YEAR_GOV2019 else "2019"
    norm_titles = [_norm(t) for t in secs.titles]
    items = _section_items_cached(era)
    if _keywords_one_line(era):
        hits = _first_titles(norm_titles, items)
    else:
        hits = [
            next(
                (i for i, t in enumerate(norm_titles) if any(k in t for k in it["keywords"])), None
            )
            for it in items
        ]
    body: str | None = None  # normalised text, computed only when an item needs it
    rid, severity = r["id"], r["severity"]
    for item, hit in zip(items, hits, strict=True):
        fields = {"key": item["key"], "label": item["label_zh"]}
        if hit is not None:
            message = (
                f"{rid}, item {item['key']} ({item['label_zh']}): section {norm_titles[hit]!r}"
            )
            ctx.out.append(  # as _emit(ctx, r, PASS, row=..., span=..., message=...)
                (
                    ctx.report_id,
                    rid,
                    PASS,
                    severity,
                    "",
                    item["key"],
                    "",
                    _NAN,
                    _NAN,
                    _NAN,
                    _opt_int(secs.starts[hit]),
                    _opt_int(secs.ends[hit]),
                    message,
                )
            )
            continue
        tk = item.get("text_keywords") or []
        if tk and body is None:
            body = _norm(ctx.text) if ctx.text else ""
        if tk and any(k in body for k in tk):
            _emit(
                ctx,
                r,
                PASS,
                row=item["key"],
                message=f"{r['id']}, item {item['key']} ({item['label_zh']}): no section, but "
                f"the text mentions {'/'.join(tk)}",
            )
            continue
        where = "2008 Regulations Art. 32" if era == "2008" else "Art. 50"
        _emit(
            ctx,
            r,
            FAIL,
            row=item["key"],
            fields={**fields, "detail": f"no section found (required by {where} for {year})"},
        )


def _excerpt(sentence: str, raw: str, at: int | None = None, width: int = 18) -> str:
    """A short quote of the clause around ``raw``, which starts at ``sentence[at:]``.

    Without ``at`` (or where ``raw`` is not there) the first occurrence of ``raw`` is quoted:
    a clause can hold the same digits more than once (规章000 … 申请0条).
    """
    lead = len(sentence) - len(sentence.lstrip())
    sentence = sentence.strip()
    i = at - lead if at is not None else -1
    if not (0 <= i and sentence.startswith(raw, i)):
        i = sentence.find(raw)
    if len(sentence) <= 2 * width or i < 0:
        return f"「{sentence}」"
    a, b = max(0, i - width), min(len(sentence), i + len(raw) + width)
    return f"「{'…' if a else ''}{sentence[a:b]}{'…' if b < len(sentence) else ''}」"


def _alt_reading(ctx: _Ctx, r: Mapping[str, Any], quantity: str, value: float) -> str | None:
    """The alternative cells (``alt_targets``) when they sum to ``value``, as 'a + b = v'."""
    targets = _form_value(r.get("alt_targets", {}).get(quantity, {}), ctx, [])
    cells = [ctx.cells.get(tuple(t.split("/"))) for t in targets]
    if not targets or any(c is None or not c.is_number for c in cells):
        return None
    total = sum(c.value for c in cells)
    if abs(total - value) > ctx.tolerance(r):
        return None
    names = " + ".join(t.split("/", 1)[1] for t in targets)
    return f"{names} = {_expr([c.value for c in cells], ctx.settings)}"


def _table_spans(ctx: _Ctx) -> list[tuple[int, int]]:
    """(first start, last end) of each table's cells, tables in order (those with offsets)."""
    a = ctx.arrays
    if a is not None and a.offsets_int:
        starts, ends = a.starts, a.ends
        return [(min(get(starts)), max(get(ends))) for get in a.layout.table_getters]
    if a is not None:
        spans = map(a.span_min_max, a.layout.by_table_pos.values())
        return [(st, en) for st, en in spans if st is not None and en is not None]
    out = []
    _table_keys(ctx, "")  # builds ctx.by_table: its keys are the tables in order
    cells = ctx.cells
    for keys in ctx.by_table.values():
        cs = [cells[k] for k in keys]
        st = [c.start for c in cs if c.start is not None]
        en = [c.end for c in cs if c.end is not None]
        if st and en:
            out.append((min(st), max(en)))
    return out


class _NarrativeTarget(NamedTuple):
    """The cells a narrative quantity is compared with, in one layout."""

    keys: list[tuple[str, ...]]  # "table/row/col" targets split
    positions: list[int | None]  # their positions (None: absent)
    tkey: str  # "row/col+row/col", for messages
    parts: list[str | None] | None  # the PASS/FAIL message (see _compile_parts)
    select: Callable[[tuple], tuple] | None


def _narrative_plan(ctx: _Ctx, r: Mapping[str, Any]) -> dict[str, _NarrativeTarget]:
    """Per quantity with targets in the report's template: its cells (see _run_narrative).

    Depends on the layout only (``ctx.cells`` is asked for keys, not values).
    """
    out = {}
    pos = ctx.arrays.layout.pos if ctx.arrays is not None else ctx.cells
    for q, by_template in r["targets"].items():
        targets = _form_value(by_template, ctx, [])
        if not targets:
            continue
        keys = [tuple(t.split("/")) for t in targets]
        tkey = "+".join(f"{k[1]}/{k[2]}" for k in keys)
        const = {"rule": r["id"], "table": keys[0][0], "detail": q, "key": tkey}
        got = _compile_parts(r[ctx.msg_key], const, _SUM_VARIABLES)
        parts, select = (got[0], _selector(got[1])) if got is not None and got[1] else (None, None)
        positions = [pos.get(k) if isinstance(pos, dict) else None for k in keys]
        out[q] = _NarrativeTarget(keys, positions, tkey, parts, select)
    return out


def _check_narrative(ctx: _Ctx, r: Mapping[str, Any]) -> None:
    """Numbers stated in the text vs the table cells (``narrative`` kind)."""
    _run_narrative(_narrative_plan(ctx, r), ctx, r)


def _run_narrative(plan: dict[str, _NarrativeTarget], ctx: _Ctx, r: Mapping[str, Any]) -> None:
    global _find_records
    if _find_records is None:  # imported on first use (an import per call costs)
        from gkwork.narrative import _find_records
    if not ctx.text:
        _emit(ctx, r, NA, message=_na_message(r, "", "no text"))
        return
    # Ignore numbers inside tables: spans of each table's cells (text offsets).
    table_spans = _table_spans(ctx)
    mapper = ctx.to_text_offset
    stated = []
    for s in _find_records(ctx.text):
        start, end = s["start"], s["end"]
        if mapper is not None:
            start, end = mapper(start), mapper(end)
        if any(start < e and a < end for a, e in table_spans):
            continue
        stated.append((s, start, end))
    if not stated:
        _emit(ctx, r, NA, message=_na_message(r, "", "no comparable number stated in the text"))
        return
    a = ctx.arrays
    vals = a.values if a is not None else None
    out, report_id, rid, severity = ctx.out, ctx.report_id, r["id"], r["severity"]
    for s, start, end in stated:
        q, value = s["quantity"], s["value"]
        span = (int(start), int(end))
        target = plan.get(q)
        is_part = s.get("is_part", False)
        if s["is_approx"] or s["is_cumulative"] or is_part or target is None:
            if s["is_approx"] or s["is_cumulative"] or is_part:
                why = (
                    "approximate number"
                    if s["is_approx"]
                    else "cumulative number"
                    if s["is_cumulative"]
                    else "part of a larger count (a share, a category or a combined count)"
                )
                reason = f"{why}, not compared"
            else:
                reason = f"no table cell for {q} in form {ctx.form or 'unknown'}"
            _emit(
                ctx,
                r,
                NA,
                span=span,
                observed=value,
                message=_na_message(r, f"{q} {s['raw']!r}", reason),
            )
            continue
        keys, positions = target.keys, target.positions
        table, row, col = keys[0][0], keys[0][1], keys[0][2]
        if vals is not None and None not in positions:
            cells = None
            numbers = [vals[p] for p in positions]
            complete = all(v == v for v in numbers)
        else:
            cells = [(k, ctx.cells.get(k)) for k in keys]
            complete = all(c is not None and c.is_number for _, c in cells)
        if not complete:
            if cells is None:
                cells = [(k, a.cell(p)) for k, p in zip(keys, positions, strict=True)]
            miss = [("/".join(k), c) for k, c in cells if c is None or not c.is_number]
            desc = _describe_missing(miss, len(cells), ctx.settings)
            _emit(
                ctx,
                r,
                NA,
                table=table,
                row=row,
                col=col,
                span=span,
                observed=value,
                message=_na_message(r, f"{q} {s['raw']!r}", desc),
            )
            continue
        if cells is not None:
            numbers = [c.value for _, c in cells]
        expected = sum(numbers)
        delta = value - expected
        ok = abs(delta) <= ctx.tolerance(r)
        alt = _alt_reading(ctx, r, q, value) if not ok else None
        if alt is not None:
            _emit(
                ctx,
                r,
                PASS,
                table=table,
                row=row,
                col=col,
                expected=expected,
                observed=value,
                delta=delta,
                span=span,
                message=(
                    f"{rid}, {q}: narrative {_num(value)} "
                    f"({_excerpt(s['sentence'], s['raw'], s['start'] - s['sent_start'])}) differs from {target.tkey} "
                    f"{_num(expected)} but equals {alt}"
                ),
            )
            continue
        excerpt = _excerpt(s["sentence"], s["raw"], s["start"] - s["sent_start"])
        if target.parts is None:
            message = _render(
                ctx,
                r,
                table,
                expected,
                value,
                delta,
                {"detail": q, "left_expr": excerpt, "key": target.tkey},
                PASS if ok else FAIL,
            )
        else:  # as _render with those fields
            op, rop = _OPS[("narrative", PASS if ok else FAIL)]
            values = (_num(value), _num(expected), _signed(delta), excerpt, "", op, rop)
            message = _fill(target.parts, target.select(values))
        out.append(
            (
                report_id,
                rid,
                PASS if ok else FAIL,
                severity,
                table,
                row,
                col,
                float(expected),
                float(value),
                float(delta),
                span[0],
                span[1],
                message,
            )
        )


#: gkwork.narrative._find_records, imported on first use (see _run_narrative).
_find_records: Callable[..., list[dict]] | None = None


# ---------------------------------------------------------------------------------------------
# Compiled plans
#
# Most of what a rule does on a report depends only on the report's layout (template and cell
# keys): which instances a sum rule has, where its terms sit, the labels in its messages,
# which tables are complete, ... A plan compiles the selected rules once per layout (and
# settings) into flat position lists into the report's cell arrays plus pre-rendered message
# templates; running it is then plain arithmetic and string formatting. The plan is derived
# from the catalog entries by the same functions the generic checks use (_sum_plan,
# _completeness_entries, ...), and every case a compiled check does not cover (missing or NaN
# terms, blank totals, inferred cells, flagged or odd values) is handed to the generic code,
# so the rows are the same by construction. tests/unit/test_validate_speed_equivalence.py
# compares both.

_FORMATTER = string.Formatter()
_FIELD_ROOT = re.compile(r"[.\[]")
#: Message fields a compiled sum or pair comparison fills per row (in this order: see
#: _run_sum); the others are rendered at compile time.
_SUM_VARIABLES: tuple[str, ...] = (
    "observed",
    "expected",
    "delta",
    "left_expr",
    "right_expr",
    "op",
    "rop",
)


def _compile_parts(
    template: str, const: Mapping[str, Any], variables: Iterable[str], *, convert: bool = False
) -> tuple[list[str | None], tuple[str, ...]] | None:
    """Pre-render a message template for :func:`_fill`.

    The fields in ``const`` (and unknown ones: "", as :class:`_Fields` gives) become text;
    each plain field of ``variables`` (``{name}``: no format spec, attribute or index; no
    conversion either unless ``convert``) becomes a slot.

    Returns
    -------
    (list, tuple) or None
        ``parts``: text and None alternating, text first and last (a None per slot);
        ``names``: the variable of each slot, with its conversion when it has one
        (``"detail!r"``: see :func:`_slot_value`). None when a variable field is not plain
        or the template cannot be rendered (the generic code formats those messages).

    Examples
    --------
    >>> _compile_parts("{rule}: {observed} ({x})", {"rule": "r1"}, ["observed"])
    (['r1: ', None, ' ()'], ('observed',))
    """
    variables = frozenset(variables)
    try:
        fields = _Fields(const)
        parts: list[str | None] = [""]
        names = []
        for literal, name, spec, conv in _FORMATTER.parse(template):
            parts[-1] += literal
            if name is None:
                continue
            if name in variables and not spec and (not conv or (convert and conv in "rsa")):
                parts += [None, ""]
                names.append(f"{name}!{conv}" if conv else name)
                continue
            root = _FIELD_ROOT.split(name, maxsplit=1)[0]
            if not root or root.isdigit() or root in variables or (spec and "{" in spec):
                return None
            field = "{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
            parts[-1] += field.format_map(fields)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError):
        return None
    return parts, tuple(names)


_CONVERSIONS: dict[str, Callable[[Any], str]] = {"r": repr, "s": str, "a": ascii}


def _slot_value(name: str, value: str) -> str:
    """``value`` for a slot of :func:`_compile_parts` (``"name!r"``: its repr, ...)."""
    _, bang, conv = name.partition("!")
    return _CONVERSIONS[conv](value) if bang else value


def _fill(parts: list[str | None], values: tuple[str, ...]) -> str:
    """The message of :func:`_compile_parts` parts with ``values`` in the slots."""
    filled = parts.copy()
    filled[1::2] = values
    return "".join(filled)


def _gather(positions: list[int]) -> Callable[[Any], Any]:
    """A C-level function giving the values at ``positions`` of a sequence.

    ``itemgetter`` with two or more positions gives a tuple; for zero or one position a
    slice (``itemgetter(p)`` would give the bare value), of the sequence's type.
    """
    if len(positions) >= 2:
        return itemgetter(*positions)
    if positions:
        return itemgetter(slice(positions[0], positions[0] + 1))
    return itemgetter(slice(0, 0))


class _SumInstance(NamedTuple):
    """One instance of a sum / le rule compiled for a layout (see :func:`_run_sum`)."""

    item: tuple  # the _sum_plan entry, for the generic code
    get_left: Callable[[list], Any]  # values of the left / right terms (see _gather)
    get_right: Callable[[list], Any]
    positions: tuple[int | None, ...]  # of the left then right terms (None: absent)
    names: tuple[str, ...]  # the terms, in the same order
    tm_pos: int | None  # position of a single left total that may be blank
    span_pos: int | None  # position of the cell that gives the row's span
    parts: list[str | None] | None  # message (see _compile_parts); None: generic code / absent
    where: str  # for not-assessable messages
    row: str
    col: str


class _SumPlan(NamedTuple):
    """A sum / le rule compiled for one layout (see :func:`_run_sum`)."""

    tol: float
    is_sum: bool
    used: frozenset[str]  # the variable fields its message template uses
    # the slot values of its messages from the seven _SUM_VARIABLES values (see _selector)
    select: Callable[[tuple], tuple] | None  # None: no compiled message, generic code
    instances: list[_SumInstance]


def _compile_sum(cctx: _Ctx, r: Mapping[str, Any]) -> _SumPlan:
    table, is_col = r["table"], r["per"] == "col"
    axis = "column" if is_col else "row"
    tm_id = r.get("total_missing_rule")
    pos = cctx.cells  # compile context: {key: position}
    names: tuple[str, ...] | None = None
    instances = []
    for item in _sum_plan(cctx, r):
        key, left, right, label, lkeys, rkeys, row_key, col_key = item
        lpos = [pos.get(k) for k in lkeys]
        rpos = [pos.get(k) for k in rkeys]
        absent = None in lpos or None in rpos
        const = {"rule": r["id"], "table": table, "axis": axis, "key": key, "label": label}
        got = _compile_parts(r[cctx.msg_key], const, _SUM_VARIABLES)
        parts = got[0] if got is not None and not absent else None  # absent: not assessable
        if got is None:
            names = ()  # not compiled: generic code for the rule
        elif names is None:
            names = got[1]  # the same for every instance: one template
        instances.append(
            _SumInstance(
                item,
                _gather([] if absent else lpos),
                _gather([] if absent else rpos),
                (*lpos, *rpos),
                (*left, *right),
                lpos[0] if tm_id and len(lpos) == 1 else None,
                lpos[0] if lpos else (rpos[0] if rpos else None),
                parts,
                _where(axis, key, label),
                row_key,
                col_key,
            )
        )
    select = _selector(names) if names else None
    return _SumPlan(
        cctx.tolerance(r), r["kind"] == "sum", frozenset(names or ()), select, instances
    )


def _selector(names: tuple[str, ...]) -> Callable[[tuple], tuple]:
    """Picks the values of ``names`` (as a tuple) from a tuple in _SUM_VARIABLES order."""
    idx = [_SUM_VARIABLES.index(n) for n in names]
    if len(idx) == 1:
        return itemgetter(slice(idx[0], idx[0] + 1))
    return itemgetter(*idx)


def _run_sum(plan: _SumPlan, ctx: _Ctx, r: Mapping[str, Any]) -> None:
    """A compiled sum / le rule (as :func:`_check_sum`)."""
    if ctx.any_inferred is None:
        ctx.any_inferred = _any_inferred(ctx)
    select = plan.select
    if ctx.any_inferred or select is None:  # inference states: generic code
        _check_sum(ctx, r)
        return
    a = ctx.arrays
    vals, flags, starts, ends = a.value_tuple(), a.flags, a.starts, a.ends
    tol, is_sum, used = plan.tol, plan.is_sum, plan.used
    need_obs, need_exp = "observed" in used, "expected" in used
    need_left, need_right = "left_expr" in used, "right_expr" in used
    out, report_id = ctx.out, ctx.report_id
    rid, severity, table = r["id"], r["severity"], r["table"]
    # memo look-ups inlined (the functions fill the memos on a miss); "" is never a value
    num, nums, signed, signs = _num, _NUM_MEMO, _signed, _SIGNED_MEMO
    exprs, expr = _expr_memo(ctx.settings), _expr_floats
    ops = {PASS: _OPS[(r["kind"], PASS)], FAIL: _OPS[(r["kind"], FAIL)]}
    for inst in plan.instances:
        item, get_left, get_right, positions, _, tm_pos, sp, parts, _, row, col = inst
        # a blank single total: generic code (substring test: without "blank" in its flags
        # text the cell cannot have the flag)
        if parts is None or (tm_pos is not None and "blank" in flags[tm_pos]):
            _sum_missing(ctx, r, inst)
            continue
        lv = get_left(vals)  # tuples (vals is a tuple): hashable memo keys
        rv = get_right(vals)
        observed, expected = sum(lv), sum(rv)
        if observed != observed or expected != expected:  # a NaN term (or inf - inf)
            _sum_missing(ctx, r, inst)
            continue
        delta = observed - expected
        status = PASS if (abs(delta) <= tol if is_sum else delta <= tol) else FAIL
        values = (  # in _SUM_VARIABLES order; only those the message shows
            (nums.get(observed) or num(observed)) if need_obs else "",
            (nums.get(expected) or num(expected)) if need_exp else "",
            signs.get(delta) or signed(delta),
            (exprs.get(lv) or expr(lv, ctx.settings)) if need_left else "",
            (exprs.get(rv) or expr(rv, ctx.settings)) if need_right else "",
            *ops[status],
        )
        message = parts.copy()  # _fill, inlined
        message[1::2] = select(values)
        out.append(
            (
                report_id,
                rid,
                status,
                severity,
                table,
                row,
                col,
                float(expected),
                float(observed),
                float(delta),
                None if sp is None else starts[sp],
                None if sp is None else ends[sp],
                "".join(message),
            )
        )


def _sum_missing(ctx: _Ctx, r: Mapping[str, Any], inst: _SumInstance) -> None:
    """A compiled instance with an absent or NaN term: not assessable (as
    :func:`_sum_instance`), unless its single total is blank (generic code)."""
    a = ctx.arrays
    vals, flags = a.values, a.flags
    tm_pos = inst.tm_pos
    if tm_pos is not None and "blank" in flags[tm_pos]:
        # a blank total is reported as such when every part is a number: generic code
        parts = inst.positions[1:]  # a single left total, then the right terms
        if None not in parts and all(vals[p] == vals[p] for p in parts):
            _sum_instance(ctx, r, inst.item)
            return
    miss = [
        (name, p)
        for name, p in zip(inst.names, inst.positions, strict=True)
        if p is None or vals[p] != vals[p]
    ]
    if not miss:  # all numbers (inf - inf): generic code
        _sum_instance(ctx, r, inst.item)
        return
    desc = _describe_missing_at(a, miss, len(inst.positions), ctx.settings)
    sp = inst.span_pos
    ctx.out.append(
        (
            ctx.report_id,
            r["id"],
            NA,
            r["severity"],
            r["table"],
            inst.row,
            inst.col,
            _NAN,
            _NAN,
            _NAN,
            None if sp is None else a.starts[sp],
            None if sp is None else a.ends[sp],
            _na_message(r, inst.where, desc),
        )
    )


class _PairInstance(NamedTuple):
    """One comparison of a le_pairs rule compiled for a layout (see :func:`_run_le_pairs`)."""

    col: str
    part: str
    total: str
    part_pos: int | None
    total_pos: int | None
    parts: list[str | None] | None  # message (see _compile_parts); None: generic code
    select: Callable[[tuple], tuple] | None


def _compile_le_pairs(cctx: _Ctx, r: Mapping[str, Any]) -> list[_PairInstance]:
    pos, table = cctx.cells, r["table"]
    out = []
    for col, part, total in _le_pairs_instances(cctx, r):
        const = {"rule": r["id"], "table": table, **_le_pair_fields(cctx, table, part, total)}
        got = _compile_parts(r[cctx.msg_key], const, (*_SUM_VARIABLES[:3], "op", "rop"))
        pp, tp = pos.get((table, part, col)), pos.get((table, total, col))
        if got is None or not got[1] or pp is None or tp is None:
            out.append(_PairInstance(col, part, total, pp, tp, None, None))
        else:
            out.append(_PairInstance(col, part, total, pp, tp, got[0], _selector(got[1])))
    return out


def _run_le_pairs(plan: list[_PairInstance], ctx: _Ctx, r: Mapping[str, Any]) -> None:
    """A compiled le_pairs rule (as :func:`_check_le_pairs`)."""
    tol = ctx.tolerance(r)
    if ctx.any_inferred is None:
        ctx.any_inferred = _any_inferred(ctx)
    if ctx.any_inferred:  # inference states: generic code
        _check_le_pairs(ctx, r)
        return
    a = ctx.arrays
    vals, starts, ends = a.values, a.starts, a.ends
    out, report_id, rid, severity, table = (
        ctx.out,
        ctx.report_id,
        r["id"],
        r["severity"],
        r["table"],
    )
    for col, part, total, pp, tp, parts, select in plan:
        if parts is None:
            _le_pair(ctx, r, tol, col, part, total)
            continue
        pv, tv = vals[pp], vals[tp]
        if pv != pv or tv != tv:  # NaN: not assessable
            _le_pair(ctx, r, tol, col, part, total)
            continue
        delta = pv - tv
        status = PASS if delta <= tol else FAIL
        op, rop = _OPS[("le_pairs", status)]
        message = _fill(parts, select((_num(pv), _num(tv), _signed(delta), "", "", op, rop)))
        out.append(
            (
                report_id,
                rid,
                status,
                severity,
                table,
                part,
                col,
                float(tv),
                float(pv),
                float(delta),
                starts[pp],
                ends[pp],
                message,
            )
        )


def _run_domain(table: str, ctx: _Ctx, r: Mapping[str, Any]) -> None:
    """A compiled domain rule (as :func:`_check_domain`): only odd values are looked at."""
    a = ctx.arrays
    layout = a.layout
    n_checked = len(layout.by_table_pos.get(table, ()))
    failures = 0
    odd = a.odd()
    if odd:
        table_of = layout.table_of
        vals, keys = a.values, layout.keys
        for p in sorted((p for p in odd if table_of[p] == table), key=layout.rank.__getitem__):
            if vals[p] != vals[p]:  # NaN: not a number
                n_checked -= 1
                continue
            failures += _domain_cell(ctx, r, table, keys[p], a.cell(p))
    _domain_summary(ctx, r, table, n_checked, failures)


class _FlagPlan(NamedTuple):
    """A flag rule compiled for a layout (see :func:`_run_flag`)."""

    pass_rows: list[tuple]  # its rows when no cell is flagged (no report_id), one per table
    fails: dict[int, tuple | None]  # _compile_parts of a failure's message (filled on use)


def _run_flag(plan: _FlagPlan, ctx: _Ctx, r: Mapping[str, Any]) -> None:
    """A compiled flag rule (as :func:`_check_flag`)."""
    a = ctx.arrays
    flags, flag = a.flags, r["flag"]
    bad = [p for p in a.flagged() if flag in flags[p] and flag in _flag_set(flags[p])]
    report_id, out = ctx.report_id, ctx.out
    if not bad:
        out.extend([(report_id, *row) for row in plan.pass_rows])
        return
    layout = a.layout
    bad.sort(key=layout.rank.__getitem__)
    table_of, keys, fails = layout.table_of, layout.keys, plan.fails
    rid, severity = r["id"], r["severity"]
    for row in plan.pass_rows:
        table = row[3]
        hits = [p for p in bad if table_of[p] == table]
        for p in hits:
            key = keys[p]
            if p not in fails:  # as _flag_fail's message, with the cell's text left open
                const = {
                    "rule": rid,
                    "table": table,
                    "observed": "NA",
                    "expected": "NA",
                    "delta": "NA",
                    "key": f"{key[1]}/{key[2]}",
                    "label": _label(ctx, table, "row", key[1]),
                }
                fails[p] = _compile_parts(r[ctx.msg_key], const, ("detail",), convert=True)
            got = fails[p]
            if got is None:
                _flag_fail(ctx, r, table, key, a.cell(p))
                continue
            detail = a.raw(p).strip()
            message = _fill(got[0], tuple(_slot_value(n, detail) for n in got[1]))
            out.append(
                (
                    report_id,
                    rid,
                    FAIL,
                    severity,
                    table,
                    key[1],
                    key[2],
                    _NAN,
                    _NAN,
                    _NAN,
                    a.starts[p],
                    a.ends[p],
                    message,
                )
            )
        if not hits:
            out.append((report_id, *row))


def _run_completeness(entries: list[tuple], ctx: _Ctx, r: Mapping[str, Any]) -> None:
    """A compiled completeness rule: :func:`_completeness_entries` with positions."""
    a = ctx.arrays
    starts, ends = a.starts, a.ends
    out, report_id, rid, severity = ctx.out, ctx.report_id, r["id"], r["severity"]
    fast = a.offsets_int
    for table, status, n_exp, n_have, delta, message, span_kind, positions, get in entries:
        if fast:
            st, en = get(starts), get(ends)
        else:
            st = [s for s in map(starts.__getitem__, positions) if s is not None]
            en = [e for e in map(ends.__getitem__, positions) if e is not None]
        span = _completeness_span(span_kind, st, en)
        out.append(
            (
                report_id,
                rid,
                status,
                severity,
                table,
                "",
                "",
                float(n_exp),
                float(n_have),
                float(delta),
                span[0],
                span[1],
                message,
            )
        )


def _run_rows(rows: list[tuple], ctx: _Ctx, r: Mapping[str, Any]) -> None:
    """Rows that do not depend on the report (tuples without the report_id)."""
    report_id = ctx.report_id
    ctx.out.extend([(report_id, *row) for row in rows])


def _const_rows(cctx: _Ctx, emit: Callable[[_Ctx], None]) -> list[tuple]:
    """The rows ``emit`` appends to a compile context, without their report_id."""
    cctx.out = []
    emit(cctx)
    return [row[1:] for row in cctx.out]


def _generic_rule(cctx: _Ctx, r: Mapping[str, Any]) -> Callable[[_Ctx, Mapping[str, Any]], None]:
    """Rule ``r`` on a report of the layout of ``cctx``, by its generic function (no plan).

    A table rule of another template gives its constant not-assessable row (unknown
    template) or nothing.
    """
    kind = r["kind"]
    if kind in _TABLE_KINDS and cctx.template not in r["templates"]:
        if cctx.known_template:  # a rule of another template: nothing to report
            return partial(_run_rows, [])
        table = r.get("table", "")
        reason = f"template {cctx.template or 'missing'}: no statutory table"
        rows = _const_rows(
            cctx, lambda c: _emit(c, r, NA, table=table, message=_na_message(r, "", reason))
        )
        return partial(_run_rows, rows)
    return _DISPATCH[kind]


def _compile_rule(cctx: _Ctx, r: Mapping[str, Any]) -> Callable[[_Ctx, Mapping[str, Any]], None]:
    """The function that runs rule ``r`` on a report of the layout of ``cctx``.

    Kinds without a compiled form (and rules of other templates) run as
    :func:`_generic_rule` gives them.
    """
    kind = r["kind"]
    if kind in _TABLE_KINDS and cctx.template not in r["templates"]:
        return _generic_rule(cctx, r)
    if kind in ("sum", "le"):
        return partial(_run_sum, _compile_sum(cctx, r))
    if kind == "le_pairs":
        return partial(_run_le_pairs, _compile_le_pairs(cctx, r))
    if kind == "narrative":
        return partial(_run_narrative, _narrative_plan(cctx, r))
    if kind == "domain":
        return partial(_run_domain, r["table"])
    if kind == "flag":
        tables = list(cctx.by_table)
        if not tables:
            return partial(_run_rows, _const_rows(cctx, lambda c: _check_flag(c, r)))
        rows = [
            _const_rows(cctx, lambda c, t=t: _flag_pass(c, r, t, len(cctx.by_table[t])))[0]
            for t in tables
        ]
        return partial(_run_flag, _FlagPlan(rows, {}))
    if kind == "completeness":
        if not cctx.known_template:
            return partial(_run_rows, _const_rows(cctx, lambda c: _check_completeness(c, r)))
        pos = cctx.cells
        entries = []
        for e in _completeness_entries(cctx, r):
            positions = [pos[k] for k in e[7]]
            entries.append((*e[:7], positions, _gather(positions)))
        return partial(_run_completeness, entries)
    return _generic_rule(cctx, r)


def _settings_key(settings: CheckSettings) -> tuple | None:
    """What a compiled plan depends on in the settings (None: not hashable, no memo)."""
    try:
        key = (
            settings.lang,
            settings.max_listed,
            settings.long_sum_terms,
            tuple(sorted(settings.tolerances.items())),
        )
        hash(key)
    except TypeError:
        return None
    return key


def _compiled_plan(
    layout: _Layout, settings: CheckSettings, rules_to_run: Iterable[str] | None
) -> list[tuple[Callable[[_Ctx, Mapping[str, Any]], None], Mapping[str, Any]]]:
    """(function, rule) per selected rule, compiled for the layout; memoised on it."""
    selected = None
    sel_key = None
    if rules_to_run is not None:
        selected = _selected_rules(rules_to_run)  # validates the IDs
        sel_key = tuple(r["id"] for r in selected)
    skey = _settings_key(settings)
    memo_key = (skey, sel_key)
    plan = layout.plans.get(memo_key) if skey is not None else None
    if plan is not None:
        return plan
    if selected is None:
        selected = _selected_rules(None)
    cctx = _Ctx(  # compile context: knows the keys (as {key: position}), not the values
        report_id=None,
        meta={},
        template=layout.template,
        year=None,
        cells=layout.pos,
        order=layout.order,
        text=None,
        sections=None,
        settings=settings,
        msg_key=f"message_{settings.lang}",
        by_table=layout.by_table,
        table_rows=layout.table_rows,
        variant=layout.variant,
    )
    tpl, variant = layout.template, layout.variant
    in_form = (_rule_for_form(r, tpl, variant) for r in selected)
    plan = [
        (_compile_rule(cctx, r), r)
        for r in in_form
        if r is not None and r["kind"] not in ("panel", "total_missing")
    ]
    if skey is not None:
        layout.plans[memo_key] = plan
    return plan


# ---------------------------------------------------------------------------------------------
# Entry points

_DISPATCH: dict[str, Callable[[_Ctx, Mapping[str, Any]], None]] = {
    "sum": _check_sum,
    "le": _check_sum,
    "le_pairs": _check_le_pairs,
    "domain": _check_domain,
    "flag": _check_flag,
    "pattern": _check_pattern,
    "authority": _check_authority,
    "max_value": _check_cell_rule,
    "unit_unknown": _check_cell_rule,
    "completeness": _check_completeness,
    "template": _check_template,
    "sections": _check_sections,
    "narrative": _check_narrative,
}


def _empty_checks() -> pd.DataFrame:
    return _to_frame([])


_CHECK_DTYPES: dict[str, str] = {
    **{c: "string" for c in ("report_id", "rule", "status", "severity", "table", "row", "col")},
    "message": "string",
    **{c: "float64" for c in ("expected", "observed", "delta")},
    "start": "Int64",
    "end": "Int64",
}


@lru_cache(maxsize=1)
def _arrow_string_type() -> Any:
    """The pyarrow type behind ``pd.array(..., dtype="string")`` (None: not arrow-backed)."""
    try:
        import pyarrow as pa

        probe = pd.array(["x"], dtype="string")
        if isinstance(probe, pd.arrays.ArrowStringArray):
            chunked = probe._pa_array
            if isinstance(chunked, pa.ChunkedArray) and chunked.num_chunks == 1:
                return chunked.type
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - other pandas builds
        pass
    return None


def _array(values: list[Any], dtype: str) -> Any:
    """``pd.array(values, dtype=dtype)``; all-str string columns skip pandas' inference."""
    if dtype == "string" and values and set(map(type, values)) == {str}:
        pa_type = _arrow_string_type()
        if pa_type is not None:
            import pyarrow as pa

            return pd.arrays.ArrowStringArray(pa.chunked_array([pa.array(values, type=pa_type)]))
    return pd.array(values, dtype=dtype)


def _to_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Result rows given as CHECK_COLUMNS dicts (gkwork.panel) as a DataFrame."""
    return pd.DataFrame({c: _array([r[c] for r in rows], _CHECK_DTYPES[c]) for c in CHECK_COLUMNS})


def _columns(rows: list[tuple]) -> dict[str, list]:
    """Result rows (tuples in CHECK_COLUMNS order, see _emit) as ``{column: list}``."""
    if not rows:
        return {c: [] for c in CHECK_COLUMNS}
    # every row has len(CHECK_COLUMNS) items (built so): plain zips
    return dict(zip(CHECK_COLUMNS, map(list, zip(*rows, strict=False)), strict=False))


def _tuples_frame(rows: list[tuple]) -> pd.DataFrame:
    """Result rows (tuples in CHECK_COLUMNS order) as a DataFrame (as :func:`_to_frame`)."""
    cols = _columns(rows)
    if not rows:
        return pd.DataFrame({c: _array(cols[c], _CHECK_DTYPES[c]) for c in CHECK_COLUMNS})
    return pd.DataFrame({c: _fast_array(cols[c], _CHECK_DTYPES[c]) for c in CHECK_COLUMNS})


_NONE_TYPE = type(None)


def _fast_array(values: list[Any], dtype: str) -> Any:
    """:func:`_array` for non-empty result columns: float64 and Int64 without inference.

    Gives the same column as ``pd.array(values, dtype=dtype)`` (masked Int64 slots hold 1,
    as pandas fills them).
    """
    types = set(map(type, values))
    if dtype == "float64" and types == {float}:
        return np.array(values, dtype=np.float64)
    if dtype == "Int64" and types <= {int, _NONE_TYPE}:
        n = len(values)
        try:
            data = np.fromiter((1 if v is None else v for v in values), dtype=np.int64, count=n)
        except OverflowError:
            return pd.array(values, dtype=dtype)
        mask = np.fromiter((v is None for v in values), dtype=np.bool_, count=n)
        return pd.arrays.IntegerArray(data, mask)
    return _array(values, dtype)


def _template_order(
    keys: list[tuple[str, str, str]], template: str | None, variant: str = ""
) -> list[tuple[str, str, str]]:
    """Cell keys in template order (tables, rows, columns); unknown keys after, as given.

    Results then do not depend on the row order of the input cells.
    """
    if not keys:
        return keys
    memo_key = (template, variant, tuple(keys))
    hit = _ORDER_MEMO.get(memo_key)
    if hit is None:
        if len(_ORDER_MEMO) >= 512:
            _ORDER_MEMO.clear()
        hit = _ORDER_MEMO[memo_key] = _template_order_uncached(keys, template, variant)
    return hit


#: Memo of _template_order: {(template, variant, keys): ordered keys} (callers must not
#: modify).
_ORDER_MEMO: dict[tuple, list[tuple[str, str, str]]] = {}


def _template_order_uncached(
    keys: list[tuple[str, str, str]], template: str | None, variant: str = ""
) -> list[tuple[str, str, str]]:
    info = _expected_info(template or "", variant)
    rank = {k: v[3] for k, v in info.items()}
    tables = list(dict.fromkeys([*(k[0] for k in rank), *(k[0] for k in keys)]))
    t_rank = {t: i for i, t in enumerate(tables)}
    pos = {k: i for i, k in enumerate(keys)}
    return sorted(keys, key=lambda k: (t_rank[k[0]], 0 if k in rank else 1, rank.get(k, 0), pos[k]))


def check_cells(
    cells: pd.DataFrame,
    meta: Mapping[str, Any],
    *,
    text: str | None = None,
    sections: pd.DataFrame | None = None,
    report_id: str | None = None,
    settings: CheckSettings | None = None,
    rules_to_run: Iterable[str] | None = None,
    to_text_offset: Callable[[int], int] | None = None,
) -> pd.DataFrame:
    """Run the catalog's rules over one report's cells.

    Parameters
    ----------
    cells : pandas.DataFrame
        Long cells of one report (columns of :data:`gkwork.model.CELL_COLUMNS`; ``report_id``
        optional). Not modified.
    meta : Mapping
        Report metadata: ``template`` (gov2019, gov2021, legacy, none), ``template_variant``
        (a provincial form of the template, '' or absent for the base form), ``year``,
        ``admin_level``, ``agency_kind``; optional ``inferred_by`` mapping
        ``"table/row/col"`` to the rule IDs used to infer that cell.
    text : str, optional
        Text for the narrative and section rules (offsets as in the cells).
    sections : pandas.DataFrame, optional
        Sections (:data:`gkwork.model.SECTION_COLUMNS`) for ``sections.missing``.
    report_id : str, optional
        Written into every result row (default: ``meta['report_id']``).
    settings : CheckSettings, optional
        Message language and tolerance overrides.
    rules_to_run : iterable of str, optional
        Restrict to these rule IDs (default: all but panel rules).
    to_text_offset : callable, optional
        Maps an offset in ``text`` to the offset basis of the cells (HTML/DOCX/PDF reports
        whose narrative is a plain rendering).

    Returns
    -------
    pandas.DataFrame
        One row per check performed, columns :data:`gkwork.model.CHECK_COLUMNS`, in catalog
        order then template order.
    """
    if cells is not None and len(cells.columns):
        lacking = [c for c in ("table", "row", "col", "value") if c not in cells.columns]
        if lacking:
            raise GkworkError(
                f"cells must have columns table, row, col, value (see gkwork.model.CELL_COLUMNS); "
                f"missing {lacking}; got {list(cells.columns)}"
            )
    out = _run_checks(
        _frame_arrays(cells, _meta_template(meta), _meta_variant(meta, _meta_template(meta))),
        meta,
        text=text,
        sections=None if sections is None else _Sections.of_records(sections.to_dict("records")),
        report_id=report_id,
        settings=settings,
        rules_to_run=rules_to_run,
        to_text_offset=to_text_offset,
    )
    return _tuples_frame(out)


def _selected_rules(rules_to_run: Iterable[str] | None) -> list[dict[str, Any]]:
    catalog = _rules_cached()
    if rules_to_run is not None:
        wanted = list(rules_to_run)
        unknown = [w for w in wanted if w not in catalog]
        if unknown:
            raise GkworkError(
                f"rules_to_run names unknown rules {unknown}; see gkwork.validate.rule_catalog()"
            )
        return [catalog[w] for w in catalog if w in set(wanted)]
    return list(catalog.values())


def _meta_template(meta: Mapping[str, Any]) -> str | None:
    return _text(meta.get("template")).strip() or None


def _meta_variant(meta: Mapping[str, Any], template: str | None) -> str:
    """The template variant of report metadata ('' = the base form; see ``template_variant``).

    Raises
    ------
    GkworkError
        When the template has no such variant (the message lists those it has).
    """
    variant = _text(meta.get("template_variant")).strip()
    if not variant or template not in ("gov2019", "gov2021", "legacy"):
        return ""
    known = _tpl().variants(template)
    if variant not in known:
        raise GkworkError(
            f"template_variant of a {template} report must be one of "
            f"{', '.join(repr(v) for v in known)} ('' = the national form); got {variant!r}"
        )
    return variant


def _frame_arrays(
    cells: pd.DataFrame | None, template: str | None, variant: str = ""
) -> _CellArrays:
    """:func:`_prepare` for cells given as a DataFrame (None or empty: no cells)."""
    if cells is None or len(cells) == 0:
        return _prepare([], [], [], [], [], [], [], [], [], template=template, variant=variant)
    return _prepare(*_frame_columns(cells), template=template, variant=variant)


def _default_settings() -> CheckSettings:
    """``CheckSettings()``, built once (its validation reads the whole catalog)."""
    global _DEFAULT_SETTINGS
    if _DEFAULT_SETTINGS is None:
        _DEFAULT_SETTINGS = CheckSettings()
    return _DEFAULT_SETTINGS


_DEFAULT_SETTINGS: CheckSettings | None = None


def _run_checks(
    arrays: _CellArrays,
    meta: Mapping[str, Any],
    *,
    text: str | None,
    sections: _Sections | None,
    report_id: str | None,
    settings: CheckSettings | None,
    rules_to_run: Iterable[str] | None = None,
    to_text_offset: Callable[[int], int] | None = None,
) -> list[tuple]:
    """Run the selected rules over a report's cells; the result rows (CHECK_COLUMNS tuples).

    ``arrays`` comes from :func:`_prepare` with the template of ``meta``.
    """
    settings = settings or _default_settings()
    layout = arrays.layout
    plan = _compiled_plan(layout, settings, rules_to_run)
    ctx = _Ctx(
        report_id=report_id if report_id is not None else meta.get("report_id"),
        meta=meta,
        template=layout.template,
        year=_as_year(meta.get("year")),
        cells=_CellView(arrays),
        order=layout.order,
        text=text,
        sections=sections,
        settings=settings,
        to_text_offset=to_text_offset,
        msg_key=f"message_{settings.lang}",
        by_table=layout.by_table,
        table_rows=layout.table_rows,
        arrays=arrays,
        variant=layout.variant,
    )
    for fn, r in plan:
        fn(ctx, r)
    return ctx.out


def _section_records(cols: Mapping[str, list]) -> list[dict[str, Any]]:
    names = list(cols)
    return [dict(zip(names, vals, strict=True)) for vals in zip(*cols.values(), strict=True)]


def _report_rows(report: Report, settings: CheckSettings | None) -> list[tuple] | None:
    """Check result rows of a report (None when its status is not ok)."""
    if report.status != "ok":
        logger.debug("check_report: %s has status %s; no checks", report.report_id, report.status)
        return None
    doc = report.document
    text, mapper = report.text, None
    if doc is not None and doc.plain is not None:
        text, mapper = doc.plain, doc.to_text_offset
    frames = getattr(report, "_frames", None) or {}
    template = _meta_template(report.meta)
    variant = _meta_variant(report.meta, template)
    if isinstance(frames.get("cells"), pd.DataFrame):  # built from (or given as) a DataFrame
        cells = frames["cells"]
        if len(cells.columns):
            lacking = [c for c in ("table", "row", "col", "value") if c not in cells.columns]
            if lacking:
                raise GkworkError(
                    "cells must have columns table, row, col, value (see "
                    f"gkwork.model.CELL_COLUMNS); missing {lacking}; got {list(cells.columns)}"
                )
        arrays = _frame_arrays(cells, template, variant)
    else:
        got = _report_columns(report.cell_columns())
        if got is None:
            arrays = _frame_arrays(None, template, variant)
        else:
            arrays = _prepare(*got, template=template, variant=variant)
    if isinstance(frames.get("sections"), pd.DataFrame):
        sections = _Sections.of_records(frames["sections"].to_dict("records"))
    else:
        sections = _Sections.of_columns(report.section_columns())
    return _run_checks(
        arrays,
        report.meta,
        text=text,
        sections=sections,
        report_id=report.report_id,
        settings=settings,
        to_text_offset=mapper,
    )


def check_columns(report: Report, *, settings: CheckSettings | None = None) -> dict[str, list]:
    """:func:`check_report` as column lists (``{column: list}``, CHECK_COLUMNS order).

    Internal fast path for corpus builds: no DataFrame is built. Missing numbers are NaN
    (expected, observed, delta) or None (start, end).
    """
    return _columns(_report_rows(report, settings) or [])


def check_report(report: Report, *, settings: CheckSettings | None = None) -> pd.DataFrame:
    """Run the catalog's rules over a parsed :class:`~gkwork.model.Report`.

    Reports whose ``status`` is not ``ok`` give an empty result (nothing could be checked).

    Returns
    -------
    pandas.DataFrame
        As :func:`check_cells`.

    Raises
    ------
    GkworkError
        When ``report`` is not a Report (a path, say: read it first with ``read_report``).
    """
    if not isinstance(report, Report):
        hint = (
            f"; read the file first: check_report(read_report({str(report)!r}))"
            if isinstance(report, str | os.PathLike)
            else ""
        )
        raise GkworkError(
            f"check_report takes a Report (from gkwork.read_report); got "
            f"{type(report).__name__}{hint}"
        )
    rows = _report_rows(report, settings)
    return _empty_checks() if rows is None else _tuples_frame(rows)


def summarize_checks(checks: pd.DataFrame) -> pd.DataFrame:
    """Counts of check results by rule and severity, one column per status.

    Returns
    -------
    pandas.DataFrame
        Columns rule, severity, pass, fail, not_assessable, total; rules in catalog order.
    """
    cols = ["rule", "severity", *STATUS_ORDER, "total"]
    if checks is None or len(checks) == 0:
        return pd.DataFrame(columns=cols)
    counts = (
        checks.groupby(["rule", "severity", "status"], observed=True)
        .size()
        .unstack("status", fill_value=0)
        .reindex(columns=list(STATUS_ORDER), fill_value=0)
        .reset_index()
    )
    counts.columns.name = None
    counts["total"] = counts[list(STATUS_ORDER)].sum(axis=1)
    rank = {rid: i for i, rid in enumerate(rules())}
    counts["_rank"] = counts["rule"].map(lambda x: rank.get(x, len(rank)))
    counts = counts.sort_values(["_rank", "rule"], kind="stable").drop(columns="_rank")
    return counts[cols].reset_index(drop=True)


#: gov2021 rows whose sum is the gov2019 row ``other`` (（六）其他处理).
OTHER_PARTS_2021: tuple[str, ...] = ("other_no_correction", "other_no_fee", "other_other")


def harmonised_view(cells: pd.DataFrame, template: str | None = None) -> pd.DataFrame:
    """Derived cells that make gov2019 and gov2021 applications tables comparable.

    Currently one derivation: for gov2021 reports, ``other`` = ``other_no_correction`` +
    ``other_no_fee`` + ``other_other`` per column (NaN when a part is missing). The result is
    a separate frame marked ``derived=True``; reported cells are never changed.

    Parameters
    ----------
    cells : pandas.DataFrame
        Long cells (one or many reports).
    template : str, optional
        Template of all reports in ``cells``; when None, every report that has the three
        gov2021 rows is treated as gov2021.

    Returns
    -------
    pandas.DataFrame
        Columns report_id, table, row, col, value, derived (True), derived_from.
    """
    cols = ["report_id", "table", "row", "col", "value", "derived", "derived_from"]
    if template is not None and template != "gov2021":
        return pd.DataFrame(columns=cols)
    sub = cells[(cells["table"] == "applications") & (cells["row"].isin(OTHER_PARTS_2021))]
    if sub.empty:
        return pd.DataFrame(columns=cols)
    rid = sub["report_id"] if "report_id" in sub.columns else pd.Series("", index=sub.index)
    sub = sub.assign(report_id=rid.fillna(""))
    out = []
    for (report_id, col), g in sub.groupby(["report_id", "col"], sort=False):
        vals = {r: g.loc[g["row"] == r, "value"] for r in OTHER_PARTS_2021}
        parts = [v.iloc[0] if len(v) else math.nan for v in vals.values()]
        value = math.nan if any(pd.isna(p) for p in parts) else float(sum(parts))
        out.append(
            {
                "report_id": report_id,
                "table": "applications",
                "row": "other",
                "col": col,
                "value": value,
                "derived": True,
                "derived_from": " + ".join(OTHER_PARTS_2021),
            }
        )
    return pd.DataFrame(out, columns=cols)
