"""parse() never raises anything but a NianbaoError (with its Chinese and English message),
and ends within a CPU bound, whatever it is given: random bytes and text, mutated text
layouts, and mutated real HTML pages, DOCX packages and PDFs (`nianbao.synth.mutate`,
shared with bench/fuzz_mass.py).
"""
from __future__ import annotations

import io
import random
import signal
import threading
import time
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nianbao import check, parse, parse_text
from nianbao.errors import NianbaoError
from nianbao.parsing.readers import ocr, read
from nianbao.parsing.readers.archive import members
from nianbao.parsing.readers.html import read_html
from nianbao.parsing.readers.pages import PageLayout
from nianbao.synth import document, mutate, random_record

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


TEXT_CPU_BOUND = 5.0  # seconds of CPU for a few thousand characters: far more than any takes


def _safe(call, arg):
    """`call(arg)` gives a result or a NianbaoError with both messages, within the CPU bound."""
    t0 = time.process_time()
    try:
        call(arg)
    except NianbaoError as exc:
        assert exc.message_zh.strip() and exc.message_en.strip(), repr(exc)
    spent = time.process_time() - t0
    assert spent < TEXT_CPU_BOUND, f"{spent:.1f} s of CPU"


@FAST
@given(st.binary(max_size=4000))
def test_arbitrary_bytes(data):
    _safe(parse, data)


@FAST
@given(st.text(max_size=3000))
def test_arbitrary_text(text):
    _safe(parse_text, text)


_VOCAB = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "\t", "|", " ", "\n",
          "0", "12", "—", "(一)予以公开", "1.属于国家秘密", "(七)总计", "行政许可", "第二十条第(一)项",
          "年度报告", "2023年", "四、结转下年度继续办理", "行政复议", "万元", "-3", "999999999999"]


@FAST
@given(st.lists(st.sampled_from(_VOCAB), max_size=400))
def test_report_like_token_soup(tokens):
    _safe(parse_text, "".join(tokens))


@FAST
@given(st.integers(0, 10_000), st.sampled_from(["txt", "md", "pipe", "space"]), st.data())
def test_mutated_real_layouts(seed, layout, data):
    rng = random.Random(seed)
    lines = document(random_record(rng), layout, rng).split("\n")
    ops = data.draw(st.lists(st.tuples(st.sampled_from(["drop", "dup", "swap", "junk", "cut"]),
                                       st.integers(0, len(lines) - 1)), max_size=12))
    for op, i in ops:
        i %= max(1, len(lines))
        if op == "drop" and lines:
            del lines[i]
        elif op == "dup" and lines:
            lines.insert(i, lines[i])
        elif op == "swap" and len(lines) > 1:
            j = (i + 1) % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "junk":
            lines.insert(i, data.draw(st.text(max_size=40)))
        elif op == "cut" and lines:
            lines[i] = lines[i][: len(lines[i]) // 2]
    _safe(parse_text, "\n".join(lines))


# ---------------------------------------------------------------- mutated files of every format
FILES = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CPU_BOUND = 15.0  # seconds of CPU per case: generous (most take well under one)


class Overrun(Exception):
    """Not a NianbaoError: a case ran past its wall-clock bound (a hang)."""


def _bounded(data: bytes) -> None:
    """parse + check end in a Report or a NianbaoError with both messages, within the CPU
    bound; a wall-clock alarm stops a hang in Python code (one in C would hang the test)."""
    alarm = threading.current_thread() is threading.main_thread()
    if alarm:
        def overrun(signum, frame):
            raise Overrun(f"no result after {10 * CPU_BOUND:.0f} s ({len(data):,} bytes)")
        previous = signal.signal(signal.SIGALRM, overrun)
        signal.setitimer(signal.ITIMER_REAL, 10 * CPU_BOUND)
    t0 = time.process_time()
    try:
        check(parse(data))
    except NianbaoError as exc:
        assert exc.message_zh.strip() and exc.message_en.strip(), repr(exc)
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    spent = time.process_time() - t0
    assert spent < CPU_BOUND, f"{spent:.1f} s of CPU for {len(data):,} bytes"


@pytest.fixture(scope="module")
def bases() -> dict[str, list[bytes]]:
    return {fmt: [mutate.base(fmt, seed) for seed in range(2)] for fmt in ("html", "docx")}


@pytest.fixture(scope="module")
def pdf_base():
    """One generated PDF (LibreOffice); OCR of its damaged pages renders them (within the
    pixel limit) but skips the recognition model, which is slow and tested elsewhere."""
    def no_model(gray, number, label=None):
        assert gray.size <= ocr.MAX_PAGE_PIXELS
        return PageLayout(number, float(gray.shape[1]), float(gray.shape[0]), ocr=True, label=label)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ocr, "ocr_layout", no_model)
        yield mutate.base("pdf", 0)


