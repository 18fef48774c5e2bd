"""The regex-based HTML source scanner against a char-by-char reference.

``gkwork.readers_html`` scans the source with regular expressions and builds ``plain`` run by
run; the reference implementations below are the straightforward per-character versions they
replaced. Both must give the same decoded text, source offsets and tags on awkward inputs
(unclosed quotes, entities, comments, raw-text elements, literal '<'), and the grids and
plain text read from written pages must keep their offsets into the source.
"""

from __future__ import annotations

import html as _html
import re

import pytest
from fixtures_docs import PORTAL_META, report_blocks

from gkwork import readers_html as rh
from gkwork.writers import write_html


def _ref_tag_end(src: str, i: int) -> int:
    n = len(src)
    j = i + 1
    after_eq = False
    while j < n:
        c = src[j]
        if c == ">":
            return j + 1
        if c == "=":
            after_eq = True
        elif after_eq and c in "\"'":
            close = src.find(c, j + 1)
            if close < 0:
                break
            j = close
            after_eq = False
        elif not c.isspace():
            after_eq = False
        j += 1
    close = src.find(">", i + 1)
    return n if close < 0 else close + 1


def _ref_scan(src: str):
    out: list[str] = []
    ds: list[int] = []
    de: list[int] = []
    tags: list[tuple[str, bool, int, int, int]] = []
    n = len(src)
    i = 0
    text_start = 0

    def flush(upto: int) -> None:
        k = text_start
        while k < upto:
            amp = src.find("&", k, upto)
            stop = upto if amp < 0 else amp
            for p in range(k, stop):
                out.append(src[p])
                ds.append(p)
                de.append(p + 1)
            if amp < 0:
                break
            m = rh._ENTITY_RE.match(src, amp, upto)
            decoded = _html.unescape(m.group(0)) if m else "&"
            if not m or decoded == m.group(0):
                out.append("&")
                ds.append(amp)
                de.append(amp + 1)
                k = amp + 1
                continue
            for ch in decoded:
                out.append(ch)
                ds.append(amp)
                de.append(m.end())
            k = m.end()

    while i < n:
        lt = src.find("<", i)
        if lt < 0:
            break
        nxt = src[lt + 1 : lt + 2]
        if src.startswith("<!--", lt):
            flush(lt)
            close = src.find("-->", lt + 4)
            i = text_start = n if close < 0 else close + 3
            continue
        if nxt in ("!", "?"):
            flush(lt)
            i = text_start = _ref_tag_end(src, lt)
            continue
        is_end = nxt == "/"
        k = lt + 2 if is_end else lt + 1
        if k >= n or not src[k].isalpha():
            i = lt + 1
            continue
        m = k
        while m < n and (src[m].isalnum() or src[m] in "-:_"):
            m += 1
        name = src[k:m].lower()
        flush(lt)
        end = _ref_tag_end(src, lt)
        tags.append((name, is_end, lt, end, len(out)))
        i = text_start = end
        if not is_end and name in rh._RAWTEXT:
            m_close = re.compile("</" + re.escape(name), re.IGNORECASE).search(src, end)
            i = text_start = n if m_close is None else m_close.start()
    flush(n)
    return "".join(out), ds, de, tags


def _ref_find_flex(dec: str, chars: str, lo: int, hi: int):
    p = dec.find(chars[0], lo, hi)
    while p != -1:
        last = p
        ok = True
        for c in chars[1:]:
            q = last + 1
            while q < hi and dec[q] in rh._WS:
                q += 1
            if q >= hi or dec[q] != c:
                ok = False
                break
            last = q
        if ok:
            return p, last + 1
        p = dec.find(chars[0], p + 1, hi)
    return None


AWKWARD = [
    "",
    "plain text, no tags",
    "<p>a &amp; b &bogus; &#12345; &#x4e00; &nbsp;&ampx & c</p>",
    "<td a='>'>1</td><td b=\">\">2</td><td c = '>' >3</td>",
    '<a x="b>c" y=\'unclosed >tail',
    '<a x="b>c"',
    "<a x=  'un>closed",
    '<a q="x>y" z=  \'un>closed',
    "<a q='x>y' z=\"un>closed",
    "<a x=>y>z",
    '<a x=="q>">r',
    '<a "quoted>" b>c',
    "<!-- <td>1</td> --><td>2</td><!-- unclosed",
    "<!DOCTYPE html><?xml version='1.0'?><p>x</p>",
    "<script>var a = '<td>9</td>';</SCRIPT><td>1</td>",
    "<textarea><b>x</b></textarea><title>t",
    "a < b <3 </ c <> <1 </1 <ü>x</ü> <Ü-x:y_z>y",
    "<TD ROWSPAN=2>1</TD><td\n>\u3000 2\xa0</td>",
    "<p>unterminated <b",
    "<br/><br /><hr>",
    # the bulk tokenizer's stops: raw-text tags in any case, a '<' inside an attribute value,
    # a lower-casing that changes the length, a literal '<' after bulk-read tags
    "<p>a</p><SCRIPT>x<p>y</p></script><Title>t</TITLE><p>b</p>",
    "<p>x</p><a title='<!x'>y</a><p>z</p>",
    "<p>\u0130</p><script>s</script><p>1</p>",
    "<p>1</p><p>a < b</p><td>2</td>",
    "<td>1</td><scriptx>2</scriptx><style/>3</style><td>&amp;4&nbsp;</td><xmp><b>5</xmp>",
]


