"""``evidencia serve``: the web application and the API on one address, with uvicorn."""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer
from rich.markup import escape

from evidencia import accounts
from evidencia.cli.main import HomeOption, app, err, open_store, out


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on (127.0.0.1: this computer only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    embed_uploads: Annotated[
        bool,
        typer.Option(
            "--embed-uploads/--no-embed-uploads",
            help="Give uploaded passages vectors at once, so search by meaning finds them.",
        ),
    ] = True,
    home: HomeOption = None,
) -> None:
    """Serve the web application and the API (/api/v1) until stopped with Ctrl+C.

    On a data directory without accounts, an administrator is created first and its
    password printed, once.
    """
    import uvicorn

    from evidencia.web.app import create_app

    store = open_store(home)
    with store.session() as session:
        first = accounts.ensure_first_admin(session)
        session.commit()
    url = f"http://{'localhost' if _loopback(host) else host}:{port}/"
    if first is not None:
        email, password = first
        out.print("[bold]First run: an administrator account was created.[/]")
        out.print(f"  email:    {escape(email)}\n  password: {escape(password)}")
        out.print("  (shown once; change it with `evidencia user password`)")
    if not _loopback(host):
        err.print(
            "[yellow]Listening beyond this computer: put it behind HTTPS (a reverse proxy) "
            "so passwords and session cookies are not sent in clear.[/]"
        )
    out.print(f"Evidencia is at [bold]{url}[/] (API: {url}api/v1/openapi.json)")
    uvicorn.run(
        create_app(store, embed_uploads=embed_uploads),
        host=host,
        port=port,
        proxy_headers=True,
        log_level="info",
        # no line per request: it would write every search (names, places) and every
        # visitor's address to a log, which this application exists to avoid
        access_log=False,
    )
