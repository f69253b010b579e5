"""Topics read from a question's wording where the NLU misreads it: each rule names the misreading that it fixes.

A round of NLU examples for such a question is a draw against the targets (bench/HISTORY.md); a wording that
names its topic unambiguously is fixed here instead, which leaves the NLU's figures as they are."""

from __future__ import annotations

import re

from actions.parsing import asks_something, fold_words, says_it_is_an_employer

# « quelle différence avec un contrat pro classique ? » reads as the VAE classique's topic (the word « classique »):
# a comparison with the ordinary contract, naming no other VAE, gets the contract's topic, which names the
# derogations. Three trainings with a topic of its own cost the NLU (bench/HISTORY.md).
ORDINARY_CONTRACT = re.compile(r"\bcontrats? (?:de )?pro(?:fessionnalisation)?\b")
ANOTHER_VAE = re.compile(r"\bvae\b(?! inversee)")


# « y a-t-il un montant maximum pour le jury ? », « plafonds de prise en charge pour chaque étape » read as the cap
# on places (the words « maximum », « plafond »): a cap asked in money is the split of the 9 000 €.
MONEY = re.compile(r"\b(?:montants?|euros?|frais|budget|somme|argent|financements?|prise en charge|pai(?:e|ent)|"
                   r"payee?s?|payer)\b")
# « quel est le reste à charge pour nous ? », « nous sommes une association, qui finance ? » read as the funding
# question, whose answer speaks to the employee.
EMPLOYER_SIDE = re.compile(r"\bpour (?:nous|l entreprise|l employeur|notre \w+|mon entreprise|ma boite|"
                           r"ma structure|la structure)\b|\bnous (?:coute|coutera|revient|reviendra)\b")

# « à qui s'adresse ce parcours ? » read as how to apply, « dans quels métiers ça se pratique ? » as the experience
# needed: who the scheme is for, and its jobs, are asked in these words whatever else the question says.
PUBLIC_ASKED = re.compile(r"\b(?:a qui s adresse|pour qui est|c est pour qui|qui peut (?:en )?(?:beneficier|profiter))\b")
NOT_THE_PUBLIC = re.compile(r"\b(?:employeurs?|entreprises?|structures?|porteurs?|organismes?)\b")
# « quelles sont les conditions pour postuler ? » read as how to apply: the conditions to enter are the public's.
CONDITIONS_TO_ENTER = re.compile(r"\b(?:conditions?|criteres?|prerequis|pre requis)\b(?: \w+){0,3} (?:postuler|candidater|"
                                 r"entrer|acceder|acces|participer|beneficier|en profiter|s inscrire|eligibilite)\b")
# « faut-il un diplôme pour commencer ? », « je n'ai pas le bac, c'est possible ? » fell back: no diploma is
# required, which the status answer says.
DIPLOMA_NEEDED = re.compile(r"\b(?:faut(?: il)?|besoin d|necessaire|exige\w*|obligatoire|requis)\b.*\b(?:diplomes?|bac|cap|"
                            r"niveau)\b|\b(?:pas|aucun|sans) (?:le |de |d |du )?(?:bac|diplomes?|cap|brevet)\b")
# « c'est pareil que l'expérimentation de 2018 ? » fell back: 2018 names the other experiment.
YEAR_2018 = re.compile(r"\b2018\b")
JOBS_ASKED = re.compile(r"\b(?:quels?|dans quels?) (?:metiers|secteurs|domaines)\b")
JOB_TOPICS = {"sectors", "certifications", "employers_allowed", "public_employers"}
# « c tjr possible en 2026 ? » reads as « does the 6 000 € aid still exist? »: without the aid named, what is still
# possible is signing a contract.
AID_NAMED = re.compile(r"\b(?:aides?|primes?|6 ?000|six mille|euros?|subventions?|bonus|exceptionnelle)\b")
# « c'est sur 2 ans ? » reads as the age question (« 2 ans »): a length asked is the duration.
LENGTH_ASKED = re.compile(r"\b(?:sur|en) (?:\d{1,2}|un|deux|trois|quatre|dix-huit) (?:ans?|annees?|mois)\b")


# « la VAE inversée a-t-elle été prolongée ? » falls back, or reads as the renewal of a contract after a failure:
# the experiment's extension is its window's question. A contract or a parcours extended is the renewal.
EXTENSION_ASKED = re.compile(r"\b(?:prolong\w*|proroge\w*|prorogation|reconduit\w*|reconduction|perennis\w*)\b")
EXPERIMENT_NAMED = re.compile(r"\b(?:experimentation|dispositif|vae inversee|mesure|programme|appel a projets?)\b")
CONTRACT_NAMED = re.compile(r"\b(?:contrats?|parcours|echou\w*|rate\w*|diplomes?|formation)\b")