@pytest.mark.parametrize("src", AWKWARD)
def test_scan_matches_reference(src):
    scan = rh._scan(src)
    ref = _ref_scan(src)
    got = (
        scan.decoded,
        scan.dstart,
        scan.dend,
        list(scan.tags),  # (name, is_end, start, end, dpos)
    )
    assert got == ref
    for i in range(len(src) + 1):
        assert rh._tag_end(src, i) == _ref_tag_end(src, i)


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
@pytest.mark.parametrize("template", ["gov2019", "gov2021"])
def test_written_page_scan_and_cells(template, encoding):
    data = write_html(report_blocks(template), encoding=encoding, portal_meta=PORTAL_META)
    doc = rh.read_html(data, f"{template}.html")
    scan = rh._scan(doc.text)
    ref = _ref_scan(doc.text)
    assert scan.decoded == ref[0] and scan.dstart == ref[1] and scan.dend == ref[2]
    compact = rh._Compact(scan.decoded)
    dec = scan.decoded
    for grid in doc.grids:
        for row in grid.rows:
            for cell in row:
                assert doc.text[cell.start : cell.end] == cell.raw
                word = cell.raw.translate(rh._WS_DELETE)
                if word and "<" not in word and "&" not in word:
                    for lo in (0, len(dec) // 2):
                        got = rh._find_flex(compact, word, lo, len(dec))
                        assert got == _ref_find_flex(dec, word, lo, len(dec))
    assert len(doc.plain_map) == len(doc.plain)
    for i, ch in enumerate(doc.plain):
        if ch not in " \t\n":
            assert doc.text[doc.plain_map[i] :].startswith(ch) or doc.text[
                doc.plain_map[i]
            ].startswith("&")


def _ref_parse_portal_meta(plain: str) -> dict[str, str]:
    """``parse_portal_meta`` reading every line (the reader skips lines without a label)."""
    found: dict[str, str] = {}
    for line in plain.split("\n"):
        cells = line.split("\t")
        for i, cell in enumerate(cells):
            matches = list(rh._META_RE.finditer(cell))
            for j, m in enumerate(matches):
                key = rh.PORTAL_KEYS[m.group(1)]
                if key in found:
                    continue
                stop = matches[j + 1].start() if j + 1 < len(matches) else len(cell)
                value = cell[m.end() : stop].strip(rh._WS)
                if not value and j + 1 == len(matches) and i + 1 < len(cells):
                    nxt = cells[i + 1]
                    if not rh._META_RE.search(nxt):
                        value = nxt.strip(rh._WS)
                if key.endswith("_date"):
                    value = rh._iso_date(value)
                found[key] = value
    return found


def test_portal_meta_matches_reference():
    import random

    rng = random.Random(7)
    atoms = [
        "索引号",
        "发布机构",
        "文号",
        "发文字号",
        "成文日期",
        "：",
        ":",
        " ",
        "\t",
        "\n",
        "2021年2月3日",
        "x",
        "规章",
        "发布日期：",
        "\u3000",
    ]
    for _ in range(2000):
        plain = "".join(rng.choice(atoms) for _ in range(rng.randint(0, 30)))
        assert rh.parse_portal_meta(plain) == _ref_parse_portal_meta(plain)


def test_layout_cells_fast_matches_reference():
    """The regex over layout codes finds the same layout cells as the tag-by-tag loop."""
    import random

    rng = random.Random(11)
    names = ["table", "td", "th", "tr", "p", "div", "br", "h2", "li", "nav", "script", "hr"]
    srcs = list(AWKWARD)
    for _ in range(3000):
        tags = [(rng.choice(names), rng.random() < 0.4) for _ in range(rng.randint(0, 40))]
        srcs.append("".join(f"<{'/' if e else ''}{n}>x" for n, e in tags))
    for src in srcs:
        scan = rh._scan(src)
        ptags, code = rh._plain_tags(scan)
        assert ptags == [t for t in scan.tags if t[0] in rh._PLAIN_TAGS]
        assert len(code) == len(ptags)
        assert rh._layout_cells_fast(code) == rh._layout_cells(ptags), src
