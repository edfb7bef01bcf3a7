"""The drafting form: the official tables as inputs, totals and checks computed by the
server as the clerk types (HTMX), and the DOCX to download."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ...draft import MEDIA_TYPES
from ...errors import NianbaoError
from .. import drafting
from ..deps import Visitor, anyone, visitor, web
from ..exports import filename_header
from ..params import OptId, OptYear
from ..views import page, partial

router = APIRouter(include_in_schema=False)


def _context(result: drafting.DraftResult) -> dict:
    year = result.form.year
    try:
        grids = drafting.grids(year)
        computed = drafting.computed_paths(year)
        names = drafting.cell_names(year)
    except NianbaoError:
        grids, computed, names = [], set(), {}
    return {"result": result, "form": result.form, "grids": grids, "computed": computed, "names": names,
            "years": drafting.year_choices(), "prose_fields": drafting.prose_fields(),
            "flagged": drafting.flagged_cells(result)}


def _allowed(request: Request) -> None:
    """The form is open to anyone logged in, and to everyone on a read-only public site."""
    v = visitor(request)
    if v.user is None:
        from ..deps import LoginRequired

        raise LoginRequired()


async def _evaluate(request: Request) -> drafting.DraftResult:
    """The posted form, built and checked in a worker thread (the checks take tens of ms)."""
    form = drafting.form_from_fields(await request.form())
    return await run_in_threadpool(drafting.evaluate, form)


@router.get("/draft")
def draft_form(request: Request, year: OptYear = None, previous: OptId = None) -> Response:
    """The empty form of a year's format; with `previous` (a stored report id), the cells
    the format links across years are pre-filled from that report."""
    _allowed(request)
    form = drafting.DraftForm(year or drafting.year_choices()[1])
    notice = None
    if previous is not None:
        last = web(request).store.report(previous)
        if last is None:
            notice = f"库中没有编号为 {previous} 的报告。"
        else:
            filled = drafting.prefill(form, last)
            notice = f"已按报告 {previous}（{last.agency or ''} {last.year or ''}年度）预填 {filled} 个单元格。"
    ctx = _context(drafting.evaluate(form))
    ctx.update(notice=notice, previous=previous or "")
    return page(request, "draft.html", ctx)


@router.post("/draft/check")
async def draft_check(request: Request, v: Visitor = Depends(anyone)) -> Response:
    _allowed(request)
    result = await _evaluate(request)
    return partial(request, "_draft_check.html", _context(result))


@router.post("/draft/docx")
async def draft_docx(request: Request, v: Visitor = Depends(anyone)) -> Response:
    _allowed(request)
    result = await _evaluate(request)
    if result.report is None or result.bad_cells or (result.gate and result.gate.errors and not result.form.force):
        return page(request, "draft.html", {**_context(result), "refused": True}, status=422)
    name = f"{result.report.agency or ''}{result.form.year}年政府信息公开工作年度报告.docx"
    return Response(await run_in_threadpool(drafting.docx, result), media_type=MEDIA_TYPES["docx"], headers=filename_header(name))
