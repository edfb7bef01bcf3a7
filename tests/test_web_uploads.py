"""Uploads: several files and zip archives processed in the background with their state
shown while they are, and every kind of bad upload refused by content and by size."""
from __future__ import annotations

import io
import re
import zipfile

import pytest

from nianbao.parsing.readers.archive import MB, Limits
from tests.support.web_util import WebEnv, record, report_file

KB = 1024


@pytest.fixture
def env(tmp_path):  # type: ignore[no-untyped-def]
    e = WebEnv(tmp_path, {"upload_bytes": 300 * KB, "request_bytes": 1 * MB,
                          "archive_limits": Limits(members=5, member_bytes=2 * MB, total_bytes=4 * MB, ratio=50,
                                                   ratio_floor=64 * KB, depth=1)})
    e.reviewer = e.login("reviewer")
    yield e
    e.close()


def upload(env: WebEnv, *files: tuple[str, bytes]) -> dict[str, dict]:
    """Upload through the page (as the browser's form does) and wait for the queue."""
    r = env.reviewer.post("/upload", files=[("files", (n, d, "application/octet-stream")) for n, d in files])
    assert r.status_code == 303, r.text
    batch = r.headers["location"].rsplit("/", 1)[-1]
    env.state.uploads.join()
    items = env.reviewer.get(f"/api/uploads/{batch}").json()["items"]
    return {i["name"]: i for i in items}


