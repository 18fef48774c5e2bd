"""gkwork.release: Parquet/CSV/Stata release with labels, codebook covering every column."""

from __future__ import annotations

import pandas as pd
import pytest

from gkwork import release
from gkwork.errors import GkworkError
from gkwork.model import CELL_COLUMNS, CHECK_COLUMNS, REPORT_COLUMNS


@pytest.fixture
def frames() -> dict[str, pd.DataFrame]:
    cells = pd.DataFrame(
        {
            "report_id": ["b", "a", "a", "a"],
            "table": ["applications", "applications", "applications", "review_litigation"],
            "row": ["new_received", "new_received", "other", "review"],
            "col": ["total", "total", "total", "total"],
            "value": [3.0, 7.0, float("nan"), 1.0],
            "unit": ["", "件", "", ""],
            "raw": ["3", "7件", "无", "1"],
            "flag": ["", "unit_stripped", "text_value", ""],
            "start": pd.array([5, 10, 20, 30], dtype="Int64"),
            "end": pd.array([6, 12, 21, 31], dtype="Int64"),
        }
    )
    reports = pd.DataFrame({c: [None, None] for c in REPORT_COLUMNS})
    reports["report_id"] = ["a", "b"]
    reports["template"] = ["gov2019", "gov2021"]
    reports["year"] = pd.array([2020, 2022], dtype="Int64")
    reports["province"] = ["湖南省", None]
    reports["synthetic"] = pd.array([False, True], dtype="boolean")
    return {"reports": reports, "cells": cells}


def test_write_release_files_and_stata_labels(tmp_path, frames):
    before = frames["cells"].copy()
    out = release.write_release(frames, tmp_path / "rel")
    pd.testing.assert_frame_equal(frames["cells"], before)
    names = sorted(p.name for ps in out.values() for p in ps)
    assert names == sorted(
        [f"{d}.{x}" for d in ("reports", "cells") for x in ("parquet", "csv", "dta")]
        + ["codebook.csv", "codebook.md"]
    )
    dta = pd.read_stata(tmp_path / "rel" / "reports.dta")
    assert dta["report_id"].tolist() == ["a", "b"]
    assert dta.set_index("report_id").at["a", "received"] == 7.0
    assert dta.set_index("report_id").at["a", "province"] == "湖南省"  # Unicode (version 118)
    with pd.io.stata.StataReader(tmp_path / "rel" / "reports.dta") as reader:
        labels = reader.variable_labels()
    assert set(labels) == set(dta.columns)
    assert all(0 < len(v) <= release.STATA_LABEL_MAX for v in labels.values())
    assert labels["received"].startswith("本年新收政府信息公开申请数量")
    with pd.io.stata.StataReader(tmp_path / "rel" / "cells.dta") as reader:
        cell_labels = reader.variable_labels()
    assert "end_offset" in cell_labels and "end" not in cell_labels


def test_codebook_lists_every_release_column(tmp_path, frames):
    release.write_release(frames, tmp_path)
    cb = pd.read_csv(tmp_path / "codebook.csv", encoding="utf-8-sig")
    for ds in ("reports", "cells"):
        cols = pd.read_csv(tmp_path / f"{ds}.csv", encoding="utf-8-sig", nrows=0).columns
        documented = set(cb.loc[cb["dataset"] == ds, "variable"])
        assert set(cols) <= documented, set(cols) - documented
        assert set(pd.read_parquet(tmp_path / f"{ds}.parquet").columns) <= documented
    assert set(CELL_COLUMNS) == set(cb.loc[cb["dataset"] == "cells", "variable"])
    md = (tmp_path / "codebook.md").read_text(encoding="utf-8")
    assert "| received | 本年新收政府信息公开申请数量 |" in md


