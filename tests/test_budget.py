"""PDF content-stream bombs and the per-file CPU/memory budget (issue 14 item 3).

A few KB of Flate-compressed path operators make pdfium build millions of page objects
or path segments: the PDF reader stops walking a page's graphics over a cap (with an N7
finding naming the page), and every file's parse runs in a child process under a CPU
and memory budget (`nianbao.budget`), killed and reported as `LimitExceeded` when it runs
over, in the CLI, ingest and the upload worker alike.
"""
from __future__ import annotations

import time
import zlib

import pytest
from click.testing import CliRunner

from nianbao import Store, budget
from nianbao.cli import main
from nianbao.errors import LimitExceeded, NotAReport
from nianbao.parsing.readers.pdf import read_pdf
from nianbao.parsing.readers.pdf_graphics import MAX_OBJECTS

from tests.support.store_util import record, text_of


def bomb_pdf(repeat: int, ops: bytes = b"0 0 m 1 1 l ", text: str = "Hello bomb") -> bytes:
    """A one-page PDF whose content stream is `ops` `repeat` times (then a stroke), Flate-
    compressed as it is written, so a bomb of millions of operators is a few KB and costs
    the test little memory to build."""
    z = zlib.compressobj(9)
    parts = [z.compress(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET\n".encode("latin-1"))]
    chunk = ops * 100_000
    for _ in range(repeat // 100_000):
        parts.append(z.compress(chunk))
    parts.append(z.compress(ops * (repeat % 100_000) + b"S\n"))
    parts.append(z.flush())
    stream = b"".join(parts)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


@pytest.fixture(scope="module")
def big_bomb() -> bytes:
    """20 million path segments in ~230 KB: pdfium alone needs ~750 MB to load the page."""
    return bomb_pdf(10_000_000)


def test_a_page_of_too_many_path_objects_skips_its_graphics_and_keeps_its_text():
    data = bomb_pdf(MAX_OBJECTS + 50_000, b"0 0 m 100 0 l S ")  # one stroked path object each
    assert len(data) < 10_000
    start = time.monotonic()
    doc = read_pdf(data)
    assert time.monotonic() - start < 30
    capped = [f for f in doc.notes if f.rule == "N7" and (f.detail or "").startswith("graphics-cap")]
    assert len(capped) == 1 and capped[0].location == {"page": 1}
    assert "第1页的图形过多" in capped[0].message and "内容流炸弹" in capped[0].message
    assert any("Hello bomb" in line for line in doc.lines)


def test_a_page_of_too_many_path_segments_is_capped():
    doc = read_pdf(bomb_pdf(600_000))  # one path of 1.2 million segments
    assert [f.location for f in doc.notes if (f.detail or "").startswith("graphics-cap")] == [{"page": 1}]


def test_an_ordinary_page_has_no_cap_finding():
    doc = read_pdf(bomb_pdf(1000, b"0 0 m 100 0 l S "))
    assert not [f for f in doc.notes if (f.detail or "").startswith("graphics-cap")]


def _spin() -> None:
    while True:
        pass


def _hog() -> int:
    blocks = [bytearray(64 << 20) for _ in range(64)]  # 4 GB
    return len(blocks)


def _refuse() -> None:
    raise NotAReport("不是报告。", "Not a report.")


def test_the_budget_kills_a_child_over_its_cpu_time():
    start = time.monotonic()
    with pytest.raises(LimitExceeded) as info:
        budget.call(_spin, budget=budget.Budget(cpu=1, memory=0))
    assert time.monotonic() - start < 20
    assert "解析超出资源上限（CPU 1 秒" in info.value.message_zh and "CPU 时间用完" in info.value.message_zh
    assert "out of CPU time" in info.value.message_en


def test_the_budget_stops_a_child_over_its_memory():
    with pytest.raises(LimitExceeded) as info:
        budget.call(_hog, budget=budget.Budget(cpu=30, memory=256))
    assert "内存 256 MB" in info.value.message_zh and "内存用完" in info.value.message_zh


def test_the_budget_returns_results_and_reraises_nianbao_errors():
    assert budget.call(sorted, [3, 1, 2], budget=budget.Budget(cpu=10, memory=512)) == [1, 2, 3]
    with pytest.raises(NotAReport) as info:
        budget.call(_refuse)
    assert info.value.message_zh == "不是报告。" and info.value.message_en == "Not a report."


def test_the_budget_reads_its_limits_from_the_environment(monkeypatch):
    monkeypatch.setenv("NIANBAO_PARSE_CPU", "7")
    monkeypatch.setenv("NIANBAO_PARSE_MEMORY", "3072")
    assert budget.Budget.from_env() == budget.Budget(cpu=7, memory=3072)
    assert budget.Budget.from_env().describe()[0] == "CPU 7 秒 / 内存 3 GB"


@pytest.mark.parametrize("command", ["check", "parse"])
def test_the_cli_reports_a_bomb_over_the_budget(tmp_path, monkeypatch, big_bomb, command):
    monkeypatch.setenv("NIANBAO_PARSE_MEMORY", "300")
    path = tmp_path / "bomb.pdf"
    path.write_bytes(big_bomb)
    start = time.monotonic()
    result = CliRunner().invoke(main, [command, str(path)])
    assert time.monotonic() - start < 30
    assert result.exit_code == 2, result.output
    assert "解析超出资源上限（CPU 120 秒 / 内存 300 MB）" in result.output
    assert "Parsing exceeded the resource budget" in result.output
    assert "Traceback" not in result.output


def test_ingest_stores_the_good_report_and_the_bomb_as_failed(tmp_path, monkeypatch, big_bomb):
    monkeypatch.setenv("NIANBAO_PARSE_MEMORY", "300")
    good = text_of(record("测试镇人民政府", "洪泽区", 2023, "township", seed=5))
    store = Store(f"sqlite:///{tmp_path / 'b.db'}")
    try:
        start = time.monotonic()
        summary = store.ingest([("bomb.pdf", big_bomb), ("good.txt", good)], workers=1)
        assert time.monotonic() - start < 60
        df = store.reports().set_index("source_name")
    finally:
        store.close()
    assert summary.failed == 1
    assert df.loc["good.txt", "status"] == "ok"
    assert df.loc["bomb.pdf", "status"] == "failed"
    assert "解析超出资源上限" in df.loc["bomb.pdf", "error"]


def test_the_upload_worker_marks_a_bomb_failed_and_stores_the_good_file(tmp_path, monkeypatch, big_bomb):
    from tests.support.web_util import WebEnv, record as web_record, report_file

    monkeypatch.setenv("NIANBAO_PARSE_MEMORY", "300")
    env = WebEnv(tmp_path)  # workers=0: parsed by the queue's thread, each file in a budgeted child
    try:
        reviewer = env.login("reviewer")
        files = [("bomb.pdf", big_bomb), ("good.txt", report_file(web_record(12, year=2023), 12))]
        r = reviewer.post("/upload", files=[("files", (n, d, "application/octet-stream")) for n, d in files])
        assert r.status_code == 303, r.text
        start = time.monotonic()
        env.state.uploads.join()
        assert time.monotonic() - start < 60
        items = {i["name"]: i for i in reviewer.get(f"/api/uploads/{r.headers['location'].rsplit('/', 1)[-1]}").json()["items"]}
    finally:
        env.close()
    assert items["good.txt"]["state"] == "done"
    assert items["bomb.pdf"]["state"] == "failed"
    assert "解析超出资源上限" in items["bomb.pdf"]["message"]


def test_plain_text_is_read_without_a_child_and_everything_else_with_one():
    assert not budget.needed("二〇二三年政府信息公开工作年度报告".encode())
    assert not budget.needed(b"\x00\x01\x02" * 100)  # refused on sight
    assert budget.needed(bomb_pdf(10)) and budget.needed(b"<html><body><p>x</p></body></html>")


def _cpu_limit(start_ocr: bool) -> tuple[int, int]:
    import resource

    if start_ocr:
        from nianbao.parsing.readers import ocr

        ocr.Session()
    return resource.getrlimit(resource.RLIMIT_CPU)


def test_ocr_may_spend_its_own_budget_on_top_of_the_cpu_limit(monkeypatch):
    """OCR stops itself at NIANBAO_OCR_SECONDS of wall time, on every core: a scanned
    report is read in part with findings, not killed by the parse budget."""
    import os

    monkeypatch.setenv("NIANBAO_OCR_SECONDS", "10")
    cores = os.cpu_count() or 1
    limits = budget.Budget(cpu=5, memory=0)
    assert budget.call(_cpu_limit, False, budget=limits) == (5, 5 + 10 * cores + 2)
    assert budget.call(_cpu_limit, True, budget=limits) == (5 + 10 * cores, 5 + 10 * cores + 2)
    assert limits.wall() == 65 + 10
    budget.allow_ocr()  # outside a budgeted child: nothing to raise


def test_after_a_scan_the_parent_keeps_the_ocr_models_for_later_children(monkeypatch):
    """A child that read a scan loaded the OCR models and took them with it: the parent loads
    them once then, so that the next scanned file's child is forked with them."""
    from nianbao import budget
    from nianbao.parsing.readers import ocr_models
    from nianbao.store import parsed as P

    loaded: list[str] = []
    monkeypatch.setattr(ocr_models, "detector", lambda n=0: loaded.append("det"))
    monkeypatch.setattr(ocr_models, "recognizer", lambda n=0: loaded.append("rec"))
    monkeypatch.setattr(budget, "needed", lambda data: True)
    for reader, expected in (("pdf", []), ("pdf+ocr", ["det", "rec"]), ("ocr", ["det", "rec"] * 2)):
        fake = P.Parsed(name="x", content_hash="h", size=1, status="ok", meta={"reader": reader})
        monkeypatch.setattr(budget, "call", lambda fn, *args, fake=fake: fake)
        assert P.parse_and_check("x.pdf", b"%PDF-1.4") is fake
        assert loaded == expected, reader
