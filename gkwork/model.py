"""Core data structures shared by every module.

The flow of a report through gkwork::

    bytes --readers--> Document --layouts--> [Grid] --extract--> cells (long DataFrame)
                                  \\--recover (flattened / damaged text)--> cells
    Document + cells --meta--> Report.meta, Report.sections
    Report --validate--> checks (DataFrame)

Offsets (``start``/``end``) always refer to ``Document.text`` (== ``Report.text``), so that
``text[start:end] == raw`` for every grid cell and every canonical cell.

Rendering (synthetic reports, test fixtures) goes the other way: a layout-neutral list of
``Block`` objects (``ParaBlock`` / ``TableBlock``) is written as txt, md, HTML, DOCX or PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from gkwork.errors import TemplateError

#: Columns of the long ``cells`` table, in order (schema.md "Long cell format").
CELL_COLUMNS: list[str] = [
    "report_id",
    "table",
    "row",
    "col",
    "value",
    "unit",
    "raw",
    "flag",
    "start",
    "end",
]

#: Every flag a cell may carry in ``cells.flag`` (comma-joined when several), with what it
#: means. ``gkwork.values.parse_value`` gives the first nine, the recovery of damaged text
#: (``gkwork.recover``) the last three. A flagged value is still the value as reported.
CELL_FLAGS: dict[str, str] = {
    "blank": "the cell is empty: value missing (not 0)",
    "text_value": "the cell holds 无, —, / or similar: value missing (not 0)",
    "unparseable": "the cell holds text that is not a number: value missing, raw kept",
    "unit_stripped": "a unit printed in the cell (61件, 251000元) went to the unit column",
    "fullwidth": "full-width digits (１２) read as 12",
    "thousands_sep": "thousands separators (1,234) read as 1234",
    "signed": "an explicit + sign",
    "negative_not_allowed": "a negative number where the row does not allow one (kept)",
    "decimal_not_allowed": "a decimal fraction where counts are whole numbers (kept)",
    "inferred_split": "damaged text: the value comes from the one split of a run of digits "
    "that the template's identities allow",
    "ambiguous": "damaged text: several splits fit; value missing, candidates recorded",
    "unresolved": "damaged text: no split fits the template's identities; value missing",
}

#: Columns of the ``reports`` table (schema.md "Report metadata"), in order.
REPORT_COLUMNS: list[str] = [
    "report_id",
    "path",
    "sha256",
    "format",
    "layout",
    "encoding",
    "status",
    "error",
    "title",
    "agency",
    "agency_kind",
    "admin_level",
    "province",
    "city",
    "county",
    "division_code",
    "index_no",
    "year",
    "signed_date",
    "template",
    "template_variant",
    "n_chars",
    "synthetic",
]

#: Columns of the ``sections`` table.
SECTION_COLUMNS: list[str] = ["report_id", "section", "number", "title", "start", "end", "text"]

#: Columns of a check result (schema.md, last paragraph).
CHECK_COLUMNS: list[str] = [
    "report_id",
    "rule",
    "status",
    "severity",
    "table",
    "row",
    "col",
    "expected",
    "observed",
    "delta",
    "start",
    "end",
    "message",
]

STATUSES = ("ok", "error", "needs_ocr", "empty")


@dataclass(frozen=True, slots=True)
class GridCell:
    """One raw cell of a reconstructed grid.

    ``raw`` is the exact source text: ``document.text[start:end] == raw``. ``text`` is the
    logical cell text used for label matching (e.g. an HTML cell ``本年新<br/>制作数量`` has
    ``text='本年新制作数量'``); it defaults to ``raw``.
    """

    raw: str
    start: int
    end: int
    text: str | None = None
    rowspan: int = 1
    colspan: int = 1
    is_copy: bool = False  # True where a merged cell was expanded into this position

    @property
    def label(self) -> str:
        return self.raw if self.text is None else self.text


class _GridCellDraft:
    """A mutable twin of :class:`GridCell` (same slots, same layout) for fast construction.

    A draft is filled attribute by attribute and then becomes a GridCell by ``__class__``
    assignment (Python checks that the layouts are compatible), which skips the generated
    frozen ``__init__`` (one ``object.__setattr__`` per field). A draft is made by calling the
    class (it has no ``__init__``), which is cheaper than ``object.__new__(_GridCellDraft)``.
    Private: text layouts build hundreds of cells per report.
    """

    __slots__ = GridCell.__slots__


def _new_grid_cell(raw: str, start: int, end: int, text: str | None) -> GridCell:
    """``GridCell(raw, start, end, text)``, built faster (see :class:`_GridCellDraft`)."""
    c = _GridCellDraft()
    c.raw = raw
    c.start = start
    c.end = end
    c.text = text
    c.rowspan = 1
    c.colspan = 1
    c.is_copy = False
    c.__class__ = GridCell
    return c


@dataclass
class Grid:
    """A table as rows of raw cells, before any mapping to canonical keys.

    Text layouts drop merged cells (rows are ragged); HTML/DOCX/PDF grids expand merged cells
    (copies have ``is_copy=True``). Mapping to canonical keys never relies on positions alone.
    """

    rows: list[list[GridCell]]
    start: int
    end: int
    layout: str
    page: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The grid as a DataFrame of raw strings (ragged rows padded with None)."""
        width = max((len(r) for r in self.rows), default=0)
        return pd.DataFrame([[c.raw for c in r] + [None] * (width - len(r)) for r in self.rows])


