"""A report as a Word document in the official layout.

A4 portrait with the margins of 党政机关公文格式 (GB/T 9704: 天头 37 mm, 订口 28 mm, 版心
156 × 225 mm), the title in 方正小标宋简体 二号, the body in 仿宋_GB2312 三号 with a fixed
28 pt line, the six headings in 黑体, digits in Times New Roman, the three tables with real
merged header and label cells (built from `render.layout` grids) and the page number
"— N —" in the footer.

The package is written directly as WordprocessingML (no python-docx document model):
one document takes a few milliseconds, which the round-trip tests need by the thousand.
The font table names the Windows fonts a government office has, with the fonts Windows
ships as alternates; `office.convert` maps the same names onto the Noto CJK fonts for
LibreOffice on Linux.
"""
from __future__ import annotations

import io
import re
import zipfile
from xml.sax.saxutils import escape

from ..formats import templates as T
from ..model import Report
from .guidance import closing_heading, prose_placeholders
from .layout import Grid, GridCell
from .report import TABLE_SECTIONS, grids_of, intro_of, title_of

TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
BODY_FONT = "仿宋_GB2312"
TABLE_FONT = "仿宋_GB2312"
DIGIT_FONT = "Times New Roman"
PAGE_NUMBER_FONT = "宋体"
# (name, alternate names Word may use when the font is missing, charset, family, pitch)
FONT_TABLE = (
    (TITLE_FONT, "方正小标宋_GBK,华文中宋,宋体", "86", "script", "fixed"),
    (HEADING_FONT, "SimHei", "86", "modern", "fixed"),
    (BODY_FONT, "仿宋,FangSong", "86", "modern", "fixed"),
    (PAGE_NUMBER_FONT, "SimSun", "86", "auto", "variable"),
    (DIGIT_FONT, "", "00", "roman", "variable"),
)

# sizes in half-points: 二号 22 pt, 三号 16 pt, 四号 14 pt, 五号 10.5 pt, 小五 9 pt
TITLE_SIZE, BODY_SIZE, PAGE_NUMBER_SIZE = 44, 32, 28
TABLE_SIZE = {"table2": 21, "table3": 21, "table4": 18}
BODY_LINE = 560  # exactly 28 pt, in twentieths of a point

CM = 567  # twips per centimetre
PAGE = {"w": 11906, "h": 16838, "top": 2098, "bottom": 1985, "left": 1588, "right": 1474, "header": 851, "footer": 1418}
TEXT_WIDTH = PAGE["w"] - PAGE["left"] - PAGE["right"]  # 156 mm

# column widths in cm; each table fills the 15.6 cm text block
COLUMN_WIDTHS = {
    "table2": [4.8, 3.6, 3.6, 3.6],
    "table3": [1.3, 1.6, 4.1] + [1.22] * 7,
    "table4": [1.04] * 15,
}

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(s: str) -> str:
    return escape(_INVALID_XML.sub("", s))


def _rpr(font: str, size: int, bold: bool = False) -> str:
    fonts = f'<w:rFonts w:ascii="{DIGIT_FONT}" w:hAnsi="{DIGIT_FONT}" w:eastAsia="{font}" w:cs="{DIGIT_FONT}"/>'
    return f"<w:rPr>{fonts}{'<w:b/><w:bCs/>' if bold else ''}<w:sz w:val=\"{size}\"/><w:szCs w:val=\"{size}\"/></w:rPr>"


def _run(text: str, font: str, size: int, bold: bool = False) -> str:
    return f'<w:r>{_rpr(font, size, bold)}<w:t xml:space="preserve">{_text(text)}</w:t></w:r>'


def _paragraph(text: str, font: str = BODY_FONT, size: int = BODY_SIZE, *, align: str = "both", indent: bool = True,
               line: int = BODY_LINE, after: int = 0, style: str | None = None, keep_next: bool = False) -> str:
    ppr = f'<w:pStyle w:val="{style}"/>' if style else ""
    ppr += "<w:keepNext/>" if keep_next else ""
    ppr += f'<w:spacing w:before="0" w:after="{after}" w:line="{line}" w:lineRule="exact"/>'
    if indent:
        ppr += f'<w:ind w:firstLineChars="200" w:firstLine="{size * 20}"/>'
    ppr += f'<w:jc w:val="{align}"/>'
    return f"<w:p><w:pPr>{ppr}</w:pPr>{_run(text, font, size)}</w:p>"


# --------------------------------------------------------------------------- tables


def _cell(text: str, width: int, size: int, *, kind: str, span: int, merge: str | None) -> str:
    tcpr = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if span > 1:
        tcpr += f'<w:gridSpan w:val="{span}"/>'
    if merge == "restart":
        tcpr += '<w:vMerge w:val="restart"/>'
    elif merge == "continue":
        tcpr += "<w:vMerge/>"
    tcpr += '<w:vAlign w:val="center"/>'
    if merge == "continue":
        return f"<w:tc><w:tcPr>{tcpr}</w:tcPr><w:p/></w:tc>"
    align = "left" if kind == "label" else "center"
    ppr = f'<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/><w:jc w:val="{align}"/>'
    run = _run(text, TABLE_FONT, size, bold=kind == "item") if text else ""
    return f"<w:tc><w:tcPr>{tcpr}</w:tcPr><w:p><w:pPr>{ppr}</w:pPr>{run}</w:p></w:tc>"


