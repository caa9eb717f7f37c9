"""My profile, bad input, the directory and moderators' views."""

from __future__ import annotations

from datetime import timedelta

from bot.core.refs import Role
from cogs.onboarding.models import OnboardingFlow, OnboardingProfile
from tests.cogs.onboarding.conftest import invoke, member_id
from tests.harness import Harness


async def _profile(h: Harness, name: str) -> OnboardingProfile | None:
    mid = await member_id(h, name)
    async with h.db.session() as s:
        return await s.get(OnboardingProfile, mid)


async def test_bad_input_gets_clear_messages_and_loses_nothing(h: Harness) -> None:
    await h.invoke("zoe", "me edit", field="organisation", value="La Manufacture")
    await h.invoke("zoe", "me timezone", zone="America/Montreal")
    cases = {
        ("me timezone", ("zone", "Mars/Olympus")): "Fuseau horaire inconnu",
        ("me language", ("lang", "klingon")): "Langue inconnue",
        ("me edit", ("field", "shoe_size")): "L'option field accepte",
        ("onboarding answer", ("step", "nope")): "L'option step accepte",
        ("me link", ("code", "ZZZZZZ")): "Code inconnu",
    }
    for (path, (option, value)), expected in cases.items():
        raw = {option: value}
        if path == "me edit":
            raw["value"] = "x"
        if path == "onboarding answer":
            raw["value"] = "x"
        reply = await h.invoke("zoe", path, **raw)
        assert reply.tone == "error" and expected in reply.text, (path, reply.text)
    long = await h.invoke("zoe", "me edit", field="organisation", value="x" * 201)
    assert long.tone == "error" and "trop longue" in long.text
    bad_region = await h.reply("zoe", "!me edit field:notifications value:demain")
    assert bad_region.tone == "error" and "illisible" in bad_region.text
    no_filter = await h.invoke("zoe", "members find")
    assert (
        no_filter.tone == "error" and "region:" in no_filter.text and "interest:" in no_filter.text
    )
    forget = await h.invoke("zoe", "me forget")
    assert forget.tone == "warning" and "confirm:true" in forget.text
    assert forget.actions[0].arg_dict == {"confirm": True}
    # Nothing stored was lost.
    profile = await _profile(h, "zoe")
    assert profile is not None and profile.organisation == "La Manufacture"
    member = await h.core.members.get(await member_id(h, "zoe"))
    assert member is not None and member.timezone == "America/Montreal"


async def test_errors_are_translated(h: Harness) -> None:
    await h.invoke("zoe", "me language", lang="en")
    reply = await h.invoke("zoe", "me timezone", zone="Nowhere/Land")
    assert "Unknown time zone" in reply.text
    reply = await h.invoke("zoe", "members find")
    assert "Give at least one filter" in reply.text


async def test_closed_lists_refuse_other_values(db_url: str) -> None:
    from tests.cogs.onboarding.conftest import onboarding_harness

    h = await onboarding_harness(db_url, region_free=False, regions=["Bretagne", "Québec"])
    try:
        reply = await h.invoke("zoe", "me edit", field="region", value="Atlantide")
        assert reply.tone == "error" and "Bretagne, Québec" in reply.text
        reply = await h.invoke("zoe", "me edit", field="region", value="quebec")
        assert reply.tone == "success" and "Québec" in reply.text
    finally:
        await h.core.stop()
        await h.db.dispose()


async def _fill(h: Harness, name: str, visible: bool = True, **fields: str) -> None:
    for field, value in fields.items():
        reply = await h.invoke(name, "me edit", field=field, value=value)
        assert reply.tone == "success", reply.text
    await h.invoke(name, "me edit", field="directory", value="visible" if visible else "hidden")


async def test_directory_finds_only_members_who_opted_in(h: Harness) -> None:
    await _fill(
        h,
        "zoe",
        region="Île-de-France",
        metier="Médiation",
        interests="Jeune public, Médiation",
        organisation="Théâtre du Rond-Point",
    )
    await _fill(h, "yann", region="Bretagne", metier="Programmation", interests="mediation")
    await _fill(h, "hidden", visible=False, region="Bretagne", interests="Médiation")
    reply = await h.invoke("ana", "members find", interest="MEDIATION")
    assert "2 membres trouvés" in reply.text
    assert "zoe" in reply.text and "yann" in reply.text and "hidden" not in reply.text
    reply = await h.invoke("ana", "members find", region="ile de france")
    assert "1 membre trouvé" in reply.text and "Théâtre du Rond-Point" in reply.text
    reply = await h.invoke("ana", "members find", region="bretagne", metier="programmation")
    assert "yann" in reply.text and "zoe" not in reply.text
    reply = await h.invoke("ana", "members find", query="rond point")
    assert "zoe" in reply.text and "yann" not in reply.text
    reply = await h.invoke("ana", "members find", region="Corse")
    assert "Personne" in reply.text
    card = await invoke(h, "ana", "members show", name="zoe")
    assert card.title == "zoe" and "Jeune public" in card.plain_text()
    hidden = await invoke(h, "ana", "members show", name="hidden")
    assert "Personne de ce nom" in hidden.text and "Bretagne" not in hidden.plain_text()


