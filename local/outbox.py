"""Every email the portal sends locally is also written to `.local/outbox/*.eml` and echoed on the console.

`OutboxMailer` wraps the real mailer (SES on the moto server) in the local wiring only; it is not deployed.
"""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_LINK = re.compile(r"https?://\S+")
_CODE = re.compile(r"\b\d{6}\b")


def write_eml(outbox: Path, raw: bytes, to: str, subject: str) -> Path:
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    safe_to = re.sub(r"[^A-Za-z0-9@._-]", "_", to)
    path = outbox / f"{stamp}-{safe_to}.eml"
    path.write_bytes(raw)
    print(f"[email] to {to}: {subject} -> {path}", flush=True)
    return path


def list_messages(outbox: Path) -> list[dict[str, Any]]:
    messages = []
    for path in sorted(outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        text_part = message.get_body(preferencelist=("plain",))
        text = text_part.get_content() if text_part is not None else ""
        messages.append(
            {
                "file": str(path),
                "to": message["To"],
                "subject": message["Subject"],
                "date": message["Date"],
                "links": _LINK.findall(text),
                "codes": _CODE.findall(text),
            }
        )
    return messages
