"""Corpus build throughput (``gkwork parse`` / ``build_corpus``) by format, all cores.

For each format a synthetic corpus of distinct reports is built twice from scratch, at n/4 and
at n reports, with the process engine on every core (cache off, checks on). Prints one
summary line with, per
format: the end-to-end rate at n (files / wall seconds, start-up and the panel step
included) and the marginal rate between the two sizes ((n - n/4) / (t_n - t_n/4): the cost of
one more report once the fixed start-up is paid, which is what a large corpus sees), and the
CPU seconds per report of the build's parent process and of its workers.

Usage: python benchmarks/bench_build.py [--n 2000] [--n-html 800] [--n-slow 80]
       [--formats txt md html docx pdf] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import make_corpus  # noqa: E402


def _cpu_children() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _build(src: Path, out: Path, jobs: int) -> tuple[float, float, float, int]:
    """Wall seconds, parent CPU, worker CPU and files of one build from scratch."""
    from gkwork.corpus import build_corpus

    shutil.rmtree(out, ignore_errors=True)
    t0, c0, k0 = time.perf_counter(), time.process_time(), _cpu_children()
    res = build_corpus(src, out, jobs=jobs, cache=False, progress=False)
    wall = time.perf_counter() - t0
    return wall, time.process_time() - c0, _cpu_children() - k0, res.n_files


def bench_format(fmt: str, n: int, work: Path, jobs: int) -> str:
    small = max(1, n // 4)
    walls = {}
    for size in (small, n):
        corpus = work / f"{fmt}-{size}"
        make_corpus(corpus, size, fmt)
        walls[size] = _build(corpus / "files", work / f"out-{fmt}-{size}", jobs)
        shutil.rmtree(corpus)
    wall, parent, workers, files = walls[n]
    marginal = (n - small) / max(1e-9, wall - walls[small][0])
    return (
        f"{fmt} {files / wall:.0f} rep/s end to end ({files} in {wall:.1f} s), "
        f"{marginal:.0f} rep/s marginal; CPU ms/report parent {1000 * parent / files:.2f}, "
        f"workers {1000 * workers / files:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="txt/md reports (default 2000)")
    ap.add_argument("--n-html", type=int, default=800, help="html reports (default 800)")
    ap.add_argument("--n-slow", type=int, default=80, help="docx and pdf reports (default 80)")
    ap.add_argument("--formats", nargs="+", default=["txt", "md", "html", "docx", "pdf"])
    ap.add_argument("--jobs", type=int, default=None, help="workers (default: all cores)")
    args = ap.parse_args(argv)
    jobs = args.jobs or os.cpu_count() or 1
    parts = []
    with tempfile.TemporaryDirectory(prefix="gkwork-bench-") as tmp:
        for fmt in args.formats:
            n = {"html": args.n_html, "docx": args.n_slow, "pdf": args.n_slow}.get(fmt, args.n)
            parts.append(bench_format(fmt, n, Path(tmp), jobs))
    print(f"bench_build (jobs {jobs}): " + " | ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
