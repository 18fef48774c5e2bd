"""Tests of gkwork.readers_docx: body order, merged cells, offsets, zip safety."""

from __future__ import annotations

import io
import zipfile

import pytest
from fixtures_docs import REVIEW_VALUES, report_blocks

from gkwork.errors import FileFormatError, Reason
from gkwork.model import ParaBlock, SpanCell, TableBlock
from gkwork.readers_docx import read_docx
from gkwork.writers import write_docx


@pytest.fixture(scope="module", params=["gov2019", "gov2021"])
def written(request):
    template = request.param
    return template, read_docx(write_docx(report_blocks(template)), f"{template}.docx")


def test_offsets_and_blocks(written):
    template, doc = written
    assert doc.status == "ok" and doc.format == "docx" and doc.plain is None
    for grid in doc.grids:
        for row in grid.rows:
            for cell in row:
                assert doc.text[cell.start : cell.end] == cell.raw
    kinds = [k for _, k in doc.meta["blocks"]]
    assert kinds.count("table") == 3 and kinds[0] == "p"
    assert [i for i, k in doc.meta["blocks"] if k == "table"] == [
        g.extra["block"] for g in doc.grids
    ]
    assert doc.text.splitlines()[0] == "示例县人民政府2021年政府信息公开工作年度报告"


def test_merged_cells_not_duplicated(written):
    template, doc = written
    _, apps, review = doc.grids
    assert all(len(r) == 10 for r in apps.rows)
    top = apps.rows[0]
    assert top[0].raw.startswith("（本列数据的勾稽关系") and top[0].colspan == 3
    assert top[0].rowspan == 3 and apps.rows[1][0].is_copy and apps.rows[2][2].is_copy
    assert top[3].raw == "申请人情况" and all(c.is_copy for c in top[4:])
    group = apps.rows[5]  # 三、本年度办理结果 / （一）予以公开
    assert group[0].raw == "三、本年度办理结果" and group[0].rowspan == (
        20 if template == "gov2019" else 22
    )
    assert [c.raw for c in group[-7:]] == ["3", "1", "0", "0", "0", "0", "4"]
    assert apps.rows[6][0].is_copy and apps.rows[6][0].start == group[0].start
    # the text has the merged label once: continuation cells are empty in the row line
    assert doc.text.count("三、本年度办理结果") == 1
    assert [c.raw for c in review.rows[-1]] == REVIEW_VALUES
    assert review.rows[1][0].rowspan == 2 and review.rows[2][0].is_copy


def test_provenance(written):
    _, doc = written
    grid = doc.grids[1]
    prov = grid.extra["cells"]
    assert len(prov) == len(grid.rows) and all(
        len(p) == len(r) for p, r in zip(prov, grid.rows, strict=True)
    )
    block, row, tc = prov[3][3]
    assert (block, row) == (grid.extra["block"], 3) and tc >= 1


def test_line_breaks_in_cells_are_joined():
    blocks = [TableBlock([[SpanCell("本年新\n制作数量"), SpanCell("12")]]), ParaBlock("完")]
    doc = read_docx(write_docx(blocks), "br.docx")
    cell = doc.grids[0].rows[0][0]
    assert cell.raw == "本年新制作数量" and doc.text.splitlines() == ["本年新制作数量\t12", "完"]


def test_corrupt_zip():
    with pytest.raises(FileFormatError, match=r"not a valid Word \.docx file \(bad zip\)") as err:
        read_docx(b"PK\x03\x04 this is not a zip", "bad.docx")
    assert err.value.reason is Reason.CORRUPT_FILE


def test_zip_without_document_part():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(FileFormatError, match="no word/document.xml") as err:
        read_docx(buf.getvalue(), "odd.docx")
    assert err.value.reason is Reason.CORRUPT_FILE


def test_zip_bomb_rejected_before_decompression():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"\0" * (8 * 1024 * 1024))
    with pytest.raises(FileFormatError, match="zip bomb") as err:
        read_docx(buf.getvalue(), "bomb.docx")
    assert err.value.reason is Reason.TOO_LARGE


def test_truncated_docx_is_corrupt():
    data = write_docx([ParaBlock("一、总体情况")])
    with pytest.raises(FileFormatError) as err:
        read_docx(data[: len(data) // 2], "cut.docx")
    assert err.value.reason is Reason.CORRUPT_FILE
