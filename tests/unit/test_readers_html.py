"""Tests of gkwork.readers_html: grids with exact source offsets, plain text, metadata."""

from __future__ import annotations

import pytest
from fixtures_docs import PORTAL_META, REVIEW_VALUES, report_blocks

from gkwork.errors import FileFormatError
from gkwork.readers_html import is_numeric_cell, normalize_label, parse_portal_meta, read_html
from gkwork.writers import write_html


def _assert_offsets(doc):
    for grid in doc.grids:
        for row in grid.rows:
            for cell in row:
                assert doc.text[cell.start : cell.end] == cell.raw


def _row(grid, label):
    """The first grid row having a cell whose label starts with ``label``."""
    for row in grid.rows:
        if any(c.label.startswith(label) for c in row):
            return row
    raise AssertionError(f"no row {label!r}")


def test_real_style_fragment_blanks_br_entities():
    src = (
        "<p style='text-align: center'>发布日期：2020-01-31</p>"
        '<table><tr><td>信息内容</td><td><p align="center">本年新<br />制作数量</p></td></tr>'
        '<tr><td>规章</td><td nowrap="nowrap"><p align="center">13</p></td></tr>'
        '<tr><td>A&amp;B</td><td><p align="center">&nbsp;</p></td></tr></table>'
    )
    doc = read_html(src.encode("utf-8"), "frag.html")
    assert doc.format == "html" and doc.layout == "html_table" and doc.encoding == "utf-8"
    assert doc.text == src
    (grid,) = doc.grids
    header, data, amp = grid.rows
    assert header[1].raw == "本年新<br />制作数量" and header[1].text == "本年新制作数量"
    assert data[1].raw == "13" and src[data[1].start : data[1].end] == "13"
    assert amp[0].raw == "A&amp;B" and amp[0].text == "A&B"
    blank = amp[1]
    assert blank.raw == "" and blank.start == blank.end == src.index("&nbsp;")
    assert doc.meta["published_date"] == "2020-01-31"
    _assert_offsets(doc)


def test_rowspan_colspan_expanded_with_copies():
    src = (
        "<table>"
        '<tr><td rowspan="2">三、本年度办理结果</td><td colspan="2">（一）予以公开</td><td>3</td></tr>'
        "<tr><td>（三）不予公开</td><td>1.属于国家秘密</td><td>0</td></tr>"
        "</table>"
    )
    doc = read_html(src.encode(), "t.html")
    rows = doc.grids[0].rows
    assert [len(r) for r in rows] == [4, 4]
    assert rows[0][0].rowspan == 2 and not rows[0][0].is_copy
    assert rows[1][0].is_copy and rows[1][0].raw == "三、本年度办理结果"
    assert rows[0][2].is_copy and rows[0][2].raw == "（一）予以公开" and rows[0][1].colspan == 2
    assert [c.raw for c in rows[1][1:]] == ["（三）不予公开", "1.属于国家秘密", "0"]


def test_layout_table_nested_script_and_chrome_do_not_hide_data():
    src = (
        "<html><head><script>var s='<table><tr><td>999</td></tr></table>';</script></head><body>"
        "<nav><table><tr><td>首页</td><td>2021</td></tr></table></nav>"
        '<table class="layout"><tr><td><h1>报告</h1>'
        "<table><tr><td>行政许可</td><td>512</td></tr></table>"
        "</td></tr></table><footer>版权所有 2021</footer></body></html>"
    )
    doc = read_html(src.encode(), "n.html")
    assert len(doc.grids) == 1
    assert [c.raw for c in doc.grids[0].rows[0]] == ["行政许可", "512"]
    assert "999" not in doc.plain and "首页" not in doc.plain and "版权所有" not in doc.plain
    assert "报告\n行政许可\t512" in doc.plain


def test_plain_map_points_into_source():
    src = "<div><p>一、总体情况</p><p>共&lt;12&gt;件</p><table><tr><td>规章</td><td> 7 </td></tr></table></div>"
    doc = read_html(src.encode(), "p.html")
    assert doc.plain == "一、总体情况\n共<12>件\n规章\t7"
    assert len(doc.plain_map) == len(doc.plain)
    i = doc.plain.index("<")
    assert src[doc.plain_map[i] :].startswith("&lt;")
    j = doc.plain.index("7")
    assert src[doc.plain_map[j]] == "7"
    assert doc.to_text_offset(doc.plain.index("总")) == src.index("总")


