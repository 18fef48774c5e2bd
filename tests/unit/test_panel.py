"""Panels of agencies across years (gkwork.panel)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gkwork.errors import GkworkError
from gkwork.model import CHECK_COLUMNS
from gkwork.panel import (
    LOCATION_COLUMNS,
    PanelSettings,
    _Clusters,
    _codes_compatible,
    check_panel,
    match_agencies,
    normalize_agency,
)

COLS = [
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
    "total",
]
ITEM_ROWS = ["licensing", "other_services", "penalty", "coercion", "fees"]

# 3 agencies x 3 years; names vary the way real reports do.
REPORTS = pd.DataFrame(
    [
        ("a19", "五河县武桥镇人民政府", 2019, "", "安徽省", "五河县"),
        ("a20", "五河县武桥镇人民政府", 2020, "", "安徽省", "五河县"),
        ("a21", "五河县武桥镇政府 2021年度报告", 2021, "", "安徽省", "五河县"),
        ("b19", "衢江区机关事务保障中心", 2019, "330803", "浙江省", ""),
        ("b20", "区机关事务保障中心", 2020, "330803", "浙江省", ""),
        ("b21", "浙江省衢州市衢江区机关事务保障中心", 2021, "330803", "浙江省", ""),
        ("c19", "咸宁高新技术产业开发区管理委员会", 2019, "", "湖北省", ""),
        ("c20", "咸宁高新技术产业开发区管委会", 2020, "", "湖北省", ""),
        ("c21", "咸宁高新技术产业园开发区管委会", 2021, "", "湖北省", ""),
    ],
    columns=["report_id", "agency", "year", "division_code", "province", "county"],
)
TEMPLATE = {2019: "gov2019", 2020: "gov2019", 2021: "gov2021"}


def panel_cells(break_at: str | None = None) -> pd.DataFrame:
    """Cells with consistent carry-overs; ``break_at`` adds 1 to that report's carried_over."""
    rows = []
    for agency_i, agency in enumerate("abc"):
        forward = {c: (agency_i + 1) * (k + 1) for k, c in enumerate(COLS[:-1])}
        forward["total"] = sum(forward.values())
        prev = {r: 10 * (agency_i + 1) + j for j, r in enumerate(ITEM_ROWS)}
        for year in (2019, 2020, 2021):
            rid = f"{agency}{year % 100}"
            over = dict(forward)
            if rid == break_at:
                over["natural_person"] += 1
            forward = {c: v + 1 for c, v in over.items()}  # next year's carry-over
            for c in COLS:
                rows.append((rid, "applications", "carried_over", c, over[c]))
                rows.append((rid, "applications", "carried_forward", c, forward[c]))
            if TEMPLATE[year] == "gov2019":
                for r in ITEM_ROWS:
                    change = -2 if r == "penalty" else 3
                    rows.append((rid, "active_disclosure", r, "prev_count", prev[r]))
                    rows.append((rid, "active_disclosure", r, "change", change))
                    prev[r] += change
    df = pd.DataFrame(rows, columns=["report_id", "table", "row", "col", "value"])
    df["value"] = df["value"].astype(float)
    df["raw"] = df["value"].map(lambda v: f"{v:g}")
    df["flag"] = ""
    df["unit"] = ""
    df["start"] = range(0, 10 * len(df), 10)
    df["end"] = df["start"] + df["raw"].str.len()
    return df


def test_normalize_agency() -> None:
    assert (
        normalize_agency("五河县武桥镇人民政府2020年度政府信息公开工作年度报告")
        == "五河县武桥镇政府"
    )
    assert normalize_agency(" 棉洋镇 人民政府 ") == "棉洋镇政府"
    assert normalize_agency(None) == ""


def test_match_agencies_three_agencies() -> None:
    m = match_agencies(REPORTS).set_index("report_id")
    assert m["panel_id"].nunique() == 3
    for agency in "abc":
        ids = m.loc[[f"{agency}19", f"{agency}20", f"{agency}21"], "panel_id"]
        assert ids.nunique() == 1, agency
    assert m.loc["a19", "method"] == "exact" and m.loc["a19", "confidence"] == 1.0
    assert m.loc["a21", "method"] == "normalised"
    assert m.loc["b20", "method"] == "division_code"
    assert m.loc["c19", "method"] == "normalised"  # 管理委员会 -> 管委会
    assert m.loc["c21", "method"] == "fuzzy" and 0 < m.loc["c21", "confidence"] < 0.9
    assert m.loc["a19", "agency_norm"] == "五河县武桥镇政府"
    # stable IDs: the same input gives the same panel IDs
    assert match_agencies(REPORTS)["panel_id"].tolist() == m["panel_id"].tolist()


