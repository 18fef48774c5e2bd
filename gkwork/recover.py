"""Recover statutory tables from damaged text: flattened page text and OCR markdown.

Two kinds of damage are handled:

``flattened`` / ``flattened_spaced``
    Archived page text in which a whole table sits on one line and the cell separators were
    lost (``规范性文件898989``, ``1.属于国家秘密00000002.其他…``) or reduced to single
    spaces. Each template row label is located in order (labels from :mod:`gkwork.templates`,
    compared after NFKC / quote / separator normalisation), the run of digits between it and
    the next label is taken, and the run is split into the number of cells the template
    expects. A split must be *plausible* (no leading zeros in multi-digit counts, a minus sign
    only where the column allows negatives, a decimal point or ``元`` only in amount cells,
    spaces are always cell boundaries) and, where the table has one, *consistent with its
    arithmetic*:

    * ``app.total_column`` - 总计 = sum of the six applicant columns (per row);
    * ``rl.total`` - per review/litigation block, 总计 = sum of the other four;
    * ``app.balance`` / ``app.outcome_sum`` - cross-row, used only for rows that are still
      ambiguous alone, and only when the identity is not already violated by the cells that
      are determined (a report that breaks an identity keeps its numbers as printed);
    * ``legacy.part_exceeds_total`` - a legacy "其中" part is at most its total (cross-row);
    * ``text_table.mismatch`` - legacy tables only: a value stated in the narrative next to
      the indicator's name picks one of several candidate splits.

    Exactly one admissible split: the cells get flag ``inferred_split`` and the rule IDs used
    are recorded in :attr:`RecoveryResult.inferred_by` (``[]`` when plausibility alone - e.g.
    the run length - fixed the boundaries). Several: every cell of the row is emitted as
    missing (NaN) with flag ``ambiguous``, ``raw`` = the whole run, and the candidates are
    listed in :attr:`RecoveryResult.inferred`. None (e.g. a row printed with a digit
    missing): flag ``unresolved``, also missing. A value is never guessed. A row whose
    boundaries are all printed (one space between cells) is not inferred: its cells keep the
    flag :func:`gkwork.values.parse_value` gives (usually '').

``markdown_ocr``
    OCR / LLM markdown in which a table is broken into small pipe tables with placeholder or
    wrong headers (``数据1 … 数据6 | 总计``). Rows are mapped by label similarity (score
    threshold :attr:`RecoverySettings.markdown_row_min_score`), columns by content and
    template structure (seven numeric cells are the seven applicant columns, in order).

Every emitted cell satisfies ``text[start - offset:end - offset] == raw``.

Entry points: :func:`detect_damaged_layout`, :func:`extract_flattened`,
:func:`extract_markdown`, :func:`map_markdown_table`, :func:`recover`.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import logging
import math
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz import fuzz

from gkwork import templates as T
from gkwork.values import looks_numeric, parse_value

__all__ = [
    "FLAG_AMBIGUOUS",
    "FLAG_INFERRED",
    "FLAG_UNRESOLVED",
    "LAYOUT_FLATTENED",
    "LAYOUT_MARKDOWN",
    "LAYOUT_SPACED",
    "RecoveryResult",
    "RecoverySettings",
    "detect_damaged_layout",
    "extract_flattened",
    "extract_markdown",
    "map_markdown_table",
    "recover",
    "clear_cache",
    "split_run",
]

logger = logging.getLogger("gkwork")

LAYOUT_FLATTENED = "flattened"
LAYOUT_SPACED = "flattened_spaced"
LAYOUT_MARKDOWN = "markdown_ocr"

FLAG_INFERRED = "inferred_split"
FLAG_AMBIGUOUS = "ambiguous"
FLAG_UNRESOLVED = "unresolved"

RULE_TOTAL_COLUMN = "app.total_column"
RULE_BALANCE = "app.balance"
RULE_OUTCOME_SUM = "app.outcome_sum"
RULE_RL_TOTAL = "rl.total"
RULE_PART = "legacy.part_exceeds_total"
RULE_YEAR_LE_CUMULATIVE = "legacy.year_le_cumulative"
RULE_NARRATIVE = "text_table.mismatch"


@dataclass(frozen=True)
class RecoverySettings:
    """Limits and thresholds of the recovery (named defaults, not magic numbers).

    Attributes
    ----------
    max_cell_digits : int
        Longest digit string one cell may hold (counts and amounts).
    max_candidates : int
        Candidates kept per ambiguous row for cross-row solving and for the report; a row
        with more is reported with ``n_candidates == max_candidates + 1`` and is not solved
        jointly.
    max_joint : int
        Largest product of candidate counts tried when rows are solved jointly.
    label_window : int
        Maximum distance (normalised characters) from one row label to the next.
    table_span : int
        Maximum length of one table after its first row label.
    review_window : int
        Maximum distance from ``行政复议`` (Section 四 header) to its data run.
    min_detect_rows : int
        Table labels with numbers on one line needed to call a text flattened.
    min_bare_len : int
        A label stripped of its item number (``总计`` of ``（七）总计``) shorter than this is
        searched only once another row of the table has been found.
    fuzzy_label_min : float
        rapidfuzz partial ratio (0-100) for a label with a typo in flattened text.
    fuzzy_min_len : int
        Shortest label tried with fuzzy matching.
    markdown_row_min_score : float
        Minimum :func:`gkwork.templates.match_label` score for a markdown row label (OCR
        confusions such as 沭/沐 score ~90; a different row scores far lower).
    narrative_tables : tuple of str
        Tables for which a number stated in the narrative may pick a split.
    narrative_keyword_len : int
        Characters of the indicator label that must precede the narrative number.
    narrative_max_gap : int
        Maximum characters between that keyword and the number.
    narrative_min_value : int
        Smaller narrative numbers are too common to pick a split.
    """

    max_cell_digits: int = 12
    max_candidates: int = 256
    max_joint: int = 100_000
    label_window: int = 400
    table_span: int = 6000
    review_window: int = 400
    min_detect_rows: int = 3
    min_bare_len: int = 4
    fuzzy_label_min: float = 90.0
    fuzzy_min_len: int = 6
    markdown_row_min_score: float = 88.0
    narrative_tables: tuple[str, ...] = ("legacy_stats",)
    narrative_keyword_len: int = 4
    narrative_max_gap: int = 12
    narrative_min_value: int = 10


DEFAULT_SETTINGS = RecoverySettings()


@dataclass
class RecoveryResult:
    """What a recovery returns.

    Attributes
    ----------
    cells : list of dict
        Keys table, row, col, value, unit, raw, flag, start, end (schema.md long format
        without report_id).
    inferred : list of dict
        One entry per cell whose boundaries were inferred or could not be: table, row, col,
        method (``length``, ``plausibility``, ``arithmetic``, ``joint``, ``narrative``,
        ``ambiguous``, ``unresolved``), n_candidates, candidates (row value tuples, at most
        ``max_candidates``), rules (rule IDs used).
    inferred_by : dict
        ``"table/row/col"`` -> rule IDs used to fix the cell ([] = length/plausibility).
    layout : str
        Reconstruction used: ``flattened``, ``flattened_spaced`` or ``markdown_ocr``.
    tables : dict
        table -> ``full`` (every expected cell determined), ``ambiguous`` (all rows found,
        some cells ambiguous), ``partial`` (rows missing or unresolved) or ``absent``.
    variant : str
        Template variant used ('' = base).
    notes : list of str
        Human-readable remarks (identities violated by the data, column mapping by position).
    columns_left_out : list of str
        Tables read with their first value column alone (one number printed per row where
        the form has more columns, see ``_one_printed_column``).
    """

    cells: list[dict] = field(default_factory=list)
    inferred: list[dict] = field(default_factory=list)
    inferred_by: dict[str, list[str]] = field(default_factory=dict)
    layout: str = LAYOUT_FLATTENED
    tables: dict[str, str] = field(default_factory=dict)
    variant: str = ""
    notes: list[str] = field(default_factory=list)
    columns_left_out: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Text normalisation with an offset map

_QUOTES = set("“”\"'‘’「」『』〝〞″＂＇")
_ZERO_WIDTH = set("\u200b\u200c\u200d\u2060\ufeff")
_DIGITS = set("0123456789")
_RUN_CHARS = _DIGITS | {".", "-", "+"}
#: Count units that may close a cell inside a run (``1个246900元``).
_CELL_UNITS = ("个", "项", "件", "条")
_CN_NUM = "一二三四五六七八九十"


def _nfkc(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch)


def _compact_char(ch: str) -> str:
    """What :func:`_compact_reference` writes for one character of the text ('' for none)."""
    out = []
    for c in _nfkc(ch):
        if c.isspace() or c in _QUOTES or c in _ZERO_WIDTH:
            continue
        out.append("," if c in "、,，" else c)
    return "".join(out)


#: What :func:`_compact_char` gives for each code point of the Basic Multilingual Plane, as a
#: code point: the single character written, or one of the marks below (an expanding
#: character's text is in ``_COMPACT_EXPANSIONS``). Filled as characters are met (a corpus
#: uses a few thousand).
_COMPACT_LUT = np.full(0x10000, -3, dtype=np.int32)
_DROPPED, _EXPANDS, _UNSEEN = -1, -2, -3
_COMPACT_EXPANSIONS: dict[int, str] = {}


def _decode_cps(cps: np.ndarray) -> str:
    return cps.astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass")


@functools.lru_cache(maxsize=4)
def _compact(text: str) -> tuple[str, list[int]]:
    """The text as :func:`gkwork.templates.normalize_label` would write it, with a map.

    Cached: the detector and the extractors of one document share it (treat as read-only).

    Returns the compact string and, for each of its characters, the offset in ``text``.
    Each character is normalised on its own (NFKC, whitespace, quotes and zero-width
    characters dropped, enumeration commas as ``,``). The text goes through a lookup table of
    code points in numpy (a Python loop costs about 0.1 µs per character, a millisecond per
    report); a text with a character outside the table's plane takes
    :func:`_compact_reference`. Same result either way.
    """
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if not len(cps) or int(cps.max()) >= len(_COMPACT_LUT):
        return _compact_reference(text)
    lut = _COMPACT_LUT
    out = lut[cps]
    if (out == _UNSEEN).any():
        for cp in np.unique(cps[out == _UNSEEN]).tolist():
            got = _compact_char(chr(cp))
            if len(got) > 1:
                _COMPACT_EXPANSIONS[cp] = got
            lut[cp] = ord(got) if len(got) == 1 else _DROPPED if not got else _EXPANDS
        out = lut[cps]
    keep = out >= 0
    expands = np.flatnonzero(out == _EXPANDS).tolist()
    if not expands:
        s = _decode_cps(out[keep])
        return s.replace("其它", "其他"), np.flatnonzero(keep).tolist()
    # a few characters expand to several (①, ㎡, …): their text between the fast runs
    lengths = keep.astype(np.intp)
    pieces: list[str] = []
    a = 0
    for p in expands:
        got = _COMPACT_EXPANSIONS[int(cps[p])]
        lengths[p] = len(got)
        pieces.append(_decode_cps(out[a:p][keep[a:p]]))
        pieces.append(got)
        a = p + 1
    pieces.append(_decode_cps(out[a:][keep[a:]]))
    where = np.repeat(np.arange(len(cps)), lengths).tolist()
    return "".join(pieces).replace("其它", "其他"), where


def _compact_reference(text: str) -> tuple[str, list[int]]:
    """:func:`_compact` character by character (the reference its tests compare against)."""
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        for c in _nfkc(ch):
            if c.isspace() or c in _QUOTES or c in _ZERO_WIDTH:
                continue
            if c in "、,，":
                c = ","
            chars.append(c)
            where.append(i)
    s = "".join(chars).replace("其它", "其他")
    return s, where


def _is_gap(ch: str) -> bool:
    """Whitespace inside a line (every Unicode space: U+00A0, U+2002, U+3000, ...), which
    separates the cells of a run; a line break is not a gap (it ends the run)."""
    return ch.isspace() and ch not in "\r\n"


def _skip_gaps(text: str, i: int, stop: int | None = None) -> int:
    """The first position at or after ``i`` (before ``stop``) that is not a gap."""
    stop = len(text) if stop is None else stop
    while i < stop and _is_gap(text[i]):
        i += 1
    return i


def _unit_at(text: str, i: int) -> str:
    """The unit token (件, 条, 万元, ...) printed at ``text[i]`` (a legacy unit column), or ''."""
    return next((u for u in _UNIT_TOKENS if text.startswith(u, i)), "")


#: What a one-value row may print instead of a number (of values.NIL_TOKENS, longest first):
#: read as the cell's text (flag text_value), never as a number.
_NIL_RUN_TOKENS: tuple[str, ...] = ("暂无", "——", "—", "无", "／", "/", "空", "×")


def _nil_at(text: str, i: int) -> int:
    """Length of the nil token (无, —, /) standing alone at ``text[i]``, else 0: not the start of
    a word (无正当理由…) nor of a number."""
    for tok in _NIL_RUN_TOKENS:
        if text.startswith(tok, i):
            j = i + len(tok)
            if j >= len(text) or not _is_cjk(text[j]) or text[j] in "一二三四五六七八九十":
                return len(tok)
            return 0
    return 0


def _run_char(ch: str) -> str | None:
    """The normalised run character of ``ch`` (digit, ``.`` or ``-``) or None."""
    n = _nfkc(ch)
    if len(n) == 1 and n in _RUN_CHARS:
        return n
    if ch in "−–":
        return "-"
    return None


# ---------------------------------------------------------------------------------------------
# Digit runs


@dataclass(frozen=True)
class _Chunk:
    """A whitespace-free piece of a run: normalised characters and their offsets in the text."""

    s: str
    pos: tuple[int, ...]
    #: one cell that cannot be split: a number printed with thousands separators (7,184)
    atomic: bool = False

    @property
    def start(self) -> int:
        return self.pos[0]

    @property
    def end(self) -> int:
        return self.pos[-1] + 1


@dataclass(frozen=True)
class _Run:
    chunks: tuple[_Chunk, ...]
    start: int
    end: int

    @property
    def n_chars(self) -> int:
        return sum(len(c.s) for c in self.chunks)


def _item_number_len(s: str) -> int:
    """Characters of the next label's item number at the end of ``s``: one digit and the dot
    ("…0002." -> 2), two when the one digit would be 0 (items count from 1: 其他…件010.… is
    0 and 10.), 1 (the dot alone) when no digit precedes it."""
    body = s[:-1]
    if not body or body[-1] not in _DIGITS:
        return 1
    if body[-1] == "0" and len(body) >= 2 and body[-2] in "123456789":
        return 3
    return 2


def _thousands_group(text: str, i: int, q: int, cur: list[str], grouped: bool) -> bool:
    """Is the comma at ``text[i]`` a thousands separator of the number in ``cur``: 1-3 digits
    before the first one (or groups already read), exactly three digits after it, and no digit
    after those (7,184第二十条; not 1,23456, which a comma does not explain)?"""
    digits = "".join(cur)
    if not digits.isdigit() or (not grouped and len(digits) > 3):
        return False
    if i + 4 > q or not all(_nfkc(text[k]) in _DIGITS for k in range(i + 1, i + 4)):
        return False
    nxt = text[i + 4] if i + 4 < q else ""
    return not (nxt and _nfkc(nxt) in _DIGITS)


def _read_run(text: str, p: int, q: int, *, unit_ok: bool, skip_newline: bool = True) -> _Run:
    """Read the numeric run that starts at ``p`` (after whitespace), not beyond ``q``."""
    i = p
    while i < q and (
        (text[i].isspace() and (skip_newline or text[i] not in "\r\n"))
        or text[i] in _QUOTES
        or text[i] in _ZERO_WIDTH
    ):
        i += 1
    chunks: list[_Chunk] = []
    cur_s: list[str] = []
    cur_p: list[int] = []
    grouped = False  # the current chunk has a thousands separator: one cell

    def close() -> None:
        nonlocal grouped
        if cur_s:
            chunks.append(_Chunk("".join(cur_s), tuple(cur_p), grouped))
            cur_s.clear()
            cur_p.clear()
        grouped = False

    while i < q:
        ch = text[i]
        rc = _run_char(ch)
        if rc is not None:
            cur_s.append(rc)
            cur_p.append(i)
            i += 1
            continue
        if ch in ",，" and _thousands_group(text, i, q, cur_s, grouped):
            # 7,184: the separator is skipped and the three digits after it join the number
            cur_s.extend(_nfkc(text[k]) for k in range(i + 1, i + 4))
            cur_p.extend(range(i + 1, i + 4))
            grouped = True
            i += 4
            continue
        if _is_gap(ch):
            close()
            i += 1
            continue
        if cur_s and cur_s[-1] in _DIGITS and _nfkc(ch) in _CELL_UNITS:
            # '1个246900元': a count unit closes the cell
            cur_s.append(_nfkc(ch))
            cur_p.append(i)
            i += 1
            close()
            continue
        if unit_ok and cur_s and cur_s[-1] in _DIGITS:
            n = _nfkc(ch)
            if n == "元":
                cur_s.append("元")
                cur_p.append(i)
                i += 1
            elif n == "万" and i + 1 < q and _nfkc(text[i + 1]) == "元":
                cur_s.extend("万元")
                cur_p.extend((i, i + 1))
                i += 2
        break
    close()
    # a trailing "2." (or "18.") is the item number of the next label, not data
    while chunks and chunks[-1].s.endswith("."):
        last = chunks.pop()
        keep = len(last.s) - _item_number_len(last.s)
        if keep > 0:
            chunks.append(_Chunk(last.s[:keep], last.pos[:keep], last.atomic))
    # lone signs / dots are not cells
    chunks = [c for c in chunks if any(x in _DIGITS for x in c.s)]
    if not chunks:
        return _Run((), p, p)
    return _Run(tuple(chunks), chunks[0].start, chunks[-1].end)


# ---------------------------------------------------------------------------------------------
# Splitting


@dataclass(frozen=True)
class CellSpec:
    """What one cell may hold (from the template registry)."""

    col: str
    allow_negative: bool = False
    allow_decimal: bool = False
    unit: str = ""


def _cell_regex(spec: CellSpec) -> re.Pattern:
    sign = "[-+]?" if spec.allow_negative else ""
    unit = "(?:" + "|".join(_CELL_UNITS) + ")?"
    if spec.allow_decimal:
        return re.compile(rf"(?:0|[1-9]\d*)(?:\.\d+)?(?:元|万元)?|(?:0|[1-9]\d*){unit}")
    return re.compile(rf"(?:0|{sign}[1-9]\d*){unit}")


_REGEX_CACHE: dict[CellSpec, re.Pattern] = {}


def _valid_reference(tok: str, spec: CellSpec, settings: RecoverySettings) -> bool:
    """Whether ``tok`` may be one cell of ``spec`` (the uncached rule of :func:`_valid`)."""
    rx = _REGEX_CACHE.get(spec)
    if rx is None:
        rx = _REGEX_CACHE[spec] = _cell_regex(spec)
    if sum(c in _DIGITS for c in tok) > settings.max_cell_digits:
        return False
    return rx.fullmatch(tok) is not None


#: (allow_negative, allow_decimal, max_cell_digits) -> {token: valid}. The split search
#: tries the same short digit strings again and again; what makes a token valid is only
#: these three (``_cell_regex`` reads nothing else of the spec).
_VALID_MEMO: dict[tuple[bool, bool, int], dict[str, bool]] = {}
#: token -> :func:`_num_reference` of it.
_NUM_MEMO: dict[str, float] = {}
_MEMO_MAX = 1 << 16


def _valid_memo(spec: CellSpec, settings: RecoverySettings) -> dict[str, bool]:
    key = (spec.allow_negative, spec.allow_decimal, settings.max_cell_digits)
    memo = _VALID_MEMO.get(key)
    if memo is None or len(memo) > _MEMO_MAX:
        memo = _VALID_MEMO[key] = {}
    return memo


def _valid(tok: str, spec: CellSpec, settings: RecoverySettings) -> bool:
    memo = _valid_memo(spec, settings)
    ok = memo.get(tok)
    if ok is None:
        ok = memo[tok] = _valid_reference(tok, spec, settings)
    return ok


def _num_reference(tok: str) -> float:
    """The value of a cell token (units dropped)."""
    tok = tok.removesuffix("万元").removesuffix("元")
    if tok and tok[-1] in _CELL_UNITS:
        tok = tok[:-1]
    return float(tok)


def _num(tok: str) -> float:
    v = _NUM_MEMO.get(tok)
    if v is None:
        if len(_NUM_MEMO) > _MEMO_MAX:
            _NUM_MEMO.clear()
        v = _NUM_MEMO[tok] = _num_reference(tok)
    return v


Check = Callable[[list[float]], bool]


def _splits(
    chunks: tuple[_Chunk, ...],
    specs: list[CellSpec],
    checks: dict[int, Check],
    settings: RecoverySettings,
    *,
    total_last: bool = False,
) -> Iterator[tuple[tuple[int, int, int], ...]]:
    """Yield every admissible split: per cell (chunk index, start, end) within the chunk.

    ``checks[k]`` is called with the first ``k`` values once they are known (prunes early).
    ``total_last`` requires the last cell to equal the sum of the others: the last cell is
    chosen first and the prefix is enumerated with a running-sum bound (non-negative cells).
    """
    lens = [len(c.s) for c in chunks]
    if not total_last:
        yield from _gen(chunks, lens, specs, checks, settings, None)
        return
    if not chunks:
        return
    last = len(chunks) - 1
    s = chunks[last].s
    for a in range(0 if chunks[last].atomic else len(s) - 1, -1, -1):
        tok = s[a:]
        if sum(c in _DIGITS for c in tok) > settings.max_cell_digits:
            break
        if not _valid(tok, specs[-1], settings):
            continue
        eff = lens[:-1] if a == 0 else [*lens[:-1], a]
        for pre in _gen(chunks, eff, specs[:-1], checks, settings, _num(tok)):
            yield (*pre, (last, a, len(s)))


def _gen(
    chunks: tuple[_Chunk, ...],
    lens: list[int],
    specs: list[CellSpec],
    checks: dict[int, Check],
    settings: RecoverySettings,
    target: float | None,
) -> Iterator[tuple[tuple[int, int, int], ...]]:
    n = len(specs)
    m = len(lens)
    suffix = [0] * (m + 1)
    for i in range(m - 1, -1, -1):
        suffix[i] = suffix[i + 1] + lens[i]
    acc: list[tuple[int, int, int]] = []
    vals: list[float] = []
    memos = [_valid_memo(sp, settings) for sp in specs]  # _valid, hoisted out of the search
    num_memo = _NUM_MEMO

    def gen(ci: int, p: int, k: int, total: float) -> Iterator[tuple[tuple[int, int, int], ...]]:
        if k == n:
            if ci == m and (target is None or abs(total - target) < 1e-6):
                yield tuple(acc)
            return
        if ci == m:
            return
        rem_cells = n - k
        if lens[ci] - p + suffix[ci + 1] < rem_cells or (m - ci) > rem_cells:
            return
        s = chunks[ci].s
        first_b = lens[ci] if chunks[ci].atomic and lens[ci] == len(s) else p + 1
        for b in range(first_b, lens[ci] + 1):
            tok = s[p:b]
            ok = memos[k].get(tok)
            if ok is None:
                ok = memos[k][tok] = _valid_reference(tok, specs[k], settings)
            if not ok:
                if b - p > settings.max_cell_digits + 2:
                    break
                continue
            v = num_memo.get(tok)
            if v is None:
                v = _num(tok)
            if target is not None and total + v > target + 1e-6 and v >= 0:
                break  # longer tokens only grow
            acc.append((ci, p, b))
            vals.append(v)
            chk = checks.get(k + 1)
            if chk is None or chk(vals):
                if b == lens[ci]:
                    yield from gen(ci + 1, 0, k + 1, total + v)
                else:
                    yield from gen(ci, b, k + 1, total + v)
            acc.pop()
            vals.pop()

    yield from gen(0, 0, 0, 0.0)


@dataclass
class _RowSolution:
    status: str  # given | unique | ambiguous | unresolved | blank
    split: tuple[tuple[int, int, int], ...] | None = None
    candidates: list[tuple[tuple[int, int, int], ...]] = field(default_factory=list)
    n_candidates: int = 0
    rules: list[str] = field(default_factory=list)
    method: str = ""


def _values(chunks: tuple[_Chunk, ...], split) -> tuple[float, ...]:
    """The cell values of one split: ``tuple(_num(chunks[ci].s[a:b]) for ci, a, b in split)``."""
    memo = _NUM_MEMO
    out = []
    for ci, a, b in split:
        tok = chunks[ci].s[a:b]
        v = memo.get(tok)
        out.append(_num(tok) if v is None else v)
    return tuple(out)


def _solve_row(
    run: _Run,
    specs: list[CellSpec],
    checks: dict[int, Check],
    rule_ids: list[str],
    settings: RecoverySettings,
    *,
    total_last: bool = False,
) -> _RowSolution:
    """Split one run into ``len(specs)`` cells (see module docstring for the policy)."""
    chunks = run.chunks
    n = len(specs)
    cap = settings.max_candidates
    if not chunks:
        return _RowSolution("blank")
    if len(chunks) == n and all(
        _valid(c.s, sp, settings) for c, sp in zip(chunks, specs, strict=True)
    ):
        return _RowSolution("given", tuple((i, 0, len(c.s)) for i, c in enumerate(chunks)))
    first = list(itertools.islice(_splits(chunks, specs, {}, settings), 2))
    if not first:
        return _RowSolution("unresolved", method="unresolved")
    if len(first) == 1:
        method = "length" if run.n_chars == n else "plausibility"
        if (
            total_last
            and not _total_holds(chunks, first[0])
            and _blank_reading(chunks, specs, settings)
        ):
            # the only split of the digits breaks the row's total, and the digits read with a
            # blank cell or two keep it (1010011: 10 | 1 | _ | 0 | 0 | _ | 11): a blank that
            # vanished, or an inconsistent row as printed; the digits cannot tell which
            return _RowSolution("ambiguous", None, first, 2, [], "ambiguous")
        return _RowSolution("unique", first[0], first, 1, [], method)
    if not checks and not total_last:
        plaus = list(itertools.islice(_splits(chunks, specs, {}, settings), cap + 1))
        return _RowSolution("ambiguous", None, plaus[:cap], len(plaus), [], "ambiguous")
    arith = list(
        itertools.islice(_splits(chunks, specs, checks, settings, total_last=total_last), cap + 1)
    )
    if len(arith) == 1:
        return _RowSolution("unique", arith[0], arith, 1, list(rule_ids), "arithmetic")
    if not arith:
        # the data violates the row identity: do not use it to pick a split
        plaus = list(itertools.islice(_splits(chunks, specs, {}, settings), cap + 1))
        return _RowSolution("ambiguous", None, plaus[:cap], len(plaus), [], "ambiguous")
    return _RowSolution("ambiguous", None, arith[:cap], len(arith), list(rule_ids), "ambiguous")


def _total_holds(chunks: tuple[_Chunk, ...], split) -> bool:
    """Is the last value of ``split`` the sum of the others (``app.total_column``)?"""
    values = _values(chunks, split)
    return abs(sum(values[:-1]) - values[-1]) < 1e-6


def _blank_reading(
    chunks: tuple[_Chunk, ...], specs: list[CellSpec], settings: RecoverySettings
) -> bool:
    """Can the digits be read with one or two blank cells (printed empty, so gone from the
    run) such that the last cell is the sum of the others? The total itself is never blank
    here (a blank total leaves nothing to check)."""
    n = len(specs)
    for k in (1, 2):
        for blanks in itertools.combinations(range(n - 1), k):
            rest = [sp for i, sp in enumerate(specs) if i not in blanks]
            if next(_splits(chunks, rest, {}, settings, total_last=True), None) is not None:
                return True
    return False


def split_run(
    run_text: str,
    n_cells: int,
    *,
    total_last: bool = False,
    allow_negative: bool = False,
    allow_decimal: bool = False,
    settings: RecoverySettings = DEFAULT_SETTINGS,
) -> list[tuple[float, ...]]:
    """All admissible splits of a run of digits into ``n_cells`` values (a test/debug helper).

    Parameters
    ----------
    run_text : str
        Digits, optionally with single spaces (which are always cell boundaries).
    n_cells : int
    total_last : bool
        Require the last cell to equal the sum of the others (``app.total_column``).
    allow_negative, allow_decimal : bool
        Apply to every cell.

    Examples
    --------
    >>> split_run("230 000023", 7, total_last=True)
    [(23.0, 0.0, 0.0, 0.0, 0.0, 0.0, 23.0)]
    >>> len(split_run("898989", 3))
    10
    """
    run = _read_run(run_text, 0, len(run_text), unit_ok=allow_decimal)
    specs = [CellSpec(f"c{i}", allow_negative, allow_decimal) for i in range(n_cells)]
    splits = _splits(run.chunks, specs, {}, settings, total_last=total_last)
    return sorted(_values(run.chunks, s) for s in splits)


# ---------------------------------------------------------------------------------------------
# Template access


def _row_specs(template: str, table: str, row: str, variant: str) -> list[CellSpec]:
    return list(_table_specs(template, variant).get((table, row), ()))


@functools.cache
def _table_specs(template: str, variant: str) -> dict[tuple[str, str], tuple[CellSpec, ...]]:
    exp = T.expected_cells(template, variant=variant)
    out: dict[tuple[str, str], list[CellSpec]] = {}
    for r in exp.itertuples(index=False):
        out.setdefault((r.table, r.row), []).append(
            CellSpec(r.col, bool(r.allow_negative), bool(r.allow_decimal), r.unit or "")
        )
    return {k: tuple(v) for k, v in out.items()}


_ENUM_RE = re.compile(
    r"^(?:其中:)?(?:(\d+)[.,)]|\(([一二三四五六七八九十\d]+)\)|([一二三四五六七八九十]+),)"
)


@dataclass(frozen=True)
class _Form:
    text: str  # normalised label (compact form)
    enum: tuple[str, ...]  # enumerator forms that may precede a bare form (longest first)


def _bare(norm: str) -> tuple[str, tuple[str, ...]]:
    """Strip leading enumerators; return the bare label and the enumerator spellings."""
    enums: list[str] = []
    prefix = ""
    s = norm
    while True:
        m = _ENUM_RE.match(s)
        if not m or m.end() == len(s):
            break
        tok = m.group(0)
        if tok.startswith("其中:"):
            prefix = "其中:"
            tok = tok[len("其中:") :]
        if m.group(1):
            num = m.group(1)
            enums.extend([f"{num}.", f"{num},", f"{num})"])
        elif tok:
            enums.append(tok)
        s = s[m.end() :]
    if prefix:
        enums = [prefix + e for e in enums] + enums + [prefix]
    return s, tuple(dict.fromkeys(enums))


@functools.cache
def _spec_cached(template: str, table: str, row: str, variant: str) -> tuple:
    return tuple(T.spec(template, table, "row", row, variant=variant).items())


def _spec(template: str, table: str, row: str, variant: str) -> dict[str, Any]:
    """Registry line of a row (cached; the registry is static data)."""
    return dict(_spec_cached(template, table, row, variant))


@functools.cache
def _rows(template: str, table: str, variant: str) -> tuple[str, ...]:
    return tuple(T.rows(template, table, variant=variant))


@functools.cache
def _cols(template: str, table: str, row: str | None, variant: str) -> tuple[str, ...]:
    return tuple(T.cols(template, table, row=row, variant=variant))


@functools.cache
def _row_forms(template: str, table: str, row: str, variant: str) -> tuple[_Form, ...]:
    sp = _spec(template, table, row, variant)
    texts = [sp["label_zh"], *[a for a in str(sp["aliases"]).split("|") if a.strip()]]
    forms: dict[str, _Form] = {}
    for t in texts:
        n = T.normalize_label(t)
        if not n:
            continue
        bare, enums = _bare(n)
        forms.setdefault(n, _Form(n, ()))
        if bare != n and len(bare) >= 2:
            if bare in forms:
                forms[bare] = _Form(bare, tuple(dict.fromkeys(forms[bare].enum + enums)))
            else:
                forms[bare] = _Form(bare, enums)
    ordered = sorted(forms.values(), key=lambda f: -len(f.text))
    return tuple(_Form(f.text, tuple(sorted(f.enum, key=len, reverse=True))) for f in ordered)


# ---------------------------------------------------------------------------------------------
# Locating labels in flattened text


@dataclass
class _Doc:
    text: str
    ms: str
    where: list[int]

    def orig(self, i: int) -> int:
        """Offset in ``text`` of compact position ``i`` (``len(ms)`` maps to the text end)."""
        if i >= len(self.where):
            return len(self.text)
        return self.where[i]

    def orig_end(self, e: int) -> int:
        """Offset just after the compact character ``e - 1``."""
        return self.where[e - 1] + 1 if e > 0 else 0

    def compact_at(self, orig: int) -> int:
        """First compact position whose offset is >= ``orig``."""
        import bisect

        return bisect.bisect_left(self.where, orig)


_UNIT_TOKENS = ("万元", "人次", "条", "件", "次", "篇", "人", "个", "元", "项")


def _numeric_after(doc: _Doc, e: int, *, unit_skip: bool, allow_nil: bool = False) -> bool:
    """True when a number follows the label ending at compact position ``e`` (or, with
    ``allow_nil``, a nil token such as 无 or —: a one-value row printed without a number)."""
    p = doc.orig_end(e)
    t = doc.text
    i = p
    while i < len(t) and (_is_gap(t[i]) or t[i] in _QUOTES or t[i] in _ZERO_WIDTH):
        i += 1
    if unit_skip:
        i = _skip_gaps(t, i + len(_unit_at(t, i)))
    if i >= len(t):
        return False
    if allow_nil and _nil_at(t, i):
        return True
    rc = _run_char(t[i])
    if rc is None:
        return False
    if rc in "-+":
        return i + 1 < len(t) and _run_char(t[i + 1]) in _DIGITS
    return rc in _DIGITS


def _find_label(
    doc: _Doc,
    forms: tuple[_Form, ...],
    lo: int,
    hi: int,
    claimed: list[tuple[int, int]],
    *,
    unit_skip: bool,
    settings: RecoverySettings,
    allow_short: bool = True,
    allow_nil: bool = False,
) -> tuple[int, int] | None:
    """Earliest occurrence (compact coordinates) of a form followed by a number (or a nil
    token, with ``allow_nil``)."""
    best: tuple[int, int] | None = None
    ms = doc.ms
    for form in forms:
        if form.enum and len(form.text) < settings.min_bare_len and not allow_short:
            continue  # '总计' alone is too common until the table is anchored
        pos = ms.find(form.text, lo, hi)
        while pos != -1:
            s, e = pos, pos + len(form.text)
            for en in form.enum:
                if ms.startswith(en, s - len(en)) and s - len(en) >= lo:
                    s -= len(en)
                    break
            overlap = any(not (e <= a or s >= b) for a, b in claimed)
            if not overlap and _numeric_after(doc, e, unit_skip=unit_skip, allow_nil=allow_nil):
                if best is None or s < best[0]:
                    best = (s, e)
                break
            pos = ms.find(form.text, pos + 1, hi)
    if best is not None:
        return best
    # typo-tolerant fallback on long labels
    window = ms[lo:hi]
    for form in forms:
        if len(form.text) < settings.fuzzy_min_len or not window:
            continue
        al = fuzz.partial_ratio_alignment(form.text, window, score_cutoff=settings.fuzzy_label_min)
        if al is None:
            continue
        s, e = lo + al.dest_start, lo + al.dest_end
        overlap = any(not (e <= a or s >= b) for a, b in claimed)
        if not overlap and _numeric_after(doc, e, unit_skip=unit_skip, allow_nil=allow_nil):
            return (s, e)
    return None


@dataclass
class _Located:
    row: str
    s: int  # compact
    e: int  # compact


def _locate_rows(
    doc: _Doc,
    template: str,
    table: str,
    row_keys: list[str],
    lo: int,
    hi: int,
    variant: str,
    settings: RecoverySettings,
    *,
    unit_skip: bool = False,
    ends: tuple[str, ...] = (),
) -> list[_Located]:
    """Find the row labels of a table in order; tolerate rows printed out of order.

    ``ends``: headings that close the table once its first row is found (a table cut short
    must not take its missing rows' labels from the next section: （七）总计 from Section
    四's …尚未审结总计).
    """
    found: list[_Located] = []
    claimed: list[tuple[int, int]] = []
    cursor = lo
    table_lo: int | None = None
    for key in row_keys:
        forms = _row_forms(template, table, key, variant)
        one_value = len(_row_specs(template, table, key, variant)) == 1
        limit = hi if table_lo is None else min(hi, cursor + settings.label_window)
        hit = _find_label(
            doc,
            forms,
            cursor,
            limit,
            claimed,
            unit_skip=unit_skip,
            settings=settings,
            allow_short=table_lo is not None,
            allow_nil=one_value and table_lo is not None,
        )
        if hit is None and table_lo is not None:
            hit = _find_label(
                doc,
                forms,
                table_lo,
                min(hi, table_lo + settings.table_span),
                claimed,
                unit_skip=unit_skip,
                settings=settings,
                allow_nil=one_value,
            )
            if hit is not None:
                found.append(_Located(key, *hit))
                claimed.append(hit)
            continue
        if hit is None:
            continue
        if table_lo is None:
            table_lo = hit[0]
            hi = min(hi, table_lo + settings.table_span)
            for end in ends:
                k = doc.ms.find(end, table_lo, hi)
                if k != -1:
                    hi = k
        found.append(_Located(key, *hit))
        claimed.append(hit)
        cursor = max(cursor, hit[1])
    return found + _blank_rows(doc, template, table, row_keys, found, variant, settings)


#: A statutory section heading (三、收到和处理…): where a table printed run together ends.
_SECTION_HEAD_RE = re.compile(r"[一二三四五六七八九十]{1,2}[、,]")  # 、 is , in compact text


def _blank_rows(
    doc: _Doc,
    template: str,
    table: str,
    row_keys: list[str],
    found: list[_Located],
    variant: str,
    settings: RecoverySettings = DEFAULT_SETTINGS,
) -> list[_Located]:
    """Rows printed without a number (blank cells): the label as printed in full, between
    the rows located before and after it in template order, and not the start of a longer
    word (…不再处理其政府信息公开申请3.其他（七）总计 holds a blank 3.其他; …（六）其他处理0000000 is
    the 2019 row, not a blank 3.其他). :func:`_locate_rows` finds a label only when a number
    follows it. The row right after the last one located counts only where the next
    section's heading follows its label (…行政事业性收费 三、收到和处理…)."""
    at = {f.row: f for f in found}
    out = []
    for i, key in enumerate(row_keys):
        if key in at:
            continue
        prev = next((at[k] for k in reversed(row_keys[:i]) if k in at), None)
        nxt = next((at[k] for k in row_keys[i + 1 :] if k in at), None)
        # the row right after the last one located (a blank before a cut is not guessed at)
        last = nxt is None and prev is not None and i > 0 and row_keys[i - 1] in at
        if last:  # search up to a label window after the last row located
            limit = min(len(doc.ms), prev.e + settings.label_window)
            nxt = _Located("", limit, limit)
        if prev is None or nxt is None or prev.e >= nxt.s:
            continue
        for form in _row_forms(template, table, key, variant):
            if form.enum:  # a bare form ('其他' of '3.其他'): too common to stand alone
                continue
            pos = doc.ms.find(form.text, prev.e, nxt.s)
            end = pos + len(form.text)
            if last:  # nothing located after it: the next section must start right there
                whole = _SECTION_HEAD_RE.match(doc.ms, end) is not None
            else:  # the label as a whole word: nothing CJK after it but its unit (17.企业信用件
                # of a legacy table printed with a unit column), or the next row's label
                # right after it (行政处罚行政强制 0: 行政处罚 is blank)
                whole = (
                    not (end < len(doc.ms) and _is_cjk(doc.ms[end]))
                    or doc.ms.startswith(_UNIT_TOKENS, end)
                    or end == nxt.s
                )
            if pos != -1 and whole:
                out.append(_Located(key, pos, end))
                if last:
                    at[key] = out[-1]  # the next trailing row starts after this one
                break
    return out


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


# ---------------------------------------------------------------------------------------------
# Layout detection

_DETECT_LABELS: tuple[str, ...] = (
    "本年新收政府信息公开申请数量",
    "上年结转政府信息公开申请数量",
    "予以公开",
    "属于国家秘密",
    "其他法律行政法规禁止公开",
    "保护第三方合法权益",
    "属于三类内部事务信息",
    "属于四类过程性信息",
    "属于行政执法案卷",
    "属于行政查询事项",
    "本机关不掌握相关政府信息",
    "没有现成信息需要另行制作",
    "补正后申请内容仍不明确",
    "信访举报投诉类申请",
    "重复申请",
    "要求提供公开出版物",
    "无正当理由大量反复申请",
    "结转下年度继续办理",
    "规范性文件",
    "行政许可",
    "行政处罚",
    "行政强制",
    "行政事业性收费",
    "主动公开文件数",
    "主动公开信息数",
    "政府网站公开数",
    "当面申请数",
    "传真申请数",  # Fujian 2008-era forms (legacy__fujian2008, legacy__fujian_yearend)
    "电子邮件申请数",
    "网上申请数",
    "同意公开答复数",
    "行政复议数",
    "行政诉讼数",
    # the national pre-2019 统计表 (legacy.csv)
    "政府公报公开政府信息数",
    "政府网站公开政府信息数",
    "政务微博公开政府信息数",
    "政务微信公开政府信息数",
    "收到申请数",
    "网络申请数",
    "信函申请数",
    "申请办结数",
    "按时办结数",
    "延期办结数",
    "申请答复数",
)


def _md_rows(text: str) -> int:
    n = 0
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("|") and s.endswith("|") and s.count("|") >= 3:
            n += 1
    return n


def detect_damaged_layout(
    text: str, *, settings: RecoverySettings = DEFAULT_SETTINGS
) -> str | None:
    """Recognise text whose tables lost their structure.

    Returns
    -------
    str or None
        ``flattened`` - several table labels on one line, numbers glued to them
        (``规范性文件898989``); ``flattened_spaced`` - several labels on one line, cells
        separated by single spaces only; ``markdown_ocr`` - markdown pipe rows that carry
        Section 三 row labels (OCR/LLM conversions whose headers cannot be trusted);
        ``None`` - a normal layout (one cell per line, pipes, HTML ...).

    Examples
    --------
    >>> detect_damaged_layout("1.属于国家秘密00000002.其他法律行政法规禁止公开0000000"
    ...                       "3.危及“三安全一稳定”00000004.保护第三方合法权益0000000")
    'flattened'
    >>> detect_damaged_layout("1.属于国家秘密\\n0\\n0\\n") is None
    True
    """
    return _detect(text, settings) if text else None


@functools.lru_cache(maxsize=4)
def _detect(text: str, settings: RecoverySettings) -> str | None:
    """:func:`detect_damaged_layout`, cached: the extractor asks again for the same text."""
    doc = _Doc(text, *_compact(text))
    per_line: dict[int, list[str]] = {}
    newlines = [m.start() for m in re.finditer("\n", text)]
    for lab in _DETECT_LABELS:
        pos = doc.ms.find(lab)
        while pos != -1:
            e = pos + len(lab)
            p = doc.orig_end(e)
            q = min(len(text), p + 80)
            # a unit (legacy tables) may sit between label and number
            i = _skip_gaps(text, p, q)
            i += len(_unit_at(text, i))
            run = _read_run(text, i, q, unit_ok=True, skip_newline=False)
            if run.chunks and "\n" not in text[p : run.start]:
                glued = any(len(c.s) >= 2 for c in run.chunks)
                kind = "glued" if glued else ("spaced" if len(run.chunks) >= 2 else "single")
                line = bisect.bisect_left(newlines, p)  # text.count("\n", 0, p)
                per_line.setdefault(line, []).append(kind)
            pos = doc.ms.find(lab, e)
    best: str | None = None
    for kinds in per_line.values():
        if len(kinds) < settings.min_detect_rows:
            continue
        if kinds.count("glued") >= 2:
            return LAYOUT_FLATTENED
        if kinds.count("spaced") >= 2 or kinds.count("single") >= settings.min_detect_rows:
            # several labels on one line, each with its cells (or its one cell: a one-column
            # 统计表 such as pingtan/152's 年末统计) separated by spaces
            best = LAYOUT_SPACED
    if best:
        return best
    if _md_rows(text) >= 3 and _markdown_app_rows(text) >= settings.min_detect_rows:
        return LAYOUT_MARKDOWN
    return None


# ---------------------------------------------------------------------------------------------
# Flattened extraction


def _template_tables(template: str) -> tuple[str, ...]:
    T.validate_key(template)
    return T.TABLES[template]


def _rl_checks() -> dict[int, Check]:
    def block(i: int) -> Check:
        return lambda v: abs(v[i + 4] - sum(v[i : i + 4])) < 1e-6

    return {5: block(0), 10: block(5), 15: block(10)}


@dataclass
class _TableWork:
    table: str
    rows: list[str]  # expected rows
    specs: dict[str, list[CellSpec]]
    runs: dict[str, _Run] = field(default_factory=dict)
    label_end: dict[str, int] = field(default_factory=dict)  # orig offset
    sol: dict[str, _RowSolution] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)  # printed unit column (legacy)
    nil: dict[str, tuple[int, int]] = field(default_factory=dict)  # span of a printed 无 / —
    start: int | None = None  # orig offset of the first label
    end: int | None = None
    left_out: bool = False  # read with the form's first value column alone (not all printed)


