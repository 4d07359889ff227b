"""The vocabulary of reply intents, per language, as regular-expression fragments.

Only words live here; :mod:`.classify` decides with them. Languages: en, de, fr, es, it, pt, nl,
sv, da, pl. Every fragment is matched on *folded* text (lower case, accents removed, curly
quotes and dashes made plain, see :func:`fold`), as whole words; a space in a fragment matches
any run of blanks and ``'`` also matches ``’``. A fragment starting with ``^`` only counts at the
start of a clause.

Categories (what a phrase is evidence of):

``accept_idiom``   positive phrases that contain a negative word ("no problem", "kein Problem",
                   "no reason I can't", "can't say no"); read first and masked, so the "no" in
                   them never counts as a refusal
``accept_strong``  an explicit commitment ("count me in", "ich bin dabei", "je m'engage")
``accept``         willingness or approval ("happy to", "sounds good", "d'accord")
``commit``         a first-person promise to act ("I'll send", "mache ich", "je m'en occupe")
``yes``            a bare yes, only at the start of a clause ("yes", "ja", "oui", "tak")
``ok``             "ok" and its kin: too weak to be a yes on their own
``wish``           a wish that is not a promise ("I'd love to", "ich würde gern")
``decline``        a refusal ("can't", "have to pass", "leider nicht", "no puedo")
``decline_weak``   regret words that lean towards a refusal ("unfortunately", "leider")
``reject``         a date or slot does not work ("is tough", "too tight", "compliqué")
``hedge``          maybe, probably, will try, let me check, in principle, depends on
``hedge_weak``     "should", "normally": a hedge only when nothing firmer is said
``condition``      if / as long as / wenn / si / se (``^``: only at a clause start)
``polite_if``      conditions that are courtesy, not conditions ("if that helps")
``defer``          the decision comes later ("I'll confirm tomorrow", "te digo algo")
``ack``            acknowledgement without commitment ("got it", "noted", "bien reçu")
``precommit``      a question asked before deciding ("before I commit", "bevor ich zusage")
``info_need``      cannot decide without information ("can't assess it without")
``correction``     a self-correction ("actually", "on second thought", "en fait")
``alt``            an alternative date or time is offered ("instead", "how about", "statt")
``not_before``     the earliest possible date ("not before", "erst", "pas avant")
``works``          a date or slot works ("works", "passt", "kan wel", "é tranquilo")
``scope_except``   part of the ask is excluded ("but not", "except", "mais pas", "men ikke")
``scope_only``     only part of the ask ("only", "nur", "seulement", "solo", "tylko")
``scope_part``     part of the ask ("part of it", "teilweise", "une partie", "en parte")
``redirect``       someone else should do (part of) it ("ask Tom", "frag Lukas")
``future_ref``     another occasion ("next time", "on the next one", "la prochaine fois")
``absence``        the person is away ("out of the office", "im Urlaub", "de viaje")
``contrast``       but / however / aber / mais / pero / ma / mas / maar / men / ale
``negator``        negation words
``post_negator``   negation words that follow the verb they negate (nicht, pas, niet, inte)
``question_lead``  openers of a question without a question mark ("quick question")
``closing``        valedictions that start a signature ("Best regards", "Viele Grüße")
``regret``         "sorry" and its kin: a lean towards no, never a refusal on its own
``mixed``          "yes and no", "jein"
``postpone``       a move to a later, unnamed time ("postpone", "verschieben", "reporter")
``return``         after an absence ("when I'm back", "nach meinem Urlaub", "à mon retour")
``past_ref``       another, earlier occasion ("last time", "letztes Mal")
``substitute``     other terms instead of the asked ones ("instead", "statt", "au lieu")
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "pl")

_PUNCT = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "’": "'",
                        "‘": "'", "‛": "'", "´": "'", "`": "'", "“": '"',
                        "”": '"', "„": '"', "«": '"', "»": '"', "–": "-", "—": "-",
                        "‑": "-", "\u00a0": " ", "\u202f": " ", "\u2009": " "})


def fold(text: str) -> str:
    """Lower case, plain quotes and dashes, accents removed; one character for one, so offsets
    into the folded text are offsets into ``text``."""
    out = []
    for char in text.translate(_PUNCT):
        low = char.lower()
        if len(low) != 1:
            low = char
        base = unicodedata.normalize("NFKD", low)
        stripped = "".join(c for c in base if not unicodedata.combining(c))
        out.append(stripped if len(stripped) == 1 else low)
    return "".join(out)


L = dict[str, list[str]]

ACCEPT_IDIOM: L = {
    "en": ["no problem", "no problems", "not a problem", "no prob", "no worries", "no issue",
           "no issues", "not an issue", "won't be an? (?:problem|issue)",
           "will not be an? (?:problem|issue)", "that won't be an issue", "can't wait",
           "cannot wait", "can not wait", "why not", "(?:i )?don't see why not",
           "(?:i )?do not see why not",
           ("(?:there's |there is )?no reason (?:why )?(?:i|we) (?:can't|cannot|couldn't|"
            "shouldn't|wouldn't|won't)"), "no reason not to",
           ("(?:i )?(?:can't|cannot|couldn't|could not) (?:really )?(?:say no|refuse|turn "
            "(?:it|this|that) down)"), "(?:i )?won't (?:let you down|disappoint|say no)",
           "(?:i )?will not (?:let you down|disappoint)", "wouldn't miss it", "no doubt",
           "no objections?", "nothing against it", "happy either way",
           "nothing(?: [\\w']+){0,6} (?:get|gets|getting|stand|stands|standing) in the way",
           "nothing stopping me", "(?:i )?(?:don't|do not) have any (?:conflicts?|clashes?)",
           "no conflicts?", "never (?:been )?(?:one )?to (?:turn down|say no to|refuse)",
           "not one to (?:turn down|say no to|refuse)", "wouldn't say no", "i'd never say no",
           "don't mind", "do not mind", "never say no"],
    "de": ["kein problem", "keine probleme", "kein thema", "keine sorge", "keine sorgen",
           "kein ding", "ohne problem", "ohne probleme", "(?:es )?spricht nichts dagegen",
           "nichts dagegen", "kein einwand", "keine einwande", "steht nichts im weg(?:e)?",
           "kann (?:da )?nicht nein sagen", "warum nicht", "wieso nicht", "gar kein problem"],
    "fr": ["pas de probleme", "pas de soucis?", "aucun probleme", "aucun souci",
           "(?:je )?ne vois (?:aucun|pas de) (?:probleme|souci|inconvenient)",
           "(?:je )?ne vois pas pourquoi pas", "pas d'objection", "aucune objection",
           "rien ne s'y oppose", "pourquoi pas", "(?:je )?ne peux pas (?:dire non|refuser)",
           "(?:je )?ne dirai pas non", "sans probleme", "sans souci", "aucun inconvenient",
           "pas d'inconvenient"],
    "es": ["sin problemas?", "ningun problema", "no hay problema", "no hay drama", "no hay lio",
           "sin drama", "no hay inconveniente", "ningun inconveniente", "por que no",
           "(?:no )?veo por que no", "no puedo decir que no", "no te preocupes", "no se preocupe"],
    "it": ["nessun problema", "non c'e problema", "non ci sono problemi", "senza problemi",
           "nessuna preoccupazione", "perche no", "non posso dire di no", "nulla in contrario",
           "niente in contrario", "non ho nulla in contrario"],
    "pt": ["sem problemas?", "nao tem problema(?: nenhum)?", "nao ha problema", "nenhum problema",
           "por que nao", "porque nao", "nao posso dizer nao",
           "nao vejo (?:problema|porque nao|por que nao)", "nao se preocupe", "nao esquenta"],
    "nl": ["geen probleem", "geen punt", "geen zorgen", "geen bezwaar", "waarom niet",
           "niets op tegen", "kan geen nee zeggen", "geen enkel probleem"],
    "sv": ["inga problem", "inget problem", "inga konstigheter", "varfor inte",
           "(?:har )?inget emot det", "inga bekymmer"],
    "da": ["ingen problemer?", "intet problem", "ikke noget problem", "hvorfor ikke",
           "ikke noget imod", "ingen sag"],
    "pl": ["nie ma problemu", "zaden problem", "bez problemu", "czemu nie", "dlaczego nie",
           "nie mam nic przeciwko", "nie ma sprawy"],
}

ACCEPT_STRONG: L = {
    "en": [("(?:i've |i have |have )?(?:booked|blocked) (?:it|this|the time|time|my calendar|"
            "the date|the slot)(?: in)?"), "added (?:it |this )?to my (?:calendar|diary|schedule)",
           "(?:it's|it is) in my (?:calendar|diary)", "leave it with me", "let's do (?:it|this)",
           "you got it", "i'm on board", "(?:you can )?consider me in", "roger(?: that)?", "^done",
           "count me in", "i'm in", "i am in", "i'm committed", "i am committed", "i commit",
           "i'm committing", "i accept", "^accepted", "^accepting", "^accept", "i'll accept",
           "confirmed", "i confirm", "i can confirm", "consider it done", "^will do", "will do",
           "(?:you can )?count on me", "i'm on it", "^on it", "(?:i've )?got (?:it|this) covered",
           "i've got (?:it|this)", "i got this", "i'll be there",
           "i'm good for (?:this|it|that|both)", "put me down(?: for (?:it|this|both))?",
           "sign me up", "i agree", "^agreed", "^deal", "^approved", "^signed off",
           "(?:you can )?go ahead", "it's a yes", "that's a yes", "a yes from me", "yes from me",
           "you have my (?:commitment|word)", "i'm up for it", "i'm game",
           "i'll own (?:it|this|that)", "absolutely yes", "sure thing", "i'm happy to commit",
           "i can commit to (?:this|it|that|both)", "i'm available"],
    "de": ["(?:ist |habe ich |hab ich )?(?:im kalender )?(?:eingetragen|geblockt|geblockt)",
           "trage (?:ich )?(?:es |das )?(?:mir )?ein", "wird erledigt", "^jawohl", "^erledigt",
           "ich bin dabei", "bin dabei", "ich sage zu", "^zusage", "zugesagt", "ich bestatige",
           "^bestatigt", "abgemacht", "geht klar", "geht in ordnung", "ist gebongt",
           "ich verspreche", "^einverstanden", "ich bin einverstanden", "genehmigt", "freigegeben",
           "(?:du )?kannst auf mich zahlen", "zahl auf mich", "ich ubernehme das", "ich sage ja",
           "^zugesagt"],
    "fr": ["(?:c'est )?(?:note|bloque) dans (?:mon|l') ?agenda",
           "je bloque (?:le creneau|la date)", "je m'engage", "je confirme", "^confirme",
           "c'est confirme", "(?:tu peux |vous pouvez )?compter sur moi", "compte sur moi",
           "je suis partante?", "je suis de la partie", "j'accepte", "^accepte", "c'est d'accord",
           "marche conclu", "^valide", "^approuve", "je valide", "je suis dispo(?:nible)?",
           "je suis d'accord", "je dis oui"],
    "es": ["lo (?:tengo )?(?:apuntado|agendado|bloqueado)", "lo apunto", "me comprometo",
           "^confirmado", "(?:te |lo )?confirmo", "cuenta conmigo", "cuenten conmigo",
           "(?:puedes|podes|pueden) contar conmigo", "acepto", "^aceptado", "me apunto",
           "trato hecho", "^aprobado", "^hecho", "estoy dentro", "te digo que si"],
    "it": ["l'ho (?:segnato|bloccato|messo) in agenda", "me lo segno", "mi impegno", "confermo",
           "^confermato", "conta (?:pure )?su di me", "contate su di me", "puoi contare su di me",
           "accetto", "ci sto", "affare fatto", "^approvato", "sono dei vostri", "io ci sono",
           "ci sono io", "sono d'accordo"],
    "pt": ["ja (?:anotei|bloqueei|agendei)", "esta na agenda", "me comprometo", "comprometo-me",
           "^confirmado", "confirmo", "(?:pode|podem) contar comigo", "conte comigo",
           "conta comigo", "aceito", "^combinado", "^fechado", "^aprovado", "estou dentro",
           "to dentro", "topo"],
    "nl": ["staat in mijn agenda", "ik (?:heb het )?(?:geblokt|ingepland)", "ik doe mee",
           "ik ben erbij", "ik zeg toe", "toegezegd", "^bevestigd", "ik bevestig", "^akkoord",
           "ik ga akkoord", "afgesproken", "(?:je kunt |je kan )?op mij rekenen",
           "reken (?:maar )?op mij", "goedgekeurd", "ik ben van de partij"],
    "sv": ["inbokat", "jag har bokat", "jag ar med", "rakna med mig", "jag lovar", "^bekraftat",
           "jag bekraftar", "jag accepterar", "overenskommet", "^godkant", "jag tackar ja",
           "tackar ja"],
    "da": ["booket", "sat i kalenderen", "jeg er med", "regn med mig", "(?:du kan )?regne med mig",
           "jeg lover", "^bekraeftet", "jeg bekraefter", "jeg accepterer", "^aftalt", "^godkendt",
           "jeg siger ja"],
    "pl": ["mam (?:to )?w kalendarzu", "zarezerwowal(?:em|am)", "wchodze w to",
           "(?:mozesz|mozecie) na mnie liczyc", "potwierdzam", "^potwierdzone", "^zgoda",
           "akceptuje", "zobowiazuje sie", "umowa stoi", "jestem za", "zgadzam sie"],
}

ACCEPT: L = {
    "en": ["happy to", "glad to", "more than happy to", "sounds good", "sounds great",
           "sounds fine", "sounds like a plan", "sounds perfect", "works for me", "that works",
           "works fine", "fine by me", "fine with me", "fine for me", "good for me",
           "good with me", "ok(?:ay)? (?:for|with|by) me", "of course", "absolutely", "definitely",
           "certainly", "no question", "can do", "i can do (?:that|it|this|both)", "all good",
           "both fine", "either way works", "with pleasure", "gladly",
           "i'm good with (?:this|that|it|both)", "that's fine", "that is fine", "fine by us",
           "i'm happy with (?:that|this)", "looks good", "i'd be delighted", "delighted to",
           "will be done", "you got it", "i can make it", "i can make that", "i can cover"],
    "de": ["gerne", "gern", "sehr gerne", "mit vergnugen", "^passt", "passt mir", "passt fur mich",
           "das passt", "passt schon", "^klappt", "das klappt", "^geht", "das geht",
           "geht fur mich", "geht bei mir", "selbstverstandlich", "naturlich", "auf jeden fall",
           "klar doch", "alles gut", "ok fur mich", "fur mich ok", "fur mich in ordnung",
           "sehr gern", "mach ich gern", "logisch", "sicher doch"],
    "fr": ["d'accord", "ok pour moi", "ca marche", "ca me va", "avec plaisir", "volontiers",
           "bien sur", "bien entendu", "c'est bon pour moi", "ca roule", "pas de souci pour moi",
           "ca me convient", "evidemment", "absolument", "carrement"],
    "es": ["de acuerdo", "^claro", "claro que si", "por supuesto", "con gusto", "con mucho gusto",
           "encantad[oa]", "me va bien", "me parece bien", "me viene bien", "ok para mi", "^dale",
           "sin duda", "desde luego", "^listo"],
    "it": ["va benissimo", "d'accordo", "^certo", "certamente", "volentieri", "con piacere",
           "ok per me", "per me va bene", "per me ok", "assolutamente", "ovviamente", "senz'altro",
           "certo che si", "senza dubbio"],
    "pt": ["^claro", "claro que sim", "com certeza", "com prazer", "de acordo", "^fechou",
           "ok para mim", "ok pra mim", "por mim tudo bem", "sem duvida", "e pra ja", "^bora"],
    "nl": ["komt in orde", "geregeld", "^prima", "prima voor mij", "is goed", "klinkt goed",
           "dat is goed", "komt goed", "natuurlijk", "^zeker", "uiteraard", "^graag",
           "met plezier", "ok voor mij", "dat lukt", "lukt wel", "past prima"],
    "sv": ["garna", "^absolut", "sjalvklart", "^visst", "later bra", "det funkar",
           "funkar for mig", "passar bra", "passar mig", "okej for mig", "det gar bra"],
    "da": ["gerne", "det lyder godt", "lyder godt", "det passer", "passer mig fint",
           "fint med mig", "selvfolgelig", "^absolut", "^klart", "helt fint", "det er fint",
           "ok for mig", "det gor jeg gerne"],
    "pl": ["^jasne", "oczywiscie", "^pewnie", "chetnie", "z przyjemnoscia", "^pasuje", "pasuje mi",
           "ok dla mnie", "da sie zrobic"],
}

# A first-person promise to act. English: a subject, then a task verb.
_EN_VERBS = (r"(?:do|handle|take(?! a look| some time| a while| the week)|cover|own|run|send"
             r"|deliver|prepare|draft|finish|complete|review|sign off|sign|join|attend"
             r"|be there|be on (?:the )?(?:call|it|board)|present"
             r"|get (?:it|this|that|both|them|the|those|you|it back)"
             r"|have (?!to\b)(?:it|this|that|both|them|the|a|comments|my|our|something)"
             r"|step in|pick (?:it|this|that) up|pick up|fill (?:it |this )?(?:out|in)|write"
             r"|chase|block|lead|put together|share|return|look after|take care|provide"
             r"|update|host|commit|make (?:it|the|that|this)|own it|manage|organise"
             r"|organize|set up|book|sort (?:it|this|that)|coordinate|jump on|start"
             r"|work on (?:it|this|that|the)|cover for|fill in for|help with|support)")
COMMIT: L = {
    "en": ["you'll have it", "you will have it", "you'll get it",
           "it'll be (?:done|ready|with you)",
           (rf"i(?:'ll| will| can| could| am going to|'m going to| shall|'m happy to"
            rf"| am happy to) (?:(?:also|happily|gladly|definitely|then|just|actually|still"
            rf"|easily|personally|certainly|absolutely) )?{_EN_VERBS}"),
           rf"^will (?:(?:also|definitely) )?{_EN_VERBS}", rf"^can {_EN_VERBS}",
           "i'll take (?:it|this|that|the|both|care|over|on)", "i'll step in",
           "i'll be on the call", "i'll be there", "i'm on (?:the call|board)",
           "i'll get (?:it|this|that|both|them) done", "i'll make it happen", "i'll make it work",
           "i'm doing (?:it|this|that|both)", "i'll sort it"],
    "de": [("(?:du |sie )?(?:bekommst|kriegst|bekommen|hast|haben) (?:es|das|ihn|den \\w+|"
            "die \\w+)"), "ist (?:bis|am) (?:\\w+ ){0,2}fertig", "ich mache(?! mir| mal| nicht)",
           "mache ich(?! mir| mal| nicht)", "mach ich(?! mir| mal| nicht)", "machen wir",
           "ich ubernehme", "ubernehme ich", "erledige ich", "ich erledige", "ich kummere mich",
           "kummere mich", "ich schicke", "schicke ich", "ich sende", "ich liefere", "liefere ich",
           "bekommst du", "kriegst du", "bin ich dabei", "nehme ich",
           "ich nehme (?:das|den|die|es)",
           "ich kann (?:das|den|die|es) (?:machen|ubernehmen|liefern|erledigen)",
           "ich kann (?:\\w+ ){0,4}(?:liefern|ubernehmen|machen|erledigen|schicken)",
           "kann ich (?:\\w+ ){0,4}(?:liefern|ubernehmen|machen|erledigen|schicken)",
           "ich kummere mich darum", "ich schaue mir (?:die|den|das) \\w+ (?:bis|am) "],
    "fr": ["tu l'auras", "vous l'aurez", "(?:ce sera|c'est) pret",
           "je (?:te |vous )?(?:le |la )?livre", "je (?:te |vous )?(?:le |la )?rends",
           "je m'en occupe", "je m'en charge", "je prends", "je fais",
           "je (?:peux|vais) (?:le |la |les )?faire", "je (?:te|vous) l'envoie",
           "je (?:te|vous) (?:renvoie|envoie|transmets)",
           "je serai (?:la|present|presente|sur l'appel|de la partie)", "je gere", "je m'occupe",
           "je (?:peux|vais) (?:te |vous )?(?:l'|les )?(?:envoyer|livrer|preparer|rendre)",
           "je peux (?:\\w+ ){0,3}(?:faire|envoyer|livrer|preparer|rendre|assurer)"],
    "es": ["lo tendras", "lo tendra", "lo tienes", "estara listo",
           "(?:te |se )?(?:lo |la )?entrego", "lo envio", "lo mando", "me encargo",
           "yo me encargo", "lo hago", "^hago", "me ocupo", "te lo (?:mando|envio|paso)",
           "te (?:mando|envio)", "estare (?:en|ahi|alli)", "puedo hacer(?:lo)?",
           "voy a hacer(?:lo)?", "lo preparo", "lo tengo listo",
           "tengo (?:el|la|los|las) \\w+ list[oa]",
           "puedo (?:\\w+ ){0,3}(?:entregar|mandar|enviar|preparar)"],
    "it": ["lo avrai", "l'avrai", "sara pronto", "(?:te |ve )?(?:lo |la )?consegno", "ci penso io",
           "me ne occupo", "mi occupo", "lo faccio", "^faccio", "te lo (?:mando|invio|giro)",
           "ci saro", "posso farlo", "lo preparo", "lo gestisco", "me ne faccio carico",
           "posso (?:\\w+ ){0,3}(?:consegnare|mandare|inviare|preparare)"],
    "pt": ["(?:voce )?(?:tera|vai ter) (?:isso|o \\w+|a \\w+)", "fica pronto", "estara pronto",
           "(?:te |lhe )?entrego", "^faco", "eu faco", "faco eu", "trato eu disso", "trato disso",
           "eu trato", "me encarrego", "cuido disso", "eu cuido", "fico com",
           "entro na (?:chamada|call|reuniao)", "estarei (?:na|no|la)",
           "(?:te |lhe )?(?:envio|mando)", "posso fazer", "vou fazer", "deixa comigo",
           "pode deixar"],
    "nl": ["(?:je |u )?(?:krijgt|hebt|heeft) (?:het|hem)", "is (?:\\w+ ){0,2}klaar",
           "(?:dat|die|het) (?:doe|regel|pak|neem|stuur) ik",
           "ik doe(?! het niet| niet| geen| mee)", "doe ik(?! niet)", "doe ik", "ik doe het",
           "ik pak het op", "pak ik op", "ik regel het", "regel ik", "ik neem het op me",
           "neem ik", "ik sluit aan", "ik zorg ervoor", "zorg ik voor", "ik stuur", "ik lever",
           "ik kan (?:\\w+ ){0,3}(?:leveren|doen|sturen)"],
    "sv": ["du far (?:det|den)", "ar klart", "(?:det|den) (?:fixar|tar|gor|ordnar|skickar) jag",
           "jag fixar", "fixar det", "jag tar(?! inte)", "tar jag(?! inte)", "det tar jag",
           "jag gor det", "jag ordnar", "ordnar det", "jag skickar", "jag levererar",
           "jag ar med pa", "jag kan (?:ta|gora|leverera|skicka)"],
    "da": ["du far (?:det|den)", "er klar", "(?:det|den) (?:tager|gor|ordner|sender|klarer) jeg",
           "jeg tager", "tager jeg", "det klarer jeg", "jeg klarer", "jeg gor det",
           "jeg sorger for", "jeg ordner", "ordner jeg", "jeg sender",
           "jeg kan godt (?:tage|gore|levere|sende)", "kan jeg godt (?:tage|gore|levere)",
           "det fikser jeg", "jeg fikser"],
    "pl": ["dostaniesz", "bedzie gotow[ey]", "zajme sie", "zrobie", "wezme", "biore", "przygotuje",
           "wysle", "dostarcze", "bede na", "ogarne", "moge to zrobic", "zajmuje sie tym"],
}

YES: L = {
    "en": ["yes", "yeah", "yep", "yup", "yea", "sure", "aye", "yes please"],
    "de": ["ja", "jawohl", "jep", "jo", "klar", "sicher", "jupp"],
    "fr": ["oui", "ouais", "ouaip", "si"],
    "es": ["si(?=\\s*[,.!;-]|\\s*$)", "sip"],
    "it": ["si(?=\\s*[,.!;-]|\\s*$)", "certo"],
    "pt": ["sim", "ss"],
    "nl": ["ja", "jawel", "jazeker", "jep"],
    "sv": ["ja", "japp", "jajamen", "jadå"],
    "da": ["ja", "jep", "jo", "jada"],
    "pl": ["tak", "no tak"],
}
OK: L = {
    "en": ["ok", "okay", "okey", "k", "kk", "alright", "all right", "fine", "great", "perfect",
           "cool"],
    "de": ["in ordnung", "ok", "okay", "alles klar", "gut", "super"],
    "fr": ["parfait", "c'est parfait", "entendu", "c'est bon", "ok", "okay", "tres bien", "super"],
    "es": ["perfecto", "genial", "ok", "vale", "bueno", "muy bien"],
    "it": ["perfetto", "va bene", "ok", "bene", "benissimo"],
    "pt": ["perfeito", "otimo", "tudo bem", "beleza", "ok", "certo", "ta bom", "ta", "blz"],
    "nl": ["top", "goed", "ok", "oke", "okay", "goed zo"],
    "sv": ["toppen", "perfekt", "kanon", "ok", "okej", "bra"],
    "da": ["perfekt", "super", "ok", "okay", "fint", "godt"],
    "pl": ["super", "swietnie", "w porzadku", "spoko", "ok", "okej", "dobrze", "dobra"],
}

WISH: L = {
    "en": ["(?:i'd|i would) be (?:happy|glad|delighted) to", "i'd love to", "i would love to",
           "would love to", "i'd like to(?! know)", "i would like to(?! know)",
           "(?:i'd|i would) want to", "i'd really like to", "i'd really love to", "love to"],
    "de": ["gerne? wurde ich", "ich hatte (?:es )?gerne?",
           "(?:ich )?wurde (?:ja |wirklich )?(?:sehr )?gerne?", "hatte gerne?", "ich wunschte",
           "wurde ich (?:ja )?gerne?"],
    "fr": ["j'aimerais (?:bien|beaucoup)?", "je voudrais bien", "j'adorerais",
           "je le ferais volontiers"],
    "es": ["me encantaria", "me gustaria(?! saber)", "quisiera", "lo haria con gusto"],
    "it": ["mi piacerebbe", "vorrei(?: tanto)?(?! sapere)", "mi farebbe piacere",
           "lo farei volentieri"],
    "pt": ["gostaria(?! de saber)", "adoraria", "queria muito", "eu ate queria"],
    "nl": ["zou (?:het )?graag", "ik zou het graag doen", "had graag", "zou dolgraag"],
    "sv": ["skulle garna", "skulle vilja", "hade garna"],
    "da": ["ville gerne", "ville onske", "ville elske at"],
    "pl": ["chetnie bym", "chcial(?:a)?bym(?! wiedziec)", "bardzo bym chcial(?:a)?"],
}

DECLINE: L = {
    "en": ["not approved", "(?:can't|cannot|won't) approve(?: this| that| it)?",
           "sit (?:this|it|that)(?: one)? out", "(?:isn't|is not|not) something (?:i|we) can",
           "nothing i can do", "too much on my plate", "(?:my )?plate is full", "full plate",
           "^(?:i )?won't(?=\\s*[.!]|\\s*$)", "^(?:i )?can't(?=\\s*[.!]|\\s*$)", "^pass",
           "maxed out", "stretched (?:too |way too )?thin", "at (?:full )?capacity",
           "(?:i'm|i am) (?:slammed|underwater|buried|drowning)", "can't take on",
           "not (?:right )?now", "(?:i )?wish i could", "(?:i )?would if i could",
           "(?:definitely|absolutely|certainly|of course|surely) not",
           "find (?:someone|somebody) else",
           "(?:hand|pass|give) (?:it|this|that) (?:over |off |on )?to (?:someone|somebody) else",
           "(?:someone|somebody) else (?:should|could|would|can|has to|needs to|will have to)",
           "ask (?:someone|somebody) else", "(?:i'd|i would) (?:rather|prefer) not",
           "prefer not to", "i'm not in", "i am not in", "not in on this", "i'm not up for it",
           "can't", "cannot", "can not", "couldn't", "could not", "won't be able",
           "will not be able", "won't make it", "unable to", "not able to", "not available",
           "unavailable", "(?:i )?decline",
           "(?:i'll|i will|have to|must|need to|got to|going to|'ll have to) decline",
           "(?:have|need|got|going) to pass", "i'll pass", "i will pass", "must pass",
           "pass on (?:this|it|that)", "bow(?:ing)? out", "not possible", "impossible",
           "i'm out(?= ?[.,;!)-]| ?$| (?:for|on) (?:this|that|it)\\b)", "count me out", "too busy",
           "no capacity", "zero capacity", "no bandwidth",
           "(?:don't|do not) have (?:the |any )?(?:time|capacity|bandwidth|cycles)",
           "not going to (?:be able|make it|happen|work)", "not in a position", "afraid not",
           "no can do", "(?:don't|do not) think i can", "i'm not doing", "not for me", "regret to",
           "regretfully", "(?:have|need|got|going) to say no", "must say no",
           "i(?:'ll| will)? say no", "i'm saying no", "(?:that's|that is|it's|it is) a no",
           "a no from me", "(?:is|'s|are) a (?:hard |firm |definite )?no", "(?:a )?hard no",
           "(?:it's|that's) a pass", "not this time", "(?:i'm|i am) not the right (?:person|one)",
           "not the right person", "(?:i'm|i am) not comfortable",
           "i won't(?! let| disappoint| forget| miss| say no)", "i will not(?! let| disappoint)",
           "i'm not (?:going to|gonna)", "turn (?:it|this|that) down", "won't work for me",
           "(?:doesn't|does not) work for me", "not doable", "not something i can",
           "outside what i(?:'m| am) allowed", "not qualified", "no way", "not happening",
           "i'm swamped", "fully booked", "booked solid", "solid through",
           "my calendar is (?:full|solid|packed)", "already committed", "already booked",
           "(?:i )?have no time", "no time", "won't be possible", "will not be possible",
           "isn't possible", "i'm not available", "not (?:for|from) me", "i don't have capacity",
           "out of my hands"],
    "de": ["nicht genehmigt", "nicht freigegeben", "kann (?:das )?nicht genehmigen",
           "zu (?:viel|beschaftigt)", "bin (?:\\w+ )?voll", "kann (?:ich )?(?:\\w+ ){0,3}nicht",
           "ich kann (?:\\w+ ){0,3}nicht", "geht (?:sich )?(?:\\w+ ){0,3}nicht(?: aus)?",
           "habe? (?:ich )?keine zeit", "bin (?:\\w+ )?ausgelastet",
           "jemand ander(?:e|es|en|em|s)?", "jetzt nicht", "gerade nicht", "wunschte,? ich konnte",
           "auf keinen fall", "sicher nicht", "bestimmt nicht", "jemand anderes?", "jemand anders",
           "lieber nicht", "mochte (?:ich )?(?:lieber )?nicht", "(?:ich )?bin nicht dabei",
           "bin (?:diesmal )?nicht dabei", "kann nicht", "kann ich (?:\\w+ )?nicht",
           "kann leider nicht", "kann es nicht", "kann das nicht", "kann ich leider nicht",
           "schaffe ich (?:leider )?nicht", "schaffe (?:es|das) (?:leider )?nicht",
           "schaff ich nicht", "nicht moglich", "unmoglich",
           ("(?:muss|musste|werde) (?:ich )?(?:dir |ihnen |euch )?(?:leider )?(?:absagen|"
            "ablehnen|passen|nein sagen)"), "sage (?:dir |ihnen )?(?:leider )?ab", "^absagen",
           "keine zeit", "keine kapazitat(?:en)?", "bin raus", "geht (?:leider )?nicht",
           "klappt (?:leider )?nicht", "nicht dieses mal", "diesmal nicht", "leider nein",
           "muss (?:ich )?(?:leider )?passen", "(?:einen )?korb geben", "einen korb",
           "lehne (?:leider )?ab", "muss ablehnen", "nicht machbar", "nicht drin", "ohne mich",
           "nicht die richtige person", "nicht zustandig", "bin ausgebucht", "voll ausgelastet",
           "nicht verfugbar", "werde es nicht schaffen", "wird nicht gehen", "wird nichts",
           "keine chance", "ausgeschlossen"],
    "fr": ["pas approuve", "pas valide", "je ne peux pas (?:approuver|valider)",
           "je suis (?:debordee?|sous l'eau|surchargee?)", "pas maintenant", "pas pour le moment",
           "si seulement je pouvais", "absolument pas", "certainement pas", "surement pas",
           "quelqu'un d'autre", "je prefere (?:ne )?pas", "plutot pas",
           "je prefererais (?:ne )?pas", "je ne suis pas de la partie", "je ne suis pas partante?",
           "je ne (?:peux|pourrai|pourrais|vais) pas", "je ne vais pas pouvoir",
           "je ne pourrai (?:\\w+ )?pas", "pas possible", "impossible", "pas cette fois",
           "(?:je dois|je vais devoir|devoir) (?:decliner|refuser|passer mon tour|passer)",
           "je decline", "je refuse", "pas disponible", "indisponible", "je passe mon tour",
           "ce ne sera pas possible", "(?:ca|cela) ne (?:va|sera) pas (?:etre )?possible",
           "je n'ai pas le temps", "pas le temps", "je ne suis pas la bonne personne", "sans moi",
           "ca ne marche pas pour moi", "je n'y arriverai pas", "je ne vais pas y arriver",
           "non merci", "je dois dire non", "c'est non", "je ne peux (?:\\w+ )?pas"],
    "es": ["no aprobado", "no lo apruebo", "no puedo aprobar",
           "estoy (?:a tope|desbordad[oa]|hasta arriba)", "ahora no", "ahora mismo no",
           "ojala pudiera", "de ninguna manera", "por supuesto que no", "claro que no",
           "alguien mas", "otra persona", "prefiero no", "^paso", "esta vez paso", "mejor no",
           "no puedo", "no podre", "no podria", "no voy a poder", "no es posible",
           "no me es posible", "no estoy disponible",
           "(?:tengo|debo) que (?:declinar|rechazar|pasar)", "debo declinar", "rechazo",
           "esta vez no", "no llego", "no me da (?:el )?tiempo", "no tengo tiempo", "imposible",
           "no va a ser posible", "me temo que no", "no soy la persona indicada",
           "no me da la vida", "no cuentes conmigo", "tengo que decir que no", "no va a poder ser",
           "no me va a dar"],
    "it": ["non approvato", "non posso approvare", "sono (?:sommers[oa]|pien[oa])", "non ora",
           "adesso no", "per ora no", "magari potessi", "assolutamente no", "certo che no",
           "neanche per sogno", "qualcun altro", "preferisco di no", "preferisco non",
           "meglio di no", "^passo", "non ci sto", "non contate su di me", "non posso",
           "non potro", "non potrei", "non riesco", "non ce la faccio", "non e possibile",
           "impossibile", "devo rinunciare", "devo declinare", "(?:devo )?dirti di no",
           "dire di no", "questa volta no", "non sono disponibile", "non ho tempo",
           "non fa per me", "devo passare", "non sono la persona giusta", "purtroppo no",
           "non ci riesco", "non faccio in tempo", "non se ne parla"],
    "pt": ["nao aprovado", "nao posso aprovar", "estou (?:atolad[oa]|sobrecarregad[oa])",
           "agora nao", "no momento nao", "quem me dera", "de jeito nenhum", "claro que nao",
           "de forma alguma", "outra pessoa", "prefiro nao", "melhor nao", "nao estou dentro",
           "nao conte comigo", "nao posso", "nao poderei", "nao vou poder", "nao consigo",
           "nao vai dar", "nao da", "nao e possivel", "impossivel", "nao estou disponivel",
           "(?:tenho|preciso) (?:que |de )?recusar", "recuso", "dessa vez nao", "desta vez nao",
           "nao tenho tempo", "nao sou a pessoa certa", "infelizmente nao", "vou ter que recusar",
           "vou passar", "nao rola", "nao conte comigo"],
    "nl": ["niet goedgekeurd", "kan (?:dit |dat )?niet goedkeuren",
           "(?:moet|ga|zal) (?:\\w+ ){0,2}afslaan", "(?:het )?te druk", "zit (?:helemaal )?vol",
           "kan (?:ik )?(?:\\w+ ){0,3}niet", "heb (?:ik )?(?:er )?geen tijd", "nu niet",
           "op dit moment niet", "kon ik maar", "zeker niet", "absoluut niet", "echt niet",
           "iemand anders", "liever niet", "ik doe niet mee", "reken niet op mij",
           "kan (?:ik )?(?:helaas )?niet", "lukt (?:me |dat |het )?(?:me )?(?:helaas )?niet",
           "red ik (?:helaas )?niet", "red het niet", "niet mogelijk", "onmogelijk",
           "moet ik (?:voor )?passen", "moet (?:helaas )?passen", "ik pas",
           "(?:ik )?moet afzeggen", "zeg (?:helaas )?af", "geen tijd", "geen capaciteit",
           "niet beschikbaar", "deze keer niet", "helaas niet", "niet de juiste persoon",
           "gaat (?:me )?niet lukken", "gaat niet", "ik moet nee zeggen"],
    "sv": ["inte godkant", "kan inte godkanna", "kan (?:jag )?(?:\\w+ ){0,3}inte",
           "har (?:jag )?inte tid", "hinner (?:jag )?(?:\\w+ ){0,2}inte", "inte nu",
           "om jag bara kunde", "absolut inte", "verkligen inte", "nagon annan", "helst inte",
           "hellre inte", "jag ar inte med", "rakna inte med mig", "kan (?:jag )?(?:tyvarr )?inte",
           "hinner (?:jag )?(?:tyvarr )?inte", "gar (?:tyvarr )?inte", "det gar inte",
           "inte mojligt", "omojligt", "(?:maste |far )?tacka nej", "tackar nej", "maste avboja",
           "avboja", "avbojer", "har inte tid", "ingen tid", "inte tillganglig",
           "inte den har gangen", "tyvarr inte", "(?:jag )?maste passa", "far passa",
           "klarar (?:tyvarr )?inte", "fungerar inte for mig"],
    "da": ["ikke godkendt", "kan ikke godkende", "kan (?:jeg )?(?:\\w+ ){0,3}ikke",
           "har (?:jeg )?ikke tid", "ikke nu", "gid jeg kunne", "absolut ikke", "bestemt ikke",
           "en anden", "nogen anden", "helst ikke", "hellere ikke", "jeg er ikke med",
           "regn ikke med mig", "kan (?:jeg )?(?:desvaerre )?ikke", "nar (?:det )?ikke",
           "na det ikke", "har ikke tid", "ingen tid", "ikke muligt", "umuligt",
           "(?:ma )?takke nej", "takker nej", "ma melde fra", "melder fra", "ikke denne gang",
           "desvaerre ikke", "(?:jeg )?ma sige nej", "gar ikke", "det gar ikke", "klarer det ikke",
           "ikke den rigtige"],
    "pl": ["nie zatwierdzam", "nie moge zatwierdzic", "nie mam (?:\\w+ ){0,2}czasu",
           "nie moge (?:\\w+ ){0,2}sie (?:tego )?podjac", "nie teraz", "gdybym tylko mogl(?:a)?",
           "na pewno nie", "absolutnie nie", "w zadnym wypadku", "ktos inny", "kogos innego",
           "wolal(?:a)?bym nie", "raczej nie", "nie wchodze w to", "nie licz na mnie", "nie moge",
           "nie dam rady", "nie zdaze", "nie jestem w stanie", "nie da sie", "niemozliwe",
           "nie mam czasu", "musze odmowic", "odmawiam", "musze zrezygnowac", "tym razem nie",
           "niestety nie", "nie tym razem", "nie jestem dostepn[ya]", "musze spasowac",
           "nie bede mogl(?:a)?", "nie podejme sie"],
}
REGRET: L = {
    "en": ["sorry", "apologies"],
    "de": ["sorry", "tut mir leid", "entschuldige"],
    "fr": ["desole", "desolee", "navre", "navree"],
    "es": ["lo siento", "perdona", "perdon"],
    "it": ["mi dispiace", "scusa", "scusami"],
    "pt": ["desculpa", "desculpe", "sinto muito"],
    "nl": ["sorry", "excuses"],
    "sv": ["ursakta", "forlat", "sorry"],
    "da": ["beklager", "undskyld", "sorry"],
    "pl": ["przepraszam", "sorry", "wybacz"],
}
DECLINE_WEAK: L = {
    "en": ["unfortunately", "sadly", "regrettably", "i'm afraid", "afraid"],
    "de": ["leider", "bedauerlicherweise"],
    "fr": ["malheureusement", "helas"],
    "es": ["lamentablemente", "desafortunadamente", "por desgracia", "lo siento"],
    "it": ["purtroppo", "mi dispiace"],
    "pt": ["infelizmente", "lamento"],
    "nl": ["helaas", "jammer genoeg", "spijtig genoeg"],
    "sv": ["tyvarr", "beklagligtvis"],
    "da": ["desvaerre", "beklageligvis"],
    "pl": ["przykro mi", "niestety"],
}

REJECT: L = {
    "en": ["(?:doesn't|does not|won't|will not|wouldn't|would not|isn't going to) work",
           ("(?:is|'s|are|'re) (?:a bit |too |really |very )?(?:tough|tight|difficult|hard|"
            "bad|packed|busy|out|full)"), "too (?:tight|soon|early|late|short)",
           "(?:not|isn't|is not) (?:realistic|doable|feasible|ideal|great|good for me)",
           "unrealistic", "clash(?:es)?", "conflicts? with", "no good", "can't make", "can't do",
           "cannot do", "can't manage", "not possible", "a stretch", "won't fly", "no go",
           "isn't going to happen", "not going to happen", "is a problem"],
    "de": ["geht (?:\\w+ ){0,3}nicht", "passt (?:\\w+ ){0,3}nicht", "klappt (?:\\w+ ){0,3}nicht",
           "schaffe ich (?:leider )?nicht", "zu knapp", "zu fruh",
           "(?:ist|wird) (?:schwierig|eng|knapp)", "kollidiert", "nicht machbar", "nicht moglich"],
    "fr": ["complique", "difficile", "ne marche pas", "ne (?:me )?va pas", "trop tot",
           "trop juste", "pas possible", "ne convient pas", "ne me convient pas",
           "je ne peux pas"],
    "es": ["(?:me )?viene fatal", "fatal", "me viene mal", "no me va", "no llego", "complicado",
           "dificil", "muy justo", "no me viene bien", "no funciona", "imposible", "no puedo"],
    "it": ["e impossibile", "non va bene", "non (?:mi )?va (?:bene)?", "complicato", "difficile",
           "troppo presto", "non funziona", "non ce la faccio", "non riesco", "non posso"],
    "pt": ["nao da", "complicado", "dificil", "apertado", "nao funciona", "nao consigo",
           "nao posso"],
    "nl": ["gaat niet", "lukt niet", "red ik niet", "past niet", "te krap", "lastig", "moeilijk",
           "te vroeg", "kan niet"],
    "sv": ["gar inte", "passar inte", "funkar inte", "for tidigt", "svart", "knappt", "kan inte",
           "hinner inte"],
    "da": ["gar ikke", "passer ikke", "for tidligt", "svaert", "stramt", "nar det ikke",
           "kan ikke"],
    "pl": ["odpada", "nie wchodzi w gre", "nie pasuje", "nie dam rady", "za wczesnie", "ciezko",
           "trudno", "nie zdaze", "nie moge"],
}

HEDGE: L = {
    "en": ["(?:need|have|got) to (?:talk|speak) (?:to|with)",
           "(?:need|have) to discuss (?:it |this )?with",
           "(?:need|have|got) to (?:\\w+ ){1,4}first", "still thinking(?: about it)?",
           "thinking it over", "(?:i'm )?considering it", "mulling it over", "only if",
           "only when", "only once", "i suppose(?: so)?", "kind of", "sort of", "more or less",
           "leaning (?:towards |toward )?no",
           ("(?:can't|cannot|can not) (?:commit|confirm|promise|say|decide|agree)(?: \\w+)"
            "? (?:yet|just yet|right now|at this point|at the moment|for now)"),
           "unless (?:something|anything) (?:else )?comes up",
           "barring (?:any )?(?:surprises|emergencies|the unexpected|anything unexpected)",
           "(?:i'm )?not saying no", "not a no",
           "(?:haven't|have not|not) (?:yet )?decided(?: yet)?", "undecided", "soft yes",
           "tentative yes", "(?:yes|yeah|sure)-?ish", "pending", "awaiting", "for now",
           "provisional(?:ly)?", "(?:i'd|i would) need", "would need",
           "i'd have to (?:check|see|ask|confirm)", "let me think(?: about it| it over)?",
           "i'll think (?:about )?it(?: over)?", "(?:need|have) to think", "sleep on it",
           "think it over", "maybe", "perhaps", "possibly", "probably", "likely", "unlikely",
           "i'll try", "i will try", "i'd try", "try to", "(?:i'll )?do my best", "i think so",
           "i think i (?:can|could|should|will)", "i believe so", "i believe i can", "hopefully",
           "i hope (?:to|so|i can)", "not sure", "unsure", "not certain", "not yet",
           "not (?:yet )?confirmed", "can't promise", "cannot promise", "can't guarantee",
           "cannot guarantee", "can't confirm(?: yet)?", "can't say (?:yet|for sure)",
           "(?:don't|do not) know yet", "tentative(?:ly)?", "pencil (?:me|it) in", "tbc", "tbd",
           "in principle", "in theory", "let me see(?: what i can do)?", "let me check",
           "(?:need|have|got) to check", "i'll check", "will check",
           "(?:let me |need to |have to )?double[- ]check", "i'll see", "we'll see", "depends on",
           "depending on", "it depends", "as long as", "provided(?: that)?", "assuming",
           "subject to", "if i can", "if possible",
           "waiting (?:on|for) (?:confirmation|approval|sign-?off|\\w+ to)",
           "(?:need|have) to (?:run it past|clear it with|check with|confirm with|ask)",
           "run it past", "clear it with", "check with (?:my|the)", "need my \\w+ to",
           "\\d{1,2}\\s?/\\s?\\d{1,2}(?= \\w)", "fifty[- ]fifty", "50[- ]50", "not 100\\s?%",
           "isn't a yes", "is not a yes", "not a yes(?: yet)?", "isn't a no", "is not a no",
           "leaning (?:towards )?yes", "i guess", "in all likelihood", "chances are",
           "fingers crossed", "touch wood", "i'd need to", "need to see",
           "before i can say (?:yes|for sure)", "can't say for certain", "no promises"],
    "de": ["muss (?:\\w+ ){0,5}(?:sprechen|reden|besprechen|fragen|abwarten)",
           "muss (?:\\w+ ){0,4}erst", "uberlege noch", "nur wenn", "nur falls", "eher nicht",
           "eher nein", "(?:wenn|sofern|falls) nichts dazwischen ?kommt", "ich sage nicht nein",
           "nicht nein", "noch nicht entschieden", "unentschlossen", "in abstimmung", "vorerst",
           "ich brauchte", "brauchte (?:ich|aber)", "ich musste (?:erst|noch|vorher)",
           "(?:ich )?uberlege (?:es mir|mir das|mir es)",
           "muss (?:ich )?(?:mir )?(?:das )?(?:noch )?uberlegen", "denke (?:daruber|druber) nach",
           "lass mich (?:kurz )?uberlegen", "vielleicht", "eventuell", "evtl", "wahrscheinlich",
           "vermutlich", "moglicherweise", "voraussichtlich", "ich versuche", "versuche es",
           "ich probiere", "mal sehen", "mal schauen", "ich schaue mal",
           ("(?:ich )?muss (?:erst |noch |vorher )*(?:\\w+ ){0,5}(?:prufen|klaren|schauen|"
            "checken|abklaren|nachfragen|abstimmen|sehen)"), "kann ich nicht versprechen",
           "(?:noch )?nicht sicher", "unter vorbehalt", "vorbehaltlich", "grundsatzlich",
           "im prinzip", "hangt davon ab", "kommt (?:dar|dr)auf an", "sofern", "vorausgesetzt",
           "hoffentlich", "ich denke schon", "ich glaube schon", "eher ja", "ich gebe mein bestes",
           "noch offen", "unklar"],
    "fr": ["(?:je dois|il faut|il faudrait) (?:d'abord|en parler|parler a)",
           "je dois (?:\\w+ ){0,3}d'abord", "je reflechis encore", "seulement si", "uniquement si",
           "plutot non", "plutot pas", "sauf imprevu", "je ne dis pas non", "pas encore decide",
           "en attente (?:de|d')", "provisoirement", "j'aurais besoin", "il me faudrait",
           "je vais (?:y )?reflechir", "je reflechis", "laisse-moi reflechir", "je dois reflechir",
           "peut-etre", "peut etre", "probablement", "sans doute", "eventuellement",
           "je vais essayer", "j'essaierai", "j'essaie", "je vais voir", "on verra",
           "je dois (?:d'abord |encore )?(?:verifier|voir|confirmer|demander|valider)",
           "je vais verifier", "je verifie", "sous reserve", "a priori", "en principe", "pas sur",
           "pas sure", "pas encore sur", "je ne suis pas sur", "ca depend", "si tout va bien",
           "j'espere", "je pense que oui", "je pense pouvoir", "a confirmer", "pas certain",
           "pas certaine", "pas encore"],
    "es": ["(?:tengo|necesito) que (?:\\w+ ){0,3}(?:primero|antes)",
           "(?:tengo|necesito) que hablar(?:lo)?", "lo estoy pensando", "solo si", "solamente si",
           "mas bien no", "salvo imprevistos?", "no digo que no",
           "(?:todavia|aun) no (?:lo )?(?:he )?decidido", "en espera de", "de momento",
           "necesitaria", "me haria falta", "lo pienso", "dejame pensarlo", "tengo que pensarlo",
           "lo voy a pensar", "quizas", "quiza", "tal vez", "a lo mejor", "posiblemente",
           "probablemente", "seguramente", "intentare", "lo intentare", "voy a intentar(?:lo)?",
           "hare lo posible",
           ("(?:tengo|necesito) que (?:confirmar(?:lo)?|consultar(?:lo)?|ver(?:lo)?|revisar(?:lo)"
            "?|mirar(?:lo)?|checar(?:lo)?|preguntar)"), "dejame (?:ver|revisar|confirmar|mirar)",
           "en principio", "no estoy segur[oa]", "depende", "siempre que", "siempre y cuando",
           "con tal de que", "ojala", "creo que si", "creo que puedo", "a confirmar",
           "pendiente de", "todavia no", "aun no"],
    "it": ["devo prima", "devo (?:\\w+ ){0,2}(?:parlarne|parlare con)", "ci sto pensando",
           "solo se", "soltanto se", "piuttosto no", "direi di no", "salvo imprevisti",
           "non dico di no", "non ho ancora deciso", "in attesa di", "per ora", "avrei bisogno",
           "mi servirebbe", "ci penso(?! io)", "ci devo pensare", "ci rifletto", "fammi pensare",
           "forse", "probabilmente", "magari", "possibilmente", "ci provo", "provero",
           "faro il possibile",
           "devo (?:prima |ancora )?(?:sentire|verificare|controllare|chiedere|capire|vedere)",
           "vediamo", "in linea di massima", "in linea di principio", "in teoria",
           "non sono sicur[oa]", "dipende", "purche", "a patto che", "sempre che", "spero",
           "credo di si", "penso di si", "da confermare", "non ancora"],
    "pt": ["(?:preciso|tenho que) (?:\\w+ ){0,3}(?:primeiro|antes)", "estou pensando", "so se",
           "somente se", "apenas se", "acho que nao", "salvo imprevistos?", "nao digo que nao",
           "ainda nao decidi", "pendente", "aguardando", "por enquanto", "precisaria",
           "eu precisaria", "vou pensar", "deixa eu pensar", "preciso pensar", "talvez",
           "quem sabe", "provavelmente", "possivelmente", "acho que (?:sim|consigo|da|posso)",
           "vou tentar", "tentarei", "vou ver",
           ("(?:preciso|tenho que|tenho de) (?:\\w+ ){0,2}(?:confirmar|verificar|checar|"
            "ver|falar|perguntar)"), "em principio", "a principio", "nao tenho certeza",
           "nao sei (?:ainda)?", "depende", "desde que", "contanto que", "espero que",
           "a confirmar", "ainda nao"],
    "nl": ["moet (?:\\w+ ){0,3}eerst", "moet (?:\\w+ ){0,3}(?:bespreken|vragen)",
           "ik denk er nog over na", "alleen als", "alleen wanneer", "eerder niet",
           "waarschijnlijk niet", "tenzij er iets tussenkomt", "ik zeg geen nee",
           "nog niet besloten", "in afwachting van", "voorlopig", "zou (?:\\w+ ){0,3}nodig hebben",
           "ik zou eerst", "ik denk erover na", "ik ga erover nadenken", "laat me even nadenken",
           "misschien", "wellicht", "waarschijnlijk", "mogelijk", "eventueel", "ik probeer",
           "ik ga het proberen", "ik zal kijken", "even kijken",
           ("(?:ik )?moet (?:nog )?(?:even )?(?:\\w+ ){0,3}(?:checken|kijken|overleggen|"
            "navragen|controleren|afstemmen)"), "in principe", "niet zeker",
           "weet (?:het )?nog niet", "hangt ervan af", "afhankelijk van", "mits", "op voorwaarde",
           "hopelijk", "ik denk het wel", "ik denk dat het lukt", "onder voorbehoud", "nog niet"],
    "sv": ["maste (?:\\w+ ){0,3}forst", "maste (?:\\w+ ){0,2}prata med", "funderar fortfarande",
           "bara om", "endast om", "snarare inte", "troligen inte", "om inget ovantat hander",
           "jag sager inte nej", "inte bestamt mig", "i vantan pa", "tills vidare",
           "skulle behova", "jag funderar pa det", "ska fundera", "lat mig tanka", "kanske",
           "troligen", "antagligen", "formodligen", "mojligen", "eventuellt", "jag forsoker",
           "ska forsoka", "far se",
           "(?:jag )?maste (?:forst )?(?:kolla|kontrollera|stamma av|hora|dubbelkolla)",
           "i princip", "inte saker", "vet inte an", "beror pa", "forutsatt", "sa lange",
           "forhoppningsvis", "jag tror det", "preliminart", "inte an"],
    "da": ["(?:skal|ma) (?:\\w+ ){0,3}forst", "(?:skal|ma) (?:\\w+ ){0,2}tale med",
           "taenker stadig over det", "kun hvis", "nok ikke", "nok ikke",
           "medmindre der sker noget", "jeg siger ikke nej", "ikke besluttet", "afventer",
           "indtil videre", "ville have brug for", "skulle bruge", "jeg taenker over det",
           "lad mig taenke", "maske", "sandsynligvis", "formentlig", "muligvis", "eventuelt",
           "jeg prover", "vil prove", "vi far se",
           "(?:jeg )?skal (?:lige )?(?:tjekke|hore|se|afklare)", "ma (?:lige )?tjekke",
           "i princippet", "ikke sikker", "ved ikke endnu", "afhaenger af", "forudsat",
           "sa laenge", "forhabentlig", "jeg tror det", "forelobigt", "ikke endnu"],
    "pl": ["musze (?:\\w+ ){0,3}najpierw", "musze (?:\\w+ ){0,2}porozmawiac",
           "wciaz sie zastanawiam", "tylko jesli", "tylko jezeli", "raczej nie", "chyba nie",
           "o ile nic sie nie wydarzy", "nie mowie nie", "jeszcze nie zdecydowal(?:em|am)",
           "w oczekiwaniu na", "na razie", "potrzebowal(?:a)?bym", "zastanowie sie",
           "musze sie zastanowic", "pomysle", "moze", "chyba", "prawdopodobnie", "raczej",
           "mozliwe", "ewentualnie", "sprobuje", "postaram sie", "zobacze",
           "musze (?:jeszcze )?(?:\\w+ ){0,2}(?:sprawdzic|potwierdzic|zapytac|uzgodnic)",
           "w zasadzie", "nie jestem pewien", "nie jestem pewna", "nie wiem jeszcze", "zalezy",
           "pod warunkiem", "o ile", "mam nadzieje", "wstepnie", "jeszcze nie"],
}
HEDGE_WEAK: L = {
    "en": ["(?:sounds |seems |looks )?doable", "(?:sounds |seems |looks )?feasible", "might",
           "may be able", "could be",
           ("should (?:\\w+ )?(?:be )?(?:fine|ok|okay|alright|good|able|possible|doable|"
            "no problem|manageable)"), "should (?:work|manage|be able to)",
           "(?:shouldn't|should not) be (?:a|an|any) (?:problem|issue)",
           "ought to be (?:fine|ok|okay|possible)",
           "i think (?:it's|that's|that is|it is) (?:fine|ok|okay|doable)", "i think that works",
           "i reckon"],
    "de": ["(?:klingt |ist |scheint )?machbar",
           ("(?:sollte|musste|durfte) (?:\\w+ ){0,3}(?:klappen|gehen|passen|machbar|moglich|"
            "funktionieren|kein problem|schaffen)"), "eigentlich (?:schon|ja)", "normalerweise"],
    "fr": ["(?:ca semble |c'est )?faisable", "jouable",
           ("(?:ca |cela )?(?:devrait|devrais) (?:\\w+ ){0,2}(?:aller|marcher|etre bon|"
            "etre possible|le faire|passer|etre faisable|y arriver|pouvoir)"), "normalement"],
    "es": ["(?:parece |es )?factible", "(?:parece |es )?viable",
           "deberia (?:\\w+ ){0,2}(?:estar bien|funcionar|ser posible|poder|llegar|salir)",
           "normalmente"],
    "it": ["(?:sembra |e )?fattibile",
           ("(?:dovrebbe|dovrei) (?:\\w+ ){0,2}(?:andare|funzionare|essere possibile|andar "
            "bene|farcela|riuscire|essere fattibile)"), "di norma", "normalmente"],
    "pt": ["(?:parece |e )?viavel",
           ("(?:deve|deveria|devo) (?:\\w+ ){0,2}(?:dar|ser possivel|funcionar|estar ok|"
            "conseguir|dar certo)"), "normalmente"],
    "nl": ["(?:lijkt |is )?haalbaar", "(?:lijkt |is )?te doen",
           "zou (?:\\w+ ){0,2}(?:moeten )?(?:lukken|kunnen|goed moeten komen|moeten gaan)",
           "normaal gesproken", "normaliter"],
    "sv": ["(?:verkar |ar )?genomforbart", "gar att fixa",
           "borde (?:\\w+ ){0,2}(?:ga|fungera|funka|vara ok|vara mojligt|hinna|ga bra)",
           "normalt"],
    "da": ["(?:virker |er )?realistisk", "kan lade sig gore",
           "burde (?:\\w+ ){0,2}(?:ga|kunne|vaere fint|vaere muligt|na|lykkes)", "normalt"],
    "pl": ["(?:wydaje sie )?wykonalne", "do zrobienia",
           ("(?:powinno|powinienem|powinnam) (?:\\w+ ){0,2}(?:sie udac|byc ok|pojsc|byc "
            "dobrze|zdazyc|dac rade)"), "normalnie"],
}

CONDITION: L = {
    "en": ["if", "unless", "as long as", "provided", "assuming", "once"],
    "de": ["wenn", "falls", "sofern", "sobald", "vorausgesetzt"],
    "fr": ["^si(?= \\w)", "a condition que", "pourvu que", "des que", "si le", "si la", "si les",
           "s'il", "s'ils", "si on", "si je", "si tu", "si vous", "si nous"],
    "es": ["^si(?= \\w)", "si (?:el|la|los|las|me|te|se|lo|puedo|tengo|nos)", "siempre que",
           "en cuanto", "a menos que"],
    "it": ["^se(?= \\w)", "se (?:il|la|i|le|lo|mi|ti|ci|posso|riesco|il mio|la mia)", "purche",
           "a patto che", "appena"],
    "pt": ["^se(?= \\w)", "se (?:o|a|os|as|eu|me|te|der|puder|conseguir)", "desde que", "caso",
           "assim que"],
    "nl": ["^als(?= \\w)", "als (?:de|het|ik|mijn|je|dat|die)", "mits", "indien", "zodra",
           "tenzij"],
    "sv": ["^om(?= \\w)", "om (?:jag|det|min|mitt|chefen|vi)", "forutsatt", "sa fort", "savida"],
    "da": ["hvis", "safremt", "forudsat", "medmindre"],
    "pl": ["jesli", "jezeli", "o ile", "gdy", "pod warunkiem"],
}
POLITE_IF: L = {
    "en": ["if (?:that|this|it) (?:helps|works|suits)(?: for you| better)?",
           ("if (?:that's|that is|it's|it is) (?:ok|okay|fine|alright|all right|not too "
            "late|easier|useful|helpful)"),
           ("if you (?:like|want|prefer|need (?:anything|me|more|help|it)|wish|'d like|"
            "would like)"), "if needed", "if necessary", "if required", "if anything changes",
           "if (?:i|you) have (?:any )?(?:questions|concerns)", "let me know if",
           "(?:i'll )?let you know if", "shout if", "ping me if", "if you'd like",
           "if you have any", "in case", "if there's anything", "get back to you if",
           "if that's not too late", "either way", "if so", "if not", "if that makes sense",
           "even if", "as if", "what if", "see if", "check if", "know if", "ask if",
           "wonder(?:ing)? if", "tell me if", "not sure if"],
    "de": ["falls (?:das|es) hilft", "wenn (?:das|es) (?:passt|hilft|recht ist|ok ist)",
           "falls notig", "wenn notig", "falls du (?:noch )?fragen hast", "wenn du magst",
           "wenn du willst", "melde dich(?:, )? (?:wenn|falls)",
           "sag bescheid(?:, )? (?:wenn|falls)"],
    "fr": ["si (?:ca|cela) (?:te|vous) (?:va|convient|aide)", "si besoin", "si necessaire",
           "si (?:ca|cela) peut aider", "si tu veux", "si vous voulez", "si tu as des questions",
           "si vous avez des questions"],
    "es": ["si te (?:va bien|parece|sirve|viene bien)", "si hace falta", "si necesitas",
           "si quieres", "si lo necesitas", "si tienes (?:alguna )?(?:duda|pregunta)s?"],
    "it": ["se ti (?:va|serve|sta bene)", "se serve", "se hai bisogno", "se vuoi",
           "se hai domande"],
    "pt": ["se (?:te )?(?:servir|ajudar|precisar)", "se quiser", "se for o caso",
           "se tiver (?:alguma )?(?:duvida|pergunta)s?"],
    "nl": ["als dat (?:helpt|uitkomt|past)", "indien nodig", "als je wilt", "als dat kan",
           "als je vragen hebt"],
    "sv": ["om det (?:hjalper|passar)", "vid behov", "om du vill", "om du har fragor"],
    "da": ["hvis det (?:hjaelper|passer)", "om nodvendigt", "hvis du vil",
           "hvis du har sporgsmal"],
    "pl": ["jesli to pomoze", "w razie potrzeby", "jesli chcesz", "jesli masz pytania"],
}

DEFER: L = {
    "en": ["i'll confirm", "will confirm", "confirm (?:later|tomorrow|by|on|after|once|first)",
           "(?:i'll |i will |will )?let you know(?! if)", "get back to you(?! if)", "i'll revert",
           "come back to you", "i'll know (?:by|tomorrow|later|more|soon|on)", "should hear back",
           "will hear back", "hear back (?:by|tomorrow|soon)",
           "give me (?:a|until|till) (?:day|few days|couple|bit|moment|second|week|\\w+day)",
           "need a (?:day|few days|couple of days)", "tell you (?:tomorrow|later|by|for sure)",
           "answer (?:you )?(?:tomorrow|later|by)", "a firm answer", "confirm for sure",
           "update you (?:tomorrow|later|by)", "follow up (?:tomorrow|later|by)"],
    "de": ["(?:ich )?melde mich", "gebe (?:dir |ihnen )?bescheid",
           "sag(?:e)? (?:dir |ihnen )?(?:\\w+ ){0,2}bescheid", "bescheid geben",
           "bestatige (?:morgen|spater|bis|am)", "gebe (?:dir )?ruckmeldung",
           "ruckmeldung (?:morgen|bis|spater)", "melde mich zuruck"],
    "fr": ["je (?:te|vous) (?:le )?confirme", "je reviens vers (?:toi|vous)",
           "je (?:te|vous) redis", "je (?:te|vous) dis (?:ca|quoi|demain|plus tard)",
           "je (?:te|vous) tiens au courant", "confirmation (?:demain|plus tard)",
           "je (?:te|vous) recontacte"],
    "es": ["te (?:lo )?confirmo", "le (?:lo )?confirmo", "te digo algo", "te aviso", "le aviso",
           "te respondo", "te cuento", "te comento", "te digo (?:manana|luego|el)"],
    "it": ["ti (?:lo )?confermo", "vi confermo", "ti faccio sapere", "vi faccio sapere",
           "ti (?:dico|aggiorno|rispondo)", "ti faro sapere"],
    "pt": ["te (?:confirmo|respondo|aviso|digo|falo)", "confirmo (?:amanha|depois|ate)", "retorno",
           "aviso (?:amanha|depois)", "dou (?:um )?retorno", "te dou um retorno"],
    "nl": ["laat (?:het |je |jou )*(?:\\w+ )?weten", "kom (?:er|ik) (?:op )?terug",
           "kom erop terug", "bevestig (?:morgen|later)", "hoor je van mij", "laat ik weten"],
    "sv": ["aterkommer", "hor av mig", "bekraftar (?:i ?morgon|senare)",
           "meddelar (?:dig )?(?:i ?morgon|senare)"],
    "da": ["vender tilbage", "giver besked", "melder tilbage", "bekraefter (?:i morgen|senere)"],
    "pl": ["dam (?:ci |wam )?znac", "potwierdze", "odezwe sie", "odpisze"],
}

ACK: L = {
    "en": ["(?:happy|glad) to (?:discuss|chat|talk|jump on a call|meet|walk through|hear more)",
           "you're welcome", "you are welcome", "my pleasure",
           "(?<!ve\\x20)(?<!have\\x20)(?<!you\\x20)got it(?! covered| done| sorted)", "noted",
           "received", "^ack", "acknowledged", "^seen", "thanks", "thank you", "thx", "ty",
           "cheers",
           ("(?:i'll|will|i will|let me|i can|can) (?:take a |have a )?look(?: into it|"
            " at (?:it|this|that))?"), "take a look", "have a look", "looking into it",
           "on my radar", "fyi", "see below", "let's (?:discuss|talk|chat|catch up|sync)",
           "we can discuss", "will read", "i'll read", "will review and revert",
           "(?:i'll|will) get to it", "answer properly", "reply properly", "by mistake", "adding",
           "looping in", "cc'ing", "cc ing"],
    "de": ["gern geschehen", "gerne geschehen", "bitte schon", "keine ursache", "danke", "gesehen",
           "hab's gesehen", "habe es gesehen", "erhalten", "zur kenntnis", "schaue? ich mir an",
           "schau ich mir an", "ich schaue? mir (?:das|es) an",
           "schau(?:e)? (?:ich )?mal (?:druber|rein)", "alles klar", "vielen dank", "ich leite",
           "lass uns (?:sprechen|reden)"],
    "fr": ["de rien", "je vous en prie", "avec plaisir de t'aider", "bien recu", "^recu", "^note",
           "c'est note", "merci", "je regarde", "je vais regarder",
           "je jette un (?:oeil|coup d'oeil)", "je (?:te |vous )?transfere"],
    "es": ["de nada", "no hay de que", "recibido", "gracias", "^visto", "anotado", "lo miro",
           "lo reviso", "le echo un vistazo", "lo veo", "lo reenvio"],
    "it": ["prego", "di niente", "figurati", "ricevuto", "grazie", "^visto", "ci guardo",
           "ci do un'occhiata", "lo guardo", "gli do un'occhiata"],
    "pt": ["de nada", "por nada", "recebido", "obrigad[oa]", "anotado", "vou dar uma olhada",
           "vou olhar", "^visto", "valeu"],
    "nl": ["graag gedaan", "geen dank", "ontvangen", "dank je", "dank u", "^dank", "bedankt",
           "genoteerd", "ik kijk (?:er )?(?:even )?(?:ernaar|naar)", "^gezien"],
    "sv": ["varsagod", "ingen orsak", "mottaget", "^tack", "noterat", "jag tittar pa det",
           "tittar pa det"],
    "da": ["selv tak", "det var så lidt", "modtaget", "^tak", "noteret", "jeg kigger pa det",
           "kigger pa det"],
    "pl": ["nie ma za co", "prosze bardzo", "otrzymal(?:em|am)", "dzieki", "dziekuje",
           "przyjal(?:em|am)", "zerkne", "spojrze", "przyjete"],
}

PRECOMMIT: L = {
    "en": [("before (?:i|we) (?:can )?(?:commit|say yes|confirm|agree|decide|answer|sign "
            "up|accept|say anything|respond|give you an answer)"), "before committing",
           "before saying yes", "before i can say",
           "(?:i'd|i would) like to know(?: (?:first|before))?",
           "need to know (?:first|before|more)", "want to know (?:first|before|more)",
           "before i jump in", "before signing up"],
    "de": [("bevor ich (?:\\w+ ){0,2}(?:zusage|festlege|ja sage|zusagen kann|bestatige|"
            "entscheide)"), "^vorab", "wurde (?:ich )?(?:gern|gerne) wissen",
           "muss (?:erst|vorher) wissen", "mochte (?:gern |gerne )?wissen"],
    "fr": ["avant de (?:m'engager|confirmer|dire oui|repondre|accepter|me decider|valider)",
           "j'aimerais savoir", "je voudrais savoir"],
    "es": ["antes de (?:comprometerme|confirmar|decir que si|aceptar|decidir|responder)",
           "me gustaria saber", "necesito saber", "quisiera saber"],
    "it": ["prima di (?:impegnarmi|confermare|dire di si|accettare|decidere|rispondere)",
           "vorrei sapere", "mi serve sapere"],
    "pt": ["antes de (?:me comprometer|confirmar|dizer sim|aceitar|decidir|responder)",
           "gostaria de saber", "preciso saber"],
    "nl": ["voor(?:dat)? ik (?:toezeg|ja zeg|bevestig|beslis)", "ik wil (?:graag )?weten",
           "zou graag willen weten"],
    "sv": ["innan jag (?:lovar|tackar ja|bekraftar|sager ja|bestammer)", "vill (?:garna )?veta"],
    "da": ["for jeg (?:siger ja|bekraefter|lover|beslutter)", "vil gerne vide"],
    "pl": ["zanim (?:sie )?(?:zobowiaze|potwierdze|zgodze|zdecyduje)", "chcial(?:a)?bym wiedziec"],
}
INFO_NEED: L = {
    "en": [("(?:can't|cannot|can not) (?:really )?(?:assess|evaluate|decide|say|judge|tell|"
            "answer|commit|estimate|gauge)(?: (?:it|this|that|anything|much|for sure))? "
            "(?:without|until|before)"), "hard to say without", "difficult to say without",
           "depends what", "(?:can't|cannot) answer (?:that|this) (?:yet|without)"],
    "de": [("kann (?:das |es )?(?:nicht|schlecht) (?:einschatzen|beurteilen|entscheiden|"
            "sagen) ohne"),
           ("ohne (?:das|diese|die) (?:\\w+ )?(?:kann ich|lasst sich) (?:das )?(?:nicht|"
            "schlecht)")],
    "fr": ["je ne peux pas (?:juger|evaluer|dire|decider|estimer) sans"],
    "es": ["no puedo (?:evaluar|decidir|decir|valorar|estimar) (?:nada )?sin"],
    "it": ["non posso (?:valutare|decidere|dire|stimare) (?:nulla )?senza"],
    "pt": ["nao (?:posso|consigo) (?:avaliar|decidir|dizer|estimar) (?:nada )?sem"],
    "nl": ["kan (?:het |dat )?niet (?:inschatten|beoordelen|beslissen|zeggen) zonder"],
    "sv": ["kan inte (?:bedoma|avgora|saga) utan"],
    "da": ["kan ikke (?:vurdere|afgore|sige) uden"],
    "pl": ["nie moge (?:ocenic|zdecydowac|powiedziec) bez"],
}
CORRECTION: L = {
    "en": ["actually", "on second thought", "on second thoughts", "wait", "hang on",
           "scratch that", "correction", "no wait", "hold on", "strike that"],
    "de": ["moment", "warte", "doch nicht", "eigentlich doch", "korrektur", "nein warte"],
    "fr": ["en fait", "attends", "attendez", "finalement", "a la reflexion"],
    "es": ["espera", "en realidad", "pensandolo bien", "mejor dicho"],
    "it": ["aspetta", "anzi", "ripensandoci", "a pensarci bene"],
    "pt": ["espera", "na verdade", "pensando bem", "alias"],
    "nl": ["wacht", "bij nader inzien", "eigenlijk", "correctie"],
    "sv": ["vanta", "forresten", "vid narmare eftertanke"],
    "da": ["vent", "ved naermere eftertanke", "rettelse"],
    "pl": ["chwila", "zaraz", "wlasciwie", "po namysle"],
}

ALT: L = {
    "en": ["works? (?:\\w+ ){0,2}on",
           "(?:fine|good|ok|okay|better|free|available) (?:for me |with me )?on",
           "suits me (?:better )?on", "(?:gets?|will be) (?:pushed|moved|delayed) to",
           "slip(?:s|ped|ping)? to", "only (?:on|by|from|after)", "can only",
           ("(?:mov(?:e|es|ed|ing)|push(?:es|ed|ing)?|shift(?:s|ed|ing)?|bump(?:s|ed|ing)"
            "?|slip(?:s|ped)?) (?:it|this|that|things|everything|the \\w+(?: \\w+)?) (?:back "
            ")?to(?= (?:the |next |on |a |early |late )?(?:\\d|mon|tue|wed|thu|fri|sat|"
            "sun|next|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|tomorrow|later))"),
           ("(?:deadline|due date|date|call|meeting|demo|review) (?:mov|push|shift)(?:es|"
            "ed|s) to"), "(?:can|could) (?:it|this|that) wait",
           "(?:is|would) (?:\\w+ ){1,4}an option", "instead", "how about", "what about",
           "how does", "would (?:\\w+ ){1,6}(?:work|suit|be (?:ok|okay|possible|better|fine))",
           "does (?:\\w+ ){1,6}work",
           ("(?:could|can|shall) we (?:do|make|move|push|shift|say|change|postpone|go with|"
            "aim for|reschedule|try|have)"),
           "could i (?:do|get|send|deliver|have|move|push|bring)",
           "push (?:it |this |that )?(?:back )?to", "move (?:it |this |that )?to", "postpone",
           "reschedule", "works better", "would be better", "better for me", "i'd prefer",
           "i would prefer", "prefer", "rather", "only by", "can only (?:do|make)",
           "let's (?:do|say|make it|aim for|go with)", "i could do", "could do", "suggest",
           "propose", "what if we", "alternatively", "push back", "bump (?:it|this) to", "slip to",
           "how's", "would that work", "does that work"],
    "de": ["passt (?:mir |bei mir )?(?:am|besser am)", "geht (?:bei mir )?(?:am|besser am)",
           "(?:ich )?kann (?:\\w+ ){0,2}am", "verschiebt sich auf", "rutscht auf",
           "wird (?:es )?(?:eher )?der", "nur (?:am|bis|ab)", "stattdessen", "statt", "anstatt",
           "wie ware es", "wie war's", "wie wars", "lieber", "alternativ", "schlage vor",
           "vorschlag", "verschieben", "ginge", "wurde (?:auch )?gehen", "geht auch", "passt auch",
           "besser ware", "ware besser",
           ("(?:konnen|konnten) wir (?:es |das |den \\w+ )?(?:\\w+ ){0,3}(?:verschieben|"
            "machen|nehmen|sagen|ausweichen|legen)"), "wie sieht es (?:mit|am) \\w+ aus",
           "passt dir", "passt ihnen", "geht (?:dir|ihnen|es) (?:auch )?(?:am|der|den)"],
    "fr": ["(?:ca|cela) me va (?:mieux )?le", "je suis (?:dispo|disponible|libre) le",
           "je peux le", "irait", "conviendrait", "(?:glisse|decale|repousse)(?:r)? (?:au|a)",
           "sera plutot", "seulement (?:le|a partir|apres)", "que (?:le|a partir du)", "plutot",
           "a la place", "au lieu", "que diriez-vous", "qu'en dis-tu", "et si (?:on|nous)",
           "je propose", "je peux proposer",
           "(?:ca|cela) (?:te|vous) (?:va|irait|convient|conviendrait)", "decaler", "reporter",
           "repousser", "est-ce que (?:\\w+ ){1,5}(?:irait|conviendrait)", "ca irait",
           "pourrait-on", "on pourrait", "pourrions-nous"],
    "es": ["me va (?:bien |mejor )?el", "puedo el", "estoy (?:libre|disponible) el", "podria ser",
           "puede ser", "seria posible", "se (?:retrasa|pasa|mueve) al?", "lo (?:paso|muevo) al?",
           "solo (?:el|puedo el|a partir)", "solamente (?:el|a partir)", "en su lugar",
           "en lugar de", "en vez de", "que tal", "mejor", "propongo",
           "(?:te|le|os) (?:vale|viene bien|va bien|parece|sirve)", "aplazar", "posponer",
           "mover(?:lo)?", "y si", "podemos (?:hacerlo|moverlo|pasarlo|dejarlo)", "podriamos"],
    "it": ["mi va (?:bene |meglio )?(?:il|l')", "posso (?:il|l')",
           "sono (?:libero|libera|disponibile) (?:il|l')", "facciamo", "potrebbe andare",
           "andrebbe bene", "slitta (?:a|al)", "slittare (?:a|al)", "spostiamo (?:a|al)",
           "sposto (?:a|al)", "solo (?:il|dal|a partire)", "invece", "anziche", "piuttosto",
           "che ne dici", "che ne pensi", "(?:ti|vi) (?:va bene|andrebbe bene|sta bene)",
           "va bene per te", "propongo", "meglio", "spostare", "posticipare", "rimandare",
           "(?:mi serve|ho bisogno di|servirebbe) (?:\\w+ ){0,2}(?:tempo )?fino a", "potremmo",
           "possiamo (?:fare|spostare)"],
    "pt": ["posso (?:no )?dia", "fico (?:bem|livre) (?:no )?dia",
           "estou (?:livre|disponivel) (?:no )?dia", "fica (?:para|pra)", "passa (?:para|pra)",
           "adio (?:para|pra)", "so (?:no dia|dia|a partir|consigo|posso)",
           "apenas (?:no dia|dia|a partir)", "em vez de", "ao inves de", "no lugar", "que tal",
           "pode ser", "prefiro", "proponho", "melhor", "adiar", "remarcar", "mudar para",
           "(?:te|lhe) serve", "serve para (?:voce|ti)", "funciona para (?:voce|ti)",
           "(?:podemos|poderiamos) (?:\\w+ ){0,3}(?:mudar|passar|fazer|deixar|marcar)"],
    "nl": ["kan ik op", "past (?:mij |me )?(?:beter )?op", "ben ik (?:vrij|beschikbaar) op",
           "schuift (?:op )?naar", "verschuift naar", "alleen (?:op|vanaf)", "in plaats van",
           "liever", "wat dacht je van", "wat vind je van", "hoe zit het met", "stel voor",
           "voorstel", "verschuiven", "uitstellen",
           ("(?:kunnen|zouden) we (?:het |dat )?(?:\\w+ ){0,3}(?:verschuiven|doen|houden|"
            "nemen|zeggen)"), "past (?:je|jou|u) (?:\\w+ )?(?:ook|beter)"],
    "sv": ["passar (?:mig |battre )?(?:pa|den)", "kan jag (?:pa|den)", "skjuts till",
           "flyttas till", "bara (?:pa|den)", "istallet", "i stallet", "hellre", "vad sags om",
           "hur later", "foreslar", "skjuta upp", "flytta", "kan vi",
           "(?:kan|skulle) vi (?:kunna )?(?:\\w+ ){0,3}(?:flytta|ta|saga|gora|skjuta)",
           "funkar (?:det|\\w+dag) (?:for dig)?"],
    "da": ["passer (?:mig |bedre )?(?:pa|den)", "kan jeg (?:pa|den)", "rykkes til", "flyttes til",
           "kun (?:pa|den)", "i stedet", "hellere", "hvad med", "hvad siger du til", "foreslar",
           "udskyde", "rykke", "flytte", "kan vi (?:\\w+ ){0,3}(?:rykke|flytte|tage|sige|gore)"],
    "pl": ["pasuje mi (?:w|we)", "moge (?:w|we)", "przesuwa sie na", "przesune na",
           "tylko (?:w|do|od)", "zamiast", "a moze", "co powiesz na", "proponuje",
           "wolal(?:a)?bym", "przesunac", "przelozyc", "czy (?:\\w+ ){0,3}pasuje",
           "mozemy (?:\\w+ ){0,3}(?:przesunac|przelozyc|zrobic|umowic)"],
}
NOT_BEFORE: L = {
    "en": ["not earlier", "no sooner", "not before", "no earlier than", "(?:at the )?earliest",
           "not until", "need (?:\\w+ ){0,3}until", "need (?:\\w+ ){0,3}till", "until at least",
           "only (?:from|after)"],
    "de": ["nicht fruher", "nicht eher", "erst (?:am|ab|bis|zum|nach)", "^erst", "fruhestens",
           "nicht vor"],
    "fr": ["pas plus tot", "pas avant", "pas avant", "au plus tot",
           "seulement (?:a partir|apres)"],
    "es": ["no antes", "no antes de", "como muy pronto", "hasta el \\w+ no"],
    "it": ["non prima", "non prima di", "al piu presto", "solo da"],
    "pt": ["nao antes", "nao antes de", "no minimo", "so a partir"],
    "nl": ["niet eerder", "niet voor", "op zijn vroegst", "pas (?:op|vanaf|na)"],
    "sv": ["inte tidigare", "inte fore", "tidigast", "inte fore", "forst (?:pa|den)"],
    "da": ["ikke tidligere", "ikke for", "tidligst", "ikke for", "forst (?:pa|den)"],
    "pl": ["nie wczesniej", "najwczesniej", "nie wczesniej niz", "dopiero"],
}
WORKS: L = {
    "en": ["yes", "works?", "would work", "could work", "should work", "is fine", "is ok",
           "is okay", "is good", "is better", "is possible", "suits me", "i can do", "i can make",
           "i'm free", "i(?:'m| am) available", "i could do", "can do",
           "would be (?:fine|ok|okay|good|better)", "is doable", "doable", "is realistic"],
    "de": ["schon", "dafur", "ja", "geht", "ginge", "passt", "klappt", "wurde gehen",
           "ist moglich", "ware moglich", "kann ich", "ich kann", "bin ich frei", "habe ich zeit",
           "hatte ich zeit", "ware gut", "ware ok", "schaffe ich", "ist machbar"],
    "fr": ["oui", "marche", "me va", "(?:c'est|est|serait) possible", "je peux", "ca irait",
           "je suis (?:disponible|libre|dispo)", "(?:ca )?me convient", "convient",
           "c'est jouable", "c'est faisable", "je pourrais"],
    "es": ["si", "me va", "me viene bien", "funciona", "es posible", "seria posible", "puedo",
           "podria", "estoy (?:disponible|libre)", "me vale", "llego", "me da tiempo"],
    "it": ["si", "va bene", "mi va", "funziona", "e possibile", "sarebbe possibile", "posso",
           "potrei", "sono (?:disponibile|liber[oa])", "riesco", "ce la faccio"],
    "pt": ["sim", "e tranquilo", "tranquilo", "da", "funciona", "e possivel", "seria possivel",
           "posso", "poderia", "consigo", "estou (?:disponivel|livre)", "serve", "fica bom"],
    "nl": ["wel", "ja", "kan wel", "kan ik", "ik kan", "lukt wel", "lukt", "gaat wel", "past",
           "is prima", "is goed", "ben ik vrij", "ben ik beschikbaar", "is mogelijk", "red ik",
           "kan"],
    "sv": ["ja", "gar bra", "gar", "passar", "funkar", "fungerar", "kan jag", "ar jag ledig",
           "ar mojligt", "jag kan", "hinner jag"],
    "da": ["ja", "gar", "passer", "kan jeg", "er jeg ledig", "er muligt", "fungerer", "jeg kan",
           "nar jeg"],
    "pl": ["tak", "pasuje", "moge", "da rade", "dam rade", "jestem woln[ya]", "jest mozliwe",
           "bedzie ok", "zdaze"],
}

SCOPE_EXCEPT: L = {
    "en": ["but not", "just not", "except(?: for)?", "apart from", "other than", "not the",
           "excluding", "without the", "minus the"],
    "de": ["aber nicht", "jedoch nicht", "ausser", "ausgenommen", "bis auf", "nicht aber",
           "nur nicht"],
    "fr": ["mais pas", "sauf", "excepte", "a part", "hormis", "pas (?:le|la|les|l')"],
    "es": ["pero no", "salvo", "excepto", "menos", "no (?:el|la|los|las)"],
    "it": ["ma non", "tranne", "eccetto", "salvo", "non (?:il|la|lo|i|le|gli|l')"],
    "pt": ["mas nao", "exceto", "menos", "salvo", "nao (?:o|a|os|as)"],
    "nl": ["maar niet", "behalve", "uitgezonderd", "niet (?:de|het)"],
    "sv": ["men inte", "utom", "forutom", "inte (?:den|det)"],
    "da": ["men ikke", "undtagen", "bortset fra", "ikke (?:den|det)"],
    "pl": ["ale nie", "oprocz", "poza", "z wyjatkiem"],
}
SCOPE_PART: L = {
    "en": ["(?:only )?(?:part|half|some|parts) of (?:it|this|that|the)", "partially", "partly"],
    "de": ["einen teil", "teilweise", "zum teil"],
    "fr": ["une partie", "en partie", "partiellement"],
    "es": ["una parte", "en parte", "parcialmente"],
    "it": ["una parte", "in parte", "parzialmente"],
    "pt": ["uma parte", "em parte", "parcialmente"],
    "nl": ["een deel", "gedeeltelijk", "deels"],
    "sv": ["en del av", "delvis"],
    "da": ["en del af", "delvist"],
    "pl": ["czesc (?:tego|z tego|zadan|pracy)", "czesciowo"],
}
SCOPE_ONLY: L = {
    "en": ["only", "just the", "solely"],
    "de": ["nur", "lediglich", "ausschliesslich"],
    "fr": ["seulement", "uniquement", "que (?:le|la|les|l')"],
    "es": ["solo", "solamente", "unicamente"],
    "it": ["solo", "soltanto", "solamente", "unicamente"],
    "pt": ["so", "somente", "apenas"],
    "nl": ["alleen", "enkel", "slechts"],
    "sv": ["bara", "endast", "enbart"],
    "da": ["kun", "bare"],
    "pl": ["tylko", "jedynie", "wylacznie"],
}
REDIRECT: L = {
    "en": ["look elsewhere", "(?:someone|somebody) else",
           "(?:should|needs to|has to|must|would have to) (?:go|come) (?:to|from)",
           "(?:please |better |you'd better |maybe )?ask (?!if|whether|for|me|about|you)\\w+",
           "\\w+ (?:could|can|should|would) (?:do|cover|take|handle|own) (?:it|this|that|the)",
           "(?:talk|speak) to \\w+", "loop in", "needs someone (?:from|in|on|else)",
           "needs (?:a|an) \\w+ (?:from|in)", "(?:go|goes) through (?:legal|\\w+ ops|\\w+ team)",
           "have to come from", "better suited", "try \\w+ instead",
           "(?:maybe|perhaps) \\w+ (?:can|could)", "(?:can|could) \\w+ cover"],
    "de": ["woanders", "jemand ander(?:e|es|en|em|s)?",
           "frag(?:t|en sie)? (?:am besten |doch |mal |lieber )?(?!ob|nach)\\w+", "wende dich an",
           "wenden sie sich an", "sollte an \\w+ gehen",
           "\\w+ (?:kann|konnte|sollte) das (?:machen|ubernehmen)"],
    "fr": ["voir ailleurs", "chercher ailleurs", "quelqu'un d'autre", "demande(?:z)? a",
           "voir avec", "s'adresser a", "adresse-toi a",
           "\\w+ (?:peut|pourrait) (?:s'en charger|le faire)"],
    "es": ["buscar a otr[oa]", "otra persona", "preguntale a", "pregunta a",
           "pasa(?:se)?(?:lo|selo) a", "habla con", "pasaselo a", "\\w+ (?:puede|podria) hacerlo",
           "a otro", "a otra persona"],
    "it": ["cercare altrove", "qualcun altro", "chiedi a", "chiedete a", "senti \\w+",
           "\\w+ (?:puo|potrebbe) farlo", "giralo a", "a qualcun altro"],
    "pt": ["outra pessoa", "procurar outr[oa]", "pergunta (?:ao|a|pro|pra)", "fala com",
           "passa (?:para|pra)", "\\w+ (?:pode|poderia) fazer"],
    "nl": ["ergens anders", "iemand anders", "vraag (?:het )?(?:even )?(?:aan )?(?!of)\\w+",
           "misschien kan \\w+", "\\w+ kan (?:het|dat) (?:misschien )?doen"],
    "sv": ["nagon annan", "fraga \\w+", "prata med", "\\w+ kan (?:kanske )?ta det"],
    "da": ["en anden", "nogen anden", "sporg (?:evt\\.? )?\\w+", "tal med",
           "\\w+ kan (?:maske )?tage det"],
    "pl": ["ktos inny", "kogos innego", "zapytaj", "zapytajcie", "porozmawiaj z",
           "\\w+ (?:moze|moglby|moglaby) to zrobic"],
}
FUTURE_REF: L = {
    "en": ["(?:on|for|with) the next one", "next time", "another time", "in the future",
           "some other time", "future deals?", "down the road", "next round", "next quarter",
           "another deal", "a future one"],
    "de": ["(?:beim )?nachste(?:n)? mal", "ein andermal", "ein anderes mal", "in zukunft"],
    "fr": ["la prochaine fois", "une autre fois", "a l'avenir", "une prochaine fois"],
    "es": ["la proxima vez", "en otra ocasion", "otra vez sera", "en el futuro"],
    "it": ["la prossima volta", "un'altra volta", "in futuro"],
    "pt": ["da proxima vez", "na proxima", "outra vez", "no futuro", "uma proxima vez"],
    "nl": ["volgende keer", "een andere keer", "in de toekomst"],
    "sv": ["nasta gang", "en annan gang", "i framtiden"],
    "da": ["naeste gang", "en anden gang", "i fremtiden"],
    "pl": ["nastepnym razem", "innym razem", "w przyszlosci"],
}
ABSENCE: L = {
    "en": ["out of (?:the )?office", "ooo", "out (?:from|until|till|through|on|all|next|this)",
           "away (?:from|until|till|on|all|next|this)",
           "(?:i'm|i am|i'll be|i will be) (?:away|off|out)", "off (?:from|until|till|all|next)",
           "on (?:\\w+ )?leave", "on (?:vacation|holiday|holidays|pto)", "pto", "travel(?:l)?ing",
           "at a conference", "onsite", "offsite", "at the \\w+ onsite", "won't be back",
           "taking the week off", "(?:i'm|i am) at (?:a|the|our)"],
    "de": ["abwesend", "urlaub", "nicht im buro", "unterwegs", "auf dienstreise", "beim kunden",
           "elternzeit", "bin (?:\\w+ )?weg", "ausser haus"],
    "fr": ["absente?", "en conge", "en vacances", "en deplacement", "pas au bureau",
           "hors du bureau"],
    "es": ["fuera de la oficina", "de vacaciones", "de viaje", "de baja", "ausente",
           "estoy fuera"],
    "it": ["fuori ufficio", "in ferie", "in viaggio", "assente", "sono fuori"],
    "pt": ["de ferias", "fora do escritorio", "viajando", "ausente", "de licenca", "estou fora"],
    "nl": ["afwezig", "op vakantie", "met vakantie", "niet op kantoor", "op reis",
           "vrij (?:van|tot)"],
    "sv": ["borta", "ledig", "pa semester", "tjanstledig", "pa resa", "bortrest", "pa kundbesok"],
    "da": ["fravaerende", "pa ferie", "pa forretningsrejse", "vaek", "pa kundebesog"],
    "pl": ["na urlopie", "nieobecn[ya]", "w delegacji", "poza biurem"],
}
PAST_REF: L = {
    "en": ["last time", "previously", "in the past", "last (?:year|quarter|month|week)",
           "yesterday", "back then", "at the time", "the last one"],
    "de": ["letztes mal", "beim letzten mal", "damals", "letzte woche", "letztes jahr", "gestern"],
    "fr": ["la derniere fois", "auparavant", "l'an dernier", "l'annee derniere", "hier",
           "a l'epoque"],
    "es": ["la ultima vez", "el ano pasado", "ayer", "en su momento"],
    "it": ["l'ultima volta", "in passato", "l'anno scorso", "ieri", "all'epoca"],
    "pt": ["da ultima vez", "no passado", "ano passado", "ontem", "na epoca"],
    "nl": ["vorige keer", "de vorige keer", "vroeger", "vorig jaar", "gisteren"],
    "sv": ["forra gangen", "forra aret", "igar"],
    "da": ["sidste gang", "sidste ar", "i gar"],
    "pl": ["ostatnim razem", "ostatnio", "w zeszlym roku", "wczoraj"],
}
SUBSTITUTE: L = {
    "en": ["instead", "rather than", "in place of"],
    "de": ["stattdessen", "statt", "anstatt", "anstelle"],
    "fr": ["a la place", "au lieu", "plutot que"],
    "es": ["en su lugar", "en lugar de", "en vez de"],
    "it": ["invece", "anziche", "al posto"],
    "pt": ["em vez de", "ao inves de", "no lugar de"],
    "nl": ["in plaats van", "in plaats daarvan"],
    "sv": ["istallet", "i stallet"],
    "da": ["i stedet"],
    "pl": ["zamiast"],
}
POSTPONE: L = {
    "en": ["postpone", "reschedule",
           "push (?:it|this|that|things)(?: back)?(?: by)? (?:a|one|two|\\d+) (?:day|week)s?",
           "(?:move|push|shift) (?:it|this|that) back", "delay (?:it|this|that)",
           "(?:a|another) (?:later )?date", "another (?:day|week)"],
    "de": ["verschieben", "einen anderen termin", "anderer termin", "spateren termin"],
    "fr": ["decaler", "reporter", "repousser", "une autre date"],
    "es": ["aplazar", "posponer", "retrasar", "otra fecha"],
    "it": ["rimandare", "posticipare", "un'altra data"],
    "pt": ["adiar", "remarcar", "outra data"],
    "nl": ["uitstellen", "verschuiven", "een andere datum"],
    "sv": ["skjuta upp", "ett annat datum"],
    "da": ["udskyde", "en anden dato"],
    "pl": ["przesunac", "przelozyc", "inny termin"],
}
RETURN: L = {
    "en": ["(?:when|once|after) i(?:'m| am| get) back", "(?:when|once|after) i return",
           "upon my return", "on my return", "after (?:my|the) (?:leave|vacation|holiday|trip)"],
    "de": ["wenn ich (?:wieder )?zuruck bin", "nach meinem urlaub", "nach meiner ruckkehr",
           "sobald ich (?:wieder )?da bin"],
    "fr": ["a mon retour", "quand je (?:serai|suis) (?:de )?retour", "des mon retour"],
    "es": ["a mi vuelta", "al volver", "cuando (?:vuelva|regrese)"],
    "it": ["al mio rientro", "quando (?:torno|rientro)", "al mio ritorno"],
    "pt": ["quando (?:eu )?(?:voltar|retornar)", "na volta", "no meu regresso"],
    "nl": ["als ik (?:weer )?terug ben", "na mijn vakantie"],
    "sv": ["nar jag ar tillbaka", "nar jag kommer tillbaka", "efter semestern"],
    "da": ["nar jeg er tilbage", "efter ferien"],
    "pl": ["po powrocie", "jak wroce", "kiedy wroce"],
}
MIXED: L = {
    "en": ["yes and no", "yes or no", "maybe yes maybe no"],
    "de": ["ja und nein", "jein"],
    "fr": ["oui et non"],
    "es": ["si y no"],
    "it": ["si e no"],
    "pt": ["sim e nao"],
    "nl": ["ja en nee"],
    "sv": ["ja och nej"],
    "da": ["ja og nej"],
    "pl": ["tak i nie"],
}
CONTRAST: L = {
    "en": ["but", "however", "though", "although", "yet(?= )", "still,"],
    "de": ["aber", "doch", "jedoch", "allerdings", "sondern"],
    "fr": ["mais", "cependant", "toutefois", "pourtant", "par contre"],
    "es": ["pero", "sin embargo", "aunque", "sino"],
    "it": ["ma", "pero", "tuttavia", "comunque", "invece"],
    "pt": ["mas", "porem", "contudo", "entretanto", "no entanto"],
    "nl": ["maar", "echter", "toch"],
    "sv": ["men", "dock", "fast"],
    "da": ["men", "dog", "selvom"],
    "pl": ["ale", "jednak", "lecz", "natomiast"],
}
NEGATOR: L = {
    "en": ["cant", "wont", "dont", "doesnt", "isnt", "arent", "wasnt", "couldnt", "wouldnt",
           "shouldnt", "didnt", "havent", "hasnt", "not", "n't", "no", "never", "nothing",
           "nobody", "neither", "nor", "hardly", "can't", "cannot", "won't", "don't", "doesn't",
           "isn't", "aren't", "wasn't", "couldn't", "wouldn't", "shouldn't", "didn't"],
    "de": ["nicht", "kein", "keine", "keinen", "keiner", "keinem", "nie", "niemals", "nichts"],
    "fr": ["ne", "n'", "pas", "jamais", "rien", "aucun", "aucune"],
    "es": ["no", "nunca", "nada", "ningun", "ninguna", "tampoco", "ni"],
    "it": ["non", "mai", "nessun", "nessuna", "niente"],
    "pt": ["nao", "nunca", "nada", "nenhum", "nenhuma", "nem"],
    "nl": ["niet", "geen", "nooit", "niets", "niks"],
    "sv": ["inte", "ej", "aldrig", "ingen", "inget", "inga"],
    "da": ["ikke", "aldrig", "ingen", "intet"],
    "pl": ["nie", "nigdy", "zaden", "zadna", "nic"],
}
POST_NEGATOR: L = {
    "en": ["not"],
    "de": ["nicht", "nie", "keineswegs"],
    "fr": ["pas", "jamais", "plus"],
    "es": [],
    "it": [],
    "pt": [],
    "nl": ["niet", "nooit"],
    "sv": ["inte", "aldrig"],
    "da": ["ikke", "aldrig"],
    "pl": [],
}
QUESTION_LEAD: L = {
    "en": [("(?:could|can|would) you (?:please )?(?:clarify|explain|tell me|confirm|send|"
            "share|let me know|check)"), "quick (?:question|q)", "question:",
           "(?:i'm |i am )?wondering", "i wonder", "do you know", "any idea", "wanted to ask",
           "just checking (?:whether|if)", "one question", "a question"],
    "de": ["kurze frage", "frage vorab", "konntest du", "konnen sie", "kannst du mir", "weisst du",
           "eine frage"],
    "fr": ["petite question", "question :", "pourriez-vous", "pouvez-vous", "peux-tu",
           "est-ce que", "une question"],
    "es": ["una pregunta", "pregunta rapida", "podrias", "puedes (?:decirme|enviarme|mandarme)"],
    "it": ["una domanda", "domanda veloce", "potresti", "puoi (?:dirmi|mandarmi)"],
    "pt": ["uma pergunta", "pergunta rapida", "poderia", "pode me (?:dizer|enviar|mandar)"],
    "nl": ["korte vraag", "vraagje", "kun je", "kunt u", "zou je"],
    "sv": ["en fraga", "snabb fraga", "kan du", "skulle du kunna"],
    "da": ["et sporgsmal", "hurtigt sporgsmal", "kan du", "vil du"],
    "pl": ["krotkie pytanie", "pytanie", "czy mozesz", "czy moglbys", "czy moglabys"],
}
CLOSING: L = {
    "en": ["best", "best regards", "regards", "kind regards", "warm regards", "cheers", "thanks",
           "thank you", "many thanks", "br", "all the best", "talk soon", "sincerely",
           "best wishes", "thx", "ta"],
    "de": ["gruss", "grusse", "viele grusse", "beste grusse", "lg", "vg", "mfg", "liebe grusse",
           "schone grusse", "herzliche grusse", "freundliche grusse", "mit freundlichen grussen",
           "besten gruss", "danke", "viele dank"],
    "fr": ["cordialement", "bien a vous", "bonne journee", "merci", "amities", "bises",
           "a bientot", "bien cordialement", "salutations", "belle journee"],
    "es": ["saludos", "un saludo", "un abrazo", "gracias", "atentamente", "abrazos",
           "saludos cordiales"],
    "it": ["saluti", "cordiali saluti", "a presto", "grazie", "un saluto", "buona giornata"],
    "pt": ["abraco", "abracos", "cumprimentos", "atenciosamente", "obrigado", "obrigada", "att",
           "ate logo", "um abraco", "beijos", "bjs"],
    "nl": ["groet", "groeten", "met vriendelijke groet", "mvg", "gr", "hartelijke groet",
           "vriendelijke groet", "dank"],
    "sv": ["halsningar", "mvh", "vanliga halsningar", "halsning", "tack", "hej da"],
    "da": ["hilsen", "vh", "venlig hilsen", "mvh", "de bedste hilsner", "tak", "bedste hilsner"],
    "pl": ["pozdrawiam", "pozdrowienia", "z powazaniem", "dzieki", "serdecznie pozdrawiam"],
}

# Function words that tell the languages apart (folded).
STOPWORDS: L = {
    "en": ["the", "and", "i", "you", "is", "it", "to", "of", "for", "this", "that", "with",
           "can't", "i'm", "i'll", "will", "but", "yes", "not", "on", "my", "me", "we", "be",
           "have", "sorry", "thanks", "can", "do", "would", "hi"],
    "de": ["ich", "und", "der", "die", "das", "nicht", "ist", "ein", "eine", "mit", "mir", "dich",
           "du", "bin", "auf", "aber", "leider", "bis", "zum", "den", "dem", "es", "auch", "noch",
           "kann", "gerne", "hallo", "wie", "wir", "sie"],
    "fr": ["je", "le", "la", "les", "et", "pas", "est", "pour", "de", "des", "un", "une", "ne",
           "que", "mais", "avec", "vous", "tu", "ce", "ca", "bonjour", "moi", "suis", "sur",
           "merci", "c'est", "d'abord", "oui", "te"],
    "es": ["el", "la", "los", "las", "y", "que", "no", "es", "para", "con", "por", "de", "una",
           "pero", "estoy", "puedo", "hola", "me", "te", "lo", "muy", "si", "tengo", "del",
           "gracias", "esta"],
    "it": ["il", "la", "che", "non", "e", "per", "con", "sono", "una", "ma", "di", "mi", "ti",
           "lo", "ciao", "questo", "della", "anche", "ho", "gli", "grazie", "alla", "devo", "ci",
           "io"],
    "pt": ["o", "a", "os", "as", "e", "que", "nao", "para", "com", "um", "uma", "de", "do", "da",
           "em", "mas", "eu", "meu", "ola", "estou", "tenho", "isso", "voce", "te", "dia",
           "obrigado", "tudo", "na", "no"],
    "nl": ["ik", "de", "het", "een", "en", "niet", "is", "van", "voor", "met", "maar", "je", "dat",
           "die", "op", "hoi", "dag", "kan", "wel", "ook", "mijn", "zijn", "helaas", "graag",
           "er"],
    "sv": ["jag", "och", "det", "att", "inte", "en", "ett", "ar", "som", "med", "for", "pa", "men",
           "hej", "den", "har", "kan", "till", "av", "vi", "mig", "tack"],
    "da": ["jeg", "og", "det", "at", "ikke", "en", "et", "er", "som", "med", "for", "pa", "men",
           "hej", "den", "har", "kan", "til", "af", "vi", "mig", "tak", "ogsa"],
    "pl": ["nie", "i", "w", "na", "z", "sie", "to", "jest", "ze", "do", "ale", "jak", "tak",
           "czesc", "mam", "juz", "mnie", "ten", "dla", "od", "tym", "bede"],
}
_HINTS = {"es": "ñ¿¡", "pt": "ãõç", "de": "ß", "pl": "łąęśżźćń", "da": "øæ", "sv": "",
          "it": "", "fr": "", "nl": "", "en": ""}

CATEGORIES: dict[str, L] = {
    "accept_idiom": ACCEPT_IDIOM, "accept_strong": ACCEPT_STRONG, "accept": ACCEPT,
    "commit": COMMIT, "yes": YES, "ok": OK, "wish": WISH, "decline": DECLINE,
    "decline_weak": DECLINE_WEAK, "regret": REGRET, "reject": REJECT, "hedge": HEDGE,
    "hedge_weak": HEDGE_WEAK, "condition": CONDITION, "polite_if": POLITE_IF, "defer": DEFER,
    "ack": ACK, "precommit": PRECOMMIT, "info_need": INFO_NEED, "correction": CORRECTION,
    "alt": ALT, "not_before": NOT_BEFORE, "works": WORKS, "scope_except": SCOPE_EXCEPT,
    "scope_only": SCOPE_ONLY, "scope_part": SCOPE_PART, "redirect": REDIRECT,
    "future_ref": FUTURE_REF, "absence": ABSENCE, "mixed": MIXED, "postpone": POSTPONE,
    "return": RETURN, "past_ref": PAST_REF, "substitute": SUBSTITUTE, "contrast": CONTRAST,
    "negator": NEGATOR, "post_negator": POST_NEGATOR, "question_lead": QUESTION_LEAD,
    "closing": CLOSING,
}


def _fragment(phrase: str) -> str:
    """A lexicon phrase as a regex on folded text: a space matches any blanks; "ae" and "ss"
    also match "æ" and "ß", which folding keeps (one character must stay one character)."""
    body = fold(phrase)
    body = body.replace(" ", r"\s+").replace("ae", "(?:ae|æ)").replace("ss", "(?:ss|ß)")
    body = re.sub(r"(?<=[a-z])'(?=[a-z])", "'?", body)
    return body


def _compile(phrases: list[str]) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """(anywhere, clause-start-only) patterns of ``phrases``."""
    free = [_fragment(p) for p in phrases if not p.startswith("^")]
    start = [_fragment(p[1:]) for p in phrases if p.startswith("^")]

    def build(parts: list[str]) -> re.Pattern[str] | None:
        if not parts:
            return None
        parts.sort(key=len, reverse=True)
        return re.compile(rf"(?<![\w'])(?:{'|'.join(parts)})(?![\w'])")

    return build(free), build(start)


@lru_cache(maxsize=None)
def patterns(category: str, langs: frozenset[str]) -> tuple[re.Pattern[str] | None,
                                                             re.Pattern[str] | None]:
    """The (anywhere, clause-start-only) patterns of ``category`` in ``langs``."""
    table = CATEGORIES[category]
    phrases: list[str] = []
    for lang in LANGUAGES:
        if lang in langs:
            phrases.extend(table.get(lang, []))
    return _compile(list(dict.fromkeys(phrases)))


@lru_cache(maxsize=None)
def word_set(category: str, langs: frozenset[str]) -> frozenset[str]:
    table = CATEGORIES[category]
    return frozenset(fold(w) for lang in langs for w in table.get(lang, []))


# Words of the calendar, by language: strong evidence of the language of a short reply.
CALENDAR_WORDS: L = {
    "en": ["monday", "tuesday", "wednesday", "thursday", "friday", "tomorrow", "week", "december",
           "january"],
    "de": ["montag", "dienstag", "mittwoch", "donnerstag", "freitag", "morgen", "woche",
           "dezember", "januar"],
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "demain", "semaine", "decembre",
           "janvier"],
    "es": ["lunes", "martes", "miercoles", "jueves", "viernes", "manana", "semana", "diciembre",
           "enero"],
    "it": ["lunedi", "martedi", "mercoledi", "giovedi", "venerdi", "domani", "settimana",
           "dicembre", "gennaio"],
    "pt": ["segunda", "terca", "quarta", "quinta", "sexta", "amanha", "semana", "dezembro",
           "janeiro", "feira"],
    "nl": ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "morgen", "week", "december",
           "januari"],
    "sv": ["mandag", "tisdag", "onsdag", "torsdag", "fredag", "imorgon", "vecka", "december",
           "januari"],
    "da": ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "morgen", "uge", "december",
           "januar"],
    "pl": ["poniedzialek", "wtorek", "sroda", "srode", "czwartek", "piatek", "jutro", "tydzien",
           "grudnia", "grudzien", "stycznia"],
}
# Categories whose phrases say which language a reply is in (short, shared words excluded).
_TELLING = ("accept_idiom", "accept_strong", "accept", "commit", "wish", "decline", "reject",
            "hedge", "hedge_weak", "defer", "ack", "precommit", "info_need", "alt",
            "not_before", "scope_except", "absence", "future_ref", "correction",
            "decline_weak", "closing")


def rank_languages(text: str) -> list[tuple[str, float]]:
    """Languages by how much of ``text`` they explain: function words, calendar words, letters
    and cue phrases."""
    text = text[:4000]   # the opening of a reply tells its language
    folded = fold(text)
    words = re.findall(r"[\w']+", folded)
    lowered = text.lower()
    scores = {}
    for lang in LANGUAGES:
        score = sum(1.0 for w in words if w in _STOP_SETS[lang])
        score += sum(1.0 for w in words if w in _CALENDAR_SETS[lang])
        score += 2 * sum(lowered.count(c) for c in _HINTS[lang])
        for category in _TELLING:
            free, start = patterns(category, frozenset({lang}))
            for pattern in (free, start):
                if pattern is not None:
                    score += 1.5 * sum(1 for m in pattern.finditer(folded)
                                       if len(m.group()) > 3)
        scores[lang] = score
    return sorted(scores.items(), key=lambda item: item[1], reverse=True)


def detect_languages(text: str) -> frozenset[str]:
    """The likely language(s) of ``text``: the best one, any other that scores nearly as well,
    and English (which colleagues mix into every language). All languages when nothing
    tells."""
    return languages_from_ranking(rank_languages(text))


def languages_from_ranking(ranked: list[tuple[str, float]]) -> frozenset[str]:
    """:func:`detect_languages` from a ranking already made."""
    best, top = ranked[0]
    if top <= 0:
        return frozenset(LANGUAGES)
    chosen = {best, "en"}
    for lang, score in ranked[1:]:
        if score > 0 and score >= top * 0.6:
            chosen.add(lang)
    return frozenset(chosen)


def negators(langs: frozenset[str], primary: str | None) -> frozenset[str]:
    """Negation words of ``langs``, without those that are ordinary function words of the
    primary language (Portuguese "no" = "in the", Italian "ne" = "of it")."""
    words = word_set("negator", langs)
    if primary:
        own = word_set("negator", frozenset({primary}))
        words = frozenset(w for w in words if w in own or w not in _STOP_SETS[primary])
    return words


_STOP_SETS = {lang: frozenset(fold(w) for w in STOPWORDS[lang]) for lang in LANGUAGES}
_CALENDAR_SETS = {lang: frozenset(CALENDAR_WORDS[lang]) for lang in LANGUAGES}
