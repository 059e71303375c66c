"""The templates. Values are HTML-escaped in the HTML part; links carry their token as `?token=<token>` and
MFA codes appear as plain digits, so people, the web front end and scripts read them the same way."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any, Literal

from portal.domain.settings import LoginBranding, Site

EmailKind = Literal[
    "registration", "already_registered", "mfa_code", "password_reset",
    "payment_accepted", "payment_canceled", "payment_not_canceled",  # payments (PRODUCT.md §5)
]  # fmt: skip


@dataclass(frozen=True)
class EmailBranding:
    site_name: str
    logo_url: str
    button_color: str
    support_email: str

    @classmethod
    def of(cls, site: Site, branding: LoginBranding) -> EmailBranding:
        return cls(site.display_name, branding.logo_url, branding.button_color, branding.support_email)


@dataclass(frozen=True)
class EmailContent:
    to: str
    subject: str
    text: str
    html: str
    kind: EmailKind


def _text(brand: EmailBranding, greeting: str, paragraphs: list[str]) -> str:
    footer = f"Questions? Write to {brand.support_email}.\n-- {brand.site_name}"
    return "\n\n".join([greeting, *paragraphs, footer]) + "\n"


def _html(brand: EmailBranding, greeting: str, paragraphs: list[str], button: tuple[str, str] | None = None) -> str:
    body = "".join(f'<p style="margin:0 0 16px">{escape(p)}</p>' for p in paragraphs)
    if button is not None:
        label, url = button
        body += (
            f'<p style="margin:24px 0"><a href="{escape(url, quote=True)}" '
            f'style="background:{escape(brand.button_color)};color:#ffffff;padding:12px 20px;'
            'border-radius:4px;text-decoration:none;display:inline-block">'
            f"{escape(label)}</a></p>"
            f'<p style="margin:0 0 16px;font-size:12px;color:#555">Or open this address: {escape(url)}</p>'
        )
    return (
        '<!DOCTYPE html><html><body style="font-family:Arial,Helvetica,sans-serif;color:#1f2937">'
        '<div style="max-width:560px;margin:0 auto;padding:24px">'
        f'<img src="{escape(brand.logo_url, quote=True)}" alt="{escape(brand.site_name, quote=True)}" height="40">'
        f'<p style="margin:24px 0 16px">{escape(greeting)}</p>{body}'
        f'<p style="margin:32px 0 0;font-size:12px;color:#555">Questions? Write to '
        f'<a href="mailto:{escape(brand.support_email, quote=True)}">{escape(brand.support_email)}</a>.<br>'
        f"{escape(brand.site_name)}</p></div></body></html>"
    )


def registration_email(to: str, brand: EmailBranding, first_name: str, link: str) -> EmailContent:
    greeting = f"Hello {first_name},"
    intro = f"Confirm your email address to finish setting up your {brand.site_name} account, then choose a password."
    rules = "The link works once and expires in 24 hours. If you did not ask for an account, ignore this email."
    return EmailContent(
        to=to,
        subject=f"Confirm your email for {brand.site_name}",
        text=_text(brand, greeting, [intro, f"Set your password: {link}", rules]),
        html=_html(brand, greeting, [intro, rules], ("Set your password", link)),
        kind="registration",
    )


def already_registered_email(to: str, brand: EmailBranding, login_url: str, forgot_url: str) -> EmailContent:
    greeting = "Hello,"
    intro = (
        f"Someone, probably you, asked to register this email address on {brand.site_name}. "
        "You already have an account, so no new one was made."
    )
    what = f"Log in at {login_url} or, if you forgot your password, reset it at {forgot_url}."
    return EmailContent(
        to=to,
        subject=f"You already have a {brand.site_name} account",
        text=_text(brand, greeting, [intro, what, "If this was not you, you can ignore this email."]),
        html=_html(brand, greeting, [intro, what, "If this was not you, you can ignore this email."]),
        kind="already_registered",
    )


def mfa_code_email(to: str, brand: EmailBranding, code: str) -> EmailContent:
    greeting = "Hello,"
    lines = [
        f"Your {brand.site_name} sign-in code is {code}",
        "It expires in 5 minutes and works once. A newer code replaces this one.",
        "If you did not try to sign in, change your password.",
    ]
    return EmailContent(
        to=to,
        subject=f"Your {brand.site_name} sign-in code",
        text=_text(brand, greeting, lines),
        html=_html(brand, greeting, lines),
        kind="mfa_code",
    )


def password_reset_email(to: str, brand: EmailBranding, link: str) -> EmailContent:
    greeting = "Hello,"
    intro = f"Someone, probably you, asked to reset the password of your {brand.site_name} account."
    rules = "The link works once and expires in 30 minutes. If you did not ask for this, ignore this email."
    return EmailContent(
        to=to,
        subject=f"Reset your {brand.site_name} password",
        text=_text(brand, greeting, [intro, f"Choose a new password: {link}", rules]),
        html=_html(brand, greeting, [intro, rules], ("Choose a new password", link)),
        kind="password_reset",
    )


# --- payments (PRODUCT.md §5): amount, date, contracts and the bank account's last 4 digits, nothing more ---------
def _payment_lines(amount: str, payment_date: str, contracts: list[str], bank_last4: str) -> list[str]:
    return [
        f"Amount: ${amount}",
        f"Payment date: {payment_date}",
        f"Contract{'s' if len(contracts) > 1 else ''}: {', '.join(contracts)}",
        f"From the bank account ending in {bank_last4}",
    ]


def _payment_email(
    kind: EmailKind, subject: str, opening: str, closing: str, to: str, brand: EmailBranding, amount: str, *details: Any
) -> EmailContent:
    greeting = "Hello,"
    lines = [opening, *_payment_lines(amount, *details), closing]
    return EmailContent(
        to=to,
        subject=f"{brand.site_name}: payment of ${amount} {subject}",
        text=_text(brand, greeting, lines),
        html=_html(brand, greeting, lines),
        kind=kind,
    )


def payment_accepted_email(
    to: str, brand: EmailBranding, payment_id: str, amount: str, payment_date: str, contracts: list[str], last4: str
) -> EmailContent:
    opening = f"We received your payment request {payment_id}."
    closing = "You can follow it, or cancel it before it is processed, in the portal."
    return _payment_email("payment_accepted", "received", opening, closing, to, brand, amount, payment_date,
                          contracts, last4)  # fmt: skip


def payment_canceled_email(
    to: str, brand: EmailBranding, payment_id: str, amount: str, payment_date: str, contracts: list[str], last4: str
) -> EmailContent:
    opening = f"Your payment {payment_id} was canceled; nothing will be collected for it."
    closing = "If you did not cancel it, contact us."
    return _payment_email("payment_canceled", "canceled", opening, closing, to, brand, amount, payment_date,
                          contracts, last4)  # fmt: skip


def payment_not_canceled_email(
    to: str, brand: EmailBranding, payment_id: str, amount: str, payment_date: str, contracts: list[str], last4: str
) -> EmailContent:
    """The cancel came too late: an EFT run had already picked the payment up, so it is collected after all."""
    opening = (
        f"Your request to cancel payment {payment_id} came too late: the bank transfer was already on its way, "
        "so the payment will be collected."
    )
    closing = "If this is a problem, contact us."
    return _payment_email("payment_not_canceled", "not canceled", opening, closing, to, brand, amount, payment_date,
                          contracts, last4)  # fmt: skip