def test_same_name_in_different_places_is_not_one_agency() -> None:
    reports = pd.DataFrame(
        {
            "report_id": ["x", "y", "z"],
            "agency": ["城关镇人民政府", "城关镇人民政府", "城关镇人民政府"],
            "year": [2020, 2021, 2021],
            "county": ["甲县", "甲县", "乙县"],
        }
    )
    m = match_agencies(reports).set_index("report_id")
    assert m.loc["x", "panel_id"] == m.loc["y", "panel_id"] != m.loc["z", "panel_id"]


def test_division_codes_are_compared_by_hierarchy() -> None:
    reports = pd.DataFrame(
        {
            "report_id": ["p20", "p21", "q21"],
            "agency": ["平潭综合实验区", "平潭综合实验区", "平潭综合实验区"],
            "year": [2020, 2021, 2021],
            "division_code": ["350000", "350128", "350102"],
        }
    )
    m = match_agencies(reports).set_index("report_id")
    # the province-level code 350000 covers 350128; 350102 is another county
    assert m.loc["p20", "panel_id"] == m.loc["p21", "panel_id"] != m.loc["q21", "panel_id"]


def test_fuzzy_does_not_merge_two_reports_of_one_year() -> None:
    reports = pd.DataFrame(
        {
            "report_id": ["p", "q"],
            "agency": ["咸宁高新技术产业开发区管委会", "咸宁高新技术产业园开发区管委会"],
            "year": [2020, 2020],
        }
    )
    assert match_agencies(reports)["panel_id"].nunique() == 2
    strict = PanelSettings(fuzzy_cutoff=99.5)
    diff_years = reports.assign(year=[2020, 2021])
    assert match_agencies(diff_years)["panel_id"].nunique() == 1
    assert match_agencies(diff_years, settings=strict)["panel_id"].nunique() == 2
    with pytest.raises(GkworkError, match="fuzzy_cutoff"):
        PanelSettings(fuzzy_cutoff=120)


def test_panel_continuity_finds_the_one_break() -> None:
    cells = panel_cells(break_at="b21")
    reports = REPORTS.assign(template=REPORTS["year"].map(TEMPLATE))
    checks = check_panel(reports, cells)
    assert list(checks.columns) == CHECK_COLUMNS
    cont = checks[checks.rule == "panel.continuity"]
    assert len(cont) == 3 * 2 * 7
    fails = cont[cont.status == "fail"]
    assert len(fails) == 1
    f = fails.iloc[0]
    assert (f.report_id, f.col, f.delta, f.severity) == ("b21", "natural_person", 1.0, "warning")
    assert "b20 -> b21" in f.message and "(delta +1)" in f.message
    cell = cells[
        (cells.report_id == "b21") & (cells.row == "carried_over") & (cells.col == "natural_person")
    ].iloc[0]
    assert (f.start, f.end) == (cell.start, cell.end)
    assert (cont[cont.status != "fail"].status == "pass").all()
    assert set(cont["report_id"]) == {"a20", "a21", "b20", "b21", "c20", "c21"}


def test_item_carryover_2019_to_2020() -> None:
    cells = panel_cells()
    reports = REPORTS.assign(template=REPORTS["year"].map(TEMPLATE))
    checks = check_panel(reports, cells)
    f2 = checks[checks.rule == "panel.item_carryover"]
    assert len(f2) == 3 * len(ITEM_ROWS)  # only 2019 -> 2020 pairs; 2021 has no prev_count
    assert (f2.status == "pass").all() and set(f2["report_id"]) == {"a20", "b20", "c20"}
    broken = cells.copy()
    sel = (broken.report_id == "a20") & (broken.row == "penalty") & (broken.col == "prev_count")
    broken.loc[sel, "value"] += 5
    f2b = check_panel(reports, broken)
    fails = f2b[(f2b.rule == "panel.item_carryover") & (f2b.status == "fail")]
    assert fails[["report_id", "row", "delta"]].values.tolist() == [["a20", "penalty", 5.0]]
    assert f2b[f2b.rule == "panel.continuity"].status.eq("pass").all()


