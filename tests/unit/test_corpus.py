"""Tests of gkwork.corpus: one row per file, cache, crashes, timeouts, atomic publish.

Most tests use a small fake parser (module-level, so that worker processes can unpickle it)
whose input format is one ``row,col,value`` per line; a few use the real default parser.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import pickle
import sqlite3
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gkwork import corpus
from gkwork.corpus import TABLES, build_corpus, discover_files, read_corpus, report_frames
from gkwork.errors import FileFormatError, InputError, Reason
from gkwork.model import CELL_COLUMNS, CHECK_COLUMNS, REPORT_COLUMNS, SECTION_COLUMNS, Report

PARSE_LOG_ENV = "GKWORK_TEST_PARSE_LOG"


# ---------------------------------------------------------------------------------------------
# A fake parser and fake checks


def fake_parse(path: Path) -> Report:
    """Parse ``row,col,value`` lines; SLEEP / RAISE lines trigger slow or failing parses."""
    path = Path(path)
    log_path = os.environ.get(PARSE_LOG_ENV)
    if log_path:
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(path.name + "\n")
    data = path.read_bytes()
    meta = {"format": path.suffix.lstrip("."), "status": "ok"}
    sections = pd.DataFrame(columns=SECTION_COLUMNS)
    if not data:
        meta.update(status="empty", error=f"{Reason.EMPTY_FILE}: the file is empty")
        return Report(path.stem, str(path), "", meta, pd.DataFrame(columns=CELL_COLUMNS), sections)
    if b"\x00" in data:
        raise FileFormatError(Reason.BINARY_CONTENT, "NUL bytes: not a text report")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileFormatError(Reason.DECODE_FAILED, str(exc)) from exc
    if text.startswith("SLEEP"):
        time.sleep(float(text.split()[1]))
    if text.startswith("RAISE"):
        raise RuntimeError("fake parser exploded")
    rows, pos = [], 0
    for line in text.splitlines(keepends=True):
        parts = line.rstrip("\n").split(",")
        if len(parts) == 3:
            start = pos + len(parts[0]) + len(parts[1]) + 2
            rows.append(
                {
                    "table": "applications",
                    "row": parts[0],
                    "col": parts[1],
                    "value": float(parts[2]),
                    "raw": parts[2],
                    "start": start,
                    "end": start + len(parts[2]),
                }
            )
        pos += len(line)
    meta.update(template="gov2021", year=2021, agency="测试局")
    sections = pd.DataFrame(
        [
            {
                "section": "intro",
                "number": "一",
                "title": "总体情况",
                "start": 0,
                "end": 1,
                "text": "x",
            }
        ]
    )
    return Report(path.stem, str(path), text, meta, pd.DataFrame(rows), sections)


def fake_check(report: Report) -> pd.DataFrame:
    """One check row per report: passes when the values sum to an even number."""
    total = float(report.cells["value"].sum()) if len(report.cells) else 0.0
    return pd.DataFrame(
        [
            {
                "report_id": report.report_id,
                "rule": "fake.even",
                "status": "pass" if total % 2 == 0 else "fail",
                "severity": "warning",
                "observed": total,
                "message": f"sum {total:g}",
            }
        ]
    )


# ---------------------------------------------------------------------------------------------
# Fixtures


def _write(root: Path, rel: str, data: str | bytes) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        p.write_text(data, encoding="utf-8")
    else:
        p.write_bytes(data)
    return p


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    _write(root, "a.txt", "new_received,total,5\ncarried_over,total,1\n")
    _write(root, "b.md", "new_received,total,3\n")
    _write(root, "sub/c.txt", "granted,natural_person,2\n")
    _write(root, "sub/a.txt", "granted,total,4\n")  # same stem as a.txt
    _write(root, "empty.txt", b"")
    _write(root, "random.txt", bytes(range(256)) * 4)
    _write(root, "sheet.xlsx", b"PK\x03\x04 not really")
    _write(root, ".hidden.txt", "x,y,1\n")  # hidden: skipped
    return root


@pytest.fixture
def parse_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "parse.log"
    monkeypatch.setenv(PARSE_LOG_ENV, str(log))
    return log


def _parsed(log: Path) -> list[str]:
    return sorted(log.read_text(encoding="utf-8").split()) if log.exists() else []


def _build(src, out, **kw) -> corpus.BuildResult:
    kw.setdefault("engine", "serial")
    kw.setdefault("parse_fn", fake_parse)
    kw.setdefault("check_fn", fake_check)
    kw.setdefault("progress", False)
    return build_corpus(src, out, **kw)


def _dataset(out: Path) -> dict[str, pd.DataFrame]:
    return {t: pd.read_parquet(out / f"{t}.parquet") for t in TABLES}


def _manifest(out: Path) -> dict:
    return json.loads((out / "_manifest.json").read_text(encoding="utf-8"))


def _cache_keys(out: Path) -> set[str]:
    """Keys of the results in the build cache (one SQLite file)."""
    with contextlib.closing(sqlite3.connect(corpus._cache_db(out / "_cache"))) as db:
        return {k for (k,) in db.execute("SELECT key FROM results")}


def _assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for t in TABLES:
        pd.testing.assert_frame_equal(a[t], b[t], obj=t)


# ---------------------------------------------------------------------------------------------
# Discovery and ids


def test_discover_is_recursive_sorted_and_dedups_stems(corpus_dir: Path) -> None:
    found = discover_files(corpus_dir)
    rels = {rel: rid for _, rel, rid in found}
    assert set(rels) == {
        "a.txt",
        "b.md",
        "sub/c.txt",
        "sub/a.txt",
        "empty.txt",
        "random.txt",
        "sheet.xlsx",
    }
    assert rels["b.md"] == "b" and rels["sub/c.txt"] == "c"
    # colliding stems get a short hash of the relative path, stable across calls
    assert rels["a.txt"].startswith("a-") and rels["sub/a.txt"].startswith("a-")
    assert rels["a.txt"] != rels["sub/a.txt"]
    assert discover_files(corpus_dir) == found
    ids = [rid for _, _, rid in found]
    assert ids == sorted(ids)


@given(st.text(alphabet="ab.年_ -", max_size=12).filter(lambda n: n not in ("", ".", "..")))
def test_stem_is_pathlibs(name: str) -> None:
    assert corpus._stem(name) == Path(name).stem


def test_discover_single_file_list_and_missing(corpus_dir: Path) -> None:
    one = discover_files(corpus_dir / "b.md")
    assert [(rel, rid) for _, rel, rid in one] == [("b.md", "b")]
    both = discover_files([corpus_dir / "b.md", corpus_dir / "b.md", corpus_dir / "sub"])
    assert [rid for *_, rid in both] == ["a", "b", "c"]
    with pytest.raises(InputError, match="not found"):
        discover_files(corpus_dir / "nope")


def test_discover_skips_hidden_dirs_output_dir_and_linked_dirs(corpus_dir: Path) -> None:
    _write(corpus_dir, ".git/objects/x.txt", "x,y,1\n")  # inside a hidden directory
    _write(corpus_dir, "out/reports.txt", "x,y,1\n")  # the build's output directory
    outside = _write(corpus_dir.parent / "elsewhere", "z.txt", "x,y,1\n")
    (corpus_dir / "linked.txt").symlink_to(outside)  # a linked file counts
    (corpus_dir / "again.txt").symlink_to(corpus_dir / "b.md")  # the same file twice: once
    (corpus_dir / "linkdir").symlink_to(corpus_dir / "sub", target_is_directory=True)
    found = discover_files(corpus_dir, exclude=corpus_dir / "out")
    rels = {rel for _, rel, _ in found}
    assert "linked.txt" in rels and "sub/c.txt" in rels
    assert not any(r.startswith((".git", "out/", "linkdir")) for r in rels)
    assert len({"again.txt", "b.md"} & rels) == 1
    # a file reached through two inputs (the directory and itself) is listed once
    twice = discover_files([corpus_dir, corpus_dir / "sub" / "c.txt"], exclude=corpus_dir / "out")
    assert [rel for _, rel, _ in twice] == [rel for _, rel, _ in found]


def test_broken_and_looping_links_are_rows_not_crashes(corpus_dir: Path, tmp_path: Path) -> None:
    """A link to nothing, or to itself, is listed (nothing is lost) and recorded as unreadable;
    it is looked at again on the next run (it may have been repaired)."""
    (corpus_dir / "gone.txt").symlink_to(tmp_path / "moved-away.txt")
    (corpus_dir / "self.txt").symlink_to(corpus_dir / "self.txt")
    rels = {rel for _, rel, _ in discover_files(corpus_dir)}
    assert {"gone.txt", "self.txt"} <= rels
    out = tmp_path / "out"
    build_corpus(corpus_dir, out, jobs=1, check=False, progress=False, parse_fn=fake_parse)
    reports = _dataset(out)["reports"].set_index("report_id")
    unreadable = reports[reports["error"].str.startswith("unreadable:", na=False)]
    assert sorted(unreadable.index) == ["gone", "self"]
    assert unreadable["error"].str.contains("a symbolic link to nothing").all()
    assert (unreadable["status"] == "error").all()
    (tmp_path / "moved-away.txt").write_text("applications,new_received,4\n", encoding="utf-8")
    build_corpus(corpus_dir, out, jobs=1, check=False, progress=False, parse_fn=fake_parse)
    reports = _dataset(out)["reports"].set_index("report_id")
    assert reports.loc["gone", "status"] == "ok"  # the repaired link is read


def test_a_file_name_that_is_not_utf8_is_parsed_and_recorded_escaped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A GBK file name unpacked on Linux is not UTF-8: Python sees surrogate escapes, which
    Parquet and JSON refuse. The build used to stop with a UnicodeEncodeError; the file is now
    parsed (read through its real name) and recorded with its odd bytes as ``\\xNN``."""
    from gkwork.paths import SEEDS_DIR
    from gkwork.readers import read_report, source_path
    from gkwork.validate import check_report

    src = tmp_path / "in"
    src.mkdir()
    seed = sorted(SEEDS_DIR.glob("002_*.txt"))[0].read_bytes()
    name = "年报".encode("gbk") + b".txt"  # b"\xc4\xea\xb1\xa8.txt": not UTF-8
    try:
        with open(os.path.join(os.fsencode(src), name), "wb") as fh:
            fh.write(seed)
    except OSError:  # pragma: no cover - a file system that only takes UTF-8 names
        pytest.skip("this file system does not take file names that are not UTF-8")
    (src / "plain.txt").write_bytes(seed)
    shown = name.decode("utf-8", "backslashreplace")
    assert shown.startswith("\\xc4")
    out = tmp_path / "out"
    with caplog.at_level("WARNING", logger="gkwork"):
        res = build_corpus(src, out, jobs=1, progress=False)
    assert "not UTF-8" in caplog.text and "convmv" in caplog.text
    assert (res.n_files, res.n_ok) == (2, 2)
    data = _dataset(out)
    reports = data["reports"].set_index("report_id")
    odd_id = shown.removesuffix(".txt")
    assert reports.loc[odd_id, "path"] == str(src / shown)
    assert reports.loc[odd_id, "sha256"] == reports.loc["plain", "sha256"]
    # the recorded path leads back to the file
    assert Path(source_path(reports.loc[odd_id, "path"])).read_bytes() == seed
    assert source_path(reports.loc["plain", "path"]) == str(src / "plain.txt")
    cells = data["cells"]
    assert (cells["report_id"] == odd_id).sum() == (cells["report_id"] == "plain").sum() > 0
    assert {e["path"] for e in _manifest(out)["files"]} == {
        str(src / shown),
        str(src / "plain.txt"),
    }
    again = build_corpus(src, out, jobs=1, progress=False)
    assert (again.n_parsed, again.n_cached) == (0, 2)
    # one file alone: the same id, and its checks run
    report = read_report(os.fsdecode(os.path.join(os.fsencode(src), name)))
    assert report.report_id == odd_id
    assert len(check_report(report)) > 0


