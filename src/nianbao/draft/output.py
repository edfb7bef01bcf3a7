"""A checked draft written out: DOCX (the official layout), HTML or Markdown, with 0 in
every numeric cell, placeholders for unwritten prose and, for a forced draft, the
failed checks in a closing note."""
from __future__ import annotations

from html import escape

from ..model import Report
from ..render.guidance import closing_heading
from .gate import full_prose

FORMATS = ("docx", "html", "md")
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}


def render(report: Report, fmt: str = "docx", prose: dict[str, str] | None = None,
           notes: list[str] | None = None) -> bytes:
    """The draft as a file of format `fmt` (one of FORMATS)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown draft format {fmt!r}; choose from {', '.join(FORMATS)}")
    texts = full_prose(report, prose)
    if fmt == "docx":
        from ..render.docx import render_docx

        return render_docx(report, texts, notes, zeros=True)
    from ..render.report import render as render_text

    text = render_text(report, fmt, prose=texts)
    if notes:
        text = _with_notes(text, fmt, notes)
    return text.encode("utf-8")


def _with_notes(text: str, fmt: str, notes: list[str]) -> str:
    if fmt == "md":
        return text.rstrip("\n") + f"\n\n## {closing_heading()}\n\n" + "\n".join(f"- {n}" for n in notes) + "\n"
    block = f"<h2>{escape(closing_heading())}</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>"
    head, sep, tail = text.rpartition("</body>")
    return head + block + sep + tail if sep else text + block
