"""The official formats as data, and the rule that no other module spells a label."""
from __future__ import annotations

import ast
from pathlib import Path

from nianbao.formats import templates as T

SRC = Path(__file__).resolve().parents[1] / "src" / "nianbao"


def test_2021_table3_has_25_rows_and_2019_has_23():
    assert len(T.TEMPLATE_2021.table3_rows) == 25
    assert len(T.TEMPLATE_2019.table3_rows) == 23
    assert T.TEMPLATE_2021.table3_keys[-2:] == ("results_total", "carried_forward")


def test_results_rows_are_the_rows_that_sum_to_the_total():
    rows21 = T.TEMPLATE_2021.results_rows
    # 三、本年度办理结果 spans 22 rows (2019: 20) including （七）总计
    assert len(rows21) == 21 and "results_total" not in rows21 and "new_received" not in rows21
    assert len(T.TEMPLATE_2019.results_rows) == 19
    assert "other_no_correction" not in T.TEMPLATE_2019.results_rows


def test_table2_cell_counts():
    count = lambda tpl: sum(len(b.fields) * len(b.rows) for b in tpl.table2)  # noqa: E731
    assert count(T.TEMPLATE_2021) == 10
    # (一) 2x3, (五) 2x3, (六) 2x3, (八) 1x2, (九) 1x2 (domain.md §2.3 lists these 22 cells)
    assert count(T.TEMPLATE_2019) == 22


def test_table4_is_fifteen_cells():
    assert len(T.table4_keys()) == 15


def test_template_for_year():
    assert T.template_for_year(2024) == "2021"
    assert T.template_for_year(2020) == "2019"
    assert T.template_for_year(2015) == "legacy"
    assert T.template_for_year(None) is None


def _official_labels() -> set[str]:
    labels: set[str] = set()
    for tpl in T.TEMPLATES.values():
        labels.update(r.label for r in tpl.table3_rows)
        for block in tpl.table2:
            labels.add(block.item)
            labels.update(f.label for f in block.fields)
            labels.update(r.label for r in block.rows)
    labels.update(g.label for g in T.T3_GROUPS.values())
    labels.update(c.label for c in T.T3_COLUMNS)
    labels.update(label for _, label, _ in T.T4_GROUPS)
    labels.update(f.label for f in T.T4_FIELDS)
    labels.update(s.heading for s in T.SECTIONS)
    labels.update((T.T3_HEADER_TOP, T.T3_HEADER_ORGS, T.T2_HEADER))
    return {label for label in labels if len(label) >= 4}


def _code_strings(tree: ast.AST) -> list[str]:
    """String constants used by code: not docstrings, not a rule's title and explanation."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip.add(id(first.value))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "rule":
            for arg in node.args[3:5]:  # title, description
                skip.add(id(arg))
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip]


def test_no_module_but_templates_spells_an_official_label():
    labels = _official_labels()
    offenders = []
    for path in sorted(SRC.rglob("*")):
        if path.name == "templates.py" or path.suffix not in (".py", ".html", ".js"):
            continue
        text = path.read_text(encoding="utf-8")
        strings = _code_strings(ast.parse(text)) if path.suffix == ".py" else [text]
        for label in sorted(labels):
            if any(label in s for s in strings):
                offenders.append(f"{path.relative_to(SRC)}: {label}")
    assert not offenders, "official labels spelled outside templates.py:\n" + "\n".join(offenders)


def _word_tables() -> dict[str, dict[str, str]]:
    from nianbao import words

    return {name: table for name, table in vars(words).items() if name.endswith("_NAMES") or name.endswith("_VERBS")}


def test_the_apps_words_are_given_in_words_py_only():
    """No module but words.py maps the app's codes (severity, decision, status, level, family,
    role, audit action) to their Chinese names: a dict literal keyed by such codes with
    Chinese values is a second spelling that will drift."""
    codes = {code for table in _word_tables().values() for code in table}
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path == SRC / "words.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Dict) or len(node.keys) < 2:
                continue
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
            chinese = [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
                       and any("\u4e00" <= ch <= "\u9fff" for ch in v.value)]
            if len(keys) >= 2 and set(keys) <= codes and chinese:
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno} {keys}")
    assert not offenders, "the app's words spelled outside words.py:\n" + "\n".join(offenders)


def test_every_word_table_names_each_code_once_in_chinese():
    for name, table in _word_tables().items():
        assert table, name
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in v) for v in table.values()), name
    from nianbao.words import SEVERITIES, SEVERITY_NAMES

    assert set(SEVERITY_NAMES) == set(SEVERITIES)


def test_the_architecture_document_lists_every_module():
    """docs/architecture.md names every module of the package (migrations' versions aside)."""
    doc = (SRC.parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [str(p.relative_to(SRC)) for p in sorted(SRC.rglob("*.py"))
               if "versions" not in p.parts and f"`{p.relative_to(SRC)}`" not in doc]
    assert not missing, "modules missing from docs/architecture.md: " + ", ".join(missing)


def test_no_production_module_imports_synth():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if "synth" in path.relative_to(SRC).parts or path.relative_to(SRC).parts[0] == "cli":
            continue  # the generator itself, and `nianbao synth` (a command that runs it)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and "synth" in node.module.split("."):
                offenders.append(str(path.relative_to(SRC)))
    assert not offenders, offenders


def test_a_reader_never_imports_a_later_stage():
    later = {"segment", "metadata", "extract", "pipeline", "store"}  # rules.finding (the registry) is allowed
    offenders = []
    for path in sorted((SRC / "parsing" / "readers").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and later & set(node.module.split(".")):
                offenders.append(f"{path.name}: {node.module}")
    assert not offenders, offenders
