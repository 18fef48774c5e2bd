"""Tests of gkwork.db: DuckDB views and pandas loader over a built dataset."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gkwork import db
from gkwork.corpus import build_corpus
from gkwork.errors import InputError
from gkwork.model import CELL_COLUMNS, REPORT_COLUMNS, SECTION_COLUMNS, Report


def kv_parse(path: Path) -> Report:
    """Fake parser: each line ``row=value`` is a cell of table applications, column total."""
    text = Path(path).read_text(encoding="utf-8")
    rows, pos = [], 0
    for line in text.splitlines(keepends=True):
        key, val = line.rstrip("\n").split("=")
        start = pos + len(key) + 1
        rows.append(
            {"table": "applications", "row": key, "col": "total", "value": float(val),
             "raw": val, "start": start, "end": start + len(val)}
        )  # fmt: skip
        pos += len(line)
    meta = {"status": "ok", "format": "txt", "template": "gov2021", "year": 2020 + len(rows)}
    cells = pd.DataFrame(rows, columns=CELL_COLUMNS)
    return Report(
        Path(path).stem, str(path), text, meta, cells, pd.DataFrame(columns=SECTION_COLUMNS)
    )


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    (src / "r1.txt").write_text("new_received=5\ncarried_over=1\n", encoding="utf-8")
    (src / "r2.txt").write_text("new_received=7\n", encoding="utf-8")
    (src / "r3.doc").write_bytes(b"\xd0\xcf\x11\xe0")  # unsupported -> error row
    out = tmp_path / "out"
    build_corpus(
        src, out, engine="serial", check=False, parse_fn=kv_parse, progress=False, chunk_size=1
    )
    return out


def test_connect_answers_sql(dataset: Path) -> None:
    con = db.connect(dataset)
    by_status = dict(con.execute("SELECT status, count(*) FROM reports GROUP BY 1").fetchall())
    assert by_status == {"ok": 2, "error": 1}
    rows = con.execute(
        "SELECT r.report_id, r.year, sum(c.value) AS total FROM reports r "
        "JOIN cells c USING (report_id) GROUP BY 1, 2 ORDER BY 1"
    ).fetchall()
    assert rows == [("r1", 2022, 6.0), ("r2", 2021, 7.0)]
    assert con.execute("SELECT count(*) FROM checks").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM sections").fetchone() == (0,)
    cols = [d[0] for d in con.execute("SELECT * FROM reports").description]
    assert cols == REPORT_COLUMNS


def test_connect_never_downloads_extensions(dataset: Path) -> None:
    con = db.connect(dataset)
    for name in ("autoinstall_known_extensions", "autoload_known_extensions"):
        assert con.execute(f"SELECT current_setting('{name}')").fetchone() == (False,)


def test_load_returns_pandas(dataset: Path) -> None:
    rep = db.load(dataset, "reports")
    assert list(rep.columns) == REPORT_COLUMNS and len(rep) == 3
    assert rep.set_index("report_id").loc["r3", "error"].startswith("unsupported_format:")
    cells = db.load(dataset, "cells")
    assert cells["value"].sum() == 13.0 and str(cells["start"].dtype) == "Int64"


def test_errors_are_input_errors(dataset: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="table must be one of"):
        db.load(dataset, "cell")
    with pytest.raises(InputError, match="no gkwork dataset"):
        db.connect(tmp_path / "empty")
