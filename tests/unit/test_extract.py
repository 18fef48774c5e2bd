"""gkwork.extract: grids -> canonical cells by label meaning, not by position."""

import math

from helpers import assert_spans, cell_map

import gkwork
from gkwork.extract import choose_template, extract_cells
from gkwork.model import Grid, GridCell

AD_2019 = """二、主动公开政府信息情况
第二十条第(一)项 | ||||
信息内容 | 本年新 | 本年新 | 对外公开总数量 | |
规章(设区的市、自治州人民政府应提供相关数据) | 1 | 2 | 3 | |
规范性文件 | 4 | 5 | 6 | |
第二十条第(五)项 | ||||
信息内容 | 上一年项目数量 | 本年增/减(指2020年增加或减少的事项数,减用负值表示,如-8) | 处理决定数量 | |
行政许可 | 51 | -8 | 61件 | |
"""


def test_provincial_label_extensions_and_cut_headers():
    r = gkwork.read_text(AD_2019)
    got = cell_map(r.cells)
    assert got[("active_disclosure", "regulations", "new_made")] == 1
    assert got[("active_disclosure", "regulations", "new_published")] == 2
    assert got[("active_disclosure", "regulations", "total_published")] == 3
    assert got[("active_disclosure", "licensing", "change")] == -8
    assert got[("active_disclosure", "licensing", "decisions")] == 61
    assert_spans(r)


def test_columns_mapped_by_header_not_position():
    """A 2021 (一) header printed in another column order still maps by label."""
    text = (
        "第二十条第（一）项\n"
        "信息内容\t现行有效件数\t本年制发件数\t本年废止件数\n"
        "规章\t9\t1\t0\n"
        "行政规范性文件\t20\t3\t2\n"
    )
    got = cell_map(gkwork.read_text(text).cells)
    assert got[("active_disclosure", "regulations", "in_force")] == 9
    assert got[("active_disclosure", "regulations", "issued")] == 1
    assert got[("active_disclosure", "normative_documents", "repealed")] == 2


def _g(rows):
    """A Grid from lists of strings (spans are fake but consistent with a joined text)."""
    text, out = "", []
    for row in rows:
        cells = []
        for item in row:
            raw, copy = (item[0], True) if isinstance(item, tuple) else (item, False)
            start = len(text)
            text += raw + "\t"
            cells.append(GridCell(raw=raw, start=start, end=start + len(raw), is_copy=copy))
        out.append(cells)
        text += "\n"
    return Grid(rows=out, start=0, end=len(text), layout="html_table"), text


def test_expanded_html_grid_with_copies_and_blank_total():
    head = ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"]
    grid, _ = _g(
        [
            [*head, ("申请人情况",)],
            [(head[0],), "自然人", "法人或其他组织", ("法人或其他组织",), "总计"],
            [
                (head[0],),
                ("自然人",),
                "商业企业",
                "科研机构",
                "社会公益组织",
                "法律服务机构",
                "其他",
                ("总计",),
            ],
            ["一、本年新收政府信息公开申请数量", "10", "2", "0", "0", "1", "0", "13"],
            ["三、本年度办理结果", "（一）予以公开", "258", "12", "", "", "1", "1", ""],
            [
                ("三、本年度办理结果",),
                "（三）不予公开",
                "1.属于国家秘密",
                "0",
                "0",
                "0",
                "0",
                "0",
                "0",
                "0",
            ],
            [
                ("三、本年度办理结果",),
                ("（三）不予公开",),
                "2.其他法律行政法规禁止公开",
                "1",
                "0",
                "0",
                "0",
                "0",
                "0",
                "1",
            ],
        ]
    )
    cells = extract_cells([grid], "gov2019", report_id="x")
    got = cell_map(cells)
    assert got[("applications", "new_received", "total")] == 13
    assert got[("applications", "granted", "natural_person")] == 258
    assert got[("applications", "granted", "legal_service_org")] == 1
    assert math.isnan(got[("applications", "granted", "total")])
    flags = cells.set_index(["row", "col"])["flag"]
    assert flags[("granted", "total")] == "blank"
    assert got[("applications", "withheld_prohibited_by_law", "natural_person")] == 1


def test_review_litigation_mapped_by_header_structure():
    grid, _ = _g(
        [
            ["行政复议", ("行政复议",), "行政诉讼"],
            [
                "结果维持",
                "结果纠正",
                "其他结果",
                "尚未审结",
                "总计",
                "复议后起诉",
                "未经复议直接起诉",
            ],
            [str(i) for i in range(1, 16)],
        ]
    )
    got = cell_map(extract_cells([grid], "gov2021"))
    assert got[("review_litigation", "review", "upheld")] == 1
    assert got[("review_litigation", "review", "total")] == 5
    # the printed order puts 复议后起诉 first: cells 6-10 belong to it
    assert got[("review_litigation", "litigation_after_review", "upheld")] == 6
    assert got[("review_litigation", "litigation_direct", "total")] == 15


def test_single_other_row_in_a_2021_table_is_kept_as_reported():
    text = (
        "第二十条第（五）项\n信息内容\t本年处理决定数量\n行政许可\t5\n"
        "（六）其他处理\t1\t0\t0\t0\t0\t0\t1\n"
    )
    r = gkwork.read_text(text)
    assert r.meta["template"] == "gov2021"
    assert cell_map(r.cells)[("applications", "other", "total")] == 1


def test_template_choice_prefers_evidence_not_year():
    assert choose_template({"gov2019": ["本年新制作数量"], "gov2021": []}) == "gov2019"
    assert choose_template({"gov2019": ["a"], "gov2021": ["b", "c"]}) == "gov2021"
    assert choose_template({"legacy": ["统计指标"]}) == "legacy"
    assert choose_template({}) == "none"


def test_unmatched_rows_invent_nothing():
    r = gkwork.read_text("信息内容\t本年制发件数\n完全无关的行\t7\n另一行\t8\n")
    assert len(r.cells) == 0
