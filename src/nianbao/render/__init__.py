"""Rendering records to the official layouts: grids (layout), text/markdown/html (formats, report), the terminal, DOCX."""
