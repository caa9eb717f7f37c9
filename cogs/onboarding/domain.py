"""Onboarding's vocabulary and pure rules: steps, profile fields, outbox keys, views, the
answers' grammar (yes/no, lists, reminder offsets, interests). No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.core import N_, MemberInfo, RoomRef, UserError, format_duration_short, parse_offsets
from bot.core.text import fold_key, split_list, tidy
from cogs.onboarding.models import OnboardingFlow, OnboardingProfile
from cogs.onboarding.steps import Step

MAX_VALUE = 200
MAX_INTERESTS = 10
MAX_TAG = 60

#: Outbox kinds (their renderers are in cog.py).
STEP_KIND = "onboarding.step"
WELCOME_KIND = "onboarding.welcome"


PROFILE_STEPS = (
    Step.NAME,
    Step.ORGANISATION,
    Step.METIER,
    Step.REGION,
    Step.INTERESTS,
    Step.TIMEZONE,
)

STEP_LABELS = {
    Step.LANGUAGE: N_("langue"),
    Step.COC: N_("code de conduite"),
    Step.NAME: N_("nom affiché"),
    Step.ORGANISATION: N_("structure"),
    Step.METIER: N_("métier"),
    Step.REGION: N_("région"),
    Step.INTERESTS: N_("centres d'intérêt"),
    Step.NEEDS: N_("je cherche"),
    Step.OFFERS: N_("je peux apporter"),
    Step.TIMEZONE: N_("fuseau horaire"),
    Step.NOTIFICATIONS: N_("rappels des cafés"),
    Step.DIRECTORY: N_("annuaire"),
    Step.WELCOME: N_("message d'accueil"),
}

YES = {"oui", "yes", "true", "1", "o", "y", "vrai", "on", "ok", "d accord", "accepte", "accept"}
NO = {"non", "no", "false", "0", "n", "faux", "off"}
VISIBLE = {"visible", "public", "show", "montrer", "afficher"} | YES
HIDDEN = {"hidden", "masque", "cache", "hide", "prive", "private", "invisible"} | NO
OFF = {"off", "non", "no", "aucun", "aucune", "jamais", "none", "never", "sans"}
DEFAULT = {"default", "defaut", "par defaut", "oui", "yes"}


# --- outbox keys: every key this cog writes, in one place ------------------------------------


def member_prefix(member_id: int) -> str:
    """Every outbox row of this cog about a member (purged when they are forgotten)."""
    return f"onboarding:{member_id}:"


def nudge_prefix(member_id: int) -> str:
    return f"onboarding:{member_id}:nudge:"


def welcome_dm_key(member_id: int, joins: int) -> str:
    return f"onboarding:{member_id}:dm{join_suffix(joins)}"


def nudge_key(member_id: int, n: int, joins: int) -> str:
    return f"onboarding:{member_id}:nudge:{n}{join_suffix(joins)}"


def welcome_post_key(member_id: int) -> str:
    return f"onboarding:{member_id}:welcome"


def resend_key(member_id: int, now: datetime) -> str:
    return f"onboarding:{member_id}:resend:{int(now.timestamp())}"


def join_suffix(joins: int) -> str:
    """A member who comes back gets fresh keys (the first join's rows may already be sent)."""
    return "" if joins == 1 else f":{joins}"


# --- the flow -----------------------------------------------------------------------------------


def split_steps(text: str) -> list[str]:
    return [s for s in text.split(",") if s]


def join_steps(items: list[str]) -> str:
    return ",".join(items)


def active_steps(welcome_room: RoomRef | None, ask_reach: bool = True) -> tuple[Step, ...]:
    """Every step, but the welcome post only where there is a room to post it in, and needs
    and offers only when ``ask_needs_offers`` is on."""
    steps = list(Step)
    if welcome_room is None:
        steps.remove(Step.WELCOME)
    if not ask_reach:
        steps.remove(Step.NEEDS)
        steps.remove(Step.OFFERS)
    return tuple(steps)


def next_step(flow: OnboardingFlow, steps: tuple[Step, ...], coc_required: bool) -> str | None:
    """The first step neither done nor skipped; the code of conduct again when it is required
    and not accepted; None when the flow is complete."""
    passed = set(split_steps(flow.done)) | set(split_steps(flow.skipped))
    for step in steps:
        if step.value not in passed:
            return step.value
    if coc_required and flow.coc_accepted_at is None:
        return Step.COC.value
    return None


@dataclass(slots=True)
class FlowView:
    """A member's flow, profile and core info, read together."""

    member: MemberInfo
    flow: OnboardingFlow
    profile: OnboardingProfile | None
    interests: list[str]
    steps: tuple[Step, ...]
    just_completed: bool = False
    needs: list[str] = field(default_factory=list)
    offers: list[str] = field(default_factory=list)

    @property
    def done(self) -> set[str]:
        return set(split_steps(self.flow.done))

    @property
    def skipped(self) -> set[str]:
        return set(split_steps(self.flow.skipped))

    @property
    def current(self) -> Step | None:
        return Step(self.flow.step) if self.flow.step else None

    @property
    def completed(self) -> bool:
        return self.flow.completed_at is not None

    def position(self, step: Step) -> int:
        return self.steps.index(step) + 1 if step in self.steps else len(self.steps)

    @property
    def remaining(self) -> list[Step]:
        passed = self.done
        return [s for s in self.steps if s.value not in passed]


# --- the directory and the moderators' views ---------------------------------------------------


@dataclass(slots=True)
class Card:
    """One member as the directory shows them."""

    member_id: int
    name: str
    organisation: str | None
    metier: str | None
    region: str | None
    interests: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    offers: list[str] = field(default_factory=list)


@dataclass(slots=True)
class FunnelCounts:
    joined: int = 0
    started: int = 0
    coc: int = 0
    profile: int = 0
    completed: int = 0


@dataclass(slots=True)
class Funnel:
    week: FunnelCounts
    total: FunnelCounts
    weeks: list[tuple[datetime, int, int]]  # (week start, joined, completed)


@dataclass(slots=True)
class PendingRow:
    member_id: int
    name: str
    step: Step | None
    since: datetime


# --- answers ----------------------------------------------------------------------------------


def check_length(value: str) -> str:
    """The answer tidied; too long is refused."""
    value = tidy(value)
    if len(value) > MAX_VALUE:
        raise UserError(
            "Réponse trop longue : {length} caractères (au plus {max}).",
            length=len(value),
            max=MAX_VALUE,
        )
    return value


def choice(value: str, yes: set[str], no: set[str], hint: str) -> bool:
    key = fold_key(value)
    if key in yes:
        return True
    if key in no:
        return False
    raise UserError(
        "Réponse non comprise : « {value} ». Répondez {hint}.", value=value[:40], hint=hint
    )


def from_list(value: str, choices: list[str], free: bool) -> str:
    """A label from ``choices`` (accents and case folded), or the typed one when ``free``."""
    if not value:
        return ""
    key = fold_key(value)
    for label in choices:
        if fold_key(label) == key:
            return label
    if free or not choices:
        return value
    raise UserError(
        "« {value} » n'est pas dans la liste. Choisissez parmi : {choices}.",
        value=value[:40],
        choices=", ".join(choices),
    )


def parse_notifications(value: str) -> tuple[tuple[int, ...] | None, str]:
    """Café reminder offsets in seconds (None: off; (): defaults) and how they are stored."""
    key = fold_key(value)
    if key in OFF:
        return None, "off"
    if key in DEFAULT:
        return (), "default"
    deltas = parse_offsets(value)
    return (
        tuple(int(d.total_seconds()) for d in deltas),
        ",".join(format_duration_short(d) for d in deltas),
    )


def parse_interests(value: str) -> dict[str, str]:
    """Interest tags by folded key (the first spelling of each wins)."""
    labels: dict[str, str] = {}
    for item in split_list(value, "|,;#"):
        key = fold_key(item)
        if not key:
            continue
        if len(item) > MAX_TAG:
            raise UserError(
                "Centre d'intérêt trop long : « {tag} » (au plus {max} caractères).",
                tag=item[:40] + "…",
                max=MAX_TAG,
            )
        labels.setdefault(key, item)
    if len(labels) > MAX_INTERESTS:
        raise UserError(
            "Au plus {max} centres d'intérêt, séparés par des virgules.", max=MAX_INTERESTS
        )
    return labels


def search_key(parts: list[str | None]) -> str:
    """The folded text ``members find query:…`` searches."""
    return " ".join(fold_key(p) for p in parts if p)
