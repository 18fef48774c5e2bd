"""Corpus.checks holds report-level and panel-level (cross-year) check results."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from gkwork.corpus import build_corpus, read_corpus

APP_HEAD = (
    "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和) | 申请人情况 |\n"
    "自然人 | 法人或其他组织 | 总计 |\n"
    "商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |\n"
)


def _report(year: int, carried_over: int, carried_forward: int) -> str:
    return (
        f"示例县人民政府{year}年政府信息公开工作年度报告\n"
        "二、主动公开政府信息情况\n"
        "第二十条第(一)项 |\n信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |\n"
        "规章 | 0 | 0 | 0 |\n"
        "三、收到和处理政府信息公开申请情况\n"
        + APP_HEAD
        + f"一、本年新收政府信息公开申请数量 | 5 | 0 | 0 | 0 | 0 | 0 | 5 |\n"
        f"二、上年结转政府信息公开申请数量 | {carried_over} | 0 | 0 | 0 | 0 | 0 | {carried_over} |\n"
        f"四、结转下年度继续办理 | {carried_forward} | 0 | 0 | 0 | 0 | 0 | {carried_forward} |\n"
    )


def _write(folder: Path) -> None:
    folder.mkdir()
    (folder / "a2019.txt").write_text(_report(2019, 0, 2), encoding="utf-8")
    (folder / "a2020.txt").write_text(_report(2020, 2, 3), encoding="utf-8")  # continues
    (folder / "a2021.txt").write_text(_report(2021, 1, 0), encoding="utf-8")  # 3 -> 1: a break


def _panel(checks: pd.DataFrame) -> pd.DataFrame:
    return checks[checks["rule"] == "panel.continuity"]


def test_read_corpus_adds_panel_checks(tmp_path: Path) -> None:
    _write(tmp_path / "in")
    corpus = read_corpus(tmp_path / "in")
    panel = _panel(corpus.checks)
    assert set(panel["report_id"]) == {"a2020", "a2021"}
    fails = panel[panel["status"] == "fail"]
    assert set(fails["report_id"]) == {"a2021"}
    assert set(fails["col"]) == {"natural_person", "total"}
    assert (fails["expected"] == 3).all() and (fails["observed"] == 1).all()
    assert (corpus.checks["rule"] == "app.balance").any()  # report-level checks are there too


def test_build_corpus_writes_panel_checks(tmp_path: Path) -> None:
    _write(tmp_path / "in")
    build_corpus([tmp_path / "in"], tmp_path / "out", engine="serial", progress=False)
    checks = pd.read_parquet(tmp_path / "out" / "checks.parquet")
    memory = read_corpus(tmp_path / "in").checks
    assert len(_panel(checks)) == len(_panel(memory)) > 0
    assert (_panel(checks)["status"] == "fail").sum() == 2


def test_build_panel_step_equals_panel_checks_over_the_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build computes the panel checks from the staged parts (cells read part by part
    into arrays) and writes them block by block; over a corpus of many agencies and years,
    written in several parts, they must be exactly what panel_checks gives on the published
    reports and cells, and what check_panel gives in one piece, sorted."""
    from gkwork import corpus
    from gkwork.corpus import _columnize, _frame, panel_checks
    from gkwork.panel import check_panel
    from gkwork.synth import generate, write_corpus

    src = write_corpus(generate(120, seed=3, panel_years=4), tmp_path / "in")
    (src / "truth.jsonl").unlink()
    monkeypatch.setattr(corpus, "PANEL_BLOCK", 7)  # about 13 blocks
    build_corpus(src, tmp_path / "out", engine="serial", chunk_size=16, progress=False)
    out = tmp_path / "out"
    assert len(list((out / "cells.parquet").glob("part-*.parquet"))) > 1
    written = pq.ParquetFile(out / "checks.parquet" / "part-panel.parquet")
    assert written.metadata.num_row_groups > 10  # one per block
    checks = pd.read_parquet(out / "checks.parquet")
    built = checks[checks["rule"].str.startswith("panel.")].reset_index(drop=True)
    reports = pd.read_parquet(out / "reports.parquet")
    cells = pd.read_parquet(out / "cells.parquet")
    direct = panel_checks(reports, cells)
    assert len(built) > 300  # 90 of the 120 reports follow a year of their agency
    pd.testing.assert_frame_equal(built, direct.reset_index(drop=True))
    whole = check_panel(reports[reports["status"] == "ok"], cells)
    whole = whole.sort_values(["report_id", "rule", "table", "row", "col"], kind="stable")
    reference = _frame("checks", _columnize("checks", whole.reset_index(drop=True)))
    pd.testing.assert_frame_equal(built, reference)


