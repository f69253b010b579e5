"""Rendering: escaping, splitting on paragraph boundaries, keyboards, 64-byte callback data."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.rasa_client import BotMessage, Button
from bot.render import (
    CallbackMap,
    candidate_accepted_text,
    contact_html,
    keyboard,
    lead_summary_html,
    merge_turn,
    split_text,
    telegram_length,
    to_html,
)


def test_html_is_escaped_and_double_stars_become_bold():
    assert to_html("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    assert to_html("**Important** : <script>") == "<b>Important</b> : &lt;script&gt;"
    assert to_html("2 ** 3 et un * seul") == "2 ** 3 et un * seul"


def test_short_text_is_one_piece_and_empty_text_none():
    assert split_text("Bonjour") == ["Bonjour"]
    assert split_text("   \n\n ") == []


def test_long_text_is_split_on_paragraphs_first():
    paragraphs = [f"Paragraphe {i}. " + "mot " * 300 for i in range(6)]  # ~1 215 chars each
    pieces = split_text("\n\n".join(paragraphs))
    assert all(telegram_length(p) <= 4096 for p in pieces)
    assert len(pieces) == 2
    assert pieces[0].startswith("Paragraphe 0.") and pieces[1].startswith("Paragraphe 3.")
    assert "\n\n".join(pieces) == "\n\n".join(paragraphs)


def test_escaping_and_emoji_count_towards_the_limit():
    text = "<" * 2000  # 8 000 characters once escaped
    pieces = split_text(text)
    assert all(telegram_length(p) <= 4096 for p in pieces) and "".join(pieces) == text
    emoji = "🙂" * 3000  # 2 UTF-16 units each
    assert all(telegram_length(p) <= 4096 for p in split_text(emoji))


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=900), max_size=12))
def test_split_never_exceeds_the_limit_and_loses_no_word(paragraphs):
    text = "\n\n".join(paragraphs)
    pieces = split_text(text, limit=500)
    assert all(telegram_length(p) <= 500 for p in pieces)
    assert "".join(text.split()) == "".join("".join(pieces).split())


def test_callback_data_fits_in_64_bytes_through_short_ids():
    callbacks = CallbackMap(capacity=2)
    assert callbacks.encode("/affirm") == "/affirm"
    assert callbacks.encode("oui") == "t:oui"
    long = '/inform{"certification": "RNCP4495", "department": "93", "situation": "job_seeker"}'
    key = callbacks.encode(long)
    assert key.startswith("k:") and len(key.encode()) <= 64
    assert callbacks.decode(key) == long and callbacks.decode("t:oui") == "oui"
    accents = "/choose{\"certification\": \"Éducateur·rice spécialisé·e\"}"  # 49 chars, more bytes
    assert len(callbacks.encode(accents).encode()) <= 64
    callbacks.encode("x" * 100)
    callbacks.encode("y" * 100)
    assert callbacks.decode(key) is None  # forgotten beyond capacity: the bot says the button expired


def test_keyboard_short_answers_share_a_row_long_ones_do_not():
    callbacks = CallbackMap()
    yes_no = keyboard([Button("Oui", "/affirm"), Button("Non", "/deny")], callbacks)
    assert [[b.text for b in row] for row in yes_no.inline_keyboard] == [["Oui", "Non"]]
    topics = keyboard([Button("Qu'est-ce que c'est ?", "/faq_definition"), Button("Durée", "/faq_duration"),
                       Button("Financement du parcours", "/faq_funding")], callbacks)
    assert len(topics.inline_keyboard) == 3
    assert keyboard([], callbacks) is None


def test_sponsor_summary_is_pseudonymous_and_escaped():
    summary = {"initial": "M.", "age_bracket": "26-44 ans", "certification": "CAP <cuisine>",
               "department": "93 — Seine-Saint-Denis", "verdict_label": "Éligible sous conditions",
               "situation": "Salarié(e) en CDI, avenant au CDI : accord de l'employeur",
               "conditions": ["Un employeur de droit privé", ""]}
    text = lead_summary_html(12, summary)
    assert "<b>Nouvelle demande n° 12</b>" in text
    assert "Situation : Salarié(e) en CDI, avenant au CDI : accord de l'employeur" in text
    assert "M., 26-44 ans" in text and "CAP &lt;cuisine&gt;" in text
    assert text.count("•") == 1


def test_contact_details_for_the_sponsor_and_the_candidate():
    assert "+33 6 12" in contact_html("Amina", "phone", "+33 6 12 34 56 78", "1001")
    assert 'tg://user?id=1001' in contact_html("Amina", "telegram", None, "1001")
    text = candidate_accepted_text(3, "GEIQ <Aisne>", "email", "a@b.fr")
    assert "GEIQ &lt;Aisne&gt;" in text and "par e-mail (a@b.fr)" in text


def test_a_turn_of_plain_texts_becomes_one_message_with_the_last_buttons():
    yes_no = [Button("Oui", "/affirm"), Button("Non", "/deny")]
    turn = [BotMessage("La réponse."), BotMessage("Source : décret."), BotMessage("Autre question ?", yes_no)]
    assert merge_turn(turn) == [BotMessage("La réponse.\n\nSource : décret.\n\nAutre question ?", yes_no)]


def test_buttons_stay_under_their_own_text_and_empty_messages_are_not_glued():
    menu = [Button("Menu", "/help")]
    turn = [BotMessage("Choisissez :", menu), BotMessage("Ou écrivez votre question."), BotMessage(""),
            BotMessage("Dernier mot.")]
    assert merge_turn(turn) == [BotMessage("Choisissez :", menu), BotMessage("Ou écrivez votre question."),
                                BotMessage(""), BotMessage("Dernier mot.")]
    assert merge_turn([]) == []


@given(st.lists(st.tuples(st.text(min_size=1).filter(str.strip), st.booleans()), max_size=8))
def test_merging_loses_no_text_and_no_button(parts):
    turn = [BotMessage(text, [Button(f"b{i}", f"/p{i}")] if with_button else []) for i, (text, with_button) in
            enumerate(parts)]
    merged = merge_turn(turn)
    joined = "\n\n".join(m.text for m in merged)
    assert all(m.text.strip() in joined for m in turn)
    assert [b for m in merged for b in m.buttons] == [b for m in turn for b in m.buttons]
    assert len(merged) == 1 + sum(1 for m in turn[:-1] if m.buttons) if turn else merged == []
