"""Peak memory of a corpus build at 10k and 100k txt reports (streaming: it should not grow).

The build runs in a child process; this process samples the resident set size (RSS) of the
child and of its whole process tree (the child plus its workers) with psutil. The workers are
forked from the build process after it has imported the parser, so they share those pages with
it: a sum of RSS counts them once per process. Where the system reports it (Linux), the tree's
proportional set size (PSS: each shared page split between the processes sharing it) is
sampled too, once a second (reading it costs about 7 ms per process: sampled as often as RSS it
would take a fifth of a core from the build); it is what the build takes from the machine.
Prints one summary line.

Usage: python benchmarks/bench_memory.py [--sizes 10000 100000] [--jobs N] [--panel-years K]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import make_corpus  # noqa: E402

SAMPLE_SECONDS = 0.1
#: RSS samples per PSS sample.
PSS_EVERY = 10
#: Distinct reports generated; larger corpora repeat them (see common.make_corpus). 10,000
#: distinct reports are enough to fill every bounded parser cache.
BASE = 10_000


def _child(src: str, out: str, jobs: int) -> int:
    from gkwork.corpus import build_corpus

    res = build_corpus(src, out, jobs=jobs, progress=False)
    print(f"{res.n_files} {res.n_ok} {res.elapsed:.3f}")
    return 0


def _pss(procs: list) -> int | None:
    """The processes' proportional set size in bytes; None where the system has no PSS."""
    try:
        return sum(p.memory_full_info().pss for p in procs)
    except (AttributeError, NotImplementedError):
        return None


def _measure(src: Path, out: Path, jobs: int) -> tuple[float, float, float | None, str]:
    import psutil

    cmd = [sys.executable, __file__, "--child", str(src), str(out), str(jobs)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak_main = peak_tree = 0
    peak_pss: int | None = 0
    k = 0
    while proc.poll() is None:
        try:
            procs = [ps, *ps.children(recursive=True)]
            main_rss = ps.memory_info().rss
            tree = main_rss + sum(c.memory_info().rss for c in procs[1:])
            if peak_pss is not None and k % PSS_EVERY == 0:
                pss = _pss(procs)
                peak_pss = None if pss is None else max(peak_pss, pss)
        except psutil.Error:
            continue
        peak_main, peak_tree = max(peak_main, main_rss), max(peak_tree, tree)
        k += 1
        time.sleep(SAMPLE_SECONDS)
    stdout = proc.stdout.read() if proc.stdout else ""
    if proc.returncode:
        raise SystemExit(f"build failed with exit code {proc.returncode}")
    pss_mib = None if peak_pss is None else peak_pss / 2**20
    return peak_main / 2**20, peak_tree / 2**20, pss_mib, stdout.strip()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        return _child(argv[1], argv[2], int(argv[3]))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--jobs", type=int, default=None, help="workers (default: all cores)")
    ap.add_argument(
        "--panel-years",
        type=int,
        default=1,
        metavar="K",
        help="distinct reports of agencies that report K consecutive years (the cross-year "
        "checks then have a pair for most reports); default 1: 10,000 distinct reports "
        "repeated, few pairs",
    )
    args = ap.parse_args(argv)
    import os

    jobs = args.jobs or os.cpu_count() or 1
    parts = []
    with tempfile.TemporaryDirectory(prefix="gkwork-bench-") as tmp:
        for n in args.sizes:
            work = Path(tmp) / f"n{n}"
            make_corpus(work / "corpus", n, "txt", base=BASE, panel_years=args.panel_years)
            peak_main, peak_tree, pss, line = _measure(
                work / "corpus" / "files", work / "out", jobs
            )
            n_files, n_ok, elapsed = line.split()
            rate = int(n_files) / float(elapsed)
            shared = "" if pss is None else f" (PSS {pss:.0f} MiB: shared pages counted once)"
            kind = f"panel ({args.panel_years} years) " if args.panel_years > 1 else ""
            parts.append(
                f"{n} {kind}txt reports ({n_ok} ok, {rate:.0f} rep/s, jobs {jobs}): peak RSS "
                f"build process {peak_main:.0f} MiB, with workers {peak_tree:.0f} MiB{shared}"
            )
    print("bench_memory: " + " | ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
