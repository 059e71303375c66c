"""Web benchmark (issue #11): bytes the borrower app ships, requests it makes to show the home page after
sign-in, and how long the contracts list takes to appear in headless Chromium against the local runtime, as a
ratio to the API calls alone (the same requests, made from Python, in the same run).

    .venv/bin/python -m bench.web_bench   (or `make bench`, which calls `run()`)
"""

from __future__ import annotations

import gzip
import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import ROOT

APP = ROOT / "web" / "borrower"
CHROMIUM = "/usr/bin/chromium"
ROUNDS = 7
SITE = "harvest"  # no MFA: the sign-in is one request, so the rounds measure the page, not the email


def shipped_bytes() -> dict[str, int]:
    """JS + CSS + HTML of the app, raw and gzipped file by file (what a CDN with compression sends)."""
    files = [p for p in APP.rglob("*") if p.suffix in {".js", ".css", ".html"}]
    raw = sum(p.stat().st_size for p in files)
    zipped = sum(len(gzip.compress(p.read_bytes(), 9)) for p in files)
    return {"files": len(files), "raw": raw, "gzip": zipped}


# admin console (issue #11, part 2b): its own files plus the borrower app's generic modules it imports.
ADMIN_APP = ROOT / "web" / "admin"
ADMIN_SHARED = ("js/dom.js", "js/router.js", "js/ui.js", "js/api.js", "app.css")


def admin_shipped_bytes() -> dict[str, int]:
    """What a browser fetches for the admin console, raw and gzipped file by file (as `shipped_bytes`)."""
    files = [p for p in ADMIN_APP.rglob("*") if p.suffix in {".js", ".css", ".html"}]
    files += [APP / name for name in ADMIN_SHARED]
    raw = sum(p.stat().st_size for p in files)
    zipped = sum(len(gzip.compress(p.read_bytes(), 9)) for p in files)
    return {"files": len(files), "raw": raw, "gzip": zipped}


def _get(url: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def _token(enduser: str, email: str, password: str) -> str:
    body = json.dumps({"email": email, "password": password}).encode()
    request = urllib.request.Request(f"{enduser}/sites/{SITE}/auth/login", data=body, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return str(json.loads(response.read())["access_token"])


def run() -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from local.web_runtime import web_runtime

    result: dict[str, Any] = {"bytes": shipped_bytes(), "admin_bytes": admin_shipped_bytes()}
    with tempfile.TemporaryDirectory() as state, web_runtime(Path(state)) as portal:
        personas = json.loads(portal.paths.personas.read_text())
        user = next(s for s in personas["sites"] if s["site_id"] == SITE)["users"][0]
        token = _token(portal.enduser_url, user["email"], user["password"])
        base = f"{portal.enduser_url}/sites/{SITE}"
        api_alone, page_times, requests = [], [], []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--disable-background-networking", "--disable-component-update", "--no-first-run"],
            )
            context = browser.new_context()
            # Signed in as the app does it: the token in this tab's sessionStorage.
            context.add_init_script(f"sessionStorage.setItem('portal.session.{SITE}', {json.dumps(token)})")
            page = context.new_page()
            page.goto(f"{portal.web_url}/sites/{SITE}/sign-in")  # warm: files cached, functions warm
            page.goto(f"{portal.web_url}/sites/{SITE}/home")
            page.get_by_test_id("contracts-open").wait_for()
            for _ in range(ROUNDS):
                calls: list[str] = []

                def record(request: Any, calls: list[str] = calls) -> None:
                    calls.append(request.url)

                page.on("request", record)
                started = time.perf_counter()
                page.reload()
                page.get_by_test_id("contracts-open").wait_for()
                page_times.append(time.perf_counter() - started)
                page.remove_listener("request", record)
                requests.append([u for u in calls if u.startswith(portal.enduser_url)])
                started = time.perf_counter()
                _get(base)
                _get(f"{base}/contracts?status=open&limit=100", token)
                _get(f"{base}/contracts?status=closed&limit=100", token)
                api_alone.append(time.perf_counter() - started)
            browser.close()
    last = requests[-1]
    result.update(
        api_requests=[u.removeprefix(portal.enduser_url) for u in last],
        page_ms=statistics.median(page_times) * 1000,
        api_ms=statistics.median(api_alone) * 1000,
    )
    result["ratio"] = result["page_ms"] / result["api_ms"]
    return result


def table(result: dict[str, Any]) -> str:
    b = result["bytes"]
    a = result["admin_bytes"]
    lines = [
        "| measure | value |",
        "|---|---|",
        f"| borrower app JS + CSS + HTML ({b['files']} files) | {b['raw'] / 1024:.1f} KB raw, "
        f"{b['gzip'] / 1024:.1f} KB gzipped (budget 100 KB gzipped) |",
        f"| admin console JS + CSS + HTML ({a['files']} files, shared ones included) | {a['raw'] / 1024:.1f} KB raw, "
        f"{a['gzip'] / 1024:.1f} KB gzipped (budget 100 KB gzipped) |",
        f"| API requests to show the home page | {len(result['api_requests'])}: "
        + ", ".join(f"`{u}`" for u in result["api_requests"])
        + " |",
        f"| contracts list visible (reload, median of {ROUNDS}) | {result['page_ms']:.0f} ms |",
        f"| the same API calls alone, sequential from Python | {result['api_ms']:.0f} ms |",
        f"| ratio page / API alone | {result['ratio']:.2f} |",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(run()))
