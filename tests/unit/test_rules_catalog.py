"""The rule catalog (gkwork/data/rules.toml) is data: test it like metadata.

Each contract rule ID exists, each key a rule names is in its templates, each message
formats, and nothing is defined but unused.
"""

from __future__ import annotations

import string

import pytest

from gkwork import templates
from gkwork.errors import GkworkError
from gkwork.validate import (
    COMMON_KEYS,
    MESSAGE_FIELDS,
    RULE_KINDS,
    SEVERITIES,
    _format,
    rule,
    rule_catalog,
    rules,
    section_items,
)

#: schema.md "Rule IDs that must exist".
CONTRACT_IDS = {
    "app.balance",
    "app.outcome_sum",
    "app.total_column",
    "rl.total",
    "table.incomplete",
    "template.mismatch",
    "sections.missing",
    "text_table.mismatch",
    "panel.continuity",
    "value.nonnumeric",
    "legacy.part_exceeds_total",
}

#: domain.md §4.2 and §5 relations, as the issue names them.
DOMAIN_IDS = {
    "app.nonnegative",  # A4
    "app.total_missing",  # §5.0
    "rl.nonnegative",  # B4
    "ad.new_le_total",  # C1
    "ad.new_published_le_made",  # C2
    "ad.items_nonnegative",  # C3
    "ad.nonnegative",  # C4, D1
    "ad.decisions_equal_items",  # C5
    "ad.procurement_unit",  # C6
    "ad.issued_le_in_force_plus_repealed",  # D2
    "ad.fee_magnitude",  # D3
    "ad.regulations_authority",  # E1
    "panel.item_carryover",  # F2
    "panel.in_force_stock",  # F3
    "panel.published_stock",  # F4
    "legacy.received_channels",  # P1
    "legacy.completed_split",  # P2
    "legacy.staff_split",  # P3
    "legacy.replies_sum",  # P4
    "legacy.total_le_channel_sum",  # P6 upper bound
    "legacy.review_sum",  # P7
    "legacy.litigation_sum",  # P7
    "legacy.request_topics_sum",  # P8
    "legacy.nonnegative",  # P10
}

TEMPLATES = {"gov2019", "gov2021", "legacy", "none"}
ALL = rules()


def test_every_required_rule_id_exists() -> None:
    missing = sorted((CONTRACT_IDS | DOMAIN_IDS) - set(ALL))
    assert not missing, f"add these rules to gkwork/data/rules.toml: {missing}"


def test_ids_are_unique_and_catalog_has_one_row_per_rule() -> None:
    cat = rule_catalog()
    assert cat["id"].is_unique
    assert list(cat["id"]) == list(ALL)
    assert {"id", "severity", "relation", "rationale", "templates", "note"} <= set(cat.columns)


@pytest.mark.parametrize("rid", list(ALL))
def test_rule_has_its_keys(rid: str) -> None:
    r = ALL[rid]
    missing = [k for k in COMMON_KEYS if k not in r]
    assert not missing, f"rule {rid} lacks keys {missing}"
    assert r["kind"] in RULE_KINDS, f"rule {rid}: kind must be one of {sorted(RULE_KINDS)}"
    missing = [k for k in RULE_KINDS[r["kind"]] if k not in r]
    assert not missing, f"rule {rid} of kind {r['kind']} lacks keys {missing}"
    assert r["severity"] in SEVERITIES
    assert set(r["templates"]) <= TEMPLATES and r["templates"]
    assert r["relation"].strip() and r["rationale"].strip()
    assert float(r["tolerance"]) >= 0
    if "per" in r:
        assert r["per"] in ("row", "col")


@pytest.mark.parametrize("rid", list(ALL))
def test_messages_format_with_known_placeholders(rid: str) -> None:
    r = ALL[rid]
    for lang in ("en", "zh"):
        tpl = r[f"message_{lang}"]
        names = {f for _, f, _, _ in string.Formatter().parse(tpl) if f}
        assert names <= set(MESSAGE_FIELDS), f"{rid} message_{lang}: {names - set(MESSAGE_FIELDS)}"
        assert "{rule}" in tpl
        text = _format(tpl, {f: f"<{f}>" for f in MESSAGE_FIELDS})
        assert rid not in text and "<rule>" in text


def _keys_of(
    template: str, table: str, axis: str, row: str | None = None, variant: str = ""
) -> set[str]:
    if axis == "row":
        return set(templates.rows(template, table, variant=variant))
    return set(templates.cols(template, table, row=row, variant=variant))


@pytest.mark.parametrize("rid", [k for k, r in ALL.items() if r.get("table")])
def test_keys_named_by_a_rule_exist_in_its_templates(rid: str) -> None:
    r = ALL[rid]
    table = r["table"]
    tpls = [t for t in r["templates"] if t != "none"]
    for t in tpls:
        assert table in set(templates.expected_cells(t)["table"]), f"{rid}: {table} not in {t}"
    forms = _forms_of(r)  # (template, variant) the rule applies to (base forms for most)
    per = r.get("per")
    term_axis = {"col": "row", "row": "col"}.get(per or "", None)
    terms = set(r.get("left", [])) | set(r.get("right", []))
    if term_axis:
        known = set().union(*(_keys_of(t, table, term_axis, variant=v) for t, v in forms))
        assert terms <= known, f"{rid}: unknown {term_axis} keys {terms - known}"
    for row in r.get("rows", []):
        assert any(row in _keys_of(t, table, "row") for t in tpls), f"{rid}: row {row}"
        if term_axis == "col":
            for t in tpls:
                if row in _keys_of(t, table, "row"):
                    have = _keys_of(t, table, "col", row)
                    assert terms <= have, f"{rid}: row {row} of {t} lacks {terms - have}"
    for col in r.get("cols", []):
        assert any(col in _keys_of(t, table, "col", variant=v) for t, v in forms), f"{rid}: {col}"
    for part, total in r.get("pairs", []):
        for k in (part, total):
            assert any(k in _keys_of(t, table, "row") for t in tpls), f"{rid}: row {k}"