def _cells_and_runs(
    doc: _Doc,
    work: _TableWork,
    located: list[_Located],
    region_end: int,
    *,
    unit_skip: bool,
) -> None:
    located = sorted(located, key=lambda x: x.s)
    for i, loc in enumerate(located):
        nxt = doc.orig(located[i + 1].s) if i + 1 < len(located) else region_end
        p = doc.orig_end(loc.e)
        if unit_skip:
            j = _skip_gaps(doc.text, p)
            unit = _unit_at(doc.text, j)
            if unit:
                p = j + len(unit)
                work.units[loc.row] = unit
        specs = work.specs[loc.row]
        unit_ok = any(s.allow_decimal for s in specs)
        work.label_end[loc.row] = p
        if len(specs) == 1:  # a one-value row may print 无 or — for its value
            j = _skip_gaps(doc.text, p)
            k = _nil_at(doc.text, j) if j < nxt else 0
            if k:
                work.nil[loc.row] = (j, j + k)
                work.runs[loc.row] = _Run((), p, p)
                continue
        work.runs[loc.row] = _read_run(doc.text, p, max(p, nxt), unit_ok=unit_ok)
    if located:
        work.start = doc.orig(located[0].s)
        last = located[-1]
        run = work.runs[last.row]
        work.end = run.end if run.chunks else doc.orig_end(last.e)


