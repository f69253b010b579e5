"""The user-facing side: a console chat (no token) or the Telegram bot, both talking to Rasa over HTTP."""
