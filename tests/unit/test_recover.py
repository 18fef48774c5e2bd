"""Unit tests of gkwork.recover: splitter, label location, joint solving, markdown mapping.

Why some real runs are unique and others are not (all from reports 08-10):

* ``230 000023`` (applications, 7 cells): spaces are cell boundaries; with
  ``app.total_column`` (总计 = sum of six) only 23|0|0|0|0|0|23 remains -> unique.
* ``0000000`` / ``7000007``: 7 digits for 7 cells -> unique by length (rules ``[]``).
* ``规范性文件898989`` (2019 Section 二 (一), 3 cells): the three columns have no identity
  and no digit is 0, so all 10 compositions are plausible -> ambiguous (truth 89|89|89 is
  only one of them; the report's HTML was needed to know it).
* ``行政许可3960181`` (上一年项目数量 | 本年增/减 | 处理决定数量): the 0 must be a cell of its own
  or sit inside a number, but 3|960|181, 39|60|181, 396|0|181 ... all remain; (五) has no
  identity -> ambiguous. Cross-year continuity (2020's 上一年项目数量 = 396) would decide
  it, but that is another report and is not used here.
* ``行政事业性收费35-15`` (2 cells, the second may be negative): the minus sign can only
  start the second cell -> unique by plausibility (rules ``[]``).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from gkwork import recover as R
from gkwork import templates as T
from gkwork.validate import check_cells

# ---------------------------------------------------------------------------------------------
# helpers


def _flatten_apps(template: str, table: dict[str, list[str]], *, headers: bool = True) -> str:
    """Write an applications table the way the Pingtan archive does: all on one line."""
    parts = ["三、收到和处理政府信息公开申请情况申请人情况自然人法人或其他组织总计商业企业科研机构"]
    parts.append("社会公益组织法律服务机构其他")
    for row in T.rows(template, "applications"):
        if headers and row == "granted":
            parts.append("三、本年度办理结果")
        if headers and row == "withheld_state_secret":
            parts.append("（三）不予公开")
        parts.append(T.label(template, "applications", "row", row))
        parts.append(table.get(row, ""))
    parts.append("四、政府信息公开行政复议、行政诉讼情况")
    return "".join(parts)


def _zero_table(template: str) -> dict[str, str]:
    return {r: "0000000" for r in T.rows(template, "applications")}


def _cells(res, table="applications"):
    return {(c["row"], c["col"]): c for c in res.cells if c["table"] == table}


def _granted(**rows: str) -> tuple[str, R.RecoveryResult, list[float]]:
    """A zero gov2019 Section 三 with ``rows`` printed as given, flattened and recovered: the
    text, the result and the values of row granted."""
    table = {**_zero_table("gov2019"), **rows}
    text = _flatten_apps("gov2019", table)
    res = R.extract_flattened(text, "gov2019")
    cells = _cells(res)
    return text, res, [cells[("granted", c)]["value"] for c in T.cols("gov2019", "applications")]


def _legacy_text(layout: str, **values: str) -> str:
    """A synthetic report with a national 统计表, printed in ``layout``, with ``values`` set."""
    from gkwork.render import render_text
    from gkwork.synth import generate

    spec = next(s for s in generate(40, seed=1) if s.template == "legacy")
    for row, raw in values.items():
        spec.tables["legacy_stats"][row]["value"] = raw
    return render_text(spec, layout)


def _offsets_ok(text: str, res) -> bool:
    return all(text[c["start"] : c["end"]] == c["raw"] for c in res.cells)


# ---------------------------------------------------------------------------------------------
# split_run


def test_split_spaced_run_unique_by_total_column():
    assert R.split_run("230 000023", 7, total_last=True) == [(23, 0, 0, 0, 0, 0, 23)]


def test_split_without_arithmetic_is_ambiguous():
    out = R.split_run("898989", 3)
    assert len(out) == 10
    assert (89, 89, 89) in out


def test_split_licensing_run_is_ambiguous_and_contains_truth():
    out = R.split_run("3960181", 3)
    assert (396, 0, 181) in out
    assert (3, 960, 181) in out
    assert all(not (str(int(v)).startswith("0") and v != 0) for s in out for v in s)


def test_split_rejects_leading_zeros():
    # '0181' may not be a cell; the 0 must stand alone or sit inside a number
    assert (3960, 181, 0) not in R.split_run("3960181", 3)
    assert R.split_run("0181", 2) == [(0, 181)]


def test_split_negative_only_at_cell_start():
    assert R.split_run("35-15", 2, allow_negative=True) == [(35, -15)]
    assert R.split_run("35-15", 2) == []


def test_split_all_zero_run_unique_by_length():
    assert R.split_run("0000000", 7, total_last=True) == [(0,) * 7]
    assert R.split_run("000000", 7) == []  # one digit short: no split at all


def test_split_decimal_amount_is_one_cell():
    out = R.split_run("13575394432.52元", 2, allow_decimal=True)
    assert (135, 75394432.52) in out
    assert all(len(s) == 2 for s in out)  # the decimal part never becomes a cell


# ---------------------------------------------------------------------------------------------
# detection


def test_detect_flattened():
    text = _flatten_apps("gov2019", _zero_table("gov2019"))
    assert R.detect_damaged_layout(text) == R.LAYOUT_FLATTENED


def test_detect_flattened_spaced():
    tbl = {r: "0 0 0 0 0 0 0" for r in T.rows("gov2019", "applications")}
    text = _flatten_apps("gov2019", tbl).replace("0 0 0 0 0 0 0", " 0 0 0 0 0 0 0 ")
    assert R.detect_damaged_layout(text) == R.LAYOUT_SPACED


def test_detect_normal_layouts_are_none():
    one_per_line = "1.属于国家秘密\n0\n0\n0\n0\n0\n0\n0\n2.其他法律行政法规禁止公开\n0\n0\n"
    pipes = "| 1.属于国家秘密 | 0 | 0 |\n| 2.其他法律行政法规禁止公开 | 0 | 0 |\n"
    spaced_lines = (
        "1.属于国家秘密 0 0 0 0 0 0 0\n2.重复申请 0 0 0 0 0 0 0\n4.保护第三方合法权益 0 0\n"
    )
    for text in (one_per_line, pipes, spaced_lines, "", "普通叙述文字，没有表格。"):
        assert R.detect_damaged_layout(text) is None


# ---------------------------------------------------------------------------------------------
# flattened extraction


def test_extract_flattened_applications_values_flags_offsets():
    tbl = _zero_table("gov2019")
    tbl["new_received"] = "230 000023"
    tbl["granted"] = "7000007"
    tbl["unavailable_not_held"] = "160000016"  # 16|0|0|0|0|0|16 unique by total_column
    tbl["total_processed"] = "230000023"
    tbl["other"] = "0 0 0 0 0 0 0"  # boundaries given by spaces: not inferred
    tbl["unavailable_unclear"] = "0000000"
    text = "前言" + _flatten_apps("gov2019", tbl)
    res = R.extract_flattened(text, "gov2019")
    cells = _cells(res)
    assert _offsets_ok(text, res)
    assert [cells[("new_received", c)]["value"] for c in T.cols("gov2019", "applications")] == [
        23,
        0,
        0,
        0,
        0,
        0,
        23,
    ]
    assert cells[("new_received", "natural_person")]["raw"] == "23"
    assert cells[("new_received", "natural_person")]["flag"] == R.FLAG_INFERRED
    assert res.inferred_by["applications/new_received/total"] == ["app.total_column"]
    assert res.inferred_by["applications/granted/total"] == []  # unique by length
    assert cells[("unavailable_not_held", "total")]["value"] == 16
    assert cells[("other", "total")]["flag"] == ""  # printed with separators
    assert "applications/other/total" not in res.inferred_by
    assert res.tables["applications"] == "full"


def test_item_number_of_next_label_is_not_data():
    # '00000002.其他…': the '2.' belongs to the next label
    tbl = _zero_table("gov2019")
    text = _flatten_apps("gov2019", tbl)
    assert "00000002.其他法律行政法规禁止公开" in text
    res = R.extract_flattened(text, "gov2019")
    cells = _cells(res)
    assert cells[("withheld_state_secret", "total")]["value"] == 0
    assert not any(math.isnan(c["value"]) for c in cells.values())


def test_ambiguous_row_is_missing_not_guessed():
    # '101000011': several splits satisfy total = sum; the other rows are not printed, so no
    # cross-row identity applies.
    tbl = {"new_received": "11000011", "granted": "101000011"}
    text = _flatten_apps("gov2019", tbl, headers=False)
    res = R.extract_flattened(text, "gov2019")
    cells = _cells(res)
    amb = cells[("granted", "natural_person")]
    assert amb["flag"] == R.FLAG_AMBIGUOUS
    assert math.isnan(amb["value"])
    assert amb["raw"] == "101000011"
    assert text[amb["start"] : amb["end"]] == "101000011"
    entry = next(i for i in res.inferred if i["row"] == "granted" and i["col"] == "total")
    assert entry["n_candidates"] >= 2
    assert (10, 1, 0, 0, 0, 0, 11) in entry["candidates"]
    assert "applications/granted/total" not in res.inferred_by


def test_cross_row_outcome_sum_resolves_ambiguous_row():
    # granted '101000011' alone: 10|1|0|0|0|0|11, 1|0|10|0|0|0|11, ... all satisfy total = sum.
    # (七)总计 is printed with separators and every other outcome row is 0, so
    # app.outcome_sum leaves exactly one split.
    alone = R.split_run("101000011", 7, total_last=True)
    assert len(alone) > 1
    text, res, got = _granted(
        granted="101000011", total_processed=" 10 1 0 0 0 0 11 ", new_received=" 10 1 0 0 0 0 11 "
    )
    cells = _cells(res)
    assert got == [10, 1, 0, 0, 0, 0, 11]
    assert res.inferred_by["applications/granted/total"] == ["app.total_column", "app.outcome_sum"]
    assert cells[("granted", "total")]["flag"] == R.FLAG_INFERRED
    assert _offsets_ok(text, res)


def test_violated_identity_is_not_used():
    # (七)总计 says 5 but the only outcome row says 6: app.outcome_sum is violated by the
    # determined cells, so it must not pick a split for the ambiguous carried_forward row.
    tbl = _zero_table("gov2019")
    tbl["granted"] = "6000006"
    tbl["total_processed"] = "5000005"
    tbl["new_received"] = "5000005"
    tbl["carried_forward"] = "101000011"  # ambiguous alone
    text = _flatten_apps("gov2019", tbl)
    res = R.extract_flattened(text, "gov2019")
    cells = _cells(res)
    assert cells[("granted", "natural_person")]["value"] == 6  # kept as printed
    assert cells[("total_processed", "natural_person")]["value"] == 5
    # balance: 5 + 0 = 5 + carried_forward -> carried_forward must be all 0: no candidate of
    # '101000011' satisfies it, so balance is not usable either; the row stays ambiguous
    assert cells[("carried_forward", "total")]["flag"] == R.FLAG_AMBIGUOUS
    assert any("app.outcome_sum" in n for n in res.notes)


def test_active_disclosure_2019_rows():
    text = (
        "二、主动公开政府信息情况 第二十条第（一）项信息内容本年新制作数量本年新公开数量对外公开总数量"
        "规章000规范性文件898989第二十条第（五）项信息内容上一年项目数量本年增/减处理决定数量"
        "行政许可3960181其他对外管理服务事项100153第二十条第（六）项信息内容上一年项目数量本年增/减"
        "处理决定数量行政处罚2648-18538行政强制126025第二十条第（八）项信息内容上一年项目数量本年增/减"
        "行政事业性收费35-15第二十条第（九）项信息内容采购项目数量采购总金额政府集中采购"
        "13575394432.52元三、收到和处理政府信息公开申请情况"
    )
    res = R.extract_flattened(text, "gov2019")
    cells = _cells(res, "active_disclosure")
    assert _offsets_ok(text, res)
    assert [
        cells[("regulations", c)]["value"] for c in ("new_made", "new_published", "total_published")
    ] == [0, 0, 0]
    assert res.inferred_by["active_disclosure/regulations/new_made"] == []
    assert cells[("fees", "change")]["value"] == -15
    assert cells[("fees", "change")]["flag"] == R.FLAG_INFERRED
    for row in ("normative_documents", "licensing", "penalty", "procurement"):
        for c in T.cols("gov2019", "active_disclosure", row=row):
            assert cells[(row, c)]["flag"] == R.FLAG_AMBIGUOUS
            assert math.isnan(cells[(row, c)]["value"])
    amount = next(i for i in res.inferred if i["row"] == "procurement" and i["col"] == "amount")
    assert (135, 75394432.52) in amount["candidates"]


def test_review_row_rl_total():
    text = (
        "四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计"
        "未经复议直接起诉复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结"
        "总计10203120001200000五、存在的主要问题"
    )
    res = R.extract_flattened(text, "gov2021")
    cells = _cells(res, "review_litigation")
    got = [
        cells[(r, c)]["value"]
        for r in T.rows("gov2021", "review_litigation")
        for c in T.cols("gov2021", "review_litigation")
    ]
    assert got == [1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0]
    assert res.inferred_by["review_litigation/review/total"] == ["rl.total"]
    assert _offsets_ok(text, res)


def test_offset_parameter_shifts_spans():
    text = _flatten_apps("gov2019", _zero_table("gov2019"))
    a = R.extract_flattened(text, "gov2019")
    b = R.extract_flattened(text, "gov2019", offset=100)
    assert [c["start"] + 100 for c in a.cells] == [c["start"] for c in b.cells]


def test_unknown_template_raises():
    with pytest.raises(ValueError):
        R.extract_flattened("x", "gov2030")


# ---------------------------------------------------------------------------------------------
# legacy


def test_legacy_fujian_variant_narrative_and_part_rule():
    text = (
        "本年主动公开政府信息2069条。六、政府信息公开情况统计表指标名称计量单位2018年度历年累计"
        "主动公开文件数条206912106其中：1.政府网站公开数条2069121062.政府公报公开数条00"
        "受理依申请公开信息总数条00"
    )
    res = R.extract_flattened(text, "legacy")
    assert res.variant == "fujian"
    cells = _cells(res, "legacy_stats")
    assert cells[("proactive_total", "value")]["value"] == 2069
    assert cells[("proactive_total", "cumulative")]["value"] == 12106
    assert res.inferred_by["legacy_stats/proactive_total/value"] == ["text_table.mismatch"]
    assert cells[("proactive_website", "cumulative")]["value"] == 12106
    # 本年度 <= 历年累计 narrows the row's splits, the part rule picks among the rest
    assert res.inferred_by["legacy_stats/proactive_website/value"] == [
        "legacy.year_le_cumulative",
        "legacy.part_exceeds_total",
    ]
    # without the narrative sentence the split of '206912106' is not determinable
    res2 = R.extract_flattened(text.replace("本年主动公开政府信息2069条。", ""), "legacy")
    c2 = _cells(res2, "legacy_stats")
    assert c2[("proactive_total", "value")]["flag"] == R.FLAG_AMBIGUOUS


def _fujian_144(requests: str, narrative: str = "") -> str:
    return (
        f"{narrative}附件平潭综合实验区农发局2017年度政府信息公开工作统计数据 指 标 名 称单位"
        "2017年历年累计主动公开文件数条10774 其中：1.政府网站公开数条10774 2.政府公报公开数条00"
        f"受理政府信息公开申请总数条{requests} 其中：1.当面申请数条00 2.网上申请数条00 "
        f"3.信函、传真申请数条{requests}对申请的答复总数条{requests}"
    )


def test_legacy_year_le_cumulative_narrows_a_split_where_the_table_keeps_it():
    """'10774' in 本年度 | 历年累计 is 10 | 774 (107 | 74 and 1077 | 4 count more this year
    than in all years) when the rows read without a choice satisfy the relation (13: 1 | 3)."""
    res = R.extract_flattened(_fujian_144("13"), "legacy")
    assert res.variant.startswith("fujian")
    cells = _cells(res, "legacy_stats")
    assert cells[("proactive_total", "value")]["value"] == 10
    assert cells[("proactive_total", "cumulative")]["value"] == 774
    assert "legacy.year_le_cumulative" in res.inferred_by["legacy_stats/proactive_total/value"]


def test_legacy_year_le_cumulative_is_not_used_where_the_table_breaks_it():
    """pingtan/144_nongfa_2017: requests 1 | 0 break the relation, so it picks no split; the
    narrative's 107 does (107 | 74); without it the row stays ambiguous, never guessed."""
    res = R.extract_flattened(_fujian_144("10"), "legacy")
    cells = _cells(res, "legacy_stats")
    assert cells[("proactive_total", "value")]["flag"] == R.FLAG_AMBIGUOUS
    assert cells[("requests_total", "value")]["value"] == 1
    assert any("violates legacy.year_le_cumulative" in n for n in res.notes)
    said = "二、主动公开政府信息情况（一）主动公开政府信息的数量我局2017年主动公开政府信息107条。"
    res = R.extract_flattened(_fujian_144("10", said), "legacy")
    cells = _cells(res, "legacy_stats")
    assert cells[("proactive_total", "value")]["value"] == 107
    assert cells[("proactive_total", "cumulative")]["value"] == 74
    assert res.inferred_by["legacy_stats/proactive_total/value"] == ["text_table.mismatch"]