def _solve_table_rows(
    work: _TableWork, rule_ids: list[str], settings, *, total_last: bool = False
) -> None:
    for row, run in work.runs.items():
        work.sol[row] = _solve_row(
            run, work.specs[row], {}, rule_ids, settings, total_last=total_last
        )


def _one_printed_column(work: _TableWork, settings, notes: list[str]) -> _TableWork:
    """A form of two value columns (本年度 | 历年累计) printed with one number per row.

    Some agencies print their province's form and fill in only the year's column
    (pingtan/142: 政府公报公开数条0, 受理…总数条2: one digit cannot be two cells). When most
    rows with digits cannot split into the form's cells and every one reads as one number,
    the table is read as printed: the first value column alone, the others left out (not
    printed, so not zeros). Otherwise the form stays as it is.
    """
    rows = [r for r, run in work.runs.items() if run.chunks and len(work.specs[r]) > 1]
    two = [r for r in rows if work.sol[r].status in ("given", "unique", "ambiguous")]
    if not rows or len(two) * 2 >= len(rows):
        return work
    first = {r: work.specs[r][:1] for r in work.rows}
    one = _TableWork(
        work.table, work.rows, first, work.runs, work.label_end, {}, work.units, work.nil,
        work.start, work.end, left_out=True,
    )  # fmt: skip
    _solve_table_rows(one, [], settings)
    if any(one.sol[r].status not in ("given", "unique") for r in rows):
        return work
    notes.append(
        f"{work.table}: one number per row where the form has "
        f"{'/'.join(sp.col for sp in work.specs[rows[0]])}: read as the first column alone"
    )
    return one