# « les geiq participent-ils à l'expérimentation ? » read as the evaluation (0.26): who takes part is the sponsors'.
TAKING_PART = re.compile(r"\b(?:particip\w*|font partie|impliqu\w*)\b")
SPONSOR_KINDS = re.compile(r"\b(?:geiq|opco|branches?|organismes? de formation|centres? de formation|ecoles?)\b")
# « l'employeur dépose le contrat où ? » read as the employer's cost (0.39): sending the contract is its filing.
# « qui enregistre le contrat de professionnalisation ? » read as the contract's form (0.43): its registration too.
# « le cerfa 12434 on le dépose où » fell back: the Cerfa is the contract.
CONTRACT_SENT = re.compile(r"\b(?:depos\w*|envoy\w*|transmet\w*|transmis\w*|enregistr\w*)\b")
# « on veut monter un projet, on écrit à qui ? » fell back: submitting a project is the sponsors' application.
# (« qui peut porter un projet ? » is the sponsors' list, not how to apply.)
PROJECT_SUBMITTED = re.compile(r"\b(?:monter|deposer|presenter|soumettre|proposer) (?:un|notre|le|mon|son) projet\b")
# « combien est financé pour l'accompagnement vae ? » fell back: an amount for one stage is the split of the 9 000 €.
STAGE_NAMED = re.compile(r"\b(?:accompagnement|positionnement|jury|frais pedagogiques|frais annexes|hebergement|"
                         r"transport|coordination)\b")
STAGE_PAID = re.compile(r"\b(?:finance\w*|combien|pris en charge|prise en charge|montants?|euros?|frais|paye\w*)\b")
AMOUNT_ASKED = re.compile(r"\b(?:combien|montants?|euros?|hauteur|plafonds?|maximum)\b")
# « le montant pour l'accompagnement à la vae » read as France VAE and the CPF (0.58), unless it names them.
OTHER_FUNDERS = re.compile(r"\b(?:cpf|compte (?:personnel )?(?:de )?formation|france vae)\b")
# « les travailleurs handicapés peuvent y accéder ? » read as temporary work (0.35, « travailleurs »): a question
# that names no temporary work is about the status.
TEMP_WORK_NAMED = re.compile(r"\b(?:interim\w*|travail temporaire|temporaires?|ett|agences?|missions?)\b")


# « combien ça coûte pour un salarié ? » read as the employer's cost (0.89): asked for the employee, it is the
# funding's question, whose answer says the parcours is free for them.
EMPLOYEE_SIDE = re.compile(r"\bpour (?:un|une|le|la|les) (?:salariee?s?|candidate?s?|beneficiaires?|personnes?)\b|"
                           r"\bpour moi\b|\bje (?:dois|vais|devrai) (?:payer|debourser)\b")
EMPLOYER_NAMED = re.compile(r"\b(?:entreprises?|employeurs?|structures?|patrons?)\b")


# « le salaire est-il à notre charge ? » read as the minimum pay: who pays it is the employer's cost.
# « le salaire c'est nous qui le payons ? » too (0.70).
SALARY_PAID_BY = re.compile(r"\ba (?:notre|votre|leur|sa|la) charge\b|\bqui (?:paie|paye|verse|finance)\b|"
                            r"\bnous qui (?:le |la |les )?(?:pa[iy]\w*|vers\w*|financ\w*)\b")
# « nous sommes un organisme de formation certifié Qualiopi, comment candidater ? » read as France VAE (Qualiopi):
# a sponsor asking how to apply.
SPONSOR_SPEAKING = re.compile(r"\b(?:nous sommes|on est|je represente|je travaille (?:dans|pour))\b.*"
                              r"\b(?:organismes? de formation|centres? de formation|geiq|opco|branches?)\b")
# « bonjour, je suis chargée de mission dans un OPCO » read as how a person enters (« vous ne pouvez pas déposer
# vous-même de dossier », then the pre-screen's offer): someone who works for a sponsor, saying nothing else, gets
# how sponsors take part. Working in a GEIQ may also mean being one of its employees, a candidate: a role is needed.
SPONSOR_STAFF = re.compile(r"\bje (?:suis|travaille)\b.*\b(?:dans|a|chez|pour|de) (?:un|une|l|la|le|notre) ?opco\b|"
                           r"\bje suis (?:charge\w* de mission|conseill\w*|responsable|direct\w*|coordinat\w*|"
                           r"chef de projet|referente?)\b.*\b(?:geiq|branche|organisme de formation|"
                           r"centre de formation|cfa)\b")
# « qui valide les projets ? » read as who may carry one (0.6): the DGEFP's selection is the application's answer.
PROJECTS_SELECTED = re.compile(r"\bqui (?:valide|selectionne|retient|choisit|approuve|instruit|examine) (?:les|le|nos|notre|"
                               r"un) (?:projets?|dossiers?|candidatures?)\b")
# « je représente un opco, ça nous intéresse » read as the OPCO's filing (0.27): interest is a wish to apply.
# « nous sommes un organisme de formation et voulons porter un projet » read as who may carry one (0.81).
APPLYING = re.compile(r"\b(?:candidat\w*|postuler|deposer|repondre a l appel|nous inscrire|participer|interess\w*|"
                      r"(?:voulons|voudrions|souhaitons|souhaiterions|veut|voudrait|souhaite|aimerions) porter)\b")
# « où trouver le cahier des charges ? » read as how a person applies (0.47): the call for projects' documents are the
# sponsors' application.
CALL_DOCUMENTS = re.compile(r"\b(?:cahier des charges|fiche action|fiche projet)\b")
# « concrètement pour recruter un candidat on fait comment » read as how a person applies (0.94): the employer's steps.
HIRING_ASKED = re.compile(r"\b(?:pour|comment|je veux|on veut|nous voulons) (?:recruter|embaucher)\b|"
                          r"\b(?:recruter|embaucher) (?:un|une|des|quelqu un)\b")
