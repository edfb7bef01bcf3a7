"""One logged-in Chromium page at a given width, for the browser tests: it fails the test on
any console error, page error or failed request, and saves full-page screenshots."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.web_util import PASSWORD, LiveServer

WIDTHS = {"desk": {"width": 1440, "height": 960}, "phone": {"width": 390, "height": 844}}


class Browse:
    """A page logged in as `user` at one width (`desk` 1440 px, `phone` 390 px); dialogs are
    accepted, downloads allowed; screenshots are named `<prefix><name>_<width>.png`."""

    def __init__(self, browser: Any, server: LiveServer, width: str, user: str = "reviewer", prefix: str = "") -> None:
        self.context = browser.new_context(viewport=WIDTHS[width], locale="zh-CN", has_touch=width == "phone",
                                           accept_downloads=True)
        self.page = self.context.new_page()
        self.url, self.width, self.prefix = server.url, width, prefix
        self.ids: dict[str, int] = getattr(server, "ids", {})
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: d.accept())
        self.page.goto(self.url + "/login")
        self.page.fill("input[name=name]", user)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(self.url + "/")

    def go(self, path: str) -> None:
        self.page.goto(self.url + path)

    def shot(self, where: Path, name: str) -> None:
        self.page.screenshot(path=str(where / f"{self.prefix}{name}_{self.width}.png"), full_page=True, caret="initial")

    def close(self) -> None:
        self.context.close()
        assert self.errors == [], self.errors
