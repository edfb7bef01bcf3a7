"""The official report formats, as data.

This is the one place where the labels of the official formats are spelled out:
国办公开办函〔2021〕30号 (template "2021", reporting years 2021 onward) and
国办公开办函〔2019〕60号 (template "2019", reporting years 2019-2020).  The extractor,
the checker, the renderers, the drafter and the web UI all read these objects;
no other module writes a label again.

Vocabulary
  section  one of the six numbered parts of a report (一 … 六)
  row      a data row of a table, with a stable key (schema.md) and a label
  group    a merged label cell that spans several rows (e.g. （三）不予公开)
  field    a value column of a table-2 row, or of a table-4 group
  column   a value column of table 3 (applicant types)
"""
from __future__ import annotations

from dataclasses import dataclass, field

TEMPLATE_IDS = ("2021", "2019")
LEGACY = "legacy"


# --------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class Section:
    key: str
    number: str  # 一 … 六
    heading: str  # the 2021 heading text, without the number
    variants: tuple[str, ...] = ()  # other headings seen in the wild (without numbers)

    @property
    def title(self) -> str:
        return f"{self.number}、{self.heading}"


SECTIONS: tuple[Section, ...] = (
    Section("overview", "一", "总体情况", ("概述", "基本情况", "总体工作情况", "政府信息公开总体情况",
                                          "政府信息公开工作总体情况")),
    Section("proactive", "二", "主动公开政府信息情况", ("主动公开政府信息的情况",)),
    Section(
        "requests",
        "三",
        "收到和处理政府信息公开申请情况",
        ("收到和处理政府信息公开申请的情况", "依申请公开政府信息情况", "行政机关收到和处理政府信息公开申请情况"),
    ),
    Section(
        "appeals",
        "四",
        "政府信息公开行政复议、行政诉讼情况",
        (
            "政府信息公开行政复议和行政诉讼情况",
            "因政府信息公开工作被申请行政复议、提起行政诉讼情况",
            "因政府信息公开工作被申请行政复议和提起行政诉讼情况",
            "因政府信息公开工作被申请行政复议提起行政诉讼情况",
            "因政府信息公开申请行政复议、提起行政诉讼的情况",
            "政府信息公开行行政复议和行政诉讼情况",
        ),
    ),
    Section(
        "problems",
        "五",
        "存在的主要问题及改进情况",
        (
            "政府信息公开工作存在的主要问题及改进情况",
            "存在问题及改进情况",
            "存在的主要问题和改进措施",
            "存在的主要问题及改进措施",
            "存在的问题及改进措施",
        ),
    ),
    Section("other", "六", "其他需要报告的事项", ("其他需报告的事项", "其他需要报告事项", "其他需报告事项")),
)
SECTION_BY_KEY = {s.key: s for s in SECTIONS}


# --------------------------------------------------------------------------- table 3


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    parent: str | None = None  # header cell above this one, if any
    short: str = ""  # a narrow heading for terminals and charts

    @property
    def narrow(self) -> str:
        return self.short or self.label


# Value order everywhere: [自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计]
T3_COLUMNS: tuple[Column, ...] = (
    Column("natural_person", "自然人"),
    Column("commercial", "商业企业", "法人或其他组织", "企业"),
    Column("research", "科研机构", "法人或其他组织", "科研"),
    Column("public_interest", "社会公益组织", "法人或其他组织", "公益组织"),
    Column("legal_service", "法律服务机构", "法人或其他组织", "法律服务"),
    Column("other_org", "其他", "法人或其他组织"),
    Column("total", "总计"),
)
T3_WIDTH = len(T3_COLUMNS)
T3_TOTAL_COLUMN = T3_WIDTH - 1
T3_HEADER_TOP = "申请人情况"
T3_HEADER_ORGS = "法人或其他组织"
T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


@dataclass(frozen=True)
class Group:
    key: str
    number: str  # "三、" or "（三）"
    label: str
    parent: str | None = None

    @property
    def title(self) -> str:
        return f"{self.number}{self.label}"


@dataclass(frozen=True)
class Row:
    key: str
    number: str  # "一、", "（一）", "1."
    label: str  # official label without the number
    group: str | None = None  # key of the innermost merged label cell above it
    variants: tuple[str, ...] = ()  # accepted alternative labels (numbers stripped)
    note: str = ""  # parenthetical note printed after the label, part of the official label

    @property
    def title(self) -> str:
        return f"{self.number}{self.label}{self.note}"