def _widths(grid: Grid) -> list[int]:
    cm = COLUMN_WIDTHS.get(grid.name)
    if cm and len(cm) == grid.width:
        return [round(w * CM) for w in cm]
    return [TEXT_WIDTH // grid.width] * grid.width


def table_xml(grid: Grid) -> str:
    """The grid as a bordered Word table: a cell spanning columns is one `w:tc` with
    `w:gridSpan`; a cell spanning rows starts a `w:vMerge` that the rows below continue."""
    widths = _widths(grid)
    size = TABLE_SIZE.get(grid.name, 21)
    origins: dict[tuple[int, int], GridCell] = {}
    continued: dict[tuple[int, int], int] = {}  # (row, first column) -> colspan, for rows a merge covers
    for r, row in enumerate(grid.rows):
        for c, cell in row:
            origins[(r, c)] = cell
            for dr in range(1, cell.rowspan):
                continued[(r + dr, c)] = cell.colspan
    border = '<w:{0} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
    borders = "".join(border.format(b) for b in ("top", "left", "bottom", "right", "insideH", "insideV"))
    out = [
        "<w:tbl><w:tblPr>",
        f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>',
        f"<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type=\"fixed\"/>",
        '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>',
        '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>',
        "</w:tblPr><w:tblGrid>",
        "".join(f'<w:gridCol w:w="{w}"/>' for w in widths),
        "</w:tblGrid>",
    ]
    for r in range(len(grid.rows)):
        out.append('<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val="397"/></w:trPr>')
        c = 0
        while c < grid.width:
            if (r, c) in origins:
                cell = origins[(r, c)]
                span = cell.colspan
                merge = "restart" if cell.rowspan > 1 else None
                out.append(_cell(cell.text, sum(widths[c : c + span]), size, kind=cell.kind, span=span, merge=merge))
            elif (r, c) in continued:
                span = continued[(r, c)]
                out.append(_cell("", sum(widths[c : c + span]), size, kind="label", span=span, merge="continue"))
            else:
                span = 1
                out.append(_cell("", widths[c], size, kind="value", span=1, merge=None))
            c += span
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


# --------------------------------------------------------------------------- the document


def _body(report: Report, prose: dict[str, str], notes: list[str] | None, zeros: bool) -> str:
    parts = [_paragraph(report.title or title_of(report), TITLE_FONT, TITLE_SIZE, align="center", indent=False,
                        line=700, after=560, style="Title")]
    for para in (prose.get("intro") or intro_of(report)).split("\n"):
        if para.strip():
            parts.append(_paragraph(para.strip()))
    grids = grids_of(report, zeros=zeros)
    for sec in T.SECTIONS:
        table = sec.key in TABLE_SECTIONS
        parts.append(_paragraph(sec.title, HEADING_FONT, style="Heading1", keep_next=table))
        if table:
            parts.append(table_xml(grids[TABLE_SECTIONS[sec.key]]))
            parts.append(_paragraph("", indent=False, line=240))  # Word needs a paragraph between tables
            continue
        for para in (prose.get(sec.key) or "").split("\n"):
            if para.strip():
                parts.append(_paragraph(para.strip()))
    if notes:
        parts.append(_paragraph(closing_heading(), HEADING_FONT, style="Heading1"))
        parts += [_paragraph(note) for note in notes]
    sect = (
        f'<w:sectPr><w:footerReference w:type="default" r:id="rIdFooter1"/>'
        f'<w:pgSz w:w="{PAGE["w"]}" w:h="{PAGE["h"]}"/>'
        f'<w:pgMar w:top="{PAGE["top"]}" w:right="{PAGE["right"]}" w:bottom="{PAGE["bottom"]}" w:left="{PAGE["left"]}" '
        f'w:header="{PAGE["header"]}" w:footer="{PAGE["footer"]}" w:gutter="0"/></w:sectPr>'
    )
    return "".join(parts) + sect


def _document_xml(body: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>{body}</w:body></w:document>')


def _styles_xml() -> str:
    heading = (f'<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/>'
               f'<w:next w:val="Normal"/><w:qFormat/><w:pPr><w:outlineLvl w:val="0"/></w:pPr>'
               f'<w:rPr><w:rFonts w:eastAsia="{HEADING_FONT}"/></w:rPr></w:style>')
    title = (f'<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/>'
             f'<w:next w:val="Normal"/><w:qFormat/><w:rPr><w:rFonts w:eastAsia="{TITLE_FONT}"/></w:rPr></w:style>')
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:styles xmlns:w="{W_NS}">'
        f'<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="{DIGIT_FONT}" w:hAnsi="{DIGIT_FONT}" '
        f'w:eastAsia="{BODY_FONT}" w:cs="{DIGIT_FONT}"/><w:kern w:val="2"/><w:sz w:val="{BODY_SIZE}"/>'
        f'<w:szCs w:val="{BODY_SIZE}"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
        f'<w:pPrDefault><w:pPr><w:widowControl w:val="0"/><w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults>'
        f'<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>'
        f"{heading}{title}"
        f'<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>'
        f'<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/>'
        f'<w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/>'
        f"</w:tblCellMar></w:tblPr></w:style></w:styles>"
    )


def _font_table_xml() -> str:
    fonts = []
    for name, alternates, charset, family, pitch in FONT_TABLE:
        alt = f'<w:altName w:val="{alternates}"/>' if alternates else ""
        fonts.append(f'<w:font w:name="{name}">{alt}<w:charset w:val="{charset}"/><w:family w:val="{family}"/>'
                     f'<w:pitch w:val="{pitch}"/></w:font>')
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:fonts xmlns:w="{W_NS}">{"".join(fonts)}</w:fonts>'


def _footer_xml() -> str:
    """"— N —", centred, 四号宋体."""
    rpr = (f'<w:rPr><w:rFonts w:ascii="{PAGE_NUMBER_FONT}" w:hAnsi="{PAGE_NUMBER_FONT}" w:eastAsia="{PAGE_NUMBER_FONT}"/>'
           f'<w:sz w:val="{PAGE_NUMBER_SIZE}"/></w:rPr>')
    field = (f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r><w:r>{rpr}<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
             f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r><w:r>{rpr}<w:t>1</w:t></w:r>'
             f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>')
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:ftr xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
            f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r>{rpr}<w:t xml:space="preserve">— </w:t></w:r>{field}'
            f'<w:r>{rpr}<w:t xml:space="preserve"> —</w:t></w:r></w:p></w:ftr>')


_SETTINGS = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:settings xmlns:w="{W_NS}">'
             '<w:defaultTabStop w:val="420"/><w:characterSpacingControl w:val="compressPunctuation"/>'
             '<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" '
             'w:val="15"/></w:compat></w:settings>')
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
    '<Override PartName="/word/settings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>'
    '<Override PartName="/word/fontTable.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/>'
    '<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
