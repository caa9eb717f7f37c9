"""Matrix event contents built from replies and parsed back (no homeserver needed)."""

from __future__ import annotations

from pathlib import Path

from bot.adapters.matrix import content as mx
from bot.adapters.matrix.state import PollRecord, StateFile
from bot.core.reply import Action, Field, NativePoll, Reply


def poll(**kw: object) -> NativePoll:
    return NativePoll(
        key="poll:7",
        question="Votre rentrée ?",
        answers=(("a", "Calme"), ("b", "Chargée")),
        vote=Action.invoke("poll vote", label="Voter", poll=7),
        **kw,  # type: ignore[arg-type]
    )


def test_reply_becomes_a_notice_with_html_and_readable_plain_text() -> None:
    reply = Reply(
        title="Café <du mois>",
        text="**Jeudi** à 10 h, voir [le lien](https://example.org)",
        fields=[Field("Places", "3")],
        actions=[Action.invoke("cafe join", label="Je m'inscris", occurrence=12)],
    )
    content = mx.message_content(reply, "!")
    assert content["msgtype"] == "m.notice"
    assert content["body"].splitlines() == [
        "Café <du mois>",
        "Jeudi à 10 h, voir le lien (https://example.org)",
        "Places\u202f: 3",  # a French reply: the narrow no-break space before the colon
        "- Je m'inscris → !cafe join occurrence:12",
    ]
    english = mx.message_content(Reply(fields=[Field("Seats", "3")], locale="en"), "!")
    assert english["body"] == "Seats: 3"
    assert english["formatted_body"] == "<strong>Seats</strong>: 3"
    html = content["formatted_body"]
    assert "<strong>Café &lt;du mois&gt;</strong>" in html
    assert '<a href="https://example.org">le lien</a>' in html
    assert "<code>!cafe join occurrence:12</code>" in html
    assert content["m.mentions"] == {"user_ids": []}  # sent even empty: nobody is pinged


def test_mentions_read_as_names_and_only_the_bot_s_own_ping() -> None:
    reply = Reply(
        text="Bienvenue [Alice](https://matrix.to/#/@alice:example.org) !",
        mentions=("@alice:example.org",),
    )
    content = mx.message_content(reply, "!")
    assert content["body"] == "Bienvenue Alice !"
    assert 'href="https://matrix.to/#/@alice:example.org"' in content["formatted_body"]
    assert content["m.mentions"] == {"user_ids": ["@alice:example.org"]}


def test_user_text_with_a_pill_or_at_room_pings_nobody() -> None:
    # A poll question or café topic typed by a member, echoed in the bot's reply.
    reply = Reply(
        title="@room venez voir",
        text="Question de [Bob](https://matrix.to/#/@bob:example.org) pour @room",
        fields=[Field("Sujet", "[Chef](https://matrix.to/#/@boss:example.org)")],
    )
    content = mx.message_content(reply, "!")
    assert content["m.mentions"] == {"user_ids": []}
    assert "room" not in content["m.mentions"]


def test_every_sent_event_gets_safe_mentions() -> None:
    # What ``_room_send`` applies to each event: poll starts, files, reactions, anything.
    bare = mx.with_mentions(mx.poll_start_content(poll()))
    assert bare["m.mentions"] == {"user_ids": []}
    forged = mx.with_mentions({"body": "@room", "m.mentions": {"room": True, "user_ids": ["x"]}})
    assert forged["m.mentions"] == {"user_ids": []}  # no @room, nothing that is not a user id
    kept = mx.with_mentions({"m.mentions": {"user_ids": ["@a:x", "@a:x"]}})
    assert kept["m.mentions"] == {"user_ids": ["@a:x"]}


def test_poll_start_carries_the_unstable_and_stable_forms() -> None:
    content = mx.poll_start_content(poll(max_selections=5))
    unstable = content["org.matrix.msc3381.poll.start"]
    assert unstable["kind"] == "org.matrix.msc3381.poll.disclosed"
    assert unstable["max_selections"] == 2  # never more than there are answers
    assert unstable["question"]["org.matrix.msc1767.text"] == "Votre rentrée ?"
    assert [a["id"] for a in unstable["answers"]] == ["a", "b"]
    assert content["m.poll"]["answers"][1] == {"m.id": "b", "m.text": [{"body": "Chargée"}]}
    assert content["m.poll.start"]["answers"][0] == {"id": "a", "m.text": "Calme"}
    assert "1. Calme" in content["org.matrix.msc1767.text"]


