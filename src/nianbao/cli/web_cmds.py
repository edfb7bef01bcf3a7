"""serve, user: the web application and its accounts."""
from __future__ import annotations

import sys
from typing import Any

import click

from . import main

_DB_HELP = "数据库地址，默认 sqlite:///nianbao.db（或环境变量 NIANBAO_DB）；PostgreSQL：postgresql://user@host/db"


def _db(func):  # type: ignore[no-untyped-def]
    return click.option("--db", "db_url", envvar="NIANBAO_DB", default=None, metavar="URL", help=_DB_HELP)(func)


def _password(from_stdin: bool) -> str:
    """The new password: the first line of stdin (for scripts), else asked twice, hidden."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise click.UsageError("标准输入中没有密码。 No password on stdin.")
        return line
    return click.prompt("密码 Password", hide_input=True, confirmation_prompt="再输入一次 Repeat")


@main.command()
@_db
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址；对外服务用 0.0.0.0。")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--read-only", is_flag=True, help="只读公开模式：无需登录即可浏览，不能上传或修改。")
@click.option("--secure-cookies/--no-secure-cookies", default=None,
              help="Cookie 的 Secure 标志；默认在 https 请求时自动加上。")
@click.option("--proxy-headers", is_flag=True, help="信任反向代理的 X-Forwarded-Proto/For（部署在 nginx 等之后时）。")
@click.option("--workers", default=1, show_default=True, type=int, help="解析上传文件的进程数。")
@click.option("--upload-mb", default=50, show_default=True, type=int, help="单个上传文件的大小上限（MB）。")
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 64),
              help="网页服务进程数（多核机器上可设为核数）。")
def serve(db_url: str | None, host: str, port: int, read_only: bool, secure_cookies: bool | None, proxy_headers: bool,
          workers: int, upload_mb: int, processes: int) -> None:
    """启动网页应用（审阅报告、上传、统计、起草）。Start the web application."""
    import uvicorn

    from ..parsing.readers.archive import MB
    from ..web import WebConfig, create_app
    from ..web.accounts import count_users
    from ..web.db import open_store

    store = open_store(db_url)
    token = None
    if not read_only and count_users(store.engine) == 0:
        import secrets

        token = secrets.token_urlsafe(24)
    config = WebConfig(db=store.url, read_only=read_only, secure_cookies=secure_cookies, workers=workers,
                       upload_bytes=upload_mb * MB, request_bytes=max(upload_mb * MB * 4, 210 * MB),
                       setup_token=token, setup_from_localhost=not proxy_headers)
    mode = "只读公开模式" if read_only else "审阅模式"
    click.echo(f"nianbao 网页应用（{mode}）：http://{host}:{port}/   数据库：{store!r}   API 文档：/api/docs", err=True)
    if token:
        click.echo(first_run_message(host, port, token, local=not proxy_headers), err=True)
    options: dict[str, Any] = dict(host=host, port=port, proxy_headers=proxy_headers, forwarded_allow_ips="*" if proxy_headers else None,
                   log_level="info", server_header=False)
    if processes == 1:
        uvicorn.run(create_app(config, store), **options)
        return
    import os

    from ..web.app import CONFIG_ENV, config_to_env
    from ..web.uploads import interrupted

    interrupted(store)  # once, before the processes start
    store.close()
    os.environ[CONFIG_ENV] = config_to_env(config)
    uvicorn.run("nianbao.web.app:app_from_env", factory=True, workers=processes, **options)


def first_run_message(host: str, port: int, token: str, local: bool = True) -> str:
    """What `serve` prints on a store with no user: where to create the first administrator."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    lines = ["还没有任何用户。请打开首次使用页面创建管理员（创建后该页面关闭）：",
             "No users yet. Create the administrator on the first-run page (it closes afterwards):"]
    if local:
        lines.append(f"  在本机 On this machine:  http://127.0.0.1:{port}/setup")
    lines.append(f"  一次性链接 One-time link:  http://{shown}:{port}/setup?token={token}")
    lines.append("  （也可用命令行 Or: nianbao user add 用户名 --role admin）")
    return "\n".join(lines)


@main.group()
def user() -> None:
    """网页应用的用户（admin 管理员 / reviewer 审核员 / viewer 查看者）。Web application accounts."""


def _add(store, name: str, role: str, password: str) -> None:  # type: ignore[no-untyped-def]
    from ..web.accounts import CLI_USER, add_user

    created = add_user(store.engine, name, role, password, by=CLI_USER)
    click.echo(f"已创建用户 {created.name}（{created.role}）。 Created user {created.name} ({created.role}).", err=True)


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "reviewer", "viewer"]), default="reviewer", show_default=True)
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码（第一行）。Read the password from stdin.")
@_db
def user_add(name: str, role: str, password_stdin: bool, db_url: str | None) -> None:
    """创建用户。Create a user (the password is asked for, hidden)."""
    from ..web.db import open_store

    store = open_store(db_url)
    _add(store, name, role, _password(password_stdin))


@user.command("list")
@_db
def user_list(db_url: str | None) -> None:
    """列出用户。List the users."""
    from ..web.accounts import list_users
    from ..web.db import open_store

    for u in list_users(open_store(db_url).engine):
        state = "" if u["active"] else "  （已停用 inactive）"
        click.echo(f"{u['name']}\t{u['role']}{state}")


@user.command("set")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "reviewer", "viewer"]))
@click.option("--password", "new_password", is_flag=True, help="设置新密码（询问）。Set a new password.")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取新密码。")
@click.option("--active/--inactive", default=None, help="启用或停用账号。")
@_db
def user_set(name: str, role: str | None, new_password: bool, password_stdin: bool, active: bool | None,
             db_url: str | None) -> None:
    """修改用户的角色、密码或状态。Change a user's role, password or state."""
    from ..web.accounts import CLI_USER, update_user
    from ..web.db import open_store

    password = _password(password_stdin) if (new_password or password_stdin) else None
    changed = update_user(open_store(db_url).engine, name, role=role, password=password, active=active, by=CLI_USER)
    click.echo(f"已更新用户 {changed.name}（{changed.role}）。 Updated user {changed.name}.", err=True)


@user.command("unlock")
@click.argument("name")
@_db
def user_unlock(name: str, db_url: str | None) -> None:
    """解除用户的登录锁定（所有地址）。Clear a user's failed logins (every address)."""
    from ..web.accounts import CLI_USER, unlock_user
    from ..web.db import open_store

    cleared = unlock_user(open_store(db_url).engine, name, by=CLI_USER)
    click.echo(f"已解除 {name} 的登录锁定（{cleared} 条）。 Unlocked {name} ({cleared} cleared).", err=True)


@user.command("token")
@click.argument("name")
@click.option("--label", default="script", show_default=True, help="令牌的用途说明。")
@_db
def user_token(name: str, label: str, db_url: str | None) -> None:
    """为用户创建 API 令牌（只显示这一次）。Create an API token for a user (shown once)."""
    import sqlalchemy as sa

    from ..web.accounts import CLI_USER, AccountError, User, create_token
    from ..web.db import open_store
    from ..web.schema import users

    store = open_store(db_url)
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.name == name)).first()
    if row is None:
        raise AccountError(f"没有用户“{name}”。", f"No user {name!r}.")
    _, token = create_token(store.engine, User(row.id, row.name, row.role), label, by=CLI_USER)
    click.echo(token)
