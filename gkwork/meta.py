"""Report metadata and statutory sections, read from the narrative text.

Where each field comes from (domain.md §7):

* ``title``: a line "〈agency〉〈year〉年(度)政府信息公开工作年度报告" near the top (may be split
  over two lines), or an archiver's ``标题:`` header;
* ``agency``: the title (cut before 关于…); "由〈agency〉编制"; ``发布单位/发布机构/填报单位:``;
  the signature's full name when the title gives a short form of it (财金局);
* ``year``: the title; "公布2020年度"; the statistics period; the 统计表 "(2020年度)";
* ``signed_date``: the signature date at the end (digits or Chinese numerals; in archived page
  text run into one line, the organisation and date after the last sentence, before the
  colophon), else 成文日期;
* ``index_no`` (索引号) and the 6-digit administrative-division code it may carry;
* ``province``/``city``/``county``: the division code, or place names in the agency name matched
  against the GB/T 2260 divisions (``gkwork/data/divisions.csv``, current; the ``cpca``
  package's list for earlier names) and the names of ``gkwork/data/place_aliases.csv``
  (平潭综合实验区 -> 平潭县), else in the opening text; a name two divisions share (西湖区) only
  beside its province or prefecture;
* ``admin_level`` and ``agency_kind`` from the agency name's suffix and its place (a province
  named only in the text does not make the agency provincial).
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from gkwork.model import SECTION_COLUMNS, Document, columns_to_frame
from gkwork.textscan import matches_at

# ------------------------------------------------------------------------------------------
# dates and years

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip


def cn_number(s: str) -> int | None:
    """Convert a small Chinese numeral (二〇二一, 十八, 二十, 三十一) or digits to int."""
    s = s.strip()
    if s.isdigit():
        return int(s)
    if not s:
        return None
    if "十" in s:
        left, _, right = s.partition("十")
        tens = _CN_DIGITS.get(left, None) if left else 1
        ones = _CN_DIGITS.get(right, None) if right else 0
        if tens is None or ones is None:
            return None
        return tens * 10 + ones
    digits = [_CN_DIGITS.get(ch) for ch in s]
    if any(d is None for d in digits):
        return None
    return int("".join(str(d) for d in digits))


_DATE_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2}|[二][〇○零O][一二三四五六七八九〇○零O]{2})\s*年\s*"
    r"(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*"
    r"(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*日"
)
_ISO_DATE_RE = re.compile(r"(?P<y>(?:19|20)\d{2})[-./](?P<m>\d{1,2})[-./](?P<d>\d{1,2})")


def _date(y: str, m: str, d: str) -> str | None:
    yy, mm, dd = cn_number(y), cn_number(m), cn_number(d)
    if yy is None or mm is None or dd is None or not (1 <= mm <= 12 and 1 <= dd <= 31):
        return None
    return f"{yy:04d}-{mm:02d}-{dd:02d}"


# ------------------------------------------------------------------------------------------
# gazetteer


@dataclass(frozen=True)
class Place:
    province: str | None
    city: str | None
    county: str | None
    division_code: str | None


#: Rows of the code lists that are no division of their own (a municipality's 市辖区, its
#: 县, a province's 省直辖县级行政区划): a place under them has no prefecture name.
_PSEUDO_DIVISION_RE = re.compile(r"市辖区|县|.*直辖县级行政区划")


@functools.lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict[str, str], dict[str, str], object, dict[str, tuple[str, ...]]]:
    """(code6 -> name, name -> code6 ('' when shared), automaton of the names, shared name ->
    its codes) of the divisions.

    The current divisions (gkwork/data/divisions.csv: the Ministry of Civil Affairs' 2021-2022
    list) come first; cpca's adcodes (about 2015) add the names and codes of earlier
    revisions that the current list no longer has (晋宁县 530122, now 晋宁区 530115), so that
    reports of either period are placed.
    """
    current = pd.read_csv(
        resources.files("gkwork").joinpath("data", "divisions.csv"), comment="#", dtype=str
    )
    path = resources.files("cpca").joinpath("resources", "adcodes.csv")
    earlier = pd.read_csv(path, dtype={"adcode": str}, usecols=["adcode", "name"])
    code_to_name: dict[str, str] = {}
    name_to_code: dict[str, str] = {}
    current_names = set(current["name"])
    pairs = [
        *zip(current["code"], current["name"], strict=True),
        *((c, n) for c, n in zip(earlier["adcode"].str[:6], earlier["name"], strict=True)
          if n not in current_names and not _PSEUDO_DIVISION_RE.fullmatch(n)),
    ]  # fmt: skip
    codes_of: dict[str, list[str]] = {}
    for code, name in pairs:
        code_to_name.setdefault(code, name)
        if code not in codes_of.setdefault(name, []):
            codes_of[name].append(code)
        # ambiguous names (e.g. 朝阳区 in Beijing and Changchun) are kept only once: such names
        # resolve only with the help of a higher-level name or a division code
        if name in name_to_code and name_to_code[name] != code:
            name_to_code[name] = ""
        else:
            name_to_code[name] = code
    # names that are not divisions but stand for one (a zone that governs a county's
    # territory), declared in gkwork/data/place_aliases.csv; a division's own name wins
    aliases = resources.files("gkwork").joinpath("data", "place_aliases.csv")
    with aliases.open(encoding="utf-8") as fh:
        for line in csv.DictReader(fh):
            name_to_code.setdefault(line["name"], line["division_code"])
    # Aho-Corasick automaton (pyahocorasick, installed with cpca): one pass over the text
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for n in name_to_code:
        if len(n) >= 2:
            automaton.add_word(n, n)
    automaton.make_automaton()
    shared = {n: tuple(c) for n, c in codes_of.items() if len(c) > 1 and not name_to_code[n]}
    return code_to_name, name_to_code, automaton, shared


def _under(ancestor: str, code: str) -> bool:
    """Whether division ``code`` lies in the province or prefecture ``ancestor``."""
    if ancestor == code:
        return False
    if ancestor[2:] == "0000":
        return code[:2] == ancestor[:2]
    return ancestor[4:] == "00" and code[:4] == ancestor[:4]


def place_from_code(code: str) -> Place:
    """Province/city/county names for a 6-digit division code (GB/T 2260)."""
    code_to_name = _gazetteer()[0]
    if not re.fullmatch(r"\d{6}", code or "") or code[:2] + "0000" not in code_to_name:
        return Place(None, None, None, None)
    prov = code_to_name.get(code[:2] + "0000")
    city = code_to_name.get(code[:4] + "00") if code[2:4] != "00" else None
    county = code_to_name.get(code) if code[4:] != "00" else None
    return Place(prov, city, county, code)


def _place_names(text: str) -> list[str]:
    """The division names in ``text``, leftmost-longest and not overlapping: 东区 (攀枝花) is
    no place of 铁东区金山乡 (铁东区: 四平's or 鞍山's), nor 津市市 (a city of Hunan) of
    天津市市场监督管理局."""
    if not text:
        return []
    _, _, automaton, _ = _gazetteer()
    spans = [(end - len(name) + 1, end, name) for end, name in automaton.iter(text)]
    if len(spans) < 2:
        return [name for _, _, name in spans]
    spans.sort(key=lambda x: (x[0], x[0] - x[1]))  # by start, the longest first
    names, reach = [], -1
    for start, end, name in spans:
        if start > reach:
            names.append(name)
            reach = end
    return names


def shared_place_name(text: str) -> bool:
    """Whether ``text`` names a division that several places share (新华区: 石家庄 130105 and
    沧州 130902) and nothing in it says which."""
    shared = _gazetteer()[3]
    return any(n in shared for n in _place_names(text)) and place_from_text(text).province is None


@functools.lru_cache(maxsize=20000)
def place_from_text(text: str) -> Place:
    """Resolve place names in ``text`` (an agency name or title) with the gazetteer."""
    _, name_to_code, _, shared = _gazetteer()
    found = _place_names(text)
    codes = [name_to_code[n] for n in found if name_to_code.get(n)]
    for n in found:  # a shared name (西湖区: 杭州 330106, 南昌 360103) is placed by a
        if n in shared:  # province or prefecture named beside it (杭州市西湖区)
            under = [c for c in shared[n] if any(_under(k, c) for k in codes)]
            if len(under) == 1:
                codes.append(under[0])
    if not codes:
        return Place(None, None, None, None)
    # most specific code whose ancestors are consistent with the others
    codes.sort(key=lambda c: (c[4:] != "00", c[2:4] != "00"), reverse=True)
    best = codes[0]
    return place_from_code(best)


# ------------------------------------------------------------------------------------------
# agency kind and level

_TOWNSHIP_RE = re.compile(r"(镇|乡|街道|街道办事处|苏木|片区管理局)(人民政府|政府|党委|办事处)?$")
_GOV_RE = re.compile(r"(人民政府|政府)(办公厅|办公室)?$")
_KIND_GOV_RE = re.compile(r"人民政府$|政府$")
_KIND_TOWN_RE = re.compile(r"(镇|乡)$")
_KIND_DISPATCHED_RE = re.compile(r"(管委会|管理委员会|实验区|开发区|高新区|新区|片区管理局)$")
_LEVEL_TOWNSHIP_RE = re.compile(r"(镇|乡|街道)(人民政府|政府)?(办公室)?$")
_LEVEL_CORE_RE = re.compile(r"(人民政府|政府).*$")
# 区 of a district, not of an 自治区 (an autonomous region: a province), a 特别行政区 nor a 地区
# (a prefecture-level region such as 阿勒泰地区); 自治县 is a county
_LEVEL_COUNTY_CORE_RE = re.compile(r"(县|旗|(?<!自治)(?<!地)(?<!行政)区)$")
_LEVEL_COUNTY_RE = re.compile(r"(县|(?<!自治)(?<!地)(?<!行政)区)(人民政府)")


# Memoised (bounded): a corpus names the same agencies again and again, and each call
# normalises the name and runs several regexes.
@functools.lru_cache(maxsize=1 << 14)
def agency_kind(agency: str | None) -> str | None:
    """people's government / subdistrict office / department / party body / dispatched body."""
    if not agency:
        return None
    a = unicodedata.normalize("NFKC", agency)
    if a.startswith("中共") or a.endswith("党委") or ("委员会" in a and "中共" in a):
        return "party_body"
    if a.endswith("街道办事处") or a.endswith("街道"):
        return "subdistrict_office"
    if _KIND_GOV_RE.search(a) or _KIND_TOWN_RE.search(a):
        return "government"
    if _KIND_DISPATCHED_RE.search(a):
        return "dispatched_body"
    return "department"