# « je suis conseiller France Travail, comment orienter un demandeur ? » read as France VAE (0.51): a person is
# directed to the scheme the way they enter it, through a sponsor or the OPCO (how a person applies).
DIRECTING_SOMEONE = re.compile(r"\b(?:orient\w*|prescri\w*|envoyer|adresser) (?:un|une|des|mes|nos|les|ce|cette) "
                               r"(?:demandeu\w*|candidat\w*|beneficiaires?|personnes?|jeunes?|publics?|usagers?|"
                               r"allocataires?|stagiaires?)\b")
# « les seniors peuvent y accéder ? » read as how a person applies (0.40): an age group asks who may enter.
AGE_GROUP = re.compile(r"\b(?:seniors?|mineurs?|trop (?:vieux|vieille|age|agee|jeune)|limite d age|"
                       r"age (?:minimum|maximum|max|mini|limite))\b")
# « on est payé pendant la formation ? » read as the funding (0.39): whether training time is paid is the working
# time's answer (training counts as working time, paid).
PAID_WHILE_TRAINING = re.compile(r"\b(?:payee?s?|remuneree?s?)\b(?: \w+){0,2} (?:pendant|durant) (?:la|les|le temps de) "
                                 r"(?:formation|cours|enseignements?)\b")
# « le congé VAE de 48 heures existe toujours ? » read as the window (0.45): the congé is the France VAE and CPF topic.
VAE_LEAVE = re.compile(r"\bconge (?:de |pour (?:une |la )?)?(?:vae|validation)\b")
# « comment se répartit le financement de 9000 euros ? » read as the funding: its split is the sub-caps' answer.
SPLIT_ASKED = re.compile(r"\b(?:repart\w*|decompos\w*|ventil\w*|detail\w*|sous[- ]plafonds?)\b")


# « combien d'heures de formation on a ? » read as the working time (0.46): the volume of training is the
# parcours' content, whose answer gives the ordinary contract's share of training.
TRAINING_HOURS = re.compile(r"\b(?:combien|nombre|volume|quantite) d heures? (?:de )?(?:formation|cours|enseignements?|"
                            r"theorie|ecole)\b")
# « c'est une formation en alternance ? » read as the funding (money words aside): how training and work alternate
# is the parcours' content.
ALTERNANCE = re.compile(r"\b(?:alternance|alterne\w*)\b")
# Wider than MONEY, which leaves out « financé » so that « combien de parcours sont financés ? » stays the cap's.
FUNDED = re.compile(r"\b(?:financ\w*|cout\w*|pai\w*|pay\w*|gratuit\w*|prix)\b")
# « y a-t-il un référent sur le lieu de travail ? » fell back (0.19 for the tutor): the person who follows the
# employee at work is the tutor.
# « est-ce qu'on est suivi par quelqu'un dans la boîte » read as the employer's steps (0.44): so is being followed.
TUTOR_NAMED = re.compile(r"\b(?:referente?s?|tuteurs?|tutrices?|tutorat|maitres? d apprentissage)\b")
FOLLOWED_BY_SOMEONE = re.compile(r"\b(?:suivie?s?|accompagnee?s?|encadree?s?|epaulee?s?) par (?:quelqu un|qui|"
                                 r"une personne)\b|\bqui (?:me|nous) (?:suit|suivra|accompagne\w*|encadre\w*)\b|"
                                 # « est-ce que j'aurai quelqu'un pour m'aider au travail ? » read as the hiring aids
                                 r"\bquelqu un (?:pour|qui) (?:m |nous )?(?:aide\w*|accompagne\w*|suivre|suit|"
                                 r"encadre\w*|forme\w*)\b.*\b(?:au travail|en entreprise|dans l entreprise|au quotidien|"
                                 r"sur (?:le|mon) (?:poste|lieu de travail|terrain)|dans la boite)\b")
# « le diplôme obtenu est-il le même qu'en formation classique ? » read half as the working time, half as the VAE
# classique: the diploma's worth is the jury's topic, whose answer says it is the same certification.
SAME_DIPLOMA = re.compile(r"\b(?:diplomes?|titres?|certifications?)\b.*\b(?:le meme|la meme|identique|equivalente?|"
                          r"meme valeur|vaut)\b|"
                          # « le diplôme est-il reconnu par l'État ? » read as the certifications (0.69)
                          r"\b(?:le|la|mon|ma|ce|cette) (?:diplome|titre|certification)(?: obtenue?)? (?:est|sera)(?:[ -]t)?"
                          r"(?:[ -]il|[ -]elle)? (?:bien |vraiment )?(?:reconnue?|officiel\w*|valable)\b")
PAY_NAMED = re.compile(r"\b(?:salaires?|remuner\w*|smic|payee?s?)\b")


# « est-ce que je garde mes allocations chômage ? » read as personal data (0.45, « garder »): keeping benefits during
# the contract has no sourced answer in knowledge/, so no topic (the clarification offers its guesses) rather than
# the data-protection answer.
BENEFITS_NAMED = re.compile(r"\b(?:allocations?|chomage|are|rsa|ass|aah|indemnites?|prestations? sociales|"
                            r"minima sociaux|caf)\b")
DATA_NAMED = re.compile(r"\b(?:donnees|informations|infos|conversation|historique|coordonnees|telephone|e ?mail)\b")

