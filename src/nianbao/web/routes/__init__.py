"""The HTML pages, one module per area."""
from __future__ import annotations

from . import admin, auth, browse, dashboard, draft, reports, setup, uploads

routers = [auth.router, reports.router, uploads.router, browse.router, dashboard.router, draft.router, admin.router,
           setup.router]
