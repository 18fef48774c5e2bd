"""Synthetic corpora of annual reports with known truth (issue 5 §1).

:func:`generate` draws :class:`~gkwork.render.ReportSpec` objects from a seeded
:class:`numpy.random.Generator`: a mix of 2019-format (2019-2020), 2021-format (2021-2024),
pre-2019 统计表 (2014-2018) and narrative-only reports, issued by township, county, prefecture
and provincial governments and departments with real place names. Request counts are heavy
tailed (most townships receive none, large city bureaus hundreds to thousands) and are spread
over the outcome rows so that every identity of the validator holds (``app.balance``,
``app.outcome_sum``, ``app.total_column``, ``rl.total``). With ``faults > 0`` some reports carry
one recorded defect (``spec.faults``): a broken sum, a truncated Section 三, an outdated
template for the year, or a narrative number that disagrees with the table.

By default every report is drawn on its own, from a small gazetteer (a few hundred agencies).
With ``panel_years=K`` (``gkwork synth --panel-years K``) agencies of every real province,
prefecture and county (``gkwork/data/divisions.csv``) report K consecutive years, under a name
whose form varies from year to year as real reports vary it (政府 for 人民政府, the prefecture
in front), each year carrying over last year's unfinished requests, item counts and document
stocks, so that the cross-year ``panel.*`` rules hold; a fault may then also break that carry-over
(``panel_break``). The truth names each report's agency (``panel``) and its report of the
year before (``previous``), and :func:`gkwork.evaluate.score` scores the agency matching.

:func:`write_corpus` writes the reports (txt in a random text layout, md, and through
:mod:`gkwork.writers` html/docx/pdf) plus ``truth.jsonl``. Every file says that it is synthetic:
its first line (and HTML title) is :data:`~gkwork.render.SYNTHETIC_MARKER`.

Examples
--------
>>> specs = generate(3, seed=1)
>>> [s.template in ("gov2019", "gov2021", "legacy", "none") for s in specs]
[True, True, True]
"""

from __future__ import annotations

import argparse
import csv
import functools
import io
import json
import logging
import math
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from gkwork import templates
from gkwork.errors import InputError
from gkwork.render import (
    SYNTHETIC_MARKER,
    ReportSpec,
    _legacy_rows,
    apply_quirks,
    expected_records,
    narrative_records,
    render_text,
    spec_blocks,
)

__all__ = [
    "FAULT_KINDS",
    "FORMATS",
    "GAZETTEER",
    "PANEL_FAULT_KINDS",
    "TEXT_LAYOUTS",
    "generate",
    "iter_specs",
    "main",
    "render_file",
    "truth_record",
    "write_corpus",
]

logger = logging.getLogger("gkwork")

#: Output formats of :func:`write_corpus`.
FORMATS: tuple[str, ...] = ("txt", "md", "html", "docx", "pdf")
#: Layouts a ``txt`` file is written in (chosen per report).
TEXT_LAYOUTS: tuple[str, ...] = ("pipe", "cell_per_line", "tsv")
#: Kinds of injected defects recorded in ``ReportSpec.faults``.
FAULT_KINDS: tuple[str, ...] = (
    "broken_sum",
    "truncated",
    "outdated_template",
    "text_table_mismatch",
)

#: Defects injected only into a report whose agency reported the year before (``panel_years``).
PANEL_FAULT_KINDS: tuple[str, ...] = ("panel_break",)

#: A small built-in gazetteer of real places (GB/T 2260 codes, from memory; used only to make
#: synthetic names look real): province, code, city, code, county, code, townships.
GAZETTEER: tuple[tuple[str, str, str, str, str, str, tuple[str, ...]], ...] = (
    (
        "湖南省",
        "430000",
        "常德市",
        "430700",
        "桃源县",
        "430725",
        ("陬市镇", "漳江镇", "盘塘镇", "热市镇"),
    ),
    (
        "浙江省",
        "330000",
        "衢州市",
        "330800",
        "衢江区",
        "330803",
        ("樟潭街道", "廿里镇", "莲花镇", "高家镇"),
    ),
    (
        "安徽省",
        "340000",
        "蚌埠市",
        "340300",
        "五河县",
        "340322",
        ("武桥镇", "城关镇", "新集镇", "小溪镇"),
    ),
    (
        "云南省",
        "530000",
        "昆明市",
        "530100",
        "晋宁区",
        "530115",
        ("六街镇", "昆阳街道", "晋城镇", "二街镇"),
    ),
    (
        "广东省",
        "440000",
        "揭阳市",
        "445200",
        "揭西县",
        "445222",
        ("棉洋镇", "河婆街道", "钱坑镇", "凤江镇"),
    ),
    (
        "江苏省",
        "320000",
        "南京市",
        "320100",
        "江宁区",
        "320115",
        ("东山街道", "秣陵街道", "湖熟街道", "淳化街道"),
    ),
    (
        "湖北省",
        "420000",
        "武汉市",
        "420100",
        "江夏区",
        "420115",
        ("纸坊街道", "金口街道", "郑店街道", "五里界街道"),
    ),
    (
        "四川省",
        "510000",
        "成都市",
        "510100",
        "双流区",
        "510116",
        ("东升街道", "九江街道", "黄甲街道", "彭镇"),
    ),
    (
        "山东省",
        "370000",
        "济南市",
        "370100",
        "章丘区",
        "370114",
        ("明水街道", "双山街道", "枣园街道", "龙山街道"),
    ),
    (
        "河南省",
        "410000",
        "郑州市",
        "410100",
        "中牟县",
        "410122",
        ("城关镇", "官渡镇", "狼城岗镇", "万滩镇"),
    ),
    (
        "浙江省",
        "330000",
        "杭州市",
        "330100",
        "西湖区",
        "330106",
        ("北山街道", "西溪街道", "灵隐街道", "转塘街道"),
    ),
)

_LOCAL_DEPTS = (
    "自然资源局",
    "公安局",
    "教育局",
    "住房和城乡建设局",
    "卫生健康委员会",
    "市场监督管理局",
    "人力资源和社会保障局",
    "交通运输局",
    "财政局",
    "民政局",
    "农业农村局",
    "水利局",
    "司法局",
    "应急管理局",
    "医疗保障局",
)
_PROVINCE_DEPTS = (
    "自然资源厅",
    "公安厅",
    "教育厅",
    "住房和城乡建设厅",
    "卫生健康委员会",
    "市场监督管理局",
    "人力资源和社会保障厅",
    "交通运输厅",
    "财政厅",
    "民政厅",
    "发展和改革委员会",
)

