"""The intent classifier (:mod:`followthru.replies.classify`) rule by rule, in ten languages.

Every phrase here was written for this file (none is taken from the labelled corpus): short
replies that exercise one rule each, with the traps the rule exists for. The message date is
Monday 30 November 2026, 09:00; the request asked for Wednesday 9 December.
"""

from __future__ import annotations

import random
from datetime import date, datetime
from pathlib import Path

import pytest

from followthru.replies import extract_words, lowercase
from followthru.replies import intent_lexicon as lx
from followthru.replies.classify import ACCEPT_MIN, DECIDE_MIN, classify
from followthru.replies.classify.decision import read_words
from followthru.replies.classify.languages import detect_languages, rank_languages
from followthru.replies.proposals import _may_hold, _patterns, find_mentions

BASE = datetime(2026, 11, 30, 9, 0)  # a Monday
ASKED = {date(2026, 12, 9)}


def read(words: str):
    return classify(words, BASE, ASKED)


def check(words: str, intent: str):
    verdict = read(words)
    assert verdict.intent == intent, (words, verdict)
    return verdict


# --- accept: explicit commitment ----------------------------------------------------------------


@pytest.mark.parametrize(
    "words",
    [
        "Sure, I'll take care of it.",
        "Yep, I'll handle the questionnaire.",
        "Absolutely - I'll get it done by the 9th.",
        "Count me in for both.",
        "Consider it done.",
        "You can count on me.",
        "Happy to help - I'll own the questionnaire.",
        "Sounds good to me, I'll be on the call.",
        "Works for me.",
        "Yes, that's fine.",
        "Of course!",
        "Definitely, I'm in.",
        "Yep.",
        "For me it's a yes.",
        "From my side: yes.",
        "Riley, yes.",
        "Hi Riley - yes, count me in.",
        "Fine, I'll do it.",
        "OK, will do.",
        "👍 will do",
        "YES",
        "im in",
        "ill do it, no worries",
        "Klar, count me in!",
        "I'd love to!",
        "Got your note.\nThanks, will do",
    ],
)
def test_commitments_in_english_are_accepts(words):
    check(words, "accept")


@pytest.mark.parametrize(
    "words",
    [
        "Ja, mache ich gerne.",
        "Klar, ich kümmere mich darum.",
        "Klingt gut, ich bin dabei.",
        "Geht klar, bis zum 9. ist alles fertig.",
        "Oui, je m'en occupe.",
        "D'accord, je m'en charge.",
        "Avec plaisir, je serai là.",
        "Sí, me encargo yo.",
        "Claro, cuenta conmigo.",
        "Sì, me ne occupo io.",
        "Certo, conta su di me.",
        "Sim, pode contar comigo.",
        "Claro, deixa comigo.",
        "Ja, doe ik.",
        "Prima, ik pak het op.",
        "Ja hoor, komt in orde.",
        "Ja, jag fixar det.",
        "Absolut, jag är med!",
        "Ja, det klarer jeg.",
        "Ja, det gør jeg gerne.",
        "Tak, zajmę się tym.",
        "Jasne, biorę to.",
        "Tak, oczywiście. Zrobię to.",
    ],
)
def test_commitments_in_other_languages_are_accepts(words):
    check(words, "accept")


@pytest.mark.parametrize(
    "words",
    [
        # positive idioms that contain a negative word
        "No problem at all, I'll run the demo.",
        "No worries, leave it with me.",
        "Not a problem, I'll send it over by Dec 9.",
        "I can't wait to get started on this!",
        "Kein Problem, übernehme ich.",
        "Pas de souci, je prends la démo.",
        "Sin problema, lo hago.",
        "Nessun problema, lo faccio io.",
        "Sem problema, eu faço.",
        "Geen probleem, ik regel het.",
        "Inga problem, jag tar det.",
        "Ingen problemer, jeg tager den.",
        "Jasne, nie ma problemu.",
        # double negation
        "There's no reason I couldn't do it. Put me down.",
        "I couldn't say no to this one - count me in.",
        "I won't let you down, it'll be ready by the 9th.",
        "I don't see why not - I'll do it.",
        "Nothing stands in the way, happy to take it.",
        "I have no conflicts that week, so yes.",
        "Sure, why not.",
    ],
)
def test_negative_words_that_mean_yes(words):
    check(words, "accept")


@pytest.mark.parametrize(
    "words",
    [
        "Sounds good. Which template should I use?",
        "Yes - quick question though, is the call remote?",
        "Sure - what format do they want?",
        "Can do. When's the call?",
        "Where do I find the template? I'll do it.",
        "I can do it, no problem. Only thing: I need the template.",
        "Yes, I'll do it. No need to send the template.",
        "Sure - no rush on the template.",
        "Yes. No questions from me.",
        "Yes, but no rush on your side.",
        "Yes - though Tom should join the call too.",
        "Sure, I'll do it. Tom might want to join as well.",
        "Absolutely. By the way, I'm out on the 18th.",
        "Yes, should be done by the 9th.",
    ],
)
def test_small_remarks_and_side_questions_keep_an_accept(words):
    check(words, "accept")


def test_a_story_about_last_time_is_not_this_answer():
    check(
        "Hi Dana,\n\nThanks for looping me in. Last time we couldn't get the report out in "
        "time, which was painful. This time I'm in - I'll get the questionnaire done by the "
        "9th.\n\nCheers,\nOwen",
        "accept",
    )


# --- never a false accept ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "words, intent",
    [
        # negated commitment
        ("I'm not in.", "decline"),
        ("Count me out.", "decline"),
        ("I can't commit to that.", "decline"),
        ("That doesn't work for me.", "decline"),
        ("I don't think I can commit to this.", "decline"),
        ("Ich bin nicht dabei.", "decline"),
        ("Ich kann nicht zusagen.", "decline"),
        ("Je ne suis pas partant.", "decline"),
        ("Definitely not.", "decline"),
        ("Absolutely not, sorry.", "decline"),
        ("Auf keinen Fall.", "decline"),
        ("I wish I could say yes.", "decline"),
        ("I'm not happy to do this.", "unclear"),
        ("Das passt mir nicht.", "unclear"),
        # a yes taken back, or qualified after "but"
        ("Of course I'd want to help, but the timing is bad.", "unclear"),
        ("Yes, I'll do it, but I'm out on the 18th.", "unclear"),
        ("Yes, but not this week.", "unclear"),
        ("Happy to, but I don't have the data.", "unclear"),
        ("Happy to, but I'm away that week.", "unclear"),
        ("Happy to hand this over to someone else.", "unclear"),
        # a yes to reading, not to doing
        ("Sure, I can look at it.", "unclear"),
        ("Yes, received.", "unclear"),
        ("I'd like to.", "unclear"),
        ("Fine.", "unclear"),
        ("OK", "unclear"),
        # a yes inside a question
        ("Count me in?", "question"),
        ("Am I in?", "question"),
        ("Is it OK if I say yes next week?", "question"),
    ],
)
def test_withheld_negated_or_qualified_yes_is_never_accept(words, intent):
    verdict = check(words, intent)
    assert verdict.intent != "accept"


# --- decline ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "words",
    [
        "Sorry, I can't take this on.",
        "I'm afraid I won't be able to help this time.",
        "Not this time, sorry.",
        "I'll have to pass on this one.",
        "That's a no from me, I'm fully booked.",
        "Unfortunately I'm not available that week.",
        "No, sorry - too much on my plate.",
        "Thanks for asking, but I'm going to decline.",
        "I'm out - no bandwidth until January.",
        "Sorry, not possible for me.",
        "Nope.",
        "Nah.",
        "Sorry, no.",
        "NO",
        "cant make it sorry",
        "dont think i can, too busy",
        "I have to turn this down, I'm on leave from the 7th.",
        "I'm not the right person for this, try legal.",
        "Thanks! I'd rather not take this on right now.",
        "I'd prefer not to.",
        "Not now.",
        "Please find someone else.",
        "Great project! Unfortunately my plate is full.",
        "Sorry, I'm on vacation until January.",
        "I'm out from the 3rd to the 12th, sorry, can't help.",
        "Hey - sorry for the delay. I'm swamped this week so I'll have to say no. Maybe ask Jordan?",
    ],
)
def test_refusals_in_english(words):
    check(words, "decline")


