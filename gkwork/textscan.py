"""Regex matching restricted to candidate start positions (a fast ``finditer``).

A pattern whose first characters the regex engine cannot scan for quickly (an alternation of
CJK words, a year before 年) is tried at every position by ``finditer``. When the positions
where a match can start are cheap to find (``str.find`` of a character), trying only those,
in order and none inside a match already found, gives exactly ``finditer``'s matches, as long
as the pattern cannot match the empty string and does not look behind its start.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def matches_at(pattern: re.Pattern[str], text: str, starts: Iterable[int]) -> list[re.Match[str]]:
    """``list(pattern.finditer(text))`` when ``starts`` (ascending) holds every possible start.

    Examples
    --------
    >>> p = re.compile(r"ab+")
    >>> [m.group() for m in matches_at(p, "abbxab", [0, 1, 4])]
    ['abb', 'ab']
    """
    out: list[re.Match[str]] = []
    end = 0
    match = pattern.match
    for i in starts:
        if i < end:
            continue
        m = match(text, i)
        if m is not None:
            out.append(m)
            end = m.end()
    return out
