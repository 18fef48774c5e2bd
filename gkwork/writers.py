"""Write layout-neutral blocks as HTML, DOCX or PDF (synthetic reports and test fixtures).

A report is described by a list of :class:`~gkwork.model.ParaBlock` and
:class:`~gkwork.model.TableBlock` objects. Tables follow the HTML convention: a cell covered by
an earlier rowspan/colspan is absent from later rows. A ``'\\n'`` inside a cell text is a line
break inside the cell (``<br />`` in HTML, ``w:br`` in Word, a new line in PDF).

Examples
--------
>>> from gkwork.model import ParaBlock, SpanCell, TableBlock
>>> blocks = [ParaBlock("一、总体情况"), TableBlock([[SpanCell("规章"), SpanCell("0")]])]
>>> write_html(blocks, chrome=False).startswith(b"<!DOCTYPE html>")
True
"""

from __future__ import annotations

import html
import io
import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from gkwork.model import Block, ParaBlock, SpanCell, TableBlock

log = logging.getLogger("gkwork")

__all__ = ["write_html", "write_docx", "write_pdf", "table_layout", "find_cjk_font"]

#: Labels of a government portal's metadata block, in display order (domain.md §7).
PORTAL_LABELS: dict[str, str] = {
    "index_no": "索引号",
    "publisher": "发布机构",
    "written_date": "成文日期",
    "published_date": "发布日期",
    "doc_no": "文号",
    "topic": "主题分类",
}

_CSS = (
    "body{font-family:SimSun,serif;font-size:14px}"
    ".xxgk-meta td{padding:2px 6px}"
    ".content table{border-collapse:collapse}"
    ".content td{border:1px solid #000;text-align:center}"
)

# A script whose string contains table markup: a reader must not pick it up as a table.
_SCRIPT = 'var tpl = "<table><tr><td>999</td></tr></table>"; function share(){return tpl;}'


# ---------------------------------------------------------------------------------------------
# Table geometry shared by the DOCX and PDF writers


def table_layout(table: TableBlock) -> tuple[list[tuple[int, int, SpanCell]], int, int]:
    """Place the cells of an HTML-convention table on a full grid.

    Parameters
    ----------
    table : TableBlock
        Rows of :class:`SpanCell`; cells covered by a span are absent from later rows.

    Returns
    -------
    placed : list of (row, col, SpanCell)
        The top-left grid position of every cell, in row order.
    n_rows, n_cols : int
        Size of the full grid.
    """
    occupied: set[tuple[int, int]] = set()
    placed: list[tuple[int, int, SpanCell]] = []
    n_cols = 0
    for r, row in enumerate(table.rows):
        c = 0
        for cell in row:
            while (r, c) in occupied:
                c += 1
            rs, cs = max(1, cell.rowspan), max(1, cell.colspan)
            for dr in range(rs):
                for dc in range(cs):
                    occupied.add((r + dr, c + dc))
            placed.append((r, c, cell))
            c += cs
            n_cols = max(n_cols, c)
    n_rows = max((r for r, _ in occupied), default=-1) + 1
    n_rows = max(n_rows, len(table.rows))
    return placed, n_rows, n_cols


# ---------------------------------------------------------------------------------------------
# HTML


def _html_cell_text(text: str) -> str:
    if not text.strip():
        return "&nbsp;"
    return "<br />".join(html.escape(part, quote=False) for part in text.split("\n"))


def _html_table(table: TableBlock, indent: str = "") -> list[str]:
    out = [
        f'{indent}<table border="1" cellspacing="0" cellpadding="0" class="data">',
        f"{indent}<tbody>",
    ]
    for row in table.rows:
        tds = []
        for cell in row:
            attrs = ""
            if cell.rowspan > 1:
                attrs += f' rowspan="{cell.rowspan}"'
            if cell.colspan > 1:
                attrs += f' colspan="{cell.colspan}"'
            tds.append(f'<td{attrs}><p align="center">{_html_cell_text(cell.text)}</p></td>')
        out.append(f"{indent}<tr>{''.join(tds)}</tr>")
    out += [f"{indent}</tbody>", f"{indent}</table>"]
    return out


