"""Read a PDF report (text layer) into a :class:`~gkwork.model.Document` with pdfplumber.

``Document.text`` is built page by page from pdfplumber's output so that every grid cell's
offsets are exact: the text outside tables (``extract_text`` of the regions above, between and
below the tables) interleaved with the tables, one line per table row, cells separated by TAB.
Pages are joined with ``'\\n\\f\\n'``.

Tables: ruled tables via ``page.find_tables()`` (lines strategy); when a page has none, an
unruled fallback (text strategy) is tried and kept only if it has rows of numbers. Tables without
numeric cells (text frames drawn as boxes) are treated as narrative. A table that ends at the
bottom of a page and continues at the top of the next page with the same number of columns is
joined into one grid. Each cell keeps its page and bbox in ``Grid.extra['cell_boxes']``.

A PDF without a text layer becomes ``status='needs_ocr'``; glyphs without a Unicode mapping
(``(cid:NN)``) fall back to pypdfium2's text; damaged files raise ``corrupt_file``.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field, replace
from typing import Any

from gkwork.errors import FileFormatError, Reason
from gkwork.model import Document, Grid, GridCell
from gkwork.readers_html import is_numeric_cell, normalize_label

log = logging.getLogger("gkwork")

__all__ = ["read_pdf", "PdfSettings", "PAGE_SEPARATOR", "NEEDS_OCR_MESSAGE"]

PAGE_SEPARATOR = "\n\f\n"
NEEDS_OCR_MESSAGE = (
    "needs_ocr: the PDF has no text layer (scanned images); run OCR first, e.g. ocrmypdf, "
    "then parse the result"
)
_CID_RE = re.compile(r"\(cid:\d+\)")


@dataclass(frozen=True)
class PdfSettings:
    """Thresholds of the PDF reader (named defaults, no magic numbers in the code).

    Attributes
    ----------
    cid_ratio : float
        Fraction of ``(cid:NN)`` glyphs above which the text layer is considered garbage.
    edge_margin : float
        Fraction of the page height: a table ending within this distance of the bottom (or
        starting within it of the top) may continue across the page break.
    text_fallback_min_numbers : int
        The unruled (text strategy) fallback table is kept only if some row has at least this
        many numeric cells.
    unruled_header_lines : int
        Lines above a run of numeric lines taken as the header of an unruled table.
    narrative_min_len : int
        A one-cell row at the top or bottom of a table with at least this many characters is
        a paragraph inside the table's frame, not part of the table.
    """

    cid_ratio: float = 0.3
    edge_margin: float = 0.2
    text_fallback_min_numbers: int = 3
    narrative_min_len: int = 16
    unruled_header_lines: int = 3
    text_table_settings: dict[str, Any] = field(
        default_factory=lambda: {"vertical_strategy": "text", "horizontal_strategy": "text"}
    )


@dataclass
class _PTable:
    """A table found on one page, before joining: cell texts, bboxes and merge structure."""

    page: int
    bbox: tuple[float, float, float, float]
    texts: list[list[str | None]]  # None = covered by a merged cell
    boxes: list[list[tuple[float, float, float, float] | None]]
    origin: list[list[tuple[int, int]]]  # grid position of the cell covering each position
    page_height: float
    first_on_page: bool = False
    last_on_page: bool = False
    chars_above: int = 0
    chars_below: int = 0
    placeholders: dict[tuple[int, int], GridCell] = field(default_factory=dict)
    lead: list[str] = field(default_factory=list)  # narrative lines trimmed off the top
    trail: list[str] = field(default_factory=list)  # ... and off the bottom

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.texts), default=0)


def _ascii_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _clean_cell(text: str | None) -> str:
    """Cell text for ``Document.text``: one line, TABs made spaces.

    Wrapped lines are glued (Chinese labels wrap anywhere: ``结果\\n维持`` -> ``结果维持``; so
    do numbers), except between two ASCII words, which keep a space.
    """
    if text is None:
        return ""
    lines = [x.strip() for x in text.replace("\t", " ").split("\n")]
    out = ""
    for line in lines:
        if not line:
            continue
        if out and _ascii_letter(out[-1]) and _ascii_letter(line[0]):
            out += " "
        out += line
    return out


def _extract_rows(tbl, rows: list) -> list[list[str | None]]:
    """``tbl.extract()`` (pdfplumber's cell texts, default options), faster, same texts.

    pdfplumber tests every character of the page against every row with a Python predicate;
    here each character's midpoint is computed once and the characters are narrowed to the
    table's box first (a row's box lies inside it), then rows and cells use the same
    half-open midpoint test in the same order. ``rows`` is ``tbl.rows`` (a property that
    sorts the cells again on every access).
    """
    from pdfplumber.utils import extract_text

    x0, top, x1, bottom = tbl.bbox
    chars = []
    for ch in tbl.page.chars:
        v = (ch["top"] + ch["bottom"]) / 2
        h = (ch["x0"] + ch["x1"]) / 2
        if x0 <= h < x1 and top <= v < bottom:
            chars.append((h, v, ch))
    out: list[list[str | None]] = []
    for row in rows:
        rx0, rtop, rx1, rbottom = row.bbox
        row_chars = [c for c in chars if rx0 <= c[0] < rx1 and rtop <= c[1] < rbottom]
        texts: list[str | None] = []
        for cell in row.cells:
            if cell is None:
                texts.append(None)
                continue
            cx0, ctop, cx1, cbottom = cell
            inside = [c[2] for c in row_chars if cx0 <= c[0] < cx1 and ctop <= c[1] < cbottom]
            texts.append(extract_text(inside) if inside else "")
        out.append(texts)
    return out


def _table_from_pdfplumber(tbl, page_no: int, page_height: float) -> _PTable:
    """Texts, boxes and the merge structure of a pdfplumber Table."""
    rows = tbl.rows
    raw_rows = _extract_rows(tbl, rows)
    n_rows = len(raw_rows)
    n_cols = max((len(r) for r in raw_rows), default=0)
    boxes: list[list[Any]] = []
    for r in range(n_rows):
        cells = rows[r].cells if r < len(rows) else []
        boxes.append([cells[c] if c < len(cells) else None for c in range(n_cols)])
    col_x = []
    for c in range(n_cols):
        xs = [(b[0], b[2]) for row in boxes for b in [row[c]] if b is not None]
        if xs:
            col_x.append(sum((a + b) / 2 for a, b in xs) / len(xs))
        else:
            col_x.append(None)
    row_y = []
    for r in range(n_rows):
        ys = [(b[1] + b[3]) / 2 for b in boxes[r] if b is not None]
        row_y.append(sum(ys) / len(ys) if ys else None)
    origin: list[list[tuple[int, int]]] = [[(r, c) for c in range(n_cols)] for r in range(n_rows)]
    for r in range(n_rows):
        for c in range(n_cols):
            if boxes[r][c] is not None:
                continue
            x, y = col_x[c], row_y[r]
            found = None
            # the covering cell lies up and/or left of this position
            for rr in range(r, -1, -1):
                for cc in range(c, -1, -1):
                    b = boxes[rr][cc]
                    if b is None:
                        continue
                    if (x is None or b[0] - 0.5 <= x <= b[2] + 0.5) and (
                        y is None or b[1] - 0.5 <= y <= b[3] + 0.5
                    ):
                        found = (rr, cc)
                        break
                if found:
                    break
            if found is None:  # fall back: the nearest real cell to the left, else above
                found = next(((r, cc) for cc in range(c - 1, -1, -1) if boxes[r][cc]), None)
                found = found or next(
                    ((rr, c) for rr in range(r - 1, -1, -1) if boxes[rr][c]), (r, c)
                )
            origin[r][c] = found
    texts: list[list[str | None]] = [
        [
            raw_rows[r][c] if c < len(raw_rows[r]) and boxes[r][c] is not None else None
            for c in range(n_cols)
        ]
        for r in range(n_rows)
    ]
    return _PTable(page_no, tuple(tbl.bbox), texts, boxes, origin, page_height)


_CAPTION_RE = re.compile(r"第.{0,6}[（(][一二三四五六七八九十]+[）)]项|本列数据")


def _single_text(pt: _PTable, r: int) -> str | None:
    """The text of row ``r`` if it is one cell spanning the row (else None)."""
    row = pt.texts[r]
    others = [t for t in row[1:] if t and t.strip()]
    if others or any(pt.origin[r][c] != (r, 0) and row[c] is None for c in range(1, len(row))):
        return None
    return _clean_cell(row[0])


def _is_narrative_row(text: str | None, min_len: int) -> bool:
    if text is None:
        return False
    if not text:
        return True
    if _CAPTION_RE.search(text) or is_numeric_cell(text):
        return False
    return (
        len(text) >= min_len
        or text.endswith(("。", "；", "，", "：", "）。"))
        or bool(re.match(r"^[一二三四五六七八九十]+、", text))
    )


def _trim_narrative(pt: _PTable, min_len: int) -> None:
    """Move paragraph lines caught in a table's frame (a text box around the table) out of it."""
    n = len(pt.texts)
    lo = 0
    while lo < n and _is_narrative_row(_single_text(pt, lo), min_len):
        lo += 1
    hi = n
    while hi > lo and _is_narrative_row(_single_text(pt, hi - 1), min_len):
        hi -= 1
    if (lo, hi) == (0, n) or hi <= lo:
        return
    if any(not lo <= o[0] < hi for row in pt.origin[lo:hi] for o in row):
        return
    pt.lead = [t for t in (_single_text(pt, r) for r in range(lo)) if t]
    pt.trail = [t for t in (_single_text(pt, r) for r in range(hi, n)) if t]
    pt.texts = pt.texts[lo:hi]
    pt.boxes = pt.boxes[lo:hi]
    pt.origin = [[(o[0] - lo, o[1]) for o in row] for row in pt.origin[lo:hi]]


