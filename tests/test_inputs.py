"""What `nianbao ingest` reads from the paths it is given, on SQLite and PostgreSQL: only
regular files (a link to a device, a FIFO, a socket is skipped with a message, never read
or waited on), file names that are not UTF-8 (stored, decoded as GB18030 or escaped), a
path that does not exist and a folder that cannot be listed (a message, exit 2, nothing
stored for them)."""
from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys

import pytest

from nianbao.inputs import iter_inputs

from tests.support.store_util import dbs, record, text_of  # noqa: F401

GBK_NAME = "年报".encode("gbk") + b".txt"  # b"\xc4\xea\xb1\xa8.txt", as files copied from Windows are named
NOT_GB18030 = b"\xff\xfe.txt"  # valid in no encoding nianbao knows


def cli(*args: str):  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from nianbao.cli import main

    return CliRunner(env={"COLUMNS": "160"}).invoke(main, list(args), catch_exceptions=False)


def reports_in(folder, n: int, first: int = 0) -> list[str]:  # type: ignore[no-untyped-def]
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(first, first + n):
        name = f"机关{i}_2023.txt"
        (folder / name).write_bytes(text_of(record(f"测试{i}镇人民政府", "洪泽区", 2023, "township", seed=i)))
        names.append(name)
    return names


def stored_names(url: str) -> list[str]:
    from nianbao import Store

    with Store(url) as store:
        return sorted(os.path.basename(n) for n in store.reports()["source_name"])


# --------------------------------------------------------------------------- item 6: special files


def _limited_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # reading /dev/zero unbounded fails, not swaps


def test_devices_fifos_and_sockets_are_skipped_with_a_message(dbs, tmp_path, monkeypatch):
    folder = tmp_path / "in"
    good = reports_in(folder, 2)
    (folder / "zero.txt").symlink_to("/dev/zero")
    (folder / "random.pdf").symlink_to("/dev/urandom")
    os.mkfifo(folder / "pipe.txt")
    os.mkfifo(folder / "pipe.zip")  # counting an archive's members (the progress total) opened it
    monkeypatch.chdir(folder)  # a short socket path (AF_UNIX paths are limited to ~100 bytes)
    sock = socket.socket(socket.AF_UNIX)
    sock.bind("socket.txt")
    try:
        url = dbs.url()
        # a real process with a memory and time bound: the old code read /dev/zero without end
        # and waited on the FIFO for ever
        proc = subprocess.run([sys.executable, "-m", "nianbao", "ingest", str(folder), "--db", url, "-w", "1"],
                              capture_output=True, text=True, timeout=60, preexec_fn=_limited_memory,
                              env={**os.environ, "COLUMNS": "200"})
    finally:
        sock.close()
    assert proc.returncode == 2, proc.stderr
    assert "新增 2，重复 0，失败 0" in proc.stdout
    for name, zh, en in (("zero.txt", "设备文件", "a device"), ("random.pdf", "设备文件", "a device"),
                         ("pipe.txt", "命名管道（FIFO）", "a FIFO"), ("pipe.zip", "命名管道（FIFO）", "a FIFO"),
                         ("socket.txt", "套接字", "a socket")):
        assert f"不是普通文件（{zh}），未读取：{folder / name}\n" in proc.stderr
        assert f"Not a regular file ({en}); not read: {folder / name}\n" in proc.stderr
    assert "内部错误" not in proc.stderr and "Traceback" not in proc.stderr
    assert stored_names(url) == sorted(good)  # nothing stored for the special files


def test_a_link_to_a_regular_file_is_read(tmp_path):
    folder = tmp_path / "in"
    good = reports_in(folder, 1)
    (folder / "link.txt").symlink_to(folder / good[0])
    items = list(iter_inputs([folder]))
    assert [os.path.basename(i.name) for i in items] == sorted([good[0], "link.txt"])
    assert all(i.data and i.error is None for i in items)


# --------------------------------------------------------------------------- item 7: names not in UTF-8


def test_safe_name_decodes_each_component_as_gb18030_or_escapes_it():
    from nianbao.inputs import safe_name

    gbk = os.fsdecode(GBK_NAME)  # as os.listdir gives it: surrogate escapes
    assert safe_name(f"报告/{gbk}") == "报告/年报.txt"  # the UTF-8 folder is left as it is
    assert safe_name(os.fsdecode(NOT_GB18030)) == "\\xff\\xfe.txt"
    assert safe_name("a\x00b") == "a\\x00b" and safe_name("\ud800x") == "\\ud800x"
    assert safe_name("普通.pdf") == "普通.pdf"