#: The 年末统计 form (legacy__fujian_yearend.csv) as pingtan/117_caijin_2018 prints it: one
#: value column, cells run together, the table cut after 3、电子邮件申请数 (the full form has
#: 17 rows). Values changed from the real report's so that no two rows print the same.
_YEAREND = (
    "本报告由概述、主动公开政府信息情况、政府信息依申请公开工作情况、政府信息公开工作存在的主要问题"
    "及改进情况、政府信息公开情况统计表共五个部分组成。七、附表 指标名称计量单位年末统计"
    "主动公开信息数条138其中：1、网站公开条1372、政府公报公开条1受理依申请公开信息总数条3"
    "其中：1、当面申请数条22、传真申请数条03、电子邮件申请数条1 平潭综合实验区财政金融局"
    "2018年12月31日"
)
_YEAREND_VALUES = {
    "proactive_total": ("138", 138),
    "proactive_website": ("137", 137),
    "proactive_gazette": ("1", 1),
    "requests_total": ("3", 3),
    "requests_in_person": ("2", 2),
    "requests_fax": ("0", 0),
    "requests_email": ("1", 1),
}


@pytest.mark.parametrize("spaced", [False, True])
def test_legacy_fujian_yearend_one_column_cut_short(spaced: bool):
    """One value per row lands in ``value`` (no 历年累计 column to split it into), the rows
    the copy does not print are absent (not 0), and the table is partial."""
    text = _YEAREND
    if spaced:  # as pingtan/139_caijin_2017: cells separated by single spaces
        for label in ("计量单位", "年末统计", "条", "其中", "2、", "3、", "受理"):
            text = text.replace(label, f" {label} ")
    layout = R.detect_damaged_layout(text)
    assert layout == (R.LAYOUT_SPACED if spaced else R.LAYOUT_FLATTENED)
    res = R.extract_flattened(text, "legacy")
    assert res.variant == "fujian_yearend"
    cells = _cells(res, "legacy_stats")
    got = {row: (c["raw"], c["value"]) for (row, col), c in cells.items()}
    assert {col for _, col in cells} == {"value"}
    assert got == _YEAREND_VALUES
    assert _offsets_ok(text, res)
    assert all(c["flag"] == "" and c["unit"] == "条" for c in cells.values())
    assert res.tables == {"legacy_stats": "partial"}
    assert len(T.rows("legacy", "legacy_stats", variant="fujian_yearend")) == 17


