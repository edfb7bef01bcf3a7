"""The web application and JSON API (`nianbao serve`): FastAPI, Jinja2 templates and HTMX,
with HTMX and ECharts served from the package (no CDN, no build step).

    from nianbao.web import WebConfig, create_app
    app = create_app(WebConfig(db="sqlite:///nianbao.db"))

Module map: `app` (assembly, error pages), `config`, `schema` + `migrations` + `db` (the
web tables beside the store's), `accounts` (users, sessions, tokens), `security` (headers,
CSP, body limits, CSRF, login throttling), `deps` (who is asking, roles), `views`
(templates), `queries` (paginated reads), `reportview` (the report page's model),
`reviews` (decisions, corrections, audit log), `uploads` (checks) and `queue` (the
background parsing), `pageimage`, `dashboard`, `exports`, `drafting`; pages in `routes/`, the API in
`api/`.
"""
from __future__ import annotations

from .app import create_app
from .config import WebConfig

__all__ = ["create_app", "WebConfig"]
