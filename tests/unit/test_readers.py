"""gkwork.readers: encodings, artefacts, bad files become statuses, never tracebacks."""

import codecs

import pytest
from conftest import seed_path
from helpers import assert_spans

import gkwork
from gkwork.errors import FileFormatError, GkworkError, InputError
from gkwork.readers import (
    FORMATS,
    SUPPORTED_SUFFIXES,
    clean_text,
    decode_bytes,
    read_document,
    sniff_format,
    unsupported_message,
)
from gkwork.readers_docx import OLE2_MAGIC

ENCODINGS = {
    "gb18030": lambda t: t.encode("gb18030"),
    "utf16-bom": lambda t: t.encode("utf-16"),
    "utf16le-nobom": lambda t: t.encode("utf-16-le"),
    "utf8-bom": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "crlf": lambda t: t.replace("\n", "\r\n").encode("utf-8"),
    # GBK cannot encode the NBSPs of seeds 002 and 004: only seed 000 is tested in it
    "gbk": lambda t: t.encode("gbk", errors="strict"),
}
CASES = [(s, e) for s in ("000", "002", "004") for e in ENCODINGS if e != "gbk" or s == "000"]


@pytest.mark.parametrize(("seed", "name"), CASES)
def test_encoded_copies_give_identical_cells(tmp_path, seed, name):
    original = seed_path(seed)
    data = ENCODINGS[name](original.read_text(encoding="utf-8"))
    copy = tmp_path / f"{seed}_{name}.txt"
    copy.write_bytes(data)
    a = gkwork.read_report(original)
    b = gkwork.read_report(copy)
    cols = ["table", "row", "col", "value", "raw", "start", "end"]
    assert a.cells[cols].equals(b.cells[cols])
    assert a.text == b.text
    assert_spans(b)


def test_decode_reports_encoding():
    assert decode_bytes("政府信息公开".encode("gbk"))[1] == "gb18030"
    assert decode_bytes("政府信息公开".encode("utf-16"))[1] == "utf-16-le"


def test_artefacts_stripped_and_crlf_normalised():
    assert clean_text("[bookmark: _GoBack]标题\r\n正文\r") == "标题\n正文\n"