@pytest.mark.parametrize(
    "words",
    [
        "Leider kann ich das nicht übernehmen.",
        "Das schaffe ich diesmal nicht, sorry.",
        "Ich muss leider absagen.",
        "Leider muss ich absagen.",
        "Nein, tut mir leid.",
        "Jetzt nicht, sorry.",
        "Passt mir leider gar nicht.",
        "Das kann ich leider nicht zusagen.",
        "Désolée, je ne pourrai pas.",
        "Malheureusement ce n'est pas possible pour moi.",
        "Lo siento, no puedo esta vez.",
        "No voy a poder, estoy de vacaciones.",
        "Esta vez paso, lo siento.",
        "Purtroppo non posso, sono in ferie.",
        "Mi dispiace, non ce la faccio.",
        "Infelizmente não vou poder.",
        "Não dá, desculpa.",
        "Helaas, dat lukt me niet.",
        "Sorry, ik kan niet.",
        "Tyvärr, jag kan inte den veckan.",
        "Nej tyvärr, det hinner jag inte.",
        "Desværre, det kan jeg ikke.",
        "Niestety nie mogę.",
        "Nie, niestety.",
    ],
)
def test_refusals_in_other_languages(words):
    check(words, "decline")


@pytest.mark.parametrize(
    "words",
    [
        # a refusal that points to someone else is still a refusal
        "I can't, but Tom could.",
        "No capacity, maybe ask Priya?",
        "Kann ich nicht, frag Lukas.",
        "Je ne peux pas, demande à Julien.",
        "Can't do it, sorry. Ask Tom instead?",
        # a wish taken back
        "I'd love to, but I can't.",
        "I would like to help but I really can't this month.",
        "I'd be happy to, but I'm on leave that week.",
        "I'd love to help, but I'm travelling all week.",
        "Gerne würde ich, aber ich bin im Urlaub.",
        "J'aimerais bien, mais je suis en congé.",
        "Me encantaría, pero estoy de viaje.",
        # goodwill about another occasion
        "Not this time - happy to help next quarter though.",
        "Can't make the 9th. I'll let you know when I'm free.",
    ],
)
def test_refusals_with_kind_words(words):
    check(words, "decline")


# --- tentative ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "words",
    [
        "Maybe, I need to check my calendar.",
        "Probably yes, I'll confirm tomorrow.",
        "I think I can, but let me double-check with my manager.",
        "Should be fine, as long as legal approves.",
        "Yes, if finance signs off.",
        "If the audit finishes early, I'm in.",
        "Likely, but not confirmed yet.",
        "I'll try my best.",
        "Can't promise anything, but I'll try.",
        "Not sure yet - will let you know by Thursday.",
        "Sounds good, but I'll confirm on Wednesday.",
        "Happy to discuss, but I can't commit yet.",
        "Yes, I got your email. I'll get back to you.",
        "Should be doable.",
        "Will do my best to get it done by the 9th.",
        "Yes, but I'd need help from Tom.",
        "I'm in. Not sure about the call though.",
        "Yes for the questionnaire; for the call I need to check my calendar.",
        "Probably. What's the deadline exactly?",
        "I suppose so.",
        "Let me think about it.",
        "I'll think about it and get back to you.",
        "I'm not saying no.",
        "I haven't decided yet.",
        "Not a yes yet.",
        "It's a soft yes.",
        "Yes-ish.",
        "Leaning yes, will confirm Friday.",
        "Yes, pending approval.",
        "Maybe not.",
        "Probably not, sorry.",
        "I'm leaning towards no.",
        "Sure... if you can find nobody else.",
    ],
)
def test_hedges_conditions_and_later_confirmation_in_english(words):
    check(words, "tentative")


@pytest.mark.parametrize(
    "words",
    [
        "Vielleicht, ich muss erst mit meinem Chef sprechen.",
        "Grundsätzlich ja, aber ich muss das noch klären.",
        "Wahrscheinlich schon, ich melde mich morgen.",
        "Ich überlege es mir.",
        "Eher nicht.",
        "Ja, wenn der Termin bleibt.",
        "Ja, sofern nichts dazwischenkommt.",
        "Ja, vorbehaltlich der Freigabe.",
        "Peut-être, je dois vérifier mon agenda.",
        "En principe oui, je te confirme demain.",
        "Je vais réfléchir.",
        "Oui, si le périmètre ne change pas.",
        "Oui, sous réserve de validation.",
        "Quizás, tengo que consultarlo.",
        "En principio sí, te confirmo mañana.",
        "Lo pienso y te digo.",
        "Sí, siempre que no cambie el alcance.",
        "Sí, pendiente de aprobación.",
        "Sí, salvo imprevistos.",
        "Forse, devo sentire il mio capo.",
        "Probabilmente sì, ti faccio sapere.",
        "Ci penso e ti faccio sapere.",
        "Sì, purché la call resti venerdì.",
        "Talvez, preciso confirmar com o meu chefe.",
        "Acho que sim, te confirmo amanhã.",
        "Sim, desde que o prazo se mantenha.",
        "Misschien, ik moet even overleggen.",
        "In principe wel, ik laat het morgen weten.",
        "Ja, mits de deadline blijft.",
        "Kanske, jag måste kolla med min chef.",
        "Ja, om chefen godkänner.",
        "Måske, jeg skal lige tjekke min kalender.",
        "Måske. Jeg vender tilbage i morgen.",
        "Ja, hvis min chef siger ok.",
        "Może, muszę jeszcze sprawdzić.",
        "Raczej tak, dam znać jutro.",
        "Tak, jeśli szef się zgodzi.",
        "I'm in, unless something comes up.",
        "I'm in, sauf imprévu.",
    ],
)
def test_hedges_conditions_and_later_confirmation_in_other_languages(words):
    check(words, "tentative")


@pytest.mark.parametrize(
    "words",
    [
        "In principle yes.",
        "Grundsätzlich ja.",
        "En principe oui.",
        "En principio sí.",
        "In linea di massima sì.",
        "Em princípio sim.",
        "In principe ja.",
        "I princip ja.",
        "I princippet ja.",
        "W zasadzie tak.",
        "Yes in principle, pending my manager's OK.",
    ],
)
def test_a_yes_in_principle_is_tentative(words):
    check(words, "tentative")


# --- question -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "words",
    [
        "Which version of the questionnaire should I use?",
        "Is the deadline firm?",
        "Could you clarify what's in scope",
        "Who else is on the call?",
        "Why me?",
        "Sounds interesting. Who else is involved?",
        "¿Cuántas preguntas son?",
        "Quantas perguntas tem o questionário?",
        "Hoeveel vragen zijn het?",
        "Hur många frågor är det?",
        "Ile jest pytań?",
        "Is the review on Dec 16 or 17?",
        "Is the 9th the internal deadline or the customer's?",
        "If I say yes, when would it be due?",
    ],
)
def test_questions(words):
    check(words, "question")


@pytest.mark.parametrize(
    "words",
    [
        "Before I commit: is the demo remote?",
        "Before I say yes - who's presenting?",
        "Quick question before I confirm: remote or onsite?",
        "I'd like to know who owns the sizing before I say yes.",
        "What's the budget? I can't decide without that.",
        "Can you send the old version first? Then I'll let you know.",
        "Bevor ich zusage: wie viele Fragen sind es?",
        "Avant de m'engager, c'est pour quand exactement ?",
        "Avant de dire oui : qui présente ?",
        "Antes de confirmar, ¿quién presenta?",
        "Prima di confermare: quante domande sono?",
        "Voordat ik ja zeg: wie presenteert er?",
        "Voordat ik toezeg: is het op locatie?",
    ],
)
def test_a_question_before_committing_is_a_question_not_a_yes(words):
    check(words, "question")


# --- unclear -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "words, intent",
    [
        # "OK" and its kin are too weak on their own, but carry a commitment next to them
        ("Perfecto.", "unclear"),
        ("Va bene.", "unclear"),
        ("In Ordnung.", "unclear"),
        ("Entendu.", "unclear"),
        ("Super!", "unclear"),
        ("Tudo bem.", "unclear"),
        ("Perfecto, lo tendrás antes del 9.", "accept"),
        ("Va bene, lo faccio io.", "accept"),
        ("In Ordnung, du bekommst es bis Freitag.", "accept"),
        ("Entendu, je m'en occupe.", "accept"),
        ("Super, det fikser jeg.", "accept"),
        ("Tudo bem, eu faço.", "accept"),
        ("Okay, you'll have it by the 9th.", "accept"),
        # "doable" is not yet a promise
        ("Doable.", "tentative"),
        ("Klingt machbar.", "tentative"),
        ("C'est faisable.", "tentative"),
        ("Lijkt me haalbaar.", "tentative"),
    ],
)
def test_weak_words_need_a_commitment_beside_them(words, intent):
    check(words, intent)


