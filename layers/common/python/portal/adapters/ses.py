"""SES (v2): every portal email, as text and HTML.

With an outbox directory (the local runtime sets `PORTAL_OUTBOX_DIR`), each message SES accepted is also
written there as an `.eml` file (the stdlib email package, same naming as `local/outbox.py`) and announced
on the console, so people trying the portal on a laptop can read their codes and links.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from portal.emails import EmailContent


class SesMailer:
    def __init__(self, client: Any, sender: str, *, configuration_set: str = "", outbox_dir: str | None = None) -> None:
        self._client = client
        self._sender = sender
        self._configuration_set = configuration_set
        self._outbox = Path(outbox_dir) if outbox_dir else None

    def send(self, message: EmailContent) -> str:
        request: dict[str, Any] = {
            "FromEmailAddress": self._sender,
            "Destination": {"ToAddresses": [message.to]},
            "Content": {
                "Simple": {
                    "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": message.text, "Charset": "UTF-8"},
                        "Html": {"Data": message.html, "Charset": "UTF-8"},
                    },
                }
            },
            "EmailTags": [{"Name": "kind", "Value": message.kind}],
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        message_id = str(self._client.send_email(**request)["MessageId"])
        if self._outbox is not None:
            self._write_eml(message, message_id)
        return message_id

    def _write_eml(self, message: EmailContent, message_id: str) -> Path:
        now = datetime.now(UTC)
        mime = EmailMessage()
        mime["From"] = self._sender
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Date"] = format_datetime(now)
        mime["Message-ID"] = make_msgid(idstring=re.sub(r"[^A-Za-z0-9-]", "", message_id)[:40] or None)
        mime["X-Portal-Kind"] = message.kind
        mime.set_content(message.text)
        mime.add_alternative(message.html, subtype="html")
        assert self._outbox is not None
        self._outbox.mkdir(parents=True, exist_ok=True)
        safe_to = re.sub(r"[^A-Za-z0-9@._-]", "_", message.to)
        path = self._outbox / f"{now.strftime('%Y%m%dT%H%M%S%f')}-{safe_to}.eml"
        path.write_bytes(bytes(mime))
        print(f"[email] to {message.to}: {message.subject} -> {path}", flush=True)
        return path
