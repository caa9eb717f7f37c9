"""Putting events on the homeserver: rate limits waited out within a budget, errors sorted
into transient and permanent, uploads (encrypted in encrypted rooms), transaction ids."""

from __future__ import annotations

import asyncio
import io
import logging
import time
from typing import TYPE_CHECKING, Any

from nio import RoomSendResponse, UploadResponse

from bot.adapters.matrix import content as mx
from bot.core.errors import PermanentDeliveryError, RateLimited, TransientDeliveryError

if TYPE_CHECKING:
    from bot.adapters.matrix.crypto import Crypto
    from bot.adapters.matrix.session import Session
    from bot.core.reply import Attachment

log = logging.getLogger(__name__)

INTERACTIVE_RATE_BUDGET = 120.0  # seconds a command reply keeps retrying before the outbox
OUTBOX_RATE_BUDGET = 10.0  # beyond this an outbox send gives the row back (RateLimited)


class TxnIds:
    """The transaction ids of one reply's events, in order (message, attachments, poll):
    derived from the outbox key when there is one, so a resend posts nothing twice."""

    def __init__(self, key: str | None, salt: object = None) -> None:
        self.key = key or f"{time.time_ns()}-{id(salt)}"
        self.part = 0

    def next(self) -> str:
        self.part += 1
        return mx.tx_id(self.key, self.part)


def picture_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of an image, if Pillow can read it (imported only to draw)."""
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            return width, height
    except Exception:
        log.debug("Could not read the picture's size", exc_info=True)
        return None


class Transport:
    def __init__(self, session: Session, crypto: Crypto) -> None:
        self.session = session
        self.crypto = crypto
        self.rate_limited = 0  # M_LIMIT_EXCEEDED answers seen (waited out or handed back)

    async def room_send(
        self, room_id: str, event_type: str, content: dict[str, Any], txn: str, budget: float
    ) -> str:
        """Send one event; wait out ``M_LIMIT_EXCEEDED`` within ``budget`` seconds, then raise
        RateLimited. The same transaction id on every try: never shown twice."""
        client = self.session.c
        deadline = time.monotonic() + budget
        # Every event carries ``m.mentions`` (only the people the bot mentions itself, never
        # ``room``): clients then ignore @room and names written in the body or a poll.
        content = mx.with_mentions(content)
        while True:
            try:
                if self.session.encryption:
                    await self.crypto.before_send(room_id)
                resp = await client.room_send(
                    room_id, event_type, content, tx_id=txn, ignore_unverified_devices=True
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # nio's LocalProtocolError, SendRetryError, network
                raise TransientDeliveryError(f"{type(exc).__name__}: {exc}") from exc
            if isinstance(resp, RoomSendResponse):
                return str(resp.event_id)
            code = getattr(resp, "status_code", None)
            if code in ("M_LIMIT_EXCEEDED", 429, "429"):
                self.rate_limited += 1
                wait = max((getattr(resp, "retry_after_ms", None) or 1000) / 1000, 0.05)
                if time.monotonic() + wait > deadline:
                    raise RateLimited(wait)
                log.info("Matrix: rate-limited; waiting %.2fs", wait)
                await asyncio.sleep(wait)
                continue
            if code in ("M_FORBIDDEN", "M_NOT_FOUND", "M_TOO_LARGE", "M_BAD_JSON"):
                raise PermanentDeliveryError(str(code))
            raise TransientDeliveryError(str(code or resp))

    async def send_attachment(
        self, room_id: str, attachment: Attachment, txn: str, budget: float
    ) -> str:
        """Upload the file (encrypted in an encrypted room), then post it as ``m.image`` or
        ``m.file``."""
        client = self.session.c
        room = client.rooms.get(room_id)
        encrypt = bool(self.session.encryption and room is not None and room.encrypted)
        data = attachment.data
        resp, keys = await client.upload(
            lambda *_: io.BytesIO(data),
            content_type=attachment.mime,
            filename=attachment.filename,
            encrypt=encrypt,
            filesize=len(data),
        )
        if not isinstance(resp, UploadResponse):
            if getattr(resp, "status_code", None) == "M_LIMIT_EXCEEDED":
                raise RateLimited((getattr(resp, "retry_after_ms", None) or 1000) / 1000)
            raise TransientDeliveryError(f"upload failed: {resp}")
        info: dict[str, Any] = {"mimetype": attachment.mime, "size": len(data)}
        msgtype = "m.file"
        if attachment.is_image:
            msgtype = "m.image"
            size = picture_size(data)
            if size is not None:
                info["w"], info["h"] = size
        content: dict[str, Any] = {
            "msgtype": msgtype,
            "body": attachment.description or attachment.filename,
            "filename": attachment.filename,
            "info": info,
        }
        if encrypt and keys:
            content["file"] = {"url": resp.content_uri, **keys}
        else:
            content["url"] = resp.content_uri
        return await self.room_send(room_id, "m.room.message", content, txn, budget)
