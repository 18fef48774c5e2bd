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