def _names_a_county(name: str) -> bool:
    """Whether ``name`` names a county-level division, even one it cannot place (西湖区民政局:
    杭州's or 南昌's, a county-level body either way)."""
    _, name_to_code, _, shared = _gazetteer()
    for found in _place_names(name):
        codes = shared.get(found) or (name_to_code.get(found),)
        if all(c and c[4:] != "00" for c in codes):
            return True
    return False


@functools.lru_cache(maxsize=1 << 14)
def admin_level(agency: str | None, place: Place) -> str | None:
    """province / prefecture / county / township, from the agency name and division code."""
    if not agency:
        return None
    a = unicodedata.normalize("NFKC", agency)
    if _TOWNSHIP_RE.search(a) or _LEVEL_TOWNSHIP_RE.search(a):
        return "township"
    core = _LEVEL_CORE_RE.sub("", a)
    if _LEVEL_COUNTY_CORE_RE.search(core) or _LEVEL_COUNTY_RE.search(a):
        return "county"
    if place.county or _names_a_county(a):
        return "county"
    if re.search(r"(省|自治区)$", core):
        return "province"
    if place.city:
        return "prefecture"
    if place.province and place.province in ("北京市", "天津市", "上海市", "重庆市"):
        return "province"
    if place.province:
        return "province"
    return None


