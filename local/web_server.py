"""The borrower web app on PORTAL_WEB_PORT: static files of `web/borrower/`, its runtime `config.json`, the SPA
fallback and the security headers CloudFront's response-headers policy sets in AWS.

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

from local.gateway import StartResponse, WsgiApp, WsgiServer, status_line
from local.runtime import ROOT

APP_DIR = ROOT / "web" / "borrower"
APP_PREFIX = "/sites/"
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


def app(config: dict[str, Any], log: Callable[[str], None], app_dir: Path = APP_DIR) -> WsgiApp:
    origins = [str(v) for k, v in config.items() if k.endswith("_api") and v]
    headers = security_headers(origins)
    config_body = json.dumps(config).encode()

    def serve(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ["REQUEST_METHOD"])
        path = str(environ.get("PATH_INFO") or "/")
        extra: list[tuple[str, str]] = []
        if method not in {"GET", "HEAD"}:
            status, kind, body = 405, "text/plain", b"Method not allowed\n"
            extra = [("Allow", "GET, HEAD")]
        elif path == "/config.json":
            status, kind, body = 200, "application/json", config_body
            extra = [("Cache-Control", "no-store")]  # it names the runtime of the moment
        elif path == "/" or path.startswith(APP_PREFIX):
            # The SPA fallback: the app's router reads the path (CloudFront answers app paths the same way).
            status, kind, body = 200, "text/html", (app_dir / "index.html").read_bytes()
            extra = [("Cache-Control", "no-cache")]
        elif (file := _file_for(app_dir, path)) is not None:
            kind = TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            status, body = 200, file.read_bytes()
            extra = [("Cache-Control", "no-cache")]  # revalidate: the files have no content hashes in their names
        else:
            status, kind, body = 404, "text/plain", b"Not found\n"
        charset = "; charset=utf-8" if kind.startswith("text/") or kind == "application/json" else ""
        response = [("Content-Type", kind + charset), *headers, *extra, ("Content-Length", str(len(body)))]
        start_response(status_line(status), response)
        log(f"web     {method} {path} -> {status}")  # never the query: it may carry an emailed token
        return [] if method == "HEAD" else [body]

    return serve


def web_config(enduser_url: str, admin_url: str) -> dict[str, str]:
    """The runtime `config.json` (in AWS the stack writes it from its outputs)."""
    return {"enduser_api": enduser_url, "admin_api": admin_url}


class WebServer(WsgiServer):
    def __init__(
        self, port: int, enduser_url: str, admin_url: str, log: Callable[[str], None] = print, app_dir: Path = APP_DIR
    ) -> None:
        super().__init__(app(web_config(enduser_url, admin_url), log, app_dir), port, "web")
