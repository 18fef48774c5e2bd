"""Read report files: bytes -> :class:`~gkwork.model.Document` -> :class:`~gkwork.model.Report`.

One function per format. Text formats (``.txt``, ``.md``) are decoded here; HTML, Word and
PDF readers live in :mod:`gkwork.readers_html`, :mod:`gkwork.readers_docx` and
:mod:`gkwork.readers_pdf` and are dispatched to by extension or by the file's magic bytes.

Decoding (text formats): a BOM wins (UTF-8, UTF-16, UTF-32); then strict UTF-8; then UTF-16
without BOM (recognised by its NUL pattern); then GB18030 (a superset of GBK and GB2312) when
it decodes strictly; then charset-normalizer. The decoded text has CRLF/CR normalised to LF
and Word-conversion artefacts such as ``[bookmark: _GoBack]`` removed; ``Report.text`` is
that text and every offset refers to it.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path

from gkwork.errors import FileFormatError, InputError, Reason
from gkwork.model import Document, Report

log = logging.getLogger("gkwork")

#: The format gkwork reads a file as, by its (lower-case) suffix: the one list of what it reads
#: (``read_report`` and corpus builds alike; ``.shtml`` is common on government portals).
FORMATS: dict[str, str] = {
    ".txt": "txt", ".md": "md", ".markdown": "md", ".text": "txt",
    ".html": "html", ".htm": "html", ".shtml": "html", ".xhtml": "html",
    ".docx": "docx", ".pdf": "pdf",
}  # fmt: skip
#: Extensions read as plain text.
TEXT_SUFFIXES = tuple(s for s, f in FORMATS.items() if f in ("txt", "md"))
HTML_SUFFIXES = tuple(s for s, f in FORMATS.items() if f == "html")
#: Every extension gkwork reads.
SUPPORTED_SUFFIXES = tuple(FORMATS)
#: What to do with files agencies also publish that gkwork does not read.
CONVERT: dict[str, str] = {
    ".doc": "an old binary Word file: convert it to .docx "
    "(libreoffice --headless --convert-to docx FILE)",
    ".wps": "a WPS Office document: save it as .docx in WPS, or "
    "libreoffice --headless --convert-to docx FILE",
    ".rtf": "rich text: convert it to .docx (libreoffice --headless --convert-to docx FILE)",
    ".ofd": "an OFD document (GB/T 33190, China's fixed-layout format): export it to PDF with an "
    "OFD reader",
    ".mht": "a saved web archive: open it in a browser and save the page as .html",
    ".mhtml": "a saved web archive: open it in a browser and save the page as .html",
    ".xls": "a spreadsheet: gkwork reads reports; save the report itself as .docx, .pdf or .html",
    ".xlsx": "a spreadsheet: gkwork reads reports; save the report itself as .docx, .pdf or .html",
    ".et": "a WPS spreadsheet: gkwork reads reports; save the report itself as .docx, .pdf or .html",
    **dict.fromkeys(
        (".jpg", ".jpeg", ".png", ".gif", ".tif", ".tiff", ".bmp"),
        "an image: run OCR on it and give gkwork the text (or a PDF with a text layer)",
    ),
}


def unsupported_message(suffix: str) -> str:
    """The error for a file gkwork does not read, reason code first, with what to do.

    Examples
    --------
    >>> unsupported_message(".wps")[:60]
    "unsupported_format: file suffix '.wps' is not one gkwork rea"
    """
    suffix = suffix.lower()
    allowed = ", ".join(sorted(FORMATS))
    what = CONVERT.get(suffix, "convert the file or remove it from the input")
    return (
        f"{Reason.UNSUPPORTED_FORMAT.value}: file suffix {suffix or '(none)'!r} is not one gkwork "
        f"reads ({allowed}); {what}"
    )


#: Conversion artefacts removed from decoded text (Word bookmarks, pandoc anchors).
ARTEFACT_RE = re.compile(r"\[bookmark: ?[^\]\n]{0,80}\]|\{#_[A-Za-z0-9_]+\}")

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode report bytes to text.

    Parameters
    ----------
    data : bytes
        The file content.

    Returns
    -------
    (text, encoding)
        The decoded text (not yet cleaned) and the name of the encoding used.

    Raises
    ------
    FileFormatError
        ``binary_content`` when the bytes are not text, ``decode_failed`` when no encoding fits.

    Examples
    --------
    >>> decode_bytes("年度报告".encode("gb18030"))
    ('年度报告', 'gb18030')
    >>> decode_bytes(codecs.BOM_UTF8 + "年度报告".encode())
    ('年度报告', 'utf-8-sig')
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(enc.replace("-sig", "")), enc
            except UnicodeDecodeError as exc:
                raise FileFormatError(
                    Reason.DECODE_FAILED,
                    f"starts with a {enc} byte-order mark but is not {enc}: {exc}",
                ) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    utf16 = _guess_utf16(data)
    if utf16:
        try:
            text = data.decode(utf16)
            if _plausible_text(text):
                return text, utf16
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise FileFormatError(
            Reason.BINARY_CONTENT,
            "the file holds NUL bytes and is not UTF-16 text: it looks like a binary file "
            "(check that it really is a text report, or give it its proper extension)",
        )
    try:
        text = data.decode("gb18030")
        if _plausible_text(text):
            return text, "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        text = str(best)
        if _plausible_text(text):
            return text, best.encoding
    raise FileFormatError(
        Reason.DECODE_FAILED,
        "could not decode the file as UTF-8, UTF-16, GB18030/GBK or any encoding "
        "charset-normalizer knows; it may be binary or damaged",
    )


def _guess_utf16(data: bytes) -> str | None:
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even_nul = sample[0::2].count(0)
    odd_nul = sample[1::2].count(0)
    half = len(sample) / 2
    # ASCII-heavy UTF-16 has NULs in every other byte; CJK-heavy UTF-16 has few NULs but
    # decodes to CJK; use the NUL pattern when present
    if odd_nul > 0.2 * half and even_nul < 0.05 * half:
        return "utf-16-le"
    if even_nul > 0.2 * half and odd_nul < 0.05 * half:
        return "utf-16-be"
    if len(data) % 2 == 0:
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            cjk = sum(1 for ch in text[:2000] if "\u4e00" <= ch <= "\u9fff")
            if cjk > 0.3 * min(len(text), 2000):
                return enc
    return None


def _plausible_text(text: str) -> bool:
    """Reject decodings that are mostly control characters or private-use/rare code points."""
    if not text:
        return True
    sample = text[:5000]
    bad = sum(
        1
        for ch in sample
        if (ord(ch) < 32 and ch not in "\t\n\r\f") or "\ue000" <= ch <= "\uf8ff" or ch == "\ufffd"
    )
    common = sum(
        1
        for ch in sample
        if ch.isascii()
        or "\u4e00" <= ch <= "\u9fff"
        or "\u3000" <= ch <= "\u303f"
        or "\uff00" <= ch <= "\uffef"
    )
    return bad < 0.01 * len(sample) and common > 0.8 * len(sample)


def clean_text(text: str) -> str:
    """Normalise line ends to LF and remove conversion artefacts (``[bookmark: _GoBack]``)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # every artefact starts with one of these literals: a C-level search skips the regex scan
    if "[bookmark" in text or "{#_" in text:
        return ARTEFACT_RE.sub("", text)
    return text


