"""The `nianbao` command line.  Each group of commands lives in its own module and is
registered here; heavy libraries are imported inside the commands that need them."""
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


# each module registers its commands on `main`
from . import admin_cmds, core, crawl_cmds, draft_cmds, export_cmds, season_cmds, store_cmds, web_cmds  # noqa: E402,F401