def test_only_consecutive_years_and_legacy_predecessor() -> None:
    cells = panel_cells()
    reports = REPORTS[REPORTS.report_id.isin(["a19", "a21"])]
    assert check_panel(reports, cells).empty
    # a legacy 2018 report before a 2019 report: continuity not assessable, not failed
    legacy = pd.DataFrame(
        {
            "report_id": ["a18"],
            "table": ["legacy_stats"],
            "row": ["requests_received"],
            "col": ["value"],
            "value": [3.0],
            "raw": ["3"],
            "flag": [""],
            "unit": ["件"],
            "start": [0],
            "end": [1],
        }
    )
    reps = pd.concat(
        [
            REPORTS.iloc[[0]],
            pd.DataFrame(
                [
                    {
                        "report_id": "a18",
                        "agency": "五河县武桥镇人民政府",
                        "year": 2018,
                        "province": "安徽省",
                        "county": "五河县",
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    checks = check_panel(reps, pd.concat([cells, legacy], ignore_index=True))
    cont = checks[checks.rule == "panel.continuity"]
    assert len(cont) == 1 and cont.iloc[0].status == "not_assessable"
    assert "legacy" in cont.iloc[0].message and cont.iloc[0].report_id == "a19"


def test_missing_cell_is_not_assessable() -> None:
    cells = panel_cells()
    sel = (cells.report_id == "c20") & (cells.row == "carried_over") & (cells.col == "total")
    cells.loc[sel, ["value", "flag"]] = [float("nan"), "blank"]
    checks = check_panel(REPORTS, cells)
    row = checks[
        (checks.rule == "panel.continuity") & (checks.report_id == "c20") & (checks.col == "total")
    ].iloc[0]
    assert row.status == "not_assessable"
    assert not (checks.status == "fail").any()


def test_check_panel_needs_year() -> None:
    with pytest.raises(GkworkError, match="year"):
        check_panel(REPORTS.drop(columns="year"), panel_cells())


def _ad_cells(rid: str, values: dict[tuple[str, str], float]) -> list[dict]:
    return [
        {
            "report_id": rid,
            "table": "active_disclosure",
            "row": r,
            "col": c,
            "value": v,
            "raw": f"{v:g}",
            "flag": "",
            "unit": "",
            "start": i * 5,
            "end": i * 5 + 1,
        }
        for i, ((r, c), v) in enumerate(values.items())
    ]


def test_stock_rules_f3_f4() -> None:
    reports = pd.DataFrame(
        {
            "report_id": ["s19", "s20", "s21", "s22"],
            "agency": ["某县人民政府"] * 4,
            "year": [2019, 2020, 2021, 2022],
            "template": ["gov2019", "gov2019", "gov2021", "gov2021"],
        }
    )
    rows = (
        _ad_cells("s19", {("normative_documents", "total_published"): 40})
        + _ad_cells("s20", {("normative_documents", "total_published"): 35})
        + _ad_cells("s21", {("normative_documents", "in_force"): 30})
        + _ad_cells(
            "s22",
            {
                ("normative_documents", "issued"): 4,
                ("normative_documents", "repealed"): 1,
                ("normative_documents", "in_force"): 33,
            },
        )
    )
    checks = check_panel(reports, pd.DataFrame(rows))
    f4 = checks[(checks.rule == "panel.published_stock") & (checks.row == "normative_documents")]
    assert f4[["report_id", "status", "severity", "delta"]].values.tolist() == [
        ["s20", "fail", "info", -5.0]
    ]
    f3 = checks[(checks.rule == "panel.in_force_stock") & (checks.row == "normative_documents")]
    assert f3[["report_id", "status"]].values.tolist() == [["s22", "pass"]]
    assert "30 in 2021 + issued 4 - repealed 1 = 33" in f3.iloc[0].message
    # 2020 (gov2019) -> 2021 (gov2021): the stock rule of 2021 cannot start from 2019 columns
    bridge = checks[(checks.rule == "panel.in_force_stock") & (checks.report_id == "s21")]
    assert (bridge.status == "not_assessable").all() and len(bridge) == 1


def test_a_panel_rule_declared_in_the_catalog_alone_is_evaluated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Panel rules are data: a new one needs a catalog entry (its expect and op), no code."""
    from gkwork import validate

    catalog = dict(validate.rules())
    catalog["panel.test_bound"] = {
        **catalog["panel.in_force_stock"],
        "id": "panel.test_bound",
        "expect": "in_force(N) + issued(N+1)",
        "right": ["in_force", "issued"],
        "op": ">=",
        "names": {"in_force": "现行有效"},
    }
    monkeypatch.setattr(validate, "rules", lambda: catalog)
    reports = pd.DataFrame(
        {"report_id": ["a", "b"], "agency": ["某县人民政府"] * 2, "year": [2021, 2022],
         "template": ["gov2021"] * 2}
    )  # fmt: skip
    cells = pd.DataFrame(
        _ad_cells("a", {("normative_documents", "in_force"): 30})
        + _ad_cells(
            "b", {("normative_documents", "issued"): 4, ("normative_documents", "in_force"): 33}
        )  # fmt: skip
    )
    got = check_panel(reports, cells)
    got = got[(got.rule == "panel.test_bound") & (got.row == "normative_documents")]
    assert got[["report_id", "status", "expected", "observed", "delta"]].values.tolist() == [
        ["b", "fail", 34.0, 33.0, -1.0]  # 33 >= 30 + 4 does not hold
    ]
    assert "2022; 现行有效 30 in 2021 + issued 4 = 34" in got.iloc[0].message
    cells.loc[cells.col == "in_force", "value"] = [30, 35]
    again = check_panel(reports, cells)
    again = again[(again.rule == "panel.test_bound") & (again.row == "normative_documents")]
    assert again.status.tolist() == ["pass"]  # 35 >= 34
    # the same relation as an equality fails on the 1 over
    catalog["panel.test_bound"] = {**catalog["panel.test_bound"], "op": "="}
    eq = check_panel(reports, cells)
    assert eq[
        (eq.rule == "panel.test_bound") & (eq.row == "normative_documents")
    ].status.tolist() == ["fail"]


@pytest.mark.parametrize(
    "expect", ["", "carried_forward", "a(N) b(N)", "a(N+2)", "a(N) * b(N)", "a(M)"]
)
def test_an_unreadable_expect_names_the_rule(expect: str) -> None:
    from gkwork.panel import _expect_terms

    with pytest.raises(GkworkError, match=r"rule panel\.x: .*expect"):
        _expect_terms("panel.x", expect)


def test_expect_terms_are_the_rules_right_terms() -> None:
    """Every catalog panel rule's expect reads, and names exactly its right terms."""
    from gkwork import validate
    from gkwork.panel import _expect_terms

    panel_rules = [r for r in validate.rules().values() if r["kind"] == "panel"]
    assert len(panel_rules) >= 5
    for r in panel_rules:
        terms = _expect_terms(r["id"], r["expect"])
        assert {t.name for t in terms} == set(r["right"]), r["id"]
        assert r.get("op", "=") in ("=", ">=")
    terms = _expect_terms("r", "in_force(N) + issued(N+1) - repealed( N + 1 )")
    assert [(t.sign, t.name, t.later) for t in terms] == [
        (1, "in_force", False), (1, "issued", True), (-1, "repealed", True)
    ]  # fmt: skip


@pytest.mark.parametrize("dtype", ["string", "category", "object"])
def test_cell_index_matches_the_frame_reference(dtype: str) -> None:
    """check_panel reads each report's cells through _CellIndex (arrays, no per-report
    DataFrame); it must give what _Rep.from_frame (to_dict records) gives, duplicates,
    missing values, missing offsets and missing keys included."""
    import math

    from gkwork.panel import _CellIndex, _Rep, _template_of

    cells = pd.DataFrame(
        {
            "report_id": ["a", "a", "b", "a", "b", "b", "c", "a"],
            "table": ["app", "app", "app", None, "legacy_stats", "app", "app", "app"],
            "row": ["carried_over", "carried_over", "other", "x", "r", "fees", "r", None],
            "col": ["total", "total", "prev_count", "y", "c", "issued", "c", "total"],
            "value": [1.0, 2.0, float("nan"), 3.5, 4.0, None, 7.0, 9.0],
            "start": pd.array([10, 12, None, 30, 40, 50, None, 70], dtype="Int64"),
            "end": pd.array([11, 13, None, 33, 41, 52, None, 71], dtype="Int64"),
        }
    )
    for c in ("report_id", "table", "row", "col"):
        cells[c] = cells[c].astype(dtype)
    index = _CellIndex.from_frame(cells)
    for rid in ["a", "b", "c", "zz"]:
        sub = cells[cells["report_id"] == rid]
        ref = _Rep.from_frame(rid, 2020, "t", sub).cells
        got = index.cells(rid)
        assert list(got) == list(ref)
        for key in ref:  # NaN != NaN: compare value by value
            (v1, s1, e1), (v2, s2, e2) = ref[key], got[key]
            assert (math.isnan(v1) and math.isnan(v2)) or v1 == v2
            assert (s1, e1) == (s2, e2) and type(s1) is type(s2)
        expected = (
            _template_of(set(sub["table"]), set(sub["row"]), set(sub["col"]))
            if len(sub)
            else "none"
        )
        assert index.template(rid) == expected
    assert index.cells("a")[("app", "carried_over", "total")] == (1.0, 10, 11)  # first wins
    assert index.template("b") == "gov2021"  # 'issued' outranks 'prev_count'
    no_offsets = _CellIndex.from_frame(cells.drop(columns=["start", "end", "value"]))
    assert all(math.isnan(v) and s is None for v, s, _ in no_offsets.cells("a").values())


def test_cell_index_from_arrow_parts_matches_the_frame() -> None:
    """The corpus build indexes the staged cells part by part from Arrow (codes and floats,
    no strings kept); the result must equal the DataFrame index, however the rows are split
    into parts and whether or not the strings come dictionary-encoded."""

    import pyarrow as pa

    from gkwork.panel import _CellIndex

    cells = pd.DataFrame(
        {
            "report_id": ["a", "a", "b", "c", "b", "a", "c", "d"],
            "table": ["app", "app", "app", "ad", "ad", "app", "app", "app"],
            "row": [
                "carried_over",
                "carried_forward",
                "other",
                "fees",
                "fees",
                "carried_over",
                "r",
                "r",
            ],  # fmt: skip
            "col": ["total", "total", "prev_count", "amount", "issued", "total", "c", "c"],
            "value": [1.0, None, 3.0, 4.5, 5.0, 6.0, 7.0, 8.0],
            "start": pd.array([1, 2, None, 4, 5, 6, 7, 8], dtype="Int64"),
            "end": pd.array([2, 3, None, 5, 6, 7, 8, 9], dtype="Int64"),
        }
    )
    # as a built dataset's parts hold them (each report's rows together) or interleaved
    grouped = cells.sort_values("report_id", kind="stable", ignore_index=True)
    for frame in (cells, grouped):
        _assert_arrow_index_as_frame(frame)
    table = pa.Table.from_pandas(cells, preserve_index=False)
    assert _CellIndex.from_arrow(iter([table])).positions.order is not None
    assert _CellIndex.from_arrow(iter([table.sort_by("report_id")])).positions.order is None
    no_floats = _CellIndex.from_arrow(iter([table.drop_columns(["value", "start", "end"])]))
    assert no_floats is not None and no_floats.value is None
    assert no_floats.cells("a")[("app", "carried_over", "total")][1] is None
    with_null = pa.Table.from_pandas(cells.assign(row=[None, *cells["row"][1:]]))
    assert _CellIndex.from_arrow(iter([with_null])) is None  # the DataFrame path spells it


def test_cell_index_keeps_offsets_past_two_gigabytes() -> None:
    """Offsets are kept as int32 (4 bytes a cell) when they fit, int64 when a text is longer."""
    import pyarrow as pa

    from gkwork.panel import _CellIndex

    big = 2**31 + 5
    for start in (7, big):
        cells = pd.DataFrame(
            {"report_id": ["a", "a"], "table": ["app"] * 2, "row": ["carried_over", "fees"],
             "col": ["total"] * 2, "value": [1.0, 2.0],
             "start": pd.array([start, None], dtype="Int64"),
             "end": pd.array([start + 1, None], dtype="Int64")}
        )  # fmt: skip
        table = pa.Table.from_pandas(cells, preserve_index=False)
        for index in (_CellIndex.from_frame(cells), _CellIndex.from_arrow(iter([table]))):
            assert index.start.dtype == ("int32" if start == 7 else "int64")
            got = index.cells("a")
            assert got[("app", "carried_over", "total")] == (1.0, start, start + 1)
            assert got[("app", "fees", "total")] == (2.0, None, None)


def _assert_arrow_index_as_frame(cells: pd.DataFrame) -> None:
    import math

    import pyarrow as pa

    from gkwork.panel import _CellIndex

    ref = _CellIndex.from_frame(cells)
    table = pa.Table.from_pandas(cells, preserve_index=False)
    encoded = table.cast(
        pa.schema(
            [
                pa.field(f.name, pa.dictionary(pa.int32(), f.type)) if f.name in
                ("report_id", "table", "row", "col") else f
                for f in table.schema
            ]
        )
    )  # fmt: skip
    for source in (table, encoded):
        for cuts in ([8], [3, 8], [1, 2, 5, 8]):
            parts = [source.slice(a, b - a) for a, b in zip([0, *cuts], cuts, strict=False)]
            got = _CellIndex.from_arrow(iter(parts))
            assert got is not None
            assert set(got.positions) == set(ref.positions)
            for rid in ref.positions:
                assert got.positions[rid].tolist() == ref.positions[rid].tolist()
                assert got.template(rid) == ref.template(rid)
                a, b = got.cells(rid), ref.cells(rid)
                assert list(a) == list(b)
                for key in a:
                    (v1, s1, e1), (v2, s2, e2) = a[key], b[key]
                    assert (math.isnan(v1) and math.isnan(v2)) or v1 == v2
                    assert (s1, e1) == (s2, e2)


# ---------------------------------------------------------------------------------------------
# The union-find's shortcuts against the plain definition


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["", "福建省", "江苏省"]),
            st.sampled_from(["", "福州市"]),
            st.sampled_from(["", "平潭县", "闽侯县"]),
            st.sampled_from(["", "350000", "350100", "350128", "350121", "320000"]),
            st.one_of(st.none(), st.integers(2018, 2021)),
        ),
        min_size=2,
        max_size=12,
    ),
    pairs=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11), st.booleans()), max_size=30),
)
def test_clusters_join_as_the_union_of_their_members_says(rows, pairs) -> None:
    """_Clusters.can_join/join decide as the plain rule over all members would: at most one
    province, city and county, compatible division codes, no shared year unless allowed."""
    keys = ["province", "city", "county", "division_code"]
    assert set(keys) == set(LOCATION_COLUMNS)
    locs = [dict(zip(keys, r[:4], strict=True)) for r in rows]
    years = [r[4] for r in rows]
    uf = _Clusters(locs, years)
    members = {i: {i} for i in range(len(rows))}  # the reference: each report's cluster

    def plain(i: int, j: int, allow_same_year: bool) -> bool:
        if members[i] is members[j]:
            return True
        both = members[i] | members[j]
        for k in keys:
            values = {locs[m][k] for m in both} - {""}
            if (k == "division_code" and not _codes_compatible(values)) or (
                k != "division_code" and len(values) > 1
            ):
                return False
        seen_i = {years[m] for m in members[i]} - {None}
        seen_j = {years[m] for m in members[j]} - {None}
        return allow_same_year or not (seen_i & seen_j)

    for i, j, same_year in pairs:
        i, j = i % len(rows), j % len(rows)
        ok = uf.can_join(i, j, allow_same_year=same_year)
        assert ok == plain(i, j, same_year)
        if ok:
            uf.join(i, j)
            merged = members[i] | members[j]
            for m in merged:
                members[m] = merged
        for a in range(len(rows)):
            assert {b for b in range(len(rows)) if uf.find(b) == uf.find(a)} == members[a]


