"""gkwork.widgets: highlighted source HTML and the explorer, without a kernel."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from gkwork import widgets
from gkwork.errors import GkworkError
from gkwork.model import Report

TEXT = "三、收到申请\n一、本年新收政府信息公开申请数量 | 5 | <7> |\n（一）予以公开 |  | 3 |\n"


def _report() -> Report:
    def span(raw: str, nth: int = 0) -> tuple[int, int]:
        i = -1
        for _ in range(nth + 1):
            i = TEXT.index(raw, i + 1)
        return i, i + len(raw)

    rows = []
    for row, col, raw, nth in [
        ("new_received", "natural_person", "5", 0),
        ("new_received", "total", "<7>", 0),
        ("granted", "total", "3", 0),
    ]:
        s, e = span(raw, nth)
        value = {"5": 5.0, "<7>": 7.0, "3": 3.0}[raw]
        rows.append(("r1", "applications", row, col, value, "", raw, "", s, e))
    blank = TEXT.index("|  |") + 2
    rows.append(
        (
            "r1",
            "applications",
            "granted",
            "natural_person",
            float("nan"),
            "",
            "",
            "blank",
            blank,
            blank,
        )
    )
    cols = ["report_id", "table", "row", "col", "value", "unit", "raw", "flag", "start", "end"]
    cells = pd.DataFrame(rows, columns=cols)
    meta = {"template": "gov2019", "status": "ok", "year": 2020}
    return Report("r1", "r1.txt", TEXT, meta, cells, pd.DataFrame())


def _checks() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "report_id": ["r1", "r1"],
            "rule": ["app.total_column", "app.balance"],
            "status": ["fail", "pass"],
            "severity": ["error", "error"],
            "table": ["applications", "applications"],
            "row": ["new_received", ""],
            "col": ["total", "natural_person"],
            "start": [TEXT.index("<7>"), 0],
            "end": [TEXT.index("<7>") + 3, 1],
            "message": ["total 7, applicants 5 = 5 (delta +2)", "ok"],
        }
    )


def _marks(html: str) -> list[tuple[str, int, int, str]]:
    pat = (
        r'<mark(?: class="([^"]*)")? data-start="(\d+)" data-end="(\d+)" title="[^"]*">(.*?)</mark>'
    )
    return [(c, int(s), int(e), inner) for c, s, e, inner in re.findall(pat, html, flags=re.S)]


def test_highlight_marks_every_cell_span_exactly():
    r = _report()
    html = widgets.highlight_source(r)
    marks = _marks(html)
    assert [(s, e) for _, s, e, _ in marks] == sorted(
        zip(r.cells["start"], r.cells["end"], strict=True)
    )
    for _, s, e, inner in marks:
        assert inner == TEXT[s:e].replace("<", "&lt;").replace(">", "&gt;")
    assert "&lt;7&gt;" in html  # source text is escaped, not interpreted
    # text outside the marks is kept, in order
    plain = re.sub(r"<mark[^>]*>|</mark>", "", html.split('<div class="gk-src">', 1)[1])
    assert plain.removesuffix("</div>").replace("&lt;", "<").replace("&gt;", ">") == TEXT


def test_failing_cells_are_red_with_message():
    r = _report()
    html = widgets.highlight_source(r, _checks())
    marks = {(s, e): c for c, s, e, _ in _marks(html)}
    s7 = TEXT.index("<7>")
    assert marks[(s7, s7 + 3)] == "gk-fail"
    assert sum(1 for c in marks.values() if "gk-fail" in c) == 1
    assert "FAIL total 7, applicants 5 = 5 (delta +2)" in html
    blank = TEXT.index("|  |") + 2
    assert marks[(blank, blank)] == "gk-blank"


def test_highlight_table_filter_and_crop():
    r = _report()
    assert _marks(widgets.highlight_source(r, table="review_litigation")) == []
    html = widgets.highlight_source(r, max_chars=20)
    assert "…" in html


def test_canonical_table_has_labels():
    t = widgets.canonical_table(_report(), "applications")
    assert t.loc["new_received", "label"] == "一、本年新收政府信息公开申请数量"
    assert t.loc["new_received", "total"] == 7.0


def test_a_provincial_form_is_labelled_in_its_own_words():
    """The Fujian 统计表's requests_online is 2.网上申请数, not the national 3.网络申请数; its
    requests_total has no national label at all."""
    import gkwork

    text = (
        "某局2018年政府信息公开工作报告\n指标名称 | 单位 | 2018年度 | 历年累计\n"
        "主动公开文件数 | 条 | 5 | 9\n受理政府信息公开申请总数 | 条 | 1 | 3\n"
        "其中：1.当面申请数 | 条 | 0 | 0\n2.网上申请数 | 条 | 1 | 3\n"
        "对申请的答复总数 | 条 | 1 | 3\n"
    )
    r = gkwork.read_text(text)
    assert r.meta["template_variant"] == "fujian"
    t = widgets.canonical_table(r, "legacy_stats")
    assert t.loc["requests_online", "label"] == "2.网上申请数"
    assert t.loc["requests_total", "label"] == "受理依申请公开信息总数"
    assert "2.网上申请数" in widgets.highlight_source(r)


def test_explore_builds_without_kernel():
    box = widgets.explore([_report()])
    assert box.report_dropdown.options == ("r1",)
    assert box.table_dropdown.value == "applications"
    assert "<mark" in box.panes["source"].value
    assert "一、本年新收政府信息公开申请数量" in box.panes["canonical"].value
    assert "(empty)" in box.panes["checks"].value or "app." in box.panes["checks"].value


def test_explore_rejects_nonsense():
    with pytest.raises(GkworkError):
        widgets.explore(42)