# ------------------------------------------------------------------------------------------
# metadata


_TITLE_RE = re.compile(
    r"^[\s#【】]*(?:标题[:：]\s*)?(?P<title>(?P<agency>[^\n。，,；;:：]{2,60}?)\s*(?P<year>(?:19|20)\d{2})\s*年\s*度?"
    r"\s*(?:政府信息公开|政务公开|信息公开)[^\n]{0,12}?报告)",
    re.M,
)
_TITLE_YEAR_FIRST_RE = re.compile(
    r"^[\s#【】]*(?:标题[:：]\s*)?(?P<title>(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?P<agency>[^\n。，,；;:：\d]{2,60}?)"
    r"\s*(?:政府信息公开|政务公开|信息公开)[^\n]{0,12}?报告)",
    re.M,
)
_SPLIT_TITLE_RE = re.compile(
    r"^\s*(?P<agency>[^\n。，,；;]{2,40}?)\s*(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*政府信息公开(?:工作)?\s*\n\s*\n?\s*(?:年度)?报告",
    re.M,
)
_SPLIT_TITLE_HINT_RE = re.compile(r"政府信息公开(?:工作)?\s*\n")
_COMPILED_BY_RE = re.compile(
    r"由(?P<agency>[^，,。；;（(]{2,40}?)(?:政府信息公开工作机构|政务公开办公室|办公室)?编制"
)
_FIELD_RE = {
    "index_no": re.compile(
        r"索\s*引\s*号\s*[:：]?\s*\|?\s*(?P<v>[0-9A-Za-z][0-9A-Za-z\-/_.]{5,40})"
    ),
    "publisher": re.compile(
        r"(?:发布单位|发布机构|发文机关)\s*[:：]\s*\|?\s*(?P<v>[^\s|,，。]{2,40})"
    ),
    # in run-together text the 统计表's header follows: 填报单位：某办事处统 计 指 标…
    "filer": re.compile(
        r"填报单位\s*[:：]\s*\|?\s*(?P<v>(?:(?!统\s*计|指\s*标)[^\s|,，。]){2,40})"
    ),
    "written_date": re.compile(
        r"成文日期\s*[:：]\s*\|?\s*(?P<v>[0-9]{4}[-./年][0-9]{1,2}[-./月][0-9]{1,2}日?)"
    ),
    "published_date": re.compile(
        r"(?:发布日期|发布时间)\s*[:：]\s*\|?\s*(?P<v>[0-9]{4}[-./年][0-9]{1,2}[-./月][0-9]{1,2}日?)"
    ),
    "doc_no": re.compile(r"文\s*号\s*[:：]\s*\|?\s*(?P<v>[^\s|]{2,40})"),
}
_YEAR_HINTS = (
    re.compile(r"公布\s*(?P<y>(?:19|20)\d{2})\s*年度"),
    re.compile(r"统计期限自\s*(?P<y>(?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日"),
    re.compile(r"[(（]\s*(?P<y>(?:19|20)\d{2})\s*年度\s*[)）]"),
    re.compile(r"(?P<y>(?:19|20)\d{2})\s*年度?政府信息公开(?:工作)?年度报告"),
)
#: A character each of _FIELD_RE needs (in its keyword): without it the search is skipped.
_FIELD_GATE = {
    "index_no": "索",
    "publisher": "发",
    "filer": "填",
    "written_date": "成",
    "published_date": "布",
    "doc_no": "号",
}
_SYNTHETIC_RE = re.compile(r"合成数据|synthetic data", re.I)
_SPACES_RE = re.compile(r"\s+")
_AGENCY_PREFIX_RE = re.compile(r"^(关于|本级|我单位)")
_NO_AGENCY_RE = re.compile(r"[\d\s年度]*")


