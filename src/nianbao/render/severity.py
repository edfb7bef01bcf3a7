"""How a finding's severity is shown in the terminal (no rich import: `nianbao check` needs
only these names, not the table renderer)."""
from __future__ import annotations

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
from ..words import SEVERITY_NAMES as SEVERITY_ZH  # noqa: E402,F401 - the terminal's names are the app's