def test_legacy_fujian_yearend_report_is_incomplete_not_complete():
    import gkwork

    report = gkwork.read_text(_YEAREND)
    assert report.meta["template"] == "legacy"
    assert report.meta["template_variant"] == "fujian_yearend"
    got = dict(zip(report.cells["row"], report.cells["value"], strict=True))
    assert got == {row: v for row, (_, v) in _YEAREND_VALUES.items()}
    checks = gkwork.check(report).set_index("rule")
    incomplete = checks.loc[["table.incomplete"]]
    assert incomplete["status"].tolist() == ["fail"]
    assert "7 of 17 cells" in incomplete["message"].iloc[0]
    # channels 4-6 were not printed: their sum is not assessable, each printed part is checked
    assert checks.loc[["legacy.received_channels"], "status"].tolist() == ["not_assessable"]
    parts = checks.loc[["legacy.part_exceeds_total"]]
    status = dict(zip(parts["row"], parts["status"], strict=True))
    assert status == {
        "proactive_website": "pass",
        "proactive_gazette": "pass",
        "requests_in_person": "pass",
        "requests_fax": "pass",
        "requests_email": "pass",
        "requests_online": "not_assessable",
        "requests_letter": "not_assessable",
        "requests_other": "not_assessable",
    }


def test_legacy_fujian_yearend_is_not_read_without_its_header():
    """A one-column form would read '10774' of 本年度 | 历年累计 as one number: it is tried
    only where 年末统计 is printed."""
    assert "fujian_yearend" not in T.variants_in("legacy", _fujian_144("13"))
    assert "fujian_yearend" in T.variants_in("legacy", "指 标 名 称 计量单位 年 末 统 计")
    res = R.extract_flattened(_fujian_144("13"), "legacy")
    assert res.variant != "fujian_yearend"
    # without the header, the same rows are not read in the 年末统计 form
    res = R.extract_flattened(_YEAREND.replace("年末统计", ""), "legacy")
    assert res.variant != "fujian_yearend"


