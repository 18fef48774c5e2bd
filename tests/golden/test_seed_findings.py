"""Check findings on the seed reports against the truth files (tests/golden/NNN_truth.json).

For each seed: ``gkwork.readers.read_report`` then ``gkwork.validate.check_report``.

* each ``findings.must_fail`` rule has a fail (matching table / row when the truth gives them);
* each ``findings.must_not_fail`` rule has no fail;
* each ``findings.must_report`` entry has a fail row (any severity) for that rule/table/row;
* no other error-severity failure appears;
* seed 003 (narrative only) has only not_assessable results for table rules.

These tests need the parser; if gkwork.readers cannot be imported they fail (not skip).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from gkwork.validate import check_report, rules

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "data" / "raw" / "seeds"
GOLDEN = Path(__file__).resolve().parent
TRUTHS = sorted(GOLDEN.glob("*_truth.json"))


def _truth(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


_CACHE: dict[str, pd.DataFrame] = {}


def checks_for(truth_path: Path) -> pd.DataFrame:
    from gkwork.readers import read_report  # fails loudly when the parser is missing

    truth = _truth(truth_path)
    if truth["file"] not in _CACHE:
        report = read_report(SEEDS / truth["file"])
        _CACHE[truth["file"]] = check_report(report)
    return _CACHE[truth["file"]]


def _ids(paths: list[Path]) -> list[str]:
    return [p.name[:3] for p in paths]


def _matches(checks: pd.DataFrame, spec: dict) -> pd.DataFrame:
    sel = checks[checks["rule"] == spec["rule"]]
    for key in ("table", "row", "col"):
        if key in spec:
            sel = sel[sel[key] == spec[key]]
    return sel


def _show(df: pd.DataFrame) -> str:
    return "\n".join(f"  {r.rule} [{r.status}/{r.severity}] {r.message}" for r in df.itertuples())


def test_truth_files_present() -> None:
    assert len(TRUTHS) == 5, f"expected 5 truth files in {GOLDEN}"
    for p in TRUTHS:
        assert (SEEDS / _truth(p)["file"]).is_file(), p


@pytest.mark.parametrize("truth_path", TRUTHS, ids=_ids(TRUTHS))
def test_must_fail(truth_path: Path) -> None:
    checks = checks_for(truth_path)
    for spec in _truth(truth_path)["findings"]["must_fail"]:
        spec = spec if isinstance(spec, dict) else {"rule": spec}
        sel = _matches(checks, spec)
        assert (sel["status"] == "fail").any(), f"{spec} did not fail:\n{_show(sel)}"


@pytest.mark.parametrize("truth_path", TRUTHS, ids=_ids(TRUTHS))
def test_must_not_fail(truth_path: Path) -> None:
    checks = checks_for(truth_path)
    for rid in _truth(truth_path)["findings"]["must_not_fail"]:
        assert rid in rules(), f"truth names unknown rule {rid}"
        sel = checks[(checks["rule"] == rid) & (checks["status"] == "fail")]
        assert sel.empty, f"{rid} failed:\n{_show(sel)}"


@pytest.mark.parametrize("truth_path", TRUTHS, ids=_ids(TRUTHS))
def test_must_report(truth_path: Path) -> None:
    checks = checks_for(truth_path)
    for spec in _truth(truth_path)["findings"]["must_report"]:
        sel = _matches(checks, spec)
        assert (sel["status"] == "fail").any(), f"{spec} not reported:\n{_show(sel)}"


@pytest.mark.parametrize("truth_path", TRUTHS, ids=_ids(TRUTHS))
def test_no_unexpected_errors(truth_path: Path) -> None:
    checks = checks_for(truth_path)
    findings = _truth(truth_path)["findings"]
    allowed = {(s if isinstance(s, dict) else {"rule": s})["rule"] for s in findings["must_fail"]}
    errors = checks[(checks["status"] == "fail") & (checks["severity"] == "error")]
    unexpected = errors[~errors["rule"].isin(allowed)]
    assert unexpected.empty, f"unexpected error-severity failures:\n{_show(unexpected)}"


def test_seed_003_table_rules_not_assessable() -> None:
    path = next(p for p in TRUTHS if p.name.startswith("003"))
    checks = checks_for(path)
    table_rules = {rid for rid, r in rules().items() if r.get("table")} | {"table.incomplete"}
    sub = checks[checks["rule"].isin(table_rules)]
    assert not sub.empty
    assert (sub["status"] == "not_assessable").all(), _show(sub[sub.status != "not_assessable"])


def test_seed_001_findings_have_evidence_spans() -> None:
    """The P6 failure points at the 120 cell, the narrative failure at the prose 120."""
    from gkwork.readers import read_report

    path = next(p for p in TRUTHS if p.name.startswith("001"))
    report = read_report(SEEDS / _truth(path)["file"])
    checks = check_report(report)
    p6 = checks[(checks.rule == "legacy.part_exceeds_total") & (checks.status == "fail")]
    assert p6["row"].tolist() == ["channel_website"]
    r = p6.iloc[0]
    assert report.text[r.start : r.end] == "120"
    tt = checks[(checks.rule == "text_table.mismatch") & (checks.status == "fail")].iloc[0]
    assert report.text[tt.start : tt.end] == "120"
    assert "新增主动公开政府信息120条" in report.text[tt.start - 20 : tt.end + 1]
