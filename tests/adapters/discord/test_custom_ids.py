"""custom_ids carry the whole invocation in ≤ 100 characters; anything else decodes to None."""

from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.discord import custom_ids
from bot.adapters.discord.render import build_view
from bot.core.reply import Action


def test_round_trip() -> None:
    action = Action.invoke("cafe join", label="Je m'inscris", occurrence=12, waitlist=True)
    encoded = custom_ids.encode(action)
    assert encoded is not None and len(encoded) <= 100
    decoded = custom_ids.decode(encoded)
    assert decoded == custom_ids.Decoded(
        "b", "cafe join", {"occurrence": "12", "waitlist": "true"}
    )
    prompt = Action.invoke("poll answer", label="Répondre", prompt="text", poll=3)
    assert custom_ids.decode(custom_ids.encode(prompt)) == custom_ids.Decoded(
        "m", "poll answer", {"poll": "3"}, "text"
    )


def test_values_with_separators_survive() -> None:
    action = Action.invoke("poll vote", label="x", choice="A | B & C=D%")
    decoded = custom_ids.decode(custom_ids.encode(action))
    assert decoded is not None and decoded.args == {"choice": "A | B & C=D%"}


def test_too_long_is_refused_not_truncated() -> None:
    action = Action.invoke("poll vote", label="x", choice="é" * 40)
    assert custom_ids.encode(action) is None


@given(st.text(max_size=120))
def test_arbitrary_text_never_raises(text: str) -> None:
    decoded = custom_ids.decode(text)
    assert decoded is None or decoded.path


def test_view_layout_respects_discord_limits() -> None:
    many = [Action.invoke("poll vote", label=f"Choix {i}", choice=str(i)) for i in range(30)]
    extra = [Action.invoke("poll close", label="Clore", poll=1)]
    view = build_view(many + extra)
    assert view is not None
    rows = view.to_components()
    assert len(rows) <= 5
    kinds = [c["type"] for row in rows for c in row["components"]]
    assert kinds.count(3) == 1 and kinds.count(2) == 1  # a select (≤ 25 options) + a button
    select = next(c for row in rows for c in row["components"] if c["type"] == 3)
    assert len(select["options"]) == 25
