"""``cafe programme add|show|move|remove|copy``: a café's activities, prepared before it.

A mixin of the café cog (``class Cafe(ProgrammeCommands, Cog, name="cafe")``), so the café's
commands stay one group while this part lives in its own file. Thin: parse → ``Programme`` →
``programme_render``. Open to members because the host may be one; the service lets only
moderators and the occurrence's host through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from bot.core import Invocation, Opt, Reply, Role, command
from cogs.cafe import programme_render as render
from cogs.cafe.programme import MAX_ACTIVITIES, MAX_SECONDS, Editor, Programme

if TYPE_CHECKING:
    from bot.core import Core

GROUP = "cafe programme"
MAX_ID = 2**31 - 1
Occurrence = Annotated[int, Opt("Numéro du café", min=1, max=MAX_ID)]
Place = Annotated[int, Opt("Numéro de l'activité (voir cafe programme show)", min=1, max=99)]


def editor(inv: Invocation) -> Editor:
    return Editor(
        inv.member_id, inv.member.display_name, inv.actor.ref.id, inv.actor.has(Role.MODERATOR)
    )


class ProgrammeCommands:
    core: Core
    programme: Programme

    def _kind_name(self, inv: Invocation) -> render.KindName:
        return lambda kind: self.core.activities.kind_name(kind, inv.t)

    @command("add", group=GROUP, permission=Role.MEMBER)
    async def programme_add(
        self,
        inv: Invocation,
        occurrence: Occurrence,
        kind: Annotated[
            str,
            Opt(
                "Type d'activité (comme poll create)",
                autocomplete="activity_kinds",
            ),
        ],
        question: Annotated[str, Opt("La question posée", max_length=300)],
        choices: Annotated[str, Opt('Les choix, séparés par | : "A | B | C"')] = "",
        answer: Annotated[str, Opt("Quiz : la ou les bonnes réponses, séparées par |")] = "",
        categories: Annotated[str, Opt("Tableau d'idées : catégories séparées par |")] = "",
        seconds: Annotated[
            int,
            Opt(
                "Secondes avant la suite (0 : l'animateur décide)",
                min=0,
                max=MAX_SECONDS,
            ),
        ] = 0,
        max: Annotated[int, Opt("Choix (ou mots) au plus par personne", min=0, max=25)] = 0,
        anonymous: Annotated[
            bool, Opt("Anonyme : personne ne peut savoir qui a voté quoi")
        ] = False,
        results: Annotated[
            Literal["live", "hidden"], Opt("Résultats visibles en direct ou à la clôture")
        ] = "live",
    ) -> Reply:
        """Ajouter une activité au programme d'un café."""
        options: dict[str, object] = {
            "choices": choices,
            "answer": answer,
            "categories": categories,
            "max": max or None,
            "anonymous": anonymous,
            "results": results,
        }
        planned = self.programme.plan(kind, question, options, seconds, inv.t)
        activity = await self.programme.add(occurrence, editor(inv), planned)
        occ = await self.programme.occurrences.occurrence(occurrence, None)
        return render.added(inv.t, occ, activity, self._kind_name(inv))

    @command("show", group=GROUP, permission=Role.MEMBER)
    async def programme_show(self, inv: Invocation, occurrence: Occurrence) -> Reply:
        """Voir le programme d'un café."""
        occ, activities = await self.programme.show(occurrence, editor(inv))
        return render.programme(
            inv.t, occ, activities, self._kind_name(inv), self.core.clock.now()
        )

    @command("move", group=GROUP, permission=Role.MEMBER)
    async def programme_move(
        self,
        inv: Invocation,
        occurrence: Occurrence,
        activity: Place,
        to: Annotated[int, Opt("Sa nouvelle place (1 : en premier)", min=1, max=99)],
    ) -> Reply:
        """Changer la place d'une activité dans le programme."""
        activities = await self.programme.move(occurrence, editor(inv), activity, to)
        occ = await self.programme.occurrences.occurrence(occurrence, None)
        intro = render.moved_intro(inv.t, activity, to)
        return render.programme(
            inv.t, occ, activities, self._kind_name(inv), self.core.clock.now(), intro=intro
        )

    @command("remove", group=GROUP, permission=Role.MEMBER)
    async def programme_remove(
        self, inv: Invocation, occurrence: Occurrence, activity: Place
    ) -> Reply:
        """Retirer une activité du programme."""
        removed = await self.programme.remove(occurrence, editor(inv), activity)
        occ = await self.programme.occurrences.occurrence(occurrence, None)
        return render.removed(inv.t, occ, removed, self._kind_name(inv))

    @command("copy", group=GROUP, permission=Role.MEMBER)
    async def programme_copy(
        self,
        inv: Invocation,
        from_: Annotated[int, Opt("Le café dont on reprend le programme", min=1, max=MAX_ID)],
        to: Annotated[int, Opt("Le café qui reçoit le programme", min=1, max=MAX_ID)],
        replace: Annotated[bool, Opt("Remplacer le programme que ce café a déjà")] = False,
    ) -> Reply:
        """Reprendre le programme d'un autre café."""
        activities = await self.programme.copy(from_, to, editor(inv), replace=replace, t=inv.t)
        occ = await self.programme.occurrences.occurrence(to, None)
        intro = render.copied_intro(inv.t, from_, len(activities))
        return render.programme(
            inv.t, occ, activities, self._kind_name(inv), self.core.clock.now(), intro=intro
        )

    async def activity_kinds(self, inv: Invocation, typed: str) -> list[tuple[str, str]]:
        """Autocomplete for ``kind``: the kinds the running providers offer."""
        kinds = self.core.activities.kinds
        found = [(f"{k} — {self.core.activities.kind_name(k, inv.t)}", k) for k in kinds]
        return [pair for pair in found if typed.lower() in pair[0].lower()][:MAX_ACTIVITIES]
