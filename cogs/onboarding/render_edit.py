"""The "Modifier" actions of a profile: one per field, each carrying its ``field:``."""

from __future__ import annotations

from bot.core import Action, Translator
from bot.core.i18n import N_
from cogs.onboarding.steps import ProfileField

#: The fields a member edits from their profile, with the label each shows.
EDITABLE = (
    (ProfileField.ORGANISATION, N_("Structure")),
    (ProfileField.METIER, N_("Métier")),
    (ProfileField.REGION, N_("Région")),
    (ProfileField.INTERESTS, N_("Centres d'intérêt")),
    (ProfileField.NEEDS, N_("Je cherche")),
    (ProfileField.OFFERS, N_("Je peux apporter")),
)


def edit_actions(t: Translator) -> list[Action]:
    """One "Modifier" action per field, each carrying its ``field:`` (a bare ``me edit`` would
    only answer that a field is missing); many actions show as one menu on Discord."""
    return [
        Action.invoke(
            "me edit",
            label=t("Modifier : {field}", field=t(label)),
            field=field.value,
            prompt="value",
        )
        for field, label in EDITABLE
    ]
