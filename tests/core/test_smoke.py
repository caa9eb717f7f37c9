from tests.harness import Harness


async def test_help_answers(harness: Harness) -> None:
    reply = await harness.say("alice", "!help")
    assert reply is not None
    assert "!language" in reply.text