def _row_rule(work: _TableWork, rule_id: str, notes: list[str]) -> None:
    """Narrow ambiguous rows with a catalog rule over a row's own cells (本年度 <= 历年累计).

    As for identities across rows (:func:`_joint`), the rule is used only if every row it
    applies to whose split is already decided satisfies it: an agency that does not keep
    its 历年累计 column up to date (pingtan/144: 本年度 1, 历年累计 0) gets no split chosen
    by it, and the narrative may still pick one (:func:`_narrative_pick`).
    """
    checks = {}
    for row in work.runs:
        check = _row_rule_check(rule_id, tuple(sp.col for sp in work.specs[row]))
        if check is not None:
            checks[row] = check
    values = {row: _row_values(work, row) for row in checks}
    for row, check in checks.items():
        vals = values[row]
        if vals is not None and len(vals) == 1 and not check(list(vals[0])):
            notes.append(f"{work.table}: the data violates {rule_id} ({row}); not used to split")
            return
    for row, check in checks.items():
        vals, sol = values[row], work.sol.get(row)
        if sol is None or vals is None or len(vals) < 2:
            continue
        keep = [i for i, v in enumerate(vals) if check(list(v))]
        if not keep or len(keep) == len(vals):
            continue
        sol.candidates = [sol.candidates[i] for i in keep]
        sol.n_candidates = len(keep)
        sol.rules = list(dict.fromkeys([*sol.rules, rule_id]))
        if len(keep) == 1:
            sol.split, sol.status, sol.method = sol.candidates[0], "unique", "arithmetic"