@pytest.mark.parametrize(
    "words",
    [
        "Got it.",
        "Noted.",
        "Thanks, will look.",
        "I'll take a look.",
        "Received, thanks!",
        "Okay.",
        "Alles klar, danke.",
        "Bien reçu.",
        "Recibido.",
        "Ricevuto, grazie.",
        "Ontvangen, dank je.",
        "Tack, jag tittar på det.",
        "Dzięki, zerknę.",
        "Let me look into it.",
        "Forwarding to Priya.",
        "👍",
        "Will look at it.",
        "Seen, thanks.",
        "I'll read through it tonight.",
        "Let's discuss on Thursday.",
        "Gern geschehen.",
        "",
        "  \n",
    ],
)
def test_acknowledgements_without_commitment_are_unclear(words):
    verdict = check(words, "unclear")
    assert verdict.confidence < DECIDE_MIN


@pytest.mark.parametrize(
    "words",
    [
        "Yes. Actually, no.",
        "Sure. Wait, no - I'm away that week.",
        "Ja. Moment, doch nicht.",
        "Oui. En fait non.",
        "Yes... no... let me think.",
        "Yes! Hmm, no, scratch that.",
        "Count me in. On second thought, I can't.",
        "Sure. Actually I can't, sorry.",
        "Ja, mache ich. Moment - nein, geht doch nicht.",
        "Yes and no.",
        "Jein.",
    ],
)
def test_mixed_signals_are_unclear(words):
    check(words, "unclear")


# --- counter: reduced scope ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "words",
    [
        "I can do the questionnaire, but not the call.",
        "Questionnaire yes, call no.",
        "Yes to the demo, no to the sizing.",
        "I'll handle the demo; the sizing needs to go to Priya.",
        "Only the questionnaire - I can't join the call.",
        "I can only do the demo.",
        "I'll do the report, except the pricing section.",
        "The call is fine, the questionnaire is a no.",
        "Yes, but only the demo.",
        "Nope, can't do it - but I can review whatever Tom writes.",
        "Yes, will do.\nCan't make the call, sorry.",
        "Yes, will do.\n\nCan't make the call, sorry.",
        "Den Fragebogen mache ich, aber nicht den Call.",
        "Je peux faire le questionnaire, mais pas l'appel.",
        "Hago el cuestionario, pero no la llamada.",
        "Faccio il questionario, ma non la call.",
        "Per me va bene, ma solo la demo.",
        "Faço o questionário, mas não a chamada.",
        "De vragenlijst doe ik, maar niet de call.",
        "Jag tar enkäten, men inte samtalet.",
        "Jeg tager spørgeskemaet, men ikke opkaldet.",
        "Zrobię ankietę, ale nie rozmowę.",
        "Yes, but can we make it a call instead of a meeting?",
    ],
)
def test_yes_to_part_of_the_ask_is_a_counter_without_date(words):
    verdict = check(words, "counter")
    assert verdict.proposed_date is None


# --- counter: another date ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "words, proposed",
    [
        ("I can't do the 9th, but the 11th works.", date(2026, 12, 11)),
        ("The 9th is too tight. How about the 14th?", date(2026, 12, 14)),
        ("Could we push it to Friday?", date(2026, 12, 4)),
        ("Could we move it to next Friday?", date(2026, 12, 11)),
        ("Wednesday won't work. Thursday?", date(2026, 12, 3)),
        ("I can do it, but not before the 15th.", date(2026, 12, 15)),
        ("Yes, but I need until December 16.", date(2026, 12, 16)),
        ("Happy to, but can we say Dec 11 instead?", date(2026, 12, 11)),
        ("Instead of the 9th, could we do the 10th?", date(2026, 12, 10)),
        ("I'm out until the 10th, but I can do it on the 11th.", date(2026, 12, 11)),
        ("I'm on PTO until the 14th, but happy to pick it up when I'm back on the 15th.", date(2026, 12, 15)),
        ("Can't make Wednesday. Friday the 11th?", date(2026, 12, 11)),
        ("12/9 is out for me. 12/14 works.", date(2026, 12, 14)),
        ("Tomorrow would be better for me.", date(2026, 12, 1)),
        ("Yes, but only if the deadline moves to the 14th.", date(2026, 12, 14)),
        ("Works for me if we can push to Friday.", date(2026, 12, 4)),
        ("Thursday is better for me.", date(2026, 12, 3)),
        ("I could do Friday.", date(2026, 12, 4)),
        ("Friday works.", date(2026, 12, 4)),
        ("Can it wait until the 14th?", date(2026, 12, 14)),
        ("Unless you can move it to the 14th, I'll have to pass.", date(2026, 12, 14)),
        ("Yes, but I'd need until the 11th.", date(2026, 12, 11)),
        ("Yes, though it might be the 10th rather than the 9th.", date(2026, 12, 10)),
        ("Can't do Wednesday. Thursday or Friday both work.", date(2026, 12, 3)),
        ("Let's do the 11th.", date(2026, 12, 11)),
        ("How about we keep the 9th for the questionnaire and move the call to the 14th?", date(2026, 12, 14)),
        ("I'm on it, but it'll probably slip to the 11th.", date(2026, 12, 11)),
        (
            ("Yes - I'll join the call, and I'll get the questionnaire done too, though probably on the 10th."),
            date(2026, 12, 10),
        ),
        ("How about Monday?", date(2026, 12, 7)),
    ],
)
def test_another_date_in_english_is_a_counter_with_that_date(words, proposed):
    verdict = check(words, "counter")
    assert verdict.proposed_date == proposed, verdict


@pytest.mark.parametrize(
    "words, proposed",
    [
        ("Den 9. schaffe ich nicht, aber am 11.12. geht es.", date(2026, 12, 11)),
        ("Ich kann erst am Freitag, 11.12.", date(2026, 12, 11)),
        ("Mittwoch geht nicht, wie wäre es mit Donnerstag?", date(2026, 12, 3)),
        ("Statt Mittwoch lieber nächsten Montag?", date(2026, 12, 7)),
        ("Ich sage zu, aber erst ab dem 14.12.", date(2026, 12, 14)),
        ("Le 9 c'est compliqué, plutôt le 11 ?", date(2026, 12, 11)),
        ("Je ne peux pas mercredi, mais vendredi 11 décembre ça marche.", date(2026, 12, 11)),
        ("Je préfère le 14/12 plutôt que le 9/12.", date(2026, 12, 14)),
        ("Je peux le faire, mais pas avant le 14.", date(2026, 12, 14)),
        ("Je ne pourrai pas le 9, mais le 10 oui.", date(2026, 12, 10)),
        ("Je confirme, mais pour le 11 plutôt.", date(2026, 12, 11)),
        ("El 9 no puedo, ¿qué tal el 11?", date(2026, 12, 11)),
        ("No llego al miércoles; ¿te vale el lunes 14?", date(2026, 12, 14)),
        ("El 9 imposible, el 11 sin problema.", date(2026, 12, 11)),
        ("Confirmo, pero el informe lo entrego el viernes 11.", date(2026, 12, 11)),
        ("Il 9 non riesco, ma il 10 va bene.", date(2026, 12, 10)),
        ("Invece del 9, facciamo giovedì 10?", date(2026, 12, 10)),
        ("Confermo, ma la consegna slitta a venerdì 11.", date(2026, 12, 11)),
        ("Dia 9 não dá, mas dia 14 funciona.", date(2026, 12, 14)),
        ("Em vez de quarta, pode ser na sexta dia 11?", date(2026, 12, 11)),
        ("Não consigo na quarta. Pode ser na sexta?", date(2026, 12, 4)),
        ("Só consigo no dia 14.", date(2026, 12, 14)),
        ("Confirmo, mas só consigo entregar dia 11.", date(2026, 12, 11)),
        ("De 9e lukt niet, maar de 11e kan wel.", date(2026, 12, 11)),
        ("Woensdag gaat niet, liever vrijdag 11 december.", date(2026, 12, 11)),
        ("Ik kan pas op 14 december.", date(2026, 12, 14)),
        ("Den 9:e går inte, men den 11:e går bra.", date(2026, 12, 11)),
        ("Fredag går inte, men måndag den 7 december funkar.", date(2026, 12, 7)),
        ("Onsdag passer ikke, hvad med fredag den 11.?", date(2026, 12, 11)),
        ("Jeg kan først den 14.", date(2026, 12, 14)),
        ("9 grudnia nie dam rady, ale 11 grudnia pasuje.", date(2026, 12, 11)),
        ("Dopiero 14 grudnia.", date(2026, 12, 14)),
    ],
)
def test_another_date_in_other_languages_is_a_counter_with_that_date(words, proposed):
    verdict = check(words, "counter")
    assert verdict.proposed_date == proposed, verdict