# ---------------------------------------------------------------------------------------------
# markdown


def test_map_markdown_table_ignores_wrong_header():
    grid = [
        [
            "项目",
            "本年新收件数",
            "上年结转件数",
            "予以公开",
            "部分公开",
            "不予公开",
            "结转下年度",
            "总计",
        ],
        ["（七）总计", "710", "3", "0", "0", "5", "0", "718"],
        ["四、结转下年度继续办理", "31", "0", "0", "0", "0", "0", "31"],
    ]
    m = R.map_markdown_table(grid, "gov2021", "applications")
    assert [(j, k, idx) for j, k, idx, _ in m] == [
        (1, "total_processed", [1, 2, 3, 4, 5, 6, 7]),
        (2, "carried_forward", [1, 2, 3, 4, 5, 6, 7]),
    ]


def test_map_markdown_table_ocr_typo_accepted_wrong_row_rejected():
    grid = [
        ["1. 本机关不掌握相关政府信启", "1", "0", "0", "0", "0", "0", "1"],  # 息 -> 启
        ["完全无关的一行文字", "1", "0", "0", "0", "0", "0", "1"],
        ["数据1", "-", "-"],
    ]
    m = R.map_markdown_table(grid, "gov2021", "applications")
    assert [(j, k) for j, k, _, _ in m] == [(0, "unavailable_not_held")]
    assert m[0][3] >= R.DEFAULT_SETTINGS.markdown_row_min_score
    strict = R.RecoverySettings(markdown_row_min_score=99.0)
    assert R.map_markdown_table(grid, "gov2021", "applications", settings=strict) == []


