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
from dataclasses import dataclass, field
from itertools import compress
from operator import itemgetter

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
_WS_CHAR_RE = re.compile("[" + re.escape(_WS) + "]")
#: Chrome elements that are not raw text: their content stays in the decoded text but is
#: hidden from ``plain``.
_CHROME_BLOCKS = CHROME_TAGS - _RAWTEXT
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
#: Cells whose rowspan/colspan attribute :func:`_expand` has to read.
_SPANNING_CELLS = etree.XPath("//td[@rowspan or @colspan] | //th[@rowspan or @colspan]")
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
_LABEL_RE = re.compile("|".join(PORTAL_KEYS))
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


def _lines_with_labels(plain: str) -> list[str]:
    """The lines of ``plain`` holding a portal label, in order (no other line has metadata)."""
    lines: list[str] = []
    line_end = -1
    for m in _LABEL_RE.finditer(plain):
        if m.start() <= line_end:  # in the line already taken
            continue
        line_start = plain.rfind("\n", 0, m.start()) + 1
        line_end = plain.find("\n", m.end())
        if line_end < 0:
            line_end = len(plain)
        lines.append(plain[line_start:line_end])
    return lines


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
    for line in _lines_with_labels(plain):
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


#: A full page to lxml.html.fromstring (it then returns the parsed document as it is).
_FULL_HTML_RE = re.compile(r"^\s*<(?:html|!doctype)", re.IGNORECASE)


def _declared_charset(head: bytes) -> str | None:
    """The charset declared by ``<meta charset>`` or ``http-equiv`` in the first bytes."""
    if b"charset" not in head.lower() and b"&" not in head:
        return None  # no charset attribute, nor a content="...charset=..." (entities aside)
    text = head.decode("latin-1")
    try:
        if _FULL_HTML_RE.match(text):
            # what lxml.html.fromstring returns for a full page, without its element classes
            root = etree.fromstring(text, etree.HTMLParser(no_network=True))
            if root is None:
                return None
        else:
            root = lxml.html.fromstring(text, parser=lxml.html.HTMLParser(no_network=True))
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

#: One tag of the source: ``(name, is_end, start, end, dpos)`` -- lower-case name, end tag or
#: not, source offset of '<', source offset after '>', position in the decoded stream where the
#: tag occurs. Plain tuples: a report page has about a thousand tags.
_Tag = tuple[str, bool, int, int, int]


@dataclass
class _Scan:
    """The decoded source: text outside tags with entities decoded, and the tags.

    ``dstart[i]`` is the source offset of decoded char ``i``. A char decoded from an entity
    maps to the entity's '&' and ends where the entity ends (``ent_end``); any other char is
    one source char, so it ends at ``dstart[i] + 1``.
    """

    decoded: str
    dstart: list[int]
    ent_end: dict[int, int]  # decoded index -> source end, for chars decoded from an entity
    tags: list[_Tag]
    #: ``(plain tags, layout code)`` from :func:`_plain_tags`, once asked for
    plain_tags: tuple[list[_Tag], bytes] | None = field(default=None, repr=False, compare=False)

    def end_of(self, i: int) -> int:
        """Source offset after decoded char ``i``."""
        end = self.ent_end.get(i)
        return self.dstart[i] + 1 if end is None else end

    @property
    def dend(self) -> list[int]:
        """Source end of every decoded char (built on demand; the reader uses :meth:`end_of`)."""
        return [self.end_of(i) for i in range(len(self.decoded))]


#: The body of a tag as :func:`_tag_end` reads it: a quote right after ``=`` (spaces allowed
#: between) opens a quoted value; an unclosed quote there stops the match short of ``>``.
_TAG_BODY = r"""(?:[^>=]++|=\s*+(?:"[^"]*+"|'[^']*+'|(?!["'])))*+"""
_TAG_BODY_RE = re.compile(_TAG_BODY)
#: The next '<' in the source: a comment, a declaration/PI, a tag with an ASCII name (with its
#: '>' when the body regex reaches it), or anything else (a literal '<' or a non-ASCII name).
_TOKEN_RE = re.compile(r"<(?:(!--)|([!?])|(/?)([A-Za-z][\w\-:]*+)" + _TAG_BODY + r"(>)?|)")
#: The same tokens split for speed: group 1 = a complete end tag's ASCII name, group 2 = a
#: complete start tag's ASCII name (these are what a page is made of); a bare '<' match is
#: everything else (comment, declaration, unterminated tag, non-ASCII name, literal '<') and is
#: re-read with :data:`_TOKEN_RE` by :func:`_slow_token`. Both find the same next '<'.
_FAST_TOKEN_RE = re.compile(
    r"</([A-Za-z][\w\-:]*+)" + _TAG_BODY + r">|<([A-Za-z][\w\-:]*+)" + _TAG_BODY + r">|<"
)
_TAG_NAME_RE = re.compile(r"[\w\-:]*")
_RAWTEXT_CLOSE = {name: re.compile("</" + re.escape(name), re.IGNORECASE) for name in _RAWTEXT}
_LITERAL, _SKIP, _TAG_TOKEN = 0, 1, 2  # kinds of token returned by _slow_token


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


