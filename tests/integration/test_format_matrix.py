"""One report, five formats: txt, md, HTML, DOCX and PDF give the same cells and checks.

The report is built from the same blocks (tests/fixtures_docs.py), written with
gkwork.writers and read back with ``gkwork.readers.read_report`` (readers + extract).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from fixtures_docs import PORTAL_META, report_blocks

from gkwork.render import render_text
from gkwork.validate import check_report
from gkwork.writers import write_docx, write_html, write_pdf

FORMATS = ("txt", "md", "html", "docx", "pdf")

#: expected numbers of canonical cells per table (domain.md §5.6)
EXPECTED_COUNTS = {
    "gov2019": {"active_disclosure": 22, "applications": 161, "review_litigation": 15},
    "gov2021": {"active_disclosure": 10, "applications": 175, "review_litigation": 15},
}


def _write(fmt: str, template: str, folder) -> str:
    blocks = report_blocks(template, year=2019 if template == "gov2019" else 2021)
    if fmt == "txt":
        data = render_text(blocks, "cell_per_line").encode("gb18030")
    elif fmt == "md":
        data = render_text(blocks, "markdown").encode("utf-8")
    elif fmt == "html":
        data = write_html(blocks, encoding="gbk", portal_meta=PORTAL_META)
    elif fmt == "docx":
        data = write_docx(blocks)
    else:
        data = write_pdf(blocks)
    path = folder / f"{template}_report.{fmt}"
    path.write_bytes(data)
    return str(path)


_CHECKS: dict[str, set] = {}


def _canonical(path: str) -> dict[tuple[str, str, str], float | None]:
    readers = pytest.importorskip("gkwork.readers")
    report = readers.read_report(path)
    checks = check_report(report)
    _CHECKS[path] = set(
        zip(
            checks["rule"],
            checks["status"],
            checks["table"],
            checks["row"],
            checks["col"],
            strict=True,
        )
    )
    assert report.meta.get("status", "ok") == "ok", report.meta.get("error")
    text = report.text
    out = {}
    for r in report.cells.itertuples():
        if isinstance(r.raw, str) and not pd.isna(r.start):
            assert text[int(r.start) : int(r.end)] == r.raw
        out[(r.table, r.row, r.col)] = None if math.isnan(r.value) else r.value
    return out


@pytest.mark.slow
@pytest.mark.parametrize("template", ["gov2019", "gov2021"])
def test_formats_give_identical_cells(template, tmp_path):
    written = {fmt: _write(fmt, template, tmp_path) for fmt in FORMATS}
    results = {fmt: _canonical(path) for fmt, path in written.items()}
    html = results["html"]
    counts: dict[str, int] = {}
    for table, _, _ in html:
        counts[table] = counts.get(table, 0) + 1
    assert counts == EXPECTED_COUNTS[template]
    for fmt in FORMATS:
        diff = {
            k: (html.get(k), results[fmt].get(k))
            for k in html.keys() | results[fmt].keys()
            if html.get(k, "absent") != results[fmt].get(k, "absent")
        }
        assert not diff, f"{fmt} differs from html in {len(diff)} cells: {sorted(diff.items())[:8]}"
        checks_diff = _CHECKS[written[fmt]] ^ _CHECKS[written["html"]]
        assert not checks_diff, f"{fmt} checks differ from html: {sorted(checks_diff, key=str)[:8]}"
    assert html[("applications", "new_received", "total")] == 6
    assert html[("review_litigation", "review", "total")] == 3


#: The Fujian 统计表 (2016-2018 form) as pingtan/118_gongan_2018 prints it, with its
#: inconsistency (replies total 0 | 0 against 1 | 3 granted).
FUJIAN_ROWS = [
    ("主动公开文件数", "条", "181", "1568"),
    ("其中：1.政府网站公开数", "条", "181", "1568"),
    ("2.政府公报公开数", "条", "0", "0"),
    ("受理政府信息公开申请总数", "条", "1", "3"),
    ("其中：1.当面申请数", "条", "0", "0"),
    ("2.网上申请数", "条", "0", "0"),
    ("3.信函、传真申请数", "条", "1", "3"),
    ("对申请的答复总数", "条", "0", "0"),
    ("其中：1.同意公开答复数", "条", "1", "3"),
    ("2.同意部分公开答复数", "条", "0", "0"),
    ("3.不予公开答复数", "条", "0", "0"),
    ("4.其他类型答复数", "条", "0", "0"),
    ("政府信息公开收费减免金额", "元", "0", "0"),
    ("接受行政申诉、举报数", "件", "0", "0"),
    ("行政复议数", "件", "0", "0"),
    ("行政诉讼数", "件", "0", "0"),
]


def _fujian_blocks():
    from gkwork.model import ParaBlock, SpanCell, TableBlock

    header = [SpanCell(x) for x in ("指 标 名 称", "单位", "2018年度", "历年累计")]
    table = TableBlock([header, *([SpanCell(x) for x in r] for r in FUJIAN_ROWS)])
    return [
        ParaBlock("平潭综合实验区公安局2018年政府信息公开工作报告"),
        ParaBlock("一、概述"),
        ParaBlock("2018年，我局主动公开政府信息181条。"),
        ParaBlock("附件：平潭综合实验区公安局2018年度政府信息公开工作统计数据"),
        table,
    ]


@pytest.mark.parametrize("fmt", ["txt", "md", "html", "docx", "pdf"])
def test_a_provincial_form_reads_and_checks_the_same_in_every_format(fmt, tmp_path):
    from gkwork.readers import read_report

    blocks = _fujian_blocks()
    data = {
        "txt": lambda: render_text(blocks, "cell_per_line").encode("utf-8"),
        "md": lambda: render_text(blocks, "markdown").encode("utf-8"),
        "html": lambda: write_html(blocks),
        "docx": lambda: write_docx(blocks),
        "pdf": lambda: write_pdf(blocks),
    }[fmt]()
    path = tmp_path / f"fujian.{fmt}"
    path.write_bytes(data)
    report = read_report(path)
    assert (report.meta["template"], report.meta["template_variant"]) == ("legacy", "fujian2016")
    cells = report.cells
    spans = zip(cells.start, cells.end, cells.raw, strict=True)
    assert all(report.text[s:e] == raw for s, e, raw in spans)
    got = cells.set_index(["row", "col"])["value"]
    assert len(got) == 2 * len(FUJIAN_ROWS)
    assert (got[("proactive_total", "value")], got[("proactive_total", "cumulative")]) == (
        181,
        1568,
    )
    assert (got[("replies_granted", "value")], got[("replies_granted", "cumulative")]) == (1, 3)
    checks = check_report(report)
    replies = checks[checks.rule == "legacy.replies_sum"]
    assert replies[["col", "status"]].values.tolist() == [["value", "fail"], ["cumulative", "fail"]]
    assert one_status(checks, "table.incomplete") == "pass"


def one_status(checks, rule: str) -> str:
    (status,) = checks.loc[checks.rule == rule, "status"]
    return status
