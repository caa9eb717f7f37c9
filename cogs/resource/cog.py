"""The resource library's commands: parse → service → render."""

from __future__ import annotations

from typing import Annotated, Any

from bot.core import Cog, Core, Delivery, Invocation, Opt, Reply, Role, Tone, command

from . import render
from .bookmarks import Bookmarks
from .domain import ResourceStatus, ResourceView
from .moderation import APPROVED_KIND, REJECTED_KIND, Moderation
from .privacy import ResourcePrivacy
from .service import ResourceService
from .settings import ResourceSettings
from .tag_admin import TagAdmin

# Bounded: an id past the database's INTEGER range used to reach SQLite (OverflowError) or
# PostgreSQL (DataError) and end as "something went wrong".
Id = Annotated[int, Opt("Numéro de la ressource", min=1, max=2_147_483_647)]
Page = Annotated[int, Opt("Numéro de page", min=1, max=1000)]
Tags = Annotated[str | None, Opt("Tags séparés par des virgules", max_length=500)]
Collection = Annotated[str | None, Opt("Nom d'une collection", max_length=120)]
OldTag = Annotated[str, Opt("Le tag à changer", max_length=80)]


class Resources(Cog, name="resource"):
    """Built by ``setup(core)`` (``__init__.py``) with its services."""

    def __init__(
        self,
        core: Core,
        *,
        settings: ResourceSettings,
        service: ResourceService,
        bookmarks: Bookmarks,
        moderation: Moderation,
        privacy: ResourcePrivacy,
        tag_admin: TagAdmin,
    ) -> None:
        super().__init__(core)
        self.settings = settings
        self.service = service
        self.bookmarks = bookmarks
        self.moderation = moderation
        self.privacy = privacy
        self.tag_admin = tag_admin
        core.outbox.register(APPROVED_KIND, self._render_approved)
        core.outbox.register(REJECTED_KIND, self._render_rejected)

    async def _render_approved(self, d: Delivery) -> Reply | None:
        if d.fallback:
            return Reply(
                text=d.t(
                    "{mention}, votre ressource « {title} » est publiée.",
                    mention=d.mention,
                    title=d.data.get("title", ""),
                )
            )
        return render.approved_dm(d.data, d.t)

    async def _render_rejected(self, d: Delivery) -> Reply | None:
        # In a room (DMs refused) the title of a submission never published stays private.
        return render.rejected_dm(d.data, d.t, mention=d.mention if d.fallback else None)

    @command("add", permission=Role.MEMBER, defer=True)
    async def add(
        self,
        inv: Invocation,
        url: Annotated[str, Opt("Le lien à partager (https://…)", max_length=2000)],
        title: Annotated[
            str | None, Opt("Titre (lu sur la page si absent)", max_length=300)
        ] = None,
        summary: Annotated[str | None, Opt("Résumé en quelques phrases", max_length=2000)] = None,
        tags: Tags = None,
        collection: Collection = None,
    ) -> Reply:
        """Partager un lien avec la communauté (titre, résumé et tags)."""
        result = await self.service.add(
            inv.member_id,
            url,
            title=title,
            summary=summary,
            tags=tags,
            collection=collection,
            moderator=inv.is_moderator,
        )
        shown = result.resource
        return render.added(result, inv.t_for(private=shown is None or _pending(shown)))

    @command("find", permission=Role.MEMBER)
    async def find(
        self,
        inv: Invocation,
        query: Annotated[str | None, Opt("Mots à chercher", max_length=200, rest=True)] = None,
        tags: Tags = None,
        author: Annotated[
            str | None, Opt("Nom de la personne qui a partagé", max_length=100)
        ] = None,
        collection: Collection = None,
        page: Page = 1,
    ) -> Reply:
        """Chercher des ressources par mots, tags, auteur ou collection."""
        result = await self.service.find(
            inv.member_id,
            query=query,
            tags=tags,
            author=author,
            collection=collection,
            page=page,
        )
        args: dict[str, Any] = {
            k: v
            for k, v in (
                ("query", query),
                ("tags", tags),
                ("author", author),
                ("collection", collection),
            )
            if v
        }
        t = inv.room_t  # the room reads the results
        return render.page(
            result,
            t,
            title=t("Résultats de recherche"),
            command="resource find",
            args=args,
            empty=t("Aucune ressource ne correspond. Essayez d'autres mots ou moins de tags."),
        )

    @command("list", permission=Role.MEMBER)
    async def list_recent(self, inv: Invocation, page: Page = 1) -> Reply:
        """Voir les ressources partagées récemment."""
        result = await self.service.recent(inv.member_id, page)
        t = inv.room_t
        return render.page(
            result,
            t,
            title=t("Ressources récentes"),
            command="resource list",
            args={},
            empty=t("La bibliothèque est vide : partagez un lien avec resource add url:…"),
        )

    @command("show", permission=Role.MEMBER)
    async def show(self, inv: Invocation, id: Id) -> Reply:
        """Voir le détail d'une ressource."""
        view = await self.service.get(id, inv.member_id, moderator=inv.is_moderator)
        return render.resource_card(view, inv.t_for(private=_pending(view)))

    @command("tags", permission=Role.MEMBER)
    async def tags(self, inv: Invocation) -> Reply:
        """Voir les tags utilisés, avec leur nombre de ressources."""
        return render.tag_list(await self.service.tags(), inv.room_t)

    @command("collection", permission=Role.MEMBER)
    async def collection(
        self,
        inv: Invocation,
        name: Annotated[str | None, Opt("Nom de la collection", max_length=120)] = None,
        page: Page = 1,
    ) -> Reply:
        """Voir une collection de ressources (ou la liste des collections)."""
        if not name:
            return render.collection_list(await self.service.collections(), inv.room_t)
        result = await self.service.find(inv.member_id, collection=name, page=page)
        t = inv.room_t
        return render.page(
            result,
            t,
            title=t("Collection « {name} »", name=name),
            command="resource collection",
            args={"name": name},
            empty=t("La collection « {name} » est vide ou n'existe pas.", name=name),
        )

    @command("save", permission=Role.MEMBER)
    async def save(self, inv: Invocation, id: Id) -> Reply:
        """Mettre une ressource de côté (vos favoris)."""
        view = await self.bookmarks.save(inv.member_id, id, moderator=inv.is_moderator)
        return Reply(
            text=inv.t(
                "« {title} » est dans vos ressources mises de côté (resource saved).",
                title=view.title,
            ),
            private=True,
            tone=Tone.SUCCESS,
        )

    @command("unsave", permission=Role.MEMBER)
    async def unsave(self, inv: Invocation, id: Id) -> Reply:
        """Retirer une ressource de celles que vous avez mises de côté."""
        if not await self.bookmarks.unsave(inv.member_id, id):
            return Reply(
                text=inv.t("La ressource {id} n'était pas mise de côté.", id=id), private=True
            )
        return Reply(
            text=inv.t("Ressource {id} retirée de vos ressources mises de côté.", id=id),
            private=True,
            tone=Tone.SUCCESS,
        )

    @command("saved", permission=Role.MEMBER)
    async def saved(self, inv: Invocation, page: Page = 1) -> Reply:
        """Voir les ressources que vous avez mises de côté."""
        result = await self.bookmarks.saved(inv.member_id, page)
        reply = render.page(
            result,
            inv.t,
            title=inv.t("Vos ressources mises de côté"),
            command="resource saved",
            args={},
            empty=inv.t("Vous n'avez rien mis de côté : essayez resource save id:…"),
        )
        reply.private = True
        return reply

    @command("edit", permission=Role.MEMBER)
    async def edit(
        self,
        inv: Invocation,
        id: Id,
        title: Annotated[str | None, Opt("Nouveau titre", max_length=300)] = None,
        summary: Annotated[str | None, Opt("Nouveau résumé", max_length=2000)] = None,
        tags: Annotated[
            str | None, Opt("Nouveaux tags (remplacent les anciens)", max_length=500)
        ] = None,
        collection: Annotated[
            str | None, Opt("Nouvelle collection (remplace les anciennes)", max_length=120)
        ] = None,
    ) -> Reply:
        """Modifier une ressource que vous avez partagée."""
        view = await self.service.edit(
            inv.member_id,
            id,
            moderator=inv.is_moderator,
            title=title,
            summary=summary,
            tags=tags,
            collection=collection,
        )
        card = render.resource_card(view, inv.t)
        card.text = inv.t("Ressource {id} modifiée.", id=id) + "\n\n" + card.text
        card.tone = Tone.SUCCESS
        return card

    @command("remove", permission=Role.MEMBER)
    async def remove(self, inv: Invocation, id: Id) -> Reply:
        """Retirer une ressource (la vôtre, ou toute ressource pour un modérateur)."""
        title, pending = await self.service.remove(inv.member_id, id, moderator=inv.is_moderator)
        return Reply(
            text=inv.t("Ressource {id} retirée : « {title} ».", id=id, title=title),
            tone=Tone.SUCCESS,
            private=pending,
        )

    @command("approve", permission=Role.MODERATOR)
    async def approve(self, inv: Invocation, id: Id) -> Reply:
        """Publier une ressource en attente de validation."""
        view = await self.moderation.approve(id)
        return Reply(
            text=inv.t(
                "Ressource {id} publiée : « {title} ». Son auteur est prévenu.",
                id=id,
                title=view.title,
            ),
            tone=Tone.SUCCESS,
        )

    @command("pending", permission=Role.MODERATOR)
    async def pending(self, inv: Invocation) -> Reply:
        """Voir les ressources qui attendent une validation."""
        return render.pending_list(await self.moderation.pending(), inv.t)

    @command("tag-rename", permission=Role.MODERATOR)
    async def tag_rename(
        self,
        inv: Invocation,
        from_: OldTag,
        to: Annotated[str, Opt("Sa nouvelle écriture", max_length=80)],
    ) -> Reply:
        """Renommer un tag sur toutes les ressources."""
        return render.tag_changed(await self.tag_admin.rename(from_, to), inv.t, merged=False)

    @command("tag-merge", permission=Role.MODERATOR)
    async def tag_merge(
        self,
        inv: Invocation,
        from_: OldTag,
        into: Annotated[str, Opt("Le tag qui reste", max_length=80)],
    ) -> Reply:
        """Fusionner un tag dans un autre (ex. Médiations → Médiation)."""
        return render.tag_changed(await self.tag_admin.merge(from_, into), inv.t, merged=True)


def _pending(view: ResourceView) -> bool:
    """A resource waiting for a moderator is shown only to whoever asks (privately)."""
    return view.status == ResourceStatus.PENDING