@pytest.mark.parametrize("spelling", [".", "./", "sub/..", "./sub/../"])
def test_discovered_paths_read_as_pathlib_spells_them(
    corpus_dir: Path, monkeypatch: pytest.MonkeyPatch, spelling: str
) -> None:
    # the build records each file's path (reports.path, the manifest, the hash records) as
    # str(Path(...)) gives it, whatever the spelling of the input directory
    monkeypatch.chdir(corpus_dir)
    found = discover_files(spelling)
    assert [str(p) for p, _, _ in found] == [str(Path(spelling) / rel) for _, rel, _ in found]
    entries = corpus._entries(spelling)
    assert [e.path for e in entries] == [str(p) for p, _, _ in found]
    assert all(isinstance(e.path, str) for e in entries)
    if spelling in (".", "./"):
        assert "sub/c.txt" in {e.path for e in entries}  # no "./" in front


# ---------------------------------------------------------------------------------------------
# read_corpus / report_frames


def test_read_corpus_one_row_per_file_failures_included(corpus_dir: Path) -> None:
    _write(corpus_dir, "boom.txt", "RAISE\n")
    c = read_corpus(corpus_dir, parse_fn=fake_parse, check_fn=fake_check, progress=False)
    rep = c.reports.set_index("report_id")
    assert list(c.reports.columns) == REPORT_COLUMNS
    assert len(rep) == 8
    assert rep.loc["empty", "status"] == "empty"
    assert rep.loc["empty", "error"].startswith("empty_file:")
    assert rep.loc["random", "status"] == "error"
    assert rep.loc["random", "error"].startswith(("decode_failed:", "binary_content:"))
    assert rep.loc["sheet", "status"] == "error"
    assert rep.loc["sheet", "error"].startswith("unsupported_format:")
    assert "'.xlsx'" in rep.loc["sheet", "error"]
    assert rep.loc["boom", "error"] == "internal_error: RuntimeError: fake parser exploded"
    assert rep.loc["b", "status"] == "ok" and rep.loc["b", "format"] == "md"
    assert rep.loc["b", "year"] == 2021 and rep.loc["b", "template"] == "gov2021"
    assert rep.loc["b", "sha256"] == corpus._sha256_file(corpus_dir / "b.md")
    # cells carry the corpus report_id and exact offsets
    assert list(c.cells.columns) == CELL_COLUMNS
    a_id = next(r for r in rep.index if r.startswith("a-") and "sub" not in rep.loc[r, "path"])
    a_cells = c.cells[c.cells["report_id"] == a_id]
    text = (corpus_dir / "a.txt").read_text(encoding="utf-8")
    assert [text[s:e] for s, e in zip(a_cells["start"], a_cells["end"], strict=True)] == ["5", "1"]
    assert list(a_cells["value"]) == [5.0, 1.0]
    # checks ran on ok reports only
    assert set(c.checks["report_id"]) == set(rep.index[rep["status"] == "ok"])
    assert list(c.checks.columns) == CHECK_COLUMNS
    assert "8 reports: 4 ok, 4 failed" in repr(c)


