"""The audit log as a clerk reads it: each entry with its action in Chinese, the report it
is about named (agency + year, not an id or a hash), the object in words (a cell's label,
a rule's title, a user's name), and filters by person, report and date.  One data function
(`entries`) feeds the page (/audit), the report page's history and the JSON API."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..numbers import number_text
from ..store.compare import cell_label
from ..store.schema import reports
from .schema import audit_log
from .views import ACTION_NAMES

EXPORT_NAMES = {"findings.xlsx": "问题清单 XLSX", "findings.docx": "整改通知 DOCX", "cells.csv": "数据 CSV",
                "cells.xlsx": "数据 XLSX", "members.csv": "各机关数据 CSV", "members.xlsx": "各机关数据 XLSX",
                "reports.csv": "报告列表 CSV", "reports.xlsx": "报告列表 XLSX", "reports.json": "报告列表 JSON"}


@dataclass(frozen=True)
class AuditFilter:
    """Who (a user name), which report (an id, or words of its agency's name), and the
    dates (inclusive) - every field optional."""

    user: str = ""
    report: str = ""
    since: date | None = None
    until: date | None = None

    def params(self) -> dict[str, str]:
        return {k: v for k, v in (("user", self.user), ("report", self.report),
                                  ("since", self.since.isoformat() if self.since else ""),
                                  ("until", self.until.isoformat() if self.until else "")) if v}


def _where(f: AuditFilter) -> list[Any]:
    out: list[Any] = []
    if f.user:
        out.append(audit_log.c.user_name == f.user)
    report = f.report.strip()
    if report.isascii() and report.isdigit() and len(report) < 10:
        out.append(audit_log.c.report_id == int(report))
    elif report:
        like = "%" + report.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        out.append(reports.c.agency.like(like, escape="\\"))
    if f.since:
        out.append(audit_log.c.at >= _utc(f.since))
    if f.until:
        out.append(audit_log.c.at < _utc(f.until + timedelta(days=1)))
    return out


def _utc(d: date) -> datetime:
    """Midnight of `d` in the server's time zone (the page shows local times), as UTC."""
    local = datetime.combine(d, time()).astimezone()
    return local.astimezone(timezone.utc)


def entries(engine: Engine, page: int = 1, per_page: int = 50, *, report_id: int | None = None,
            where: AuditFilter = AuditFilter()) -> tuple[list[dict[str, Any]], bool]:
    """(entries newest first, whether there are more), each with `action_name`,
    `report_name` and `object` in words beside the stored fields."""
    stmt = (sa.select(audit_log, reports.c.agency.label("report_agency"), reports.c.year.label("report_year"),
                      reports.c.template.label("report_template"))
            .select_from(audit_log.outerjoin(reports, reports.c.id == audit_log.c.report_id))
            .where(*_where(where)).order_by(audit_log.c.id.desc()).limit(per_page + 1).offset((page - 1) * per_page))
    if report_id is not None:
        stmt = stmt.where(audit_log.c.report_id == report_id)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(stmt).mappings()]
    for r in rows:
        r["detail"] = json.loads(r["detail"]) if r["detail"] else None
        r["action_name"] = ACTION_NAMES.get(r["action"], r["action"])
        r["report_name"] = report_name(r.pop("report_agency"), r.pop("report_year")) if r["report_id"] else ""
        r["object"] = object_words(r["action"], r["target"], r["detail"] or {}, r.pop("report_template"))
    return rows[:per_page], len(rows) > per_page


def users(engine: Engine) -> list[str]:
    """Everyone the log names (for the filter)."""
    with engine.connect() as conn:
        return list(conn.execute(sa.select(audit_log.c.user_name).distinct().order_by(audit_log.c.user_name)).scalars())


def report_name(agency: str | None, year: int | None) -> str:
    return f"{agency or '（未识别机关）'}{f'{year}年度' if year else ''}报告"


def object_words(action: str, target: str | None, detail: dict[str, Any], template: str | None = None) -> str:
    """What the entry acted on, in words (never a finding hash or a bare id)."""
    target = target or ""
    family = action.split(".", 1)[0]
    if family == "review":
        from ..rules import REGISTRY

        rule = REGISTRY.get(str(detail.get("rule") or ""))
        return f"{detail.get('rule', '')} {rule.title}" if rule else str(detail.get("message") or "一条检查结果")
    if family == "cell":
        try:
            label = cell_label(target, template)
        except (ValueError, KeyError, IndexError):
            label = target
        if action == "cell.correct":
            return f"{label}：由{number_text(detail.get('extracted'), blank='空')}改为{number_text(detail.get('value'))}"
        return f"{label}：恢复为原提取值"
    if family == "status":  # 待审 → 退回整改, never the stored key
        from ..words import STATUS_NAMES

        before, after = detail.get("from"), detail.get("to") or target
        after_zh = STATUS_NAMES.get(str(after), str(after))
        return f"{STATUS_NAMES.get(str(before), before)} → {after_zh}" if before else after_zh
    if action == "report.supersede":
        return f"新版报告 #{detail.get('new_report') or target}"
    if family == "upload":
        return f"{detail.get('files', '')}个文件（接收{detail.get('accepted', '')}个）" if detail else "一批文件"
    if family in ("user", "login"):
        return f"用户“{target}”" if target else ""
    if family == "token":
        return f"访问令牌“{detail['name']}”" if detail.get("name") else "访问令牌"
    if family == "expected":
        region, _, year = target.partition("/")
        return f"{region}{f'{year}年度' if year else ''}应报机关名单（{detail.get('count', 0)}个）"  # one list a region
    if family == "export":
        name = target.rsplit("/", 1)[-1]
        return EXPORT_NAMES.get(name, name)
    if family == "download":
        return "原始文件"
    if family == "access":
        return f"被拒绝的访问：{target}"
    return target
