"""``me email …``: give an address, confirm it, choose what goes by e-mail, remove it.

A core cog (added when ``[email] enabled``): the address lives in a core table, read by the
outbox's routing and the e-mail adapter, and it is part of the member's core rights (export,
forget). The confirmation e-mail is an outbox message to the e-mail platform (kind
``email.confirm``), so an SMTP server that is down delays it rather than losing it.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Annotated, Literal

from bot.core.cog import Cog
from bot.core.commands import Opt, command
from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.invocation import Invocation
from bot.core.mail.routing import CONFIRM_KIND, EMAIL, apply_choices
from bot.core.mail.store import EmailStatus
from bot.core.outbox import Delivery
from bot.core.reply import Reply, Tone

if TYPE_CHECKING:
    from bot.core.core import Core

GROUP = "me email"
CONFIRM_PATH = "/email/confirm/"
Switch = Literal["on", "off", ""]


def confirm_key(member_id: int, token: str) -> str:
    """One outbox key per confirmation sent (the token's hash tells them apart)."""
    return f"{CONFIRM_KIND}:{member_id}:{hashlib.sha256(token.encode()).hexdigest()[:16]}"


class EmailCommands(Cog, name="email", group=GROUP):
    def __init__(self, core: Core) -> None:
        super().__init__(core)
        # The code and the link prove the address: gone from the outbox once the e-mail is.
        self.core.outbox.register(CONFIRM_KIND, self._render_confirmation, secrets=("code", "url"))

    @command("address", group=GROUP)
    async def address(
        self,
        inv: Invocation,
        address: Annotated[str, Opt("Votre adresse e-mail", max_length=254)],
    ) -> Reply:
        """Donner mon adresse e-mail (un code de confirmation y est envoyé)."""
        issued = await self.core.mail.request(inv.member_id, address)
        url = self.core.settings.web.public_url + CONFIRM_PATH + issued.token
        await self.core.outbox.enqueue(
            confirm_key(inv.member_id, issued.token),
            self.core.clock.now(),
            kind=CONFIRM_KIND,
            data={
                "code": issued.code,
                "url": url,
                "address": issued.address,
                "expires_at": issued.expires_at.isoformat(),
            },
            member_id=inv.member_id,
            platform=EMAIL,
        )
        return Reply(
            text=inv.t(
                "Un code à 6 chiffres part à {address}. Tapez-le avec "
                "`{prefix}me email confirm code:…` ou ouvrez le lien de l'e-mail, avant {when}. "
                "D'ici là, rien d'autre n'est envoyé à cette adresse.",
                address=issued.address,
                prefix=inv.prefix,
                when=inv.t.datetime(issued.expires_at),
            ),
            tone=Tone.SUCCESS,
            private=True,
        )

    @command("confirm", group=GROUP)
    async def confirm(
        self,
        inv: Invocation,
        code: Annotated[str, Opt("Le code à 6 chiffres reçu par e-mail", max_length=20)],
    ) -> Reply:
        """Confirmer mon adresse e-mail avec le code reçu."""
        address = await self.core.mail.confirm_code(inv.member_id, code)
        await apply_choices(self.core, inv.member_id)
        return Reply(
            text=inv.t(
                "Adresse {address} confirmée. Choisissez ce qui vous y est envoyé : "
                "`{prefix}me email choose reminders:on digest:on`.",
                address=address,
                prefix=inv.prefix,
            ),
            tone=Tone.SUCCESS,
            private=True,
        )

    @command("choose", group=GROUP)
    async def choose(
        self,
        inv: Invocation,
        reminders: Annotated[Switch, Opt("Les rappels des cafés par e-mail : on ou off")] = "",
        digest: Annotated[Switch, Opt("Le résumé mensuel par e-mail : on ou off")] = "",
    ) -> Reply:
        """Choisir ce que je reçois par e-mail : rappels, résumé mensuel."""
        if not reminders and not digest:
            raise UserError(
                "Dites ce que vous voulez recevoir par e-mail, par exemple "
                "{prefix}me email choose reminders:on digest:off.",
                prefix=inv.prefix,
            )
        status = await self.core.mail.choose(
            inv.member_id,
            reminders=None if not reminders else reminders == "on",
            digest=None if not digest else digest == "on",
        )
        await apply_choices(self.core, inv.member_id)
        return await self._status_reply(inv, status)

    @command("status", group=GROUP)
    async def status(self, inv: Invocation) -> Reply:
        """Voir mon adresse e-mail et ce qui m'y est envoyé."""
        status = await self.core.mail.status(inv.member_id)
        if status is None:
            return Reply(
                text=inv.t(
                    "Vous n'avez pas donné d'adresse e-mail. Pour recevoir les rappels ou le "
                    "résumé par e-mail : `{prefix}me email address vous@exemple.org`.",
                    prefix=inv.prefix,
                ),
                private=True,
            )
        return await self._status_reply(inv, status)

    @command("remove", group=GROUP)
    async def remove(self, inv: Invocation) -> Reply:
        """Effacer mon adresse e-mail (plus rien n'y est envoyé)."""
        if not await self.core.mail.remove(inv.member_id):
            raise UserError("Vous n'avez pas d'adresse e-mail enregistrée : rien à effacer.")
        await apply_choices(self.core, inv.member_id)
        return Reply(
            text=inv.t(
                "Adresse effacée : plus rien ne vous est envoyé par e-mail, tout arrive ici."
            ),
            tone=Tone.SUCCESS,
            private=True,
        )

    async def _status_reply(self, inv: Invocation, status: EmailStatus) -> Reply:
        t = inv.t
        lines = [_status_line(t, status)]
        refused = await self.core.mail.untold_refusal(inv.member_id)
        if refused is not None or status.refused_reason:
            lines.append(
                t(
                    "⚠️ Le serveur de messagerie refuse l'adresse {address} : plus rien n'y "
                    "est envoyé, vos messages arrivent ici. Donnez-en une autre avec "
                    "`{prefix}me email address …`.",
                    address=status.address,
                    prefix=inv.prefix,
                )
            )
        elif not status.confirmed:
            lines.append(
                t(
                    "Pas encore confirmée : tapez `{prefix}me email confirm code:…` avec le "
                    "code reçu. Rien d'autre n'y est envoyé d'ici là.",
                    prefix=inv.prefix,
                )
            )
        return Reply(text="\n".join(lines), private=True)

    async def _render_confirmation(self, delivery: Delivery) -> Reply | None:
        t = delivery.t
        data = delivery.data
        if delivery.member_ref is None or delivery.member_ref.platform != EMAIL:
            # The e-mail failed for good and the outbox stands in on chat: never the code
            # there (it proves the address is theirs).
            return Reply(
                text=t(
                    "Je n'ai pas pu envoyer le code de confirmation à {address}. Vérifiez "
                    "l'adresse et redonnez-la avec me email address.",
                    address=data.get("address", ""),
                ),
                tone=Tone.WARNING,
            )
        return Reply(
            title=t("Confirmez votre adresse e-mail"),
            text=t(
                "Votre code : **{code}**. Tapez `me email confirm code:{code}` sur le chat, "
                "ou ouvrez ce lien pour confirmer : {url}",
                code=data["code"],
                url=data["url"],
            ),
        )


def _status_line(t: Translator, status: EmailStatus) -> str:
    on, off = t("oui"), t("non")
    return t(
        "Adresse : {address} ({state}). Rappels des cafés par e-mail : {reminders}. Résumé "
        "mensuel par e-mail : {digest}.",
        address=status.address,
        state=t("confirmée") if status.confirmed else t("non confirmée"),
        reminders=on if status.reminders else off,
        digest=on if status.digest else off,
    )
