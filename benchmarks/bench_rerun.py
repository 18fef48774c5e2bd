"""Re-run time of a build over an unchanged corpus (content-hash cache) vs the first build.

Prints one summary line: first build, unchanged re-run, a re-run after one file changed and
one after a file was added (only the parts holding a changed file are assembled again, and
only the panel blocks holding its report computed again), and one as after an upgrade of
gkwork (every cache key changes: every file is parsed again and the old version's cache file is
deleted). With ``--panel-years K`` agencies report K consecutive years (most reports then
take part in cross-year checks).

Usage: python benchmarks/bench_rerun.py [--n 1000] [--jobs N] [--panel-years K]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import make_corpus, timed  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="txt reports (default 1000)")
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--panel-years", type=int, default=1, help="years per agency (default 1)")
    args = ap.parse_args(argv)
    import gkwork.corpus
    from gkwork.corpus import build_corpus, code_fingerprint

    with tempfile.TemporaryDirectory(prefix="gkwork-bench-") as tmp:
        paths = make_corpus(Path(tmp) / "corpus", args.n, "txt", panel_years=args.panel_years)
        src, out = Path(tmp) / "corpus" / "files", Path(tmp) / "out"
        # files written in the last 2 s are read again at the next build (their status could
        # change without showing: gkwork.corpus._RACY_NS); a corpus on disk is older than that
        time.sleep(2.1)
        kw = dict(jobs=args.jobs, progress=False)
        t_first, first = timed(lambda: build_corpus(src, out, **kw))
        t_again, again = timed(lambda: build_corpus(src, out, **kw))
        changed = paths[len(paths) // 2]
        text = changed.read_text(encoding="utf-8")
        changed.unlink()  # it may be a hard link shared with other copies
        changed.write_text(text + "\n", encoding="utf-8")
        t_one, one = timed(lambda: build_corpus(src, out, **kw))
        added = changed.with_name("zz-added" + changed.suffix)  # a new file, parsed alone
        added.write_text(text.replace("2", "3"), encoding="utf-8")
        t_add, add = timed(lambda: build_corpus(src, out, **kw))
        # a new gkwork version: the code fingerprint is part of every cache key
        gkwork.corpus._fingerprint_cache = code_fingerprint()[::-1]
        t_new, new = timed(lambda: build_corpus(src, out, **kw))
    print(
        f"bench_rerun: {args.n} txt reports"
        + (f" ({args.panel_years}-year panels)" if args.panel_years > 1 else "")
        + f": first build {t_first:.1f} s "
        f"({first.n_parsed} parsed), unchanged re-run {t_again:.2f} s ({again.n_parsed} parsed, "
        f"{t_first / t_again:.0f}x faster), one file changed {t_one:.2f} s ({one.n_parsed} parsed), one file added {t_add:.2f} s "
        f"({add.n_parsed} parsed), after a gkwork upgrade {t_new:.1f} s ({new.n_parsed} parsed)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
