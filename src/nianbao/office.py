"""LibreOffice, headless: DOC/WPS/RTF -> DOCX, DOCX -> PDF or DOC.

Conversions run with a private LibreOffice profile and HOME (never the user's own), made
once per process and reused (a fresh profile costs ~0.4 s per file); one conversion at a
time per process, since two LibreOffice instances cannot share a profile. Each has a
timeout; on timeout the whole process group is killed and the profile is thrown away.
"""
from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

from .errors import LimitExceeded, MissingDependency, UnreadableInput

DEFAULT_TIMEOUT = 120.0
FILTERS = {
    "docx": "docx:MS Word 2007 XML",
    "pdf": "pdf:writer_pdf_Export",
    "doc": "doc:MS Word 97",
    "odt": "odt",
}
# The fonts of Chinese government documents, which Linux does not have, drawn with the
# Noto CJK fonts (Debian fonts-noto-cjk) instead of fontconfig's default sans fallback.
# (font, substitute, bold)
FONT_SUBSTITUTES = (
    ("仿宋_GB2312", "Noto Serif CJK SC", False), ("仿宋", "Noto Serif CJK SC", False),
    ("FangSong", "Noto Serif CJK SC", False), ("楷体_GB2312", "Noto Serif CJK SC", False),
    ("楷体", "Noto Serif CJK SC", False), ("KaiTi", "Noto Serif CJK SC", False),
    ("宋体", "Noto Serif CJK SC", False), ("SimSun", "Noto Serif CJK SC", False),
    ("方正小标宋简体", "Noto Serif CJK SC", True), ("方正小标宋_GBK", "Noto Serif CJK SC", True),
    ("华文中宋", "Noto Serif CJK SC", True), ("黑体", "Noto Sans CJK SC", False),
    ("SimHei", "Noto Sans CJK SC", False), ("微软雅黑", "Noto Sans CJK SC", False),
    ("Microsoft YaHei", "Noto Sans CJK SC", False),
)


def _font_substitutes(home: Path) -> None:
    """A fontconfig file in the private home of one conversion (never the user's own)."""
    rules = []
    for name, substitute, bold in FONT_SUBSTITUTES:
        weight = '<edit name="weight" mode="assign"><const>bold</const></edit>' if bold else ""
        rules.append(f'<match target="pattern"><test name="family"><string>{name}</string></test>'
                     f'<edit name="family" mode="prepend" binding="strong"><string>{substitute}</string></edit>{weight}</match>')
    conf = home / ".config" / "fontconfig"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "fonts.conf").write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                                     + "".join(rules) + "</fontconfig>", encoding="utf-8")


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


_LOCK = threading.Lock()
_HOME: dict[int, Path] = {}  # pid -> this process's private LibreOffice home


def _private_home() -> Path:
    """This process's LibreOffice home (profile + fontconfig), made at first use."""
    home = _HOME.get(os.getpid())
    if home is None or not home.exists():
        home = Path(tempfile.mkdtemp(prefix="nianbao-lo-home-"))
        _font_substitutes(home)
        _HOME[os.getpid()] = home
        atexit.register(shutil.rmtree, home, True)
    return home


def _discard_home() -> None:
    home = _HOME.pop(os.getpid(), None)
    if home is not None:
        shutil.rmtree(home, ignore_errors=True)


def convert(data: bytes, source_suffix: str, target: str, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """`data` (a file of type `source_suffix`, e.g. ".doc") converted to `target` (docx, pdf, doc)."""
    program = soffice()
    with _LOCK, tempfile.TemporaryDirectory(prefix="nianbao-lo-") as tmp:
        home = _private_home()
        root = Path(tmp)
        src = root / f"input{source_suffix}"
        src.write_bytes(data)
        out_dir = root / "out"
        out_dir.mkdir()
        cmd = [
            program,
            f"-env:UserInstallation=file://{home / 'profile'}",
            "--headless", "--invisible", "--norestore", "--nologo", "--nodefault", "--nofirststartwizard",
            "--convert-to", FILTERS.get(target, target), "--outdir", str(out_dir), str(src),
        ]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                env={**os.environ, "HOME": str(home)})
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            _discard_home()  # a killed instance may leave the profile locked
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
