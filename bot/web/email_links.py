"""The links in e-mails, which work without logging in (the token in the URL is the key):

- ``/email/confirm/<token>``: GET shows a button, POST confirms the address. A link scanner
  or preview fetching the GET confirms nothing.
- ``/email/unsubscribe/<token>``: GET shows what goes by e-mail and a button, POST turns it
  all off. Mail clients' one-click unsubscribe (RFC 8058) POSTs ``List-Unsubscribe=One-Click``
  to the same address: no form token is asked, the URL's token is the capability (no session
  cookie is involved, so there is nothing for a forged cross-site request to ride on).

An unknown token gets the same 404 page whatever the reason, telling nothing about which
tokens exist. A page whose token is valid speaks its member's language (the one their e-mails
are written in); the 404 page, the browser's.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.core.i18n import N_, Translator
from bot.core.mail.routing import apply_choices
from bot.core.members import parse_zone
from bot.web.keys import CORE
from bot.web.render import error_page, page

TOKEN = r"{token:[A-Za-z0-9_-]{16,64}}"


async def _reader(request: web.Request, member_id: int) -> Translator:
    """The member's language and zone (the community's when they chose none)."""
    core = request.app[CORE]
    info = await core.members.get(member_id)
    zone = (info.zone if info else None) or parse_zone(core.settings.bot.timezone)
    return core.i18n.translator(info.locale if info else None, zone)


def _show(
    request: web.Request, t: Translator, title: str, message: str, **extra: Any
) -> web.Response:
    context: dict[str, Any] = {
        "title": title,
        "message": message,
        "params": extra.pop("params", {}),
        "button": extra.pop("button", None),
        "action": request.path,
        "done": extra.pop("done", False),
    }
    return page(request, None, "email_link.html", context, t=t)


def _unknown(request: web.Request) -> web.Response:
    return error_page(
        request,
        None,
        404,
        N_("Lien inconnu"),
        N_(
            "Ce lien n'est pas (ou plus) valable. Sur le chat, tapez me email status pour voir "
            "votre adresse, ou me email address pour recevoir un nouveau lien."
        ),
    )


async def confirm_form(request: web.Request) -> web.Response:
    member_id = await request.app[CORE].mail.link_member(request.match_info["token"])
    if member_id is None:
        return _unknown(request)
    return _show(
        request,
        await _reader(request, member_id),
        N_("Confirmer votre adresse e-mail"),
        N_("Confirmez que cette adresse est bien la vôtre :"),
        button=N_("Confirmer mon adresse"),
    )


async def confirm(request: web.Request) -> web.Response:
    core = request.app[CORE]
    member_id = await core.mail.confirm_link(request.match_info["token"])
    if member_id is None:
        return _unknown(request)
    await apply_choices(core, member_id)
    return _show(
        request,
        await _reader(request, member_id),
        N_("Adresse confirmée"),
        N_(
            "C'est fait : votre adresse est confirmée. Sur le chat, choisissez ce que vous "
            "recevez par e-mail avec me email choose reminders:on digest:on."
        ),
        done=True,
    )


async def unsubscribe_form(request: web.Request) -> web.Response:
    status = await request.app[CORE].mail.by_unsubscribe_token(request.match_info["token"])
    if status is None:
        return _unknown(request)
    t = await _reader(request, status.member_id)
    if not status.reminders and not status.digest:
        return _show(
            request,
            t,
            N_("Désinscription"),
            N_("Vous ne recevez plus rien par e-mail à {address}."),
            params={"address": status.address},
            done=True,
        )
    return _show(
        request,
        t,
        N_("Désinscription"),
        N_(
            "Ne plus rien recevoir par e-mail à {address} ? Vos rappels et le résumé "
            "arriveront sur le chat."
        ),
        params={"address": status.address},
        button=N_("Ne plus rien recevoir"),
    )


async def unsubscribe(request: web.Request) -> web.Response:
    core = request.app[CORE]
    token = request.match_info["token"]
    status = await core.mail.by_unsubscribe_token(token)
    member_id = await core.mail.unsubscribe(token)
    if status is None or member_id is None:
        return _unknown(request)
    await apply_choices(core, member_id)
    return _show(
        request,
        await _reader(request, member_id),
        N_("Désinscription"),
        N_(
            "C'est fait : plus rien n'est envoyé par e-mail à {address}. Pour changer d'avis, "
            "tapez me email choose sur le chat."
        ),
        params={"address": status.address},
        done=True,
    )


def setup(app: web.Application) -> None:
    app.router.add_get(f"/email/confirm/{TOKEN}", confirm_form)
    app.router.add_post(f"/email/confirm/{TOKEN}", confirm)
    app.router.add_get(f"/email/unsubscribe/{TOKEN}", unsubscribe_form)
    app.router.add_post(f"/email/unsubscribe/{TOKEN}", unsubscribe)
