"""`python -m bot`: Telegram when TELEGRAM_BOT_TOKEN is set, otherwise the console chat.
`python -m bot admin ...`: operator commands (sponsor invites, leads, outbox, purge)."""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["admin"]:
        from bot.admin import main as admin_main

        return admin_main(argv[1:])
    if os.environ.get("TELEGRAM_BOT_TOKEN"):
        from bot.telegram_app import run_telegram

        return run_telegram()
    from bot.console import main as console_main

    return console_main()


if __name__ == "__main__":
    sys.exit(main())
