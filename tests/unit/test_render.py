"""Tests of gkwork.render: block structure, text layouts, quirks and expected cells."""

from __future__ import annotations

import math

import pytest

from gkwork import templates
from gkwork.errors import GkworkError
from gkwork.model import ParaBlock, TableBlock
from gkwork.render import (
    LAYOUTS,
    SYNTHETIC_MARKER,
    ReportSpec,
    apply_quirks,
    chinese_date,
    expected_cells,
    narrative_records,
    render_text,
    spec_blocks,
)


def _zero_tables(template: str, fill: str = "0") -> dict:
    out: dict = {}
    for r in templates.expected_cells(template).itertuples(index=False):
        out.setdefault(r.table, {}).setdefault(r.row, {})[r.col] = fill
    return out


def _spec(template: str = "gov2019", **kw) -> ReportSpec:
    base = dict(
        report_id="t1",
        agency="测试县某某镇人民政府",
        year=2020 if template == "gov2019" else 2021,
        template=template,
        signed_date="2021-01-18",
        paragraphs=["本年度未收到政府信息公开申请。"],
        tables=_zero_tables(template) if template != "none" else {},
    )
    base.update(kw)
    return ReportSpec(**base)


def _table(blocks, name: str) -> TableBlock:
    return next(b for b in blocks if isinstance(b, TableBlock) and b.name == name)


def test_chinese_date():
    assert chinese_date("2021-01-18") == "2021年1月18日"
    assert chinese_date("") == ""


def test_gov2019_blocks_have_sections_tables_and_signature():
    blocks = spec_blocks(_spec("gov2019"))
    paras = [b.text for b in blocks if isinstance(b, ParaBlock)]
    assert paras[0] == SYNTHETIC_MARKER
    assert paras[1] == "测试县某某镇人民政府2020年政府信息公开工作年度报告"
    assert "由测试县某某镇人民政府编制" in paras[2]
    assert "自2020年1月1日起至2020年12月31日止" in paras[2]
    heads = [p for p in paras if p[:2] in ("一、", "二、", "三、", "四、", "五、", "六、")]
    assert [h[:2] for h in heads] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    assert paras[-2:] == ["测试县某某镇人民政府", "2021年1月18日"]
    # tables right after their section headings
    names = [
        (blocks[i - 1].text, b.name) for i, b in enumerate(blocks) if isinstance(b, TableBlock)
    ]
    assert names == [
        ("二、主动公开政府信息情况", "active_disclosure"),
        ("三、收到和处理政府信息公开申请情况", "applications"),
        ("四、政府信息公开行政复议、行政诉讼情况", "review_litigation"),
    ]


def test_applications_header_and_group_spans_2019_vs_2021():
    app19 = _table(spec_blocks(_spec("gov2019")), "applications")
    note = app19.rows[0][0]
    assert note.text.startswith("（本列数据的勾稽关系为") and (note.rowspan, note.colspan) == (3, 3)
    assert [(c.text, c.rowspan, c.colspan) for c in app19.rows[1]] == [
        ("自然人", 2, 1),
        ("法人或其他组织", 1, 5),
        ("总计", 2, 1),
    ]
    spans19 = {c.text: c.rowspan for row in app19.rows for c in row if c.rowspan > 1}
    assert spans19["三、本年度办理结果"] == 20
    assert spans19["（三）不予公开"] == 8 and spans19["（四）无法提供"] == 3
    assert spans19["（五）不予处理"] == 5
    assert len(app19.rows) == 3 + 23
    app21 = _table(spec_blocks(_spec("gov2021")), "applications")
    spans21 = {c.text: c.rowspan for row in app21.rows for c in row if c.rowspan > 1}
    assert spans21["三、本年度办理结果"] == 22 and spans21["（六）其他处理"] == 3
    assert len(app21.rows) == 3 + 25
    # every data row ends with 7 value cells
    assert all(len(r) >= 8 for r in app21.rows[3:])