def test_a_name_that_is_not_utf8_loses_no_report(dbs, tmp_path):
    folder = tmp_path / "in"
    good = reports_in(folder, 4)
    raw = os.fsencode(folder)
    with open(os.path.join(raw, GBK_NAME), "wb") as fh:
        fh.write(text_of(record("测试甲镇人民政府", "洪泽区", 2023, "township", seed=40)))
    with open(os.path.join(raw, NOT_GB18030), "wb") as fh:
        fh.write(text_of(record("测试乙镇人民政府", "洪泽区", 2023, "township", seed=41)))
    url = dbs.url()
    result = cli("ingest", str(folder), "--db", url, "-q", "-w", "1", "--batch-size", "2")
    assert result.exit_code == 0, result.output
    assert "新增 6，重复 0，失败 0" in result.stdout
    assert stored_names(url) == sorted([*good, "年报.txt", "\\xff\\xfe.txt"])
    again = cli("ingest", str(folder), "--db", url, "-q", "-w", "1")
    assert again.exit_code == 0 and "新增 0，重复 6" in again.stdout, again.output


# --------------------------------------------------------------------------- item 8: missing paths, unlisted folders


def test_a_path_that_does_not_exist_is_an_error_and_stores_nothing(dbs, tmp_path):
    folder = tmp_path / "in"
    reports_in(folder, 1)
    url = dbs.url()
    missing = tmp_path / "nonexistent"
    result = cli("ingest", str(folder), str(missing), "--db", url, "-q", "-w", "1")
    assert result.exit_code == 2
    assert f"找不到文件或目录：{missing}" in result.stderr and f"No such file or directory: {missing}" in result.stderr
    assert "Traceback" not in result.output
    assert stored_names(url) == []  # not even the good folder: the command stopped before reading


def test_a_folder_that_cannot_be_listed_is_reported_and_the_rest_stored(dbs, tmp_path, monkeypatch):
    folder = tmp_path / "in"
    good = reports_in(folder, 2)
    locked = folder / "locked"
    reports_in(locked, 1, first=10)
    real_scandir = os.scandir

    def scandir(path):  # type: ignore[no-untyped-def]
        if os.fspath(path) == str(locked):  # chmod 000 does not stop root: refuse as the kernel would
            raise PermissionError(13, "Permission denied", str(locked))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    url = dbs.url()
    result = cli("ingest", str(folder), "--db", url, "-q", "-w", "1")
    assert result.exit_code == 2, result.output
    assert f"无法读取目录（Permission denied），其中的文件已跳过：{locked}" in result.stderr
    assert f"Cannot list the folder (Permission denied); its files were skipped: {locked}" in result.stderr
    assert "新增 2，重复 0，失败 0" in result.stdout
    assert stored_names(url) == sorted(good)  # no failed report for the folder: a later run reads it as new
    monkeypatch.setattr(os, "scandir", real_scandir)
    again = cli("ingest", str(folder), "--db", url, "-q", "-w", "1")
    assert again.exit_code == 0 and "新增 1，重复 2" in again.stdout, again.output


def test_parse_and_draft_refuse_a_fifo_instead_of_waiting_on_it(tmp_path):
    fifo = tmp_path / "report.txt"
    os.mkfifo(fifo)
    for args in (["parse", str(fifo)], ["draft", str(fifo), "-o", str(tmp_path / "out.md")]):
        proc = subprocess.run([sys.executable, "-m", "nianbao", *args], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2, proc.stderr
        assert f"不是普通文件（命名管道（FIFO）），未读取：{fifo}" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out.md").exists()


def test_the_library_parse_refuses_a_fifo_or_device_without_reading_it(tmp_path):
    """nianbao.parse(path) reads like ingest: a FIFO would hang it, /dev/zero would fill memory."""
    import nianbao
    from nianbao.inputs import NotAFile

    fifo = tmp_path / "report.txt"
    os.mkfifo(fifo)
    for path in (fifo, "/dev/zero"):
        with pytest.raises(NotAFile):
            nianbao.parse(path)
