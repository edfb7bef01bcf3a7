"""Shared pieces of the store tests: a database per test (SQLite file, or a PostgreSQL
schema of its own so parallel workers never collide) and generated report corpora."""
from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from nianbao.formats import templates as T
from nianbao.model import Report
from nianbao.render.report import render
from nianbao.synth import document, prose_for, random_record

# The PostgreSQL server the tests use (CI: the one on 127.0.0.1:5432); NIANBAO_TEST_PG points elsewhere.
PG_SERVER = os.environ.get("NIANBAO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DIALECTS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pg_schema_url(schema: str) -> str:
    return f"{PG_SERVER}?options=-csearch_path%3D{schema}"


class Databases:
    """Creates databases for one test and removes them afterwards."""

    def __init__(self, dialect: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
        self.dialect = dialect
        self.tmp_path = tmp_path
        self.schemas: list[str] = []
        self.stores: list = []

    def url(self) -> str:
        if self.dialect == "sqlite":
            return f"sqlite:///{self.tmp_path / f'{uuid.uuid4().hex[:8]}.db'}"
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with sa.create_engine(PG_SERVER).begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        self.schemas.append(schema)
        return pg_schema_url(schema)

    def store(self, url: str | None = None):  # type: ignore[no-untyped-def]
        from nianbao import Store

        s = Store(url or self.url())
        self.stores.append(s)
        return s

    def close(self) -> None:
        for s in self.stores:
            s.close()
        if self.schemas:
            engine = sa.create_engine(PG_SERVER)
            with engine.begin() as conn:
                for schema in self.schemas:
                    conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            engine.dispose()


@pytest.fixture(params=DIALECTS)
def dbs(request, tmp_path) -> Iterator[Databases]:  # type: ignore[no-untyped-def]
    d = Databases(request.param, tmp_path)
    yield d
    d.close()


# --------------------------------------------------------------------------- corpora


def record(agency: str, region: str | None, year: int, level: str, seed: int) -> Report:
    """A random valid record of a given agency and year."""
    rec = random_record(random.Random(seed), year=year)
    rec.agency, rec.region, rec.agency_level = agency, region, level
    return rec


def text_of(rec: Report, seed: int = 0, layout: str = "txt", problems: str | None = None,
            title: str | None = None) -> bytes:
    """The record as a report file; `problems` replaces the text of section 五, `title` the title line."""
    rng = random.Random(seed)
    if problems is None and title is None:
        text = document(rec, layout, rng)
    else:
        prose = prose_for(rec, rng)
        if problems is not None:
            prose["problems"] = problems
        text = render(rec, layout, prose=prose)
    if title is not None:
        lines = text.split("\n")
        i = next(i for i, ln in enumerate(lines) if ln.strip())
        lines[i] = title
        text = "\n".join(lines)
    return text.encode("utf-8")


def set_carried_forward(rec: Report, values: list[int]) -> None:
    """Make 四、结转下年度 equal `values` (columns 0-5) and keep every identity of table 三:
    the difference goes into 一、本年新收 as well (both sides of T3.1)."""
    t3 = rec.table3
    for c, v in enumerate(values[: T.T3_TOTAL_COLUMN]):
        d = v - t3["carried_forward"][c]
        t3["carried_forward"][c] += d
        t3["new_received"][c] += d
        assert t3["new_received"][c] >= 0
    for key in ("carried_forward", "new_received"):
        t3[key][T.T3_TOTAL_COLUMN] = sum(t3[key][: T.T3_TOTAL_COLUMN])


def carry_in_force(before: Report, after: Report) -> None:
    """Make 现行有效件数 of `after` follow from `before` (rule T2.3), for the 2021 template."""
    for key in ("regulations", "normative_documents"):
        b, a = before.table2.get(key), after.table2.get(key)
        if b and a and "in_force" in a:
            a["in_force"] = b["in_force"] + a["issued"] - a["repealed"]
            if a["in_force"] < 0:
                a["repealed"] += a["in_force"]
                a["in_force"] = 0


def problems_text(seed: int) -> str:
    """A section 五 long enough for G6 (a different one for each seed)."""
    rng = random.Random(seed)
    words = "政策解读形式栏目更新及时性依申请答复规范培训工作人员业务能力平台建设信息发布审核机制监督考核"
    return "。".join("".join(rng.choice(words) for _ in range(18)) for _ in range(6)) + "。"
