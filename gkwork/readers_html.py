"""Read a published HTML report page into a :class:`~gkwork.model.Document`.

``Document.text`` is the decoded HTML source, so every offset points into what was published.
Tables come from the lxml tree (rowspan/colspan expanded, copies marked ``is_copy``); each cell
is then located in the source by a small tokenizer that maps decoded text back to source offsets
(entities map to the entity's start). ``plain`` is the visible text: block elements on their own
lines, table rows as one line with cells separated by TAB.

Safety: lxml's HTML parser with ``no_network=True``; scripts are never run (their content is
skipped); the parser does not resolve external entities (an HTML parser has none to resolve).

Examples
--------
>>> doc = read_html("<table><tr><td>规章</td><td>12</td></tr></table>".encode(), "x.html")
>>> cell = doc.grids[0].rows[0][1]
>>> doc.text[cell.start:cell.end]
'12'
"""

from __future__ import annotations

import codecs
import html as _html
import logging
import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass

import lxml.html
from lxml import etree

from gkwork.errors import FileFormatError, Reason
from gkwork.model import Document, Grid, GridCell

log = logging.getLogger("gkwork")

__all__ = ["read_html", "decode_html", "is_numeric_cell", "normalize_label", "parse_portal_meta"]

#: Elements whose content is page chrome, not report content.
CHROME_TAGS = frozenset({"script", "style", "nav", "header", "footer", "noscript", "template"})
#: Elements whose content the tokenizer skips as raw text (never parsed as markup).
_RAWTEXT = frozenset({"script", "style", "textarea", "title", "xmp", "noembed", "noframes"})
#: Elements that start a new line in ``plain``.
_BLOCK_TAGS = frozenset(
    "p div br h1 h2 h3 h4 h5 h6 li ul ol table tr section article blockquote pre hr dl dt dd "
    "form center caption thead tbody tfoot main aside figure figcaption address".split()
)
_WS = " \t\n\r\f\v\xa0\u3000"
#: Tags that :func:`_build_plain` acts on (any other tag leaves ``plain`` as it is).
_PLAIN_TAGS = CHROME_TAGS | _BLOCK_TAGS | {"table", "tr", "td", "th"}
_NONWS_RE = re.compile("[^" + re.escape(_WS) + "]+")
_WS_DELETE = str.maketrans("", "", _WS)
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};?)")
_NUMERIC_RE = re.compile(
    r"^[+\-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?(万元|元|件|条|项|个|次|人次|人|篇|%)?$"
)
_CJK = r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}]) | (?=[{_CJK}])")

#: Portal metadata labels -> Document.meta keys (domain.md §7).
PORTAL_KEYS: dict[str, str] = {
    "索引号": "index_no",
    "发布机构": "publisher",
    "发布单位": "publisher",
    "成文日期": "written_date",
    "发布日期": "published_date",
    "发文字号": "doc_no",
    "文号": "doc_no",
    "主题分类": "topic",
}
_META_RE = re.compile(r"(" + "|".join(sorted(PORTAL_KEYS, key=len, reverse=True)) + r")\s*[:：]\s*")
_DATE_RE = re.compile(r"(\d{4})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})\s*日?")


# ---------------------------------------------------------------------------------------------
# Small helpers shared by the structured readers


def is_numeric_cell(text: str) -> bool:
    """True when a cell's text is a number, optionally with a unit (``'12'``, ``'251000元'``)."""
    t = unicodedata.normalize("NFKC", text)
    t = "".join(t.split())
    return bool(_NUMERIC_RE.match(t))


def normalize_label(text: str) -> str:
    """Whitespace-normalised cell text: runs collapse to one space; spaces next to CJK vanish.

    >>> normalize_label(" 本年新\\n 制作数量 ")
    '本年新制作数量'
    """
    t = " ".join(text.replace("\xa0", " ").replace("\u3000", " ").split())
    return _SPACE_NEAR_CJK.sub("", t)


def _iso_date(value: str) -> str:
    m = _DATE_RE.search(value)
    if not m:
        return value
    y, mo, d = (int(x) for x in m.groups())
    return f"{y:04d}-{mo:02d}-{d:02d}"


