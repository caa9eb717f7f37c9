"""The newcomer flow's steps and the profile fields a member edits: plain words, importable
without the cog's tables (the command index resolves ``me edit field:`` from here at start;
see bot/core/cog_index.py)."""

from __future__ import annotations

from enum import StrEnum


class Step(StrEnum):
    """The newcomer flow's steps, in order: a flow's ``step`` column holds one of these."""

    LANGUAGE = "language"
    COC = "coc"
    NAME = "name"
    ORGANISATION = "organisation"
    METIER = "metier"
    REGION = "region"
    INTERESTS = "interests"
    NEEDS = "needs"
    OFFERS = "offers"
    TIMEZONE = "timezone"
    NOTIFICATIONS = "notifications"
    DIRECTORY = "directory"
    WELCOME = "welcome"


class ProfileField(StrEnum):
    """What ``me edit field:…`` accepts (every step but the code of conduct)."""

    NAME = "name"
    ORGANISATION = "organisation"
    METIER = "metier"
    REGION = "region"
    INTERESTS = "interests"
    NEEDS = "needs"
    OFFERS = "offers"
    TIMEZONE = "timezone"
    LANGUAGE = "language"
    NOTIFICATIONS = "notifications"
    DIRECTORY = "directory"
    WELCOME = "welcome"