# Questions on one's own benefits or health during the contract (« je garde mon RSA si je signe ? », « je suis en
# arrêt maladie, je peux commencer ? ») read as personal data, status or sectors. The facts hold no sourced answer,
# and a wrong one could cost the person money: they get where to ask instead (readings.beyond_sources_message).
BENEFITS_KEPT = re.compile(r"\b(?:gard\w*|conserv\w*|perd\w*|perte|cumul\w*|maintien|maintenue?s?|suspend\w*|"
                           r"supprim\w*|coupee?s?|s arret\w*|continu\w* (?:a|de) (?:toucher|percevoir))\b")
# « il faut un titre de séjour ? » read as out of scope (0.32): the right to work in France is not in the sources.
RESIDENCE_NAMED = re.compile(r"\b(?:titres? de sejour|cartes? de sejour|sans papiers|autorisation de travail|"
                             r"demandeu\w* d asile|refugiee?s?|nationalite|etrangere?s?|visa)\b")
HEALTH_NAMED = re.compile(r"\b(?:arret (?:maladie|de travail)|en maladie|conge (?:maladie|maternite|paternite|parental)|"
                          r"enceinte|grossesse|invalidite|accident du travail|mi temps therapeutique)\b")

# « qui a accès à mes infos ? » reads as the wish to see one's data (0.6): who sees them is the personal-data topic.
WHO_SEES = re.compile(r"\bqui (?:a|aura|ont|auront|peut avoir|peuvent avoir) acces\b|\bqui (?:voit|verra|peut voir|"
                      r"peuvent voir|lit|lira|recoit|recevra|consulte)\b|"
                      # « qu'allez-vous faire de mon mail ? » read as the wish to see one's data: their use.
                      r"\bfaire (?:de|avec) (?:mes|mon|ma) (?:donnees|infos|informations|mail|e ?mail|numero|"
                      r"telephone|coordonnees|adresse)\b|\b(?:transmise?s?|partagee?s?|"
                      r"communiquee?s?|envoyee?s?|donnee?s?) a qui\b|\ba qui (?:sont|seront) (?:transmis|partag|"
                      r"communiqu|envoy|donn)\w*")

# « ça concerne l'aide à domicile ? » read as the goal (which names that sector among others), « ça marche pour
# devenir boulanger ? » as the status: whether a sector or a job is covered is the sectors' question
# (readings.topic_asked, with the sector or job the NLU found in the message).
COVERED_ASKED = re.compile(r"\b(?:ca|cela|c|le dispositif|la vae inversee|l experimentation) (?:concerne|marche|"
                           r"fonctionne|s applique|vaut)\b|\b(?:est|sont)(?: ce| il| elle| ils| elles)? "
                           r"(?:concernee?s?|ouverte?s?|eligibles?)\b|\b(?:ouvert|valable) (?:a|au|aux|pour|dans)\b")
JOB_WORDS = re.compile(r"\b(?:devenir|metiers?|secteurs?|domaines?|filieres?|travailler (?:dans|comme))\b")
WHOLE_SCHEME_TOPICS = {None, "goal", "status", "definition", "experience", "individual_apply"}


# « on peut le refaire ? » after the failure's answer read as starting over (0.70), « je peux le repasser ? » as the
# sectors (0.50): doing the contract or the exam again is the renewal's question.
REDO_SOMETHING = re.compile(r"\b(?:le|la|les) (?:refaire|recommencer|repasser|renouveler|retenter)\b|"
                            r"\b(?:refaire|recommencer|repasser|renouveler|retenter) (?:le|la|l|les|mon|ma|son|sa|un|une) "
                            r"(?:contrats?|examens?|jury|diplomes?|formation|parcours|validation|vae|epreuves?|"
                            r"certifications?)\b")


def asks_to_redo_the_contract(text: str) -> bool:
    """Whether a question asks to do the contract or its exam again (« on peut le refaire ? »), not to start the
    conversation over (« je veux recommencer »)."""
    return "?" in text and bool(REDO_SOMETHING.search(fold_words(text)))


def asks_whether_covered(topic_id: str | None, text: str, names_a_job: bool) -> bool:
    """Whether a message read as a question on the whole scheme (or not read) asks if a sector or job is covered;
    `names_a_job`: the NLU found a sector or a job in it."""
    folded = fold_words(text)
    return topic_id in WHOLE_SCHEME_TOPICS and bool(COVERED_ASKED.search(folded)) \
        and (names_a_job or bool(JOB_WORDS.search(folded)))


# « est-ce possible en restant dans mon entreprise actuelle ? » read as the employer check (0.50), which then took
# « entreprise privée » as the structure: an employee speaking of their own employer. (« ma structure », « mon
# entreprise » alone may be the speaker's own business.)
OWN_EMPLOYER = re.compile(r"\b(?:mon|ma) (?:employeur|employeuse|patron|patronne|direction|chef|cheffe|responsable)\b|"
                          r"\b(?:mon|ma) (?:entreprise|boite|societe|structure) (?:actuelle?|ou je travaille)\b|"
                          r"\ben restant (?:dans|chez)\b")


def speaks_of_own_employer(text: str) -> bool:
    return bool(OWN_EMPLOYER.search(fold_words(text))) and not says_it_is_an_employer(text)