def test_poll_responses_are_read_in_both_forms() -> None:
    relation = {"rel_type": "m.reference", "event_id": "$start"}
    unstable = {
        "org.matrix.msc3381.poll.response": {"answers": ["a", "a"]},
        "m.relates_to": relation,
    }
    stable = {"m.selections": ["b"], "m.relates_to": relation}
    assert mx.parse_poll_response("org.matrix.msc3381.poll.response", unstable) == (
        "$start",
        ["a"],
    )
    assert mx.parse_poll_response("m.poll.response", stable) == ("$start", ["b"])
    assert mx.parse_poll_response("m.room.message", stable) is None
    wrong = {"m.selections": ["b"], "m.relates_to": {"m.in_reply_to": {"event_id": "$x"}}}
    assert mx.parse_poll_response("m.poll.response", wrong) is None


def test_poll_end_references_its_start() -> None:
    content = mx.poll_end_content("$start", "Résultats : a=2")
    assert content["m.relates_to"] == {"rel_type": "m.reference", "event_id": "$start"}
    assert content["org.matrix.msc1767.text"] == "Résultats : a=2"


def test_reply_fallback_and_transaction_ids() -> None:
    assert mx.strip_reply_fallback("> <@a:x> !help\n> more\n\n!poll list") == "!poll list"
    assert mx.strip_reply_fallback("!poll list") == "!poll list"
    assert mx.tx_id("cafe:1:24h:5") == mx.tx_id("cafe:1:24h:5")
    assert mx.tx_id("cafe:1:24h:5", 1) != mx.tx_id("cafe:1:24h:5", 2)
    assert mx.reply_relation("$c", "$root")["rel_type"] == "m.thread"
    assert mx.reply_relation("$c") == {"m.in_reply_to": {"event_id": "$c"}}


def test_edit_wraps_the_new_content() -> None:
    new = mx.message_content(Reply(text="v2"), "!")
    edit = mx.edit_content(new, "$old")
    assert edit["m.relates_to"] == {"rel_type": "m.replace", "event_id": "$old"}
    assert edit["m.new_content"]["body"] == "v2"
    assert edit["body"] == "* v2"


def test_an_edit_pings_nobody_again() -> None:
    new = mx.message_content(Reply(text="Bienvenue", mentions=("@a:x",)), "!")
    edit = mx.edit_content(new, "$old")
    assert edit["m.mentions"] == {"user_ids": []}
    assert edit["m.new_content"]["m.mentions"] == {"user_ids": ["@a:x"]}


def test_member_text_cannot_inject_attributes_or_tags() -> None:
    reply = Reply(
        title='Sondage [x](https://e.org/"onmouseover="alert(1))',
        text='[</a><img src=x onerror=alert(1)>](https://e.org/?q="><script>)',
    )
    html = mx.message_content(reply, "!")["formatted_body"]
    assert '"onmouseover' not in html and "<img" not in html and "<script" not in html
    assert 'href="https://e.org/&quot;onmouseover=&quot;alert(1"' in html


def test_state_file_survives_a_restart_and_forgets_left_rooms(tmp_path: Path) -> None:
    store = StateFile(tmp_path)
    state = store.load()
    state.sync_token = "s42"
    state.direct_rooms["@bob:x"] = "!dm"
    state.polls["poll:7"] = PollRecord("poll:7", "!room", "$start", poll().to_json())
    store.save()
    again = StateFile(tmp_path).load()
    assert again.sync_token == "s42"
    record = again.poll_by_event("$start")
    assert record is not None and NativePoll.from_json(record.poll) == poll()
    again.forget_room("!room")
    again.forget_room("!dm")
    assert not again.polls and not again.direct_rooms
    assert (tmp_path / "passerelle-state.json").stat().st_mode & 0o077 == 0
