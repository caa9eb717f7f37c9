"""Native polls (MSC3381): one poll event per poll key, its votes mapped back to the poll's
vote command, its end posted once. The state file keeps key → start event across restarts."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from bot.adapters.matrix import content as mx
from bot.adapters.matrix.state import PollRecord
from bot.adapters.matrix.transport import OUTBOX_RATE_BUDGET
from bot.core.reply import NativePoll, Reply

if TYPE_CHECKING:
    from bot.adapters.matrix.session import Session
    from bot.adapters.matrix.transport import Transport


def end_event_type(start_type: str) -> str:
    """The end event matching the configured start type (stable or MSC3381's unstable)."""
    return "m.poll.end" if start_type == "m.poll.start" else "org.matrix.msc3381.poll.end"


def chosen_answers(poll: NativePoll, answers: list[str]) -> list[str]:
    """The answers of a poll response that the poll offers, at most ``max_selections``."""
    valid = {aid for aid, _ in poll.answers}
    return [a for a in answers if a in valid][: max(1, poll.max_selections)]


def vote_arguments(poll: NativePoll, chosen: list[str]) -> dict[str, Any]:
    """The poll's vote command arguments with the chosen answer ids (``|``-joined)."""
    return {**poll.vote.arg_dict, poll.option: "|".join(chosen)}


class NativePolls:
    def __init__(self, session: Session, transport: Transport) -> None:
        self.session = session
        self.transport = transport
        self._lock = asyncio.Lock()

    def open_poll(self, start_event_id: str) -> NativePoll | None:
        """The poll a response refers to, if the bot started it and it is still open."""
        record = self.session.state.poll_by_event(start_event_id)
        if record is None or record.closed:
            return None
        return NativePoll.from_json(record.poll)

    async def start(self, room_id: str, poll: NativePoll, txn: str, budget: float) -> None:
        async with self._lock:
            if poll.key in self.session.state.polls:
                return  # already shown (a refresh of the same poll): one native poll per key
            event_id = await self.transport.room_send(
                room_id,
                self.session.settings.poll_event_type,
                mx.poll_start_content(poll),
                txn,
                budget,
            )
            self.session.state.polls[poll.key] = PollRecord(
                poll.key, room_id, event_id, poll.to_json()
            )
            self.session.save()

    async def end(
        self, poll: NativePoll, reply: Reply, budget: float = OUTBOX_RATE_BUDGET
    ) -> None:
        async with self._lock:
            record = self.session.state.polls.get(poll.key)
            if record is None or record.closed:
                return
            text = reply.plain_text() or poll.question
            await self.transport.room_send(
                record.room_id,
                end_event_type(self.session.settings.poll_event_type),
                mx.poll_end_content(record.event_id, text),
                mx.tx_id(f"poll-end:{poll.key}"),
                budget,
            )
            record.closed = True
            self.session.save()