@pytest.mark.parametrize(
    "words, proposed",
    [
        # "next <weekday>" is that day of the following week; a bare weekday the next one
        ("How about next Friday?", date(2026, 12, 11)),
        ("How about this Friday?", date(2026, 12, 4)),
        ("Wie wäre es mit nächstem Freitag?", date(2026, 12, 11)),
        ("Et vendredi prochain ?", date(2026, 12, 11)),
        ("¿Qué tal el próximo viernes?", date(2026, 12, 11)),
        ("Che ne dici di venerdì prossimo?", date(2026, 12, 11)),
        ("Que tal na próxima sexta?", date(2026, 12, 11)),
        ("Wat dacht je van volgende vrijdag?", date(2026, 12, 11)),
        ("Vad sägs om nästa fredag?", date(2026, 12, 11)),
        ("Hvad med næste fredag?", date(2026, 12, 11)),
        ("Co powiesz na przyszły piątek?", date(2026, 12, 11)),
        # numeric dates by locale and plausibility
        ("Can we do 12/11 instead?", date(2026, 12, 11)),
        ("Could we do 11/12 instead?", date(2026, 12, 11)),
    ],
)
def test_relative_and_numeric_dates_in_counters(words, proposed):
    verdict = check(words, "counter")
    assert verdict.proposed_date == proposed, verdict


@pytest.mark.parametrize(
    "words",
    [
        "I can't do the 9th. Next week?",
        "I can't do Wednesday, but any day next week is fine.",
        "Ja, gerne – aber erst im Januar.",
        "Yes, but not before January.",
        "Sure, but only after the holidays.",
    ],
)
def test_a_vague_other_time_is_a_counter_without_date(words):
    verdict = check(words, "counter")
    assert verdict.proposed_date is None


@pytest.mark.parametrize(
    "words",
    [
        "The 10:00 slot doesn't work, but I can do 15:00 the same day.",
        "Yes to both, but the call would have to be after 3pm.",
    ],
)
def test_another_time_of_day_is_a_counter_without_date(words):
    verdict = check(words, "counter")
    assert verdict.proposed_date is None


@pytest.mark.parametrize(
    "words, proposed",
    [
        ("Works for me on the 11th.", date(2026, 12, 11)),
        ("Yes, works for me on Friday.", date(2026, 12, 4)),
        ("Passt mir am 11.12. besser.", date(2026, 12, 11)),
        ("Je suis dispo le 11.", date(2026, 12, 11)),
        ("I could do Friday.", date(2026, 12, 4)),
    ],
)
def test_a_day_chosen_with_works_on_or_could_is_a_counter(words, proposed):
    verdict = check(words, "counter")
    assert verdict.proposed_date == proposed, verdict


@pytest.mark.parametrize(
    "words, intent",
    [
        ("Ja, ich kann es am Montag schicken.", "accept"),  # before the deadline: met
        ("Sure, I can do it on Friday.", "accept"),
        ("I can do it on the 9th.", "accept"),
        ("Wednesday the 9th works for me.", "accept"),
        ("How about the 9th?", "question"),
        ("Yes, I'll have it done by the 9th.", "accept"),
        ("Sure. I'll block Monday and Tuesday for it.", "accept"),
        ("Count me in. See you at the review on Dec 16.", "accept"),
        ("Yes - can have it to you by the 7th, two days early.", "accept"),
        ("Sure, you'll have it Friday.", "accept"),
        ("Yes, the 9th is fine.", "accept"),
        ("I can do the 9th.", "accept"),
        ("Yes, Wednesday the 9th works.", "accept"),
        ("Yes, by EOD Friday.", "accept"),
        ("Happy to help. I'm out Dec 3-5 but it'll be done by the 9th.", "accept"),
        ("Maybe - I'll know more on Thursday.", "tentative"),
        ("Let's discuss on Thursday.", "unclear"),
        ("Thanks for that, but I'll decline. I'm moving to the data team on Monday.", "decline"),
    ],
)
def test_dates_that_are_not_offers(words, intent):
    verdict = check(words, intent)
    assert verdict.proposed_date is None


# --- varied phrasing, longer replies ----------------------------------------------------------