def parse_portal_meta(plain: str) -> dict[str, str]:
    """Read a portal metadata block (索引号, 发布机构, 成文日期, ...) from plain text.

    Parameters
    ----------
    plain : str
        Plain text where table rows are lines of TAB-separated cells.

    Returns
    -------
    dict
        Keys among ``index_no``, ``publisher``, ``written_date``, ``published_date``,
        ``doc_no``, ``topic``; dates as ``YYYY-MM-DD`` when they parse. The first
        occurrence of each label wins.

    Examples
    --------
    >>> parse_portal_meta("索引号：\\t330803-042/2021-46930\\t发布日期：2021年2月3日")
    {'index_no': '330803-042/2021-46930', 'published_date': '2021-02-03'}
    """
    found: dict[str, str] = {}
    for line in plain.split("\n"):
        cells = line.split("\t")
        for i, cell in enumerate(cells):
            matches = list(_META_RE.finditer(cell))
            for j, m in enumerate(matches):
                key = PORTAL_KEYS[m.group(1)]
                if key in found:
                    continue
                stop = matches[j + 1].start() if j + 1 < len(matches) else len(cell)
                value = cell[m.end() : stop].strip(_WS)
                if not value and j + 1 == len(matches) and i + 1 < len(cells):
                    nxt = cells[i + 1]
                    if not _META_RE.search(nxt):
                        value = nxt.strip(_WS)
                if key.endswith("_date"):
                    value = _iso_date(value)
                found[key] = value
    return found


# ---------------------------------------------------------------------------------------------
# Decoding


def _declared_charset(head: bytes) -> str | None:
    """The charset declared by ``<meta charset>`` or ``http-equiv`` in the first bytes."""
    try:
        root = lxml.html.fromstring(
            head.decode("latin-1"), parser=lxml.html.HTMLParser(no_network=True)
        )
    except (etree.ParserError, ValueError):
        return None
    for meta in root.iter("meta"):
        cs = meta.get("charset")
        if cs:
            return cs.strip()
        if (meta.get("http-equiv") or "").lower() == "content-type":
            content = meta.get("content") or ""
            for part in content.split(";"):
                k, _, v = part.partition("=")
                if k.strip().lower() == "charset" and v.strip():
                    return v.strip().strip("'\"")
    return None


def decode_html(data: bytes) -> tuple[str, str]:
    """Decode HTML bytes: BOM, then ``<meta charset>``, then charset-normalizer.

    Returns
    -------
    text, encoding : str, str
        ``encoding`` is the Python codec name used (e.g. ``'utf-8'``, ``'gbk'``).

    Raises
    ------
    FileFormatError
        ``decode_failed`` when no encoding decodes the bytes.
    """
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, errors="replace"), enc
    declared = _declared_charset(data[:4096])
    candidates: list[str] = []
    if declared:
        try:
            name = codecs.lookup(declared).name
            candidates.append(name)
            if name in ("gb2312", "gbk"):
                candidates.append("gb18030")
        except LookupError:
            log.debug("unknown declared charset %r", declared)
    for name in candidates:
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            continue
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise FileFormatError(
            Reason.DECODE_FAILED,
            f"HTML bytes are not UTF-8 and the declared charset {declared!r} does not decode them; "
            "charset detection found no encoding; re-save the page as UTF-8",
        )
    return str(best), codecs.lookup(best.encoding).name


# ---------------------------------------------------------------------------------------------
# Source tokenizer: decoded text with a map back to source offsets


@dataclass(slots=True)
class _Tag:
    name: str
    is_end: bool
    start: int  # source offset of '<'
    end: int  # source offset after '>'
    dpos: int  # position in the decoded stream where the tag occurs


@dataclass
class _Scan:
    decoded: str
    dstart: list[int]  # source start of each decoded char
    dend: list[int]  # source end of each decoded char
    tags: list[_Tag]


#: The body of a tag as :func:`_tag_end` reads it: a quote right after ``=`` (spaces allowed
#: between) opens a quoted value; an unclosed quote there stops the match short of ``>``.
_TAG_BODY = r"""(?:[^>=]++|=\s*+(?:"[^"]*+"|'[^']*+'|(?!["'])))*+"""
_TAG_BODY_RE = re.compile(_TAG_BODY)
#: The next '<' in the source: a comment, a declaration/PI, a tag with an ASCII name (with its
#: '>' when the body regex reaches it), or anything else (a literal '<' or a non-ASCII name).
_TOKEN_RE = re.compile(r"<(?:(!--)|([!?])|(/?)([A-Za-z][\w\-:]*+)" + _TAG_BODY + r"(>)?|)")
_TAG_NAME_RE = re.compile(r"[\w\-:]*")
_RAWTEXT_CLOSE = {name: re.compile("</" + re.escape(name), re.IGNORECASE) for name in _RAWTEXT}