def _has_numbers(pt: _PTable, min_per_row: int = 1) -> bool:
    for row in pt.texts:
        if sum(1 for t in row if t and is_numeric_cell(_clean_cell(t))) >= min_per_row:
            return True
    return False


def _word_lines(page) -> list[list[dict]]:
    """Words of the page grouped into visual lines (top to bottom)."""
    words = sorted(page.extract_words(), key=lambda w: (round(w["top"]), w["x0"]))
    lines: list[list[dict]] = []
    for w in words:
        if lines and abs(lines[-1][0]["top"] - w["top"]) <= 3:
            lines[-1].append(w)
        else:
            lines.append([w])
    return lines


def _unruled_tables(page, page_no: int, settings: PdfSettings) -> list[_PTable]:
    """Tables without rules: runs of lines made mostly of numbers, cut out and read by text.

    The text strategy alone is confused by paragraphs above and below a table (their words
    cross the column gaps), so the page is first cropped to each run of numeric lines plus up
    to ``unruled_header_lines`` header lines above it.
    """
    lines = _word_lines(page)

    def numeric(line: list[dict]) -> bool:
        n = sum(1 for w in line if is_numeric_cell(w["text"]))
        return n >= settings.text_fallback_min_numbers and n >= 0.6 * len(line)

    tables: list[_PTable] = []
    i = 0
    while i < len(lines):
        if not numeric(lines[i]):
            i += 1
            continue
        j = i
        while j + 1 < len(lines) and numeric(lines[j + 1]):
            j += 1
        k = i
        while (
            k > 0
            and i - k < settings.unruled_header_lines
            and len(lines[k - 1]) >= 2
            and max(len(w["text"]) for w in lines[k - 1]) < settings.narrative_min_len
        ):
            k -= 1
        run = [w for line in lines[k : j + 1] for w in line]
        bbox = (
            max(0.0, min(w["x0"] for w in run) - 1),
            max(0.0, min(w["top"] for w in run) - 1),
            min(float(page.width), max(w["x1"] for w in run) + 1),
            min(float(page.height), max(w["bottom"] for w in run) + 1),
        )
        try:
            found = page.crop(bbox).find_tables(settings.text_table_settings)
        except Exception:  # pragma: no cover - pdfplumber edge cases
            found = []
        for t in found:
            pt = _table_from_pdfplumber(t, page_no, float(page.height))
            if pt.n_cols >= 3 and _has_numbers(pt, settings.text_fallback_min_numbers):
                _drop_empty_rows(pt)
                tables.append(pt)
        i = j + 1
    return tables