# (words, intent, proposed date or ... when any)
VARIED = [
    (("Morning! Yes, I've blocked time on Thursday for it. You'll have it before the deadline."), "accept", ...),
    ("I'm good with this. Will send the answers by Dec 9.", "accept", ...),
    ("Sign me up.", "accept", ...),
    ("Yup, on it.", "accept", ...),
    ("Roger that, will get it done.", "accept", ...),
    ("Leave it with me.", "accept", ...),
    ("I'll make it work.", "accept", ...),
    ("Done - I'll send it tomorrow.", "accept", ...),
    ("Let's do it!", "accept", ...),
    ("Deal.", "accept", ...),
    ("Okay, I'll take the demo.", "accept", ...),
    ("Alright, count me in.", "accept", ...),
    ("You got it.", "accept", ...),
    ("I'm on board.", "accept", ...),
    ("Sure thing, Morgan.", "accept", ...),
    ("Ja, passt für mich. Ich liefere bis zum 9.12.", "accept", ...),
    ("Jawohl, wird erledigt.", "accept", ...),
    ("Ok, ich übernehme das.", "accept", ...),
    ("Oui, c'est noté, je m'en occupe.", "accept", ...),
    ("Bien sûr, je te l'envoie avant le 9.", "accept", ...),
    ("Vale, me encargo de la demo.", "accept", ...),
    ("Perfecto, lo tendrás antes del 9.", "accept", ...),
    ("Va bene, te lo mando entro il 9.", "accept", ...),
    ("Tudo bem, eu cuido disso.", "accept", ...),
    ("Prima, ik zorg ervoor.", "accept", ...),
    ("Okej, jag fixar det till den 9:e.", "accept", ...),
    ("Fint, det ordner jeg.", "accept", ...),
    ("Dobrze, przygotuję to do 9 grudnia.", "accept", ...),
    ("I'm going to have to say no to this one, I'm stretched too thin.", "decline", ...),
    ("Unfortunately, that's not going to happen this month.", "decline", ...),
    ("Pass.", "decline", ...),
    ("I can't take on anything else right now.", "decline", ...),
    ("Sorry, I'm maxed out.", "decline", ...),
    ("No - I'm on holiday that week.", "decline", ...),
    ("I won't be able to make the call or do the questionnaire.", "decline", ...),
    ("Ich kann das leider nicht machen, bin komplett ausgelastet.", "decline", ...),
    ("Nein, das geht sich bei mir nicht aus.", "decline", ...),
    ("Je suis désolé mais je ne peux pas m'engager là-dessus.", "decline", ...),
    ("Lo siento, pero no me es posible.", "decline", ...),
    ("Mi spiace, questa volta devo rinunciare.", "decline", ...),
    ("Sinto muito, mas não consigo assumir isso.", "decline", ...),
    ("Helaas, ik heb er geen tijd voor.", "decline", ...),
    ("Tyvärr har jag inte tid.", "decline", ...),
    ("Beklager, jeg har ikke tid.", "decline", ...),
    ("Przykro mi, nie mam na to czasu.", "decline", ...),
    ("Possibly. Depends on whether the Globex deal closes this week.", "tentative", ...),
    ("I'd say 80% yes, let me confirm tomorrow.", "tentative", ...),
    ("Most likely yes, but I'll need to check with my team first.", "tentative", ...),
    ("Give me until Wednesday to confirm.", "tentative", ...),
    ("I should be able to, but I'll confirm by end of day.", "tentative", ...),
    ("Wahrscheinlich ja, ich gebe dir morgen Bescheid.", "tentative", ...),
    ("Je pense que oui, mais je dois vérifier.", "tentative", ...),
    ("Creo que sí, pero déjame confirmarlo.", "tentative", ...),
    ("Penso di sì, ma devo controllare.", "tentative", ...),
    ("Acho que dá, mas preciso confirmar.", "tentative", ...),
    ("Ik denk het wel, maar ik moet het nog checken.", "tentative", ...),
    ("Jag tror det, men jag måste dubbelkolla.", "tentative", ...),
    ("Jeg tror det, men jeg skal lige tjekke.", "tentative", ...),
    ("Chyba tak, ale muszę to potwierdzić.", "tentative", ...),
    ("What does the questionnaire cover exactly?", "question", ...),
    ("Do you have a template I can use?", "question", ...),
    ("When is the CISO call scheduled?", "question", ...),
    ("Who is the contact at ACME?", "question", ...),
    ("Wann ist der Call genau?", "question", ...),
    ("C'est combien de questions ?", "question", ...),
    ("¿Para cuándo lo necesitas exactamente?", "question", ...),
    ("Quando serve esattamente?", "question", ...),
    ("Para quando você precisa disso?", "question", ...),
    ("Wanneer is de call precies?", "question", ...),
    ("När är samtalet?", "question", ...),
    ("Hvornår er opkaldet?", "question", ...),
    ("Kiedy jest ten call?", "question", ...),
    ("I can't do the 9th - what about the 16th?", "counter", date(2026, 12, 16)),
    ("Not the 9th, sorry. The 10th is the earliest I can do.", "counter", date(2026, 12, 10)),
    ("I'm slammed until the 11th; could do the 14th though.", "counter", date(2026, 12, 14)),
    ("Push it a week and I'm in.", "counter", ...),
    ("Ich schaffe es erst bis zum 16. Dezember.", "counter", date(2026, 12, 16)),
    ("Je peux le faire pour le 15 décembre au lieu du 9.", "counter", date(2026, 12, 15)),
    ("Puedo tenerlo para el 15 de diciembre, no antes.", "counter", date(2026, 12, 15)),
    ("Posso farlo per il 15 dicembre, non prima.", "counter", date(2026, 12, 15)),
    ("Consigo entregar no dia 15 de dezembro, não antes.", "counter", date(2026, 12, 15)),
    ("Ik kan het pas op 15 december leveren.", "counter", date(2026, 12, 15)),
    ("Jag kan leverera den 15 december, inte tidigare.", "counter", date(2026, 12, 15)),
    ("Jeg kan levere den 15. december, ikke før.", "counter", date(2026, 12, 15)),
    ("Mogę to zrobić dopiero 15 grudnia.", "counter", date(2026, 12, 15)),
    ("I'll do the demo but someone else needs to do the sizing.", "counter", ...),
    ("Ich mache die Demo, die Schätzung bitte an jemand anderen.", "counter", ...),
    ("Je fais la démo, mais pour le dimensionnement il faudra voir ailleurs.", "counter", ...),
    ("Looping in Sam who might be better placed.", "unclear", ...),
    ("Can we talk about this tomorrow?", "question", ...),
    ("Interesting.", "unclear", ...),
    ("Hmm, let me see.", "tentative", ...),
    ("Ok thanks.", "unclear", ...),
    ("See my notes inline.", "unclear", ...),
    ("Call me.", "unclear", ...),
    (
        (
            "Hi Morgan,\n\nThanks for thinking of me. I've had a look at the questionnaire "
            "and it's mostly the same as the Initech one, so yes - I can have it back to "
            "you by the 9th. I'll also join the CISO call.\n\nBest,\nPriya"
        ),
        "accept",
        ...,
    ),
    (
        (
            "Hi Riley,\n\nI'd really like to help, but I'm already on two other deals this "
            "month and I don't want to drop the ball. Could you ask "
            "Marcus?\n\nThanks,\nHannah"
        ),
        "decline",
        ...,
    ),
    (
        (
            "Hey,\n\nQuick one - is this the full SIG or the lite version? If it's lite, "
            "I'm happy to take it; if it's the full one I'll need more time.\n\nTom"
        ),
        "question",
        ...,
    ),
    (
        ("Hi,\n\nI can do the demo on the 9th. The sizing I can't commit to until I see their usage data.\n\nOwen"),
        "counter",
        ...,
    ),
    (("Hello Dana,\n\nYes for the redlines. I'll send comments by Tuesday.\n\nRegards,\nHannah"), "accept", ...),
    (
        ("Dana - I'm not going to be able to get to the redlines before the 9th. The 11th is realistic."),
        "counter",
        date(2026, 12, 11),
    ),
    (
        (
            "Hi Riley,\n\nSorry, I've been out sick. I'm back tomorrow and can pick this "
            "up then - the 9th still works for me.\n\nSam"
        ),
        "accept",
        ...,
    ),
    (
        (
            "Hi all,\n\nI'm happy to review the redlines but I'm not the right person to "
            "sign off on the indemnity clause - that needs to go to legal.\n\nHannah"
        ),
        "counter",
        ...,
    ),
    ("Riley - honestly, I don't have time for this. Please take me off the list.", "decline", ...),
    ("Sounds fun! Sadly I'm booked solid until mid-January.", "decline", ...),
    ("Oh sure, because I have nothing else to do. No.", "decline", ...),
    ("Ha, of course. Nothing I'd love more. Done by Friday.", "accept", ...),
    ("Yes yes yes.", "accept", ...),
    ("Nope nope.", "decline", ...),
    ("Can't.", "decline", ...),
    ("Won't.", "decline", ...),
    ("Sure, no problem - but it'll be Thursday the 10th, not the 9th.", "counter", date(2026, 12, 10)),
    ("Yes. Though realistically it'll be the 11th.", "counter", date(2026, 12, 11)),
    ("I'm in for the call. The questionnaire I'll have to pass on.", "counter", ...),
    ("Do I have a choice? Fine, I'll do it.", "accept", ...),
    ("Happy to, as long as Tom reviews it before it goes out.", "tentative", ...),
    ("If you really need me, I'll do it.", "tentative", ...),
    ("I'll do it if nobody else can.", "tentative", ...),
    ("Only if the deadline moves.", "tentative", ...),
    ("Yes - provided I get the data by Friday.", "tentative", ...),
    ("Ok, but only if Priya can cover the call.", "tentative", ...),
]


@pytest.mark.parametrize("words, intent, proposed", VARIED)
def test_varied_phrasing(words, intent, proposed):
    verdict = check(words, intent)
    if proposed is not ...:
        assert verdict.proposed_date == proposed, verdict


# --- every intent in every language ---------------------------------------------------------------