def _slow_token(src: str, lt: int) -> tuple[int, str, bool, int]:
    """Read the uncommon token at ``src[lt] == '<'``: ``(kind, name, is_end, end)``.

    ``kind`` is ``_LITERAL`` (a literal '<', part of the text), ``_SKIP`` (a comment or a
    declaration/PI: no text, no tag; ``end`` is where text resumes) or ``_TAG_TOKEN``.
    """
    n = len(src)
    comment, decl, slash, ascii_name, gt = _TOKEN_RE.match(src, lt).groups()
    if comment is not None:  # <!-- comment -->
        close = src.find("-->", lt + 4)
        return _SKIP, "", False, n if close < 0 else close + 3
    if decl is not None:  # <!DOCTYPE ...>, <?pi ...?>
        return _SKIP, "", False, _tag_end(src, lt)
    if ascii_name is not None:  # an ASCII name whose '>' the body regex does not reach
        return _TAG_TOKEN, ascii_name.lower(), slash == "/", _tag_end(src, lt)
    is_end = src[lt + 1 : lt + 2] == "/"
    k = lt + 2 if is_end else lt + 1
    if k >= n or not src[k].isalpha():
        return _LITERAL, "", False, lt + 1
    name = src[k : _TAG_NAME_RE.match(src, k + 1).end()].lower()  # a non-ASCII name
    return _TAG_TOKEN, name, is_end, _tag_end(src, lt)


def _scan(src: str) -> _Scan:
    """Tokenize the source: decoded text chars with their source offsets, and the tags.

    Text between tokens is copied in runs (``list.extend(range(...))`` for the offsets); only a
    run holding '&' is decoded entity by entity. Tags are matched by :data:`_FAST_TOKEN_RE`
    and read with a few C calls each into plain tuples; anything unusual goes through
    :func:`_slow_token`. (Reading all tags with one ``findall`` and itertools running sums
    was tried: more C-level passes per tag, slower.)
    """
    out: list[str] = []  # decoded text, in runs
    ds: list[int] = []
    ent_end: dict[int, int] = {}
    tags: list[_Tag] = []
    n = len(src)
    text_start = 0
    n_out = 0  # len("".join(out))
    find = src.find
    entity_match = _ENTITY_RE.match
    unescape = _html.unescape

    def flush_entities(k: int, upto: int) -> None:
        """Append ``src[k:upto]`` (which holds '&') with entities decoded."""
        nonlocal n_out
        while k < upto:
            amp = find("&", k, upto)
            stop = upto if amp < 0 else amp
            if stop > k:
                out.append(src[k:stop])
                ds.extend(range(k, stop))
                n_out += stop - k
            if amp < 0:
                break
            m = entity_match(src, amp, upto)
            decoded = unescape(m.group(0)) if m else "&"
            if not m or decoded == m.group(0):
                out.append("&")
                ds.append(amp)
                n_out += 1
                k = amp + 1
                continue
            end = m.end()
            out.append(decoded)
            nd = len(decoded)
            ds.extend([amp] * nd)
            for d in range(n_out, n_out + nd):
                ent_end[d] = end
            n_out += nd
            k = end

    tokens = _FAST_TOKEN_RE.finditer
    i = 0
    while True:
        restart = -1  # where to search again after a token that skips source
        for m in tokens(src, i):
            lt, end = m.span()
            li = m.lastindex
            if li is None:  # not a complete ASCII-named tag
                kind, name, is_end, end = _slow_token(src, lt)
                if kind == _LITERAL:
                    continue  # the '<' stays in the text; the search goes on after it
                if kind == _SKIP:
                    if text_start < lt:
                        flush_entities(text_start, lt)
                    text_start = restart = end
                    break
                restart = end
            else:
                is_end = li == 1
                name = m.group(li).lower()
            if text_start < lt:
                if find("&", text_start, lt) < 0:  # the usual run: no entity
                    out.append(src[text_start:lt])
                    ds.extend(range(text_start, lt))
                    n_out += lt - text_start
                else:
                    flush_entities(text_start, lt)
            tags.append((name, is_end, lt, end, n_out))
            text_start = end
            if not is_end and name in _RAWTEXT:  # skip the content: it is never markup
                m_close = _RAWTEXT_CLOSE[name].search(src, end)
                text_start = restart = n if m_close is None else m_close.start()
            if restart >= 0:
                break
        if restart < 0:
            break
        i = restart
    if text_start < n:
        flush_entities(text_start, n)
    return _Scan("".join(out), ds, ent_end, tags)