@pytest.mark.parametrize("template", ["gov2019", "gov2021"])
def test_roundtrip_written_page(template):
    data = write_html(report_blocks(template), portal_meta=PORTAL_META)
    doc = read_html(data, f"{template}.html")
    assert doc.status == "ok"
    names = [len(g.rows) for g in doc.grids]
    assert len(doc.grids) == 3, names  # metadata and layout tables are dropped
    _assert_offsets(doc)
    active, apps, review = doc.grids
    assert [c.raw for c in apps.rows[3][-7:]] == ["5", "1", "0", "0", "0", "0", "6"]
    assert [c.raw for c in review.rows[-1]] == REVIEW_VALUES
    assert len(apps.rows) == (26 if template == "gov2019" else 28)
    assert all(len(r) == 10 for r in apps.rows)
    assert _row(apps, "（七）总计")[-1].raw == "6"
    if template == "gov2019":
        assert _row(active, "政府集中采购")[-1].raw == "251000元"
        assert _row(active, "信息内容")[1].text == "本年新制作数量"
    else:
        assert _row(active, "行政事业性收费")[-1].raw == "12.5"


def test_gbk_page_with_portal_metadata():
    data = write_html(report_blocks("gov2021"), encoding="gbk", portal_meta=PORTAL_META)
    assert b'<meta charset="gbk">' in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    doc = read_html(data, "gbk.html")
    assert doc.encoding == "gbk"
    assert doc.meta["index_no"] == "330803-042/2022-00017"
    assert doc.meta["publisher"] == "示例县人民政府办公室"
    assert doc.meta["written_date"] == "2022-01-20"
    assert doc.meta["published_date"] == "2022-01-28"
    assert "示例县人民政府2021年" in doc.plain
    _assert_offsets(doc)


def test_http_equiv_charset_and_bom():
    body = "<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb2312'>"
    body += "</head><body><p>报告</p></body></html>"
    doc = read_html(body.encode("gb2312"), "x.html")
    assert doc.plain == "报告" and doc.encoding in ("gb2312", "gb18030")
    doc = read_html(b"\xef\xbb\xbf" + "<p>年度</p>".encode(), "bom.html")
    assert doc.plain == "年度" and doc.encoding == "utf-8"


def test_empty_input_raises():
    with pytest.raises(FileFormatError, match="empty_file"):
        read_html(b"  ", "e.html")


def test_parse_portal_meta_inline_and_cells():
    meta = parse_portal_meta(
        "索引号：11341702486344515H/202110-00013 发布机构：县政府办\n成文日期：\t2021年9月26日"
    )
    assert meta == {
        "index_no": "11341702486344515H/202110-00013",
        "publisher": "县政府办",
        "written_date": "2021-09-26",
    }


def test_helpers():
    assert is_numeric_cell("251000元") and is_numeric_cell(" 1,234 ") and is_numeric_cell("-3")
    assert (
        not is_numeric_cell("2020-01-31") and not is_numeric_cell("无") and not is_numeric_cell("")
    )
    assert normalize_label("结果\n维持") == "结果维持"
    assert normalize_label("Open  Data 2") == "Open Data 2"


def test_gbk_page_gives_agency_index_and_dates_in_report_meta(tmp_path):
    """Issue 4: a GBK government page with a portal block, read as a whole report."""
    import gkwork

    path = tmp_path / "page.html"
    path.write_bytes(write_html(report_blocks("gov2021"), encoding="gbk", portal_meta=PORTAL_META))
    meta = gkwork.read_report(path).meta
    assert meta["encoding"] == "gbk" and meta["status"] == "ok"
    assert meta["agency"] == "示例县人民政府"
    assert meta["index_no"] == PORTAL_META["index_no"]
    assert meta["division_code"] == "330803"
    assert meta["written_date"] == PORTAL_META["written_date"]
    assert meta["published_date"] == PORTAL_META["published_date"]
    assert meta["year"] == 2021 and meta["template"] == "gov2021"
