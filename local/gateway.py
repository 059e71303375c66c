"""A small local API Gateway: HTTP in, REST proxy events out, the same handlers and authorizers as in AWS.

It dispatches with `portal.api.routes.ROUTES` (the table the CDK builds the REST APIs from), runs the
route's authorizer first the way API Gateway does, and answers unknown paths with 404 and known paths with
another method with 405 (and `Allow`) in the API.md error shape, as the deployed gateway responses do.
A CORS preflight for a known path is answered here too, as API Gateway's mock OPTIONS method does (`_preflight`).

HTTP itself is waitress (a maintained WSGI server) rather than `http.server`: it parses, de-chunks, bounds
and times out requests, and its own protocol errors are answered in the same JSON shape (`_JsonErrorTask`).
"""

from __future__ import annotations

import base64
import importlib
import json
import sys
import threading
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import ErrorTask

from local.events import LambdaContextStub, api_event, authorizer_event
from local.runtime import ROOT, LocalError
from portal.api.resolver import CORS_HEADERS
from portal.api.resolver import web_origin as configured_origin
from portal.api.routes import ROUTES, Api, Route, routes_for

MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit

_functions_path = str(ROOT / "functions")
if _functions_path not in sys.path:
    sys.path.insert(0, _functions_path)

_modules: dict[str, ModuleType] = {}
_locks: dict[str, threading.Lock] = {}
_modules_lock = threading.Lock()
# Every function behind a REST route runs a Powertools resolver, and Powertools keeps the current event in a
# CLASS attribute (`BaseRouter.current_event`, set by every resolver's `resolve`): in one process, a request to
# the contracts function and one to the payments function running at once would read each other's event (its
# headers, its authorizer context). A Lambda process serves one event at a time, so this never happens in AWS;
# locally all those functions share this one lock, like one process each serving one event at a time.
_resolver_lock = threading.Lock()
_RESOLVER_FUNCTIONS = frozenset(route.function for route in ROUTES)


def function_module(name: str) -> ModuleType:
    with _modules_lock:
        if name not in _modules:
            _modules[name] = importlib.import_module(f"{name}.app")
            _locks[name] = _resolver_lock if name in _RESOLVER_FUNCTIONS else threading.Lock()
        return _modules[name]


def invoke(function: str, event: dict[str, Any]) -> Any:
    """Run one Lambda invocation locally; every local caller (gateway, scheduler) goes through here.

    A Lambda instance serves one event at a time, and the handlers rely on it: Powertools keeps the current
    event on the resolver (see `_resolver_lock`), so two requests running at once would read each other's event.
    Locally all requests share one process, so each function module behaves like ONE warm instance: its
    invocations are serialized by a lock, one shared by all the resolver functions; the others (the authorizer,
    the schedules, the payments writer) still run beside them.
    """
    module = function_module(function)
    with _locks[function]:
        return module.handler(event, LambdaContextStub(function))


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    body = json.dumps({"error": {"code": code, "message": message}})
    # Like the deployed gateway responses (infra/constructs/api.py): JSON, never cached.
    base = {"Content-Type": "application/json", "Cache-Control": "no-store"}
    return {"statusCode": status, "headers": {**base, **(headers or {})}, "body": body}


def split_path(raw_path: str) -> list[str] | None:
    """The path's segments, percent-decoded one by one as API Gateway does; None for a path that is no path.

    Splitting the still-encoded path first keeps an encoded `/` (`%2F`) inside its segment, so it stays in
    its path parameter instead of adding a segment. A trailing `/` is ignored; an empty segment (`//`) or a
    target that is not a path (`CONNECT host:443`) matches nothing.
    """
    if not raw_path.startswith("/"):
        return None
    raw = raw_path.rstrip("/")
    if not raw:
        return []
    segments = [unquote(segment) for segment in raw[1:].split("/")]
    return None if any(not s for s in segments) else segments


def _match(route: Route, segments: list[str]) -> dict[str, str] | None:
    template = route.path.strip("/").split("/") if route.path != "/" else []
    if len(template) != len(segments):
        return None
    params = {}
    for part, segment in zip(template, segments, strict=True):
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = segment
        elif part != segment:
            return None
    return params


AdminVerifier = Callable[[str], dict[str, Any] | None]


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((value for key, value in headers.items() if key.lower() == name), None)


