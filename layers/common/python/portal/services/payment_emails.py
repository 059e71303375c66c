"""A payment's emails (PRODUCT.md §5): the same content whoever sends it — the payments API when it accepts or
cancels a Pending payment, the writer when ASPIRE's rows of a Scheduled payment are canceled. Amount, date,
contracts and the bank account's last 4 only."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from portal.observability import logger

if TYPE_CHECKING:  # the templates load with the first email sent, not at a function's cold start
    from portal.emails import EmailBranding, EmailContent

CENT = Decimal("0.01")


class Notify(Protocol):
    """Mails the user `build(address, branding)`; the site's `branding` when the caller has it already."""

    def __call__(
        self,
        site_id: str,
        user_id: str,
        build: Callable[[str, EmailBranding], EmailContent],
        *,
        branding: EmailBranding | None = None,
    ) -> None: ...


def send_payment_email(
    notify: Notify, payment: Mapping[str, Any], template: Callable[..., EmailContent], branding: EmailBranding | None
) -> None:
    """Never raises: the payment stands whether or not its email could be sent (the failure is logged)."""
    contracts = list(dict.fromkeys(str(a["contract_id"]) for a in payment["allocations"]))
    amount = str(Decimal(str(payment["amount"])).quantize(CENT))

    def build(address: str, brand: EmailBranding) -> EmailContent:
        args = (str(payment["payment_id"]), amount, str(payment["payment_date"]), contracts, str(payment["bank_last4"]))
        return template(address, brand, *args)

    try:
        notify(str(payment["site_id"]), str(payment["user_id"]), build, branding=branding)
    except Exception as error:
        logger.warning(
            "payment email not sent", extra={"payment_id": payment["payment_id"], "error": type(error).__name__}
        )