def _portal_block(meta: dict[str, str]) -> list[str]:
    items = [(PORTAL_LABELS.get(k, k), v) for k, v in meta.items() if v is not None]
    rows = []
    for i in range(0, len(items), 2):
        pair = items[i : i + 2]
        tds = "".join(
            f"<td class='lab'>{html.escape(lab)}：</td><td>{html.escape(str(val))}</td>"
            for lab, val in pair
        )
        rows.append(f"<tr>{tds}</tr>")
    return ['<table class="xxgk-meta" width="100%">', *rows, "</table>"]


def write_html(
    blocks: Sequence[Block],
    *,
    title: str | None = None,
    encoding: str = "utf-8",
    portal_meta: dict[str, str] | None = None,
    chrome: bool = True,
) -> bytes:
    """Render blocks as a government-portal style HTML page.

    Parameters
    ----------
    blocks : sequence of ParaBlock | TableBlock
    title : str, optional
        Page title and ``<h1>``; defaults to the first paragraph's text.
    encoding : str
        Output encoding, e.g. ``"utf-8"`` or ``"gbk"``; declared in ``<meta charset>``.
        Characters the encoding cannot represent become numeric character references.
    portal_meta : dict, optional
        Metadata block shown above the content; keys ``index_no``, ``publisher``,
        ``written_date``, ``published_date``, ``doc_no``, ``topic`` (others shown as given).
    chrome : bool
        Add page chrome: a script, a header, a navigation bar, a layout table wrapping the
        content, and a footer.

    Returns
    -------
    bytes
        The encoded page.
    """
    if title is None:
        title = next(
            (b.text for b in blocks if isinstance(b, ParaBlock)), "政府信息公开工作年度报告"
        )
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "<head>",
        f'<meta charset="{encoding}">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_CSS}</style>",
    ]
    if chrome:
        lines.append(f"<script>{_SCRIPT}</script>")
    lines += ["</head>", "<body>"]
    if chrome:
        lines += [
            '<header><div class="logo">政府信息公开专栏</div></header>',
            '<nav><ul><li><a href="#">首页</a></li><li><a href="#">政务公开</a></li>'
            '<li><a href="#">年度报告 2020</a></li></ul></nav>',
            '<table class="layout" width="1000"><tr><td class="main">',
        ]
    if portal_meta:
        lines += _portal_block(portal_meta)
    lines.append(f'<h1 class="title">{html.escape(title)}</h1>')
    lines.append('<div class="content">')
    for block in blocks:
        if isinstance(block, ParaBlock):
            lines.append(f"<p>{_html_cell_text(block.text)}</p>")
        elif isinstance(block, TableBlock):
            lines += _html_table(block)
    lines.append("</div>")
    if chrome:
        lines += [
            "</td></tr></table>",
            "<footer><p>主办单位：人民政府办公室 &nbsp; 网站标识码 3308030001</p>"
            "<p>版权所有 &copy; 2021</p></footer>",
        ]
    lines += ["</body>", "</html>", ""]
    return "\n".join(lines).encode(encoding, errors="xmlcharrefreplace")


# ---------------------------------------------------------------------------------------------
# DOCX


def write_docx(blocks: Sequence[Block]) -> bytes:
    """Render blocks as a Word .docx file with real merged cells (``cell.merge``).

    Parameters
    ----------
    blocks : sequence of ParaBlock | TableBlock

    Returns
    -------
    bytes
        The .docx file.
    """
    import docx

    document = docx.Document()
    for block in blocks:
        if isinstance(block, ParaBlock):
            document.add_paragraph(block.text)
            continue
        placed, n_rows, n_cols = table_layout(block)
        if n_rows == 0 or n_cols == 0:
            continue
        table = document.add_table(rows=n_rows, cols=n_cols)
        table.style = "Table Grid"
        # table.cell() rescans the whole table on every call: take every cell once. Spans do
        # not overlap, so a merge never touches another span's cells.
        flat = table._cells
        grid = [flat[r * n_cols : (r + 1) * n_cols] for r in range(n_rows)]
        for r, c, cell in placed:
            target = grid[r][c]
            r1 = min(n_rows, r + max(1, cell.rowspan)) - 1
            c1 = min(n_cols, c + max(1, cell.colspan)) - 1
            if (r1, c1) != (r, c):
                target = target.merge(grid[r1][c1])
            target.text = cell.text
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# PDF

