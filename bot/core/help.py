"""Help and usage lines, generated from the command specs in the reader's language."""

from __future__ import annotations

from bot.core.catalogue import Catalogue
from bot.core.commands import CommandSpec, OptionKind, OptionSpec
from bot.core.errors import UserError
from bot.core.i18n import N_, Translator
from bot.core.refs import Actor
from bot.core.reply import Field, Reply

_KIND_HINT = {
    OptionKind.INTEGER: N_("nombre"),
    OptionKind.NUMBER: N_("nombre"),
    OptionKind.BOOLEAN: N_("oui/non"),
    OptionKind.STRING: N_("texte"),
}


def _option_usage(option: OptionSpec, t: Translator) -> str:
    if option.choices and len(option.choices) <= 6:
        value = "|".join(option.choices)
    else:
        value = t(_KIND_HINT[option.kind])
    text = f"{option.name}:{value}"
    return f"<{text}>" if option.required else f"[{text}]"


def usage_line(spec: CommandSpec, t: Translator, prefix: str = "!") -> str:
    parts = [f"{prefix}{spec.path}", *(_option_usage(o, t) for o in spec.options)]
    return " ".join(parts)


def command_help(spec: CommandSpec, t: Translator, prefix: str) -> Reply:
    fields = [
        Field(o.name, t(o.description) + ("" if o.required else t(" (facultatif)")))
        for o in spec.options
    ]
    text = t(spec.description) + "\n\n" + t("Utilisation :") + f" `{usage_line(spec, t, prefix)}`"
    return Reply(title=f"{prefix}{spec.path}", text=text, fields=fields)


def help_reply(
    catalogue: Catalogue, t: Translator, actor: Actor, prefix: str, topic: str = ""
) -> Reply:
    """``help``: every group; ``help poll``: its commands; ``help poll create``: one command;
    ``help cafe programme``: a subgroup's commands."""
    words = topic.lower().lstrip("!/").split()
    if words:
        spec, _ = catalogue.lookup(words)
        if spec is not None:
            return command_help(spec, t, prefix)
        if catalogue.is_subgroup(words) or catalogue.is_group(words[0]):
            group = " ".join(words[:2]) if catalogue.is_subgroup(words) else words[0]
            listed = catalogue.subgroups[group] if " " in group else catalogue.groups[group]
            specs = [s for s in listed if actor.has(s.permission)]
            entries = [f"- `{prefix}{s.path}` — {t(s.description)}" for s in specs]
            return Reply(
                title=t("Commandes « {group} »", group=group),
                text="\n".join(entries)
                + "\n\n"
                + t(
                    "Détail d'une commande : `{prefix}help {example}`",
                    prefix=prefix,
                    example=specs[0].path if specs else "",
                ),
            )
        suggestion = catalogue.suggest(words)
        if suggestion:
            raise UserError(
                "Aucune aide pour « {topic} ». Vouliez-vous dire « {suggestion} » ?",
                topic=topic[:60],
                suggestion=suggestion,
            )
        raise UserError(
            "Aucune aide pour « {topic} ». Tapez {prefix}help pour tout voir.",
            topic=topic[:60],
            prefix=prefix,
        )
    lines: list[str] = []
    for spec in catalogue:
        if spec.group is None and actor.has(spec.permission):
            lines.append(f"- `{prefix}{spec.path}` — {t(spec.description)}")
    for group, specs in sorted(catalogue.groups.items()):
        visible = [s for s in specs if actor.has(s.permission)]
        if visible:
            lines.append(f"- `{prefix}{group}` — {_group_summary(visible)}")
    text = (
        "\n".join(lines)
        + "\n\n"
        + t(
            "Aide d'un groupe : `{prefix}help poll` ; "
            "d'une commande : `{prefix}help poll create`.",
            prefix=prefix,
        )
    )
    return Reply(title=t("Commandes de Passerelle"), text=text)


def _group_summary(specs: list[CommandSpec]) -> str:
    """``create, vote, programme (add, show)``: a group's commands, each subgroup's together."""
    names: list[str] = []
    subgroups: dict[str, list[str]] = {}
    for spec in specs:
        if spec.subgroup:
            word = spec.subgroup.split(" ", 1)[1]
            if word not in subgroups:
                subgroups[word] = []
                names.append(word)
            subgroups[word].append(spec.name)
        else:
            names.append(spec.name)
    return ", ".join(
        f"{name} ({', '.join(subgroups[name])})" if name in subgroups else name for name in names
    )