@functools.lru_cache(maxsize=256)
def _row_rule_check(rule_id: str, cols: tuple[str, ...]) -> Check | None:
    """A catalog ``sum``/``le`` rule over one row's columns as a check of a row's values
    (given in the order of ``cols``); None when the row lacks a term column."""
    from gkwork.validate import rule

    r = rule(rule_id)
    if not set(r["left"]) | set(r["right"]) <= set(cols):
        return None
    left = [cols.index(c) for c in r["left"]]
    right = [cols.index(c) for c in r["right"]]
    tol = float(r.get("tolerance", 0)) + 1e-9

    def check(v: list[float]) -> bool:
        d = sum(v[i] for i in left) - sum(v[i] for i in right)
        return d <= tol if r["kind"] == "le" else abs(d) <= tol

    return check


def _row_values(work: _TableWork, row: str) -> list[tuple[float, ...]] | None:
    """Candidate value tuples of a row (one tuple when determined); None when unusable."""
    sol = work.sol.get(row)
    if sol is None:
        return None
    run = work.runs[row]
    if sol.status in ("given", "unique"):
        return [_values(run.chunks, sol.split)]
    if sol.status == "ambiguous" and sol.n_candidates <= len(sol.candidates):
        return [_values(run.chunks, c) for c in sol.candidates]
    return None


