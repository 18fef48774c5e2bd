"""Command line: ``gkwork parse | check | release | rules | synth | info | score`` (also
``python -m gkwork``).

Exit codes: 0 when the command completed (a corpus run completes even when some files fail,
unless ``--strict``); 1 for ``--strict`` runs with failed files; 2 for usage errors and
:class:`gkwork.errors.GkworkError` (printed as one line on stderr, without a traceback).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from gkwork.corpus import ENGINES, TABLES, BuildResult, build_corpus
from gkwork.errors import GkworkError, InputError

log = logging.getLogger("gkwork")

#: Failed files listed in a summary before "and N more".
MAX_LISTED_FAILURES = 10


def _add_build_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="report files or directories")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (Parquet)")
    p.add_argument("--jobs", type=int, default=None, metavar="N", help="workers (default: all)")
    p.add_argument("--engine", choices=ENGINES, default="process", help="default: process")
    p.add_argument("--scheduler", metavar="ADDR", help="dask scheduler address (engine dask)")
    p.add_argument("--no-cache", action="store_true", help="parse every file again")
    p.add_argument("--timeout", type=float, default=120.0, metavar="S", help="per file (120)")
    p.add_argument("--strict", action="store_true", help="exit 1 when any file failed")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: only when stderr is a terminal)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of the ``gkwork`` command."""
    parser = argparse.ArgumentParser(
        prog="gkwork",
        description="Parse and check Chinese government information disclosure annual reports "
        "(政府信息公开工作年度报告).",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("parse", help="parse reports into a Parquet dataset")
    _add_build_args(p)
    p.add_argument("--no-check", action="store_true", help="skip the consistency checks")

    p = sub.add_parser("check", help="parse reports and summarise the checks by rule")
    _add_build_args(p)

    p = sub.add_parser(
        "release",
        help="write a dataset's data release: Parquet, CSV, Stata .dta and the codebook",
        description="Write the data release of a dataset built by gkwork parse/check: the "
        "harmonised reports (one row per report), the long cells, the checks (when the "
        "dataset was checked), each as Parquet, CSV (UTF-8 with BOM) and Stata 118 with "
        "variable labels, and the codebook (CSV and Markdown).",
    )
    p.add_argument("dataset", metavar="DIR", help="the --out folder of gkwork parse/check")
    p.add_argument("--out", required=True, metavar="DIR", help="release folder (created)")

    sub.add_parser("rules", help="list the check rules")

    p = sub.add_parser("synth", help="write a synthetic corpus (see gkwork synth --help)")
    p.add_argument("args", nargs=argparse.REMAINDER, help="arguments of gkwork synth")

    p = sub.add_parser("info", help="parse one report and print what was found")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--no-check", action="store_true", help="skip the consistency checks")

    p = sub.add_parser(
        "score", help="compare a dataset built from a synthetic corpus with its truth.jsonl"
    )
    p.add_argument("dataset", metavar="DIR", help="the --out folder of gkwork parse/check")
    p.add_argument(
        "--truth", required=True, metavar="PATH", help="truth.jsonl of gkwork synth (or its folder)"
    )
    return parser


def _run_build(args: argparse.Namespace, check: bool) -> BuildResult:
    if args.scheduler and args.engine != "dask":
        raise InputError(f"--scheduler needs --engine dask; got --engine {args.engine}")
    return build_corpus(
        args.inputs,
        args.out,
        engine=args.engine,
        jobs=args.jobs,
        scheduler=args.scheduler,
        timeout=args.timeout,
        check=check,
        progress=args.progress,
        cache=not args.no_cache,
    )


def format_build_summary(res: BuildResult) -> str:
    """Human-readable summary of a build: counts, templates, failures, output paths."""
    lines = [
        f"{res.n_files} files: {res.n_ok} ok, {res.n_failed} failed "
        f"({res.n_parsed} parsed, {res.n_cached} from cache) in {res.elapsed:.1f} s"
    ]
    if res.n_parts:
        lines.append(
            f"dataset parts: {res.n_parts} ({res.n_parts - res.n_parts_kept} written, "
            f"{res.n_parts_kept} kept from the previous build)"
        )
    if res.n_panel_blocks:
        lines.append(
            f"cross-year check blocks: {res.n_panel_blocks} "
            f"({res.n_panel_blocks - res.n_panel_blocks_kept} computed, "
            f"{res.n_panel_blocks_kept} kept from the previous build)"
        )
    if res.by_template:
        lines.append("templates: " + ", ".join(f"{k} {v}" for k, v in res.by_template.items()))
    if res.failures:
        statuses = ", ".join(f"{k} {v}" for k, v in res.by_status.items() if k != "ok")
        lines.append(f"failed ({statuses}):")
        for rid, status, error in res.failures[:MAX_LISTED_FAILURES]:
            lines.append(f"  {rid}  [{status}]  {error}")
        if len(res.failures) > MAX_LISTED_FAILURES:
            more = len(res.failures) - MAX_LISTED_FAILURES
            lines.append(f"  ... and {more} more (see the status and error columns of reports)")
    lines.append(f"outputs in {res.out_dir}:")
    for t in TABLES:
        lines.append(f"  {res.table_dir(t)}")
    return "\n".join(lines)


def _cmd_parse(args: argparse.Namespace) -> int:
    res = _run_build(args, check=not args.no_check)
    print(format_build_summary(res))
    return 1 if args.strict and res.n_failed else 0


def _cmd_check(args: argparse.Namespace) -> int:
    from gkwork.db import load
    from gkwork.validate import summarize_checks

    res = _run_build(args, check=True)
    print(format_build_summary(res))
    print()
    summary = summarize_checks(load(res.out_dir, "checks"))
    if summary.empty:
        print("no check results (no report parsed with status ok)")
    else:
        print("checks by rule and severity:")
        print(summary.to_string(index=False))
    return 1 if args.strict and res.n_failed else 0


def _cmd_rules(args: argparse.Namespace) -> int:  # noqa: ARG001
    from gkwork.validate import format_catalog

    print(format_catalog())
    return 0


def _cmd_synth(args: argparse.Namespace) -> int:
    from gkwork.synth import main as synth_main

    rest = list(args.args)
    if rest and rest[0] == "--":
        rest = rest[1:]
    return int(synth_main(rest) or 0)


def _flag_counts(cells) -> dict[str, int]:
    """How many cells carry each flag (a cell may carry several, comma-separated), by count."""
    flags = cells["flag"].dropna().astype(str).str.split(",").explode()
    counts = flags[flags != ""].value_counts().sort_index()
    return counts.sort_values(ascending=False, kind="stable").to_dict()


def _cmd_score(args: argparse.Namespace) -> int:
    from gkwork.evaluate import score

    result = score(args.dataset, args.truth)
    print(result.summary.to_string())
    off = result.files[
        (result.files[["wrong", "missing", "extra"]].sum(axis=1) > 0)
        | (result.files["faults_detected"] < result.files["n_faults"])
        | (result.files["unexplained"] != "")
    ]
    for row in off.head(MAX_LISTED_FAILURES).itertuples():
        print(
            f"  {row.file}: wrong {row.wrong}, missing {row.missing}, extra {row.extra}, "
            f"defects detected {row.faults_detected}/{row.n_faults}"
            + (f", unexplained failures: {row.unexplained}" if row.unexplained else "")
        )
    if len(off) > MAX_LISTED_FAILURES:
        print(f"  ... and {len(off) - MAX_LISTED_FAILURES} more")
    return 0


def _cmd_release(args: argparse.Namespace) -> int:
    from gkwork.corpus import load_corpus
    from gkwork.release import write_release

    out = Path(args.out).resolve()
    if out == Path(args.dataset).resolve():
        raise InputError(
            f"--out {args.out} is the dataset itself; write the release to another folder"
        )
    corpus = load_corpus(args.dataset)
    written = write_release(corpus, out)
    n_ok = int((corpus.reports["status"] == "ok").sum())
    print(f"release of {len(corpus.reports)} files ({n_ok} parsed ok) in {out}:")
    for name, paths in written.items():
        print(f"  {name}: " + ", ".join(p.name for p in paths))
    if "checks" not in written:
        print("  (no checks: the dataset was built with --no-check)")
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from gkwork.model import REPORT_COLUMNS
    from gkwork.readers import read_report

    report = read_report(Path(args.file))
    meta = report.meta or {}
    print(f"{args.file}")
    for key in REPORT_COLUMNS:
        if key in ("report_id", "path") or meta.get(key) is None:
            continue
        value = meta[key]
        print(f"  {key}: {value if value != '' else repr(value)}")  # '' = the base form
    cells = report.cells
    n_tables = cells["table"].nunique() if len(cells) else 0
    print(f"  cells: {len(cells)} in {n_tables} table(s); sections: {len(report.sections)}")
    flags = _flag_counts(cells)
    if flags:
        print("  cell flags: " + ", ".join(f"{k} {v}" for k, v in flags.items()))
    if args.no_check or report.status != "ok":
        return 0
    from gkwork.validate import check_report

    checks = check_report(report)
    counts = checks["status"].value_counts()
    print("  checks: " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "none"))
    failed = checks[checks["status"] == "fail"]
    for msg in failed["message"].head(MAX_LISTED_FAILURES):
        print(f"    {msg}")
    if len(failed) > MAX_LISTED_FAILURES:
        print(f"    ... and {len(failed) - MAX_LISTED_FAILURES} more")
    return 0


_COMMANDS = {
    "parse": _cmd_parse,
    "check": _cmd_check,
    "release": _cmd_release,
    "rules": _cmd_rules,
    "synth": _cmd_synth,
    "info": _cmd_info,
    "score": _cmd_score,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``gkwork`` command line; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "synth":  # let gkwork.synth own its options (and its --help)
        argv = ["synth", "--", *argv[1:]]
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed by argparse
        return int(exc.code or 0)
    level = logging.WARNING if args.verbose == 0 else logging.INFO if args.verbose == 1 else 10
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        return _COMMANDS[args.command](args)
    except GkworkError as exc:
        print(f"gkwork {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"gkwork {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (gkwork info … | head): not an error
        # point stdout at /dev/null so that the interpreter's final flush does not fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