def test_active_disclosure_captions_and_review_row():
    ad19 = _table(spec_blocks(_spec("gov2019")), "active_disclosure")
    caps = [r[0].text for r in ad19.rows if len(r) == 1]
    assert caps == [f"第二十条第（{x}）项" for x in ("一", "五", "六", "八", "九")]
    ad21 = _table(spec_blocks(_spec("gov2021")), "active_disclosure")
    assert len([r for r in ad21.rows if len(r) == 1]) == 4
    assert ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"] == [
        c.text for c in ad21.rows[1]
    ]
    rl = _table(spec_blocks(_spec("gov2021")), "review_litigation")
    assert len(rl.rows[-1]) == 15
    assert [c.text for c in rl.rows[0]] == ["行政复议", "行政诉讼"]


def test_truncation_clips_rowspans_and_expected_cells():
    spec = _spec("gov2021", truncate_applications_after="unavailable_not_held")
    app = _table(spec_blocks(spec), "applications")
    spans = {c.text: c.rowspan for row in app.rows for c in row if c.rowspan > 1}
    assert spans["三、本年度办理结果"] == 11  # granted .. unavailable_not_held
    assert "（四）无法提供" not in spans  # its rowspan clipped to 1
    exp = expected_cells(spec)
    rows = list(dict.fromkeys(exp.loc[exp["table"] == "applications", "row"]))
    assert rows[-1] == "unavailable_not_held" and len(rows) == 13
    assert len(exp[exp["table"] == "applications"]) == 91  # seed 004: 13 rows x 7


def test_expected_cells_counts_follow_templates():
    for tmpl, counts in (
        ("gov2019", {"active_disclosure": 22, "applications": 161, "review_litigation": 15}),
        ("gov2021", {"active_disclosure": 10, "applications": 175, "review_litigation": 15}),
        ("legacy", {"legacy_stats": 77}),
    ):
        exp = expected_cells(_spec(tmpl))
        assert exp.groupby("table").size().to_dict() == counts
        assert (exp["value"] == 0).all()
    assert expected_cells(_spec("none")).empty
    stated = expected_cells(_spec("gov2019"), layout="narrative")  # Section 三 totals only
    assert stated.groupby("table").size().to_dict() == {
        "active_disclosure": 22, "applications": 23, "review_litigation": 15
    }  # fmt: skip
    assert set(stated.loc[stated["table"] == "applications", "col"]) == {"total"}


def test_expected_cells_parse_raw_text():
    spec = _spec("gov2019")
    ad = spec.tables["active_disclosure"]
    ad["licensing"].update(prev_count="51", change="-62", decisions="61件")
    ad["fees"].update(prev_count="无", change="")
    ad["procurement"].update(items="１２", amount="3,582,300")
    ad["penalty"]["decisions"] = "\u2002\u20020\u00a0"
    exp = expected_cells(spec).set_index(["row", "col"])
    assert exp.loc[("licensing", "decisions"), "value"] == 61
    assert exp.loc[("licensing", "decisions"), "unit"] == "件"
    assert exp.loc[("licensing", "change"), "value"] == -62
    assert math.isnan(exp.loc[("fees", "prev_count"), "value"])
    assert exp.loc[("fees", "prev_count"), "raw"] == "无"
    assert math.isnan(exp.loc[("fees", "change"), "value"])
    assert exp.loc[("procurement", "items"), "value"] == 12
    assert exp.loc[("procurement", "amount"), "value"] == 3582300
    assert exp.loc[("penalty", "decisions"), "value"] == 0


def test_pipe_layout_matches_seed_000_shapes():
    text = render_text(_spec("gov2019"), "pipe")
    lines = text.splitlines()
    assert "第二十条第（一）项 | |||" in lines
    assert "规章 | 0 | 0 | 0 |" in lines
    assert "三、本年度办理结果 | （一）予以公开 | " + "0 | " * 6 + "0 | |" in lines
    assert "2.其他法律行政法规禁止公开 | " + "0 | " * 6 + "0 | ||" in lines
    assert "一、本年新收政府信息公开申请数量 | " + "0 | " * 6 + "0 | ||" in lines
    assert "行政复议 | 行政诉讼 | " + "|" * 13 in lines
    assert "0 | " * 14 + "0 |" in lines
    assert "行政事业性收费 | 0 | 0 | |" in lines  # colspan-2 cell: 3 cells + 1 pad


