"""Reports per second by format, and the parser's cost beside a bare text pass.

For each format a synthetic corpus is written with gkwork.synth, then every file is parsed in
this process (``read_report``), checked (``check_report``, and as the corpus worker does it,
``check_columns``: no DataFrame), and, for comparison, scanned with one regex pass over the
same decoded text; for PDFs also pdfplumber's bare ``extract_text``. Each file is parsed once
before timing (``--cold`` skips this), so that the numbers are the steady state of a long
corpus build, not the first-use cost of the label-matching caches. Prints one summary line;
``--stages`` adds a per-stage breakdown of the parse (ms per report).

Usage: python benchmarks/bench_parse.py [--n 40] [--n-slow 10] [--formats txt md html docx pdf]
       [--cold] [--stages]
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


def bench_format(fmt: str, n: int, work: Path, *, cold: bool = False, stages: bool = False) -> str:
    from gkwork.readers import read_report
    from gkwork.validate import check_report

    try:  # the corpus worker's path (no per-report DataFrame); absent in older versions
        from gkwork.validate import check_columns
    except ImportError:  # pragma: no cover
        check_columns = None

    paths = make_corpus(work / fmt, n, fmt, base=n)
    for p in paths if not cold else paths[:1]:  # warm-up: imports, registry, match caches
        check_report(read_report(p))
    parse, check, check_cols, regex, bare = [], [], [], [], []
    n_ok = 0
    for p in paths:
        t0 = time.perf_counter()
        report = read_report(p)
        t1 = time.perf_counter()
        check_report(report)
        t2 = time.perf_counter()
        NUMBER_RE.findall(report.text or "")
        t3 = time.perf_counter()
        if check_columns is not None:
            check_columns(report)
            check_cols.append(time.perf_counter() - t3)
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
    line = f"{fmt} {1000 / per:.1f} rep/s ({_ms(parse):.1f} ms parse + {_ms(check):.1f} ms checks; "
    if check_cols:
        per_cols = _ms(parse) + _ms(check_cols)
        line += f"as columns {_ms(check_cols):.1f} ms = {1000 / per_cols:.1f} rep/s per core; "
    line += f"regex pass {_ms(regex):.2f} ms"
    if bare:
        line += f"; pdfplumber extract_text {_ms(bare):.0f} ms"
    line += f"; {n_ok}/{n} ok)"
    if stages:
        _STAGE_LINES.append(f"stages {fmt} (ms/report): {_stage_breakdown(paths)}")
    return line


_STAGE_LINES: list[str] = []


def _stage_breakdown(paths: list[Path]) -> str:
    """Mean ms per report of each parse stage (same steps as gkwork.extract.build_report)."""
    from gkwork import extract
    from gkwork import templates as T
    from gkwork.layouts import find_grids
    from gkwork.meta import extract_meta, extract_section_columns
    from gkwork.readers import read_document

    acc: dict[str, list[float]] = {}

    def timed(name, fn):
        t0 = time.perf_counter()
        out = fn()
        acc.setdefault(name, []).append(time.perf_counter() - t0)
        return out

    for p in paths:
        data = timed("read", p.read_bytes)
        doc = timed("decode", lambda: read_document(data, str(p)))  # noqa: B023
        if doc.status != "ok":
            continue
        timed("meta", lambda: extract_meta(doc))  # noqa: B023
        sig = timed("signatures", lambda: T.detect_signatures(doc.narrative))  # noqa: B023
        grids = timed(
            "grids",
            lambda: doc.grids if doc.grids is not None else find_grids(doc.text),  # noqa: B023
        )
        tpl = extract.choose_template(sig)
        timed(
            "cells",
            lambda: extract._cell_columns(grids, tpl, text=doc.text),  # noqa: B023
        )
        timed("sections", lambda: extract_section_columns(doc, "r"))  # noqa: B023
    return ", ".join(f"{k} {_ms(v):.2f}" for k, v in acc.items())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40, help="reports per format (default 40)")
    ap.add_argument("--n-slow", type=int, default=10, help="reports for docx and pdf (default 10)")
    ap.add_argument("--formats", nargs="+", default=["txt", "md", "html", "docx", "pdf"])
    ap.add_argument("--cold", action="store_true", help="no warm-up pass over the corpus")
    ap.add_argument("--stages", action="store_true", help="add a per-stage parse breakdown")
    args = ap.parse_args(argv)
    parts = []
    with tempfile.TemporaryDirectory(prefix="gkwork-bench-") as tmp:
        for fmt in args.formats:
            n = args.n_slow if fmt in ("docx", "pdf") else args.n
            parts.append(bench_format(fmt, n, Path(tmp), cold=args.cold, stages=args.stages))
    print("bench_parse: " + " | ".join(parts))
    for line in _STAGE_LINES:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