class Gateway:
    def __init__(self, api: Api, admin_verifier: AdminVerifier | None = None, web_origin: str | None = None) -> None:
        self.api = api
        self.admin_verifier = admin_verifier
        # The one origin the browser app calls from (PORTAL_WEB_ORIGIN, as the functions' own CORS answers).
        self.web_origin = web_origin if web_origin is not None else configured_origin()

    def _preflight(self, matches: list[tuple[Route, dict[str, str]]], headers: dict[str, str]) -> dict[str, Any]:
        """204 for a CORS preflight of a known path; the allow headers only for the web origin, so a browser
        on any other origin is refused by its own CORS check (no body: a preflight answer is never read)."""
        allowed: dict[str, str] = {}
        if self.web_origin and _header(headers, "origin") == self.web_origin:
            methods = sorted({route.method for route, _ in matches} | {"OPTIONS"})
            allowed = {
                "Access-Control-Allow-Origin": self.web_origin,
                "Access-Control-Allow-Methods": ",".join(methods),
                "Access-Control-Allow-Headers": ",".join(CORS_HEADERS),
                "Access-Control-Max-Age": "600",
                "Vary": "Origin",
            }
        return {"statusCode": 204, "headers": allowed, "body": ""}

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes | None, source_ip: str = "127.0.0.1"
    ) -> dict[str, Any]:
        """Answer one request; `raw_path` is the request target as sent (still percent-encoded, with query)."""
        response, from_function = self._answer(method, raw_path, headers, body, source_ip)
        if not from_function and self.web_origin and _header(headers, "origin") == self.web_origin:
            # The gateway's own answers (401 of the authorizer, 403, 404, 405) carry the allow-origin too, as the
            # deployed API's gateway responses must: without it the browser app sees a network error, not a 401.
            response.setdefault("headers", {}).update(
                {"Access-Control-Allow-Origin": self.web_origin, "Vary": "Origin"}
            )
        return response

    def _answer(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes | None, source_ip: str
    ) -> tuple[dict[str, Any], bool]:
        target, _, query_string = raw_path.partition("?")
        segments = split_path(target.partition("#")[0])
        if segments is None:
            return _error(404, "not_found", "There is nothing at this address."), False
        path = "/" + "/".join(segments)
        matches = [(route, params) for route in routes_for(self.api) if (params := _match(route, segments)) is not None]
        found = next(((route, params) for route, params in matches if route.method == method), None)
        is_preflight = _header(headers, "origin") and _header(headers, "access-control-request-method")
        if found is None and method == "OPTIONS" and matches and is_preflight:
            return self._preflight(matches, headers), False
        if found is None:
            if matches:
                allow = ", ".join(sorted({route.method for route, _ in matches}))
                return _error(405, "method_not_allowed", f"{method} is not allowed here.", {"Allow": allow}), False
            return _error(404, "not_found", "There is nothing at this address."), False
        route, params = found
        query = {k: v for k, v in parse_qs(query_string, keep_blank_values=True).items()}
        event = api_event(
            method,
            path,
            resource=route.path,
            path_params=params,
            query=query,
            headers=headers,
            body=body or None,
            api_id=self.api,
            source_ip=source_ip,
        )
        denied = self._authorize(route, event)
        if denied is not None:
            return denied, False
        return invoke(route.function, event), True

    def _authorize(self, route: Route, event: dict[str, Any]) -> dict[str, Any] | None:
        if route.auth == "none":
            return None
        if route.auth == "admin":
            token = (event["headers"] or {}).get("Authorization") or (event["headers"] or {}).get("authorization")
            claims = (
                self.admin_verifier(token.removeprefix("Bearer ").strip()) if token and self.admin_verifier else None
            )
            if claims is None:
                return _error(401, "unauthorized", "Sign in with an admin account.")
            event["requestContext"]["authorizer"] = {"claims": claims}
            return None
        try:
            result = invoke("authorizer", authorizer_event(event))
        except Exception as error:  # API Gateway turns the authorizer's "Unauthorized" into a 401
            if str(error) == "Unauthorized":
                return _error(401, "unauthorized", "Sign in to continue.")
            raise
        statements = result.get("policyDocument", {}).get("Statement", [])
        if not any(s.get("Effect") == "Allow" for s in statements):
            return _error(403, "forbidden", "This token is not valid for this site.")
        event["requestContext"]["authorizer"] = {"principalId": result.get("principalId"), **result.get("context", {})}
        return None


# --- HTTP (waitress) ----------------------------------------------------------------------------------------
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
               "transfer-encoding", "upgrade", "content-length"}  # fmt: skip
_WAITRESS_ERRORS = {
    400: ("malformed_request", "The request is not valid HTTP (its Content-Length, chunks or headers)."),
    413: ("payload_too_large", "The request body is larger than 10 MB."),
    431: ("headers_too_large", "The request headers are too large."),
    501: ("not_implemented", "This Transfer-Encoding is not supported."),
}

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def status_line(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} Status {code}"


class _JsonErrorTask(ErrorTask):
    """waitress answers what it cannot parse (bad Content-Length, bad chunking, too large) itself, as text;
    this gives those answers the API.md error shape too."""

    def execute(self) -> None:
        error = self.request.error
        code = int(error.code)
        error_code, message = _WAITRESS_ERRORS.get(code, ("bad_request", str(error.reason)))
        body = json.dumps({"error": {"code": error_code, "message": message}})
        payload = body.encode()
        self.status = status_line(code)
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(payload)
        self.write(payload)