def read_text_document(data: bytes, path: str, fmt: str = "txt") -> Document:
    """Decode a ``.txt``/``.md`` report into a :class:`Document` (tables found later)."""
    text, encoding = decode_bytes(data)
    return Document(path=path, format=fmt, text=clean_text(text), encoding=encoding)


#: Suffixes under which a zip is taken for a Word .docx (spreadsheets, OFD files and archives
#: are zips too, and keep their advice).
_WORD_LIKE = ("", ".doc", ".docm", ".dot", ".dotx", ".wps")


def sniff_format(data: bytes, suffix: str) -> str:
    """The format to read a file as, from its first bytes (only the first 1,024 are looked at)
    and its lower-case suffix: a PDF, or a zip or a web page under a suffix gkwork does not read
    (a .doc that is really a .docx, or a Word file saved as a web page), is read as what it is;
    '' when gkwork does not read the file.

    Examples
    --------
    >>> sniff_format(b"%PDF-1.7 ...", ".doc"), sniff_format(b"PK\\x03\\x04...", ".doc")
    ('pdf', 'docx')
    >>> sniff_format(b"<html xmlns:w='urn:schemas-microsoft-com:office:word'>", ".doc")
    'html'
    >>> sniff_format(b"\\xd0\\xcf\\x11\\xe0", ".doc")
    ''
    """
    head = data[:1024].removeprefix(codecs.BOM_UTF8).lstrip()
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):  # a zip: a Word file under a Word-like name
        if suffix in FORMATS:
            return FORMATS[suffix]
        return "docx" if suffix in _WORD_LIKE else ""
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix == ".docx":
        return "docx"
    if suffix == ".pdf":
        return "pdf"
    if suffix in (".md", ".markdown"):
        return "md"
    low = head[:512].lower()
    is_html = low.startswith((b"<!doctype html", b"<html"))
    if suffix in TEXT_SUFFIXES:
        return "html" if is_html else "txt"
    if is_html and suffix not in FORMATS:  # a "Word" file saved as a web page (.doc, .wps)
        return "html"
    return ""


