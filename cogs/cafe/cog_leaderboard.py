"""The live challenge's commands (``cafe score``, ``cafe pseudo``), mixed into the ``Cafe`` cog:
parse → ``Leaderboards`` (leaderboards.py) → ``render_leaderboard``. The leaderboard posts in
the café's room are rendered by the live session's outbox renderer (live_commands.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from bot.core import Invocation, Opt, Reply, Role, UserError, command
from cogs.cafe import render_leaderboard as render
from cogs.cafe.leaderboards import MAX_NAME
from cogs.cafe.programme_commands import editor

if TYPE_CHECKING:
    from cogs.cafe.leaderboards import Leaderboards

_Occurrence = Annotated[int | None, Opt("Numéro du café", min=1, max=2**31 - 1)]


class LeaderboardCommands:
    """The cafe's ``setup`` sets ``leaderboards``."""

    leaderboards: Leaderboards

    @command("score", permission=Role.EVERYONE)
    async def score(
        self,
        inv: Invocation,
        occurrence: _Occurrence = None,
        all: Annotated[bool, Opt("Tout le classement")] = False,
    ) -> Reply:
        """Votre rang au défi quiz."""
        occurrence_id = await self.leaderboards.score_occurrence(inv.member_id, occurrence)
        board = await self.leaderboards.board(occurrence_id)
        return render.my_score(inv.t, board, inv.member_id, everyone=all)

    @command("pseudo", permission=Role.EVERYONE)
    async def pseudo(
        self,
        inv: Invocation,
        name: Annotated[str, Opt("Votre pseudo (off : le retirer)", max_length=MAX_NAME)] = "",
        occurrence: _Occurrence = None,
        remove: Annotated[str, Opt("Retirer ce pseudo (hôte)", max_length=MAX_NAME)] = "",
    ) -> Reply:
        """Pseudo au classement du café."""
        if remove.strip():
            change = await self.leaderboards.remove_pseudonym(editor(inv), occurrence, remove)
        elif name.strip():
            change = await self.leaderboards.set_pseudonym(inv.member_id, occurrence, name)
        else:
            raise UserError('Choisissez un pseudo avec name:"…" (name:off le retire).')
        return render.pseudonym_changed(inv.t, change)
