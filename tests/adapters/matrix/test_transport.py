"""The transport: M_LIMIT_EXCEEDED handling against a stand-in for the homeserver's answers,
and transaction ids."""

from __future__ import annotations

from typing import Any

import pytest
from nio import RoomSendError, RoomSendResponse

from bot.adapters.matrix.crypto import Crypto
from bot.adapters.matrix.session import Session
from bot.adapters.matrix.transport import Transport, TxnIds
from bot.config import MatrixSection
from bot.core.errors import PermanentDeliveryError, RateLimited


class Homeserver:
    """Refuses the first ``limited`` sends with M_LIMIT_EXCEEDED; remembers transaction ids
    like Synapse does (a second send with the same id returns the first event)."""

    def __init__(self, limited: int, retry_after_ms: int = 20, code: str = "M_LIMIT_EXCEEDED"):
        self.limited = limited
        self.retry_after_ms = retry_after_ms
        self.code = code
        self.events: dict[str, str] = {}
        self.rooms: dict[str, Any] = {}
        self.olm = None

    async def room_send(self, room_id: str, event_type: str, content: dict, tx_id: str, **_: Any):
        if self.limited > 0:
            self.limited -= 1
            return RoomSendError("slow down", self.code, self.retry_after_ms)
        event_id = self.events.setdefault(tx_id, f"$event{len(self.events)}")
        return RoomSendResponse(event_id, room_id)


def transport(server: Homeserver) -> Transport:
    session = Session(MatrixSection(enabled=True, user_id="@bot:ex.org"))
    session.client = server  # type: ignore[assignment]
    return Transport(session, Crypto(session))


async def test_limits_are_waited_out_and_the_message_is_sent_once() -> None:
    server = Homeserver(limited=3)
    a = transport(server)
    event_id = await a.room_send("!r", "m.room.message", {"body": "x"}, "txn1", budget=5)
    assert event_id == "$event0"
    assert a.rate_limited == 3
    assert len(server.events) == 1  # every try used the same transaction id


async def test_beyond_the_budget_the_send_is_handed_back() -> None:
    a = transport(Homeserver(limited=1, retry_after_ms=60_000))
    with pytest.raises(RateLimited) as caught:
        await a.room_send("!r", "m.room.message", {"body": "x"}, "txn1", budget=5)
    assert caught.value.retry_after == 60


async def test_a_forbidden_room_is_a_permanent_failure() -> None:
    a = transport(Homeserver(limited=1, code="M_FORBIDDEN"))
    with pytest.raises(PermanentDeliveryError):
        await a.room_send("!r", "m.room.message", {"body": "x"}, "txn1", budget=5)


def test_transaction_ids_follow_the_key_and_the_part() -> None:
    first, again = TxnIds("cafe:1:2"), TxnIds("cafe:1:2")
    ids = [first.next(), first.next()]
    assert ids == [again.next(), again.next()]  # a resend reuses them
    assert ids[0] != ids[1] and all(i.startswith("passerelle.") for i in ids)
    assert TxnIds(None).next() != TxnIds(None, object()).next()  # no key: fresh ids