@given(
    st.lists(
        st.one_of(
            st.sampled_from(["福州市", "平潭县", "", 1, 1.0, True]),
            st.none(),
            st.just(["unhashable"]),
        )
    )
)
def test_shared_is_the_plain_map_with_one_result_per_distinct_value(values: list) -> None:
    from gkwork.panel import _shared

    calls: list = []

    def fn(v):
        calls.append(v)
        return [v]  # a new object per call: sharing is visible

    got = _shared(values, fn)
    assert [[type(x) for x in g] for g in got] == [[type(v)] for v in values]  # 1 is not True
    assert got == [[v] for v in values]
    keys = [(type(v), v) for v in values if not isinstance(v, list)]
    assert len(calls) == len(set(keys)) + (len(values) - len(keys))
    for k, (a, b) in enumerate(zip(values, got, strict=True)):  # equal values share one result
        if not isinstance(a, list):
            first = next(j for j, v in enumerate(values) if type(v) is type(a) and v == a)
            assert b is got[first], k


def _fujian_rows(rid: str, values: dict[str, tuple[float, float]]) -> list[dict]:
    out, pos = [], 0
    for row, pair in values.items():
        for col, v in zip(("value", "cumulative"), pair, strict=True):
            out.append(
                {
                    "report_id": rid,
                    "table": "legacy_stats",
                    "row": row,
                    "col": col,
                    "value": v,
                    "start": pos,
                    "end": pos + 1,
                }  # fmt: skip
            )
            pos += 5
    return out


