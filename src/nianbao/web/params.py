"""Bounds on the numbers a request may carry, so that none reaches the database outside its
column's range (SQLite cannot bind an integer beyond 64 bits, PostgreSQL compares an id
column of 32 bits with nothing larger): out of range is a 422 like any other invalid
parameter, never a server error."""
from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from ..formats.templates import FIRST_YEAR, LAST_YEAR

MAX_ID = 2**31 - 1  # the ids are INTEGER columns: 32 bits on PostgreSQL
MAX_PAGE = 100_000

Id = Annotated[int, Path(ge=1, le=MAX_ID)]  # a row id in the path
OptId = Annotated[int | None, Query(ge=1, le=MAX_ID)]  # one in the query string
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Year = Annotated[int, Query(ge=FIRST_YEAR, le=LAST_YEAR)]
OptYear = Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR)]
