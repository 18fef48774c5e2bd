"""gkwork.layouts: the four text layouts rebuild into grids with exact spans."""

from gkwork.layouts import find_grids


def _labels(grid):
    return [[c.label for c in row] for row in grid.rows]


def _spans_ok(text, grids):
    return all(text[c.start : c.end] == c.raw for g in grids for r in g.rows for c in r)


def test_pipe_rows_keep_ragged_blanks_and_spans():
    text = "前言\n第二十条第(一)项 | ||||\n信息内容 | 本年新 | 本年新 | 对外公开总数量 | |\n规章 | 30 | 30 | 30 | |\n后记"
    (g,) = find_grids(text)
    assert g.layout == "pipe"
    assert _labels(g)[2][:4] == ["规章", "30", "30", "30"]
    assert _spans_ok(text, [g])


def test_markdown_table():
    text = "| 项目 | 甲 | 乙 |\n|---|---|---|\n| 规章 | 1 |  |\n| 规范性文件 | 2 | 3 |\n"
    (g,) = find_grids(text)
    assert g.layout == "markdown"
    assert _labels(g) == [["项目", "甲", "乙"], ["规章", "1", ""], ["规范性文件", "2", "3"]]
    assert _spans_ok(text, [g])


def test_cell_per_line_with_continuations_and_placeholders():
    text = (
        "三、收到和处理政府信息公开申请情况\n\n"
        "\t\n\t\n\t商业企业\n\t科研\n\n机构\n\t其他\n\n"
        "\t\n\t（三）不予公开\n\t1.属于国家秘密\n\t0 \n\t  1\n\n"
        "\t本年新\n制作数量\n\t总\n\n计\n\t未经复议直接起诉\n\n"
        "四、政府信息公开行政复议、行政诉讼情况\n"
    )
    (g,) = find_grids(text)
    assert g.layout == "cell_per_line"
    rows = _labels(g)
    assert rows[0] == ["", "", "商业企业", "科研机构", "其他"]
    assert rows[1] == ["", "（三）不予公开", "1.属于国家秘密", "0", "1"]
    assert rows[2] == ["本年新制作数量", "总计", "未经复议直接起诉"]
    assert g.rows[0][3].raw == "科研\n\n机构"
    assert _spans_ok(text, [g])


def test_tsv_rows():
    text = "信息内容\t本年制发件数\t本年废止件数\n规章\t1\t0\n"
    (g,) = find_grids(text)
    assert g.layout == "tsv" and _labels(g)[1] == ["规章", "1", "0"]


def test_narrative_has_no_grids():
    assert find_grids("一、总体情况\n本年度我镇未收到申请。\n二、主动公开\n") == []