def test_extract_markdown_review_tables_by_heading():
    text = (
        "## 四、政府信息公开行政复议、行政诉讼情况\n\n### 行政复议\n"
        "| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |\n|---|---|---|---|---|\n"
        "| 27 | 10 | 9 | 15 | 61 |\n\n### 行政诉讼（复议后起诉）\n"
        "| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |\n|---|---|---|---|---|\n"
        "| 8 | 0 | 1 | 1 | 10 |\n"
    )
    res = R.extract_markdown(text, "gov2021")
    cells = _cells(res, "review_litigation")
    assert cells[("review", "total")]["value"] == 61
    assert cells[("litigation_after_review", "upheld")]["value"] == 8
    assert ("litigation_direct", "total") not in cells
    assert res.tables["review_litigation"] == "partial"
    assert _offsets_ok(text, res)


def test_recover_returns_none_for_normal_text():
    assert R.recover("一、总体情况\n今年无申请。\n", "gov2021") is None


def test_count_unit_closes_a_cell_and_plus_sign():
    text = (
        "二、主动公开政府信息情况第二十条第（五）项信息内容上一年项目数量本年增/减处理决定数量"
        "行政许可0+11其他对外管理服务事项000第二十条第（九）项信息内容采购项目数量采购总金额"
        "政府集中采购1个246900元三、收到和处理政府信息公开申请情况"
    )
    res = R.extract_flattened(text, "gov2019")
    cells = _cells(res, "active_disclosure")
    assert [cells[("licensing", c)]["value"] for c in ("prev_count", "change", "decisions")] == [
        0,
        1,
        1,
    ]
    assert cells[("procurement", "items")]["raw"] == "1个"
    assert cells[("procurement", "items")]["value"] == 1
    assert cells[("procurement", "amount")]["raw"] == "246900元"
    assert cells[("procurement", "amount")]["unit"] == "元"
    assert _offsets_ok(text, res)