@dataclass
class Document:
    """What a reader returns: decoded text plus, for structured formats, grids.

    Attributes
    ----------
    path : str
    format : str            one of txt, md, html, docx, pdf
    text : str              the offset basis for every span
    encoding : str | None   detected encoding (text and HTML formats)
    grids : list[Grid] | None
        Tables found by the reader from document structure (HTML/DOCX/PDF). ``None`` means
        "find tables in ``text``" (txt/md) with :mod:`gkwork.layouts`.
    layout : str | None     layout name decided by the reader (e.g. ``html_table``)
    plain : str | None      a plain-text rendering for narrative analysis (HTML/DOCX/PDF); None
                            means ``text`` is already plain
    plain_map : list[int] | None
        ``plain_map[i]`` is the offset in ``text`` of ``plain[i]`` (same length as ``plain``).
    meta : dict             metadata the reader found (e.g. 索引号 in an HTML portal block)
    status : str            ok / error / needs_ocr / empty
    error : str | None      a specific, human-readable reason when status != ok
    """

    path: str
    format: str
    text: str
    encoding: str | None = None
    grids: list[Grid] | None = None
    layout: str | None = None
    plain: str | None = None
    plain_map: list[int] | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    status: str = "ok"
    error: str | None = None

    @property
    def narrative(self) -> str:
        return self.text if self.plain is None else self.plain

    def to_text_offset(self, i: int) -> int:
        """Map an offset in :attr:`narrative` to an offset in :attr:`text`."""
        if self.plain_map is None:
            return i
        if i >= len(self.plain_map):
            return len(self.text)
        return self.plain_map[i]


Columns = dict[str, list[Any]]
"""A table as a dict of equal-length column lists (cheap to build; see :class:`Report`)."""

_FRAME_DTYPES = {
    "cells": {"value": "float64", "start": "int64", "end": "int64"},
    "sections": {"start": "int64", "end": "int64"},
}


def columns_to_frame(cols: Columns, kind: str) -> pd.DataFrame:
    """Build the DataFrame of a ``cells`` or ``sections`` column dict with its dtypes."""
    names = CELL_COLUMNS if kind == "cells" else SECTION_COLUMNS
    df = pd.DataFrame({c: cols.get(c, []) for c in names}, columns=names)
    return df.astype(_FRAME_DTYPES[kind])


def frame_to_columns(df: pd.DataFrame, kind: str) -> Columns:
    names = CELL_COLUMNS if kind == "cells" else SECTION_COLUMNS
    return {c: (df[c].tolist() if c in df.columns else [None] * len(df)) for c in names}


