"""Read a Word .docx report into a :class:`~gkwork.model.Document`.

``Document.text`` is built from the body in order: each paragraph is one line and each table
row is one line with its cells (``w:tc`` elements, each once) separated by TAB. Grid cells point
into that text. Merged cells are expanded from the Word markup itself: ``w:gridSpan`` counts grid
columns, a ``w:vMerge`` continuation becomes an ``is_copy`` of the cell above.

Safety: the zip is checked before anything is decompressed (total size and compression ratio,
against zip bombs); python-docx parses XML without resolving entities.
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import replace
from typing import Any

from gkwork.errors import FileFormatError, Reason
from gkwork.model import Document, Grid, GridCell
from gkwork.readers_html import normalize_label

log = logging.getLogger("gkwork")

__all__ = ["read_docx", "check_zip", "MAX_UNCOMPRESSED", "MAX_RATIO"]

#: Largest total uncompressed size accepted (bytes).
MAX_UNCOMPRESSED = 200 * 1024 * 1024
#: Largest accepted ratio of uncompressed to compressed size.
MAX_RATIO = 200.0

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


#: The first bytes of an OLE2 compound file: the binary .doc of Word 97-2003 and WPS files.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_zip(data: bytes, path: str, what: str = "Word .docx") -> zipfile.ZipFile:
    """Open a zip container after checking it is not corrupt and not a zip bomb.

    Raises
    ------
    FileFormatError
        ``corrupt_file`` for a bad zip, ``too_large`` when the members would decompress to more
        than :data:`MAX_UNCOMPRESSED` bytes or the compression ratio exceeds :data:`MAX_RATIO`.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        if data.startswith(OLE2_MAGIC):
            raise FileFormatError(
                Reason.CORRUPT_FILE,
                f"not a {what} file but an old binary Word .doc (or WPS) file under its name: "
                f"convert it to .docx (libreoffice --headless --convert-to docx FILE); file {path}",
            ) from exc
        raise FileFormatError(
            Reason.CORRUPT_FILE, f"not a valid {what} file (bad zip): {exc}; file {path}"
        ) from exc
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    ratio = total / max(packed, 1)
    if total > MAX_UNCOMPRESSED or ratio > MAX_RATIO:
        raise FileFormatError(
            Reason.TOO_LARGE,
            f"{path}: zip members would decompress to {total} bytes (ratio {ratio:.0f}:1); "
            f"limits are {MAX_UNCOMPRESSED} bytes and {MAX_RATIO:.0f}:1 (possible zip bomb)",
        )
    return zf


def _run_text(p, in_cell: bool) -> str:
    """Text of a w:p: w:t pieces; tabs and breaks made safe for the one-line-per-row text."""
    parts: list[str] = []
    for el in p.iter():
        tag = el.tag
        if tag == _W + "t":
            parts.append(el.text or "")
        elif tag == _W + "tab":
            parts.append(" ")
        elif tag in (_W + "br", _W + "cr"):
            parts.append("" if in_cell else " ")
        elif tag == _W + "noBreakHyphen":
            parts.append("-")
    text = "".join(parts)
    return text.replace("\t", " ").replace("\n", " ").replace("\r", " ")


def _tc_text(tc) -> str:
    """A cell's text: its paragraphs (nested tables included) joined without separator."""
    return "".join(_run_text(p, True) for p in tc.iter(_W + "p"))


def _tc_props(tc) -> tuple[int, str | None]:
    """(gridSpan, vMerge) of a w:tc; vMerge is 'restart', 'continue' or None."""
    span, vmerge = 1, None
    tcpr = tc.find(_W + "tcPr")
    if tcpr is not None:
        gs = tcpr.find(_W + "gridSpan")
        if gs is not None:
            try:
                span = max(1, int(gs.get(_W + "val", "1")))
            except ValueError:
                span = 1
        vm = tcpr.find(_W + "vMerge")
        if vm is not None:
            vmerge = vm.get(_W + "val") or "continue"
    return span, vmerge


def _row_cells(tr) -> list[Any]:
    """The w:tc of a row, also inside w:sdt/w:customXml wrappers."""
    out = []
    for child in tr:
        if child.tag == _W + "tc":
            out.append(child)
        elif child.tag in (_W + "sdt", _W + "customXml"):
            out.extend(child.iter(_W + "tc"))
    return out


def _grid_before(tr) -> int:
    trpr = tr.find(_W + "trPr")
    if trpr is None:
        return 0
    gb = trpr.find(_W + "gridBefore")
    try:
        return int(gb.get(_W + "val", "0")) if gb is not None else 0
    except ValueError:
        return 0


class _TextBuilder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0

    def line(self, s: str) -> int:
        if self.parts:
            self.parts.append("\n")
            self.pos += 1
        start = self.pos
        self.parts.append(s)
        self.pos += len(s)
        return start

    def text(self) -> str:
        return "".join(self.parts)