def _tag_end(src: str, i: int) -> int:
    """Offset after the '>' that closes the tag starting at ``i`` (quotes after '=' respected).

    When the tag runs to the end of the source, or a quote after '=' is never closed, the
    first '>' after ``i`` closes it (end of source if there is none).
    """
    j = _TAG_BODY_RE.match(src, i + 1).end()
    if j < len(src) and src[j] == ">":
        return j + 1
    close = src.find(">", i + 1)
    return len(src) if close < 0 else close + 1


def _scan(src: str) -> _Scan:
    """Tokenize the source: decoded text chars with their source spans, and the tags."""
    out: list[str] = []  # decoded text, in runs
    ds: list[int] = []
    de: list[int] = []
    tags: list[_Tag] = []
    n = len(src)
    i = 0
    text_start = 0
    n_out = 0  # len("".join(out))
    find = src.find
    entity_match = _ENTITY_RE.match
    unescape = _html.unescape

    def flush(upto: int) -> None:
        nonlocal n_out
        k = text_start
        while k < upto:
            amp = find("&", k, upto)
            stop = upto if amp < 0 else amp
            if stop > k:
                out.append(src[k:stop])
                ds.extend(range(k, stop))
                de.extend(range(k + 1, stop + 1))
                n_out += stop - k
            if amp < 0:
                break
            m = entity_match(src, amp, upto)
            decoded = unescape(m.group(0)) if m else "&"
            if not m or decoded == m.group(0):
                out.append("&")
                ds.append(amp)
                de.append(amp + 1)
                n_out += 1
                k = amp + 1
                continue
            end = m.end()
            out.append(decoded)
            nd = len(decoded)
            ds.extend([amp] * nd)
            de.extend([end] * nd)
            n_out += nd
            k = end

    token = _TOKEN_RE.search
    while i < n:
        t = token(src, i)
        if t is None:
            break
        lt = t.start()
        comment, decl, slash, ascii_name, gt = t.groups()
        if comment is not None:  # <!-- comment -->
            flush(lt)
            close = find("-->", lt + 4)
            i = text_start = n if close < 0 else close + 3
            continue
        if decl is not None:  # <!DOCTYPE ...>, <?pi ...?>
            flush(lt)
            i = text_start = _tag_end(src, lt)
            continue
        if ascii_name is not None:  # a tag with an ASCII name
            is_end = slash == "/"
            name = ascii_name.lower()
            end = t.end() if gt is not None else _tag_end(src, lt)
        else:  # a literal '<', or a tag whose name starts with a non-ASCII letter
            is_end = src[lt + 1 : lt + 2] == "/"
            k = lt + 2 if is_end else lt + 1
            if k >= n or not src[k].isalpha():
                i = lt + 1  # a literal '<'
                continue
            name = src[k : _TAG_NAME_RE.match(src, k + 1).end()].lower()
            end = _tag_end(src, lt)
        if text_start < lt:
            flush(lt)
        tags.append(_Tag(name, is_end, lt, end, n_out))
        i = text_start = end
        if not is_end and name in _RAWTEXT:
            m_close = _RAWTEXT_CLOSE[name].search(src, end)
            i = text_start = n if m_close is None else m_close.start()
    flush(n)
    return _Scan("".join(out), ds, de, tags)


# ---------------------------------------------------------------------------------------------
# Plain text


def _layout_cells(tags: list[_Tag]) -> set[int]:
    """Indices (in ``tags``) of td/th that hold page layout rather than a value.

    A cell is a layout cell when it contains a nested table, a heading, or five or more
    block elements; inside it, block elements start new lines in ``plain``.
    """
    layout: set[int] = set()
    counts: dict[int, int] = {}
    frames: list[list[int | None]] = [[None]]
    for k, tag in enumerate(tags):
        frame = frames[-1]
        name = tag.name
        if name == "table":
            if not tag.is_end:
                if frame[0] is not None:
                    layout.add(frame[0])
                frames.append([None])
            elif len(frames) > 1:
                frames.pop()
        elif name in ("td", "th"):
            frame[0] = None if tag.is_end else k
            if not tag.is_end:
                counts[k] = 0
        elif name == "tr":
            frame[0] = None
        elif not tag.is_end and frame[0] is not None:
            if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
                layout.add(frame[0])
            elif name in _BLOCK_TAGS and name != "br":
                counts[frame[0]] += 1
                if counts[frame[0]] >= 5:
                    layout.add(frame[0])
    return layout


