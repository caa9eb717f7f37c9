"""Onboarding's part of the monthly digest (``core.digest``): members who joined the directory
since the previous edition and offer what the reader needs (directory members only, as in
``members match``), and "what you can do" — the reminder that every member may publish.

It also tells the digest what it knows of each reader (``reader_facts``): interests (the library
matches its new resources against them) and needs, in two queries for all recipients.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import col, select

from bot.core import Action, Translator
from bot.core.digest import DigestSection, Edition, Reader
from cogs.onboarding.models import OnboardingInterest, OnboardingProfile, OnboardingReachTag
from cogs.onboarding.needs import ReachKind

if TYPE_CHECKING:
    from bot.core.members import MemberService
    from bot.storage.db import Database

MAX_MEMBERS = 3
#: SQL ``IN`` lists stay well under every backend's parameter limit.
_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class Newcomer:
    id: int
    name: str
    #: folded key → label, as they typed it
    offers: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class OnboardingDigestContent:
    newcomers: tuple[Newcomer, ...]


class OnboardingDigest:
    name = "onboarding"
    order = 30

    def __init__(self, db: Database, members: MemberService) -> None:
        self.db = db
        self.members = members

    async def prepare(self, edition: Edition) -> OnboardingDigestContent:
        joined = await self.members.joined(edition.since, edition.at)
        ids = list(joined)
        visible: set[int] = set()
        offers: dict[int, dict[str, str]] = defaultdict(dict)
        async with self.db.session() as s:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                visible.update(
                    await s.exec(
                        select(OnboardingProfile.member_id).where(
                            col(OnboardingProfile.visible).is_(True),
                            col(OnboardingProfile.member_id).in_(chunk),
                        )
                    )
                )
                found = await s.exec(
                    select(
                        OnboardingReachTag.member_id,
                        OnboardingReachTag.key,
                        OnboardingReachTag.label,
                    ).where(
                        col(OnboardingReachTag.kind) == ReachKind.OFFER.value,
                        col(OnboardingReachTag.member_id).in_(chunk),
                    )
                )
                for member_id, key, label in found:
                    offers[member_id][key] = label
        # Directory members only: nobody outside it is ever suggested.
        return OnboardingDigestContent(
            tuple(Newcomer(m, joined[m], offers.get(m, {})) for m in ids if m in visible)
        )

    async def reader_facts(
        self, member_ids: Sequence[int]
    ) -> Mapping[int, Mapping[str, frozenset[str]]]:
        interests: dict[int, set[str]] = defaultdict(set)
        needs: dict[int, set[str]] = defaultdict(set)
        ids = list(member_ids)
        async with self.db.session() as s:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                for member_id, key in await s.exec(
                    select(OnboardingInterest.member_id, OnboardingInterest.key).where(
                        col(OnboardingInterest.member_id).in_(chunk)
                    )
                ):
                    interests[member_id].add(key)
                for member_id, key in await s.exec(
                    select(OnboardingReachTag.member_id, OnboardingReachTag.key).where(
                        col(OnboardingReachTag.kind) == ReachKind.NEED.value,
                        col(OnboardingReachTag.member_id).in_(chunk),
                    )
                ):
                    needs[member_id].add(key)
        return {
            m: {"interests": frozenset(interests[m]), "needs": frozenset(needs[m])}
            for m in set(interests) | set(needs)
        }

    def sections(
        self, prepared: OnboardingDigestContent, reader: Reader, t: Translator, *, personal: bool
    ) -> list[DigestSection]:
        found: list[DigestSection] = []
        if personal:
            wanted = reader.fact("needs")
            matches = [
                (n, [label for key, label in n.offers.items() if key in wanted])
                for n in prepared.newcomers
                if n.id != reader.member_id
            ]
            matches = [(n, labels) for n, labels in matches if labels][:MAX_MEMBERS]
            if matches:
                found.append(
                    DigestSection(
                        "members",
                        t("Nouveaux membres qui proposent ce que vous cherchez"),
                        [
                            f"- **{n.name}** — " + t("propose : {tags}", tags=", ".join(o))
                            for n, o in matches
                        ],
                        [
                            Action.invoke(
                                "members introduce",
                                label=t("Rencontrer {name}", name=n.name[:40]),
                                name=n.name,
                            )
                            for n, _ in matches
                        ],
                    )
                )
        elif prepared.newcomers:
            count = len(prepared.newcomers)
            found.append(
                DigestSection(
                    "members",
                    t("Nouveaux membres"),
                    [
                        t.n(
                            "{n} nouveau membre dans l'annuaire.",
                            "{n} nouveaux membres dans l'annuaire.",
                            count,
                        )
                    ],
                )
            )
        found.append(
            DigestSection(
                "can-do",
                t("Ce que vous pouvez faire"),
                [
                    "- " + t("Vous pouvez publier une ressource : `resource add`."),
                    "- "
                    + t(
                        "Dites ce que vous cherchez et ce que vous pouvez apporter : "
                        "`me edit field:needs` et `me edit field:offers`."
                    ),
                    "- " + t("Trouvez qui pourrait vous aider : `members match`."),
                ],
                news=False,
            )
        )
        return found