def zipped(members: dict[str, bytes], level: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", level) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_many_files_and_a_zip_each_get_a_result(env: WebEnv) -> None:
    a, b, c = (report_file(record(s, year=2023), s) for s in (1, 2, 3))
    items = upload(env, ("甲.txt", a), ("乙.html", report_file(record(4, year=2022), 4, layout="html")),
                   ("批量.zip", zipped({"一/丙.txt": b, "二/丁.txt": c, "__MACOSX/._丙.txt": b"x"})))
    assert set(items) == {"甲.txt", "乙.html", "批量.zip!一/丙.txt", "批量.zip!二/丁.txt"}
    assert all(i["state"] == "done" and i["report_id"] for i in items.values()), items
    assert {i["kind"] for i in items.values()} == {"text", "html"}
    listed = env.reviewer.get("/api/reports").json()
    assert listed["total"] == 4


def raw_named(names: dict[bytes, bytes]) -> bytes:
    """A zip whose member names are the given bytes, without the UTF-8 flag (as Linux and
    macOS zip tools write UTF-8 names, and Windows' zip writes GBK ones)."""
    placeholders = {b"%0*d" % (len(raw), i): raw for i, raw in enumerate(names)}
    data = zipped({p.decode(): body for p, body in zip(placeholders, names.values())})
    for p, raw in placeholders.items():
        data = data.replace(p, raw)
    return data


def test_zip_member_names_without_the_utf8_flag_are_readable(env: WebEnv) -> None:
    a, b = (report_file(record(s, year=2023), s) for s in (21, 22))
    data = raw_named({"洪泽区/甲报告.txt".encode("utf-8"): a, "淮阴区/乙报告.txt".encode("gbk"): b})
    items = upload(env, ("linux.zip", data))
    assert set(items) == {"linux.zip!洪泽区/甲报告.txt", "linux.zip!淮阴区/乙报告.txt"}, items
    assert all(i["state"] == "done" for i in items.values()), items
    stored = {r["source_name"] for r in env.reviewer.get("/api/reports").json()["items"]}
    assert stored == {"linux.zip!洪泽区/甲报告.txt", "linux.zip!淮阴区/乙报告.txt"}


def test_the_same_bytes_twice_are_one_report(env: WebEnv) -> None:
    data = report_file(record(5, year=2023), 5)
    items = upload(env, ("a.txt", data), ("copy of a.txt", data))
    assert sorted(i["state"] for i in items.values()) == ["done", "duplicate"]
    assert items["a.txt"]["report_id"] == items["copy of a.txt"]["report_id"]
    again = upload(env, ("a again.txt", data))
    assert again["a again.txt"]["state"] == "duplicate"


def test_progress_page_polls_until_every_file_is_through(env: WebEnv) -> None:
    r = env.reviewer.post("/upload", files=[("files", ("a.txt", report_file(record(6, year=2023), 6), "text/plain"))],
                          headers={"HX-Request": "true"})
    assert r.status_code == 200 and 'id="upload-items"' in r.text
    batch = re.search(r'/upload/([0-9a-f]{24})', r.text).group(1)
    env.state.uploads.join()
    page = env.reviewer.get(f"/upload/{batch}/items")
    assert "hx-trigger" not in page.text and "已入库" in page.text and "全部 1 个文件处理完毕" in page.text
    # while a file waits, the fragment keeps polling
    from nianbao.web.db import write
    from nianbao.web.schema import upload_items

    with write(env.store.engine) as conn:
        conn.execute(upload_items.update().where(upload_items.c.batch == batch).values(state="parsing"))
    page = env.reviewer.get(f"/upload/{batch}/items")
    assert 'hx-trigger="every 1s"' in page.text and "处理中" in page.text
    assert env.login("admin").get(f"/upload/{batch}").status_code == 200
    assert env.login("reviewer").get("/upload/000000000000000000000000").status_code == 404


def test_files_are_judged_by_content_not_by_name(env: WebEnv) -> None:
    from openpyxl import Workbook

    wb = io.BytesIO()
    Workbook().save(wb)
    items = upload(env, ("report.pdf", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200),  # a program, named .pdf
                   ("report.docx", wb.getvalue()),  # a workbook, named .docx
                   ("empty.txt", b""),
                   ("notes.txt", "这是一份会议记录，不是年度报告。\n".encode() * 20))
    assert items["report.pdf"]["state"] == "rejected" and "不支持的文件类型" in items["report.pdf"]["message"]
    assert items["report.docx"]["state"] == "rejected" and "Excel" in items["report.docx"]["message"]
    assert items["empty.txt"]["state"] == "rejected" and "空" in items["empty.txt"]["message"]
    assert items["notes.txt"]["state"] == "failed" and "不是年度报告" in items["notes.txt"]["message"]


def test_a_file_over_the_limit_is_refused_without_storing_it(env: WebEnv) -> None:
    big = report_file(record(7, year=2023), 7) + b" " * (310 * KB)
    items = upload(env, ("big.txt", big), ("ok.txt", report_file(record(8, year=2023), 8)))
    assert items["big.txt"]["state"] == "rejected" and "文件过大" in items["big.txt"]["message"]
    assert items["ok.txt"]["state"] == "done"
    assert env.reviewer.get("/api/reports").json()["total"] == 1


def test_a_request_over_the_limit_is_refused_before_it_is_read(env: WebEnv) -> None:
    r = env.reviewer.post("/upload", files=[("files", ("a.txt", b"x" * (2 * MB), "text/plain"))])
    assert r.status_code == 413 and "过大" in r.json()["detail"]
    r = env.reviewer.http.post("/api/draft/check", content=b"{}" + b" " * (3 * MB),
                               headers={"content-type": "application/json", "X-CSRF-Token": env.reviewer.csrf})
    assert r.status_code == 413  # other requests have a smaller limit


def test_a_streamed_request_over_the_limit_is_cut_off(env: WebEnv) -> None:
    def chunks():  # no Content-Length: the body is counted as it arrives
        yield b'--xyz\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n\r\n'
        for _ in range(40):
            yield b"y" * (64 * KB)

    r = env.reviewer.http.post("/api/uploads", content=chunks(),
                               headers={"content-type": "multipart/form-data; boundary=xyz",
                                        "X-CSRF-Token": env.reviewer.csrf})
    assert r.status_code == 413


def test_zip_limits(env: WebEnv) -> None:
    bomb = zipped({"炸弹.txt": b"0" * (1536 * KB)})  # unpacks ~1000x
    many = zipped({f"{i}.txt": report_file(record(40 + i, year=2023), i) for i in range(7)})
    inner = zipped({"深处.txt": report_file(record(9, year=2023), 9)})
    nested = zipped({"一层.zip": zipped({"二层.zip": inner})})
    corrupt = zipped({"a.txt": b"x" * 1000})[:-40]
    items = upload(env, ("bomb.zip", bomb), ("many.zip", many), ("nested.zip", nested), ("corrupt.zip", corrupt))
    assert items["bomb.zip!炸弹.txt"]["state"] == "rejected" and "压缩炸弹" in items["bomb.zip!炸弹.txt"]["message"]
    assert items["many.zip"]["state"] == "rejected" and "文件过多" in items["many.zip"]["message"]
    deep = next(i for n, i in items.items() if n.startswith("nested.zip!"))
    assert deep["state"] == "rejected" and "嵌套" in deep["message"]
    assert items["corrupt.zip"]["state"] == "rejected"
    assert env.reviewer.get("/api/reports").json()["total"] == 0


def test_member_names_are_only_shown_never_used_as_paths(env: WebEnv, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = set(tmp_path.parent.rglob("*"))
    evil = zipped({"../../../../tmp/evil.txt": report_file(record(10, year=2023), 10)})
    items = upload(env, ("../../x/evil.zip", evil), ("<img src=x onerror=alert(1)>.txt", report_file(record(11, year=2023), 11)))
    assert set(items) == {"evil.zip!../../../../tmp/evil.txt", "<img src=x onerror=alert(1)>.txt"}
    assert all(i["state"] == "done" for i in items.values())
    assert not any(p.name == "evil.txt" for p in set(tmp_path.parent.rglob("*")) - before)
    page = env.reviewer.get(f"/upload/{items['<img src=x onerror=alert(1)>.txt']['batch']}").text
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;.txt" in page


def test_too_many_files_in_one_request(tmp_path) -> None:  # type: ignore[no-untyped-def]
    e = WebEnv(tmp_path, {"upload_files": 2})
    try:
        c = e.login("reviewer")
        r = c.post("/upload", files=[("files", (f"{i}.txt", b"x", "text/plain")) for i in range(3)])
        assert r.status_code == 403 and "最多" in r.text
    finally:
        e.close()


def test_uploads_in_a_process_pool(tmp_path) -> None:  # type: ignore[no-untyped-def]
    e = WebEnv(tmp_path, {"workers": 1})
    try:
        e.reviewer = e.login("reviewer")
        items = upload(e, ("a.txt", report_file(record(12, year=2023), 12)), ("b.txt", report_file(record(13, year=2022), 13)))
        assert all(i["state"] == "done" for i in items.values())
        assert {i["report_id"] for i in items.values()} == {r["id"] for r in e.reviewer.get("/api/reports").json()["items"]}
    finally:
        e.close()


def test_unfinished_items_of_a_previous_run_are_marked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from nianbao.web import WebConfig, create_app
    from nianbao.web.db import write
    from nianbao.web.schema import upload_items

    e = WebEnv(tmp_path)
    try:
        with write(e.store.engine) as conn:
            conn.execute(upload_items.insert().values(batch="b" * 24, user_name="reviewer", name="x.txt", state="parsing",
                                                      created_at=__import__("datetime").datetime.now()))
        create_app(WebConfig(db=e.url, workers=0), e.store)  # a restart
        items = e.login("reviewer").get("/api/uploads/" + "b" * 24).json()["items"]
        assert items[0]["state"] == "failed" and "重启" in items[0]["message"]
    finally:
        e.close()