def _build_plain(scan: _Scan) -> tuple[str, list[int]]:
    """Visible text with block elements on their own lines and table rows TAB-joined."""
    layout_cells = _layout_cells(scan.tags)
    chars: list[str] = []
    pmap: list[int] = []
    pending_space: int | None = None
    skip_depth = 0
    skip_stack: list[str] = []
    ctx: list[dict[str, int]] = [{"in_cell": 0, "cells": 0}]
    tags = scan.tags
    ti = 0
    dec = scan.decoded

    def newline(at: int) -> None:
        nonlocal pending_space
        pending_space = None
        while chars and chars[-1] == " ":
            chars.pop()
            pmap.pop()
        if chars and chars[-1] != "\n":
            chars.append("\n")
            pmap.append(at)

    def handle(k: int, tag: _Tag) -> None:
        nonlocal skip_depth, pending_space
        name = tag.name
        if name in CHROME_TAGS and name not in _RAWTEXT:
            if not tag.is_end:
                skip_depth += 1
                skip_stack.append(name)
            elif skip_stack and name in skip_stack:
                while skip_stack:
                    skip_depth -= 1
                    if skip_stack.pop() == name:
                        break
            return
        if skip_depth:
            return
        top = ctx[-1]
        if name == "table":
            newline(tag.start)
            if tag.is_end:
                if len(ctx) > 1:
                    ctx.pop()
            else:
                ctx.append({"in_cell": 0, "cells": 0})
            return
        if name == "tr":
            newline(tag.start)
            top["cells"] = 0
            top["in_cell"] = 0
            return
        if name in ("td", "th"):
            if tag.is_end:
                top["in_cell"] = 0
                return
            top["cells"] += 1
            top["in_cell"] = 0 if k in layout_cells else 1
            pending_space = None
            if top["cells"] > 1:
                while chars and chars[-1] == " ":
                    chars.pop()
                    pmap.pop()
                chars.append("\t")
                pmap.append(tag.start)
            return
        if name in _BLOCK_TAGS:
            if top["in_cell"]:
                if name != "br" and chars and chars[-1] not in "\t\n ":
                    pending_space = pending_space if pending_space is not None else tag.start
                return
            newline(tag.start)

    dstart = scan.dstart
    nonws = _NONWS_RE.finditer

    def text(a: int, b: int) -> None:
        """Add the decoded chars ``dec[a:b]``: whitespace runs become one pending space."""
        nonlocal pending_space
        if b - a <= 8:  # short runs (often a lone newline between tags): char by char
            for k in range(a, b):
                ch = dec[k]
                if ch in _WS:
                    if pending_space is None and chars and chars[-1] not in "\n\t":
                        pending_space = dstart[k]
                    continue
                if pending_space is not None:
                    chars.append(" ")
                    pmap.append(pending_space)
                    pending_space = None
                chars.append(ch)
                pmap.append(dstart[k])
            return
        prev = a
        for m in nonws(dec, a, b):
            s, e = m.span()
            if s > prev and pending_space is None and chars and chars[-1] not in "\n\t":
                pending_space = dstart[prev]
            if pending_space is not None:
                chars.append(" ")
                pmap.append(pending_space)
                pending_space = None
            chars.extend(dec[s:e])
            pmap.extend(dstart[s:e])
            prev = e
        if b > prev and pending_space is None and chars and chars[-1] not in "\n\t":
            pending_space = dstart[prev]

    pos = 0
    n_tags = len(tags)
    while ti < n_tags:
        tag = tags[ti]
        if tag.name not in _PLAIN_TAGS:  # handle() would do nothing with it
            ti += 1
            continue
        if tag.dpos > pos:
            if not skip_depth:
                text(pos, tag.dpos)
            pos = tag.dpos
        handle(ti, tag)
        ti += 1
    if pos < len(dec) and not skip_depth:
        text(pos, len(dec))
    while ti < len(tags):
        handle(ti, tags[ti])
        ti += 1
    while chars and chars[-1] in " \n":
        chars.pop()
        pmap.pop()
    return "".join(chars), pmap


# ---------------------------------------------------------------------------------------------
# Tables