# « et le BTP ? » after the sectors' answer fell back; « et avec un bac pro ? » after the salary was read as the
# certifications (0.93): a short « et … » follows the topic just answered (readings.topic_asked).
ELLIPTIC_START = re.compile(r"^\s*et\b")
MAX_FOLLOW_UP_WORDS = 6
DIPLOMA_NAMED = re.compile(r"\b(?:bac\w*|cap|bts|diplomes?|diplomee?s?|titres?|qualifiee?s?|qualification|niveau)\b")


def topic_of_a_follow_up(topic_id: str | None, text: str, topic_before: str | None) -> str | None:
    """The topic of a short « et … » right after the answer on `topic_before`: the same topic when the NLU could not
    read it, or when it names a diploma after the salary (whose answer gives the rate with a bac pro)."""
    folded = fold_words(text)
    if topic_before is None or not ELLIPTIC_START.match(folded) or len(folded.split()) > MAX_FOLLOW_UP_WORDS:
        return topic_id
    if topic_id is None or topic_before == "salary" and DIPLOMA_NAMED.search(folded):
        return topic_before
    return topic_id


def names_a_detail(text: str) -> bool:
    """Whether a short follow-up names something a FAQ answer can depend on besides the NLU's entities: a number
    (« et à 19 ? ») or a diploma (« et avec un bac pro ? »); « et la météo ? » names none."""
    return bool(re.search(r"\d", text) or DIPLOMA_NAMED.search(fold_words(text)))


def a_sponsor_speaks(text: str) -> bool:
    """« je suis chargée de mission dans un OPCO », « nous sommes un GEIQ et voulons porter un projet »."""
    folded = fold_words(text)
    return bool(SPONSOR_STAFF.search(folded) or SPONSOR_SPEAKING.search(folded))


def asks_who_sees_the_data(text: str) -> bool:
    return bool(WHO_SEES.search(fold_words(text)))


def situation_beyond_the_sources(text: str) -> str | None:
    """"benefits", "health" or "residence" when a message asks what the contract does to the person's benefits, how
    it fits their health or whether their residence status lets them work; None otherwise (« je suis au RSA, puis-je postuler ? » is the status question)."""
    folded = fold_words(text)
    if BENEFITS_NAMED.search(folded) and BENEFITS_KEPT.search(folded) and not DATA_NAMED.search(folded):
        return "benefits"
    if HEALTH_NAMED.search(folded):
        return "health"
    if RESIDENCE_NAMED.search(folded):
        return "residence"
    return None

# « ça pioche dans mon compte formation ? » read as the status (0.28): the CPF named, by a topic that says nothing of
# it, is the France VAE and CPF topic (which ends: in the VAE inversée, the OPCO pays).
CPF_NAMED = re.compile(r"\b(?:cpf|compte (?:personnel )?(?:de )?formation|moncompteformation)\b")
CPF_TOPICS = {"france_vae_cpf", "funding", "funding_subcaps", "employer_cost", "vs_classic_vae", "window",
              "france_vae_platform"}


# Probe of 2026-12-07 (evening), fresh phrasings read as a neighbouring topic:
# « je débute complètement dans le secteur, c'est un problème ? » read as the sectors (0.78): a beginner asks
# whether experience is needed.
BEGINNER = re.compile(r"\b(?:je debute|debutante?s?|novices?|jamais (?:travaille|bosse|exerce)|(?:aucune|sans|pas d|"
                      r"peu d) ?experience)\b")
BEGINNER_MISREAD = {None, "sectors", "goal", "definition", "individual_apply"}
# « c'est sur combien d'années ? » read as the evaluation (0.59): a length asked is the duration.
DURATION_ASKED = re.compile(r"\b(?:sur|en|pendant) combien (?:d annees|d ans|de mois|de temps)\b|"
                            r"\bdure\w* combien\b|\bcombien de temps (?:dure|ca dure)\b")
DURATION_MISREAD = {None, "evaluation", "public_age", "cap", "definition", "goal", "contract_form"}
# « c'est quoi la durée du contrat ? » read as the contract's form (0.56).
DURATION_NAMED = re.compile(r"\bduree (?:du contrat|du parcours|maximale|minimale|max|min|totale|de l experimentation)\b")
# « qu'est-ce qu'il y a dans le parcours, concrètement ? » read as the definition (0.49): its content.
CONTENT_ASKED = re.compile(r"\b(?:qu est[ -]ce qu il y a|qu y a[ -]t[ -]il|que contient|que comprend|contenu) (?:dans |du |de )?"
                           r"(?:le |la |les |ce |cette )?(?:parcours|formation|programme)\b")
# « que se passe-t-il si je n'obtiens pas la certification ? » read as the certifications (0.29): a failure.
FAILURE_ASKED = re.compile(r"\bsi (?:je|j|on|il|elle|le candidat|la personne|le salarie)(?: ne| n)? (?:obtien\w*|reussi\w*|"
                           r"valide\w*|decroche\w*|l a|l ai) pas\b|\bsi (?:je|j|on|il|elle) (?:rate\w*|echou\w*|"
                           r"loupe\w*)\b|\ben cas d echec\b|"
                           # « on peut redoubler ? » read as the certifications (0.42)
                           r"\b(?:redoubl\w*|deuxieme chance|seconde chance|nouvelle chance|rattrapage)\b")
