"""Real published reports in structured formats: file 01 (HTML) and 02-04 (PDF).

Two layers are tested separately:

* the structured readers alone find the tables (row counts, known numbers at exact offsets);
* ``gkwork.readers.read_report`` (readers + extract) gives the hand-read truth values.

The truth files use printed labels; ``APP_ROWS`` etc. map them to the schema keys.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from pathlib import Path

import pytest

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "real"

pytestmark = pytest.mark.real

HTML_FILE = "01_shanghai_szfbgt_2019"
PDF_FILES = ["02_huaian_hongzequ_2023", "03_huaian_hongzequ_2024", "04_huaian_shi_2024"]
ALL_FILES = [HTML_FILE, *PDF_FILES]

#: truth row label (printed form, see ../shared/real/README.md) -> applications row key
APP_ROWS: dict[str, str] = {
    "一、本年新收政府信息公开申请数量": "new_received",
    "二、上年结转政府信息公开申请数量": "carried_over",
    "三、（一）予以公开": "granted",
    "三、（二）部分公开（区分处理的，只计这一情形，不计其他情形）": "partially_granted",
    "三、（三）不予公开/1.属于国家秘密": "withheld_state_secret",
    "三、（三）不予公开/2.其他法律行政法规禁止公开": "withheld_prohibited_by_law",
    "三、（三）不予公开/3.危及“三安全一稳定”": "withheld_security_stability",
    "三、（三）不予公开/4.保护第三方合法权益": "withheld_third_party",
    "三、（三）不予公开/5.属于三类内部事务信息": "withheld_internal_affairs",
    "三、（三）不予公开/6.属于四类过程性信息": "withheld_process_info",
    "三、（三）不予公开/7.属于行政执法案卷": "withheld_enforcement_file",
    "三、（三）不予公开/8.属于行政查询事项": "withheld_admin_inquiry",
    "三、（四）无法提供/1.本机关不掌握相关政府信息": "unavailable_not_held",
    "三、（四）无法提供/2.没有现成信息需要另行制作": "unavailable_needs_creation",
    "三、（四）无法提供/3.补正后申请内容仍不明确": "unavailable_unclear",
    "三、（五）不予处理/1.信访举报投诉类申请": "not_processed_petition",
    "三、（五）不予处理/2.重复申请": "not_processed_duplicate",
    "三、（五）不予处理/3.要求提供公开出版物": "not_processed_publication",
    "三、（五）不予处理/4.无正当理由大量反复申请": "not_processed_excessive",
    "三、（五）不予处理/5.要求行政机关确认或重新出具已获取信息": "not_processed_confirmation",
    "三、（六）其他处理": "other",
    "三、（六）其他处理/1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请": (
        "other_no_correction"
    ),
    "三、（六）其他处理/2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请": (
        "other_no_fee"
    ),
    "三、（六）其他处理/3.其他": "other_other",
    "三、（七）总计": "total_processed",
    "四、结转下年度继续办理": "carried_forward",
}
APP_COLS = [
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
    "total",
]
RL_ORDER = [
    (row, col)
    for row in ("review", "litigation_direct", "litigation_after_review")
    for col in ("upheld", "corrected", "other", "pending", "total")
]
AD_ROWS = {
    "规章": "regulations",
    "规范性文件": "normative_documents",
    "行政规范性文件": "normative_documents",
    "行政许可": "licensing",
    "其他对外管理服务事项": "other_services",
    "行政处罚": "penalty",
    "行政强制": "coercion",
    "行政事业性收费": "fees",
    "政府集中采购": "procurement",
}
AD_COLS = {
    "本年新制作数量": "new_made",
    "本年新公开数量": "new_published",
    "对外公开总数量": "total_published",
    "本年制发件数": "issued",
    "本年废止件数": "repealed",
    "现行有效件数": "in_force",
    "上一年项目数量": "prev_count",
    "本年增/减": "change",
    "处理决定数量": "decisions",
    "本年处理决定数量": "decisions",
    "本年收费金额（单位：万元）": "amount_10k_yuan",
    "采购项目数量": "items",
    "采购总金额": "amount",
}


def _real(name: str, ext: str) -> Path:
    if not REAL.is_dir():
        pytest.skip(f"../shared/real not found at {REAL}: real-report tests need the shared folder")
    return REAL / f"{name}.{ext}"


def _truth(name: str) -> dict:
    return json.loads(_real(name + "_truth", "json").read_text(encoding="utf-8"))


@cache
def _document(name: str):
    if name == HTML_FILE:
        from gkwork.readers_html import read_html

        path = _real(name, "html")
        return read_html(path.read_bytes(), str(path))
    from gkwork.readers_pdf import read_pdf

    path = _real(name, "pdf")
    return read_pdf(path.read_bytes(), str(path))


@cache
def _report(name: str):
    readers = pytest.importorskip("gkwork.readers")
    if not hasattr(readers, "read_report"):
        pytest.skip("gkwork.readers.read_report not available yet")
    ext = "html" if name == HTML_FILE else "pdf"
    return readers.read_report(_real(name, ext))


def _row_with(grid, label: str):
    for row in grid.rows:
        if any(c.label.startswith(label) for c in row):
            return row
    raise AssertionError(f"no grid row starting with {label!r}")


def _grid_with(doc, label: str):
    for grid in doc.grids:
        if any(c.label.startswith(label) for row in grid.rows for c in row):
            return grid
    raise AssertionError(f"no grid has a cell starting with {label!r}")


def _number(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        return float(re.sub(r"[^\d.\-]", "", value))
    return float(value)


# ---------------------------------------------------------------------------------------------
# The structured readers alone


@pytest.mark.parametrize("name", ALL_FILES)
def test_reader_finds_the_three_tables(name):
    doc = _document(name)
    assert doc.status == "ok"
    for grid in doc.grids:
        for row in grid.rows:
            for cell in row:
                assert doc.text[cell.start : cell.end] == cell.raw
    truth = _truth(name)
    apps = _grid_with(doc, "一、本年新收政府信息公开申请数量")
    assert all(len(r) == 10 for r in apps.rows)
    n_data = len(truth["tables"]["applications"])
    assert len(apps.rows) == 3 + n_data  # three header rows, then one row per data row
    first = [c.raw for c in _row_with(apps, "一、本年新收")[-7:]]
    expected = truth["tables"]["applications"]["一、本年新收政府信息公开申请数量"]
    assert first == ["" if v is None else str(v) for v in expected]
    review = _grid_with(doc, "未经复议直接起诉")
    values = [c.raw for c in review.rows[-1]]
    assert values == ["" if v is None else str(v) for v in truth["tables"]["review_litigation"]]
    ad = _grid_with(doc, "行政许可")
    assert _row_with(ad, "行政许可")[1].raw.isdigit()


def test_html_known_offsets():
    doc = _document(HTML_FILE)
    assert doc.layout == "html_table" and doc.meta["published_date"] == "2020-01-31"
    apps = _grid_with(doc, "一、本年新收政府信息公开申请数量")
    cell = _row_with(apps, "一、本年新收")[3]
    assert cell.raw == "821" and doc.text[cell.start - 18 : cell.start] == '<p align="center">'
    blank = _row_with(apps, "（一）予以公开")[-1]
    assert blank.raw == "" and doc.text.startswith("&nbsp;", blank.start)
    ad = _grid_with(doc, "政府集中采购")
    assert _row_with(ad, "信息内容")[1].raw == "本年新<br />制作数量"
    assert any(c.raw == "251000元" for c in _row_with(ad, "政府集中采购"))
    assert "规章\t13\t13\t524" in doc.plain


@pytest.mark.parametrize("name", PDF_FILES)
def test_pdf_tables_and_pages(name):
    doc = _document(name)
    assert doc.meta["n_pages"] >= 5 and "(cid:" not in doc.text
    apps = _grid_with(doc, "一、本年新收政府信息公开申请数量")
    assert len(apps.extra["pages"]) == 2  # the table continues on the next page and is joined
    total = _row_with(apps, "（七）总计")[-1]
    expected = _truth(name)["tables"]["applications"]["三、（七）总计"][-1]
    assert total.raw == str(expected) and doc.text[total.start : total.end] == str(expected)
    assert _row_with(apps, "（七）总计")[0].is_copy  # 三、本年度办理结果 carried over the break


def test_pdf_label_split_by_page_break_is_joined():
    doc = _document("04_huaian_shi_2024")
    apps = _grid_with(doc, "一、本年新收政府信息公开申请数量")
    labels = [c.label for c in _row_with(apps, "2.没有现成信息需要另行制作")]
    assert "（四）无法提供" in labels


# ---------------------------------------------------------------------------------------------
# The whole pipeline (needs gkwork.readers and gkwork.extract)


def _cells(name):
    rep = _report(name)
    assert rep.meta.get("status", "ok") == "ok", rep.meta.get("error")
    return {(r.table, r.row, r.col): r.value for r in rep.cells.itertuples()}


def _check(got: dict, key: tuple, expected) -> str | None:
    exp = _number(expected)
    if key not in got:
        return None if exp is None else f"{key}: missing, expected {exp}"
    val = got[key]
    if exp is None:
        return None if val is None or math.isnan(val) else f"{key}: {val}, expected blank"
    if val is None or math.isnan(val) or abs(val - exp) > 1e-6:
        return f"{key}: {val}, expected {exp}"
    return None


@pytest.mark.parametrize("name", ALL_FILES)
def test_read_report_matches_truth(name):
    truth = _truth(name)["tables"]
    got = _cells(name)
    problems = []
    for label, values in truth["applications"].items():
        row = APP_ROWS[label]
        for col, v in zip(APP_COLS, values, strict=True):
            problems.append(_check(got, ("applications", row, col), v))
    for (row, col), v in zip(RL_ORDER, truth["review_litigation"], strict=True):
        problems.append(_check(got, ("review_litigation", row, col), v))
    for rows in truth["active_disclosure"].values():
        for row_label, cols in rows.items():
            for col_label, v in cols.items():
                key = ("active_disclosure", AD_ROWS[row_label], AD_COLS[col_label])
                problems.append(_check(got, key, v))
    problems = [p for p in problems if p]
    assert not problems, f"{len(problems)} mismatches: " + "; ".join(problems[:10])
