"""Tests of gkwork.readers_pdf on PDFs written by gkwork.writers (never downloaded)."""

from __future__ import annotations

import pytest
from fixtures_docs import REVIEW_VALUES, report_blocks

from gkwork.errors import FileFormatError, Reason
from gkwork.model import ParaBlock, SpanCell, TableBlock
from gkwork.readers_pdf import NEEDS_OCR_MESSAGE, PAGE_SEPARATOR, _garbage_ratio, read_pdf
from gkwork.writers import write_pdf


def _assert_offsets(doc):
    for grid in doc.grids:
        for row in grid.rows:
            for cell in row:
                assert doc.text[cell.start : cell.end] == cell.raw, cell


def _row(grid, label):
    for row in grid.rows:
        if any(c.label.startswith(label) for c in row):
            return row
    raise AssertionError(f"no row {label!r}")


@pytest.fixture(scope="module", params=["gov2019", "gov2021"])
def written(request):
    template = request.param
    return template, read_pdf(write_pdf(report_blocks(template)), f"{template}.pdf")


def test_tables_found_with_exact_offsets(written):
    template, doc = written
    assert doc.status == "ok" and doc.format == "pdf" and doc.layout == "pdf_table"
    assert len(doc.grids) == 3
    _assert_offsets(doc)
    active, apps, review = doc.grids
    assert [c.raw for c in review.rows[-1]] == REVIEW_VALUES
    assert [c.raw for c in _row(apps, "一、本年新收")[-7:]] == ["5", "1", "0", "0", "0", "0", "6"]
    assert [c.raw for c in _row(apps, "1.本机关不掌握")[-7:]] == ["2", "0", "0", "0", "0", "0", "2"]
    assert _row(apps, "四、结转下年度")[-1].raw == "1"
    if template == "gov2019":
        assert _row(active, "政府集中采购")[-1].raw == "251000元"
        assert _row(active, "行政强制")[-1].raw == "无"
        assert any(c.text == "本年新制作数量" for c in _row(active, "信息内容"))
    else:
        assert _row(active, "行政事业性收费")[-1].raw == "12.5"
    assert "一、总体情况" in doc.text and "六、其他需要报告的事项" in doc.text
    assert PAGE_SEPARATOR in doc.text


def test_table_split_over_pages_is_joined(written):
    template, doc = written
    apps = doc.grids[1]
    assert apps.extra["pages"] == [1, 2]
    assert len(apps.rows) == (26 if template == "gov2019" else 28)
    assert all(len(r) == 10 for r in apps.rows)
    # the merged group label continues on the second page as a copy
    last = _row(apps, "四、结转下年度")
    before = apps.rows[apps.rows.index(last) - 1]
    assert before[0].raw == "三、本年度办理结果" and before[0].is_copy
    assert len(apps.extra["cell_boxes"]) == len(apps.rows)
    assert apps.extra["cell_boxes"][-1][0][0] == 2  # (page, x0, top, x1, bottom)


def test_merged_header_cells(written):
    _, doc = written
    apps = doc.grids[1]
    top = apps.rows[0]
    assert top[0].label.startswith("（本列数据的勾稽关系") and top[0].colspan == 3
    assert top[3].raw == "申请人情况" and all(c.is_copy for c in top[4:])
    assert apps.rows[1][0].is_copy


def test_long_simple_table_split_joined():
    rows = [[SpanCell("项目"), SpanCell("数量"), SpanCell("金额")]]
    rows += [[SpanCell(f"第{i}项"), SpanCell(str(i)), SpanCell(f"{i * 10}")] for i in range(1, 71)]
    data = write_pdf([ParaBlock("附表"), TableBlock(rows)])
    doc = read_pdf(data, "long.pdf")
    (grid,) = doc.grids
    assert len(grid.extra["pages"]) == 2 and len(grid.rows) == 71
    assert [c.raw for c in grid.rows[-1]] == ["第70项", "70", "700"]
    _assert_offsets(doc)


def test_image_only_pdf_needs_ocr():
    data = write_pdf(report_blocks("gov2021")[:4], image_only=True)
    doc = read_pdf(data, "scan.pdf")
    assert doc.status == "needs_ocr" and doc.error == NEEDS_OCR_MESSAGE
    assert doc.grids == []


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        (b"hello, not a pdf", "no %PDF header"),
        (b"%PDF-1.7\n1 0 obj garbage", "not a valid PDF file"),
    ],
)
def test_corrupt_pdf(data, pattern):
    with pytest.raises(FileFormatError, match=pattern) as err:
        read_pdf(data, "bad.pdf")
    assert err.value.reason is Reason.CORRUPT_FILE


