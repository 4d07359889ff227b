"""The words mail clients write around quoted history, in many languages, as regular expressions.

Only vocabulary lives here (no decisions): the verbs of attribution lines ("wrote", "schrieb",
"a écrit", "написал", "写道" ...), the words that open them ("On", "Am", "Le" ...), the field
names of forwarded / replied header blocks ("From:", "Von:", "差出人:" ...), the titles of
separator lines ("Original Message", "Ursprüngliche Nachricht" ...), mobile-client footers
("Sent from my iPhone", "Von meinem iPhone gesendet" ...) and the terms of legal disclaimers.

Covered at least: English, German, French, Spanish, Italian, Portuguese, Dutch, Swedish, Danish,
Norwegian, Polish, Russian, Ukrainian, Czech, Finnish, Hungarian, Turkish, Greek, Japanese,
Chinese and Korean. :mod:`.extract` decides with them.
"""

from __future__ import annotations

import re


def _alternatives(words: str) -> str:
    """``"a|b c"`` -> a regex alternation where a space matches any run of blanks."""
    return "|".join(re.escape(w.strip()).replace(r"\ ", r"\s+")
                    for w in sorted(words.split("|"), key=len, reverse=True) if w.strip())


# Verbs ending an attribution: "..., Riley <r@x> wrote:". Latin words need word boundaries.
VERBS = _alternatives(
    "wrote|writes|has written|schrieb|schreibt|hat geschrieben|a écrit|a ecrit|écrit|escribió"
    "|escribio|ha escrito|escrito|ha scritto|scrisse|escreveu|schreef|het volgende geschreven"
    "|geschreven|skrev|skriver|napisał(a)|napisał|napisała|napisal|pisze|kirjoitti|napsal(a)"
    "|napsal|napsala|napísal|írta|yazdı|έγραψε|a scris|menulis|đã viết|написал(а)|написал"
    "|написала|пишет|написав|написала|пише")
VERBS_CJK = _alternatives("写道|寫道|写了|寫了|のメール|が書きました|書きました|님이 작성|작성")
# Words opening an attribution: "On ...", "Am ...", "Le ...", "Il giorno ...", "W dniu ...".
OPENERS = _alternatives(
    "on|am|le|el|il giorno|il|op|em|den|på|w dniu|dnia|dne|v|в|у|στις|pada|vào|el día|le jour|在|於")

# Field names of a quoted header block, by field. Matched at the start of a line, before ":".
FIELDS = {
    "from": "from|von|de|da|van|från|fra|od|от|від|lähettäjä|feladó|kimden|από|差出人|送信者"
            "|发件人|發件人|寄件者|寄件人|보낸 사람|odesílatel|afzender|remetente|expéditeur"
            "|absender|nadawca|відправник|отправитель|mittente|remitente|de la|من|מאת|từ|dari|จาก"
            "|izpratil|от кого",
    "date": "sent|date|gesendet|datum|envoyé|envoyé le|enviado|enviada|enviado el|enviado em"
            "|fecha|inviato|data|verzonden|skickat|sendt|wysłano|wysłane|отправлено|дата"
            "|надіслано|lähetetty|päivämäärä|elküldve|dátum|gönderildi|tarih|στάλθηκε"
            "|ημερομηνία|送信日時|日付|发送时间|發送時間|日期|寄件日期|时间|時間|보낸 날짜|날짜"
            "|odesláno|sent at|gesendet am|trimis|poslano|poslato|odoslané|изпратено|التاريخ"
            "|أرسل|تاريخ الإرسال|נשלח|תאריך|đã gửi|ngày|dikirim|tanggal|ส่ง|วันที่|wann",
    "to": "to|an|à|a|para|aan|till|til|do|кому|komu|vastaanottaja|címzett|kime|προς|宛先"
          "|收件人|收件者|받는 사람|destinatario|destinataire|empfänger|adresat|către|za|prima"
          "|до|إلى|אל|đến|kepada|ถึง",
    "cc": "cc|kopia|kopi|копия|копія|kopie|抄送|副本|참조|dw|bcc|ccn|cco|másolat|bilgi",
    "subject": "subject|betreff|objet|asunto|oggetto|assunto|onderwerp|ämne|emne|temat|тема"
               "|aihe|tárgy|konu|θέμα|件名|主题|主旨|제목|předmět|sujet|tema|subiect|predmet"
               "|относно|الموضوع|נושא|chủ đề|perihal|subjek|เรื่อง",
    "reply-to": "reply-to|reply to|antwort an|répondre à|responder a|risposta|rispondi a"
                "|beantwoorden|svara till|svar til|odpowiedz do|responder para",
}
FIELD = {name: _alternatives(words) for name, words in FIELDS.items()}