def _drop_empty_rows(pt: _PTable) -> None:
    """Remove rows without any text (the text strategy makes them between lines)."""
    keep = [r for r, row in enumerate(pt.texts) if any(t and t.strip() for t in row)]
    if len(keep) == len(pt.texts):
        return
    index = {r: n for n, r in enumerate(keep)}
    if any(o[0] not in index for r in keep for o in pt.origin[r]):
        return
    pt.texts = [pt.texts[r] for r in keep]
    pt.boxes = [pt.boxes[r] for r in keep]
    pt.origin = [[(index[o[0]], o[1]) for o in pt.origin[r]] for r in keep]


def _page_tables(page, page_no: int, settings: PdfSettings) -> list[_PTable]:
    """The data tables of one page (ruled first, then the unruled fallback)."""
    found = [_table_from_pdfplumber(t, page_no, float(page.height)) for t in page.find_tables()]
    kept = [t for t in found if t.n_cols >= 2 and _has_numbers(t)]
    if not kept:
        kept = _unruled_tables(page, page_no, settings)
    kept.sort(key=lambda t: t.bbox[1])
    for t in kept:
        _trim_narrative(t, settings.narrative_min_len)
    for i, t in enumerate(kept):
        t.first_on_page = i == 0
        t.last_on_page = i == len(kept) - 1
        x0, top, x1, bottom = t.bbox
        t.chars_above = sum(1 for ch in page.chars if ch["bottom"] <= top and ch["text"].strip())
        t.chars_below = sum(1 for ch in page.chars if ch["top"] >= bottom and ch["text"].strip())
    return kept


