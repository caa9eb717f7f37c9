"""The ``dashboard`` command: a private one-time link to the web dashboard.

Moderators land on the overview, members on their own page (``/me``); the link works once,
for ten minutes, and a member may ask only a few times in a while (``bot.core.web_login``).
The reply is private (an ephemeral message or a direct message): the link is a key.
"""

from __future__ import annotations

from bot.core.core import Core
from bot.core.invocation import Invocation
from bot.core.refs import Role
from bot.core.reply import Reply, Tone
from bot.core.web_login import WebLogins


def web_logins(core: Core) -> WebLogins:
    """The login service over the core's database, with ``[web] session_hours``."""
    return WebLogins(core.db, core.clock, session_hours=core.settings.web.session_hours)


async def dashboard_reply(inv: Invocation) -> Reply:
    core = inv.core
    if not core.web.enabled:
        return Reply(
            text=inv.t(
                "Le tableau de bord web n'est pas activé sur cette communauté "
                "(réglage [web] enabled)."
            ),
            tone=Tone.WARNING,
            private=True,
        )
    moderator = inv.actor.has(Role.MODERATOR)
    target = "/" if moderator else "/me"
    link = await web_logins(core).issue(inv.member_id, target)
    url = core.web.url(f"/login/{link.token}")
    if moderator:
        text = inv.t(
            "Votre lien vers le tableau de bord (personnel, valable une seule fois, jusqu'à "
            "{when}) : {url}",
            url=url,
            when=inv.t.datetime(link.expires_at),
        )
    else:
        text = inv.t(
            "Votre lien vers votre page personnelle (vos cafés, vos favoris, votre profil ; "
            "valable une seule fois, jusqu'à {when}) : {url}",
            url=url,
            when=inv.t.datetime(link.expires_at),
        )
    text += "\n" + inv.t("Ne le partagez pas : il ouvre une session à votre nom.")
    return Reply(text=text, private=True)
