"""The fast paths of the text parser give exactly what the plain code gives."""

from __future__ import annotations

import pickle
import random
import unicodedata

from gkwork import layouts as L
from gkwork import meta as M
from gkwork import templates as T
from gkwork.model import Grid, GridCell, _new_grid_cell


def _random_texts(alphabet: str, n: int, max_len: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, max_len))) for _ in range(n)]


def test_new_grid_cell_is_a_grid_cell():
    for args in [("x", 1, 2, None), ("", 5, 5, None), ("本年 新", 0, 4, "本年新")]:
        fast, slow = _new_grid_cell(*args), GridCell(*args)
        assert type(fast) is GridCell
        assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
        assert pickle.dumps(fast) == pickle.dumps(slow)


# full-width forms, ideographic space, NBSP, combining marks, half-width voiced marks, jamo
_NFKC_ALPHABET = (
    "中文信息公开本年增/减（）：，。、 \u3000\u00a0\t\n"
    "ＡＢ１２３ｶﾞ\uff9e\uff9f\u0301\u0308\u3099\u309a\u1100\u1161\u11a8가㈠①ﬁ\uf900\u2460e"
)


def test_nfkc_matches_unicodedata():
    for text in _random_texts(_NFKC_ALPHABET, 5000, 25, seed=7):
        assert T._nfkc(text) == unicodedata.normalize("NFKC", text), repr(text)


_HEAD_ALPHABET = "\n\n\t （(）)、.．一二三十 \u3000a总体情况主动公开收费统计表问题|"


def test_head_matches_equal_finditer():
    for text in _random_texts(_HEAD_ALPHABET, 5000, 40, seed=3):
        fast = [(m.span(), m.groupdict()) for m in M._head_matches(text)]
        slow = [(m.span(), m.groupdict()) for m in M._HEAD_RE.finditer(text)]
        assert fast == slow, text


def test_split_title_hint_is_necessary():
    alphabet = "\n \u3000某某区2020年度政府信息公开工作报告，"
    for text in _random_texts(alphabet, 5000, 40, seed=5):
        if M._SPLIT_TITLE_RE.search(text):
            assert M._SPLIT_TITLE_HINT_RE.search(text), text


def test_split_cells_keep_spans():
    text = " 规章 |  30\u3000| |本年\n新|\t"
    cells = L._split_cells(text, 0, len(text), "|")
    assert [c.raw for c in cells] == ["规章", "30", "", "本年\n新", ""]
    for c in cells:
        assert text[c.start : c.end] == c.raw
    assert cells[3].text == "本年新" and cells[0].text is None


# ---------------------------------------------------------------------------------------------
# find_grids: the cached, inlined layout code against a plain rendition of the same rules


def _plain_cell(text, a, b):
    seg = text[a:b]
    raw = seg.strip(L._WS)
    lead = len(seg) - len(seg.lstrip(L._WS)) if raw != seg else 0
    label = L._WS_RE.sub("", raw)
    return GridCell(raw, a + lead, a + lead + len(raw), label if label != raw else None)


def _plain_split(text, a, b, sep):
    cells, start = [], a
    for part in text[a:b].split(sep):
        cells.append(_plain_cell(text, start, start + len(part)))
        start += len(part) + 1
    return cells


def _plain_find_grids(text, st=L.DEFAULT_SETTINGS):
    lines, pos = [], 0
    for part in text.split("\n"):
        lines.append((pos, pos + len(part)))
        pos += len(part) + 1
    if lines and lines[-1][0] >= len(text):
        lines.pop()
    kinds = [L._kind_of(text[a:b]) for a, b in lines]
    grids, i, n = [], 0, len(lines)
    while i < n:
        k = kinds[i]
        if k in ("pipe", "md", "mdsep"):
            j = i
            while j < n and kinds[j] in ("pipe", "md", "mdsep"):
                j += 1
            is_md, rows = "mdsep" in kinds[i:j], []
            for (a, b), kk in zip(lines[i:j], kinds[i:j], strict=True):
                if kk == "mdsep":
                    continue
                if kk == "md" and is_md:
                    row = _plain_split(text, text.index("|", a) + 1, text.rindex("|", a, b), "|")
                else:
                    row = _plain_split(text, a, b, "|")
                    if all(c.raw == "" for c in row):
                        row = []
                if row:
                    rows.append(row)
            if len(rows) >= st.min_table_rows:
                layout = "markdown" if is_md else "pipe"
                grids.append(Grid(rows, lines[i][0], lines[j - 1][1], layout))
            i = j
        elif k == "tab":
            grid, j = _plain_cell_per_line(text, lines, kinds, i, st)
            if grid is not None and len(grid.rows) >= st.min_table_rows:
                grids.append(grid)
            i = max(j, i + 1)
        elif k == "tsv":
            j = i
            while j < n and kinds[j] == "tsv":
                j += 1
            rows = [_plain_split(text, a, b, "\t") for a, b in lines[i:j]]
            if len(rows) >= st.min_table_rows:
                grids.append(Grid(rows, lines[i][0], lines[j - 1][1], "tsv"))
            i = j
        else:
            i += 1
    return grids


