"""``salus serve`` (the web app and API) and ``salus users`` (accounts, from the terminal)."""

from __future__ import annotations

import typer

from salus.cli.common import DbOption, console, database_url, fail_use_case, open_db

users_app = typer.Typer(help="Manage web accounts: add, edit and list users, reset passwords.",
                        no_args_is_help=True)

ROLES_HELP = "admin, analyst, data_entry, community_monitor or public"


def serve(db: DbOption = None,
          host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
          port: int = typer.Option(8000, "--port", help="port to listen on"),
          public: bool = typer.Option(False, "--public",
                                      help="publish only the dashboard and indicators: no "
                                           "login, small counts suppressed, no records"),
          workers: int = typer.Option(1, "--workers", min=1,
                                      help="worker processes (about one per core; see "
                                           "docs/deploy.md)"),
          forwarded_allow_ips: str | None = typer.Option(
              None, "--forwarded-allow-ips",
              help="comma-separated addresses of the reverse proxies whose X-Forwarded-For and "
                   "X-Forwarded-Proto are believed ('*': any; default 127.0.0.1)")) -> None:
    """Serve the web app and the REST API (/api/v1, OpenAPI at /api/docs)."""
    from salus.web.app import serve as run

    url = database_url(db)
    open_db(url).dispose()
    console.print(f"Salus on [bold]http://{host}:{port}/[/bold]"
                  + (" (public: published figures only)" if public else "")
                  + (f", {workers} worker processes" if workers > 1 else ""))
    run(url, host=host, port=port, public=public, workers=workers,
        forwarded_allow_ips=forwarded_allow_ips)


@users_app.command("add")
def add(username: str = typer.Argument(..., help="login name"),
        role: str = typer.Option(..., "--role", help=ROLES_HELP),
        area: str | None = typer.Option(None, "--area", help="bind to this area's subtree"),
        language: str | None = typer.Option(None, "--lang", help="en, fr, es, ru, ar or zh"),
        email: str | None = typer.Option(None, "--email",
                                         help="address for alert notifications"),
        password: str | None = typer.Option(None, "--password",
                                            help="default: ask (or generate with --generate)"),
        generate: bool = typer.Option(False, "--generate", help="generate a random password"),
        db: DbOption = None) -> None:
    """Add a web user (prints the generated password with --generate)."""
    from salus.domain.accounts.roles import SYSTEM_VIEWER
    from salus.domain.accounts.secrets import new_password
    from salus.usecases.accounts import users as accounts
    from salus.usecases.errors import UseCaseError

    if password is None:
        password = new_password() if generate else typer.prompt(
            "Password", hide_input=True, confirmation_prompt=True)
    try:
        accounts.create_user(open_db(db), SYSTEM_VIEWER, username, password, role,
                             area_code=area, language=language, email=email)
    except UseCaseError as exc:
        fail_use_case(exc, 1)
    console.print(f"[green]Added[/green] {username} ({role})"
                  + (f", password: {password}" if generate else ""))


@users_app.command("edit")
def edit(username: str = typer.Argument(..., help="login name"),
         role: str | None = typer.Option(None, "--role", help=ROLES_HELP),
         area: str | None = typer.Option(None, "--area",
                                         help="bind to this area's subtree ('' : everywhere)"),
         language: str | None = typer.Option(None, "--lang", help="en, fr, es, ru, ar or zh"),
         email: str | None = typer.Option(None, "--email",
                                          help="address for alert notifications ('' clears it)"),
         active: bool | None = typer.Option(None, "--active/--inactive",
                                            help="let the user sign in, or not"),
         db: DbOption = None) -> None:
    """Change a user's role, area scope, language, e-mail address or activity (options left
    out keep their value)."""
    from salus.domain.accounts.roles import SYSTEM_VIEWER
    from salus.usecases.accounts import users as accounts
    from salus.usecases.errors import UseCaseError

    try:
        u = accounts.update_user(open_db(db), SYSTEM_VIEWER, username, role=role,
                                 area_code=area, active=active, language=language,
                                 email=email)
    except UseCaseError as exc:
        fail_use_case(exc, 1)
    console.print(f"[green]Updated[/green] {u.username} ({u.role}, {u.area_code or '*'}, "
                  f"{u.email or 'no e-mail'}{'' if u.active else ', inactive'})")


@users_app.command("reset-password")
def reset_password(username: str = typer.Argument(...),
                   password: str | None = typer.Option(None, "--password",
                                                       help="default: generate one"),
                   db: DbOption = None) -> None:
    """Set a new password (printed when generated) and end the user's sessions."""
    from salus.domain.accounts.roles import SYSTEM_VIEWER
    from salus.usecases.accounts import users as accounts
    from salus.usecases.errors import UseCaseError

    try:
        new = accounts.reset_password(open_db(db), SYSTEM_VIEWER, username, password)
    except UseCaseError as exc:
        fail_use_case(exc, 1)
    console.print(f"[green]Password reset[/green] for {username}"
                  + ("" if password else f": {new}"))


@users_app.command("list")
def list_users(db: DbOption = None) -> None:
    """List web users with their role, area scope and e-mail address ('-': none)."""
    from salus.domain.accounts.roles import SYSTEM_VIEWER
    from salus.usecases.accounts import users as accounts

    for u in accounts.list_users(open_db(db), SYSTEM_VIEWER):
        state = "" if u.active else " (inactive)"
        console.print(f"{u.username}\t{u.role}\t{u.area_code or '*'}\t{u.email or '-'}{state}",
                      markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")
