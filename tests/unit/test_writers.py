"""Tests of gkwork.writers: the files are what they claim (checked with independent libraries)."""

from __future__ import annotations

import io

import docx
import pdfplumber
from fixtures_docs import PORTAL_META, applications_table, report_blocks, review_table

from gkwork.model import ParaBlock, SpanCell, TableBlock
from gkwork.writers import find_cjk_font, table_layout, write_docx, write_html, write_pdf


def test_table_layout_places_spanned_cells():
    placed, n_rows, n_cols = table_layout(review_table())
    assert (n_rows, n_cols) == (4, 15)
    pos = {
        cell.text: (r, c) for r, c, cell in placed if cell.text in ("行政诉讼", "未经复议直接起诉")
    }
    assert pos == {"行政诉讼": (0, 5), "未经复议直接起诉": (1, 5)}
    _, n_rows, n_cols = table_layout(applications_table("gov2021"))
    assert (n_rows, n_cols) == (28, 10)


def test_html_page_has_chrome_meta_and_spans():
    page = write_html(report_blocks("gov2019"), title="年报", portal_meta=PORTAL_META).decode()
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    for part in ("<nav>", "<footer>", "<script>", "索引号：", "330803-042/2022-00017", "<h1"):
        assert part in page
    assert 'rowspan="20"' in page and 'colspan="7"' in page
    assert "本年新<br />制作数量" in page and '<td><p align="center">&nbsp;</p></td>' not in page
    bare = write_html([ParaBlock("a<b")], chrome=False).decode()
    assert "<nav>" not in bare and "a&lt;b" in bare


def test_html_gbk_encoding():
    data = write_html([ParaBlock("政府信息公开")], encoding="gbk")
    assert b'<meta charset="gbk">' in data
    assert "政府信息公开".encode("gbk") in data


def test_html_blank_cell_is_nbsp():
    page = write_html([TableBlock([[SpanCell("规章"), SpanCell("")]])], chrome=False).decode()
    assert "&nbsp;" in page


def test_docx_has_real_merged_cells():
    data = write_docx(report_blocks("gov2021"))
    document = docx.Document(io.BytesIO(data))
    assert len(document.tables) == 3
    apps = document.tables[1]
    xml = apps._tbl.xml
    assert 'w:vMerge w:val="restart"' in xml and "w:gridSpan" in xml
    # python-docx reports merged cells as the same cell object repeated
    assert (
        apps.cell(5, 0).text == "三、本年度办理结果" and apps.cell(6, 0)._tc is apps.cell(5, 0)._tc
    )
    assert document.paragraphs[0].text.startswith("示例县人民政府")


def test_pdf_has_cjk_text_and_ruled_tables():
    assert find_cjk_font().endswith((".ttf", ".otf", ".ttc"))
    data = write_pdf(report_blocks("gov2021"))
    assert data.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        first = pdf.pages[0]
        assert "政府信息公开工作年度报告" in first.extract_text()
        assert len(first.lines) + len(first.rects) > 20
        assert len(pdf.pages) >= 2


def test_pdf_image_only_has_no_text_layer():
    data = write_pdf([ParaBlock("一、总体情况")], image_only=True)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert all(not p.chars for p in pdf.pages)
        assert pdf.pages[0].images
