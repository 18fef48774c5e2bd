"""The dask engine writes the same dataset as the process and serial engines."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gkwork.corpus import TABLES, build_corpus
from gkwork.model import CELL_COLUMNS, SECTION_COLUMNS, Report


def tiny_parse(path: Path) -> Report:
    """Fake parser: one ``row,col,value`` cell per line."""
    text = Path(path).read_text(encoding="utf-8")
    rows, pos = [], 0
    for line in text.splitlines(keepends=True):
        r, c, v = line.rstrip("\n").split(",")
        start = pos + len(r) + len(c) + 2
        rows.append(
            {"table": "applications", "row": r, "col": c, "value": float(v), "raw": v,
             "start": start, "end": start + len(v)}
        )  # fmt: skip
        pos += len(line)
    meta = {"status": "ok", "format": "txt", "template": "gov2021", "year": 2021}
    sections = pd.DataFrame(columns=SECTION_COLUMNS)
    return Report(
        Path(path).stem, str(path), text, meta, pd.DataFrame(rows, columns=CELL_COLUMNS), sections
    )


@pytest.fixture
def twenty(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    for i in range(20):
        d = src / f"g{i % 3}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"r{i:02d}.txt").write_text(
            f"new_received,total,{i}\ncarried_over,total,{i * 2}\n", encoding="utf-8"
        )
    (src / "g0" / "bad.txt").write_text("not a cell line\n", encoding="utf-8")
    return src


def _dataset(out: Path) -> dict[str, pd.DataFrame]:
    return {t: pd.read_parquet(out / f"{t}.parquet") for t in TABLES}


def test_dask_equals_process_engine(twenty: Path, tmp_path: Path) -> None:
    from dask.distributed import Client, LocalCluster

    common = dict(check=False, parse_fn=tiny_parse, progress=False, chunk_size=6)
    proc = build_corpus(twenty, tmp_path / "proc", engine="process", jobs=2, **common)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        dk = build_corpus(twenty, tmp_path / "dask", engine="dask", scheduler=client, **common)
    assert proc.n_files == dk.n_files == 21
    assert dk.n_parsed == 21 and dk.n_ok == 20 and dk.n_failed == 1  # bad.txt -> error row
    a, b = _dataset(tmp_path / "proc"), _dataset(tmp_path / "dask")
    for t in TABLES:
        pd.testing.assert_frame_equal(a[t], b[t], obj=t)
    assert len(a["cells"]) == 40
    rep = b["reports"].set_index("report_id")
    assert rep.loc["bad", "error"].startswith("internal_error: ValueError")


@pytest.mark.slow
def test_dask_default_local_cluster_real_parser(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "empty.txt").write_bytes(b"")
    (src / "note.txt").write_text(
        "某县人民政府2021年政府信息公开工作年度报告\n一、总体情况\n", encoding="utf-8"
    )
    res = build_corpus(src, tmp_path / "out", engine="dask", progress=False)
    serial = build_corpus(src, tmp_path / "ser", engine="serial", progress=False)
    assert (res.n_files, res.n_ok) == (serial.n_files, serial.n_ok) == (2, 1)
    for t in TABLES:
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "out" / f"{t}.parquet"),
            pd.read_parquet(tmp_path / "ser" / f"{t}.parquet"),
        )


@pytest.mark.slow
def test_dask_worker_crash_is_pinned_on_its_file(
    twenty: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files go to dask workers in batches; a batch whose worker dies is run again file by
    file, so that only the file that kills its worker is recorded (worker_crashed) and the
    rest of its batch is parsed as usual."""
    import dask
    from dask.distributed import Client, LocalCluster

    from gkwork import corpus

    for i in range(20, 40):  # 41 files: batches of two
        (twenty / "g2" / f"r{i:02d}.txt").write_text(f"new_received,total,{i}\n", encoding="utf-8")
    (twenty / "g1" / "crash_me.txt").write_text("new_received,total,1\n", encoding="utf-8")
    monkeypatch.setenv(corpus.CRASH_HOOK_ENV, "crash_me")
    common = dict(check=False, parse_fn=tiny_parse, progress=False, chunk_size=6)
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        got = build_corpus(twenty, tmp_path / "dask", engine="dask", scheduler=client, **common)
    assert got.n_files == 42 and got.n_ok == 40
    rep = pd.read_parquet(tmp_path / "dask" / "reports.parquet").set_index("report_id")
    crashed = rep.index[rep["error"].fillna("").str.startswith("worker_crashed:")]
    assert list(crashed) == ["crash_me"]
    assert len(corpus._batches(list(range(41)), 2)) == 21  # the files did go in batches
    monkeypatch.delenv(corpus.CRASH_HOOK_ENV)
    alone = build_corpus(twenty, tmp_path / "proc", engine="process", jobs=2, **common)
    assert alone.n_ok == 41
    a = pd.read_parquet(tmp_path / "proc" / "cells.parquet")
    b = pd.read_parquet(tmp_path / "dask" / "cells.parquet")
    pd.testing.assert_frame_equal(a[a["report_id"] != "crash_me"].reset_index(drop=True), b)
