"""Every authentication email the portal sends, in one place: registration/verification, the
"you already have an account" notice, MFA codes and password reset; each as text and HTML, branded with the
instance login branding (logo, button colour, support email) and the site's display name.
"""

from __future__ import annotations

from portal.emails.templates import (
    EmailBranding,
    EmailContent,
    already_registered_email,
    mfa_code_email,
    password_reset_email,
    registration_email,
)

__all__ = [
    "EmailBranding",
    "EmailContent",
    "already_registered_email",
    "mfa_code_email",
    "password_reset_email",
    "registration_email",
]
