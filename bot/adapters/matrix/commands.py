"""Typed commands and native votes coming in: each handed to the core, and the reply delivered
where it belongs — in the room, by DM (Matrix has no ephemeral messages), or to the outbox when
the homeserver keeps refusing.

Lean replies (see docs/architecture.md, "Where a reply goes"): a private reply goes by DM, and
the room learns it only through a 📩 reaction on the command — once per member and room every
``[matrix] dm_hint_minutes``, not on every reply (each reaction is a room event that wakes every
member's sync and that the next command queued behind). No lock is held across a send: a
member's commands are handled concurrently, and a count of those in flight tells ``me forget``
when the last answer is out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nio import RoomMessageText, RoomRedactError, UnknownEvent

from bot.adapters.matrix import content as mx
from bot.adapters.matrix.polls import chosen_answers, vote_arguments
from bot.adapters.matrix.transport import INTERACTIVE_RATE_BUDGET, OUTBOX_RATE_BUDGET
from bot.core.errors import (
    DeliveryError,
    DirectMessagesRefused,
    RateLimited,
    TransientDeliveryError,
)
from bot.core.refs import MemberRef, MessageRef, RoomRef
from bot.core.reply import Reply, Tone

if TYPE_CHECKING:
    from bot.adapters.matrix.adapter import MatrixAdapter
    from bot.core.core import Core

log = logging.getLogger(__name__)

PLATFORM = "matrix"


@dataclass(slots=True)
class Timing:
    """Where a command's time went (benchmark hook): all ``time.perf_counter()`` values."""

    event_id: str
    synced_at: float  # the sync response carrying the command was received
    handled_at: float  # the core produced the reply
    sent_at: float  # the homeserver accepted the reply


def thread_of(relates: dict[str, Any]) -> str | None:
    """The thread root a command was typed in, if any (the reply goes in the same thread)."""
    return relates.get("event_id") if relates.get("rel_type") == "m.thread" else None


