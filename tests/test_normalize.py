"""Text input in any encoding, and the normalisation steps."""
from __future__ import annotations

import codecs

import pytest

from nianbao.errors import UnreadableInput
from nianbao.model import Document
from nianbao.parsing.normalize import normalize, normalize_text
from nianbao.parsing.readers import read, sniff
from nianbao.parsing.readers.text import decode, detect_encoding

SAMPLE = "栖霞市寺口镇人民政府2022年政府信息公开工作年度报告\n一、总体情况\n行政许可\t0\n"


@pytest.mark.parametrize(
    "data, encoding",
    [
        (SAMPLE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + SAMPLE.encode("utf-8"), "utf-8-sig"),
        (SAMPLE.encode("gb18030"), "gb18030"),
        (SAMPLE.encode("gbk"), "gb18030"),
        (codecs.BOM_UTF16_LE + SAMPLE.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + SAMPLE.encode("utf-16-be"), "utf-16-be"),
        (SAMPLE.encode("utf-16-le"), "utf-16-le"),
        (SAMPLE.encode("utf-16-be"), "utf-16-be"),
    ],
    ids=["utf8", "utf8-bom", "gb18030", "gbk", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be"],
)
def test_encoding_is_decided_and_recorded(data, encoding):
    assert detect_encoding(data) == encoding
    text, enc, lossy = decode(data)
    assert text == SAMPLE and enc == encoding and not lossy
    assert read(data).encoding == encoding


def test_encoding_decision_is_deterministic():
    data = SAMPLE.encode("gbk")
    assert len({detect_encoding(data) for _ in range(5)}) == 1


def test_binary_and_empty_input_are_refused():
    with pytest.raises(UnreadableInput):
        read(b"")
    with pytest.raises(UnreadableInput):
        read(b"   \n ")
    with pytest.raises(UnreadableInput):
        read(bytes(range(256)) * 20)


def test_sniffing_by_content_not_name():
    assert sniff(b"%PDF-1.7 ...") == "pdf"
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100) == "doc"
    assert sniff(b"\x89PNG\r\n\x1a\n....") == "image"
    assert sniff("<!DOCTYPE html><html><body>年度报告</body></html>".encode()) == "html"
    assert sniff(SAMPLE.encode()) == "text"


def _lines(text: str) -> list[str]:
    return normalize(Document.from_lines(text.split("\n"), "text"))[0]


def test_traditional_to_simplified():
    assert normalize_text("國務院辦公廳政府信息與政務公開辦公室") == "国务院办公厅政府信息与政务公开办公室"


def test_the_kept_traditional_characters_are_those_opencc_changes():
    from nianbao.parsing.normalize import opencc_traditional_chars, traditional_chars

    assert traditional_chars() == opencc_traditional_chars()


def test_pinyin_annotations_removed_from_mirror_pages():
    text = "國務院辦公廳政府信息公(gong)開(kai)工作年(nian)度報(bao)告"
    assert normalize_text(text) == "国务院办公厅政府信息公开工作年度报告"


def test_a_few_stray_traditional_characters_do_not_convert_a_simplified_report():
    assert normalize_text("咸阳市乾县人民政府") == "咸阳市乾县人民政府"


def test_a_single_bracketed_word_is_not_taken_for_pinyin():
    assert normalize_text("发送至邮箱(email)") == "发送至邮箱(email)"


def test_fullwidth_digits_and_punctuation():
    assert normalize_text("行政许可\t１２３４５") == "行政许可\t12345"
    assert normalize_text("（一）予以公开：") == "(一)予以公开:"


def test_spaces_inside_cjk_words_but_not_between_numbers():
    assert normalize_text("商业 企业 | 科研 机构") == "商业企业 | 科研机构"
    assert normalize_text("一、本年新收政府信息公开申请数量 21 0 0") == "一、本年新收政府信息公开申请数量 21 0 0"
    assert normalize_text("1. 属于国家秘密") == "1.属于国家秘密"


def test_markdown_emphasis_and_headings():
    assert _lines("## **一、总体情况**\n1. **规范网站管理。**认真") == ["一、总体情况", "1.规范网站管理。认真"]


def test_markdown_marks_only_where_markdown_puts_them():
    # heading and quote marks at a line's start after up to three spaces, not four, not inside
    assert normalize_text("   ### 标题\n    # 代码\n正文 # 号\n> 引用\n  >引用") == "标题\n    # 代码\n正文 # 号\n引用\n引用"
    assert normalize_text("#######七个\n#无空格\n~~删除~~ __下划__ *单*") == "#######七个\n#无空格\n删除下划 *单*"
    assert normalize_text("***粗***") == "*粗*"


def test_numbered_item_spacing_and_pinyin_count():
    # "1. 属于" closes up, but not after another digit or a dot ("2021. 年", "1.1. 项")
    assert normalize_text("1. 属于 12. 项 123. 项 1.1. 项") == "1.属于 12.项 123. 项 1.1. 项"
    # three annotations are a mirror's pinyin; two brackets of letters are not
    assert normalize_text("政务公(gong)开与(yu)邮箱") == "政务公(gong)开与(yu)邮箱"
    assert normalize_text("政务公(gong)开与(yu)年（nian）报") == "政务公开与年报"


def test_page_numbers_dropped():
    assert _lines("行政许可 550\n- 2 -\n行政处罚 4119\n第 3 页 共 5 页\n—3—") == ["行政许可 550", "行政处罚 4119"]


def test_bare_numbers_are_kept():
    assert _lines("行政许可\n550\n3") == ["行政许可", "550", "3"]


def test_vertical_one_character_stack_is_joined():
    assert _lines("三\n、\n本\n年\n度\n办\n理\n结\n果\n(一)予以公开 0") == ["三、本年度办理结果", "(一)予以公开 0"]


def test_running_headers_on_pages_are_dropped():
    doc = Document.from_lines([], "pdf")
    lines, meta = [], []
    from nianbao.model import LineMeta

    body = []
    for page in range(1, 5):
        words = "春夏秋冬东南西北金木水火"
        page_body = [f"正文{words[page * 3 - 3 + k % 3]}段落{k}" + "内容" * k for k in range(4)]
        body += page_body
        for text in ["洪泽区人民政府信息公开年报"] + page_body + ["- %d -" % page]:
            lines.append(text)
            meta.append(LineMeta(origin=f"第{page}页"))
    doc = Document(lines=lines, meta=meta, reader="pdf")
    out, _ = normalize(doc)
    assert out == body
