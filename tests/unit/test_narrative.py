"""Numbers stated in prose (gkwork.narrative)."""

from __future__ import annotations

import pytest
from helpers import slotted_texts

from gkwork import narrative as N
from gkwork.narrative import NARRATIVE_COLUMNS, find_numbers


def found(text: str) -> list[tuple[str, float]]:
    df = find_numbers(text)
    assert list(df.columns) == NARRATIVE_COLUMNS
    for r in df.itertuples(index=False):
        assert text[r.start : r.end] == r.raw
    return [(r.quantity, r.value) for r in df.itertuples(index=False)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("本年度共收到政府信息公开申请12件，均已按时答复。", [("applications_received", 12)]),
        ("全年受理依申请公开申请共计5件。", [("applications_received", 5)]),
        ("今年我中心未收到申请人提出的依申请公开申请。", [("applications_received", 0)]),
        ("2020年全镇未收到受理依申请公开办理件。", [("applications_received", 0)]),
        ("截至12月31日,我中心新增主动公开政府信息120条。", [("proactive_items", 120)]),
        ("全年被申请行政复议2件。", [("review", 2)]),
        ("发生行政诉讼案件1起。", [("litigation", 1)]),
        (
            "无因政府信息公开申请行政复议、提起行政诉讼情况。",
            [("review", 0), ("litigation", 0)],
        ),
        (
            "本年度未发生针对我镇有关政府信息公开事务的行政复议申请、行政诉讼案件和申诉。",
            [("review", 0), ("litigation", 0)],
        ),
        ("主动公开信息１２条。", [("proactive_items", 12)]),  # full-width digits
        # an explicit count beats a negation of the same quantity in the same clause
        ("本年度未发生行政复议，行政诉讼1件。", [("review", 0), ("litigation", 1)]),
        ("共收到政府信息公开申请1,234件。", [("applications_received", 1234)]),
        # one count of reviews and lawsuits together is compared with their sum
        ("本年度被申请行政复议或提起行政诉讼共6件。", [("review_and_litigation", 6)]),
        ("发生行政复议、行政诉讼案件共2件。", [("review_and_litigation", 2)]),
        ("被申请行政复议和提起行政诉讼各1件。", [("review", 1), ("litigation", 1)]),
        ("行政复议1件，行政诉讼2件。", [("review", 1), ("litigation", 2)]),
        # a number inside a parenthetical remark counts nothing (the legacy table's row label)
        ("（一）主动公开政府信息数（不同渠道和方式公开相同信息计1条）", []),
        ("本年度主动公开政府信息（含转载）120条。", [("proactive_items", 120)]),
        # the number after a clause break belongs to another quantity (办结), not to 收到
        ("本年度全区共收到70件申请，及时依法依规办结69件。", [("applications_received", 70)]),
        (
            "全县全年共受理政府信息公开申请 749 件，其中自然人申请 741 件。",
            [("applications_received", 749)],
        ),
    ],
)
def test_statements(text: str, expected: list[tuple[str, float]]) -> None:
    assert found(text) == [(q, float(v)) for q, v in expected]


def test_unrelated_numbers_and_false_negations_are_ignored() -> None:
    assert found("全年召开信息工作会4次，培训2次。") == []
    assert found("无论收到多少申请都及时答复。") == []
    # a reconsideration request is not an information request
    assert found("未收到行政复议申请。") == []


def test_approximate_and_cumulative_are_marked() -> None:
    df = find_numbers("截止2020年底累计主动公开政府信息500余条。本年主动公开信息30多条。")
    assert df["value"].tolist() == [500.0, 30.0]
    assert df["is_cumulative"].tolist() == [True, False]
    assert df["is_approx"].tolist() == [True, True]


def test_exclude_spans_and_span_of_the_number() -> None:
    text = "表内:收到申请数3件。正文:共收到政府信息公开申请4件。"
    df = find_numbers(text, exclude=[(0, 10)])
    assert df["value"].tolist() == [4.0]
    r = df.iloc[0]
    assert text[r.start : r.end] == "4"
    assert "共收到政府信息公开申请4件" in r.sentence


def test_zero_statement_span_is_the_phrase() -> None:
    text = "依申请公开:本年度未收到政府信息公开申请。"
    r = find_numbers(text).iloc[0]
    assert r.is_negation and text[r.start : r.end].startswith("未收到")


# ------------------------------------------------------------------------------------------
# the fast paths give what the plain regex scans give


def _slotted(slots: list[list[str]], n: int, seed: int) -> list[str]:
    return slotted_texts(
        slots,
        n,
        seed,
        max_runs=5,
        noise=["未", "无", "收", "，", "。", "\n", "1", "行政复议"],
        p_noise=0.08,
    )


