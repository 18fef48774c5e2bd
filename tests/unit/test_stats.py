"""gkwork.stats: harmonised views, intervals, tests and effect sizes on tiny inputs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from gkwork import stats
from gkwork.errors import GkworkError

OTHER_2021 = ["other_no_correction", "other_no_fee", "other_other"]


def _app(report_id: str, rows: dict[str, float], col: str = "total") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "report_id": report_id,
            "table": "applications",
            "row": list(rows),
            "col": col,
            "value": [float(v) for v in rows.values()],
        }
    )


@pytest.fixture
def two_formats() -> tuple[pd.DataFrame, pd.DataFrame]:
    withheld = {r: 0.0 for r in stats._WITHHELD}
    withheld["withheld_third_party"] = 2.0
    unavailable = {r: 1.0 for r in stats._UNAVAILABLE}
    not_processed = {r: 0.0 for r in stats._NOT_PROCESSED}
    base = {"new_received": 10.0, "carried_over": 1.0, "granted": 4.0, "partially_granted": 1.0}
    tail = {"total_processed": 10.0, "carried_forward": 1.0}
    c19 = _app("r19", {**base, **withheld, **unavailable, **not_processed, "other": 0.0, **tail})
    c21 = _app(
        "r21",
        {
            **base,
            **withheld,
            **unavailable,
            **not_processed,
            "other_no_correction": 1.0,
            "other_no_fee": 0.0,
            "other_other": 1.0,
            **tail,
        },
    )
    rl = pd.DataFrame(
        {
            "report_id": "r19",
            "table": "review_litigation",
            "row": ["review"] * 5,
            "col": ["upheld", "corrected", "other", "pending", "total"],
            "value": [1.0, 1.0, 0.0, 1.0, 3.0],
        }
    )
    cells = pd.concat([c19, c21, rl], ignore_index=True)
    reports = pd.DataFrame(
        {
            "report_id": ["r21", "r19", "rnone"],
            "template": ["gov2021", "gov2019", "none"],
            "year": [2021, 2020, 2018],
            "admin_level": ["county", "township", "township"],
        }
    )
    return cells, reports


def test_wide_keeps_order_and_does_not_modify_input(two_formats):
    cells, _ = two_formats
    before = cells.copy()
    w = stats.wide(cells, "review_litigation")
    pd.testing.assert_frame_equal(cells, before)
    assert w.columns.tolist() == ["upheld", "corrected", "other", "pending", "total"]
    assert w.loc[("r19", "review"), "total"] == 3.0


def test_harmonise_maps_both_templates(two_formats):
    cells, reports = two_formats
    before = cells.copy()
    h = stats.harmonise(cells, reports).set_index("report_id")
    pd.testing.assert_frame_equal(cells, before)
    assert h.index.tolist() == ["r19", "r21", "rnone"]  # sorted, every report kept
    assert h.at["r21", "other"] == 2.0  # derived: 1 + 0 + 1
    assert h.at["r19", "other"] == 0.0  # reported row
    assert h.at["r19", "withheld"] == 2.0 and h.at["r21", "unavailable"] == 3.0
    assert h.at["r19", "review_total"] == 3.0 and h.at["r19", "review_corrected"] == 1.0
    assert math.isnan(h.at["r21", "review_total"])  # no table: missing, not 0
    assert math.isnan(h.at["rnone", "received"])
    assert h.at["r19", "grant_rate"] == pytest.approx(0.5)
    assert h.at["r19", "review_per_100"] == pytest.approx(30.0)


def test_harmonise_blank_part_makes_sum_missing(two_formats):
    cells, reports = two_formats
    blank = cells.copy()
    mask = (blank["report_id"] == "r21") & (blank["row"] == "other_no_fee")
    blank.loc[mask, "value"] = np.nan
    h = stats.harmonise(blank, reports).set_index("report_id")
    assert math.isnan(h.at["r21", "other"])  # a blank is never read as 0
    assert h.at["r21", "granted"] == 4.0


def test_harmonise_without_reports_infers_template(two_formats):
    cells, _ = two_formats
    h = stats.harmonise(cells).set_index("report_id")
    assert h.at["r21", "template"] == "gov2021" and h.at["r19", "template"] == "gov2019"


def test_harmonise_reads_legacy_forms_with_their_own_rows():
    """The national 统计表 counts （一）收到申请数; a Fujian form 受理…申请总数 (本年度 column),
    and 行政复议数 / 行政诉讼数 in one row each; the 历年累计 column is never read."""
    leg = "legacy_stats"
    cells = pd.DataFrame(
        {
            "report_id": ["nat", "nat", "fj", "fj", "fj", "fj", "fj"],
            "table": leg,
            "row": [
                "requests_received",
                "review_total",
                "requests_total",
                "requests_total",
                "reviews",
                "lawsuits",
                "requests_received",  # not a row of the Fujian form: never read there
            ],
            "col": ["value", "value", "value", "cumulative", "value", "value", "value"],
            "value": [7.0, 1.0, 13.0, 36.0, 2.0, 0.0, 99.0],
        }
    )
    reports = pd.DataFrame(
        {
            "report_id": ["nat", "fj", "other_form"],
            "template": ["legacy", "legacy", "legacy"],
            "template_variant": ["", "fujian2016", "zhejiang"],
        }
    )
    h = stats.harmonise(cells, reports).set_index("report_id")
    assert (h.at["nat", "received"], h.at["nat", "review_total"]) == (7.0, 1.0)
    assert math.isnan(h.at["nat", "litigation_total"])
    assert (h.at["fj", "received"], h.at["fj", "review_total"]) == (13.0, 2.0)
    assert h.at["fj", "litigation_total"] == 0.0
    assert math.isnan(h.at["other_form", "received"])  # a form without a mapping: missing
    source = stats.codebook().set_index("variable").at["received", "source_legacy"]
    assert source == (
        "legacy_stats/requests_received/value; "
        "fujian, fujian2016, fujian2008, fujian_yearend: legacy_stats/requests_total/value"
    )


def test_harmonise_rejects_wrong_input():
    with pytest.raises(GkworkError, match="missing"):
        stats.harmonise(pd.DataFrame({"report_id": ["a"]}))
    with pytest.raises(GkworkError, match="long cells table .* got NoneType"):
        stats.harmonise(None)


def test_codebook_documents_every_harmonised_column(two_formats):
    cells, reports = two_formats
    h = stats.harmonise(cells, reports)
    cb = stats.codebook()
    assert set(h.columns) == set(cb["variable"])
    assert cb["variable"].is_unique
    by = cb.set_index("variable")
    assert bool(by.at["other", "derived"]) and not bool(by.at["granted", "derived"])
    assert by.at["other", "source_gov2019"] == "applications/other/total"
    assert by.at["received", "source_legacy"].startswith("legacy_stats/requests_received/value;")
    assert (cb["label_zh"].str.len() > 0).all() and (cb["label_en"].str.len() > 0).all()
    pd.testing.assert_frame_equal(stats.CODEBOOK, cb)


def test_proportion_ci_exact_values():
    lo, hi = stats.proportion_ci(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.3085, abs=1e-4)
    lo, hi = stats.proportion_ci(10, 10)
    assert hi == 1.0 and lo == pytest.approx(0.6915, abs=1e-4)
    assert all(math.isnan(x) for x in stats.proportion_ci(0, 0))
    with pytest.raises(GkworkError):
        stats.proportion_ci(3, 2)


def test_bootstrap_is_deterministic_and_brackets_estimate():
    x = [0, 0, 1, 2, 3, 5, 8, 13, 21, 34]
    a = stats.bootstrap_ci(x, "median", seed=3)
    assert a == stats.bootstrap_ci(x, "median", seed=3)
    assert a[1] <= a[0] <= a[2]
    assert stats.bootstrap_ci([np.nan, 4.0], "mean") == (4.0, 4.0, 4.0)
    with pytest.raises(GkworkError):
        stats.bootstrap_ci(x, "mode")


def test_compare_proportions_picks_the_test():
    small = stats.compare_proportions(1, 6, 5, 6)
    assert small["test"] == "fisher"
    large = stats.compare_proportions(30, 100, 60, 100)
    assert large["test"] == "chi2" and large["p_value"] < 0.001
    assert large["cohens_h"] < 0  # first group lower
    assert stats.compare_proportions(0, 0, 1, 2)["test"] == ""


def test_effect_sizes():
    assert stats.cohens_h(0.5, 0.5) == 0.0
    assert stats.cramers_v([[10, 0], [0, 10]]) == pytest.approx(1.0)
    assert stats.rank_biserial([5, 6, 7], [1, 2, 3]) == 1.0
    assert stats.rank_biserial([1, 2, 3], [5, 6, 7]) == -1.0
    res = stats.contingency_test(pd.DataFrame([[30, 10, 0], [10, 30, 0]]))
    assert res["dof"] == 1  # all-zero column dropped


def test_compare_counts_mann_whitney():
    r = stats.compare_counts([0, 0, 1, 1], [10, 12, 15, 20])
    assert r["test"] == "mannwhitney" and r["rank_biserial"] == -1.0
    assert r["median1"] == 0.5 and r["median2"] == 13.5


def test_request_volumes_and_outcomes(two_formats):
    cells, reports = two_formats
    h = stats.harmonise(cells, reports)
    vol = stats.request_volumes(h, by="admin_level").set_index("group")
    assert vol.at["township", "reports"] == 2 and vol.at["township", "n"] == 1
    assert vol.at["county", "median"] == 10.0
    comp = stats.outcome_composition(h, by="template")
    g19 = comp[(comp["group"] == "gov2019")].set_index("outcome")
    assert g19["total"].iloc[0] == 10.0
    assert g19["share"].sum() == pytest.approx(1.0)
    assert g19.at["granted", "count"] == 4.0


def test_remedy_rates_correction_over_concluded(two_formats):
    cells, reports = two_formats
    h = stats.harmonise(cells, reports)
    rr = stats.remedy_rates(h, by="template").set_index("group")
    assert rr.at["gov2019", "review_concluded"] == 2.0  # 3 total - 1 pending
    assert rr.at["gov2019", "review_correction_rate"] == 0.5


def test_quality_rates_leave_not_assessable_out():
    checks = pd.DataFrame(
        {
            "report_id": ["a", "a", "b", "b"],
            "rule": ["x", "x", "x", "y"],
            "status": ["pass", "fail", "not_assessable", "pass"],
            "severity": ["error", "error", "error", "info"],
        }
    )
    q = stats.quality_rates(checks).set_index("group")
    assert q.at["x", "assessed"] == 2 and q.at["x", "pass_rate"] == 0.5
    assert q.at["x", "not_assessable"] == 1 and q.at["x", "reports_failing"] == 1
    reports = pd.DataFrame({"report_id": ["a", "b"], "layout": ["pipe", "tsv"]})
    by_layout = stats.quality_rates(checks, reports, by="layout", severities=["error"])
    assert by_layout["group"].tolist() == ["pipe", "tsv"]
    with pytest.raises(GkworkError, match="pass reports="):
        stats.quality_rates(checks, by="layout")


def test_compare_groups_dispatch(two_formats):
    cells, reports = two_formats
    h = stats.harmonise(cells, reports)
    res = stats.compare_groups(h, "has_requests", "template", "gov2019", "gov2021")
    assert "cohens_h" in res and res["n1"] == 1
    res = stats.compare_groups(h, "received", "template", "gov2019", "gov2021")
    assert res["test"] == "mannwhitney"


def test_group_summaries_of_nothing_keep_their_columns():
    """An empty corpus (or a filter that leaves nothing) gives empty tables with the documented
    columns, so that the next step (a plot, a merge) reads them."""
    h = stats.harmonise(pd.DataFrame(columns=["report_id", "table", "row", "col", "value"]))
    for fn, columns in (
        (stats.request_volumes, stats.REQUEST_VOLUME_COLUMNS),
        (stats.outcome_composition, stats.OUTCOME_COMPOSITION_COLUMNS),
        (stats.remedy_rates, stats.REMEDY_RATE_COLUMNS),
    ):
        out = fn(h)
        assert out.empty and list(out.columns) == columns, fn.__name__


def test_harmonised_reports_carry_the_panel_id_the_cross_year_checks_use():
    """Reports of one agency in different years share a panel_id (as gkwork.panel links them
    for the panel.* checks); a report not parsed, or without a year, has none."""
    from gkwork.panel import check_panel

    reports = pd.DataFrame(
        {
            "report_id": ["a19", "a20", "b20", "x"],
            "agency": ["某县财政局", "某县财政局2020年", "某县公安局", "某县财政局"],
            "year": pd.array([2019, 2020, 2020, None], dtype="Int64"),
            "status": ["ok", "ok", "ok", "ok"],
            "template": ["gov2019"] * 4,
        }
    )
    cells = pd.DataFrame(
        {"report_id": ["a19", "a20"], "table": "applications", "row": "new_received",
         "col": "total", "value": [1.0, 2.0]}
    )  # fmt: skip
    h = stats.harmonise(cells, reports).set_index("report_id")
    assert h.loc["a19", "panel_id"] == h.loc["a20", "panel_id"] != h.loc["b20", "panel_id"]
    assert h.loc["a19", "panel_id"].startswith("p") and pd.isna(h.loc["x", "panel_id"])
    failed = reports.assign(status=["ok", "error", "ok", "ok"])
    assert pd.isna(stats.harmonise(cells, failed).set_index("report_id").loc["a20", "panel_id"])
    cb = stats.codebook().set_index("variable")
    assert cb.loc["panel_id", "derived"] and "panel_ids" in cb.loc["panel_id", "source_gov2019"]
    # the ids are those the panel checks pair reports by
    paired = check_panel(reports, cells.assign(start=0, end=1, raw="1", flag="", unit=""))
    assert set(paired["report_id"]) == {"a20"}  # a19 -> a20 is the one pair


def test_a_file_posted_twice_is_marked_and_counted_once():
    # the same report saved twice (two addresses, two names): the later id is marked as a copy
    # of the first, keeps its row (nothing lost) and is left out of the group statistics
    cells = pd.concat(
        [
            _app("a", {"new_received": 3.0}),
            _app("b", {"new_received": 3.0}),
            _app("c", {"new_received": 0.0}),
            _app("z", {"new_received": 5.0}),
        ]
    )
    reports = pd.DataFrame(
        {
            "report_id": ["z", "b", "a", "c"],
            "template": "gov2021",
            "admin_level": ["x", "x", "x", "y"],
            "status": "ok",
            "sha256": ["h1", "h2", "h2", None],  # c: a file without a hash (unreadable)
        }
    )
    h = stats.harmonise(cells, reports).set_index("report_id")
    assert h["copy_of"].isna().to_dict() == {"a": True, "b": False, "c": True, "z": True}
    assert h.loc["b", "copy_of"] == "a"
    h = h.reset_index()
    assert len(h) == 4  # every report keeps its row
    vol = stats.request_volumes(h, by="template").set_index("group")
    assert vol.loc["gov2021", "reports"] == 3 and vol.loc["gov2021", "total"] == 8.0
    res = stats.compare_groups(h, "received", "admin_level", "x", "y")
    assert (res["n1"], res["n2"]) == (2, 1)
    assert "copy_of" in set(stats.codebook()["variable"])
