"""Read a person's free-text answers: ages in digits or French words, situations, yes/no, contact."""

from __future__ import annotations

import re
import unicodedata

UNITS = {
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15,
    "seize": 16,
}
TENS = {"vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
        "septante": 70, "huitante": 80, "octante": 80, "nonante": 90, "cent": 100, "cents": 100}

# Free-text words for each situation of the knowledge CLI (the NLU synonyms cover the same ground).
SITUATION_WORDS = [
    ("employee_cdi", r"\bcdi\b|duree indeterminee"),
    ("employee_cdd", r"\bcdd\b|duree determinee"),
    ("temp_worker", r"interim|interimaire"),
    ("job_seeker", r"chomage|chomeur|chomeuse|demandeu[rs]e? d.?emploi|sans emploi|\brsa\b|\bass\b|france travail"
                   r"|pole emploi|recherche d.?emploi|cherche (un )?(travail|emploi|boulot)"),
    ("student", r"etudiant|lyceen|apprenti|ecole|etudes"),
    ("self_employed", r"auto.?entrepreneu|micro.?entrepreneu|independant|freelance|a mon compte"),
    ("inactive", r"au foyer|sans activite|inactif|inactive"),
    ("other", r"\baah\b|retraite|invalidite|fonctionnaire|autre"),
]
YES = r"^(oui|ouais|ouai|yes|ok|d.?accord|bien sur|carrement|exact|tout a fait|je confirme|absolument|volontiers|ok pour moi)\b"
NO = r"^(non|nan|no|pas du tout|surtout pas|jamais|pas question|je refuse|non merci)\b"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(r"(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}")


def fold(text: str) -> str:
    """Lower case without accents, for matching what people type."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", text.lower()).strip()


def fold_words(text: str | None) -> str:
    """`fold`, with apostrophes as spaces (« s'adresse », « l'entreprise »): patterns are written word by word."""
    return fold(text).replace("'", " ")


def words_to_number(text: str) -> int | None:
    """French number words up to 199: "dix-sept", "vingt et un", "quatre-vingt-deux", "soixante-dix"."""
    tokens = [t for t in re.split(r"[\s-]+", fold(text)) if t and t not in ("et", "ans", "an")]
    if not tokens or not all(t in UNITS or t in TENS for t in tokens):
        return None
    total, current = 0, 0
    for token in tokens:
        if token in UNITS:
            current += UNITS[token]
        elif token in ("cent", "cents"):
            current = max(current, 1) * 100
        elif token in ("vingt", "vingts") and current == 4:  # quatre-vingt(s)
            current = 80
        else:
            current += TENS[token]
    total += current
    return total


def parse_age(text: str) -> int | None:
    """The person's age from an answer such as "17", "j'ai 45 ans", "dix-sept ans"; None if absent."""
    folded = fold(text)
    numbers = re.findall(r"-?\d+", folded)
    if len(numbers) == 1:
        return int(numbers[0])
    if len(numbers) > 1:
        with_years = re.search(r"(-?\d+)\s*ans\b", folded)
        return int(with_years.group(1)) if with_years else None
    match = re.search(r"(?:j.?ai\s+)?([a-z\s-]+?)\s*(?:ans?\b|$)", folded)
    return words_to_number(match.group(1)) if match else None


def is_a_duration(text: str, number) -> bool:
    """Whether `number` appears in `text` as a length of time ("depuis 10 ans", "10 ans d'expérience"), which the
    NLU sometimes tags as an age."""
    folded = fold_words(text)
    n = re.escape(str(number))
    return re.search(rf"(?:depuis|pendant|durant|il y a|plus de|moins de|pres de)\s+{n}\s*ans"
                     rf"|\b{n}\s*ans?\s+(?:d|de)\b", folded) is not None


def is_a_department_number(text: str, number) -> bool:
    """Whether `number` appears in `text` as a department ("dans le 33", "le 93"), which the NLU sometimes tags as
    an age."""
    if not str(number).isdigit():
        return False
    folded = fold_words(text)
    n = re.escape(str(number))
    return re.search(rf"\b(?:dans le|le|du|departement|dept)\s+{n}\b(?!\s*ans?\b)", folded) is not None \
        and not names_this_age(text, int(number))


