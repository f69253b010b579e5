"""A crash in an action never leaves the person without an answer, and never logs what they wrote."""

from __future__ import annotations

import functools
import logging
import traceback

from rasa_sdk.utils import call_potential_coroutine

logger = logging.getLogger(__name__)

APOLOGY = ("Désolé, un problème technique m'empêche de répondre à cela pour le moment. "
           "Vous pouvez réessayer ou choisir dans le menu.")
MENU_BUTTON = {"title": "Voir le menu", "payload": "/help"}  # the way back offered by every action


def apologise_on_error(cls):
    """Class decorator for actions: on any exception, apologise, offer the menu and log the error.

    Only the exception type and the code location are logged: exception messages may quote user input.
    """
    original = cls.run

    @functools.wraps(original)
    async def run(self, dispatcher, tracker, domain):
        try:
            return await call_potential_coroutine(original(self, dispatcher, tracker, domain))
        except Exception as error:  # noqa: BLE001 - the person must always get an answer
            where = "".join(traceback.format_tb(error.__traceback__)[-3:])
            logger.error("action %s failed with %s at:\n%s", self.name(), type(error).__name__, where)
            dispatcher.utter_message(text=APOLOGY, buttons=[MENU_BUTTON])
            return []

    cls.run = run
    return cls