_REL = '<Relationship Id="{0}" Type="{1}" Target="{2}"/>'
_OD = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    + _REL.format("rId1", _OD + "officeDocument", "word/document.xml")
    + _REL.format("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
                  "docProps/core.xml")
    + _REL.format("rId3", _OD + "extended-properties", "docProps/app.xml")
    + "</Relationships>"
)
_DOCUMENT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    + _REL.format("rIdStyles", _OD + "styles", "styles.xml")
    + _REL.format("rIdSettings", _OD + "settings", "settings.xml")
    + _REL.format("rIdFonts", _OD + "fontTable", "fontTable.xml")
    + _REL.format("rIdFooter1", _OD + "footer", "footer1.xml")
    + "</Relationships>"
)
_APP = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Application>nianbao</Application></Properties>")


def _core_xml(title: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:title>{_text(title)}</dc:title><dc:language>zh-CN</dc:language><dc:creator>nianbao</dc:creator>"
            "</cp:coreProperties>")


_STATIC_PARTS: dict[str, str] = {}


def _static_parts() -> dict[str, str]:
    if not _STATIC_PARTS:
        _STATIC_PARTS.update({
            "[Content_Types].xml": _CONTENT_TYPES,
            "_rels/.rels": _PACKAGE_RELS,
            "word/_rels/document.xml.rels": _DOCUMENT_RELS,
            "word/styles.xml": _styles_xml(),
            "word/settings.xml": _SETTINGS,
            "word/fontTable.xml": _font_table_xml(),
            "word/footer1.xml": _footer_xml(),
            "docProps/app.xml": _APP,
        })
    return _STATIC_PARTS


def _package(parts: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # same input, same bytes
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


def render_docx(report: Report, prose: dict[str, str] | None = None, notes: list[str] | None = None,
                zeros: bool = False) -> bytes:
    """The whole report as DOCX bytes.  `prose` maps section keys (and "intro") to text
    (default: the report's own section texts, else drafting placeholders); `notes` are
    appended under a closing heading (e.g. the errors of a forced draft); `zeros` writes
    0 in every empty numeric cell, as the format requires of a new report."""
    if prose is None:
        prose = {s.key: s.text for s in report.sections if s.text}
    prose = {**prose_placeholders(report), **{k: v for k, v in prose.items() if v and v.strip()}}
    title = report.title or title_of(report)
    parts = {
        **_static_parts(),
        "word/document.xml": _document_xml(_body(report, prose, notes, zeros)),
        "docProps/core.xml": _core_xml(title),
    }
    order = ["[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/_rels/document.xml.rels",
             "word/styles.xml", "word/settings.xml", "word/fontTable.xml", "word/footer1.xml",
             "docProps/core.xml", "docProps/app.xml"]
    return _package({name: parts[name] for name in order})