def test_agency_matching_is_kept_while_no_agency_year_or_place_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gkwork import panel

    calls: list[int] = []
    real = panel.match_agencies

    def counted(reports: pd.DataFrame, **kw) -> pd.DataFrame:
        calls.append(len(reports))
        return real(reports, **kw)

    monkeypatch.setattr(panel, "match_agencies", counted)
    src, out = tmp_path / "in", tmp_path / "out"
    _write(src)

    def build(dest: Path, **kw) -> pd.DataFrame:
        build_corpus(src, dest, engine="serial", progress=False, **kw)
        checks = pd.read_parquet(dest / "checks.parquet")
        return checks[checks["rule"].str.startswith("panel.")].reset_index(drop=True)

    assert (_panel(build(out))["status"] == "fail").sum() == 2
    assert len(calls) == 1
    # a corrected number changes the panel checks, not the agencies: the matching is kept
    (src / "a2021.txt").write_text(_report(2021, 3, 0), encoding="utf-8")
    kept = build(out)
    assert len(calls) == 1
    assert (_panel(kept)["status"] == "fail").sum() == 0
    pd.testing.assert_frame_equal(kept, build(tmp_path / "fresh1", cache=False))
    assert len(calls) == 2  # a build without the cache matches
    # an agency renamed: matched again (the renamed report leaves the panel)
    renamed = _report(2020, 2, 3).replace("示例县", "样例市")
    (src / "a2020.txt").write_text(renamed, encoding="utf-8")
    again = build(out)
    assert len(calls) == 3
    assert set(_panel(again)["report_id"]) != set(_panel(kept)["report_id"])
    pd.testing.assert_frame_equal(again, build(tmp_path / "fresh2", cache=False))


def _fujian(year: int, total: tuple[int, int], website: tuple[int, int]) -> str:
    """A Fujian 统计表 (本年度 | 历年累计) of one agency, as a pipe table."""
    return (
        f"平潭综合实验区市场监督管理局{year}年政府信息公开工作年度报告\n"
        f"附件：{year}年度政府信息公开工作统计数据\n"
        f"指标名称 | 单位 | {year}年度 | 历年累计\n"
        f"主动公开文件数 | 条 | {total[0]} | {total[1]}\n"
        f"其中：1.政府网站公开数 | 条 | {website[0]} | {website[1]}\n"
        "2.政府公报公开数 | 条 | 0 | 0\n"
        "受理政府信息公开申请总数 | 条 | 2 | 7\n"
    )