#: A title's words after the agency's name: 平潭综合实验区行政审批局关于(报送)2019年…报告.
_AGENCY_SUFFIX_RE = re.compile(r"(?<=.{2})关于.*$")


def _abbreviates(short: str | None, full: str | None) -> bool:
    """Is ``short`` a short form of the organisation ``full``: its characters in order, the
    same last character (局, 委, 办), and ``full`` longer? (财金局 / 平潭综合实验区财政金融局,
    公安局 / 平潭综合实验区公安局; not 陬市镇 / 中共陬市镇委员会.)

    >>> _abbreviates("财金局", "平潭综合实验区财政金融局"), _abbreviates("陬市镇", "中共陬市镇委员会")
    (True, False)
    """
    if not short or not full or len(short) < 3 or len(full) <= len(short):
        return False
    if short[-1] != full[-1]:
        return False
    rest = iter(full)
    return all(ch in rest for ch in short)  # a subsequence: each found after the previous


#: A bracketed tag before a title (a site's column, 【政务公开】; the synthetic marker): never
#: part of the agency's name.
_TITLE_TAG_RE = re.compile(r"^.*[】\]］]")


def _clean_agency(a: str) -> str:
    a = _SPACES_RE.sub("", a)
    a = _TITLE_TAG_RE.sub("", a)
    a = _AGENCY_PREFIX_RE.sub("", a)
    a = _AGENCY_SUFFIX_RE.sub("", a)
    return a.strip("#《》「」【】:：| ")


def _match_before(rx: re.Pattern[str], text: str, limit: int) -> re.Match[str] | None:
    """``rx.search(text)`` if that match starts before ``limit``, else None.

    ``rx`` must begin with ``^`` in MULTILINE mode, so its matches start only at position 0
    or after a newline: trying ``rx.match`` at those positions below ``limit``, in order,
    finds the leftmost one without scanning the rest of the text.
    """
    p = 0
    while p < limit:
        m = rx.match(text, p)
        if m is not None:
            return m
        p = text.find("\n", p, limit - 1) + 1
        if p == 0:
            break
    return None