def _plain_cell_per_line(text, lines, kinds, i, st):
    n, rows, row, cur = len(lines), [], [], None
    start, end = lines[i]

    def is_continuation(j):
        content = text[lines[j][0] : lines[j][1]].strip(L._WS)
        if len(content) > st.max_continuation_chars or L._HEADING_RE.match(content):
            return False
        nxt = j + 1
        while nxt < n and nxt <= j + 2 and kinds[nxt] == "blank":
            nxt += 1
        return nxt < n and kinds[nxt] == "tab"

    j = i
    while j < n:
        a, b = lines[j]
        k = kinds[j]
        if k == "tab":
            if cur is not None:
                row.append(_plain_cell(text, *cur))
            cur, end, j = [a + 1, b], b, j + 1
            continue
        if k == "blank":
            nxt = j + 1
            while nxt < n and kinds[nxt] == "blank":
                nxt += 1
            if cur is not None and nxt < n and kinds[nxt] == "text" and is_continuation(nxt):
                cur[1] = end = lines[nxt][1]
                j = nxt + 1
                continue
            if cur is not None:
                row.append(_plain_cell(text, *cur))
                cur = None
            if row:
                rows.append(row)
            row = []
            j = nxt
            if nxt < n and kinds[nxt] == "tab":
                continue
            break
        if k == "text" and cur is not None:
            line = text[a:b]
            if L._HEADING_RE.match(line) and len(line.strip()) > st.max_continuation_chars:
                break
            cur[1] = end = b
            j += 1
            continue
        break
    if cur is not None:
        row.append(_plain_cell(text, *cur))
    if row:
        rows.append(row)
    return (Grid(rows, start, end, "cell_per_line") if rows else None), j


_GRID_TOKENS = [
    "\t", "\t", "|", "|", " | ", "||", "---", "|---|---|", " ", "\u3000", "\u00a0", "\ufeff",
    "规章", "30", " 0 ", "１２", "本年新", "制作数量", "科研", "机构", "一、总体情况说明文字",
    "二、", "信息内容", "总", "计", "", "\r",
]  # fmt: skip


def _random_grid_texts(n, seed):
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        lines = ["".join(rng.choice(_GRID_TOKENS) for _ in range(rng.randint(0, 6)))]
        lines += [lines[-1] if rng.random() < 0.3 else "" for _ in range(rng.randint(0, 3))]
        for _ in range(rng.randint(1, 25)):
            if rng.random() < 0.4:  # cell-per-line rows: one TAB, then text (or nothing)
                plain = [t for t in _GRID_TOKENS if "\t" not in t and "|" not in t]
                lines.append("\t" * (rng.random() < 0.8) + rng.choice(plain) + rng.choice(plain))
            else:
                lines.append("".join(rng.choice(_GRID_TOKENS) for _ in range(rng.randint(0, 6))))
        texts.append("\n".join(lines) + ("\n" if rng.random() < 0.5 else ""))
    return texts


def _grid_dump(grids):
    return [
        (
            type(g),
            g.start,
            g.end,
            g.layout,
            g.page,
            g.extra,
            [[(type(c), c) for c in r] for r in g.rows],
        )
        for g in grids
    ]


def test_find_grids_equals_plain_rules():
    texts = _random_grid_texts(4000, seed=11)
    for text in texts + texts[:500]:  # the second pass goes through the line caches
        fast, slow = L.find_grids(text), _plain_find_grids(text)
        assert _grid_dump(fast) == _grid_dump(slow), repr(text)
        for g in fast:
            for r in g.rows:
                for c in r:
                    assert text[c.start : c.end] == c.raw


