from tests.e2e.discord.conftest import Bot


async def test_connects_and_syncs(bot: Bot) -> None:
    fake = bot.fake
    assert bot.adapter.synced
    assert fake.sync_requests
    scope, commands = fake.sync_requests[-1]
    assert scope == str(fake.guild_id)
    names = {c["name"] for c in commands}
    assert {"help", "language", "timezone", "demo"} <= names
    user = fake.member_id("user0")
    iid = await fake.command(user, "help")
    answer = await fake.answer(iid)
    assert answer.kind == "message", answer
    assert answer.ephemeral
    assert "help" in answer.text
