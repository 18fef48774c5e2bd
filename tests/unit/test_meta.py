"""gkwork.meta: title, agency, year, dates, 索引号, places and sections from the text."""

import random

import pytest
from helpers import slotted_texts

import gkwork
from gkwork import meta as M
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


def test_places_of_current_and_earlier_division_names():
    """Divisions renamed since 2015 are placed under their current name and code
    (gkwork/data/divisions.csv, MCA 2021-2022) and under the earlier one (cpca's adcodes), so
    that reports of either period are placed; a name two divisions share stays unplaced."""
    now, then = place_from_text("晋宁区人民政府"), place_from_text("晋宁县人民政府")
    assert (now.county, now.division_code, then.county, then.division_code) == (
        "晋宁区", "530115", "晋宁县", "530122"
    )  # fmt: skip
    assert place_from_text("济南市章丘区教育局").division_code == "370114"
    assert place_from_code("530115") == now and place_from_code("530122").county == "晋宁县"
    assert place_from_text("西湖区民政局").division_code is None  # 杭州 330106 or 南昌 360103
    assert place_from_text("杭州市西湖区民政局").division_code == "330106"
    assert admin_level("晋宁区应急管理局", now) == "county"
    # a county-level name it cannot place still makes its body county-level
    assert admin_level("西湖区卫生健康委员会", place_from_text("西湖区卫生健康委员会")) == "county"
    assert admin_level("昆明市水利局", place_from_text("")) is None  # a city needs its place


def test_a_bracketed_tag_before_the_title_is_not_the_agency():
    for tag in ("【合成数据 synthetic data — not a real report】", "【政务公开】", "[信息公开]"):
        m = gkwork.read_text(
            f"{tag}小溪镇人民政府2019年政府信息公开工作年度报告\n一、总体情况\n"
        ).meta
        assert m["agency"] == "小溪镇人民政府", (tag, m["agency"])


def test_kinds_and_levels():
    none = place_from_text("")
    assert agency_kind("中共陬市镇委员会") == "party_body"
    assert agency_kind("城关街道办事处") == "subdistrict_office"
    assert agency_kind("衢江区机关事务保障中心") == "department"
    assert admin_level("城关街道办事处", none) == "township"
    assert admin_level("淮安市洪泽区人民政府", place_from_text("淮安市洪泽区")) == "county"
    assert admin_level("淮安市人民政府", place_from_text("淮安市")) == "prefecture"
    # an autonomous region (自治区) is a province and a 地区 a prefecture, not districts (区)
    for name, level in [
        ("宁夏回族自治区人民政府", "province"),
        ("内蒙古自治区人民政府", "province"),
        ("西藏自治区人民政府办公厅", "province"),
        ("长阳土家族自治县人民政府", "county"),
        ("北京市朝阳区人民政府", "county"),
        ("阿勒泰地区人民政府", "prefecture"),  # a 地区 is a prefecture-level region
        ("神农架林区人民政府", "county"),
    ]:
        assert admin_level(name, place_from_text(name)) == level, name
    assert cn_number("二〇二一") == 2021 and cn_number("十八") == 18 and cn_number("三十一") == 31


def test_a_name_inside_a_longer_place_name_is_no_place():
    # 铁东区 is a district of 四平 and of 鞍山 (shared: not placed alone); 东区 inside it is
    # 攀枝花's 东区, and must not place 铁东区金山乡 in Sichuan
    assert place_from_text("铁东区金山乡人民政府").province is None
    assert place_from_text("四平市铁东区金山乡人民政府").division_code == "220303"
    assert place_from_text("铁西区杨柳街道办事处").province is None
    assert place_from_text("攀枝花市东区人民政府").division_code == "510402"
    assert admin_level("铁东区金山乡人民政府", place_from_text("")) == "township"
    # nor one that overlaps a name found further left: 津市市 (Hunan) in 天津市市场…
    tianjin = place_from_text("天津市市场监督管理局")
    assert tianjin.division_code == "120000"
    assert admin_level("天津市市场监督管理局", tianjin) == "province"


