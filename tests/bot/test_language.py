"""Messages the NLU cannot read: another language, recognised only when clear, and messages without words."""

import pytest

from bot.language import REPLY_FR, WORDLESS_REPLY, foreign_language, foreign_reply, local_reply


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("where can I find a job in Spain?", "en"),
        ("Hello, what is this bot about?", "en"),
        ("Hola, ¿qué es la VAE inversa?", "es"),
        ("¿hablas español?", "es"),
        ("Hallo, ich suche Arbeit in Frankreich", "de"),
        ("ciao, cerco lavoro come infermiere", "it"),
        ("olá, você fala português?", "pt"),
        ("كيف أجد عملا في فرنسا", "other"),
        ("Как найти работу?", "other"),
    ],
)
def test_clear_foreign_messages(text, lang):
    assert foreign_language(text) == lang


@pytest.mark.parametrize(
    "text",
    [
        "je cherche un job dans le marketing digital",
        "c'est quoi le process pour un contrat pro ?",
        "hello, je voudrais savoir ce qu'est la VAE inversée",
        "je suis sans diplôme, can you help ?",
        "ok cool thanks",
        "Lyon", "Sarah", "Do", "06 12 34 56 78", "sarah.martin@example.com", "👍🤔", "", "RSA",
        "é" * 5000,
        "je suis née en Algérie, j'habite à Lyon",
    ],
)
def test_french_or_unclear_messages_go_to_the_assistant(text):
    assert foreign_language(text) is None and foreign_reply(text) is None


def test_the_reply_is_in_french_then_in_the_language_of_the_message():
    reply = foreign_reply("¿hablas español?")
    assert reply.startswith(REPLY_FR) and "solo puedo responder en francés" in reply
    assert "only answer in French" in foreign_reply("كيف أجد عملا")


@pytest.mark.parametrize(("text", "local"), [("😀", True), ("👍🎉 !!", True), ("?", True), ("...", True),
                                             ("👍 oui", False), ("34", False), ("bonjour 😀", False), ("", False)])
def test_messages_without_a_letter_or_digit_are_answered_here(text, local):
    assert (local_reply(text) == WORDLESS_REPLY) is local