class _Compact:
    """The decoded text without whitespace, for finding cell text with whitespace in between.

    ``text[i]`` is the decoded char at ``index[i]``; a match of a whitespace-free string in
    ``text`` is a match in the decoded text with any whitespace between its chars.
    """

    __slots__ = ("index", "text")

    def __init__(self, dec: str) -> None:
        index: list[int] = []
        parts: list[str] = []
        for m in _NONWS_RE.finditer(dec):
            s, e = m.span()
            parts.append(m.group())
            index.extend(range(s, e))
        self.text = "".join(parts)
        self.index = index


def _find_flex(compact: _Compact, chars: str, lo: int, hi: int) -> tuple[int, int] | None:
    """First match of ``chars`` (no whitespace) in ``dec[lo:hi]`` allowing whitespace between."""
    index = compact.index
    p = compact.text.find(chars, bisect_left(index, lo), bisect_left(index, hi))
    if p < 0:
        return None
    return index[p], index[p + len(chars) - 1] + 1


def _in_chrome(el: etree._Element) -> bool:
    return any(a.tag in CHROME_TAGS for a in el.iterancestors())


def _cell_text(td: etree._Element) -> str:
    return "".join(td.itertext())


def _owners(root: etree._Element) -> dict[etree._Element, etree._Element]:
    """The nearest enclosing table of every tr/td/th inside a table."""
    owner: dict[etree._Element, etree._Element] = {}
    for table in root.iter("table"):  # document order: inner tables overwrite outer ones
        for el in table.iter("tr", "td", "th"):
            owner[el] = table
    return owner


def _locate_cells(
    cells: list[etree._Element], nested: set[etree._Element], src: str, scan: _Scan
) -> dict[etree._Element, GridCell]:
    """Source span of every td/th (raw, start, end, text)."""
    opens = [t for t in scan.tags if not t.is_end and t.name in ("td", "th")]
    aligned = len(opens) == len(cells)
    if not aligned:
        log.debug(
            "html: %d td tags in source vs %d parsed cells; locating by search",
            len(opens),
            len(cells),
        )
    located: dict[etree._Element, GridCell] = {}
    dec = scan.decoded
    n_dec = len(dec)
    dstart = scan.dstart
    compact_dec = _Compact(dec)
    pos = 0
    for i, td in enumerate(cells):
        if aligned:
            lo = max(pos, opens[i].dpos) if i else opens[i].dpos
            hi = opens[i + 1].dpos if i + 1 < len(opens) else n_dec
            anchor_src = opens[i].end
        else:
            lo, hi = pos, n_dec
            anchor_src = dstart[lo] if lo < n_dec else len(src)
        if td in nested:
            located[td] = GridCell(raw="", start=anchor_src, end=anchor_src, text="")
            continue
        full = _cell_text(td)
        compact = full.translate(_WS_DELETE)
        if not compact:
            # blank (&nbsp; or empty): zero-width span at the first decoded char of the cell
            at = dstart[lo] if lo < hi else anchor_src
            located[td] = GridCell(raw="", start=at, end=at, text="")
            continue
        text = normalize_label(full)
        hit = _find_flex(compact_dec, compact, lo, hi)
        if hit is None and aligned:
            hit = _find_flex(compact_dec, compact, lo, n_dec)
        if hit is None:
            log.debug("html: cell text %r not found in source after %d", compact[:20], lo)
            located[td] = GridCell(raw="", start=anchor_src, end=anchor_src, text=text)
            continue
        p, q = hit
        start, end = dstart[p], scan.dend[q - 1]
        located[td] = GridCell(raw=src[start:end], start=start, end=end, text=text)
        pos = q
    return located


def _expand(
    table: etree._Element,
    trs: list[etree._Element],
    located: dict[etree._Element, GridCell],
) -> list[list[GridCell]]:
    """Full grid of a table: rowspan/colspan expanded, copies marked ``is_copy``."""
    grid: dict[tuple[int, int], GridCell] = {}
    n_cols = 0
    n_rows = len(trs)
    for r, tr in enumerate(trs):
        c = 0
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            try:
                rs = max(1, min(int(td.get("rowspan", "1") or 1), n_rows - r))
            except ValueError:
                rs = 1
            try:
                cs = max(1, min(int(td.get("colspan", "1") or 1), 1000))
            except ValueError:
                cs = 1
            base = located[td]  # rowspan=colspan=1, not a copy; used by this table only
            if rs == 1 and cs == 1:
                grid[(r, c)] = base
            else:
                raw, start, end, text = base.raw, base.start, base.end, base.text
                grid[(r, c)] = GridCell(raw, start, end, text, rs, cs, False)
                for dr in range(rs):
                    for dc in range(cs):
                        if dr or dc:
                            grid[(r + dr, c + dc)] = GridCell(raw, start, end, text, rs, cs, True)
            c += cs
            n_cols = max(n_cols, c)
    rows: list[list[GridCell]] = []
    for r in range(n_rows):
        row = [grid[(r, c)] for c in range(n_cols) if (r, c) in grid]
        rows.append(row)
    return rows