async def test_directory_is_for_members(h: Harness) -> None:
    h.adapter.set_roles("newbie", Role.EVERYONE)
    reply = await h.invoke("newbie", "members find", region="Bretagne")
    assert reply.tone == "error" and "réservée aux membres" in reply.text
    # …and says how to become one: a newcomer can do their onboarding, typed or by button.
    assert "terminez votre accueil : tapez `!onboarding start`" in reply.text
    [finish] = reply.actions
    assert finish.command == "onboarding start" and finish.label == "Terminer mon accueil"
    assert (await h.adapter.click("newbie", finish)).tone != "error"
    await h.invoke("newbie", "language", lang="en")
    english = await h.invoke("newbie", "members find", region="Bretagne")
    assert "To become one, finish your welcome: type `!onboarding start`." in english.text


async def test_without_onboarding_a_refusal_points_to_the_moderators(db_url: str) -> None:
    from tests.harness import make_harness

    bare = await make_harness(db_url, cogs=["poll"])
    try:
        bare.adapter.set_roles("newbie", Role.EVERYONE)
        reply = await bare.reply("newbie", '!poll create "Q ?" choices:"A | B"')
        assert "réservée aux membres" in reply.text  # poll create is for members
        assert "Un modérateur peut vous y accueillir." in reply.text and not reply.actions
    finally:
        await bare.close()


async def test_moderators_see_the_funnel_and_who_is_stuck(h: Harness) -> None:
    h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
    h.clock.advance(timedelta(days=-20))
    await h.adapter.member_joins("old")
    h.clock.advance(timedelta(days=20))
    for name in ("zoe", "yann", "ana"):
        await h.adapter.member_joins(name)
    await h.invoke("zoe", "onboarding accept")
    await h.invoke("yann", "onboarding answer", step="language", value="fr")
    await h.invoke("ana", "onboarding accept")
    await h.invoke("ana", "me edit", field="organisation", value="Secret Org")
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
        await h.invoke("ana", "onboarding skip", step=step)
    status = await h.invoke("mod", "onboarding status")
    week, total = status.fields[0].value, status.fields[1].value
    assert "Arrivés : 3" in week and "Terminé : 1 (33 %)" in week
    assert "Arrivés : 4" in total and "Code accepté : 2 (50 %)" in total
    assert "Commencé : 3 (75 %)" in total
    pending = await h.invoke("mod", "onboarding pending")
    assert "3 accueils en cours" in pending.text
    assert "**zoe** : étape langue" in pending.text
    assert "**yann** : étape code de conduite" in pending.text
    assert "ana" not in pending.text and "Secret Org" not in pending.text
    denied = await h.invoke("zoe", "onboarding pending")
    assert denied.tone == "error"
    await h.deliver()
    before = len(h.adapter.dms("yann"))
    reply = await invoke(h, "mod", "onboarding resend", name="yann")
    assert reply.tone == "success"
    await h.deliver()
    assert len(h.adapter.dms("yann")) == before + 1
    assert "Reprenons" in h.adapter.dms("yann")[-1].text
    await h.adapter.member_leaves("zoe")
    gone = await invoke(h, "mod", "onboarding resend", name="zoe")
    assert gone.tone == "error" and "a quitté" in gone.text
    pending = await h.invoke("mod", "onboarding pending")
    assert "2 accueils en cours" in pending.text and "zoe" not in pending.text
    unknown = await invoke(h, "mod", "onboarding resend", name="nobody")
    assert unknown.tone == "error" and "nobody" in unknown.text


async def test_language_and_timezone_built_ins_answer_those_steps(h: Harness) -> None:
    """The core owns language and time zone; onboarding counts them as answered steps (as
    ``me language`` / ``me timezone`` did when they were the cog's), and never opens a flow."""
    await h.invoke("yann", "me timezone", zone="Europe/Paris")
    assert await h.invoke("yann", "me profile")  # looking opens nothing either
    async with h.db.session() as s:
        assert await s.get(OnboardingFlow, await member_id(h, "yann")) is None
    await h.adapter.member_joins("zoe")
    zoe = await member_id(h, "zoe")
    await h.invoke("zoe", "me language", lang="en")
    await h.invoke("zoe", "timezone", zone="America/Montreal")
    async with h.db.session() as s:
        flow = await s.get(OnboardingFlow, zoe)
    assert flow is not None and flow.done.split(",") == ["language", "timezone"]
    assert flow.step == "coc" and flow.started_at is not None
