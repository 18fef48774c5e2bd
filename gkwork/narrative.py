"""Numbers stated in the prose of a report, for comparison with its tables.

Reports often repeat a table figure in a sentence ("共收到政府信息公开申请12件",
"新增主动公开政府信息120条", "未收到…申请", "无因政府信息公开申请行政复议、提起行政诉讼情况").
:func:`find_numbers` finds such statements with their spans; :mod:`gkwork.validate`
compares them with cells under rule ``text_table.mismatch`` (domain.md §5.5).

Each statement is one of four quantities:

``applications_received``  requests received this year (``收到…申请N件``; ``未收到…申请`` = 0)
``proactive_items``        items proactively disclosed (``主动公开…N条``)
``review``                 administrative reconsideration cases (``行政复议N件``)
``litigation``             administrative lawsuits (``行政诉讼N件``)

A negative statement covering both review and litigation (``无…行政复议、行政诉讼``) yields one
``review`` and one ``litigation`` row, each 0. Approximate numbers (``500余条``, ``30多条``) and
cumulative stocks (``累计主动公开…``) are kept but marked, so that comparisons can skip them.

Matching runs on the text as given (no normalisation that would move offsets); ``\\d`` also
matches full-width digits and :func:`int` reads them.

Examples
--------
>>> df = find_numbers("今年我中心未收到申请人提出的依申请公开申请。新增主动公开政府信息120条。")
>>> df[["quantity", "value", "raw"]].values.tolist()
[['applications_received', 0.0, '未收到申请人提出的依申请'], ['proactive_items', 120.0, '120']]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

import pandas as pd

from gkwork.textscan import matches_at

__all__ = ["NARRATIVE_COLUMNS", "QUANTITIES", "find_numbers"]

#: Columns of :func:`find_numbers`.
NARRATIVE_COLUMNS: list[str] = [
    "quantity",
    "value",
    "raw",
    "start",
    "end",
    "is_approx",
    "is_cumulative",
    "is_negation",
    "is_part",
    "sentence",
]

#: The quantities :func:`find_numbers` knows.
QUANTITIES: tuple[str, ...] = (
    "applications_received",
    "proactive_items",
    "review",
    "litigation",
    "review_and_litigation",  # one count of both (被申请行政复议或提起行政诉讼共3件)
)

# A gap inside one clause: no sentence or clause end, at most n characters.
_STOP = r"。；;！!？?\n"


def _gap(n: int, *, no_digits: bool = False) -> str:
    extra = r"\d" if no_digits else ""
    return rf"[^{_STOP}{extra}]{{0,{n}}}?"


#: Between 申请 and its number: a few characters, no clause break (，), no digits.
_CLAUSE_GAP = r"[^。；;！!？?\n\d，,、]{0,8}?"
_NUM = r"(?P<num>\d[\d,，]*)"
_APPROX = r"(?P<approx>余|多|左右)?"

_PATTERNS: list[tuple[str, re.Pattern[str], bool]] = [
    # (quantity, pattern, is_negation)
    (
        "applications_received",
        re.compile(
            # 申请人 is the applicant: 未收到申请人的材料 is not about requests received
            r"(?:未|没有|无|未曾)(?:收到|受理|接到|接收|收)" + _gap(30) + r"申请(?!人)",
        ),
        True,
    ),
    (
        "applications_received",
        # 收到政府信息公开申请12件 / 受理…申请共计 749 件 (no clause break before the number)
        re.compile(
            r"(?:收到|受理|接收|接到|新收)"
            + _gap(25, no_digits=True)
            + r"申请"
            + _CLAUSE_GAP
            + _NUM
            + r"\s*"
            + _APPROX
            + r"\s*(?:件|个|条|宗|份)"
        ),
        False,
    ),
    (
        "applications_received",
        # 共收到70件申请 / 收到政府信息公开申请件数12件 is above; here the number comes first
        re.compile(
            r"(?:收到|受理|接收|接到|新收)"
            + r"(?:各类|群众|公众|依申请公开|政府信息公开)?"
            + _NUM
            + r"\s*"
            + _APPROX
            + r"\s*(?:件|个|条|宗|份)"
            + r"(?:政府信息公开|依申请公开|信息公开)?申请"
        ),
        False,
    ),
    (
        "proactive_items",
        re.compile(r"主动公开" + _gap(20, no_digits=True) + _NUM + r"\s*" + _APPROX + r"\s*条"),
        False,
    ),
    (
        "review+litigation",
        re.compile(r"(?:无|未发生|没有|未有|未)" + _gap(40) + r"行政复议" + _gap(20) + r"行政诉讼"),
        True,
    ),
    (
        "review",
        re.compile(
            r"行政复议(?:申请|案件)?"
            + _CLAUSE_GAP
            + _NUM
            + r"\s*"
            + _APPROX
            + r"\s*(?:件|起|宗|次)"
        ),
        False,
    ),
    (
        "litigation",
        re.compile(
            r"行政诉讼(?:案件)?" + _CLAUSE_GAP + _NUM + r"\s*" + _APPROX + r"\s*(?:件|起|宗|次)"
        ),
        False,
    ),
]

# Words that make a negation pattern not a negation of receipt ("无论", "无需").
_FALSE_NEGATIONS = ("无论", "无需", "无须", "无法", "未来")
# A request statement about review/litigation is not about information requests.
_NOT_APPLICATION = ("复议", "诉讼", "申诉")
# A number that counts more than the report year (a stock, or 近3年 "the last three years").
_CUMULATIVE = re.compile(r"累计|共计公开|总数|截止目前|截至目前|近[\d一二两三四五六七八九十]+年")
# A number that is part of a larger count, or counts more than one quantity: a share
# (各乡镇主动公开政府信息122条，占28.7%), an item of an enumeration (主动公开的政府信息的主要类别
# 有：机构职能类信息612条), the 其他 category, proactive and requested items together, one
# unit among others (县政府公开办主动公开信息数为62条，其他主动公开信息量较大部门是…), or a
# subset named by a qualifier (全文电子化的主动公开信息数共57条: the fully digitised ones).
_PART_INSIDE = re.compile(r"[：:]|依申请")
_PART_AFTER = re.compile(r"\s*(?:[，,]?\s*(?:占|约占)|[，,]\s*(?:其他|其它|其余))")
_PART_BEFORE = ("其他", "其它")
_PART_QUALIFIER = re.compile(r"全文电子化的?$")
# A negation about some of the requests only: 没有收到申请公开的信息涉及"不予公开"的 (none of
# the requests received concerned information withheld; pingtan/142, which received 2).
_NEGATED_SUBSET = re.compile(r"[^。；;，,！!？?\n]{0,12}?涉及")


def _in_parenthesis(text: str, a: int, b: int) -> bool:
    """Does a parenthesis opened in ``text[a:b]`` stay open at ``b``?"""
    seg = text[a:b]
    return seg.count("（") + seg.count("(") > seg.count("）") + seg.count(")")


def _is_combined(text: str, clause_start: int, match_start: int, num_start: int) -> bool:
    """Does the number at ``num_start`` count reviews and lawsuits together? (行政复议或提起
    行政诉讼共3件: one count of both; not 行政复议1件，行政诉讼2件, nor 行政复议和行政诉讼各1件.)"""
    k = text.rfind("行政复议", max(clause_start, match_start - 8), num_start)
    if k == -1:
        return False
    between = text[k:num_start]
    return _COMBINED_RE.match(between) is not None and "各" not in between


#: 行政复议 joined to 行政诉讼 by 或 / 和 / 及 / 与 / 、 (被申请行政复议或提起行政诉讼共3件), with no
#: clause break or number between them (行政复议，行政诉讼1件 counts lawsuits only).
_COMBINED_RE = re.compile(
    r"行政复议[^，,；;\d]{0,8}?(?:或|和|及|与|、)[^，,；;\d]{0,6}?行政诉讼[^，,；;\d]*$"
)


_STOP_CHARS = "。；;！!？?\n"
_STOP_RE = re.compile(f"[{_STOP_CHARS}]")


def _sentence(text: str, start: int, end: int, rev: str | None = None) -> tuple[int, int]:
    """(first, past-the-end) offsets of the clause around ``text[start:end]``.

    ``rev`` is ``text[::-1]`` when the caller has it (one copy per text, not per clause).
    """
    # The last stop character before start is the first one at or after n - start in the
    # reversed text: one regex search, where text.rfind(ch, 0, start) per stop character runs
    # back to the beginning of the text for every character the text lacks (most lack ！？).
    n = len(text)
    if rev is None:
        rev = text[::-1]
    m = _STOP_RE.search(rev, n - start)
    left = n - m.start() if m else 0
    m = _STOP_RE.search(text, end)  # the first stop character at or after end
    return left, (m.start() if m else len(text))


_DIGIT_SEP = re.compile(r"[,，]")


def _overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


def find_numbers(text: str, *, exclude: Iterable[tuple[int, int]] = ()) -> pd.DataFrame:
    """Find the quantities of :data:`QUANTITIES` stated in ``text``.

    Parameters
    ----------
    text : str
        Plain text of a report (the offset basis of the returned spans).
    exclude : iterable of (start, end)
        Spans to ignore, e.g. the spans of the report's tables.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`NARRATIVE_COLUMNS`: quantity, value (float), raw (``text[start:end]``:
        the digits, or the whole negative phrase for a stated zero), start, end, is_approx,
        is_cumulative, is_negation, is_part (a share, category or combined count: not the
        quantity's total), sentence (the clause, for display). Sorted by start.
    """
    rows = _find_records(text, exclude=exclude)
    if not rows:
        df = pd.DataFrame([], columns=[*NARRATIVE_COLUMNS, "sent_start"])
        return df.drop(columns="sent_start").astype(
            {"value": "float64", "start": "int64", "end": "int64"}
        )
    df = pd.DataFrame(rows, columns=NARRATIVE_COLUMNS)
    return df.astype({"value": "float64", "start": "int64", "end": "int64"})


_RANK = {q: i for i, q in enumerate(QUANTITIES)}

#: Literals each of _PATTERNS needs (all of them): a text without one cannot match, so the
#: regex scan is skipped (same results, less time on texts without such statements).
_REQUIRED: list[tuple[str, ...]] = [
    ("申请",),
    ("申请",),
    ("申请",),
    ("主动公开", "条"),
    ("行政复议", "行政诉讼"),
    ("行政复议",),
    ("行政诉讼",),
]


class _Starts(NamedTuple):
    """Where a match of one of _PATTERNS can start (see :func:`_matches`).

    A match starts with one of ``first`` followed by one of ``second`` (any character when
    ``second`` is empty); with an ``anchor``, the match also holds the anchor at most
    ``reach`` characters after its start. A superset of the possible starts is fine.
    """

    first: str
    second: str = ""
    anchor: str = ""
    reach: int = 0


#: Candidate starts per pattern of _PATTERNS; None: a plain ``finditer`` (the pattern begins
#: with a literal, which the regex engine finds quickly itself).
_STARTS: list[_Starts | None] = [
    _Starts("未没无", "收受接曾有"),  # (?:未|没有|无|未曾)(?:收到|受理|接到|接收|收)
    _Starts("收受接新", "到理收"),  # (?:收到|受理|接收|接到|新收)
    _Starts("收受接新", "到理收"),
    None,
    # (?:无|未发生|没有|未有|未) (3 characters at most) + _gap(40) + 行政复议
    _Starts("无未没", "", "行政复议", 3 + 40),
    None,
    None,
]


def _matches(
    pattern: re.Pattern[str],
    text: str,
    starts: _Starts | None,
    memo: dict[_Starts, list[int]] | None = None,
) -> list[re.Match[str]]:
    """``list(pattern.finditer(text))``, trying the pattern only where a match can start.

    finditer tries every position left to right and resumes after each match; a position
    where no match can start fails there, so trying the candidate positions in order (and none
    inside a match already found) gives the same matches (none of _PATTERNS can match the
    empty string or looks behind its start). The candidates come from ``str.find`` of single
    characters, several times cheaper than the regex engine's scan for a pattern that begins
    with an alternation of CJK words (that scan tries the pattern at every position).
    ``memo`` keeps the sorted candidates of one text per ``starts`` (patterns share them).
    """
    if starts is None:
        return list(pattern.finditer(text))
    cands = memo.get(starts) if memo is not None else None
    if cands is None:
        cands = _candidates(text, starts)
        if memo is not None:
            memo[starts] = cands
    return matches_at(pattern, text, cands)


def _candidates(text: str, starts: _Starts) -> list[int]:
    """The positions of ``text`` where ``starts`` lets a match begin, in order."""
    n = len(text)
    if starts.anchor:
        spans = []
        q = text.find(starts.anchor)
        while q != -1:
            spans.append((max(0, q - starts.reach), q))
            q = text.find(starts.anchor, q + 1)
    else:
        spans = [(0, n)]
    second = starts.second
    cands: set[int] = set()
    for lo, hi in spans:
        for ch in starts.first:
            i = text.find(ch, lo, hi)
            while i != -1:
                if not second or (i + 1 < n and text[i + 1] in second):
                    cands.add(i)
                i = text.find(ch, i + 1, hi)
    return sorted(cands)


def _find_records(text: str, *, exclude: Iterable[tuple[int, int]] = ()) -> list[dict]:
    """:func:`find_numbers` as a list of row dicts, no pandas.

    Keys: :data:`NARRATIVE_COLUMNS` and ``sent_start`` (the offset of ``sentence`` in ``text``).
    """
    exclude = list(exclude)
    rows: list[dict] = []
    seen: set[tuple[str, int]] = set()
    rev: str | None = None  # text[::-1], for _sentence, made on the first match
    memo: dict[_Starts, list[int]] = {}  # candidate starts, shared by patterns
    for (quantity, pattern, is_negation), required, starts in zip(
        _PATTERNS, _REQUIRED, _STARTS, strict=True
    ):
        if not all(w in text for w in required):
            continue
        for m in _matches(pattern, text, starts, memo):
            whole = m.group(0)
            if is_negation and any(whole.startswith(w) for w in _FALSE_NEGATIONS):
                continue
            if quantity == "applications_received" and any(w in whole for w in _NOT_APPLICATION):
                continue
            if is_negation:
                start, end, value = m.start(), m.end(), 0.0
            else:
                start, end = m.start("num"), m.end("num")
                if _in_parenthesis(text, m.start(), start):
                    continue  # a remark: （不同渠道和方式公开相同信息计1条） counts nothing
                digits = _DIGIT_SEP.sub("", m.group("num"))
                try:
                    value = float(int(digits))
                except ValueError:
                    continue
            if _overlaps(start, end, exclude):
                continue
            if rev is None:
                rev = text[::-1]
            s0, s1 = _sentence(text, m.start(), m.end(), rev)
            before = text[s0 : m.start()] + whole
            is_approx = bool(not is_negation and m.groupdict().get("approx"))
            is_cumulative = _CUMULATIVE.search(before) is not None
            is_part = (
                (_NEGATED_SUBSET.match(text, m.end()) is not None)
                if is_negation
                else (
                    _PART_INSIDE.search(whole) is not None
                    or _PART_AFTER.match(text, m.end()) is not None
                    or text[max(0, m.start() - 3) : m.start()].rstrip("应").endswith(_PART_BEFORE)
                    or _PART_QUALIFIER.search(text, max(0, m.start() - 6), m.start()) is not None
                )
            )
            targets = ("review", "litigation") if quantity == "review+litigation" else (quantity,)
            if quantity in ("review", "litigation") and _is_combined(text, s0, m.start(), start):
                targets = ("review_and_litigation",)
            for q in targets:
                if (q, start) in seen:
                    continue
                seen.add((q, start))
                rows.append(
                    {
                        "quantity": q,
                        "value": value,
                        "raw": text[start:end],
                        "start": start,
                        "end": end,
                        "is_approx": is_approx,
                        "is_cumulative": is_cumulative,
                        "is_negation": is_negation,
                        "is_part": is_part,
                        "sentence": text[s0:s1],
                        "sent_start": s0,
                    }
                )
    # A negation and an explicit number of the same quantity in one clause ("未发生行政复议，
    # 行政诉讼1件" also matches the review+litigation negation): the explicit number wins.
    explicit = {(r["quantity"], r["sent_start"]) for r in rows if not r["is_negation"]}
    kept = [
        r for r in rows if not (r["is_negation"] and (r["quantity"], r["sent_start"]) in explicit)
    ]
    kept.sort(key=lambda r: (r["start"], _RANK.get(r["quantity"], len(_RANK))))
    return kept
