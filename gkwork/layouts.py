"""Find tables in plain text and rebuild them as grids of raw cells.

Real reports arrive as text in a handful of layouts (domain.md §6); each has a small,
named reconstruction step here:

``pipe``
    One table row per line, cells separated by ``|``; merged cells are simply absent and rows
    end in ragged runs of ``|`` (seeds 000, 001).
``markdown``
    GitHub pipe tables as emitted by OCR and conversion tools: lines start and end with ``|``
    and a ``|---|`` separator line follows the header.
``cell_per_line``
    One cell per line, each introduced by a TAB; a blank line ends a row; a lone TAB is a
    placeholder for a merged cell; a line without TAB continues the previous cell, even after
    a blank line (``科研`` / blank / ``机构``) (seeds 002, 004).
``tsv``
    One row per line, cells separated by TABs.

Every :class:`~gkwork.model.GridCell` keeps the exact source span: ``text[start:end] == raw``
where ``raw`` is the cell text with surrounding whitespace trimmed (a blank cell has
``raw == ''`` and ``start == end`` at the place where the cell stood). Multi-line cells keep
their line breaks in ``raw``; ``GridCell.text`` holds the cell text with whitespace removed,
which is what label matching uses.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from itertools import accumulate

from gkwork.model import Grid, GridCell, _GridCellDraft
from gkwork.model import _new_grid_cell as _new_cell

#: Layout names this module can produce.
TEXT_LAYOUTS = ("pipe", "markdown", "cell_per_line", "tsv")

_WS = " \t\r\n\u00a0\u3000\ufeff"
_WS_RE = re.compile(r"[\s\u00a0\u3000]+")
_MD_SEP_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_HEADING_RE = re.compile(r"^\s*[一二三四五六七八九十]+、")


@dataclass(frozen=True)
class LayoutSettings:
    """Thresholds of the text-layout reconstruction (named, not magic numbers).

    Attributes
    ----------
    max_continuation_chars : int
        A line without TAB that follows a blank line inside a cell-per-line table is taken as the
        continuation of the previous cell only when it is at most this long (``机构``, ``计``);
        longer lines end the table (narrative resumes).
    min_table_rows : int
        Grids with fewer rows are not tables.
    """

    max_continuation_chars: int = 8
    min_table_rows: int = 2


DEFAULT_SETTINGS = LayoutSettings()


def _cell(text: str, a: int, b: int) -> GridCell:
    """A GridCell for ``text[a:b]`` with surrounding whitespace trimmed."""
    return _cell_of(text[a:b], a)


def _cell_of(seg: str, a: int) -> GridCell:
    """:func:`_cell` for ``seg == text[a:a + len(seg)]``."""
    hit = _SEG_CACHE.get(seg)
    if hit is None:
        hit = _seg_info(seg)
    raw, lead, label = hit
    a += lead
    return _new_cell(raw, a, a + len(raw), label)


#: seg -> (raw, offset of raw in seg, label or None); cell texts repeat across reports.
_SEG_CACHE: dict[str, tuple[str, int, str | None]] = {}
_SEG_CACHE_MAX = 1 << 16
_SEG_CACHE_MAX_LEN = 128


def _seg_info(seg: str) -> tuple[str, int, str | None]:
    """(raw, lead, label) of a cell segment: trimmed text, its offset in ``seg``, and the
    whitespace-free label when it differs from ``raw`` (else None)."""
    raw = seg.strip(_WS)
    lead = len(seg) - len(seg.lstrip(_WS)) if len(raw) != len(seg) else 0
    # str.split() splits on exactly the characters of _WS_RE (str.isspace)
    label = "".join(raw.split())
    info = (raw, lead, label if label != raw else None)
    if len(seg) <= _SEG_CACHE_MAX_LEN:
        if len(_SEG_CACHE) >= _SEG_CACHE_MAX:
            _SEG_CACHE.clear()
        _SEG_CACHE[seg] = info
    return info


@functools.lru_cache(maxsize=1 << 16)
def _squeeze(raw: str) -> str:
    """``raw`` without whitespace (cached: cell texts repeat across reports)."""
    return _WS_RE.sub("", raw)


def _iter_lines(text: str):
    """Yield (start, end) of each line (without the newline)."""
    yield from _line_spans(text)[0]


def _line_spans(text: str) -> tuple[list[tuple[int, int]], list[str]]:
    """(start, end) of each line (without the newline), and the lines themselves.

    A final empty line (text ending in a newline, or empty text) is not a line.
    """
    parts, starts = _lines(text)
    return [(s, s + len(p)) for s, p in zip(starts, parts, strict=False)], parts


def _lines(text: str) -> tuple[list[str], list[int]]:
    """The lines of ``text`` (without newlines) and the offset of each line's start.

    A final empty line (text ending in a newline, or empty text) is not a line. The offsets
    come from a C-level running sum of ``len(line) + 1`` (one more than there are lines).
    """
    parts = text.split("\n")
    if parts[-1] == "":  # the empty remainder after a final newline (or an empty text)
        parts.pop()
    return parts, list(accumulate(map(_PLUS_ONE, map(len, parts)), initial=0))


_PLUS_ONE = (1).__add__


def _split_cells(text: str, a: int, b: int, sep: str) -> list[GridCell]:
    """The cells of ``text[a:b]`` split at ``sep`` (one character), each trimmed."""
    return _row_cells(text[a:b], a, sep)


def _row_cells(seg: str, a: int, sep: str) -> list[GridCell]:
    """:func:`_split_cells` for ``seg == text[a:a + len(seg)]``."""
    cache = _ROW_CACHE.get(sep)
    info = cache.get(seg) if cache is not None else None
    if info is None:
        info = _row_info(seg, sep)
    cells: list[GridCell] = []
    append = cells.append
    # _new_cell inlined: GridCell(raw, s, e, label) without the frozen __init__
    draft = _GridCellDraft
    cls = GridCell
    for raw, s, e, label in info:
        c = draft()
        c.raw = raw
        c.start = a + s
        c.end = a + e
        c.text = label
        c.rowspan = 1
        c.colspan = 1
        c.is_copy = False
        c.__class__ = cls
        append(c)
    return cells


#: sep -> {row text: ((raw, start, end, label), ...)} with offsets relative to the row text.
#: Whole table lines repeat across reports (headers, label rows, common value runs), so a hit
#: skips the split and the per-cell trimming; the cells are still new objects with offsets.
_ROW_CACHE: dict[str, dict[str, tuple[tuple[str, int, int, str | None], ...]]] = {}
_ROW_CACHE_MAX = 1 << 15
_ROW_CACHE_MAX_LEN = 256


def _row_info(seg: str, sep: str) -> tuple[tuple[str, int, int, str | None], ...]:
    """(raw, start, end, label) of each cell of ``seg`` split at ``sep``, offsets in ``seg``."""
    out = []
    cache_get = _SEG_CACHE.get
    pos = 0
    for part in seg.split(sep):
        hit = cache_get(part)
        if hit is None:
            hit = _seg_info(part)
        raw, lead, label = hit
        s = pos + lead
        out.append((raw, s, s + len(raw), label))
        pos += len(part) + 1
    info = tuple(out)
    if len(seg) <= _ROW_CACHE_MAX_LEN:
        cache = _ROW_CACHE.setdefault(sep, {})
        if len(cache) >= _ROW_CACHE_MAX:
            cache.clear()
        cache[seg] = info
    return info


# ------------------------------------------------------------------------------------------
# line classification


def _line_kind(text: str, a: int, b: int) -> str:
    return _kind_of(text[a:b])


def _kind_of(line: str) -> str:
    if "\t" not in line and "|" not in line:
        return "blank" if line.strip(_WS) == "" else "text"
    if line.startswith("\t") and line.count("\t", 1) == 0:
        return "tab"  # one cell per line; a lone TAB is a merged-cell placeholder
    if line.strip(_WS) == "":
        return "blank"
    if "|" in line:
        stripped = line.strip()
        if "---" in line and _MD_SEP_RE.match(stripped):  # the separator needs ---
            return "mdsep"
        if stripped.startswith("|") and stripped.endswith("|") and stripped.count("|") >= 3:
            return "md"
        return "pipe"
    if "\t" in line.lstrip("\t").strip(" \r\u00a0\u3000\ufeff"):
        return "tsv"  # trailing TABs are blank cells (行政强制\t\t\t)
    return "text"


def _kinds(lines: list[str]) -> list[str]:
    """``[_kind_of(line) for line in lines]``, through a bounded cache of line kinds."""
    cache = _KIND_CACHE
    kinds = list(map(cache.get, lines))  # C-level; None where the line is not cached
    if None in kinds:
        kind_of = _kind_of
        for i, k in enumerate(kinds):
            if k is None:
                line = lines[i]
                k = kinds[i] = kind_of(line)
                if len(line) <= _KIND_CACHE_MAX_LEN:
                    if len(cache) >= _KIND_CACHE_MAX:
                        cache.clear()
                    cache[line] = k
    return kinds


#: line -> _kind_of(line) (blank lines, headers, label and common value lines repeat).
_KIND_CACHE: dict[str, str] = {}
_KIND_CACHE_MAX = 1 << 15
_KIND_CACHE_MAX_LEN = 256

_PIPE_KINDS = frozenset(("pipe", "md", "mdsep"))


def find_grids(text: str, settings: LayoutSettings = DEFAULT_SETTINGS) -> list[Grid]:
    """Find every table in ``text`` and rebuild it as a :class:`~gkwork.model.Grid`.

    Parameters
    ----------
    text : str
        Decoded report text (the offset basis).
    settings : LayoutSettings
        Reconstruction thresholds.

    Returns
    -------
    list of Grid
        In document order; ``Grid.layout`` names the reconstruction used.

    Examples
    --------
    >>> g = find_grids("标题\\n规章 | 30 | 30 | 30 | |\\n规范性文件 | 18 | 18 | 18 | |\\n")[0]
    >>> g.layout, [c.raw for c in g.rows[0]]
    ('pipe', ['规章', '30', '30', '30', '', ''])
    """
    lines, starts = _lines(text)
    kinds = _kinds(lines)
    grids: list[Grid] = []
    n = len(lines)
    min_rows = settings.min_table_rows
    pipe_kinds = _PIPE_KINDS
    i = 0
    while i < n:
        k = kinds[i]
        if k == "text" or k == "blank":
            i += 1
        elif k in pipe_kinds:
            j = i + 1
            while j < n and kinds[j] in pipe_kinds:
                j += 1
            grid = _pipe_grid(lines, starts, kinds, i, j)
            if len(grid.rows) >= min_rows:
                grids.append(grid)
            i = j
        elif k == "tab":
            grid, j = _cell_per_line_grid(text, lines, starts, kinds, i, settings)
            if grid is not None and len(grid.rows) >= min_rows:
                grids.append(grid)
            i = max(j, i + 1)
        elif k == "tsv":
            j = i + 1
            while j < n and kinds[j] == "tsv":
                j += 1
            if j - i >= min_rows:
                rows = [_row_cells(lines[m], starts[m], "\t") for m in range(i, j)]
                end = starts[j - 1] + len(lines[j - 1])
                grids.append(Grid(rows=rows, start=starts[i], end=end, layout="tsv"))
            i = j
        else:
            i += 1
    return grids


def _pipe_grid(lines: list[str], starts: list[int], kinds: list[str], i: int, j: int) -> Grid:
    """The grid of the pipe or Markdown lines ``i:j``."""
    rows: list[list[GridCell]] = []
    # a block is a Markdown table only when it has a |---| separator line; otherwise lines that
    # happen to start and end with | are pipe rows whose first or last cell is blank
    is_md = "mdsep" in kinds[i:j]
    blank = _WS + "|"
    for m in range(i, j):
        k = kinds[m]
        if k == "mdsep":
            continue
        line = lines[m]
        if k == "md" and is_md:
            # drop the outer pipes of a markdown row; inner empties are blank cells
            la = line.index("|") + 1
            rows.append(_row_cells(line[la : line.rindex("|")], starts[m] + la, "|"))
        elif line.strip(blank):
            # trailing empties of ragged ``||||`` runs stay in the raw grid; extraction trims
            # them against the number of cells the template expects
            rows.append(_row_cells(line, starts[m], "|"))
        # else: every cell is blank (only pipes and whitespace): not a row
    return Grid(
        rows=rows,
        start=starts[i],
        end=starts[j - 1] + len(lines[j - 1]),
        layout="markdown" if is_md else "pipe",
    )


def _cell_per_line_grid(
    text: str,
    lines: list[str],
    starts: list[int],
    kinds: list[str],
    i: int,
    settings: LayoutSettings,
) -> tuple[Grid | None, int]:
    """Rebuild a one-cell-per-line table starting at line ``i``; return (grid, next line)."""
    n = len(lines)
    rows: list[list[GridCell]] = []
    row: list[GridCell] = []
    # the current cell: its TAB line ``tab`` (-1: none) and, once continuation lines were
    # added, the end of its content (-1: the cell is the TAB line alone)
    tab = -1
    cur_end = -1
    start = starts[i]
    end = start + len(lines[i])
    max_cont = settings.max_continuation_chars
    heading = _HEADING_RE.match
    tab_get = _TAB_LINE_CACHE.get
    draft = _GridCellDraft
    cls = GridCell
    j = i
    while j < n:
        k = kinds[j]
        if k == "tab":
            if tab >= 0:  # close the current cell
                if cur_end < 0:
                    # the cell is its TAB line: _tab_line_cell inlined (most cells)
                    line = lines[tab]
                    hit = tab_get(line)
                    if hit is None:
                        hit = _tab_line_info(line)
                    raw, lead, label = hit
                    a = starts[tab] + lead
                    c = draft()
                    c.raw = raw
                    c.start = a
                    c.end = a + len(raw)
                    c.text = label
                    c.rowspan = 1
                    c.colspan = 1
                    c.is_copy = False
                    c.__class__ = cls
                    row.append(c)
                else:
                    row.append(_close_cell(text, lines, starts, tab, cur_end))
            tab = j
            cur_end = -1
            end = starts[j] + len(lines[j])
            j += 1
            continue
        if k == "blank":
            # a blank line ends the row, unless the next non-blank line is a short continuation
            # of the current cell followed by more TAB lines (seed 004: 科研 / blank / 机构)
            nxt = j + 1
            while nxt < n and kinds[nxt] == "blank":
                nxt += 1
            if (
                tab >= 0
                and nxt < n
                and kinds[nxt] == "text"
                and _is_continuation(lines, kinds, nxt, settings)
            ):
                cur_end = end = starts[nxt] + len(lines[nxt])
                j = nxt + 1
                continue
            if tab >= 0:
                row.append(_close_cell(text, lines, starts, tab, cur_end))
                tab = -1
            if row:
                rows.append(row)
            row = []
            if nxt < n and kinds[nxt] == "tab":
                j = nxt
                continue
            j = nxt
            break
        if k == "text" and tab >= 0:
            # a line without TAB directly after a cell continues it (本年新 / 制作数量)
            line = lines[j]
            if heading(line) and len(line.strip()) > max_cont:
                break
            cur_end = end = starts[j] + len(line)
            j += 1
            continue
        break
    if tab >= 0:
        row.append(_close_cell(text, lines, starts, tab, cur_end))
    if row:
        rows.append(row)
    if not rows:
        return None, j
    return Grid(rows=rows, start=start, end=end, layout="cell_per_line"), j


def _close_cell(text: str, lines: list[str], starts: list[int], tab: int, cur_end: int) -> GridCell:
    """The cell opened by the TAB line ``tab``: the line after its TAB, or, when continuation
    lines followed (``cur_end >= 0``), the text from after the TAB up to ``cur_end``."""
    if cur_end < 0:
        raw, lead, label = _TAB_LINE_CACHE.get(lines[tab]) or _tab_line_info(lines[tab])
        a = starts[tab] + lead
        return _new_cell(raw, a, a + len(raw), label)
    a = starts[tab] + 1
    return _cell_of(text[a:cur_end], a)


def _tab_line_info(line: str) -> tuple[str, int, str | None]:
    """:func:`_seg_info` of the cell of a TAB line (the text after the TAB), with the offset
    counted from the line start."""
    raw, lead, label = _seg_info(line[1:])
    info = (raw, lead + 1, label)
    if len(line) <= _SEG_CACHE_MAX_LEN:
        if len(_TAB_LINE_CACHE) >= _SEG_CACHE_MAX:
            _TAB_LINE_CACHE.clear()
        _TAB_LINE_CACHE[line] = info
    return info


#: TAB line -> :func:`_tab_line_info` (cell texts repeat across reports).
_TAB_LINE_CACHE: dict[str, tuple[str, int, str | None]] = {}


def _is_continuation(lines: list[str], kinds: list[str], j: int, settings: LayoutSettings) -> bool:
    content = lines[j].strip(_WS)
    if len(content) > settings.max_continuation_chars or _HEADING_RE.match(content):
        return False
    # the next cell follows directly, or after the blank line that ends the row (a split
    # header at the end of a row: 总 / blank / 计 / blank / data row)
    nxt = j + 1
    while nxt < len(lines) and nxt <= j + 2 and kinds[nxt] == "blank":
        nxt += 1
    return nxt < len(lines) and kinds[nxt] == "tab"
