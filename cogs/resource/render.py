"""Pure functions: the library's domain objects → neutral replies."""

from __future__ import annotations

from typing import Any

from bot.core import Action, ActionStyle, Field, Reply, Tone, Translator

from .domain import AddResult, Origin, ResourceStatus, ResourceView, SearchPage
from .preview import PreviewError
from .tag_admin import TagChange

SUMMARY_PREVIEW = 240


def _author(view: ResourceView, t: Translator) -> str:
    if view.author_name:
        return view.author_name
    if view.origin == Origin.IMPORT:
        return t("la bibliothèque importée")
    return t("un ancien membre")


def _line(view: ResourceView, t: Translator) -> str:
    line = f"**{view.id}.** [{_escape(view.title)}]({view.url})"
    if view.tags:
        line += " — " + ", ".join(view.tags)
    if view.status == ResourceStatus.PENDING:
        line += " " + t("(en attente de validation)")
    return line


def _escape(text: str) -> str:
    return text.replace("[", "(").replace("]", ")")


def resource_card(view: ResourceView, t: Translator, *, private: bool = False) -> Reply:
    summary = view.summary
    fields = [
        Field(t("Partagée par"), _author(view, t), inline=True),
        Field(t("Le"), t.date(view.created_at), inline=True),
    ]
    if view.tags:
        fields.append(Field(t("Tags"), ", ".join(view.tags), inline=True))
    if view.collections:
        fields.append(Field(t("Collections"), ", ".join(view.collections), inline=True))
    if view.status == ResourceStatus.PENDING:
        fields.append(Field(t("Statut"), t("en attente de validation par un modérateur")))
    actions = []
    if not view.saved:
        actions.append(Action.invoke("resource save", label=t("Mettre de côté"), id=view.id))
    return Reply(
        title=f"{view.id}. {view.title}",
        text=(f"{view.url}\n\n{summary}" if summary else view.url),
        fields=fields,
        actions=actions,
        # A resource under review is shown only to its author and the moderators: its card is
        # never posted in a shared room.
        private=private or view.status == ResourceStatus.PENDING,
    )


def added(result: AddResult, t: Translator) -> Reply:
    view = result.resource
    if view is None:
        return Reply(
            text=t(
                "Ce lien a déjà été proposé et attend la validation d'un modérateur : "
                "il apparaîtra dans la bibliothèque dès qu'il sera publié."
            ),
            private=True,
        )
    if not result.created:
        text = t(
            "Ce lien est déjà dans la bibliothèque : partagé par {author} le {date}.",
            author=_author(view, t),
            date=t.date(view.created_at),
        )
        if result.added_tags:
            text += " " + t("J'ai ajouté vos tags : {tags}.", tags=", ".join(result.added_tags))
        card = resource_card(view, t)
        card.text = text + "\n\n" + card.text
        return card
    card = resource_card(view, t)
    lines = []
    if view.status == ResourceStatus.PENDING:
        lines.append(
            t(
                "Merci ! Votre ressource attend la validation d'un modérateur ; "
                "je vous préviendrai en privé dès qu'elle sera publiée."
            )
        )
    else:
        lines.append(t("Merci ! Ressource {id} ajoutée à la bibliothèque.", id=view.id))
    if result.preview_error is not None:
        lines.append(preview_failed(result.preview_error, t))
    card.text = "\n".join(lines) + "\n\n" + card.text
    card.tone = Tone.SUCCESS if result.preview_error is None else Tone.WARNING
    return card


def preview_failed(error: PreviewError, t: Translator) -> str:
    return t(
        "Je n'ai pas pu lire la page ({reason}) : le lien sert de titre. "
        "Corrigez-le avec resource edit si besoin.",
        reason=t(error.msgid, **error.params),
    )