def test_cell_per_line_layout_matches_seed_002_shapes():
    text = render_text(_spec("gov2019"), "cell_per_line")
    assert "\n\t2.其他法律行政法规禁止公开\n" in text
    # two lone-TAB placeholders (三、 and （三）) before a level-3 row
    assert "\n\n\t\n\t\n\t2.其他法律行政法规禁止公开\n" + "\t0\n" * 7 + "\n" in text
    # header row 3: placeholders for the note and 自然人, then five labels, then 总计's
    assert (
        "\n\t\n\t\n\t商业企业\n\t科研机构\n\t社会公益组织\n\t法律服务机构\n\t其他\n\t\n\n" in text
    )
    # section 四 row 3: five placeholders, then ten labels
    assert "\n\n" + "\t\n" * 5 + "\t结果维持\n" in text
    assert "\t" + "\n\t".join(["0"] * 15) + "\n\n" in text


def test_split_headers_per_layout():
    q = {"split_headers": 1.0}
    cpl = render_text(_spec("gov2019"), "cell_per_line", quirks=q, rng=1)
    assert "\t本年新\n制作数量\n" in cpl or "\t本年新\n\n制作数量\n" in cpl
    assert "\t科研\n机构" in cpl or "\t科研\n\n机构" in cpl
    pipe = render_text(_spec("gov2019"), "pipe", quirks=q, rng=1)
    assert "信息内容 | 本年新 | 本年新 | 对外公开 |" in pipe
    md = render_text(_spec("gov2019"), "markdown", quirks=q, rng=1)
    assert "本年新 制作数量" in md


def test_markdown_and_tsv_rows_are_rectangular():
    md = render_text(_spec("gov2021"), "markdown", quirks={"md_merge": "repeat"})
    table_lines = [ln for ln in md.splitlines() if ln.startswith("|")]
    assert "|---|---|---|---|" in table_lines
    widths = {ln.count("|") for ln in table_lines if "本年新收" in ln or "申请人情况" in ln}
    assert widths == {11}  # 10 cells
    assert "| 三、本年度办理结果 | （一）予以公开 | （一）予以公开 | 0 |" in md
    md_empty = render_text(_spec("gov2021"), "markdown", quirks={"md_merge": "empty"})
    assert "|  | （二）部分公开" in md_empty
    tsv = render_text(_spec("gov2021"), "tsv")
    rows = [ln for ln in tsv.splitlines() if "\t" in ln]
    app = [r for r in rows if "政府信息公开申请数量" in r or "1.属于国家秘密" in r]
    assert {r.count("\t") for r in app} == {9}


def test_flattened_concatenates_cells_without_separator():
    spec = _spec("gov2019")
    spec.tables["active_disclosure"]["normative_documents"] = {
        "new_made": "89",
        "new_published": "89",
        "total_published": "89",
    }
    text = render_text(spec, "flattened")
    assert text.splitlines()[0] == SYNTHETIC_MARKER
    assert len(text.splitlines()) == 2
    assert "规范性文件898989第二十条第（五）项" in text


def test_narrative_layout_has_no_tables():
    spec = _spec("gov2019")
    spec.tables["applications"]["new_received"]["total"] = "17"
    text = render_text(spec, "narrative")
    assert "|" not in text and "\t" not in text
    assert "一、本年新收政府信息公开申请数量17件" in text