def test_a_zone_that_governs_a_county_is_placed_in_it():
    # gkwork/data/place_aliases.csv: 平潭综合实验区 governs the territory of 平潭县 (350128)
    p = place_from_text("平潭综合实验区财政金融局")
    assert (p.province, p.city, p.county, p.division_code) == (
        "福建省",
        "福州市",
        "平潭县",
        "350128",
    )
    # a division's own name is never overridden by an alias
    assert place_from_text("平潭县人民政府").division_code == "350128"


def test_title_words_after_the_agency_are_not_its_name():
    # pingtan/141, 150, 151, 034, 048: 关于(报送)… follows the agency in the title
    for title in (
        "平潭综合实验区行政审批局关于2017年政府信息公开工作年度报告",
        "平潭综合实验区苏平片区管理局关于报送2020年政府信息公开工作年度报告",
    ):
        m = gkwork.read_text(title + "\n一、总体情况\n本年度工作稳步推进。").meta
        assert m["agency"] in ("平潭综合实验区行政审批局", "平潭综合实验区苏平片区管理局"), m[
            "agency"
        ]
        assert "关于" not in m["agency"] and m["county"] == "平潭县"


def test_a_short_name_in_the_title_takes_the_signature_full_name():
    # pingtan/149: the title says 财金局, the report is signed by 平潭综合实验区财政金融局
    text = "财金局2016年政府信息公开工作年度报告\n一、概述\n本年度工作稳步推进。\n平潭综合实验区财政金融局\n2017年1月10日\n"
    m = gkwork.read_text(text).meta
    assert m["agency"] == "平潭综合实验区财政金融局" and m["signed_date"] == "2017-01-10"
    # a different body that signs is not a long form of the agency (seed 000: the Party committee)
    assert not M._abbreviates("陬市镇", "中共陬市镇委员会")
    assert not M._abbreviates("财政局", "平潭综合实验区公安局")


def test_a_province_named_in_the_text_does_not_make_the_agency_provincial():
    # the agency's name has no place; the text cites a provincial regulation
    text = "财金局2016年政府信息公开工作年度报告\n根据《福建省政府信息公开办法》，现将本局工作报告如下。"
    m = gkwork.read_text(text).meta
    assert m["province"] == "福建省" and m["division_code"] == "350000"  # the report's place
    assert m["admin_level"] is None  # the agency's level is not known
    # a provincial department says so in its name
    m = gkwork.read_text("福建省财政厅2016年政府信息公开工作年度报告\n本年度工作稳步推进。").meta
    assert m["admin_level"] == "province"


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


def test_sections_in_run_together_archive_text():
    """Archived page text has no line breaks: headings run into their first sentence and
    into the tables (pingtan/036_gongan_2021, shortened)."""
    text = (
        "平潭综合实验区公安局2021年政府信息公开工作年度报告 一、总体情况2021年，我局……"
        "二、主动公开政府信息情况第二十条第（一）项信息内容本年新制作数量本年新公开数量"
        "第二十条第（八）项信息内容上一年项目数量本年增/减行政事业性收费00"
        "三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于"
        "第三项加第四项之和）一、本年新收政府信息公开申请数量1000001"
        "四、结转下年度继续办理1000001四、政府信息公开行政复议、行政诉讼情况行政复议0"
        "五、存在的主要问题及改进情况2021年，……六、其他需要报告的事项2021年，无。"
    )
    r = gkwork.read_text(text)
    got = r.sections[["section", "number", "title"]].values.tolist()
    assert got == [
        ["overview", "一", "总体情况"],
        ["proactive", "二", "主动公开政府信息情况"],
        ["requests", "三", "收到和处理政府信息公开申请情况"],
        ["review_litigation", "四", "政府信息公开行政复议、行政诉讼情况"],
        ["problems", "五", "存在的主要问题及改进情况"],
        ["other", "六", "其他需要报告的事项"],
    ]
    # the heading after the table row 四、结转下年度… is the second 四
    review = r.sections.iloc[3]
    assert review.start == text.index("四、政府信息公开")
    for s in r.sections.itertuples():
        assert r.text[s.start : s.end].startswith(f"{s.number}、{s.title}")