def test_truncated_pdf_is_corrupt():
    data = write_pdf([ParaBlock("一、总体情况")])
    with pytest.raises(FileFormatError) as err:
        read_pdf(data[: len(data) // 3], "cut.pdf")
    assert err.value.reason is Reason.CORRUPT_FILE


def test_garbage_ratio():
    assert _garbage_ratio("(cid:12)(cid:13)(cid:14)") > 0.3
    assert _garbage_ratio("一、总体情况 2021年") == 0


def _unruled_pdf() -> bytes:
    """A page with a table drawn as aligned text only (no rules), between two paragraphs."""
    from fpdf import FPDF

    from gkwork.writers import find_cjk_font

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("cjk", "", find_cjk_font())
    pdf.set_font("cjk", size=10)
    pdf.text(20, 20, "四、行政复议、行政诉讼情况，统计期限至 2023 年 12 月 31 日止")
    rows = [
        ["项目", "维持", "纠正", "其他", "总计"],
        ["行政复议", "2", "1", "0", "3"],
        ["直接起诉", "1", "0", "0", "1"],
    ]
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            pdf.text(20 + j * 30, 40 + i * 8, text)
    pdf.text(20, 80, "五、存在的主要问题及改进情况")
    return bytes(pdf.output())


def test_unruled_table_found_by_text_fallback():
    doc = read_pdf(_unruled_pdf(), "unruled.pdf")
    (grid,) = doc.grids
    assert [[c.raw for c in r] for r in grid.rows] == [
        ["项目", "维持", "纠正", "其他", "总计"],
        ["行政复议", "2", "1", "0", "3"],
        ["直接起诉", "1", "0", "0", "1"],
    ]
    _assert_offsets(doc)
    assert doc.text.startswith("四、行政复议") and doc.text.endswith("五、存在的主要问题及改进情况")


def test_cid_fallback_uses_pypdfium2_text():
    from gkwork.readers_pdf import PdfSettings, _pdfium_fallback

    data = write_pdf([ParaBlock("一、总体情况"), ParaBlock("本年共受理申请6件。")])
    doc = _pdfium_fallback(data, "cid.pdf", {"n_pages": 1}, 90, 100, PdfSettings())
    assert doc.status == "ok" and doc.grids is None  # tables are left to gkwork.layouts
    assert "本年共受理申请6件" in doc.text and doc.meta["text_source"] == "pypdfium2"


def test_encrypted_pdf_message():
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.text(20, 20, "report 12")
    pdf.set_encryption(owner_password="owner", user_password="user")
    with pytest.raises(FileFormatError, match="encrypted with a password") as err:
        read_pdf(bytes(pdf.output()), "locked.pdf")
    assert err.value.reason is Reason.CORRUPT_FILE


@pytest.mark.parametrize("template", ["gov2019", "gov2021", "legacy", "unruled", "split"])
def test_extract_rows_matches_pdfplumber_extract(template):
    """The reader's cell texts (_extract_rows) are pdfplumber's Table.extract(), faster:
    ruled tables of every template, merged cells, a table split over pages, and the text
    strategy on a cropped page (the unruled fallback)."""
    import io

    import pdfplumber

    from gkwork.readers_pdf import PdfSettings, _extract_rows

    if template == "unruled":
        data = _unruled_pdf()
    elif template == "split":
        rows = [[SpanCell(f"第{i}项"), SpanCell(str(i)), SpanCell(str(2 * i))] for i in range(70)]
        data = write_pdf([ParaBlock("附表"), TableBlock(rows)])
    else:
        data = write_pdf(report_blocks(template))
    n = 0
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            tables = [*page.find_tables(), *page.find_tables(PdfSettings().text_table_settings)]
            crop = page.crop((0, 0, float(page.width), float(page.height) / 2))
            tables += crop.find_tables(PdfSettings().text_table_settings)
            for tbl in tables:
                assert _extract_rows(tbl, tbl.rows) == tbl.extract()
                n += 1
    assert n >= 1
