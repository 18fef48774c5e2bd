"""Assertion helpers with readable diffs (cf. agate's testcase)."""

from __future__ import annotations

import math

import pandas as pd


def cell_map(cells: pd.DataFrame) -> dict[tuple[str, str, str], float]:
    """{(table, row, col): value} of a cells frame."""
    return {
        (t, r, c): v
        for t, r, c, v in zip(
            cells["table"], cells["row"], cells["col"], cells["value"], strict=True
        )
    }


def _same(a: float | None, b: float | None) -> bool:
    na = a is None or (isinstance(a, float) and math.isnan(a))
    nb = b is None or (isinstance(b, float) and math.isnan(b))
    return (na and nb) or (not na and not nb and float(a) == float(b))


def assert_cells_match(
    cells: pd.DataFrame, expected: dict[tuple[str, str, str], float | None], *, exact: bool = False
) -> None:
    """Every expected (table,row,col) -> value is in ``cells``; with ``exact`` nothing else is.

    The failure message lists every missing, wrong and (with exact) unexpected cell.
    """
    got = cell_map(cells)
    problems = []
    for key, want in expected.items():
        if key not in got:
            problems.append(f"missing {key}: want {want!r}")
        elif not _same(got[key], want):
            problems.append(f"wrong   {key}: want {want!r}, got {got[key]!r}")
    if exact:
        for key in sorted(set(got) - set(expected)):
            problems.append(f"extra   {key}: got {got[key]!r}")
    assert not problems, f"{len(problems)} cell problem(s):\n" + "\n".join(problems[:60])


def assert_spans(report) -> None:
    """For every cell, ``report.text[start:end] == raw``."""
    bad = [
        (r.table, r.row, r.col, r.raw, report.text[r.start : r.end])
        for r in report.cells.itertuples()
        if report.text[int(r.start) : int(r.end)] != r.raw
    ]
    assert not bad, f"{len(bad)} cell spans do not point at their raw text, e.g. {bad[:5]}"


def slotted_texts(
    slots: list[list[str]],
    n: int,
    seed: int,
    *,
    max_runs: int,
    noise: list[str],
    p_noise: float,
) -> list[str]:
    """Random texts for equivalence tests of fast text searches against plain regexes.

    Each text is 1..``max_runs`` runs of ``slots`` (one alternative per slot; "" drops the
    slot), with a ``noise`` string inserted after a slot with probability ``p_noise``. Texts
    built from a pattern's own pieces make the pattern match often, which random text would not.
    """
    import random

    rng = random.Random(seed)
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, max_runs)):
            for alternatives in slots:
                parts.append(rng.choice(alternatives))
                if rng.random() < p_noise:
                    parts.append(rng.choice(noise))
        out.append("".join(parts))
    return out