def _table(tbl, block: int, out: _TextBuilder) -> Grid:
    """Grid of one w:tbl; writes its rows to ``out``."""
    grid: dict[tuple[int, int], GridCell] = {}
    origin_of: dict[tuple[int, int], tuple[int, int]] = {}
    prov: dict[tuple[int, int], tuple[int, int, int]] = {}
    rowspan: dict[tuple[int, int], int] = {}
    trs = [tr for tr in tbl if tr.tag == _W + "tr"]
    n_cols = 0
    start_table = None
    for r, tr in enumerate(trs):
        tcs = _row_cells(tr)
        texts = [_tc_text(tc) for tc in tcs]
        props = [_tc_props(tc) for tc in tcs]
        raws = [
            "" if vm == "continue" else t.strip() for t, (_, vm) in zip(texts, props, strict=True)
        ]
        line_start = out.line("\t".join(raws))
        if start_table is None:
            start_table = line_start
        c = _grid_before(tr)
        for cc in range(c):
            grid[(r, cc)] = GridCell(raw="", start=line_start, end=line_start, text="")
        offset = line_start
        for k, (raw, (span, vmerge)) in enumerate(zip(raws, props, strict=True)):
            above = origin_of.get((r - 1, c))
            if vmerge == "continue" and above is not None:
                orow, ocol = above
                rowspan[above] = rowspan.get(above, 1) + 1
                for dc in range(span):
                    origin_of[(r, c + dc)] = above
                    prov[(r, c + dc)] = (block, r, k)
            else:
                cell = GridCell(
                    raw=raw,
                    start=offset,
                    end=offset + len(raw),
                    text=normalize_label(raw),
                    colspan=span,
                )
                grid[(r, c)] = cell
                for dc in range(span):
                    origin_of[(r, c + dc)] = (r, c)
                    prov[(r, c + dc)] = (block, r, k)
            offset += len(raw) + 1
            c += span
        n_cols = max(n_cols, c)
    rows: list[list[GridCell]] = []
    cells_prov: list[list[tuple[int, int, int]]] = []
    for r in range(len(trs)):
        row: list[GridCell] = []
        prow: list[tuple[int, int, int]] = []
        for c in range(n_cols):
            if (r, c) in grid and origin_of.get((r, c), (r, c)) == (r, c):
                o = grid[(r, c)]
                row.append(replace(o, rowspan=rowspan.get((r, c), 1)))
            elif (r, c) in origin_of:
                o = grid[origin_of[(r, c)]]
                row.append(replace(o, rowspan=rowspan.get(origin_of[(r, c)], 1), is_copy=True))
            else:
                continue  # ragged row: fewer grid columns than the widest row
            prow.append(prov.get((r, c), (block, r, -1)))
        rows.append(row)
        cells_prov.append(prow)
    end = out.pos
    return Grid(
        rows=rows,
        start=start_table or 0,
        end=end,
        layout="docx_table",
        extra={"block": block, "cells": cells_prov},
    )


def _body_elements(body) -> list[Any]:
    out = []
    for child in body:
        if child.tag in (_W + "p", _W + "tbl"):
            out.append(child)
        elif child.tag == _W + "sdt":
            content = child.find(_W + "sdtContent")
            if content is not None:
                out.extend(_body_elements(content))
    return out


def read_docx(data: bytes, path: str) -> Document:
    """Read a Word .docx report.

    Parameters
    ----------
    data : bytes
        The .docx file.
    path : str
        Where it came from.

    Returns
    -------
    Document
        ``text``: paragraphs one per line, table rows one per line with TAB between cells;
        ``grids``: one per table (layout ``docx_table``), provenance of each cell as
        ``(block, row, tc index)`` in ``Grid.extra['cells']``; ``meta['blocks']``: list of
        ``(block_index, 'p' | 'table')``; ``meta['title']`` from the core properties if set.

    Raises
    ------
    FileFormatError
        ``corrupt_file`` for a bad zip or a zip without a Word document, ``too_large`` for a
        zip bomb, ``empty_file`` for empty input.
    """
    if not data:
        raise FileFormatError(Reason.EMPTY_FILE, f"{path}: the .docx file is empty")
    zf = check_zip(data, path)
    names = set(zf.namelist())
    if "word/document.xml" not in names:
        raise FileFormatError(
            Reason.CORRUPT_FILE,
            f"not a valid Word .docx file (no word/document.xml in the zip): {path}; "
            "an old .doc must be converted to .docx first",
        )
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise FileFormatError(
            Reason.CORRUPT_FILE,
            f"not a valid Word .docx file ({type(exc).__name__}: {exc}): {path}",
        ) from exc
    except Exception as exc:  # lxml XMLSyntaxError and friends from a damaged part
        raise FileFormatError(
            Reason.CORRUPT_FILE, f"not a valid Word .docx file (damaged XML: {exc}): {path}"
        ) from exc
    out = _TextBuilder()
    blocks: list[tuple[int, str]] = []
    grids: list[Grid] = []
    for i, el in enumerate(_body_elements(document.element.body)):
        if el.tag == _W + "p":
            out.line(_run_text(el, False))
            blocks.append((i, "p"))
        else:
            grids.append(_table(el, i, out))
            blocks.append((i, "table"))
    text = out.text()
    meta: dict[str, Any] = {"blocks": blocks}
    try:
        title = document.core_properties.title
        if title:
            meta["title"] = title
    except Exception:  # pragma: no cover - broken core.xml is not fatal
        log.debug("docx: unreadable core properties in %s", path)
    doc = Document(path=path, format="docx", text=text, grids=grids, layout="docx_table", meta=meta)
    if not text.strip():
        doc.status = "empty"
        doc.error = f"{Reason.EMPTY_FILE.value}: the Word document has no text"
    return doc
