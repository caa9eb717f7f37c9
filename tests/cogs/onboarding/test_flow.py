"""The newcomer flow: welcome DM, one step at a time, completion, nudges."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.core.events import ReminderPreferenceChanged
from bot.core.refs import Role
from bot.storage.models import OutboxMessage
from cogs.onboarding.models import OnboardingFlow, OnboardingProfile
from tests.cogs.onboarding.conftest import member_id
from tests.harness import Harness


def _action(reply, label_part: str):  # type: ignore[no-untyped-def]
    return next(a for a in reply.actions if label_part in a.label)


async def test_join_sends_a_welcome_dm_with_the_first_step(h: Harness) -> None:
    await h.adapter.member_joins("zoe")
    report = await h.deliver()
    assert report.sent == 1
    [dm] = h.adapter.dms("zoe")
    assert "Bienvenue, zoe" in dm.text
    assert "Étape 1/13 : langue" in dm.text
    assert {a.label for a in dm.reply.actions} >= {"Français", "English", "Plus tard"}
    # A second join event (e.g. Discord re-sends it) queues nothing twice.
    await h.adapter.member_joins("zoe")
    assert (await h.deliver()).sent == 0


async def test_whole_flow_by_buttons_grants_role_and_welcomes(h: Harness) -> None:
    h.adapter.set_roles("zoe", Role.EVERYONE)
    await h.adapter.member_joins("zoe")
    await h.deliver()
    reply = h.adapter.dms("zoe")[0].reply
    reply = await h.adapter.click("zoe", _action(reply, "English"))
    assert "Step 2/13: code of conduct" in reply.text  # answered in English from now on
    assert not any("Later" in a.label for a in reply.actions)  # cannot be skipped
    reply = await h.adapter.click("zoe", _action(reply, "I accept"))
    reply = await h.adapter.click("zoe", _action(reply, "Change"), value="Zoé Martin")
    reply = await h.adapter.click("zoe", reply.actions[0], value="Théâtre du Rond-Point")
    reply = await h.adapter.click("zoe", _action(reply, "Médiation"))
    reply = await h.adapter.click("zoe", _action(reply, "Île-de-France"))
    reply = await h.adapter.click(
        "zoe", reply.actions[0], value="Jeune public, MÉDIATION, médiation"
    )
    assert "What are you looking for?" in reply.text
    reply = await h.adapter.click("zoe", reply.actions[0], value="Mécénat, diffusion")
    reply = await h.adapter.click("zoe", reply.actions[0], value="Prêt de matériel")
    reply = await h.adapter.click("zoe", _action(reply, "America/Montreal"))
    assert Role.MEMBER not in h.adapter.roles["zoe"]
    reply = await h.adapter.click("zoe", _action(reply, "24h,15m"))
    reply = await h.adapter.click("zoe", _action(reply, "Yes, visible"))
    reply = await h.adapter.click("zoe", _action(reply, "Yes"))
    assert "onboarding is complete" in reply.text
    assert Role.MEMBER in h.adapter.roles["zoe"]
    await h.deliver()
    [post] = [s for s in h.adapter.in_room() if s.room and s.room.id == "welcome"]
    assert "@zoe" in post.text and "Théâtre du Rond-Point" in post.text
    profile = await h.invoke("zoe", "me profile")
    text = profile.plain_text()
    assert "Zoé Martin" in text and "Jeune public, MÉDIATION" in text
    assert "America/Montreal" in text and "1d,15m" in text
    assert "Mécénat, diffusion" in text and "Prêt de matériel" in text
    # No nudge after completion.
    h.clock.advance(timedelta(days=8))
    assert (await h.deliver()).sent == 0


async def test_typed_and_clicked_answers_are_the_same(h: Harness) -> None:
    typed = await h.reply("ana", "!onboarding answer organisation La Manufacture")
    named = await h.say("cleo", '!onboarding answer step:organisation value:"La Manufacture"')
    clicked = await h.invoke(
        "bob", "onboarding answer", step="organisation", value="La Manufacture"
    )
    assert named is not None
    assert typed.text == clicked.text == named.text
    assert "C'est noté (structure)" in typed.text


async def test_nudges_after_2_and_7_days_stop_when_leaving(h: Harness) -> None:
    await h.adapter.member_joins("zoe")
    await h.adapter.member_joins("yann")
    await h.deliver()
    h.clock.advance(timedelta(days=2, minutes=1))
    await h.deliver()
    assert "Petit rappel" in h.adapter.dms("zoe")[-1].text
    assert len(h.adapter.dms("yann")) == 2
    await h.adapter.member_leaves("yann")
    h.clock.advance(timedelta(days=5))
    await h.deliver()
    assert len(h.adapter.dms("zoe")) == 3
    assert len(h.adapter.dms("yann")) == 2


async def test_finishing_cancels_nudges(h: Harness) -> None:
    await h.adapter.member_joins("zoe")
    await h.deliver()
    zoe = await member_id(h, "zoe")
    await h.invoke("zoe", "onboarding accept")
    for _ in range(12):
        reply = await h.invoke("zoe", "onboarding skip")
        if "terminé" in reply.text:
            break
    async with h.db.session() as s:
        flow = await s.get(OnboardingFlow, zoe)
        pending = list(
            await s.exec(select(OutboxMessage).where(OutboxMessage.status == "pending"))
        )
    assert flow is not None and flow.completed_at is not None
    assert pending == []
    h.clock.advance(timedelta(days=8))
    assert (await h.deliver()).sent == 0


async def test_code_of_conduct_cannot_be_skipped(h: Harness) -> None:
    reply = await h.invoke("zoe", "onboarding skip", step="coc")
    assert reply.tone == "error" and "ne peut pas être passé" in reply.text
    for step in (
        "language",
        "name",
        "organisation",
        "metier",
        "region",
        "interests",
        "needs",
        "offers",
        "timezone",
        "notifications",
        "directory",
        "welcome",
    ):
        reply = await h.invoke("zoe", "onboarding skip", step=step)
        assert reply.tone != "error"
    # Every other step skipped: the flow waits on the code of conduct.
    assert "code de conduite" in reply.text
    zoe = await member_id(h, "zoe")
    async with h.db.session() as s:
        flow = await s.get(OnboardingFlow, zoe)
    assert flow is not None and flow.completed_at is None and flow.step == "coc"
    reply = await h.invoke("zoe", "onboarding accept")
    assert "terminé" in reply.text and "Étapes passées" in reply.text


async def test_skipped_steps_can_be_done_later(h: Harness) -> None:
    await h.invoke("zoe", "onboarding accept")
    for _ in range(12):
        await h.invoke("zoe", "onboarding skip")
    reply = await h.invoke("zoe", "onboarding start")
    assert "langue" in reply.text  # the first skipped step
    await h.invoke("zoe", "me edit", field="region", value="bretagne")
    zoe = await member_id(h, "zoe")
    async with h.db.session() as s:
        profile = await s.get(OnboardingProfile, zoe)
        flow = await s.get(OnboardingFlow, zoe)
    assert profile is not None and profile.region == "Bretagne"
    assert flow is not None and "region" in flow.done and "region" not in flow.skipped


async def test_notifications_step_emits_the_preference(h: Harness) -> None:
    seen: list[ReminderPreferenceChanged] = []

    async def record(event: ReminderPreferenceChanged) -> None:
        seen.append(event)

    h.core.events.subscribe(ReminderPreferenceChanged, record)
    zoe = await member_id(h, "zoe")
    await h.invoke("zoe", "onboarding answer", step="notifications", value="1h, 24h")
    await h.invoke("zoe", "me edit", field="notifications", value="off")
    assert seen == [
        ReminderPreferenceChanged(zoe, (86400, 3600)),
        ReminderPreferenceChanged(zoe, None),
    ]


async def test_refused_dms_are_recorded_and_fall_back_to_a_room(h: Harness) -> None:
    h.adapter.refuse_dms.add("zoe")
    await h.adapter.member_joins("zoe")
    await h.deliver()
    await h.deliver()
    async with h.db.session() as s:
        row = (
            await s.exec(select(OutboxMessage).where(OutboxMessage.key.endswith(":dm")))  # type: ignore[union-attr]
        ).one()
    assert row.status == "failed" and row.failure_reason == "dm_refused"
    [notice] = [s for s in h.adapter.in_room() if s.room and s.room.id == "general"]
    assert "@zoe" in notice.text and "!onboarding start" in notice.text


async def test_looking_or_editing_opens_no_flow(h: Harness) -> None:
    """Members who were there before the bot are not counted as stuck newcomers."""
    h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    profile = await h.invoke("old", "me profile")
    assert "pas terminé" in profile.text
    reply = await h.invoke("old", "me edit", field="region", value="Corse")
    assert reply.tone == "success"
    pending = await h.invoke("mod", "onboarding pending")
    assert "old" not in pending.text
    status = await h.invoke("mod", "onboarding status")
    assert "Arrivés : 0" in status.fields[1].value


async def test_without_welcome_room_or_nudges(db_url: str) -> None:
    from tests.cogs.onboarding.conftest import onboarding_harness

    h = await onboarding_harness(db_url, welcome_room="", nudges=[], required=False)
    try:
        await h.adapter.member_joins("zoe")
        await h.deliver()
        [dm] = h.adapter.dms("zoe")
        assert "Étape 1/12" in dm.text  # the welcome question is not asked
        reply = await h.invoke("zoe", "onboarding answer", step="welcome", value="oui")
        assert reply.tone == "error" and "n'existe pas ici" in reply.text
        for _ in range(12):  # not required: even the code of conduct can be skipped
            reply = await h.invoke("zoe", "onboarding skip")
        assert "terminé" in reply.text
        h.clock.advance(timedelta(days=8))
        assert (await h.deliver()).sent == 0
        assert h.adapter.in_room() == []
    finally:
        await h.core.stop()
        await h.db.dispose()
