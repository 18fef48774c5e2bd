"""Shared helpers for the benchmarks: synthetic corpora and timing.

Benchmarks are run by ``make bench`` (``benchmarks/run_all.py``), never by the tests.
"""

from __future__ import annotations

import os
import platform
import shutil
import time
from collections.abc import Callable
from pathlib import Path

REPORT_SUFFIXES = (".txt", ".md", ".html", ".docx", ".pdf")


def make_corpus(
    out_dir: Path,
    n: int,
    fmt: str = "txt",
    *,
    base: int | None = None,
    seed: int = 0,
    panel_years: int = 1,
) -> list[Path]:
    """Write ``n`` synthetic reports of one format into ``out_dir``; return their paths.

    By default every report is distinct (generated with :mod:`gkwork.synth`). With ``base``,
    at most ``base`` distinct reports are generated and larger corpora repeat them under new
    names (each copy is still parsed: cache keys include the name). Repeated reports parse
    faster than distinct ones (the parser's caches of row and cell texts hit on every line of
    a copy), so rates are measured on distinct reports; repeats serve the memory benchmark,
    where generating 100k distinct reports would take minutes. With ``panel_years`` > 1
    agencies report that many consecutive years (``gkwork synth --panel-years``), and every
    report is distinct (``base`` is ignored: copies would repeat an agency's years).
    """
    from gkwork.synth import iter_specs, write_corpus

    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    src = out_dir / "_base"
    if panel_years > 1:
        base = None
    specs = iter_specs(n if base is None else min(n, base), seed=seed, panel_years=panel_years)
    write_corpus(specs, src, formats=(fmt,))
    originals = sorted(p for p in src.iterdir() if p.suffix in REPORT_SUFFIXES)
    paths = []
    for i in range(n):
        orig = originals[i % len(originals)]
        sub = out_dir / "files" / f"{i // 1000:04d}"
        sub.mkdir(parents=True, exist_ok=True)
        dest = sub / f"r{i:07d}{orig.suffix}"
        if i < len(originals):
            shutil.copyfile(orig, dest)
        else:  # a hard link saves disk space for 100k-report corpora
            try:
                os.link(orig, dest)
            except OSError:
                shutil.copyfile(orig, dest)
        paths.append(dest)
    return paths


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """Wall-clock seconds of ``fn()`` and its result."""
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def machine() -> str:
    """One line describing this machine (CPU count, model, memory)."""
    import psutil

    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next(
                (ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu
            )
    except OSError:
        pass
    mem = psutil.virtual_memory().total / 2**30
    return f"{os.cpu_count()} CPUs ({cpu}), {mem:.0f} GiB RAM, Python {platform.python_version()}"
