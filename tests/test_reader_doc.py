"""DOC, WPS, RTF and ODT through LibreOffice: every cell back, and clear messages when
LibreOffice is missing, the file is corrupt or encrypted, or it is not a Word file."""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time

import pytest

from tests.support.roundtrip_util import differences
from tests.test_reader_html import with_blanks
from nianbao import office
from nianbao.errors import LimitExceeded, MissingDependency, UnreadableInput, UnsupportedFormat
from nianbao.parsing.pipeline import parse
from nianbao.parsing.readers import sniff
from nianbao.parsing.readers.doc import OLE_MAGIC, read_doc
from nianbao.render.docx import render_docx
from nianbao.synth import prose_for, random_record

pytestmark = pytest.mark.slow  # LibreOffice takes 1-2 s per conversion


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nianbao", *args], capture_output=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def records():
    out = []
    for i in range(5):
        rng = random.Random(40_000 + i)
        rec = random_record(rng)
        if i:  # the first stays complete, for the CLI's `check`
            with_blanks(rec, rng)
        out.append((rec, render_docx(rec, prose_for(rec, rng))))
    return out


@pytest.fixture(scope="module")
def doc_files(records):
    return [(rec, office.convert(data, ".docx", "doc")) for rec, data in records]


@pytest.fixture(scope="module")
def complete_doc(records):
    """The complete record as DOC (the tests that only need one DOC don't convert all)."""
    rec, data = records[0]
    return rec, office.convert(data, ".docx", "doc")


def test_doc_files_give_every_cell_back(doc_files):
    assert len(doc_files) == 5
    for rec, data in doc_files:
        assert data.startswith(OLE_MAGIC) and sniff(data) == "doc"
        got = parse(data)
        assert got.source.reader == "doc"
        assert differences(got, rec) == []
        assert any(p.origin and p.origin.startswith("表格") for p in got.provenance.values())


@pytest.mark.parametrize("target", ["rtf", "odt", "fodt"])
def test_rtf_and_opendocument_are_converted_too(records, target):
    rec, data = records[1]
    converted = office.convert(data, ".docx", target)
    assert sniff(converted) == "doc"
    assert differences(parse(converted), rec) == []


def test_a_wps_file_is_read_by_content_through_the_cli(complete_doc, tmp_path):
    rec, data = complete_doc
    path = tmp_path / "年度报告.wps"  # Kingsoft WPS files are OLE documents like DOC
    path.write_bytes(data)
    proc = run("parse", str(path), "--format", "json", "--no-text")
    assert proc.returncode == 0, proc.stderr.decode()
    out = json.loads(proc.stdout)
    assert out["source"]["reader"] == "doc"
    assert {k: out[k] for k in ("table2", "table3", "table4")} == {"table2": rec.table2, "table3": rec.table3, "table4": rec.table4}
    assert run("check", str(path)).returncode == 0