def test_cumulative_continuity_of_the_fujian_form() -> None:
    """pingtan 145 -> 124 (市场监督管理局 2017 -> 2018): 历年累计 787 + 389 = 1176 for the
    website row; the total row printed 837 in 2017 and breaks it by 50."""
    cells = pd.DataFrame(
        _fujian_rows("s17", {"proactive_total": (457, 837), "proactive_website": (457, 787)})
        + _fujian_rows("s18", {"proactive_total": (389, 1176), "proactive_website": (389, 1176)})
        + _fujian_rows("n17", {"proactive_total": (5, 9)})  # national form: no such rule
        + _fujian_rows("n18", {"proactive_total": (1, 10)})
    )
    reports = pd.DataFrame(
        {
            "report_id": ["s17", "s18", "n17", "n18"],
            "year": [2017, 2018, 2017, 2018],
            "panel_id": ["s", "s", "n", "n"],
            "template": "legacy",
            "template_variant": ["fujian2016", "fujian2016", "", ""],
        }
    )
    checks = check_panel(reports, cells)
    got = checks[checks.rule == "panel.cumulative_continuity"]
    assert set(got.report_id) == {"s18"}
    status = got.set_index("row")["status"]
    assert (status["proactive_total"], status["proactive_website"]) == ("fail", "pass")
    fail = got[got.status == "fail"].iloc[0]
    assert (fail.observed, fail.expected, fail.delta) == (1176.0, 1226.0, -50.0)
    assert "历年累计 837 in 2017 + 本年度 389 = 1226" in fail.message
    # a predecessor in a form without 历年累计 makes the pair not assessable, once
    other = reports.assign(template_variant=["fujian_yearend", "fujian2016", "", ""])
    row = check_panel(other, cells).query("rule == 'panel.cumulative_continuity'")
    assert row.status.tolist() == ["not_assessable"]
    assert "the 2017 report (s17) uses legacy__fujian_yearend" in row.message.iloc[0]


