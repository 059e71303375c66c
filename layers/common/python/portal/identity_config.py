"""Settings of the functions that sign end users in (`login`, `authorizer`), validated once at cold start."""

from __future__ import annotations

from pydantic import Field

from portal.config import ApiSettings

DEFAULT_KMS_KEY = "alias/customer-portal"
DEFAULT_SENDER = "no-reply@portal.example.com"
DEFAULT_WEB_BASE_URL = "http://127.0.0.1:8000"


class IdentitySettings(ApiSettings):
    # The application key for TOTP seeds: key id, key ARN or alias.
    kms_key_id: str = Field(DEFAULT_KMS_KEY, alias="PORTAL_KMS_KEY_ID")
    sender_email: str = Field(DEFAULT_SENDER, alias="PORTAL_SENDER_EMAIL")
    ses_configuration_set: str = Field("", alias="PORTAL_SES_CONFIGURATION_SET")
    # Where emailed links point: the web front end, which reads `?token=` and posts it to the API.
    web_base_url: str = Field(DEFAULT_WEB_BASE_URL, alias="PORTAL_WEB_BASE_URL")
    # Local runtime only: every email is also written here as an .eml file.
    outbox_dir: str = Field("", alias="PORTAL_OUTBOX_DIR")