def _continues(prev: _PTable, nxt: _PTable, settings: PdfSettings) -> bool:
    """True when ``nxt`` (top of the next page) continues ``prev`` (bottom of its page)."""
    if nxt.page != prev.page + 1 or not (prev.last_on_page and nxt.first_on_page):
        return False
    if prev.n_cols != nxt.n_cols:
        return False
    near_bottom = prev.bbox[3] >= prev.page_height * (1 - settings.edge_margin)
    near_top = nxt.bbox[1] <= nxt.page_height * settings.edge_margin
    # allow a page header/footer line (a few chars) outside the table
    return near_bottom and near_top and prev.chars_below <= 40 and nxt.chars_above <= 40


def _region_text(page, top: float, bottom: float, tables: list[_PTable]) -> str:
    """Text of a horizontal band of the page, without the characters of kept tables."""
    if bottom - top < 0.5:
        return ""
    boxes = [t.bbox for t in tables]

    def keep(obj: dict) -> bool:
        if obj.get("object_type") != "char":
            return True
        cx = (obj["x0"] + obj["x1"]) / 2
        cy = (obj["top"] + obj["bottom"]) / 2
        if not top <= cy < bottom:
            return False
        return not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)

    try:
        text = page.filter(keep).extract_text() or ""
    except Exception:  # pragma: no cover - pdfminer layout edge cases
        log.debug("pdf: region text failed on page %s", page.page_number)
        return ""
    return _CID_RE.sub("\ufffd", text).strip("\n")


class _Text:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0

    def add(self, s: str) -> int:
        start = self.pos
        self.parts.append(s)
        self.pos += len(s)
        return start

    def newline(self) -> None:
        if self.pos and not "".join(self.parts[-1:]).endswith("\n"):
            self.add("\n")

    def text(self) -> str:
        return "".join(self.parts)


