"""How a finding's severity is shown in the terminal (no rich import: `nianbao check` needs
only these names, not the table renderer)."""
from __future__ import annotations

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
