"""The e-mail channel as an outbox platform ("email"): send-only, direct messages only.

The outbox routes a member's reminders and digest here when they chose e-mail for them
(``bot.core.mail.routing``). The member reference is ``MemberRef("email", "<member id>")``:
the adapter finds the address in the core's e-mail store at send time, so an address removed
or refused meanwhile is never written to, and an unconfirmed one receives only the
confirmation. SMTP failures become the core's delivery errors:

- server unreachable, disconnected, timed out, any 4xx: transient (the outbox retries with
  backoff);
- the recipient refused with a 5xx: permanent, and the address is recorded as refused (the
  member is told on chat next time they type ``me email``);
- another 5xx (the message or the sender refused): permanent.

A message that fails for good goes to the member's chat DMs instead (``chat = False``: see
``bot.core.outbox.outcomes.stand_in``), so choosing e-mail never loses a reminder.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import aiosmtplib

from bot.adapters.email.message import Envelope, build_message, message_id
from bot.adapters.email.smtp import SmtpPool
from bot.core.errors import PermanentDeliveryError, TransientDeliveryError
from bot.core.mail import CONFIRM_KIND, EMAIL
from bot.core.mail.routing import apply_choices
from bot.core.pacing import Pacer
from bot.core.ports import Capability
from bot.core.refs import MemberRef, MessageRef, Role, RoomRef
from bot.core.reply import Reply

if TYPE_CHECKING:
    from bot.config import EmailSection
    from bot.core.core import Core

log = logging.getLogger(__name__)

UNSUBSCRIBE_PATH = "/email/unsubscribe/"


class EmailAdapter:
    platform = EMAIL
    capabilities = Capability.NONE
    #: Not a chat: no commands come in, and a message failed for good goes to chat DMs.
    chat = False

    def __init__(self, settings: EmailSection) -> None:
        self.settings = settings
        self.pacer = Pacer(settings.rate)
        self.pool = SmtpPool(settings, 1)
        self._core: Core | None = None

    @property
    def core(self) -> Core:
        if self._core is None:
            raise RuntimeError("the e-mail adapter is not started")
        return self._core

    async def start(self, core: Core) -> None:
        self._core = core
        # As many open connections as the outbox sends at once.
        self.pool = SmtpPool(self.settings, core.settings.outbox.concurrency)

    async def stop(self) -> None:
        await self.pool.close()
        self._core = None

    async def send(self, room: RoomRef, reply: Reply, *, key: str | None = None) -> MessageRef:
        raise PermanentDeliveryError("email_has_no_rooms")

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        raise PermanentDeliveryError("email_cannot_edit")

    async def send_direct(
        self, member: MemberRef, reply: Reply, *, key: str | None = None
    ) -> MessageRef:
        core = self.core
        if key is None:
            raise PermanentDeliveryError("email_needs_an_outbox_key")
        member_id = int(member.id)
        confirmation = key.startswith(f"{CONFIRM_KIND}:")
        recipient = await core.mail.recipient(member_id, confirmation=confirmation)
        if recipient is None:
            raise PermanentDeliveryError("email_no_address")
        t = await core.translator(member=recipient.member)
        envelope = Envelope(
            sender=self.settings.sender,
            to=recipient.address,
            community=core.settings.bot.community,
            prefix=core.settings.bot.prefix,
            unsubscribe_url=None
            if confirmation
            else core.settings.web.public_url + UNSUBSCRIBE_PATH + recipient.unsubscribe_token,
        )
        message = build_message(reply, t, envelope, key)
        await self.pacer.wait()
        try:
            await self.pool.send(message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            code = min((r.code for r in exc.recipients), default=550)
            if code < 500:
                raise TransientDeliveryError(f"smtp_{code}") from exc
            await core.mail.record_refusal(member_id, recipient.address, f"smtp_{code}")
            await apply_choices(core, member_id)  # what is queued goes to chat now
            log.info("E-mail to member %s refused for good (%s)", member_id, code)
            raise PermanentDeliveryError(f"smtp_refused_{code}") from exc
        except aiosmtplib.SMTPAuthenticationError as exc:
            # The operator's credentials, not the member's address: retried until fixed.
            raise TransientDeliveryError(f"smtp_auth_{exc.code}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code >= 500:
                raise PermanentDeliveryError(f"smtp_{exc.code}") from exc
            raise TransientDeliveryError(f"smtp_{exc.code}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise TransientDeliveryError("smtp_unreachable") from exc
        return MessageRef(EMAIL, str(member_id), message_id(key, self.settings.sender))

    async def grant_role(self, member: MemberRef, role: Role) -> None:
        return None  # e-mail has no roles

    def mention(self, member: MemberRef) -> str:
        return member.display_name

    async def room_population(self, room: RoomRef) -> int | None:
        return None
