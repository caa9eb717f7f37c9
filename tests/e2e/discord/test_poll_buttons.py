"""The real poll cog on Discord (unmodified discord.py against the fake Discord): votes by
button, a changed vote replacing the old one, and an open answer typed in a modal."""

from __future__ import annotations

import pytest

from tests.e2e.discord.conftest import Bot

pytestmark = pytest.mark.e2e


async def test_poll_buttons_and_modal_record_votes_once(full_bot: Bot) -> None:
    fake = full_bot.fake
    alice, bob = fake.member_id("user0"), fake.member_id("user1")
    created = await fake.answer(
        await fake.command(
            alice,
            "poll create",
            question="Quelle date ?",
            kind="single",
            choices="5 mars | 12 mars | 19 mars",
        )
    )
    assert "Quelle date ?" in created.text and created.components
    button = created.component("12 mars")
    first = await fake.answer(await fake.click(bob, created.message, button["custom_id"]))
    assert "12 mars" in first.text and first.ephemeral
    other = created.component("19 mars")
    again = await fake.answer(await fake.click(bob, created.message, other["custom_id"]))
    assert "mis à jour" in again.text  # a changed vote replaces the old one, visibly
    results = await fake.answer(await fake.command(alice, "poll results", poll=1))
    assert "**19 mars** — 1 vote (100 %)" in results.text
    assert "**12 mars** — 0 vote (0 %)" in results.text  # replaced, not counted twice
    assert results.files  # the chart is attached

    opened_poll = await fake.answer(
        await fake.command(
            alice, "poll create", question="Une idée pour la rentrée ?", kind="open"
        )
    )
    modal_button = opened_poll.component("Répondre")
    opened = await fake.answer(
        await fake.click(bob, opened_poll.message, modal_button["custom_id"])
    )
    assert opened.kind == "modal" and opened.modal is not None
    field = opened.modal["components"][0]["components"][0]["custom_id"]
    answer = await fake.answer(
        await fake.submit_modal(bob, opened.modal["custom_id"], {field: "Plus de cafés le soir"})
    )
    assert "Plus de cafés le soir" in answer.text
    listed = await fake.answer(await fake.command(alice, "poll results", poll=2))
    assert "Plus de cafés le soir" in listed.text