def test_legacy_unit_from_printed_unit_column():
    text = "统计表指标名称计量单位2016年度历年累计受理依申请公开信息总数条00行政复议数件12"
    res = R.extract_flattened(text, "legacy", variant="fujian")
    cells = _cells(res, "legacy_stats")
    assert cells[("requests_total", "value")]["unit"] == "条"
    assert cells[("reviews", "cumulative")]["unit"] == "件"
    assert cells[("reviews", "cumulative")]["value"] == 2


# ---------------------------------------------------------------------------------------------
# blank rows


_OTHER_2021 = (
    "5.要求行政机关确认或重新出具已获取信息0000000（六）其他处理"
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请0000000"
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请3.其他"
    "（七）总计3000003四、结转下年度继续办理0000000"
)


def test_a_row_printed_without_numbers_is_blank_not_absent():
    """pingtan/061: 2. and 3. of （六）其他处理 print no number; both are blank cells at
    their label (3.其他 used to be absent: only a label followed by a number was found)."""
    head = _flatten_apps("gov2021", _zero_table("gov2021"))
    cut = head.index("5.要求行政机关确认或重新出具已获取信息")
    text = head[:cut] + _OTHER_2021
    res = R.extract_flattened(text, "gov2021")
    cells = _cells(res)
    for row in ("other_no_fee", "other_other"):
        got = {cells[(row, c)]["flag"] for c in ("natural_person", "total")}
        assert got == {"blank"}, row
        assert all(math.isnan(cells[(row, c)]["value"]) for c in ("natural_person", "total"))
    assert cells[("other_other", "total")]["start"] == text.index("（七）")
    assert _offsets_ok(text, res)


def test_the_2019_other_row_of_a_2021_report_is_read_as_that_row():
    """pingtan/046: a 2021 report printing the 2019 row （六）其他处理0000000 in place of the
    three 2021 rows: read as the 2019 row `other` (as the grid reader does), not as a blank
    3.其他 (a bare label is too common to be trusted without a number)."""
    head = _flatten_apps("gov2021", _zero_table("gov2021"))
    cut = head.index("5.要求行政机关确认或重新出具已获取信息")
    text = (
        head[:cut]
        + "5.要求行政机关确认或重新出具已获取信息0000000（六）其他处理0000000（七）总计0000000"
    )
    res = R.extract_flattened(text, "gov2021")
    cells = _cells(res)
    assert ("other_other", "total") not in cells
    other = [cells[("other", c)] for c in T.cols("gov2021", "applications")]
    assert [c["raw"] for c in other] == ["0"] * 7
    assert other[0]["start"] == text.index("其他处理0") + len("其他处理")
    assert _offsets_ok(text, res)
    # its sum with the other outcome rows is the 总计 the report printed (0): checkable
    checks = check_cells(pd.DataFrame(res.cells), {"template": "gov2021", "year": 2021})
    outcome = checks[checks.rule == "app.outcome_sum"]
    assert set(outcome.status) == {"pass"}


