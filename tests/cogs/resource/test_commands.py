"""The resource commands end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.config import load_settings
from bot.core import Role
from bot.core.privacy import PrivacyHooks
from cogs.resource.models import Resource, ResourceBookmark
from cogs.resource.preview import Preview, PreviewError
from tests.harness import Harness, make_harness


class StubFetcher:
    """Answers previews from a dict; anything else fails like an unreachable page."""

    def __init__(self, pages: dict[str, Preview] | None = None) -> None:
        self.pages = pages or {}
        self.calls: list[str] = []

    async def fetch(self, url: str) -> Preview:
        self.calls.append(url)
        if url in self.pages:
            return self.pages[url]
        raise PreviewError("le nom « {host} » est introuvable", host="nulle.part")


HarnessFactory = Callable[..., Any]


@pytest.fixture
async def make(db_url: str) -> AsyncIterator[HarnessFactory]:
    made: list[Harness] = []

    async def factory(fetcher: Any = None, **section: Any) -> Harness:
        settings = load_settings(None, cogs={"resource": section})
        h = await make_harness(db_url, cogs=["resource"], settings=settings)
        if fetcher is not False:
            h.core.cogs["resource"].service.fetcher = fetcher or StubFetcher()  # type: ignore[attr-defined]
        h.adapter.set_roles("mod", Role.MEMBER, Role.MODERATOR)
        made.append(h)
        return h

    yield factory
    for h in made:
        await h.core.stop()
        await h.db.dispose()


async def _text(h: Harness, who: str, line: str) -> str:
    reply = await h.say(who, line)
    assert reply is not None
    return reply.plain_text()


async def test_add_reads_the_page_when_title_is_missing(make: HarnessFactory) -> None:
    page = Preview("Guide de la médiation", "Accueillir tous les publics.", "")
    fetcher = StubFetcher({"https://revue.example/guide": page})
    h = await make(fetcher)
    text = await _text(h, "alice", '!resource add https://revue.example/guide tags:"Médiation"')
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
    text = await _text(h, "alice", f"!resource add {site.url('/page')}")
    assert "Guide de la médiation numérique" in text
    assert "Comment accueillir les publics éloignés." in text


async def test_private_address_refused_by_default_before_any_connection(
    make: HarnessFactory, site: Any
) -> None:
    h = await make(False)
    text = await _text(h, "alice", f"!resource add {site.url('/page')}")
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
    text = await _text(
        h,
        "bob",
        '!resource add "HTTPS://Revue.Example/guide/?utm_source=lettre#haut" '
        'tags:"Mediation, Numérique"',
    )
    assert "déjà dans la bibliothèque : partagé par alice le lundi 4 janvier 2027" in text
    assert "J'ai ajouté vos tags : Numérique." in text
    async with h.db.session() as s:
        assert len((await s.exec(select(Resource))).all()) == 1
    show = await _text(h, "bob", "!resource show 1")
    assert "Tags : médiation, Numérique" in show


async def test_tags_are_shown_in_their_most_used_spelling(make: HarnessFactory) -> None:
    h = await make(synonyms={"EAC": "éducation artistique et culturelle"})
    for i, spelling in enumerate(["Médiation", "médiation", "Médiation", "Mediation"]):
        await h.say("alice", f'!resource add https://r.example/{i} title:"R{i}" tags:"{spelling}"')
    await h.say("alice", '!resource add https://r.example/eac title:"E" tags:"EAC"')
    text = await _text(h, "bob", "!resource tags")
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
    text = await _text(h, "bob", "!resource find mediation")
    assert "Les médiations culturelles" in text and "Budget participatif" in text
    assert text.index("Les médiations culturelles") < text.index("Budget participatif")
    assert "Radio associative" not in text
    text = await _text(h, "bob", "!resource find MÉDIATIONS culturelle")
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
    text = await _text(h, "bob", "!resource find danse")
    # Only the 2 most recent matches are ranked: the old, better match is left out...
    assert "Danse 3" in text and "Danse 2" in text and "Danse danse" not in text
    await h.say("alice", "!resource edit 1 tags:ancien")
    # ...but filters apply before the bound: an old match with the tag is still found.
    text = await _text(h, "bob", "!resource find danse tags:ancien")
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
    text = await _text(h, "carol", '!resource find médiation tags:"NUMÉRIQUE"')
    assert "Médiation A" in text and "Médiation B" in text and "Médiation C" not in text
    text = await _text(h, "carol", '!resource find tags:"numérique, radio"')
    assert "Médiation B" in text and "Médiation A" not in text
    text = await _text(h, "carol", "!resource find médiation author:bob")
    assert "Médiation B" in text and "Médiation C" in text and "Médiation A" not in text
    text = await _text(h, "carol", '!resource find collection:"café de MARS"')
    assert "Médiation B" in text and "Médiation C" not in text
    text = await _text(h, "carol", '!resource collection name:"Café de mars"')
    assert "Médiation B" in text and "Médiation A" not in text
    text = await _text(h, "carol", "!resource collection")
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
    assert "Dites-moi quoi chercher" in await _text(h, "bob", "!resource find")
    assert "mots trop courants" in await _text(h, "bob", "!resource find le la les")
    assert "aucun membre nommé « zoé »" in await _text(h, "bob", "!resource find x author:zoé")
    assert "Aucune ressource ne correspond" in await _text(h, "bob", "!resource find inexistant")


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
        assert expected in await _text(h, "alice", line), line
    async with h.db.session() as s:
        assert (await s.exec(select(Resource))).all() == []


async def test_edit_and_remove_by_author_or_moderator_only(make: HarnessFactory) -> None:
    h = await make()
    await h.say("alice", '!resource add https://r.example/1 title:"Avant" summary:s tags:"a"')
    refused = await _text(h, "bob", '!resource edit 1 title:"Piraté"')
    assert "Seule la personne qui a partagé la ressource 1, ou un modérateur" in refused
    assert "Seule la personne" in await _text(h, "bob", "!resource remove 1")
    text = await _text(h, "alice", '!resource edit 1 title:"Après" tags:"Danse, Théâtre"')
    assert "Ressource 1 modifiée" in text and "Après" in text and "Tags : Danse, Théâtre" in text
    assert "Après" in await _text(h, "bob", "!resource find danse")
    assert "Dites ce qui change" in await _text(h, "alice", "!resource edit 1")
    await h.say("bob", '!resource add https://r.example/2 title:"De Bob" summary:s')
    assert "Ressource 2 retirée" in await _text(h, "mod", "!resource remove 2")
    assert "Ressource 1 retirée : « Après »" in await _text(h, "alice", "!resource remove 1")
    assert "Aucune ressource n'a le numéro 1" in await _text(h, "alice", "!resource show 1")


async def test_bookmarks(make: HarnessFactory) -> None:
    h = await make()
    await h.say("alice", '!resource add https://r.example/1 title:"Utile" summary:s')
    assert "Vous n'avez rien mis de côté" in await _text(h, "bob", "!resource saved")
    reply = await h.say("bob", "!resource show 1")
    assert reply is not None and reply.actions[0].command == "resource save"
    saved = await h.adapter.click("bob", reply.actions[0])
    assert saved.private and "mises de côté" in saved.text
    await h.say("bob", "!resource save 1")  # twice is harmless
    listing = await h.say("bob", "!resource saved")
    assert listing is not None and listing.private and "Utile" in listing.text
    assert "Vous n'avez rien mis de côté" in await _text(h, "alice", "!resource saved")
    assert "retirée de vos ressources mises de côté" in await _text(h, "bob", "!resource unsave 1")
    assert "n'était pas mise de côté" in await _text(h, "bob", "!resource unsave 1")
    assert "Vous n'avez rien mis de côté" in await _text(h, "bob", "!resource saved")


async def test_queue_moderation_and_approval_dm(make: HarnessFactory) -> None:
    h = await make(moderation="queue")
    text = await _text(
        h, "alice", '!resource add https://r.example/1 title:"En attente" summary:s'
    )
    assert "attend la validation d'un modérateur" in text
    assert "Aucune ressource ne correspond" in await _text(h, "bob", "!resource find attente")
    assert "Aucune ressource n'a le numéro 1" in await _text(h, "bob", "!resource show 1")
    assert "en attente de validation" in await _text(h, "alice", "!resource show 1")
    assert "réservée aux modérateurs" in await _text(h, "alice", "!resource approve 1")
    assert "En attente" in await _text(h, "mod", "!resource pending")
    assert "Ressource 1 publiée" in await _text(h, "mod", "!resource approve 1")
    assert "déjà publiée" in await _text(h, "mod", "!resource approve 1")
    await h.deliver()
    dms = h.adapter.dms("alice")
    assert len(dms) == 1 and "« En attente » est publiée" in dms[0].text
    assert "En attente" in await _text(h, "bob", "!resource find attente")
    # A moderator's own share is published at once.
    text = await _text(h, "mod", '!resource add https://r.example/2 title:"Direct" summary:s')
    assert "Ressource 2 ajoutée" in text


async def test_english_reader(make: HarnessFactory) -> None:
    h = await make()
    await h.say("zoe", "!resource list")
    zoe = (await h.core.members.find_by_name("zoe"))[0].id
    await h.core.members.set_locale(zoe, "en")
    text = await _text(h, "zoe", "!resource add ftp://r.example/f")
    assert text == "Only http:// and https:// links can be shared (not “ftp:”)."
    text = await _text(h, "zoe", "!resource add https://nowhere.example/a")
    assert "Resource 1 added to the library." in text
    assert "I could not read the page (the name “nulle.part” cannot be found)" in text
    text = await _text(h, "zoe", f'!resource add https://r.example/x tags:"{"y" * 41}"')
    assert "is too long: 41 characters (at most 40)" in text


async def test_privacy_hooks(make: HarnessFactory) -> None:
    h = await make()
    await h.say("alice", '!resource add https://r.example/1 title:"Partagé" summary:s')
    await h.say("bob", '!resource add https://r.example/2 title:"De Bob" summary:s')
    await h.say("alice", "!resource save 2")
    privacy = h.core.cogs["resource"].privacy
    assert isinstance(privacy, PrivacyHooks)
    alice = (await h.core.members.find_by_name("alice"))[0].id
    bob = (await h.core.members.find_by_name("bob"))[0].id
    exported = await privacy.export(alice)
    assert exported is not None
    assert [r["title"] for r in exported["shared"]] == ["Partagé"]
    assert [s["id"] for s in exported["saved"]] == [2]
    assert await privacy.merge(bob, alice) == []
    async with h.db.session() as s:
        authors = {r.title: r.author_id for r in (await s.exec(select(Resource))).all()}
        marks = (await s.exec(select(ResourceBookmark))).all()
    assert authors == {"Partagé": bob, "De Bob": bob}
    assert [(m.member_id, m.resource_id) for m in marks] == [(bob, 2)]
    await privacy.forget(bob)
    assert "un ancien membre" in await _text(h, "carol", "!resource show 1")
    async with h.db.session() as s:
        assert (await s.exec(select(ResourceBookmark))).all() == []


async def test_forget_can_delete_shared_resources(make: HarnessFactory) -> None:
    h = await make(keep_shared_on_forget=False)
    await h.say("alice", '!resource add https://r.example/1 title:"Partagé" summary:s')
    alice = (await h.core.members.find_by_name("alice"))[0].id
    privacy = h.core.cogs["resource"].privacy
    assert privacy is not None
    await privacy.forget(alice)
    async with h.db.session() as s:
        assert (await s.exec(select(Resource))).all() == []


async def test_typed_and_slash_style_give_the_same_reply(make: HarnessFactory) -> None:
    h = await make()
    await h.invoke("alice", "resource add", url="https://r.example/1", title="Lecture", tags="a")
    typed = await h.say("bob", '!resource find lecture tags:"A"')
    slash = await h.invoke("bob", "resource find", query="lecture", tags="A")
    assert typed is not None and typed.text == slash.text and "Lecture" in slash.text
    help_reply = await h.say("bob", "!help resource")
    assert help_reply is not None and "resource find" in help_reply.plain_text()


async def test_a_pending_resource_stays_private_to_its_author(make: HarnessFactory) -> None:
    h = await make(moderation="queue")
    reply = await h.say(
        "alice",
        '!resource add https://r.example/secret title:"Projet confidentiel" tags:"rh" '
        'summary:"Brouillon"',
    )
    assert reply is not None and "attend la validation" in reply.text
    assert reply.private  # the card of a pending resource is not posted in the room
    assert all("Projet confidentiel" not in s.reply.plain_text() for s in h.adapter.in_room())
    shown = await h.say("alice", "!resource show 1")
    assert shown is not None and shown.private and "Projet confidentiel" in shown.plain_text()
    edited = await h.say("alice", '!resource edit 1 summary:"Brouillon 2"')
    assert edited is not None and edited.private
    # Others see nothing of it anywhere.
    for line in (
        "!resource show 1",
        "!resource find confidentiel",
        "!resource find tags:rh",
        "!resource find author:alice",
        "!resource list",
        "!resource tags",
        "!resource saved",
        "!resource save 1",
        "!resource edit 1 title:x",
        "!resource remove 1",
    ):
        text = await _text(h, "bob", line)
        assert "Projet confidentiel" not in text and "rh (" not in text, line
    # Re-sharing the same page does not reveal who submitted it, what it is called or its
    # number, and changes nothing on the submission.
    again = await h.say(
        "bob", '!resource add "https://R.example/secret/?utm_source=x" tags:"Espionnage"'
    )
    assert again is not None and again.private
    assert "déjà été proposé et attend la validation" in again.text
    for leak in ("alice", "Projet confidentiel", "Brouillon", "1", "rh"):
        assert leak not in again.plain_text(), leak
    async with h.db.session() as s:
        assert len((await s.exec(select(Resource))).all()) == 1
    assert "Espionnage" not in await _text(h, "mod", "!resource show 1")
    # The author re-sharing her own pending link sees her card (privately).
    own = await h.say("alice", "!resource add https://r.example/secret")
    assert own is not None and own.private and "Projet confidentiel" in own.plain_text()


async def test_a_pending_bookmark_is_not_listed_to_others(make: HarnessFactory) -> None:
    h = await make(moderation="queue")
    await h.say("alice", '!resource add https://r.example/1 title:"En revue" summary:s')
    assert "mises de côté" in await _text(h, "mod", "!resource save 1")  # a moderator may
    h.adapter.set_roles("mod", Role.MEMBER)  # ...and then no longer is one
    assert "En revue" not in await _text(h, "mod", "!resource saved")
    assert "Aucune ressource n'a le numéro 1" in await _text(h, "mod", "!resource show 1")


async def test_removing_a_pending_resource_answers_privately(make: HarnessFactory) -> None:
    h = await make(moderation="queue")
    await h.say("mod", '!resource add https://r.example/1 title:"Publié" summary:s')
    await h.say("alice", '!resource add https://r.example/2 title:"Brouillon" summary:s')
    reply = await h.say("alice", "!resource remove 2")
    assert reply is not None and "retirée : « Brouillon »" in reply.text and reply.private
    reply = await h.say("mod", "!resource remove 1")
    assert reply is not None and "retirée : « Publié »" in reply.text and not reply.private


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
        text = await _text(h, "mod", line)
        assert "doit être comprise entre 1 et 2147483647" in text, line
    for line in ("!resource list page:99999999999999999999", "!resource find x page:0"):
        assert "doit être comprise entre 1 et 1000" in await _text(h, "bob", line), line
    assert "Un" in await _text(h, "bob", "!resource show 1")


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
    text = await _text(h, "alice", f"!resource add {url}")
    assert "inhabituelle" in text or "mot de passe" in text
    async with h.db.session() as s:
        assert (await s.exec(select(Resource))).all() == []
    fetcher = h.core.cogs["resource"].service.fetcher  # type: ignore[attr-defined]
    assert fetcher.calls == []


async def test_forgotten_authors_leave_no_id_behind(make: HarnessFactory) -> None:
    from sqlalchemy import text as sql
    from sqlmodel import SQLModel

    from bot.core.privacy import forget_member

    h = await make(moderation="queue")
    await h.say("alice", '!resource add https://r.example/1 title:"Publié" summary:s')
    await h.say("mod", "!resource approve 1")
    await h.say("alice", '!resource add https://r.example/2 title:"En attente" summary:s')
    await h.say("alice", "!resource save 1")
    alice = (await h.core.members.find_by_name("alice"))[0].id
    await forget_member(h.core, alice)
    # Every column that points to a member, in every table: none holds alice's id.
    async with h.db.session() as s:
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                if not any(fk.column.table.name == "core_member" for fk in column.foreign_keys):
                    continue
                rows = await s.exec(
                    sql(f"SELECT COUNT(*) FROM {table.name} WHERE {column.name} = :id"),
                    params={"id": alice},
                )
                assert rows.one()[0] == 0, f"{table.name}.{column.name}"
        kept = (await s.exec(select(Resource).order_by(Resource.id))).all()
    assert [(r.title, r.author_id) for r in kept] == [("Publié", None), ("En attente", None)]
    assert all("alice" not in r.search_text for r in kept)
    # A newcomer who gets alice's old id (SQLite reuses the highest rowid) inherits nothing.
    await h.say("zoé", "!resource list")
    zoe = (await h.core.members.find_by_name("zoé"))[0].id
    assert "un ancien membre" in await _text(h, "zoé", "!resource show 1")
    assert "Aucune ressource n'a le numéro 2" in await _text(h, "zoé", "!resource show 2")
    privacy = h.core.cogs["resource"].privacy
    assert privacy is not None
    exported = await privacy.export(zoe)
    assert exported is not None and exported["shared"] == []
    # The approval message queued for alice went with her.
    await h.deliver()
    assert h.adapter.dms("zoé") == []
