"""LibreOffice, headless: DOC/WPS/RTF -> DOCX, DOCX -> PDF or DOC.

Each conversion runs in a private profile directory (so parallel conversions never share
or lock a user profile) with a timeout; on timeout the whole process group is killed.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from .errors import LimitExceeded, MissingDependency, UnreadableInput

DEFAULT_TIMEOUT = 120.0
FILTERS = {
    "docx": "docx:MS Word 2007 XML",
    "pdf": "pdf:writer_pdf_Export",
    "doc": "doc:MS Word 97",
    "odt": "odt",
}


def soffice() -> str:
    """Path of the LibreOffice program, or a clear error naming the package to install."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise MissingDependency(
        "读取 DOC/WPS 文件需要 LibreOffice，请安装 Debian 软件包 libreoffice-writer-nogui（apt install libreoffice-writer-nogui）。",
        "Reading DOC/WPS files needs LibreOffice: install the Debian package libreoffice-writer-nogui "
        "(apt install libreoffice-writer-nogui).",
    )


def convert(data: bytes, source_suffix: str, target: str, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """`data` (a file of type `source_suffix`, e.g. ".doc") converted to `target` (docx, pdf, doc)."""
    program = soffice()
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as tmp:
        root = Path(tmp)
        src = root / f"input{source_suffix}"
        src.write_bytes(data)
        out_dir = root / "out"
        out_dir.mkdir()
        cmd = [
            program,
            f"-env:UserInstallation=file://{root / 'profile'}",
            "--headless", "--invisible", "--norestore", "--nologo", "--nodefault", "--nofirststartwizard",
            "--convert-to", FILTERS.get(target, target), "--outdir", str(out_dir), str(src),
        ]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                env={**os.environ, "HOME": str(root)})
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise LimitExceeded(
                f"LibreOffice 转换超过 {timeout:.0f} 秒仍未完成，已终止。",
                f"The LibreOffice conversion did not finish within {timeout:.0f} s and was killed.",
            ) from None
        outputs = sorted(out_dir.glob(f"input.{target}"))
        if not outputs:
            detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] if err else []
            raise UnreadableInput(
                "LibreOffice 无法打开该文件，文件可能已损坏或加密。",
                "LibreOffice could not open the file; it may be corrupt or encrypted."
                + (f" ({detail[0]})" if detail else ""),
            )
        return outputs[0].read_bytes()
