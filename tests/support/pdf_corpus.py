"""Generated PDFs and scans of records with known values (the PDF and OCR readers' corpus).

Text-layer PDFs: the official-layout DOCX (`render.docx`) converted by LibreOffice, or the
HTML page printed by headless Chromium.  Scans: those pages rasterised at 150-200 dpi,
optionally rotated and noisy, saved as PNG/JPEG/TIFF or as image-only PDFs; PDFs with a
broken text layer: page images under invisible mis-decoded text.
"""
from __future__ import annotations

import ctypes
import io
import random
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as raw
from PIL import Image

from nianbao.model import Report
from nianbao.office import convert
from nianbao.render.docx import render_docx
from nianbao.render.report import render
from nianbao.synth import prose_for, random_record

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def record(seed: int, template: str | None = None) -> tuple[Report, dict[str, str]]:
    rng = random.Random(seed)
    rec = random_record(rng, template=template)
    return rec, prose_for(rec, rng)


def docx_pdf(rec: Report, prose: dict[str, str]) -> bytes:
    return convert(render_docx(rec, prose), ".docx", "pdf")


def chromium_pdf(html: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="nianbao-chromium-") as tmp:
        page, out = Path(tmp) / "page.html", Path(tmp) / "page.pdf"
        page.write_text(html, encoding="utf-8")
        subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--no-first-run", f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer",
             f"--print-to-pdf={out}", page.as_uri()],
            capture_output=True, timeout=120, check=True,
        )
        return out.read_bytes()


def html_pdf(rec: Report, prose: dict[str, str], rulings: bool = True) -> bytes:
    """The renderer's HTML page printed by Chromium; `rulings=False`: tables without lines."""
    html = render(rec, "html", prose)
    if not rulings:
        html = html.replace("</style>", "th,td{border:none!important}</style>", 1)
    return chromium_pdf(html)


def encrypted_pdf(rec: Report, prose: dict[str, str], password: str = "secret") -> bytes:
    """The report as a PDF that needs a password to open (LibreOffice's PDF export)."""
    options = ('pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
               f'"DocumentOpenPassword":{{"type":"string","value":"{password}"}}}}')
    with tempfile.TemporaryDirectory(prefix="nianbao-enc-") as tmp:
        src = Path(tmp) / "in.docx"
        src.write_bytes(render_docx(rec, prose))
        subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to", options,
             "--outdir", f"{tmp}/out", str(src)],
            capture_output=True, timeout=120, check=True, env={"HOME": tmp, "PATH": "/usr/bin:/bin"},
        )
        return (Path(tmp) / "out" / "in.pdf").read_bytes()


def scan(pdf: bytes, dpi: int = 150, angle: float = 0.0, noise: float = 0.0, seed: int = 0) -> list[Image.Image]:
    """The PDF's pages as grey scans: rotated by `angle` degrees, with grain and specks."""
    rng = np.random.default_rng(seed)
    doc = pdfium.PdfDocument(pdf)
    pages = []
    for page in doc:
        img = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        if angle:
            img = img.rotate(angle, resample=Image.BICUBIC, fillcolor=255)
        if noise:
            a = np.asarray(img).astype(np.float32) + rng.normal(0, noise, (img.height, img.width))
            a[rng.random(a.shape) < 0.0008] = 0
            img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
        pages.append(img)
    doc.close()
    return pages


def tiff(pages: list[Image.Image]) -> bytes:
    buf = io.BytesIO()
    pages[0].save(buf, "TIFF", save_all=True, append_images=pages[1:], compression="tiff_deflate")
    return buf.getvalue()


def image_pdf(pages: list[Image.Image], dpi: int) -> bytes:
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", resolution=dpi, save_all=True, append_images=pages[1:])
    return buf.getvalue()


def long_image(pages: list[Image.Image], fmt: str) -> bytes:
    """All pages one below the other: a screenshot of the whole report."""
    out = Image.new("L", (pages[0].width, sum(p.height for p in pages)), 255)
    y = 0
    for p in pages:
        out.paste(p, (0, y))
        y += p.height
    buf = io.BytesIO()
    (out.convert("RGB") if fmt == "JPEG" else out).save(buf, fmt, **({"quality": 80} if fmt == "JPEG" else {}))
    return buf.getvalue()


def mojibake(text: str) -> str:
    """What a font without a usable Unicode map gives: the GBK bytes read as Latin-1."""
    return text.encode("gb18030", "replace").decode("latin-1")


def with_garbled_pages(pdf: bytes, garbled: set[int], dpi: int = 200) -> bytes:
    """A copy of `pdf` in which the pages `garbled` (0-based) are images of themselves
    under an invisible text layer that reads as mojibake, like a bad OCR layer."""
    src = pdfium.PdfDocument(pdf)
    out = pdfium.PdfDocument.new()
    for index in range(len(src)):
        if index not in garbled:
            out.import_pages(src, [index])
            continue
        page = src[index]
        width, height = page.get_size()
        text = page.get_textpage().get_text_range()
        img = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        new = out.new_page(width, height)
        image = pdfium.PdfImage.new(out)
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=90)
        image.load_jpeg(buf, inline=True)
        image.set_matrix(pdfium.PdfMatrix().scale(width, height))
        new.insert_obj(image)
        _invisible_text(out, new, [mojibake(line) for line in text.splitlines() if line.strip()], height)
        new.gen_content()
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def _invisible_text(doc: pdfium.PdfDocument, page: pdfium.PdfPage, lines: list[str], height: float) -> None:
    for i, line in enumerate(lines):
        obj = raw.FPDFPageObj_NewTextObj(doc.raw, b"Helvetica", ctypes.c_float(10))
        encoded = (line + "\x00").encode("utf-16-le")
        raw.FPDFText_SetText(obj, ctypes.cast(ctypes.create_string_buffer(encoded), ctypes.POINTER(raw.FPDF_WCHAR)))
        raw.FPDFTextObj_SetTextRenderMode(obj, raw.FPDF_TEXTRENDERMODE_INVISIBLE)
        raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, 60, height - 80 - 14 * i)
        raw.FPDFPage_InsertObject(page.raw, obj)


def table_picture_pdf(rec: Report, prose: dict[str, str], dpi: int = 200) -> bytes:
    """The HTML report printed by Chromium with table 三 pasted as a picture (text layer
    everywhere else)."""
    html = render(rec, "html", prose)
    start = html.index('<table class="nb-table table3">')
    end = html.index("</table>", start) + len("</table>")
    alone = chromium_pdf("<html><head><meta charset='utf-8'><style>table{border-collapse:collapse}"
                         "td,th{border:1px solid #000;padding:2px 4px}</style></head><body>"
                         + html[start:end] + "</body></html>")
    picture = scan(alone, dpi)[0]
    ink = np.flatnonzero((np.asarray(picture) < 128).any(axis=1))
    cols = np.flatnonzero((np.asarray(picture) < 128).any(axis=0))
    picture = picture.crop((int(cols[0]) - 8, int(ink[0]) - 8, int(cols[-1]) + 9, int(ink[-1]) + 9))
    buf = io.BytesIO()
    picture.save(buf, "PNG")
    import base64

    data = base64.b64encode(buf.getvalue()).decode()
    img = f'<img src="data:image/png;base64,{data}" style="width:{picture.width * 96 // dpi}px">'
    return chromium_pdf(html[:start] + img + html[end:])