def _reader_for(fmt: str) -> Callable[[bytes, str], Document]:
    if fmt in ("txt", "md"):
        return lambda data, path: read_text_document(data, path, fmt)
    if fmt == "html":
        from gkwork.readers_html import read_html

        return read_html
    if fmt == "docx":
        from gkwork.readers_docx import read_docx

        return read_docx
    if fmt == "pdf":
        from gkwork.readers_pdf import read_pdf

        return read_pdf
    raise FileFormatError(Reason.UNSUPPORTED_FORMAT, f"no reader for format {fmt!r}")


def read_document(data: bytes, path: str = "<memory>", fmt: str | None = None) -> Document:
    """Read bytes as a :class:`Document`; bad content gives a Document with status != ok.

    Parameters
    ----------
    data : bytes
        File content.
    path : str
        Where it came from (used for the format when ``fmt`` is None, and in messages).
    fmt : str, optional
        One of txt, md, html, docx, pdf; guessed from extension and magic bytes when None.
    """
    return _read_document(data, path, fmt, Path(path).suffix.lower())


def _read_document(data: bytes, path: str, fmt: str | None, suffix: str) -> Document:
    """:func:`read_document` given the lower-case suffix of ``path``."""
    if fmt is None:
        fmt = sniff_format(data, suffix)
    if not fmt:
        return Document(
            path=path,
            format=suffix.lstrip(".") or "unknown",
            text="",
            status="error",
            error=unsupported_message(suffix),
        )
    if len(data.strip()) == 0:
        return Document(
            path=path,
            format=fmt,
            text="",
            status="empty",
            error=f"{Reason.EMPTY_FILE.value}: the file is empty",
        )
    try:
        doc = _reader_for(fmt)(data, path)
    except FileFormatError as exc:
        status = "needs_ocr" if exc.reason is Reason.NEEDS_OCR else "error"
        return Document(path=path, format=fmt, text="", status=status, error=str(exc))
    if doc.status == "ok" and not doc.text.strip():
        doc.status = "empty"
        doc.error = f"{Reason.EMPTY_FILE.value}: no text in the file"
    return doc


