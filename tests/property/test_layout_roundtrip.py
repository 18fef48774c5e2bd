"""Property test: random canonical tables rendered in every text layout parse back exactly.

Random gov2019/gov2021 tables (heavy-tailed counts that satisfy every identity) are written by
:func:`gkwork.render.render_text` in the pipe, cell_per_line, markdown and tsv layouts with random
quirks (blanks, 无, units, split headers, full-width digits, padding, thousands separators,
half-width punctuation, CRLF), parsed with :func:`gkwork.readers.read_text`, and compared with
:func:`gkwork.render.expected_cells`. This exercises the parser, so it runs at integration; an
import failure is a test failure, not a skip.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gkwork.readers import read_text
from gkwork.render import ReportSpec, expected_cells, render_text
from gkwork.synth import _active_disclosure, _applications, _review_litigation

KEYS = ["table", "row", "col"]


def _norm(raw: object) -> str:
    """Raw text modulo the exact characters: NFKC, whitespace removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(raw or "")))


@st.composite
def cases(draw):
    template = draw(st.sampled_from(["gov2019", "gov2021"]))
    seed = draw(st.integers(0, 2**31 - 1))
    n_new = draw(st.one_of(st.just(0), st.integers(1, 30), st.integers(1000, 20000)))
    rng = np.random.default_rng(seed)
    spec = ReportSpec(
        report_id=f"prop-{seed}",
        agency="测试市某某区人民政府",
        admin_level="county",
        agency_kind="government",
        year=2020 if template == "gov2019" else 2022,
        template=template,
        signed_date="2021-01-18" if template == "gov2019" else "2023-01-18",
        paragraphs=["本年度政府信息公开工作稳步推进。"],
        tables={
            "active_disclosure": _active_disclosure(rng, template, "county", "government"),
            "applications": _applications(rng, template, n_new),
            "review_litigation": _review_litigation(rng, n_new),
        },
        truncate_applications_after=draw(st.sampled_from([None, None, "unavailable_not_held"])),
    )
    layout = draw(st.sampled_from(["pipe", "cell_per_line", "markdown", "tsv"]))
    quirks = {
        "seed": draw(st.integers(0, 1000)),
        "blanks": draw(st.sampled_from([0.0, 0.3])),
        "nil": draw(st.sampled_from([0.0, 0.2])),
        "units": draw(st.sampled_from([0.0, 0.3])),
        "fullwidth": draw(st.sampled_from([0.0, 0.5])),
        "padding": draw(st.sampled_from([0.0, 0.5])),
        "thousands": draw(st.sampled_from([0.0, 1.0])),
        "split_headers": draw(st.sampled_from([0.0, 0.6])),
        "halfwidth": draw(st.booleans()),
        "blank_lines": draw(st.booleans()),
        "crlf": draw(st.booleans()),
        "md_merge": draw(st.sampled_from(["repeat", "empty"])),
    }
    return spec, layout, quirks, draw(st.integers(0, 1000))


@pytest.mark.slow
@settings(
    derandomize=True,
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cases())
def test_rendered_layouts_parse_back_to_expected_cells(case):
    spec, layout, quirks, rseed = case
    text = render_text(spec, layout, quirks=quirks, rng=rseed)
    report = read_text(text)
    exp = expected_cells(spec, quirks=quirks)
    got = report.cells
    context = f"layout={layout} quirks={quirks} report={spec.report_id}"

    assert set(map(tuple, got[KEYS].values.tolist())) == set(
        map(tuple, exp[KEYS].values.tolist())
    ), context
    m = exp.merge(got, on=KEYS, suffixes=("_exp", "_got"))
    both_nan = m["value_exp"].isna() & m["value_got"].isna()
    same = (m["value_exp"] == m["value_got"]) | both_nan
    assert same.all(), (context, m.loc[~same, [*KEYS, "raw_exp", "raw_got", "value_got"]])
    raw_ok = m["raw_exp"].map(_norm) == m["raw_got"].map(_norm)
    assert raw_ok.all(), (context, m.loc[~raw_ok, [*KEYS, "raw_exp", "raw_got"]])
    for r in got.itertuples(index=False):
        assert report.text[int(r.start) : int(r.end)] == r.raw, (context, r)