# Titles of separator lines: "-----Original Message-----", "Begin forwarded message:".
SEPARATOR_TITLES = _alternatives(
    "original message|forwarded message|reply message|message d'origine|message original"
    "|message transféré|message réexpédié|ursprüngliche nachricht|originalnachricht"
    "|original-nachricht|weitergeleitete nachricht|mensaje original|mensaje reenviado"
    "|messaggio originale|messaggio inoltrato|mensagem original|mensagem encaminhada"
    "|mensagem reencaminhada|oorspronkelijk bericht|origineel bericht|doorgestuurd bericht"
    "|originalmeddelande|ursprungligt meddelande|vidarebefordrat meddelande"
    "|oprindelig meddelelse|original meddelelse|videresendt meddelelse|opprinnelig melding"
    "|videresendt melding|wiadomość oryginalna|oryginalna wiadomość|przekazana wiadomość"
    "|wiadomość przekazana dalej|исходное сообщение|пересылаемое сообщение"
    "|пересланное сообщение|оригінальне повідомлення|переслане повідомлення"
    "|alkuperäinen viesti|välitetty viesti|původní zpráva|přeposlaná zpráva|eredeti üzenet"
    "|továbbított üzenet|orijinal ileti|iletilen ileti|özgün ileti|αρχικό μήνυμα"
    "|προωθημένο μήνυμα|元のメッセージ|転送されたメッセージ|原始邮件|原始郵件|转发的邮件"
    "|已转发邮件|轉寄的郵件|원본 메시지|전달된 메시지|reply separator|original appointment"
    "|ursprünglicher termin|rendez-vous d'origine|cita original|appuntamento originale"
    "|oorspronkelijke afspraak|mesaj original|mesaj redirecționat|izvorna poruka"
    "|proslijeđena poruka|původní schůzka|oryginalny termin")
FORWARD_OPENERS = _alternatives(
    "begin forwarded message|anfang der weitergeleiteten nachricht"
    "|début du message réexpédié|début du message transféré|début du message réenvoyé"
    "|inicio del mensaje reenviado|comienzo del mensaje reenviado|inizio messaggio inoltrato"
    "|início da mensagem reencaminhada|início da mensagem encaminhada"
    "|begin doorgestuurd bericht|vidarebefordrat mejl|start på videresendt besked"
    "|videresendt melding|początek przekazywanej wiadomości|начало переадресованного сообщения"
    "|начало пересылаемого сообщения|välitetty viesti alkaa|転送されたメッセージ"
    "|以下是转发的邮件|转发的邮件|轉寄的郵件")

# Mobile and webmail footers: "Sent from my iPhone", "Envoyé de mon iPad", "iPhoneから送信".
_SENT = ("sent|envoyé|envoye|expédié|enviado|enviada|inviato|verzonden|verstuurd|gestuurd"
         "|gesendet|versendet|sendt|skickat|wysłane|wysłano|отправлено|надіслано|lähetetty"
         "|odesláno|odoslané|poslano|trimis|elküldve|gönderildi|скинуто")
_BY = ("from|by|via|with|using|on|de|depuis|desde|do|da|dal|dalla|vanaf|met|van|von|mit|fra"
       "|från|z|ze|с|со|з|iz")
# What such a footer names: "my ...", a device, a mail app.
_DEVICE = (r"my|mon|ma|mi|meu|minha|mijn|min|mitt|mein|meinem|meiner|il mio|dal mio|mój|mojego"
           r"|moim|мой|моего|моём|моем|iphone|ipad|ipod|android|blackberry"
           r"|samsung|galaxy|huawei|xiaomi|pixel|nokia|motorola|sony|htc|lg|oneplus|windows"
           r"|mail|e-?mail|outlook|gmail|yahoo|aol|airmail|spark|mailbox|newton|edison|proton"
           r"|protonmail|tutanota|zoho|fastmail|k-9|fairemail|bluemail|superhuman|hey|mobile"
           r"|phone|tablet|device|handy|smartphone|cellphone|cell|portable|móvil|movil|celular"
           r"|telefone|telefon|téléphone|cellulare|telefono|mobil|mobiel|mobiltelefon"
           r"|телефон|мобильного|web|webmail")
