"""The request bodies of the JSON API, and the body of its refusals."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from .. import dashboard as dash_mod
from .. import reviews
from ..params import FIRST_YEAR, LAST_YEAR, MAX_ID
from ..schema import DECISIONS, REVIEW_STATUSES, ROLES


class DecisionIn(BaseModel):
    decision: str = Field(description=f"one of {', '.join(DECISIONS)}")
    comment: str = Field("", max_length=reviews.MAX_COMMENT)


class CorrectionIn(BaseModel):
    path: str = Field(max_length=120, description='a cell path, e.g. "table3.granted[0]"')
    value: float | int | str | None = Field(None, description="the corrected number; null reverts the cell")
    comment: str = Field("", max_length=reviews.MAX_COMMENT)


class StatusIn(BaseModel):
    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(min_length=1, max_length=1000,
                                                               description="the reports to move")
    status: str = Field(description=f"one of {', '.join(REVIEW_STATUSES)} (待审, 退回整改, 已整改, 已通过)")
    comment: str = Field("", max_length=500)


class ReasonIn(BaseModel):
    reason: str = Field("", max_length=500)


class ExpectedIn(BaseModel):
    region: str = Field(min_length=1, max_length=80)
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)
    names: list[str] = Field(max_length=dash_mod.MAX_EXPECTED)


class TokenIn(BaseModel):
    name: str = Field("script", max_length=80)


class UserIn(BaseModel):
    name: str = Field(max_length=80)
    role: str = Field(description=f"one of {', '.join(ROLES)}")
    password: str = Field(max_length=256)


class UserChange(BaseModel):
    role: str | None = None
    password: str | None = Field(None, max_length=256)
    active: bool | None = None


class DraftIn(BaseModel):
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)
    agency: str = Field("", max_length=200)
    region: str = Field("", max_length=80)
    cells: dict[str, float | int | str | None] = Field(default_factory=dict, description="cell path -> number")
    prose: dict[str, str] = Field(default_factory=dict, description="overview | problems | other -> text")
    force: bool = False



class ErrorOut(BaseModel):
    """A refusal: what was wrong, in Chinese and in English."""

    detail: str
    detail_en: str
    errors: list[dict[str, Any]] | None = Field(
        None, description="422 only: the invalid fields (loc, msg), or a refused draft's failed checks")


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Bad input (a cell, a number, a name the request cannot use)"},
    401: {"model": ErrorOut, "description": "No session and no valid API token"},
    403: {"model": ErrorOut, "description": "The role may not, or a read-only site, or a missing CSRF token"},
    404: {"model": ErrorOut, "description": "No such record"},
    413: {"model": ErrorOut, "description": "The request is too large"},
    422: {"model": ErrorOut, "description": "Invalid parameters or body"},
}