# ---------------------------------------------------------------------------------------------
# Plain text


def _layout_cells(tags: list[_Tag]) -> set[int]:
    """Indices (in ``tags``) of td/th that hold page layout rather than a value.

    A cell is a layout cell when it contains a nested table, a heading, or five or more
    block elements; inside it, block elements start new lines in ``plain``. Only tags in
    ``_PLAIN_TAGS`` matter here, so ``tags`` may be just those. The reference for
    :func:`_layout_cells_fast`, which the reader uses.
    """
    layout: set[int] = set()
    counts: dict[int, int] = {}
    frames: list[list[int | None]] = [[None]]
    for k, (name, is_end, _, _, _) in enumerate(tags):
        frame = frames[-1]
        if name == "table":
            if not is_end:
                if frame[0] is not None:
                    layout.add(frame[0])
                frames.append([None])
            elif len(frames) > 1:
                frames.pop()
        elif name == "td" or name == "th":
            frame[0] = None if is_end else k
            if not is_end:
                counts[k] = 0
        elif name == "tr":
            frame[0] = None
        elif not is_end and frame[0] is not None:
            if name in _HEADINGS:
                layout.add(frame[0])
            elif name in _BLOCK_TAGS and name != "br":
                counts[frame[0]] += 1
                if counts[frame[0]] >= 5:
                    layout.add(frame[0])
    return layout


#: Layout code of a tag name (start tag; an end tag's code is this + 32, i.e. lower case):
#: T table, D td/th, R tr, H heading, B any other block but br, '.' the rest. Only T/t, D/d,
#: R/r, H and B matter to :func:`_layout_cells_fast`; 'h', 'b', 'N' (end tags) are neutral.
_START_CODE: dict[str, int] = {}
for _name in _PLAIN_TAGS:
    if _name == "table":
        _START_CODE[_name] = ord("T")
    elif _name == "td" or _name == "th":
        _START_CODE[_name] = ord("D")
    elif _name == "tr":
        _START_CODE[_name] = ord("R")
    elif _name in _HEADINGS:
        _START_CODE[_name] = ord("H")
    elif _name in _BLOCK_TAGS and _name != "br":
        _START_CODE[_name] = ord("B")
    else:
        _START_CODE[_name] = ord(".")
del _name
_TAG_NAME = itemgetter(0)
_TAG_IS_END = itemgetter(1)
_IS_CELL_OPEN = ord("D").__eq__
#: A layout cell in the code: after its 'D' and before the next T/t/D/d/R/r (which end the
#: cell's frame in :func:`_layout_cells`), a heading start, five block starts, or a nested
#: table start ('T') right at the end.
_LAYOUT_CELL_RE = re.compile(rb"D(?=[^TtDdRrH]*+[HT]|(?:[^TtDdRrB]*+B){5})")
_TABLE_CODE_RE = re.compile(rb"[Tt]")


def _plain_tags(scan: _Scan) -> tuple[list[_Tag], bytes]:
    """The tags in ``_PLAIN_TAGS`` and their layout codes, one byte per tag (cached on ``scan``).

    Built with C-level maps: the start code of the name, plus 32 for an end tag (added as two
    big integers: no byte exceeds 255, so no carry crosses bytes).
    """
    got = scan.plain_tags
    if got is None:
        tags = scan.tags
        ptags = [t for t in tags if t[0] in _PLAIN_TAGS]
        starts = bytes(map(_START_CODE.__getitem__, map(_TAG_NAME, ptags)))
        ends = bytes(map(_TAG_IS_END, ptags))  # 1 for an end tag
        code = int.from_bytes(starts, "big") + (int.from_bytes(ends, "big") << 5)
        got = scan.plain_tags = (ptags, code.to_bytes(len(ptags), "big"))
    return got


