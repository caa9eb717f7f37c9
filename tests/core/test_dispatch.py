"""Dispatch: permissions, translated errors, typed == slash, no traceback ever reaches a user."""

from __future__ import annotations

from typing import Annotated

import pytest

from bot.core.cog import Cog
from bot.core.commands import Opt, command
from bot.core.errors import UserError
from bot.core.invocation import Invocation
from bot.core.refs import Role
from bot.core.reply import Reply, Tone
from tests.harness import Harness, make_harness


class Sample(Cog, name="sample"):
    @command("echo")
    async def echo(
        self,
        inv: Invocation,
        text: Annotated[str, Opt("Le texte", rest=True)],
        times: Annotated[int, Opt("Combien de fois", min=1, max=3)] = 1,
    ) -> Reply:
        """Répéter un texte."""
        return Reply(text=" ".join([text] * times) + f" ({inv.member.display_name})")

    @command("secret", permission=Role.MODERATOR)
    async def secret(self, inv: Invocation) -> Reply:
        """Réservé aux modérateurs."""
        return Reply(text="ok")

    @command("boom")
    async def boom(self, inv: Invocation) -> Reply:
        """Toujours en panne."""
        raise RuntimeError("database on fire")

    @command("refuse")
    async def refuse(self, inv: Invocation) -> Reply:
        """Toujours refusé."""
        raise UserError("Membre introuvable.")


@pytest.fixture
async def h(db_url: str):
    harness = await make_harness(db_url)
    harness.core.add_cog(Sample(harness.core))
    yield harness
    await harness.core.stop()
    await harness.db.dispose()


async def test_typed_and_slash_give_the_same_reply(h: Harness) -> None:
    typed = await h.say("alice", '!sample echo "bonjour à tous" times:2')
    slash = await h.invoke("alice", "sample echo", text="bonjour à tous", times=2)
    assert typed is not None
    assert typed.text == slash.text == "bonjour à tous bonjour à tous (alice)"


async def test_permission_is_checked_once_in_dispatch(h: Harness) -> None:
    denied = await h.reply("alice", "!sample secret")
    assert denied.tone is Tone.ERROR and denied.private
    assert "modérateurs" in denied.text
    h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    allowed = await h.reply("mod", "!sample secret")
    assert allowed.text == "ok"


async def test_errors_are_translated_for_the_reader(h: Harness) -> None:
    await h.say("bob", "!language en")
    reply = await h.say("bob", "!sample echo hi times:9")
    assert reply is not None
    assert "Option times must be between 1 and 3." in reply.text
    assert "Usage: `!sample echo <text:text> [times:number]`" in reply.text
    french = await h.reply("alice", "!sample echo hi times:9")
    assert "doit être comprise entre 1 et 3" in french.text


async def test_missing_option_shows_the_usage(h: Harness) -> None:
    reply = await h.reply("alice", "!sample echo")
    assert reply.tone is Tone.ERROR
    assert "Il manque l'option text" in reply.text and "Utilisation" in reply.text


async def test_unexpected_exception_becomes_a_polite_message(h: Harness, caplog) -> None:
    reply = await h.reply("alice", "!sample boom")
    assert reply.tone is Tone.ERROR
    assert "Traceback" not in reply.text and "database on fire" not in reply.text
    assert "réessayez" in reply.text
    assert "database on fire" in caplog.text  # logged for the operators


async def test_user_error_from_a_cog(h: Harness) -> None:
    await h.say("carol", "!language en")
    reply = await h.reply("carol", "!sample refuse")
    assert reply.text == "Member not found."


async def test_unknown_command_and_expired_button(h: Harness) -> None:
    reply = await h.reply("alice", "!sampel echo hi")
    assert "sample echo" in reply.text
    expired = await h.invoke("alice", "gone away", x=1)
    assert "expiré" in expired.text
    unknown_option = await h.invoke("alice", "sample echo", text="a", nope=1)
    assert "Option inconnue" in unknown_option.text


async def test_help_lists_groups_and_commands(h: Harness) -> None:
    top = await h.reply("alice", "!help")
    assert "!sample" in top.text and "secret" not in top.text
    group = await h.reply("alice", "!help sample")
    assert "!sample echo" in group.text
    one = await h.reply("alice", "!help sample echo")
    assert "!sample echo <text:texte> [times:nombre]" in one.text
    await h.say("alice", "!language en")
    english = await h.say("alice", "!help sample echo")
    assert (
        english is not None and "Usage: `!sample echo <text:text> [times:number]`" in english.text
    )
    bad = await h.reply("alice", "!help nothing-here")
    assert bad.tone is Tone.ERROR


async def test_member_language_and_timezone(h: Harness) -> None:
    reply = await h.reply("alice", "!timezone america/montreal")
    assert "America/Montreal" in reply.text
    bad = await h.reply("alice", "!timezone Mars/Olympus")
    assert bad.tone is Tone.ERROR and "Europe/Paris" in bad.text
    bad_lang = await h.reply("alice", "!language de")
    assert "fr, en" in bad_lang.text
    members = await h.core.members.find_by_name("alice")
    assert members[0].timezone == "America/Montreal"


async def test_one_member_per_identity_even_when_concurrent(h: Harness) -> None:
    import asyncio

    from bot.core.refs import MemberRef

    ref = MemberRef("memory", "newcomer", "Newcomer")
    infos = await asyncio.gather(*(h.core.members.resolve(ref) for _ in range(8)))
    assert len({i.id for i in infos}) == 1


async def test_unknown_command_suggests_a_near_one_or_points_to_help(h: Harness) -> None:
    near = await h.reply("alice", "!sample ecoh bonjour")
    assert near.tone is Tone.ERROR
    assert "Vouliez-vous dire « sample echo » ?" in near.text
    assert "Utilisation :" in near.text and "sample echo" in near.text.split("Utilisation :")[1]
    assert "Tapez" not in near.text

    lost = await h.reply("alice", "!zzzzzz")
    assert lost.tone is Tone.ERROR
    assert "Commande inconnue : « zzzzzz »." in lost.text
    assert "Tapez !help pour voir les commandes." in lost.text
    assert "Utilisation :" not in lost.text
