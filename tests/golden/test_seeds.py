"""The five seed reports parse to their hand-read truth (tests/golden/NNN_truth.json)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import SEED_IDS, load_truth
from helpers import assert_cells_match, assert_spans, cell_map

from gkwork import templates as T


def _truth_cells(truth: dict) -> dict:
    out = {}
    for table, rows in truth["tables"].items():
        if table not in ("active_disclosure", "applications", "review_litigation"):
            continue
        for row, cols in rows.items():
            for col, v in cols.items():
                if isinstance(v, dict):
                    v = v["value"]
                out[(table, row, col)] = math.nan if v is None else float(v)
    return out


@pytest.mark.parametrize("seed", SEED_IDS)
def test_seed_values_match_truth(seed, seed_reports):
    report = seed_reports[seed]
    truth = load_truth(seed)
    expected = _truth_cells(truth)
    if truth["meta"]["template"] == "legacy":
        return  # checked in test_legacy_seed
    assert_cells_match(report.cells, expected, exact=True)


@pytest.mark.parametrize("seed", SEED_IDS)
def test_seed_raw_and_units_match_truth(seed, seed_reports):
    truth = load_truth(seed)
    got = seed_reports[seed].cells.set_index(["table", "row", "col"])
    for table, rows in truth["tables"].items():
        if not isinstance(rows, dict):
            continue
        for row, cols in rows.items():
            if not isinstance(cols, dict):
                continue
            for col, v in cols.items():
                if isinstance(v, dict) and "raw" in v:
                    cell = got.loc[(table, row, col)]
                    assert cell["raw"] == v["raw"]
                    if "unit" in v:
                        assert cell["unit"] == v["unit"]
                    if v["value"] is None:
                        assert math.isnan(cell["value"]) and cell["flag"] == "text_value"


@pytest.mark.parametrize("seed", SEED_IDS)
def test_seed_meta_matches_truth(seed, seed_reports):
    meta = seed_reports[seed].meta
    want = load_truth(seed)["meta"]
    assert meta["year"] == want["year"]
    assert meta["template"] == want["template"]
    assert want["agency_contains"] in (meta["agency"] or "")
    assert meta["layout"] == want["layout"]
    for key in ("county", "province", "signed_date", "admin_level", "index_no", "division_code"):
        if key in want:
            assert meta[key] == want[key], key


@pytest.mark.parametrize("seed", SEED_IDS)
def test_every_cell_points_at_its_source(seed, seed_reports):
    assert_spans(seed_reports[seed])


def test_seed_004_has_exactly_its_13_application_rows(seed_reports):
    truth = load_truth("004")
    rows = list(dict.fromkeys(seed_reports["004"].cells.query("table == 'applications'")["row"]))
    assert (
        rows == truth["applications_rows_exactly"] if "applications_rows_exactly" in truth else rows
    )
    assert len(rows) == 13


def test_legacy_seed(seed_reports):
    report = seed_reports["001"]
    truth = load_truth("001")["tables"]
    cells = report.cells
    assert (cells["table"] == "legacy_stats").all()
    assert len(cells) == truth["legacy_stats_indicator_count"] == 77
    nonzero = {}
    for label, v in truth["legacy_stats_nonzero"].items():
        (key, score), *_ = T.match_label("legacy", "legacy_stats", "row", label)
        nonzero[key] = v
    got = cells.set_index("row")
    for key, v in nonzero.items():
        assert got.loc[key, "value"] == v["value"], key
        assert got.loc[key, "unit"] == v["unit"], key
    others = got.drop(index=list(nonzero))
    assert (others["value"] == 0).all()
    # every cell carries the unit of the 单位 column
    assert set(cells["unit"]) <= {"条", "件", "次", "篇", "人", "人次", "个", "万元"}


def test_narrative_only_seed_has_no_cells(seed_reports):
    report = seed_reports["003"]
    assert report.meta["template"] == "none"
    assert len(report.cells) == 0
    assert report.meta["status"] == "ok"


def test_reported_values_stay_as_reported(seed_reports):
    """无 is missing with its raw text, never 0; a negative 本年增/减 stays negative."""
    cells = seed_reports["000"].cells
    fees = cells[(cells["row"] == "fees")]
    assert fees["value"].isna().all() and (fees["raw"] == "无").all()
    change = cell_map(cells)[("active_disclosure", "penalty", "change")]
    assert change == -62
    assert not (cells["value"].isna() & (cells["flag"] == "")).any()
    assert isinstance(cells, pd.DataFrame)