def _emit_table_part(pt: _PTable, out: _Text) -> list[list[GridCell | None]]:
    """Write one page part of a table (row lines, TAB-separated) and return its cells.

    Positions covered by a merged cell are ``None``; their zero-width placeholders (used when
    the covering cell is on another page) are kept in ``pt.placeholders``.
    """
    cells: list[list[GridCell | None]] = []
    for line in pt.lead:
        out.newline()
        out.add(line + "\n")
    for r, row in enumerate(pt.texts):
        out.newline()
        line_cells: list[GridCell | None] = []
        for c, raw_text in enumerate(row):
            if c:
                out.add("\t")
            if raw_text is None:
                line_cells.append(None)
                pt.placeholders[(r, c)] = GridCell(raw="", start=out.pos, end=out.pos, text="")
                continue
            raw = _clean_cell(raw_text)
            start = out.add(raw)
            line_cells.append(
                GridCell(raw=raw, start=start, end=start + len(raw), text=normalize_label(raw))
            )
        out.add("\n")
        cells.append(line_cells)
    for line in pt.trail:
        out.add(line + "\n")
    return cells


_MARKER_RE = re.compile(
    r"^\s*([（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、|\d+[.、．])"
)


def _label_columns(parts: list[tuple[_PTable, list[list[GridCell | None]]]]) -> int:
    """Number of leading columns that hold row labels (left of the first numeric column)."""
    first_numeric = None
    for _pt, cells in parts:
        for row in cells:
            for c, cell in enumerate(row):
                if cell is not None and is_numeric_cell(cell.raw):
                    first_numeric = c if first_numeric is None else min(first_numeric, c)
    return first_numeric or 0


def _carry_label(
    rows: list[list[GridCell]],
    c: int,
    cell: GridCell,
    carried: dict[tuple[int, int], GridCell],
    origin: tuple[int, int],
) -> GridCell:
    """A label cell at the top of a continuation page, under the last row of the previous page.

    An empty cell continues the merged label above it (becomes its copy). A non-empty cell
    that does not start with an item marker (``（四）``, ``1.``) is the rest of a label split by
    the page break (``（四）无`` / ``法提供``): both parts get the joined label as ``text``.
    """
    above = rows[-1][c] if c < len(rows[-1]) else None
    if above is None or not above.raw or is_numeric_cell(above.raw):
        return cell
    if not cell.raw:
        carried[origin] = above
        return replace(above, is_copy=True)
    if _MARKER_RE.match(cell.raw) or not _MARKER_RE.match(above.label):
        return cell
    joined = above.label + cell.label
    for row in rows:
        for k, other in enumerate(row):
            if (other.start, other.end) == (above.start, above.end) and other.raw == above.raw:
                row[k] = replace(other, text=joined)
    new = replace(cell, text=joined)
    carried[origin] = new
    return new


