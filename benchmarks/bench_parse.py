"""Reports per second by format, and the parser's cost beside a bare text pass.

For each format a synthetic corpus is written with gkwork.synth, then every file is parsed in
this process (``read_report``), checked (``check_report``), and, for comparison, scanned with
one regex pass over the same decoded text; for PDFs also pdfplumber's bare ``extract_text``.
Prints one summary line.

Usage: python benchmarks/bench_parse.py [--n 40] [--n-pdf 10] [--formats txt md html docx pdf]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import make_corpus  # noqa: E402

NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")


def _ms(values: list[float]) -> float:
    return 1000 * statistics.mean(values) if values else float("nan")


def bench_format(fmt: str, n: int, work: Path) -> str:
    from gkwork.readers import read_report
    from gkwork.validate import check_report

    paths = make_corpus(work / fmt, n, fmt, base=n)
    read_report(paths[0])  # warm-up: imports, template registry
    parse, check, regex, bare = [], [], [], []
    n_ok = 0
    for p in paths:
        t0 = time.perf_counter()
        report = read_report(p)
        t1 = time.perf_counter()
        check_report(report)
        t2 = time.perf_counter()
        NUMBER_RE.findall(report.text or "")
        t3 = time.perf_counter()
        parse.append(t1 - t0)
        check.append(t2 - t1)
        regex.append(t3 - t2)
        n_ok += report.status == "ok"
        if fmt == "pdf":
            import pdfplumber

            t4 = time.perf_counter()
            with pdfplumber.open(p) as pdf:
                "".join(page.extract_text() or "" for page in pdf.pages)
            bare.append(time.perf_counter() - t4)
    per = _ms(parse) + _ms(check)
    line = (
        f"{fmt} {1000 / per:.1f} rep/s ({_ms(parse):.0f} ms parse + {_ms(check):.0f} ms checks; "
        f"regex pass {_ms(regex):.2f} ms"
    )
    if bare:
        line += f"; pdfplumber extract_text {_ms(bare):.0f} ms"
    return line + f"; {n_ok}/{n} ok)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40, help="reports per format (default 40)")
    ap.add_argument("--n-slow", type=int, default=10, help="reports for docx and pdf (default 10)")
    ap.add_argument("--formats", nargs="+", default=["txt", "md", "html", "docx", "pdf"])
    args = ap.parse_args(argv)
    parts = []
    with tempfile.TemporaryDirectory(prefix="gkwork-bench-") as tmp:
        for fmt in args.formats:
            n = args.n_slow if fmt in ("docx", "pdf") else args.n
            parts.append(bench_format(fmt, n, Path(tmp)))
    print("bench_parse: " + " | ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
