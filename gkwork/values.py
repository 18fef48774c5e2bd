"""Cell values: raw text -> value, unit and flag, without ever inventing a number.

The value model follows domain.md §5.0:

* a number (``0``, ``  0 ``, ``0\\xa0``, ``１２``, ``1,234``, ``61件``, ``251000元``, ``+12``,
  ``-62`` where negatives mean something, ``75394432.52元`` where decimals are allowed);
* BLANK (empty or whitespace only) -> missing, flag ``blank``;
* NIL-TEXT (``无``, ``—``, ``——``, ``-`` alone, ``/``, ``／``) -> missing, flag ``text_value``;
* anything else -> missing, flag ``unparseable``.

A blank or ``无`` is never 0: ``value`` is NaN and ``raw`` keeps the source text.

Examples
--------
>>> parse_value("61件")
ParsedValue(value=61.0, unit='件', flag='unit_stripped')
>>> parse_value("无").flag
'text_value'
>>> parse_value("-62", allow_negative=True).value
-62.0
>>> parse_value("-62").flag
'negative_not_allowed'
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from typing import NamedTuple

#: Tokens that mean "nothing reported" (after NFKC and stripping).
NIL_TOKENS: frozenset[str] = frozenset(
    {"无", "—", "——", "–", "-", "--", "/", "\\", "／", "空", "暂无", "N/A", "n/a", "NA", "×", "x"}
)

#: Units that may be attached to a number inside a cell.
UNITS: tuple[str, ...] = (
    "万元",
    "人次",
    "件",
    "条",
    "项",
    "个",
    "次",
    "篇",
    "人",
    "元",
    "家",
    "份",
    "%",
)

_NUM_RE = re.compile(
    r"^(?P<sign>[+\-]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?(?P<unit>"
    + "|".join(map(re.escape, UNITS))
    + r")?$"
)
_SPACE_RE = re.compile(r"\s+")


class ParsedValue(NamedTuple):
    """Result of :func:`parse_value`."""

    value: float
    unit: str
    flag: str


def normalize_cell_text(raw: str) -> str:
    """NFKC (full-width digits and NBSP become ASCII) and drop all whitespace."""
    return _SPACE_RE.sub("", unicodedata.normalize("NFKC", raw))


def looks_numeric(raw: str) -> bool:
    """True when ``raw`` is a value cell: a number (with optional unit), blank or a nil token."""
    if type(raw) is str and len(raw) <= _CACHE_MAX_LEN:  # noqa: E721 - cells repeat a lot
        return _looks_numeric_cached(raw)
    return _looks_numeric(raw)


def _looks_numeric(raw: str) -> bool:
    s = normalize_cell_text(raw)
    return s == "" or s in NIL_TOKENS or _NUM_RE.match(s) is not None


#: Longer cell texts are not cached (they rarely repeat).
_CACHE_MAX_LEN = 64
_looks_numeric_cached = functools.lru_cache(maxsize=1 << 16)(_looks_numeric)


def is_number(raw: str) -> bool:
    """True when ``raw`` holds a number (possibly with a unit), not blank or nil text."""
    return _NUM_RE.match(normalize_cell_text(raw)) is not None


def parse_value(
    raw: str, *, allow_negative: bool = False, allow_decimal: bool = True
) -> ParsedValue:
    """Parse one cell's raw text.

    Parameters
    ----------
    raw : str
        The exact source text of the cell.
    allow_negative : bool
        Whether a leading ``-`` is a negative number (only 2019 ``本年增/减``). Otherwise a
        negative is kept as reported but flagged ``negative_not_allowed`` for the validator.
    allow_decimal : bool
        Whether a decimal fraction is plausible (amounts). Otherwise it is kept and flagged
        ``decimal_not_allowed``.

    Returns
    -------
    ParsedValue
        ``value`` (float, NaN when missing), ``unit`` ('' when none) and ``flag``: '' for a
        plain number; otherwise a comma-joined subset of ``blank``, ``text_value``,
        ``unparseable``, ``unit_stripped``, ``fullwidth``, ``thousands_sep``, ``signed``,
        ``negative_not_allowed``, ``decimal_not_allowed``.
    """
    if type(raw) is str and len(raw) <= _CACHE_MAX_LEN:  # noqa: E721 - cells repeat a lot
        return _parse_value_cached(raw, bool(allow_negative), bool(allow_decimal))
    return _parse_value(raw, allow_negative, allow_decimal)


def _parse_value(raw: str, allow_negative: bool, allow_decimal: bool) -> ParsedValue:
    nfkc = unicodedata.normalize("NFKC", raw)
    s = _SPACE_RE.sub("", nfkc)
    if s == "":
        return ParsedValue(math.nan, "", "blank")
    if s in NIL_TOKENS:
        return ParsedValue(math.nan, "", "text_value")
    m = _NUM_RE.match(s)
    if m is None:
        return ParsedValue(math.nan, "", "unparseable")
    flags: list[str] = []
    digits = m.group("int")
    if "," in digits:
        flags.append("thousands_sep")
        digits = digits.replace(",", "")
    frac = m.group("frac") or ""
    value = float(digits + frac)
    sign = m.group("sign")
    if sign == "-":
        value = -value
        if not allow_negative and value != 0:
            flags.append("negative_not_allowed")
    elif sign == "+":
        flags.append("signed")
    if frac and not allow_decimal:
        flags.append("decimal_not_allowed")
    unit = m.group("unit") or ""
    if unit:
        flags.append("unit_stripped")
    if any("\uff10" <= ch <= "\uff19" for ch in raw):
        flags.append("fullwidth")
    return ParsedValue(value, unit, ",".join(flags))


_parse_value_cached = functools.lru_cache(maxsize=1 << 16)(_parse_value)