def test_missing_libreoffice_names_the_debian_package(complete_doc, monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    with pytest.raises(MissingDependency) as exc:
        read_doc(complete_doc[1])
    assert "libreoffice-writer-nogui" in exc.value.message_zh and "libreoffice-writer-nogui" in exc.value.message_en
    path = tmp_path / "report.doc"
    path.write_bytes(complete_doc[1])
    env = {**os.environ, "PATH": str(tmp_path)}  # a PATH on which no soffice can be found
    for command in ("parse", "check"):
        proc = run(command, str(path), env=env)
        err = proc.stderr.decode()
        assert proc.returncode == 2 and "libreoffice-writer-nogui" in err and "Traceback" not in err


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_corrupt_doc_gets_a_bilingual_message_and_exit_2(complete_doc, tmp_path, damage):
    data = complete_doc[1]
    data = data[: len(data) // 2] if damage == "truncated" else data[:512] + random.Random(1).randbytes(20_000)
    path = tmp_path / "report.doc"
    path.write_bytes(data)
    for command in ("parse", "check"):
        proc = run(command, str(path))
        err = proc.stderr.decode()
        assert proc.returncode == 2, (command, err)
        assert "LibreOffice 无法打开该文件" in err and "could not open the file" in err
        assert "Traceback" not in err and "内部错误" not in err


def _ole_with(stream: str) -> bytes:
    """An OLE header followed by a directory entry naming `stream` (all the sniffing looks at)."""
    return OLE_MAGIC + b"\0" * 1016 + stream.encode("utf-16-le") + b"\0" * 1000


def test_encrypted_and_non_word_ole_files_are_refused_without_libreoffice(monkeypatch, tmp_path):
    monkeypatch.setattr(office, "convert", lambda *a, **k: pytest.fail("LibreOffice must not be started"))
    with pytest.raises(UnreadableInput, match="encrypted"):
        read_doc(_ole_with("EncryptedPackage"))
    with pytest.raises(UnsupportedFormat, match="Excel"):
        read_doc(_ole_with("Workbook"))
    with pytest.raises(UnsupportedFormat, match="PowerPoint"):
        read_doc(_ole_with("PowerPoint Document"))
    with pytest.raises(UnreadableInput, match="truncated"):
        read_doc(OLE_MAGIC + b"\0" * 100)
    path = tmp_path / "secret.docx"
    path.write_bytes(_ole_with("EncryptedPackage"))
    proc = run("parse", str(path))
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "已加密" in err and "encrypted" in err and "Traceback" not in err


def test_a_hanging_conversion_is_killed_at_the_timeout(monkeypatch, tmp_path):
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(0o755)
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: str(fake) if name == "soffice" else None)
    start = time.monotonic()
    with pytest.raises(LimitExceeded) as exc:
        office.convert(b"{\\rtf1 x}", ".rtf", "docx", timeout=1)
    assert time.monotonic() - start < 10
    assert "1 秒" in exc.value.message_zh and "within 1 s" in exc.value.message_en


WORD_2003 = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<?mso-application progid="Word.Document"?>
<w:wordDocument xmlns:w="http://schemas.microsoft.com/office/word/2003/wordml"
 xmlns:wx="http://schemas.microsoft.com/office/word/2003/auxHint"><w:body><wx:sect><wx:sub-section>
<w:p><w:r><w:t>某县财政局2023年政府信息公开工作年度报告</w:t></w:r></w:p>
<w:p><w:pPr><w:listPr><w:ilvl w:val="0"/><w:ilfo w:val="1"/><wx:t wx:val="一、"/></w:listPr></w:pPr><w:r><w:t>总体情况</w:t></w:r></w:p>
<w:tbl><w:tblGrid><w:gridCol w:w="2000"/><w:gridCol w:w="2000"/><w:gridCol w:w="2000"/></w:tblGrid>
<w:tr><w:tc><w:tcPr><w:vmerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>分组</w:t></w:r></w:p></w:tc>
<w:tc><w:p><w:r><w:t>行政许可</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>3</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:tcPr><w:vmerge/></w:tcPr><w:p/></w:tc><w:tc><w:p><w:r><w:t>行政处罚</w:t></w:r></w:p></w:tc><w:tc><w:p/></w:tc></w:tr>
</w:tbl></wx:sub-section></wx:sect></w:body></w:wordDocument>"""


def test_word_2003_xml_is_read_directly(monkeypatch):
    monkeypatch.setattr(office, "convert", lambda *a, **k: pytest.fail("LibreOffice must not be started"))
    data = WORD_2003.encode("utf-8")
    assert sniff(data) == "doc"
    doc = read_doc(data)
    assert [(line, m.origin, m.grid) for line, m in zip(doc.lines, doc.meta)] == [
        ("某县财政局2023年政府信息公开工作年度报告", "第1段", False),
        ("一、总体情况", "第2段", False),  # the list label Word printed
        ("分组\t行政许可\t3", "表格1 第1行", True),
        ("行政处罚\t", "表格1 第2行", True),  # the vertically merged 分组 left out, the blank kept
    ]