#: A per-column identity: (row -> value tuple, column indices) -> holds?
Identity = Callable[[dict[str, tuple[float, ...]], Any], bool]


def _joint(
    work: _TableWork,
    identities: dict[str, tuple[list[str], Identity]],
    notes: list[str],
    settings: RecoverySettings,
    method: str = "joint",
) -> None:
    """Resolve ambiguous rows with cross-row identities (module docstring for the policy).

    An identity is used only if it holds on every column where all candidates agree (a
    report that violates it keeps its cells as printed and ambiguous rows stay ambiguous).
    """
    usable: list[str] = []
    for rid, (rows_, ident) in identities.items():
        vals = {r: _row_values(work, r) for r in rows_}
        if any(v is None for v in vals.values()):
            continue
        width = min(len(v[0]) for v in vals.values())
        agreed = [
            c for c in range(width) if all(len({x[c] for x in v}) == 1 for v in vals.values())
        ]
        if agreed and not ident({r: v[0] for r, v in vals.items()}, agreed):
            notes.append(f"{work.table}: the data violates {rid.split(':')[0]}; not used to split")
            continue
        usable.append(rid)
    changed = True
    while changed:
        changed = False
        combos = [[r] for r in usable] + ([usable] if len(usable) > 1 else [])
        for ids in combos:
            rows_ = list(dict.fromkeys(r for rid in ids for r in identities[rid][0]))
            vals = {r: _row_values(work, r) for r in rows_}
            amb = [r for r in rows_ if len(vals[r]) > 1]
            if not amb:
                continue
            if math.prod(len(vals[r]) for r in amb) > settings.max_joint:
                continue
            width = min(len(v[0]) for v in vals.values())
            sat = []
            for combo in itertools.product(*(range(len(vals[r])) for r in amb)):
                assign = {r: vals[r][0] for r in rows_}
                assign.update({r: vals[r][i] for r, i in zip(amb, combo, strict=False)})
                if all(identities[rid][1](assign, range(width)) for rid in ids):
                    sat.append(combo)
                    if len(sat) > 1:
                        break
            if len(sat) == 1:
                for r, i in zip(amb, sat[0], strict=False):
                    sol = work.sol[r]
                    sol.split = sol.candidates[i]
                    sol.status = "unique"
                    sol.n_candidates = 1
                    sol.rules = list(dict.fromkeys([*sol.rules, *(x.split(":")[0] for x in ids)]))
                    sol.method = method
                changed = True
                break


def _col_identity(lhs: list[str], rhs: list[str]) -> Identity:
    def ident(a: dict[str, tuple[float, ...]], cols) -> bool:
        return all(abs(sum(a[r][c] for r in lhs) - sum(a[r][c] for r in rhs)) < 1e-6 for c in cols)

    return ident


def _le_identity(part: str, total: str) -> Identity:
    def ident(a: dict[str, tuple[float, ...]], cols) -> bool:
        return all(a[part][c] <= a[total][c] + 1e-9 for c in cols)

    return ident


def _apps_identities(template: str, variant: str, rows: list[str]) -> dict:
    out: dict[str, tuple[list[str], Identity]] = {}
    need = {"new_received", "carried_over", "total_processed", "carried_forward"}
    if need <= set(rows):
        out[RULE_BALANCE] = (
            ["new_received", "carried_over", "total_processed", "carried_forward"],
            _col_identity(["new_received", "carried_over"], ["total_processed", "carried_forward"]),
        )
    if "carried_over" in rows and "total_processed" in rows:
        i, j = rows.index("carried_over"), rows.index("total_processed")
        outcome = rows[i + 1 : j]
        if outcome:
            out[RULE_OUTCOME_SUM] = (
                ["total_processed", *outcome],
                _col_identity(["total_processed"], outcome),
            )
    return out


def _legacy_identities(template: str, variant: str, rows: list[str]) -> dict:
    out: dict[str, tuple[list[str], Identity]] = {}
    by_label = {}
    for r in rows:
        sp = _spec(template, "legacy_stats", r, variant)
        by_label[T.normalize_label(sp["label_zh"])] = r
    for r in rows:
        sp = _spec(template, "legacy_stats", r, variant)
        parent = by_label.get(T.normalize_label(sp["parent"])) if sp["parent"] else None
        if parent and parent != r:
            out[f"{RULE_PART}:{r}"] = ([r, parent], _le_identity(r, parent))
    return out


def _narrative_pick(
    doc: _Doc,
    work: _TableWork,
    template: str,
    variant: str,
    settings: RecoverySettings,
) -> None:
    """Legacy tables: let a number stated in the narrative pick one candidate split."""
    if work.table not in settings.narrative_tables or work.start is None:
        return
    narrative = doc.text[: work.start]
    for row, sol in work.sol.items():
        if sol.status != "ambiguous" or sol.n_candidates > len(sol.candidates):
            continue
        sp = _spec(template, work.table, row, variant)
        bare, _ = _bare(T.normalize_label(sp["label_zh"]))
        kw = bare[: settings.narrative_keyword_len]
        unit = sp["unit"] or ""
        if len(kw) < settings.narrative_keyword_len:
            continue
        run = work.runs[row]
        support = []
        for cand in sol.candidates:
            vals = _values(run.chunks, cand)
            hit = False
            for v in vals:
                if v < settings.narrative_min_value or v != int(v):
                    continue
                rx = re.compile(
                    rf"{re.escape(kw)}[^。；;\d]{{0,{settings.narrative_max_gap}}}"
                    rf"(?<![\d.]){int(v)}(?![\d.]){re.escape(unit)}"
                )
                if rx.search(narrative):
                    hit = True
                    break
            support.append(hit)
        if sum(support) == 1:
            sol.split = sol.candidates[support.index(True)]
            sol.status = "unique"
            sol.rules = [RULE_NARRATIVE]
            sol.method = "narrative"


