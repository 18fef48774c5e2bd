"""Panels: the same agency across years, and the cross-year rules (domain.md §5.4).

:func:`match_agencies` links reports of the same agency: agency names are normalised (NFKC,
no whitespace, no year or 报告 words, 人民政府 -> 政府, 管理委员会 -> 管委会), place prefixes
are stripped when the reports share an administrative-division code, and remaining near
matches (one name the other with characters inserted: 产业开发区 / 产业园开发区) are linked by
a fuzzy score. Reports whose known locations (division_code, province, city, county) differ
are never linked, nor placeless reports under a district name that several prefectures share
(新华区) when two of them are of one year.

:func:`check_panel` runs the ``panel.*`` rules of the catalog on consecutive years of each
panel and returns check rows (:data:`gkwork.model.CHECK_COLUMNS`) attached to the later
year's report; :func:`panel_check_blocks` gives the same rows sorted, a block of reports at a
time (a corpus build writes them as they come).

Examples
--------
>>> import pandas as pd
>>> reports = pd.DataFrame({"report_id": ["a", "b"], "year": [2020, 2021],
...                         "agency": ["武桥镇人民政府", "武桥镇政府2021年度报告"]})
>>> match_agencies(reports)[["report_id", "agency_norm", "method"]].values.tolist()
[['a', '武桥镇政府', 'normalised'], ['b', '武桥镇政府', 'normalised']]
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import logging
import math
import operator
import os
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz import process as rf_process

from gkwork import templates, validate
from gkwork.errors import GkworkError

logger = logging.getLogger("gkwork")

__all__ = [
    "PanelSettings",
    "check_panel",
    "match_agencies",
    "normalize_agency",
    "panel_check_blocks",
    "panel_ids",
    "panel_members",
]

#: Columns of :func:`match_agencies`.
MATCH_COLUMNS: list[str] = ["report_id", "panel_id", "agency_norm", "method", "confidence"]

#: Location columns that must agree (when both known) for two reports to be linked.
LOCATION_COLUMNS: tuple[str, ...] = ("division_code", "province", "city", "county")

#: Columns :func:`match_agencies` reads (``synthetic``: real and synthetic reports are never
#: one agency).
MATCH_INPUTS: tuple[str, ...] = ("report_id", "agency", "year", *LOCATION_COLUMNS, "synthetic")

#: Link methods from strongest to weakest.
METHODS: tuple[str, ...] = ("exact", "normalised", "division_code", "fuzzy")


@dataclass(frozen=True)
class PanelSettings:
    """Tuning settings of agency matching.

    Attributes
    ----------
    fuzzy_cutoff : float
        Minimum :func:`rapidfuzz.fuzz.ratio` (0-100) of two normalised names for a fuzzy link.
    min_suffix_len : int
        Minimum length of the shorter name when one name ends with the other (same division
        code), e.g. 衢江区机关事务保障中心 / 区机关事务保障中心.
    confidence : Mapping[str, float]
        Confidence of each method; a fuzzy link scales its value by score / 100.
    """

    fuzzy_cutoff: float = 92.0
    min_suffix_len: int = 4
    confidence: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.fuzzy_cutoff <= 100:
            raise GkworkError(
                f"PanelSettings.fuzzy_cutoff must be within 0-100; got {self.fuzzy_cutoff}"
            )
        if self.min_suffix_len < 1:
            raise GkworkError(
                f"PanelSettings.min_suffix_len must be >= 1; got {self.min_suffix_len}"
            )

    def conf(self, method: str) -> float:
        default = {"exact": 1.0, "normalised": 0.95, "division_code": 0.9, "fuzzy": 0.85}
        return float((self.confidence or default).get(method, default[method]))


_YEAR_RE = re.compile(r"(?:19|20)\d{2}\s*年(?:度)?|年度")
_REPORT_WORDS = (
    "政府信息公开工作年度报告",
    "政府信息公开年度报告",
    "政务公开工作年度报告",
    "政府信息公开工作",
    "信息公开年度报告",
    "工作年度报告",
    "年度报告",
    "工作报告",
    "报告",
)
_PUNCT_RE = re.compile(r"[\s\"'“”‘’《》<>()\[\]【】·・.,，、:：;；]")


def normalize_agency(name: Any) -> str:
    """Normalise an agency name for matching.

    Examples
    --------
    >>> normalize_agency(" 五河县武桥镇人民政府 2020年度 政府信息公开工作年度报告")
    '五河县武桥镇政府'
    >>> normalize_agency("咸宁高新技术产业开发区管理委员会")
    '咸宁高新技术产业开发区管委会'
    """
    if name is None or (isinstance(name, float) and math.isnan(name)):
        return ""
    return _normalize_name(str(name))


@functools.lru_cache(maxsize=65536)
def _normalize_name(name: str) -> str:
    s = unicodedata.normalize("NFKC", name)
    s = _PUNCT_RE.sub("", s)
    s = _YEAR_RE.sub("", s)
    for w in _REPORT_WORDS:
        s = s.replace(w, "")
    s = s.replace("人民政府", "政府").replace("管理委员会", "管委会")
    return s


def _text(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    try:
        if pd.isna(x):
            return ""
    except (TypeError, ValueError):
        pass
    return unicodedata.normalize("NFKC", str(x)).strip()


def _shared(values: Iterable[Any], fn: Callable[[Any], Any]) -> list[Any]:
    """``[fn(v) for v in values]`` with ``fn`` called once per distinct hashable value and its
    result shared by every equal value of the same type (``1``, ``1.0`` and ``True`` are equal
    keys of a dict, but ``str()`` tells them apart); ``fn(v)`` alone for an unhashable one."""
    memo: dict[Any, Any] = {}
    out = []
    for v in values:
        key = (type(v), v)
        try:
            got = memo.get(key, memo)
        except TypeError:  # unhashable
            out.append(fn(v))
            continue
        if got is memo:
            got = memo[key] = fn(v)
        out.append(got)
    return out


def _location(values: tuple[str, ...]) -> tuple[dict[str, str], tuple[str, ...]]:
    """A report's location (values in :data:`LOCATION_COLUMNS` order) as a dict, and its
    province, city and county normalised as agency names (for :func:`_strip_places`)."""
    loc = dict(zip(LOCATION_COLUMNS, values, strict=True))
    return loc, tuple(normalize_agency(loc[k]) for k in ("province", "city", "county"))


def _strip_places(name: str, places: Sequence[str]) -> str:
    """Drop leading place names (province, city, county) from a normalised name."""
    changed = True
    while changed and name:
        changed = False
        for p in places:
            if p and name.startswith(p) and len(name) > len(p):
                name = name[len(p) :]
                changed = True
    return name


@functools.lru_cache(maxsize=65536)
def _code_prefix(code: str) -> str:
    """GB/T 2260 code without its trailing zero pairs: '350000' -> '35', '350128' -> '350128'."""
    code = re.sub(r"\D", "", code)[:6]
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def _codes_compatible(codes: set[str]) -> bool:
    """Division codes that can name one place: each is a prefix of the most specific one.

    '350000' (Fujian) is compatible with '350128' (Pingtan); '350128' and '350102' are not.
    """
    return len(codes) < 2 or _prefixes_compatible(frozenset(codes))


@functools.lru_cache(maxsize=65536)
def _prefixes_compatible(codes: frozenset[str]) -> bool:
    prefixes = sorted({_code_prefix(c) for c in codes if c}, key=len)
    return all(prefixes[-1].startswith(p) for p in prefixes)


def _names_match(x: str, y: str, min_suffix_len: int) -> bool:
    """Agency names (places stripped) equal, or the shorter one ends the longer one."""
    a, b = sorted((x, y), key=len)
    return a == b or (len(a) >= min_suffix_len and b.endswith(a))


class _Clusters:
    """Union-find over report positions that keeps each cluster's locations and years.

    A report alone is described by its own row (no sets are built for it); a cluster's sets
    and year counts exist only once it has two members, so that a corpus of 100k mostly
    unmatched reports does not hold 100k dicts of sets.
    """

    def __init__(self, locs: list[dict[str, str]], years: list[int | None]):
        self.parent = list(range(len(locs)))
        self.base_locs = locs
        self.base_years = years
        self.locs: dict[int, dict[str, set[str]]] = {}  # clusters of two or more, by root
        self.years: dict[int, Counter] = {}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def _values(self, root: int, k: str) -> set[str]:
        got = self.locs.get(root)
        if got is not None:
            return got[k]
        v = self.base_locs[root][k]
        return {v} if v else set()

    def _years(self, root: int) -> Counter:
        got = self.years.get(root)
        if got is not None:
            return got
        y = self.base_years[root]
        return Counter([y]) if y is not None else Counter()

    def can_join(self, i: int, j: int, *, allow_same_year: bool) -> bool:
        a, b = self.find(i), self.find(j)
        if a == b:
            return True
        # every cluster was built by joins that passed, so each side's values pass on their
        # own (at most one province, city, county; compatible codes): the union can fail
        # only where both sides have values and they differ
        for k in LOCATION_COLUMNS:
            va, vb = self._values(a, k), self._values(b, k)
            if va and vb and va != vb:
                if k != "division_code" or not _codes_compatible(va | vb):
                    return False
        return allow_same_year or self._years(a).keys().isdisjoint(self._years(b))

    def join(self, i: int, j: int) -> None:
        """Merge the clusters of i and j into the lower root's sets and year counts, in place
        (new sets per join made an agency of N reports cost N copies of its sets)."""
        a, b = self.find(i), self.find(j)
        if a == b:
            return
        a, b = min(a, b), max(a, b)
        self.parent[b] = a
        locs = self.locs.get(a)
        if locs is None:  # a alone until now: its own sets, fresh
            locs = self.locs[a] = {k: self._values(a, k) for k in LOCATION_COLUMNS}
        years = self.years.get(a)
        if years is None:
            years = self.years[a] = self._years(a)
        other = self.locs.pop(b, None)
        if other is None:  # b alone: its own row's values (no sets made for them)
            base = self.base_locs[b]
            for k in LOCATION_COLUMNS:
                if base[k]:
                    locs[k].add(base[k])
            if self.base_years[b] is not None:
                years[self.base_years[b]] += 1
        else:
            for k in LOCATION_COLUMNS:
                locs[k] |= other[k]
            years.update(self.years.pop(b))


def _column(frame: pd.DataFrame, name: str) -> list[Any]:
    """A column as a list with None for missing values (as ``to_dict('records')`` gives).

    Equal values are one object (names and places repeat across reports: 100,000 separate
    strings of a few dozen distinct names cost tens of megabytes)."""
    if name not in frame.columns:
        return [None] * len(frame)
    codes, uniques = pd.factorize(frame[name])
    values = [None if v is pd.NA or v is pd.NaT else v for v in uniques.tolist()]
    values.append(None)  # code -1: missing
    return [values[c] for c in codes.tolist()]


def _match_apart(
    reports: pd.DataFrame, synthetic: np.ndarray, settings: PanelSettings
) -> pd.DataFrame:
    """:func:`match_agencies` of a corpus mixing real and synthetic reports: each kind matched
    on its own (a synthetic 武桥镇 is not the real one's earlier year); the real reports keep
    the ids they have alone, the synthetic ones get ids of their own."""
    plain = reports.drop(columns="synthetic")
    real = match_agencies(plain[~synthetic], settings=settings)
    made_up = match_agencies(plain[synthetic], settings=settings)
    made_up["panel_id"] = [
        "p" + hashlib.sha1(f"synthetic|{pid}".encode()).hexdigest()[:10]
        for pid in made_up["panel_id"]
    ]
    both = pd.concat([real, made_up], ignore_index=True).set_index("report_id")
    return both.loc[reports["report_id"].tolist()].reset_index()[MATCH_COLUMNS]


def panel_members(reports: pd.DataFrame) -> pd.DataFrame:
    """The reports that take part in panels: parsed ``ok`` (when ``status`` is given), with a
    year and an agency. The panel step of a build matches these and no others."""
    keep = reports["year"].notna() & reports["agency"].notna()
    if "status" in reports.columns:
        keep &= reports["status"] == "ok"
    return reports[keep]


def panel_ids(reports: pd.DataFrame, *, settings: PanelSettings | None = None) -> pd.DataFrame:
    """Each panel member's ``panel_id``, as the build's cross-year checks link them.

    Parameters
    ----------
    reports : pandas.DataFrame
        The ``reports`` table (``report_id``, ``agency``, ``year``; ``status`` and the location
        columns when known). Reports that are not :func:`panel_members` get no row.

    Returns
    -------
    pandas.DataFrame
        Columns report_id, panel_id (see :func:`match_agencies`).
    """
    members = panel_members(reports)
    cols = [c for c in MATCH_INPUTS if c in members.columns]
    return match_agencies(members[cols], settings=settings)[["report_id", "panel_id"]]


def _one_inside_other(x: str, y: str) -> bool:
    """Whether one name is the other with characters inserted in one place (开发区 /
    产业园开发区), not with characters replaced: names that share a long place prefix score
    high however different their own part (安阳市文峰区杨柳街道办事处 / …柳林街道办事处: 92),
    and a replaced character is as often another body (东城镇 / 西城镇) as a misprint."""
    p = len(os.path.commonprefix([x, y]))
    x, y = x[p:], y[p:]
    q = len(os.path.commonprefix([x[::-1], y[::-1]]))
    return not x[: len(x) - q] or not y[: len(y) - q]


#: Scores computed at once by :func:`_fuzzy_hits` (float64: 8 MB).
_FUZZY_CELLS = 1 << 20


def _fuzzy_hits(names: list[str], cutoff: float) -> list[tuple[int, int, float]]:
    """(a, b, score) of every pair of ``names`` a < b whose fuzz.ratio reaches ``cutoff``.

    Scored a band of rows at a time against the names from the band on: the whole matrix of
    a block grows with the square of its names (the 2,300 township government names of a
    30,000-report corpus: 41 MB; a national corpus' tens of thousands: gigabytes).
    """
    n = len(names)
    step = max(1, _FUZZY_CELLS // n)
    out: list[tuple[int, int, float]] = []
    for a0 in range(0, n, step):
        scores = rf_process.cdist(
            names[a0 : a0 + step],
            names[a0:],
            scorer=fuzz.ratio,
            score_cutoff=cutoff,
            dtype=np.float64,
        )
        rows, cols = np.nonzero(scores)  # (np.triu would copy the band)
        out.extend(
            (a0 + int(r), a0 + int(c), float(scores[r, c]))
            for r, c in zip(rows, cols, strict=True)
            if c > r
        )
    return out


def _homonyms(norm: list[str], locs: list[dict[str, str]], years: list[int | None]) -> set[int]:
    """Reports whose normalised name names a district several prefectures share, printed
    without any place, with two reports of one year under it (see match_agencies)."""
    from gkwork.meta import shared_place_name

    groups: dict[str, list[int]] = {}
    for i, name in enumerate(norm):
        if name and not any(locs[i].values()):
            groups.setdefault(name, []).append(i)
    held: set[int] = set()
    for name, members in groups.items():
        known = [years[i] for i in members if years[i] is not None]
        if len(known) > len(set(known)) and shared_place_name(name):
            held.update(members)
    return held


def match_agencies(reports: pd.DataFrame, *, settings: PanelSettings | None = None) -> pd.DataFrame:
    """Assign a panel (agency) ID to each report.

    Parameters
    ----------
    reports : pandas.DataFrame
        One row per report with ``report_id`` and ``agency``; optional ``year``,
        ``division_code``, ``province``, ``city``, ``county``, and ``synthetic`` (real and
        synthetic reports are matched apart). Not modified.
    settings : PanelSettings, optional

    Returns
    -------
    pandas.DataFrame
        Columns report_id, panel_id (``p`` + 10 hex digits, stable for the same normalised
        name and known locations), agency_norm, method (exact, normalised, division_code,
        fuzzy: the strongest link to another report of the panel; ``exact`` for a report
        alone), confidence (0-1). Same order as ``reports``.
    """
    settings = settings or PanelSettings()
    for col in ("report_id", "agency"):
        if col not in reports.columns:
            raise GkworkError(
                f"match_agencies needs column {col!r}; got columns {list(reports.columns)}"
            )
    n = len(reports)
    if n == 0:
        return pd.DataFrame(columns=MATCH_COLUMNS)
    if "synthetic" in reports.columns:
        synthetic = reports["synthetic"].fillna(False).astype(bool).to_numpy()
        if synthetic.any() and not synthetic.all():
            return _match_apart(reports, synthetic, settings)
        reports = reports.drop(columns="synthetic")
    column = functools.partial(_column, reports)
    report_ids, agencies = column("report_id"), column("agency")
    # Names and places repeat across reports (an agency's years, a county's agencies): each
    # distinct value is worked out once and its result shared, so that the per-report lists
    # hold references, not copies (about 1 KB per report otherwise).
    raw = _shared(agencies, lambda a: re.sub(r"\s+", "", _text(a)))
    norm = _shared(agencies, normalize_agency)
    by_column = [_shared(column(k), _text) for k in LOCATION_COLUMNS]
    # one dict per distinct location (read only: _Clusters copies what it merges), and its
    # place names as _strip_places takes them
    located = _shared(zip(*by_column, strict=True), _location)
    del by_column
    locs = [loc for loc, _ in located]
    places = [where for _, where in located]
    del located
    years = [validate._as_year(y) for y in column("year")]
    stripped = _shared(zip(norm, places, strict=True), lambda a: _strip_places(*a))
    uf = _Clusters(locs, years)
    best: list[tuple[int, float]] = [(len(METHODS), 0.0)] * n  # (method rank, confidence)

    def link(i: int, j: int, method: str, conf: float, *, allow_same_year: bool) -> bool:
        if not uf.can_join(i, j, allow_same_year=allow_same_year):
            return False
        uf.join(i, j)
        mark(i, j, METHODS.index(method), conf)
        return True

    def mark(i: int, j: int, rank: int, conf: float) -> None:
        """Keep the strongest link of each report (method rank first, then confidence)."""
        for k in (i, j):
            if (rank, -conf) < (best[k][0], -best[k][1]):
                best[k] = (rank, conf)

    order = sorted(range(n), key=lambda i: str(report_ids[i]))
    order_pos = [0] * n
    for k, i in enumerate(order):
        order_pos[i] = k

    def by_key(keys: list[str], method: str, *, allow_same_year: bool) -> None:
        groups: dict[str, list[int]] = {}
        for i in order:
            if keys[i]:
                groups.setdefault(keys[i], []).append(i)
        for members in groups.values():
            for j in members[1:]:
                link(members[0], j, method, settings.conf(method), allow_same_year=allow_same_year)

    # Homonyms: a name of a district that several prefectures have (新华区: 石家庄's and
    # 沧州's), printed without any place, by two different reports of one year, is two
    # agencies as likely as one report posted twice; which years belong together cannot be
    # told, so none of them is linked (a wrong link makes the cross-year checks compare two
    # agencies' books). The same name with a place, or without a second report of a year,
    # links as usual.
    held = _homonyms(norm, locs, years)
    if held:
        logger.info("%d reports under ambiguous place names left unlinked", len(held))
    by_key([k if i not in held else "" for i, k in enumerate(raw)], "exact", allow_same_year=True)
    by_key(
        [k if i not in held else "" for i, k in enumerate(norm)], "normalised", allow_same_year=True
    )

    # Same division code: names equal after dropping place prefixes, or one ends with the other.
    by_code: dict[str, list[int]] = {}
    for i in order:
        if locs[i]["division_code"] and stripped[i]:
            by_code.setdefault(locs[i]["division_code"], []).append(i)
    # Pairs are taken in the order of a loop over all member pairs, but only pairs whose names
    # match are visited (positions of the members with a matching name, merged and sorted),
    # and a cluster pair that failed is not tried again until some join changes the clusters
    # (a pair already in one cluster is still linked: that records its method and confidence).
    conf_code, rank_code = settings.conf("division_code"), METHODS.index("division_code")

    def improves(k: int) -> bool:  # would a division-code link improve best[k]?
        return best[k][0] > rank_code or (best[k][0] == rank_code and best[k][1] < conf_code)

    def pairs(i: int, ri: int, js: Iterable[int], failed: set[tuple[int, int]]) -> int:
        """Link report i (cluster ri) to each of js in turn; return i's cluster after."""
        for j in js:
            rj = uf.find(j)
            if ri == rj:  # what link() does for a pair already joined
                if improves(i) or improves(j):
                    mark(i, j, rank_code, conf_code)
            elif (ri, rj) not in failed:  # a cluster pair that failed fails until a join
                if link(i, j, "division_code", conf_code, allow_same_year=False):
                    failed.clear()
                    ri = uf.find(i)
                else:
                    failed.add((ri, rj))
        return ri

    for members in by_code.values():
        at_name: dict[str, list[int]] = {}
        for pos, i in enumerate(members):
            at_name.setdefault(stripped[i], []).append(pos)
        partners: dict[str, list[int]] = {}
        for x in at_name:
            hits = [
                pos
                for y, where in at_name.items()
                if _names_match(x, y, settings.min_suffix_len)
                for pos in where
            ]
            partners[x] = sorted(hits)
        failed: set[tuple[int, int]] = set()
        # tails[x]: index into partners[x] from which on every member is in one cluster and
        # can gain nothing from a division-code link. Both facts only ever become true (best
        # only improves, clusters only merge), so a tail once found stays valid: a name shared
        # by hundreds of reports of one agency costs one pass, not one per pair.
        tails: dict[str, int] = {}

        for a_pos, i in enumerate(members):
            x = stripped[i]
            cand = partners[x]
            t = tails.get(x, len(cand))
            while t > 0:
                k = members[cand[t - 1]]
                if improves(k) or (t < len(cand) and uf.find(k) != uf.find(members[cand[t]])):
                    break
                t -= 1
            tails[x] = t
            lo = bisect.bisect_right(cand, a_pos)
            mid = max(lo, t)
            ri = pairs(i, uf.find(i), (members[b] for b in cand[lo:mid]), failed)
            if mid < len(cand):
                if ri == uf.find(members[cand[mid]]):  # the tail: i's own cluster, settled
                    if improves(i):
                        mark(i, members[cand[mid]], rank_code, conf_code)
                else:
                    pairs(i, ri, (members[b] for b in cand[mid:]), failed)

    # Fuzzy: blocked by the last two characters (the kind of body: 政府, 中心, 务局 ...); the
    # distinct names of a block are scored at once (rapidfuzz cdist), so a block of thousands
    # of reports costs one matrix of its distinct names, not a Python loop over report pairs.
    blocks: dict[str, dict[str, list[int]]] = {}
    for i in order:
        if len(norm[i]) >= 2 and i not in held:
            blocks.setdefault(norm[i][-2:], {}).setdefault(norm[i], []).append(i)
    for by_name in blocks.values():
        names = list(by_name)
        if len(names) < 2:
            continue
        hits = sorted(
            (min(by_name[names[a]][0], by_name[names[b]][0]), a, b, score)
            for a, b, score in _fuzzy_hits(names, settings.fuzzy_cutoff)
            if _one_inside_other(names[a], names[b])
        )
        for _, a, b, score in hits:
            conf = settings.conf("fuzzy") * score / 100.0
            # Every report named a against every report named b, as a pair loop would; but
            # whether two reports may join depends only on their clusters, so a cluster pair
            # that failed is not tried again until some join changes the clusters. A name
            # shared by hundreds of reports then costs its distinct clusters, not its pairs.
            failed: set[tuple[int, int]] = set()
            done: set[int] = set()  # clusters of a whose every pair has been tried
            for i in by_name[names[a]]:
                ri = uf.find(i)
                if ri in done:
                    continue
                joined = False
                for j in by_name[names[b]]:
                    rj = uf.find(j)
                    if ri == rj or (ri, rj) in failed:
                        continue
                    i2, j2 = (i, j) if order_pos[i] < order_pos[j] else (j, i)
                    if link(i2, j2, "fuzzy", conf, allow_same_year=False):
                        failed.clear()
                        done.clear()
                        joined = True
                        ri = uf.find(i)
                    else:
                        failed.add((ri, rj))
                if not joined:
                    done.add(ri)

    clusters: dict[int, list[int]] = {}
    for i in range(n):
        clusters.setdefault(uf.find(i), []).append(i)
    # the result in columns (a dict per report cost about 400 bytes each)
    panel_ids: list[str] = [""] * n
    agency_norms: list[str] = [""] * n
    methods: list[str] = [""] * n
    confidences: list[float] = [0.0] * n
    named: dict[int, tuple[str, str]] = {}  # root -> (agency_norm, seed of its panel id)
    for root, members in clusters.items():
        counts = Counter(norm[i] for i in members if norm[i])
        agency_norm = sorted(counts, key=lambda s: (-counts[s], -len(s), s))[0] if counts else ""
        where = [",".join(sorted({locs[i][k] for i in members} - {""})) for k in LOCATION_COLUMNS]
        seed = "|".join([agency_norm, *where])
        if not agency_norm:
            seed += "|" + ",".join(sorted(str(report_ids[i]) for i in members))
        named[root] = (agency_norm, seed)
    # clusters the matching kept apart (homonyms; two reports of one year) keep apart ids
    # where name and places agree
    taken = Counter(seed for _, seed in named.values())
    for root, members in clusters.items():
        agency_norm, seed = named[root]
        if taken[seed] > 1:
            seed += "|" + ",".join(sorted(str(report_ids[i]) for i in members))
        panel_id = "p" + hashlib.sha1(seed.encode("utf-8")).hexdigest()[:10]
        for i in members:
            rank, conf = best[i]
            panel_ids[i] = panel_id
            agency_norms[i] = agency_norm
            methods[i] = METHODS[rank] if rank < len(METHODS) else "exact"
            confidences[i] = round(conf if rank < len(METHODS) else 1.0, 4)
    columns = (report_ids, panel_ids, agency_norms, methods, confidences)
    return pd.DataFrame(dict(zip(MATCH_COLUMNS, columns, strict=True)), columns=MATCH_COLUMNS)


# ---------------------------------------------------------------------------------------------
# Cross-year checks


def _template_of(tables: set, rows: set, cols: set) -> str:
    """The template a report's cells imply (when the report row does not name one)."""
    if "issued" in cols or "amount_10k_yuan" in cols or "other_no_fee" in rows:
        return "gov2021"
    if "prev_count" in cols or "new_made" in cols or "other" in rows:
        return "gov2019"
    if "legacy_stats" in tables:
        return "legacy"
    return "none"


#: A report's cells as the panel rules read them: (table, row, col) -> (value, start, end),
#: value NaN when missing; the first of duplicate keys wins.
_CellMap = dict[tuple[str, str, str], tuple[float, "int | None", "int | None"]]


class _Rep:
    """One report's cells, indexed; ``variant`` is its template's provincial form ('' = base)."""

    def __init__(
        self, report_id: str, year: int, template: str, cells: _CellMap, variant: str = ""
    ):
        self.report_id, self.year, self.template = report_id, year, template
        self.cells = cells
        self.variant = variant

    @functools.cached_property
    def form(self) -> str:
        """``template`` or ``template__variant``, as rules name forms (``forms``)."""
        from gkwork.templates import form_name

        return form_name(self.template, self.variant)

    @functools.cached_property
    def tables(self) -> frozenset[str]:
        """The tables the report has cells of."""
        return frozenset(k[0] for k in self.cells)

    @classmethod
    def from_frame(cls, report_id: str, year: int, template: str, cells: pd.DataFrame) -> _Rep:
        """A report from its cells as a DataFrame (the reference for :class:`_CellIndex`)."""
        got: _CellMap = {}
        for rec in cells.to_dict("records"):
            key = (str(rec["table"]), str(rec["row"]), str(rec["col"]))
            if key in got:
                continue
            v = rec.get("value")
            v = math.nan if v is None or pd.isna(v) else float(v)
            got[key] = (v, validate._opt_int(rec.get("start")), validate._opt_int(rec.get("end")))
        return cls(report_id, year, template, got)


def _small_codes(codes: np.ndarray, labels: list[str]) -> np.ndarray:
    """Codes in the smallest integer type that holds them and -1 (int8 for a few dozen)."""
    return codes.astype(np.min_scalar_type(-max(1, len(labels))))


#: A missing character offset in :class:`_CellIndex` (offsets are never negative).
_NO_OFFSET = -1


def _offsets(values: np.ndarray) -> np.ndarray:
    """Float offsets (NaN for missing) as integers, :data:`_NO_OFFSET` for missing: int32
    when they fit (4 bytes a cell instead of 8), as ``int()`` truncates them."""
    ints = np.where(np.isnan(values), _NO_OFFSET, values)
    fits = not len(ints) or (ints.min() >= -(2**31) and ints.max() < 2**31)
    return ints.astype(np.int32 if fits else np.int64)


class _Groups(Mapping):
    """report id -> its rows (increasing), as :meth:`DataFrame.groupby(...).indices` gives,
    from one integer array instead of an array object per report (about 100 bytes each).

    ``codes`` maps a report id to its group; the rows of group ``k`` are
    ``order[starts[k]:starts[k + 1]]``, or ``range(starts[k], starts[k + 1])`` when ``order``
    is None (rows already grouped, as in a built dataset's parts).
    """

    __slots__ = ("codes", "order", "starts")

    def __init__(self, codes: dict[Any, int], order: np.ndarray | None, starts: np.ndarray):
        self.codes, self.order, self.starts = codes, order, starts

    @classmethod
    def of(cls, labels: dict[Any, int], report_codes: np.ndarray) -> _Groups:
        """Groups of the rows by ``report_codes`` (codes ``0..len(labels)-1``)."""
        counts = np.bincount(report_codes, minlength=len(labels))
        starts = np.zeros(len(labels) + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        grouped = bool(np.all(report_codes[1:] >= report_codes[:-1]))
        order = None if grouped else np.argsort(report_codes, kind="stable")
        return cls(labels, order, starts)

    def __getitem__(self, report_id: Any) -> np.ndarray:
        k = self.codes[report_id]
        lo, hi = int(self.starts[k]), int(self.starts[k + 1])
        return np.arange(lo, hi) if self.order is None else self.order[lo:hi]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)


class _CellIndex:
    """The cells of many reports as arrays, so that one report's :data:`_CellMap` costs a few
    array lookups instead of a DataFrame ``take`` and ``to_dict`` (milliseconds per report).

    ``positions`` maps a report id to its rows (increasing); ``keys`` holds, for table, row
    and col, integer codes and the labels they index; ``value`` is a float array with NaN for
    missing, ``start`` and ``end`` integer arrays with :data:`_NO_OFFSET` for missing (None:
    no such column). From Arrow parts, about 20 bytes per cell and 150 per report: a million
    reports' panel cells (about 20 each) take about half a GB. Same result as
    :meth:`_Rep.from_frame` on the report's rows, in the same order.
    """

    def __init__(
        self,
        positions: Mapping[Any, np.ndarray],
        keys: list[tuple[np.ndarray, list[str]]],
        value: np.ndarray | None,
        start: np.ndarray | None,
        end: np.ndarray | None,
    ) -> None:
        self.positions, self.keys = positions, keys
        self.value, self.start, self.end = value, start, end

    @classmethod
    def from_frame(cls, cells: pd.DataFrame) -> _CellIndex:
        """Index a long cells DataFrame (columns report_id, table, row, col, value, start, end)."""
        positions = cells.groupby("report_id", sort=False).indices if len(cells) else {}
        keys = []
        for c in ("table", "row", "col"):
            codes, uniques = pd.factorize(cells[c], use_na_sentinel=True)
            labels = [str(u) for u in uniques]
            missing = np.flatnonzero(codes < 0)
            if len(missing):  # code -1 reads the last label: str() of what to_dict gives
                labels.append(str(cells[[c]].iloc[missing[:1]].to_dict("records")[0][c]))
            keys.append((_small_codes(codes, labels), labels))
        value, start, end = (cls._floats(cells, c) for c in ("value", "start", "end"))
        start, end = (None if a is None else _offsets(a) for a in (start, end))
        return cls(positions, keys, value, start, end)

    @classmethod
    def from_arrow(cls, tables: Iterable[Any]) -> _CellIndex | None:
        """Index cells read as Arrow tables (e.g. one per Parquet part), table by table.

        Each table is reduced to codes and numeric arrays before the next is read: only the
        distinct keys become Python strings. Returns None when a key column has a missing
        value (the DataFrame path spells those; :meth:`from_frame` then).
        """
        import pyarrow as pa

        names = ("report_id", "table", "row", "col")
        labels: dict[str, dict[str, int]] = {c: {} for c in names}
        pieces: dict[str, list[np.ndarray]] = {c: [] for c in (*names, "value", "start", "end")}
        has = {c: True for c in ("value", "start", "end")}
        for table in tables:
            for c in names:
                col = table.column(c).combine_chunks()
                if col.null_count:
                    return None
                if not pa.types.is_dictionary(col.type):
                    col = col.dictionary_encode()
                ids = labels[c]
                lookup = np.array(
                    [ids.setdefault(v, len(ids)) for v in col.dictionary.to_pylist()],
                    dtype=np.int32,
                )
                if c != "report_id":  # a few dozen labels: the small type now, not at the end
                    lookup = _small_codes(lookup, ids)
                pieces[c].append(lookup[col.indices.to_numpy(zero_copy_only=False)])
            for c in ("value", "start", "end"):
                if c not in table.column_names:
                    has[c] = False
                    continue
                arr = table.column(c).combine_chunks().cast(pa.float64())
                arr = arr.to_numpy(zero_copy_only=False)
                pieces[c].append(arr if c == "value" else _offsets(arr))

        def joined(c: str) -> np.ndarray:  # one column at a time: its pieces go as it is made
            got = pieces.pop(c)
            return np.concatenate(got) if got else np.zeros(0, np.int32)

        positions = _Groups.of(labels["report_id"], joined("report_id"))
        keys = []
        for c in ("table", "row", "col"):
            names_c = list(labels[c])
            keys.append((_small_codes(joined(c), names_c), names_c))
        numbers = [joined(c) if has[c] else None for c in ("value", "start", "end")]
        return cls(positions, keys, *numbers)

    @staticmethod
    def _floats(cells: pd.DataFrame, name: str) -> np.ndarray | None:
        if name not in cells.columns:
            return None
        return cells[name].to_numpy(dtype="float64", na_value=np.nan)

    def template(self, report_id: Any) -> str:
        pos = self.positions.get(report_id)
        if pos is None or not len(pos):
            return "none"
        (tc, tl), (rc, rl), (cc, cl) = self.keys
        return _template_of(
            {tl[k] for k in tc[pos].tolist()},
            {rl[k] for k in rc[pos].tolist()},
            {cl[k] for k in cc[pos].tolist()},
        )

    def cells(self, report_id: Any) -> _CellMap:
        pos = self.positions.get(report_id)
        got: _CellMap = {}
        if pos is None:
            return got
        (tc, tl), (rc, rl), (cc, cl) = self.keys
        m = len(pos)
        values = self.value[pos].tolist() if self.value is not None else [math.nan] * m
        starts = self.start[pos].tolist() if self.start is not None else [_NO_OFFSET] * m
        ends = self.end[pos].tolist() if self.end is not None else [_NO_OFFSET] * m
        na = _NO_OFFSET
        for t, r, c, v, s, e in zip(
            tc[pos].tolist(), rc[pos].tolist(), cc[pos].tolist(), values, starts, ends,
            strict=True,
        ):  # fmt: skip
            key = (tl[t], rl[r], cl[c])
            if key not in got:
                got[key] = (v, None if s == na else s, None if e == na else e)
        return got


#: A check row as the panel step builds it: a tuple in :data:`gkwork.model.CHECK_COLUMNS` order
#: (report_id, rule, status, severity, table, row, col, expected, observed, delta, start, end,
#: message); the columns are made once per block (a dict per row cost about 1 KB and its own
#: conversion).
_CheckRow = tuple


def _label(template: str, table: str, axis: str, key: str, variant: str = "") -> str:
    """The official label of a key ('' when the form lacks it)."""
    try:
        return templates.label(template, table, axis, key, variant=variant)
    except (GkworkError, IndexError):
        return ""


class _Term(NamedTuple):
    """One term of a panel rule's ``expect``: ``sign * name`` read in year N or N+1."""

    sign: int
    name: str
    later: bool  # read in the later year's report (N+1), else in the earlier one's (N)

    def __str__(self) -> str:
        return f"{self.name}({'N+1' if self.later else 'N'})"


_TERM_RE = re.compile(r"\s*([+-])?\s*(\w+)\s*\(\s*N\s*(\+\s*1)?\s*\)\s*")

#: How a panel rule compares the later year's value with the expected one (``op``).
_HOLDS: dict[str, Callable[[float, float], bool]] = {
    "=": lambda delta, tol: abs(delta) <= tol,
    ">=": lambda delta, tol: delta >= -tol,
}


@functools.cache
def _expect_terms(rule_id: str, expect: str) -> tuple[_Term, ...]:
    """The terms of a panel rule's ``expect`` ("in_force(N) + issued(N+1) - repealed(N+1)")."""
    terms, pos = [], 0
    while pos < len(expect):
        m = _TERM_RE.match(expect, pos)
        if m is None or (terms and not m.group(1)) or m.end() == pos:
            raise GkworkError(
                f"rule {rule_id}: cannot read expect = {expect!r} at {expect[pos:]!r}; write "
                "terms name(N) or name(N+1) joined by + and -"
            )
        terms.append(_Term(-1 if m.group(1) == "-" else 1, m.group(2), bool(m.group(3))))
        pos = m.end()
    if not terms:
        raise GkworkError(f"rule {rule_id}: expect is empty")
    return tuple(terms)


def _rule_op(r: Mapping[str, Any]) -> Callable[[float, float], bool]:
    op = r.get("op", "=")
    if op not in _HOLDS:
        raise GkworkError(f"rule {r['id']}: op must be one of {', '.join(_HOLDS)}; got {op!r}")
    return _HOLDS[op]


def _not_assessable(r: Mapping[str, Any], later: _Rep, message: str) -> list[_CheckRow]:
    """The one row of a rule that cannot be assessed on a pair at all (its table or form
    missing in one of the years)."""
    nan = math.nan
    return [
        (later.report_id, r["id"], validate.NA, r["severity"], r["table"], "", "",
         nan, nan, nan, None, None, f"{r['id']}: {message}")
    ]  # fmt: skip


#: A cell key, (table, row, col).
_Key = tuple[str, str, str]


class _KeyPlan(NamedTuple):
    """What a panel rule reads and writes for one key of its axis on one form: the same for
    every pair whose later report has that form, so worked out once per form."""

    row: str  # the check row's row and col
    col: str
    fields: dict[str, str]  # message fields that do not depend on the values
    left: _Key  # the later year's cell compared
    terms: tuple[tuple[int, bool, _Key], ...]  # (sign, read in the later year, cell)
    term_names: tuple[str, ...]  # str() of each term, then of the left term
    parts: tuple[tuple[str, bool], ...]  # per term: '+ name ' prefix, read in the later year


def _key_plans(r: Mapping[str, Any], template: str, variant: str) -> tuple[_KeyPlan, ...]:
    """The keys of rule ``r`` on a later report of ``template``/``variant``, planned."""
    table = r["table"]
    terms = _expect_terms(r["id"], r["expect"])
    names = r.get("names", {})
    per_col = r["per"] == "col"
    keys = r.get("cols") if per_col else r.get("rows")
    if not keys:
        keys = (
            templates.cols(template, table, variant=variant)
            if per_col
            else templates.rows(template, table, variant=variant)
        )
    axis = "column" if per_col else "row"
    later_term = _Term(1, r["left"][0], True)
    parts = tuple(
        (f"{'- ' if t.sign < 0 else '+ ' if i else ''}{names.get(t.name, t.name)} ", t.later)
        for i, t in enumerate(terms)
    )
    plans = []
    for key in keys:
        label = _label(template, table, "col" if per_col else "row", key, variant)

        def at(term: str, key: str = key) -> _Key:
            return (table, term, key) if per_col else (table, key, term)

        plans.append(
            _KeyPlan(
                row="" if per_col else key,
                col=key if per_col else "",
                fields={"rule": r["id"], "axis": axis, "key": key, "label": label},
                left=at(later_term.name),
                terms=tuple((t.sign, t.later, at(t.name)) for t in terms),
                term_names=(*map(str, terms), str(later_term)),
                parts=parts,
            )
        )
    return tuple(plans)


def _pair_rows(
    r: Mapping[str, Any],
    early: _Rep,
    later: _Rep,
    lang: str,
    plans: dict[tuple[str, str], tuple[_KeyPlan, ...]] | None = None,
) -> list[_CheckRow]:
    """Evaluate one panel rule on one pair of consecutive years.

    The later year's ``left`` term is compared with the rule's ``expect`` (terms of either
    year, summed with their signs) by its ``op``, for every key of its axis. ``plans`` keeps
    the rule's :func:`_key_plans` per form between calls (one dict per rule).
    """
    rid, table, tol = r["id"], r["table"], float(r.get("tolerance", 0))
    fmt = validate._num
    forms = r.get("forms")
    if later.template not in r["templates"] or (forms and later.form not in forms):
        return []
    if early.template not in r["templates"] or (forms and early.form not in forms):
        return _not_assessable(
            r, later, f"not assessable: the {early.year} report ({early.report_id}) uses "
            f"{early.form}, which has no {'/'.join(sorted(set(r['right'])))}",
        )  # fmt: skip
    if table not in early.tables or table not in later.tables:
        which = early if table not in early.tables else later
        return _not_assessable(
            r, later, f"not assessable: no {table} table in the {which.year} report "
            f"({which.report_id})",
        )  # fmt: skip
    form = (later.template, later.variant)
    got_plans = None if plans is None else plans.get(form)
    if got_plans is None:
        got_plans = _key_plans(r, *form)
        if plans is not None:
            plans[form] = got_plans
    holds = _rule_op(r)
    template = r[f"message_{lang}"]
    severity = r["severity"]
    lid, eid, lyear = later.report_id, early.report_id, later.year
    pair = f" [{eid} -> {lid}]"
    in_early = f" in {early.year}"
    now, before = later.cells, early.cells
    nan = math.nan
    out: list[_CheckRow] = []
    for plan in got_plans:
        c = now.get(plan.left)
        observed = None if c is None or c[0] != c[0] else c[0]
        start, end = (c[1], c[2]) if c else (None, None)
        values = []
        for _sign, is_later, key in plan.terms:
            v = (now if is_later else before).get(key)
            values.append(None if v is None or v[0] != v[0] else v[0])
        if observed is None or None in values:
            missing = [
                n for n, v in zip(plan.term_names, (*values, observed), strict=True) if v is None
            ]
            out.append(
                (lid, rid, validate.NA, severity, table, plan.row, plan.col, nan, nan, nan,
                 start, end,
                 f"{rid}, {_where(plan)}: not assessable: inputs missing: "
                 f"{', '.join(missing)} ({eid} -> {lid})")
            )  # fmt: skip
            continue
        expected = sum(t[0] * v for t, v in zip(plan.terms, values, strict=True))
        parts = [
            f"{prefix}{fmt(v)}" if is_later else f"{prefix}{fmt(v)}{in_early}"
            for (prefix, is_later), v in zip(plan.parts, values, strict=True)
        ]
        detail = (
            f"{lyear}, {parts[0]}"
            if len(parts) == 1
            else f"{lyear}; {' '.join(parts)} = {fmt(expected)}"
        )
        delta = observed - expected
        fields = {
            **plan.fields,
            "observed": fmt(observed),
            "expected": fmt(expected),
            "delta": validate._signed(delta),
            "detail": detail,
        }
        out.append(
            (lid, rid, validate.PASS if holds(delta, tol) else validate.FAIL, severity, table,
             plan.row, plan.col, expected, observed, delta, start, end,
             validate._format(template, fields) + pair)
        )  # fmt: skip
    return out


def _where(plan: _KeyPlan) -> str:
    """'row xyz (label)' or 'column xyz' as messages name a key."""
    f = plan.fields
    return f"{f['axis']} {f['key']} ({f['label']})" if f["label"] else f"{f['axis']} {f['key']}"


def check_panel(
    reports: pd.DataFrame,
    cells: pd.DataFrame,
    *,
    settings: PanelSettings | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Run the ``panel.*`` rules over consecutive years of each agency.

    Parameters
    ----------
    reports : pandas.DataFrame
        One row per report: ``report_id``, ``year``, and either ``panel_id`` or ``agency``
        (then :func:`match_agencies` assigns panels); optional ``template`` (else inferred
        from the cells).
    cells : pandas.DataFrame
        Long cells of all reports (with ``report_id``).
    settings : PanelSettings, optional
        Passed to :func:`match_agencies`.
    lang : str
        Message language, ``en`` or ``zh``.

    Returns
    -------
    pandas.DataFrame
        Check rows (:data:`gkwork.model.CHECK_COLUMNS`), ``report_id`` = the later year's
        report. Only consecutive years are compared; when an agency has several reports in
        one year, the first by report_id is used.
    """
    reps, index = _panel_inputs(reports, cells, settings, lang)
    return validate._tuples_frame(_pair_checks(_consecutive_pairs(reps), index, lang))


def _panel_inputs(
    reports: pd.DataFrame,
    cells: pd.DataFrame | _CellIndex,
    settings: PanelSettings | None,
    lang: str,
) -> tuple[pd.DataFrame, _CellIndex]:
    """The reports with their panel ids (matched when not given) and the cell index."""
    if lang not in ("en", "zh"):
        raise GkworkError(f"lang must be one of en, zh; got {lang!r}")
    for col in ("report_id", "year"):
        if col not in reports.columns:
            raise GkworkError(
                f"check_panel needs column {col!r} in reports; got {list(reports.columns)}"
            )
    if "panel_id" not in reports.columns:
        matched = match_agencies(reports, settings=settings)
        reports = reports.merge(matched[["report_id", "panel_id"]], on="report_id", how="left")
    index = cells if isinstance(cells, _CellIndex) else _CellIndex.from_frame(cells)
    return reports, index


#: One report of a panel: (year, report_id, template, template_variant).
_Rec = tuple[Any, Any, Any, Any]


def _consecutive_pairs(reps: pd.DataFrame) -> list[tuple[_Rec, _Rec]]:
    """(earlier, later) reports of each panel one year apart, panel by panel (sorted by
    panel_id), in year order; of several reports of one year the first by report_id."""
    reps = reps.assign(_year=reps["year"].map(validate._as_year))
    reps = reps[reps["_year"].notna()]
    # (year, report_id, template, variant) per report of each panel: small tuples, not a dict
    # per report (100k records as dicts cost about 100 MB)
    panels: dict[Any, list[_Rec]] = {}
    column = functools.partial(_column, reps)
    for pid, year, rid, tpl, variant in zip(
        column("panel_id"),
        column("_year"),
        column("report_id"),
        column("template"),
        column("template_variant"),  # None throughout when reports lack it
        strict=True,
    ):
        if pid is None or (isinstance(pid, float) and pid != pid):
            continue  # unmatched (NaN) panel ids take no part, as in a groupby
        panels.setdefault(pid, []).append((year, rid, tpl, variant))
    pairs: list[tuple[_Rec, _Rec]] = []
    for pid in sorted(panels, key=str):
        g = sorted(panels.pop(pid), key=lambda r: (r[0], str(r[1])))
        firsts = [r for k, r in enumerate(g) if k == 0 or r[0] != g[k - 1][0]]
        if len(firsts) < len(g):
            logger.info("panel %s: several reports in one year; using the first by report_id", pid)
        pairs.extend(
            (early, later)
            for early, later in zip(firsts, firsts[1:], strict=False)
            if int(later[0]) == int(early[0]) + 1
        )
    return pairs


def _pair_checks(
    pairs: Iterable[tuple[_Rec, _Rec]],
    index: _CellIndex,
    lang: str,
    plans: dict[int, dict[tuple[str, str], tuple[_KeyPlan, ...]]] | None = None,
) -> list[_CheckRow]:
    """Check rows of the panel rules on ``pairs`` (rows belong to the later report).
    ``plans`` keeps each rule's key plans (by its position among the panel rules) from one
    call to the next."""
    panel_rules = [r for r in validate.rules().values() if r["kind"] == "panel"]
    plans = {} if plans is None else plans
    rule_plans = [plans.setdefault(k, {}) for k in range(len(panel_rules))]

    def rep_of(rec: _Rec) -> _Rep:
        year, report_id, template, variant = rec
        tpl = _text(template) or index.template(report_id)
        return _Rep(str(report_id), int(year), tpl, index.cells(report_id), _text(variant))

    out: list[_CheckRow] = []
    b: _Rep | None = None
    for early, later in pairs:
        # in panel order the later report of one pair is the earlier one of the next
        a = b if b is not None and b.report_id == str(early[1]) else rep_of(early)
        b = rep_of(later)
        for r, known in zip(panel_rules, rule_plans, strict=True):
            out.extend(_pair_rows(r, a, b, lang, known))
    return out


#: The order of :func:`panel_check_blocks`' rows: report_id, rule, table, row, col.
_ROW_ORDER = operator.itemgetter(0, 1, 4, 5, 6)


def _pairs_by_later(reps: pd.DataFrame) -> list[tuple[_Rec, _Rec]]:
    """:func:`_consecutive_pairs` in the order of the later report's id (the order of the
    rows)."""
    return sorted(_consecutive_pairs(reps), key=lambda p: str(p[1][1]))


def _fixed_bounds(n: int, block: int) -> list[tuple[int, int]]:
    """Blocks of ``block`` pairs (the last shorter)."""
    return [(k, min(k + block, n)) for k in range(0, n, block)]


def _content_bounds(pairs: Sequence[tuple[_Rec, _Rec]], block: int) -> list[tuple[int, int]]:
    """Blocks of at most ``block`` pairs whose ends depend on the later reports' ids, not on
    their positions: a block ends after a report whose id hashes to a cut (about one in
    ``block // 2``) or at ``block`` pairs. A pair added or removed changes its own block
    (and the next ones only up to a cut, where a block was full), so that a build can keep
    the other blocks' rows from the last build (content-defined chunking, as in rsync)."""
    every = max(1, block // 2)
    bounds, lo = [], 0
    for k, (_, later) in enumerate(pairs):
        rid = str(later[1]).encode("utf-8", "surrogatepass")
        if k + 1 - lo >= block or zlib.crc32(rid) % every == 0:
            bounds.append((lo, k + 1))
            lo = k + 1
    if lo < len(pairs):
        bounds.append((lo, len(pairs)))
    return bounds


def _block_rows(
    pairs: Sequence[tuple[_Rec, _Rec]],
    index: _CellIndex,
    lang: str,
    plans: dict[int, dict[tuple[str, str], tuple[_KeyPlan, ...]]],
) -> list[_CheckRow]:
    """The check rows of ``pairs`` (in later-report order), sorted by report_id, rule,
    table, row, col."""
    rows = _pair_checks(pairs, index, lang, plans)
    rows.sort(key=_ROW_ORDER)  # stable, as sort_values(kind="stable")
    return rows


def _sorted_blocks(
    reports: pd.DataFrame,
    cells: pd.DataFrame | _CellIndex,
    block: int,
    settings: PanelSettings | None,
    lang: str,
) -> Iterator[list[_CheckRow]]:
    """:func:`panel_check_blocks`' blocks as rows (tuples), each sorted."""
    if block < 1:
        raise GkworkError(f"block must be at least 1; got {block}")
    reps, index = _panel_inputs(reports, cells, settings, lang)
    pairs = _pairs_by_later(reps)
    del reps
    plans: dict[int, dict[tuple[str, str], tuple[_KeyPlan, ...]]] = {}
    for lo, hi in _fixed_bounds(len(pairs), block):
        yield _block_rows(pairs[lo:hi], index, lang, plans)


def panel_check_blocks(
    reports: pd.DataFrame,
    cells: pd.DataFrame | _CellIndex,
    *,
    block: int = 10_000,
    settings: PanelSettings | None = None,
    lang: str = "en",
) -> Iterator[pd.DataFrame]:
    """:func:`check_panel`'s rows block by block, sorted by report_id, rule, table, row, col.

    A block holds the rows of up to ``block`` later-year reports (every row of each), in
    report_id order, so that the blocks one after the other are the whole result sorted: a
    corpus build writes them as they come, and its memory does not grow with the number of
    check rows (about 1.3 KB each while they are Python rows; 20 or so per linked report).

    Parameters
    ----------
    reports, cells, settings, lang
        As :func:`check_panel` takes them (``cells`` may also be the build's cell index).
    block : int
        Later-year reports per block (>= 1).

    Yields
    ------
    pandas.DataFrame
        Check rows (:data:`gkwork.model.CHECK_COLUMNS`); none when no two reports of a panel
        are a year apart.
    """
    for rows in _sorted_blocks(reports, cells, block, settings, lang):
        yield validate._tuples_frame(rows)