T3_GROUPS: dict[str, Group] = {
    g.key: g
    for g in (
        Group("results", "三、", "本年度办理结果"),
        Group("denied", "（三）", "不予公开", "results"),
        Group("unavailable", "（四）", "无法提供", "results"),
        Group("not_processed", "（五）", "不予处理", "results"),
        Group("other", "（六）", "其他处理", "results"),
    )
}

_T3_HEAD = (
    Row("new_received", "一、", "本年新收政府信息公开申请数量", None, ("本年新收申请数量", "新收政府信息公开申请数量")),
    Row("carried_over", "二、", "上年结转政府信息公开申请数量", None, ("上年结转申请数量", "上年结转政府信息公开申请")),
    Row("granted", "（一）", "予以公开", "results"),
    Row("partially_granted", "（二）", "部分公开", "results", (), "（区分处理的，只计这一情形，不计其他情形）"),
    Row("denied_state_secret", "1.", "属于国家秘密", "denied", ("国家秘密",)),
    Row("denied_prohibited_by_law", "2.", "其他法律行政法规禁止公开", "denied", ("法律行政法规禁止公开",)),
    Row("denied_security_stability", "3.", "危及“三安全一稳定”", "denied"),
    Row("denied_third_party", "4.", "保护第三方合法权益", "denied"),
    Row("denied_internal_affairs", "5.", "属于三类内部事务信息", "denied", ("三类内部事务信息",)),
    Row("denied_process_info", "6.", "属于四类过程性信息", "denied", ("四类过程性信息",)),
    Row("denied_enforcement_file", "7.", "属于行政执法案卷", "denied", ("行政执法案卷",)),
    Row("denied_query_item", "8.", "属于行政查询事项", "denied", ("行政查询事项",)),
    Row("unavailable_not_held", "1.", "本机关不掌握相关政府信息", "unavailable"),
    Row("unavailable_needs_creation", "2.", "没有现成信息需要另行制作", "unavailable"),
    Row("unavailable_unclear", "3.", "补正后申请内容仍不明确", "unavailable"),
    Row("not_processed_petition", "1.", "信访举报投诉类申请", "not_processed"),
    Row("not_processed_duplicate", "2.", "重复申请", "not_processed"),
    Row("not_processed_publication", "3.", "要求提供公开出版物", "not_processed"),
    Row("not_processed_excessive", "4.", "无正当理由大量反复申请", "not_processed"),
    Row("not_processed_confirmation", "5.", "要求行政机关确认或重新出具已获取信息", "not_processed"),
)
_T3_OTHER_2021 = (
    Row(
        "other_no_correction",
        "1.",
        "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "other",
    ),
    Row(
        "other_no_fee",
        "2.",
        "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "other",
    ),
    Row("other_other", "3.", "其他", "other"),
)
# 2019: （六）其他处理 is one row, stored under the key of 2021's （六）3.
_T3_OTHER_2019 = (Row("other_other", "（六）", "其他处理", "results"),)
_T3_TAIL = (
    Row("results_total", "（七）", "总计", "results", ("办理结果总计",)),
    Row("carried_forward", "四、", "结转下年度继续办理", None, ("结转下一年度继续办理", "结转下年度继续办理数量")),
)

# Rows that make up 三（七）总计 (rule T3.3) are those of the "results" group except the total itself.
RESULTS_TOTAL_KEY = "results_total"

# --------------------------------------------------------------------------- table 2


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str = "count"  # "count" (int >= 0), "signed" (int), "money" (万元, may be fractional)


@dataclass(frozen=True)
class T2Row:
    key: str
    label: str
    variants: tuple[str, ...] = ()


@dataclass(frozen=True)
class T2Block:
    item: str  # 条例 第二十条 item, e.g. "第二十条第（一）项"
    fields: tuple[Field, ...]
    rows: tuple[T2Row, ...]


MONEY_UNIT = "万元"
T2_HEADER = "信息内容"  # the top-left header cell of every table-2 block

# --------------------------------------------------------------------------- table 4

T4_GROUPS: tuple[tuple[str, str, str | None], ...] = (
    # key, label, parent header
    ("review", "行政复议", None),
    ("litigation_direct", "未经复议直接起诉", "行政诉讼"),
    ("litigation_after_review", "复议后起诉", "行政诉讼"),
)
T4_FIELDS: tuple[Field, ...] = (
    Field("upheld", "结果维持"),
    Field("corrected", "结果纠正"),
    Field("other", "其他结果"),
    Field("pending", "尚未审结"),
    Field("total", "总计"),
)
T4_HEADER_LITIGATION = "行政诉讼"
T4_TOTAL_FIELD = "total"

# --------------------------------------------------------------------------- templates