def test_2008_sections_in_run_together_archive_text():
    """A 2008-format report run together (pingtan/148_huanguo_2017, shortened): 一、概述 runs
    into its first sentence, and 七、附表 (the appended 统计表) is a section of its own, not a
    second 主动公开 section because its first row says 主动公开文件数."""
    text = (
        "平潭综合实验区环境与国土资源局2017年政府信息公开工作年度报告 一、概述我局在平潭综合"
        "实验区政府信息公开工作领导小组的组织领导下……二、主动公开政府信息的情况2017年……"
        "三、政府信息依申请公开办理情况……四、政府信息公开的收费及减免情况无。"
        "五、因政府信息公开申请行政复议、提起行政诉讼的情况无。"
        "六、政府信息公开工作存在的主要问题及改进措施……"
        "七、附表指标名称单位2017年度历年累计主动公开文件数条6262027"
    )
    got = gkwork.read_text(text).sections[["section", "number", "title"]].values.tolist()
    assert got == [
        ["overview", "一", "概述"],
        ["proactive", "二", "主动公开政府信息的情况"],
        ["requests", "三", "政府信息依申请公开办理情况"],
        ["fees", "四", "政府信息公开的收费及减免情况"],
        ["review_litigation", "五", "因政府信息公开申请行政复议、提起行政诉讼的情况"],
        ["problems", "六", "政府信息公开工作存在的主要问题及改进措施"],
        ["stats_table", "七", "附表"],
    ]


@pytest.mark.parametrize(
    ("tail", "signer", "date"),
    [
        # real endings of archived page text (pingtan/036, 001, 006, 044), shortened
        ("六、其他需要报告的事项2021年，无收取信息处理费情况。 平潭综合实验区公安局2022年1月7日",
         "平潭综合实验区公安局", "2022-01-07"),
        ("六、其他需要报告的事项无其他需要报告事项。 平潭综合实验区财政金融局 2020年1月2日",
         "平潭综合实验区财政金融局", "2020-01-02"),
        ("六、其他需要报告的事项 无平潭综合实验区行政审批局 2020年1月2日 附件下载",
         "平潭综合实验区行政审批局", "2020-01-02"),
        # the colophon (the issuing office and date, 印发) and the download link are not it
        ("六、其他需要报告的事项 无 平潭综合实验区经济发展局 2020年1月2日 平潭综合实验区经济"
         "发展局办公室 2020年1月3日印发 附件下载", "平潭综合实验区经济发展局", "2020-01-02"),
        ("本年度没有产生信息公开处理费。 平潭综合实验区市场监督管理局 2022年1月7日抄送：驻区自然"
         "资源与生态环境局纪检监察组。平潭综合实验区市场监督管理局办公室 2022年1月8日印发 附件下载",
         "平潭综合实验区市场监督管理局", "2022-01-07"),
        # no signature: a date in the last sentence, or text after the last date
        ("六、其他需要报告的事项本局已于2022年1月7日", None, None),
        ("平潭综合实验区公安局2022年1月7日附件5 附表 指标名称单位2017年历年累计主动公开文件数条148",
         None, None),
    ],
)  # fmt: skip
def test_signature_closing_run_together_text(tail: str, signer, date) -> None:
    m = gkwork.read_text(
        "平潭综合实验区公安局2021年政府信息公开工作年度报告 一、总体情况…" + tail
    ).meta
    assert (m["signer"], m["signed_date"]) == (signer, date)


def test_party_body_as_signer_is_kept_apart_from_the_agency(seed_reports):
    meta = seed_reports["000"].meta
    assert meta["agency"] == "桃源县陬市镇" and meta["agency_kind"] == "government"
    assert meta["signer"] == "中共陬市镇委员会" and meta["signer_kind"] == "party_body"
    assert meta["signed_date"] == "2021-01-18"


# ------------------------------------------------------------------------------------------
# the fast paths give what the plain regex searches give


def _random_texts(alphabet: str | list[str], n: int, max_len: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, max_len))) for _ in range(n)]


def _spans(matches) -> list[tuple[tuple[int, int], dict]]:
    return [(m.span(), m.groupdict()) for m in matches]


def _slotted(slots: list[list[str]], n: int, seed: int) -> list[str]:
    return slotted_texts(
        slots, n, seed, max_runs=4, noise=["x", "\n", " ", "年", "，", "1"], p_noise=0.05
    )


_WS = ["", "", " ", "\n", " \u3000", "\t"]


