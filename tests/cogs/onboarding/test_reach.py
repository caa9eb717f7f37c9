"""Needs and offers on profiles, the onboarding steps that ask them, and ``members match``."""

from __future__ import annotations

from datetime import timedelta

from cogs.onboarding.models import OnboardingReachTag
from tests.cogs.onboarding.conftest import member_id
from tests.harness import Harness


async def _fill(h: Harness, name: str, visible: bool = True, **fields: str) -> None:
    for field, value in fields.items():
        reply = await h.invoke(name, "me edit", field=field, value=value)
        assert reply.tone == "success", reply.text
    await h.invoke(name, "me edit", field="directory", value="visible" if visible else "hidden")


async def test_needs_and_offers_are_folded_tags_shown_in_profile_and_directory(
    h: Harness,
) -> None:
    reply = await h.reply("zoe", '!me edit field:needs value:"Financement, mécénat, MECENAT"')
    assert reply.tone == "success" and "Financement, mécénat" in reply.text
    assert "MECENAT" not in reply.text  # one tag, the first spelling kept
    await h.invoke("zoe", "me edit", field="offers", value="Prêt de matériel; diffusion")
    text = (await h.invoke("zoe", "me profile")).plain_text()
    assert "Financement, mécénat" in text and "Prêt de matériel, diffusion" in text
    await h.invoke("zoe", "me edit", field="directory", value="visible")
    found = await h.invoke("ana", "members find", query="mecenat")
    assert "zoe" in found.text and "cherche : Financement, mécénat" in found.text
    assert "propose : Prêt de matériel, diffusion" in found.text
    card = (await h.reply("ana", "!members show zoe")).plain_text()
    assert "Financement, mécénat" in card and "Prêt de matériel" in card
    # "aucun" clears a list.
    await h.invoke("zoe", "me edit", field="needs", value="aucun")
    text = (await h.invoke("zoe", "me profile")).plain_text()
    assert "Financement" not in text and "Prêt de matériel" in text


async def test_needs_and_offers_limits_say_what_to_do_and_keep_the_old_list(h: Harness) -> None:
    await h.invoke("zoe", "me edit", field="needs", value="diffusion")
    many = ", ".join(f"besoin {i}" for i in range(9))
    reply = await h.invoke("zoe", "me edit", field="needs", value=many)
    assert reply.tone == "error" and "Trop de besoins : 9 (au plus 8)" in reply.text
    reply = await h.invoke("zoe", "me edit", field="offers", value=many)
    assert reply.tone == "error" and "Trop de propositions" in reply.text
    reply = await h.invoke("zoe", "me edit", field="needs", value="x" * 41)
    assert reply.tone == "error" and "trop long" in reply.text
    await h.invoke("zoe", "me language", lang="en")
    reply = await h.invoke("zoe", "me edit", field="needs", value=many)
    assert "Too many needs: 9 (at most 8)" in reply.text
    zoe = await member_id(h, "zoe")
    async with h.db.session() as s:
        rows = list(await s.exec(OnboardingReachTag.__table__.select()))  # type: ignore[attr-defined]
    assert [(r.member_id, r.kind, r.label) for r in rows] == [(zoe, "need", "diffusion")]


async def test_onboarding_asks_needs_and_offers_and_they_can_be_skipped(h: Harness) -> None:
    await h.invoke("zoe", "onboarding accept")
    for step in ("language", "name", "organisation", "metier", "region", "interests"):
        reply = await h.invoke("zoe", "onboarding skip", step=step)
    assert "je cherche" in reply.text and "Que cherchez-vous" in reply.text
    assert any(a.label == "Plus tard" for a in reply.actions)
    reply = await h.invoke("zoe", "onboarding skip")
    assert "je peux apporter" in reply.text
    reply = await h.adapter.click("zoe", reply.actions[0], value="mécénat")
    assert "C'est noté (je peux apporter)" in reply.text and "fuseau horaire" in reply.text
    profile = (await h.invoke("zoe", "me profile")).plain_text()
    assert "mécénat" in profile