def extract_meta(doc: Document) -> dict:
    """Metadata of one document (the schema.md report columns this text can tell).

    Returns
    -------
    dict
        title, agency, agency_kind, admin_level, province, city, county, division_code,
        index_no, year, signed_date, written_date, published_date, publisher, synthetic.
    """
    text = doc.narrative
    head = text[:4000]
    meta: dict = {
        "title": None,
        "agency": None,
        "year": None,
        "signed_date": None,
        "index_no": None,
        "division_code": None,
    }
    for key, rx in _FIELD_RE.items():
        # a one-character test (fast) before the search (a scan of 4000 characters)
        m = rx.search(head) if _FIELD_GATE[key] in head else None
        if m:
            meta[key] = m.group("v").strip()
    meta.update({k: v for k, v in doc.meta.items() if v})

    top = head[:1500]
    m = _TITLE_RE.search(top)
    if m is None:
        m = _TITLE_YEAR_FIRST_RE.search(top)
        # every split title contains 政府信息公开(工作) and a line break: without one, the slow
        # search is skipped
        split = _SPLIT_TITLE_RE.search(top) if _SPLIT_TITLE_HINT_RE.search(top) else None
    else:
        # the other two title forms count only when they start before m (at a line start:
        # both patterns begin with ^), so only those few lines are tried
        m2 = _match_before(_TITLE_YEAR_FIRST_RE, top, m.start())
        if m2 is not None:
            m = m2
        split = _match_before(_SPLIT_TITLE_RE, top, m.start())
    if split and (m is None or split.start() < m.start()):
        meta["title"] = _SPACES_RE.sub("", split.group(0))
        meta["agency"] = _clean_agency(split.group("agency"))
        meta["year"] = int(split.group("year"))
    elif m:
        meta["title"] = _SPACES_RE.sub("", m.group("title"))
        meta["agency"] = _clean_agency(m.group("agency"))
        meta["year"] = int(m.group("year"))
    if meta["agency"] and _NO_AGENCY_RE.fullmatch(meta["agency"]):
        meta["agency"] = None
    if not meta["agency"]:
        cb = _COMPILED_BY_RE.search(head)
        for cand in (meta.get("filer"), meta.get("publisher"), cb.group("agency") if cb else None):
            if cand:
                meta["agency"] = _clean_agency(cand)
                break
    elif meta.get("filer") and meta["agency"] in meta["filer"]:
        meta["agency"] = meta["filer"]
    if meta["year"] is None:
        for rx in _YEAR_HINTS:
            ym = rx.search(text)
            if ym:
                meta["year"] = int(ym.group("y"))
                break
    if meta["year"] is None:
        meta["year"] = _most_mentioned_year(text)

    signature = _signature(text)
    meta["signed_date"] = (signature[1] if signature else None) or _iso(meta.get("written_date"))
    meta["signer"] = signature[0] if signature else None
    if _abbreviates(meta["agency"], meta["signer"]):
        # the title's short name (财金局), the signature's full one (平潭综合实验区财政金融局)
        meta["agency"] = meta["signer"]
    code = None
    idx = meta.get("index_no")
    if idx:
        code = division_code_from_index(idx)
    place = place_from_code(code) if code else Place(None, None, None, None)
    if place.province is None and meta["agency"]:
        place = place_from_text(meta["agency"])
    level_place = place
    if place.province is None:
        place = place_from_text(text[:600])
        # a province named somewhere in the opening text (根据《福建省…》) places the report
        # but says nothing of the agency's level; a city or county named there usually is
        # the agency's own (a county bureau's report names its county)
        level_place = place if place.city or place.county else level_place
    meta.update(
        province=place.province,
        city=place.city,
        county=place.county,
        division_code=place.division_code or code,
    )
    meta["agency_kind"] = agency_kind(meta["agency"])
    meta["signer_kind"] = agency_kind(meta["signer"])
    meta["admin_level"] = admin_level(meta["agency"], level_place)
    meta["synthetic"] = bool(_SYNTHETIC_RE.search(text[:300]))
    return meta


_YEAR_MENTION_RE = re.compile(r"((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月)")


def _most_mentioned_year(text: str) -> int | None:
    """The year the prose talks about most ("2020年,我镇…"), ignoring full dates."""
    counts: dict[int, int] = {}
    for m in _YEAR_MENTION_RE.finditer(text):
        y = int(m.group(1))
        counts[y] = counts.get(y, 0) + 1
    if not counts:
        return None
    return max(sorted(counts), key=lambda y: counts[y])


