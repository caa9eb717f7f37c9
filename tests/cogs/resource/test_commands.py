"""The resource commands end to end (sharing, finding, editing), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from cogs.resource.models import Resource
from cogs.resource.preview import Preview
from tests.cogs.resource.conftest import HarnessFactory, StubFetcher, reply_text


async def test_add_reads_the_page_when_title_is_missing(make: HarnessFactory) -> None:
    page = Preview("Guide de la médiation", "Accueillir tous les publics.", "")
    fetcher = StubFetcher({"https://revue.example/guide": page})
    h = await make(fetcher)
    text = await reply_text(
        h, "alice", '!resource add https://revue.example/guide tags:"Médiation"'
    )
    assert "Ressource 1 ajoutée" in text
    assert "Guide de la médiation" in text and "Accueillir tous les publics." in text
    # Title and summary given: no fetch at all.
    await h.say("alice", '!resource add https://revue.example/b title:"B" summary:"Résumé"')
    assert fetcher.calls == ["https://revue.example/guide"]


async def test_failed_preview_never_blocks_sharing(make: HarnessFactory) -> None:
    h = await make()
    reply = await h.say("alice", "!resource add https://nulle.part.example/article")
    assert reply is not None
    assert "Ressource 1 ajoutée" in reply.text
    assert "Je n'ai pas pu lire la page (le nom « nulle.part » est introuvable)" in reply.text
    assert reply.title == "1. https://nulle.part.example/article"
    async with h.db.session() as s:
        row = (await s.exec(select(Resource))).one()
    assert row.title == "https://nulle.part.example/article"


async def test_preview_from_a_local_server_when_private_addresses_are_allowed(
    make: HarnessFactory, site: Any
) -> None:
    h = await make(False, allow_private_addresses=True)
    text = await reply_text(h, "alice", f"!resource add {site.url('/page')}")
    assert "Guide de la médiation numérique" in text
    assert "Comment accueillir les publics éloignés." in text


async def test_private_address_refused_by_default_before_any_connection(
    make: HarnessFactory, site: Any
) -> None:
    h = await make(False)
    text = await reply_text(h, "alice", f"!resource add {site.url('/page')}")
    assert "adresse privée ou locale" in text
    assert site.hits == []
    async with h.db.session() as s:
        assert (await s.exec(select(Resource))).all() == []


async def test_known_url_says_who_and_when_and_merges_tags(make: HarnessFactory) -> None:
    h = await make()
    await h.say(
        "alice", '!resource add https://revue.example/guide title:"Guide" tags:"médiation"'
    )
    h.clock.advance(timedelta(days=2))
    text = await reply_text(
        h,
        "bob",
        '!resource add "HTTPS://Revue.Example/guide/?utm_source=lettre#haut" '
        'tags:"Mediation, Numérique"',
    )
    assert "déjà dans la bibliothèque : partagé par alice le lundi 4 janvier 2027" in text
    assert "J'ai ajouté vos tags : Numérique." in text
    async with h.db.session() as s:
        assert len((await s.exec(select(Resource))).all()) == 1
    show = await reply_text(h, "bob", "!resource show 1")
    assert "Tags : médiation, Numérique" in show


async def test_tags_are_shown_in_their_most_used_spelling(make: HarnessFactory) -> None:
    h = await make(synonyms={"EAC": "éducation artistique et culturelle"})
    for i, spelling in enumerate(["Médiation", "médiation", "Médiation", "Mediation"]):
        await h.say("alice", f'!resource add https://r.example/{i} title:"R{i}" tags:"{spelling}"')
    await h.say("alice", '!resource add https://r.example/eac title:"E" tags:"EAC"')
    text = await reply_text(h, "bob", "!resource tags")
    assert "- Médiation (4)" in text
    assert "- éducation artistique et culturelle (1)" in text
    assert "Mediation (" not in text and "médiation (" not in text


@pytest.mark.parametrize("candidates", [0, 1000])
async def test_find_is_french_aware_and_ranked(make: HarnessFactory, candidates: int) -> None:
    h = await make(rank_candidates=candidates)
    await h.say(
        "alice",
        '!resource add https://r.example/1 title:"Les médiations culturelles" summary:"Un guide"',
    )
    await h.say(
        "alice",
        '!resource add https://r.example/2 title:"Budget participatif" '
        'summary:"On y parle un peu de médiation"',
    )
    await h.say("alice", '!resource add https://r.example/3 title:"Radio associative" summary:"x"')
    text = await reply_text(h, "bob", "!resource find mediation")
    assert "Les médiations culturelles" in text and "Budget participatif" in text
    assert text.index("Les médiations culturelles") < text.index("Budget participatif")
    assert "Radio associative" not in text
    text = await reply_text(h, "bob", "!resource find MÉDIATIONS culturelle")
    assert "Les médiations culturelles" in text and "Budget" not in text


async def test_ranking_is_bounded_to_recent_matches_after_filters(
    make: HarnessFactory, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("the bound applies to SQLite's bm25 only")
    h = await make(rank_candidates=2)
    await h.say("alice", '!resource add https://r.example/0 title:"Danse danse danse" summary:s')
    for i in range(1, 4):
        await h.say("alice", f'!resource add https://r.example/{i} title:"Danse {i}" summary:s')
    text = await reply_text(h, "bob", "!resource find danse")
    # Only the 2 most recent matches are ranked: the old, better match is left out...
    assert "Danse 3" in text and "Danse 2" in text and "Danse danse" not in text
    await h.say("alice", "!resource edit 1 tags:ancien")
    # ...but filters apply before the bound: an old match with the tag is still found.
    text = await reply_text(h, "bob", "!resource find danse tags:ancien")
    assert "Danse danse danse" in text


async def test_find_combines_words_tags_author_and_collection(make: HarnessFactory) -> None:
    h = await make()
    await h.say(
        "alice", '!resource add https://r.example/1 title:"Médiation A" tags:"numérique" summary:s'
    )
    await h.say(
        "bob",
        '!resource add https://r.example/2 title:"Médiation B" tags:"Numerique, radio" '
        'summary:s collection:"Café de mars"',
    )
    await h.say("bob", '!resource add https://r.example/3 title:"Médiation C" summary:s')
    text = await reply_text(h, "carol", '!resource find médiation tags:"NUMÉRIQUE"')
    assert "Médiation A" in text and "Médiation B" in text and "Médiation C" not in text
    text = await reply_text(h, "carol", '!resource find tags:"numérique, radio"')
    assert "Médiation B" in text and "Médiation A" not in text
    text = await reply_text(h, "carol", "!resource find médiation author:bob")
    assert "Médiation B" in text and "Médiation C" in text and "Médiation A" not in text
    text = await reply_text(h, "carol", '!resource find collection:"café de MARS"')
    assert "Médiation B" in text and "Médiation C" not in text
    text = await reply_text(h, "carol", '!resource collection name:"Café de mars"')
    assert "Médiation B" in text and "Médiation A" not in text
    text = await reply_text(h, "carol", "!resource collection")
    assert "Café de mars — 1 ressource" in text


async def test_find_paginates_with_page_actions(make: HarnessFactory) -> None:
    h = await make(page_size=2)
    for i in range(5):
        await h.say("alice", f'!resource add https://r.example/{i} title:"Théâtre {i}" summary:s')
    first = await h.say("bob", "!resource find théâtre")
    assert first is not None
    assert first.text.count("Théâtre") == 2
    assert [a.label for a in first.actions] == ["Page suivante"]
    second = await h.adapter.click("bob", first.actions[0])
    assert second.text.count("Théâtre") == 2
    assert [a.label for a in second.actions] == ["Page précédente", "Page suivante"]
    third = await h.adapter.click("bob", second.actions[1])
    assert third.text.count("Théâtre") == 1
    assert [a.label for a in third.actions] == ["Page précédente"]
    seen = {line for r in (first, second, third) for line in r.text.splitlines() if "**" in line}
    assert len(seen) == 5


async def test_bad_searches_get_clear_messages(make: HarnessFactory) -> None:
    h = await make()
    assert "Dites-moi quoi chercher" in await reply_text(h, "bob", "!resource find")
    assert "mots trop courants" in await reply_text(h, "bob", "!resource find le la les")
    assert "aucun membre nommé « zoé »" in await reply_text(
        h, "bob", "!resource find x author:zoé"
    )
    assert "Aucune ressource ne correspond" in await reply_text(
        h, "bob", "!resource find inexistant"
    )


async def test_bad_inputs_store_nothing(make: HarnessFactory) -> None:
    h = await make()
    cases = {
        "!resource add ceci-n-est-pas-un-lien": "n'est pas une adresse web",
        "!resource add ftp://r.example/f": "Seuls les liens http:// et https://",
        "!resource add http://192.168.1.1/": "adresse privée ou locale",
        '!resource add https://r.example/x tags:"'
        + ", ".join(f"t{i}" for i in range(11))
        + '"': "Trop de tags : 11 (au plus 10)",
        f'!resource add https://r.example/x tags:"{"y" * 41}"': "trop long : 41 caractères",
        "!resource show 42": "Aucune ressource n'a le numéro 42",
        "!resource show abc": "attend un nombre",
    }
    for line, expected in cases.items():
        assert expected in await reply_text(h, "alice", line), line
    async with h.db.session() as s:
        assert (await s.exec(select(Resource))).all() == []


async def test_edit_and_remove_by_author_or_moderator_only(make: HarnessFactory) -> None:
    h = await make()
    await h.say("alice", '!resource add https://r.example/1 title:"Avant" summary:s tags:"a"')
    refused = await reply_text(h, "bob", '!resource edit 1 title:"Piraté"')
    assert "Seule la personne qui a partagé la ressource 1, ou un modérateur" in refused
    assert "Seule la personne" in await reply_text(h, "bob", "!resource remove 1")
    text = await reply_text(h, "alice", '!resource edit 1 title:"Après" tags:"Danse, Théâtre"')
    assert "Ressource 1 modifiée" in text and "Après" in text and "Tags : Danse, Théâtre" in text
    assert "Après" in await reply_text(h, "bob", "!resource find danse")
    assert "Dites ce qui change" in await reply_text(h, "alice", "!resource edit 1")
    await h.say("bob", '!resource add https://r.example/2 title:"De Bob" summary:s')
    assert "Ressource 2 retirée" in await reply_text(h, "mod", "!resource remove 2")
    assert "Ressource 1 retirée : « Après »" in await reply_text(h, "alice", "!resource remove 1")
    assert "Aucune ressource n'a le numéro 1" in await reply_text(h, "alice", "!resource show 1")


async def test_english_reader(make: HarnessFactory) -> None:
    h = await make()
    await h.say("zoe", "!resource list")
    zoe = (await h.core.members.find_by_name("zoe"))[0].id
    await h.core.members.set_locale(zoe, "en")
    # What the room reads (the new resource's card) speaks the room's language.
    await h.core.members.set_room_locale(h.adapter.room, "en")
    text = await reply_text(h, "zoe", "!resource add ftp://r.example/f")
    assert text == "Only http:// and https:// links can be shared (not “ftp:”)."
    text = await reply_text(h, "zoe", "!resource add https://nowhere.example/a")
    assert "Resource 1 added to the library." in text
    assert "I could not read the page (the name “nulle.part” cannot be found)" in text
    text = await reply_text(h, "zoe", f'!resource add https://r.example/x tags:"{"y" * 41}"')
    assert "is too long: 41 characters (at most 40)" in text


async def test_typed_and_slash_style_give_the_same_reply(make: HarnessFactory) -> None:
    h = await make()
    await h.invoke("alice", "resource add", url="https://r.example/1", title="Lecture", tags="a")
    typed = await h.reply("bob", '!resource find lecture tags:"A"')
    slash = await h.invoke("bob", "resource find", query="lecture", tags="A")
    assert typed.text == slash.text and "Lecture" in slash.text
    help_reply = await h.reply("bob", "!help resource")
    assert "resource find" in help_reply.plain_text()


async def test_numbers_are_bounded(make: HarnessFactory) -> None:
    h = await make()
    await h.say("alice", '!resource add https://r.example/1 title:"Un" summary:s')
    for line in (
        "!resource show 99999999999999999999",
        "!resource show 2147483648",
        "!resource save 99999999999999999999",
        "!resource edit 99999999999999999999 title:x",
        "!resource remove 9223372036854775808",
        "!resource unsave 99999999999999999999",
        "!resource approve 99999999999999999999",
    ):
        text = await reply_text(h, "mod", line)
        assert "doit être comprise entre 1 et 2147483647" in text, line
    for line in ("!resource list page:99999999999999999999", "!resource find x page:0"):
        assert "doit être comprise entre 1 et 1000" in await reply_text(h, "bob", line), line
    assert "Un" in await reply_text(h, "bob", "!resource show 1")


@pytest.mark.parametrize(
    "url",
    [
        "http://0177.0.0.1/admin",
        "http://127.1/",
        "http://0x7f.0.0.1/",
        "http://１２７.０.０.１/",
        "https://membre:secret@r.example/page",
    ],
)
async def test_odd_links_are_refused_and_never_stored(make: HarnessFactory, url: str) -> None:
    h = await make()
    text = await reply_text(h, "alice", f"!resource add {url}")
    assert "inhabituelle" in text or "mot de passe" in text
    async with h.db.session() as s:
        assert (await s.exec(select(Resource))).all() == []
    fetcher = h.core.cogs["resource"].service.fetcher  # type: ignore[attr-defined]
    assert fetcher.calls == []