_PAGE_W, _PAGE_H = 210.0, 297.0
_MARGIN = 18.0
_PARA_PT = 10.5
_CELL_PT = 7.5
_PT_MM = 0.3528
_PAD = 1.2


@lru_cache(maxsize=1)
def find_cjk_font() -> str:
    """Path of a TrueType font with CJK glyphs (mplfonts' bundled fonts, then the system).

    Raises
    ------
    FileNotFoundError
        When no CJK font can be found; install ``mplfonts`` (``pip install mplfonts``).
    """
    try:
        import mplfonts

        font_dir = Path(mplfonts.__file__).parent / "fonts"
        for name in ("SimHei.ttf", "NotoSansCJKsc-Regular.otf", "NotoSerifCJKsc-Regular.otf"):
            if (font_dir / name).exists():
                return str(font_dir / name)
    except ImportError:  # pragma: no cover - mplfonts is a dependency
        pass
    from matplotlib import font_manager

    for font in font_manager.fontManager.ttflist:
        if any(k in font.name for k in ("SimHei", "Noto Sans CJK", "WenQuanYi", "Source Han")):
            return font.fname
    raise FileNotFoundError(
        "no CJK font found for PDF output; expected mplfonts' fonts or a system CJK font; "
        "install one with `pip install mplfonts`"
    )


def _wrap(pdf, text: str, width: float) -> list[str]:
    """Split text into lines no wider than ``width`` mm (explicit ``\\n`` breaks kept)."""
    lines: list[str] = []
    for part in text.split("\n"):
        line = ""
        for ch in part:
            if line and pdf.get_string_width(line + ch) > width:
                lines.append(line)
                line = ch
            else:
                line += ch
        lines.append(line)
    return lines


#: Space characters the CJK fonts lack (no-break and fixed-width spaces, written by the padding
#: quirk): drawn as a plain space instead of a missing glyph (and a warning from fpdf).
_PDF_SPACES = str.maketrans(
    dict.fromkeys(["\xa0", *map(chr, range(0x2000, 0x200B)), "\u202f", "\u205f"], " ")
)


