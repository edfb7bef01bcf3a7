"""A small streaming XLSX writer (SpreadsheetML written directly, like `render.docx`).

openpyxl spends ~30 µs on each cell it writes; a region's cell-by-cell data (300 reports,
60,000 rows of 18 columns) took half a minute.  Here a row is one string join, each
sheet's rows are spooled to a temporary file as they come (any number of sheets may be
filled at once), and the package is assembled on `close`.  What it writes: numbers,
inline strings (never formulas), a fixed set of named cell styles, column widths, frozen
heading rows, merged ranges and a print setup (paper, orientation, fit to the page's width,
heading rows repeated on every page) - what the exports need, nothing more.

    book = Workbook(out)
    sheet = book.sheet("报告", widths=[8, 30], freeze_rows=2)
    sheet.row(["编号", "机关"], style="header")
    sheet.row([1, "洪泽区人民政府"])
    sheet.merge(1, 1, colspan=2)
    book.close()
"""
from __future__ import annotations

import math
import re
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any
from xml.sax.saxutils import escape

MAX_ROWS = 1_048_576
MAX_TEXT = 32_767
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# --------------------------------------------------------------------------- styles

_FONTS = ('<font><sz val="11"/><name val="等线"/></font>',
          '<font><b/><sz val="14"/><name val="等线"/></font>',
          '<font><sz val="11"/><color rgb="FF595959"/><name val="等线"/></font>',
          '<font><b/><sz val="12"/><name val="等线"/></font>',
          '<font><b/><sz val="11"/><name val="等线"/></font>',
          '<font><b/><sz val="11"/><color rgb="FF1F3864"/><name val="等线"/></font>',
          '<font><b/><sz val="11"/><color rgb="FFC00000"/><name val="等线"/></font>',
          '<font><b/><sz val="11"/><color rgb="FFBF8F00"/><name val="等线"/></font>',
          '<font><sz val="11"/><color rgb="FF2F5597"/><name val="等线"/></font>')
_FILLS = ('<fill><patternFill patternType="none"/></fill>', '<fill><patternFill patternType="gray125"/></fill>',
          '<fill><patternFill patternType="solid"><fgColor rgb="FFEDEDED"/></patternFill></fill>',
          '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/></patternFill></fill>')
_THIN = '<{0} style="thin"><color rgb="FF808080"/></{0}>'
_BORDERS = ("<border><left/><right/><top/><bottom/><diagonal/></border>",
            "<border>" + "".join(_THIN.format(s) for s in ("left", "right", "top", "bottom")) + "<diagonal/></border>")
_CENTER = '<alignment horizontal="center" vertical="center" wrapText="1"/>'
# name -> (font, fill, border, alignment)
STYLES: dict[str, tuple[int, int, int, str]] = {
    "plain": (0, 0, 0, ""),
    "title": (1, 0, 0, '<alignment vertical="center"/>'),
    "subtitle": (2, 0, 0, '<alignment vertical="center" wrapText="1"/>'),
    "section": (3, 0, 0, ""),
    "header": (4, 2, 1, _CENTER),
    "label": (0, 0, 1, '<alignment vertical="center" wrapText="1"/>'),
    "value": (0, 0, 1, '<alignment horizontal="right" vertical="center"/>'),
    "text": (0, 0, 1, '<alignment vertical="top" wrapText="1"/>'),
    "group": (5, 3, 0, '<alignment vertical="center" wrapText="1"/>'),
    "error": (6, 0, 1, _CENTER),
    "warning": (7, 0, 1, _CENTER),
    "info": (8, 0, 1, _CENTER),
}
STYLE_IDS = {name: i for i, name in enumerate(STYLES)}


def _styles_xml() -> str:
    xfs = "".join(
        f'<xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0"'
        + (' applyFont="1"' if font else "") + (' applyFill="1"' if fill else "")
        + (' applyBorder="1"' if border else "")
        + (f' applyAlignment="1">{align}</xf>' if align else "/>")
        for font, fill, border, align in STYLES.values())
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet {_NS}>'
            f'<fonts count="{len(_FONTS)}">{"".join(_FONTS)}</fonts>'
            f'<fills count="{len(_FILLS)}">{"".join(_FILLS)}</fills>'
            f'<borders count="{len(_BORDERS)}">{"".join(_BORDERS)}</borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(STYLES)}">{xfs}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>")


# --------------------------------------------------------------------------- cells


