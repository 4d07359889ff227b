"""The intent of a person's own words: accept, decline, tentative, counter, question or unclear.

How the words are read:

1. **Clean up.** A sign-off ("Best regards", "Viele Grüße", "Pozdrawiam") and what follows it,
   trailing signature blocks and disclaimers, and stray quoted lines are dropped.
2. **Language.** The language(s) are guessed from function words, calendar words, letters and
   cue phrases (:func:`.languages.detect_languages`); the cue phrases of those languages
   and of English are used, and negation words of a second language that are ordinary words
   of the first (Portuguese "no" = "in the") are not negations.
3. **Structure.** The text is split into paragraphs, sentences, *segments* (a sentence cut at
   "but / aber / mais / pero / ma / mas / maar / men / ale", a dash or a colon) and *clauses*
   (segments cut at commas). A sentence with a question mark is a question.
4. **Cues.** Phrases of every category of the language files (:mod:`..intent_lexicon`) are found on folded text, in
   an order that lets compound phrases win over their parts: questions asked before deciding
   ("before I commit"), courtesy conditions ("if that helps"), positive idioms that contain a
   negative word ("no problem", "can't say no", "no reason I can't"), wishes ("I'd love to"),
   deferrals, hedges ("can't promise", "let me see what I can do"), acknowledgements ("got it",
   "take a look"), refusals and, last, the positive phrases. Each phrase found is masked, so
   its words count once.
5. **Negation scope.** A positive phrase is negated by a negation word inside it, among the
   three words before it in its clause, or trailing it within four words ("passt mir leider
   gar nicht"); a refusal after "never" / "nothing" ("never one to turn down") is no refusal.
6. **Evidence.** Positive phrases count only when they answer this request: not negated, not
   inside the asking part of a question, not about another occasion ("next time", "last
   time"). Refusals likewise. Hedges, conditions (courtesy ones such as "if that helps"
   excluded), deferrals, questions, acknowledgements and wishes are collected beside them.
7. **Decision**, in this order (the first rule that applies answers):

   - a yes taken back ("Yes. Actually, no.") or "yes and no" -> unclear;
   - another date or time (:mod:`.proposals`) -> counter with ``proposed_date``: a date next
     to "instead / how about / statt / plutôt / en su lugar / invece / not before / erst", a
     date that "works", a date offered after the asked one (or the request) was refused, a bare
     date asked as a question ("And Friday?"), a deadline later than the asked one; a date in
     the same clause as a refusal, after "instead of", or inside an absence ("I'm out until
     the 14th") is refused, not offered. A vague period ("next week", "erst im Januar") or a
     time of day is a counter without a date; so is "postpone" / "push it a week" or
     "instead" after a yes;
   - a reduced scope -> counter: "I can do X but not Y", "only X", "X yes, Y no", a commitment
     naming one task beside a refusal or hand-off naming another ("Den Fragebogen übernehme
     ich, beim Call kann ich nicht"), yes and no given as separate inline answers;
   - ACCEPT / DECLINE written on the first line or in capitals -> that answer;
   - a question asked before deciding ("before I commit", "I can't decide without") ->
     question;
   - a yes and a no with nothing to tell them apart -> unclear;
   - a hedge, a condition on the yes, "will confirm later", or a weak hedge ("should be
     fine") not outweighed by a firm commitment elsewhere -> tentative; a question whose
     answer decides ("Is it the full SIG? If it's lite, I'm happy to take it") stays a
     question;
   - a wish taken back ("I'd love to, but ...") -> decline;
   - a yes and a no: "yes ... but can't" -> decline, "can't X, but happy to do Y" -> counter;
   - a refusal -> decline; positive evidence -> accept (with the checks below); a warm wish
     alone ("I'd love to!") -> accept; a question -> question; several weak refusals
     ("unfortunately", "I'm away", "sorry") -> decline; otherwise unclear.

   An accept is withdrawn (unclear) when a "but" part after the yes carries a negation, a
   regret, an absence or a hand-off ("Yes, but not this week", "Sure, but I'm out"), and
   when the only yes is a bare "yes" next to "will look" / "received".

Every answer has a confidence from the strength of its evidence (an explicit commitment
counts more than a bare "yes", each further independent cue adds a little, a side question or
a regret takes a little away). :func:`classify` applies the thresholds in one place: an accept
below :data:`ACCEPT_MIN`, or any answer below :data:`DECIDE_MIN`, is returned as ``unclear``
with a confidence below :data:`DECIDE_MIN`. A false *accept* is the worst error Followthru can
make, so accept needs positive evidence that is not negated, not conditional, not limited in
scope and not taken back.

The steps are modules of this package: :mod:`.cleaning` (1, and the opening greeting),
:mod:`.languages` (2), :mod:`.structure` (3), :mod:`.cues` (4, 5), :mod:`.evidence` (6),
:mod:`.counters` and :mod:`.decision` (7); :mod:`.reading` holds what they share and
:mod:`.words` the classifier's vocabulary, compiled once.
"""

from followthru.replies.classify.decision import classify
from followthru.replies.classify.reading import ACCEPT_MIN, DECIDE_MIN, Verdict

__all__ = ["ACCEPT_MIN", "DECIDE_MIN", "Verdict", "classify"]
