"""The command line: output, exit codes, and clear messages instead of tracebacks."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest

from tests.support.shared import SEEDS, needs_shared


def run(*args: str, input: bytes | None = None) -> subprocess.CompletedProcess:
    """The command in this process (click's CliRunner): output and exit code as a process gives them."""
    from click.testing import CliRunner

    from nianbao.cli import main

    r = CliRunner().invoke(main, list(args), input=input)
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception  # never an uncaught error
    return subprocess.CompletedProcess(args, r.exit_code, r.stdout_bytes, r.stderr_bytes)


def run_process(*args: str) -> subprocess.CompletedProcess:
    """The command as a user runs it, in its own process: what reaches the terminal on bad input."""
    return subprocess.run([sys.executable, "-m", "nianbao", *args], capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    proc = run("synth", "-n", "6", "-o", str(out), "--layouts", "txt,md,pipe,space", "--seed", "5")
    assert proc.returncode == 0, proc.stderr
    return out


def test_synth_writes_reports_with_truth(corpus_dir):
    assert len(list(corpus_dir.glob("*.truth.json"))) == 6
    assert len([p for p in corpus_dir.iterdir() if not p.name.endswith(".json")]) == 6


def test_parse_json_is_the_canonical_record(corpus_dir):
    path = sorted(p for p in corpus_dir.iterdir() if p.suffix == ".txt")[0]
    proc = run("parse", str(path), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    truth = json.loads(path.with_name(path.stem + ".truth.json").read_text(encoding="utf-8"))
    for key in ("agency", "region", "year", "template", "table2", "table3", "table4"):
        assert out[key] == truth[key]
    assert "findings" in out and "provenance" in out and out["source"]["encoding"] == "utf-8"


def test_parse_table_view_shows_the_tables(corpus_dir):
    path = sorted(p for p in corpus_dir.iterdir() if p.suffix == ".txt")[0]
    proc = run("parse", str(path))
    text = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()
    for heading in ("二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况"):
        assert heading in text
    assert ("检查结果" in text) != ("未发现问题" in text)  # the findings, or the sentence saying there are none


def test_check_exit_codes(corpus_dir, tmp_path):
    clean = run("check", str(corpus_dir))
    assert clean.returncode == 0, clean.stdout.decode()
    bad_dir = tmp_path / "bad"
    assert run("synth", "-n", "2", "-o", str(bad_dir), "--invalid-rate", "1", "--seed", "9").returncode == 0
    assert run("check", str(bad_dir)).returncode == 1


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\x01\x02\x03" * 200, b"%PDF-1.4\n%truncated", b"PK\x03\x04broken-docx-word/document.xml",
     "这只是一段普通的文字，不是年度报告。".encode()],
    ids=["empty", "binary", "truncated-pdf", "truncated-docx", "not-a-report"],
)
def test_bad_input_gets_a_bilingual_message_and_exit_2(tmp_path, content):
    path = tmp_path / "input.bin"
    path.write_bytes(content)
    for command in ("parse", "check"):
        proc = run_process(command, str(path))
        err = proc.stderr.decode()
        assert proc.returncode == 2, (command, err)
        assert "错误" in err and "Error" in err and "Traceback" not in err


def test_missing_file_and_directory(tmp_path):
    proc = run_process("parse", str(tmp_path / "nope.txt"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr.decode()


@needs_shared
def test_check_goes_on_after_an_unreadable_file(tmp_path):
    (tmp_path / "a_bad.txt").write_bytes(b"\x00\xff" * 100)
    (tmp_path / "b_seed.txt").write_bytes(next(SEEDS.glob("002*.txt")).read_bytes())
    proc = run("check", str(tmp_path))
    assert proc.returncode == 2
    assert "头闸镇" in proc.stdout.decode()


@needs_shared
def test_check_reads_zip_members(tmp_path):
    archive = tmp_path / "reports.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted(SEEDS.glob("00[24]*.txt")):
            zf.write(p, p.name)
    proc = run("check", str(archive), "--format", "json")
    out = json.loads(proc.stdout)
    assert [r["agency"] for r in out] == ["头闸镇人民政府", "霄云镇人民政府"]


def test_render_record_to_each_format(corpus_dir, tmp_path):
    truth = sorted(corpus_dir.glob("*.truth.json"))[0]
    for fmt in ("md", "txt", "html"):
        proc = run("render", str(truth), "--format", fmt)
        assert proc.returncode == 0 and "本年新收" in proc.stdout.decode()
    out = tmp_path / "r.md"
    run("render", str(truth), "--format", "md", "-o", str(out))
    reparsed = json.loads(run("parse", str(out), "--format", "json").stdout)
    assert reparsed["table3"] == json.loads(truth.read_text(encoding="utf-8"))["table3"]


def test_render_rejects_a_file_that_is_not_a_record(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("[1, 2", encoding="utf-8")
    proc = run("render", str(bad))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr.decode()


def test_rules_catalogue_lists_ids():
    out = json.loads(run("rules", "--format", "json").stdout)
    assert {"T3.1", "G8", "G12"} <= {r["id"] for r in out}
