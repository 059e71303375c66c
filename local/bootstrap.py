"""What `make run` does before serving: portal configuration, demo data, sync, demo users, the banner."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from typing import Any

from local.runtime import Paths
from portal.api.routes import FUNCTIONS_BY_NAME, Schedule
from portal.domain.settings import InstanceSettings, Site
from portal.wiring import Wiring

Progress = Callable[[str], None]


def ensure_portal_config() -> list[str]:
    """The demo sites and instance settings, created once; later edits (admin API) are kept."""
    from local.aspire.personas import DEMO_SITES

    wiring = Wiring.from_env()
    repo = wiring.sites
    existing = {site.site_id for site in repo.list_sites()}
    created = []
    for spec in DEMO_SITES:
        site = Site.model_validate(spec)
        if site.site_id not in existing:
            repo.put_site(site)
            created.append(site.site_id)
    response = wiring.dynamodb.get_item(
        TableName=wiring.settings.table_control, Key={"pk": {"S": "INSTANCE"}, "sk": {"S": "SETTINGS"}}
    )
    if "Item" not in response:
        repo.put_settings(InstanceSettings())
    return created


def seed_demo(paths: Paths, *, scale: int | None, force: bool, progress: Progress) -> dict[str, Any]:
    from local.aspire.personas import build_personas, write_personas
    from local.aspire.seed import seed
    from portal.adapters.aspire.sqlite import SqliteAspireSource

    if paths.aspire_db.exists() and not force:
        progress(f"kept the existing demo database {paths.aspire_db} (portal-local seed --force replaces it)")
        return {"seeded": False, "path": str(paths.aspire_db)}
    if force:
        for suffix in ("", "-wal", "-shm", ".snapshot"):
            paths.aspire_db.with_name(paths.aspire_db.name + suffix).unlink(missing_ok=True)
    progress(f"seeding {paths.aspire_db} ...")
    result = seed(paths.aspire_db, scale=scale)
    personas = build_personas(SqliteAspireSource(paths.aspire_db))
    write_personas(personas, paths.personas)
    progress(f"wrote the demo personas to {paths.personas}")
    return {"seeded": True, "path": str(paths.aspire_db), **result.as_dict()}


def run_sync(job: str) -> dict[str, Any]:
    """The same engine the sync functions run; the daily chunks run in-process (no SQS queue locally)."""
    from portal.wiring import SyncWiring

    summary = SyncWiring.from_env().engine().run(job)  # type: ignore[arg-type]
    keys = (
        "job",
        "status",
        "rows_read",
        "items_written",
        "items_deleted",
        "batch_write_calls",
        "restore_detected",
        "full_resync",
        "contracts_rebuilt",
        "accounts_rebuilt",
        "chunks",
        "reason",
        "errors",
        # payments (paywriter): the read-back and the sweep of the incremental run
        "payments_paid",
        "payments_updated",
        "payments_swept",
        "payments_sweep_failed",
    )
    return {k: summary[k] for k in keys if k in summary}


def fire_schedule(schedule: Schedule) -> str:
    from local.events import schedule_event
    from local.gateway import invoke

    if schedule.function not in FUNCTIONS_BY_NAME:
        return f"schedule {schedule.name}: function {schedule.function} does not exist yet"
    result = invoke(schedule.function, schedule_event(schedule.name))
    return f"schedule {schedule.name}: {json.dumps(result, default=str)}"


def ensure_demo_users(paths: Paths) -> list[str]:
    from local.demo_users import ensure_users

    return ensure_users(paths)


def banner(paths: Paths, enduser_url: str, admin_url: str, scheduler: Any, web_url: str = "") -> str:
    lines = [
        "",
        *([f"  Web app       {web_url}/sites/<site>/sign-in   (open it in a browser)"] if web_url else []),
        *([f"  Admin console {web_url}/admin/   (admin@example.com / Admin-Demo-2026!)"] if web_url else []),
        f"  End-user API  {enduser_url}   (try: curl {enduser_url}/health)",
        f"  Admin API     {admin_url}   (token: portal-local admin-token)",
        f"  OpenAPI       {enduser_url}/openapi.json   {admin_url}/openapi.json",
        f"  Emails        {paths.outbox}/  (portal-local outbox)",
        "  Schedules     "
        + ", ".join(f"{name} next at {when:%Y-%m-%d %H:%M} UTC" for name, when in scheduler.due.items()),
        "",
    ]
    if paths.personas.exists():
        personas = json.loads(paths.personas.read_text())
        lines.append("  Demo logins (also in .local/demo-personas.json):")
        for site in personas["sites"]:
            where = f"{web_url or enduser_url}/sites/{site['site_id']}" + ("/sign-in" if web_url else "")
            lines.append(f"    site {site['site_id']}: {where}")
            for user in site["users"]:
                lines.append(f"      {user['email']:<34} {user['password']:<22} mfa={user['mfa']}")
            for person in site.get("enrollable", [])[:2]:
                lines.append(
                    f"      can self-enroll: {person['email']} contract {person['contract_id']} "
                    f"postal code {person['postal_code']}"
                )
    lines += ["", "  Ctrl-C stops; data is kept in .local/ (make reset starts over).", ""]
    return "\n".join(lines)


def reset(paths: Paths) -> None:
    """Delete all local data but keep the installed DynamoDB Local package."""
    for child in paths.state.iterdir() if paths.state.exists() else []:
        if child.name == "npm":
            continue
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()