def names_this_age(text: str, age: int) -> bool:
    """Whether `text` says "<age> ans", in digits or words ("16 ans", "dix-sept ans", "vingt et un ans"): the NLU
    may tag another number ("3 enfants") as an age, and maps "dix-sept" to 17."""
    for match in re.finditer(r"([a-z0-9-]+(?:\s+et\s+[a-z-]+)?)\s*ans\b", fold_words(text)):
        if match.group(1) == str(age) or words_to_number(match.group(1)) == age:
            return True
    return False


# Answers to the first-name question that are not a name: "oui" must not become "Oui".
NOT_A_NAME = {"oui", "ouais", "ok", "okay", "d accord", "daccord", "bien sur", "si", "yes", "bonjour", "salut",
              "bonsoir", "merci", "menu", "aide", "stop", "annuler", "recommencer", "quitter", "rien"}
# No list of first names offline: a word no first name is made of (« mes données », « pourquoi faire ») says the
# answer is a sentence, which a form would otherwise keep as the name sent to a sponsor.
NOT_IN_A_NAME = {"mes", "mon", "ma", "me", "moi", "toi", "ton", "ta", "tes", "vos", "votre", "le", "les", "un", "une",
                 "des", "du", "je", "j", "tu", "il", "elle", "on", "nous", "vous", "ils", "elles", "ce", "ca", "cela",
                 "ces", "cette", "et", "ou", "mais", "pas", "ne", "non", "plus", "quoi", "qui", "que", "qu", "quel",
                 "quelle", "pourquoi", "comment", "combien", "quand", "est", "suis", "sont", "ai", "avez", "au", "aux",
                 "pour", "par", "sur", "avec", "sans", "dans", "donnees", "faire", "sais"}
# "je m'appelle Sarah", "moi c'est Sarah", "mon prénom est Sarah": the name is what follows.
NAME_INTRO = re.compile(r"^(?:je m['’ ]?appelle|moi,? c['’ ]?est|mon pr[ée]nom(?:,? c['’ ]?est| est)?\s*:?|"
                        r"c['’ ]?est|pr[ée]nom\s*:)(?:\s+|$)", re.IGNORECASE)


def parse_first_name(text: str) -> str | None:
    """The first name in an answer ("Sarah", "je m'appelle Sarah"); None for anything else ("oui", a number)."""
    name = NAME_INTRO.sub("", " ".join(text.split())).strip(" .!")
    words = name.split()
    folded = fold_words(name.replace("’", "'"))
    if not 1 <= len(words) <= 3 or len(name) > 40 or folded in NOT_A_NAME or NOT_IN_A_NAME & set(folded.split()):
        return None
    return name if all(w.replace("-", "").replace("'", "").isalpha() for w in words) else None


# Numbers in words, hyphenated compounds included ("dix-sept"); not starting with "un"/"une", which are also
# articles ("embaucher un peu plus tard").
_NUMBER_WORDS = {**UNITS, **TENS}
HIRES_WORDS = (rf"(?:{'|'.join(word for word, value in _NUMBER_WORDS.items() if value >= 2)})"
               rf"(?:-(?:et|{'|'.join(_NUMBER_WORDS)}))*")
HIRES = re.compile(rf"(?:recrut|embauch|engag)\w*\s+(?:de\s+|d\s+)?(\d{{1,4}}|{HIRES_WORDS})\b"
                   rf"|\b(\d{{1,4}}|{HIRES_WORDS})\s+(?:personnes?|postes?|candidat\w*|recrues?|recrutements?|"
                   r"embauches?)\b")


# « une dizaine », « 3 ou 4 », « entre 5 et 8 »: a number of hires is often said roughly; the upper figure is kept.
ABOUT = {"dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30, "quarantaine": 40,
         "cinquantaine": 50, "soixantaine": 60, "centaine": 100}
RANGE = re.compile(r"^(?:entre |de )?(\d{1,4}) ?(?:ou|a|et|-|/) ?(\d{1,4})(?: (?:personnes?|postes?|salaries?|"
                   r"recrutements?|embauches?))?$")
