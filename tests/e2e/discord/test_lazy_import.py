import subprocess
import sys


def test_discord_is_imported_only_when_the_adapter_is_enabled() -> None:
    code = (
        "import sys; from bot.app import platform_adapters; from bot.config import Settings;"
        "import bot.cli, bot.core;"
        "assert platform_adapters(Settings()) == [];"
        "assert 'discord' not in sys.modules, 'imported too early';"
        "platform_adapters(Settings(discord={'enabled': True, 'token': 't', 'guild_id': '1'}));"
        "assert 'discord' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