class _JsonErrorChannel(HTTPChannel):
    error_task_class = _JsonErrorTask


def _request_headers(environ: dict[str, Any]) -> dict[str, str]:
    # WSGI keeps headers as HTTP_NAME; rebuild the usual spelling (API Gateway passes the client's names).
    headers = {
        key[5:].replace("_", "-").title(): str(value) for key, value in environ.items() if key.startswith("HTTP_")
    }
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            headers[name] = str(environ[key])
    return headers


def _request_target(environ: dict[str, Any]) -> str:
    """The target as the client sent it (percent-encoded), so `split_path` can split before decoding."""
    uri = str(environ.get("REQUEST_URI") or "")
    if uri and not uri.startswith("/"):  # absolute form `GET http://host/path`: keep the path and query
        parts = urlsplit(uri)
        uri = (
            (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            if parts.scheme in {"http", "https"}
            else uri
        )
    return uri


def wsgi_app(gateway: Gateway, log: Callable[[str], None]) -> WsgiApp:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        method = str(environ["REQUEST_METHOD"])
        target = _request_target(environ)
        length = int(environ.get("CONTENT_LENGTH") or 0)  # waitress has checked it is digits
        if length > MAX_BODY:
            response = _error(413, "payload_too_large", "The request body is larger than 10 MB.")
        else:
            body = environ["wsgi.input"].read(length) if length else None
            try:
                response = gateway.handle(
                    method, target, _request_headers(environ), body, str(environ.get("REMOTE_ADDR", ""))
                )
            except Exception as error:  # the gateway itself must never hang up on a client
                log(f"gateway error: {type(error).__name__}: {error}")
                response = _error(502, "bad_gateway", "The function failed to answer.")
        status, headers, payload = _wsgi_response(response)
        start_response(status, headers)
        elapsed = (time.perf_counter() - started) * 1000
        log(f"{gateway.api:7} {method} {target.partition('?')[0]} -> {response['statusCode']} ({elapsed:.0f} ms)")
        return [] if method == "HEAD" else [payload]

    return app


def _wsgi_response(response: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    body = response.get("body") or ""
    payload = base64.b64decode(body) if response.get("isBase64Encoded") else str(body).encode()
    headers: dict[str, list[str]] = {}
    for name, value in (response.get("headers") or {}).items():
        headers.setdefault(name, []).append(str(value))
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers[name] = [str(v) for v in values]
    pairs = [(n, v) for n, values in headers.items() if n.lower() not in _HOP_BY_HOP for v in values]
    pairs.append(("Content-Length", str(len(payload))))
    return status_line(int(response["statusCode"])), pairs, payload


def serve_wsgi(app: WsgiApp, port: int, *, channel_timeout: int = 15, threads: int = 16) -> Any:
    """A waitress server on loopback, not yet running: `run()` serves, `close()` frees the port.

    backlog/connection_limit let 100+ parallel clients wait for one of the threads instead of being refused;
    channel_timeout (checked every cleanup_interval) closes a connection that stops sending, e.g. one that
    announced a longer Content-Length than it sends, so it cannot hold a worker forever.
    """
    try:
        server = create_server(
            app,
            host="127.0.0.1",
            port=port,
            threads=threads,
            backlog=1024,
            connection_limit=1000,
            channel_timeout=channel_timeout,
            cleanup_interval=max(1, min(5, channel_timeout)),
            max_request_body_size=MAX_BODY + 1,  # waitress refuses at >= its limit; API Gateway accepts 10 MB
            ident="portal-local",
            clear_untrusted_proxy_headers=True,
        )
    except OSError as error:
        raise LocalError(f"cannot listen on 127.0.0.1:{port} ({error.strerror}); choose another port") from None
    server.channel_class = _JsonErrorChannel
    return server


class WsgiServer:
    """A waitress server in a background thread with the start/stop/url interface the CLI and tests use."""

    def __init__(self, app: WsgiApp, port: int, name: str, channel_timeout: int = 15) -> None:
        self.server = serve_wsgi(app, port, channel_timeout=channel_timeout)
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        self.server.run()  # waitress's loop; it returns once its socket map is empty (see stop)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.effective_port}"

    def start(self) -> WsgiServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        # waitress's loop is not thread-safe; its trigger runs the closing inside the loop's own thread.
        self.server.trigger.pull_trigger(self._close_all)
        self.thread.join(timeout=10)
        self.server.task_dispatcher.shutdown()

    def _close_all(self) -> None:
        for channel in list(self.server._map.values()):
            if channel is not self.server and channel is not self.server.trigger:
                channel.close()
        self.server.close()  # the listening socket (frees the port) and the trigger: the loop then ends


class GatewayServer(WsgiServer):
    def __init__(
        self, gateway: Gateway, port: int, log: Callable[[str], None] = print, channel_timeout: int = 15
    ) -> None:
        super().__init__(wsgi_app(gateway, log), port, f"gateway-{gateway.api}", channel_timeout)
