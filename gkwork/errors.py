"""Exceptions and stable reason codes.

A user mistake (wrong argument, missing file) raises a :class:`GkworkError` subclass with a
one-line message; the CLI prints it without a traceback. A bad *input file* in a corpus run
never raises: it becomes a ``reports`` row whose ``status`` is not ``ok`` and whose ``error``
starts with one of the :class:`Reason` codes below.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Stable reason codes written at the start of ``reports.error`` (meanings: :data:`REASONS`)."""

    UNREADABLE = "unreadable"
    EMPTY_FILE = "empty_file"
    NO_BODY = "no_body"
    DECODE_FAILED = "decode_failed"
    BINARY_CONTENT = "binary_content"
    UNSUPPORTED_FORMAT = "unsupported_format"
    CORRUPT_FILE = "corrupt_file"
    NEEDS_OCR = "needs_ocr"
    TOO_LARGE = "too_large"
    TIMEOUT = "timeout"
    WORKER_CRASHED = "worker_crashed"
    INTERNAL_ERROR = "internal_error"


#: What each reason code means (the reference page and the codebook print these).
REASONS: dict[Reason, str] = {
    Reason.UNREADABLE: "listed, but the file cannot be read (a broken or looping link, no "
    "permission, gone since it was listed)",
    Reason.EMPTY_FILE: "the file has no bytes, or only white space",
    Reason.NO_BODY: "text, but nothing of a report beyond its title and the page's metadata",
    Reason.DECODE_FAILED: "the bytes are not text in any encoding tried",
    Reason.BINARY_CONTENT: "a text suffix, but binary content (an image, an archive)",
    Reason.UNSUPPORTED_FORMAT: "a file suffix gkwork does not read (it reads text, Markdown, "
    "HTML, .docx and .pdf files)",
    Reason.CORRUPT_FILE: "a Word or PDF file that its library cannot open",
    Reason.NEEDS_OCR: "a scanned PDF without a text layer: run OCR and parse the text",
    Reason.TOO_LARGE: "a Word file whose contents would decompress beyond the reader's limits "
    "(a possible zip bomb)",
    Reason.TIMEOUT: "parsing took longer than the time limit (--timeout)",
    Reason.WORKER_CRASHED: "the process parsing the file died (out of memory, a crash in a "
    "library); the run went on",
    Reason.INTERNAL_ERROR: "a defect in gkwork: please report it with the file",
}


class GkworkError(ValueError):
    """Base class of every error gkwork raises on purpose."""


class InputError(GkworkError):
    """An argument or input path is not usable (e.g. a file that does not exist)."""


class TemplateError(GkworkError):
    """An unknown template, table, row or column key."""


class FileFormatError(GkworkError):
    """A file cannot be read as the format it claims to be.

    Carries a :class:`Reason` code so that corpus builds can record it.
    """

    def __init__(self, reason: Reason, message: str):
        super().__init__(f"{reason.value}: {message}")
        self.reason = reason
        self.detail = message
