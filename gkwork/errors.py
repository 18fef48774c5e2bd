"""Exceptions and stable reason codes.

A user mistake (wrong argument, missing file) raises a :class:`GkworkError` subclass with a
one-line message; the CLI prints it without a traceback. A bad *input file* in a corpus run
never raises: it becomes a ``reports`` row whose ``status`` is not ``ok`` and whose ``error``
starts with one of the :class:`Reason` codes below.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Stable reason codes written at the start of ``reports.error``."""

    UNREADABLE = "unreadable"  # listed, but cannot be read (a broken link, no permission)
    EMPTY_FILE = "empty_file"
    NO_BODY = "no_body"  # text, but none of a report beyond its title and page metadata
    DECODE_FAILED = "decode_failed"
    BINARY_CONTENT = "binary_content"
    UNSUPPORTED_FORMAT = "unsupported_format"
    CORRUPT_FILE = "corrupt_file"
    NEEDS_OCR = "needs_ocr"
    TOO_LARGE = "too_large"
    TIMEOUT = "timeout"
    WORKER_CRASHED = "worker_crashed"
    INTERNAL_ERROR = "internal_error"


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
