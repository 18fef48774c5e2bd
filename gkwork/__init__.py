"""gkwork: a research workbench for China's government information disclosure annual reports.

政府信息公开工作年度报告 (annual reports on government information disclosure) are read from
text, HTML, Word and PDF files; their statutory tables are rebuilt into one long ``cells``
table whose every number points back to the characters it came from; every relation the
formats imply is checked; corpora are built into Parquet datasets.

Examples
--------
>>> import gkwork as gk
>>> r = gk.read_report(gk.paths.SEEDS_DIR / "002_cc63aea1b834e2e8.txt")
>>> r.meta["template"], len(r.cells)
('gov2019', 198)
"""

from __future__ import annotations

import os

# Arrow's default allocator (mimalloc) keeps the pages it freed in per-thread heaps: reading a
# corpus' Parquet parts left ~150 MB more resident per 20,000 reports than the C library's
# allocator, which returns them (benchmarks/RESULTS.md). This takes effect only when gkwork is
# imported before pyarrow (the command line; a script that imports gkwork before pandas, which
# imports pyarrow) and never overrides a choice made in the environment.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

import logging
from importlib import import_module
from typing import Any

from gkwork import paths, templates
from gkwork.errors import FileFormatError, GkworkError, InputError, Reason, TemplateError
from gkwork.extract import extract_cells
from gkwork.layouts import find_grids
from gkwork.model import CELL_FLAGS, Document, Grid, GridCell, Report
from gkwork.readers import read_document, read_report, read_text
from gkwork.values import parse_value

logging.getLogger("gkwork").addHandler(logging.NullHandler())

__version__ = "0.1.0"

# Modules loaded on first use (they pull in heavier dependencies).
_LAZY = {
    "check": ("gkwork.validate", "check_report"),
    "check_report": ("gkwork.validate", "check_report"),
    "check_cells": ("gkwork.validate", "check_cells"),
    "rule_catalog": ("gkwork.validate", "rule_catalog"),
    "summarize_checks": ("gkwork.validate", "summarize_checks"),
    "format_catalog": ("gkwork.validate", "format_catalog"),
    "check_panel": ("gkwork.panel", "check_panel"),
    "match_agencies": ("gkwork.panel", "match_agencies"),
    "read_corpus": ("gkwork.corpus", "read_corpus"),
    "build_corpus": ("gkwork.corpus", "build_corpus"),
    "Corpus": ("gkwork.corpus", "Corpus"),
    "PARSER_VERSION": ("gkwork.corpus", "PARSER_VERSION"),
    "__parser_version__": ("gkwork.corpus", "PARSER_VERSION"),
    "BuildResult": ("gkwork.corpus", "BuildResult"),
    "load_corpus": ("gkwork.corpus", "load_corpus"),
    "report_frames": ("gkwork.corpus", "report_frames"),
    "load_table": ("gkwork.db", "load"),
    "connect": ("gkwork.db", "connect"),
    "validate": ("gkwork.validate", None),
    "panel": ("gkwork.panel", None),
    "corpus": ("gkwork.corpus", None),
    "db": ("gkwork.db", None),
    "synth": ("gkwork.synth", None),
    "render": ("gkwork.render", None),
    "stats": ("gkwork.stats", None),
    "plots": ("gkwork.plots", None),
    "widgets": ("gkwork.widgets", None),
    "release": ("gkwork.release", None),
    "reference": ("gkwork.reference", None),
    "demo": ("gkwork.demo", None),
    "recover": ("gkwork.recover", None),
    "evaluate": ("gkwork.evaluate", None),
    "score": ("gkwork.evaluate", "score"),
}

__all__ = [
    "CELL_FLAGS",
    "Document",
    "FileFormatError",
    "GkworkError",
    "Grid",
    "GridCell",
    "InputError",
    "Reason",
    "Report",
    "TemplateError",
    "extract_cells",
    "find_grids",
    "parse_value",
    "paths",
    "read_document",
    "read_report",
    "read_text",
    "templates",
    *sorted(_LAZY),
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        mod = import_module(module)
        value = mod if attr is None else getattr(mod, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gkwork' has no attribute {name!r}")