def _iso(s: str | None) -> str | None:
    if not s:
        return None
    m = _ISO_DATE_RE.search(s) or _DATE_RE.search(s)
    return _date(m.group("y"), m.group("m"), m.group("d")) if m else None


def _signed_date(text: str) -> str | None:
    """The date of the signature block: the last full date in the last lines of the body.

    Dates in the 统计表 footer (填报日期) and in trailing attachments are skipped: the search
    runs over the text before an ``附件`` line when one follows the signature.
    """
    found = _signature(text)
    return found[1] if found else None


_ORG_END_RE = re.compile(
    r"(人民政府|政府|办事处|委员会|党委|局|厅|委|办公室|办|中心|管委会|管理局|街道|镇|乡|署|院)$"
)


def _signer(text: str) -> str | None:
    """The organisation named on the line above the signature date (may be a Party body)."""
    found = _signature(text)
    return found[0] if found else None


_ATTACHMENT_RE = re.compile(r"\n\s*附件\s*[:：]?\s*\n")


def _dates(text: str) -> list[re.Match[str]]:
    """``list(_DATE_RE.finditer(text))``, trying the pattern only where a date can start.

    A date is a 4-character year, optional whitespace and 年, so it starts 4 + k characters
    before a 年 preceded by k whitespace characters (``\\s`` and :meth:`str.isspace` are the
    same test). Trying those positions in order, and none inside a date already found, gives
    finditer's matches; the regex engine's own scan tries every position, several times slower.
    """
    j = text.find("年")
    if j == -1:
        return []
    cands: list[int] = []
    while j != -1:
        k = j
        while True:
            if k >= 4:
                cands.append(k - 4)
            if k == 0 or not text[k - 1].isspace():
                break
            k -= 1
        j = text.find("年", j + 1)
    # a whitespace run before a 年 gives candidates in reverse order
    return matches_at(_DATE_RE, text, sorted(cands))


def _signature(text: str) -> tuple[str | None, str | None] | None:
    """(signer, ISO date) of the signature block, or None."""
    body = text
    att = _ATTACHMENT_RE.search(text) if "附" in text else None  # 1-character test: fast
    if att and att.start() > len(text) * 0.3:
        body = text[: att.start()]
    tail = body[-400:]
    dates = _dates(tail)
    for m in reversed(dates):
        # a signature date stands on its own line
        line_start = tail.rfind("\n", 0, m.start()) + 1
        line_end = tail.find("\n", m.end())
        line = tail[line_start : line_end if line_end != -1 else len(tail)].strip()
        if len(line) <= 20:
            prev = tail[:line_start].rstrip("\n").rsplit("\n", 1)[-1].strip()
            prev = _SPACES_RE.sub("", prev)
            signer = prev if 2 <= len(prev) <= 30 and _ORG_END_RE.search(prev) else None
            return signer, _date(m.group("y"), m.group("m"), m.group("d"))
    return _run_together_signature(tail)


def _run_together_signature(tail: str) -> tuple[str, str | None] | None:
    """(signer, ISO date) closing run-together text (archived page text without line breaks):
    the organisation and the date after the body's last sentence (…无。 平潭综合实验区公安局
    2022年1月7日), before what the page appends: the colophon (抄送：…; 平潭综合实验区经济发展局
    办公室 2020年1月2日印发, the issuing office and date, not the signature) and 附件下载."""
    body = _PAGE_TAIL_RE.sub("", tail)
    k = body.find("抄送")
    if k != -1:
        body = body[:k]
    dates = _dates(body)
    if dates and body[dates[-1].end() :].lstrip().startswith("印发"):
        issuer = _RUN_SIGNER_RE.search(body, 0, dates[-1].start())
        body = body[: issuer.start(1) if issuer else dates[-1].start()]
        dates = _dates(body)
    if not dates or body[dates[-1].end() :].strip():
        return None  # no date, or text after the last one: no closing signature
    m = dates[-1]
    org = _RUN_SIGNER_RE.search(body, 0, m.start())
    if org is None or not _ORG_END_RE.search(org.group(1)):
        return None
    # 六、其他需要报告的事项 无平潭综合实验区行政审批局: the section's 无 (none) runs into it
    name = org.group(1)[1:] if org.group(1).startswith("无") else org.group(1)
    return name, _date(m.group("y"), m.group("m"), m.group("d"))


