"""The memoised and short-cut paths of gkwork.validate and gkwork.narrative change no result.

The checks memoise per template (sum plans, template order, expected cells), per layout
(compiled plans: positions, pre-rendered messages) and per value (numbers, sum expressions),
and skip work that cannot change a row (regex scans of texts that lack a pattern's literals).
A second run over the same reports, when every memo is warm, must give exactly the rows of a
cold run; the compiled plans must give the rows of the generic check functions; each short
cut must agree with the plain computation.
"""

from __future__ import annotations

import pickle
import re

import numpy as np
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
    V._SIGNED_MEMO.clear()
    V._LAYOUTS.clear()


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


# ---------------------------------------------------------------------------------------------
# Compiled plans vs the generic check functions


def _variants(cells: pd.DataFrame, seed: int) -> list[pd.DataFrame]:
    """The cells, and copies with the cases the compiled plans hand to generic code."""
    rng = np.random.default_rng(seed)
    out = [cells]
    if len(cells) == 0:
        return out
    pick = rng.choice(len(cells), size=max(1, len(cells) // 6), replace=False)
    odd = cells.copy()
    values = odd["value"].astype(float).to_numpy().copy()
    values[pick] = rng.choice([np.nan, -1.0, 0.5, np.inf, -np.inf, -0.0, 7.0], size=len(pick))
    odd["value"] = values
    flags = odd["flag"].tolist()
    for i in pick[::2]:
        flags[i] = str(rng.choice(["blank", "text_value", "unit_in_cell", "blank,ambiguous"]))
    odd["flag"] = flags
    out.append(odd)
    out.append(cells.sample(frac=0.7, random_state=seed))  # absent cells, another order
    out.append(pd.concat([cells, cells.iloc[::5].assign(value=99.0)]))  # repeated keys
    inferred = odd.copy()
    inferred.loc[inferred.index[pick[:3]], "flag"] = "inferred_split"
    out.append(inferred)
    spans = odd.copy()
    spans["start"] = spans["start"].astype(object)
    spans.loc[spans.index[:4], "start"] = None
    out.append(spans)
    return out


def _rows(cells: pd.DataFrame, meta: dict, text: str, settings=None) -> list[tuple]:
    arrays = V._frame_arrays(cells, V._meta_template(meta))
    return V._run_checks(arrays, meta, text=text, sections=None, report_id="r", settings=settings)


def test_compiled_plans_give_the_generic_rows(monkeypatch) -> None:
    reports = list(_reports(n=8, faults=0.9))
    settings = [None, V.CheckSettings(lang="zh"), V.CheckSettings(max_listed=2, long_sum_terms=2)]
    cases = []
    for k, r in enumerate(reports):
        meta = dict(r.meta)
        meta["inferred_by"] = {"applications/granted/total": ["app.outcome_sum"]}
        for cells in _variants(r.cells, k):
            for tpl in (meta.get("template"), "gov2019", "legacy", "none"):
                cases.append((cells, {**meta, "template": tpl}, r.text, settings[k % 3]))
    _clear_memos()
    compiled = [_rows(*case) for case in cases]
    _clear_memos()
    monkeypatch.setattr(V, "_compile_rule", V._generic_rule)
    generic = [_rows(*case) for case in cases]
    _clear_memos()
    assert sum(map(len, compiled)) > 1000
    for a, b in zip(compiled, generic, strict=True):
        assert [tuple(map(repr, x)) for x in a] == [tuple(map(repr, x)) for x in b]


def test_message_parts_match_format_map() -> None:
    const = {"rule": "r1", "key": "a{b}", "label": "标签 {x}"}
    templates = [
        "{rule}, {key} ({label}): {observed} vs {expected} (delta {delta})",
        "{{literal}} {rule!r} {key:>6} {observed}{observed} {unknown}",
        "{detail!r} at {key}",
        "no fields at all",
        "{observed.real}",  # attribute of a variable: not compiled
        "{observed:>4}",  # format spec on a variable: not compiled
        "{0}",
        "{",
    ]
    values = {"observed": "12", "expected": "3", "delta": "+9", "detail": "无 'x'"}
    for t in templates:
        got = V._compile_parts(t, const, ("observed", "expected", "delta", "detail"), convert=True)
        if got is None:
            continue
        parts, names = got
        filled = V._fill(parts, tuple(V._slot_value(n, values[n.partition("!")[0]]) for n in names))
        assert filled == t.format_map(V._Fields({**const, **values}))
    assert V._compile_parts("{observed.real}", const, ("observed",)) is None
    assert V._compile_parts("{observed:>4}", const, ("observed",)) is None
    assert V._compile_parts("{detail!r}", const, ("detail",)) is None  # conversions: opt-in


def test_first_titles_match_the_plain_search() -> None:
    titles = [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "",
        "五、存在的主要问题及改进情况",
    ]
    for era in ("2008", "2019"):
        items = V._section_items_cached(era)
        plain = [
            next((i for i, t in enumerate(titles) if any(k in t for k in it["keywords"])), None)
            for it in items
        ]
        assert V._first_titles(titles, items) == plain
        assert V._first_titles(titles[:1], items) == [
            next((i for i, t in enumerate(titles[:1]) if any(k in t for k in it["keywords"])), None)
            for it in items
        ]


def test_odd_positions_match_the_plain_test() -> None:
    nan = float("nan")
    values = [1.0, 0.0, -0.0, nan, 2.5, -3.0, float("inf"), nan, 1.0, 1e20]
    arrays = V._CellArrays(None, values, [""] * 10, [""] * 10, [""] * 10, [None] * 10, [None] * 10)
    plain = [p for p, v in enumerate(values) if not (v >= 0 and v.is_integer())]
    assert arrays.odd() == plain
    assert arrays.nan_positions() == [3, 7]


def test_layout_memo_ignores_str_subclasses_and_normalises_other_types() -> None:
    class S(str):
        pass

    base = dict(table=["applications"] * 2, row=["granted", "other"], col=["total", "total"])
    cells = pd.DataFrame({**base, "value": [1.0, 2.0]})
    meta = {"template": "gov2019", "year": 2020}
    want = _rows(cells, meta, "")
    sub = cells.assign(row=[S("granted"), S("other")])
    assert [tuple(map(repr, x)) for x in _rows(sub, meta, "")] == [
        tuple(map(repr, x)) for x in want
    ]
    _clear_memos()
    assert _rows(sub, meta, "") == want  # a layout first built from str subclasses
    ints = pd.DataFrame(
        {"table": ["t", "t"], "row": [1, 2], "col": ["c", "c"], "value": [1.0, 2.0]}
    )
    arrays = V._frame_arrays(ints, None)
    assert arrays.layout.keys == [("t", "1", "c"), ("t", "2", "c")]
