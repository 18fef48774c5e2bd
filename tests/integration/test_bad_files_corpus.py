"""Issue 4: broken Word and PDF files are per-file errors; the rest of the corpus still parses."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
from fixtures_docs import report_blocks

from gkwork import writers
from gkwork.corpus import build_corpus


def test_corrupt_and_scanned_files_do_not_stop_a_build(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    blocks = report_blocks("gov2021")
    (src / "good.docx").write_bytes(writers.write_docx(blocks))
    (src / "good.html").write_bytes(writers.write_html(blocks, encoding="gbk"))
    (src / "scanned.pdf").write_bytes(writers.write_pdf(blocks[:3], image_only=True))
    (src / "corrupt.pdf").write_bytes(
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nthis is not a PDF body"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "not a word document")
    (src / "corrupt.docx").write_bytes(buf.getvalue())
    (src / "truncated.docx").write_bytes(writers.write_docx(blocks)[:700])

    res = build_corpus([src], tmp_path / "out", engine="serial", progress=False)
    assert res.n_files == 6
    rep = pd.read_parquet(tmp_path / "out" / "reports.parquet").set_index("report_id")
    statuses = rep["status"].to_dict()
    ok = [k for k, v in statuses.items() if v == "ok"]
    assert len(ok) == 2, statuses  # the DOCX and the HTML copy of the same report
    scanned = rep[rep["path"].str.endswith("scanned.pdf")].iloc[0]
    assert scanned["status"] == "needs_ocr" and "OCR" in scanned["error"]
    for name in ("corrupt.pdf", "corrupt.docx", "truncated.docx"):
        row = rep[rep["path"].str.endswith(name)].iloc[0]
        assert row["status"] == "error", (name, row["error"])
        assert row["error"].startswith("corrupt_file"), (name, row["error"])
        assert "internal_error" not in row["error"]
    cells = pd.read_parquet(tmp_path / "out" / "cells.parquet")
    per_report = cells.groupby("report_id").size()
    assert per_report.min() == per_report.max() == 200  # both good copies, all gov2021 cells


def test_a_word_or_pdf_file_under_another_suffix_is_read_as_what_it_is(tmp_path: Path) -> None:
    # web servers hand out .docx files, and Word files saved as web pages, as .doc (and PDFs
    # under odd names): the first bytes decide, in a corpus build as in read_report; a real old .doc gets the advice to convert
    from gkwork.readers import read_report
    from gkwork.readers_docx import OLE2_MAGIC

    src = tmp_path / "in"
    src.mkdir()
    blocks = report_blocks("gov2021")
    (src / "renamed.doc").write_bytes(writers.write_docx(blocks))
    (src / "download.bin").write_bytes(writers.write_pdf(blocks[:3]))
    (src / "old.doc").write_bytes(OLE2_MAGIC + bytes(600))
    (src / "webpage.doc").write_bytes(writers.write_html(blocks, encoding="gbk"))
    build_corpus([src], tmp_path / "out", engine="serial", progress=False)
    rep = pd.read_parquet(tmp_path / "out" / "reports.parquet").set_index("report_id")
    assert rep.loc["renamed", ["status", "format"]].tolist() == ["ok", "docx"]
    assert rep.loc["download", ["status", "format"]].tolist() == ["ok", "pdf"]
    assert rep.loc["webpage", ["status", "format"]].tolist() == ["ok", "html"]
    assert rep.loc["old", "error"].startswith("unsupported_format")
    assert "convert-to docx" in rep.loc["old", "error"]
    alone = read_report(src / "renamed.doc")
    assert alone.meta["format"] == "docx" and alone.status == "ok"
    cells = pd.read_parquet(tmp_path / "out" / "cells.parquet")
    assert (cells["report_id"] == "renamed").sum() == len(alone.cells)
