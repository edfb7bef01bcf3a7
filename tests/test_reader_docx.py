"""The DOCX reader: every cell back from the official-layout renderer, the grid contract for
merged cells, automatic numbering, tracked changes, and clear errors for broken files."""
from __future__ import annotations

import io
import random
import subprocess
import sys
import zipfile

import docx
import pytest

from tests.support.roundtrip_util import differences
from tests.test_reader_html import with_blanks
from nianbao.errors import LimitExceeded, UnreadableInput
from nianbao.parsing.pipeline import parse
from nianbao.parsing.readers import sniff
from nianbao.parsing.readers.docx import read_docx
from nianbao.render.docx import render_docx
from nianbao.synth import prose_for, random_record

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/wordprocessingml/main"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nianbao", *args], capture_output=True, timeout=300)


def package(body: str | None, numbering: str | None = None, ns: str = W, main: str = "word/document.xml",
            doctype: str = "") -> bytes:
    """A minimal DOCX around `body` (WordprocessingML with the w: prefix; None: no w:body)."""
    head = f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<w:document xmlns:w="{ns}" '
    head += 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:wps="x-wps">'
    rels = ""
    if numbering:
        rels = ('<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" '
                'Target="numbering.xml"/>')
    folder, base = main.rsplit("/", 1)
    files = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/{main}" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="{main}"/></Relationships>',
        f"{folder}/_rels/{base}.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + rels + "</Relationships>",
        main: head + ("" if body is None else "<w:body>" + body + "</w:body>") + "</w:document>",
    }
    if numbering:
        files[f"{folder}/numbering.xml"] = f'<?xml version="1.0"?><w:numbering xmlns:w="{ns}">{numbering}</w:numbering>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


def p(text: str, extra: str = "") -> str:
    return f"<w:p>{extra}<w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>"