class Report:
    """A parsed report: text, metadata, canonical cells, sections and raw grids.

    ``cells`` and ``sections`` are DataFrames; they may be given as column dicts
    (:data:`Columns`) and are then built on first access, which keeps corpus builds, which only
    need the columns (:meth:`cell_columns`), free of per-report DataFrame construction.
    """

    def __init__(
        self,
        report_id: str,
        path: str,
        text: str,
        meta: dict[str, Any],
        cells: pd.DataFrame | Columns,
        sections: pd.DataFrame | Columns,
        grids: list[Grid] | None = None,
        document: Document | None = None,
    ) -> None:
        self.report_id = report_id
        self.path = path
        self.text = text
        self.meta = meta
        self.grids = grids if grids is not None else []
        self.document = document
        self._frames: dict[str, pd.DataFrame | None] = {}
        self._cols: dict[str, Columns | None] = {}
        self._set("cells", cells)
        self._set("sections", sections)

    def _set(self, kind: str, value: pd.DataFrame | Columns) -> None:
        if isinstance(value, pd.DataFrame):
            self._frames[kind], self._cols[kind] = value, None
        else:
            self._frames[kind], self._cols[kind] = None, value

    def _frame(self, kind: str) -> pd.DataFrame:
        if self._frames[kind] is None:
            self._frames[kind] = columns_to_frame(self._cols[kind] or {}, kind)
        return self._frames[kind]

    def _columns(self, kind: str) -> Columns:
        if self._cols[kind] is None:
            return frame_to_columns(self._frames[kind], kind)
        return self._cols[kind]

    @property
    def cells(self) -> pd.DataFrame:
        """The long ``cells`` table (schema.md): one row per reported cell."""
        return self._frame("cells")

    @cells.setter
    def cells(self, value: pd.DataFrame | Columns) -> None:
        self._set("cells", value)

    @property
    def sections(self) -> pd.DataFrame:
        """The statutory sections found in the text."""
        return self._frame("sections")

    @sections.setter
    def sections(self, value: pd.DataFrame | Columns) -> None:
        self._set("sections", value)

    def cell_columns(self) -> Columns:
        """The cells as a dict of column lists (no DataFrame is built)."""
        return self._columns("cells")

    def section_columns(self) -> Columns:
        """The sections as a dict of column lists (no DataFrame is built)."""
        return self._columns("sections")

    @property
    def n_cells(self) -> int:
        cols = self._cols["cells"]
        return len(cols.get("table", [])) if cols is not None else len(self._frames["cells"])

    @property
    def status(self) -> str:
        return self.meta.get("status", "ok")

    def table(self, name: str) -> pd.DataFrame:
        """Wide view of one canonical table (rows x cols of reported values).

        ``name`` is a table key of the data contract (``applications``, ``legacy_stats``, ...);
        a table the report does not have gives an empty frame, an unknown name a
        :class:`~gkwork.errors.TemplateError` listing the keys.
        """
        from gkwork.templates import TABLES

        known = dict.fromkeys(t for tables in TABLES.values() for t in tables)
        if name not in known:
            raise TemplateError(f"table must be one of {', '.join(known)}; got {name!r}")
        sub = self.cells[self.cells["table"] == name]
        if sub.empty:
            return pd.DataFrame()
        wide = sub.pivot_table(
            index="row", columns="col", values="value", aggfunc="first", dropna=False
        )
        order_r = list(dict.fromkeys(sub["row"]))
        order_c = list(dict.fromkeys(sub["col"]))
        return wide.reindex(index=order_r, columns=order_c)

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        m = self.meta
        return (
            f"Report({self.report_id!r}, status={m.get('status')!r}, template={m.get('template')!r}, "
            f"year={m.get('year')!r}, agency={m.get('agency')!r}, cells={self.n_cells})"
        )


# ---------------------------------------------------------------------------------------------
# Rendering blocks: a layout-neutral description of a report, written out by gkwork.render
# (text layouts) and gkwork.writers (HTML, DOCX, PDF).


@dataclass
class SpanCell:
    """A cell of a table to be rendered; merged cells carry rowspan/colspan."""

    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class ParaBlock:
    text: str


@dataclass
class TableBlock:
    """A table in rendering form: rows of SpanCells, merged cells given once (HTML convention:
    a cell covered by an earlier rowspan/colspan is simply absent from later rows)."""

    rows: list[list[SpanCell]]
    name: str = ""  # e.g. 'active_disclosure', 'applications', 'review_litigation', 'legacy_stats'


Block = ParaBlock | TableBlock


def empty_cells() -> pd.DataFrame:
    """An empty DataFrame with the ``cells`` columns and dtypes."""
    df = pd.DataFrame({c: pd.Series(dtype=object) for c in CELL_COLUMNS})
    return df.astype({"value": "float64", "start": "int64", "end": "int64"})