VAGUE_QUANTITY = re.compile(r"\b(?:quelques|plusieurs|beaucoup|pas mal|un certain nombre|un peu|nombreux|"
                            r"nombreuses|je (?:ne )?sais pas)\b")


def parse_hires(text: str) -> int | None:
    """A number of hires: « 3 », « trois », « une dizaine », « 3 ou 4 » (4)."""
    folded = fold_words(text).strip(" .!?")
    about = re.search(rf"\b(?:une |un )?({'|'.join(ABOUT)})\b", folded)
    if about:
        return ABOUT[about.group(1)]
    spread = RANGE.match(folded)
    if spread:
        return max(int(spread.group(1)), int(spread.group(2)))
    return parse_age(text)  # digits or words, as an age is read


def is_a_vague_quantity(text: str) -> bool:
    """« quelques-uns », « beaucoup »: a number of hires without a figure."""
    return VAGUE_QUANTITY.search(fold(text).replace("-", " ")) is not None


def hires_in(text: str) -> int | None:
    """The number of hires a sentence states ("je voudrais recruter 3 personnes", "2 postes à pourvoir")."""
    match = HIRES.search(fold_words(text))
    # Digits or words, read as validate_hires reads an answer.
    return parse_age(match.group(1) or match.group(2)) if match else None


def says_it_is_an_age(text: str) -> bool:
    """Whether a message names an age ("j'ai 45 ans", "mon âge : 45") rather than giving a bare number, which
    answers the question being asked (a department, a number of hires)."""
    return re.search(r"\b(?:ans?|age)\b", fold(text)) is not None


# Words that may surround an age in a follow-up to the salary answer ("et à 27 ans ?", "et si j'ai 50 ans ?",
# "même question pour quelqu'un de 30 ans"): with nothing else, the person asks the amount at that age.
AGE_FOLLOW_UP_WORDS = {"et", "a", "pour", "si", "j", "ai", "avec", "quelqu", "un", "une", "de", "d", "personne",
                       "jeune", "candidat", "candidate", "salarie", "salariee", "moi", "alors", "meme", "question",
                       "le", "la", "salaire", "combien", "ans", "an", "age", "agee", "puis", "sinon",
                       # after the hiring aids: « et pour un demandeur d'emploi de 30 ans ? »
                       "demandeur", "demandeuse", "emploi", "chomeur", "chomeuse", "chomage", "au"}


def is_a_bare_age_follow_up(text: str) -> bool:
    """Whether a message gives an age and nothing else worth reading ("et à 27 ans ?"), unlike a question that
    names an age ("et à 17 ans, c'est possible ?")."""
    words = re.findall(r"[a-z]+", fold(text))
    if not re.search(r"\d", text or "") and not any(words_to_number(w) for w in words):
        return False
    return all(w in AGE_FOLLOW_UP_WORDS or words_to_number(w) is not None for w in words)


QUESTION_START = re.compile(r"^(?:pourquoi|comment|combien|quand|est[ -]ce|qu.?est[ -]ce|c.?est quoi|quel|quelle|"
                            r"quels|quelles|qui|quoi|ou est|puis[ -]je|peut[ -]on|faut[ -]il|a quoi)\b")


def asks_something(text: str) -> bool:
    """Whether a message is a question (« pourquoi vous voulez mon prénom ? ») rather than a short answer, which
    may end with a doubtful « ? » (« boulanger ? »)."""
    folded = fold(text)
    return QUESTION_START.search(folded) is not None or (folded.endswith("?") and len(folded.split()) >= 4)


EMPLOYER_SPEAKING = re.compile(
    r"\b(?:je suis|nous sommes|on est|en tant qu)\s+(?:un |une |l )?(?:employeur|employeuse|recruteur|recruteuse|"
    r"chef d entreprise|dirigeant|dirigeante|gerant|gerante|patron|patronne|rh)\b"
    r"|\b(?:je recrute|nous recrutons|on recrute|j embauche|nous embauchons|on embauche)\b"
    # « on voudrait recruter 3 aides-soignants », « nous souhaitons embaucher »
    r"|\b(?:on|nous|je) (?:voudrai\w*|souhait\w*|aimerai\w*|veu[tx]|voulons|cherch\w* a|compt\w*|va|allons|vais) "
    r"(?:recruter|embaucher)\b"
    # A structure describing itself (« nous sommes un ehpad », « on est une crèche », « je dirige un restaurant »,
    # « notre entreprise ») is an employer.
    r"|\b(?:nous sommes|on est) (?:un|une)\b|\b(?:je dirige|je gere|nous gerons) (?:un|une|l|la|le)\b"
    r"|\bnotre (?:entreprise|structure|societe|association|etablissement|boite)\b"
    # « je suis une entreprise », « je suis une association » (not « je suis une femme »).
    r"|\bje suis (?:une|un) (?:entreprise|structure|societe|association|pme|tpe|employeur|geiq|commerce)\b")