def _emit(
    doc: _Doc,
    work: _TableWork,
    result: RecoveryResult,
    offset: int,
    settings: RecoverySettings,
) -> None:
    text = doc.text
    for row in work.rows:
        if row not in work.sol:
            continue
        sol = work.sol[row]
        run = work.runs[row]
        specs = work.specs[row]
        if sol.status == "blank":
            p = work.label_end[row]
            a, b = work.nil.get(row, (p, p))
            raw, flag = (text[a:b], "text_value") if row in work.nil else ("", "blank")
            for sp in specs:
                result.cells.append(
                    _cell(work.table, row, sp.col, math.nan, "", raw, flag, a, b, offset)
                )
            continue
        if sol.status in ("given", "unique"):
            rules = list(sol.rules)
            inferred = sol.status == "unique"
            values = _values(run.chunks, sol.split) if inferred else ()
            for sp, (ci, a, b) in zip(specs, sol.split, strict=False):
                ch = run.chunks[ci]
                start, end = ch.pos[a], ch.pos[b - 1] + 1
                raw = text[start:end]
                pv = parse_value(
                    raw, allow_negative=sp.allow_negative, allow_decimal=sp.allow_decimal
                )
                flags = [f for f in pv.flag.split(",") if f]
                if inferred:
                    flags.insert(0, FLAG_INFERRED)
                    key = f"{work.table}/{row}/{sp.col}"
                    result.inferred_by[key] = rules
                    result.inferred.append(
                        {
                            "table": work.table,
                            "row": row,
                            "col": sp.col,
                            "method": sol.method,
                            "n_candidates": 1,
                            "candidates": [values],
                            "rules": rules,
                        }
                    )
                result.cells.append(
                    _cell(
                        work.table,
                        row,
                        sp.col,
                        pv.value,
                        pv.unit or work.units.get(row, ""),
                        raw,
                        ",".join(flags),
                        start,
                        end,
                        offset,
                    )
                )
            continue
        # ambiguous / unresolved: missing, raw = the whole run
        flag = FLAG_AMBIGUOUS if sol.status == "ambiguous" else FLAG_UNRESOLVED
        raw = text[run.start : run.end]
        cands = [_values(run.chunks, c) for c in sol.candidates[: settings.max_candidates]]
        for sp in specs:
            result.cells.append(
                _cell(work.table, row, sp.col, math.nan, "", raw, flag, run.start, run.end, offset)
            )
            result.inferred.append(
                {
                    "table": work.table,
                    "row": row,
                    "col": sp.col,
                    "method": sol.method or flag,
                    "n_candidates": sol.n_candidates,
                    "candidates": cands,
                    "rules": list(sol.rules),
                }
            )


def _cell(table, row, col, value, unit, raw, flag, start, end, offset) -> dict[str, Any]:
    return {
        "table": table,
        "row": row,
        "col": col,
        "value": float(value),
        "unit": unit,
        "raw": raw,
        "flag": flag,
        "start": start + offset,
        "end": end + offset,
    }


def _table_status(work: _TableWork) -> str:
    if not work.sol:
        return "absent"
    if any(r not in work.sol for r in work.rows) or any(
        s.status == "unresolved" for s in work.sol.values()
    ):
        return "partial"
    if any(s.status == "ambiguous" for s in work.sol.values()):
        return "ambiguous"
    return "partial" if work.left_out else "full"  # a column of the form not printed


#: The other gov template, whose Section 三 rows a report may print instead of its own (a
#: 2021 report with the single 2019 row （六）其他处理; extract.py reads such rows in grids).
_SIBLING = {"gov2019": "gov2021", "gov2021": "gov2019"}


def _sibling_rows(
    doc: _Doc,
    template: str,
    work: _TableWork,
    located: list[_Located],
    settings: RecoverySettings,
) -> list[_Located]:
    """Section 三 rows of the sibling template printed in place of the template's own.

    A sibling row is looked for (its label followed by a number) only between two rows of
    the template that were located and between which none of the template's own rows was:
    pingtan/046 (2021) prints （六）其他处理0000000 where its template has three rows. The
    sibling row then replaces those absent rows in ``work`` (cells, identities).
    """
    sib = _SIBLING.get(template)
    if sib is None or work.table != "applications" or not located:
        return []
    at = {f.row: f for f in located}
    sib_rows = list(_rows(sib, work.table, ""))
    claimed = [(f.s, f.e) for f in located]
    out: list[_Located] = []
    added: set[str] = set()
    for i, key in enumerate(sib_rows):
        if key in work.specs:
            continue
        prev = next((k for k in reversed(sib_rows[:i]) if k in work.specs), None)
        nxt = next((k for k in sib_rows[i + 1 :] if k in work.specs), None)
        if prev not in at or nxt not in at:
            continue
        a, b = work.rows.index(prev), work.rows.index(nxt)
        between = [r for r in work.rows[a + 1 : b] if r not in added]
        if any(r in at for r in between):
            continue
        forms = _row_forms(sib, work.table, key, "")
        hit = _find_label(
            doc, forms, at[prev].e, at[nxt].s, claimed, unit_skip=False, settings=settings
        )
        if hit is None:
            continue
        out.append(_Located(key, *hit))
        claimed.append(hit)
        for r in between:  # absent, replaced by the sibling row
            work.rows.remove(r)
            del work.specs[r]
        work.rows.insert(work.rows.index(nxt), key)
        work.specs[key] = _row_specs(sib, work.table, key, "")
        added.add(key)
    return out


def _new_work(template: str, table: str, variant: str) -> _TableWork:
    rows = list(_rows(template, table, variant))
    return _TableWork(table, rows, {r: _row_specs(template, table, r, variant) for r in rows})


#: Headings that close a table in run-together text (compact form): Section 四's title ends
#: Section 三's table.
_TABLE_ENDS: dict[str, tuple[str, ...]] = {"applications": ("政府信息公开行政复议",)}


def _extract_labelled(
    doc: _Doc,
    template: str,
    table: str,
    variant: str,
    lo: int,
    hi: int,
    settings: RecoverySettings,
    *,
    unit_skip: bool = False,
) -> _TableWork:
    work = _new_work(template, table, variant)
    located = _locate_rows(
        doc,
        template,
        table,
        work.rows,
        lo,
        hi,
        variant,
        settings,
        unit_skip=unit_skip,
        ends=_TABLE_ENDS.get(table, ()),
    )
    located += _sibling_rows(doc, template, work, located, settings)
    if located:
        region_end = doc.orig(min(len(doc.ms), max(x.e for x in located) + settings.label_window))
        _cells_and_runs(doc, work, located, region_end, unit_skip=unit_skip)
    return work


def _extract_review(
    doc: _Doc, template: str, variant: str, lo: int, settings: RecoverySettings
) -> _TableWork:
    """Section 四: one 15-cell run after the header (no row labels)."""
    work = _new_work(template, "review_litigation", variant)
    pos = doc.ms.find("行政复议", lo)
    while pos != -1:
        start = doc.orig(pos)
        limit = min(len(doc.text), start + settings.review_window * 2)
        i = start
        found = None
        while i < limit:
            if _run_char(doc.text[i]) in _DIGITS:
                run = _read_run(doc.text, i, limit, unit_ok=False)
                # fewer than 15 digits right after the table's header: blanks vanished; the
                # cells are there but cannot be told apart (unresolved, not an absent table)
                if run.n_chars >= 15 or "尚未审结" in doc.text[start:i]:
                    found = run
                break
            i += 1
        if found is not None:
            cols = list(_cols(template, "review_litigation", None, variant))
            n = len(work.rows) * len(cols)
            specs = [CellSpec(f"{r}/{c}") for r in work.rows for c in cols]
            sol = _solve_row(
                found, specs, _rl_checks() if n == 15 else {}, [RULE_RL_TOTAL], settings
            )
            # split the 15-cell solution into the three rows
            for k, r in enumerate(work.rows):
                work.specs[r] = [CellSpec(c) for c in cols]
                work.runs[r] = found
                work.label_end[r] = found.start
                part = _RowSolution(
                    sol.status,
                    sol.split[k * len(cols) : (k + 1) * len(cols)] if sol.split else None,
                    [],
                    sol.n_candidates,
                    sol.rules,
                    sol.method,
                )
                part.candidates = [c[k * len(cols) : (k + 1) * len(cols)] for c in sol.candidates]
                work.sol[r] = part
            work.start, work.end = found.start, found.end
            return work
        pos = doc.ms.find("行政复议", pos + 4)
    return work


def extract_flattened(
    text: str,
    template: str,
    *,
    variant: str = "",
    offset: int = 0,
    settings: RecoverySettings = DEFAULT_SETTINGS,
) -> RecoveryResult:
    """Recover the tables of ``template`` from flattened text.

    Parameters
    ----------
    text : str
        The document text (offset basis).
    template : str
        ``gov2019``, ``gov2021`` or ``legacy``.
    variant : str
        Template variant; for ``legacy`` '' means "try every variant the text may hold
        (:func:`gkwork.templates.variants_in`) and keep the one that recovers most cells".
    offset : int
        Added to every ``start``/``end`` (when ``text`` is a slice of a larger text).

    Returns
    -------
    RecoveryResult
        If :func:`detect_damaged_layout` says ``markdown_ocr`` the markdown path is used.
    """
    _template_tables(template)
    layout = detect_damaged_layout(text, settings=settings) or LAYOUT_FLATTENED
    if layout == LAYOUT_MARKDOWN:
        return extract_markdown(text, template, variant=variant, offset=offset, settings=settings)
    if template == "legacy" and not variant:
        results = [
            _extract_flat(text, template, v, offset, settings, layout)
            for v in T.variants_in("legacy", text)
        ]
        # most values first; of forms reading as many, one whose columns are all printed
        return max(
            results,
            key=lambda r: (
                sum(not math.isnan(c["value"]) for c in r.cells),
                not r.columns_left_out,
                len(r.cells),
            ),
        )
    return _extract_flat(text, template, variant, offset, settings, layout)


