"""The GOV.UK Notify adapter: sends one queued email through notifications-python-client.

Used only when ``CASEWORK_NOTIFY_API_KEY`` is set; without it messages wait in the outbox. The
HTTP session can be replaced (tests use a fake transport; nothing here reaches the network by
itself). Errors are reported without the recipient or the personalisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient


class DeliveryFailed(RuntimeError):
    """Notify refused the message; the outbox marks it failed."""


@dataclass(frozen=True)
class Sent:
    reference: str


class NotifyClient:
    def __init__(self, api_key: str, *, session: requests.Session | None = None, base_url: str | None = None) -> None:
        kwargs: dict[str, Any] = {"base_url": base_url} if base_url else {}
        self._client = NotificationsAPIClient(api_key, **kwargs)  # type: ignore[no-untyped-call]
        if session is not None:
            self._client.request_session = session

    def send_email(self, *, email_address: str, template_id: str, personalisation: dict[str, str], reference: str) -> Sent:
        try:
            response = self._client.send_email_notification(  # type: ignore[no-untyped-call]
                email_address=email_address, template_id=template_id, personalisation=personalisation, reference=reference
            )
        except APIError as exc:
            raise DeliveryFailed(f"Notify answered {exc.status_code}") from None
        return Sent(reference=str(response.get("id", "")))
