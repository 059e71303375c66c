"""A small local API Gateway: HTTP in, REST proxy events out, the same handlers and authorizers as in AWS.

It dispatches with `portal.api.routes.ROUTES` (the table the CDK builds the REST APIs from), runs the
route's authorizer first the way API Gateway does, and answers unknown paths with 404 in the API.md error
shape, as the deployed gateway responses do.
"""

from __future__ import annotations

import base64
import importlib
import json
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local.events import LambdaContextStub, api_event, authorizer_event
from local.runtime import ROOT
from portal.api.routes import Api, Route, path_exists, resolve

MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit

_functions_path = str(ROOT / "functions")
if _functions_path not in sys.path:
    sys.path.insert(0, _functions_path)

_modules: dict[str, ModuleType] = {}
_modules_lock = threading.Lock()


def function_module(name: str) -> ModuleType:
    with _modules_lock:
        if name not in _modules:
            _modules[name] = importlib.import_module(f"{name}.app")
        return _modules[name]


def invoke(function: str, event: dict[str, Any]) -> Any:
    return function_module(function).handler(event, LambdaContextStub(function))


def _error(status: int, code: str, message: str) -> dict[str, Any]:
    body = json.dumps({"error": {"code": code, "message": message}})
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": body}


AdminVerifier = Callable[[str], dict[str, Any] | None]


class Gateway:
    def __init__(self, api: Api, admin_verifier: AdminVerifier | None = None) -> None:
        self.api = api
        self.admin_verifier = admin_verifier

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes | None, source_ip: str = "127.0.0.1"
    ) -> dict[str, Any]:
        url = urlsplit(raw_path)
        path = url.path.rstrip("/") or "/"
        found = resolve(self.api, method, path)
        if found is None:
            if path_exists(self.api, path):
                return _error(405, "method_not_allowed", f"{method} is not allowed on {path}.")
            return _error(404, "not_found", "There is nothing at this address.")
        route, params = found
        query = {k: v for k, v in parse_qs(url.query, keep_blank_values=True).items()}
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
            return denied
        return invoke(route.function, event)

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


def _server(gateway: Gateway, port: int, log: Callable[[str], None]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            started = time.perf_counter()
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                response = _error(413, "payload_too_large", "The request body is larger than 10 MB.")
            else:
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items()}
                try:
                    response = gateway.handle(self.command, self.path, headers, body, self.client_address[0])
                except Exception as error:  # the gateway itself must never hang up on a client
                    log(f"gateway error: {type(error).__name__}: {error}")
                    response = _error(502, "bad_gateway", "The function failed to answer.")
            self._write(response)
            elapsed = (time.perf_counter() - started) * 1000
            path = urlsplit(self.path).path
            log(f"{gateway.api:7} {self.command} {path} -> {response['statusCode']} ({elapsed:.0f} ms)")

        def _write(self, response: dict[str, Any]) -> None:
            body = response.get("body") or ""
            payload = base64.b64decode(body) if response.get("isBase64Encoded") else str(body).encode()
            self.send_response(int(response["statusCode"]))
            headers: dict[str, list[str]] = {}
            for name, value in (response.get("headers") or {}).items():
                headers.setdefault(name, []).append(str(value))
            for name, values in (response.get("multiValueHeaders") or {}).items():
                headers[name] = [str(v) for v in values]
            for name, values in headers.items():
                if name.lower() in {"content-length", "connection"}:
                    continue
                for value in values:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


class GatewayServer:
    def __init__(self, gateway: Gateway, port: int, log: Callable[[str], None] = print) -> None:
        self.httpd = _server(gateway, port, log)
        self.thread = threading.Thread(target=self.httpd.serve_forever, name=f"gateway-{gateway.api}", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> GatewayServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