MOBILE_FOOTER = (
    rf"^\W*(?:{_SENT})\s+(?:{_BY})\s+(?=\W*(?:(?:a|an|un|une|uno|una)\s+)?(?:{_DEVICE})\b)"
    r"(?:\S+\s*){1,12}$"
    r"|^\W*(?:von|vom|mit) meine[mnrs]? .{1,60}(?:gesendet|versendet)\W*$"
    r"|^\W*diese (?:nachricht|e-?mail) wurde (?:von|mit|über) .{0,80}(?:gesendet|versendet)"
    r"|^\W*(?:get|download|obtenir|descargar|scarica|baixe|holen sie sich) outlook (?:for|pour"
    r"|para|per|für)\b"
    r"|^\W*(?:from|de|desde) (?:my|mon|mi|meu) (?:iphone|ipad|android|mobile|phone|smartphone"
    r"|blackberry|samsung|galaxy)\b(?:\s*\S+){0,2}\W*$"
    r"|^\W*(?:sent by|envoyé par) (?:my )?(?:galaxy|iphone|ipad|android|samsung|phone|mobile)"
    r"\W*$"
    r"|^\W*.{0,40}(?:iphone|ipad|android|モバイル|携帯|手机|手機|mobile).{0,20}(?:から送信|より送信)\W*$"
    r"|^\W*(?:从|從|发自|發自|来自|來自)我的.{0,40}$"
    r"|^\W*.{0,30}(?:iphone|ipad|android)\S*\s*(?:gönderildi|lähetetty|送信)\W*$"
    r"|^\W*lähetetty (?:iphonesta|ipadista|androidista|mobiilista)\b")

# Legal disclaimers: a paragraph holding two or more of these terms (or opening with a notice).
DISCLAIMER_TERMS = (
    r"confidential|privileged|intended recipient|intended solely|intended only|not the intended"
    r"|addressee|in error|erroneously|delete (?:it|this|the)|destroy|prohibited|strictly"
    r"|unauthori[sz]ed|disclos|liab(?:le|ility)|legally|vertraulich|irrtümlich|empfänger|löschen"
    r"|untersagt|unbefugt|confidentiel|destinataire|par erreur|supprimer|interdit|confidencial"
    r"|destinatario|por error|eliminar|prohibid|riservat|confidenzial|per errore|cancell"
    r"|vietat|destinatário|proibid|vertrouwelijk|geadresseerde|abusievelijk|verwijder"
    r"|konfidentiell|mottagare|fortrolig|modtager|poufn|adresat|omyłkowo|usunąć"
    r"|конфиденциальн|получател|по ошибке|удалит|機密|秘密|宛先以外|誤って|削除|机密|保密|收件人|删除"
    r"|registered (?:in|office|number)|company (?:registration|number|no)|views or opinions"
    r"|views expressed|solely those|(?:accept|assume)s? (?:no|any) (?:liability|responsibility)"
    r"|binding|contract|handelsregister|amtsgericht|registergericht|sitz der gesellschaft"
    r"|geschäftsführ|haftung|siret|capital social|responsabilit|uitsluitend bestemd|verboden"
    r"|aansprakelijk|kvk|ansvar|odpowiedzialnoś|responsabilidad|exclusivamente"
    r"|esclusivamente|ausschließlich|exclusivement|uniquement")
DISCLAIMER_OPENERS = (
    r"^\W*(?:confidentiality (?:notice|note|statement|warning)|disclaimer|legal notice"
    r"|important notice|privileged (?:and|&) confidential|this (?:e-?mail|message|communication"
    r"|transmission)[^.]{0,80}(?:confidential|privileged|intended)|the information (?:contained"
    r"|transmitted|in this)|if you (?:are not|have received this)|please consider the environment"
    r"|think before you print|avis de confidentialité|aviso de confidencialidad"
    r"|vertraulichkeitshinweis|hinweis:? diese e-?mail)")
# Virus-scanner footers: "This email has been scanned for viruses", "... risultato non infetto".
SCANNED = (r"^\W*(?:this|the|questo|diese|dieser|ce|este|esta|deze|detta|ten|tento)\b.{0,60}"
           r"(?:e-?mail|message|messaggio|nachricht|courriel|mensaje|mensagem|bericht"
           r"|meddelande|wiadomość|zpráva)\b.{0,120}(?:virus|malware|infett|infecté|infectad)"
           r"|\b(?:anti-?virus|antivirus)\b.{0,60}\b(?:checked|scanned|geprüft|vérifié|verificado)")

# A quoted request line about when to *answer* ("Please answer by Fri 4 Dec", "Bitte antworte
# bis ..."): its date is the reply deadline, never the day the work is due.
ANSWER_LINE = (
    r"\b(?:answer|answers|answering|reply|replies|respond|response|rsvp|antwort|antworte"
    r"|antworten|rückmeldung|ruckmeldung|réponse|reponse|répondre|repondre|réponds|reponds"
    r"|respuesta|responde|responder|risposta|rispondi|rispondere|resposta|responda|antwoord"
    r"|antwoorden|svar|svara|svare|odpowiedź|odpowiedz|odpowiedzi)\b")
