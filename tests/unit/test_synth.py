"""Tests of gkwork.synth: determinism, identities, faults, corpus files and CLI."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from gkwork import templates
from gkwork.errors import InputError
from gkwork.render import SYNTHETIC_MARKER, expected_cells, expected_records, render_text
from gkwork.synth import (
    FAULT_KINDS,
    _carried_from,
    generate,
    main,
    render_file,
    truth_record,
    write_corpus,
)

OUTCOMES = {
    "gov2019": [
        r for r in templates.rows("gov2019", "applications")
        if r not in ("new_received", "carried_over", "total_processed", "carried_forward")
    ],
    "gov2021": [
        r for r in templates.rows("gov2021", "applications")
        if r not in ("new_received", "carried_over", "total_processed", "carried_forward")
    ],
}  # fmt: skip
APP_PARTS = [
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
]


def _values(spec) -> dict:
    """{table: {row: {col: value}}} with missing values as 0 (fast: no DataFrames)."""
    out: dict = {}
    for table, row, col, value, _raw, _unit in expected_records(spec):
        out.setdefault(table, {}).setdefault(row, {})[col] = 0.0 if value != value else value
    return out


def identity_failures(spec) -> list[str]:
    """Names of the schema rules that fail on a spec (missing counts as 0)."""
    bad = []
    v = _values(spec)
    if spec.template in ("gov2019", "gov2021"):
        a = v["applications"]
        cols = [*APP_PARTS, "total"]
        if any(
            a["new_received"][c] + a["carried_over"][c]
            != a["total_processed"][c] + a["carried_forward"][c]
            for c in cols
        ):
            bad.append("app.balance")
        if any(
            sum(a[r][c] for r in OUTCOMES[spec.template]) != a["total_processed"][c] for c in cols
        ):
            bad.append("app.outcome_sum")
        if any(sum(row[c] for c in APP_PARTS) != row["total"] for row in a.values()):
            bad.append("app.total_column")
        rl = v["review_litigation"]
        if any(
            r["upheld"] + r["corrected"] + r["other"] + r["pending"] != r["total"]
            for r in rl.values()
        ):
            bad.append("rl.total")
    if spec.template == "legacy":
        x = {k: d["value"] for k, d in v["legacy_stats"].items()}
        for parent, parts in (
            ("requests_received", ["requests_face_to_face", "requests_fax", "requests_online", "requests_letter"]),
            ("requests_completed", ["requests_completed_on_time", "requests_completed_extended"]),
            ("staff_total", ["staff_full_time", "staff_part_time"]),
            ("review_total", ["review_upheld", "review_corrected", "review_other"]),
        ):  # fmt: skip
            if x[parent] != sum(x[p] for p in parts):
                bad.append("legacy.sum")
        for part in ("refusal_state_secret", "refusal_personal_privacy"):
            if x[part] > x["reply_refused"]:
                bad.append("legacy.part_exceeds_total")
        if not max(x[c] for c in x if c.startswith("channel_")) <= x["proactive_items_total"]:
            bad.append("legacy.channels")
    return bad


@pytest.fixture(scope="module")
def clean_specs():
    return generate(300, seed=11)


@pytest.fixture(scope="module")
def faulty_specs():
    return generate(400, seed=5, faults=0.6)


def test_generate_is_deterministic():
    a = [render_text(s, "pipe") for s in generate(40, seed=3, faults=0.3)]
    b = [render_text(s, "pipe") for s in generate(40, seed=3, faults=0.3)]
    c = [render_text(s, "pipe") for s in generate(40, seed=4, faults=0.3)]
    assert a == b and a != c


def test_every_identity_holds_without_faults(clean_specs):
    assert not any(s.faults for s in clean_specs)
    failures = {s.report_id: identity_failures(s) for s in clean_specs}
    assert {k: v for k, v in failures.items() if v} == {}


def test_mix_of_templates_levels_and_years(clean_specs):
    tmpl = Counter(s.template for s in clean_specs)
    assert set(tmpl) == {"gov2019", "gov2021", "legacy", "none"}
    assert set(s.admin_level for s in clean_specs) == {
        "township",
        "county",
        "prefecture",
        "province",
    }
    for s in clean_specs:
        lo, hi = {"gov2019": (2019, 2020), "gov2021": (2021, 2024)}.get(s.template, (2014, 2018))
        assert lo <= s.year <= hi
        assert s.agency and s.division_code and s.signed_date.startswith(str(s.year + 1))
        assert s.index_no.startswith(s.division_code)
    kinds = Counter(s.agency_kind for s in clean_specs)
    assert {"government", "department", "subdistrict_office"} <= set(kinds)


def test_request_counts_are_heavy_tailed():
    specs = [s for s in generate(800, seed=2) if s.template in ("gov2019", "gov2021")]
    by_level: dict[str, list[float]] = {}
    for s in specs:
        v = _values(s)["applications"]["new_received"]["total"]
        by_level.setdefault(s.admin_level, []).append(v)
    assert np.median(by_level["township"]) == 0
    assert np.mean(np.array(by_level["township"]) == 0) > 0.5
    assert np.median(by_level["prefecture"]) > np.median(by_level["county"]) > 0
    assert max(by_level["province"] + by_level["prefecture"]) > 300


def test_faults_are_recorded_and_real(faulty_specs):
    kinds = Counter(f["kind"] for s in faulty_specs for f in s.faults)
    assert set(kinds) == set(FAULT_KINDS)
    for s in faulty_specs:
        for f in s.faults:
            if f["kind"] == "broken_sum":
                fails = identity_failures(s)
                assert set(f["rules"]) & set(fails), (f, fails)
                assert f["old"] != f["new"]
            elif f["kind"] == "truncated":
                rows = set(expected_cells(s)["row"])
                assert f["after"] in rows and "carried_forward" not in rows
                assert s.truncate_applications_after == f["after"]
            elif f["kind"] == "outdated_template":
                assert s.template == f["template"] != f["expected"]
                assert (s.year >= 2021 and s.template == "gov2019") or (
                    s.year <= 2020 and s.template == "legacy"
                )
            elif f["kind"] == "text_table_mismatch":
                assert f["stated"] != f["table_value"]
                text = render_text(s, "pipe")
                if f["stated"]:
                    assert f"共收到政府信息公开申请{f['stated']}件" in text
                else:
                    assert "未收到政府信息公开申请" in text
    clean = [s for s in faulty_specs if not s.faults]
    assert clean and not any(identity_failures(s) for s in clean)


def test_synthetic_marker_everywhere(clean_specs):
    for s in clean_specs[:20]:
        data, layout = render_file(s, "txt")
        text = data.decode("utf-8")
        assert text.startswith(SYNTHETIC_MARKER)
        assert (layout == "narrative") == (s.template == "none")


def test_write_corpus_and_truth(tmp_path, clean_specs):
    specs = clean_specs[:25]
    out = write_corpus(specs, tmp_path / "a", formats=("txt", "md"))
    lines = (out / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 25
    recs = [json.loads(x) for x in lines]
    assert {r["format"] for r in recs} == {"txt", "md"}
    for r, s in zip(recs, specs, strict=True):
        assert (out / r["file"]).exists() and r["file"] == f"{s.report_id}.{r['format']}"
        assert r["synthetic"] is True and r["template"] == s.template
        if r["format"] == "md" and s.template != "none":
            assert r["layout"] == "markdown"
        if r["format"] == "txt" and s.template != "none":
            assert r["layout"] in ("pipe", "cell_per_line", "tsv")
        exp = expected_cells(s)
        n_cells = sum(len(c) for rows in r["cells"].values() for c in rows.values())
        assert n_cells == len(exp)
    # same input -> identical bytes
    out2 = write_corpus(specs, tmp_path / "b", formats=("txt", "md"))
    for r in recs:
        assert (out / r["file"]).read_bytes() == (out2 / r["file"]).read_bytes()
    assert (out / "truth.jsonl").read_bytes() == (out2 / "truth.jsonl").read_bytes()


def test_truth_record_values_match_expected(clean_specs):
    s = next(x for x in clean_specs if x.template == "gov2021")
    rec = truth_record(s, file="x.txt", fmt="txt", layout="pipe")
    exp = expected_cells(s)
    for r in exp.itertuples(index=False):
        got = rec["cells"][r.table][r.row][r.col]
        assert (got is None and pd.isna(r.value)) or got == r.value


def test_layouts_option_and_bad_arguments(tmp_path):
    specs = generate(12, seed=9)
    out = write_corpus(specs, tmp_path, formats=("txt",), layouts=("cell_per_line",))
    recs = [json.loads(x) for x in (out / "truth.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["layout"] for r in recs} <= {"cell_per_line", "narrative"}
    with pytest.raises(InputError, match="formats must be"):
        generate(1, formats=("xls",))
    with pytest.raises(InputError, match="faults must be"):
        generate(1, faults=2.0)
    with pytest.raises(InputError, match="n must be"):
        generate(-1)


def test_html_format_uses_writers(tmp_path):
    pytest.importorskip("gkwork.writers")
    specs = generate(3, seed=1)
    out = write_corpus(specs, tmp_path, formats=("html",))
    files = sorted(out.glob("*.html"))
    assert len(files) == 3
    assert "synthetic data" in files[0].read_bytes().decode("utf-8", "replace")


def test_cli_main(tmp_path, capsys):
    assert main(["--n", "6", "--out", str(tmp_path), "--seed", "2", "--faults", "0.5"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "6 reports" in out[0]
    assert len((tmp_path / "truth.jsonl").read_text(encoding="utf-8").splitlines()) == 6
    panel = tmp_path / "panel"
    assert main(["--n", "9", "--out", str(panel), "--seed", "2", "--panel-years", "3"]) == 0
    assert "9 reports" in capsys.readouterr().out
    truth = [json.loads(x) for x in (panel / "truth.jsonl").read_text().splitlines()]
    assert [bool(t["previous"]) for t in truth] == [False, True, True] * 3


# ---------------------------------------------------------------------------------------------
# Panels: the same agency in consecutive years (generate(panel_years=K))


@pytest.fixture(scope="module")
def panel_specs():
    return generate(300, seed=8, panel_years=5)


def test_panels_are_consecutive_years_of_one_agency(panel_specs):
    by_id = {s.report_id: s for s in panel_specs}
    runs = Counter(s.panel for s in panel_specs)
    assert len(panel_specs) == 300 and len(runs) == 60 and set(runs.values()) == {5}
    for s in panel_specs:
        if not s.previous:
            continue
        p = by_id[s.previous]
        assert (p.panel, p.year + 1) == (s.panel, s.year)
        assert (p.agency_kind, p.admin_level, p.division_code) == (
            s.agency_kind,
            s.admin_level,
            s.division_code,
        )
    assert sum(not s.previous for s in panel_specs) == 60
    # the template in force each year (narrative-only reports only before 2019)
    for s in panel_specs:
        expected = "gov2021" if s.year >= 2021 else "gov2019" if s.year >= 2019 else "legacy"
        assert s.template == expected or (s.template == "none" and s.year < 2019)
    assert not any(identity_failures(s) for s in panel_specs)


def _v(spec, table, row, col):
    return _values(spec)[table][row][col]


def test_values_carry_over_from_year_to_year(panel_specs):
    by_id = {s.report_id: s for s in panel_specs}
    seen = Counter()
    for s in panel_specs:
        p = by_id.get(s.previous)
        if p is None:
            continue
        if p.template in ("gov2019", "gov2021") and s.template in ("gov2019", "gov2021"):
            for c in [*APP_PARTS, "total"]:
                assert _v(s, "applications", "carried_over", c) == _v(
                    p, "applications", "carried_forward", c
                )
            seen["continuity"] += 1
        if p.template == s.template == "gov2019":
            for row in ("licensing", "other_services", "penalty", "coercion", "fees"):
                was = _v(p, "active_disclosure", row, "prev_count")
                assert _v(s, "active_disclosure", row, "prev_count") == was + _v(
                    p, "active_disclosure", row, "change"
                )
            for row in ("regulations", "normative_documents"):
                stock = _v(s, "active_disclosure", row, "total_published")
                assert stock >= _v(p, "active_disclosure", row, "total_published")
            seen["gov2019"] += 1
        if p.template == s.template == "gov2021":
            for row in ("regulations", "normative_documents"):
                assert _v(s, "active_disclosure", row, "in_force") == _v(
                    p, "active_disclosure", row, "in_force"
                ) + _v(s, "active_disclosure", row, "issued") - _v(
                    s, "active_disclosure", row, "repealed"
                )
            seen["gov2021"] += 1
    assert min(seen.values()) > 10, seen


def test_panel_faults_break_the_carry_over_they_name():
    specs = generate(1500, seed=9, panel_years=6, faults=0.8)
    by_id = {s.report_id: s for s in specs}
    breaks = [(s, f) for s in specs for f in s.faults if f["kind"] == "panel_break"]
    assert len(breaks) > 5
    for s, f in breaks:
        assert f["previous"] == s.previous and f["rules"] == ["panel.continuity"]
        assert _v(s, "applications", "carried_over", "natural_person") > _v(
            by_id[s.previous], "applications", "carried_forward", "natural_person"
        )
        assert identity_failures(s) == []  # the report itself still adds up
    # a broken carried-over row also breaks the carry-over; a broken carried-forward row
    # makes next year's continuity fail with no defect of that report's own
    for s in specs:
        for f in s.faults:
            if f["kind"] == "broken_sum" and f.get("row") == "carried_over" and s.previous:
                carried = _carried_from(by_id[s.previous], s.template)  # None: nothing to carry
                assert ("panel.continuity" in f["rules"]) == (carried is not None)
    heirs = [s for s in specs if s.expected_failures]
    assert heirs and all(s.expected_failures == ["panel.continuity"] for s in heirs)
    assert all(
        any(f.get("row") == "carried_forward" for f in by_id[s.previous].faults) for s in heirs
    )


def test_panel_years_and_truth(tmp_path):
    assert [render_text(s, "pipe") for s in generate(30, seed=2, panel_years=3)] == [
        render_text(s, "pipe") for s in generate(30, seed=2, panel_years=3)
    ]
    with pytest.raises(InputError, match="panel_years must be between 1 and 11"):
        generate(10, panel_years=12)
    specs = generate(7, seed=1, panel_years=3)
    assert [bool(s.previous) for s in specs] == [False, True, True, False, True, True, False]
    write_corpus(specs, tmp_path)
    truth = [json.loads(x) for x in (tmp_path / "truth.jsonl").read_text().splitlines()]
    assert [t["previous"] for t in truth] == [s.previous for s in specs]
    assert all(t["panel"] for t in truth)
    # without panels the truth has no panel keys (and the draw is unchanged)
    plain = truth_record(generate(1, seed=1)[0], file="x.txt", fmt="txt", layout="pipe")
    assert "panel" not in plain and "previous" not in plain