_SLOTS = [
    ["", "本年度", "累计", "无论", "全年共"],
    ["未", "没有", "无", "未曾", "未发生", "未有", ""],
    ["收到", "受理", "接到", "接收", "收", "新收", "主动公开", "发生", ""],
    ["", "政府信息公开", "依申请公开", "群众", "针对我镇的"],
    ["", "12", "1,234", "５"],
    ["", "件", "条"],
    ["申请", "行政复议", "行政复议申请", "", "，"],
    ["", "12", "3", "，"],
    ["", "余", "多"],
    ["件", "条", "起", "", "、"],
    ["", "行政诉讼", "提起行政诉讼", "行政诉讼案件"],
    ["", "2", "；"],
    ["", "件", "起"],
    ["。", "\n", "", "；", "！"],
]


def test_candidate_starts_give_finditer_matches():
    texts = _slotted(_SLOTS, 3000, seed=29)
    found = [0] * len(N._PATTERNS)
    for text in texts:
        memo: dict = {}
        for i, ((_, pattern, _), starts) in enumerate(zip(N._PATTERNS, N._STARTS, strict=True)):
            slow = [(m.span(), m.groupdict()) for m in pattern.finditer(text)]
            fast = [(m.span(), m.groupdict()) for m in N._matches(pattern, text, starts, memo)]
            assert fast == slow, (i, text)
            found[i] += len(slow)
    assert min(found) > 50, found


def test_sentence_with_the_reversed_text_matches_rfind():
    stops = "。；;！!？?\n"
    for text in _slotted(_SLOTS, 300, seed=31) + ["", "。", "ab"]:
        rev = text[::-1]
        for start in range(len(text) + 1):
            end = min(len(text), start + 3)
            left = max(text.rfind(ch, 0, start) for ch in stops) + 1
            rights = [i for i in (text.find(ch, end) for ch in stops) if i != -1]
            plain = (left, min(rights) if rights else len(text))
            assert N._sentence(text, start, end, rev) == plain
            assert N._sentence(text, start, end) == plain


@pytest.mark.parametrize(
    ("text", "is_part"),
    [
        # real Pingtan sentences (128, 137, 126, 121): parts of the total, not the total
        ("各乡镇主动公开政府信息122条，占28.7%。", True),
        ("主动公开政府信息的主要类别有：机构职能类信息612条。", True),
        ("我局主动公开政府信息的类别主要包括：工作信息42条，其他类别信息9条。", True),
        ("其他应主动公开的信息1796条。", True),
        ("主动公开和依申请公开的政府信息共468条。", True),
        # one unit among others (128-134) and a subset named by a qualifier (150, 151)
        ("2011年县政府公开办主动公开信息数为62条，其他主动公开信息量较大部门是县教育局。", True),
        ("全文电子化的主动公开信息数共57条，为民办实事类信息13条。", True),
        # the total itself
        ("2017年度，主动公开政府信息733条。", False),
        ("全年主动公开各类政府信息1234条，同比增长5%。", False),
        ("全年主动公开政府信息128条，其中政策文件6条。", False),
    ],
)
def test_parts_of_the_proactive_total_are_marked(text: str, is_part: bool) -> None:
    df = find_numbers(text)
    rows = df[df.quantity == "proactive_items"]
    assert len(rows) == 1, df
    assert bool(rows.iloc[0].is_part) is is_part


def test_the_applicant_and_three_year_counts_are_not_this_years_requests() -> None:
    # pingtan/145: 申请人 is the applicant of a reconsideration, not a request received
    assert found("被申请人并未收到申请人查询号为5113591155221的材料。") == []
    # pingtan/121: a three-year count is marked cumulative (not compared with the year's)
    df = find_numbers("近3年共受理信息公开申请2件，均按时答复。")
    assert df.quantity.tolist() == ["applications_received"] and bool(df.iloc[0].is_cumulative)


def test_a_negation_about_some_requests_only_is_a_part() -> None:
    """ "No request received concerned withheld information" says nothing of how many
    requests came in (pingtan/142 received 2): the negation is a part, not compared; a
    plain negation, and one whose clause ends before 涉及, stays a whole count of 0."""
    got = find_numbers("2017年我局没有收到申请公开的信息涉及“不予公开”的。")
    assert got[["quantity", "value", "is_negation", "is_part"]].values.tolist() == [
        ["applications_received", 0.0, True, True]
    ]
    for text in ("本年度未收到政府信息公开申请，涉及的工作均正常开展。", "今年未收到公开申请。"):
        got = find_numbers(text)
        assert got["is_part"].tolist() == [False] and got["value"].tolist() == [0.0]