@dataclass(frozen=True)
class Template:
    id: str
    notice: str  # 文号 of the format notice
    notice_name: str  # the notice's title, as an introduction cites it
    format_name: str  # the name of the format it issued
    years: tuple[int, int]  # first and last reporting year it applies to (inclusive)
    table2: tuple[T2Block, ...]
    table3_rows: tuple[Row, ...]
    signature: tuple[str, ...]  # labels only this template prints (template detection, rule G2)
    table2_signature: tuple[str, ...] = field(default=())  # the subset of `signature` found in table 二

    @property
    def table3_keys(self) -> tuple[str, ...]:
        return tuple(r.key for r in self.table3_rows)

    @property
    def results_rows(self) -> tuple[str, ...]:
        """Row keys whose sum is 三（七）总计 (rule T3.3)."""
        return tuple(
            r.key
            for r in self.table3_rows
            if r.key != RESULTS_TOTAL_KEY and _in_group(r.group, "results")
        )

    def table2_fields(self) -> dict[str, tuple[Field, ...]]:
        return {row.key: block.fields for block in self.table2 for row in block.rows}

    def table2_row(self, key: str) -> T2Row:
        for block in self.table2:
            for row in block.rows:
                if row.key == key:
                    return row
        raise KeyError(key)

    def t3_row(self, key: str) -> Row:
        for row in self.table3_rows:
            if row.key == key:
                return row
        raise KeyError(key)


def _in_group(group: str | None, ancestor: str) -> bool:
    while group is not None:
        if group == ancestor:
            return True
        group = T3_GROUPS[group].parent
    return False


TEMPLATE_2021 = Template(
    id="2021",
    notice="国办公开办函〔2021〕30号",
    notice_name="国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知",
    format_name="中华人民共和国政府信息公开工作年度报告格式",
    years=(2021, 9999),
    table2=(
        T2Block(
            "第二十条第（一）项",
            (Field("issued", "本年制发件数"), Field("repealed", "本年废止件数"), Field("in_force", "现行有效件数")),
            (T2Row("regulations", "规章"), T2Row("normative_documents", "行政规范性文件", ("规范性文件",))),
        ),
        T2Block("第二十条第（五）项", (Field("decisions", "本年处理决定数量"),), (T2Row("licensing", "行政许可"),)),
        T2Block(
            "第二十条第（六）项",
            (Field("decisions", "本年处理决定数量"),),
            (T2Row("penalty", "行政处罚"), T2Row("coercion", "行政强制")),
        ),
        T2Block(
            "第二十条第（八）项",
            (Field("amount", "本年收费金额（单位：万元）", "money"),),
            (T2Row("admin_fees", "行政事业性收费"),),
        ),
    ),
    table3_rows=_T3_HEAD + _T3_OTHER_2021 + _T3_TAIL,
    signature=(
        "本年制发件数",
        "本年废止件数",
        "现行有效件数",
        "本年收费金额",
        "申请人无正当理由逾期不补正",
        "申请人逾期未按收费通知",
    ),
    table2_signature=("本年制发件数", "本年废止件数", "现行有效件数", "本年收费金额"),
)