def recorded_path(path: str) -> str:
    """``path`` as datasets record it: unchanged unless the file name is not UTF-8.

    Such a name (bytes of a GBK zip archive unpacked on Linux, say) reaches Python with
    surrogate escapes, which neither Parquet nor JSON can store; its bytes that are not UTF-8
    are then written as ``\\xNN``, as ``ls -b`` shows them.

    Examples
    --------
    >>> recorded_path("平潭/2019.txt")
    '平潭/2019.txt'
    >>> recorded_path(os.fsdecode(b"2019-\\xff.txt"))
    '2019-\\\\xff.txt'
    """
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")
    return path


_ESCAPED_BYTE = re.compile(rb"\\x([0-9a-f]{2})")


def source_path(recorded: str) -> str:
    """The file a dataset's ``path`` names: :func:`recorded_path` undone when the recorded
    spelling does not exist but its ``\\xNN`` bytes put back do (a name that is not UTF-8).

    Examples
    --------
    >>> source_path("no/such/file.txt")
    'no/such/file.txt'
    """
    if "\\x" not in recorded or os.path.lexists(recorded):
        return recorded
    raw = _ESCAPED_BYTE.sub(lambda m: bytes([int(m[1], 16)]), recorded.encode("utf-8"))
    fs = os.fsdecode(raw)
    return fs if os.path.lexists(fs) else recorded


def report_id_for(path: str | os.PathLike[str]) -> str:
    """Default report id: the file name without extension (:func:`recorded_path` of it)."""
    return recorded_path(Path(path).stem or str(path))


def read_report(path: str | os.PathLike[str], *, report_id: str | None = None) -> Report:
    """Read one report file into a :class:`~gkwork.model.Report`.

    A file whose content cannot be read does not raise: the Report has
    ``meta['status']`` in {error, empty, needs_ocr} and ``meta['error']`` says why, starting
    with a stable reason code (:class:`gkwork.errors.Reason`).

    Parameters
    ----------
    path : str or PathLike
        A .txt, .md, .html/.htm, .docx or .pdf file.
    report_id : str, optional
        Defaults to the file name without extension.

    Raises
    ------
    InputError
        When ``path`` is not a path, does not exist, is a directory or cannot be read.

    Examples
    --------
    >>> import gkwork as gk
    >>> r = gk.read_report(gk.paths.SEEDS_DIR / "000_28b25ab7a75596a3.txt")
    >>> r.meta["template"], r.meta["year"]
    ('gov2019', 2020)
    """
    if not isinstance(path, str | os.PathLike):
        raise InputError(f"path must be a file path (str or Path); got {type(path).__name__}")
    p = Path(path)
    try:
        # read first, ask why only when that fails (saves two stat calls per report)
        data = p.read_bytes()
    except OSError as exc:
        if not p.exists():
            raise InputError(
                f"no such file: {str(p)!r} (check the path; directories go to read_corpus)"
            ) from None
        if p.is_dir():
            raise InputError(
                f"{str(p)!r} is a directory; use gkwork.read_corpus for folders"
            ) from None
        raise InputError(f"cannot read {str(p)!r}: {exc.strerror or exc}") from None
    doc = _read_document(data, str(p), None, p.suffix.lower())
    from gkwork.extract import build_report

    return build_report(
        doc,
        report_id=report_id or report_id_for(p),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def read_text(
    text: str, path: str = "<memory>", *, report_id: str | None = None, fmt: str = "txt"
) -> Report:
    """Parse a report given as a string (tests, notebooks, copy-paste from a web page).

    Examples
    --------
    >>> import gkwork as gk
    >>> r = gk.read_text("规章 | 30 | 30 | 30 |\\n规范性文件 | 18 | 18 | 18 |\\n本年新制作数量")
    >>> r.cells[["row", "col", "value"]].head(2).values.tolist()
    [['regulations', 'new_made', 30.0], ['regulations', 'new_published', 30.0]]
    """
    from gkwork.extract import build_report

    doc = Document(path=path, format=fmt, text=clean_text(text), encoding=None)
    if not doc.text.strip():
        doc.status = "empty"
        doc.error = f"{Reason.EMPTY_FILE.value}: no text"
    return build_report(
        doc,
        report_id=report_id or report_id_for(path),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