def says_it_is_an_employer(text: str | None) -> bool:
    """Whether the person says they hire (« je suis employeur », « nous recrutons »), unlike a candidate who
    looks for an employer (« je cherche un employeur »)."""
    return EMPLOYER_SPEAKING.search(fold_words(text)) is not None


FIRST_PERSON = re.compile(r"\b(?:j|je|moi|mon|ma|mes)\b")


def speaks_of_oneself(text: str | None) -> bool:
    """Whether a message is in the first person (« j'ai 52 ans », « je touche le RSA »), unlike « et à 17 ans ? »."""
    return FIRST_PERSON.search(fold_words(text)) is not None


def parse_situation(text: str) -> str | None:
    folded = fold(text)
    for situation, pattern in SITUATION_WORDS:
        if re.search(pattern, folded):
            return situation
    return None


# « salarié », « j'ai un emploi »: employed, yet which contract (CDI, CDD, interim) changes the parcours.
EMPLOYED = re.compile(r"\b(?:salarie|salariee|employe|employee|en poste|je travaille|j ai un (?:emploi|travail|job|"
                      r"contrat|poste))\b")


def says_employed(text: str) -> bool:
    return EMPLOYED.search(fold_words(text)) is not None


def parse_yes_no(text: str) -> bool | None:
    folded = fold(text)
    if re.search(YES, folded):
        return True
    if re.search(NO, folded):
        return False
    return None


def looks_like_a_contact(text: str) -> bool:
    """« sofia@ », « 06 12 34 »: an address or number mistyped, which the contact questions answer with how to
    write it, rather than as a message out of scope."""
    return "@" in text or sum(ch.isdigit() for ch in text) >= 6


def parse_contact(text: str) -> tuple[str, str] | None:
    """("email", address) or ("phone", number) when the answer holds one."""
    email = EMAIL.search(text or "")
    if email:
        return "email", email.group(0)
    phone = PHONE.search(text or "")
    if phone:
        return "phone", re.sub(r"[\s.-]", "", phone.group(0))
    return None


GREETING_WORDS = r"(?:bonjour|bonsoir|salut|hello|coucou|hey|bjr|slt|cc)\b"
GREETING_OPENING = re.compile(r"^\s*" + GREETING_WORDS, re.IGNORECASE)
# « Bonjour Madame, … », « salut ! … », « merci beaucoup ! et … »: the courtesy that opens a message.
COURTESY_OPENING = re.compile(
    r"^\s*(?:" + GREETING_WORDS + r"[\s,;:!.-]*"
    r"(?:(?:madame|monsieur|messieurs|mesdames|[aà] vous|[aà] tous|tout le monde|l['’ ]?[ée]quipe)\b[\s,;:!.-]*)*"
    r"|(?:(?:ok|super|parfait|d['’ ]?accord|tr[eè]s bien)[\s,!.]*)?merci(?: beaucoup| bien| bcp)?\b[\s,;:!.-]*"
    r"(?:et\b\s*)?)",
    re.IGNORECASE)


def opens_with_a_greeting(text: str) -> bool:
    return bool(GREETING_OPENING.match(text or ""))


def after_courtesy(text: str) -> str:
    """What a message says after the greeting or thanks that opens it (« bonjour, combien ça dure ? » ->
    « combien ça dure ? »); "" when it says nothing more, or does not open that way."""
    found = COURTESY_OPENING.match(text or "")
    rest = (text or "")[found.end():].strip() if found else ""
    return rest if sum(ch.isalpha() for ch in rest) >= 3 else ""
