"""Real damaged reports (../shared/real 05, 08, 09, 10, 16 and pingtan/*) through gkwork.recover.

Every truth cell must come out exactly, except cells whose split the report's own
arithmetic cannot decide; those must be flagged ``ambiguous`` (value NaN, never guessed) and
the truth must be among the recorded candidates. The expected-ambiguous cells are listed
below so that a change in either direction (a guess, or a lost inference) fails the test.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from gkwork import recover as R
from gkwork import templates as T

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "real"

pytestmark = pytest.mark.skipif(
    not REAL.is_dir(), reason=f"real reports not found at {REAL} (../shared/real); skipped"
)

#: (file, template, rows of Section 二 that no arithmetic can split -> flagged ambiguous)
CASES = [
    ("05_shuyang_xian_2025", "gov2021", set()),
    (
        "08_pingtan_2019",
        "gov2019",
        {
            "normative_documents",
            "licensing",
            "other_services",
            "penalty",
            "coercion",
            "fees",
            "procurement",
        },
    ),
    (
        "09_pingtan_2020",
        "gov2019",
        {
            "normative_documents",
            "licensing",
            "other_services",
            "penalty",
            "coercion",
            "procurement",
        },
    ),
    ("10_pingtan_2021", "gov2021", {"normative_documents"}),
]


def _load(name: str) -> tuple[str, dict]:
    text = (REAL / f"{name}.txt").read_text(encoding="utf-8")
    truth = json.loads((REAL / f"{name}_truth.json").read_text(encoding="utf-8"))
    return text, truth


def _num(v) -> float:
    if isinstance(v, str):
        return float(v.removesuffix("元"))
    return float(v)


def _truth_cells(template: str, truth: dict) -> dict[tuple[str, str, str], float]:
    """Truth as {(table, row, col): value} with canonical keys."""
    tables = truth["tables"]
    out: dict[tuple[str, str, str], float] = {}
    app_rows = T.rows(template, "applications")
    app_cols = T.cols(template, "applications")
    assert len(tables["applications"]) == len(app_rows)
    for key, vals in zip(app_rows, tables["applications"].values(), strict=True):
        for col, v in zip(app_cols, vals, strict=True):
            out[("applications", key, col)] = _num(v)
    rl_keys = [
        (r, c)
        for r in T.rows(template, "review_litigation")
        for c in T.cols(template, "review_litigation")
    ]
    for (r, c), v in zip(rl_keys, tables["review_litigation"], strict=True):
        out[("review_litigation", r, c)] = _num(v)
    for caption, rows in tables["active_disclosure"].items():
        group = T.match_label(template, "active_disclosure", "caption", caption)[0][0]
        for row_label, cols in rows.items():
            row = T.match_label(template, "active_disclosure", "row", row_label, group=group)[0][0]
            for col_label, v in cols.items():
                col = T.match_label(template, "active_disclosure", "col", col_label, group=group)
                out[("active_disclosure", row, col[0][0])] = _num(v)
    return out


@pytest.mark.parametrize(("name", "template", "ambiguous_rows"), CASES, ids=[c[0] for c in CASES])
def test_real_report_cell_for_cell(name, template, ambiguous_rows):
    text, truth = _load(name)
    res = R.recover(text, template)
    assert res is not None, f"{name}: damaged layout not recognised"
    assert all(text[c["start"] : c["end"]] == c["raw"] for c in res.cells)
    got = {(c["table"], c["row"], c["col"]): c for c in res.cells}
    want = _truth_cells(template, truth)
    assert set(want) <= set(got), sorted(set(want) - set(got))[:5]
    candidates = {(i["table"], i["row"], i["col"]): i for i in res.inferred}
    n_amb = 0
    for key, value in want.items():
        cell = got[key]
        if key[0] == "active_disclosure" and key[1] in ambiguous_rows:
            n_amb += 1
            assert cell["flag"] == R.FLAG_AMBIGUOUS, (key, cell)
            assert math.isnan(cell["value"])
            cands = candidates[key]["candidates"]
            col_idx = T.cols(template, "active_disclosure", row=key[1]).index(key[2])
            assert any(abs(c[col_idx] - value) < 1e-6 for c in cands), (key, value)
            continue
        assert cell["value"] == pytest.approx(value), (key, cell, value)
        if res.layout != R.LAYOUT_MARKDOWN:
            inferred = "/".join(key) in res.inferred_by
            assert (R.FLAG_INFERRED in cell["flag"]) == inferred, (key, cell)
    assert n_amb == sum(len(T.cols(template, "active_disclosure", row=r)) for r in ambiguous_rows)


def test_08_09_10_every_flattened_cell_is_flagged():
    """In flattened text every cell whose boundaries were not printed is flagged."""
    for name, template, _ in CASES[1:]:
        text, _ = _load(name)
        res = R.extract_flattened(text, template)
        assert res.layout == R.LAYOUT_FLATTENED
        for c in res.cells:
            spaced_given = (
                c["flag"] == "" and c["raw"] and " " in text[c["start"] - 1 : c["end"] + 1]
            )
            single_cell_row = (
                c["table"] == "active_disclosure"
                and len(T.cols(template, "active_disclosure", row=c["row"])) == 1
            )
            assert (
                R.FLAG_INFERRED in c["flag"]
                or c["flag"] in (R.FLAG_AMBIGUOUS, R.FLAG_UNRESOLVED)
                or spaced_given
                or single_cell_row
            ), (name, c)


def test_09_inconsistency_preserved():
    text, truth = _load("09_pingtan_2020")
    res = R.extract_flattened(text, "gov2019")
    v = {(c["row"], c["col"]): c["value"] for c in res.cells if c["table"] == "applications"}
    rows = T.rows("gov2019", "applications")
    detail = rows[rows.index("carried_over") + 1 : rows.index("total_processed")]
    assert sum(v[(r, "natural_person")] for r in detail) == 26
    assert sum(v[(r, "total")] for r in detail) == 27
    assert v[("total_processed", "total")] == 21
    assert any("app.outcome_sum" in n for n in res.notes)
    assert not any("app.outcome_sum" in rules for rules in res.inferred_by.values())


def test_10_joint_rows_use_outcome_sum():
    text, _ = _load("10_pingtan_2021")
    res = R.extract_flattened(text, "gov2021")
    for row in ("granted", "unavailable_not_held"):
        assert res.inferred_by[f"applications/{row}/total"] == [
            "app.total_column",
            "app.outcome_sum",
        ]


def test_16_legacy_stats():
    text, truth = _load("16_pingtan_2018")
    res = R.recover(text, "legacy")
    assert res is not None and res.variant == "fujian"
    got = {(c["row"], c["col"]): c for c in res.cells}
    assert all(text[c["start"] : c["end"]] == c["raw"] for c in res.cells)
    n = 0
    for printed, cols in truth["tables"]["legacy_stat_table"].items():
        label = printed.split("/")[-1]
        parent = printed.split("/")[0] if "/" in printed else None
        row = T.match_label("legacy", "legacy_stats", "row", label, parent=parent, variant="fujian")
        key = row[0][0]
        assert got[(key, "value")]["value"] == cols["2018年度"], printed
        assert got[(key, "cumulative")]["value"] == cols["历年累计"], printed
        assert R.FLAG_INFERRED in got[(key, "value")]["flag"]
        n += 1
    assert n == 15
    assert res.inferred_by["legacy_stats/proactive_total/value"] == ["text_table.mismatch"]


@pytest.mark.slow
def test_pingtan_corpus_never_crashes():
    files = sorted((REAL / "pingtan").glob("*.txt"))
    if not files:
        pytest.skip(f"no pingtan corpus at {REAL / 'pingtan'}")
    counts = {"recognised": 0, "full": 0, "ambiguous": 0, "partial": 0}
    for f in files:
        text = f.read_text(encoding="utf-8")
        layout = R.detect_damaged_layout(text)
        if layout is None:
            continue
        counts["recognised"] += 1
        sig = T.detect_signatures(text)
        template = next((t for t in ("gov2021", "gov2019", "legacy") if t in sig), "legacy")
        res = R.extract_flattened(text, template)
        assert all(text[c["start"] : c["end"]] == c["raw"] for c in res.cells), f.name
        for status in res.tables.values():
            if status in counts:
                counts[status] += 1
    print(f"pingtan corpus: {len(files)} files, {counts}")
    assert counts["recognised"] >= 90


@pytest.mark.parametrize(
    ("path", "variant", "expected"),
    [
        # hand-read: all zero but 主动公开 2069 | 12106 (website 2069 | 12106, gazette 0 | 0)
        (
            "16_pingtan_2018.txt",
            "fujian",
            {"legacy.received_channels": ["pass", "pass"], "legacy.replies_sum": ["pass", "pass"]},
        ),
        # hand-read: 受理…申请总数 1 | 3 = 0 + 0 + 1 | 0 + 0 + 3, but 对申请的答复总数 0 | 0
        # while 同意公开答复数 is 1 | 3: the report breaks its own replies total
        (
            "pingtan/118_gongan_2018.txt",
            "fujian2016",
            {"legacy.received_channels": ["pass", "pass"], "legacy.replies_sum": ["fail", "fail"]},
        ),
    ],
)
def test_fujian_statistics_tables_are_checked_in_their_own_form(path, variant, expected):
    """The Fujian 统计表 (本年度 | 历年累计) is complete in its form and checked with its rows."""
    import gkwork as gk
    from gkwork.validate import check_report

    f = REAL / path
    if not f.is_file():
        pytest.skip(f"{f} not found")
    report = gk.read_report(f)
    assert (report.meta["template"], report.meta["template_variant"]) == ("legacy", variant)
    checks = check_report(report)
    n_cells = 2 * len(T.rows("legacy", "legacy_stats", variant=variant))
    inc = checks[checks.rule == "table.incomplete"].iloc[0]
    assert (inc.status, inc.observed, inc.expected) == ("pass", n_cells, n_cells)
    for rule, statuses in expected.items():
        got = checks[checks.rule == rule]
        assert got[["col", "status"]].values.tolist() == [
            ["value", statuses[0]],
            ["cumulative", statuses[1]],
        ], rule
    # 本年度 <= 历年累计 holds; where it chose a split it is not also counted as passed
    year = checks[checks.rule == "legacy.year_le_cumulative"]
    assert len(year) == n_cells // 2 and "fail" not in set(year.status)
    assert set(year[year.status == "not_assessable"].message.str.split(": ").str[-1]) <= {
        "values were inferred using this identity"
    }
    # rules of the national table's rows do not run on this form
    assert not checks.rule.isin(["legacy.completed_split", "legacy.review_sum"]).any()


#: The 年末统计 form (legacy__fujian_yearend.csv) of 平潭综合实验区财政金融局, values hand-read
#: from each page's 附表 (指标名称 计量单位 年末统计): 主动公开信息数, 1、网站公开,
#: 2、政府公报公开, 受理依申请公开信息总数, 1、当面申请数, 2、传真申请数, 3、电子邮件申请数.
#: Every copy stops there (the signature follows); the full form (pingtan/152, 2009) goes on
#: to 4、网上申请数 ... 行政申诉数, 17 rows.
_YEAREND_ROWS = (
    "proactive_total",
    "proactive_website",
    "proactive_gazette",
    "requests_total",
    "requests_in_person",
    "requests_fax",
    "requests_email",
)


def _read_yearend(name: str):
    """A Pingtan report read in place, asserted to be in the 年末统计 form."""
    import gkwork as gk

    f = REAL / "pingtan" / f"{name}.txt"
    if not f.is_file():
        pytest.skip(f"{f} not found")
    report = gk.read_report(f)
    assert (report.meta["template"], report.meta["template_variant"]) == (
        "legacy",
        "fujian_yearend",
    )
    return report


@pytest.mark.parametrize(
    ("name", "layout", "printed"),
    [
        # "主动公开信息数 条 69 其中：1、网站公开 条 69 2、政府公报公开 条 0 受理依申请公开信息总数 条 1
        #  其中：1、当面申请数 条 0 2、传真申请数 条 0 3、电子邮件申请数 条 1"
        ("139_caijin_2017", "flattened_spaced", ("69", "69", "0", "1", "0", "0", "1")),
        # "主动公开信息数条138其中：1、网站公开条1382、政府公报公开条0受理依申请公开信息总数条0
        #  其中：1、当面申请数条02、传真申请数条03、电子邮件申请数条0" (next item numbers glued on)
        ("117_caijin_2018", "flattened", ("138", "138", "0", "0", "0", "0", "0")),
        ("149_caijin_2016", "flattened_spaced", ("86", "86", "0", "0", "0", "0", "0")),
        # 网站公开 57 of 65 (the narrative: 全文电子化的主动公开信息数共57条)
        ("150_caijin_2015", "flattened_spaced", ("65", "57", "0", "0", "0", "0", "0")),
        # 网站公开 7 of 51 as printed (the narrative says 全文电子化 9): kept as printed
        ("151_caijin_2014", "flattened_spaced", ("51", "7", "0", "0", "0", "0", "0")),
    ],
)
def test_fujian_yearend_tables_cut_short(name, layout, printed):
    """One value column (年末统计) read into ``value``, exact spans, the rows the copy does
    not print absent and reported by table.incomplete."""
    from gkwork.validate import check_report

    report = _read_yearend(name)
    assert report.meta["layout"] == layout
    cells = report.cells
    assert cells["row"].tolist() == list(_YEAREND_ROWS)
    assert set(cells["col"]) == {"value"}
    assert cells["raw"].tolist() == list(printed)
    assert cells["value"].tolist() == [float(p) for p in printed]
    assert set(cells["unit"]) == {"条"}
    assert set(cells["flag"]) == {""}  # each number stands alone: nothing was split
    text = report.text
    assert all(
        text[s:e] == raw
        for s, e, raw in zip(cells["start"], cells["end"], cells["raw"], strict=True)
    )
    checks = check_report(report)
    inc = checks[checks.rule == "table.incomplete"].iloc[0]
    assert (inc.status, inc.observed, inc.expected) == ("fail", 7, 17)
    assert "truncated after requests_email" in inc.message
    parts = checks[
        (checks.rule == "legacy.part_exceeds_total") & (checks.status != "not_assessable")
    ]
    assert len(parts) == 5 and set(parts.status) == {"pass"}
    channels = checks[checks.rule == "legacy.received_channels"]
    assert channels.status.tolist() == ["not_assessable"]  # channels 4-6 were not printed


def test_fujian_yearend_full_form_of_2009():
    """pingtan/152 (平潭县财政局, 2009) prints the 年末统计 form in full, one value after
    each label and unit on one line ("主动公开信息数 条 6 其中：1．网站公开 条 6 …"): all 17
    rows, as printed (主动公开 6, 网站公开 6, every other row 0), and complete."""
    from gkwork.validate import check_report

    report = _read_yearend("152_caizhengxian_2009")
    cells = report.cells
    assert cells["row"].tolist() == T.rows("legacy", "legacy_stats", variant="fujian_yearend")
    assert cells["raw"].tolist() == ["6", "6"] + ["0"] * 15
    assert all(
        report.text[s:e] == r for s, e, r in zip(cells.start, cells.end, cells.raw, strict=True)
    )
    checks = check_report(report)
    inc = checks[checks.rule == "table.incomplete"].iloc[0]
    assert (inc.status, inc.observed, inc.expected) == ("pass", 17, 17)
    assert checks[checks.rule == "legacy.received_channels"].status.tolist() == ["pass"]


def test_fujian_form_printed_with_one_number_per_row():
    """pingtan/142 (经济发展局 2017) prints the Fujian form's header (指标名称 单位 2017年
    历年累计) but fills one number per row ("主动公开文件数条148 … 2.政府公报公开数条0
    受理政府信息公开申请总数条2 …"): one digit cannot be two cells, so the table is read as
    printed, the year's column alone (148 as the prose says: 主动公开政府信息148条), with the
    历年累计 column left out and reported missing, never split (1 | 48) nor read through the
    national form (5 cells)."""
    import gkwork as gk
    from gkwork.validate import check_report

    f = REAL / "pingtan" / "142_jingfa_2017.txt"
    if not f.is_file():
        pytest.skip(f"{f} not found")
    report = gk.read_report(f)
    assert (report.meta["template"], report.meta["template_variant"]) == ("legacy", "fujian")
    assert report.meta["recovery"]["tables"]["legacy_stats"] == "partial"
    assert "read as the first column alone" in report.meta["recovery"]["notes"][-1]
    cells = report.cells
    assert set(cells["col"]) == {"value"} and set(cells["flag"]) == {""}
    got = dict(zip(cells["row"], cells["raw"], strict=True))
    assert got == {
        "proactive_total": "148", "proactive_website": "148", "proactive_gazette": "0",
        "requests_total": "2", "requests_in_person": "0", "requests_online": "1",
        "requests_letter_fax": "1", "replies_total": "2", "replies_granted": "0",
        "replies_partial": "1", "replies_refused": "0", "replies_other": "1",
        "complaints": "0", "reviews": "0", "lawsuits": "0",
    }  # fmt: skip
    assert all(
        report.text[s:e] == r for s, e, r in zip(cells.start, cells.end, cells.raw, strict=True)
    )
    checks = check_report(report).set_index("rule")
    assert "missing columns: cumulative" in checks.loc["table.incomplete", "message"]
    # "没有收到申请公开的信息涉及“不予公开”的" is about some requests only: not compared with 2
    mismatch = checks.loc[["text_table.mismatch"]]
    assert not (mismatch["status"] == "fail").any()