def _layout_cells_fast(code: bytes) -> set[int]:
    """:func:`_layout_cells` over the layout code of the plain tags (see :func:`_plain_tags`).

    A table end tag with no table open changes nothing in :func:`_layout_cells`, so it is made
    neutral first; then every cell's frame ends at the next T/t/D/d/R/r, and the regex finds
    the layout cells.
    """
    if b"t" in code:
        unmatched: list[int] = []
        depth = 0
        for m in _TABLE_CODE_RE.finditer(code):
            if m.group() == b"T":
                depth += 1
            elif depth:
                depth -= 1
            else:
                unmatched.append(m.start())
        if unmatched:
            fixed = bytearray(code)
            for k in unmatched:
                fixed[k] = ord(".")
            code = bytes(fixed)
    return {m.start() for m in _LAYOUT_CELL_RE.finditer(code)}


def _build_plain(scan: _Scan) -> tuple[str, list[int]]:
    """Visible text with block elements on their own lines and table rows TAB-joined.

    A whitespace run becomes one space (mapped to the run's first char), dropped at the start
    of a line or cell. ``plain`` is collected as string pieces and joined once.
    """
    dec = scan.decoded
    ptags, code = _plain_tags(scan)  # any other tag changes nothing
    layout_cells = _layout_cells_fast(code)
    ptags = [*ptags, ("", False, 0, 0, len(dec))]  # sentinel: the text after the last tag
    pieces: list[str] = []
    pmap: list[int] = []
    # The last char of plain, "" while plain is empty: ``last not in "\n\t"`` then reads
    # "plain is not empty and does not end with a line or cell break" ("" is in any string).
    # A space is only ever added right before a visible char, so plain never ends with one.
    last = ""
    pending_space: int | None = None  # source offset of a whitespace run not yet written
    skip_stack: list[str] = []  # open chrome elements (nav, header, ...): content hidden
    ctx: list[list[int]] = [[0, 0]]  # per open table: [inside a value cell, cells in the row]
    dstart = scan.dstart
    nonws = _NONWS_RE.finditer
    pos = 0  # decoded text before pos is done
    for k, (name, is_end, start, _, dpos) in enumerate(ptags):
        if dpos > pos and not skip_stack:  # add dec[pos:dpos]
            seg = dec[pos:dpos]
            core = seg.strip(_WS)
            if not core:  # whitespace only: a pending space unless at a line or cell start
                if pending_space is None and last not in "\n\t":
                    pending_space = dstart[pos]
            elif len(core.split()) == 1:  # one word (no whitespace inside), maybe padded
                a = pos + seg.index(core[0])
                if a > pos and pending_space is None and last not in "\n\t":
                    pending_space = dstart[pos]
                if pending_space is not None:
                    pieces.append(" ")
                    pmap.append(pending_space)
                b = a + len(core)
                pieces.append(core)
                pmap.extend(dstart[a:b])
                last = core[-1]
                pending_space = dstart[b] if b < dpos else None
            else:  # words and whitespace runs
                prev = pos
                for m in nonws(dec, pos, dpos):
                    s, e = m.span()
                    if s > prev and pending_space is None and last not in "\n\t":
                        pending_space = dstart[prev]
                    if pending_space is not None:
                        pieces.append(" ")
                        pmap.append(pending_space)
                        pending_space = None
                    pieces.append(dec[s:e])
                    pmap.extend(dstart[s:e])
                    last = dec[e - 1]
                    prev = e
                if dpos > prev and pending_space is None and last not in "\n\t":
                    pending_space = dstart[prev]
        pos = dpos
        if skip_stack or name in _CHROME_BLOCKS:
            if name in _CHROME_BLOCKS:
                if not is_end:
                    skip_stack.append(name)
                elif name in skip_stack:
                    while skip_stack.pop() != name:
                        pass
            continue
        top = ctx[-1]
        if name == "td" or name == "th":
            if is_end:
                top[0] = 0
                continue
            top[1] += 1
            top[0] = 0 if k in layout_cells else 1
            pending_space = None
            if top[1] > 1:
                pieces.append("\t")
                pmap.append(start)
                last = "\t"
            continue
        if name not in _BLOCK_TAGS:  # script, style (their content is not in dec), sentinel
            continue
        if top[0] and name != "table" and name != "tr":
            # a block inside a value cell separates words, not lines
            if name != "br" and last not in "\t\n " and pending_space is None:
                pending_space = start
            continue
        # table, tr, or a block outside value cells: a new line
        pending_space = None
        if last not in "\n":  # plain is not empty and does not end with a line break
            pieces.append("\n")
            pmap.append(start)
            last = "\n"
        if name == "table":
            if not is_end:
                ctx.append([0, 0])
            elif len(ctx) > 1:
                ctx.pop()
        elif name == "tr":
            top[0] = top[1] = 0
    if last == "\n":
        pieces.pop()
        pmap.pop()
    return "".join(pieces), pmap


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


