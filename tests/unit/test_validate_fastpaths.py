"""The column-list fast paths of gkwork.validate give the same results as the DataFrame paths.

``check_report`` reads a report's cells and sections as column lists and ``check_columns``
(used by corpus builds) returns plain lists; ``check_cells`` takes DataFrames. All three must
agree row for row, value for value.
"""

from __future__ import annotations

import math
import pickle

import pandas as pd
import pytest

from gkwork.model import CHECK_COLUMNS
from gkwork.narrative import _find_records, find_numbers
from gkwork.readers import read_document
from gkwork.synth import generate, render_file
from gkwork.validate import check_cells, check_columns, check_report


def _reports(n: int = 12, faults: float = 0.5, fmt: str = "txt"):
    from gkwork.extract import build_report

    for spec in generate(n, seed=11, faults=faults, formats=(fmt,)):
        data, _ = render_file(spec, fmt)
        doc = read_document(data, f"{spec.report_id}.{fmt}")
        yield build_report(doc, report_id=spec.report_id)


def _slow_path(report) -> pd.DataFrame:
    """What check_report computed before the fast path: DataFrames all the way."""
    doc = report.document
    text, mapper = report.text, None
    if doc is not None and doc.plain is not None:
        text, mapper = doc.plain, doc.to_text_offset
    return check_cells(
        report.cells,
        report.meta,
        text=text,
        sections=report.sections,
        report_id=report.report_id,
        to_text_offset=mapper,
    )


@pytest.mark.parametrize("fmt", ["txt", "html"])
def test_check_report_equals_dataframe_path(fmt: str) -> None:
    n_rows = 0
    for report in _reports(fmt=fmt):
        fast = check_report(report)  # before .cells is touched: the column-list path
        slow = _slow_path(report)
        assert list(fast.columns) == CHECK_COLUMNS
        assert (fast.dtypes == slow.dtypes).all()
        assert fast.equals(slow)
        assert pickle.dumps(fast) == pickle.dumps(slow)
        n_rows += len(fast)
    assert n_rows > 100  # the reports were really checked


def test_check_columns_matches_check_report() -> None:
    for report in _reports(n=6):
        cols = check_columns(report)
        frame = check_report(report)
        assert list(cols) == CHECK_COLUMNS
        assert len(cols["rule"]) == len(frame) > 0
        for c in CHECK_COLUMNS:
            for a, b in zip(cols[c], frame[c].tolist(), strict=True):
                if isinstance(a, float) and math.isnan(a):
                    assert b is None or (isinstance(b, float) and math.isnan(b))
                elif a is None:
                    assert b is None or b is pd.NA
                else:
                    assert a == b


def test_find_records_equals_find_numbers() -> None:
    text = (
        "今年我中心未收到申请人提出的依申请公开申请。新增主动公开政府信息120条。"
        "未发生行政复议，行政诉讼1件。累计主动公开信息3,000余条。共收到申请12件。"
    )
    records = _find_records(text)
    frame = find_numbers(text)
    # the records also carry where each clause starts (sent_start), for the check messages
    assert all(text[r["sent_start"] :].startswith(r["sentence"]) for r in records)
    assert frame.to_dict("records") == [
        {k: v for k, v in r.items() if k != "sent_start"} for r in records
    ]
    assert [r["quantity"] for r in records][:2] == ["applications_received", "proactive_items"]
    assert _find_records("") == [] and find_numbers("").empty
