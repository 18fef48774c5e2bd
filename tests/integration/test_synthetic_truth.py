"""End to end on synthetic data: every cell, template, year and injected defect of a synthetic
corpus in every file format comes out as its truth.jsonl says (gkwork.evaluate.score)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

import gkwork as gk
from gkwork.errors import InputError
from gkwork.evaluate import read_truth, score
from gkwork.synth import generate, write_corpus

FORMATS = ("txt", "md", "html", "docx", "pdf")


@pytest.fixture(scope="module")
def parsed(tmp_path_factory):
    pytest.importorskip("gkwork.writers")
    folder = tmp_path_factory.mktemp("synthetic")
    write_corpus(generate(40, seed=5, faults=0.4), folder, formats=FORMATS)
    return folder, gk.read_corpus(folder)


def test_every_cell_and_defect_of_a_synthetic_corpus_is_read(parsed):
    folder, corpus = parsed
    result = score(corpus, folder / "truth.jsonl")
    s = result.summary["value"]
    assert s["files"] == s["files_read"] == 40
    assert set(result.files["format"]) == set(FORMATS)  # each format is exercised
    assert s["true_cells"] > 3000
    assert (s["cell_accuracy"], s["missing_cells"], s["wrong_cells"], s["extra_cells"]) == (
        1.0,
        0,
        0,
        0,
    ), result.cells.head(20)
    assert (s["template_accuracy"], s["year_accuracy"]) == (1.0, 1.0)
    # the agency as the report names it (an HTML page's title carries the synthetic marker in
    # brackets before it: not part of the name) and the date it was signed
    assert (s["agency_accuracy"], s["signed_date_accuracy"]) == (1.0, 1.0), result.files[
        ~(result.files["agency_ok"] & result.files["signed_date_ok"])
    ]
    kinds = set(";".join(result.files["faults"]).split(";")) - {""}
    assert kinds == {"broken_sum", "truncated", "outdated_template", "text_table_mismatch"}
    assert s["fault_recall"] == 1.0 and s["faults_detected"] == s["faults"] > 5
    unexplained = result.files.loc[result.files["unexplained"] != "", ["file", "unexplained"]]
    assert s["unexplained_failures"] == 0, unexplained


def test_score_counts_what_a_parse_got_wrong(parsed):
    folder, corpus = parsed
    clean = score(corpus, folder).files  # the folder holding truth.jsonl also works
    rid = clean.loc[(clean["n_faults"] == 0) & (clean["correct"] > 50), "report_id"].iloc[0]
    cells = corpus.cells.copy()
    mine = cells.index[(cells["report_id"] == rid) & cells["value"].notna()]
    cells.loc[mine[0], "value"] = cells.loc[mine[0], "value"] + 1  # a misread value
    cells = cells.drop(index=mine[1])  # a cell not read
    extra = cells.loc[[mine[2]]].assign(row="invented_row")  # a cell the truth lacks
    cells = pd.concat([cells, extra], ignore_index=True)
    alarm = pd.DataFrame(
        [{"report_id": rid, "rule": "app.balance", "status": "fail", "severity": "error"}]
    )
    checks = pd.concat([corpus.checks, alarm], ignore_index=True)
    reports = corpus.reports.copy()
    placed = reports["division_code"].notna() & (reports["report_id"] != rid)
    other = reports.index[placed][0]
    reports.loc[other, "division_code"] = "510402"  # 攀枝花's 东区: a place read wrong
    reports.loc[other, "admin_level"] = "province"
    ancestor = reports.index[placed][1]  # its province only: less said, nothing wrong
    reports.loc[ancestor, "division_code"] = reports.loc[ancestor, "division_code"][:2] + "0000"
    reports.loc[reports.index[placed][2], ["division_code", "admin_level"]] = None  # not read
    broken = dataclasses.replace(corpus, cells=cells, checks=checks, reports=reports)
    result = score(broken, folder / "truth.jsonl")
    assert result.files["place_wrong"].sum() == result.files["level_wrong"].sum() == 1
    assert result.summary.loc["places_wrong", "value"] == 1
    row = result.files.set_index("report_id").loc[rid]
    assert (row["wrong"], row["missing"], row["extra"]) == (1, 1, 1)
    assert row["unexplained"] == "app.balance"
    assert sorted(result.cells["outcome"]) == ["extra", "missing", "wrong"]
    assert result.summary.loc["cell_accuracy", "value"] < 1.0


def test_score_says_what_it_needs(parsed, tmp_path):
    folder, corpus = parsed
    with pytest.raises(InputError, match="no truth file"):
        score(corpus, tmp_path)
    with pytest.raises(InputError, match="takes a Corpus"):
        score(42, folder)
    (tmp_path / "truth.jsonl").write_text('{"report_id": "x"}\nnot json\n', encoding="utf-8")
    with pytest.raises(InputError, match="line 2 is not JSON"):
        score(corpus, tmp_path)
    # the truth of another synthetic corpus: nothing to compare, not a score of zero
    (tmp_path / "truth.jsonl").write_text('{"report_id": "other-1"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="holds none of the 1 reports its truth file lists"):
        score(corpus, tmp_path)


def test_flattened_text_is_recovered_or_left_missing_never_guessed(tmp_path):
    """Synthetic reports written as archived page text (cells run together or one space apart,
    the layouts of the Pingtan archive): a number is read right or left missing with a flag.
    The one guess the digits cannot rule out is a row whose printed blank vanished
    (规范性文件0 _ 23 -> 023)."""
    folder = write_corpus(
        generate(80, seed=3, faults=0.3),
        tmp_path,
        formats=("txt",),
        layouts=("flattened", "flattened_spaced"),
    )
    result = score(gk.read_corpus(folder), folder)
    s = result.summary["value"]
    assert s["cell_accuracy"] > 0.85 and s["fault_recall"] == 1.0
    assert s["extra_cells"] == 0  # no row is read from another table's digits
    # the agency (not the 统计表 header run into 填报单位) and the signature (after 填报日期's
    # date, or a provincial 厅's) are read from text without line breaks too
    assert (s["agency_accuracy"], s["signed_date_accuracy"]) == (1.0, 1.0), result.files[
        ~(result.files["agency_ok"] & result.files["signed_date_ok"])
    ]
    missing = result.cells[result.cells["outcome"] == "missing"]
    assert missing["flag"].fillna("").str.contains("ambiguous|unresolved|blank").mean() > 0.7
    wrong = result.cells[result.cells["outcome"] == "wrong"]
    true_blanks = {  # rows of the truth with a blank (None) cell
        (rec["report_id"], table, row)
        for rec in read_truth(folder)
        for table, rows in rec["cells"].items()
        for row, cols in rows.items()
        if None in cols.values()
    }
    assert all((w.report_id, w.table, w.row) in true_blanks for w in wrong.itertuples()), (
        wrong.head(10)
    )


def test_numbers_stated_in_sentences_are_scored(tmp_path):
    """The narrative layout states its tables in sentences; the truth records those numbers.
    The 统计表's statements are read (every value right); the 2019/2021 tables stated in prose
    are not read as tables (missing, never a wrong number), and the missing table that
    table.incomplete reports is expected, not a false alarm."""
    write_corpus(generate(60, seed=8), tmp_path, formats=("txt",), layouts=("narrative",))
    result = score(gk.read_corpus(tmp_path, jobs=1), tmp_path / "truth.jsonl")
    files = result.files[result.files["template"] != "none"]
    assert len(files) >= 10 and (files["layout"] == "narrative").all()
    assert files["wrong"].sum() == 0
    assert (files["unexplained"] == "").all()
    legacy = files[files["template"] == "legacy"]
    assert len(legacy) and (legacy["missing"] + legacy["extra"] <= 2).all()
    assert legacy["correct"].sum() > 50 * len(legacy)
    modern = files[files["template"].isin(["gov2019", "gov2021"])]
    assert (modern["missing"] > 0).all()  # what gkwork does not read yet, measured


def test_panels_are_linked_and_their_cross_year_defects_found(tmp_path):
    """Agencies reporting several consecutive years (gkwork synth --panel-years): the build
    links every true pair of years of one agency and no report to another agency's, the
    cross-year rules hold where the values were carried over, and every injected break of
    the carry-over (panel_break, a broken carried-over row) makes panel.continuity fail."""
    pytest.importorskip("gkwork.writers")
    specs = generate(150, seed=4, faults=0.4, panel_years=5)
    folder = write_corpus(specs, tmp_path, formats=("txt", "md", "html"))
    corpus = gk.read_corpus(folder, jobs=1)
    result = score(corpus, folder)
    s = result.summary["value"]
    assert s["panel_pairs"] == 120 and s["panel_pair_recall"] == 1.0
    assert s["reports_mislinked"] == 0
    assert s["fault_recall"] == 1.0 and s["cell_accuracy"] == 1.0
    kinds = set(";".join(result.files["faults"]).split(";"))
    assert "panel_break" in kinds
    unexplained = result.files.loc[result.files["unexplained"] != "", ["file", "unexplained"]]
    assert s["unexplained_failures"] == 0, unexplained
    panel = corpus.checks[corpus.checks["rule"].str.startswith("panel.")]
    outcome = panel.groupby("rule")["status"].value_counts().unstack(fill_value=0)
    assert (outcome["pass"] > 20).all(), outcome  # every cross-year rule is exercised
    broken = {f["previous"] for sp in specs for f in sp.faults if f["kind"] == "panel_break"}
    fails = panel[(panel["status"] == "fail") & (panel["rule"] == "panel.continuity")]
    assert broken <= {m.split("[", 1)[1].split(" ->")[0] for m in fails["message"]}
