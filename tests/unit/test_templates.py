"""Tests of the template registry (gkwork/data/templates/*.csv) and gkwork.templates.

Like PUDL's metadata tests: the registry is data, so we test the data itself (cell counts,
key syntax, uniqueness, labels) as well as the loader and the label matcher.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from gkwork import templates as T
from gkwork.errors import GkworkError, TemplateError

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "data" / "raw" / "seeds"
GOLDEN = REPO / "tests" / "golden"
SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")

# domain.md §5.6 (completeness): expected numeric cells per table.
CELL_COUNTS = {
    "gov2019": {"active_disclosure": 22, "applications": 161, "review_litigation": 15},
    "gov2021": {"active_disclosure": 10, "applications": 175, "review_litigation": 15},
}

# schema.md row keys, per table and template.
SCHEMA_APP_ROWS_COMMON = [
    "new_received",
    "carried_over",
    "granted",
    "partially_granted",
    "withheld_state_secret",
    "withheld_prohibited_by_law",
    "withheld_security_stability",
    "withheld_third_party",
    "withheld_internal_affairs",
    "withheld_process_info",
    "withheld_enforcement_file",
    "withheld_admin_inquiry",
    "unavailable_not_held",
    "unavailable_needs_creation",
    "unavailable_unclear",
    "not_processed_petition",
    "not_processed_duplicate",
    "not_processed_publication",
    "not_processed_excessive",
    "not_processed_confirmation",
]
SCHEMA_APP_ROWS = {
    "gov2019": [*SCHEMA_APP_ROWS_COMMON, "other", "total_processed", "carried_forward"],
    "gov2021": [
        *SCHEMA_APP_ROWS_COMMON,
        "other_no_correction",
        "other_no_fee",
        "other_other",
        "total_processed",
        "carried_forward",
    ],
}
SCHEMA_APP_COLS = [
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
    "total",
]
SCHEMA_ACTIVE = {
    "gov2019": {
        "regulations": ["new_made", "new_published", "total_published"],
        "normative_documents": ["new_made", "new_published", "total_published"],
        "licensing": ["prev_count", "change", "decisions"],
        "other_services": ["prev_count", "change", "decisions"],
        "penalty": ["prev_count", "change", "decisions"],
        "coercion": ["prev_count", "change", "decisions"],
        "fees": ["prev_count", "change"],
        "procurement": ["items", "amount"],
    },
    "gov2021": {
        "regulations": ["issued", "repealed", "in_force"],
        "normative_documents": ["issued", "repealed", "in_force"],
        "licensing": ["decisions"],
        "penalty": ["decisions"],
        "coercion": ["decisions"],
        "fees": ["amount_10k_yuan"],
    },
}


def _seed(prefix: str) -> Path:
    found = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not found:
        pytest.skip(f"seed {prefix} not found under {SEEDS}")
    return found[0]


# ------------------------------------------------------------------------- registry as data


def test_registry_has_all_templates_and_columns():
    reg = T.registry()
    assert list(reg.columns) == ["variant", *T.REGISTRY_COLUMNS]
    base = reg[reg["variant"] == ""]
    assert set(base["template"]) == {"gov2019", "gov2021", "legacy"}
    for template, tables in T.TABLES.items():
        assert set(base.loc[base["template"] == template, "table"]) == set(tables)
    assert set(reg["axis"]) <= set(T.AXES)


def test_registry_returns_a_copy():
    reg = T.registry()
    reg.loc[:, "label_zh"] = "x"
    assert T.registry()["label_zh"].ne("x").all()


@pytest.mark.parametrize("template", ["gov2019", "gov2021"])
def test_cell_counts_match_domain(template):
    cells = T.expected_cells(template)
    counts = cells.groupby("table", sort=False).size().to_dict()
    assert counts == CELL_COUNTS[template]
    assert list(cells.columns) == [
        "table",
        "row",
        "col",
        "unit",
        "allow_negative",
        "allow_decimal",
    ]
    assert not cells.duplicated(["table", "row", "col"]).any()
    assert list(dict.fromkeys(cells["table"])) == list(T.TABLES[template])


def test_keys_are_snake_case_and_unique():
    reg = T.registry()
    bad = reg[~reg["key"].str.fullmatch(SNAKE.pattern)]
    assert bad.empty, f"keys must be ASCII snake_case; rename {bad['key'].tolist()}"
    dup = reg[reg.duplicated(["variant", "template", "table", "axis", "group", "key"], keep=False)]
    assert dup.empty, f"duplicate keys within (template, table, axis, group): {dup['key'].tolist()}"
    orders = reg[reg.duplicated(["variant", "template", "table", "axis", "group", "order"])]
    assert orders.empty, f"duplicate order values: {orders[['key', 'order']].values.tolist()}"


def test_every_line_has_both_labels_and_a_source():
    reg = T.registry()
    for col in ("label_zh", "label_en", "source"):
        missing = reg[reg[col].str.strip() == ""]
        assert missing.empty, f"{col} missing for keys {missing['key'].tolist()}"
    # label_en is English: no CJK characters
    cjk = reg[reg["label_en"].str.contains(r"[\u4e00-\u9fff]")]
    assert cjk.empty, cjk["key"].tolist()


def test_official_labels_use_full_width_punctuation():
    reg = T.registry()
    half = reg[reg["label_zh"].str.contains(r"[(),:]")]
    assert half.empty, f"half-width punctuation in official labels: {half['label_zh'].tolist()}"


def test_flags_and_parents_are_consistent():
    reg = T.registry()
    for col in ("is_data", "allow_negative", "allow_decimal"):
        assert set(reg[col]) <= {0, 1}
    neg = reg[reg["allow_negative"] == 1]
    assert set(zip(neg["table"], neg["axis"], neg["key"], strict=True)) == {
        ("active_disclosure", "col", "change")
    }
    # every parent is the label of another line of the same template/table
    for (template, table), sub in reg.groupby(["template", "table"]):
        labels = set(sub["label_zh"])
        orphans = sorted(set(sub["parent"]) - labels - {""})
        assert not orphans, f"{template}.{table}: parents without a line: {orphans}"


@pytest.mark.parametrize("template", ["gov2019", "gov2021"])
def test_schema_keys_exist(template):
    assert T.rows(template, "applications") == SCHEMA_APP_ROWS[template]
    assert T.cols(template, "applications") == SCHEMA_APP_COLS
    assert T.rows(template, "review_litigation") == [
        "review",
        "litigation_direct",
        "litigation_after_review",
    ]
    assert T.cols(template, "review_litigation") == [
        "upheld",
        "corrected",
        "other",
        "pending",
        "total",
    ]
    assert T.rows(template, "active_disclosure") == list(SCHEMA_ACTIVE[template])
    for row, expected in SCHEMA_ACTIVE[template].items():
        assert T.cols(template, "active_disclosure", row=row) == expected


def test_groups_and_captions():
    assert T.groups("gov2019") == ["item1", "item5", "item6", "item8", "item9"]
    assert T.groups("gov2021") == ["item1", "item5", "item6", "item8"]
    assert T.groups("gov2019", "applications") == []
    assert T.label("gov2019", "active_disclosure", "caption", "item9") == "第二十条第（九）项"
    assert T.match_label("gov2019", "active_disclosure", "caption", "第(八)项") == [
        ("item8", 100.0)
    ]
    assert T.spec("gov2021", "active_disclosure", "row", "penalty")["group"] == "item6"


def test_units_and_flags_of_cells():
    c19 = T.expected_cells("gov2019").set_index(["table", "row", "col"])
    assert c19.loc[("active_disclosure", "procurement", "amount"), "unit"] == ""
    assert bool(c19.loc[("active_disclosure", "procurement", "amount"), "allow_decimal"])
    assert c19.loc[("active_disclosure", "procurement", "items"), "unit"] == "件"
    assert bool(c19.loc[("active_disclosure", "penalty", "change"), "allow_negative"])
    assert not bool(c19.loc[("active_disclosure", "penalty", "decisions"), "allow_negative"])
    assert (c19.xs("applications")["unit"] == "件").all()
    c21 = T.expected_cells("gov2021").set_index(["table", "row", "col"])
    fee = c21.loc[("active_disclosure", "fees", "amount_10k_yuan")]
    assert fee["unit"] == "万元" and bool(fee["allow_decimal"])
    assert not c21["allow_negative"].any()
    assert T.label("gov2021", "active_disclosure", "col", "amount_10k_yuan") == (
        "本年收费金额（单位：万元）"
    )
    assert T.expected_cells("none").empty


def test_labels_and_spec():
    assert T.label("gov2019", "applications", "row", "carried_over") == (
        "二、上年结转政府信息公开申请数量"
    )
    assert T.label("gov2019", "applications", "col", "total", lang="en") == "Total"
    sp = T.spec("gov2021", "applications", "row", "other_no_fee")
    assert sp["parent"] == "（六）其他处理"
    assert sp["unit"] == "件" and sp["is_data"] == 1 and isinstance(sp["order"], int)
    assert (
        T.spec("gov2019", "applications", "col", "legal_service_org")["parent"] == "法人或其他组织"
    )
    assert (
        T.spec("gov2019", "review_litigation", "row", "litigation_direct")["parent"] == "行政诉讼"
    )
    for row in ("withheld_state_secret", "withheld_admin_inquiry"):
        assert T.spec("gov2019", "applications", "row", row)["parent"] == "（三）不予公开"
    assert T.spec("gov2019", "applications", "row", "granted")["parent"] == "三、本年度办理结果"


def test_truth_files_use_registry_keys():
    for path in sorted(GOLDEN.glob("*_truth.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))
        template = truth["meta"]["template"]
        if template not in ("gov2019", "gov2021"):
            continue
        for table, body in truth["tables"].items():
            if table not in T.TABLES[template]:
                continue
            for row, values in body.items():
                assert row in T.rows(template, table), (path.name, table, row)
                for col in values:
                    assert col in T.cols(template, table, row=row), (path.name, table, row, col)


# ------------------------------------------------------------------------------ legacy


def _seed_001_rows() -> list[tuple[str, str]]:
    lines = _seed("001").read_text(encoding="utf-8").splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("统 计 指 标"))
    end = next(i for i, ln in enumerate(lines) if ln.startswith("单位负责人"))
    out = []
    for ln in lines[start + 1 : end]:
        cells = [c.strip() for c in ln.split("|")]
        out.append((cells[0], cells[1]))
    return out


def test_legacy_indicator_counts():
    assert len(T.rows("legacy", "legacy_stats")) == 77
    all_rows = T.rows("legacy", "legacy_stats", data_only=False)
    assert len(all_rows) == 84
    headings = [r for r in all_rows if T.spec("legacy", "legacy_stats", "row", r)["is_data"] == 0]
    assert len(headings) == 7
    assert all(T.spec("legacy", "legacy_stats", "row", r)["unit"] == "——" for r in headings)
    assert T.cols("legacy", "legacy_stats") == ["value"]
    cells = T.expected_cells("legacy")
    assert len(cells) == 77
    assert set(cells.loc[cells["allow_decimal"], "row"]) == {"fees_collected", "special_funding"}


def test_legacy_seed_labels_match_in_sequence():
    """Every 统计表 label of seed 001 matches exactly one key, in registry order, with its unit."""
    seed_rows = _seed_001_rows()
    assert len(seed_rows) == 84
    expected = T.rows("legacy", "legacy_stats", data_only=False)
    matched: list[str] = []
    heading = ""  # latest level-1 label (一、… 九、) seen, to resolve duplicated labels
    for text, unit in seed_rows:
        top = [k for k, s in T.match_label("legacy", "legacy_stats", "row", text) if s == 100]
        assert top, f"no exact match for {text!r}"
        if len(top) > 1:
            ranked = T.match_label("legacy", "legacy_stats", "row", text, parent=heading)
            parents = [T.spec("legacy", "legacy_stats", "row", k)["parent"] for k, _ in ranked]
            n_parent = sum(T.normalize_label(p) == T.normalize_label(heading) for p in parents)
            assert n_parent == 1, f"{text!r} under {heading!r} is ambiguous: {ranked}"
            top = [ranked[0][0]]
        key = top[0]
        matched.append(key)
        assert T.spec("legacy", "legacy_stats", "row", key)["unit"] == unit, (text, key)
        if re.match(r"^[一二三四五六七八九]、", text):
            heading = text
    assert matched == expected


def test_legacy_data_parents_are_totals_of_their_parts():
    """Where a legacy line's parent is a data indicator, the line is a part of it (P1-P8).

    Validators may rely on this for ``legacy.part_exceeds_total``; lines that merely sit under
    a heading (e.g. 制发规范性文件总数, not a subset of 主动公开政府信息数) point to the heading.
    """
    reg = T.registry()
    leg = reg[(reg["template"] == "legacy") & (reg["axis"] == "row") & (reg["variant"] == "")]
    by_label = dict(zip(leg["label_zh"], leg["key"], strict=True))
    data = set(leg.loc[leg["is_data"] == 1, "key"])
    pairs = {
        (k, by_label[p])
        for k, p in zip(leg["key"], leg["parent"], strict=True)
        if p and by_label[p] in data
    }
    parents = {p for _, p in pairs}
    assert parents == {
        "proactive_items_total",
        "press_conferences",
        "online_interviews",
        "requests_received",
        "requests_completed",
        "replies_total",
        "reply_refused",
        "request_topics_total",
        "review_total",
        "litigation_total",
        "staff_total",
    }
    assert ("normative_docs_issued", "proactive_items_total") not in pairs
    assert T.spec("legacy", "legacy_stats", "row", "normative_docs_issued")["parent"] == (
        "一、主动公开情况"
    )
    assert sum(p == "reply_refused" for _, p in pairs) == 6
    assert sum(p == "request_topics_total" for _, p in pairs) == 18


def test_legacy_duplicate_labels_have_distinct_keys():
    hits = T.match_label("legacy", "legacy_stats", "row", "(二)被依法纠错数")
    assert {k for k, _ in hits} == {"review_corrected", "litigation_corrected"}
    first = T.match_label(
        "legacy", "legacy_stats", "row", "(二)被依法纠错数", parent="五、行政诉讼数量"
    )
    assert first[0] == ("litigation_corrected", 100.0)
    assert T.spec("legacy", "legacy_stats", "row", "refusal_state_secret")["parent"] == (
        "4.不同意公开答复数"
    )


# ------------------------------------------------------------------------------ matching


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("（三）不予公开：", "(三)不予公开"),
        ("3.危及“三安全一稳定”", "3.危及三安全一稳定"),
        ('3.危及"三安全一稳定"', "3.危及三安全一稳定"),
        ("社会 稳定\u00a0\u3000\n", "社会稳定"),
        ("18.其它", "18.其他"),
        ("危及国家安全、公共安全，经济安全,社会稳定", "危及国家安全,公共安全,经济安全,社会稳定"),
        ("本年新\n制作数量", "本年新制作数量"),
        ("０１２", "012"),
        ("", ""),
    ],
)
def test_normalize_label(text, expected):
    assert T.normalize_label(text) == expected


def test_match_truncated_header():
    hits = T.match_label("gov2019", "active_disclosure", "col", "本年新")
    assert hits == [("new_made", 80.0), ("new_published", 80.0)]
    # a single letter is too short to be a cut-off header
    assert T.match_label("gov2019", "active_disclosure", "col", "本") == []


def test_match_provincial_extensions():
    assert T.match_label(
        "gov2019", "active_disclosure", "row", "规章(设区的市、自治州人民政府应提供相关数据)"
    ) == [("regulations", 95.0)]
    hits = T.match_label(
        "gov2019",
        "active_disclosure",
        "col",
        "本年增/减(指2020年增加或减少的事项数,减用负值表示,如-8)",
    )
    assert hits[0] == ("change", 95.0)


def test_match_half_width_and_quotes():
    # (三)不予公开 is a merged group cell: a header line, and the parent of withheld_* rows
    assert T.match_label("gov2019", "applications", "header", "(三)不予公开") == [
        ("withheld", 100.0)
    ]
    ranked = T.match_label(
        "gov2019", "applications", "row", "1.属于国家秘密", parent="(三)不予公开"
    )
    assert ranked[0] == ("withheld_state_secret", 100.0)
    assert T.match_label("gov2019", "applications", "row", '3.危及"三安全一稳定"') == [
        ("withheld_security_stability", 100.0)
    ]
    assert T.match_label(
        "gov2019", "applications", "row", "(二)部分公开(区分处理的,只计这一情形,不计其他情形)"
    )[0] == ("partially_granted", 100.0)


def test_match_parent_disambiguates_numbered_items():
    # "1." items repeat under (三)(四)(五); a bare "3." label is resolved by the parent
    hits = T.match_label(
        "gov2019", "applications", "row", "3.要求提供公开出版物", parent="(五)不予处理"
    )
    assert hits[0] == ("not_processed_publication", 100.0)


def test_match_2021_labels_with_comma():
    text = "1.申请人无正当理由逾期不补正，行政机关不再处理其政府信息公开申请"
    assert T.match_label("gov2021", "applications", "row", text)[0] == (
        "other_no_correction",
        100.0,
    )
    text = "2.申请人逾期未按收费通知要求缴纳费用，行政机关不再处理其政府信息公开申请"
    assert T.match_label("gov2021", "applications", "row", text)[0] == ("other_no_fee", 100.0)
    assert T.match_label("gov2021", "applications", "row", "1.申请人无正当理由逾期不补正")[0] == (
        "other_no_correction",
        100.0,
    )
    assert T.match_label("gov2021", "applications", "row", "3.其它")[0] == ("other_other", 100.0)
    # the 2019 single row does not exist in 2021
    assert "other" not in dict(T.match_label("gov2021", "applications", "row", "(六)其他处理"))


def test_match_normative_documents_both_names():
    for template in ("gov2019", "gov2021"):
        for text in ("规范性文件", "行政规范性文件"):
            hits = T.match_label(template, "active_disclosure", "row", text)
            assert hits[0] == ("normative_documents", 100.0), (template, text)


def test_match_fuzzy_ocr_confusion():
    # OCR confusion (申 read as 甲): still above the fuzzy cut-off, below exact
    hits = T.match_label("gov2019", "applications", "row", "一、本年新收政府信息公开甲请数量")
    assert hits and hits[0][0] == "new_received" and 85 <= hits[0][1] < 100


def test_match_short_labels_are_not_found_inside_longer_text():
    # 其他 (other_org) must not match the group header 法人或其他组织
    assert T.match_label("gov2019", "applications", "col", "法人或其他组织") == []
    assert T.match_label("gov2019", "applications", "header", "法人或其他组织")[0][0] == (
        "legal_person_or_org"
    )
    assert T.match_label("gov2019", "applications", "col", "其 他")[0] == ("other_org", 100.0)


def test_match_does_not_confuse_item_numbers_or_short_words():
    hits = T.match_label("gov2019", "active_disclosure", "caption", "第二十条第(一)项")
    assert hits == [("item1", 100.0)]
    assert T.match_label("gov2019", "active_disclosure", "caption", "第二十条第(七)项") == []
    # 其他 (other_org) is a prefix of other words, which are not extensions of it
    assert T.match_label("gov2019", "applications", "col", "其他结果") == []
    assert T.match_label("gov2019", "applications", "col", "其他对外管理服务事项") == []
    assert T.match_label("gov2019", "applications", "col", "总计(件)") == [("total", 95.0)]
    # a different enumerator style still finds the item
    assert T.match_label("gov2019", "applications", "row", "(1)予以公开") == [("granted", 95.0)]


@pytest.mark.parametrize("text", ["完全无关的文字", "", "   ", "12345", "x"])
def test_match_nonsense_returns_empty(text):
    assert T.match_label("gov2019", "applications", "row", text) == []


def test_match_group_filter():
    hits = T.match_label("gov2019", "active_disclosure", "col", "处理决定数量", group="item6")
    assert hits == [("decisions", 100.0)]
    assert T.match_label("gov2019", "active_disclosure", "col", "处理决定数量", group="item9") == []


# ------------------------------------------------------------------------------ signatures


def test_detect_signatures_on_seeds():
    for path in sorted(GOLDEN.glob("*_truth.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))
        seed = SEEDS / truth["file"]
        if not seed.exists():
            pytest.skip(f"seed {seed} missing")
        found = T.detect_signatures(seed.read_text(encoding="utf-8"))
        template = truth["meta"]["template"]
        if template == "none":
            assert found == {}, (path.name, found)
        else:
            assert set(found) == {template}, (path.name, found)


def test_detect_signatures_combinations():
    assert T.detect_signatures("统 计 指 标 | 单位 | 年度累计数") == {
        "legacy": ["统计指标+年度累计数"]
    }
    assert T.detect_signatures("统计指标 only") == {}
    found = T.detect_signatures("第二十条第（九）项\n本年新\n制作数量")
    assert found == {"gov2019": ["本年新制作数量", "第二十条第(九)项"]}
    mixed = T.detect_signatures("本年制发件数 … 上一年项目数量")
    assert set(mixed) == {"gov2019", "gov2021"}


def test_signature_file_names_known_forms_and_gates_only_variants():
    text = (Path(T.__file__).parent / "data" / "signatures.csv").read_text(encoding="utf-8")
    lines = list(csv.DictReader(io.StringIO(text)))
    assert lines and all(line["source"].strip() for line in lines)
    for line in lines:
        template, variant = line["template"], line["variant"]
        assert template in T.TEMPLATE_KEYS and template != "none", line
        if variant:  # the variant a signature identifies is a form of the registry
            assert any(v.startswith(variant) for v in T.variants(template)), line
        assert line["gates_variant"] in {"0", "1"}, line
        assert line["gates_variant"] == "0" or variant in T.variants(template), line
    # the loaded constants are the file, each template's signatures in its order
    by_template: dict[str, list[tuple[str, ...]]] = {}
    for line in lines:
        by_template.setdefault(line["template"], []).append(tuple(line["signature"].split("+")))
    assert {t: list(v) for t, v in T.SIGNATURES.items()} == by_template
    assert set(T.VARIANT_SIGNATURES) == {
        (line["template"], line["variant"]) for line in lines if line["gates_variant"] == "1"
    }
    assert T.variants_in("legacy", "指标名称 计量单位 本年度 历年累计")[-1] != "fujian_yearend"


# ------------------------------------------------------------------------------ errors


def test_template_error_lists_allowed_values():
    with pytest.raises(TemplateError) as exc:
        T.rows("gov2020", "applications")
    assert str(exc.value) == (
        "template must be one of gov2019, gov2021, legacy, none; got 'gov2020'"
    )
    assert isinstance(exc.value, GkworkError) and isinstance(exc.value, ValueError)
    with pytest.raises(TemplateError, match="active_disclosure, applications, review_litigation"):
        T.rows("gov2019", "legacy_stats")
    with pytest.raises(TemplateError, match="row, col, caption, header; got 'column'"):
        T.validate_key("gov2019", "applications", "column")
    with pytest.raises(TemplateError, match="natural_person, commercial_enterprise.*got 'person'"):
        T.validate_key("gov2019", "applications", "col", "person")
    with pytest.raises(TemplateError, match="has no tables"):
        T.rows("none", "applications")
    with pytest.raises(TemplateError, match="variant of template legacy"):
        T.rows("legacy", "legacy_stats", variant="atlantis")
    with pytest.raises(TemplateError, match="not in group"):
        T.label("gov2019", "active_disclosure", "col", "decisions", group="item9")
    with pytest.raises(TemplateError, match="lang must be one of zh, en"):
        T.label("gov2019", "applications", "row", "granted", lang="fr")
    T.validate_key("legacy", "legacy_stats", "row", "staff_total")  # no error


def test_variant_files_are_loaded(tmp_path, monkeypatch):
    base = T.registry()
    base = base[base["variant"] == ""]
    legacy = base[base["template"] == "legacy"].drop(columns="variant")
    extra = legacy[legacy["key"] != "trainees"]
    folder = tmp_path / "templates"
    folder.mkdir()
    for name in ("gov2019.csv", "gov2021.csv"):
        sub = base[base["template"] == name[:-4]].drop(columns="variant")
        sub.to_csv(folder / name, index=False)
    legacy.to_csv(folder / "legacy.csv", index=False)
    extra.to_csv(folder / "legacy__demo.csv", index=False)
    monkeypatch.setattr(T, "_template_dir", lambda: folder)
    T.clear_cache()
    try:
        assert T.variants("legacy") == ["", "demo"]
        assert "trainees" not in T.rows("legacy", "legacy_stats", variant="demo")
        assert "trainees" in T.rows("legacy", "legacy_stats")
        # a variant file replaces the tables it defines
        assert len(T.expected_cells("legacy", variant="demo")) == 76
        assert set(T.registry()["variant"]) == {"", "demo"}
    finally:
        monkeypatch.undo()
        T.clear_cache()
    assert "demo" not in T.variants("legacy")
    assert T.variants("legacy")[0] == ""


# ------------------------------------------------------------------------------ glossary


def test_glossary():
    g = T.glossary()
    assert list(g.columns) == ["term_zh", "pinyin", "term_en", "note"]
    assert len(g) >= 50
    assert not g["term_zh"].duplicated().any()
    assert (g["term_en"].str.strip() != "").all() and (g["pinyin"].str.strip() != "").all()
    terms = dict(zip(g["term_zh"], g["term_en"], strict=True))
    assert terms["依申请公开"] == "disclosure on request"
    assert terms["主动公开"] == "proactive disclosure"
    assert "reconsideration" in terms["行政复议"]
    assert isinstance(g, pd.DataFrame)
