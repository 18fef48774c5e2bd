"""Legacy 统计表 in a provincial form (legacy__<variant>.csv) read from real grids.

The Fujian form has two value columns (本年度, 历年累计) and its own labels. The fixture values
are those printed in the statistics table of 平潭综合实验区公安局2018年政府信息公开工作报告
(pingtan/118_gongan_2018, a fujian2016 form), written here by hand.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pandas as pd
from conftest import seed_path
from helpers import assert_spans

import gkwork
from gkwork import extract as E
from gkwork import templates as T
from gkwork.corpus import build_corpus
from gkwork.model import REPORT_COLUMNS

TITLE = "平潭综合实验区公安局2018年政府信息公开工作报告\n附件 2018年度政府信息公开工作统计数据\n"
HEADER = ("指标名称", "单位", "2017年度", "历年累计")  # the page prints 2017年度 in the 2018 report

#: (printed label, unit, 本年度, 历年累计, row key of legacy__fujian2016.csv), in printed order.
GONGAN_2018 = [
    ("主动公开信息数", "条", "181", "1568", "proactive_total"),
    ("其中：1.政府网站公开数", "条", "181", "1568", "proactive_website"),
    ("2.政府公报公开数", "条", "0", "0", "proactive_gazette"),
    ("受理政府信息公开申请总数", "条", "1", "3", "requests_total"),
    ("其中：1.当面申请数", "条", "0", "0", "requests_in_person"),
    ("2.网上申请数", "条", "0", "0", "requests_online"),
    ("3.信函申请数", "条", "1", "3", "requests_letter_fax"),
    ("对申请的答复总数", "条", "0", "0", "replies_total"),
    ("其中：1.同意公开答复数", "条", "1", "3", "replies_granted"),
    ("2.同意部分公开答复数", "条", "0", "0", "replies_partial"),
    ("3.不予公开答复数", "条", "0", "0", "replies_refused"),
    ("4.其他类型答复数", "条", "0", "0", "replies_other"),
    ("政府信息公开收费减免金额", "元", "0", "0", "fee_waiver_amount"),
    ("行政复议数", "件", "0", "0", "reviews"),
    ("行政诉讼数", "件", "0", "0", "lawsuits"),
    ("接受行政申诉、举报数", "件", "0", "0", "complaints"),
]


def _expected(cols: tuple[str, str] = ("value", "cumulative")) -> dict:
    """{(row, col): (raw, unit)} of the fixture; ``cols`` names the two printed value columns."""
    out = {}
    for _label, unit, a, b, key in GONGAN_2018:
        out[(key, cols[0])] = (a, unit)
        out[(key, cols[1])] = (b, unit)
    return out


def _pipe_text(header=HEADER, swap: bool = False) -> tuple[str, dict]:
    """A pipe table of the form, and {(row, col): (start, end)} of every value it prints."""
    text = TITLE + " | ".join(header) + "\n"
    spans = {}
    for label, unit, a, b, key in GONGAN_2018:
        text += f"{label} | {unit} | "
        for raw, col in (
            ((b, "cumulative"), (a, "value")) if swap else ((a, "value"), (b, "cumulative"))
        ):
            spans[(key, col)] = (len(text), len(text) + len(raw))
            text += raw + " | "
        text = text[: -len(" | ")] + "\n"
    return text, spans


def _html_page() -> tuple[str, dict]:
    """An HTML page holding the table, and the spans of its values in the page source."""
    src = f"<html><body><p>{html.escape(TITLE)}</p><table>\n"
    src += "<tr>" + "".join(f"<td>{h}</td>" for h in HEADER) + "</tr>\n"
    spans = {}
    for label, unit, a, b, key in GONGAN_2018:
        src += f"<tr><td>{label}</td><td>{unit}</td>"
        for raw, col in ((a, "value"), (b, "cumulative")):
            src += "<td>"
            spans[(key, col)] = (len(src), len(src) + len(raw))
            src += raw + "</td>"
        src += "</tr>\n"
    return src + "</table></body></html>\n", spans


def _assert_fujian2016(report, spans: dict, cols=("value", "cumulative")) -> None:
    assert report.meta["template"] == "legacy"
    assert report.meta["template_variant"] == "fujian2016"
    cells = report.cells
    assert set(cells["table"]) == {"legacy_stats"}
    assert cells["row"].drop_duplicates().tolist() == T.rows(
        "legacy", "legacy_stats", variant="fujian2016"
    )
    got = {
        (r.row, r.col): (r.raw, r.unit, r.value, r.flag, r.start, r.end)
        for r in cells.itertuples(index=False)
    }
    want = _expected(cols)
    assert set(got) == set(want)
    for k, (raw, unit) in want.items():
        assert got[k][:4] == (raw, unit, float(raw), ""), k
        assert got[k][4:] == spans[k], k
    assert_spans(report)


def test_fujian2016_pipe_table_is_read_in_its_form_with_both_columns():
    text, spans = _pipe_text()
    report = gkwork.read_text(text)
    assert report.meta["layout"] == "pipe" and "recovery" not in report.meta
    _assert_fujian2016(report, spans)


def test_fujian2016_html_table_is_read_in_its_form_with_both_columns(tmp_path: Path):
    src, spans = _html_page()
    path = tmp_path / "118_gongan_2018.html"
    path.write_text(src, encoding="utf-8")
    report = gkwork.read_report(path)
    assert report.text == src and report.meta["format"] == "html"
    _assert_fujian2016(report, spans)


def test_value_columns_follow_the_header_labels_not_their_position():
    # the same numbers printed under 历年累计 | 本年度: the first number is now the cumulative one
    text, spans = _pipe_text(header=("指标名称", "计量单位", "历年累计", "本年度"), swap=True)
    _assert_fujian2016(gkwork.read_text(text), spans)


def test_header_names_columns_with_a_printed_year():
    assert E._legacy_header("legacy", "fujian2016", HEADER) == ("value", "cumulative")
    assert E._legacy_header("legacy", "fujian2016", ("历年累计", "本年度")) == (
        "cumulative",
        "value",
    )
    assert E._legacy_header("legacy", "fujian2016", ("指标名称", "单位")) is None


def test_a_row_with_one_value_in_a_two_column_form_is_not_guessed():
    text, _ = _pipe_text()
    text = text.replace("行政复议数 | 件 | 0 | 0", "行政复议数 | 件 | 7")
    cells = gkwork.read_text(text).cells
    assert "reviews" not in set(cells["row"])
    assert len(cells) == 2 * (len(GONGAN_2018) - 1)


def test_variants_tried_are_the_registry_s():
    variants = T.variants("legacy")
    assert variants[0] == "" and "fujian2016" in variants
    # a grid matching no form's labels stays in the base form
    cols, variant = E._cells_and_variant(gkwork.read_text("甲 | 乙 | 1 | 2\n").grids, "legacy")
    assert variant == "" and cols["row"] == []


def test_national_base_grid_keeps_the_base_form_and_its_cells(seed_reports):
    report = seed_reports["001"]  # a national 统计表 as a pipe table (统计指标 | 单位 | 年度累计数)
    assert report.meta["template"] == "legacy" and report.meta["template_variant"] == ""
    cells = report.cells
    assert len(cells) == 77 and set(cells["col"]) == {"value"}
    assert cells["row"].tolist() == [
        r for r in T.rows("legacy", "legacy_stats") if r in set(cells["row"])
    ]
    got = cells.set_index("row")
    assert got.loc["channel_website", ["value", "unit", "raw", "start", "end"]].tolist() == [
        120.0,
        "条",
        "120",
        1776,
        1779,
    ]
    assert_spans(report)
    # the base form read alone gives the same cells as the choice among every form
    ctx = E._Ctx(template="legacy", report_id=report.report_id)
    E._extract_legacy_form(E._legacy_rows(report.grids), ctx)
    alone = E._out_columns(ctx.out, "legacy", report.report_id)
    pd.testing.assert_frame_equal(
        pd.DataFrame(alone), cells.reset_index(drop=True), check_dtype=False
    )


def test_template_variant_in_a_corpus_build(tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "fujian.txt").write_text(_pipe_text()[0], encoding="utf-8")
    shutil.copy(seed_path("001"), src / "national.txt")
    shutil.copy(seed_path("002"), src / "gov.txt")
    (src / "broken.pdf").write_bytes(b"not a pdf")
    out = tmp_path / "out"
    build_corpus(src, out, engine="serial", check=False, progress=False, cache=False)
    reports = pd.read_parquet(out / "reports.parquet")
    assert list(reports.columns) == REPORT_COLUMNS
    assert REPORT_COLUMNS.index("template_variant") == REPORT_COLUMNS.index("template") + 1
    got = dict(zip(reports["report_id"], reports["template_variant"], strict=True))
    assert got["fujian"] == "fujian2016" and got["national"] == "" and got["gov"] == ""
    assert pd.isna(got["broken"])  # no template, no variant
    assert str(reports["template_variant"].dtype) in ("object", "string")


def test_template_variant_in_the_codebook_and_the_harmonised_reports():
    from gkwork import release, stats

    cb = release.codebook()
    names = cb.loc[cb["dataset"] == "reports", "variable"].tolist()
    assert names.index("template_variant") == names.index("template") + 1
    reports = pd.DataFrame(
        {"report_id": ["a"], "template": ["legacy"], "template_variant": ["fujian"]}
    )
    h = stats.harmonise(
        pd.DataFrame(columns=["report_id", "table", "row", "col", "value"]), reports
    )
    assert h.loc[0, "template_variant"] == "fujian"


def test_year_end_form_read_from_a_grid_where_its_header_is_printed():
    """指标名称 | 计量单位 | 年末统计 (legacy__fujian_yearend.csv): one value column, read into
    ``value``; a grid of the same rows without that header is not read in it."""
    rows = [
        ("主动公开信息数", "条", "69", "proactive_total"),
        ("其中：1、网站公开", "条", "68", "proactive_website"),
        ("2、政府公报公开", "条", "1", "proactive_gazette"),
        ("受理依申请公开信息总数", "条", "2", "requests_total"),
        ("其中：1、当面申请数", "条", "1", "requests_in_person"),
        ("2、传真申请数", "条", "0", "requests_fax"),
        ("3、电子邮件申请数", "条", "1", "requests_email"),
    ]
    body = "".join(f"{label} | {unit} | {v}\n" for label, unit, v, _ in rows)
    text = "政府信息公开情况统计表\n指标名称 | 计量单位 | 年末统计\n" + body
    report = gkwork.read_text(text)
    assert report.meta["template_variant"] == "fujian_yearend"
    cells = report.cells
    assert cells[["row", "col", "raw", "unit"]].values.tolist() == [
        [key, "value", v, unit] for _label, unit, v, key in rows
    ]
    assert_spans(report)
    other = gkwork.read_text(text.replace("年末统计", "本年度"))
    assert other.meta["template_variant"] != "fujian_yearend"


def test_form_choice_equals_reading_every_form(seed_reports):
    """The pruned choice of _extract_legacy = every form the text may hold read in full, the
    most matched rows, then the most rows read, then registry order (the plain reference)."""
    yearend = "政府信息公开情况统计表\n指标名称 | 计量单位 | 年末统计\n主动公开信息数 | 条 | 5\n"
    yearend += "其中：1、当面申请数 | 条 | 1\n"
    for text in (_pipe_text()[0], yearend, yearend.replace("年末统计", "本年度")):
        grids = gkwork.read_text(text).grids
        rows = E._legacy_rows(grids)
        best = None
        for variant in T.variants_in("legacy", text):
            ctx = E._Ctx(template="legacy", report_id="r", variant=variant)
            key = (E._extract_legacy_form(rows, ctx), len({r[2] for r in ctx.out.values()}))
            if best is None or key > best[0]:
                best = (key, variant)
        assert E._cells_and_variant(grids, "legacy", text=text)[1] == best[1], text