def test_synthetic_and_real_reports_of_one_name_are_never_one_agency():
    """The bundled demo mixes real seeds with synthetic reports that borrow real names (a
    synthetic 武桥镇 2019 beside the real 2020 report): matched apart, so that no cross-year
    check compares a made-up year with a real one. Real reports keep the ids they have alone."""
    reports = pd.DataFrame(
        {
            "report_id": ["real20", "real21", "syn19", "syn22"],
            "agency": ["五河县武桥镇人民政府"] * 4,
            "year": [2020, 2021, 2019, 2022],
            "synthetic": pd.array([False, False, True, True], dtype="boolean"),
        }
    )
    got = match_agencies(reports).set_index("report_id")["panel_id"]
    assert got["real20"] == got["real21"] and got["syn19"] == got["syn22"]
    assert got["real20"] != got["syn19"]
    alone = match_agencies(reports[~reports["synthetic"]].drop(columns="synthetic"))
    assert alone.set_index("report_id")["panel_id"].to_dict() == got[["real20", "real21"]].to_dict()
    assert list(match_agencies(reports)["report_id"]) == list(reports["report_id"])  # order kept


@pytest.mark.parametrize("block", [1, 2, 1000])
def test_panel_check_blocks_are_check_panel_sorted_and_split(block: int) -> None:
    """Blocks hold every row of their later-year reports, in report_id order: one after the
    other they are check_panel's result sorted (what a build writes block by block)."""
    from gkwork.panel import panel_check_blocks

    cells = panel_cells(break_at="b21")
    reports = REPORTS.assign(template=REPORTS["year"].map(TEMPLATE)).iloc[::-1]
    keys = ["report_id", "rule", "table", "row", "col"]
    whole = check_panel(reports, cells).sort_values(keys, kind="stable").reset_index(drop=True)
    blocks = list(panel_check_blocks(reports, cells, block=block))
    assert len(blocks) == -(-6 // block)  # six later-year reports: a20, a21, b20, ... c21
    for b in blocks:
        assert b[keys].equals(b[keys].sort_values(keys, kind="stable"))
        assert b["report_id"].nunique() == min(block, 6)
    got = pd.concat(blocks, ignore_index=True)
    assert got.equals(whole) and (got["status"] == "fail").sum() == 1
    with pytest.raises(GkworkError, match="block must be at least 1"):
        next(panel_check_blocks(reports, cells, block=0))


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(
        st.text(alphabet="城关镇人民政府东西南北新区局", min_size=1, max_size=8),
        min_size=2,
        max_size=30,
        unique=True,
    ),
    cells=st.integers(min_value=1, max_value=200),
)
def test_fuzzy_hits_in_bands_are_the_whole_matrix(names: list[str], cells: int) -> None:
    """Scoring a block's names a band of rows at a time (bounded memory) finds the same pairs
    with the same scores as the whole matrix at once."""
    import numpy as np
    from rapidfuzz import fuzz
    from rapidfuzz import process as rf_process

    from gkwork import panel

    whole = rf_process.cdist(names, names, scorer=fuzz.ratio, score_cutoff=60, dtype=np.float64)
    rows, cols = np.nonzero(np.triu(whole, 1))
    reference = [(int(a), int(b), float(whole[a, b])) for a, b in zip(rows, cols, strict=True)]
    old = panel._FUZZY_CELLS
    try:
        panel._FUZZY_CELLS = cells
        assert panel._fuzzy_hits(names, 60) == reference
    finally:
        panel._FUZZY_CELLS = old


