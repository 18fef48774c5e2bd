"""docs/: the data contract, its extensions and the generated reference stay true to the code.

``docs/schema.md`` is the design's contract verbatim, then what gkwork added ("Extensions made
by gkwork"); every name the code declares must be written in it. ``docs/reference.md`` is
rendered from the declarations and must match a fresh rendering.
"""

from __future__ import annotations

import re

import pytest

from gkwork import paths, templates
from gkwork.errors import REASONS, Reason
from gkwork.meta import SECTION_PATTERNS
from gkwork.model import CELL_COLUMNS, CELL_FLAGS, CHECK_COLUMNS, REPORT_COLUMNS, SECTION_COLUMNS
from gkwork.reference import REFERENCE_PATH, reference_markdown
from gkwork.validate import rule_catalog

DOCS = paths.PROJECT_ROOT / "docs"
EXTENSIONS = "\n---\n\n## Extensions made by gkwork\n"
SHARED_DOCS = paths.SHARED_DIR / "docs"


def _schema() -> str:
    return (DOCS / "schema.md").read_text(encoding="utf-8")


def _contract_and_extensions() -> tuple[str, str]:
    text = _schema()
    assert EXTENSIONS in text, "docs/schema.md lost its 'Extensions made by gkwork' section"
    contract, ext = text.split(EXTENSIONS, 1)
    return contract.split("-->\n\n", 1)[1], ext


def test_reference_matches_the_declarations():
    assert REFERENCE_PATH.read_text(encoding="utf-8") == reference_markdown(), (
        "docs/reference.md is stale: run `make docs` and commit it"
    )


@pytest.mark.parametrize("name", ["schema.md", "domain.md"])
def test_design_documents_are_kept_verbatim(name):
    if not (SHARED_DOCS / name).exists():
        pytest.skip(f"../shared/docs/{name} is absent: the verbatim copy cannot be compared")
    shared = (SHARED_DOCS / name).read_text(encoding="utf-8")
    if name == "schema.md":
        ours = _contract_and_extensions()[0]
        assert ours == shared.rstrip("\n") + "\n", "docs/schema.md changed the contract above"
    else:
        ours = (DOCS / name).read_text(encoding="utf-8").split("-->\n\n", 1)[1]
        assert ours == shared, f"docs/{name} differs from ../shared/docs/{name}"


def _named(text: str, names) -> list[str]:
    return [
        n for n in names if f"`{n}`" not in text and not re.search(rf"\b{re.escape(n)}\b", text)
    ]


def test_every_name_the_code_declares_is_in_the_contract():
    text = _schema()
    undocumented = {
        "rule IDs": _named(text, rule_catalog()["id"]),
        "reports columns": _named(text, REPORT_COLUMNS),
        "cells columns": _named(text, CELL_COLUMNS),
        "sections columns": _named(text, SECTION_COLUMNS),
        "checks columns": _named(text, CHECK_COLUMNS),
        "cell flags": _named(text, CELL_FLAGS),
        "section keys": _named(text, SECTION_PATTERNS),
        "reason codes": _named(text, [r.value for r in Reason]),
        "template variants": _named(
            text, [v for t in templates.TEMPLATE_KEYS for v in templates.variants(t) if v]
        ),
    }
    undocumented = {k: v for k, v in undocumented.items() if v}
    assert not undocumented, f"add these to docs/schema.md (Extensions): {undocumented}"


def test_the_contract_names_exist_in_the_code():
    contract, _ = _contract_and_extensions()
    rule_table = contract.split("## Rule IDs that must exist", 1)[1]
    ids = re.findall(r"^\| `([a-z_.]+)` \|", rule_table, flags=re.M)
    assert len(ids) == 11
    assert not set(ids) - set(rule_catalog()["id"])
    meta = contract.split("## Report metadata", 1)[1].split("##", 1)[0]
    listed = re.sub(r"\([^)]*\)", "", meta.split("\n\n", 1)[1]).replace("\n", " ")
    columns = [c.strip(" .") for c in listed.split(",")]
    assert [c for c in REPORT_COLUMNS if c != "template_variant"] == columns
    assert templates.cols("gov2019", "review_litigation") == re.findall(
        r"`(\w+)` \(", contract.split("Columns: ", 1)[1].split("\n\n", 1)[0]
    )


def test_every_reason_code_says_what_it_means():
    assert set(REASONS) == set(Reason)
    assert all(len(REASONS[r]) > 20 for r in Reason)