async def test_steps_can_be_left_out_by_config(db_url: str) -> None:
    from tests.cogs.onboarding.conftest import onboarding_harness

    async with await onboarding_harness(db_url, ask_needs_offers=False) as h:
        await h.adapter.member_joins("zoe")
        await h.deliver()
        assert "Étape 1/11" in h.adapter.dms("zoe")[0].text
        # …and the fields stay editable.
        reply = await h.invoke("zoe", "me edit", field="needs", value="diffusion")
        assert reply.tone == "success"


async def test_match_ranks_complementary_members_first_with_reasons(h: Harness) -> None:
    await _fill(
        h,
        "zoe",
        region="Bretagne",
        interests="médiation, numérique",
        needs="mécénat, diffusion",
        offers="résidence",
    )
    # Offers two of my needs: 3 + 3.
    await _fill(h, "ana", offers="Mécénat, diffusion", region="Occitanie")
    # Offers one need (3) and needs my offer (2).
    await _fill(h, "bob", offers="diffusion", needs="Résidence")
    # Same region and an interest: 1 + 1.
    await _fill(h, "cleo", region="bretagne", interests="Médiation")
    # Same region but no shared interest: not a match.
    await _fill(h, "dan", region="Bretagne", interests="cirque")
    # Would be the best match, but hidden from the directory.
    await _fill(h, "eve", visible=False, offers="mécénat, diffusion, résidence")
    # Needs my offer only (2).
    await _fill(h, "fay", needs="résidence")
    reply = await h.invoke("zoe", "members match")
    text = reply.text
    order = [n for n in ("ana", "bob", "fay", "cleo") if f"**{n}**" in text]
    assert order == ["ana", "bob", "fay", "cleo"]
    assert text.index("**ana**") < text.index("**bob**") < text.index("**fay**")
    assert text.index("**fay**") < text.index("**cleo**")
    assert "propose : Mécénat, diffusion" in text
    assert "propose : diffusion · cherche : Résidence" in text
    assert "même région : Bretagne · intérêts communs : médiation" in text
    assert "dan" not in text and "eve" not in text and "**zoe**" not in text
    assert [a.arg_dict for a in reply.actions][:2] == [{"name": "ana"}, {"name": "bob"}]
    # Deterministic: the same answer twice; the reverse view works too.
    assert (await h.invoke("zoe", "members match")).text == text
    assert "cherche : mécénat, diffusion" in (await h.invoke("ana", "members match")).text


async def test_match_shows_five_at_most_and_ties_go_to_the_freshest(h: Harness) -> None:
    await _fill(h, "zoe", needs="diffusion")
    for i in range(7):
        await _fill(h, f"m{i}", offers="diffusion")
        h.clock.advance(timedelta(minutes=1))
    text = (await h.invoke("zoe", "members match")).text
    shown = [f"m{i}" for i in range(7) if f"**m{i}**" in text]
    assert shown == ["m2", "m3", "m4", "m5", "m6"]
    assert text.index("**m6**") < text.index("**m2**")


async def test_match_outside_the_directory_and_without_material(h: Harness) -> None:
    reply = await h.invoke("zoe", "members match")
    assert "dites ce que vous cherchez" in reply.text
    assert {a.arg_dict.get("field") for a in reply.actions} >= {"needs", "offers"}
    await _fill(h, "ana", offers="diffusion")
    await _fill(h, "zoe", visible=False, needs="diffusion", offers="mécénat")
    await _fill(h, "bob", needs="mécénat")
    reply = await h.invoke("zoe", "members match")
    assert "**ana**" in reply.text and "Vous n'êtes pas dans l'annuaire" in reply.text
    assert "me edit field:directory value:visible" in reply.text
    # A hidden member is suggested to nobody.
    assert "zoe" not in (await h.invoke("bob", "members match")).text
    assert "zoe" not in (await h.invoke("ana", "members match")).text
    reply = await h.invoke("bob", "members match")
    assert "Personne dans l'annuaire ne correspond" in reply.text
