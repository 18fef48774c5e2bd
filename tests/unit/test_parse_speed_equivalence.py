"""The fast paths of the text parser give exactly what the plain code gives."""

from __future__ import annotations

import pickle
import random
import unicodedata

from gkwork import layouts as L
from gkwork import meta as M
from gkwork import templates as T
from gkwork.model import GridCell, _new_grid_cell


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