def _assemble(parts: list[tuple[_PTable, list[list[GridCell | None]]]]) -> Grid:
    """Join the page parts of one table into a Grid with merged cells expanded."""
    rows: list[list[GridCell]] = []
    boxes: list[list[tuple]] = []
    label_cols = _label_columns(parts)
    for p_index, (pt, cells) in enumerate(parts):
        carried: dict[tuple[int, int], GridCell] = {}
        n_cols = pt.n_cols
        # spans of origin cells within this part
        span: dict[tuple[int, int], list[int]] = {}
        for r in range(len(cells)):
            for c in range(n_cols):
                o = pt.origin[r][c]
                rs, cs = span.setdefault(o, [1, 1])
                span[o] = [max(rs, r - o[0] + 1), max(cs, c - o[1] + 1)]
        for r in range(len(cells)):
            row: list[GridCell] = []
            brow: list[tuple] = []
            for c in range(n_cols):
                o = pt.origin[r][c]
                origin_cell = cells[o[0]][o[1]] if o[0] < len(cells) else None
                if origin_cell is None:
                    origin_cell = pt.placeholders.get(o) or pt.placeholders[(r, c)]
                rs, cs = span.get(o, [1, 1])
                cell = replace(origin_cell, rowspan=rs, colspan=cs, is_copy=(r, c) != o)
                if p_index and o in carried:
                    cell = replace(carried[o], is_copy=cell.is_copy or r > 0)
                elif p_index and r == 0 and c < label_cols and rows:
                    cell = _carry_label(rows, c, cell, carried, o)
                row.append(cell)
                b = pt.boxes[o[0]][o[1]]
                brow.append((pt.page, *(round(v, 2) for v in b)) if b else (pt.page,))
            rows.append(row)
            boxes.append(brow)
    spans = [c for row in rows for c in row if c.end > c.start]
    first = parts[0][0]
    return Grid(
        rows=rows,
        start=min((c.start for c in spans), default=0),
        end=max((c.end for c in spans), default=0),
        layout="pdf_table",
        page=first.page,
        extra={
            "pages": [pt.page for pt, _ in parts],
            "bboxes": [(pt.page, *(round(v, 2) for v in pt.bbox)) for pt, _ in parts],
            "cell_boxes": boxes,
        },
    )


def _pdfium_text(data: bytes) -> str:
    import pypdfium2

    doc = pypdfium2.PdfDocument(data)
    try:
        pages = []
        for i in range(len(doc)):
            tp = doc[i].get_textpage()
            pages.append(tp.get_text_range())
        return PAGE_SEPARATOR.join(p.replace("\r\n", "\n") for p in pages)
    finally:
        doc.close()