def test_corpus_summary_and_by_template(corpus_dir: Path) -> None:
    c = read_corpus(corpus_dir, parse_fn=fake_parse, check_fn=fake_check, progress=False)
    s = c.summary()
    assert s.loc["total", "files"] == 7
    assert s.loc["txt", "files"] == 5 and s.loc["txt", "ok"] == 3
    assert s.loc["txt", "empty"] == 1 and s.loc["txt", "error"] == 1
    assert s.loc["unknown", "error"] == 1  # the .xlsx file
    assert s.loc["total", "cells"] == 5
    bt = c.by_template()
    assert bt.loc["gov2021", "reports"] == 4 and bt.loc["gov2021", "cells"] == 5


def test_read_corpus_without_checks(corpus_dir: Path) -> None:
    c = read_corpus(corpus_dir / "b.md", parse_fn=fake_parse, check=False, progress=False)
    assert len(c.reports) == 1 and c.checks.empty
    assert list(c.checks.columns) == CHECK_COLUMNS


def test_report_frames_columns_and_ids(corpus_dir: Path) -> None:
    report = fake_parse(corpus_dir / "a.txt")
    frames = report_frames(report, checks=fake_check(report), report_id="r1")
    assert set(frames) == set(TABLES)
    assert list(frames["reports"].columns) == REPORT_COLUMNS
    row = frames["reports"].iloc[0]
    assert row["report_id"] == "r1" and row["n_chars"] == len(report.text)
    assert row["sha256"] == corpus._sha256_file(corpus_dir / "a.txt")
    assert list(frames["sections"].columns) == SECTION_COLUMNS
    for t in ("cells", "sections", "checks"):
        assert set(frames[t]["report_id"]) == {"r1"}
    assert frames["checks"]["status"].tolist() == ["pass"]  # 5 + 1 = 6


# ---------------------------------------------------------------------------------------------
# build_corpus: dataset, incremental cache