class _PdfWriter:
    """Lays out paragraphs and ruled tables page by page (tables may break across pages)."""

    def __init__(self) -> None:
        from fpdf import FPDF

        self.pdf = FPDF(format="A4", unit="mm")
        self.pdf.set_auto_page_break(False)
        self.pdf.add_font("cjk", "", find_cjk_font())
        self.pdf.set_line_width(0.25)
        self.bottom = _PAGE_H - _MARGIN
        self.width = _PAGE_W - 2 * _MARGIN
        self.new_page()

    def new_page(self) -> None:
        self.pdf.add_page()
        self.y = _MARGIN

    def para(self, text: str) -> None:
        text = text.translate(_PDF_SPACES)
        pdf = self.pdf
        pdf.set_font("cjk", size=_PARA_PT)
        lh = _PARA_PT * _PT_MM * 1.6
        for line in _wrap(pdf, text, self.width):
            if self.y + lh > self.bottom:
                self.new_page()
            pdf.text(_MARGIN, self.y + lh * 0.75, line)
            self.y += lh
        self.y += lh * 0.3

    def table(self, table: TableBlock) -> None:
        pdf = self.pdf
        pdf.set_font("cjk", size=_CELL_PT)
        lh = _CELL_PT * _PT_MM * 1.35
        placed, n_rows, n_cols = table_layout(table)
        if not n_rows or not n_cols:
            return
        # column widths: proportional to the (capped) text length of single-column cells
        weight = [2.0] * n_cols
        for _, c, cell in placed:
            if cell.colspan == 1:
                longest = max((len(p) for p in cell.text.split("\n")), default=0)
                weight[c] = max(weight[c], min(longest, 12) + 1.5)
        total = sum(weight)
        widths = [self.width * w / total for w in weight]
        xs = [_MARGIN]
        for w in widths:
            xs.append(xs[-1] + w)
        lines_of: dict[tuple[int, int], list[str]] = {}
        heights = [lh + 2 * _PAD] * n_rows
        for r, c, cell in placed:
            cs = min(cell.colspan, n_cols - c)
            lines = _wrap(pdf, cell.text, xs[c + cs] - xs[c] - 2 * _PAD)
            lines_of[(r, c)] = lines
            if cell.rowspan == 1:
                heights[r] = max(heights[r], len(lines) * lh + 2 * _PAD)
        for r, c, cell in placed:
            if cell.rowspan > 1:
                r1 = min(n_rows, r + cell.rowspan)
                need = len(lines_of[(r, c)]) * lh + 2 * _PAD
                have = sum(heights[r:r1])
                if need > have:
                    heights[r1 - 1] += need - have
        span_of: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        for r, c, cell in placed:
            r1 = min(n_rows, r + cell.rowspan) - 1
            c1 = min(n_cols, c + cell.colspan) - 1
            for rr in range(r, r1 + 1):
                for cc in range(c, c1 + 1):
                    span_of[(rr, cc)] = (r, c, r1, c1)
        x_left, x_right = xs[0], xs[-1]
        page_first = True
        for r in range(n_rows):
            if self.y + heights[r] > self.bottom and not page_first:
                pdf.line(x_left, self.y, x_right, self.y)  # close the part on this page
                self.new_page()
                page_first = True
            y0, y1 = self.y, self.y + heights[r]
            if page_first:
                pdf.line(x_left, y0, x_right, y0)
            seen: set[tuple[int, int, int, int]] = set()
            for c in range(n_cols):
                span = span_of.get((r, c))
                if span is None:
                    span = (r, c, r, c)
                if span in seen:
                    continue
                seen.add(span)
                r0, c0, r1, c1 = span
                xa, xb = xs[c0], xs[c1 + 1]
                pdf.line(xa, y0, xa, y1)
                pdf.line(xb, y0, xb, y1)
                if r == r1:
                    pdf.line(xa, y1, xb, y1)
                if r == r0 or page_first:
                    lines = lines_of.get((r0, c0), []) if r == r0 else []
                    # height available on this page for the cell's text
                    avail = sum(heights[r : r1 + 1])
                    avail = min(avail, self.bottom - y0)
                    text_h = len(lines) * lh
                    top = y0 + max(_PAD, (avail - text_h) / 2)
                    for i, line in enumerate(lines):
                        line = line.translate(_PDF_SPACES)
                        tw = pdf.get_string_width(line)
                        tx = xa + max(_PAD, (xb - xa - tw) / 2)
                        pdf.text(tx, top + (i + 0.78) * lh, line)
            self.y = y1
            page_first = False
        self.y += lh


def _rasterize(pdf_bytes: bytes, scale: float = 2.0) -> bytes:
    """Re-make a PDF whose pages are pictures of the original pages (no text layer)."""
    import pypdfium2
    from fpdf import FPDF

    src = pypdfium2.PdfDocument(pdf_bytes)
    out = FPDF(format="A4", unit="mm")
    out.set_auto_page_break(False)
    try:
        for i in range(len(src)):
            image = src[i].render(scale=scale).to_pil().convert("L")
            out.add_page()
            out.image(image, x=0, y=0, w=_PAGE_W, h=_PAGE_H)
    finally:
        src.close()
    return bytes(out.output())


def write_pdf(blocks: Sequence[Block], *, image_only: bool = False) -> bytes:
    """Render blocks as an A4 PDF with an embedded CJK font and ruled tables.

    Parameters
    ----------
    blocks : sequence of ParaBlock | TableBlock
        Tables are drawn with all rules; merged cells have no inner rules. A table longer
        than the page continues on the next page (rules closed at the break).
    image_only : bool
        Produce pages that are images without a text layer (as a scanned report).

    Returns
    -------
    bytes
        The PDF file.
    """
    writer = _PdfWriter()
    for block in blocks:
        if isinstance(block, ParaBlock):
            writer.para(block.text)
        elif isinstance(block, TableBlock):
            writer.table(block)
    data = bytes(writer.pdf.output())
    if image_only:
        data = _rasterize(data)
    return data