def test_any_unicode_space_separates_cells():
    # an en space (U+2002) between cells ended the run: the row lost its last cells, and a
    # synthetic report (found by gk.score) had 16 10 0 0 0 | 17 split 1|6|1|0|0|0|0
    text, res, got = _granted(
        granted="5\u20020\u2002\u20020\xa00\u20090 0\u20025",
        total_processed="5000005",
        new_received="5000005",
    )
    assert got == [5, 0, 0, 0, 0, 0, 5]
    assert _offsets_ok(text, res)


def test_a_number_with_thousands_separators_is_one_cell():
    text = (
        "二、主动公开政府信息情况第二十条第（五）项信息内容本年处理决定数量行政许可7,184"
        "第二十条第（六）项信息内容本年处理决定数量行政处罚1,234,567行政强制21"
        "第二十条第（八）项信息内容本年收费金额（单位：万元）行政事业性收费0三、收到和处理"
    )
    res = R.extract_flattened(text, "gov2021")
    cells = _cells(res, "active_disclosure")
    assert cells[("licensing", "decisions")]["value"] == 7184  # was 7
    assert cells[("licensing", "decisions")]["raw"] == "7,184"
    assert cells[("penalty", "decisions")]["value"] == 1234567
    assert cells[("coercion", "decisions")]["value"] == 21
    assert _offsets_ok(text, res)
    # a comma that is not a thousands separator does not glue digits together
    assert not R._thousands_group("1,23456", 1, 7, ["1"], False)
    assert not R._thousands_group("1234,567", 4, 8, list("1234"), False)


def test_a_table_cut_short_does_not_take_rows_from_the_next_section():
    # Section 三 stops after 1.信访举报投诉类申请; Section 四's header ends in …尚未审结总计 and
    # its 15 digits are the review table's, not （七）总计's (a synthetic report found by gk.score)
    rows = T.rows("gov2021", "applications")
    cut = rows[: rows.index("not_processed_petition") + 1]
    text = _flatten_apps("gov2021", {r: "0000000" for r in cut}).replace(
        "四、政府信息公开行政复议、行政诉讼情况",
        "四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结"
        "总计未经复议直接起诉复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正"
        "其他结果尚未审结总计000000000000000五、存在的主要问题及改进情况",
    )
    res = R.extract_flattened(text, "gov2021")
    assert res.tables["applications"] == "partial"
    assert not [c for c in res.cells if c["row"] == "total_processed"]
    assert res.tables["review_litigation"] == "full"
    assert len([c for c in res.cells if c["table"] == "review_litigation"]) == 15


def test_two_digit_item_numbers_and_a_blank_row_with_its_unit():
    # legacy 统计表 run together with its unit column (a synthetic report found by gk.score):
    # 9.劳动就业及社会保障件010.社会救助… is 0 and item 10 (items count from 1, so not 01 and
    # item 0.); 17.企业信用件018.其它件四、… is 0 and a blank 18.其它 (its label stands before a
    # unit and a heading, not before a number)
    text = _legacy_text(
        "flattened",
        request_topic_employment_social_security="0",
        request_topic_social_assistance="2",
        request_topic_enterprise_credit="0",
        request_topic_other="",
    )
    assert "保障件010." in text.replace("\n", "") or "保障010." in text.replace("\n", "")
    res = R.extract_flattened(text, "legacy")
    cells = _cells(res, "legacy_stats")
    assert cells[("request_topic_employment_social_security", "value")]["value"] == 0
    assert cells[("request_topic_social_assistance", "value")]["value"] == 2
    assert cells[("request_topic_enterprise_credit", "value")]["value"] == 0
    assert math.isnan(cells[("request_topic_other", "value")]["value"])
    assert _offsets_ok(text, res)
    assert R._item_number_len("0000002.") == 2 and R._item_number_len("010.") == 3


def test_a_national_pre_2019_table_run_together_is_detected():
    # the national 统计表's own labels (a synthetic report whose 当面申请数 and 传真申请数 held
    # '-' and '——' had no other label the detection knew: its table was not read at all)
    text = (
        "1.政府公报公开政府信息数条62.政府网站公开政府信息数条2383.政务微博公开政府信息数条18"
        "4.政务微信公开政府信息数条34（一）收到申请数件01.当面申请数件-2.传真申请数件——"
        "3.网络申请数件04.信函申请数件0（二）申请办结数件01.按时办结数件0"
    )
    R._detect.cache_clear()
    assert R.detect_damaged_layout(text) == R.LAYOUT_FLATTENED