def test_build_checks_the_cumulative_column_across_years(tmp_path: Path) -> None:
    """pingtan 145 -> 124 as numbers: 787 + 389 = 1176 for the website row, while the total
    row's 837 in 2017 breaks it; the build's panel step reads the 历年累计 cells it needs."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "s2017.txt").write_text(_fujian(2017, (457, 837), (457, 787)), encoding="utf-8")
    (src / "s2018.txt").write_text(_fujian(2018, (389, 1176), (389, 1176)), encoding="utf-8")
    build_corpus([src], tmp_path / "out", engine="serial", progress=False)
    reports = pd.read_parquet(tmp_path / "out" / "reports.parquet")
    assert set(reports["template_variant"]) == {"fujian"}
    checks = pd.read_parquet(tmp_path / "out" / "checks.parquet")
    got = checks[checks["rule"] == "panel.cumulative_continuity"].set_index("row")
    assert set(got["report_id"]) == {"s2018"}
    assert got.loc["proactive_total", "status"] == "fail"
    assert got.loc["proactive_total", "delta"] == -50
    assert got.loc["proactive_website", "status"] == "pass"
    assert got.loc["requests_total", "status"] == "fail"  # 7 + 2 = 9, printed 7 both years
    # the same checks as the in-memory corpus computes them
    memory = read_corpus(src).checks
    mem = memory[memory["rule"] == "panel.cumulative_continuity"].set_index("row")
    assert mem["status"].to_dict() == got["status"].to_dict()


def test_a_changed_file_recomputes_only_its_panel_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The panel step keeps each block's rows for the next build (keyed by the code and the
    block's reports with their files' hashes). A changed number recomputes the blocks whose
    pairs hold that report; the panel part comes out byte for byte as a build without the
    cache writes it; an unreadable kept block is computed again; blocks no longer used go."""
    from gkwork import corpus, panel
    from gkwork.cli import format_build_summary
    from gkwork.synth import generate, write_corpus

    src = write_corpus(generate(120, seed=3, panel_years=4), tmp_path / "in")
    (src / "truth.jsonl").unlink()
    monkeypatch.setattr(corpus, "PANEL_BLOCK", 8)
    computed: list[list[str]] = []
    real = panel._block_rows

    def counted(pairs, *args, **kw):  # the later reports of each block computed
        computed.append([str(later[1]) for _, later in pairs])
        return real(pairs, *args, **kw)

    monkeypatch.setattr(panel, "_block_rows", counted)
    out = tmp_path / "out"

    results = []

    def build(dest: Path, **kw) -> bytes:
        results.append(build_corpus(src, dest, engine="serial", progress=False, **kw))
        return (dest / "checks.parquet" / "part-panel.parquet").read_bytes()

    build(out)
    kept = out / "_cache" / corpus.PANEL_BLOCKS_DIRNAME
    first = {p.name for p in kept.iterdir()}
    n_blocks = len(computed)
    assert n_blocks > 5 and len(first) == n_blocks
    # a number of a report that is the later one of a pair
    reports = pd.read_parquet(out / "reports.parquet").set_index("report_id")
    checks = pd.read_parquet(out / "checks.parquet")
    cells = pd.read_parquet(out / "cells.parquet")
    rid = sorted(set(checks.loc[checks["rule"].str.startswith("panel."), "report_id"]))[20]
    path = Path(reports.loc[rid, "path"])
    cell = cells[(cells["report_id"] == rid) & cells["value"].notna()].iloc[0]
    text = path.read_text(encoding="utf-8")
    start, end = int(cell["start"]), int(cell["end"])
    path.write_text(text[:start] + str(int(text[start:end]) + 1) + text[end:], encoding="utf-8")

    assert (results[-1].n_panel_blocks, results[-1].n_panel_blocks_kept) == (n_blocks, 0)
    computed.clear()
    incremental = build(out)
    assert 1 <= len(computed) < n_blocks
    got = results[-1]
    assert got.n_panel_blocks == n_blocks and got.n_panel_blocks_kept == n_blocks - len(computed)
    assert f"{len(computed)} computed" in format_build_summary(got)
    assert any(rid in block for block in computed)
    assert incremental == build(tmp_path / "fresh", cache=False)
    # the number back as it was, and a kept block that is needed again damaged: it is
    # computed again (with a warning), the rest read; the first build's blocks are kept
    path.write_text(text, encoding="utf-8")
    unchanged = sorted(first & {p.name for p in kept.iterdir()})
    (kept / unchanged[0]).write_bytes(b"not parquet")
    computed.clear()
    with caplog.at_level("WARNING", logger="gkwork"):
        restored = build(out)
    assert f"cached panel block {unchanged[0]} unreadable" in caplog.text
    assert 2 <= len(computed) < n_blocks  # the damaged block and the changed report's again
    assert restored == build(tmp_path / "fresh2", cache=False)
    assert {p.name for p in kept.iterdir()} == first  # blocks no longer used are gone
    # no report left that takes part in panels: no pair, no block; the kept blocks go
    for f in sorted(src.iterdir())[1:]:
        f.unlink()
    next(src.iterdir()).write_text("", encoding="utf-8")  # an empty file: status empty
    build_corpus(src, out, engine="serial", progress=False)
    assert not (out / "checks.parquet" / "part-panel.parquet").exists()
    assert list(kept.iterdir()) == []