def column_letter(n: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


_LETTERS: list[str] = []


def _letters(n: int) -> list[str]:
    while len(_LETTERS) < n:
        _LETTERS.append(column_letter(len(_LETTERS) + 1))
    return _LETTERS


_TEXT_CACHE: dict[str, str] = {}  # exported text repeats a lot (agency names, cell paths, methods)


def text_xml(value: str) -> str:
    """`value` escaped for XML, without the characters XML cannot hold, cut at Excel's limit."""
    out = _TEXT_CACHE.get(value)
    if out is None:
        out = escape(_ILLEGAL.sub("", value)[:MAX_TEXT])
        if len(value) < 200:
            if len(_TEXT_CACHE) > 100_000:
                _TEXT_CACHE.clear()
            _TEXT_CACHE[value] = out
    return out


def _cell(ref: str, value: Any, style: int) -> str:
    """One cell's XML (type checks by identity first: this runs for every cell written)."""
    kind = type(value)
    s = f' s="{style}"' if style else ""
    if kind is str:
        return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text_xml(value)}</t></is></c>'
    if kind is int:
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    if kind is float:
        if value != value or value in (math.inf, -math.inf):
            return f'<c r="{ref}"{s}/>' if style else ""
        shown = int(value) if value.is_integer() and -1e15 < value < 1e15 else float.__repr__(value)
        return f'<c r="{ref}"{s}><v>{shown}</v></c>'
    if value is None:
        return f'<c r="{ref}"{s}/>' if style else ""
    if kind is bool:
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (str, int, float)):  # subclasses (numpy.float64, enum values)
        return _cell(ref, (str if isinstance(value, str) else float if isinstance(value, float) else int)(value), style)
    return _cell(ref, _plain(value), style)


def _unstyled(letters: list[str], row: str, values: Sequence[Any]) -> str:
    """The cells of a row without styles: `_cell`, with text and whole numbers inline (the
    bulk of a data sheet: one function call per cell less)."""
    out: list[str] = []
    add = out.append
    cached = _TEXT_CACHE.get
    for letter, v in zip(letters, values):
        kind = type(v)
        if kind is str:
            add(f'<c r="{letter}{row}" t="inlineStr"><is><t xml:space="preserve">{cached(v) or text_xml(v)}</t></is></c>')
        elif kind is int:
            add(f'<c r="{letter}{row}"><v>{v}</v></c>')
        elif v is not None:
            add(_cell(letter + row, v, 0))
    return "".join(out)


def _plain(value: Any) -> Any:
    """A numpy or pandas scalar as a Python value (None for pandas' missing values)."""
    try:
        if value != value or value is getattr(value, "NA", object()):  # NaN, NaT
            return None
    except TypeError:  # pandas.NA cannot be compared
        return None
    if hasattr(value, "item"):
        return value.item()
    return str(value)


# --------------------------------------------------------------------------- sheets and the book

A4 = 9  # SpreadsheetML's paperSize code


@dataclass(frozen=True)
class PrintSetup:
    """How a sheet prints: `paper` (9: A4), landscape or portrait, fitted to one page wide
    (as many pages tall as it takes), the rows `title_rows` (first, last) repeated on every page."""

    landscape: bool = True
    paper: int = A4
    fit_width: bool = True
    title_rows: tuple[int, int] | None = None