# « on a le droit à un second essai ? » read as the employers allowed (0.42): a retry is the renewal's question,
# whatever the topic read.
RETRY = re.compile(r"\b(?:second|deuxieme|nouvel) essai\b|\b(?:nouvelle|seconde|deuxieme) (?:tentative|chance)\b|"
                   r"\bredoubl\w*\b")
# « la VAE se termine par quoi ? » read as France VAE (0.48): how it ends is the jury's answer.
END_ASKED = re.compile(r"\bse (?:termine|finit|conclut|clot)\w* (?:par|comment|avec)\b|"
                       r"\bcomment (?:ca|cela|la vae|le parcours) se (?:termine|finit)\b")
# « il reste combien de temps pour s'inscrire ? » fell back: the time left is the window's question.
TIME_LEFT = re.compile(r"\b(?:il reste|reste t il|reste-t-il) combien de temps\b|\bdate limite\b")
# « mon fils est en terminale, il peut faire ça après le bac ? » fell back: whether a relative may enter is who may
# enter (any status, from 16).
RELATIVE_ASKED = re.compile(r"\b(?:mon|ma) (?:fils|fille|enfant|neveu|niece|mari|femme|conjointe?|compagnon|compagne|"
                            r"frere|soeur|pere|mere|ami|amie)\b")
# « si je rate le diplôme, je perds mon travail ? » read as the working time (0.41).
FAILURE_MISREAD = {None, "certifications", "jury_validation", "parcours_steps", "definition", "working_time"}
# « j'ai travaillé 2 ans comme ASH, ça compte ? » read as who may enter (0.67, « 2 ans »): whether past work counts
# is the experience's answer (it can be valued too).
PAST_WORK = re.compile(r"\bj ai (?:deja )?(?:travaille|bosse|exerce|(?:une |de l )?experience)\b|\bmon experience\b|"
                       r"\bmes annees\b")
COUNTS = re.compile(r"\b(?:ca compte|compte\w*|pris en compte|prise en compte|valoris\w*|ca sert|servir)\b")
# « comment on fait le contrat ? » fell back (the CDI topic 0.29, the contract's form 0.27): how it is drawn up.
CONTRACT_MADE = re.compile(r"\b(?:fait|faire|redige\w*|rediger|remplit|remplir|etablit|etablir) (?:le|un|ce|notre) "
                           r"contrat\b")
# « est-ce que ça marche pour quelqu'un qui a déjà un contrat de travail ? » fell back (0.24 for the CDI topic):
# someone already employed asks what the CDI topic answers (an avenant with a private employer).
ALREADY_EMPLOYED = re.compile(r"\bdeja (?:un contrat de travail|en poste|salariee?s?|en cdi|employee?s?)\b")
# « bonjour je voudrais des infos sur la vae inversée » read as personal data (« infos »): what the scheme is.
INFO_ON_THE_SCHEME = re.compile(r"\b(?:infos?|informations?|renseignements?|details?) (?:sur|concernant|a propos de) "
                                r"(?:la |le |l |ce |cette )?(?:vae inversee|dispositif|experimentation)\b")
# « comment trouver un employeur qui propose ça ? » read as the employer's steps (0.75): a person looking for an
# employer asks how to enter.
FINDING_AN_EMPLOYER = re.compile(r"\b(?:trouver|chercher|cherche) (?:un |une |des )?(?:employeurs?|entreprises?|"
                                 r"postes?|places?|offres?|structures?)\b")
# « quelles données faut-il remonter ? » (a sponsor) read as personal data (0.66): the parcours' data go up through
# AGORA, which the evaluation's answer says.
DATA_REPORTED = re.compile(r"\bremont\w*\b.*\bdonnees\b|\bdonnees\b.*\bremont\w*\b|\bagora\b")
MY_OWN = re.compile(r"\b(?:mes|mon|ma|me|moi)\b")
# « est-ce que je peux encore m'inscrire cette année ? » read as the status (0.70): whether it is still possible now
# is the window's question.
STILL_OPEN_NOW = re.compile(r"\bencore\b.*\b(?:cette annee|en 202\d|aujourd hui|maintenant|actuellement|a ce jour)\b|"
                            r"\b(?:encore|toujours) (?:possible|ouvert|ouverte|temps|d actualite)\b|"
                            # « je suis au RSA, est-ce que je peux encore m'inscrire ? » (status, 0.95)
                            r"\bencore (?:m inscrire|s inscrire|postuler|candidater|signer|entrer|commencer)\b")
AN_AGE = re.compile(r"\b\d{1,2} ?ans\b")
# « expliquez-moi simplement comment ça fonctionne » fell back (help, goal, definition at ~0.2): the scheme itself.
EXPLAIN_ASKED = re.compile(r"\b(?:expliqu\w*|comment (?:ca|cela|c) (?:fonctionne|marche)|le principe|en quoi (?:ca )?"
                           r"consiste)\b")
# « je suis retraitée, je peux reprendre un diplôme comme ça ? » read as the certifications (0.71): there is no age
# limit, which the public's answer says.
RETIRED = re.compile(r"\b(?:retraitee?s?|a la retraite|en retraite|pre ?retraite)\b")
# « qui m'aide à préparer mon dossier de VAE ? » fell back (« aide » read as the hiring aids): the VAE's
# accompagnateur, France VAE's topic.
HELP_WITH_THE_FILE = re.compile(r"\bqui (?:m |nous |l |les )?(?:aide\w*|accompagne\w*)\b.*\b(?:dossier|livret|vae|"
                                r"validation|jury)\b")
