"""``evidencia user``, ``org``, ``share`` and ``unshare``: who may log in to the web
application, which organisation they belong to, and which restricted documents another
organisation may read. The rule those feed is in ``evidencia.access``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, Literal

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import QueryableAttribute, Session

from evidencia import access, accounts
from evidencia.access import Role
from evidencia.cli.main import HomeOption, app, err, open_store, out
from evidencia.model import AccessLevel
from evidencia.store.schema import ApiToken, Document, DocumentShare, Organisation, User

user_app = typer.Typer(help="Accounts for the web application and the API.", no_args_is_help=True)
org_app = typer.Typer(help="Organisations: the network and its members.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(org_app, name="org")

#: the roles an account can hold (``public`` is whoever is not logged in)
UserRole = Literal["admin", "staff", "member"]

PasswordStdinOption = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from the first line of standard input."
    ),
]


@contextmanager
def _user_errors() -> Iterator[None]:
    """Refusals (unknown organisation, short password...) as one red line and exit 1."""
    try:
        yield
    except ValueError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(1) from None


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="Login address (stored in lower case).")],
    role: Annotated[
        UserRole,
        typer.Option(
            "--role",
            help="admin: everything; staff: the network team; member: a member organisation.",
        ),
    ],
    org: Annotated[
        str | None,
        typer.Option(
            "--org",
            help="Organisation (required for members; staff default to "
            f"${accounts.NETWORK_ORG_ENV}, else {accounts.DEFAULT_NETWORK_ORG}).",
        ),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Name shown in the app.")] = None,
    password_stdin: PasswordStdinOption = False,
    home: HomeOption = None,
) -> None:
    """Add an account; the password is asked twice (or read with --password-stdin)."""
    store = open_store(home)
    with _user_errors():
        # refuse what can be refused before asking for a password
        with store.session() as session:
            address = accounts.normalise_email(email)
            if accounts.get_user(session, address) is not None:
                raise accounts.AccountError(f"a user with email {address} already exists")
            if org and accounts.find_organisation(session, org) is None:
                raise accounts.AccountError(
                    f"no organisation named {org.strip()!r}; add it with `evidencia org add`"
                )
            if role == "member" and not org:
                raise accounts.AccountError("a member belongs to an organisation: give --org")
        password = _read_password(password_stdin)
        with store.session() as session, session.begin():
            user = accounts.create_user(
                session,
                email=address,
                password=password,
                role=Role(role),
                organisation=org,
                name=name,
            )
            where = f" of {user.organisation.name}" if user.organisation else ""
    out.print(f"Added {role} {escape(user.email)}{escape(where)}.")


@user_app.command("list")
def user_list(home: HomeOption = None) -> None:
    """List accounts: address, role, organisation, last login (never passwords)."""
    store = open_store(home)
    table = Table("email", "name", "role", "organisation", "active", "tokens", "last login")
    with store.session() as session:
        tokens = dict(
            session.execute(select(ApiToken.user_id, func.count()).group_by(ApiToken.user_id)).all()
        )
        users = accounts.list_users(session)
        for user in users:
            table.add_row(
                escape(user.email),
                escape(user.name or ""),
                user.role,
                escape(user.organisation.name if user.organisation else ""),
                "yes" if user.active else "no",
                str(tokens.get(user.id, 0)),
                _when(user.last_login_at),
            )
    if not users:
        out.print("No accounts yet: add one with `evidencia user add`.")
        return
    out.print(table)


@user_app.command("remove")
def user_remove(
    email: Annotated[str, typer.Argument(help="Login address.")],
    home: HomeOption = None,
) -> None:
    """Delete an account and its API tokens (the last admin is kept)."""
    store = open_store(home)
    with _user_errors(), store.session() as session, session.begin():
        accounts.remove_user(session, email)
    out.print(f"Removed {escape(email.strip().lower())}.")


@user_app.command("password")
def user_password(
    email: Annotated[str, typer.Argument(help="Login address.")],
    password_stdin: PasswordStdinOption = False,
    home: HomeOption = None,
) -> None:
    """Set a new password for an account."""
    store = open_store(home)
    with _user_errors():
        with store.session() as session:
            if accounts.get_user(session, email) is None:
                raise accounts.AccountError(f"no user with email {email.strip().lower()}")
        password = _read_password(password_stdin)
        with store.session() as session, session.begin():
            accounts.set_password(session, email, password)
    out.print(f"Password changed for {escape(email.strip().lower())}.")


@user_app.command("token")
def user_token(
    email: Annotated[str, typer.Argument(help="Login address.")],
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "cli",
    home: HomeOption = None,
) -> None:
    """Issue an API token for an account; it is printed once and cannot be shown again."""
    store = open_store(home)
    with _user_errors(), store.session() as session, session.begin():
        user = accounts.get_user(session, email)
        if user is None:
            raise accounts.AccountError(f"no user with email {email.strip().lower()}")
        token = accounts.issue_token(session, user, label)
    err.print("[yellow]Keep this token now: only its hash is stored.[/]")
    print(token)


@org_app.command("add")
def org_add(
    name: Annotated[str, typer.Argument(help="Organisation name, as documents are filed under.")],
    country: Annotated[
        str | None, typer.Option("--country", help="Two-letter country code.")
    ] = None,
    home: HomeOption = None,
) -> None:
    """Add an organisation (documents ingested with --org add theirs on the way)."""
    store = open_store(home)
    with _user_errors(), store.session() as session, session.begin():
        org = accounts.add_organisation(session, name, country)
    out.print(f"Added organisation {escape(org.name)}.")


def _counts(session: Session, column: QueryableAttribute[Any]) -> dict[int, int]:
    """Rows per organisation in one table."""
    rows = session.execute(select(column, func.count()).group_by(column)).all()
    return {int(key): int(n) for key, n in rows if key is not None}


@org_app.command("list")
def org_list(home: HomeOption = None) -> None:
    """List organisations with their accounts, documents and documents shared with them."""
    store = open_store(home)
    table = Table("name", "country", "users", "documents", "shared with it")
    with store.session() as session:
        users = _counts(session, User.organisation_id)
        documents = _counts(session, Document.organisation_id)
        shared = _counts(session, DocumentShare.organisation_id)
        network = accounts.network_organisation_name()
        orgs = accounts.list_organisations(session)
        for org in orgs:
            label = escape(org.name) + (" [dim](network)[/]" if org.name == network else "")
            table.add_row(
                label,
                org.country or "",
                str(users.get(org.id, 0)),
                str(documents.get(org.id, 0)),
                str(shared.get(org.id, 0)),
            )
    if not orgs:
        out.print("No organisations yet: add one with `evidencia org add`.")
        return
    out.print(table)


def _organisation(session: Session, name: str) -> Organisation:
    found = accounts.find_organisation(session, name)
    if found is None:
        raise accounts.AccountError(f"no organisation named {name.strip()!r}")
    return found


@app.command("share")
def share_cmd(
    doc_id: Annotated[int, typer.Argument(help="Document id (see `evidencia docs`).")],
    org: Annotated[str, typer.Argument(help="Organisation whose members may then read it.")],
    home: HomeOption = None,
) -> None:
    """Let the members of another organisation read a restricted document."""
    store = open_store(home)
    with _user_errors(), store.session() as session, session.begin():
        organisation = _organisation(session, org)
        access.share(session, doc_id, organisation.id)
        doc = session.get(Document, doc_id)
        assert doc is not None  # share() checked it
        level, title = doc.access, doc.title
    out.print(f"Document {doc_id} ({escape(title)}) is shared with {escape(organisation.name)}.")
    if level != AccessLevel.RESTRICTED:
        out.print(
            f"[yellow]note:[/] it is {level}, so they could already read it; the share "
            "matters if it becomes restricted."
        )


@app.command("unshare")
def unshare_cmd(
    doc_id: Annotated[int, typer.Argument(help="Document id.")],
    org: Annotated[str, typer.Argument(help="Organisation to close it to again.")],
    home: HomeOption = None,
) -> None:
    """Stop sharing a restricted document with an organisation."""
    store = open_store(home)
    with _user_errors(), store.session() as session, session.begin():
        organisation = _organisation(session, org)
        access.unshare(session, doc_id, organisation.id)
    out.print(f"Document {doc_id} is no longer shared with {escape(organisation.name)}.")
