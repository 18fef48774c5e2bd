"""Cost per report on real published reports (../shared/real), beside the synthetic figures.

Synthetic reports are well-formed; real ones are not: the Pingtan panel (118 archived page
texts, 2009-2023) has tables flattened into runs of digits that the recovery has to split,
and the nine reports of ../shared/real come as HTML, PDF, OCR output and flattened text. Each
file is parsed (``read_report``) and checked as the corpus worker does it (``check_columns``)
in this process, three times after a warm-up pass; the fastest pass counts. Then the Pingtan
folder is built as a corpus on every core (cache off), start-up included. For the PDFs,
pdfplumber's bare ``extract_text`` of each file is timed right after its parse (the issue-5
target is a parse within 1.5x of it). Prints one summary line; prints a skip line when ../shared is not
beside the repository.

Usage: python benchmarks/bench_real.py [--shared PATH] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from gkwork.paths import SHARED_DIR
from gkwork.readers import SUPPORTED_SUFFIXES


def _files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix in SUPPORTED_SUFFIXES and not p.name.startswith("README")
    )


def _bare_pdf(path: Path) -> None:
    """pdfplumber's bare text extraction of every page (the PDF target's yardstick)."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        "".join(page.extract_text() or "" for page in pdf.pages)


def _per_report(
    paths: list[Path], passes: int = 3, *, bare: bool = False
) -> tuple[float, float, int, float | None]:
    """Fastest pass of (parse ms, check ms) per report, the reports parsed ok, and with
    ``bare`` the median over passes of parse / pdfplumber's bare extraction, each file's two
    timed back to back (on a shared machine, separate runs drift apart)."""
    from gkwork.readers import read_report
    from gkwork.validate import check_columns

    for p in paths:  # warm-up: registry, caches
        check_columns(read_report(p))
    best = (float("inf"), float("inf"))
    ratios = []
    n_ok = 0
    for _ in range(passes):
        parse = check = plain = 0.0
        n_ok = 0
        for p in paths:
            t0 = time.process_time()
            report = read_report(p)
            t1 = time.process_time()
            if report.status == "ok":
                check_columns(report)
                n_ok += 1
            t2 = time.process_time()
            if bare:
                _bare_pdf(p)
                plain += time.process_time() - t2
            parse += t1 - t0
            check += t2 - t1
        if parse + check < sum(best):
            best = (parse, check)
        if bare and plain:
            ratios.append(parse / plain)
    n = max(1, len(paths))
    ratio = statistics.median(ratios) if ratios else None
    return 1000 * best[0] / n, 1000 * best[1] / n, n_ok, ratio


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
    ap.add_argument("--shared", type=Path, default=SHARED_DIR, help="../shared")
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
        is_pdf = name == "real pdf"
        parse, check, n_ok, ratio = _per_report(paths, bare=is_pdf)
        line = (
            f"{name} {len(paths)} ({n_ok} ok): {parse:.1f} ms parse + {check:.1f} ms checks "
            f"per report, {1000 / (parse + check):.0f} rep/s per core"
        )
        if ratio is not None:
            line += f"; parse / pdfplumber's bare extract_text {ratio:.2f}x"
        parts.append(line)
    wall, n = _build_rate(_files(pingtan), jobs)
    parts.append(f"pingtan corpus build (jobs {jobs}): {n} in {wall:.1f} s, start-up included")
    print("bench_real: " + " | ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