class _CellDraft:
    """A mutable twin of :class:`GridCell` (same slots) for building cells fast.

    A draft is filled attribute by attribute and becomes a GridCell by ``__class__``
    assignment (Python checks that the layouts match), which skips the frozen dataclass
    ``__init__`` (one ``object.__setattr__`` per field). A page has hundreds of cells.
    """

    __slots__ = GridCell.__slots__


def _cell(
    raw: str,
    start: int,
    end: int,
    text: str,
    rowspan: int = 1,
    colspan: int = 1,
    is_copy: bool = False,
) -> GridCell:
    """``GridCell(raw, start, end, text, rowspan, colspan, is_copy)``, built fast."""
    c = object.__new__(_CellDraft)
    c.raw = raw
    c.start = start
    c.end = end
    c.text = text
    c.rowspan = rowspan
    c.colspan = colspan
    c.is_copy = is_copy
    c.__class__ = GridCell  # type: ignore[assignment]
    return c  # type: ignore[return-value]


def _in_chrome(el: etree._Element) -> bool:
    return next(el.iterancestors(*CHROME_TAGS), None) is not None


def _text_of(el: etree._Element) -> str:
    """The text of ``el`` and its descendants, without its tail: ``"".join(el.itertext())``.

    lxml's text serializer does the join in C (the tree has no comments or PIs to skip).
    """
    return etree.tostring(el, method="text", encoding=str, with_tail=False)


def _locate_cells(
    cells: list[etree._Element], nested: set[etree._Element], src: str, scan: _Scan
) -> dict[etree._Element, GridCell]:
    """Source span of every td/th (raw, start, end, text)."""
    ptags, code = _plain_tags(scan)
    opens = list(compress(ptags, map(_IS_CELL_OPEN, code)))  # the td/th start tags
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
    ent_end = scan.ent_end
    compact_dec: _Compact | None = None  # built when a cell's text has whitespace inside
    ws_search = _WS_CHAR_RE.search
    find = dec.find
    new = object.__new__
    pos = 0
    # with the tags aligned, cell i lies between its own <td> and the next one
    bounds = zip(opens, opens[1:] + [("", False, 0, 0, n_dec)], strict=True) if aligned else None
    for td in cells:
        if bounds is not None:
            this, nxt = next(bounds)
            lo = this[4] if this[4] >= pos else pos
            hi = nxt[4]
            anchor_src = this[3]
        else:
            lo, hi = pos, n_dec
            anchor_src = dstart[lo] if lo < n_dec else len(src)
        if td in nested:
            located[td] = _cell("", anchor_src, anchor_src, "")
            continue
        full = _text_of(td)
        words = full.split()
        if len(words) == 1 and words[0] == full:  # no whitespace at all (the usual cell)
            compact = text = full
        else:
            compact = full.translate(_WS_DELETE)
            if not compact:
                # blank (&nbsp; or empty): zero-width span at the first decoded char of the cell
                at = dstart[lo] if lo < hi else anchor_src
                located[td] = _cell("", at, at, "")
                continue
            text = normalize_label(full)
        # The first match allowing whitespace between chars. A plain match with no whitespace
        # before it in dec[lo:hi] is that match (an earlier one would be a plain match too).
        p = find(compact, lo, hi)
        if p >= 0 and (p == lo or ws_search(dec, lo, p) is None):
            q = p + len(compact)
        else:
            if compact_dec is None:
                compact_dec = _Compact(dec)
            hit = _find_flex(compact_dec, compact, lo, hi)
            if hit is None and aligned:
                hit = _find_flex(compact_dec, compact, lo, n_dec)
            if hit is None:
                log.debug("html: cell text %r not found in source after %d", compact[:20], lo)
                located[td] = _cell("", anchor_src, anchor_src, text)
                continue
            p, q = hit
        start = dstart[p]
        end = ent_end.get(q - 1) or dstart[q - 1] + 1
        c = new(_CellDraft)  # _cell(src[start:end], start, end, text), inlined
        c.raw = src[start:end]
        c.start = start
        c.end = end
        c.text = text
        c.rowspan = c.colspan = 1
        c.is_copy = False
        c.__class__ = GridCell
        located[td] = c
        pos = q
    return located


