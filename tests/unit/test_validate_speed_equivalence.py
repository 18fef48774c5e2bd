"""The memoised and short-cut paths of gkwork.validate and gkwork.narrative change no result.

The checks memoise per template (sum plans, template order, expected cells) and per value
(sum expressions), and skip work that cannot change a row (regex scans of texts that lack a
pattern's literals). A second run over the same reports, when every memo is warm, must give
exactly the rows of a cold run; each short cut must agree with the plain computation.
"""

from __future__ import annotations

import pickle
import re

import pandas as pd

from gkwork import narrative as N
from gkwork import validate as V
from gkwork.readers import read_document
from gkwork.synth import generate, render_file


def _reports(n: int = 10, faults: float = 0.6):
    from gkwork.extract import build_report

    for spec in generate(n, seed=23, faults=faults, formats=("txt",)):
        data, _ = render_file(spec, "txt")
        doc = read_document(data, f"{spec.report_id}.txt")
        yield build_report(doc, report_id=spec.report_id)


def _clear_memos() -> None:
    V._INSTANCE_CACHE.clear()
    V._PLAN_CACHE.clear()
    V._ORDER_MEMO.clear()
    V._EXPR_MEMO.clear()
    V._NUM_MEMO.clear()


def test_warm_memos_give_the_cold_rows() -> None:
    reports = list(_reports())
    cold = []
    for r in reports:
        _clear_memos()
        cold.append(pickle.dumps(V.check_report(r)))
    warm = [pickle.dumps(V.check_report(r)) for r in reports]
    assert cold == warm
    assert sum(len(V.check_columns(r)["rule"]) for r in reports) > 100


def test_expr_memo_matches_plain_formatting() -> None:
    settings = V.CheckSettings()
    for values in ([1.0], [5.0, 1.0], [3.0, -2.0, 0.5], [0.0] * 9, [0.0, 2.0, 0.0, 0, 1, 0, 0, 0]):
        assert V._expr(values, settings) == V._expr_uncached(values, settings)
        assert V._expr(values, settings) == V._expr_uncached(values, settings)  # memo hit
    short = V.CheckSettings(long_sum_terms=2)
    assert V._expr([1.0, 0.0, 2.0], short) == V._expr_uncached([1.0, 0.0, 2.0], short)
    assert V._expr([1.0, 0.0, 2.0], settings) == V._expr_uncached([1.0, 0.0, 2.0], settings)


def test_index_fast_path_keeps_first_of_repeated_keys() -> None:
    cells = pd.DataFrame(
        {
            "table": ["applications", "applications", "applications"],
            "row": ["received", "received", "carried_over"],
            "col": ["total", "total", "total"],
            "value": [1.0, 2.0, 3.0],
        }
    )
    idx, order = V._index_cells(cells)
    assert order == [
        ("applications", "received", "total"),
        ("applications", "carried_over", "total"),
    ]
    assert idx[order[0]].value == 1.0
    idx2, order2 = V._index_cells(cells.iloc[[0, 2]])
    assert order2 == order and idx2 == idx


def test_template_order_memo_matches_sorting() -> None:
    for r in _reports(n=3):
        idx, order = V._index_columns(r.cell_columns())
        tpl = r.meta.get("template")
        assert V._template_order(order, tpl) == V._template_order_uncached(order, tpl)
        rev = order[::-1]
        assert V._template_order(rev, tpl) == V._template_order_uncached(rev, tpl)


def test_narrative_literal_precheck_changes_nothing() -> None:
    texts = [r.text for r in _reports(n=6)] + [
        "今年我中心未收到申请人提出的依申请公开申请。新增主动公开政府信息120条。",
        "未发生行政复议，行政诉讼1件。累计主动公开信息3,000余条。共收到申请12件。",
        "本年度无行政复议和行政诉讼。",
        "收到12件申请",
        "",
    ]

    def plain(text: str) -> list[dict]:
        saved = N._REQUIRED
        N._REQUIRED = [()] * len(N._PATTERNS)
        try:
            return N._find_records(text)
        finally:
            N._REQUIRED = saved

    for t in texts:
        assert N._find_records(t) == plain(t)
    # every required literal is a literal of its pattern
    for (_, pattern, _), required in zip(N._PATTERNS, N._REQUIRED, strict=True):
        for w in required:
            assert re.escape(w) in pattern.pattern or w in pattern.pattern


def test_sentence_bounds_match_the_plain_search() -> None:
    stops = "。；;！!？?\n"
    text = "前言。今年收到申请12件；办结10件！其余？\n共计2件;结束"

    def plain(start: int, end: int) -> tuple[int, int]:
        left = max(text.rfind(ch, 0, start) for ch in stops) + 1
        rights = [i for i in (text.find(ch, end) for ch in stops) if i != -1]
        return left, (min(rights) if rights else len(text))

    for start in range(len(text) + 1):
        for end in range(start, len(text) + 1):
            assert N._sentence(text, start, end) == plain(start, end)