def _table_grids(root: etree._Element, src: str, scan: _Scan) -> list[Grid]:
    cells = list(root.iter("td", "th"))
    nested: set[etree._Element] = set()
    for inner in root.iter("table"):
        for anc in inner.iterancestors("td", "th"):
            nested.add(anc)
    located = _locate_cells(cells, nested, src, scan)
    owner = _owners(root)
    own_cells: dict[etree._Element, list[etree._Element]] = {}
    own_rows: dict[etree._Element, list[etree._Element]] = {}
    for el, table in owner.items():  # insertion order is document order
        (own_rows if el.tag == "tr" else own_cells).setdefault(table, []).append(el)
    grids: list[Grid] = []
    for table in root.iter("table"):
        if _in_chrome(table):
            continue
        own = own_cells.get(table, [])
        if not any(td not in nested and is_numeric_cell(located[td].label) for td in own):
            continue  # layout or metadata table: no numbers of its own
        rows = _expand(table, own_rows.get(table, []), located)
        spans = [located[td] for td in own if located[td].end > located[td].start]
        start = min((c.start for c in spans), default=0)
        end = max((c.end for c in spans), default=0)
        grids.append(
            Grid(
                rows=rows,
                start=start,
                end=end,
                layout="html_table",
                extra={"n_nested": len(table.findall(".//table"))},
            )
        )
    grids.sort(key=lambda g: g.start)
    return grids


# ---------------------------------------------------------------------------------------------


def read_html(data: bytes, path: str) -> Document:
    """Read an HTML report page.

    Parameters
    ----------
    data : bytes
        The page as published (any encoding; BOM, ``<meta charset>``, then detection).
    path : str
        Where it came from (recorded in the Document).

    Returns
    -------
    Document
        ``text`` = decoded source; ``grids`` = tables with numeric cells of their own (layout
        and metadata tables dropped, chrome removed); ``plain``/``plain_map`` = visible text
        and its source offsets; ``meta`` = portal metadata (``index_no``, ``publisher``,
        ``written_date``, ``published_date``, ``doc_no``) plus ``title``.

    Raises
    ------
    FileFormatError
        ``empty_file`` for empty input, ``decode_failed`` when the bytes cannot be decoded,
        ``corrupt_file`` when lxml cannot parse the page.
    """
    if not data.strip():
        raise FileFormatError(Reason.EMPTY_FILE, f"{path}: the HTML file is empty")
    text, encoding = decode_html(data)
    # etree's HTML parser builds the same tree as lxml.html's without its Python-level element
    # class lookup (HtmlElement proxies), which costs a Python call per element touched.
    parser = etree.HTMLParser(
        encoding="utf-8", no_network=True, remove_comments=True, remove_pis=True
    )
    try:
        root = etree.fromstring(text.encode("utf-8", "surrogatepass"), parser)
        if root is None:  # as lxml.html.document_fromstring reports it
            raise etree.ParserError("Document is empty")
    except (etree.ParserError, ValueError) as exc:
        raise FileFormatError(
            Reason.CORRUPT_FILE, f"{path}: not a parseable HTML page ({exc}); check the file"
        ) from exc
    scan = _scan(text)
    plain, plain_map = _build_plain(scan)
    grids = _table_grids(root, text, scan)
    meta: dict[str, object] = parse_portal_meta(plain)
    title_el = root.find(".//title")
    if title_el is not None and (title_el.text or "").strip():
        meta["title"] = normalize_label(title_el.text)
    doc = Document(
        path=path,
        format="html",
        text=text,
        encoding=encoding,
        grids=grids,
        layout="html_table",
        plain=plain,
        plain_map=plain_map,
        meta=meta,
    )
    if not plain.strip():
        doc.status = "empty"
        doc.error = f"{Reason.EMPTY_FILE.value}: the HTML page has no visible text"
    return doc