def test_release_is_deterministic(tmp_path, frames):
    release.write_release(frames, tmp_path / "a")
    release.write_release(frames, tmp_path / "b")
    for name in ("reports.dta", "cells.dta", "reports.csv", "codebook.md"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_cells_missing_stays_missing(tmp_path, frames):
    release.write_release(frames, tmp_path)
    cells = pd.read_parquet(tmp_path / "cells.parquet")
    assert cells["report_id"].tolist() == ["a", "a", "a", "b"]  # sorted by report, position
    assert cells.loc[cells["raw"] == "无", "value"].isna().all()


def test_write_release_rejects_wrong_input(tmp_path):
    with pytest.raises(GkworkError, match="cells"):
        release.write_release({"reports": pd.DataFrame()}, tmp_path)


def _checks() -> pd.DataFrame:
    long_message = "app.balance, column total (总计): received 3 + 0 = 3, processed " + "x" * 3000
    return pd.DataFrame(
        {
            "report_id": ["b", "a", "a"],
            "rule": ["app.balance", "app.total_column", "app.balance"],
            "status": ["fail", "pass", "not_assessable"],
            "severity": ["error", "error", "error"],
            "table": ["applications"] * 3,
            "row": ["", "new_received", ""],
            "col": ["total", "", "total"],
            "expected": [3.0, 7.0, float("nan")],
            "observed": [2.0, 7.0, float("nan")],
            "delta": [-1.0, 0.0, float("nan")],
            "start": pd.array([5, 10, None], dtype="Int64"),
            "end": pd.array([6, 12, None], dtype="Int64"),
            "message": [long_message, "ok", "inputs missing: other (text '无')"],
        }
    )


def test_release_of_a_checked_corpus_holds_its_checks(tmp_path, frames):
    """Check results travel with the data: Parquet, CSV and a labelled .dta (end renamed, long
    messages kept whole), by report in the order the checks ran, documented in the codebook."""
    checks = _checks()
    out = release.write_release({**frames, "checks": checks}, tmp_path)
    assert [p.name for p in out["checks"]] == ["checks.parquet", "checks.csv", "checks.dta"]
    back = pd.read_parquet(tmp_path / "checks.parquet")
    assert list(back.columns) == CHECK_COLUMNS
    assert back["rule"].tolist() == ["app.total_column", "app.balance", "app.balance"]
    assert back["report_id"].tolist() == ["a", "a", "b"]
    assert pd.isna(back.loc[1, "expected"])  # not assessable: no number made up
    with pd.io.stata.StataReader(tmp_path / "checks.dta") as rd:
        labels = rd.variable_labels()
        dta = rd.read()
    assert "end_offset" in dta.columns and "end" not in dta.columns
    assert labels["status"].startswith("结果 pass, fail")
    assert dta.loc[dta["report_id"] == "b", "message"].item() == checks.loc[0, "message"]
    cb = pd.read_csv(tmp_path / "codebook.csv", encoding="utf-8-sig")
    assert cb.loc[cb["dataset"] == "checks", "variable"].tolist() == CHECK_COLUMNS
    derived = cb[(cb["dataset"] == "checks") & cb["derived"]]["variable"].tolist()
    assert derived == ["expected", "delta"]


def test_release_of_an_unchecked_corpus_has_no_checks(tmp_path, frames):
    release.write_release({**frames, "checks": _checks()}, tmp_path)
    out = release.write_release({**frames, "checks": pd.DataFrame(columns=CHECK_COLUMNS)}, tmp_path)
    assert "checks" not in out
    assert not list(tmp_path.glob("checks.*"))  # none left from the earlier release
    with pytest.raises(GkworkError, match="lack columns .*severity"):
        release.write_release({**frames, "checks": _checks().drop(columns="severity")}, tmp_path)


def test_write_tables_csv_and_latex(tmp_path):
    df = pd.DataFrame({"group": ["乡镇", "县_级"], "share": [0.5, 0.25]})
    paths = release.write_tables({"t1": df}, tmp_path, captions={"t1": "Shares"})
    assert [p.name for p in paths] == ["t1.csv", "t1.tex"]
    tex = (tmp_path / "t1.tex").read_text(encoding="utf-8")
    assert "\\toprule" in tex and "0.500" in tex and "县\\_级" in tex and "Shares" in tex
    back = pd.read_csv(tmp_path / "t1.csv", encoding="utf-8-sig")
    assert back["share"].tolist() == [0.5, 0.25]


def test_released_reports_say_which_agency_and_file_and_whether_it_parsed(tmp_path, frames):
    """A row of the report-level release names its agency and place, whether the file was
    parsed (and why not), and the exact source file (its SHA-256), beside the counts."""
    reports = frames["reports"].copy()
    reports["agency"] = ["某镇人民政府", "某县财政局"]
    reports["status"] = ["ok", "error"]
    reports["error"] = [None, "decode_failed: not UTF-8"]
    reports["division_code"] = ["430102", None]
    reports["sha256"] = ["a" * 64, "b" * 64]
    release.write_release({**frames, "reports": reports}, tmp_path)
    got = pd.read_parquet(tmp_path / "reports.parquet").set_index("report_id")
    assert got.loc["a", "agency"] == "某镇人民政府" and got.loc["b", "status"] == "error"
    assert got.loc["b", "error"].startswith("decode_failed") and pd.isna(got.loc["a", "error"])
    assert got.loc["a", "division_code"] == "430102" and got.loc["b", "sha256"] == "b" * 64
    assert got.loc["a", "received"] == 7.0  # the counts beside them
    cb = pd.read_csv(tmp_path / "codebook.csv", encoding="utf-8-sig")
    documented = set(cb.loc[cb["dataset"] == "reports", "variable"])
    assert {"agency", "status", "error", "division_code", "sha256", "n_chars"} <= documented