def test_dates_equal_finditer():
    slots = [["", "x", "\n"], ["2020", "1999", "二〇二一", "二O二O", "2020 ", "20", "一"], _WS, ["年"],
             _WS, ["1", "12", "十", "十二", "三十一", "x"], _WS, ["月", ""], _WS,
             ["5", "31", "二十", "x"], _WS, ["日", "日", ""]]  # fmt: skip
    texts = _slotted(slots, 4000, seed=11) + ["", "年", "2025年1月13日"]
    found = 0
    for text in texts:
        slow = _spans(M._DATE_RE.finditer(text))
        assert _spans(M._dates(text)) == slow, repr(text)
        found += len(slow)
    assert found > 1000


def test_title_matches_before_a_limit_equal_search():
    slots = [["", "\n", "\n\n"], ["", " ", "#", "【"], ["", "标题:"], ["某区人民政府", "", "x"], _WS,
             ["2020", "1998", "20"], _WS, ["年"], ["", "度"], _WS, ["某区人民政府", ""],
             ["政府信息公开", "政务公开", "信息公开", "x"], ["", "工作"], _WS, ["", "年度"],
             ["报告", "报告", ""], ["", "\n", "。"]]  # fmt: skip
    found = 0
    for rx in (M._TITLE_YEAR_FIRST_RE, M._SPLIT_TITLE_RE):
        for text in _slotted(slots, 3000, seed=13):
            m = rx.search(text)
            found += m is not None
            for limit in {0, 1, len(text) // 3, len(text) // 2, len(text), len(text) + 1}:
                fast = M._match_before(rx, text, limit)
                slow = m if m is not None and m.start() < limit else None
                assert _spans([fast] if fast else []) == _spans([slow] if slow else []), text
    assert found > 500


def test_field_gates_are_necessary():
    slots = [["", "x", "\n"], ["索引号", "索 引 号", "发布单位", "发布机构", "发文机关", "填报单位",
             "成文日期", "发布日期", "发布时间", "文号", "文 号", "单位", "日期"], ["", " "],
             [":", "：", ""], ["", " ", " | "], ["330803-042/2021", "2021-02-20", "2021年2月2日", "某局"]]  # fmt: skip
    found = dict.fromkeys(M._FIELD_RE, 0)
    for text in _slotted(slots, 3000, seed=17):
        for key, rx in M._FIELD_RE.items():
            if rx.search(text):
                found[key] += 1
                assert M._FIELD_GATE[key] in text, (key, text)
    assert min(found.values()) > 50, found


def test_signature_once_gives_signer_and_date():
    text = "正文。\n附件：\n统计表\n\n中共陬市镇委员会\n2021年1月18日\n"
    assert M._signature(text) == (M._signer(text), M._signed_date(text))
    assert M._signature("无日期") is None


def test_memoised_kinds_and_levels_equal_the_plain_functions():
    names = [
        "中共陬市镇委员会",
        "城关街道办事处",
        "某县人民政府",
        "某开发区管委会",
        "某市教育局",
        "",
        None,
    ]
    for a in names:
        assert M.agency_kind(a) == M.agency_kind.__wrapped__(a)
        for place in (
            place_from_text(""),
            place_from_text("淮安市洪泽区"),
            place_from_code("320000"),
        ):
            assert M.admin_level(a, place) == M.admin_level.__wrapped__(a, place)


def test_run_together_text_keeps_its_filer_and_signature_apart_from_their_neighbours():
    """Archived text without line breaks: the 统计表's header after 填报单位 is not part of
    the filer's name, a signature after 填报日期's date is still the signature, and a
    provincial department (…厅) signs as any agency does."""
    text = (
        "章丘区明水街道办事处2017年政府信息公开工作年度报告一、概述本年度工作稳步推进。"
        "政府信息公开情况统计表填报单位：章丘区明水街道办事处统 计 指 标单位年度累计数"
        "填报日期：2017.12.29章丘区明水街道办事处2018年3月14日"
    )
    m = gkwork.read_text(text).meta
    assert m["agency"] == "章丘区明水街道办事处"
    assert (m["signer"], m["signed_date"]) == ("章丘区明水街道办事处", "2018-03-14")
    text = "四川省住房和城乡建设厅2022年政府信息公开工作年度报告一、总体情况本年度工作稳步推进。   四川省住房和城乡建设厅   2023年1月12日"
    m = gkwork.read_text(text).meta
    assert m["signed_date"] == "2023-01-12" and m["admin_level"] == "province"
