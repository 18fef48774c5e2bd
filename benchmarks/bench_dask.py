"""The dask engine with 2 local worker processes, beside the process engine with 2 jobs.

Prints one summary line (reports/s of each engine, and whether the datasets are identical).

Usage: python benchmarks/bench_dask.py [--n 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import make_corpus, timed  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="txt reports (default 200)")
    args = ap.parse_args(argv)
    import pandas as pd
    from dask.distributed import Client, LocalCluster

    from gkwork.corpus import TABLES, build_corpus

    with tempfile.TemporaryDirectory(prefix="gkwork-bench-") as tmp:
        make_corpus(Path(tmp) / "corpus", args.n, "txt")
        src = Path(tmp) / "corpus" / "files"
        kw = dict(progress=False, cache=False)
        t_proc, _ = timed(lambda: build_corpus(src, Path(tmp) / "proc", jobs=2, **kw))
        t_start, cluster = timed(
            lambda: LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            )
        )
        with cluster, Client(cluster) as client:
            t_dask, _ = timed(
                lambda: build_corpus(src, Path(tmp) / "dask", engine="dask", scheduler=client, **kw)
            )
        differ = [
            t
            for t in TABLES
            if not pd.read_parquet(Path(tmp) / "proc" / f"{t}.parquet").equals(
                pd.read_parquet(Path(tmp) / "dask" / f"{t}.parquet")
            )
        ]
    print(
        f"bench_dask: {args.n} txt reports: process engine (2 jobs) {args.n / t_proc:.1f} rep/s, "
        f"dask engine (2 local workers) {args.n / t_dask:.1f} rep/s "
        f"(+{t_start:.1f} s cluster start-up); datasets identical: "
        f"{'yes' if not differ else 'NO, tables differ: ' + ', '.join(differ)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
