"""The ``[cogs.onboarding]`` config section."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.core.i18n import PerLanguage, check_per_language
from cogs.onboarding.periods import parse_period

FRENCH_REGIONS = [
    "Auvergne-Rhône-Alpes",
    "Bourgogne-Franche-Comté",
    "Bretagne",
    "Centre-Val de Loire",
    "Corse",
    "Grand Est",
    "Hauts-de-France",
    "Île-de-France",
    "Normandie",
    "Nouvelle-Aquitaine",
    "Occitanie",
    "Pays de la Loire",
    "Provence-Alpes-Côte d'Azur",
    "Outre-mer",
    "Québec",
    "Belgique",
    "Suisse",
]


class OnboardingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: Code of conduct shown at step 2: text (markdown subset) and/or a link. Each is one
    #: string for every language, or a table per language (``{fr = "…", en = "…"}``).
    code_of_conduct: PerLanguage = {
        "fr": "Bienveillance, respect des personnes et de leurs données, pas de démarchage.",
        "en": "Kindness, respect for people and their data, no canvassing.",
    }
    code_of_conduct_url: PerLanguage = ""
    #: When true, the code of conduct must be accepted to finish (it cannot be skipped).
    required: bool = True
    #: Suggested métiers; ``metier_free`` lets members type another one.
    metiers: list[str] = Field(
        default_factory=lambda: [
            "Médiation",
            "Programmation",
            "Production",
            "Communication",
            "Administration",
            "Technique",
            "Direction",
            "Artiste",
            "Bibliothécaire",
        ]
    )
    metier_free: bool = True
    regions: list[str] = Field(default_factory=lambda: list(FRENCH_REGIONS))
    region_free: bool = True
    #: Suggested time zones (buttons); any IANA zone can be typed.
    timezones: list[str] = Field(
        default_factory=lambda: ["Europe/Paris", "America/Montreal", "Europe/Brussels"]
    )
    #: Café reminder choices offered at the notifications step.
    reminder_choices: list[str] = Field(default_factory=lambda: ["24h,15m", "1h", "15m"])
    #: Room ("platform:room id") where newcomers who agreed are welcomed; empty: no welcome.
    welcome_room: str = ""
    #: Room where a newcomer whose DMs are closed is told to open them; empty: none.
    dm_fallback_room: str = ""
    #: Friendly reminders for an unfinished flow, after the join ("2d", "7d"); empty: none.
    nudges: list[str] = Field(default_factory=lambda: ["2d", "7d"])
    #: Minutes a ``me link`` code stays valid. ``me link`` is a core right (it works with this cog
    #: disabled); the core reads this key from this section (``bot.core.rights.LinkSettings``).
    link_code_minutes: int = Field(default=15, ge=1, le=1440)
    #: How many members ``members find`` lists at most.
    find_limit: int = Field(default=20, ge=1, le=50)
    #: Ask "je cherche" / "je peux apporter" during onboarding (skippable steps).
    ask_needs_offers: bool = True
    #: At most this many needs (and as many offers) per member, each at most ``reach_tag_length``.
    max_needs: int = Field(default=8, ge=1, le=20)
    reach_tag_length: int = Field(default=40, ge=10, le=60)
    #: ``members introduce``: days a request waits for an answer, requests pending per asker.
    introduction_days: int = Field(default=14, ge=1, le=90)
    introduction_pending_max: int = Field(default=3, ge=1, le=20)
    #: A gentle DM when a profile was not touched for this long ("12 months", "1 year",
    #: "90d"; "off": never). At most one such DM a quarter.
    refresh_after: str = "12 months"

    @field_validator("code_of_conduct", "code_of_conduct_url")
    @classmethod
    def _check_per_language(cls, value: PerLanguage) -> PerLanguage:
        return check_per_language(value)

    @field_validator("refresh_after")
    @classmethod
    def _check_refresh_after(cls, value: str) -> str:
        parse_period(value)  # raises a clear error at config check
        return value