# « les fonctionnaires peuvent-ils recruter avec ça ? » read as the status (0.54): public employers hiring.
PUBLIC_EMPLOYER_HIRING = re.compile(r"\b(?:fonctionnaires?|fonction publique|mairies?|collectivites?|hopital public|"
                                    r"hopitaux publics|etablissements? publics?)\b.*\b(?:recrut\w*|embauch\w*)\b")
# « on touche combien par mois ? » read as the funding (0.79): what one earns is the salary.
# « et combien je dois le payer ? » (an employer, after the aids) fell back between the funding and the salary.
EARNINGS_ASKED = re.compile(r"\b(?:touche\w*|gagne\w*|percoi\w*|percevr\w*) combien\b|"
                            r"\bcombien (?:on|je|il|elle|vous) (?:touche|gagne|percoit)\w*\b|"
                            # « on est payé combien ? », « combien on est payé ? » read as the funding (0.37)
                            r"\b(?:on est|je suis|je serai|on sera|il est|elle est) (?:payee?s?|remuneree?s?) combien\b|"
                            r"\bcombien (?:on est|je suis|je serai|on sera|il est|elle est) (?:payee?s?|remuneree?s?)\b|"
                            r"\bcombien (?:je |on |nous )?(?:dois|doit|devons|devrai|devra|vais|va|faut il) (?:le|la|les) "
                            r"payer\b|\bcombien (?:le|la|les) payer\b")


