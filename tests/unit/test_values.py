"""gkwork.values: raw cell text -> value, unit, flag; blanks and 无 are never 0."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gkwork.values import looks_numeric, parse_value


@pytest.mark.parametrize(
    ("raw", "value", "unit", "flag"),
    [
        ("0", 0, "", ""),
        ("  0 ", 0, "", ""),
        ("0\u00a0", 0, "", ""),
        ("\u3000１２", 12, "", "fullwidth"),
        ("1,234", 1234, "", "thousands_sep"),
        ("61件", 61, "件", "unit_stripped"),
        ("251000元", 251000, "元", "unit_stripped"),
        ("3.5万元", 3.5, "万元", "unit_stripped"),
        ("+12", 12, "", "signed"),
    ],
)
def test_numbers(raw, value, unit, flag):
    pv = parse_value(raw)
    assert (pv.value, pv.unit, pv.flag) == (value, unit, flag)


@pytest.mark.parametrize("raw", ["", " ", "\u00a0", "\u3000"])
def test_blank_is_missing_not_zero(raw):
    pv = parse_value(raw)
    assert math.isnan(pv.value) and pv.flag == "blank"


@pytest.mark.parametrize("raw", ["无", "—", "——", "/", "／", "-"])
def test_nil_text_is_missing_not_zero(raw):
    pv = parse_value(raw)
    assert math.isnan(pv.value) and pv.flag == "text_value"


def test_negative_only_where_meaningful():
    assert parse_value("-62", allow_negative=True) == (-62.0, "", "")
    kept = parse_value("-62")
    assert kept.value == -62 and kept.flag == "negative_not_allowed"


def test_decimal_flagged_where_counts_expected():
    assert parse_value("2.5", allow_decimal=False).flag == "decimal_not_allowed"
    assert parse_value("75394432.52元", allow_decimal=True).value == 75394432.52


def test_text_is_unparseable():
    pv = parse_value("见附件")
    assert math.isnan(pv.value) and pv.flag == "unparseable"
    assert not looks_numeric("见附件") and looks_numeric("无") and looks_numeric(" 12 ")


@given(st.integers(min_value=0, max_value=10**9))
def test_roundtrip_integers(n):
    fw = str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert parse_value(str(n)).value == n
    assert parse_value(fw).value == n
    assert parse_value(f"{n:,}").value == n
    assert parse_value(f" {n}件 ").value == n


def test_every_flag_is_declared_and_every_declared_flag_is_given():
    from gkwork import recover
    from gkwork.model import CELL_FLAGS

    given_by_values = set()
    for raw, kw in [
        ("", {}),
        ("无", {}),
        ("abc", {}),
        ("61件", {}),
        ("１２", {}),
        ("1,234", {}),
        ("+3", {}),
        ("-62", {}),
        ("1.5", {"allow_decimal": False}),
    ]:
        given_by_values |= set(filter(None, parse_value(raw, **kw).flag.split(",")))
    given_by_recovery = {recover.FLAG_INFERRED, recover.FLAG_AMBIGUOUS, recover.FLAG_UNRESOLVED}
    assert given_by_values | given_by_recovery == set(CELL_FLAGS)
    assert all(meaning.strip() for meaning in CELL_FLAGS.values())
