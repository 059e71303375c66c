"""Every email the portal sends, in one place: registration/verification, the "you already have an account"
notice, MFA codes, password reset and the payment confirmations; each as text and HTML, branded with the
instance login branding (logo, button colour, support email) and the site's display name.
"""

from __future__ import annotations

from portal.emails.templates import (
    EmailBranding,
    EmailContent,
    already_registered_email,
    mfa_code_email,
    password_reset_email,
    payment_accepted_email,
    payment_canceled_email,
    payment_not_canceled_email,
    registration_email,
)

__all__ = [
    "EmailBranding",
    "EmailContent",
    "already_registered_email",
    "mfa_code_email",
    "password_reset_email",
    "payment_accepted_email",
    "payment_canceled_email",
    "payment_not_canceled_email",
    "registration_email",
]
