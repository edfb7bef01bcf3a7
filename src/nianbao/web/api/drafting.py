"""Drafting: a record from numbers, its checks, and the DOCX."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import Response

from ...draft import MEDIA_TYPES
from .. import drafting, exports
from ..accounts import User
from ..deps import viewer
from . import responses as R
from .models import DraftIn

router = APIRouter()


def _draft_form(body: DraftIn) -> drafting.DraftForm:
    fields: dict[str, Any] = {"year": body.year, "agency": body.agency, "region": body.region,
                              "force": "1" if body.force else ""}
    fields.update({drafting.CELL_PREFIX + p: "" if v is None else v for p, v in body.cells.items()})
    fields.update({f"prose:{k}": v for k, v in body.prose.items()})
    return drafting.form_from_fields(fields)


def _draft_out(result: drafting.DraftResult) -> dict[str, Any]:
    g = result.gate
    return {"passed": result.passed, "error": result.error, "bad_cells": result.bad_cells,
            "values": result.values, "errors": [f.to_dict() for f in g.errors] if g else [],
            "warnings": [f.to_dict() for f in g.warnings] if g else []}



@router.post("/draft/check", tags=["drafting"], response_model=R.DraftOut, response_model_exclude_unset=True)
def draft_check(request: Request, body: DraftIn = Body(...), user: User = Depends(viewer)) -> dict[str, Any]:
    """Build a record from numbers (totals computed) and run the draft's checks."""
    return _draft_out(drafting.evaluate(_draft_form(body)))


@router.post("/draft/docx", tags=["drafting"], responses={200: {"content": {MEDIA_TYPES["docx"]: {}}}})
def draft_docx(request: Request, body: DraftIn = Body(...), user: User = Depends(viewer)) -> Response:
    """The DOCX of a draft; refused (422, with the errors) unless the checks pass or `force`."""
    result = drafting.evaluate(_draft_form(body))
    if result.report is None or result.bad_cells or (result.gate and result.gate.errors and not body.force):
        from fastapi.responses import JSONResponse

        return JSONResponse({"detail": "草稿未通过检查，未生成文档。", "detail_en": "The draft fails its checks.",
                             **_draft_out(result)}, status_code=422)
    return Response(drafting.docx(result), media_type=MEDIA_TYPES["docx"],
                    headers=exports.filename_header(f"{result.form.year}年度报告.docx"))

