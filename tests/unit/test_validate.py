"""Unit tests of gkwork.validate on small hand-built cell tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from gkwork import templates
from gkwork.errors import GkworkError
from gkwork.model import CHECK_COLUMNS, SECTION_COLUMNS, Report
from gkwork.validate import (
    CheckSettings,
    check_cells,
    check_report,
    format_catalog,
    harmonised_view,
    rule_catalog,
    summarize_checks,
    template_for_year,
)

APPLICANTS = [
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
]


def make_cells(spec: dict[tuple[str, str, str], object]) -> pd.DataFrame:
    """Cells from {(table, row, col): value | (value, raw, flag) | (value, raw, flag, unit)}.

    Offsets are consecutive and unique, so a result's span identifies its cell.
    """
    rows, pos = [], 0
    for (table, row, col), v in spec.items():
        if isinstance(v, tuple):
            value, raw, flag, *unit = v
        else:
            value, raw, flag, unit = v, f"{v:g}", "", []
        rows.append(
            {
                "report_id": "r1",
                "table": table,
                "row": row,
                "col": col,
                "value": float("nan") if value is None else float(value),
                "unit": unit[0] if unit else "",
                "raw": raw,
                "flag": flag,
                "start": pos,
                "end": pos + len(raw),
            }
        )
        pos += len(raw) + 10
    return pd.DataFrame(rows)


def zero_applications(template: str = "gov2019") -> dict:
    return {
        ("applications", r, c): 0
        for r in templates.rows(template, "applications")
        for c in [*APPLICANTS, "total"]
    }


def one(checks: pd.DataFrame, rule: str, **where: str) -> pd.Series:
    sel = checks[checks["rule"] == rule]
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, f"{rule} {where}: {len(sel)} rows\n{checks[checks.rule == rule]}"
    return sel.iloc[0]


META19 = {"template": "gov2019", "year": 2020, "admin_level": "county"}
META21 = {"template": "gov2021", "year": 2022, "admin_level": "county"}


# ---------------------------------------------------------------------------------------------
# Section 三


def test_balance_message_shows_the_arithmetic_like_the_style_guide() -> None:
    spec = zero_applications()
    spec[("applications", "new_received", "natural_person")] = 5
    spec[("applications", "carried_over", "natural_person")] = 1
    spec[("applications", "granted", "natural_person")] = 4
    spec[("applications", "total_processed", "natural_person")] = 4
    spec[("applications", "carried_forward", "natural_person")] = 1
    checks = check_cells(make_cells(spec), META19, report_id="r1")
    row = one(checks, "app.balance", col="natural_person")
    assert row.status == "fail" and row.severity == "error"
    assert row.message == (
        "app.balance, column natural_person (自然人): received 5 + 1 = 6, "
        "processed 4 + 1 = 5 (delta -1)"
    )
    assert (row.observed, row.expected, row.delta) == (5.0, 6.0, -1.0)
    # the span is the observed cell: total_processed / natural_person
    cells = make_cells(spec)
    c = cells[(cells.row == "total_processed") & (cells.col == "natural_person")].iloc[0]
    assert (row.start, row.end) == (c.start, c.end)
    assert row.report_id == "r1"
    assert list(checks.columns) == CHECK_COLUMNS


def test_consistent_zero_table_passes_every_sum_rule() -> None:
    checks = check_cells(make_cells(zero_applications()), META19)
    for rule, n in [("app.balance", 7), ("app.outcome_sum", 7), ("app.total_column", 23)]:
        sub = checks[checks.rule == rule]
        assert len(sub) == n and (sub.status == "pass").all(), rule


def test_outcome_rows_follow_the_template() -> None:
    spec = zero_applications("gov2021")
    for c in ("natural_person", "total"):
        spec[("applications", "other_no_fee", c)] = 2
        spec[("applications", "total_processed", c)] = 2
        spec[("applications", "new_received", c)] = 2
    checks = check_cells(make_cells(spec), META21)
    assert (checks[checks.rule == "app.outcome_sum"].status == "pass").all()
    row = one(checks, "app.outcome_sum", col="natural_person")
    assert "2 (+ 20 zeros) = 2" in row.message
    # the same numbers read as gov2019 lack other_no_fee: total_processed 2 vs outcomes 0
    spec19 = {k: v for k, v in spec.items() if "other_" not in k[1]}
    spec19.update({("applications", "other", c): 0 for c in [*APPLICANTS, "total"]})
    checks19 = check_cells(make_cells(spec19), META19)
    assert one(checks19, "app.outcome_sum", col="natural_person").status == "fail"


def test_gov2021_report_with_a_single_other_row_is_summed_with_it() -> None:
    spec = {k: v for k, v in zero_applications("gov2021").items() if "other_" not in k[1]}
    spec.update({("applications", "other", c): 0 for c in [*APPLICANTS, "total"]})
    for c in ("natural_person", "total"):
        spec[("applications", "other", c)] = 3
        spec[("applications", "total_processed", c)] = 3
        spec[("applications", "new_received", c)] = 3
    checks = check_cells(make_cells(spec), META21)
    sums = checks[checks.rule == "app.outcome_sum"]
    assert len(sums) == 7 and (sums.status == "pass").all()
    # the extra row is still checked across, and the table is reported incomplete
    assert one(checks, "app.total_column", row="other").status == "pass"
    assert one(checks, "table.incomplete", table="applications").status == "fail"
    spec[("applications", "other", "total")] = 4
    checks = check_cells(make_cells(spec), META21)
    assert one(checks, "app.total_column", row="other").status == "fail"
    assert one(checks, "app.outcome_sum", col="total").status == "fail"


def test_total_column_per_row() -> None:
    spec = zero_applications()
    spec[("applications", "granted", "natural_person")] = 3
    spec[("applications", "granted", "total")] = 4
    checks = check_cells(make_cells(spec), META19)
    row = one(checks, "app.total_column", row="granted")
    assert row.status == "fail"
    assert row.message.startswith("app.total_column, row granted ((一)予以公开)") or (
        "row granted (（一）予以公开)" in row.message
    )
    assert "(delta +1)" in row.message


def test_missing_input_is_not_assessable_never_fail() -> None:
    spec = zero_applications()
    spec[("applications", "carried_over", "natural_person")] = (None, "无", "text_value")
    spec[("applications", "new_received", "natural_person")] = 7  # would break the balance
    checks = check_cells(make_cells(spec), META19)
    row = one(checks, "app.balance", col="natural_person")
    assert row.status == "not_assessable"
    assert "carried_over (text '无')" in row.message
    # the row sum is also not assessable (natural_person of carried_over is text)
    assert one(checks, "app.total_column", row="carried_over").status == "not_assessable"
    # and the text cell is reported
    nn = one(checks, "value.nonnumeric", row="carried_over")
    assert nn.status == "fail" and nn.severity in ("info", "warning")


def test_ambiguous_cells_are_missing() -> None:
    spec = zero_applications()
    spec[("applications", "granted", "total")] = (None, "1 0", "ambiguous")
    checks = check_cells(make_cells(spec), META19)
    assert one(checks, "app.total_column", row="granted").status == "not_assessable"
    assert one(checks, "app.outcome_sum", col="total").status == "not_assessable"
    fails = checks[checks.status == "fail"]
    assert set(fails["rule"]) == {"table.incomplete"}  # only the other two tables are absent


def test_blank_total_with_nonzero_parts_is_info_not_sum_error() -> None:
    spec = zero_applications()
    spec[("applications", "granted", "natural_person")] = 258
    spec[("applications", "granted", "commercial_enterprise")] = 12
    spec[("applications", "granted", "total")] = (None, "", "blank")
    checks = check_cells(make_cells(spec), META19)
    tm = one(checks, "app.total_missing", row="granted")
    assert (tm.status, tm.severity) == ("fail", "info")
    assert "258 + 12" in tm.message and "= 270" in tm.message
    assert one(checks, "app.total_column", row="granted").status == "not_assessable"
    errors = checks[(checks.status == "fail") & (checks.severity == "error")]
    assert not errors["rule"].eq("app.total_column").any()


def test_blank_total_with_zero_parts_passes_total_missing() -> None:
    spec = zero_applications()
    spec[("applications", "granted", "total")] = (None, "", "blank")
    checks = check_cells(make_cells(spec), META19)
    assert one(checks, "app.total_missing", row="granted").status == "pass"


def test_negative_counts_are_errors_but_change_may_be_negative() -> None:
    spec = zero_applications()
    spec[("applications", "granted", "natural_person")] = -1
    spec[("active_disclosure", "penalty", "prev_count")] = 217
    spec[("active_disclosure", "penalty", "change")] = -62
    spec[("active_disclosure", "penalty", "decisions")] = 3
    checks = check_cells(make_cells(spec), META19)
    neg = one(checks, "app.nonnegative", row="granted")
    assert (neg.status, neg.severity, neg.col) == ("fail", "error", "natural_person")
    assert one(checks, "ad.nonnegative").status == "pass"


def test_items_nonnegative_c3() -> None:
    spec = {
        ("active_disclosure", "penalty", "prev_count"): 5,
        ("active_disclosure", "penalty", "change"): -8,
        ("active_disclosure", "penalty", "decisions"): 0,
    }
    checks = check_cells(make_cells(spec), META19)
    row = one(checks, "ad.items_nonnegative", row="penalty")
    assert row.status == "fail"
    assert "5 - 8 = -3" in row.message


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_le_messages_state_the_relation_that_holds(lang: str) -> None:
    # a pass must not read "new_published 0 > total_published 0" (the failure's wording)
    spec = {
        ("active_disclosure", "regulations", "new_published"): 2,
        ("active_disclosure", "regulations", "total_published"): 5,
        ("active_disclosure", "normative_documents", "new_published"): 7,
        ("active_disclosure", "normative_documents", "total_published"): 5,
        ("active_disclosure", "penalty", "prev_count"): 5,
        ("active_disclosure", "penalty", "change"): -8,
        ("active_disclosure", "licensing", "prev_count"): 5,
        ("active_disclosure", "licensing", "change"): 1,
    }
    settings = CheckSettings(lang=lang)
    checks = check_cells(make_cells(spec), META19, settings=settings)
    ok = one(checks, "ad.new_le_total", row="regulations")
    bad = one(checks, "ad.new_le_total", row="normative_documents")
    assert (ok.status, bad.status) == ("pass", "fail")
    assert "2 <= " in ok.message and " 5" in ok.message and ">" not in ok.message
    assert "7 > " in bad.message and "<=" not in bad.message
    ok = one(checks, "ad.items_nonnegative", row="licensing")
    bad = one(checks, "ad.items_nonnegative", row="penalty")
    assert ok.message.split("[")[0].rstrip().endswith("5 + 1 = 6 >= 0")
    assert bad.message.rstrip().endswith("5 - 8 = -3 < 0")


# ---------------------------------------------------------------------------------------------
# Inference


def test_cell_inferred_with_the_rule_makes_it_not_assessable() -> None:
    spec = zero_applications()
    spec[("applications", "granted", "total")] = (5, "5", "inferred_split")
    spec[("applications", "granted", "natural_person")] = 5
    spec[("applications", "total_processed", "natural_person")] = 5
    spec[("applications", "total_processed", "total")] = 5
    spec[("applications", "new_received", "natural_person")] = 5
    spec[("applications", "new_received", "total")] = 5
    meta = {**META19, "inferred_by": {"applications/granted/total": ["app.total_column"]}}
    checks = check_cells(make_cells(spec), meta)
    row = one(checks, "app.total_column", row="granted")
    assert row.status == "not_assessable"
    assert "values were inferred using this identity" in row.message
    other = one(checks, "app.outcome_sum", col="total")
    assert other.status == "pass"
    assert other.message.endswith(" [depends on inferred cells]")


def test_inferred_cell_without_inferred_by_is_evaluated_and_marked() -> None:
    spec = zero_applications()
    spec[("applications", "granted", "total")] = (2, "2", "inferred_split")
    checks = check_cells(make_cells(spec), META19)
    row = one(checks, "app.total_column", row="granted")
    assert row.status == "fail"
    assert row.message.endswith(" [depends on inferred cells]")


# ---------------------------------------------------------------------------------------------
# Section 四 and Section 二


def test_rl_total_and_blank_total() -> None:
    spec = {
        ("review_litigation", "review", "upheld"): 5,
        ("review_litigation", "review", "corrected"): 0,
        ("review_litigation", "review", "other"): 0,
        ("review_litigation", "review", "pending"): 2,
        ("review_litigation", "review", "total"): 7,
        ("review_litigation", "litigation_direct", "upheld"): 1,
        ("review_litigation", "litigation_direct", "corrected"): 0,
        ("review_litigation", "litigation_direct", "other"): 0,
        ("review_litigation", "litigation_direct", "pending"): 0,
        ("review_litigation", "litigation_direct", "total"): (None, "", "blank"),
    }
    checks = check_cells(make_cells(spec), META19)
    assert one(checks, "rl.total", row="review").status == "pass"
    assert one(checks, "rl.total_missing", row="litigation_direct").status == "fail"
    assert one(checks, "rl.total", row="litigation_direct").status == "not_assessable"
    assert one(checks, "rl.total", row="litigation_after_review").status == "not_assessable"


def _section2_2019(regulations: int = 30) -> dict:
    spec = {}
    for r in ("regulations", "normative_documents"):
        for c in ("new_made", "new_published", "total_published"):
            spec[("active_disclosure", r, c)] = regulations if r == "regulations" else 18
    for r, (p, ch, d) in {
        "licensing": (51, 10, (61, "61件", "unit_stripped", "件")),
        "other_services": (3, 0, (3, "3件", "unit_stripped", "件")),
        "penalty": (217, -62, 155),
        "coercion": (151, -80, 71),
    }.items():
        spec[("active_disclosure", r, "prev_count")] = p
        spec[("active_disclosure", r, "change")] = ch
        spec[("active_disclosure", r, "decisions")] = d
    spec[("active_disclosure", "fees", "prev_count")] = (None, "无", "text_value")
    spec[("active_disclosure", "fees", "change")] = (None, "无", "text_value")
    spec[("active_disclosure", "procurement", "items")] = 4
    spec[("active_disclosure", "procurement", "amount")] = 3582300
    return spec


def test_section2_seed000_pattern() -> None:
    meta = {**META19, "admin_level": "township", "agency_kind": "government"}
    checks = check_cells(make_cells(_section2_2019()), meta)
    c5 = one(checks, "ad.decisions_equal_items")
    assert (c5.status, c5.severity) == ("fail", "info")
    assert "penalty 217 - 62 = 155" in c5.message
    e1 = one(checks, "ad.regulations_authority")
    assert (e1.status, e1.severity) == ("fail", "warning")
    assert "township" in e1.message
    fees = checks[(checks.rule == "value.nonnumeric") & (checks.row == "fees")]
    assert len(fees) == 2 and (fees.status == "fail").all()
    assert one(checks, "ad.items_nonnegative", row="fees").status == "not_assessable"
    units = checks[(checks.rule == "value.unit_in_cell") & (checks.status == "fail")]
    assert set(units["row"]) == {"licensing", "other_services"}
    assert one(checks, "ad.procurement_unit").status == "fail"
    assert one(checks, "ad.new_le_total", row="regulations").status == "pass"


@pytest.mark.parametrize(
    ("level", "status"),
    [("township", "fail"), ("county", "fail"), ("prefecture", "pass"), (None, "not_assessable")],
)
def test_regulations_authority_by_level(level: str | None, status: str) -> None:
    meta = {**META19, "admin_level": level}
    checks = check_cells(make_cells(_section2_2019()), meta)
    assert one(checks, "ad.regulations_authority").status == status
    zero = check_cells(make_cells(_section2_2019(regulations=0)), meta)
    assert one(zero, "ad.regulations_authority").status in ("pass", "not_assessable")


def test_gov2021_section2_rules() -> None:
    spec = {
        ("active_disclosure", "normative_documents", "issued"): 9,
        ("active_disclosure", "normative_documents", "repealed"): 1,
        ("active_disclosure", "normative_documents", "in_force"): 5,
        ("active_disclosure", "fees", "amount_10k_yuan"): (350000.0, "350000", ""),
    }
    checks = check_cells(make_cells(spec), META21)
    d2 = one(checks, "ad.issued_le_in_force_plus_repealed", row="normative_documents")
    assert (d2.status, d2.severity, d2.delta) == ("fail", "info", 3.0)
    assert (one(checks, "ad.fee_magnitude").status, one(checks, "ad.fee_magnitude").severity) == (
        "fail",
        "info",
    )
    # a decimal fee in 万元 is allowed; gov2019-only rules do not run on gov2021
    assert not (checks.rule == "ad.decisions_equal_items").any()


# ---------------------------------------------------------------------------------------------
# Legacy


def test_legacy_part_exceeds_total_seed001() -> None:
    spec = {
        ("legacy_stats", "proactive_items_total", "value"): 0,
        ("legacy_stats", "proactive_normative_docs", "value"): 0,
        ("legacy_stats", "channel_gazette", "value"): 0,
        ("legacy_stats", "channel_website", "value"): 120,
        ("legacy_stats", "staff_total", "value"): 1,
        ("legacy_stats", "staff_full_time", "value"): 0,
        ("legacy_stats", "staff_part_time", "value"): 1,
    }
    checks = check_cells(make_cells(spec), {"template": "legacy", "year": 2016})
    fails = checks[(checks.rule == "legacy.part_exceeds_total") & (checks.status == "fail")]
    assert fails["row"].tolist() == ["channel_website"]
    msg = fails.iloc[0].message
    assert "120 > total proactive_items_total" in msg and "(delta +120)" in msg
    assert one(checks, "legacy.staff_split").status == "pass"
    assert one(checks, "legacy.received_channels").status == "not_assessable"


#: The Fujian 统计表 of pingtan/118_gongan_2018 (2016-2018 form: 本年度 | 历年累计), as
#: printed: the total of replies (0) disagrees with its items (1 granted this year).
FUJIAN_118 = {
    "proactive_total": (181, 1568),
    "proactive_website": (181, 1568),
    "proactive_gazette": (0, 0),
    "requests_total": (1, 3),
    "requests_in_person": (0, 0),
    "requests_online": (0, 0),
    "requests_letter_fax": (1, 3),
    "replies_total": (0, 0),
    "replies_granted": (1, 3),
    "replies_partial": (0, 0),
    "replies_refused": (0, 0),
    "replies_other": (0, 0),
    "fee_waiver_amount": (0, 0),
    "complaints": (0, 0),
    "reviews": (0, 0),
    "lawsuits": (0, 0),
}


def fujian_cells(values: dict[str, tuple[int, int]]) -> pd.DataFrame:
    return make_cells(
        {
            ("legacy_stats", row, col): v
            for row, pair in values.items()
            for col, v in zip(("value", "cumulative"), pair, strict=True)
        }
    )


def test_a_provincial_form_is_checked_with_its_own_rows() -> None:
    meta = {"template": "legacy", "template_variant": "fujian2016", "year": 2018}
    # the sentence after the table's characters (offsets of make_cells: 0 to about 500)
    text = "。" * 1000 + "三、依申请公开政府信息情况2018年，未收到公民提出的公开政府信息申请。"
    checks = check_cells(fujian_cells(FUJIAN_118), meta, text=text)
    # complete in its own form (16 rows x 2 columns), not 32 of the national table's 77
    row = one(checks, "table.incomplete", table="legacy_stats")
    assert (row.status, row.observed, row.expected) == ("pass", 32.0, 32.0)
    # the relations the form has, in both value columns, with the form's labels
    received = checks[checks.rule == "legacy.received_channels"]
    assert received[["col", "status"]].values.tolist() == [
        ["value", "pass"],
        ["cumulative", "pass"],
    ]
    replies = checks[checks.rule == "legacy.replies_sum"]
    assert replies.status.tolist() == ["fail", "fail"]
    assert replies.message.iloc[1] == (
        "legacy.replies_sum, column cumulative (历年累计): replies_total 0, reply items "
        "3 + 0 + 0 + 0 = 3 (delta -3)"
    )
    assert set(checks[checks.rule == "legacy.year_le_cumulative"].status) == {"pass"}
    assert (checks.rule == "legacy.year_le_cumulative").sum() == 16
    parts = checks[checks.rule == "legacy.part_exceeds_total"]
    assert sorted(set(parts.row)) == ["proactive_gazette", "proactive_website"]
    # relations of the national table only: no row at all, as for another template's rules
    for rid in ("legacy.completed_split", "legacy.review_sum", "legacy.total_le_channel_sum"):
        assert not (checks.rule == rid).any(), rid
    # the narrative's 未收到…申请 is compared with the form's total of requests
    mismatch = one(checks, "text_table.mismatch", status="fail")
    assert "table legacy_stats/requests_total/value 1 (delta -1)" in mismatch.message


def test_the_same_cells_without_their_form_are_an_incomplete_national_table() -> None:
    meta = {"template": "legacy", "year": 2018}
    checks = check_cells(fujian_cells(FUJIAN_118), meta)
    row = one(checks, "table.incomplete", table="legacy_stats")
    assert row.status == "fail" and row.expected == 77.0
    assert not (checks.rule == "legacy.year_le_cumulative").any()
    assert one(checks, "legacy.completed_split").status == "not_assessable"


def test_year_le_cumulative_fails_where_this_year_exceeds_all_years() -> None:
    values = {**FUJIAN_118, "requests_total": (1, 0), "requests_letter_fax": (1, 0)}
    meta = {"template": "legacy", "template_variant": "fujian2016", "year": 2017}
    checks = check_cells(fujian_cells(values), meta)
    fails = checks[(checks.rule == "legacy.year_le_cumulative") & (checks.status == "fail")]
    assert fails.row.tolist() == ["requests_total", "requests_letter_fax"]
    assert fails.message.iloc[0] == (
        "legacy.year_le_cumulative, row requests_total (受理依申请公开信息总数): this year 1 > "
        "cumulative 0 (delta +1)"
    )


# ---------------------------------------------------------------------------------------------
# Report-level rules


def test_table_incomplete_lists_missing_rows_and_truncation() -> None:
    spec = {
        k: v
        for k, v in zero_applications("gov2021").items()
        if templates.rows("gov2021", "applications").index(k[1]) < 13
    }
    checks = check_cells(make_cells(spec), META21)
    row = one(checks, "table.incomplete", table="applications")
    assert row.status == "fail"
    assert "91 of 175 cells present" in row.message
    assert "carried_forward (四、结转下年度继续办理)" in row.message
    assert "truncated after unavailable_not_held" in row.message
    assert (row.observed, row.expected) == (91.0, 175.0)
    absent = one(checks, "table.incomplete", table="review_litigation")
    assert absent.status == "fail" and "table absent" in absent.message
    # rules that need the missing rows are not assessable; present rows are still checked
    assert (checks[checks.rule == "app.balance"].status == "not_assessable").all()
    assert one(checks, "app.total_column", row="granted").status == "pass"


def test_table_incomplete_not_assessable_for_template_none() -> None:
    checks = check_cells(make_cells({}), {"template": "none", "year": 2018})
    assert one(checks, "table.incomplete").status == "not_assessable"
    table_rules = checks[checks["table"].fillna("") != ""]
    assert (table_rules.status == "not_assessable").all() and len(table_rules) > 10


@pytest.mark.parametrize(
    ("template", "year", "status"),
    [
        ("legacy", 2020, "fail"),
        ("legacy", 2016, "pass"),
        ("gov2019", 2019, "pass"),
        ("gov2019", 2020, "pass"),
        ("gov2019", 2021, "fail"),
        ("gov2021", 2021, "pass"),
        ("gov2021", 2020, "fail"),
        ("none", 2018, "pass"),
        ("none", 2020, "fail"),
        ("gov2019", None, "not_assessable"),
        ("gov2019", "unknown", "not_assessable"),
    ],
)
def test_template_mismatch(template: str, year: object, status: str) -> None:
    checks = check_cells(make_cells({}), {"template": template, "year": year})
    assert one(checks, "template.mismatch").status == status


def test_template_mismatch_message() -> None:
    checks = check_cells(make_cells({}), {"template": "legacy", "year": 2020})
    msg = one(checks, "template.mismatch").message
    assert "2020 report uses legacy" in msg and "gov2019" in msg


def test_template_for_year() -> None:
    assert [template_for_year(y) for y in (2014, 2019, 2020, 2021, 2024, None)] == [
        "legacy",
        "gov2019",
        "gov2019",
        "gov2021",
        "gov2021",
        None,
    ]


def _sections(titles: list[str]) -> pd.DataFrame:
    rows, pos = [], 0
    for i, t in enumerate(titles):
        rows.append(
            {
                "report_id": "r1",
                "section": f"s{i + 1}",
                "number": str(i + 1),
                "title": t,
                "start": pos,
                "end": pos + 50,
                "text": t,
            }
        )
        pos += 50
    return pd.DataFrame(rows, columns=SECTION_COLUMNS)


def test_sections_missing_2019_items() -> None:
    secs = _sections(
        [
            "一、总体情况",
            "二、主动公开政府信息情况",
            "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况",
            "五、存在的主要问题及改进情况",
        ]
    )
    checks = check_cells(make_cells({}), META19, sections=secs)
    res = checks[checks.rule == "sections.missing"].set_index("row")["status"].to_dict()
    assert res == {
        "proactive": "pass",
        "requests": "pass",
        "review_litigation": "pass",
        "problems": "pass",
        "other": "fail",
    }
    assert "其他需要报告的事项" in one(checks, "sections.missing", row="other").message


def test_sections_missing_2008_items_include_fees() -> None:
    secs = _sections(["一、概述", "二、主动公开政府信息的情况", "三、政府信息依申请公开办理情况"])
    text = "信息公开没有收费和减免情况。"
    checks = check_cells(
        make_cells({}), {"template": "none", "year": 2018}, sections=secs, text=text
    )
    res = checks[checks.rule == "sections.missing"].set_index("row")["status"].to_dict()
    assert set(res) == {"proactive", "requests", "fees", "review_litigation", "problems", "other"}
    assert res["fees"] == "pass"  # mentioned in the text
    assert res["review_litigation"] == "fail"
    no_secs = check_cells(make_cells({}), META19)
    assert one(no_secs, "sections.missing").status == "not_assessable"


def test_text_table_mismatch_span_is_the_prose_number() -> None:
    spec = zero_applications()
    spec[("applications", "new_received", "total")] = 2
    cells = make_cells(spec)
    offset = int(cells["end"].max()) + 5
    prose = "本年度共收到政府信息公开申请3件。本年度未发生行政复议、行政诉讼情况。"
    text = " " * offset + prose
    checks = check_cells(cells, META19, text=text)
    rows = checks[checks.rule == "text_table.mismatch"]
    app = rows[rows["row"] == "new_received"].iloc[0]
    assert app.status == "fail"
    assert text[app.start : app.end] == "3"
    assert (app.observed, app.expected, app.delta) == (3.0, 2.0, 1.0)
    rl = rows[rows["table"] == "review_litigation"]
    assert len(rl) == 2 and (rl.status == "not_assessable").all()  # no Section 四 cells


def test_text_table_mismatch_quotes_the_number_it_compared() -> None:
    # pingtan/073: the clause holds a run-together table (规章000) before 申请0条; the message
    # quotes the words around the 0 that was compared, not the first 0 of the clause
    spec = zero_applications()
    spec[("applications", "new_received", "total")] = 3
    cells = make_cells(spec)
    pad = " " * (int(cells["end"].max()) + 1)
    prose = "规章000行政规范性文件606第二十条第（五）项信息内容本年处理决定数量行政许可0三、收到和处理政府信息公开申请情况2023年，共收到政府信息公开申请0条。"
    row = one(
        check_cells(cells, META19, text=pad + prose), "text_table.mismatch", row="new_received"
    )
    assert row.status == "fail"
    assert "共收到政府信息公开申请0条」" in row.message and "规章" not in row.message


def test_text_table_zero_statement_passes_on_zero_table() -> None:
    cells = make_cells(zero_applications())
    text = " " * (int(cells["end"].max()) + 1) + "2020年,我镇未收到群众公开政府信息的申请。"
    checks = check_cells(cells, META19, text=text)
    row = one(checks, "text_table.mismatch", row="new_received")
    assert row.status == "pass"
    assert text[row.start : row.end].startswith("未收到")


def test_text_table_accepts_new_plus_carried_over_reading() -> None:
    spec = zero_applications()
    spec[("applications", "new_received", "total")] = 713
    spec[("applications", "carried_over", "total")] = 36
    cells = make_cells(spec)
    pad = " " * (int(cells["end"].max()) + 1)
    checks = check_cells(cells, META19, text=pad + "全年共受理政府信息公开申请 749 件。")
    row = one(checks, "text_table.mismatch", row="new_received")
    assert row.status == "pass" and "new_received/total + carried_over/total" in row.message
    checks = check_cells(cells, META19, text=pad + "全年共受理政府信息公开申请 750 件。")
    assert one(checks, "text_table.mismatch", row="new_received").status == "fail"


def test_text_table_numbers_inside_tables_are_ignored() -> None:
    cells = make_cells(zero_applications())
    text = "共收到政府信息公开申请3件" + " " * 5000
    checks = check_cells(cells, META19, text=text)  # the prose lies inside the table span
    assert one(checks, "text_table.mismatch").status == "not_assessable"


# ---------------------------------------------------------------------------------------------
# API behaviour


def test_check_cells_does_not_modify_cells_and_ignores_row_order() -> None:
    spec = zero_applications()
    spec[("applications", "granted", "total")] = (None, "无", "text_value")
    spec[("applications", "granted", "natural_person")] = 3
    cells = make_cells(spec)
    before = cells.copy()
    a = check_cells(cells, META19)
    pd.testing.assert_frame_equal(cells, before)
    shuffled = cells.sample(frac=1.0, random_state=3).reset_index(drop=True)
    b = check_cells(shuffled, META19)
    pd.testing.assert_frame_equal(a, b)


def test_check_report_uses_report_fields() -> None:
    cells = make_cells(zero_applications())
    rep = Report(
        report_id="rX",
        path="x.txt",
        text="x",
        meta={"template": "gov2019", "year": 2020, "status": "ok"},
        cells=cells,
        sections=pd.DataFrame(columns=SECTION_COLUMNS),
    )
    checks = check_report(rep)
    assert (checks.report_id == "rX").all()
    failed = Report("rY", "y", "", {"status": "error"}, cells, rep.sections)
    assert check_report(failed).empty


def test_zh_messages_and_tolerance_override() -> None:
    spec = zero_applications()
    spec[("applications", "new_received", "total")] = 1
    spec[("applications", "new_received", "natural_person")] = 1
    zh = check_cells(make_cells(spec), META19, settings=CheckSettings(lang="zh"))
    row = one(zh, "app.balance", col="total")
    assert row.status == "fail" and "总计（total）列" in row.message
    loose = check_cells(
        make_cells(spec), META19, settings=CheckSettings(tolerances={"app.balance": 1})
    )
    assert one(loose, "app.balance", col="total").status == "pass"
    with pytest.raises(GkworkError, match="unknown rules"):
        CheckSettings(tolerances={"app.nope": 1})
    with pytest.raises(GkworkError, match="lang must be one of en, zh"):
        CheckSettings(lang="fr")


def test_rules_to_run_and_unknown_rule() -> None:
    checks = check_cells(make_cells(zero_applications()), META19, rules_to_run=["app.balance"])
    assert set(checks.rule) == {"app.balance"}
    with pytest.raises(GkworkError, match="unknown rules"):
        check_cells(make_cells({}), META19, rules_to_run=["app.balanse"])


def test_summarize_checks_and_catalog_views() -> None:
    spec = zero_applications()
    spec[("applications", "granted", "total")] = 1
    checks = check_cells(make_cells(spec), META19)
    summary = summarize_checks(checks)
    assert list(summary.columns) == [
        "rule",
        "severity",
        "pass",
        "fail",
        "not_assessable",
        "total",
    ]
    tc = summary.set_index("rule").loc["app.total_column"]
    assert (tc["pass"], tc["fail"], tc["total"]) == (22, 1, 23)
    assert summary["total"].sum() == len(checks)
    assert summarize_checks(checks.iloc[0:0]).empty
    text = format_catalog()
    for rid in rule_catalog()["id"]:
        assert rid in text


def test_harmonised_view_derives_other_without_touching_cells() -> None:
    spec = zero_applications("gov2021")
    spec[("applications", "other_no_fee", "natural_person")] = 2
    spec[("applications", "other_other", "natural_person")] = 1
    spec[("applications", "other_no_correction", "total")] = (None, "", "blank")
    cells = make_cells(spec)
    view = harmonised_view(cells, "gov2021")
    assert view["derived"].all() and set(view["row"]) == {"other"}
    v = view.set_index("col")["value"]
    assert v["natural_person"] == 3.0 and math.isnan(v["total"])
    assert not (cells["row"] == "other").any()
    assert harmonised_view(cells, "gov2019").empty


def test_cells_without_required_columns_raise() -> None:
    with pytest.raises(GkworkError, match="missing \\['value'\\]"):
        check_cells(pd.DataFrame({"table": ["x"], "row": ["y"], "col": ["z"]}), META19)


def test_meta_from_a_dataframe_row_with_missing_values() -> None:
    meta = pd.DataFrame({"template": [pd.NA], "year": [float("nan")]}).iloc[0].to_dict()
    checks = check_cells(make_cells({}), meta)
    assert one(checks, "template.mismatch").status == "not_assessable"
    assert "template missing" in one(checks, "table.incomplete").message


def test_an_unknown_form_is_a_clear_error() -> None:
    meta = {"template": "legacy", "template_variant": "zhejiang", "year": 2018}
    with pytest.raises(GkworkError, match=r"template_variant of a legacy report must be one of"):
        check_cells(fujian_cells(FUJIAN_118), meta)
    # a variant of a report without a statutory table is not a form of anything: ignored
    none = check_cells(fujian_cells(FUJIAN_118), {**meta, "template": "none"})
    assert (none.rule == "table.incomplete").any()