def test_placeless_homonyms_of_one_year_are_not_linked() -> None:
    """新华区 is a district of 石家庄 and of 沧州: two different reports of one year under
    that name, with no place, are two agencies as likely as one; none is linked (a wrong link
    would compare two agencies' books). A repost of a name that says where it is, or a shared
    name without a second report of any year, still links."""
    reports = pd.DataFrame(
        [
            ("x19a", "新华区人民政府", 2019),
            ("x19b", "新华区人民政府", 2019),
            ("x20a", "新华区政府", 2020),
            ("x20b", "新华区人民政府", 2020),
            ("y19", "石家庄市新华区人民政府", 2019),
            ("y20", "石家庄市新华区人民政府", 2020),
            ("z19a", "五河县武桥镇人民政府", 2019),  # one report posted twice
            ("z19b", "五河县武桥镇人民政府", 2019),
            ("w19", "铁西区人民政府", 2019),  # a shared name, one report a year
            ("w20", "铁西区人民政府", 2020),
        ],
        columns=["report_id", "agency", "year"],
    )
    got = match_agencies(reports).set_index("report_id")["panel_id"]
    xs = [got[r] for r in ("x19a", "x19b", "x20a", "x20b")]
    assert len(set(xs)) == 4  # each alone, each with its own id
    assert got["y19"] == got["y20"] and got["y19"] not in xs
    assert got["z19a"] == got["z19b"]
    assert got["w19"] == got["w20"]