def _extract_flat(
    text: str,
    template: str,
    variant: str,
    offset: int,
    settings: RecoverySettings,
    layout: str,
) -> RecoveryResult:
    doc = _Doc(text, *_compact(text))
    result = RecoveryResult(layout=layout, variant=variant)
    lo = 0
    works: list[_TableWork] = []
    for table in _template_tables(template):
        if table == "review_litigation":
            work = _extract_review(doc, template, variant, lo, settings)
        elif table == "legacy_stats":
            work = _extract_labelled(
                doc, template, table, variant, lo, len(doc.ms), settings, unit_skip=True
            )
        else:
            start = lo
            if table == "active_disclosure":
                a = doc.ms.find("主动公开政府信息情况", lo)
                start = a if a != -1 else lo
            work = _extract_labelled(doc, template, table, variant, start, len(doc.ms), settings)
        if table == "applications":
            _solve_table_rows(work, [RULE_TOTAL_COLUMN], settings, total_last=True)
            _joint(work, _apps_identities(template, variant, work.rows), result.notes, settings)
        elif table == "legacy_stats":
            _solve_table_rows(work, [], settings)
            work = _one_printed_column(work, settings, result.notes)
            if work.left_out:
                result.columns_left_out.append(table)
            _row_rule(work, RULE_YEAR_LE_CUMULATIVE, result.notes)
            ids = _legacy_identities(template, variant, work.rows)
            _joint(work, ids, result.notes, settings)
            _narrative_pick(doc, work, template, variant, settings)
            _joint(work, ids, result.notes, settings)
        elif table == "active_disclosure":
            _solve_table_rows(work, [], settings)
        if work.end is not None:
            lo = max(lo, doc.compact_at(work.end))
        works.append(work)
        result.tables[table] = _table_status(work)
        _emit(doc, work, result, offset, settings)
    result.notes = list(dict.fromkeys(result.notes))
    return result


# ---------------------------------------------------------------------------------------------
# Markdown (OCR) tables


@dataclass(frozen=True)
class _MdCell:
    raw: str
    start: int
    end: int


@dataclass
class _MdTable:
    heading: str
    headings: list[str]
    rows: list[list[_MdCell]]  # header and data rows, separator rows dropped


_SEP_RE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _md_tables(text: str) -> list[_MdTable]:
    tables: list[_MdTable] = []
    headings: list[str] = []
    cur: _MdTable | None = None
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        s = body.strip()
        if s.startswith("|") and s.count("|") >= 2:
            if cur is None:
                cur = _MdTable(headings[-1] if headings else "", list(headings[-3:]), [])
                tables.append(cur)
            if not _SEP_RE.match(s):
                cells: list[_MdCell] = []
                bars = [i for i, ch in enumerate(body) if ch == "|"]
                for a, b in itertools.pairwise(bars):
                    seg = body[a + 1 : b]
                    lead = len(seg) - len(seg.lstrip())
                    raw = seg.strip()
                    st = pos + a + 1 + lead
                    cells.append(_MdCell(raw, st, st + len(raw)))
                cur.rows.append(cells)
        else:
            if s:
                cur = None
                if s.startswith("#") or len(s) <= 40:
                    headings.append(s.lstrip("#").strip())
        pos += len(line)
    return tables


def _best_row(
    template: str,
    table: str,
    label: str,
    variant: str,
    settings: RecoverySettings,
    group: str | None = None,
) -> tuple[str, float] | None:
    if not label or looks_numeric(label):
        return None
    cands = T.match_label(template, table, "row", label, group=group, variant=variant)
    if not cands:
        return None
    key, score = cands[0]
    if score < settings.markdown_row_min_score:
        return None
    return key, score


def map_markdown_table(
    grid_rows: list[list[str]],
    template: str,
    table: str,
    *,
    variant: str = "",
    group: str | None = None,
    heading: str = "",
    settings: RecoverySettings = DEFAULT_SETTINGS,
) -> list[tuple[int, str, list[int], float]]:
    """Map the rows of a (possibly mis-headed) markdown/grid table to canonical rows.

    Columns are mapped by content and template structure, never by the header text: a row
    whose label matches a row key (score >= ``settings.markdown_row_min_score``) and which
    has exactly as many value cells as the row has columns maps those cells to the columns in
    template order (seven values -> the seven applicant columns). ``review_litigation`` rows
    carry no label: a row of five values takes its key from ``heading``
    (``行政诉讼（复议后起诉）``), a row of fifteen values is the three blocks in order.
    Header rows match nothing and are skipped; each row key is used at most once.

    Parameters
    ----------
    grid_rows : list of list of str
        Cell texts.
    template, table : str
    group : str, optional
        ``active_disclosure`` sub-table (``item5``) when known from a caption.
    heading : str
        Text above the table (used for review/litigation).

    Returns
    -------
    list of (grid_row_index, row_key, cell_indices, score)
        ``cell_indices[i]`` is the grid column of the i-th template column of ``row_key``;
        score is the label match score (100 for a heading-free 15-value review row).

    Examples
    --------
    >>> map_markdown_table([["项目", "本年新收件数", "总计"],
    ...                     ["（七）总计", "1", "2", "0", "0", "0", "0", "3"]],
    ...                    "gov2021", "applications")
    [(1, 'total_processed', [1, 2, 3, 4, 5, 6, 7], 100.0)]
    """
    out: list[tuple[int, str, list[int], float]] = []
    used: set[str] = set()
    for j, cells in enumerate(grid_rows):
        nums = [i for i, c in enumerate(cells) if c.strip() and looks_numeric(c)]
        labels = [i for i, c in enumerate(cells) if c.strip() and not looks_numeric(c)]
        if table == "review_litigation":
            if labels:
                continue
            rows_ = list(_rows(template, table, variant))
            ncol = len(list(_cols(template, table, None, variant)))
            if len(nums) == ncol * len(rows_) and not used:
                for k, r in enumerate(rows_):
                    out.append((j, r, nums[k * ncol : (k + 1) * ncol], 100.0))
                    used.add(r)
            elif len(nums) == ncol and heading:
                hit = _best_row(template, table, heading, variant, settings)
                if hit and hit[0] not in used:
                    out.append((j, hit[0], nums, hit[1]))
                    used.add(hit[0])
            continue
        if not labels:
            continue
        hit = _best_row(template, table, cells[labels[0]], variant, settings, group)
        if hit is None or hit[0] in used:
            continue
        key, score = hit
        ncol = len(list(_cols(template, table, key, variant)))
        value_cells = [i for i in nums if i > labels[0]]
        if len(value_cells) != ncol:
            continue
        out.append((j, key, value_cells, score))
        used.add(key)
    return out


def _markdown_app_rows(text: str) -> int:
    n = 0
    for tb in _md_tables(text):
        grid = [[c.raw for c in r] for r in tb.rows]
        for tpl in ("gov2021", "gov2019"):
            m = map_markdown_table(grid, tpl, "applications")
            if m:
                n += len(m)
                break
    return n


def extract_markdown(
    text: str,
    template: str,
    *,
    variant: str = "",
    offset: int = 0,
    settings: RecoverySettings = DEFAULT_SETTINGS,
) -> RecoveryResult:
    """Recover the tables of an OCR / LLM markdown report (e.g. real/05).

    Each pipe table is assigned to a canonical table by its rows: Section 三 rows by label
    (whatever the header says), Section 二 rows by label within the caption named by the
    heading above, Section 四 tables (no row label) by their heading. A row key is taken
    once (first occurrence). Values are parsed as printed (never changed).
    """
    tables = _template_tables(template)
    result = RecoveryResult(layout=LAYOUT_MARKDOWN, variant=variant)
    done: dict[str, set[str]] = {t: set() for t in tables}
    for tb in _md_tables(text):
        grid = [[c.raw for c in r] for r in tb.rows]
        for table in tables:
            group = None
            if table == "active_disclosure":
                caps = T.match_label(template, table, "caption", tb.heading, variant=variant)
                if not caps:
                    continue
                group = caps[0][0]
            mapping = map_markdown_table(
                grid,
                template,
                table,
                variant=variant,
                group=group,
                heading=tb.heading,
                settings=settings,
            )
            mapping = [m for m in mapping if m[1] not in done[table]]
            if not mapping:
                continue
            for j, key, idxs, score in mapping:
                cols = list(_cols(template, table, key, variant))
                specs = {s.col: s for s in _row_specs(template, table, key, variant)}
                for col, i in zip(cols, idxs, strict=False):
                    c = tb.rows[j][i]
                    sp = specs.get(col, CellSpec(col))
                    pv = parse_value(
                        c.raw, allow_negative=sp.allow_negative, allow_decimal=sp.allow_decimal
                    )
                    result.cells.append(
                        _cell(
                            table,
                            key,
                            col,
                            pv.value,
                            pv.unit,
                            c.raw,
                            pv.flag,
                            c.start,
                            c.end,
                            offset,
                        )
                    )
                done[table].add(key)
                if score < 100.0:
                    result.notes.append(f"{table}/{key}: row label matched with score {score:.0f}")
            break
    for table in tables:
        expected = set(_rows(template, table, variant))
        got = done[table]
        result.tables[table] = "absent" if not got else ("full" if expected <= got else "partial")
    return result


# ---------------------------------------------------------------------------------------------
# One call for the pipeline


def clear_cache() -> None:
    """Forget cached registry look-ups (call after :func:`gkwork.templates.clear_cache`)."""
    for fn in (_table_specs, _spec_cached, _rows, _cols, _row_forms):
        fn.cache_clear()


def recover(
    text: str,
    template: str,
    *,
    variant: str = "",
    offset: int = 0,
    settings: RecoverySettings = DEFAULT_SETTINGS,
) -> RecoveryResult | None:
    """Detect damage and recover; None when the text's layout is not a damaged one."""
    layout = detect_damaged_layout(text, settings=settings)
    if layout is None or template not in T.TABLES or not T.TABLES[template]:
        return None
    if layout == LAYOUT_MARKDOWN:
        return extract_markdown(text, template, variant=variant, offset=offset, settings=settings)
    return extract_flattened(text, template, variant=variant, offset=offset, settings=settings)
