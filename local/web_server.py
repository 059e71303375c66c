"""The web apps on PORTAL_WEB_PORT: static files of `web/borrower/` at `/` and of `web/admin/` at `/admin/`, the
runtime `config.json`, the SPA fallbacks and the security headers CloudFront's response-headers policy sets in AWS.

Static only, as in AWS (S3 behind CloudFront): a file that exists is served as it is; a GET of an app path
(`/sites/<site>/...`, where the emails' links point) gets `index.html` and the app's router picks the page;
anything else is a 404. `config.json` names the API URLs of the running gateways, so the same files run against
any runtime. The log line never carries the query: emailed links put a token in it.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local.gateway import StartResponse, WsgiApp, WsgiServer, status_line
from local.runtime import ROOT

APP_DIR = ROOT / "web" / "borrower"
APP_PREFIX = "/sites/"
# admin console (issue #11, part 2b): its own files and SPA paths under /admin/, its own CSP (below).
ADMIN_DIR = ROOT / "web" / "admin"
ADMIN_PREFIX = "/admin"
TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".json": "application/json",
         ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}  # fmt: skip


def content_security_policy(api_origins: Iterable[str]) -> str:
    """The app's CSP: no inline script or style, the API origins as the only other places it may call."""
    connect = " ".join(["'self'", *dict.fromkeys(api_origins)])
    return (
        "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
        f"connect-src {connect}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


def security_headers(api_origins: Iterable[str]) -> list[tuple[str, str]]:
    return [
        ("Content-Security-Policy", content_security_policy(api_origins)),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),  # emailed links carry a token in the URL: never hand it on
        ("X-Frame-Options", "DENY"),
    ]


def _file_for(app_dir: Path, path: str) -> Path | None:
    """The file a URL path names inside `app_dir`, or None (no `..`, no hidden files, no directories)."""
    parts = [p for p in path.split("/") if p]
    if not parts or any(p.startswith(".") or "\\" in p for p in parts):
        return None
    candidate = app_dir.joinpath(*parts)
    try:
        candidate.resolve().relative_to(app_dir.resolve())
    except ValueError:
        return None
    return candidate if candidate.is_file() else None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _admin_file(admin_dir: Path, path: str) -> tuple[Path | None, bool]:
    """(file, is_app_path) for a path under /admin: a file of the console, else its index.html for an app path
    (no dot in the last segment, so a missing `/admin/js/x.js` is a 404 rather than a page of HTML)."""
    rest = path[len(ADMIN_PREFIX) :]
    if rest in {"", "/"}:
        return admin_dir / "index.html", True
    if (file := _file_for(admin_dir, rest)) is not None:
        return file, False
    last = rest.rstrip("/").rsplit("/", 1)[-1]
    return (admin_dir / "index.html", True) if "." not in last else (None, False)


def app(
    config: dict[str, Any], log: Callable[[str], None], app_dir: Path = APP_DIR, admin_dir: Path = ADMIN_DIR
) -> WsgiApp:
    origins = [str(v) for k, v in config.items() if k.endswith("_api") and v]
    headers = security_headers(origins)
    # The admin console also talks to the admin pool's Cognito endpoint (sign-in from the browser, no SDK).
    cognito = str((config.get("admin_cognito") or {}).get("endpoint") or "")
    admin_headers = security_headers([*origins, _origin(cognito)] if cognito else origins)
    config_body = json.dumps(config).encode()

    def serve(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ["REQUEST_METHOD"])
        path = str(environ.get("PATH_INFO") or "/")
        extra: list[tuple[str, str]] = []
        headers_now = headers
        if method not in {"GET", "HEAD"}:
            status, kind, body = 405, "text/plain", b"Method not allowed\n"
            extra = [("Allow", "GET, HEAD")]
        elif path == "/config.json":
            status, kind, body = 200, "application/json", config_body
            extra = [("Cache-Control", "no-store")]  # it names the runtime of the moment
        elif path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            file, is_app_path = _admin_file(admin_dir, path)
            headers_now = admin_headers
            if file is None:
                status, kind, body = 404, "text/plain", b"Not found\n"
            else:
                kind = "text/html" if is_app_path else _type(file)
                status, body = 200, file.read_bytes()
                extra = [("Cache-Control", "no-cache")]
        elif path == "/" or path.startswith(APP_PREFIX):
            # The SPA fallback: the app's router reads the path (CloudFront answers app paths the same way).
            status, kind, body = 200, "text/html", (app_dir / "index.html").read_bytes()
            extra = [("Cache-Control", "no-cache")]
        elif (file := _file_for(app_dir, path)) is not None:
            kind = _type(file)
            status, body = 200, file.read_bytes()
            extra = [("Cache-Control", "no-cache")]  # revalidate: the files have no content hashes in their names
        else:
            status, kind, body = 404, "text/plain", b"Not found\n"
        charset = "; charset=utf-8" if kind.startswith("text/") or kind == "application/json" else ""
        response = [("Content-Type", kind + charset), *headers_now, *extra, ("Content-Length", str(len(body)))]
        start_response(status_line(status), response)
        log(f"web     {method} {path} -> {status}")  # never the query: it may carry an emailed token
        return [] if method == "HEAD" else [body]

    return serve


def _type(file: Path) -> str:
    return TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"


def web_config(enduser_url: str, admin_url: str, admin_cognito: dict[str, str] | None = None) -> dict[str, Any]:
    """The runtime `config.json` (in AWS the stack writes it from its outputs). `admin_cognito` is
    `{"endpoint": "<cognito-idp URL>", "client_id": "..."}` of the admin pool: in AWS
    `https://cognito-idp.<region>.amazonaws.com/`, locally the moto server (it answers CORS preflights itself)."""
    config: dict[str, Any] = {"enduser_api": enduser_url, "admin_api": admin_url}
    if admin_cognito:
        config["admin_cognito"] = admin_cognito
    return config


class WebServer(WsgiServer):
    def __init__(
        self,
        port: int,
        enduser_url: str,
        admin_url: str,
        log: Callable[[str], None] = print,
        app_dir: Path = APP_DIR,
        admin_cognito: dict[str, str] | None = None,
    ) -> None:
        super().__init__(app(web_config(enduser_url, admin_url, admin_cognito), log, app_dir), port, "web")