def test_bad_inputs_become_statuses(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    noise = tmp_path / "noise.txt"
    noise.write_bytes(bytes(range(256)) * 20)
    odd = tmp_path / "table.xlsx"
    odd.write_bytes(b"PK\x03\x04 not really")
    assert gkwork.read_report(empty).meta["status"] == "empty"
    r = gkwork.read_report(noise)
    assert r.meta["status"] == "error" and r.meta["error"].startswith(
        ("binary_content", "decode_failed")
    )
    r = gkwork.read_report(odd)
    assert r.meta["status"] == "error"


def test_missing_path_is_a_clear_user_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        gkwork.read_report(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="directory"):
        gkwork.read_report(tmp_path)
    with pytest.raises(InputError, match="must be a file path .* got int"):
        gkwork.read_report(123)


def test_api_mistakes_name_what_to_do_instead(tmp_path):
    report = gkwork.read_text("规章 | 30 | 30 | 30 |\n规范性文件 | 18 | 18 | 18 |\n本年新制作数量")
    # a misspelt table key is an error listing the keys, not a silently empty frame
    with pytest.raises(
        GkworkError, match="table must be one of .*applications.* got 'Applications'"
    ):
        report.table("Applications")
    assert report.table("legacy_stats").empty  # a contract table this report does not have
    assert not report.table("active_disclosure").empty
    # checks take a Report; a path is named with the call that reads it first
    with pytest.raises(GkworkError, match=r"takes a Report .* got str; read the file first"):
        gkwork.check("report.txt")


def test_unsupported_format_message():
    doc = read_document(b"abc", "report.xyz")
    assert doc.status == "error" and "unsupported_format" in doc.error and ".pdf" in doc.error


@pytest.mark.parametrize(
    ("suffix", "advice"),
    [(".doc", "convert-to docx"), (".wps", "WPS"), (".ofd", "OFD"), (".jpg", "OCR")],
)
def test_formats_agencies_also_publish_say_how_to_convert_them(suffix, advice):
    # the same words from read_report and from a corpus build (one message for both)
    doc = read_document(b"\xd0\xcf\x11\xe0 binary", f"report{suffix}")
    assert doc.status == "error" and doc.error.startswith("unsupported_format:")
    assert advice in doc.error and repr(suffix) in doc.error
    assert doc.error == unsupported_message(suffix.upper())


def test_a_zip_is_taken_for_word_only_under_a_word_like_name():
    # a .doc that is a .docx is read as one; a spreadsheet or an OFD file (zips too) keeps its
    # advice instead of failing as a broken Word file
    assert sniff_format(b"PK\x03\x04 ...", ".doc") == "docx"
    for suffix in (".xlsx", ".ofd", ".zip"):
        assert sniff_format(b"PK\x03\x04 ...", suffix) == ""
        doc = read_document(b"PK\x03\x04 not a report", f"book{suffix}")
        assert doc.error.startswith("unsupported_format:")
    assert "spreadsheet" in read_document(b"PK\x03\x04", "book.xlsx").error


def test_an_old_word_file_under_a_docx_name_is_named_as_such():
    doc = read_document(OLE2_MAGIC + b"\x00" * 600, "report.docx")
    assert doc.status == "error" and doc.error.startswith("corrupt_file:")
    assert "old binary Word .doc" in doc.error and "convert-to docx" in doc.error
    other = read_document(b"PK\x05\x06 not a zip", "report.docx")
    assert "bad zip" in other.error and "old binary" not in other.error


def test_one_suffix_table_for_single_reports_and_corpus_builds(tmp_path):
    # read_report and build_corpus read the same suffixes (.shtml pages were read alone but
    # refused by corpus builds)
    from gkwork import corpus

    assert corpus.SUPPORTED_SUFFIXES == FORMATS
    assert set(SUPPORTED_SUFFIXES) == set(FORMATS) >= {".shtml", ".htm", ".markdown"}
    page = "<html><body><p>本机关2020年主动公开政府信息12条。</p></body></html>"
    src = tmp_path / "in"
    src.mkdir()
    (src / "index.shtml").write_text(page, encoding="utf-8")
    (src / "notes.markdown").write_text("本机关2020年主动公开政府信息12条。\n", encoding="utf-8")
    built = corpus.read_corpus(src, progress=False)
    reports = built.reports.set_index("report_id")
    assert reports.loc["index", "format"] == "html" and reports.loc["notes", "format"] == "md"
    assert reports["error"].fillna("").str.startswith("unsupported_format").sum() == 0


def test_binary_raises_reasoned_error():
    with pytest.raises(FileFormatError) as exc:
        decode_bytes(b"\x00\x01\x02\xff" * 100)
    assert exc.value.reason.value in ("binary_content", "decode_failed")


def test_a_page_without_its_report_is_empty_with_a_reason():
    # pingtan/019: the archived page kept only its metadata and title (the report was an image)
    page = (
        "标题: 平潭综合实验区公安局2020年政府信息公开工作年度报告\n发布时间: 2021-01-28 11:10\n"
        "文号: \n原文链接: https://www.pingtan.gov.cn/x.htm\n==================== 正文 ====\n"
        "平潭综合实验区公安局2020年政府信息公开工作年度报告"
    )
    r = gkwork.read_text(page)
    assert r.status == "empty" and r.meta["error"].startswith("no_body: ")
    # what could be read stays: which agency and year the missing report is of
    assert (r.meta["agency"], r.meta["year"]) == ("平潭综合实验区公安局", 2020)
    assert gkwork.check(r).empty  # nothing to check
    # a short report that says something is a report
    body = "2020年，我局未收到政府信息公开申请，未发生因政府信息公开引起的行政复议、行政诉讼。"
    assert gkwork.read_text(page + "\n" + body * 2).status == "ok"
