"""Zip archives of reports: read member by member, every limit enforced with a clear message."""
from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import zipfile

import pytest

from tests.support.roundtrip_util import differences
from nianbao.errors import LimitExceeded, UnreadableInput
from nianbao.inputs import iter_inputs
from nianbao.parsing.pipeline import parse
from nianbao.parsing.readers.archive import Budget, Limits, members
from nianbao.render.docx import render_docx
from nianbao.render.report import render
from nianbao.synth import prose_for, random_record


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nianbao", *args], capture_output=True, timeout=300)


def zip_bytes(entries: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, body in entries:
            zf.writestr(name, body)
    return buf.getvalue()


@pytest.fixture(scope="module")
def reports():
    """Three generated reports (text, HTML, DOCX) and their records."""
    out = []
    for i, fmt in enumerate(("txt", "html", "docx")):
        rng = random.Random(700 + i)
        rec = random_record(rng)
        prose = prose_for(rec, rng)
        body = render_docx(rec, prose) if fmt == "docx" else render(rec, fmt, prose=prose).encode("utf-8")
        out.append((f"报告{i}.{fmt}", body, rec))
    return out


def test_archive_members_are_read_one_by_one(reports, tmp_path):
    archive = tmp_path / "reports.zip"
    archive.write_bytes(zip_bytes([(name, body) for name, body, _ in reports]
                                  + [("__MACOSX/._报告0.txt", b"\0\1"), (".DS_Store", b"\0"), ("truth.json", b"{}")]))
    items = list(iter_inputs([archive]))
    assert [item.name for item in items] == [f"{archive}!{name}" for name, _, _ in reports]
    for item, (_, _, rec) in zip(items, reports):
        assert item.error is None
        assert differences(parse(item.data), rec) == []


def raw_name_zip(name: bytes, body: bytes) -> bytes:
    """A zip whose one member's name is the bytes `name`, without the UTF-8 flag (0x800)."""
    placeholder = b"x" * len(name)
    data = zip_bytes([(placeholder.decode(), body)])
    assert data.count(placeholder) == 2  # the local header and the central directory
    return data.replace(placeholder, name)


def test_gbk_member_names_are_decoded(reports):
    name, body, _ = reports[0]
    data = raw_name_zip(name.encode("gbk"), body)  # as Windows' built-in zip writes names
    info = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    assert not info.flag_bits & 0x800
    assert [m.name for m in members(data)] == [name]


@pytest.mark.parametrize("name", ["报告0.txt", "洪泽区人民政府/2024年度政府信息公开工作年度报告.txt", "淮安市.txt"])
def test_utf8_member_names_without_the_flag_are_decoded(reports, name):
    """Linux and macOS zip tools write UTF-8 names without setting the UTF-8 flag: read as
    GB18030 first, they came out as mojibake (e.g. 鎶ュ憡0.txt)."""
    data = raw_name_zip(name.encode("utf-8"), reports[0][1])
    info = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    assert not info.flag_bits & 0x800
    assert [m.name for m in members(data)] == [name]


def test_member_names_with_the_utf8_flag_are_kept(reports):
    data = zip_bytes([("报告0.txt", reports[0][1])])
    assert zipfile.ZipFile(io.BytesIO(data)).infolist()[0].flag_bits & 0x800
    assert [m.name for m in members(data)] == ["报告0.txt"]


def test_nested_archives_are_read_up_to_the_depth_limit(reports, tmp_path):
    name, body, rec = reports[0]
    inner = zip_bytes([(name, body)])
    path = tmp_path / "outer.zip"
    path.write_bytes(zip_bytes([("乡镇/inner.zip", inner)]))
    items = list(iter_inputs([path]))
    assert [i.name for i in items] == [f"{path}!乡镇/inner.zip!{name}"]
    assert differences(parse(items[0].data), rec) == []
    deep = inner
    for _ in range(3):
        deep = zip_bytes([("next.zip", deep)])
    path.write_bytes(deep)
    items = list(iter_inputs([path], Limits(depth=2)))
    assert len(items) == 1 and isinstance(items[0].error, LimitExceeded)
    assert "嵌套" in items[0].error.message_zh and "nested" in items[0].error.message_en


def test_member_count_limit():
    data = zip_bytes([(f"{i}.txt", b"x") for i in range(11)], zipfile.ZIP_STORED)
    with pytest.raises(LimitExceeded) as exc:
        list(members(data, Budget(Limits(members=10))))
    assert "11 个，上限 10 个" in exc.value.message_zh and "the limit is 10" in exc.value.message_en
    assert len(list(members(data, Budget(Limits(members=11))))) == 11


def test_total_size_limit_stops_reading():
    data = zip_bytes([(f"{i}.txt", bytes(random.Random(i).randbytes(400))) for i in range(5)])
    seen = []
    with pytest.raises(LimitExceeded) as exc:
        for m in members(data, Budget(Limits(total_bytes=1000))):
            seen.append(m.name)
    assert seen == ["0.txt", "1.txt"]  # the third member crosses 1000 bytes
    assert "总量超过上限（1000 B）" in exc.value.message_zh and "1000 B limit" in exc.value.message_en


def test_nested_archives_share_the_total_budget():
    inner = zip_bytes([(f"{i}.txt", random.Random(i).randbytes(300)) for i in range(3)])
    data = zip_bytes([("a.zip", inner), ("b.zip", inner)])
    with pytest.raises(LimitExceeded):
        list(members(inner, Budget(Limits(total_bytes=800))))
    budget = Budget(Limits(total_bytes=100_000))
    for outer in members(data, budget):
        list(members(outer.data, budget))
    assert budget.total == 2 * len(inner) + 2 * 900


def test_compression_ratio_limit_skips_the_bomb_and_reads_the_rest(reports):
    name, body, rec = reports[0]
    bomb = b"\0" * (3 * 1024 * 1024)  # deflates ~1000:1
    data = zip_bytes([("bomb.txt", bomb), (name, body)])
    got = list(members(data))
    assert got[0].data is None and isinstance(got[0].error, LimitExceeded)
    assert "压缩比异常" in got[0].error.message_zh and "compression ratio" in got[0].error.message_en
    assert got[1].data == body


def test_member_size_limit():
    data = zip_bytes([("big.txt", random.Random(1).randbytes(5000)), ("small.txt", b"ok")])
    got = list(members(data, Budget(Limits(member_bytes=4096))))
    assert isinstance(got[0].error, LimitExceeded) and "4096 B" in got[0].error.message_zh
    assert got[1].data == b"ok"


def test_corrupt_member_and_corrupt_archive(reports):
    name, body, _ = reports[0]
    data = bytearray(zip_bytes([(name, body)]))
    start = data.index(name.encode()) + len(name.encode())
    data[start + 10: start + 60] = b"\xff" * 50  # damage the deflate stream
    got = list(members(bytes(data)))
    assert got[0].data is None and isinstance(got[0].error, UnreadableInput)
    with pytest.raises(UnreadableInput):
        list(members(b"PK\x03\x04" + b"\0" * 40))


def test_encrypted_member_is_named_as_such():
    data = bytearray(zip_bytes([("secret.txt", b"x" * 100)], zipfile.ZIP_STORED))
    # set the "encrypted" flag in the local and central headers
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        at = data.index(sig) + (6 if sig == b"PK\x03\x04" else 8)
        data[at] |= 0x1
    got = list(members(bytes(data)))
    assert isinstance(got[0].error, UnreadableInput) and "加密" in got[0].error.message_zh


def test_check_reads_an_archive_and_reports_each_member(reports, tmp_path):
    bomb = b"\0" * (3 * 1024 * 1024)
    path = tmp_path / "mixed.zip"
    path.write_bytes(zip_bytes([(name, body) for name, body, _ in reports] + [("bomb.txt", bomb)]))
    proc = run("check", str(path), "--format", "json")
    assert proc.returncode == 2, proc.stderr.decode()
    results = json.loads(proc.stdout)
    assert [r["file"].split("!")[-1] for r in results] == [n for n, _, _ in reports] + ["bomb.txt"]
    assert all("error" not in r for r in results[:3])
    assert "压缩比异常" in results[3]["error"] and "compression ratio" in results[3]["error_en"]
    assert "Traceback" not in proc.stderr.decode()


def test_check_refuses_an_archive_with_too_many_members(tmp_path):
    path = tmp_path / "many.zip"
    path.write_bytes(zip_bytes([(f"{i}.txt", b"") for i in range(5001)], zipfile.ZIP_STORED))
    proc = run("check", str(path))
    err = proc.stderr.decode()
    assert proc.returncode == 2
    assert "压缩包内文件过多（5001 个，上限 5000 个）" in err and "Too many files in the archive" in err
    assert "Traceback" not in err


def test_parse_of_an_archive_points_to_check(reports, tmp_path):
    path = tmp_path / "two.zip"
    path.write_bytes(zip_bytes([(name, body) for name, body, _ in reports[:2]]))
    proc = run("parse", str(path))
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "压缩包" in err and "zip archive" in err and "Traceback" not in err