_T2_2019_COUNT_FIELDS = (
    Field("prev_count", "上一年项目数量"),
    Field("change", "本年增/减", "signed"),
    Field("decisions", "处理决定数量"),
)
TEMPLATE_2019 = Template(
    id="2019",
    notice="国办公开办函〔2019〕60号",
    notice_name="国务院办公厅政府信息与政务公开办公室关于政府信息公开工作年度报告有关事项的通知",
    format_name="中华人民共和国政府信息公开工作年度报告格式（试行）",
    years=(2019, 2020),
    table2=(
        T2Block(
            "第二十条第（一）项",
            (
                Field("new_made", "本年新制作数量"),
                Field("new_published", "本年新公开数量"),
                Field("total_public", "对外公开总数量"),
            ),
            (T2Row("regulations", "规章"), T2Row("normative_documents", "规范性文件", ("行政规范性文件",))),
        ),
        T2Block(
            "第二十条第（五）项",
            _T2_2019_COUNT_FIELDS,
            (T2Row("licensing", "行政许可"), T2Row("other_services", "其他对外管理服务事项")),
        ),
        T2Block(
            "第二十条第（六）项",
            _T2_2019_COUNT_FIELDS,
            (T2Row("penalty", "行政处罚"), T2Row("coercion", "行政强制")),
        ),
        T2Block(
            "第二十条第（八）项",
            (Field("prev_count", "上一年项目数量"), Field("change", "本年增/减", "signed")),
            (T2Row("admin_fees", "行政事业性收费"),),
        ),
        T2Block(
            "第二十条第（九）项",
            (Field("count", "采购项目数量"), Field("amount", "采购总金额", "money")),
            (T2Row("procurement", "政府集中采购"),),
        ),
    ),
    table3_rows=_T3_HEAD + _T3_OTHER_2019 + _T3_TAIL,
    signature=(
        "本年新制作数量",
        "本年新公开数量",
        "对外公开总数量",
        "上一年项目数量",
        "本年增/减",
        "其他对外管理服务事项",
        "政府集中采购",
        "采购总金额",
    ),
    table2_signature=("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "其他对外管理服务事项", "政府集中采购"),
)

TEMPLATES: dict[str, Template] = {"2021": TEMPLATE_2021, "2019": TEMPLATE_2019}

# Evidence shared by both official templates (a report that has none of these is not in
# an official format).
SHARED_SIGNATURE = ("勾稽关系", "申请人情况", "三安全一稳定", "结转下年度继续办理", "本年新收政府信息公开申请数量")

# Words that open the headline figures of pre-2019 reports, in tables or sentences (domain.md §6.4)
LEGACY_FIGURE_WORDS = ("主动公开", "公开", "发布", "收到", "受理", "办结", "答复", "同意公开", "部分公开", "不予公开",
                       "收取", "减免", "行政复议", "行政诉讼", "申诉")
LEGACY_UNITS = ("条", "件", "项", "个", "次", "人", "万元", "元", "人次", "期", "份", "场")

# Headings and table words of pre-2019 ("legacy") reports (domain.md §6.4).
LEGACY_SIGNATURE = (
    "概述",
    "收费及减免",
    "咨询处理",
    "同意公开答复数",
    "否决公开",
    "依申请公开政府信息情况",
    "政府信息公开情况统计表",
)

REPORT_TITLE_WORDS = ("政府信息公开工作年度报告", "政府信息公开工作的年度报告", "信息公开工作年度报告", "政务信息公开年度报告", "信息公开年度报告")
LAW_NAME = "《中华人民共和国政府信息公开条例》"
STATISTICAL_PERIOD = "本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"

# Labels that only look like table 三 headers, never rows (used to tell header from data).
T3_HEADER_LABELS = (T3_HEADER_TOP, T3_HEADER_ORGS) + tuple(c.label for c in T3_COLUMNS)


FIRST_YEAR, LAST_YEAR = 1990, 2100  # the years a request or a generated report may name (input bounds)


def template_for_year(year: int | None) -> str | None:
    """The template a report of `year` must use: "2021", "2019", "legacy" or None."""
    if year is None:
        return None
    for tid, tpl in TEMPLATES.items():
        if tpl.years[0] <= year <= tpl.years[1]:
            return tid
    return LEGACY if year < TEMPLATE_2019.years[0] else None


def t3_title(key: str, template_id: str | None = None) -> str:
    """A row of table 三 as a clerk reads it: "（三）1.属于国家秘密", "二、上年结转政府信息公开申请数量"."""
    tpl = TEMPLATES.get(template_id or "2021", TEMPLATE_2021)
    row = next((r for r in tpl.table3_rows if r.key == key), None) or next(
        (r for t in TEMPLATES.values() for r in t.table3_rows if r.key == key), None)
    if row is None:
        return key
    chain = [g for g in t3_group_chain(row) if g.key != "results"]
    return "".join(g.title for g in chain) + row.number + row.label


def t2_field_label(template_id: str | None, row_key: str, field_key: str) -> str:
    tpl = TEMPLATES.get(template_id or "2021", TEMPLATE_2021)
    for block in tpl.table2:
        if any(r.key == row_key for r in block.rows):
            for fld in block.fields:
                if fld.key == field_key:
                    return fld.label
    return field_key


def t4_group_label(key: str) -> str:
    for k, label, _ in T4_GROUPS:
        if k == key:
            return label
    return key


def t4_field_label(key: str) -> str:
    return next((f.label for f in T4_FIELDS if f.key == key), key)


def table4_keys() -> list[tuple[str, str]]:
    """(group, field) pairs in the printed order of the 15 cells."""
    return [(g, f.key) for g, _, _ in T4_GROUPS for f in T4_FIELDS]


def t3_group_chain(row: Row) -> list[Group]:
    """The merged label cells above `row`, outermost first."""
    chain: list[Group] = []
    key = row.group
    while key is not None:
        chain.append(T3_GROUPS[key])
        key = T3_GROUPS[key].parent
    return list(reversed(chain))
