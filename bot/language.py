"""Messages the assistant cannot read get a short answer here, without the NLU.

A message clearly written in another language gets a short answer that its writer can read; a message without
a single letter or digit (emoji, punctuation) gets a request for words, instead of the out-of-scope answer.

The NLU is trained on French only: "¿qué es la VAE inversa?" would otherwise get some French answer
picked at random. Only clear cases count: at least two common words of one other language and few
French ones, or a text mostly in another script. French with a few English words stays French.
"""

from __future__ import annotations

import re
import unicodedata

# Common words of each language that are not French words (nor of the other lists, mostly), lower case.
FRENCH = set("""les des du et est je vous nous pour avec dans sur qui quoi comment pourquoi quel quelle quels
quelles pas ne mon mes ma suis ai cette ces au aux bonjour merci peux veux voudrais avoir être faire travail
emploi ça où très aussi mais ou combien contrat diplôme salarié entreprise""".split())
OTHER = {
    "en": set("""the is are what where how can you your my do does to for with this that please about have need
want find would could which who why when there english speak work i am it of""".split()),
    "es": set("""el los las qué cómo dónde puedo puede usted tengo quiero necesito trabajo hola gracias por
para una está estoy hablas español soy busco empleo ayuda cuánto inversa""".split()),
    "de": set("""der die das und ist ich nicht wie was wo kann sie mit für ein eine arbeit hallo bitte danke
sprechen deutsch suche möchte brauche""".split()),
    "it": set("""che sono come dove posso lavoro ciao grazie gli della questo cosa voglio cerco parli italiano
vorrei sei""".split()),
    "pt": set("""você não onde trabalho olá obrigado obrigada uma estou quero procuro português fala preciso
posso""".split()),
}
REPLY_FR = ("Je ne réponds qu'en français, et uniquement sur la VAE inversée (un dispositif français). "
            "Écrivez-moi en français, ou tapez /aide pour voir le menu.")
REPLIES = {
    "en": "Sorry, I can only answer in French, about the French “VAE inversée” scheme.",
    "es": "Lo siento, solo puedo responder en francés, sobre el dispositivo francés «VAE inversée».",
    "de": "Entschuldigung, ich kann nur auf Französisch antworten, zum französischen Programm „VAE inversée“.",
    "it": "Mi dispiace, posso rispondere solo in francese, sul dispositivo francese «VAE inversée».",
    "pt": "Desculpe, só posso responder em francês, sobre o dispositivo francês «VAE inversée».",
}
WORDLESS_REPLY = ("Merci ! Je ne lis que les mots : écrivez votre question, ou votre réponse (par exemple « oui » "
                  "ou « non »). Écrivez « menu » pour voir ce que je sais faire.")
# Italian and Portuguese share "posso": a language needs this many of its own words.
MIN_WORDS = 2


def foreign_language(text: str) -> str | None:
    """"en", "es", "de", "it", "pt", "other" (another script) or None (French, or not clear)."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 3:
        latin = sum(1 for c in letters if "LATIN" in unicodedata.name(c, ""))
        if latin < 0.4 * len(letters):
            return "other"
    words = re.findall(r"[^\W\d_]+", text.lower())
    french = sum(1 for w in words if w in FRENCH)
    counts = {lang: sum(1 for w in words if w in vocabulary) for lang, vocabulary in OTHER.items()}
    lang, best = max(counts.items(), key=lambda item: item[1])
    return lang if best >= MIN_WORDS and best > 2 * french else None


def foreign_reply(text: str) -> str | None:
    """The answer to a message in another language, in French and in that language; None for French."""
    lang = foreign_language(text)
    if lang is None:
        return None
    return f"{REPLY_FR}\n{REPLIES.get(lang, REPLIES['en'])}"


def local_reply(text: str) -> str | None:
    """The answer to a message the NLU cannot read (no words at all, or another language); None otherwise."""
    if text.strip() and not any(c.isalnum() for c in text):
        return WORDLESS_REPLY
    return foreign_reply(text)
