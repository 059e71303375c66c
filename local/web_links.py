"""The pages the portal's emails link to, until the web front end (a later issue) serves them on this port.

The emails link to `{PORTAL_WEB_BASE_URL}/sites/{site}/verify-email?token=...` and friends. Locally that is
this tiny waitress app on `PORTAL_WEB_PORT` (127.0.0.1 only): a plain page that says what the link is for and
the exact `curl` that completes it against the end-user API. It echoes only a site id and a token that match
their strict patterns (anything else is a 404 page), escaped all the same, and serves no script at all.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from local.gateway import StartResponse, WsgiApp, WsgiServer, status_line

SITE = re.compile(r"[a-z0-9-]{1,40}")
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,128}")
HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),  # the token is in the URL; never hand it to another site
    ("Cache-Control", "no-store"),
]
STYLE = "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}"
STYLE += "pre{background:#f4f4f4;padding:1rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}"


def _curl(enduser: str, path: str, body: str) -> str:
    return f"curl -X POST {enduser}{path} \\\n  -H 'content-type: application/json' \\\n  -d '{body}'"


def _page(title: str, paragraphs: list[str], command: str | None = None) -> bytes:
    parts = [f"<p>{html.escape(p)}</p>" for p in paragraphs]
    if command:
        parts.append(f"<pre><code>{html.escape(command)}</code></pre>")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{html.escape(title)} - Customer Portal (local)</title><link rel="stylesheet" href="/style.css"></head>'
        f"<body><main><h1>{html.escape(title)}</h1>{''.join(parts)}"
        "<p><small>Local runtime: the web front end will serve this page later.</small></p></main></body></html>"
    ).encode()


def render(path: str, query: str, enduser: str) -> tuple[int, bytes]:
    """The page for a GET of `path?query`: (status, HTML)."""
    parts = path.strip("/").split("/")
    if len(parts) != 3 or parts[0] != "sites" or not SITE.fullmatch(parts[1]):
        return _not_found()
    site, page = parts[1], parts[2]
    tokens = parse_qs(query).get("token", [])
    token = tokens[0] if len(tokens) == 1 and TOKEN.fullmatch(tokens[0]) else None
    if page == "verify-email" and token:
        body = f'{{"token":"{token}","password":"<choose one>"}}'
        return 200, _page(
            "Finish your registration",
            [f"This link confirms your email address for site {site}. Choose a password to activate the account:"],
            _curl(enduser, f"/sites/{site}/enrollment/verify", body),
        )
    if page == "reset-password" and token:
        body = f'{{"token":"{token}","password":"<your new password>"}}'
        return 200, _page(
            "Choose a new password",
            [f"This link resets the password of your account on site {site}. Send your new password with it:"],
            _curl(enduser, f"/sites/{site}/auth/password/reset", body),
        )
    if page == "sign-in" and not query:
        return 200, _page(
            "Sign in",
            [f"Sign in to site {site} with your email and password (an emailed code follows if MFA is on):"],
            _curl(enduser, f"/sites/{site}/auth/login", '{"email":"<you@example.com>","password":"<password>"}'),
        )
    if page == "forgot-password" and not query:
        return 200, _page(
            "Forgot your password?",
            [f"Ask for a reset link for your account on site {site}; it arrives by email (portal-local outbox):"],
            _curl(enduser, f"/sites/{site}/auth/password/forgot", '{"email":"<you@example.com>"}'),
        )
    return _not_found()


def _not_found() -> tuple[int, bytes]:
    return 404, _page("Page not found", ["This link is not valid. Check that you copied the whole link."])


def app(enduser: str, log: Callable[[str], None]) -> WsgiApp:
    def serve(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ["REQUEST_METHOD"])
        path = str(environ.get("PATH_INFO") or "/")
        if method not in {"GET", "HEAD"}:
            status, page = 405, _page("Method not allowed", ["These pages only answer GET."])
            headers = [*HEADERS, ("Allow", "GET, HEAD")]
        elif path == "/style.css":
            status, page = 200, STYLE.encode()
            headers = [("Content-Type", "text/css; charset=utf-8"), *HEADERS[1:]]
        else:
            status, page = render(path, str(environ.get("QUERY_STRING") or ""), enduser)
            headers = list(HEADERS)
        start_response(status_line(status), [*headers, ("Content-Length", str(len(page)))])
        log(f"web     {method} {path} -> {status}")  # never the query: it carries the token
        return [] if method == "HEAD" else [page]

    return serve


class WebLinksServer(WsgiServer):
    def __init__(self, port: int, enduser_url: str, log: Callable[[str], None] = print) -> None:
        super().__init__(app(enduser_url, log), port, "web-links")
