"""`make demo` end to end (python -m gkwork.demo), with its outputs redirected to a temp dir.

Issues 2 and 6: the bundled corpus is built, the four notebooks are executed, and the
write-up, figures, tables, data release and codebook are written.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gkwork import demo, paths


@pytest.mark.slow
def test_demo_writes_every_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(paths, "PROCESSED_DIR", tmp_path / "processed")
    monkeypatch.setattr(paths, "BUILD_DIR", tmp_path / "build")
    monkeypatch.setattr(paths, "SYNTH_DIR", tmp_path / "raw" / "synthetic")
    assert demo.main(["--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "(not written)" not in out and "write-up" in out

    build = tmp_path / "build"
    reports = pd.read_parquet(tmp_path / "processed" / "reports.parquet")
    assert len(reports) == 5 + demo.SAMPLE_N and (reports["status"] == "ok").all()
    for nb in demo.NOTEBOOKS:
        assert (build / "notebooks" / f"{nb}.ipynb").stat().st_size > 0
    html = (build / "write_up.html").read_text(encoding="utf-8")
    assert "<html" in html.lower() and len(html) > 10_000
    assert {p.suffix for p in (build / "figures").iterdir()} >= {".png", ".svg"}
    assert {p.suffix for p in (build / "tables").iterdir()} >= {".csv", ".tex"}
    release = {p.name for p in (build / "release").iterdir()}
    assert {"reports.parquet", "reports.csv", "reports.dta"} <= release
    codebook = pd.read_csv(build / "codebook.csv", encoding="utf-8-sig")
    released = pd.read_parquet(build / "release" / "reports.parquet")
    assert set(released.columns) <= set(codebook.loc[codebook["dataset"] == "reports", "variable"])
    labels = pd.io.stata.StataReader(build / "release" / "reports.dta").variable_labels()
    assert labels and all(labels.values())


@pytest.mark.slow
def test_notebooks_run_on_a_folder_of_ones_own_reports(tmp_path: Path) -> None:
    """A researcher points the notebooks at a folder of their own reports (papermill
    parameters): every cell runs, although the corpus lacks what the bundled one has
    (synthetic reports with recorded defects, 2021-format other handling, prefecture bodies)."""
    import nbformat

    done = demo.run_notebooks(
        tmp_path / "notebooks",
        parameters={
            "raw_inputs": str(paths.SEEDS_DIR),
            "processed_dir": str(tmp_path / "processed"),
            "output_dir": str(tmp_path / "build"),
        },
    )
    assert [p.stem for p in done] == list(demo.NOTEBOOKS)
    write_up = nbformat.read(done[-1], as_version=4)
    printed = "".join(
        "".join(o.get("text", ""))
        for c in write_up.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "stream"
    )
    assert "5 reports (5 real, 0 synthetic)" in printed
    assert (tmp_path / "build" / "release" / "checks.parquet").is_file()