def topic_for_wording(topic_id: str | None, text: str) -> str | None:
    folded = fold_words(text)
    if topic_id == "personal_data" and BENEFITS_NAMED.search(folded) and not DATA_NAMED.search(folded):
        return None
    if EXTENSION_ASKED.search(folded) and EXPERIMENT_NAMED.search(folded) and not CONTRACT_NAMED.search(folded):
        return "window"
    if TAKING_PART.search(folded) and SPONSOR_KINDS.search(folded) and EXPERIMENT_NAMED.search(folded) \
            and not MONEY.search(folded):
        return "sponsor_who"
    if CONTRACT_SENT.search(folded) and re.search(r"\b(?:contrats?|cerfa)\b", folded) and topic_id != "cdi_avenant":
        return "opco_filing"
    if PROJECT_SUBMITTED.search(folded) and topic_id != "employer_steps" \
            or SPONSOR_SPEAKING.search(folded) and APPLYING.search(folded):
        return "sponsor_apply"
    if CALL_DOCUMENTS.search(folded) or PROJECTS_SELECTED.search(folded):
        return "sponsor_apply"
    if SPONSOR_STAFF.search(folded) and topic_id in (None, "individual_apply", "opco_filing", "sponsor_who") \
            and not asks_something(text):
        return "sponsor_apply"
    if topic_id == "individual_apply" and HIRING_ASKED.search(folded):
        return "employer_steps"
    if VAE_LEAVE.search(folded):
        return "france_vae_cpf"
    if AGE_GROUP.search(folded) and topic_id in (None, "individual_apply", "status"):
        return "public_age"
    if PAID_WHILE_TRAINING.search(folded) and topic_id in (None, "funding", "salary", "training_content"):
        return "working_time"
    if DIRECTING_SOMEONE.search(folded) and topic_id not in ("public_age", "status", "sponsor_apply"):
        return "individual_apply"
    if topic_id == "salary" and SALARY_PAID_BY.search(folded):
        return "employer_cost"
    if topic_id in ("funding", "cap") and SPLIT_ASKED.search(folded) and (MONEY.search(folded) or "€" in text):
        return "funding_subcaps"
    if STAGE_NAMED.search(folded) and (topic_id in (None, "cap") and STAGE_PAID.search(folded)
                                       or topic_id == "funding" and AMOUNT_ASKED.search(folded)
                                       or topic_id == "france_vae_cpf" and AMOUNT_ASKED.search(folded)
                                       and not OTHER_FUNDERS.search(folded)):
        return "funding_subcaps"  # « qui finance l'accompagnement ? » stays the funding's: who pays
    if topic_id == "temp_work" and not TEMP_WORK_NAMED.search(folded):
        return "status"
    if topic_id == "vs_classic_vae" and ORDINARY_CONTRACT.search(folded) and not ANOTHER_VAE.search(folded):
        return "contract_form"
    if topic_id == "cap" and (MONEY.search(folded) or "€" in text):
        return "funding_subcaps"
    if topic_id == "funding" and (EMPLOYER_SIDE.search(folded) or says_it_is_an_employer(text)):
        return "employer_cost"
    if topic_id == "employer_cost" and EMPLOYEE_SIDE.search(folded) \
            and not (EMPLOYER_SIDE.search(folded) or EMPLOYER_NAMED.search(folded) or says_it_is_an_employer(text)):
        return "funding"
    if TRAINING_HOURS.search(folded) and not MONEY.search(folded) \
            or ALTERNANCE.search(folded) and topic_id in (None, "funding") and not FUNDED.search(folded):
        return "training_content"
    if TUTOR_NAMED.search(folded) and topic_id is None or FOLLOWED_BY_SOMEONE.search(folded):
        return "tutor"
    if SAME_DIPLOMA.search(folded) and not (MONEY.search(folded) or PAY_NAMED.search(folded)):
        return "jury_validation"
    if (PUBLIC_ASKED.search(folded) or CONDITIONS_TO_ENTER.search(folded) and topic_id in (None, "individual_apply")) \
            and not NOT_THE_PUBLIC.search(folded):
        return "public_age"
    if topic_id is None and DIPLOMA_NEEDED.search(folded):
        return "status"
    if topic_id in (None, "aid_6000_ended") and YEAR_2018.search(folded):
        return "vs_experimental_contract_2018"
    if JOBS_ASKED.search(folded) and topic_id not in JOB_TOPICS:
        return "sectors"
    if topic_id == "public_age" and LENGTH_ASKED.search(folded):
        return "duration"
    if topic_id == "aid_6000_ended" and not AID_NAMED.search(folded) and "€" not in text:
        return "window"
    if CPF_NAMED.search(folded) and topic_id not in CPF_TOPICS:
        return "france_vae_cpf"
    if RETRY.search(folded) and topic_id not in ("renewal_failure", "contract_form"):
        return "renewal_failure"
    if END_ASKED.search(folded) and topic_id in (None, "france_vae_platform", "definition", "vs_classic_vae"):
        return "jury_validation"
    if TIME_LEFT.search(folded) and topic_id in (None, "cap", "funding", "duration", "individual_apply", "status"):
        return "window"
    if RELATIVE_ASKED.search(folded) and topic_id is None and not AGE_GROUP.search(folded):
        return "status"
    if PAST_WORK.search(folded) and COUNTS.search(folded) and topic_id in (None, "public_age", "status"):
        return "experience"
    if BEGINNER.search(folded) and topic_id in BEGINNER_MISREAD:
        return "experience"
    if (DURATION_ASKED.search(folded) or DURATION_NAMED.search(folded)) and topic_id in DURATION_MISREAD \
            and "experience" not in folded:
        return "duration"
    if CONTENT_ASKED.search(folded) and topic_id in (None, "definition", "goal"):
        return "training_content"
    if FAILURE_ASKED.search(folded) and topic_id in FAILURE_MISREAD:
        return "renewal_failure"
    if CONTRACT_MADE.search(folded) and topic_id is None:
        return "contract_form"
    if ALREADY_EMPLOYED.search(folded) and topic_id in (None, "contract_form", "status"):
        return "cdi_avenant"
    if INFO_ON_THE_SCHEME.search(folded) and topic_id in (None, "personal_data"):
        return "definition"
    if FINDING_AN_EMPLOYER.search(folded) and topic_id in ("employer_steps", "employers_allowed") \
            and not says_it_is_an_employer(text):
        return "individual_apply"
    if REDO_SOMETHING.search(folded) and topic_id in (None, "sectors", "certifications", "opco_filing", "duration"):
        return "renewal_failure"
    if DATA_REPORTED.search(folded) and topic_id in (None, "personal_data") and not MY_OWN.search(folded):
        return "evaluation"
    if STILL_OPEN_NOW.search(folded) and topic_id in (None, "status", "individual_apply", "public_age") \
            and not AN_AGE.search(folded):  # « à 55 ans, je peux encore postuler ? » asks about the age
        return "window"
    if EXPLAIN_ASKED.search(folded) and topic_id is None:
        return "definition"
    if RETIRED.search(folded) and topic_id in (None, "certifications", "individual_apply", "status"):
        return "public_age"
    if HELP_WITH_THE_FILE.search(folded) and topic_id in (None, "hiring_aids"):
        return "france_vae_platform"
    if PUBLIC_EMPLOYER_HIRING.search(folded) and topic_id in (None, "status", "individual_apply"):
        return "public_employers"
    if EARNINGS_ASKED.search(folded) and topic_id in (None, "funding", "employer_cost", "cap"):
        return "salary"
    return topic_id


# « je dirige une entreprise de nettoyage, si j'embauche quelqu'un de 52 ans au chômage, j'ai droit à quoi ? »,
# « je voudrais vérifier si c'est possible pour moi, et combien je serai payé ? », « je touche le RSA, est-ce que je
# peux postuler ? » read as the wish to start a check, which then only asks its first question: the question asked
# with it is answered first (the first that matches, in this order).
QUESTIONS_WITH_A_CHECK = [
    ("employer_check", "hiring_aids", re.compile(r"\b(?:aides?|primes?|subventions?|droit a quoi|a quoi (?:on|j ai|"
                                                 r"nous avons) droit)\b")),
    ("start_prescreen", "salary", re.compile(r"\b(?:salaire|remunere\w*|remuneration|paye|payee|combien je (?:serai|"
                                             r"vais)|toucher\w*|gagner\w*)\b")),
    ("start_prescreen", "status", re.compile(r"\b(?:rsa|ass|aah|rqth|handicap\w*|chomage|chomeur\w*|demandeu\w* d emploi|"
                                             r"france travail|pole emploi|minima sociaux|sans emploi|fonctionnaire|agent public)\b")),
]


def topic_asked_with_a_check(intent: str, text: str) -> str | None:
    """The FAQ topic a message that starts a check also asks about, if any."""
    folded = fold_words(text)
    return next((topic_id for starting, topic_id, asked in QUESTIONS_WITH_A_CHECK
                 if starting == intent and asked.search(folded)), None)