# (words, intent, proposed date): one reply per intent and language, phrased afresh
MATRIX = [
    ("Ja hoor, ik neem de demo op me.", "accept", None),  # Dutch
    ("Komt goed, ik lever het voor de 9e aan.", "accept", None),  # Dutch
    ("Dat lukt me wel, ik stuur het dinsdag.", "accept", None),  # Dutch
    ("Nee, sorry, ik zit vol.", "decline", None),  # Dutch
    ("Dat gaat me helaas niet lukken.", "decline", None),  # Dutch
    ("Ik moet dit afslaan, te druk.", "decline", None),  # Dutch
    ("Misschien, afhankelijk van mijn klantbezoek.", "tentative", None),  # Dutch
    ("Waarschijnlijk wel, ik laat het je weten.", "tentative", None),  # Dutch
    ("Wie zit er nog meer in het team?", "question", None),  # Dutch
    ("De 9e kan ik niet, wel de 10e.", "counter", date(2026, 12, 10)),  # Dutch
    ("Ik doe de vragenlijst, niet de call.", "counter", None),  # Dutch
    ("Ja, det tar jag.", "accept", None),  # Swedish
    ("Självklart, räkna med mig.", "accept", None),  # Swedish
    ("Det går bra, jag skickar den på tisdag.", "accept", None),  # Swedish
    ("Nej, tyvärr går det inte.", "decline", None),  # Swedish
    ("Jag måste tacka nej den här gången.", "decline", None),  # Swedish
    ("Kanske, beror på min kundresa.", "tentative", None),  # Swedish
    ("Troligen, jag återkommer i morgon.", "tentative", None),  # Swedish
    ("Vem är kontaktperson hos ACME?", "question", None),  # Swedish
    ("Den 9:e funkar inte, men den 10:e går.", "counter", date(2026, 12, 10)),  # Swedish
    ("Jag tar demon men inte uppskattningen.", "counter", None),  # Swedish
    ("Ja, det tager jeg mig af.", "accept", None),  # Danish
    ("Selvfølgelig, regn med mig.", "accept", None),  # Danish
    ("Nej, desværre. Jeg har for travlt.", "decline", None),  # Danish
    ("Jeg må takke nej denne gang.", "decline", None),  # Danish
    ("Måske, det afhænger af min chef.", "tentative", None),  # Danish
    ("Sandsynligvis, jeg vender tilbage.", "tentative", None),  # Danish
    ("Hvem er kontakten hos ACME?", "question", None),  # Danish
    ("Den 9. kan jeg ikke, men den 10. passer.", "counter", date(2026, 12, 10)),  # Danish
    ("Jeg tager demoen, men ikke estimatet.", "counter", None),  # Danish
    ("Tak, zajmę się tym do środy.", "accept", None),  # Polish
    ("Jasne, możesz na mnie liczyć.", "accept", None),  # Polish
    ("Nie, niestety nie dam rady.", "decline", None),  # Polish
    ("Muszę odmówić, jestem zawalony pracą.", "decline", None),  # Polish
    ("Może, zależy od mojego szefa.", "tentative", None),  # Polish
    ("Prawdopodobnie tak, dam znać jutro.", "tentative", None),  # Polish
    ("Kto jeszcze jest w zespole?", "question", None),  # Polish
    ("9 grudnia nie mogę, ale 10 grudnia pasuje.", "counter", date(2026, 12, 10)),  # Polish
    ("Zrobię demo, ale nie wycenę.", "counter", None),  # Polish
    ("Claro, eu cuido disso até dia 9.", "accept", None),  # Portuguese
    ("Pode deixar, faço a demo.", "accept", None),  # Portuguese
    ("Não, infelizmente não dá.", "decline", None),  # Portuguese
    ("Vou ter que recusar, estou sem tempo.", "decline", None),  # Portuguese
    ("Talvez, depende do meu gestor.", "tentative", None),  # Portuguese
    ("Provavelmente sim, te aviso amanhã.", "tentative", None),  # Portuguese
    ("Quem mais está na equipe?", "question", None),  # Portuguese
    ("Dia 9 não consigo, mas dia 10 sim.", "counter", date(2026, 12, 10)),  # Portuguese
    ("Faço a demo, mas não a estimativa.", "counter", None),  # Portuguese
    ("Certo, me ne occupo io entro il 9.", "accept", None),  # Italian
    ("Volentieri, ci sarò alla call.", "accept", None),  # Italian
    ("No, purtroppo non riesco.", "decline", None),  # Italian
    ("Devo declinare, sono troppo preso.", "decline", None),  # Italian
    ("Forse, dipende dal mio capo.", "tentative", None),  # Italian
    ("Probabilmente sì, ti confermo domani.", "tentative", None),  # Italian
    ("Chi altro c'è nel team?", "question", None),  # Italian
    ("Il 9 non posso, ma il 10 sì.", "counter", date(2026, 12, 10)),  # Italian
    ("Faccio la demo, ma non la stima.", "counter", None),  # Italian
    ("Claro, me ocupo yo antes del 9.", "accept", None),  # Spanish
    ("Encantada, cuenta conmigo.", "accept", None),  # Spanish
    ("No, lo siento, no puedo.", "decline", None),  # Spanish
    ("Tengo que decir que no, estoy hasta arriba.", "decline", None),  # Spanish
    ("Quizás, depende de mi jefe.", "tentative", None),  # Spanish
    ("Probablemente sí, te confirmo mañana.", "tentative", None),  # Spanish
    ("¿Quién más está en el equipo?", "question", None),  # Spanish
    ("El 9 no puedo, pero el 10 sí.", "counter", date(2026, 12, 10)),  # Spanish
    ("Hago la demo, pero no la estimación.", "counter", None),  # Spanish
    ("Oui, je m'en charge pour le 9.", "accept", None),  # French
    ("Volontiers, je serai sur l'appel.", "accept", None),  # French
    ("Non, désolé, je ne peux pas.", "decline", None),  # French
    ("Je dois refuser, je suis débordé.", "decline", None),  # French
    ("Peut-être, ça dépend de mon manager.", "tentative", None),  # French
    ("Probablement, je te confirme demain.", "tentative", None),  # French
    ("Qui d'autre est dans l'équipe ?", "question", None),  # French
    ("Le 9 je ne peux pas, mais le 10 oui.", "counter", date(2026, 12, 10)),  # French
    ("Je fais la démo, mais pas l'estimation.", "counter", None),  # French
    ("Ja, ich kümmere mich bis Mittwoch darum.", "accept", None),  # German
    ("Sehr gerne, ich bin beim Call dabei.", "accept", None),  # German
    ("Nein, tut mir leid, ich schaffe das nicht.", "decline", None),  # German
    ("Ich muss ablehnen, ich bin voll.", "decline", None),  # German
    ("Vielleicht, hängt von meinem Chef ab.", "tentative", None),  # German
    ("Wahrscheinlich ja, ich sage dir morgen Bescheid.", "tentative", None),  # German
    ("Wer ist noch im Team?", "question", None),  # German
    ("Am 9. kann ich nicht, aber am 10. schon.", "counter", date(2026, 12, 10)),  # German
    ("Ich mache die Demo, aber nicht die Schätzung.", "counter", None),  # German
]


@pytest.mark.parametrize("words, intent, proposed", MATRIX)
def test_every_intent_in_every_language(words, intent, proposed):
    verdict = check(words, intent)
    assert verdict.proposed_date == proposed, verdict


@pytest.mark.parametrize(
    "words, intent",
    [
        # answers given per item, as lists or with a topic in front
        ("- Questionnaire: yes\n- Call: no", "counter"),
        ("Questionnaire - yes. Call - no.", "counter"),
        ("1. Yes\n2. No, I'm travelling.", "counter"),
        ("Re the questionnaire: happy to. Re the call: can't.", "counter"),
        ("Teilweise - den Fragebogen ja, den Call nicht.", "counter"),
        # part of the ask
        ("I can do part of it.", "counter"),
        ("I can only partially help.", "counter"),
        ("Je peux en faire une partie.", "counter"),
        ("Puedo hacer una parte.", "counter"),
        # calendar words as commitment
        ("*Yes*, count me in.", "accept"),
        ("Confirmed for both.", "accept"),
        ("Booked it in.", "accept"),
        ("Blocked the time in my calendar.", "accept"),
        ("Added to my calendar.", "accept"),
        # more refusals, hedges and questions
        ("I'm going to sit this one out.", "decline"),
        ("This isn't something I can take on.", "decline"),
        ("I'm unable to commit.", "decline"),
        ("Can't commit, sorry.", "decline"),
        ("Let me get back to you on that.", "tentative"),
        ("I'll let you know by Friday.", "tentative"),
        ("TBC.", "tentative"),
        ("I hope so.", "tentative"),
        ("Fingers crossed.", "tentative"),
        ("Is there a deadline?", "question"),
        ("Any chance we could get Tom's help?", "question"),
    ],
)
def test_item_answers_partial_answers_and_more_forms(words, intent):
    check(words, intent)


@pytest.mark.parametrize(
    "words, intent, proposed",
    [
        # approvals, absences around a yes, meetings planned around a yes
        ("Approved.", "accept", ...),
        ("Approved, go ahead.", "accept", ...),
        ("Not approved.", "decline", ...),
        ("I can't approve 15% - 10% is the max I can sign off.", "counter", ...),
        ("Approved at 10% instead of 12%.", "counter", ...),
        ("Sorry, missed this. Yes.", "accept", ...),
        ("Still thinking about it.", "tentative", ...),
        ("I'm on vacation next week but can do it before I leave on Friday.", "accept", ...),
        ("I'm on vacation next week, but I can do it on the 14th when I'm back.", "counter", date(2026, 12, 14)),
        ("Sure, I can step in for Alex.", "accept", ...),
        ("I can cover the call but not the questionnaire.", "counter", ...),
        ("We're short-staffed but I'll make it happen.", "accept", ...),
        ("It's tight, but I'll get it done by the 9th.", "accept", ...),
        ("Tight timeline, but fine - I'm in.", "accept", ...),
        ("The deadline is tight; I'll need until the 11th.", "counter", date(2026, 12, 11)),
        ("Not thrilled about the timeline, but OK.", "unclear", ...),
        ("OK, fine, I'll do it - but this is the last time.", "accept", ...),
        ("Happy to, but only if I can reuse the Globex answers.", "tentative", ...),
        ("Sorry, I'm on leave next week. Happy to help when I'm back.", "counter", ...),
        ("I'm out until the 14th. Happy to pick it up after that.", "counter", ...),
        ("I'm away all next week, but happy to help once I'm back.", "counter", ...),
        ("Unfortunately I'm travelling. Yes for the call though.", "counter", ...),
        ("I'm at a conference until Wednesday, but I'll get it done by the 9th.", "accept", ...),
        ("I'm off tomorrow, but I'll have it back by Friday.", "accept", ...),
        ("Yes. I'll send a draft Friday and the final on the 9th.", "accept", ...),
        ("Count me in - I'll do the questionnaire Monday and join the call Wednesday.", "accept", ...),
        ("Sure, I'll do it. FYI I'm out on the 10th and 11th.", "accept", ...),
        ("Yes, I'll do it. Can we sync on Monday to go through it?", "accept", ...),
        ("Yes, and let's sync Monday to kick it off.", "accept", ...),
        ("Happy to. Could you send me the template by Friday?", "accept", ...),
        ("Ja, mache ich. Können wir am Montag kurz telefonieren?", "accept", ...),
        ("Oui, je m'en occupe. On fait un point lundi ?", "accept", ...),
    ],
)
def test_approvals_absences_and_meetings_around_a_yes(words, intent, proposed):
    verdict = check(words, intent)
    if proposed is not ...:
        assert verdict.proposed_date == proposed, verdict