def test_build_writes_partitioned_dataset_and_manifest(corpus_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = _build(corpus_dir, out, chunk_size=3)
    assert (res.n_files, res.n_ok, res.n_failed, res.n_parsed, res.n_cached) == (7, 4, 3, 7, 0)
    assert res.by_template == {"gov2021": 4}
    assert {f[0] for f in res.failures} == {"empty", "random", "sheet"}
    parts = sorted(p.name for p in (out / "reports.parquet").glob("*.parquet"))
    assert parts == [f"part-{k:05d}.parquet" for k in range(len(parts))] and len(parts) >= 2
    for t in corpus.TABLES:  # every table has the same parts
        assert sorted(p.name for p in (out / f"{t}.parquet").glob("*.parquet")) == parts
    ids = [pd.read_parquet(out / "reports.parquet" / p)["report_id"].tolist() for p in parts]
    assert sum(ids, []) == sorted(sum(ids, []))  # consecutive files, in report_id order
    data = _dataset(out)
    assert len(data["reports"]) == 7 and data["reports"]["report_id"].is_unique
    assert data["reports"]["report_id"].tolist() == sorted(data["reports"]["report_id"])
    assert len(data["cells"]) == 5 and len(data["checks"]) == 4
    manifest = json.loads((out / "_manifest.json").read_text(encoding="utf-8"))
    assert manifest["parser_version"] == corpus.PARSER_VERSION
    by_id = {f["report_id"]: f for f in manifest["files"]}
    assert by_id["b"]["sha256"] == corpus._sha256_file(corpus_dir / "b.md")
    assert all(by_id[r]["part"] == part for part, got in zip(parts, ids, strict=True) for r in got)
    assert not list(out.glob(".staging-*")) and not list(out.glob(".old-*"))


def test_rerun_parses_nothing_and_dataset_is_identical(
    corpus_dir: Path, tmp_path: Path, parse_log: Path
) -> None:
    out = tmp_path / "out"
    first = _build(corpus_dir, out)
    before = _dataset(out)
    parse_log.unlink()
    again = _build(corpus_dir, out)
    assert again.n_parsed == 0 and again.n_cached == 7
    assert _parsed(parse_log) == []
    _assert_same(before, _dataset(out))
    assert (again.n_ok, again.n_failed) == (first.n_ok, first.n_failed)


def test_changed_added_and_removed_files(corpus_dir: Path, tmp_path: Path, parse_log: Path) -> None:
    out = tmp_path / "out"
    _build(corpus_dir, out)
    parse_log.unlink()
    (corpus_dir / "b.md").write_text("new_received,total,30\n", encoding="utf-8")
    _write(corpus_dir, "d.txt", "new_received,total,7\n")
    (corpus_dir / "sub" / "c.txt").unlink()
    res = _build(corpus_dir, out)
    assert _parsed(parse_log) == ["b.md", "d.txt"]
    assert res.n_parsed == 2 and res.n_cached == 5 and res.n_files == 7
    data = _dataset(out)
    assert "c" not in set(data["reports"]["report_id"])
    assert "c" not in set(data["cells"]["report_id"])
    b = data["cells"][data["cells"]["report_id"] == "b"]
    assert b["value"].tolist() == [30.0]
    # the cache keeps only entries of current files
    assert _cache_keys(out) == {f["cache_key"] for f in _manifest(out)["files"]}
    assert len(_cache_keys(out)) == 7


def _parts(out: Path) -> dict[str, tuple[int, ...]]:
    """Each part's name -> the inodes of its file in every table (same inodes: same files)."""
    names = sorted(p.name for p in (out / "reports.parquet").glob("*.parquet"))
    return {n: tuple((out / f"{t}.parquet" / n).stat().st_ino for t in TABLES) for n in names}


def _part_ids(out: Path) -> dict[str, list[str]]:
    got: dict[str, list[str]] = {}
    for f in _manifest(out)["files"]:
        got.setdefault(f["part"], []).append(f["report_id"])
    return got


@pytest.fixture
def many(tmp_path: Path) -> Path:
    root = tmp_path / "many"
    for k in range(60):
        _write(root, f"r{k:03d}.txt", f"new_received,total,{k}\ngranted,total,{k % 7}\n")
    return root


def _record_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of the stored results read from then on (serial builds: in this process)."""
    read: list[str] = []
    real = corpus._ResultDB.get_many

    def get_many(self: corpus._ResultDB, keys: list[str]) -> dict[str, bytes]:
        read.extend(keys)
        return real(self, keys)

    monkeypatch.setattr(corpus._ResultDB, "get_many", get_many)
    return read


def _assert_same_files(a: Path, b: Path) -> None:
    """Every part of every table byte for byte the same in two datasets."""
    for t in TABLES:
        names = sorted(p.name for p in (a / f"{t}.parquet").iterdir())
        assert names == sorted(p.name for p in (b / f"{t}.parquet").iterdir()), t
        for n in names:
            assert (a / f"{t}.parquet" / n).read_bytes() == (b / f"{t}.parquet" / n).read_bytes()


def _assert_as_from_scratch(src: Path, out: Path, tmp_path: Path, *, files: bool = True) -> None:
    """``out`` holds what a build of ``src`` from scratch gives (``chunk_size=4``): the same
    tables, and with ``files`` the same part files byte for byte and the same manifest."""
    fresh = tmp_path / "fresh"
    _build(src, fresh, chunk_size=4)
    _assert_same(_dataset(fresh), _dataset(out))
    if files:
        _assert_same_files(fresh, out)
        assert _manifest(out)["files"] == _manifest(fresh)["files"]


@pytest.mark.parametrize("row_group_rows", [None, 3], ids=["one-row-group", "row-groups-of-3"])
def test_incremental_build_reassembles_only_the_changed_parts(
    many: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, row_group_rows: int | None
) -> None:
    if row_group_rows:  # published rows and new ones mixed across row groups
        monkeypatch.setattr(corpus, "_ROW_GROUP_ROWS", row_group_rows)
    out = tmp_path / "out"
    _build(many, out, chunk_size=4)
    before, ids_before = _parts(out), _part_ids(out)
    assert len(before) >= 6
    (many / "r030.txt").write_text("new_received,total,99\n", encoding="utf-8")  # changed
    read = _record_reads(monkeypatch)
    res = _build(many, out, chunk_size=4)
    assert res.n_parsed == 1
    after = _parts(out)
    assert _part_ids(out) == ids_before  # same files, same parts
    relinked = {n for n in after if after[n] == before[n]}
    assert set(after) - relinked == {n for n, ids in ids_before.items() if "r030" in ids}
    assert (res.n_parts, res.n_parts_kept) == (len(after), len(after) - 1)
    # the part holding r030 took its other files' rows from the published part: only r030's
    # new result was read from the database
    assert read == [f["cache_key"] for f in _manifest(out)["files"] if f["report_id"] == "r030"]
    _assert_as_from_scratch(many, out, tmp_path)


def test_a_damaged_published_part_is_assembled_from_the_cache(
    many: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    _build(many, out, chunk_size=4)
    (name,) = [n for n, ids in _part_ids(out).items() if "r030" in ids]
    (out / "cells.parquet" / name).write_bytes(b"PAR1 damaged")
    (many / "r030.txt").write_text("new_received,total,99\n", encoding="utf-8")
    read = _record_reads(monkeypatch)
    assert _build(many, out, chunk_size=4).n_parsed == 1
    assert sorted(read) == sorted(
        f["cache_key"] for f in _manifest(out)["files"] if f["part"] == name
    )
    _assert_as_from_scratch(many, out, tmp_path, files=False)


def test_added_and_removed_files_leave_most_parts_in_place(
    many: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    _build(many, out, chunk_size=4)
    before, ids_before = _parts(out), _part_ids(out)
    _write(many, "r030b.txt", "new_received,total,1\n")  # sorts between r030 and r031
    (many / "r010.txt").unlink()
    read = _record_reads(monkeypatch)
    res = _build(many, out, chunk_size=4)
    assert res.n_parsed == 1
    # every other file's rows came from the published parts
    assert read == [f["cache_key"] for f in _manifest(out)["files"] if f["report_id"] == "r030b"]
    after, ids_after = _parts(out), _part_ids(out)
    old_by_ids = {tuple(ids): before[n] for n, ids in ids_before.items()}
    # a part is taken over (its files linked) exactly when an old part had the same files
    for n, ids in ids_after.items():
        assert (after[n] == old_by_ids.get(tuple(ids))) == (tuple(ids) in old_by_ids), n
    assert sum(1 for ids in ids_after.values() if tuple(ids) in old_by_ids) >= len(after) - 4
    _assert_as_from_scratch(many, out, tmp_path)


def test_parts_of_another_build_setting_or_missing_are_assembled_again(
    many: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _build(many, out, chunk_size=4)
    before = _parts(out)
    manifest = _manifest(out)
    manifest["code_fingerprint"] = "another version of gkwork"
    (out / "_manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (many / "r030.txt").write_text("new_received,total,99\n", encoding="utf-8")
    _build(many, out, chunk_size=4)
    assert not set(_parts(out).values()) & set(before.values())  # nothing taken over
    # a published part deleted by hand is assembled again from the cache, not lost
    before = _parts(out)
    gone = sorted(before)[1]
    (out / "cells.parquet" / gone).unlink()
    (many / "r031.txt").write_text("new_received,total,98\n", encoding="utf-8")
    _build(many, out, chunk_size=4)
    after = _parts(out)
    assert after[gone] != before[gone] and (out / "cells.parquet" / gone).is_file()
    _assert_as_from_scratch(many, out, tmp_path, files=False)


def test_part_bounds_are_set_by_the_files_around_them() -> None:
    tasks = [corpus._Task(f"/x/{k}.txt", f"id{k:05d}", "s", f"k{k}") for k in range(3000)]
    bounds = corpus._part_bounds(tasks, 100)
    assert bounds[0][0] == 0 and bounds[-1][1] == 3000
    assert all(a < b for a, b in bounds)
    assert all(b == c for (_, b), (c, _) in zip(bounds, bounds[1:], strict=False))
    sizes = [b - a for a, b in bounds[:-1]]
    assert min(sizes) >= 25 and max(sizes) <= 400 and 70 <= 3000 / len(bounds) <= 140
    # removing one file moves the boundaries of its own part only
    cut = tasks[:1500] + tasks[1501:]
    ends = {tasks[b - 1].report_id for _, b in bounds}
    ends_cut = {cut[b - 1].report_id for _, b in corpus._part_bounds(cut, 100)}
    assert len(ends ^ ends_cut) <= 2
    assert corpus._part_bounds(tasks[:5], 1) == [(k, k + 1) for k in range(5)]
    assert corpus._part_bounds([], 100) == []


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files whose bytes are hashed (read) during a build."""
    names: list[str] = []
    real = corpus._sha256_file

    def counting(path: Path) -> str:
        names.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(corpus, "_sha256_file", counting)
    return names


def test_files_whose_status_is_unchanged_are_not_read_again(
    many: Path, tmp_path: Path, hashed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(corpus, "_RACY_NS", 0)  # these files were written a moment ago
    out = tmp_path / "out"
    _build(many, out, chunk_size=4)
    assert len(hashed) == 60
    hashed.clear()
    assert _build(many, out, chunk_size=4).n_parsed == 0 and hashed == []
    # same size, modification time put back: the status-change time still tells
    target = many / "r030.txt"
    st = target.stat()
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("30", "31", 1), encoding="utf-8")
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert target.stat().st_size == st.st_size and target.stat().st_mtime_ns == st.st_mtime_ns
    res = _build(many, out, chunk_size=4)
    assert hashed == ["r030.txt"] and res.n_parsed == 1
    cells = _dataset(out)["cells"]
    assert cells.loc[cells["report_id"] == "r030", "value"].tolist()[0] == 31.0
    # touched, same bytes: read again, not parsed again
    hashed.clear()
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    res = _build(many, out, chunk_size=4)
    assert hashed == ["r030.txt"] and res.n_parsed == 0


def test_files_changed_just_before_a_build_are_read_again(
    many: Path, tmp_path: Path, hashed: list[str]
) -> None:
    out = tmp_path / "out"
    _build(many, out, chunk_size=4)
    hashed.clear()
    _build(many, out, chunk_size=4)
    # written within the last two seconds: a later change could keep the same status
    assert len(hashed) == 60


def interrupting_parse(path: Path) -> Report:
    """fake_parse, but Ctrl-C (KeyboardInterrupt) on the file named by INTERRUPT_ON."""
    if Path(path).name == os.environ.get("INTERRUPT_ON"):
        raise KeyboardInterrupt
    return fake_parse(path)


def test_an_interrupted_build_keeps_what_it_parsed(
    many: Path, tmp_path: Path, parse_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    _build(many, out, chunk_size=4)
    before = _dataset(out)
    for k in range(60):  # every file changes
        (many / f"r{k:03d}.txt").write_text(f"new_received,total,{k + 100}\n", encoding="utf-8")
    parse_log.unlink()
    monkeypatch.setenv("INTERRUPT_ON", "r040.txt")
    with pytest.raises(KeyboardInterrupt):
        _build(many, out, chunk_size=4, parse_fn=interrupting_parse)
    _assert_same(before, _dataset(out))  # the published dataset is untouched
    assert len(_parsed(parse_log)) == 40  # r000 .. r039, then Ctrl-C
    monkeypatch.delenv("INTERRUPT_ON")
    parse_log.unlink()
    res = _build(many, out, chunk_size=4, parse_fn=interrupting_parse)
    assert (res.n_parsed, res.n_cached) == (20, 40)  # the 40 parsed before Ctrl-C are kept
    assert _parsed(parse_log) == [f"r{k:03d}.txt" for k in range(40, 60)]
    cells = _dataset(out)["cells"]
    assert cells.groupby("report_id")["value"].first().tolist() == [k + 100.0 for k in range(60)]


def other_parse(path: Path) -> Report:
    """fake_parse with every value doubled: another parser of the same files."""
    report = fake_parse(path)
    if len(report.cells):
        report.cells["value"] = report.cells["value"] * 2
    return report


def test_results_of_one_parser_are_never_taken_for_another(
    corpus_dir: Path, tmp_path: Path
) -> None:
    """Cache keys hold the caller's parse and check functions (name and code): a build with
    another parser or other checks into the same directory parses every file again, and the
    same functions again parse nothing. (A build with a test parser, then with gkwork's own,
    used to publish the test parser's results.)"""
    out = tmp_path / "out"
    first = _build(corpus_dir, out)
    assert first.n_parsed == 7
    assert _build(corpus_dir, out).n_parsed == 0
    other = _build(corpus_dir, out, parse_fn=other_parse)
    assert other.n_parsed == 7 and other.n_cached == 0

    def new_received() -> list[float]:
        cells = _dataset(out)["cells"]
        return cells.loc[cells["row"] == "new_received", "value"].tolist()

    assert sorted(new_received()) == [6, 10]  # 3 and 5 doubled: not the first build's rows
    assert _build(corpus_dir, out, check_fn=lambda r: fake_check(r)).n_parsed == 7
    assert _build(corpus_dir, out, parse_fn=functools.partial(other_parse)).n_parsed == 7
    assert _build(corpus_dir, out, parse_fn=functools.partial(other_parse)).n_parsed == 0
    again = _build(corpus_dir, out)  # the first functions: their results, parsed again
    assert again.n_parsed == 7
    assert sorted(new_received()) == [3, 5]
    # gkwork's own parser and checks keep the keys they always had
    assert corpus._key_prefix(True) == corpus._key_prefix(
        True, corpus._default_parse, corpus._default_check
    )
    assert corpus._callable_fingerprint(fake_parse) != corpus._callable_fingerprint(other_parse)


def test_no_cache_parses_everything_and_writes_no_cache(
    corpus_dir: Path, tmp_path: Path, parse_log: Path
) -> None:
    out = tmp_path / "out"
    _build(corpus_dir, out, cache=False)
    res = _build(corpus_dir, out, cache=False)
    assert res.n_parsed == 7 and res.n_cached == 0
    assert not (out / "_cache").exists()
    assert len(_parsed(parse_log)) == 2 * 6  # the .xlsx file never reaches the parser


def test_process_engine_equals_serial(corpus_dir: Path, tmp_path: Path) -> None:
    _build(corpus_dir, tmp_path / "serial", chunk_size=2)
    res = _build(corpus_dir, tmp_path / "proc", engine="process", jobs=2, chunk_size=2)
    assert res.n_parsed == 7
    _assert_same(_dataset(tmp_path / "serial"), _dataset(tmp_path / "proc"))
    for t in TABLES:  # same part files too
        a = sorted(p.name for p in (tmp_path / "serial" / f"{t}.parquet").iterdir())
        b = sorted(p.name for p in (tmp_path / "proc" / f"{t}.parquet").iterdir())
        assert a == b


# ---------------------------------------------------------------------------------------------
# Robustness


def test_worker_crash_is_recorded_and_run_finishes(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(corpus_dir, "crash_me.txt", "new_received,total,1\n")
    _write(corpus_dir, "sub/crash_me_too.txt", "new_received,total,2\n")
    for i in range(6):
        _write(corpus_dir, f"more/m{i}.txt", f"new_received,total,{i}\n")
    monkeypatch.setenv(corpus.CRASH_HOOK_ENV, "crash_me")
    out = tmp_path / "out"
    res = _build(corpus_dir, out, engine="process", jobs=2)
    assert res.n_files == 15 and res.n_ok == 10
    rep = pd.read_parquet(out / "reports.parquet").set_index("report_id")
    crashed = rep.index[rep["error"].fillna("").str.startswith("worker_crashed:")]
    assert sorted(crashed) == ["crash_me", "crash_me_too"]  # only the culprits
    # a crash is not cached: once the hook is gone those files are parsed again and succeed
    monkeypatch.delenv(corpus.CRASH_HOOK_ENV)
    res2 = _build(corpus_dir, out, engine="process", jobs=2)
    assert res2.n_parsed == 2 and res2.n_ok == 12


def test_a_batch_stores_its_results_together(tmp_path: Path) -> None:
    """Pool workers store a batch's results in one transaction per database: cacheable ones
    in the cache, the others (here a timeout) in the run's spool; a write that fails midway
    leaves nothing half-written."""
    src = tmp_path / "in"
    _write(src, "slow.txt", "SLEEP 30\n")
    for i in range(3):
        _write(src, f"f{i}.txt", f"new_received,total,{i}\n")
    tasks = corpus._make_tasks(corpus._entries(src), True)
    store = corpus._Store(str(tmp_path / "cache.sqlite"), str(tmp_path / "spool.sqlite"))
    for path in (store.cache, store.spool):
        corpus._ResultDB(path).create()
    call = functools.partial(corpus.process_file, parse_fn=fake_parse, timeout=0.3)
    results = corpus._call_batch(call, store, tuple(tasks))
    assert all(r.blob is None for r in results)
    where = {t.report_id: r.stored for t, r in zip(tasks, results, strict=True)}
    assert where == {"f0": store.cache, "f1": store.cache, "f2": store.cache, "slow": store.spool}
    cached = corpus._ResultDB(store.cache).get_many([t.key for t in tasks])
    assert sorted(cached) == sorted(t.key for t in tasks if t.report_id != "slow")
    back = pickle.loads(cached[tasks[0].key])
    assert back["cells"]["value"] == [0.0]

    db = corpus._ResultDB(tmp_path / "other.sqlite").create()

    def items():
        yield "k1", b"one"
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        db.put_many(items())
    assert db.get_many(["k1"]) == {}
    db.put_many([("k1", b"one"), ("k2", b"two")])
    assert db.get_many(["k1", "k2"]) == {"k1": b"one", "k2": b"two"}


@pytest.mark.parametrize("engine", ["serial", "process"])
def test_timeout_becomes_error_row(engine: str, tmp_path: Path) -> None:
    src = tmp_path / "in"
    _write(src, "slow.txt", "SLEEP 30\n")
    _write(src, "fast.txt", "new_received,total,1\n")
    t0 = time.perf_counter()
    res = _build(src, tmp_path / "out", engine=engine, jobs=2, timeout=0.5)
    assert time.perf_counter() - t0 < 10
    rep = pd.read_parquet(tmp_path / "out" / "reports.parquet").set_index("report_id")
    assert rep.loc["slow", "error"].startswith("timeout:")
    assert rep.loc["fast", "status"] == "ok"
    assert res.n_failed == 1


def test_interrupted_publish_leaves_previous_dataset(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    _build(corpus_dir, out)
    before = _dataset(out)
    manifest = (out / "_manifest.json").read_bytes()
    (corpus_dir / "b.md").write_text("new_received,total,99\n", encoding="utf-8")

    def _boom(staging: Path, out_dir: Path) -> None:
        assert (staging / "reports.parquet").is_dir()  # the new dataset was fully staged
        raise KeyboardInterrupt

    monkeypatch.setattr(corpus, "_publish", _boom)
    with pytest.raises(KeyboardInterrupt):
        _build(corpus_dir, out)
    _assert_same(before, _dataset(out))
    assert (out / "_manifest.json").read_bytes() == manifest
    assert not list(out.glob(".staging-*"))
    monkeypatch.undo()
    _build(corpus_dir, out)
    cells = _dataset(out)["cells"]
    assert cells.loc[cells["report_id"] == "b", "value"].tolist() == [99.0]


def test_recover_after_kill_during_swap(corpus_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(corpus_dir, out)
    before = _dataset(out)
    # simulate a kill in the middle of _publish: reports moved aside, staging not yet moved in
    run = "deadbeef"
    (out / f".old-{run}").mkdir()
    os.replace(out / "reports.parquet", out / f".old-{run}" / "reports.parquet")
    (out / f".staging-{run}" / "reports.parquet").mkdir(parents=True)
    corpus._recover(out)
    _assert_same(before, _dataset(out))
    assert not list(out.glob(".old-*")) and not list(out.glob(".staging-*"))


def test_out_dir_inside_input_is_skipped(corpus_dir: Path) -> None:
    out = corpus_dir / "build"
    _build(corpus_dir, out)
    res = _build(corpus_dir, out)
    assert res.n_files == 7 and res.n_parsed == 0


def test_bad_arguments_raise_input_error(corpus_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="engine must be one of"):
        _build(corpus_dir, tmp_path / "o", engine="spark")
    with pytest.raises(InputError, match="jobs"):
        _build(corpus_dir, tmp_path / "o", jobs=0)
    with pytest.raises(InputError, match="not found"):
        _build(tmp_path / "missing", tmp_path / "o")


def test_read_corpus_in_a_pool_equals_one_process(corpus_dir: Path) -> None:
    # the pool path without a store: workers return the pickled columns themselves
    kw = {"parse_fn": fake_parse, "check_fn": fake_check, "progress": False}
    one, pool = read_corpus(corpus_dir, **kw), read_corpus(corpus_dir, jobs=2, **kw)
    for t in TABLES:
        pd.testing.assert_frame_equal(getattr(one, t), getattr(pool, t), obj=t)
    assert len(one.reports) == 7


def test_load_corpus_roundtrip(corpus_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(corpus_dir, out)
    mem = read_corpus(corpus_dir, parse_fn=fake_parse, check_fn=fake_check, progress=False)
    disk = corpus.load_corpus(out)
    for t in TABLES:
        a = getattr(mem, t).drop(columns=["path"] if t == "reports" else [])
        b = getattr(disk, t).drop(columns=["path"] if t == "reports" else [])
        pd.testing.assert_frame_equal(a, b, obj=t)
    with pytest.raises(InputError, match="no gkwork dataset"):
        corpus.load_corpus(tmp_path / "nothing")


# ---------------------------------------------------------------------------------------------
# The real default parser (passes once gkwork.readers / gkwork.validate are integrated)


def test_real_parser_default_rows_per_file(tmp_path: Path) -> None:
    src = tmp_path / "in"
    _write(src, "empty.txt", b"")
    _write(src, "noise.txt", bytes(range(256)) * 8)
    _write(
        src, "note.txt", "某某县人民政府2021年政府信息公开工作年度报告\n一、总体情况\n本年度无。\n"
    )
    res = build_corpus(src, tmp_path / "out", engine="serial", progress=False)
    rep = pd.read_parquet(tmp_path / "out" / "reports.parquet").set_index("report_id")
    assert res.n_files == 3 and len(rep) == 3
    assert rep.loc["empty", "status"] == "empty"
    assert rep.loc["noise", "status"] == "error"
    assert rep.loc["noise", "error"].split(":")[0] in {"decode_failed", "binary_content"}
    assert rep.loc["note", "status"] == "ok"
    assert not rep["error"].fillna("").str.startswith("internal_error").any()


def blocking_parse(path: Path) -> Report:
    """A parse stuck where SIGALRM cannot reach it (as in C code): only a kill stops it."""
    import signal

    if "hang" in Path(path).name:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(60)
    return fake_parse(path)


def test_hung_worker_is_killed_and_recorded_as_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(corpus, "_HARD_LIMIT_GRACE", 0.5)
    src = tmp_path / "in"
    _write(src, "hang.txt", "new_received,total,1\n")
    for i in range(3):
        _write(src, f"ok{i}.txt", f"new_received,total,{i}\n")
    t0 = time.perf_counter()
    res = _build(
        src, tmp_path / "out", engine="process", jobs=2, timeout=0.3, parse_fn=blocking_parse
    )
    assert time.perf_counter() - t0 < 20
    rep = pd.read_parquet(tmp_path / "out" / "reports.parquet").set_index("report_id")
    assert rep.loc["hang", "error"].startswith("timeout:")
    assert (rep.drop(index="hang")["status"] == "ok").all()
    assert res.n_ok == 3


def test_progress_auto_is_silent_when_stderr_is_not_a_tty(
    corpus_dir: Path, tmp_path: Path, capsys
) -> None:
    build_corpus(corpus_dir, tmp_path / "out", engine="serial", parse_fn=fake_parse, check=False)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("row_group_rows", [None, 2], ids=["one-row-group", "row-groups-of-2"])
def test_damaged_cache_entry_is_parsed_again(
    corpus_dir: Path,
    tmp_path: Path,
    parse_log: Path,
    monkeypatch: pytest.MonkeyPatch,
    row_group_rows: int | None,
) -> None:
    if row_group_rows:  # the damage is found after the part's first row groups were written
        monkeypatch.setattr(corpus, "_ROW_GROUP_ROWS", row_group_rows)
    out = tmp_path / "out"
    _build(corpus_dir, out)
    before = _dataset(out)
    key = next(f["cache_key"] for f in _manifest(out)["files"] if f["report_id"] == "b")
    with contextlib.closing(sqlite3.connect(corpus._cache_db(out / "_cache"))) as db, db:
        db.execute("UPDATE results SET blob = ? WHERE key = ?", (b"\x80garbage", key))
    parse_log.unlink()
    # an unchanged corpus keeps its published dataset without reading the cache at all
    assert _build(corpus_dir, out).n_parsed == 0
    assert _parsed(parse_log) == []
    # a rebuild takes b's rows from the published part while that part is there; with the
    # published parts gone, the next real rebuild (here: a file added) reads b's stored
    # result, finds it damaged and parses b again
    for t in TABLES:
        for f in (out / f"{t}.parquet").glob("part-0*.parquet"):
            f.unlink()
    _write(corpus_dir, "d.txt", "granted,total,1\n")
    _build(corpus_dir, out)
    assert _parsed(parse_log) == ["b.md", "d.txt"]
    after = _dataset(out)
    for table in before:
        old_rows = after[table][after[table]["report_id"] != "d"].reset_index(drop=True)
        pd.testing.assert_frame_equal(old_rows, before[table].reset_index(drop=True))


def test_parts_are_written_in_row_groups_of_bounded_size(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _build(corpus_dir, tmp_path / "whole", cache=False)
    monkeypatch.setattr(corpus, "_ROW_GROUP_ROWS", 2)
    _build(corpus_dir, tmp_path / "groups", cache=False)
    _assert_same(_dataset(tmp_path / "whole"), _dataset(tmp_path / "groups"))
    for t in TABLES:
        whole = pq.read_table(tmp_path / "whole" / f"{t}.parquet")
        assert pq.read_table(tmp_path / "groups" / f"{t}.parquet").schema == whole.schema
    # one part of 7 reports: its reports table went out 2 rows at a time, the rest at the end
    (part,) = (tmp_path / "groups" / "reports.parquet").glob("part-*.parquet")
    meta = pq.ParquetFile(part).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [2, 2, 2, 1]
    (part,) = (tmp_path / "whole" / "reports.parquet").glob("part-*.parquet")
    assert pq.ParquetFile(part).metadata.num_row_groups == 1


def test_an_older_versions_cache_is_deleted_whole(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    first = _build(corpus_dir, out)
    before = _dataset(out)
    old = corpus._cache_db(out / "_cache")
    (out / "_cache" / "results.sqlite").write_bytes(b"")  # the layout before one file per version
    monkeypatch.setattr(corpus, "_fingerprint_cache", "0123456789abcdef")  # a new gkwork version
    res = _build(corpus_dir, out)
    assert res.n_parsed == first.n_parsed  # the new version's keys: every file parsed again
    names = {p.name.split(".sqlite")[0] for p in (out / "_cache").glob("results*")}
    assert names == {"results-0123456789abcdef"}
    assert not old.exists()
    assert _cache_keys(out) == {f["cache_key"] for f in _manifest(out)["files"]}
    _assert_same(_dataset(out), before)


def test_two_builds_cannot_share_an_out_dir(corpus_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with corpus._locked(out), pytest.raises(InputError, match="another gkwork build"):
        _build(corpus_dir, out)
    assert _build(corpus_dir, out).n_files == 7  # lock released


# ---------------------------------------------------------------------------------------------
# Column normalisation: the fast paths give what the per-value converters give


@settings(max_examples=300, deadline=None)
@given(
    dtype=st.sampled_from(["string", "Int64", "float64", "boolean"]),
    values=st.lists(
        st.one_of(
            st.none(),
            st.text(max_size=3),
            st.integers(-5, 5),
            st.floats(allow_infinity=False),
            st.booleans(),
        ),
        max_size=8,
    ),
    uniform=st.booleans(),
)
def test_normalize_column_fast_paths_match_the_converters(
    dtype: str, values: list, uniform: bool
) -> None:
    if uniform:  # the common case: one type, maybe with None
        kind = {"string": str, "Int64": int, "float64": float, "boolean": bool}[dtype]
        values = [v for v in values if v is None or type(v) is kind]
    got = corpus._normalize_column(values, dtype)
    want = [corpus._NORMALIZERS[dtype](v) for v in values]
    assert [(type(v), repr(v)) for v in got] == [(type(v), repr(v)) for v in want]


def test_many_workers_writing_the_result_database_at_once(tmp_path: Path) -> None:
    # two workers insert into one SQLite file (WAL) at once, batches of up to 16 files each:
    # every result arrives, none is recorded as an error, the cache holds one row per file
    src = tmp_path / "in"
    for i in range(300):
        _write(src, f"f{i:03d}.txt", f"new_received,total,{i}\n")
    res = _build(src, tmp_path / "out", engine="process", jobs=2, chunk_size=50)
    assert (res.n_files, res.n_ok, res.n_parsed) == (300, 300, 300)
    assert len(_cache_keys(tmp_path / "out")) == 300
    cells = _dataset(tmp_path / "out")["cells"]
    assert sorted(cells["value"].tolist()) == [float(i) for i in range(300)]


def gc_threshold_parse(path: Path) -> Report:
    """fake_parse, with the process's young-generation GC threshold as the agency."""
    import gc

    report = fake_parse(path)
    report.meta["agency"] = str(gc.get_threshold()[0])
    return report


def test_pool_workers_collect_garbage_less_often_the_caller_is_untouched(tmp_path: Path) -> None:
    """Build workers raise the young-generation GC threshold (their parses keep few objects
    alive); a serial build runs in the caller's process and leaves its setting alone."""
    import gc

    from gkwork.corpus import _WORKER_GC_THRESHOLD

    src = tmp_path / "in"
    src.mkdir()
    for i in range(4):
        (src / f"r{i}.txt").write_text("applications,new_received,1\n", encoding="utf-8")
    before = gc.get_threshold()
    for engine, expected in (("process", _WORKER_GC_THRESHOLD), ("serial", before[0])):
        out = tmp_path / engine
        build_corpus(src, out, engine=engine, jobs=2, check=False, progress=False,
                     parse_fn=gc_threshold_parse)  # fmt: skip
        agencies = set(pd.read_parquet(out / "reports.parquet")["agency"])
        assert agencies == {str(expected)}
    assert gc.get_threshold() == before


def pid_parse(path: Path) -> Report:
    """fake_parse, with the worker's process id as the agency."""
    report = fake_parse(path)
    report.meta["agency"] = str(os.getpid())
    return report


def test_pool_workers_are_replaced_after_their_share_of_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pool takes _WORKER_FILES files per worker, then a fresh pool takes the next ones
    (a long build's workers do not keep growing); nothing is lost or changed by the swap."""
    src = tmp_path / "in"
    src.mkdir()
    for i in range(40):
        (src / f"r{i:02d}.txt").write_text(f"applications,new_received,{i}\n", encoding="utf-8")
    monkeypatch.setattr(corpus, "_WORKER_FILES", 4)  # 8 files per pool of 2 workers
    build_corpus(src, tmp_path / "pool", jobs=2, check=False, progress=False, parse_fn=pid_parse)
    build_corpus(src, tmp_path / "serial", engine="serial", check=False, progress=False,
                 parse_fn=fake_parse)  # fmt: skip
    pooled, serial = _dataset(tmp_path / "pool"), _dataset(tmp_path / "serial")
    per_pid = pooled["reports"]["agency"].value_counts()
    assert len(per_pid) >= 40 // 8  # at least one fresh process per pool
    assert per_pid.max() <= 8  # no process parsed more than its pool's share
    assert str(os.getpid()) not in per_pid.index
    assert pooled["cells"].equals(serial["cells"])
    assert pooled["reports"].drop(columns="agency").equals(serial["reports"].drop(columns="agency"))


def test_pools_fork_with_the_collector_off_the_parents_objects() -> None:
    """While a pool forks, the parent's objects are frozen (gc.freeze, so that workers keep
    their pages shared); afterwards they are not, and a caller's own freeze is left alone."""
    import gc

    assert gc.get_freeze_count() == 0
    held = [object() for _ in range(10)]  # noqa: F841 - alive while frozen
    with corpus._frozen_gc():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        # (frozen objects that die leave the count: it can only fall unless something freezes)
        mine = gc.get_freeze_count()
        newer = [[] for _ in range(1000)]  # tracked objects a second freeze would take in
        with corpus._frozen_gc():
            assert gc.get_freeze_count() <= mine
        del newer
        assert gc.get_freeze_count() > 0  # still frozen: the caller's to undo
    finally:
        gc.unfreeze()


def test_a_process_build_forks_its_pools_frozen(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    counts: list[int] = []
    real = corpus._frozen_gc

    @contextlib.contextmanager
    def spy():
        with real():
            counts.append(gc.get_freeze_count())
            yield

    monkeypatch.setattr(corpus, "_frozen_gc", spy)
    res = _build(corpus_dir, tmp_path / "out", engine="process", jobs=2)
    assert res.n_files == 7
    assert len(counts) == 2 and all(counts)  # the parse pool and the part-writing pool
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("inputs", [None, 5, b"reports/", ["ok.txt", 3]])
def test_inputs_that_are_not_paths_are_one_line_errors(inputs, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="inputs must be a path .* or a list of paths"):
        read_corpus(inputs)
    with pytest.raises(InputError, match="inputs must be a path"):
        build_corpus(inputs, tmp_path / "out", progress=False)
