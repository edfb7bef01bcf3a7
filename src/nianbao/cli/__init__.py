"""The `nianbao` command line.  Each group of commands lives in its own module and is
registered here lazily (its module is imported when one of its commands runs); heavy libraries are imported inside the commands that need them."""
from __future__ import annotations


import click

from .. import __version__
from .base import NianbaoGroup


@click.group(cls=NianbaoGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="nianbao")
def main() -> None:
    """nianbao（年报）：读取、检查、入库和起草政府信息公开工作年度报告。

    Read, check, store and draft China's government information-disclosure annual reports.
    """


# each module registers its commands on `main` when imported, which happens when one of its
# commands runs (tests/test_lazy_imports.py checks this map against the modules)
main.lazy_modules = {
    "parse": "core", "check": "core", "render": "core", "rules": "core", "synth": "core",
    "ingest": "store_cmds", "list": "store_cmds", "show": "store_cmds", "compare": "store_cmds",
    "stats": "store_cmds", "reparse": "store_cmds",
    "export": "export_cmds", "issues": "export_cmds",
    "draft": "draft_cmds", "template": "draft_cmds",
    "backup": "admin_cmds", "restore": "admin_cmds",
    "crawl": "crawl_cmds",
    "deadline": "season_cmds", "review": "season_cmds",
    "serve": "web_cmds", "user": "web_cmds",
}