class Sheet:
    """One worksheet, filled row by row."""

    def __init__(self, name: str, widths: Sequence[float] = (), freeze_rows: int = 0,
                 printing: PrintSetup | None = None) -> None:
        self.name = name
        self.widths = list(widths)
        self.freeze_rows = freeze_rows
        self.printing = printing
        self.rows = 0
        self.width = 0
        self.merged: list[str] = []
        self._data = tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+b")

    @property
    def full(self) -> bool:
        return self.rows >= MAX_ROWS

    def row(self, values: Sequence[Any], style: str | Sequence[str | None] | None = None) -> int:
        """Append a row (None: an empty cell; a style per cell, or one for all); returns its number."""
        if self.full:
            raise OverflowError(f"sheet {self.name} is full")
        self.rows += 1
        n = self.rows
        letters = _letters(len(values))
        row = str(n)
        if style is None or style == "":
            cells = _unstyled(letters, row, values)
        elif isinstance(style, str):
            sid = STYLE_IDS[style]
            cells = "".join([_cell(letters[i] + row, v, sid) for i, v in enumerate(values)])
        else:
            cells = "".join([_cell(letters[i] + row, v, STYLE_IDS[st] if st else 0)
                             for i, (v, st) in enumerate(zip(values, style))])
        self.width = max(self.width, len(values))
        self._data.write(f'<row r="{n}">{cells}</row>'.encode("utf-8"))
        return n

    def merge(self, row: int, col: int, rowspan: int = 1, colspan: int = 1) -> None:
        if rowspan > 1 or colspan > 1:
            self.merged.append(f"{column_letter(col)}{row}:{column_letter(col + colspan - 1)}{row + rowspan - 1}")

    def line(self, text: str, style: str, width: int) -> int:
        """One text line across `width` columns (styled across, so borders and fills span)."""
        n = self.row([text] + [None] * (width - 1), style)
        self.merge(n, 1, 1, width)
        return n

    def _head(self) -> str:
        view = ""
        if self.freeze_rows:
            top = f"A{self.freeze_rows + 1}"
            view = (f'<pane ySplit="{self.freeze_rows}" topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
                    f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>')
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(self.widths, 1))
        end = f"{column_letter(max(self.width, 1))}{max(self.rows, 1)}"
        fit = self.printing is not None and self.printing.fit_width
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS} xmlns:r="{_REL_NS}">'
                + ('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if fit else "")
                + f'<dimension ref="A1:{end}"/><sheetViews><sheetView workbookViewId="0">{view}</sheetView></sheetViews>'
                '<sheetFormatPr defaultRowHeight="15"/>' + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>")

    def _tail(self) -> str:
        merged = "".join(f'<mergeCell ref="{r}"/>' for r in self.merged)
        return ("</sheetData>" + (f'<mergeCells count="{len(self.merged)}">{merged}</mergeCells>' if merged else "")
                + '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
                + self._page_setup() + "</worksheet>")

    def _page_setup(self) -> str:
        p = self.printing
        if p is None:
            return ""
        fit = ' fitToWidth="1" fitToHeight="0"' if p.fit_width else ""
        return (f'<pageSetup paperSize="{p.paper}" orientation="{"landscape" if p.landscape else "portrait"}"{fit}/>'
                '<headerFooter><oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter></headerFooter>')

    def print_titles(self, index: int) -> str:
        """The workbook's definedName repeating the heading rows when printed ("" if none)."""
        if self.printing is None or not self.printing.title_rows:
            return ""
        quoted = self.name.replace("'", "''")
        first, last = self.printing.title_rows
        return (f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
                f"{escape(chr(39) + quoted + chr(39))}!${first}:${last}</definedName>")

    def write_to(self, zf: zipfile.ZipFile, path: str) -> None:
        with zf.open(path, "w", force_zip64=True) as fh:
            fh.write(self._head().encode("utf-8"))
            self._data.seek(0)
            while chunk := self._data.read(1 << 20):
                fh.write(chunk)
            fh.write(self._tail().encode("utf-8"))
        self._data.close()


class Workbook:
    """Sheets in the order they were added; `close` writes the package to `out`."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.sheets: list[Sheet] = []

    def sheet(self, name: str, widths: Sequence[float] = (), freeze_rows: int = 0,
              printing: PrintSetup | None = None) -> Sheet:
        s = Sheet(name[:31], widths, freeze_rows, printing)
        self.sheets.append(s)
        return s

    @property
    def sheetnames(self) -> list[str]:
        return [s.name for s in self.sheets]

    def close(self) -> None:
        n = len(self.sheets)
        with zipfile.ZipFile(self.out, "w", zipfile.ZIP_DEFLATED, compresslevel=5) as zf:
            zf.writestr("[Content_Types].xml", _content_types(n))
            zf.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
            sheets = "".join(f'<sheet name="{escape(s.name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                             for i, s in enumerate(self.sheets, 1))
            names = "".join(s.print_titles(i) for i, s in enumerate(self.sheets))
            names = f"<definedNames>{names}</definedNames>" if names else ""
            zf.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                        f'<workbook {_NS} xmlns:r="{_REL_NS}"><sheets>{sheets}</sheets>{names}</workbook>')
            rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                           for i in range(1, n + 1))
            rels += f'<Relationship Id="rId{n + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
            zf.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
                        "</Relationships>")
            zf.writestr("xl/styles.xml", _styles_xml())
            for i, s in enumerate(self.sheets, 1):
                s.write_to(zf, f"xl/worksheets/sheet{i}.xml")


def _content_types(n: int) -> str:
    sheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{sheet}"/>' for i in range(1, n + 1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>")
