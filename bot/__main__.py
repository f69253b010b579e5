"""`python -m bot`: Telegram when TELEGRAM_BOT_TOKEN is set, otherwise the console chat."""

import os
import sys


def main() -> int:
    if os.environ.get("TELEGRAM_BOT_TOKEN"):
        from bot.telegram_app import run_telegram

        return run_telegram()
    from bot.console import main as console_main

    return console_main()


if __name__ == "__main__":
    sys.exit(main())