def tc(text: str, props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{p(text) if text else '<w:p/>'}</w:tc>"


@pytest.mark.parametrize("batch", range(3))
def test_rendered_documents_give_every_cell_back(batch):
    failures = []
    for i in range(100):
        rng = random.Random(30_000 * batch + i)
        rec = with_blanks(random_record(rng), rng)
        data = render_docx(rec, prose_for(rec, rng))
        assert sniff(data) == "docx"
        got = parse(data)
        assert got.source.reader == "docx"
        diff = differences(got, rec)
        if diff:
            failures.append((i, diff[:3]))
    assert not failures, failures[:5]


def test_merged_cells_appear_once_and_blanks_stay_blank():
    d = docx.Document()
    d.add_paragraph("某县司法局2023年政府信息公开工作年度报告")
    t = d.add_table(rows=3, cols=4)
    t.cell(0, 0).merge(t.cell(1, 1)).text = "项目"
    t.cell(0, 2).merge(t.cell(0, 3)).text = "数量"
    t.cell(1, 2).text, t.cell(1, 3).text = "甲", "乙"
    t.cell(2, 0).text, t.cell(2, 1).text, t.cell(2, 3).text = "行", "第一\n第二", "7"
    d.add_paragraph("段落\t带制表符")
    buf = io.BytesIO()
    d.save(buf)
    doc = read_docx(buf.getvalue())
    assert [(line, m.origin, m.grid) for line, m in zip(doc.lines, doc.meta)] == [
        ("某县司法局2023年政府信息公开工作年度报告", "第1段", False),
        ("项目\t数量", "表格1 第1行", True),
        ("甲\t乙", "表格1 第2行", True),  # the rows 项目 covers are left out, not padded
        ("行\t第一 第二\t\t7", "表格1 第3行", True),  # an empty cell is an empty string
        ("段落\t带制表符", "第2段", False),
    ]


def test_grid_before_and_old_horizontal_merges():
    restart = '<w:hMerge w:val="restart"/>'
    body = ("<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>"
            f"<w:tr>{tc('a')}{tc('b', restart)}{tc('', '<w:hMerge/>')}</w:tr>"
            f"<w:tr><w:trPr><w:gridBefore w:val=\"1\"/></w:trPr>{tc('c')}{tc('d')}</w:tr>"
            f"<w:tr>{tc('e')}{tc('f')}</w:tr></w:tbl>")
    doc = read_docx(package(body))
    assert [(line, m.grid) for line, m in zip(doc.lines, doc.meta)] == [("a\tb", True), ("c\td", True), ("e\tf", False)]


def test_empty_columns_at_the_right_edge_are_dropped():
    span2 = '<w:gridSpan w:val="2"/>'
    body = (f"<w:tbl><w:tr>{tc('a', span2)}{tc('b')}{tc('')}</w:tr>"
            f"<w:tr>{tc('c')}{tc('1')}{tc('')}{tc('')}</w:tr><w:tr>{tc('d')}{tc('2')}{tc('3')}</w:tr></w:tbl>")
    doc = read_docx(package(body))
    assert [(line, m.grid) for line, m in zip(doc.lines, doc.meta)] == [("a\tb", True), ("c\t1\t", True), ("d\t2\t3", True)]


def test_a_table_holding_tables_is_layout():
    inner = f"<w:tbl><w:tr>{tc('x')}{tc('1')}</w:tr></w:tbl>"
    body = f"<w:tbl><w:tr><w:tc>{p('左栏')}</w:tc><w:tc>{p('标题')}{inner}{p('结尾')}</w:tc></w:tr></w:tbl>"
    doc = read_docx(package(body))
    assert [(line, m.origin) for line, m in zip(doc.lines, doc.meta)] == [
        ("左栏", "第1段"), ("标题", "第2段"), ("x\t1", "表格1 第1行"), ("结尾", "第3段")]


CHINESE_LISTS = """
<w:abstractNum w:abstractNumId="0">
 <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
 <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
 <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="11"/></w:lvlOverride></w:num>
"""


def _numbered(text: str, num: int, level: int) -> str:
    return p(text, f'<w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num}"/></w:numPr></w:pPr>')


@pytest.mark.parametrize("ns", [W, STRICT], ids=["transitional", "strict"])
def test_automatic_numbers_are_printed(ns):
    body = "".join([
        _numbered("总体情况", 1, 0), _numbered("主动公开", 1, 1), _numbered("依申请公开", 1, 1),
        _numbered("属于国家秘密", 1, 2), _numbered("主动公开政府信息情况", 1, 0), _numbered("平台建设", 1, 1),
        _numbered("第十一项", 2, 0), _numbered("没有编号", 0, 0),
    ])
    assert read_docx(package(body, CHINESE_LISTS, ns)).lines == [
        "一、总体情况", "（一）主动公开", "（二）依申请公开", "1.属于国家秘密", "二、主动公开政府信息情况",
        "（一）平台建设", "十一、第十一项", "没有编号"]


def test_tracked_changes_controls_and_text_boxes():
    box = '<w:txbxContent>' + p("文本框里的字") + '</w:txbxContent>'
    body = (
        "<w:p><w:r><w:t>保留</w:t></w:r><w:del><w:r><w:delText>删掉的</w:delText></w:r></w:del>"
        "<w:ins><w:r><w:t>插入的</w:t></w:r></w:ins><w:moveFrom><w:r><w:t>移走的</w:t></w:r></w:moveFrom>"
        "<w:hyperlink><w:r><w:t>链接</w:t></w:r></w:hyperlink>"
        f"<w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing>{box}</w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict>{box}</w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
        f"<w:sdt><w:sdtContent>{p('内容控件')}</w:sdtContent></w:sdt>"
        "<w:p><w:r><w:t>第一行</w:t><w:br/><w:t>第二行</w:t></w:r></w:p>"
        "<w:p/>"
    )
    assert read_docx(package(body)).lines == ["保留插入的链接", "文本框里的字", "内容控件", "第一行", "第二行"]


def test_a_main_part_under_another_name_is_found():
    data = package(p("某局2023年政府信息公开工作年度报告"), main="word/document2.xml")
    assert sniff(data) == "docx"
    assert read_docx(data).lines == ["某局2023年政府信息公开工作年度报告"]


def test_entities_are_not_expanded():
    body = p("&xxe;") + p("正文")
    doc = read_docx(package(body, doctype='<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'))
    assert "root:" not in "\n".join(doc.lines) and doc.lines[-1] == "正文"


def test_broken_documents_get_clear_errors():
    good = package(p("正文"))
    with pytest.raises(UnreadableInput, match="truncated or corrupt"):
        read_docx(good[: len(good) // 2])
    with pytest.raises(UnreadableInput, match="XML"):
        read_docx(package("<w:p><w:r><w:t>未闭合</w:r></w:p>"))
    no_main = io.BytesIO()
    with zipfile.ZipFile(no_main, "w") as zf:
        zf.writestr("word/styles.xml", "<x/>")
    with pytest.raises(UnreadableInput, match="main document part"):
        read_docx(no_main.getvalue())
    with pytest.raises(UnreadableInput, match="no text"):
        read_docx(package("<w:p><w:r><w:drawing/></w:r></w:p>"))
    with pytest.raises(LimitExceeded, match="zip bomb"):
        read_docx(package(p("x") + " " * (3 * 1024 * 1024)))


@pytest.mark.parametrize("damage", ["truncated", "bad-xml", "no-body"])
def test_cli_gives_a_bilingual_message_and_exit_2(tmp_path, damage):
    rng = random.Random(5)
    rec = random_record(rng)
    data = render_docx(rec, prose_for(rec, rng))
    if damage == "truncated":
        data = data[: len(data) * 2 // 3]
    elif damage == "bad-xml":
        data = package("<w:p><w:r><w:t>年度报告</w:r>")
    else:
        data = package(None)
    path = tmp_path / "report.docx"
    path.write_bytes(data)
    for command in ("parse", "check"):
        proc = run(command, str(path))
        err = proc.stderr.decode()
        assert proc.returncode == 2, (command, err)
        assert "Word 文件无法读取" in err and "Word (DOCX) file cannot be read" in err
        assert "Traceback" not in err and "内部错误" not in err


@pytest.mark.parametrize("fmt", ["docx", "html"])
def test_cells_say_which_table_and_row_they_came_from(fmt):
    from nianbao.render.report import render

    rng = random.Random(11)
    rec = random_record(rng)
    prose = prose_for(rec, rng)
    data = render_docx(rec, prose) if fmt == "docx" else render(rec, "html", prose=prose).encode("utf-8")
    got = parse(data)
    assert got.source.reader == fmt
    # table 三 is the second table; 申请人情况 takes three header rows, then 新收, 结转, 予以公开
    assert got.provenance["table3.granted[0]"].origin == "表格2 第6行"
    assert got.provenance["table4.review.total"].origin == "表格3 第4行"
    assert all(p.confidence == 1.0 for k, p in got.provenance.items() if k.startswith("table3"))
    assert got.extras["line_origins"][0] == "第1段"
