"""gkwork.meta: title, agency, year, dates, 索引号, places and sections from the text."""

import gkwork
from gkwork.meta import (
    admin_level,
    agency_kind,
    cn_number,
    division_code_from_index,
    place_from_code,
    place_from_text,
)


def test_split_title_and_chinese_numeral_date():
    text = "\n棉洋镇人民政府2021年政府信息公开工作\n\n年度报告\n\n一、总体情况\n……\n\n棉洋镇人民政府\n二〇二二年一月十日\n"
    m = gkwork.read_text(text).meta
    assert m["agency"] == "棉洋镇人民政府" and m["year"] == 2021
    assert m["signed_date"] == "2022-01-10"
    assert m["admin_level"] == "township" and m["agency_kind"] == "government"


def test_portal_block_and_division_code():
    text = "索引号: | 330803-042/2021-46930 | 公开方式: | 主动公开 |\n发布单位: | 区机关事务保障中心 | 成文日期: | 2021-02-20 |\n特向社会公布2020年度我中心信息公开年度报告。"
    m = gkwork.read_text(text).meta
    assert m["index_no"] == "330803-042/2021-46930"
    assert m["division_code"] == "330803"
    assert (m["province"], m["city"], m["county"]) == ("浙江省", "衢州市", "衢江区")
    assert m["year"] == 2020 and m["signed_date"] == "2021-02-20"


def test_unified_credit_code_carries_division():
    assert division_code_from_index("11341702486344515H/202110-00013") == "341702"
    assert division_code_from_index("014416330/2018-04736") is None


def test_places_from_names():
    p = place_from_text("五河县武桥镇人民政府")
    assert (p.province, p.city, p.county) == ("安徽省", "蚌埠市", "五河县")
    assert place_from_code("320813").county == "洪泽区"


def test_kinds_and_levels():
    none = place_from_text("")
    assert agency_kind("中共陬市镇委员会") == "party_body"
    assert agency_kind("城关街道办事处") == "subdistrict_office"
    assert agency_kind("衢江区机关事务保障中心") == "department"
    assert admin_level("城关街道办事处", none) == "township"
    assert admin_level("淮安市洪泽区人民政府", place_from_text("淮安市洪泽区")) == "county"
    assert admin_level("淮安市人民政府", place_from_text("淮安市")) == "prefecture"
    assert cn_number("二〇二一") == 2021 and cn_number("十八") == 18 and cn_number("三十一") == 31


def test_sections_in_both_numbering_systems():
    text = "（一）总体情况\n正文\n（二）主动公开政府信息情况\n正文\n（三）收到和处理政府信息公开申请情况\n正文\n（四）政府信息公开行政复议、行政诉讼情况\n（五）存在的主要问题及改进情况\n（六）其他需要报告的事项\n无。"
    r = gkwork.read_text(text)
    assert r.sections["section"].tolist() == [
        "overview",
        "proactive",
        "requests",
        "review_litigation",
        "problems",
        "other",
    ]
    for s in r.sections.itertuples():
        assert r.text[s.start : s.end].startswith(s.number)


def test_party_body_as_signer_is_kept_apart_from_the_agency(seed_reports):
    meta = seed_reports["000"].meta
    assert meta["agency"] == "桃源县陬市镇" and meta["agency_kind"] == "government"
    assert meta["signer"] == "中共陬市镇委员会" and meta["signer_kind"] == "party_body"
    assert meta["signed_date"] == "2021-01-18"