#: The organisation just before a date in run-together text: the words after the last
#: sentence stop, space, colon or number (2-30 characters; …填报日期：2017.12.29某办事处).
_RUN_SIGNER_RE = re.compile(r"(?:^|[\s。；;！!？?：:\d.])([^\s。；;！!？?，,：:、“”\d.]{2,30})\s*$")
#: What an archived page appends after the report (its download link).
_PAGE_TAIL_RE = re.compile(r"\s*附件下载\s*$")


def division_code_from_index(index_no: str) -> str | None:
    """The 6-digit division code carried by a 索引号, if any.

    ``330803-042/2021-46930`` starts with it; an 18-character unified social credit code
    (``11341702486344515H/...``) carries it at positions 3-8.

    >>> division_code_from_index("330803-042/2021-46930")
    '330803'
    >>> division_code_from_index("11341702486344515H/202110-00013")
    '341702'
    """
    s = index_no.strip()
    m = re.match(r"(\d{6})(?:[-/]|$)", s)
    if m and place_from_code(m.group(1)).province:
        return m.group(1)
    m = re.match(r"[0-9A-Z]{18}(?=[/-]|$)", s)
    if m and s[2:8].isdigit() and place_from_code(s[2:8]).province:
        return s[2:8]
    return None


# ------------------------------------------------------------------------------------------
# sections

#: Section keys and the title keywords that identify them (Art. 50 of the 2019 Regulations,
#: Art. 32 of the 2008 Regulations, and the statistics table appendix).
SECTION_PATTERNS: dict[str, re.Pattern[str]] = {
    "overview": re.compile(r"^(总体情况|概述|情况概述|基本情况|总体概述)"),
    "proactive": re.compile(r"主动公开"),
    "requests": re.compile(r"(收到和处理|依申请公开|申请公开)"),
    "fees": re.compile(r"收费"),
    "review_litigation": re.compile(r"(行政复议|行政诉讼)"),
    "problems": re.compile(r"(存在的?主要问题|存在问题|问题及改进|改进情况|改进措施)"),
    "other": re.compile(r"(其他需要报告|其它需要报告|其他事项|其它事项)"),
    "stats_table": re.compile(r"统计表"),
}

#: Content items Article 50 (2019) requires, and Article 32 (2008) for earlier years.
REQUIRED_SECTIONS_2019 = ("proactive", "requests", "review_litigation", "problems", "other")
REQUIRED_SECTIONS_2008 = ("proactive", "requests", "fees", "review_litigation", "problems", "other")

_NUMS = "一二三四五六七八九十"
_HEAD_BODY = (
    r"[ \t\u3000]*(?P<paren>[（(])?(?P<num>[一二三四五六七八九十]{1,2})(?(paren)[)）]|[、.．])"
    r"[ \t\u3000]*(?P<title>[^\n|\t]{2,40}?)[ \t\u3000]*(?=\n|$)"
)
_HEAD_RE = re.compile(r"(?:^|\n)" + _HEAD_BODY)
#: A heading inside a line; a lookahead, so that matches may overlap: the run after a table
#: row such as 四、结转下年度继续办理1000001 may hold the next heading (四、政府信息公开行政复议…).
_HEAD_INLINE_RE = re.compile(
    r"(?=(?P<paren>[（(])?(?P<num>[一二三四五六七八九十]{1,2})(?(paren)[)）]|、)(?P<title>[^\s|\t，。,；;]{2,30}))"
)


#: Where a _HEAD_RE match can start after position 0 (a prefix of the pattern's \\n branch).
_HEAD_START_RE = re.compile(r"\n[ \t\u3000]*[（(]?[一二三四五六七八九十]")
#: _HEAD_RE without the ``^`` branch: what _HEAD_RE matches at any position but 0. Starting
#: with a literal, it is scanned for quickly by the regex engine (``(?:^|\n)`` is not).
_HEAD_NL_RE = re.compile(r"\n" + _HEAD_BODY)


def _head_matches(text: str) -> list[re.Match]:
    """``list(_HEAD_RE.finditer(text))``: a match at 0, then _HEAD_NL_RE's matches after it."""
    out = []
    m = _HEAD_RE.match(text, 0)
    if m:
        out.append(m)
    # finditer resumes after a match (or at 1 after a failure at 0); _HEAD_NL_RE neither looks
    # behind nor uses ^, so starting it there finds what _HEAD_RE would find from there on
    out.extend(_HEAD_NL_RE.finditer(text, m.end() if m else 1))
    return out


@functools.lru_cache(maxsize=256)  # 110 possible numerals ([一…十]{1,2})
def _num(s: str) -> int:
    return cn_number(s) or 0


