"""Report content is untrusted: a script carried in a report's text is shown as text on
every page, pages carry no inline script at all (the Content-Security-Policy forbids it),
the security headers are on every response, downloads cannot run, and exported
spreadsheets cannot be made to run formulas."""
from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest

from nianbao.formats import templates as T
from tests.support.web_util import WebEnv, record, report_file

SCRIPT = '<script>alert("xss")</script>'
IMG = '<img src=x onerror="alert(1)">'
HOSTILE = f"部分栏目更新不及时{SCRIPT}，政策解读形式单一{IMG}。下一步将加强培训。"


@pytest.fixture(scope="module")
def env(tmp_path_factory):  # type: ignore[no-untyped-def]
    e = WebEnv(tmp_path_factory.mktemp("sec"))
    rec = record(3, agency="寺口镇人民政府", region="栖霞市", year=2023)
    rec.table3["granted"][T.T3_TOTAL_COLUMN] += 1  # a finding to list
    page = report_file(record(4, year=2022), 4, layout="html", prose={"problems": "网页正文" + SCRIPT})
    page = page.replace(b"</body>", b"<script>alert('page')</script><a href=\"javascript:alert(2)\">x</a></body>")
    e.ids = e.ingest([("hostile.txt", report_file(rec, 3, prose={"problems": HOSTILE, "other": "联系我们" + SCRIPT})),
                      ("hostile.html", page)])
    e.viewer = e.login("viewer")
    e.admin = e.login("admin")
    yield e
    e.close()


class Audit(HTMLParser):
    """Collects what a strict CSP would block or what would run script."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.problems.append("inline <script>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}=")
            if name == "style":
                self.problems.append(f"{tag} style=")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"{tag} {name}=javascript:")
        if tag == "img" and names.get("src", "").startswith("x"):
            self.problems.append("injected <img>")


def audit(html: str) -> list[str]:
    a = Audit()
    a.feed(html)
    return a.problems


def pages(env: WebEnv) -> list[str]:
    rid, hid = env.ids
    return ["/", f"/reports/{rid}", f"/reports/{hid}", f"/reports/{rid}/print", "/search?q=栏目更新", "/search?q=alert",
            "/rules", "/rules/T3.2", "/agencies/1", "/dashboard?region=栖霞市&year=2023", "/draft", "/account",
            "/admin/users", "/audit", "/upload"]


def test_a_script_in_a_report_is_shown_as_text_everywhere(env: WebEnv) -> None:
    rid, hid = env.ids
    report = env.viewer.get(f"/reports/{rid}").text
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in report or "&lt;script&gt;alert(" in report
    for url in pages(env):
        html = env.admin.get(url).text
        assert SCRIPT not in html and "<img src=x" not in html, url
        assert audit(html) == [], (url, audit(html))
    assert "网页正文&lt;script&gt;" in env.viewer.get(f"/reports/{hid}").text
    hits = env.viewer.get("/api/search?q=栏目更新").json()["sections"]["items"]
    assert hits and SCRIPT[:8] in "".join(h["after"] for h in hits)  # the API gives the text as it is (JSON)


def test_htmx_fragments_are_escaped_too(env: WebEnv) -> None:
    frag = env.viewer.get("/?agency=寺口", headers={"HX-Request": "true", "HX-Target": "report-list"}).text
    assert "<html" not in frag and audit(frag) == []


def test_security_headers_on_every_response(env: WebEnv) -> None:
    for url in (*pages(env), "/api/reports", "/static/app.js", "/login", "/nope", "/api/docs"):
        r = env.admin.get(url)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "same-origin"
    r = env.anonymous().get("/api/reports")
    assert r.status_code == 401 and "content-security-policy" in r.headers


def test_the_original_is_a_download_that_cannot_run(env: WebEnv) -> None:
    hid = env.ids[1]
    r = env.viewer.get(f"/reports/{hid}/original")
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["content-security-policy"] == "sandbox"
    assert b"<script>alert('page')" in r.content  # the bytes as uploaded, only ever downloaded


def test_exports_do_not_run_formulas() -> None:
    from openpyxl import load_workbook

    from nianbao.exports.output import guard_formula as safe
    from nianbao.web.exports import to_csv, to_xlsx

    hostile = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "普通文字", 12, 3.5, None]
    assert [safe(v) for v in hostile][:4] == ["'" + v for v in hostile[:4]]  # type: ignore[operator]
    assert [safe(v) for v in hostile][4:] == ["普通文字", 12, 3.5, None]
    wb = load_workbook(io.BytesIO(to_xlsx("x", ["a"] * len(hostile), [hostile])))
    row = [c for c in next(wb.active.iter_rows(min_row=2, max_row=2))]
    assert all(c.data_type != "f" for c in row)
    assert row[0].value.startswith("'=")
    assert to_csv(["a"], [["=1+1"]]).decode("utf-8-sig").splitlines()[1] == "'=1+1"


def test_page_images_of_a_pdf_original(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pypdfium2 as pdfium

    from nianbao.web.pageimage import origin_page, page_count, render_page

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(595, 842)
    pdf.new_page(595, 842)
    buf = io.BytesIO()
    pdf.save(buf)
    data = buf.getvalue()
    assert page_count(data) == 2
    png = render_page("k", lambda: data, 2)
    assert png is not None and png[:8] == b"\x89PNG\r\n\x1a\n"
    assert render_page("k", lambda: pytest.fail("a cached page loads no original"), 2) == png
    assert render_page("k", lambda: data, 3) is None and render_page("k2", lambda: b"%PDF-1.4 broken", 1) is None
    assert page_count(b"plain text") == 0
    assert origin_page("第12页") == 12 and origin_page("表格2 第5行") is None and origin_page(None) is None
