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
    parts = text.split("\n")
    n = len(text)
    spans: list[tuple[int, int]] = []
    append = spans.append
    pos = 0
    for part in parts:
        end = pos + len(part)
        append((pos, end))
        pos = end + 1
    if spans and spans[-1][0] >= n:  # the empty remainder after a final newline
        spans.pop()
        parts.pop()
    return spans, parts


def _split_cells(text: str, a: int, b: int, sep: str) -> list[GridCell]:
    cells: list[GridCell] = []
    append = cells.append
    cache_get = _SEG_CACHE.get
    # _new_cell inlined: GridCell(raw, s, e, label) without the frozen __init__
    new = object.__new__
    draft = _GridCellDraft
    cls = GridCell
    start = a
    for part in text[a:b].split(sep):  # sep is one character
        hit = cache_get(part)
        if hit is None:
            hit = _seg_info(part)
        raw, lead, label = hit
        s = start + lead
        c = new(draft)
        c.raw = raw
        c.start = s
        c.end = s + len(raw)
        c.text = label
        c.rowspan = 1
        c.colspan = 1
        c.is_copy = False
        c.__class__ = cls
        append(c)
        start += len(part) + 1
    return cells


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
    lines, line_texts = _line_spans(text)
    kind_of = _kind_of
    kinds = [kind_of(t) for t in line_texts]
    grids: list[Grid] = []
    i = 0
    n = len(lines)
    while i < n:
        k = kinds[i]
        if k in ("pipe", "md", "mdsep"):
            j = i
            while j < n and kinds[j] in ("pipe", "md", "mdsep"):
                j += 1
            grid = _pipe_grid(text, lines[i:j], kinds[i:j])
            if len(grid.rows) >= settings.min_table_rows:
                grids.append(grid)
            i = j
        elif k == "tab":
            grid, j = _cell_per_line_grid(text, lines, kinds, i, settings)
            if grid is not None and len(grid.rows) >= settings.min_table_rows:
                grids.append(grid)
            i = max(j, i + 1)
        elif k == "tsv":
            j = i
            while j < n and kinds[j] == "tsv":
                j += 1
            rows = [_split_cells(text, a, b, "\t") for a, b in lines[i:j]]
            if len(rows) >= settings.min_table_rows:
                grids.append(Grid(rows=rows, start=lines[i][0], end=lines[j - 1][1], layout="tsv"))
            i = j
        else:
            i += 1
    return grids


def _pipe_grid(text: str, lines: list[tuple[int, int]], kinds: list[str]) -> Grid:
    rows: list[list[GridCell]] = []
    # a block is a Markdown table only when it has a |---| separator line; otherwise lines that
    # happen to start and end with | are pipe rows whose first or last cell is blank
    is_md = "mdsep" in kinds
    for (a, b), k in zip(lines, kinds, strict=True):
        if k == "mdsep":
            continue
        if k == "md" and is_md:
            # drop the outer pipes of a markdown row; inner empties are blank cells
            la = text.index("|", a) + 1
            lb = text.rindex("|", a, b)
            row = _split_cells(text, la, lb, "|")
        else:
            # trailing empties of ragged ``||||`` runs stay in the raw grid; extraction trims
            # them against the number of cells the template expects
            row = _split_cells(text, a, b, "|")
            if all(c.raw == "" for c in row):
                row = []
        if row:
            rows.append(row)
    return Grid(
        rows=rows, start=lines[0][0], end=lines[-1][1], layout="markdown" if is_md else "pipe"
    )


def _cell_per_line_grid(
    text: str,
    lines: list[tuple[int, int]],
    kinds: list[str],
    i: int,
    settings: LayoutSettings,
) -> tuple[Grid | None, int]:
    """Rebuild a one-cell-per-line table starting at line ``i``; return (grid, next line)."""
    n = len(lines)
    rows: list[list[GridCell]] = []
    row: list[GridCell] = []
    # spans of the current cell: (start, end) of its content, possibly over several lines
    cur: list[int] | None = None
    start = lines[i][0]
    end = lines[i][1]

    def close_cell() -> None:
        nonlocal cur
        if cur is not None:
            row.append(_cell(text, cur[0], cur[1]))
            cur = None

    def close_row() -> None:
        nonlocal row
        close_cell()
        if row:
            rows.append(row)
        row = []

    j = i
    while j < n:
        a, b = lines[j]
        k = kinds[j]
        if k == "tab":
            close_cell()
            cur = [a + 1, b]
            end = b
            j += 1
            continue
        if k == "blank":
            # a blank line ends the row, unless the next non-blank line is a short continuation
            # of the current cell followed by more TAB lines (seed 004: 科研 / blank / 机构)
            nxt = j + 1
            while nxt < n and kinds[nxt] == "blank":
                nxt += 1
            if (
                cur is not None
                and nxt < n
                and kinds[nxt] == "text"
                and _is_continuation(text, lines, kinds, nxt, settings)
            ):
                cur[1] = lines[nxt][1]
                end = lines[nxt][1]
                j = nxt + 1
                continue
            close_row()
            if nxt < n and kinds[nxt] == "tab":
                j = nxt
                continue
            j = nxt
            break
        if k == "text" and cur is not None:
            # a line without TAB directly after a cell continues it (本年新 / 制作数量)
            if (
                _HEADING_RE.match(text[a:b])
                and len(text[a:b].strip()) > settings.max_continuation_chars
            ):
                break
            cur[1] = b
            end = b
            j += 1
            continue
        break
    close_row()
    if not rows:
        return None, j
    return Grid(rows=rows, start=start, end=end, layout="cell_per_line"), j


def _is_continuation(
    text: str, lines: list[tuple[int, int]], kinds: list[str], j: int, settings: LayoutSettings
) -> bool:
    a, b = lines[j]
    content = text[a:b].strip(_WS)
    if len(content) > settings.max_continuation_chars or _HEADING_RE.match(content):
        return False
    # the next cell follows directly, or after the blank line that ends the row (a split
    # header at the end of a row: 总 / blank / 计 / blank / data row)
    nxt = j + 1
    while nxt < len(lines) and nxt <= j + 2 and kinds[nxt] == "blank":
        nxt += 1
    return nxt < len(lines) and kinds[nxt] == "tab"