def _forms_of(r: dict) -> list[tuple[str, str]]:
    """(template, variant) of every form a rule applies to, with the rule's keys for it."""
    out = []
    for t in r["templates"]:
        if t == "none":
            continue
        for v in templates.variants(t):
            form = templates.form_name(t, v)
            if "forms" not in r or form in r["forms"]:
                out.append((t, v))
    return out


def _in_form(r: dict, t: str, v: str) -> dict:
    return {**r, **r.get("by_form", {}).get(templates.form_name(t, v), {})}


FORM_KEYS = {"left", "right", "cols", "rows", "pairs", "message_en", "message_zh"}


@pytest.mark.parametrize("rid", [k for k, r in ALL.items() if "forms" in r or "by_form" in r])
def test_forms_name_variants_of_the_rules_templates(rid: str) -> None:
    r = ALL[rid]
    known = {templates.form_name(t, v) for t in r["templates"] for v in templates.variants(t)}
    assert set(r.get("forms", [])) <= known, f"{rid}: unknown forms {set(r['forms']) - known}"
    assert set(r.get("by_form", {})) <= known, f"{rid}: unknown by_form {set(r['by_form'])}"
    if "forms" in r:
        assert set(r.get("by_form", {})) <= set(r["forms"]), f"{rid}: by_form outside forms"
    for form, keys in r.get("by_form", {}).items():
        assert set(keys) <= FORM_KEYS, f"{rid}: by_form.{form} may set {sorted(FORM_KEYS)}"


@pytest.mark.parametrize(
    "rid", [k for k, r in ALL.items() if r["kind"] in ("sum", "le", "le_pairs")]
)
def test_relations_hold_their_terms_in_every_form_they_apply_to(rid: str) -> None:
    """A relation applies to a provincial form only with terms that form has: a rule of a
    template with variants lists its forms (``forms``) or gives their terms (``by_form``)."""
    for t, v in _forms_of(ALL[rid]):
        r = _in_form(ALL[rid], t, v)
        rows = set(templates.rows(t, r["table"], variant=v))
        cols = set(templates.cols(t, r["table"], variant=v))
        for c in r.get("cols", []):
            assert c in cols, f"{rid} in form {t}/{v!r}: no column {c}"
        if r["kind"] == "le_pairs":
            terms = {k for pair in r["pairs"] for k in pair}
            assert terms <= rows, f"{rid} in form {t}/{v!r}: rows {terms - rows} absent"
            continue
        terms = set(r["left"]) | set(r["right"])
        have = rows if r["per"] == "col" else cols
        assert terms & have, f"{rid} in form {t}/{v!r}: none of its terms exist there"
        if v:  # a variant's terms are given in full
            assert terms <= have, f"{rid} in form {t}/{v!r}: terms {terms - have} absent"


def test_outcome_sum_terms_per_template_are_the_outcome_rows() -> None:
    r = ALL["app.outcome_sum"]
    not_outcomes = {"new_received", "carried_over", "total_processed", "carried_forward"}
    for t in ("gov2019", "gov2021"):
        rows = templates.rows(t, "applications")
        used = [x for x in r["right"] if x in rows]
        assert used == [x for x in rows if x not in not_outcomes], t
    assert len([x for x in r["right"] if x in templates.rows("gov2019", "applications")]) == 19
    assert len([x for x in r["right"] if x in templates.rows("gov2021", "applications")]) == 21


def test_narrative_targets_are_cells_of_their_template() -> None:
    targets = ALL["text_table.mismatch"]["targets"]
    from gkwork.narrative import QUANTITIES

    assert set(targets) == set(QUANTITIES)
    for by_tpl in targets.values():
        for form, keys in by_tpl.items():
            t, v = templates.split_form(form)
            exp = templates.expected_cells(t, variant=v)
            have = set(zip(exp["table"], exp["row"], exp["col"], strict=True))
            for k in keys:
                assert tuple(k.split("/")) in have, f"{k} not a cell of {t}"


def test_loosened_relations_say_why() -> None:
    relation_kinds = {"sum", "le", "le_pairs", "panel"}
    for rid, r in ALL.items():
        if r["kind"] in relation_kinds and r["severity"] != "error":
            assert r["note"].strip(), f"{rid} is {r['severity']}: add a note on the loosening"


def test_nothing_defined_but_unused() -> None:
    used_kinds = {r["kind"] for r in ALL.values()}
    assert used_kinds == set(RULE_KINDS), set(RULE_KINDS) ^ used_kinds
    tm = {r["total_missing_rule"] for r in ALL.values() if "total_missing_rule" in r}
    assert tm == {k for k, r in ALL.items() if r["kind"] == "total_missing"}


def test_section_items() -> None:
    assert [i["key"] for i in section_items("2019")] == [
        "proactive",
        "requests",
        "review_litigation",
        "problems",
        "other",
    ]
    assert len(section_items("2008")) == 6
    assert "fees" in {i["key"] for i in section_items("2008")}
    with pytest.raises(GkworkError, match="era must be one of"):
        section_items("2021")


def test_rule_lookup_error_lists_ids() -> None:
    assert rule("app.balance")["severity"] == "error"
    with pytest.raises(GkworkError, match="app.balance"):
        rule("app.balanse")
