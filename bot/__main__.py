"""The ``passerelle`` command and ``python -m bot``: the garbage collector paused while the
process starts (``bot.startup``), then the command line."""

from bot.startup import pause, settled


def main() -> int:
    pause()
    from bot.cli import main as cli_main

    try:
        return cli_main()
    finally:
        settled()


if __name__ == "__main__":
    raise SystemExit(main())
