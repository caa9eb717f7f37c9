"""What a command's bad input becomes: options converted (or a usage error), and the error
replies — translated, with the command's usage, and for a newcomer refused a member's command,
how to finish their welcome."""

from __future__ import annotations

from typing import Any

from bot.core.catalogue import Catalogue
from bot.core.commands import CommandSpec
from bot.core.errors import PermissionDenied, UsageError, UserError
from bot.core.grammar import UnknownCommand
from bot.core.help import usage_line
from bot.core.i18n import Translator
from bot.core.refs import Role
from bot.core.reply import Action, ActionStyle, Reply, Tone


def convert_args(spec: CommandSpec, raw: dict[str, Any]) -> dict[str, Any]:
    """Raw option values (typed text, slash options, button data) → the method's arguments;
    UsageError for an unknown option or a missing required one."""
    args: dict[str, Any] = {}
    unknown = set(raw) - {o.name for o in spec.options}
    if unknown:
        raise UsageError(
            "Option inconnue : {option}.", command=spec.path, option=sorted(unknown)[0][:32]
        )
    for option in spec.options:
        value = raw.get(option.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if option.required:
                raise UsageError(
                    "Il manque l'option {option} : {description}.",
                    command=spec.path,
                    option=option.name,
                    description=option.description,
                )
            continue
        args[option.arg] = option.convert(value, spec.path)
    return args


def error_reply(
    catalogue: Catalogue,
    error: UserError,
    t: Translator,
    prefix: str = "!",
    spec: CommandSpec | None = None,
) -> Reply:
    params = {k: t(v) if k == "description" else v for k, v in error.params.items()}
    text = t(error.msgid, **params)
    if isinstance(error, UsageError):
        target = catalogue.get(error.command) if error.command else spec
        if target is not None:
            text += "\n" + t("Utilisation :") + f" `{usage_line(target, t, prefix)}`"
    elif isinstance(error, UnknownCommand):
        if error.suggestion:
            target = catalogue.get(error.suggestion)
            if target is not None:
                text += "\n" + t("Utilisation :") + f" `{usage_line(target, t, prefix)}`"
        else:
            text += " " + t("Tapez {prefix}help pour voir les commandes.", prefix=prefix)
    return Reply(text=text, tone=Tone.ERROR, private=True).stamp(t)


def refusal(
    catalogue: Catalogue,
    membership_command: str | None,
    error: PermissionDenied,
    t: Translator,
    prefix: str,
    spec: CommandSpec,
) -> Reply:
    """A refusal says what to do: a newcomer is told how to finish their welcome."""
    reply = error_reply(catalogue, error, t, prefix, spec)
    if spec.permission is not Role.MEMBER:
        return reply
    if membership_command is not None and catalogue.get(membership_command) is not None:
        reply.text += " " + t(
            "Pour en faire partie, terminez votre accueil : tapez {command}.",
            command=f"`{prefix}{membership_command}`",
        )
        reply.actions.append(
            Action.invoke(
                membership_command, label=t("Terminer mon accueil"), style=ActionStyle.PRIMARY
            )
        )
    else:
        reply.text += " " + t("Un modérateur peut vous y accueillir.")
    return reply
