"""Errors a user may see. Their messages are French msgids, translated when shown."""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """Bad input or a refused action: shown to the user, translated, never a traceback.

    ``msgid`` is the French source text with ``{placeholders}``; ``params`` fill them.
    """

    def __init__(self, msgid: str, /, **params: Any) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params


class UsageError(UserError):
    """The command was understood but its options were not; the usage line is appended."""

    def __init__(self, msgid: str, /, *, command: str | None = None, **params: Any) -> None:
        super().__init__(msgid, **params)
        self.command = command


class PermissionDenied(UserError):
    pass


class DeliveryError(Exception):
    """An adapter could not deliver a message. ``permanent`` errors are not retried."""

    permanent = False

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class TransientDeliveryError(DeliveryError):
    pass


class RateLimited(TransientDeliveryError):
    def __init__(self, retry_after: float) -> None:
        super().__init__("rate_limited", retry_after)


class DirectMessagesRefused(DeliveryError):
    """The member does not accept direct messages from the bot (Discord 50007, Matrix refusal)."""

    permanent = True

    def __init__(self, reason: str = "dm_refused") -> None:
        super().__init__(reason)


class PermanentDeliveryError(DeliveryError):
    permanent = True