def extract_sections(doc: Document, report_id: str) -> pd.DataFrame:
    """The statutory sections as a DataFrame (see :func:`extract_section_columns`)."""
    return columns_to_frame(extract_section_columns(doc, report_id), "sections")


def extract_section_columns(doc: Document, report_id: str) -> dict[str, list]:
    """The statutory sections (一…六, the （一）…（六） skeleton, the 2008 seven parts).

    Returns
    -------
    DataFrame
        report_id, section (key of :data:`SECTION_PATTERNS`), number (e.g. ``二`` or ``（二）``),
        title, start, end (offsets into ``Report.text``), text.
    """
    text = doc.narrative
    cands = []
    n_top = 0
    for m in _head_matches(text):
        title, paren, num = m.group("title", "paren", "num")
        key = _classify(title)
        if key is None:
            continue
        title = title.strip()
        if paren:
            cands.append((m.start("num") - 1, "paren", _num(num), key, title))
        else:
            cands.append((m.start("num"), "top", _num(num), key, title))
            n_top += 1
    if n_top < 2:
        # archived page text on one line: find headings inside lines
        for m in _HEAD_INLINE_RE.finditer(text):
            if m.start() and text[m.start() - 1] == "第":
                continue  # 第（八）项, 第二十条: an article's item named in a caption
            title = _inline_title(m.group("title"))
            key = _classify(title)
            if key is not None:
                style = "paren" if m.group("paren") else "top"
                cands.append((m.start(), style, _num(m.group("num")), key, title))
        cands.sort(key=lambda c: c[0])
    accepted: list[tuple] = []
    taken: set[int] = set()  # positions of the accepted headings
    keys_seen: set[str] = set()
    for style in ("top", "paren"):
        last = 0
        for c in cands:
            if c[1] != style or c[3] in keys_seen:
                continue
            if c[2] <= last:
                continue
            p = c[0]
            if p in taken or p - 1 in taken or p + 1 in taken:  # within 1 of an accepted one
                continue
            accepted.append(c)
            taken.add(p)
            keys_seen.add(c[3])  # a report has each section once: the first heading is it
            last = c[2]
    accepted.sort(key=lambda c: c[0])
    cols: dict[str, list] = {
        "report_id": [report_id] * len(accepted),
        "section": [],
        "number": [],
        "title": [],
        "start": [],
        "end": [],
        "text": [],
    }
    for i, (pos, style, num, key, title) in enumerate(accepted):
        end = accepted[i + 1][0] if i + 1 < len(accepted) else len(text)
        number = _NUMS[num - 1] if 1 <= num <= 10 else str(num)
        if style == "paren":
            number = f"（{number}）"
        cols["section"].append(key)
        cols["number"].append(number)
        cols["title"].append(title)
        cols["start"].append(doc.to_text_offset(pos))
        cols["end"].append(doc.to_text_offset(end))
        cols["text"].append(text[pos:end])
    return {c: cols[c] for c in SECTION_COLUMNS}


#: Where a heading's title ends in run-together text (一、总体情况2019年，…): the words
#: statutory titles end with; 概述 (overview), the whole first title of the 2008 reports
#: (一、概述2018年以来，… / 一、概述（一）信息公开基本情况); 附表 (the appended 统计表).
_TITLE_END_RE = re.compile(r"情况|事项|措施|^概述|^附表")


def _inline_title(run: str) -> str:
    """A heading's title inside a line of run-together text: up to its first 情况 / 事项 /
    措施 (``收到和处理政府信息公开申请情况（本列数据…`` -> ``收到和处理政府信息公开申请情况``), or
    the word 概述 that begins it.

    >>> _inline_title("主动公开政府信息情况第二十条第（一）项信息内容本年新制作数")
    '主动公开政府信息情况'
    >>> _inline_title("概述2018年以来，我办认真贯彻落实")
    '概述'
    """
    m = _TITLE_END_RE.search(run)
    return run[: m.end()] if m else run


@functools.lru_cache(maxsize=1 << 14)
def _classify(title: str) -> str | None:
    t = unicodedata.normalize("NFKC", title)
    if len(t) > 40:
        return None
    # table rows that look like headings (一、本年新收…, 四、结转下年度…, 三、本年度办理结果)
    if re.search(r"(本年新收|上年结转|结转下年度|本年度办理结果|数量$|数$)", t):
        return None
    if t.startswith("附表"):  # 七、附表 (the 统计表 appended to a 2008-format report)
        return "stats_table"
    for key, rx in SECTION_PATTERNS.items():
        if rx.search(t):
            return key
    return None