_LEVELS = ("township", "county", "prefecture", "province")
_LEVEL_P = (0.45, 0.33, 0.16, 0.06)
_CATS = ("gov2019", "gov2021", "legacy", "none")
_CAT_P = (0.27, 0.45, 0.16, 0.12)
#: Share of narrative-only reports among the pre-2019 ones (as in the draw of _CAT_P).
_NONE_BEFORE_2019 = _CAT_P[3] / (_CAT_P[2] + _CAT_P[3])

#: (zero-inflation probability, lognormal mu, sigma) of new requests per (level, is_government).
_DEMAND: dict[tuple[str, bool], tuple[float, float, float]] = {
    ("township", True): (0.72, 0.4, 0.7),
    ("county", True): (0.12, 2.4, 0.9),
    ("county", False): (0.40, 1.3, 1.0),
    ("prefecture", True): (0.02, 4.2, 0.9),
    ("prefecture", False): (0.12, 2.9, 1.1),
    ("province", True): (0.0, 5.6, 0.8),
    ("province", False): (0.04, 4.5, 1.2),
}
_APPLICANT_P = np.array([0.82, 0.09, 0.005, 0.01, 0.03, 0.045])
_APP_COLS6 = tuple(templates.applicant_cols())
#: Share of each outcome among processed requests (rows of templates.outcome_rows).
_OUTCOME_P = {
    "granted": 0.42, "partially_granted": 0.08,
    "withheld_state_secret": 0.005, "withheld_prohibited_by_law": 0.01,
    "withheld_security_stability": 0.003, "withheld_third_party": 0.01,
    "withheld_internal_affairs": 0.01, "withheld_process_info": 0.015,
    "withheld_enforcement_file": 0.003, "withheld_admin_inquiry": 0.004,
    "unavailable_not_held": 0.17, "unavailable_needs_creation": 0.03,
    "unavailable_unclear": 0.02,
    "not_processed_petition": 0.05, "not_processed_duplicate": 0.03,
    "not_processed_publication": 0.01, "not_processed_excessive": 0.005,
    "not_processed_confirmation": 0.005,
    "other": 0.12, "other_no_correction": 0.06, "other_no_fee": 0.005, "other_other": 0.055,
}  # fmt: skip
_OUTCOMES = {}
for _k in ("gov2019", "gov2021"):
    _rows = tuple(templates.outcome_rows(_k))
    _p = np.array([_OUTCOME_P[r] for r in _rows])
    _OUTCOMES[_k] = (_rows, _p / _p.sum())

_TRUNCATE_AT = (
    "unavailable_not_held",
    "withheld_admin_inquiry",
    "partially_granted",
    "not_processed_petition",
)

# ---------------------------------------------------------------------------------------------
# Agencies


def _agency(rng: np.random.Generator, level: str) -> dict[str, Any]:
    prov, pcode, city, ccode, county, kcode, towns = GAZETTEER[int(rng.integers(len(GAZETTEER)))]
    u = float(rng.random())
    meta: dict[str, Any] = {"province": prov, "city": "", "county": "", "admin_level": level}
    if level == "township":
        town = towns[int(rng.integers(len(towns)))]
        if town.endswith("街道"):
            name, kind = f"{county}{town}办事处", "subdistrict_office"
        else:
            name, kind = (f"{county}{town}人民政府" if u < 0.5 else f"{town}人民政府"), "government"
        meta.update(city=city, county=county, division_code=kcode)
    elif level == "county":
        meta.update(city=city, county=county, division_code=kcode)
        if u < 0.3:
            name, kind = f"{county}人民政府", "government"
        else:
            name, kind = county + _LOCAL_DEPTS[int(rng.integers(len(_LOCAL_DEPTS)))], "department"
    elif level == "prefecture":
        meta.update(city=city, division_code=ccode)
        if u < 0.2:
            name, kind = f"{city}人民政府", "government"
        else:
            name, kind = city + _LOCAL_DEPTS[int(rng.integers(len(_LOCAL_DEPTS)))], "department"
    else:
        meta.update(division_code=pcode)
        if u < 0.15:
            name, kind = f"{prov}人民政府", "government"
        else:
            name, kind = (
                prov + _PROVINCE_DEPTS[int(rng.integers(len(_PROVINCE_DEPTS)))],
                "department",
            )
    meta.update(agency=name, agency_kind=kind)
    return meta


#: Common township name stems (synthetic township names in panel corpora are a stem and 镇,
#: 乡 or 街道 under a real county: plausible, not a claim that such a township exists).
_TOWN_STEMS = (
    "城关", "新城", "东城", "西城", "南关", "北关", "东关", "新华", "和平", "长安", "永安",
    "太平", "安乐", "兴隆", "龙泉", "青山", "白马", "石桥", "清河", "河口", "黄土", "大坪",
    "桥头", "新集", "双河", "三里", "五里", "高桥", "平安", "红旗", "马场", "柳林", "杨柳",
    "金山", "凤凰", "梅花", "临江", "望江", "沙河", "古城",
)  # fmt: skip
_TOWN_KINDS = ("镇", "乡", "街道")


