"""Run every benchmark with modest sizes and print their summary lines (``make bench``).

Usage: python benchmarks/run_all.py [--full]   (--full: the sizes named in RESULTS.md)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine  # noqa: E402

HERE = Path(__file__).resolve().parent

#: (script, modest arguments, full arguments)
BENCHMARKS = [
    ("bench_parse.py", ["--n", "20", "--n-slow", "5"], ["--n", "100", "--n-slow", "20"]),
    (
        "bench_build.py",
        ["--n", "2000", "--n-html", "800", "--n-slow", "80"],
        ["--n", "8000", "--n-html", "2000", "--n-slow", "200"],
    ),
    ("bench_rerun.py", ["--n", "300"], ["--n", "2000"]),
    (
        "bench_rerun.py",
        ["--n", "600", "--panel-years", "6"],
        ["--n", "20000", "--panel-years", "6"],
    ),
    ("bench_dask.py", ["--n", "100"], ["--n", "500"]),
    ("bench_memory.py", ["--sizes", "500", "2000"], ["--sizes", "10000", "100000"]),
    (
        "bench_memory.py",
        ["--sizes", "500", "2000", "--panel-years", "6"],
        ["--sizes", "10000", "100000", "--panel-years", "6"],
    ),
    ("bench_real.py", [], []),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="the large sizes (takes hours)")
    args = ap.parse_args(argv)
    print(f"machine: {machine()}", flush=True)
    failed = 0
    for script, modest, full in BENCHMARKS:
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, str(HERE / script), *(full if args.full else modest)],
            capture_output=True,
            text=True,
        )
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("bench_")]
        if proc.returncode or not lines:
            failed += 1
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            print(f"{script}: FAILED (exit {proc.returncode}): {tail[0]}", flush=True)
        else:
            print(f"{lines[-1]}  [{time.perf_counter() - t0:.0f} s]", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
