"""The DOCX of a draft: the official layout in WordprocessingML (merged cells, fonts,
A4, page numbers, 0 in every cell, the unit only in the header), LibreOffice's PDF of
it parsing back exactly, and a rendered page kept under test-artifacts/."""
from __future__ import annotations

import io
import random
import re
import zipfile

import pytest
from lxml import etree

from nianbao import draft, parse
from nianbao.formats import templates as T
from nianbao.model import Report
from nianbao.render.docx import render_docx
from nianbao.render.guidance import CLOSING_HEADING
from nianbao.synth import break_record, prose_for, random_record
from tests.support.roundtrip_util import differences

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {"w": W[1:-1]}


def _xml(data: bytes, part: str = "word/document.xml") -> etree._Element:
    return etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read(part))


def _cell_text(tc) -> str:  # type: ignore[no-untyped-def]
    return "".join(tc.itertext())


def _draft(seed: int, template: str = "2021", **kw) -> Report:
    rec = random_record(random.Random(seed), template=template)
    return draft.build_record(draft.record_cells(rec), year=rec.year, agency=rec.agency, region=rec.region,
                              template=rec.template, **kw)


def test_tables_have_real_merged_cells_in_the_official_layout():
    doc = _xml(draft.render(_draft(1), "docx"))
    tables = doc.findall(".//w:tbl", NS)
    assert len(tables) == 3
    t3 = tables[1]
    rows = t3.findall("w:tr", NS)
    assert len(rows) == 3 + 25
    note = rows[0].find("w:tc", NS)
    assert _cell_text(note) == T.T3_NOTE
    assert note.find("w:tcPr/w:gridSpan", NS).get(W + "val") == "3"
    assert note.find("w:tcPr/w:vMerge", NS).get(W + "val") == "restart"
    # 三、本年度办理结果 spans 22 rows: one restart and 21 continuations in the first column
    first = [r.find("w:tc", NS) for r in rows[5:]]
    assert _cell_text(first[0]) == T.T3_GROUPS["results"].title
    merges = [tc.find("w:tcPr/w:vMerge", NS) for tc in first]
    assert merges[0].get(W + "val") == "restart"
    assert sum(1 for m in merges[1:22] if m is not None and m.get(W + "val") is None) == 21
    # every row of every table covers the whole grid
    for tbl in tables:
        width = len(tbl.findall("w:tblGrid/w:gridCol", NS))
        for tr in tbl.findall("w:tr", NS):
            spans = [int(tc.find("w:tcPr/w:gridSpan", NS).get(W + "val")) if tc.find("w:tcPr/w:gridSpan", NS) is not None
                     else 1 for tc in tr.findall("w:tc", NS)]
            assert sum(spans) == width
    t4 = tables[2].findall("w:tr", NS)
    assert [_cell_text(tc) for tc in t4[0].findall("w:tc", NS)] == [T.T4_GROUPS[0][1], T.T4_HEADER_LITIGATION]


def test_every_empty_numeric_cell_prints_0_and_the_fee_unit_is_only_in_the_header():
    rep = Report(agency="寺口镇人民政府", region="栖霞市", year=2024, template="2021")
    rep.table2 = {"admin_fees": {"amount": 12.5}}
    doc = _xml(render_docx(rep, zeros=True))
    t2, t3, t4 = doc.findall(".//w:tbl", NS)
    values3 = [_cell_text(tc) for tr in t3.findall("w:tr", NS)[3:] for tc in tr.findall("w:tc", NS)[-7:]]
    assert len(values3) == 25 * 7 and set(values3) == {"0"}
    assert [_cell_text(tc) for tc in t4.findall("w:tr", NS)[-1].findall("w:tc", NS)] == ["0"] * 15
    cells2 = [_cell_text(tc) for tc in t2.iter(W + "tc")]
    assert "12.5" in cells2 and T.MONEY_UNIT not in "".join(c for c in cells2 if re.search(r"\d", c))
    assert any(T.MONEY_UNIT in c for c in cells2)
    blank = _xml(render_docx(rep))
    assert "" in [_cell_text(tc) for tr in blank.findall(".//w:tbl", NS)[1].findall("w:tr", NS)[3:]
                  for tc in tr.findall("w:tc", NS)[-7:]]