@functools.cache
def _divisions() -> tuple[dict[str, str], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(code -> name, province codes, prefecture codes, county codes) of the current list
    (``gkwork/data/divisions.csv``)."""
    text = resources.files("gkwork").joinpath("data", "divisions.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#"))
    names = {r["code"]: r["name"] for r in rows}
    # the Regulations do not bind Taiwan, Hong Kong or Macao: no such report exists
    codes = sorted(c for c in names if c[:2] not in ("71", "81", "82"))
    return (
        names,
        tuple(c for c in codes if c.endswith("0000")),
        tuple(c for c in codes if c.endswith("00") and not c.endswith("0000")),
        tuple(c for c in codes if not c.endswith("00")),
    )


def _agency_wide(rng: np.random.Generator, level: str) -> dict[str, Any]:
    """An agency of any real province, prefecture or county (panel corpora: thousands of
    distinct agencies, where :data:`GAZETTEER` has a few hundred). A township's name always
    carries its county, so that two townships of one name are told apart."""
    names, provinces, prefectures, counties = _divisions()

    def pick(codes: tuple[str, ...]) -> str:
        return codes[int(rng.integers(len(codes)))]

    code = pick({"province": provinces, "prefecture": prefectures}.get(level, counties))
    prov = names[code[:2] + "0000"]
    city = names.get(code[:4] + "00", "") if level != "province" else ""
    county = names[code] if level in ("county", "township") else ""
    meta: dict[str, Any] = {"province": prov, "city": city, "county": county,
                            "admin_level": level, "division_code": code}  # fmt: skip
    u = float(rng.random())
    depts = _PROVINCE_DEPTS if level == "province" and not prov.endswith("市") else _LOCAL_DEPTS
    if level == "township":
        town = _TOWN_STEMS[int(rng.integers(len(_TOWN_STEMS)))] + _TOWN_KINDS[int(rng.integers(3))]
        if town.endswith("街道"):
            name, kind = f"{county}{town}办事处", "subdistrict_office"
        else:
            name, kind = f"{county}{town}人民政府", "government"
    else:
        place = {"province": prov, "prefecture": city}.get(level, county)
        if u < {"province": 0.15, "prefecture": 0.2}.get(level, 0.3):
            name, kind = f"{place}人民政府", "government"
        else:
            name, kind = place + depts[int(rng.integers(len(depts)))], "department"
    meta.update(agency=name, agency_kind=kind)
    return meta


def _signed(rng: np.random.Generator, year: int, kind: str) -> str:
    # departments by 31 January, governments by 31 March (Art. 49); a few are late
    last = 30 if kind == "department" else 89
    d = date(year + 1, 1, 5) + timedelta(days=int(rng.integers(0, last - 3)))
    return d.isoformat()


# ---------------------------------------------------------------------------------------------
# Tables


def _s(x: Any) -> str:
    return str(int(x))


def _new_requests(rng: np.random.Generator, level: str, is_gov: bool) -> int:
    zi, mu, sigma = _DEMAND.get((level, is_gov), _DEMAND[("county", False)])
    if rng.random() < zi:
        return 0
    if level == "township":
        return 1 + int(rng.poisson(1.5))
    return min(int(round(rng.lognormal(mu, sigma))), 200_000)


def _applications(
    rng: np.random.Generator, template: str, n_new: int, carried: np.ndarray | None = None
) -> dict[str, dict[str, str]]:
    """Section 三; ``carried`` (six applicant columns) is last year's carried-forward in a panel."""
    new = rng.multinomial(n_new, _APPLICANT_P)
    if carried is None:
        carried = rng.binomial(new + rng.poisson(0.3, 6) * (new > 0), 0.05)
    avail = new + carried
    forward = rng.binomial(avail, 0.06)
    processed = avail - forward
    rows, p = _OUTCOMES[template]
    outcome = rng.multinomial(processed, p)  # shape (6, n_rows)
    table: dict[str, dict[str, str]] = {}

    def put(key: str, values: list[int]) -> None:
        d = dict(zip(_APP_COLS6, map(str, values), strict=True))
        d["total"] = str(sum(values))
        table[key] = d

    put("new_received", new.tolist())
    put("carried_over", carried.tolist())
    for key, col in zip(rows, outcome.T.tolist(), strict=True):
        put(key, col)
    put("total_processed", processed.tolist())
    put("carried_forward", forward.tolist())
    return table


def _review_litigation(rng: np.random.Generator, n_new: int) -> dict[str, dict[str, str]]:
    lam = (0.015 * n_new + 0.03, 0.008 * n_new + 0.02, 0.004 * n_new + 0.01)
    out = {}
    for key, la in zip(
        ("review", "litigation_direct", "litigation_after_review"), lam, strict=True
    ):
        tot = int(rng.poisson(la))
        parts = rng.multinomial(tot, [0.6, 0.1, 0.15, 0.15])
        out[key] = {
            "upheld": _s(parts[0]),
            "corrected": _s(parts[1]),
            "other": _s(parts[2]),
            "pending": _s(parts[3]),
            "total": _s(tot),
        }
    return out


_SCALE = {"township": 1.0, "county": 4.0, "prefecture": 12.0, "province": 30.0}


def _active_disclosure(
    rng: np.random.Generator, template: str, level: str, kind: str
) -> dict[str, dict[str, str]]:
    sc = _SCALE[level]
    rule_making = kind == "government" and level in ("prefecture", "province")
    reg_new = int(rng.poisson(3)) if rule_making else 0
    reg_stock = reg_new + (int(rng.poisson(40)) if rule_making else 0)
    nd_new = int(rng.poisson(sc))
    nd_stock = nd_new + int(rng.poisson(sc * 6))
    t: dict[str, dict[str, str]] = {}
    if template == "gov2019":
        t["regulations"] = {
            "new_made": _s(reg_new),
            "new_published": _s(reg_new),
            "total_published": _s(reg_stock),
        }
        t["normative_documents"] = {
            "new_made": _s(nd_new),
            "new_published": _s(nd_new),
            "total_published": _s(nd_stock),
        }
        for key, base in (
            ("licensing", 20),
            ("other_services", 8),
            ("penalty", 30),
            ("coercion", 5),
        ):
            prev = int(rng.poisson(base * sc))
            change = int(rng.integers(-min(prev, 10), 11))
            decisions = (
                int(round(rng.lognormal(math.log(base * sc + 1), 1.0))) if rng.random() < 0.8 else 0
            )
            t[key] = {"prev_count": _s(prev), "change": _s(change), "decisions": _s(decisions)}
        prev = int(rng.poisson(2 * sc / 4))
        t["fees"] = {"prev_count": _s(prev), "change": _s(rng.integers(-min(prev, 2), 3))}
        items = int(rng.poisson(2 + sc / 2))
        amount = int(round(items * rng.lognormal(12.5, 1.0))) if items else 0
        t["procurement"] = {"items": _s(items), "amount": _s(amount)}
    else:
        repealed = int(rng.binomial(nd_stock, 0.05))
        t["regulations"] = {"issued": _s(reg_new), "repealed": "0", "in_force": _s(reg_stock)}
        t["normative_documents"] = {
            "issued": _s(nd_new),
            "repealed": _s(repealed),
            "in_force": _s(nd_stock),
        }
        for key, base in (("licensing", 40), ("penalty", 30), ("coercion", 5)):
            dec = (
                int(round(rng.lognormal(math.log(base * sc + 1), 1.2)))
                if rng.random() < 0.75
                else 0
            )
            t[key] = {"decisions": _s(dec)}
        amt = round(float(rng.lognormal(1.0, 1.5)), 2) if rng.random() < 0.2 else 0
        t["fees"] = {"amount_10k_yuan": f"{amt:.2f}".rstrip("0").rstrip(".") if amt else "0"}
    return t


def _legacy_stats(rng: np.random.Generator, n_new: int, level: str) -> dict[str, dict[str, str]]:
    sc = _SCALE[level]
    v: dict[str, float] = {}
    ch = [int(rng.poisson(x * sc)) for x in (2, 60, 5, 5, 3)]
    v.update(
        zip(
            (
                "channel_gazette",
                "channel_website",
                "channel_weibo",
                "channel_wechat",
                "channel_other",
            ),
            ch,
            strict=True,
        )
    )
    v["proactive_items_total"] = max(ch) + int(rng.binomial(sum(ch) - max(ch), 0.5))
    v["proactive_normative_docs"] = int(rng.binomial(v["proactive_items_total"], 0.05))
    v["normative_docs_issued"] = int(rng.poisson(sc))
    v["responses_hot_topics"] = int(rng.poisson(sc))
    for a, b, lam in (
        ("press_conferences", "press_conferences_leaders", sc / 2),
        ("online_interviews", "online_interviews_leaders", sc / 3),
    ):
        v[a] = int(rng.poisson(lam))
        v[b] = int(rng.binomial(v[a], 0.5))
    v["policy_interpretations"] = int(rng.poisson(sc))
    v["responses_weibo_wechat"] = int(rng.poisson(sc / 2))
    v["responses_other"] = int(rng.poisson(sc / 4))
    r = n_new
    chans = rng.multinomial(r, [0.3, 0.02, 0.5, 0.18])
    v["requests_received"] = r
    v.update(
        zip(
            ("requests_face_to_face", "requests_fax", "requests_online", "requests_letter"),
            chans.tolist(),
            strict=True,
        )
    )
    done = r - int(rng.binomial(r, 0.03))
    v["requests_completed"] = done
    ext = int(rng.binomial(done, 0.05))
    v["requests_completed_on_time"] = done - ext
    v["requests_completed_extended"] = ext
    v["replies_total"] = done
    rep = rng.multinomial(done, [0.25, 0.35, 0.05, 0.08, 0.1, 0.12, 0.03, 0.02])
    keys = (
        "reply_already_public",
        "reply_granted",
        "reply_partially_granted",
        "reply_refused",
        "reply_not_this_agency",
        "reply_not_exist",
        "reply_correction_requested",
        "reply_other_channel",
    )
    v.update(zip(keys, rep.tolist(), strict=True))
    for k in (
        "refusal_state_secret",
        "refusal_commercial_secret",
        "refusal_personal_privacy",
        "refusal_security_stability",
        "refusal_not_gov_info",
        "refusal_other_legal",
    ):
        v[k] = int(rng.binomial(v["reply_refused"], 0.25))
    topics = [k for k, *_ in _legacy_rows() if k.startswith("request_topic_")]
    v["request_topics_total"] = r
    v.update(
        zip(topics, rng.multinomial(r, np.full(len(topics), 1 / len(topics))).tolist(), strict=True)
    )
    for base, lam in (("review", 0.015 * r + 0.03), ("litigation", 0.008 * r + 0.02)):
        parts = rng.multinomial(int(rng.poisson(lam)), [0.7, 0.1, 0.2])
        v[f"{base}_total"] = int(parts.sum())
        v[f"{base}_upheld"], v[f"{base}_corrected"], v[f"{base}_other"] = parts.tolist()
    v["complaints"] = int(rng.poisson(0.2))
    v["fees_collected"] = 0
    v["ogi_offices"] = 1
    v["reading_points"] = int(rng.integers(1, 4))
    ft, pt = int(rng.integers(0, 3)), int(rng.integers(1, 4))
    v["staff_total"], v["staff_full_time"], v["staff_part_time"] = ft + pt, ft, pt
    fund = round(float(rng.lognormal(0.5, 1.0)), 1) if rng.random() < 0.3 else 0
    v["special_funding"] = fund
    v["meetings"] = int(rng.integers(0, 4))
    v["trainings"] = int(rng.integers(0, 4))
    v["trainees"] = v["trainings"] * int(rng.integers(2, 30))
    out = {}
    for key, *_rest, is_data in _legacy_rows():
        if is_data:
            x = v.get(key, 0)
            out[key] = {"value": (f"{x:g}" if isinstance(x, float) else str(int(x)))}
    return out


# ---------------------------------------------------------------------------------------------
# Narrative


def _narrative(spec: ReportSpec, rng: np.random.Generator, stated_new: int | None) -> None:
    y = spec.year
    n_pub = int(rng.lognormal(4.0 + _SCALE[spec.admin_level] / 10, 0.8))
    if spec.template == "legacy":  # its table counts the same items: say what it says
        n_pub = int(spec.tables["legacy_stats"]["proactive_items_total"]["value"])
    paras = [
        f"{y}年，{spec.agency}认真贯彻落实《条例》和上级关于政务公开工作的部署要求，"
        "持续深化政府信息公开，推进政务公开标准化规范化建设。",
        f"（一）主动公开。全年通过政府网站等渠道主动公开政府信息{n_pub}条。",
    ]
    if stated_new is not None:
        if stated_new == 0:
            paras.append(f"（二）依申请公开。{y}年度未收到政府信息公开申请。")
        else:
            paras.append(
                f"（二）依申请公开。{y}年度共收到政府信息公开申请{stated_new}件，均在法定期限内依法答复。"
            )
    paras.append("（三）政府信息管理。严格落实信息发布审查制度，及时清理更新公开内容。")
    paras.append("（四）平台建设。加强政府网站和政务新媒体管理，拓宽信息公开渠道。")
    paras.append("（五）监督保障。将政务公开纳入年度考核，本年度未发生责任追究情况。")
    spec.paragraphs = paras


def _narrative_only(spec: ReportSpec, rng: np.random.Generator, n_new: int) -> None:
    y = spec.year
    n_pub = int(rng.lognormal(4.5, 0.9))
    n_collect = n_pub + int(rng.poisson(100))
    spec.paragraphs = [
        f"{y}年，{spec.agency}建立健全信息公开审核制度，形成主要领导亲自抓、分管领导具体抓的工作格局。",
        f"全年共搜集信息{n_collect}条，通过政府门户网站主动公开政府信息{n_pub}条。",
    ]
    spec.extra = {
        "二": [f"本年度主动公开政府信息{n_pub}条，主要包括机构职能、政策文件、工作动态等。"],
        "三": [
            f"本年度共受理政府信息公开申请{n_new}件。"
            if n_new
            else "本年度未收到政府信息公开申请。"
        ],
        "四": ["本年度未收取政府信息公开相关费用。"],
        "五": ["本年度未发生因政府信息公开申请行政复议、提起行政诉讼的情况。"],
        "六": ["信息公开工作仍存在公开内容不够全面等问题，下一步将加强培训、完善制度。"],
        "七": ["无其他需要报告的事项。"],
    }


# ---------------------------------------------------------------------------------------------
# Faults


def _app_rules(row: str, col: str, template: str) -> list[str]:
    rules = ["app.total_column"]
    if row in ("new_received", "carried_over", "carried_forward"):
        rules.append("app.balance")
    elif row == "total_processed":
        rules += ["app.balance", "app.outcome_sum"]
    else:
        rules.append("app.outcome_sum")
    return rules


#: Table totals the narrative states (see _narrative and the 六 paragraph of _one): the new
#: requests, and the reviews and lawsuits of every row.
_NARRATED = {"applications": "new_received", "review_litigation": "*"}


def _break_sum(spec: ReportSpec, rng: np.random.Generator) -> dict[str, Any]:
    if spec.template == "legacy":
        t = spec.tables["legacy_stats"]
        part = int(t["refusal_state_secret"]["value"])
        total = int(t["reply_refused"]["value"])
        new = total + 1 + int(rng.integers(0, 5))
        t["refusal_state_secret"]["value"] = str(new)
        return {
            "kind": "broken_sum",
            "table": "legacy_stats",
            "row": "refusal_state_secret",
            "col": "value",
            "old": part,
            "new": new,
            "rules": ["legacy.part_exceeds_total"],
        }
    if rng.random() < 0.25:
        table, row = (
            "review_litigation",
            ("review", "litigation_direct", "litigation_after_review")[int(rng.integers(3))],
        )
        col = ("upheld", "corrected", "other", "pending", "total")[int(rng.integers(5))]
        rules = ["rl.total"]
    else:
        table = "applications"
        rows = list(spec.tables[table])
        row = rows[int(rng.integers(len(rows)))]
        col = (*_APP_COLS6, "total")[int(rng.integers(7))]
        rules = _app_rules(row, col, spec.template)
    old = int(spec.tables[table][row][col])
    delta = int(rng.integers(1, 6))
    if old > 0 and rng.random() < 0.4:
        delta = -min(delta, old)
    spec.tables[table][row][col] = str(old + delta)
    if _NARRATED.get(table) in (row, "*") and col == "total":
        # the text states this total as it was (…共收到政府信息公开申请71件): now it disagrees
        rules = [*rules, "text_table.mismatch"]
    return {
        "kind": "broken_sum",
        "table": table,
        "row": row,
        "col": col,
        "old": old,
        "new": old + delta,
        "rules": rules,
    }


# ---------------------------------------------------------------------------------------------
# Value quirk styles


def _style(rng: np.random.Generator) -> dict[str, Any]:
    u = rng.random(7)
    return {
        "blanks": 0.3 if u[0] < 0.08 else 0.0,
        "nil": 0.2 if u[1] < 0.06 else 0.0,
        "units": 0.3 if u[2] < 0.10 else 0.0,
        "fullwidth": 1.0 if u[3] < 0.03 else 0.0,
        "padding": 0.5 if u[4] < 0.15 else 0.0,
        "thousands": 1.0 if u[5] < 0.10 else 0.0,
        "seed": int(u[6] * 1e9),
    }


# ---------------------------------------------------------------------------------------------
# Generation


# ---------------------------------------------------------------------------------------------
# Panels: the same agency in consecutive years

#: Active-disclosure rows whose item count carries over (prev_count(N+1) = prev_count(N) +
#: change(N), rule panel.item_carryover) and rows whose stock carries over (panel.in_force_stock,
#: panel.published_stock).
_ITEM_ROWS = ("licensing", "other_services", "penalty", "coercion", "fees")
_STOCK_ROWS = ("regulations", "normative_documents")
_GOV = ("gov2019", "gov2021")


def _reported(spec: ReportSpec, table: str) -> dict[tuple[str, str], float]:
    """(row, col) -> value as the report prints it (NaN for a blank or 无; cut rows absent)."""
    return {(row, col): v for t, row, col, v, _r, _u in expected_records(spec) if t == table}


def _carried_from(prev: ReportSpec | None, template: str) -> np.ndarray | None:
    """Last year's carried-forward requests per applicant column, to carry over (or None).

    A cell printed blank or 无 is a 0 (quirks blank only zeros); a row cut off (truncated
    table) leaves nothing to carry.
    """
    if prev is None or prev.template not in _GOV or template not in _GOV:
        return None
    got = _reported(prev, "applications")
    vals = [got.get(("carried_forward", c)) for c in _APP_COLS6]
    if any(v is None for v in vals):
        return None
    return np.array([0 if v != v else int(v) for v in vals])


def _breakable(prev: ReportSpec) -> bool:
    """Whether a break of the carry-over from ``prev`` would show: last year's carried-forward
    natural_person and total are printed as numbers (not blank or 无)."""
    got = _reported(prev, "applications")
    values = [got.get(("carried_forward", c)) for c in (_APP_COLS6[0], "total")]
    return all(v is not None and not math.isnan(v) for v in values)


def _carry_disclosure(t: dict[str, dict[str, str]], template: str, prev: ReportSpec) -> None:
    """Make this year's active-disclosure counts follow from last year's (same template)."""
    if prev.template != template or template not in _GOV:
        return
    got = _reported(prev, "active_disclosure")

    def last(row: str, col: str) -> int | None:  # a blank or 无 is a 0 (as in _carried_from)
        v = got.get((row, col))
        return None if v is None else 0 if v != v else int(v)

    if template == "gov2019":
        for row in _ITEM_ROWS:
            before, change = last(row, "prev_count"), last(row, "change")
            if row in t and before is not None and change is not None:
                count = before + change
                t[row]["prev_count"] = _s(count)
                t[row]["change"] = _s(max(int(t[row]["change"]), -count))
        for row in _STOCK_ROWS:
            stock = last(row, "total_published")
            if stock is not None:
                t[row]["total_published"] = _s(stock + int(t[row]["new_published"]))
    else:
        for row in _STOCK_ROWS:
            stock = last(row, "in_force")
            if stock is not None:
                issued = int(t[row]["issued"])
                repealed = min(int(t[row]["repealed"]), stock + issued)
                t[row]["repealed"] = _s(repealed)
                t[row]["in_force"] = _s(stock + issued - repealed)


def _agency_key(meta: dict[str, Any]) -> tuple[str, str]:
    """One synthetic agency whatever the form of its name (镇人民政府 with or without county)."""
    name = meta["agency"]
    for place in (meta["county"], meta["city"], meta["province"]):
        if place:
            name = name.removeprefix(place)
    return meta["division_code"], name


def _as_printed(rng: np.random.Generator, meta: dict[str, Any]) -> dict[str, Any]:
    """The agency as one year's report names it: real agencies vary the form from year to year
    (人民政府 or 政府; with or without the prefecture in front of a county's name), and the
    matching must still link the years."""
    name, u = meta["agency"], float(rng.random())
    if u < 0.15 and name.endswith("人民政府"):
        name = name.removesuffix("人民政府") + "政府"
    elif u < 0.3 and meta["city"] and meta["county"] and not name.startswith(meta["city"]):
        name = meta["city"] + name
    return {**meta, "agency": name}


def _panels(
    rng: np.random.Generator, seed: int, n: int, years: int, fault_rate: float
) -> Iterator[ReportSpec]:
    """``n`` reports of agencies that each report ``years`` consecutive years (the last one
    fewer when ``n`` runs out); each year's carried-over requests, item counts and stocks
    follow from the year before, so that the cross-year rules hold unless a fault breaks
    them."""
    made = 0
    used: set[tuple[str, str]] = set()
    first, last = 2014, 2024
    while made < n:
        for _ in range(200):  # a level whose agencies are all taken (provinces) is drawn again
            level = _LEVELS[int(rng.choice(len(_LEVELS), p=_LEVEL_P))]
            meta = _agency_wide(rng, level)
            if _agency_key(meta) not in used:
                break
        else:
            raise InputError(
                f"the synthetic gazetteer has too few distinct agencies for {n} reports in "
                f"panels of {years} years; ask for fewer reports or more years per agency"
            )
        used.add(_agency_key(meta))
        panel = f"syn{seed}-a{len(used):05d}"
        start = int(rng.integers(first, last - years + 2))
        prev: ReportSpec | None = None
        for year in range(start, start + min(years, n - made)):
            cat = _template_for_year(year)  # narrative-only reports as in generate: pre-2019
            if cat == "legacy" and rng.random() < _NONE_BEFORE_2019:
                cat = "none"
            spec = _one(rng, seed, made, cat, level, fault_rate, year=year,
                        meta=_as_printed(rng, meta), prev=prev)  # fmt: skip
            spec.panel = panel
            spec.previous = prev.report_id if prev is not None else ""
            made += 1
            yield spec
            prev = spec


def _template_for_year(year: int) -> str:
    if year >= 2021:
        return "gov2021"
    if year >= 2019:
        return "gov2019"
    return "legacy"


def _one(
    rng: np.random.Generator,
    seed: int,
    i: int,
    cat: str,
    level: str,
    fault_rate: float,
    *,
    year: int | None = None,
    meta: dict[str, Any] | None = None,
    prev: ReportSpec | None = None,
) -> ReportSpec:
    """One report; in a panel (:func:`_panels`) its year, agency and last year's report given."""
    if year is None:
        if cat == "gov2019":
            year = int(rng.integers(2019, 2021))
        elif cat == "gov2021":
            year = int(rng.integers(2021, 2025))
        else:
            year = int(rng.integers(2014, 2019))
    if meta is None:
        meta = _agency(rng, level)
    template = cat
    faults: list[dict[str, Any]] = []
    fault = None
    if cat != "none" and fault_rate > 0 and rng.random() < fault_rate:
        kinds = FAULT_KINDS if cat != "legacy" else ("broken_sum", "text_table_mismatch")
        if _carried_from(prev, cat) is not None and _breakable(prev):
            kinds = (*kinds, *PANEL_FAULT_KINDS)
        fault = kinds[int(rng.integers(len(kinds)))]
    if fault == "outdated_template":
        template = "gov2019" if cat == "gov2021" else "legacy"
        faults.append(
            {
                "kind": "outdated_template",
                "template": template,
                "expected": _template_for_year(year),
                "year": year,
                "rules": ["template.mismatch"],
            }
        )
    kind = meta["agency_kind"]
    n_new = _new_requests(rng, level, kind != "department")
    spec = ReportSpec(
        report_id=f"syn{seed}-{i:06d}",
        year=year,
        template=template,
        signed_date=_signed(rng, year, kind),
        index_no=f"{meta['division_code']}-{int(rng.integers(1, 999)):03d}/{year + 1}-{int(rng.integers(1, 99999)):05d}",
        **meta,
    )
    carried = _carried_from(prev, template)
    if fault == "panel_break":  # last year's carried-forward is not what this year carries over
        carried = carried.copy()
        carried[0] += 1 + int(rng.integers(0, 3))
        faults.append(
            {
                "kind": "panel_break",
                "table": "applications",
                "row": "carried_over",
                "col": _APP_COLS6[0],
                "previous": prev.report_id,
                "rules": ["panel.continuity"],
            }
        )
    if carried is not None and any(
        (f["kind"], f.get("table"), f.get("row"))
        == ("broken_sum", "applications", "carried_forward")
        for f in prev.faults
    ):  # last year's carried-forward row does not add up: no carry-over can match all of it
        spec.expected_failures.append("panel.continuity")
    if template in ("gov2019", "gov2021"):
        spec.tables = {
            "active_disclosure": _active_disclosure(rng, template, level, kind),
            "applications": _applications(rng, template, n_new, carried),
            "review_litigation": _review_litigation(rng, n_new),
        }
        if prev is not None:
            _carry_disclosure(spec.tables["active_disclosure"], template, prev)
    elif template == "legacy":
        spec.tables = {"legacy_stats": _legacy_stats(rng, n_new, level)}
    stated = n_new
    if fault == "text_table_mismatch":
        if n_new == 0:
            stated = int(rng.integers(1, 20))
        else:
            stated = (
                0 if rng.random() < 0.3 else n_new + int(rng.integers(1, max(3, n_new // 5 + 2)))
            )
        if template != "legacy":
            # "收到…申请N件" may also count the requests carried over (rule alt_targets): a
            # statement equal to that sum is not a disagreement
            carried = int(spec.tables["applications"]["carried_over"]["total"])
            while stated in (n_new, n_new + carried):
                stated += 1
        faults.append(
            {
                "kind": "text_table_mismatch",
                "table": "applications" if template != "legacy" else "legacy_stats",
                "row": "new_received" if template != "legacy" else "requests_received",
                "col": "total" if template != "legacy" else "value",
                "stated": stated,
                "table_value": n_new,
                "rules": ["text_table.mismatch"],
            }
        )
    if template == "none":
        _narrative_only(spec, rng, n_new)
    else:
        _narrative(spec, rng, stated)
        if template != "legacy":
            tot = sum(
                int(spec.tables["review_litigation"][r]["total"])
                for r in spec.tables["review_litigation"]
            )
            spec.extra["六"] = [
                "本年度未发生因政府信息公开工作被申请行政复议、提起行政诉讼的情况。"
                if tot == 0
                else f"本年度因政府信息公开工作被申请行政复议或提起行政诉讼共{tot}件。",
                *(["本年度未发出收费通知，未收取信息处理费。"] if template == "gov2021" else []),
            ]
    if fault == "broken_sum":
        broken = _break_sum(spec, rng)
        if carried is not None and (broken["table"], broken["row"]) == (
            "applications",
            "carried_over",
        ):  # it no longer equals last year's carried-forward either
            broken["rules"] = [*broken["rules"], "panel.continuity"]
        faults.append(broken)
    elif fault == "truncated":
        after = _TRUNCATE_AT[int(rng.integers(len(_TRUNCATE_AT)))]
        spec.truncate_applications_after = after
        faults.append(
            {
                "kind": "truncated",
                "table": "applications",
                "after": after,
                "rules": ["table.incomplete"],
            }
        )
    spec.faults = faults
    if spec.tables:
        style = _style(rng)
        if fault is not None:
            # keep faulted cells readable: missing values would hide the defect
            style["blanks"] = style["nil"] = 0.0
        spec = apply_quirks(spec, style)
    return spec


def generate(
    n: int,
    *,
    seed: int = 0,
    formats: Sequence[str] = ("txt",),
    faults: float = 0.0,
    layouts: Sequence[str] | None = None,
    panel_years: int = 1,
) -> list[ReportSpec]:
    """Draw ``n`` synthetic report specifications (:func:`iter_specs`, as a list).

    Parameters
    ----------
    n : int
        Number of reports (>= 0).
    seed : int
        Seed of the :class:`numpy.random.Generator`; same arguments give identical specs.
    formats, layouts : sequence of str
        Accepted for symmetry with :func:`write_corpus` (where they take effect); validated here.
    faults : float
        Probability (0-1) that a report with tables carries one injected defect.
    panel_years : int
        1 (default): every report is drawn on its own (agency, year and counts unrelated to
        any other report's). 2-11: agencies report ``panel_years`` consecutive years within
        2014-2024, each year's carried-over requests, item counts and document stocks following
        from the year before (so that the ``panel.*`` rules hold), with the template in force
        for each year; faults may then also break that continuity (``panel_break``).

    Returns
    -------
    list[ReportSpec]
        In a panel corpus, ``spec.panel`` names each report's agency and ``spec.previous``
        its report of the year before.
    """
    return list(
        iter_specs(
            n, seed=seed, formats=formats, faults=faults, layouts=layouts, panel_years=panel_years
        )
    )


def iter_specs(
    n: int,
    *,
    seed: int = 0,
    formats: Sequence[str] = ("txt",),
    faults: float = 0.0,
    layouts: Sequence[str] | None = None,
    panel_years: int = 1,
) -> Iterator[ReportSpec]:
    """:func:`generate`'s specifications one at a time (a corpus of 100,000 held as a list
    takes about 2 GB; :func:`write_corpus` and ``gkwork synth`` write them as they come).

    The arguments are checked when the iterator is made.
    """
    if n < 0:
        raise InputError(f"n must be >= 0; got {n}")
    if not 0.0 <= faults <= 1.0:
        raise InputError(f"faults must be a rate between 0 and 1; got {faults}")
    _check_formats(formats, layouts)
    if not 1 <= panel_years <= 11:
        raise InputError(
            f"panel_years must be between 1 and 11 (the years 2014-2024); got {panel_years}"
        )
    rng = np.random.default_rng(seed)
    if panel_years > 1:
        return _panels(rng, seed, n, panel_years, faults)
    cats = rng.choice(len(_CATS), size=n, p=_CAT_P)
    levels = rng.choice(len(_LEVELS), size=n, p=_LEVEL_P)
    return (
        _one(rng, seed, i, _CATS[c], _LEVELS[lv], faults)
        for i, (c, lv) in enumerate(zip(cats, levels, strict=True))
    )


def _check_formats(formats: Sequence[str], layouts: Sequence[str] | None) -> None:
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise InputError(
            f"formats must be a non-empty subset of {', '.join(FORMATS)}; got {', '.join(formats) or 'nothing'}"
        )
    if layouts is not None:
        from gkwork.render import LAYOUTS

        bad = [x for x in layouts if x not in LAYOUTS]
        if bad or not layouts:
            raise InputError(
                f"layouts must be a non-empty subset of {', '.join(LAYOUTS)}; got {', '.join(layouts) or 'nothing'}"
            )


# ---------------------------------------------------------------------------------------------
# Writing


def _json_value(v: float) -> float | int | None:
    if v != v:  # NaN
        return None
    return int(v) if float(v).is_integer() else v


def truth_record(spec: ReportSpec, *, file: str, fmt: str, layout: str) -> dict[str, Any]:
    """The ``truth.jsonl`` line of one written report."""
    cells: dict[str, dict[str, dict[str, Any]]] = {}
    records = narrative_records(spec) if layout == "narrative" else expected_records(spec)
    for table, row, col, value, _raw, _unit in records:
        cells.setdefault(table, {}).setdefault(row, {})[col] = _json_value(value)
    return {
        "file": file,
        "report_id": spec.report_id,
        "template": spec.template,
        "year": spec.year,
        "agency": spec.agency,
        "agency_kind": spec.agency_kind,
        "admin_level": spec.admin_level,
        "province": spec.province,
        "city": spec.city,
        "county": spec.county,
        "division_code": spec.division_code,
        "index_no": spec.index_no,
        "signed_date": spec.signed_date,
        "layout": layout,
        "format": fmt,
        "faults": spec.faults,
        # a table stated in sentences is no statutory table: its absence is reported, rightly
        "expected_failures": [
            *(["table.incomplete"] if layout == "narrative" and spec.template != "none" else []),
            *spec.expected_failures,
        ],
        "synthetic": True,
        **({"panel": spec.panel, "previous": spec.previous} if spec.panel else {}),
        "cells": cells,
    }


def _layout_quirks(r: random.Random, layout: str) -> dict[str, Any]:
    return {
        "split_headers": 0.6 if r.random() < 0.5 else 0.0,
        "halfwidth": r.random() < (0.5 if layout == "pipe" else 0.1),
        "bookmark": r.random() < 0.05,
        "crlf": r.random() < 0.1,
        "caption_short": 0.3 if r.random() < 0.2 else 0.0,
        "blank_lines": r.random() < 0.3,
        "pipe_extra": 1 if r.random() < 0.3 else 0,
        "indent": r.random() < 0.3,
    }


def render_file(
    spec: ReportSpec, fmt: str, layouts: Sequence[str] | None = None
) -> tuple[bytes, str]:
    """Bytes and layout name of one report written in ``fmt``.

    The layout of a ``txt`` file is drawn from ``layouts`` (default :data:`TEXT_LAYOUTS`) with a
    generator seeded by the report id, so the result does not depend on other reports.
    """
    r = random.Random(spec.report_id)
    if fmt in ("txt", "md"):
        if spec.template == "none":
            layout = "narrative"
        elif fmt == "md":
            layout = "markdown"
        else:
            pool = tuple(layouts) if layouts else TEXT_LAYOUTS
            layout = pool[r.randrange(len(pool))]
        text = render_text(spec, layout, quirks=_layout_quirks(r, layout), rng=r)
        return text.encode("utf-8"), layout
    from gkwork import writers  # lazy: txt-only corpora work without the writers

    blocks = spec_blocks(spec)
    if fmt == "html":
        meta = {"索引号": spec.index_no, "发布机构": spec.agency, "成文日期": spec.signed_date}
        data = writers.write_html(
            blocks, title=f"{SYNTHETIC_MARKER}{spec.full_title}", portal_meta=meta
        )
    elif fmt == "docx":
        data = writers.write_docx(blocks)
    elif fmt == "pdf":
        data = writers.write_pdf(blocks)
    else:
        raise InputError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    return data, ("narrative" if spec.template == "none" else fmt)


def write_corpus(
    specs: Iterable[ReportSpec],
    out_dir: str | Path,
    *,
    formats: Sequence[str] = ("txt",),
    layouts: Sequence[str] | None = None,
) -> Path:
    """Write reports as ``<report_id>.<ext>`` plus ``truth.jsonl`` into ``out_dir``.

    Parameters
    ----------
    specs : iterable of ReportSpec
        Written as they come (a generator from :func:`iter_specs` is never held whole).
    out_dir : str or Path
        Created if missing.
    formats : sequence of str
        Formats to spread the reports over (chosen per report from its id): ``txt`` (random
        text layout among ``layouts``), ``md`` (markdown), ``html``, ``docx``, ``pdf``.
    layouts : sequence of str, optional
        Text layouts for ``txt`` files (default pipe, cell_per_line, tsv).

    Returns
    -------
    Path
        ``out_dir``.
    """
    _check_formats(formats, layouts)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "truth.jsonl", "w", encoding="utf-8") as fh:
        for spec in specs:
            fr = random.Random(spec.report_id + ":format")
            fmt = formats[fr.randrange(len(formats))]
            data, layout = render_file(spec, fmt, layouts)
            name = f"{spec.report_id}.{fmt}"
            (out / name).write_bytes(data)
            rec = truth_record(spec, file=name, fmt=fmt, layout=layout)
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: ``gkwork synth --n N --out DIR --seed S [--formats txt,md] [--faults RATE]``."""
    ap = argparse.ArgumentParser(
        prog="gkwork synth", description="Write a synthetic corpus with truth.jsonl."
    )
    ap.add_argument("--n", type=int, required=True, help="number of reports")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ap.add_argument(
        "--formats", default="txt", help="comma-separated subset of txt,md,html,docx,pdf"
    )
    ap.add_argument("--layouts", default=None, help="comma-separated text layouts for txt files")
    ap.add_argument(
        "--faults", type=float, default=0.0, help="rate of reports with an injected defect"
    )
    ap.add_argument(
        "--panel-years",
        type=int,
        default=1,
        metavar="K",
        help="agencies report K consecutive years (2-11), values carried from year to year "
        "(default 1: every report drawn on its own)",
    )
    args = ap.parse_args(list(argv) if argv is not None else None)
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    layouts = (
        tuple(x.strip() for x in args.layouts.split(",") if x.strip()) if args.layouts else None
    )
    t0 = time.perf_counter()
    specs = iter_specs(
        args.n,
        seed=args.seed,
        faults=args.faults,
        formats=formats,
        layouts=layouts,
        panel_years=args.panel_years,
    )
    counts = {"reports": 0, "faults": 0}

    def counted(specs: Iterable[ReportSpec]) -> Iterator[ReportSpec]:
        for spec in specs:
            counts["reports"] += 1
            counts["faults"] += bool(spec.faults)
            yield spec

    out = write_corpus(counted(specs), args.out, formats=formats, layouts=layouts)
    print(
        f"synth: wrote {counts['reports']} reports ({', '.join(formats)}; {counts['faults']} "
        f"with faults) and truth.jsonl to {out} in {time.perf_counter() - t0:.1f}s"
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
