"""Cost per report on real published reports (../shared/real), beside the synthetic figures.

Synthetic reports are well-formed; real ones are not: the Pingtan panel (118 archived page
texts, 2009-2023) has tables flattened into runs of digits that the recovery has to split,
and the nine reports of ../shared/real come as HTML, PDF, OCR output and flattened text. Each
file is parsed (``read_report``) and checked as the corpus worker does it (``check_columns``)
in this process, three times after a warm-up pass; the fastest pass counts. Then the Pingtan
folder is built as a corpus on every core (cache off), start-up included. For the PDFs,
pdfplumber's bare ``extract_text`` over the same files is timed too (the issue-5 target is
a parse within 1.5x of it). Prints one summary line; prints a skip line when ../shared is not
beside the repository.

Usage: python benchmarks/bench_real.py [--shared PATH] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT_SUFFIXES = {".txt", ".md", ".html", ".htm", ".docx", ".pdf"}


def _files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix in REPORT_SUFFIXES and not p.name.startswith("README")
    )


def _per_report(paths: list[Path], passes: int = 3) -> tuple[float, float, int]:
    """Fastest pass of (parse ms, check ms) per report, and the reports parsed ok."""
    from gkwork.readers import read_report
    from gkwork.validate import check_columns

    for p in paths:  # warm-up: registry, caches
        check_columns(read_report(p))
    best = (float("inf"), float("inf"))
    n_ok = 0
    for _ in range(passes):
        parse = check = 0.0
        n_ok = 0
        for p in paths:
            t0 = time.process_time()
            report = read_report(p)
            t1 = time.process_time()
            if report.status == "ok":
                check_columns(report)
                n_ok += 1
            parse += t1 - t0
            check += time.process_time() - t1
        if parse + check < sum(best):
            best = (parse, check)
    n = max(1, len(paths))
    return 1000 * best[0] / n, 1000 * best[1] / n, n_ok


def _pdfplumber_ms(paths: list[Path], passes: int = 3) -> float:
    """Fastest pass of pdfplumber's bare ``extract_text`` over the pages, ms per file."""
    import pdfplumber

    best = float("inf")
    for _ in range(passes):
        t0 = time.process_time()
        for p in paths:
            with pdfplumber.open(p) as pdf:
                "".join(page.extract_text() or "" for page in pdf.pages)
        best = min(best, time.process_time() - t0)
    return 1000 * best / max(1, len(paths))


def _build_rate(src: list[Path], jobs: int) -> tuple[float, int]:
    from gkwork.corpus import build_corpus

    with tempfile.TemporaryDirectory(prefix="gkwork-bench-") as tmp:
        out = Path(tmp) / "out"
        t0 = time.perf_counter()
        res = build_corpus(src, out, jobs=jobs, cache=False, progress=False)
        wall = time.perf_counter() - t0
        shutil.rmtree(out, ignore_errors=True)
    return wall, res.n_files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="../shared")
    ap.add_argument("--jobs", type=int, default=None, help="workers (default: all cores)")
    args = ap.parse_args(argv)
    real = args.shared / "real"
    pingtan = real / "pingtan"
    if not pingtan.is_dir():
        print(f"bench_real: skipped ({pingtan} not found; the real reports live in ../shared)")
        return 0
    jobs = args.jobs or os.cpu_count() or 1
    parts = []
    groups = [("pingtan", _files(pingtan))]
    others = _files(real)
    for suffix in sorted({p.suffix for p in others}):
        groups.append((f"real {suffix.lstrip('.')}", [p for p in others if p.suffix == suffix]))
    for name, paths in groups:
        parse, check, n_ok = _per_report(paths)
        line = (
            f"{name} {len(paths)} ({n_ok} ok): {parse:.1f} ms parse + {check:.1f} ms checks "
            f"per report, {1000 / (parse + check):.0f} rep/s per core"
        )
        if name == "real pdf":
            bare = _pdfplumber_ms(paths)
            line += f"; pdfplumber extract_text {bare:.0f} ms: parse {parse / bare:.2f}x"
        parts.append(line)
    wall, n = _build_rate(_files(pingtan), jobs)
    parts.append(f"pingtan corpus build (jobs {jobs}): {n} in {wall:.1f} s, start-up included")
    print("bench_real: " + " | ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