def test_government_document_look_a4_fonts_and_page_numbers():
    data = draft.render(_draft(2), "docx")
    doc = _xml(data)
    pg = doc.find(".//w:sectPr/w:pgSz", NS)
    assert (pg.get(W + "w"), pg.get(W + "h")) == ("11906", "16838")  # A4
    mar = doc.find(".//w:sectPr/w:pgMar", NS)
    assert int(mar.get(W + "top")) == round(3.7 * 567) and int(mar.get(W + "left")) == round(2.8 * 567)
    paragraphs = doc.findall("w:body/w:p", NS)
    fonts = [p.find(".//w:rFonts", NS).get(W + "eastAsia") for p in paragraphs if p.find(".//w:rFonts", NS) is not None]
    assert fonts[0] == "方正小标宋简体"
    headings = [p for p in paragraphs if "".join(p.itertext()) in {s.title for s in T.SECTIONS}]
    assert len(headings) == 6
    assert {h.find(".//w:rFonts", NS).get(W + "eastAsia") for h in headings} == {"黑体"}
    assert "仿宋_GB2312" in fonts
    footer = _xml(data, "word/footer1.xml")
    assert "PAGE" in "".join(footer.itertext()) and "—" in "".join(footer.itertext())
    font_table = _xml(data, "word/fontTable.xml")
    assert {f.get(W + "name") for f in font_table.findall("w:font", NS)} >= {"仿宋_GB2312", "黑体", "方正小标宋简体"}


def test_introduction_names_the_legal_basis_and_the_statistical_period():
    for template, year in (("2021", 2024), ("2019", 2020)):
        rep = draft.build_record({}, year=year, agency="寺口镇人民政府", region="栖霞市")
        text = "\n".join("".join(p.itertext()) for p in _xml(draft.render(rep, "docx")).findall("w:body/w:p", NS))
        assert T.LAW_NAME in text and T.TEMPLATES[template].notice in text
        assert T.STATISTICAL_PERIOD.format(year=year) in text
        assert "工作考核、社会评议和责任追究结果" in text


def test_same_input_same_bytes_and_the_old_signature_still_works():
    rep = _draft(3)
    assert draft.render(rep, "docx") == draft.render(rep, "docx")
    plain = render_docx(rep)
    assert parse(plain).table3 == rep.table3
    with_all = render_docx(rep, prose={"overview": "本年度工作扎实推进。"}, notes=["T3.1：测试"], zeros=True)
    text = "".join(parse(with_all).lines)
    assert "本年度工作扎实推进" in text and "T3.1" in text


# --------------------------------------------------------------------------- through LibreOffice


@pytest.fixture(scope="module")
def pdfs():
    """A few drafts (both formats, with and without prose, one forced) as DOCX and PDF."""
    from nianbao.office import convert

    cases = []
    rng = random.Random(77)
    for i, template in enumerate(("2021", "2019", "2021")):
        rep = _draft(300 + i, template)
        prose = prose_for(rep, rng) if i == 1 else None
        notes = None
        if i == 2:
            rep, _ = break_record(rng, rep)
            notes = draft.gate(rep).notes()
        docx = draft.render(rep, "docx", prose, notes)
        cases.append((rep, notes, docx, convert(docx, ".docx", "pdf")))
    return cases


@pytest.mark.slow
def test_the_pdf_libreoffice_makes_of_a_draft_parses_back_exactly(pdfs):
    for rep, notes, _, pdf in pdfs:
        got = parse(pdf)
        assert got.source.reader == "pdf"
        assert differences(got, rep) == []
        if notes:
            assert CLOSING_HEADING.replace("：", ":") in "".join(got.lines).replace("：", ":")


@pytest.mark.slow
def test_a_rendered_page_is_kept_and_shows_the_ruled_tables(pdfs, artifacts):
    import numpy as np
    import pypdfium2 as pdfium

    _, _, docx, pdf = pdfs[0]
    (artifacts / "draft.docx").write_bytes(docx)
    (artifacts / "draft.pdf").write_bytes(pdf)
    doc = pdfium.PdfDocument(pdf)
    assert 3 <= len(doc) <= 6
    ruled = []
    for i in range(len(doc)):
        image = doc[i].render(scale=1.5).to_pil()
        image.save(artifacts / f"draft_page{i + 1}.png")
        assert abs(image.height / image.width - 297 / 210) < 0.01  # A4 portrait
        gray = np.asarray(image.convert("L"))
        dark_rows = (gray < 200).mean(axis=1) > 0.4  # a table rule crosses most of the page width
        ruled.append(int(np.sum(dark_rows[1:] & ~dark_rows[:-1])))
    doc.close()
    assert ruled[0] == 0  # title, introduction and section 一: prose only
    assert ruled[-1] == 0  # sections 五 and 六: prose only
    assert sum(ruled) >= 40  # the row borders of tables 二, 三 and 四 (42 rows; some rules stop at merged cells)
