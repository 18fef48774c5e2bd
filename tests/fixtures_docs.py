"""Hand-built report blocks (gov2019 and gov2021 formats) for reader/writer tests.

The tables follow the official header structures (domain.md §2.2-§2.4, §3.3-§3.5), merged cells
included. Values are small hand-picked numbers; blanks and 无 occur where real reports have them.
Everything is generated at test time; nothing is downloaded.
"""

from __future__ import annotations

from gkwork.model import Block, ParaBlock, SpanCell, TableBlock

S = SpanCell

APP_COLUMNS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]

REVIEW_COLUMNS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]

#: (level-1, level-2, level-3) labels of the Section 三 rows, 2019 format (domain.md §2.3).
APP_ROWS_2019: list[tuple[str, str, str]] = [
    ("一、本年新收政府信息公开申请数量", "", ""),
    ("二、上年结转政府信息公开申请数量", "", ""),
    ("三、本年度办理结果", "（一）予以公开", ""),
    ("三、本年度办理结果", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ""),
    ("三、本年度办理结果", "（三）不予公开", "1.属于国家秘密"),
    ("三、本年度办理结果", "（三）不予公开", "2.其他法律行政法规禁止公开"),
    ("三、本年度办理结果", "（三）不予公开", "3.危及“三安全一稳定”"),
    ("三、本年度办理结果", "（三）不予公开", "4.保护第三方合法权益"),
    ("三、本年度办理结果", "（三）不予公开", "5.属于三类内部事务信息"),
    ("三、本年度办理结果", "（三）不予公开", "6.属于四类过程性信息"),
    ("三、本年度办理结果", "（三）不予公开", "7.属于行政执法案卷"),
    ("三、本年度办理结果", "（三）不予公开", "8.属于行政查询事项"),
    ("三、本年度办理结果", "（四）无法提供", "1.本机关不掌握相关政府信息"),
    ("三、本年度办理结果", "（四）无法提供", "2.没有现成信息需要另行制作"),
    ("三、本年度办理结果", "（四）无法提供", "3.补正后申请内容仍不明确"),
    ("三、本年度办理结果", "（五）不予处理", "1.信访举报投诉类申请"),
    ("三、本年度办理结果", "（五）不予处理", "2.重复申请"),
    ("三、本年度办理结果", "（五）不予处理", "3.要求提供公开出版物"),
    ("三、本年度办理结果", "（五）不予处理", "4.无正当理由大量反复申请"),
    ("三、本年度办理结果", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"),
    ("三、本年度办理结果", "（六）其他处理", ""),
    ("三、本年度办理结果", "（七）总计", ""),
    ("四、结转下年度继续办理", "", ""),
]

_OTHER_2021 = [
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "3.其他",
]

APP_ROWS_2021: list[tuple[str, str, str]] = (
    APP_ROWS_2019[:20]
    + [("三、本年度办理结果", "（六）其他处理", lab) for lab in _OTHER_2021]
    + APP_ROWS_2019[21:]
)


def _app_values(rows: list[tuple[str, str, str]]) -> list[list[str]]:
    """Consistent values: 一 = 5 natural + 1 company; 二 = 1 natural; results; 四 = 1."""
    vals: list[list[str]] = []
    for lab1, lab2, lab3 in rows:
        v = ["0"] * 7
        if lab1.startswith("一"):
            v = ["5", "1", "0", "0", "0", "0", "6"]
        elif lab1.startswith("二"):
            v = ["1", "0", "0", "0", "0", "0", "1"]
        elif lab2 == "（一）予以公开":
            v = ["3", "1", "0", "0", "0", "0", "4"]
        elif lab3.startswith("1.本机关不掌握"):
            v = ["2", "0", "0", "0", "0", "0", "2"]
        elif lab2 == "（七）总计":
            v = ["5", "1", "0", "0", "0", "0", "6"]
        elif lab1.startswith("四"):
            v = ["1", "0", "0", "0", "0", "0", "1"]
        vals.append(v)
    return vals


def applications_table(template: str) -> TableBlock:
    """Section 三 table with the 3-row header block and merged row labels."""
    rows_def = APP_ROWS_2019 if template == "gov2019" else APP_ROWS_2021
    vals = _app_values(rows_def)
    rows: list[list[SpanCell]] = [
        [
            S("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3),
            S("申请人情况", 1, 7),
        ],
        [S("自然人", 2, 1), S("法人或其他组织", 1, 5), S("总计", 2, 1)],
        [S(x) for x in ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]],
    ]
    n_result = sum(1 for r in rows_def if r[0].startswith("三"))
    seen1: set[str] = set()
    seen2: set[str] = set()
    for (lab1, lab2, lab3), v in zip(rows_def, vals, strict=True):
        row: list[SpanCell] = []
        if not lab2:
            row.append(S(lab1, 1, 3))
        else:
            if lab1 not in seen1:
                row.append(S(lab1, n_result, 1))
                seen1.add(lab1)
            if not lab3:
                row.append(S(lab2, 1, 2))
            elif lab2 not in seen2:
                span = sum(1 for r in rows_def if r[1] == lab2)
                row.append(S(lab2, span, 1))
                seen2.add(lab2)
            if lab3:
                row.append(S(lab3))
        row += [S(x) for x in v]
        rows.append(row)
    return TableBlock(rows, name="applications")


REVIEW_VALUES = ["2", "1", "0", "0", "3", "1", "0", "0", "1", "2", "0", "0", "0", "0", "0"]


def review_table() -> TableBlock:
    """Section 四 table: 3 header rows and one row of 15 values."""
    rows = [
        [S("行政复议", 1, 5), S("行政诉讼", 1, 10)],
        [S(x, 2, 1) for x in REVIEW_COLUMNS] + [S("未经复议直接起诉", 1, 5), S("复议后起诉", 1, 5)],
        [S(x) for x in REVIEW_COLUMNS * 2],
        [S(x) for x in REVIEW_VALUES],
    ]
    return TableBlock(rows, name="review_litigation")


def active_table(template: str) -> TableBlock:
    """Section 二 table: stacked sub-tables each introduced by a caption row."""
    if template == "gov2019":
        spec = [
            (
                "第二十条第（一）项",
                ["本年新\n制作数量", "本年新\n公开数量", "对外公开总数量"],
                [("规章", ["1", "1", "12"]), ("规范性文件", ["4", "4", "37"])],
            ),
            (
                "第二十条第（五）项",
                ["上一年项目数量", "本年增/减", "处理决定数量"],
                [("行政许可", ["25", "-3", "118"]), ("其他对外管理服务事项", ["7", "0", "9"])],
            ),
            (
                "第二十条第（六）项",
                ["上一年项目数量", "本年增/减", "处理决定数量"],
                [("行政处罚", ["30", "2", "41"]), ("行政强制", ["3", "0", "无"])],
            ),
            (
                "第二十条第（八）项",
                ["上一年项目数量", "本年增/减"],
                [("行政事业性收费", ["2", "0"])],
            ),
            (
                "第二十条第（九）项",
                ["采购项目数量", "采购总金额"],
                [("政府集中采购", ["6", "251000元"])],
            ),
        ]
    else:
        spec = [
            (
                "第二十条第（一）项",
                ["本年制发件数", "本年废止件数", "现行有效件数"],
                [("规章", ["0", "0", "0"]), ("行政规范性文件", ["3", "1", "25"])],
            ),
            ("第二十条第（五）项", ["本年处理决定数量"], [("行政许可", ["512"])]),
            (
                "第二十条第（六）项",
                ["本年处理决定数量"],
                [("行政处罚", ["97"]), ("行政强制", ["4"])],
            ),
            ("第二十条第（八）项", ["本年收费金额（单位：万元）"], [("行政事业性收费", ["12.5"])]),
        ]
    width = 4
    rows: list[list[SpanCell]] = []
    for caption, cols, data in spec:
        rows.append([S(caption, 1, width)])
        extra = width - 1 - len(cols)
        header = [S("信息内容")] + [S(c) for c in cols[:-1]] + [S(cols[-1], 1, 1 + extra)]
        rows.append(header)
        for label, values in data:
            rows.append([S(label)] + [S(v) for v in values[:-1]] + [S(values[-1], 1, 1 + extra)])
    return TableBlock(rows, name="active_disclosure")


def report_blocks(
    template: str = "gov2021", agency: str = "示例县人民政府", year: int = 2021
) -> list[Block]:
    """A small report: title, narrative paragraphs and the three tables."""
    return [
        ParaBlock(f"{agency}{year}年政府信息公开工作年度报告"),
        ParaBlock(
            f"本报告根据《中华人民共和国政府信息公开条例》要求编制。报告中所列数据统计期限自{year}年"
            f"1月1日起至{year}年12月31日止。"
        ),
        ParaBlock("一、总体情况"),
        ParaBlock(f"{year}年，{agency}主动公开政府信息128条，受理政府信息公开申请6件。"),
        ParaBlock("二、主动公开政府信息情况"),
        active_table(template),
        ParaBlock("三、收到和处理政府信息公开申请情况"),
        applications_table(template),
        ParaBlock("四、政府信息公开行政复议、行政诉讼情况"),
        review_table(),
        ParaBlock("五、存在的主要问题及改进情况"),
        ParaBlock("部分栏目更新不及时。"),
        ParaBlock("六、其他需要报告的事项"),
        ParaBlock("本年度未收取信息处理费。"),
    ]


PORTAL_META = {
    "index_no": "330803-042/2022-00017",
    "publisher": "示例县人民政府办公室",
    "written_date": "2022-01-20",
    "published_date": "2022-01-28",
    "doc_no": "",
    "topic": "综合政务/政务公开",
}
