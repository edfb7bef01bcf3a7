"""Shared CLI plumbing: errors become a bilingual message and exit code 2, never a traceback."""
from __future__ import annotations

import importlib
import os
import sys
import traceback
from typing import Any

import click

from ..errors import NianbaoError


def fail(exc: BaseException, name: str | None = None) -> None:
    """Print a clear message for `exc` on stderr."""
    where = f"{name}: " if name else ""
    if isinstance(exc, NianbaoError):
        click.echo(f"错误：{where}{exc.message_zh}\nError: {where}{exc.message_en}", err=True)
    else:
        if os.environ.get("NIANBAO_DEBUG"):
            traceback.print_exception(exc)
        click.echo(
            f"错误：{where}处理时发生内部错误（{type(exc).__name__}），请把该文件报告给开发者。\n"
            f"Error: {where}internal error while processing ({type(exc).__name__}: {exc}); "
            "please report this file. Set NIANBAO_DEBUG=1 for the traceback.",
            err=True,
        )


class NianbaoGroup(click.Group):
    """The `nianbao` group: commands live in modules of nianbao.cli that register themselves
    on import; a module is imported only when one of its commands runs (all of them for
    --help), so a one-shot `nianbao check` does not pay for the store, web or draft commands."""

    lazy_modules: dict[str, str] = {}  # command name -> module of nianbao.cli that registers it

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_modules:
            importlib.import_module(f"{__package__}.{self.lazy_modules[cmd_name]}")
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        for module in sorted(set(self.lazy_modules.values())):
            importlib.import_module(f"{__package__}.{module}")
        return super().list_commands(ctx)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NianbaoError as exc:
            fail(exc)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, KeyboardInterrupt):
            raise
        except BrokenPipeError:
            sys.exit(0)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: no tracebacks for users
            fail(exc)
            sys.exit(2)


def parse_years(values: "str | tuple[str, ...]") -> list[int]:
    """Years as a user writes them: "2023 2024", "2022,2023", "2021-2024" (one string or
    several arguments); ValueError for anything that is not a year or a range of years."""
    parts = [values] if isinstance(values, str) else list(values)
    years: list[int] = []
    for part in " ".join(parts).replace("，", ",").replace(",", " ").split():
        first, _, last = part.partition("-")
        years.extend(range(int(first), int(last or first) + 1))
    return years