def test_fuzzy_links_an_inserted_word_not_a_replaced_one() -> None:
    """A long shared place prefix makes two bodies' names score high (杨柳 / 柳林 街道: 92);
    a replaced part is another body as often as a misprint (东城镇 / 西城镇), an inserted
    one a variant of one name (产业开发区 / 产业园开发区)."""
    reports = pd.DataFrame(
        [
            ("a", "安阳市文峰区杨柳街道办事处", 2019),
            ("b", "安阳市文峰区柳林街道办事处", 2020),
            ("c", "沧州市新华区东城镇人民政府", 2019),
            ("d", "沧州市新华区西城镇人民政府", 2020),
            ("e", "咸宁高新技术产业开发区管委会", 2019),
            ("f", "咸宁高新技术产业园开发区管委会", 2020),
        ],
        columns=["report_id", "agency", "year"],
    )
    got = match_agencies(reports).set_index("report_id")
    assert got.loc["a", "panel_id"] != got.loc["b", "panel_id"]
    assert got.loc["c", "panel_id"] != got.loc["d", "panel_id"]
    assert got.loc["e", "panel_id"] == got.loc["f", "panel_id"]
    assert got.loc["f", "method"] == "fuzzy"


def test_content_bounds_move_only_the_blocks_around_a_change() -> None:
    """Block ends set by the later reports' ids: blocks are at most ``block`` pairs, cover
    the pairs in order, and a pair removed changes no block before its own, nor any block
    after the next id that ends a block by its hash (what lets a build keep those blocks)."""
    import zlib

    from gkwork.panel import _content_bounds

    def pairs_of(ids: list[str]) -> list[tuple[tuple, tuple]]:
        return [((2020, f"e{i}", "gov2021", ""), (2021, i, "gov2021", "")) for i in ids]

    def blocks(ids: list[str], block: int) -> list[tuple[str, ...]]:
        return [tuple(ids[lo:hi]) for lo, hi in _content_bounds(pairs_of(ids), block)]

    ids = [f"r{k:04d}" for k in range(400)]
    for block in (1, 2, 8, 50):
        every = max(1, block // 2)
        got = blocks(ids, block)
        assert [i for b in got for i in b] == ids and max(map(len, got)) <= block
        if block > 1:  # hash cuts as well as full blocks
            assert len(got) > len(ids) / block
        for k in (0, 7, 123, 250, 399):
            fewer = ids[:k] + ids[k + 1 :]
            after = blocks(fewer, block)
            before_k = [b for b in got if ids.index(b[-1]) < k]
            assert after[: len(before_k)] == before_k
            cut = next(
                (j for j in range(k + 1, len(ids)) if zlib.crc32(ids[j].encode()) % every == 0),
                None,
            )
            if cut is not None:
                tail = [b for b in got if ids.index(b[0]) > cut]
                assert tail and after[-len(tail) :] == tail