# ---------------------------------------------------------------------------------------------
# extract: the remembered row choices against the per-row rules they stand for


def _label_texts(template):
    reg = T.registry()
    sel = reg[(reg["template"] == template) & (reg["axis"] == "row")]
    texts = set(sel["label_zh"])
    for aliases in sel["aliases"]:
        texts.update(a for a in aliases.split("|") if a.strip())
    texts |= {t[:3] for t in list(texts)} | {t + "(说明)" for t in list(texts)} | {"其他", "总计"}
    return sorted(texts)


def test_row_choice_equals_pick_in_order():
    from gkwork import extract as E

    for template in E._GOV:
        for text in _label_texts(template):
            for in_ad, group in [
                (False, None),
                (True, None),
                *((True, g) for g in T.groups(template)),
            ]:
                choice = E._row_choice(template, in_ad, group, text)
                if choice is E._TIED:
                    continue
                ctx = E._Ctx(template=template, report_id="r")
                best = None
                for table, tpl, cands in E._row_plan(template, in_ad, group, text):
                    m = E._pick_in_order(ctx, table, cands)
                    if m and m[1] >= E.MIN_ROW_SCORE and (best is None or m[1] > best[0]):
                        best = (m[1], table, m[0], tpl)
                    if best is not None and best[0] >= 95:
                        break
                if best is None:
                    assert choice is None, text
                else:
                    assert choice[:3] == best[1:], text  # (table, key, template)
                    assert choice[3] == E._row_order(best[3], best[1], best[2])


def test_legacy_choice_equals_pick_in_order():
    from gkwork import extract as E

    for variant in T.variants("legacy"):  # the base form and each provincial form
        for text in _label_texts("legacy"):
            choice = E._legacy_choice("legacy", text, variant)
            if choice is E._TIED:
                continue
            ctx = E._Ctx(template="legacy", report_id="r", variant=variant)
            cands = E._match("legacy", "legacy_stats", "row", text, None, variant)
            m = E._pick_in_order(ctx, "legacy_stats", cands)
            if not m or m[1] < E.MIN_ROW_SCORE:
                assert choice is None, (variant, text)
            else:
                assert choice == (
                    m[0],
                    E._legacy_is_data("legacy", m[0], variant),
                    E._row_order("legacy", "legacy_stats", m[0], variant),
                ), (variant, text)


# whitespace, quotes, zero-width, enumeration commas, characters NFKC expands (①, ㎡, ½, ﬁ),
# the 其它 -> 其他 rewrite, digits in three widths
_COMPACT_ALPHABET = (
    "其它他他 \u3000\u00a0\t\n\r“”\"'‘’「」\u200b\u200c\ufeff、,，①㎡½ﬁ１２0123.-−–"
    "本年新增收到申请数量（）()一二十％%ＡBｶﾞ\u0301…\udc80\U00020000"
)


def test_compact_matches_the_reference():
    from gkwork import recover as R

    texts = _random_texts(_COMPACT_ALPHABET, 4000, 40, seed=11)
    texts += ["", "①", "其它", "其①它", "其 它", "a\u200bb", "𠀀其它", "……"]
    for text in texts:
        R._compact.cache_clear()
        assert R._compact(text) == R._compact_reference(text), repr(text)


def test_memoized_cell_tokens_match_the_reference():
    """The digit-split search memoizes token validity and values; memo hits and misses,
    specs that differ only in column or unit (same memo), and settings with another digit
    limit (another memo) all give what the uncached rules give."""
    from gkwork import recover as R

    tokens = _random_texts("0123456789.-+元万个项件条", 3000, 8, seed=5)
    specs = [
        R.CellSpec("a"),
        R.CellSpec("b", unit="件"),
        R.CellSpec("c", allow_negative=True),
        R.CellSpec("d", allow_decimal=True),
    ]
    for settings in (R.RecoverySettings(), R.RecoverySettings(max_cell_digits=3)):
        for _ in range(2):  # the second pass reads the memos
            for tok in tokens:
                for spec in specs:
                    assert R._valid(tok, spec, settings) == R._valid_reference(tok, spec, settings)
                if R._valid_reference(tok, R.CellSpec("d", allow_decimal=True), settings):
                    assert R._num(tok) == R._num_reference(tok)