@FILES
@given(st.integers(0, 2**32 - 1))
def test_mutated_html_pages(bases, seed):
    rng = random.Random(seed)
    _bounded(mutate.mutate_html(rng, rng.choice(bases["html"])))


@FILES
@given(st.integers(0, 2**32 - 1))
def test_mutated_docx_packages(bases, seed):
    rng = random.Random(seed)
    _bounded(mutate.mutate_docx(rng, rng.choice(bases["docx"])))


@settings(FILES, max_examples=40)
@given(st.integers(0, 2**32 - 1))
def test_mutated_pdfs(pdf_base, seed):
    _bounded(mutate.mutate_pdf(random.Random(seed), pdf_base))


def test_the_mutations_keep_some_files_readable(bases):
    """The mutators damage, not destroy: many mutated files still read as reports."""
    for fmt in ("html", "docx"):
        read_ok = 0
        for seed in range(20):
            rng = random.Random(seed)
            try:
                parse(mutate.mutate(fmt, rng, rng.choice(bases[fmt])))
                read_ok += 1
            except NianbaoError:
                pass
        assert 4 <= read_ok < 20, fmt


# ---------------------------------------------------------------- what the fuzzers found
@pytest.mark.parametrize("label", ["rot13", "base64", "zlib", "hex", "bz2", "uu", "quopri", "undefined",
                                   "unicode_escape", "idna", "utf-7", "utf_16", "u16", "x-bogus"])
def test_a_page_declaring_a_codec_that_is_no_page_encoding_is_decoded_anyway(label):
    page = f'<html><head><meta charset="{label}"></head><body><p>政府信息公开工作年度报告</p></body></html>'
    assert read_html(page.encode("gb18030")).lines == ["政府信息公开工作年度报告"]  # not UTF-8: the label is tried


def test_a_table_footer_of_many_rows_is_ordered_in_linear_time():
    from lxml import etree

    from nianbao.parsing.readers.html import _rows_in_order

    rows = "".join(f"<tr><td>{i}</td></tr>" for i in range(30_000))
    table = etree.fromstring(f"<table><tfoot>{rows}</tfoot><tr><td>head</td></tr></table>", etree.HTMLParser())
    table = table.find(".//table")
    t0 = time.process_time()
    ordered = _rows_in_order(table)
    assert time.process_time() - t0 < 1  # a list-membership test per row took ~10 s
    assert [tr[0].text for tr in ordered[:2]] == ["head", "0"] and len(ordered) == 30_001


def test_spans_of_thousands_of_digits(bases):
    big = "9" * 5000
    page = bases["html"][0].replace(b"<td", f'<td colspan="{big}" rowspan="{big}"'.encode(), 3)
    assert read(page).lines  # int() of 5,000 digits raised ValueError


def test_numbers_of_thousands_of_digits_are_text_not_counts():
    rng = random.Random(3)
    lines = document(random_record(rng), "txt", rng).split("\n")
    row = next(i for i, line in enumerate(lines) if "予以公开" in line)
    lines[row] = lines[row].rsplit("\t", 1)[0] + "\t" + "9" * 5000
    lines.insert(2, f"全年共收到政府信息公开申请{'9' * 5000}件，行政复议{'9' * 400}件。")
    check(parse_text("\n".join(lines)))  # no ValueError (int of 5,000 digits) nor OverflowError (float)
    from nianbao.parsing.extract.tokens import NUMBER, TEXT, classify

    assert classify("9" * 15)[0] == NUMBER and classify("9" * 16)[0] == TEXT and classify("9" * 5000)[0] == TEXT


def test_zip_damage_that_zipfile_reports_with_other_exceptions(bases):
    docx = bases["docx"][0]
    # every central-directory entry asks for zip version 9.8: NotImplementedError when opened
    future = bytearray(docx)
    at = future.find(b"PK\x01\x02")
    while at >= 0:
        future[at + 6:at + 8] = (98).to_bytes(2, "little")
        at = future.find(b"PK\x01\x02", at + 4)
    # a Word package whose main part is not word/document.xml (so sniffing reads its
    # [Content_Types].xml), that part's deflate stream starting with a reserved block type
    with zipfile.ZipFile(io.BytesIO(docx)) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    parts["word/body.xml"] = parts.pop("word/document.xml")
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(b"word/document.xml", b"word/body.xml")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(parts, key=lambda n: n != "[Content_Types].xml"):
            zf.writestr(name, parts[name])
    broken = bytearray(out.getvalue())
    assert broken[30:30 + 19] == b"[Content_Types].xml"
    broken[30 + 19] = 0x07  # BTYPE 11: zlib.error when read
    with pytest.raises(NianbaoError):
        parse(bytes(future))
    with pytest.raises(NianbaoError):
        list(members(bytes(future)))
    assert parse(bytes(broken)).table3  # read without [Content_Types].xml
