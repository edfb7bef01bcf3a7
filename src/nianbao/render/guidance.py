"""What a drafted report says where the clerk still has to write: the prose sections as
placeholders that name what each section must cover (domain.md §1.2 and §7), and the
heading of the closing note a forced draft carries.

The placeholders are bracketed instructions, without numbers and without the words the
narrative rules read as statements, so that a draft checks exactly like its tables.
"""
from __future__ import annotations

from ..model import Report

OPEN, CLOSE = "【", "】"
CLOSING_HEADING = "附：生成时未通过的检查"
PLACEHOLDER_MARK = "请填写"

_OVERVIEW = (
    ("（一）主动公开。", "本年度主动公开政府信息的渠道、数量和重点领域，用具体数据和事实说明，不写空话套话"),
    ("（二）依申请公开。", "收到和办理政府信息公开申请的数量、答复时效和办理质量"),
    ("（三）政府信息管理。", "政府信息公开保密审查、动态调整和清理等管理工作"),
    ("（四）政府信息公开平台建设。", "政府网站信息公开专栏、政务新媒体等平台的建设和维护"),
    ("（五）监督保障。", "工作机制、教育培训、监督检查等情况"),
)
_GOVERNMENT_DUTY = "；作为人民政府，还应写明工作考核、社会评议和责任追究结果情况（《条例》第五十条第（四）项）"
_PROBLEMS = (
    ("（一）上年度问题整改情况。", "上一年度报告所列问题逐项的整改结果"),
    ("（二）存在的主要问题。", "本机关本年度政府信息公开工作的具体问题，不照搬往年或其他机关的表述"),
    ("（三）改进措施。", "针对上述问题的具体改进措施和时限"),
)
_OTHER = (
    ("（一）收取信息处理费情况。", "按照《政府信息公开信息处理费管理办法》收取信息处理费的件数和金额；没有收取的写明“本年度未收取信息处理费”"),
    ("（二）落实上级年度政务公开工作要点情况。", "逐项说明落实情况"),
    ("（三）人大代表建议和政协提案办理结果公开情况。", "建议提案办理结果的公开情况"),
    ("（四）年度政务公开工作创新情况。", "本年度的创新做法和成效"),
)


def is_government(report: Report) -> bool:
    """A people's government (各级人民政府), not one of its offices or departments."""
    name = report.agency or ""
    return name.endswith("人民政府")


def _lines(items: tuple[tuple[str, str], ...]) -> str:
    return "\n".join(f"{head}{OPEN}{PLACEHOLDER_MARK}{what}。{CLOSE}" for head, what in items)


def prose_placeholders(report: Report) -> dict[str, str]:
    """Section key -> placeholder text for the three prose sections (一, 五, 六)."""
    overview = list(_OVERVIEW)
    if is_government(report):
        head, what = overview[-1]
        overview[-1] = (head, what + _GOVERNMENT_DUTY)
    return {"overview": _lines(tuple(overview)), "problems": _lines(_PROBLEMS), "other": _lines(_OTHER)}


def closing_heading() -> str:
    return CLOSING_HEADING


def is_placeholder(text: str) -> bool:
    """True when `text` (a section body) is still, in every line, a drafting placeholder."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    return bool(lines) and all(PLACEHOLDER_MARK in ln and ln.endswith(CLOSE) for ln in lines)