@pytest.mark.parametrize("template", ["gov2019", "gov2021", "legacy"])
def test_narrative_records_are_the_numbers_its_sentences_state(template: str) -> None:
    """The truth of a narrative report: each number a sentence states, in the order the text
    states them; a blank cell is stated (and recorded) as 0, 无 as missing."""
    spec = _spec(template)
    table = "legacy_stats" if template == "legacy" else "applications"
    row = "proactive_items_total" if template == "legacy" else "new_received"
    col = "value" if template == "legacy" else "total"
    spec.tables[table][row][col] = "17"
    other = next(r for r in spec.tables[table] if r != row)
    spec.tables[table][other][col] = ""  # printed blank: the prose says 0
    text = render_text(spec, "narrative")
    recs = narrative_records(spec)
    got = {(t, r, c): v for t, r, c, v, _raw, _unit in recs}
    assert got[(table, row, col)] == 17.0 and got[(table, other, col)] == 0.0
    pos = 0
    for _t, _r, _c, _v, raw, _u in recs:  # every stated number is in the text, in order
        pos = text.index(raw, pos)
    assert narrative_records(_spec("none")) == []


def test_legacy_table_pipe_shape():
    spec = _spec("legacy", year=2016, signed_date="2017-02-20")
    text = render_text(spec, "pipe")
    lines = text.splitlines()
    assert "八、政府信息公开年度统计表" in lines
    assert "政府信息公开情况统计表 | ||" in lines
    assert "统 计 指 标 | 单位 | 年度累计数 |" in lines
    assert "一、主动公开情况 | —— | |" in lines
    assert "2.政府网站公开政府信息数 | 条 | 0 |" in lines


def test_layout_quirks_halfwidth_crlf_bookmark():
    q = {"halfwidth": True, "crlf": True, "bookmark": True}
    text = render_text(_spec("gov2019"), "pipe", quirks=q)
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    assert "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)" in text
    assert "（" not in text and "3.危及“三安全一稳定”" in text  # curly quotes survive
    assert text.split("\r\n")[1].startswith("[bookmark: _GoBack]")


def test_apply_quirks_is_deterministic_and_keeps_values():
    spec = _spec("gov2019")
    for row in spec.tables["applications"].values():
        for c in row:
            row[c] = "1234"
    q = {"fullwidth": 0.5, "padding": 0.5, "thousands": 0.5, "units": 0.5, "seed": 7}
    a, b = apply_quirks(spec, q), apply_quirks(spec, q)
    assert a.tables == b.tables and a is not spec
    assert spec.tables["applications"]["granted"]["total"] == "1234"  # input untouched
    exp = expected_cells(spec, quirks=q)
    app = exp[exp["table"] == "applications"]
    assert (app["value"] == 1234).all()
    raws = set(app["raw"])
    assert any("１" in r for r in raws) and any("1,234" in r for r in raws)
    assert any(r.endswith("件") for r in raws) and any(r != r.strip() for r in raws)
    c = apply_quirks(spec, {**q, "seed": 8})
    assert c.tables != a.tables


def test_blanks_and_nil_only_replace_zero():
    spec = _spec("gov2019")
    spec.tables["applications"]["granted"]["total"] = "5"
    q = {"blanks": 0.5, "nil": 0.5, "seed": 1}
    exp = expected_cells(spec, quirks=q)
    assert exp.loc[(exp["row"] == "granted") & (exp["col"] == "total"), "value"].item() == 5
    missing = exp[exp["value"].isna()]
    assert len(missing) > 100
    assert set(missing["raw"]) <= {"", "无", "—", "——", "/", "-"}


def test_rendered_text_contains_every_expected_raw():
    spec = _spec("gov2021")
    q = {"units": 0.3, "fullwidth": 0.3, "padding": 0.3, "seed": 3}
    for layout in ("pipe", "cell_per_line", "markdown", "tsv"):
        text = render_text(spec, layout, quirks=q)
        exp = expected_cells(spec, quirks=q)
        for raw in exp["raw"]:
            assert raw in text, (layout, raw)


def test_render_text_from_blocks_and_bad_layout():
    blocks = spec_blocks(_spec("gov2019"))
    assert render_text(blocks, "pipe") == render_text(_spec("gov2019"), "pipe")
    with pytest.raises(GkworkError, match="layout must be one of"):
        render_text(blocks, "html")
    with pytest.raises(GkworkError, match="template must be one of"):
        spec_blocks(ReportSpec(report_id="x", template="gov2020"))
    assert set(LAYOUTS) >= {"pipe", "cell_per_line", "markdown", "tsv", "flattened", "narrative"}
