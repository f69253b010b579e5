"""The real Telegram bot (`bot.telegram_app.run_telegram`) with one addition for the benchmark.

After each update has been fully handled (every reply sent), it prints `DONE <update_id>` on stdout,
so that the load generator knows where a turn ends even when the answer is several messages long.
Nothing else changes: same Application, same handlers, same Rasa client, same storage.
"""

from __future__ import annotations

import sys

from bot import telegram_app


def install_done_hook(out=sys.stdout) -> None:
    original = telegram_app.ChatOrderedProcessor.do_process_update

    async def do_process_update(self, update, coroutine):
        try:
            await original(self, update, coroutine)
        finally:
            update_id = getattr(update, "update_id", None)
            if update_id is not None:
                out.write(f"DONE {update_id}\n")
                out.flush()

    telegram_app.ChatOrderedProcessor.do_process_update = do_process_update


def main() -> int:
    install_done_hook()
    return telegram_app.run_telegram()


if __name__ == "__main__":
    sys.exit(main())