def page(
    result: SearchPage,
    t: Translator,
    *,
    title: str,
    command: str,
    args: dict[str, Any],
    empty: str,
) -> Reply:
    if not result.items:
        return Reply(title=title, text=empty if result.page == 1 else t("Plus de résultats."))
    lines = [_line(v, t) for v in result.items]
    actions = []
    if result.page > 1:
        actions.append(
            Action.invoke(command, label=t("Page précédente"), page=result.page - 1, **args)
        )
    if result.has_next:
        actions.append(
            Action.invoke(
                command,
                label=t("Page suivante"),
                style=ActionStyle.PRIMARY,
                page=result.page + 1,
                **args,
            )
        )
    lines.append("")
    lines.append(t("Page {page}. Détails : resource show id:…", page=result.page))
    return Reply(title=title, text="\n".join(lines), actions=actions)


def tag_list(tags: list[tuple[str, int]], t: Translator) -> Reply:
    if not tags:
        return Reply(text=t("Aucun tag pour l'instant : ajoutez-en avec resource add … tags:…"))
    lines = [f"- {label} ({count})" for label, count in tags[:100]]
    if len(tags) > 100:
        lines.append(t.n("… et {n} autre.", "… et {n} autres.", len(tags) - 100))
    return Reply(title=t("Tags de la bibliothèque"), text="\n".join(lines))


def collection_list(collections: list[tuple[str, int]], t: Translator) -> Reply:
    if not collections:
        return Reply(
            text=t(
                "Aucune collection pour l'instant : ajoutez-en avec resource add … collection:…"
            )
        )
    lines = [
        "- " + name + " — " + t.n("{n} ressource", "{n} ressources", count)
        for name, count in collections
    ]
    return Reply(title=t("Collections"), text="\n".join(lines))


def approved_dm(data: dict[str, Any], t: Translator) -> Reply:
    return Reply(
        text=t(
            "Bonne nouvelle : votre ressource « {title} » est publiée dans la bibliothèque "
            "(numéro {id}).",
            title=data.get("title", ""),
            id=data.get("id", "?"),
        ),
        actions=[Action.invoke("resource show", label=t("Voir"), id=int(data.get("id", 0)))],
        tone=Tone.SUCCESS,
    )


def rejected_dm(data: dict[str, Any], t: Translator, *, mention: str | None) -> Reply:
    if mention is not None:
        return Reply(
            text=t(
                "{mention}, une ressource que vous avez proposée n'a pas été retenue par les "
                "modérateurs.",
                mention=mention,
            )
        )
    return Reply(
        text=t(
            "Votre ressource « {title} » n'a pas été retenue par les modérateurs. Vous pouvez "
            "en parler avec eux si vous le souhaitez.",
            title=data.get("title", ""),
        )
    )


def tag_changed(change: TagChange, t: Translator, *, merged: bool) -> Reply:
    if merged:
        text = t.n(
            "Tag « {old} » fusionné dans « {new} » : {n} ressource déplacée.",
            "Tag « {old} » fusionné dans « {new} » : {n} ressources déplacées.",
            change.resources,
            old=change.old,
            new=change.new,
        )
        if change.duplicates:
            text += " " + t.n(
                "{n} ressource avait déjà les deux tags.",
                "{n} ressources avaient déjà les deux tags.",
                change.duplicates,
            )
    else:
        text = t.n(
            "Tag « {old} » renommé « {new} » sur {n} ressource.",
            "Tag « {old} » renommé « {new} » sur {n} ressources.",
            change.resources,
            old=change.old,
            new=change.new,
        )
    return Reply(text=text, tone=Tone.SUCCESS)


def pending_list(items: list[ResourceView], t: Translator) -> Reply:
    if not items:
        return Reply(text=t("Aucune ressource n'attend de validation."), private=True)
    lines = [_line(v, t) + " — " + _author(v, t) for v in items]
    actions = [
        Action.invoke("resource approve", label=t("Valider {id}", id=v.id), id=v.id)
        for v in items[:5]
    ]
    return Reply(
        title=t("En attente de validation"), text="\n".join(lines), actions=actions, private=True
    )