def test_a_one_value_row_printed_as_none_keeps_its_text_and_its_place():
    # legacy 统计表 with a unit column, cells one space apart: （二）被依法纠错数 件 无 — the 无 is
    # that row's value (text_value, missing), not a reason to look for the label further on,
    # where it took the next row's 0 and every row after it shifted (a synthetic report)
    text = _legacy_text(
        "flattened_spaced",
        review_total="—",
        review_upheld="0",
        review_corrected="无",
        review_other="0",
        litigation_total="3",
    )
    res = R.extract_flattened(text, "legacy")
    cells = _cells(res, "legacy_stats")
    got = {k: cells[(k, "value")] for k in ("review_total", "review_corrected", "review_other")}
    assert (got["review_total"]["raw"], got["review_total"]["flag"]) == ("—", "text_value")
    assert (got["review_corrected"]["raw"], got["review_corrected"]["flag"]) == ("无", "text_value")
    assert math.isnan(got["review_corrected"]["value"]) and got["review_other"]["value"] == 0
    assert cells[("litigation_total", "value")]["value"] == 3
    assert _offsets_ok(text, res)
    assert R._nil_at("无正当理由大量反复申请", 0) == 0  # a word, not a nil value


def test_a_row_whose_blank_may_have_vanished_is_not_guessed():
    # 1010011 splits one way into 7 one-digit cells (1,0,1,0,0,1,1), which breaks the row's
    # total; read with two blanks it keeps it (10,1,_,0,0,_,11): the row stays missing
    sol = R._solve_row(
        R._read_run("1010011", 0, 7, unit_ok=False),
        R._row_specs("gov2021", "applications", "granted", ""),
        {},
        [R.RULE_TOTAL_COLUMN],
        R.DEFAULT_SETTINGS,
        total_last=True,
    )
    assert sol.status == "ambiguous" and sol.split is None
    # pingtan/076 prints 6100000 (total 0): no reading with blanks keeps a total either, so
    # the row is read as printed and app.total_column reports the agency's inconsistency
    sol = R._solve_row(
        R._read_run("6100000", 0, 7, unit_ok=False),
        R._row_specs("gov2021", "applications", "new_received", ""),
        {},
        [R.RULE_TOTAL_COLUMN],
        R.DEFAULT_SETTINGS,
        total_last=True,
    )
    assert sol.status == "unique"
    assert R._values(R._read_run("6100000", 0, 7, unit_ok=False).chunks, sol.split) == (
        6.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    )  # fmt: skip


def test_a_review_table_whose_blanks_vanished_is_unresolved_not_absent():
    """Section 四's 15 cells printed with blanks that vanished leave fewer than 15 digits after
    the table's header: the table is there, its cells cannot be told apart (unresolved); a
    number in a sentence mentioning 行政复议 is still no table."""
    header = (
        "四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计"
        "未经复议直接起诉复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计"
    )
    text = header + "000000000000五、存在的主要问题"  # 12 digits for 15 cells
    res = R.extract_flattened(text, "gov2021")
    cells = _cells(res, "review_litigation")
    assert len(cells) == 15 and {c["flag"] for c in cells.values()} == {R.FLAG_UNRESOLVED}
    assert all(math.isnan(c["value"]) for c in cells.values())
    assert _offsets_ok(text, res)
    prose = "四、行政复议和行政诉讼情况本年度发生行政复议0件，行政诉讼0件。五、存在的主要问题"
    assert _cells(R.extract_flattened(prose, "gov2021"), "review_litigation") == {}


def test_a_one_value_row_running_into_the_next_label_is_blank():
    """行政处罚行政强制 0 (flattened gov2021 Section 二): the row with no number before the next
    row's label is a blank cell, not a missing row."""
    text = (
        "二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数"
        "规章 0 0 0 行政规范性文件 1 0 7 第二十条第（五）项信息内容本年处理决定数量行政许可 0 "
        "第二十条第（六）项信息内容本年处理决定数量行政处罚行政强制 0 "
        "第二十条第（八）项信息内容本年收费金额（单位：万元）行政事业性收费 0 三、收到和处理政府信息公开申请情况"
    )
    cells = _cells(R.extract_flattened(text, "gov2021"), "active_disclosure")
    penalty = cells[("penalty", "decisions")]
    assert penalty["flag"] == "blank" and math.isnan(penalty["value"])
    assert cells[("coercion", "decisions")]["value"] == 0


def test_the_last_row_printed_blank_before_the_next_section_is_blank():
    """…行政事业性收费  三、收到和处理…: the table's last row has no number and the next
    section starts; its cell is blank (it used to be a missing row)."""
    text = (
        "二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数"
        "规章 0 0 0 行政规范性文件 1 0 7 第二十条第（五）项信息内容本年处理决定数量行政许可 5 "
        "第二十条第（六）项信息内容本年处理决定数量行政处罚 3 行政强制 0 "
        "第二十条第（八）项信息内容本年收费金额（单位：万元）行政事业性收费  三、收到和处理政府信息公开申请情况"
    )
    res = R.extract_flattened(text, "gov2021")
    fees = _cells(res, "active_disclosure")[("fees", "amount_10k_yuan")]
    assert fees["flag"] == "blank" and math.isnan(fees["value"])
    assert text[: fees["start"]].rstrip().endswith("行政事业性收费")  # the gap after its label
