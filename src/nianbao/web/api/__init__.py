"""The JSON API under /api/: everything the pages show and do, for scripts.

Authenticate with `Authorization: Bearer <token>` (tokens: the 账号 page, `POST
/api/tokens`, or `nianbao user token NAME`); a browser session works too, with the
X-CSRF-Token header on writes.  Lists are paginated (`page`, `per_page`); errors are
`{"detail": Chinese, "detail_en": English}` with the HTTP status (`models.ErrorOut`,
documented on every endpoint).

Modules: `accounts` (service, tokens, users), `reports` (uploads, reports, review), `browse`
(agencies, statistics, search, rules, audit), `drafting`; request bodies in `models`."""
from __future__ import annotations

from fastapi import APIRouter

from . import accounts, browse, drafting, reports
from .models import ERRORS

router = APIRouter(prefix="/api")
router.include_router(accounts.public)
for _part in (accounts, reports, browse, drafting):
    router.include_router(_part.router, responses=ERRORS)  # the refusals every endpoint may answer
