"""Tests of the gkwork command line (gkwork.cli)."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from gkwork import cli, corpus
from gkwork.model import CELL_COLUMNS, SECTION_COLUMNS, STATUSES, Report

ROOT = Path(__file__).resolve().parents[2]
SEEDS_DIR = ROOT / "data" / "raw" / "seeds"


def _seed(prefix: str) -> Path:
    found = sorted(SEEDS_DIR.glob(f"{prefix}_*.txt"))
    if not found:
        pytest.skip(f"seed {prefix} not found in {SEEDS_DIR}")
    return found[0]


def _fake_parse(path: Path) -> Report:
    text = Path(path).read_text(encoding="utf-8")
    meta = {"status": "ok", "format": "txt", "template": "gov2019", "year": 2020}
    if "FAIL" in text:
        meta.update(status="error", error="decode_failed: fake failure")
    cells = pd.DataFrame(
        [{"table": "applications", "row": "granted", "col": "total", "value": 1.0, "raw": "1"}],
        columns=CELL_COLUMNS,
    )
    return Report(
        Path(path).stem, str(path), text, meta, cells, pd.DataFrame(columns=SECTION_COLUMNS)
    )


def _fake_check(report: Report) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"report_id": report.report_id, "rule": "app.balance", "status": "fail",
             "severity": "error", "message": "received 5 + 1 = 6, processed 5 (delta -1)"},
            {"report_id": report.report_id, "rule": "rl.total", "status": "pass",
             "severity": "error", "message": "ok"},
        ]
    )  # fmt: skip


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpus, "_default_parse", _fake_parse)
    monkeypatch.setattr(corpus, "_default_check", _fake_check)


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    for name, text in files.items():
        (src / name).write_text(text, encoding="utf-8")
    return src


def test_parse_issue2_folder_with_bad_files_exits_0(tmp_path: Path, capsys) -> None:
    """Issue 2: empty file, random bytes and a truncated report next to a good one."""
    seed = _seed("002")
    text = seed.read_text(encoding="utf-8")
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.txt").write_text(text, encoding="utf-8")
    (src / "truncated.txt").write_text(text[: len(text) // 3], encoding="utf-8")
    (src / "empty.txt").write_bytes(b"")
    (src / "random.txt").write_bytes(bytes((i * 97 + 13) % 256 for i in range(4096)))
    out = tmp_path / "out"
    code = cli.main(["parse", str(src), "--out", str(out), "--jobs", "1", "--no-progress"])
    assert code == 0
    stdout = capsys.readouterr().out
    assert "4 files" in stdout and str(out) in stdout
    rep = pd.read_parquet(out / "reports.parquet").set_index("report_id")
    assert sorted(rep.index) == ["empty", "good", "random", "truncated"]
    assert rep["status"].isin(STATUSES).all()
    assert rep.loc["empty", "status"] == "empty"
    assert rep.loc["random", "status"] == "error"
    assert rep.loc["random", "error"].split(":")[0] in {"decode_failed", "binary_content"}
    assert rep.loc["good", "status"] == "ok"
    failed = rep[rep["status"] != "ok"]
    assert failed["error"].notna().all()  # every failure says why
    assert not rep["error"].fillna("").str.startswith("internal_error").any()
    cells = pd.read_parquet(out / "cells.parquet")
    assert (cells["report_id"] == "good").sum() > 0


def test_parse_summary_and_strict(tmp_path: Path, capsys, fake_engine) -> None:
    src = _folder(tmp_path, {"a.txt": "x", "b.txt": "FAIL", "c.txt": "y"})
    out = tmp_path / "out"
    args = ["parse", str(src), "--out", str(out), "--engine", "serial", "--no-progress"]
    assert cli.main(args) == 0
    stdout = capsys.readouterr().out
    assert "3 files: 2 ok, 1 failed (3 parsed, 0 from cache)" in stdout
    assert "dataset parts: 1 (1 written, 0 kept from the previous build)" in stdout
    assert "templates: gov2019 2" in stdout
    assert "b  [error]  decode_failed: fake failure" in stdout
    assert cli.main([*args, "--strict"]) == 1
    stdout = capsys.readouterr().out
    assert "(0 parsed, 3 from cache)" in stdout
    assert "dataset parts: 1 (0 written, 1 kept from the previous build)" in stdout
    assert cli.main([*args, "--strict", "--no-cache"]) == 1
    assert "(3 parsed, 0 from cache)" in capsys.readouterr().out


def test_parse_no_check_writes_empty_checks(tmp_path: Path, fake_engine) -> None:
    src = _folder(tmp_path, {"a.txt": "x"})
    out = tmp_path / "out"
    assert cli.main(["parse", str(src), "--out", str(out), "--engine", "serial", "--no-check"]) == 0
    assert pd.read_parquet(out / "checks.parquet").empty
    assert cli.main(["parse", str(src), "--out", str(out), "--engine", "serial"]) == 0
    assert len(pd.read_parquet(out / "checks.parquet")) == 2


def test_check_prints_summary_by_rule_and_severity(tmp_path: Path, capsys, fake_engine) -> None:
    src = _folder(tmp_path, {"a.txt": "x", "b.txt": "y"})
    code = cli.main(["check", str(src), "--out", str(tmp_path / "o"), "--engine", "serial"])
    assert code == 0
    stdout = capsys.readouterr().out
    assert "checks by rule and severity" in stdout
    split = [ln.split() for ln in stdout.splitlines() if ln.strip()]
    lines = {w[0]: w for w in split if w[0] in ("app.balance", "rl.total")}
    header = next(w for w in split if w[:2] == ["rule", "severity"])
    app = dict(zip(header, lines["app.balance"], strict=True))
    rl = dict(zip(header, lines["rl.total"], strict=True))
    assert (app["severity"], app["fail"], app["pass"], app["total"]) == ("error", "2", "0", "2")
    assert (rl["fail"], rl["pass"]) == ("0", "2")


def test_user_error_is_one_line_exit_2(tmp_path: Path, capsys) -> None:
    code = cli.main(["parse", str(tmp_path / "missing"), "--out", str(tmp_path / "o")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "input path not found" in err


def test_bad_jobs_is_exit_2(tmp_path: Path, capsys) -> None:
    src = _folder(tmp_path, {"a.txt": "x"})
    assert cli.main(["parse", str(src), "--out", str(tmp_path / "o"), "--jobs", "0"]) == 2
    assert "jobs must be a positive integer" in capsys.readouterr().err


def test_rules_prints_catalog(capsys) -> None:
    assert cli.main(["rules"]) == 0
    stdout = capsys.readouterr().out
    for rule in ("app.balance", "app.total_column", "rl.total", "panel.continuity"):
        assert rule in stdout


def test_synth_delegates_all_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    fake = types.ModuleType("gkwork.synth")
    fake.main = lambda argv: seen.append(list(argv)) or 0
    monkeypatch.setitem(sys.modules, "gkwork.synth", fake)
    assert cli.main(["synth", "--n", "5", "--out", "x", "--help"]) == 0
    assert seen == [["--n", "5", "--out", "x", "--help"]]


def test_info_prints_meta_cells_and_checks(capsys) -> None:
    seed = _seed("002")
    assert cli.main(["info", str(seed)]) == 0
    stdout = capsys.readouterr().out
    assert "status: ok" in stdout and "template:" in stdout
    assert "cells:" in stdout and "checks:" in stdout


def test_info_counts_cell_flags(capsys) -> None:
    seed = _seed("000")  # 61件, 3件 (units in cells) and 无 (text for a number)
    assert cli.main(["info", str(seed), "--no-check"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "cell flags:" in x)
    assert "unit_stripped" in line and "text_value 2" in line


def test_info_missing_file_exit_2(tmp_path: Path, capsys) -> None:
    assert cli.main(["info", str(tmp_path / "nope.txt")]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_python_dash_m_gkwork_runs() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "gkwork", "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    for command in ("parse", "check", "release", "rules", "synth", "info", "score"):
        assert command in proc.stdout


def test_usage_errors_return_2(tmp_path: Path, capsys) -> None:
    assert cli.main(["parse", str(tmp_path)]) == 2  # --out missing
    assert "--out" in capsys.readouterr().err
    assert cli.main(["parse", str(tmp_path), "--out", "o", "--scheduler", "tcp://x:1"]) == 2
    assert "--scheduler needs --engine dask" in capsys.readouterr().err
    assert cli.main(["--help"]) == 0


def test_unreachable_dask_scheduler_is_one_line_exit_2(tmp_path: Path, capsys) -> None:
    pytest.importorskip("distributed")
    src = _folder(tmp_path, {"a.txt": "x"})
    args = ["parse", str(src), "--out", str(tmp_path / "o"), "--engine", "dask"]
    assert cli.main([*args, "--scheduler", "no-port-here"]) == 2  # malformed: fails at once
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "could not connect to the dask scheduler 'no-port-here'" in err


def test_a_closed_pipe_ends_quietly() -> None:
    # gkwork info report | head -1: the reader leaves before gkwork has written everything
    seed = _seed("002")
    cmd = [sys.executable, "-m", "gkwork", "info", str(seed)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # each line is written as it is printed
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.readline()
        proc.stdout.close()  # as head does after its line
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert code == 0


def test_score_compares_a_synthetic_dataset_with_its_truth(tmp_path: Path, capsys) -> None:
    from gkwork.synth import generate, write_corpus

    src = write_corpus(generate(6, seed=2, faults=0.5), tmp_path / "synthetic")
    out = tmp_path / "dataset"
    assert cli.main(["check", str(src), "--out", str(out), "--jobs", "1"]) == 0
    capsys.readouterr()
    assert cli.main(["score", str(out), "--truth", str(src / "truth.jsonl")]) == 0
    lines = capsys.readouterr().out.splitlines()
    metrics = {p[0]: p[1] for p in (line.split() for line in lines) if len(p) == 2}
    assert metrics["files"] == "6" and metrics["cell_accuracy"] == "1.0"
    assert metrics["unexplained_failures"] == "0"
    assert cli.main(["score", str(out), "--truth", str(tmp_path / "none.jsonl")]) == 2
    assert "no truth file" in capsys.readouterr().err


def test_release_writes_a_datasets_release(tmp_path: Path, capsys) -> None:
    """gkwork release DIR --out REL: reports, cells and checks in three formats, the codebook;
    the numbers are the dataset's; a dataset built without checks gets no checks files."""
    from gkwork.synth import generate, write_corpus

    src = write_corpus(generate(4, seed=5), tmp_path / "synthetic")
    out, rel = tmp_path / "dataset", tmp_path / "release"
    assert cli.main(["check", str(src), "--out", str(out), "--jobs", "1"]) == 0
    capsys.readouterr()
    assert cli.main(["release", str(out), "--out", str(rel)]) == 0
    stdout = capsys.readouterr().out
    assert "release of 5 files (4 parsed ok)" in stdout  # truth.jsonl is a file too
    for name in ("reports", "cells", "checks"):
        assert f"{name}: {name}.parquet, {name}.csv, {name}.dta" in stdout
        assert (rel / f"{name}.dta").stat().st_size > 0
    cells = pd.read_parquet(out / "cells.parquet")
    released = pd.read_parquet(rel / "cells.parquet")
    key = ["report_id", "start", "table", "row", "col"]
    pd.testing.assert_frame_equal(
        released.sort_values(key).reset_index(drop=True),
        cells[released.columns].sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )
    assert len(pd.read_parquet(rel / "checks.parquet")) == len(
        pd.read_parquet(out / "checks.parquet")
    )
    assert cli.main(["parse", str(src), "--out", str(out), "--jobs", "1", "--no-check"]) == 0
    capsys.readouterr()
    assert cli.main(["release", str(out), "--out", str(rel)]) == 0
    assert "no checks" in capsys.readouterr().out
    assert not (rel / "checks.parquet").exists()


def test_release_errors_are_one_line(tmp_path: Path, capsys) -> None:
    assert cli.main(["release", str(tmp_path / "none"), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "no gkwork dataset" in err and "Traceback" not in err
    assert cli.main(["release", str(tmp_path), "--out", str(tmp_path)]) == 2
    assert "is the dataset itself" in capsys.readouterr().err