# (words, intent, proposed date): short letters with greeting and sign-off, all ten languages
LETTERS = [
    (
        (
            "Hi Morgan,\n\nConsider me in. I'll get the sizing estimate over by the 9th and "
            "join the demo.\n\nCheers,\nNina"
        ),
        "accept",
        None,
    ),
    ("Hey Dana,\n\nI'll take it. Redlines back to you Monday.\n\nH.", "accept", None),
    (("Hallo Jana,\n\ndas übernehme ich gerne. Du bekommst den Fragebogen bis zum 9.12.\n\nLG\nJonas"), "accept", None),
    ("Bonjour,\n\nc'est d'accord pour moi, je m'en charge.\n\nBien à vous,\nJulien", "accept", None),
    ("Hola Riley,\n\n¡Hecho! Me encargo del cuestionario.\n\nSaludos,\nLucía", "accept", None),
    ("Ciao Riley,\n\nvolentieri, me ne occupo io.\n\nGiulia", "accept", None),
    ("Olá,\n\nCombinado, eu faço.\n\nJoão", "accept", None),
    ("Hoi,\n\nIs goed, ik doe het.\n\nSanne", "accept", None),
    ("Hej,\n\nDet fixar jag.\n\nErik", "accept", None),
    ("Hej,\n\nDet klarer jeg.\n\nMette", "accept", None),
    ("Cześć,\n\nZajmę się tym.\n\nKasia", "accept", None),
    ("Hi Riley,\n\nI have to be honest - I can't take this on with the audit going on.\n\nTom", "decline", None),
    ("Hallo,\n\nich muss leider passen, das Quartalsende frisst mich auf.\n\nSabine", "decline", None),
    ("Bonjour,\n\nje ne vais malheureusement pas pouvoir, désolé.\n\nClaire", "decline", None),
    ("Hola,\n\nme va a ser imposible esta vez.\n\nCarmen", "decline", None),
    ("Ciao,\n\npurtroppo questa volta non posso.\n\nMarco", "decline", None),
    ("Olá,\n\ndesta vez não vou conseguir.\n\nAna", "decline", None),
    ("Hoi,\n\nhelaas, ik kan dit niet oppakken.\n\nBram", "decline", None),
    ("Hej,\n\ntyvärr kan jag inte ta det.\n\nKarin", "decline", None),
    ("Hej,\n\ndesværre kan jeg ikke påtage mig det.\n\nMette", "decline", None),
    ("Cześć,\n\nniestety muszę odmówić.\n\nKatarzyna", "decline", None),
    (
        ("Hi,\n\nProbably - let me check what else is due that week and I'll confirm tomorrow.\n\nPriya"),
        "tentative",
        None,
    ),
    ("Hallo,\n\nklingt machbar, aber ich muss erst mit meinem Team sprechen.\n\nLukas", "tentative", None),
    ("Bonjour,\n\nça devrait être possible, je te confirme d'ici jeudi.\n\nLéa", "tentative", None),
    ("Hola,\n\nen principio sí, pero lo tengo que confirmar.\n\nDiego", "tentative", None),
    ("Ciao,\n\ndovrei farcela, ti confermo domani.\n\nChiara", "tentative", None),
    ("Olá,\n\nacho que consigo, confirmo amanhã.\n\nJoão", "tentative", None),
    ("Hoi,\n\nik denk het wel, maar ik laat het morgen definitief weten.\n\nLotte", "tentative", None),
    ("Hej,\n\nförmodligen, jag återkommer i morgon.\n\nErik", "tentative", None),
    ("Hej,\n\nsandsynligvis, men jeg skal lige tjekke min kalender.\n\nMette", "tentative", None),
    ("Cześć,\n\nchyba tak, dam znać jutro.\n\nKasia", "tentative", None),
    (
        "Hi,\n\nCould we do the 14th instead? The 9th clashes with our board meeting.\n\nOwen",
        "counter",
        date(2026, 12, 14),
    ),
    ("Hallo,\n\nder 9. ist schwierig - ginge auch Freitag, der 11.?\n\nAnna", "counter", date(2026, 12, 11)),
    ("Bonjour,\n\nle 9 ne m'arrange pas, est-ce que le 11 irait ?\n\nLéa", "counter", date(2026, 12, 11)),
    ("Hola,\n\nel 9 me viene fatal; ¿podría ser el 11?\n\nCarmen", "counter", date(2026, 12, 11)),
    ("Ciao,\n\nil 9 è impossibile, facciamo l'11?\n\nGiulia", "counter", date(2026, 12, 11)),
    ("Olá,\n\ndia 9 fica difícil; pode ser dia 11?\n\nAna", "counter", date(2026, 12, 11)),
    ("Hoi,\n\nde 9e is lastig, kan het ook de 11e?\n\nSanne", "counter", date(2026, 12, 11)),
    ("Hej,\n\nden 9:e blir svårt, går det den 11:e?\n\nKarin", "counter", date(2026, 12, 11)),
    ("Hej,\n\nden 9. er svær, kan vi tage den 11.?\n\nMette", "counter", date(2026, 12, 11)),
    ("Cześć,\n\n9 grudnia odpada, może 11 grudnia?\n\nKasia", "counter", date(2026, 12, 11)),
]


@pytest.mark.parametrize("words, intent, proposed", LETTERS)
def test_short_letters_in_ten_languages(words, intent, proposed):
    verdict = check(words, intent)
    assert verdict.proposed_date == proposed, verdict


# --- keywords and confidence ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "words, intent",
    [
        ("ACCEPT", "accept"),
        ("DECLINE - sorry", "decline"),
        ("ZUSAGEN\n\nbis Freitag", "accept"),
        ("Sorry for the delay. ACCEPT.", "accept"),
        ("I can't ACCEPT that date.", "decline"),
        ("ACCEPT or DECLINE?", "question"),
        ("ACCEPT\n\nbut not the call", "counter"),
    ],
)
def test_request_keywords(words, intent):
    check(words, intent)


@pytest.mark.parametrize(
    "words",
    [
        "Count me in.",
        "Maybe.",
        "No.",
        "Monday?",
        "Which one?",
        "Got it.",
        "Yes and no.",
        "I can do the questionnaire, but not the call.",
        "Hmm.",
        "Sure, I can look at it.",
    ],
)
def test_confidence_bands(words):
    verdict = classify(words, BASE, ASKED)
    assert 0.0 <= verdict.confidence <= 1.0
    if verdict.intent == "unclear":
        assert verdict.confidence < DECIDE_MIN
    else:
        assert verdict.confidence >= DECIDE_MIN and verdict.evidence
    if verdict.intent == "accept":
        assert verdict.confidence >= ACCEPT_MIN


def test_without_a_message_date_nothing_is_read_as_a_date():
    assert classify("Count me in.").intent == "accept"
    verdict = classify("I can't do the 9th, but the 11th works.")
    assert verdict.intent != "accept" and verdict.proposed_date is None


# --- what is not the person's answer --------------------------------------------------------------


def test_signature_and_disclaimer_do_not_count():
    words = (
        "Yes, I'll do it.\n\nBest regards,\nTom Baker\nSolutions Engineer\n"
        "M: +1 555 010 2000\n\nThis message is confidential. If you are not the intended "
        "recipient you cannot use it and must decline any reliance on it."
    )
    assert check(words, "accept").evidence