class Commands:
    def __init__(self, adapter: MatrixAdapter) -> None:
        self.adapter = adapter
        self.inflight: set[asyncio.Task[Any]] = set()  # commands and votes being handled
        self._active: Counter[str] = Counter()  # commands and votes in flight, per sender
        self._hinted: dict[tuple[str, str], float] = {}  # (room, member) → last 📩, monotonic

    @property
    def core(self) -> Core:
        assert self.adapter.core is not None, "the Matrix adapter is not started"
        return self.adapter.core

    def busy(self, user: str) -> bool:
        """A command or vote of ``user`` is being answered."""
        return self._active[user] > 0

    @contextlib.asynccontextmanager
    async def _in_flight(self, user: str) -> AsyncIterator[None]:
        self._active[user] += 1
        try:
            yield
        finally:
            self._active[user] -= 1
            if not self._active[user]:
                del self._active[user]
                await self.adapter.direct.finish_forget(user)

    async def drain(self, wait_s: float) -> None:
        """Let commands already being answered finish."""
        if self.inflight:
            await asyncio.wait(set(self.inflight), timeout=wait_s)

    def message(self, room_id: str, event: RoomMessageText, synced_at: float) -> None:
        """A text message: run it if it is a command (an edited command is not run again)."""
        relates = event.source.get("content", {}).get("m.relates_to") or {}
        if relates.get("rel_type") == "m.replace":
            return  # an edited command is not run a second time
        body = mx.strip_reply_fallback(event.body or "").strip()
        if not self.adapter.owner:
            # The lease was not renewed in time (a pause, a slow database): another process
            # may own the account already and answers this command.
            log.warning("Matrix: a command arrived after this process lost the account; left")
            return
        if body.startswith(self.core.text_prefix(PLATFORM)):
            self._track(
                self.core.spawn(
                    self._run_command(room_id, event, body, relates, synced_at),
                    name=f"matrix-cmd-{event.event_id}",
                )
            )

    def unknown(self, room_id: str, event: UnknownEvent) -> None:
        """An event nio does not know: a native poll response becomes a vote."""
        parsed = mx.parse_poll_response(event.type, event.source.get("content") or {})
        if parsed is not None and event.sender != self.adapter.user_id:
            self._track(
                self.core.spawn(self._run_vote(room_id, event.sender, *parsed), name="matrix-vote")
            )

    def _track(self, task: asyncio.Task[Any]) -> None:
        self.inflight.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.inflight.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Matrix: %s failed", task.get_name(), exc_info=task.exception())

    async def _run_command(
        self,
        room_id: str,
        event: RoomMessageText,
        body: str,
        relates: dict[str, Any],
        synced_at: float,
    ) -> None:
        if not await self.core.ownership.handled.claim(PLATFORM, event.event_id):
            log.info("Matrix: command %s was already answered by another process", event.event_id)
            return
        async with self._in_flight(event.sender):
            await self._command_answered(room_id, event, body, relates, synced_at)

    async def _command_answered(
        self,
        room_id: str,
        event: RoomMessageText,
        body: str,
        relates: dict[str, Any],
        synced_at: float,
    ) -> None:
        adapter = self.adapter
        room = adapter.room_ref(room_id)
        actor = adapter.actor(event.sender, room_id)
        if room.direct:
            adapter.direct.unrefuse(event.sender)
        message = MessageRef(PLATFORM, room_id, event.event_id)
        reply = await self.core.handle_text(actor, room, body, message=message)
        if reply is None:
            return
        handled_at = time.perf_counter()
        await self.answer(room, actor.ref, reply, event.event_id, thread_of(relates))
        if adapter.timings is not None:
            adapter.timings.append(
                Timing(event.event_id, synced_at, handled_at, time.perf_counter())
            )

    async def answer(
        self,
        room: RoomRef,
        member: MemberRef,
        reply: Reply,
        event_id: str,
        thread: str | None,
    ) -> None:
        """Deliver a command's reply; nothing is lost: after the retry budget it goes to the
        outbox, which keeps trying."""
        adapter = self.adapter
        key = f"matrix-reply:{event_id}"
        relation = mx.reply_relation(event_id, thread)
        # A command that must not stay where others read it (an anonymous vote typed in a
        # room): it is redacted, and whatever the reply is, it goes by DM only.
        redact = reply.redact_source and not room.direct
        if redact:
            await self._redact_command(room, member, event_id)
        in_room = (not reply.private or room.direct) and not redact
        if (
            reply.private
            and reply.tone == Tone.ERROR
            and adapter.settings.errors_in_room
            and not redact
        ):
            in_room = True
        try:
            if in_room:
                await adapter.deliver(room.id, reply, key, relation, INTERACTIVE_RATE_BUDGET)
                return
            try:
                await adapter.send_direct(member, reply, key=key)
                # Show in the room that the answer went by DM, without a message (not on a
                # redacted command: nothing should point at it any more), once in a while.
                if not redact and self._hint_due(room.id, member.id):
                    self._track(
                        self.core.spawn(self._hint(room.id, event_id, key), name="matrix-hint")
                    )
            except DirectMessagesRefused:
                notice = await self._dm_refused_notice(member, room)
                await adapter.deliver(room.id, notice, key, relation, 30.0)
        except (RateLimited, TransientDeliveryError) as exc:
            log.warning("Matrix: reply to %s not sent yet (%s); the outbox takes it", key, exc)
            target = room if in_room else None
            await self.core.outbox.enqueue(
                key,
                self.core.clock.now(),
                reply=reply,
                room=target,
                member_id=None if target else (await self.core.members.resolve(member)).id,
                platform=PLATFORM,
            )
        except DeliveryError as exc:
            log.warning("Matrix: could not answer %s: %s", event_id, exc.reason)

    def _hint_due(self, room_id: str, user: str) -> bool:
        """Whether this private reply's command gets the 📩 reaction (the first in a while)."""
        every = self.adapter.settings.dm_hint_minutes * 60
        now = time.monotonic()
        last = self._hinted.get((room_id, user))
        if last is not None and now - last < every:
            return False
        if len(self._hinted) > 10_000:  # members come and go: keep the memory bounded
            self._hinted = {k: v for k, v in self._hinted.items() if now - v < every}
        self._hinted[(room_id, user)] = now
        return True

    async def _hint(self, room_id: str, event_id: str, key: str) -> None:
        with contextlib.suppress(DeliveryError):
            await self.adapter.transport.room_send(
                room_id,
                "m.reaction",
                mx.reaction_content(event_id, "📩"),
                mx.tx_id(key, 999),
                OUTBOX_RATE_BUDGET,
            )

    async def _redact_command(self, room: RoomRef, member: MemberRef, event_id: str) -> None:
        """Remove a typed command from the room, with a reason members can read."""
        info = await self.core.members.resolve(member)
        t = await self.core.translator(member=info, room=room)
        reason = t(
            "Retiré par le bot : cette commande se tape en message privé avec lui, pour "
            "rester anonyme."
        )
        try:
            resp = await self.adapter.session.c.room_redact(
                room.id, event_id, reason=reason, tx_id=mx.tx_id(f"redact:{event_id}")
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # network: the reply still goes by DM
            log.warning("Matrix: could not redact %s in %s: %s", event_id, room.id, exc)
            return
        if isinstance(resp, RoomRedactError):
            log.warning(
                "Matrix: could not redact %s in %s (%s): give the bot the power to remove "
                "messages there",
                event_id,
                room.id,
                resp.status_code,
            )

    async def _dm_refused_notice(self, member: MemberRef, room: RoomRef) -> Reply:
        info = await self.core.members.resolve(member)
        t = await self.core.translator(member=info, room=room)
        return Reply(
            text=t(
                "{mention}, ma réponse est privée mais je ne peux pas vous écrire en message "
                "direct. Acceptez mon invitation ou écrivez-moi en privé, puis réessayez.",
                mention=self.adapter.mention(member),
            ),
            tone=Tone.WARNING,
            mentions=(member.id,),
        )

    async def _run_vote(
        self, room_id: str, sender: str, start_id: str, answers: list[str]
    ) -> None:
        adapter = self.adapter
        poll = adapter.polls.open_poll(start_id)
        if poll is None:
            return
        chosen = chosen_answers(poll, answers)
        if not chosen:
            return
        async with self._in_flight(sender):
            actor = adapter.actor(sender, room_id)
            raw = vote_arguments(poll, chosen)
            room = adapter.room_ref(room_id)
            reply = await self.core.invoke(actor, room, poll.vote.command, raw)
        if reply.poll is not None and reply.poll.closed:
            await adapter.polls.end(reply.poll, reply)
        if reply.tone in (Tone.ERROR, Tone.WARNING):
            try:  # a refused native vote is explained privately: the poll shows nothing
                await adapter.send_direct(actor.ref, reply)
            except DeliveryError as exc:
                log.info("Matrix: could not explain a refused vote to %s: %s", sender, exc)