def _garbage_ratio(text: str) -> float:
    visible = [ch for ch in text if not ch.isspace()]
    if not visible:
        return 1.0
    bad = sum(1 for ch in visible if ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff")
    return (bad + 5 * len(_CID_RE.findall(text))) / len(visible)


def read_pdf(data: bytes, path: str, settings: PdfSettings | None = None) -> Document:
    """Read a PDF report with a text layer.

    Parameters
    ----------
    data : bytes
        The PDF file.
    path : str
        Where it came from.
    settings : PdfSettings, optional
        Thresholds; defaults are :class:`PdfSettings` ().

    Returns
    -------
    Document
        ``format='pdf'``, ``layout='pdf_table'``; ``grids`` with ``page`` and per-cell boxes;
        ``meta['n_pages']``. Without a text layer: ``status='needs_ocr'`` and the OCR message;
        with an unusable text layer: ``status='error'``, ``error`` starting ``decode_failed``.

    Raises
    ------
    FileFormatError
        ``empty_file`` for empty input; ``corrupt_file`` when the bytes are not a readable PDF
        (no ``%PDF`` header, damaged structure, or encrypted).
    """
    settings = settings or PdfSettings()
    if not data:
        raise FileFormatError(Reason.EMPTY_FILE, f"{path}: the PDF file is empty")
    if b"%PDF" not in data[:1024]:
        raise FileFormatError(
            Reason.CORRUPT_FILE,
            f"not a valid PDF file (no %PDF header in the first 1024 bytes): {path}; "
            f"found {data[:8]!r}",
        )
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        pages = list(pdf.pages)
    except Exception as exc:
        if "password" in f"{type(exc).__name__} {exc!r}".lower():
            raise FileFormatError(
                Reason.CORRUPT_FILE,
                f"the PDF is encrypted with a password: {path}; decrypt it (e.g. qpdf --decrypt) "
                "and parse the result",
            ) from exc
        raise FileFormatError(
            Reason.CORRUPT_FILE,
            f"not a valid PDF file ({type(exc).__name__}: {exc}): {path}; "
            "try repairing it (e.g. qpdf or pdfplumber.repair) and parse again",
        ) from exc
    try:
        return _read_pages(pdf, pages, data, path, settings)
    except FileFormatError:
        raise
    except Exception as exc:
        raise FileFormatError(
            Reason.CORRUPT_FILE,
            f"damaged PDF, reading its pages failed ({type(exc).__name__}: {exc}): {path}",
        ) from exc
    finally:
        pdf.close()


def _read_pages(pdf, pages, data: bytes, path: str, settings: PdfSettings) -> Document:
    meta: dict[str, Any] = {"n_pages": len(pages)}
    info = {k: v for k, v in (pdf.metadata or {}).items() if isinstance(v, str)}
    if info:
        meta["pdf_info"] = info
    n_chars = sum(len(p.chars) for p in pages)
    if n_chars == 0:
        return Document(
            path=path,
            format="pdf",
            text="",
            grids=[],
            layout="pdf_table",
            meta=meta,
            status="needs_ocr",
            error=NEEDS_OCR_MESSAGE,
        )
    n_cid = sum(1 for p in pages for ch in p.chars if ch["text"].startswith("(cid:"))
    if n_cid / n_chars > settings.cid_ratio:
        return _pdfium_fallback(data, path, meta, n_cid, n_chars, settings)

    out = _Text()
    page_tables: list[list[_PTable]] = [
        _page_tables(p, i + 1, settings) for i, p in enumerate(pages)
    ]
    # decide joins before writing text (a table part belongs to the grid of its first page)
    parts_of: list[list[_PTable]] = []
    prev: _PTable | None = None
    for tables in page_tables:
        for t in tables:
            if prev is not None and parts_of and _continues(prev, t, settings):
                parts_of[-1].append(t)
            else:
                parts_of.append([t])
            prev = t
    emitted: dict[int, list[list[GridCell | None]]] = {}
    for i, page in enumerate(pages):
        if i:
            out.add(PAGE_SEPARATOR)
        tables = page_tables[i]
        y = 0.0
        for t in tables:
            band = _region_text(page, y, t.bbox[1], tables)
            if band:
                out.newline()
                out.add(band)
            emitted[id(t)] = _emit_table_part(t, out)
            y = t.bbox[3]
        band = _region_text(page, y, float(page.height) + 1, tables)
        if band:
            out.newline()
            out.add(band)
    text = out.text()
    grids = [_assemble([(t, emitted[id(t)]) for t in group]) for group in parts_of]
    doc = Document(path=path, format="pdf", text=text, grids=grids, layout="pdf_table", meta=meta)
    if _garbage_ratio(text) > settings.cid_ratio:
        doc.status = "error"
        doc.error = (
            f"{Reason.DECODE_FAILED.value}: the PDF text layer is mostly unmapped glyphs; "
            "run OCR (e.g. ocrmypdf --force-ocr) and parse the result"
        )
    return doc


def _pdfium_fallback(
    data: bytes, path: str, meta: dict[str, Any], n_cid: int, n_chars: int, settings: PdfSettings
) -> Document:
    """Text from pypdfium2 when pdfplumber sees ``(cid:NN)`` glyphs; tables left to layouts."""
    meta = {**meta, "text_source": "pypdfium2", "cid_glyphs": n_cid}
    try:
        text = _pdfium_text(data)
    except Exception as exc:
        log.debug("pdf: pypdfium2 text failed for %s: %s", path, exc)
        text = ""
    if text.strip() and _garbage_ratio(text) <= settings.cid_ratio:
        log.info("pdf: %s has %d/%d unmapped glyphs; using pypdfium2 text", path, n_cid, n_chars)
        return Document(path=path, format="pdf", text=text, grids=None, layout=None, meta=meta)
    return Document(
        path=path,
        format="pdf",
        text=text,
        grids=[],
        layout="pdf_table",
        meta=meta,
        status="error",
        error=(
            f"{Reason.DECODE_FAILED.value}: {n_cid} of {n_chars} glyphs have no Unicode mapping "
            "((cid:NN)) and pypdfium2 recovers no readable text; run OCR (e.g. ocrmypdf "
            "--force-ocr) and parse the result"
        ),
    )