def test_a_german_disclaimer_and_legal_footer_do_not_count():
    words = (
        "Ja, ich bin dabei.\n\nViele Grüße\nAnna\n\nAnna Berg\nVertrieb\n"
        "T: +49 30 1234 5678\n\nDiese Nachricht ist vertraulich. Wenn Sie nicht der "
        "Adressat sind, informieren Sie bitte den Absender; wir lehnen jede Haftung ab, "
        "falls Sie sie weitergeben.\n\nBeispiel GmbH, Sitz: Köln, Amtsgericht Köln HRB 99"
    )
    check(words, "accept")
    check("Ja, ich bin dabei.\n\nBeispiel GmbH, Sitz: Köln, Amtsgericht Köln HRB 99", "accept")


def test_a_closing_paragraph_is_kept_when_it_is_words():
    check("Sure.\n\nHappy to, as long as Tom reviews it as usual.", "tentative")


def test_quoted_lines_do_not_count():
    check("Count me in.\n> Can you commit? Reply ACCEPT or DECLINE.\n> No reply is not a yes.", "accept")


def test_a_sign_off_on_its_own_line_is_not_a_signature_when_it_is_the_answer():
    check("Thanks, I'm in.", "accept")
    check("Thanks!", "unclear")


# --- dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, langs, day",
    [
        ("Freitag, 11.12.", {"de"}, date(2026, 12, 11)),
        ("Thursday the 10th", {"en"}, date(2026, 12, 10)),
        ("Fri 11th", {"en"}, date(2026, 12, 11)),
        ("viernes 11", {"es"}, date(2026, 12, 11)),
        ("giovedì 10", {"it"}, date(2026, 12, 10)),
        ("na sexta, dia 11", {"pt"}, date(2026, 12, 11)),
        ("Maandag 14 december", {"nl"}, date(2026, 12, 14)),
        ("fredag den 11 december", {"sv"}, date(2026, 12, 11)),
        ("w piątek 11 grudnia", {"pl"}, date(2026, 12, 11)),
        ("the 9:e", {"sv"}, date(2026, 12, 9)),
        ("de 9e", {"nl"}, date(2026, 12, 9)),
        ("le 9", {"fr"}, date(2026, 12, 9)),
        ("bis zum 9.", {"de"}, date(2026, 12, 9)),
        ("Friday", {"en"}, date(2026, 12, 4)),
        ("next Friday", {"en"}, date(2026, 12, 11)),
        ("Monday", {"en"}, date(2026, 12, 7)),  # the message is sent on a Monday: the next one
        ("mercredi prochain", {"fr"}, date(2026, 12, 9)),
        ("Mittwoch nächster Woche", {"de"}, date(2026, 12, 9)),
        ("11.12.", {"de"}, date(2026, 12, 11)),
        ("14.12.2026", {"de"}, date(2026, 12, 14)),
        ("11/12", {"fr"}, date(2026, 12, 11)),
        ("11/12", {"en"}, date(2026, 12, 11)),
        ("12/11", {"en"}, date(2026, 12, 11)),
        ("13/12", {"en"}, date(2026, 12, 13)),
        ("12/13", {"en"}, date(2026, 12, 13)),
        ("2026-12-14", {"en"}, date(2026, 12, 14)),
        ("the 1st", {"en"}, date(2026, 12, 1)),
        ("December 14", {"en"}, date(2026, 12, 14)),
        ("9 grudnia", {"pl"}, date(2026, 12, 9)),
        ("14 de diciembre", {"es"}, date(2026, 12, 14)),
        ("tomorrow", {"en"}, date(2026, 12, 1)),
        ("morgen", {"de"}, date(2026, 12, 1)),
    ],
)
def test_dates_are_read_relative_to_the_message_date(text, langs, day):
    days = [m.day for m in find_mentions(text, BASE, langs) if m.kind != "time"]
    assert days == [day], (text, days)


def test_numeric_dates_outside_english_are_day_first():
    # French "12/4" is 12 April even though 4 December is nearer; English reads the nearer one
    [french] = find_mentions("le 12/4", BASE, {"fr", "en"}, "fr")
    [english] = find_mentions("on 12/4", BASE, {"en"}, "en")
    assert (french.day, english.day) == (date(2027, 4, 12), date(2026, 12, 4))


def test_written_month_first_elsewhere_decides_an_ambiguous_numeric_date():
    # "12/14" can only be month first, so "1/2" in the same text is January 2, not February 1
    days = [m.day for m in find_mentions("not 12/14 but 1/2", BASE, {"en"})]
    assert days == [date(2026, 12, 14), date(2027, 1, 2)]
    days = [m.day for m in find_mentions("pas le 14/12 mais le 2/1", BASE, {"fr"})]
    assert days == [date(2026, 12, 14), date(2027, 1, 2)]


@pytest.mark.parametrize(
    "text",
    [
        "the 14 pages they mentioned",
        "a 12% discount",
        "70/30 I can do it",
        "support 24/7",
        "version 1.2.3 costs 2.5",
        "9 out of 10 times",
        "could we do it?",
        "Guten Morgen",
        "I may be late",
    ],
)
def test_numbers_and_words_that_are_not_dates(text):
    assert [m for m in find_mentions(text, BASE, {"en", "de"}) if m.kind != "time"] == []


def test_week_of_is_a_vague_period():
    [mention] = find_mentions("the week of the 14th", BASE, {"en"})
    assert mention.precise is False and mention.day == date(2026, 12, 14)


def test_times_of_day():
    kinds = [(m.kind, m.text) for m in find_mentions("at 14:00, 2pm or 15 Uhr", BASE, {"en", "de"})]
    assert kinds == [("time", "14:00"), ("time", "2pm"), ("time", "15 Uhr")]


# --- language and text folding -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, lang",
    [
        ("Leider kann ich das nicht übernehmen.", "de"),
        ("Je ne pourrai pas, désolée.", "fr"),
        ("No puedo, estoy de viaje.", "es"),
        ("Purtroppo non riesco.", "it"),
        ("Infelizmente não consigo.", "pt"),
        ("Helaas lukt het me niet.", "nl"),
        ("Tyvärr hinner jag inte.", "sv"),
        ("Desværre kan jeg ikke.", "da"),
        ("Niestety nie dam rady.", "pl"),
        ("Sorry, I can't make it.", "en"),
    ],
)
def test_language_detection(text, lang):
    assert lang in detect_languages(text)
    assert rank_languages(text)[0][0] == lang


def test_folding_keeps_offsets():
    text = "Ça marche – «très» bien, Łukasz, straße, færdig’s"
    folded = lx.fold(text)
    assert len(folded) == len(text)
    assert folded.startswith('ca marche - "tres" bien, lukasz')


def test_every_category_keeps_its_hits_in_the_order_of_the_text() -> None:
    """Reading.of gives one category's hits as they are kept: they must be in order of start."""
    raws = [path.read_bytes() for path in sorted((Path(__file__).parent.parent / "data").glob("*/*.eml"))]
    for raw in raws:
        reading = read_words(extract_words(raw), datetime(2026, 12, 1, 9))
        for category, hits in reading.hits.items():
            assert [hit.start for hit in hits] == sorted(hit.start for hit in hits), category


def test_a_date_pattern_is_left_out_only_where_none_of_its_words_is() -> None:
    """find_mentions runs the weekday, relative, month and next-week patterns only where their
    words occur: on texts of every language's date words, wherever a pattern matches, its words
    are found."""
    patterns = _patterns()
    gated = [
        (patterns.weekday, patterns.weekday_words, False),
        (patterns.relative, patterns.relative_words, False),
        (patterns.month_only, patterns.month_only_words, True),
        (patterns.next_week, patterns.next_week_words, False),
    ]
    assert all(words is not None for _, words, _ in gated)
    names = [
        n
        for lang in lx.vocabulary().values()
        for table in (lang.months, lang.weekdays, lang.dates)
        for v in table.values()
        for n in v
    ]
    chance = random.Random("date words")
    found = 0
    for _ in range(3000):
        text = " ".join(chance.choices(names + ["the", "on", "am", "Friday,", "x"], k=chance.randint(1, 8)))
        text = chance.choice([text, text.upper(), text.title()])
        for pattern, words, folded in gated:
            subject = lx.fold(text) if folded else text
            if pattern.search(subject):
                found += 1
                assert _may_hold(words, lowercase.lowered(subject)), (pattern.pattern[:40], subject)
    assert found > 1000