def _expand(
    trs: list[etree._Element],
    located: dict[etree._Element, GridCell],
    spanning: set[etree._Element],
) -> list[list[GridCell]]:
    """Full grid of a table: rowspan/colspan expanded, copies marked ``is_copy``.

    ``spanning`` holds the cells with a rowspan or colspan attribute; any other cell takes
    one position.
    """
    n_rows = len(trs)
    grid: list[dict[int, GridCell]] = [{} for _ in range(n_rows)]  # row -> column -> cell
    prefilled: list[int] = []  # rows holding copies before their own cells: maybe unsorted
    for r, tr in enumerate(trs):
        row = grid[r]
        if row:
            prefilled.append(r)
        c = 0
        for td in tr.iterchildren("td", "th"):
            while c in row:
                c += 1
            base = located[td]  # rowspan=colspan=1, not a copy; used by this table only
            if td not in spanning:
                row[c] = base
                c += 1
                continue
            try:
                rs = max(1, min(int(td.get("rowspan", "1") or 1), n_rows - r))
            except ValueError:
                rs = 1
            try:
                cs = max(1, min(int(td.get("colspan", "1") or 1), 1000))
            except ValueError:
                cs = 1
            if rs == 1 and cs == 1:
                row[c] = base
            else:
                raw, start, end, text = base.raw, base.start, base.end, base.text
                row[c] = _cell(raw, start, end, text, rs, cs, False)
                for dr in range(rs):
                    for dc in range(cs):
                        if dr or dc:
                            grid[r + dr][c + dc] = _cell(raw, start, end, text, rs, cs, True)
            c += cs
    # each row in column order; a position no cell covers is left out. A row's own cells go
    # in at increasing columns, so only a row that already held copies can be out of order.
    rows = [list(row.values()) for row in grid]
    for r in prefilled:
        row = grid[r]
        if not _ascending(row):
            rows[r] = [row[c] for c in sorted(row)]
    return rows


def _ascending(row: dict[int, GridCell]) -> bool:
    keys = list(row)
    return keys == sorted(keys)


def _own(table: etree._Element, inner: list[etree._Element]) -> tuple[list, list]:
    """The rows and the cells of ``table`` itself (not of the tables ``inner`` to it)."""
    if not inner:
        return list(table.iter("tr")), list(table.iter("td", "th"))
    theirs: set[etree._Element] = set()
    for t in inner:
        theirs.update(t.iter("tr", "td", "th"))
    rows = [el for el in table.iter("tr") if el not in theirs]
    cells = [el for el in table.iter("td", "th") if el not in theirs]
    return rows, cells


def _table_grids(root: etree._Element, src: str, scan: _Scan) -> list[Grid]:
    cells = list(root.iter("td", "th"))
    nested: set[etree._Element] = set()
    for inner in root.iter("table"):
        for anc in inner.iterancestors("td", "th"):
            nested.add(anc)
    located = _locate_cells(cells, nested, src, scan)
    spanning = set(_SPANNING_CELLS(root))
    grids: list[Grid] = []
    for table in root.iter("table"):
        if _in_chrome(table):
            continue
        inner = table.findall(".//table")
        own_rows, own = _own(table, inner)
        if not any(td not in nested and is_numeric_cell(located[td].label) for td in own):
            continue  # layout or metadata table: no numbers of its own
        rows = _expand(own_rows, located, spanning)
        spans = [c for c in map(located.__getitem__, own) if c.end > c.start]
        start = min((c.start for c in spans), default=0)
        end = max((c.end for c in spans), default=0)
        grids.append(
            Grid(
                rows=rows, start=start, end=end, layout="html_table", extra={"n_nested": len(inner)}
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
