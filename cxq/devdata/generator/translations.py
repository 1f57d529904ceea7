"""The Spanish, Dutch and German packs: two scenarios each (double charge, dropping connection), so a
few transcripts are really in those languages and language detection has something to do."""

from __future__ import annotations

from cxq.devdata.generator.templates import EN, Pack, Scenario, _o

ES = Pack(
    greeting=(
        "Gracias por llamar a {company}, le atiende {agent}. ¿En qué puedo ayudarle?",
        "Buenos días, {company}, soy {agent}. ¿Cómo puedo ayudarle hoy?",
    ),
    greeting_chat=("Hola {customer}, gracias por contactar con {company}. Soy {agent}, ¿en qué puedo ayudarle?",),
    greeting_outbound=("Hola, ¿hablo con {customer_full}? Le llamo de {company}, soy {agent}.",),
    answer_outbound=("Sí, soy yo.",),
    disclosure=("Le informo de que esta llamada se graba con fines de calidad y formación.",),
    identity=(
        (
            "Antes de continuar, ¿me puede confirmar su nombre completo y su fecha de nacimiento?",
            "Sí, soy {customer_full}, nací el {dob}.",
            "Gracias, ya he verificado sus datos.",
        ),
    ),
    hold=(
        "¿Le importa si le pongo en espera un momento mientras lo compruebo?",
        "Claro, sin problema.",
        "Gracias por esperar, {customer}.",
    ),
    checking=("Un momento, lo estoy comprobando.",),
    complaint=(
        "La verdad es que esto es inaceptable, es la tercera vez que llamo.",
        "Estoy muy harto, quiero poner una reclamación.",
    ),
    empathy=("Lamento mucho las molestias, entiendo perfectamente su frustración.",),
    anything_else=("¿Puedo ayudarle en algo más?",),
    no_thanks=("No, eso es todo, gracias.",),
    goodbye=("Gracias por llamar a {company}, que tenga un buen día.",),
    goodbye_chat=("Gracias por escribirnos, {customer}. ¡Que tenga un buen día!",),
    fillers=("eh", "pues", "o sea", "bueno"),
    email=(
        "Hola:",
        "Un saludo, {customer_full}",
        "Estimado/a {customer}, gracias por su correo.",
        "Atentamente, {agent}, Atención al Cliente de {company}",
    ),
    voicemail="Hola, soy {agent} de {company}. Le llamamos por su cuenta; por favor, devuélvanos la llamada.",
    generic=(
        ("¿Desde cuándo le pasa esto?", "Desde hace una semana, más o menos."),
        ("De acuerdo, lo anoto en su ficha.", "Gracias."),
        ("¿Quiere que le envíe un resumen por correo electrónico?", "Sí, por favor."),
    ),
    scenarios=(
        Scenario(
            "double_charge",
            "Billing",
            ("Billing", "Refund"),
            ("Hola, me han cobrado dos veces la factura de este mes, {amount} dos veces.",),
            (
                ("Vamos a ver, estoy revisando los pagos de su cuenta.", "Vale, gracias."),
                ("Sí, veo dos cargos de {amount} el mismo día.", "Eso es, lo veo en mi extracto del banco."),
            ),
            (
                _o(
                    "Refund issued",
                    True,
                    1,
                    ["Le he tramitado el reembolso de {amount}; lo verá en su cuenta en tres a cinco días laborables."],
                    ["Perfecto, muchas gracias."],
                ),
            ),
        ),
        Scenario(
            "internet_drops",
            "Technical support",
            ("Outage",),
            ("Mi conexión a internet se corta cada hora más o menos.",),
            (
                ("¿Qué luces ve en el router?", "La luz de internet parpadea en rojo."),
                (
                    "¿Puede reiniciar el router? Desenchúfelo, espere treinta segundos y vuelva a enchufarlo.",
                    "Vale, un momento... ya se está encendiendo.",
                ),
            ),
            (
                _o(
                    "Resolved",
                    True,
                    2,
                    ["He restablecido el perfil de su línea; la conexión debería ser estable ahora."],
                    ["Ya funciona, gracias."],
                ),
                _o(
                    "Callback scheduled",
                    False,
                    1,
                    ["Le he reservado la visita de un técnico para el jueves."],
                    ["De acuerdo."],
                ),
            ),
        ),
    ),
)

NL = Pack(
    greeting=(
        "Goedemorgen, u spreekt met {agent} van {company}. Waarmee kan ik u helpen?",
        "Bedankt voor het bellen naar {company}, u spreekt met {agent}. Wat kan ik voor u doen?",
    ),
    greeting_chat=("Hallo {customer}, welkom bij de chat van {company}. Ik ben {agent}, waarmee kan ik helpen?",),
    greeting_outbound=("Goedemiddag, spreek ik met {customer_full}? U spreekt met {agent} van {company}.",),
    answer_outbound=("Ja, daar spreekt u mee.",),
    disclosure=("Dit gesprek wordt opgenomen voor kwaliteits- en trainingsdoeleinden.",),
    identity=(
        (
            "Mag ik voor de controle uw postcode en geboortedatum?",
            "Ja, dat is {postcode} en ik ben geboren op {dob}.",
            "Dank u wel, uw gegevens kloppen.",
        ),
    ),
    hold=(
        "Mag ik u even in de wacht zetten terwijl ik dit nakijk?",
        "Ja hoor, geen probleem.",
        "Bedankt voor het wachten, {customer}.",
    ),
    checking=("Een moment, ik kijk het even voor u na.",),
    complaint=(
        "Ik vind dit echt onacceptabel, ik bel hier nu al voor de derde keer over.",
        "Ik wil een klacht indienen.",
    ),
    empathy=("Dat spijt me echt, ik begrijp heel goed dat dit frustrerend is.",),
    anything_else=("Kan ik u verder nog ergens mee helpen?",),
    no_thanks=("Nee, dat was het, bedankt.",),
    goodbye=("Bedankt voor het bellen en nog een fijne dag!",),
    goodbye_chat=("Bedankt voor het chatten, {customer}. Fijne dag nog!",),
    fillers=("eh", "nou", "dus", "zeg maar"),
    email=(
        "Beste,",
        "Met vriendelijke groet, {customer_full}",
        "Beste {customer}, bedankt voor uw e-mail.",
        "Met vriendelijke groet, {agent}, Klantenservice {company}",
    ),
    voicemail="Goedendag, u spreekt met {agent} van {company}. Wilt u ons terugbellen? Dank u wel.",
    generic=(
        ("Sinds wanneer speelt dit?", "Sinds een week ongeveer."),
        ("Ik maak er even een notitie van in uw dossier.", "Dank u."),
        ("Zal ik u een samenvatting per e-mail sturen?", "Ja, graag."),
    ),
    scenarios=(
        Scenario(
            "double_charge",
            "Billing",
            ("Billing", "Refund"),
            ("Hallo, er is deze maand twee keer {amount} van mijn rekening afgeschreven.",),
            (
                ("Ik kijk even naar de betalingen op uw account.", "Oké, dank u."),
                (
                    "Ik zie inderdaad twee afschrijvingen van {amount} op dezelfde dag.",
                    "Ja, dat zie ik ook op mijn bankafschrift.",
                ),
            ),
            (
                _o(
                    "Refund issued",
                    True,
                    1,
                    [
                        "Ik heb het bedrag van {amount} teruggestort; u ziet het binnen drie "
                        "tot vijf werkdagen terug op uw rekening."
                    ],
                    ["Top, heel erg bedankt."],
                ),
            ),
        ),
        Scenario(
            "internet_drops",
            "Technical support",
            ("Outage",),
            ("Mijn internetverbinding valt steeds weg, ongeveer elk uur.",),
            (
                ("Welke lampjes ziet u op de router?", "Het internetlampje knippert rood."),
                (
                    "Kunt u de router even opnieuw opstarten? Stekker eruit, dertig seconden wachten en weer terug.",
                    "Oké, momentje... hij gaat weer aan.",
                ),
            ),
            (
                _o(
                    "Resolved",
                    True,
                    2,
                    ["Ik heb het profiel van uw lijn gereset; de verbinding zou nu stabiel moeten zijn."],
                    ["Het lampje is groen, bedankt!"],
                ),
                _o(
                    "Callback scheduled",
                    False,
                    1,
                    ["Ik heb een monteur voor u ingepland op donderdag."],
                    ["Prima."],
                ),
            ),
        ),
    ),
)

DE = Pack(
    greeting=(
        "Guten Tag, Sie sprechen mit {agent} von {company}. Wie kann ich Ihnen helfen?",
        "Vielen Dank für Ihren Anruf bei {company}, mein Name ist {agent}. Was kann ich für Sie tun?",
    ),
    greeting_chat=("Hallo {customer}, willkommen im Chat von {company}. Ich bin {agent}, wie kann ich helfen?",),
    greeting_outbound=("Guten Tag, spreche ich mit {customer_full}? Hier ist {agent} von {company}.",),
    answer_outbound=("Ja, am Apparat.",),
    disclosure=("Dieses Gespräch wird zu Qualitäts- und Schulungszwecken aufgezeichnet.",),
    identity=(
        (
            "Zur Sicherheit: Können Sie mir bitte Ihre Postleitzahl und Ihr Geburtsdatum nennen?",
            "Ja, {postcode}, geboren am {dob}.",
            "Danke schön, Ihre Daten sind bestätigt.",
        ),
    ),
    hold=(
        "Darf ich Sie kurz in die Warteschleife legen, während ich das prüfe?",
        "Ja, natürlich.",
        "Danke fürs Warten, {customer}.",
    ),
    checking=("Einen Moment, ich schaue das gerade nach.",),
    complaint=(
        "Das ist wirklich inakzeptabel, ich rufe jetzt schon zum dritten Mal deswegen an.",
        "Ich möchte mich beschweren.",
    ),
    empathy=("Das tut mir wirklich leid, ich verstehe Ihren Ärger vollkommen.",),
    anything_else=("Kann ich sonst noch etwas für Sie tun?",),
    no_thanks=("Nein, das war alles, danke.",),
    goodbye=("Vielen Dank für Ihren Anruf und einen schönen Tag noch!",),
    goodbye_chat=("Danke für Ihre Nachricht, {customer}. Einen schönen Tag noch!",),
    fillers=("äh", "ähm", "also", "halt"),
    email=(
        "Guten Tag,",
        "Mit freundlichen Grüßen, {customer_full}",
        "Hallo {customer}, vielen Dank für Ihre E-Mail.",
        "Mit freundlichen Grüßen, {agent}, {company} Kundenservice",
    ),
    voicemail="Guten Tag, hier ist {agent} von {company}. Bitte rufen Sie uns zurück. Vielen Dank.",
    generic=(
        ("Seit wann haben Sie das Problem?", "Seit ungefähr einer Woche."),
        ("Gut, ich notiere das in Ihrem Kundenkonto.", "Danke."),
        ("Soll ich Ihnen eine Zusammenfassung per E-Mail schicken?", "Ja, gerne."),
    ),
    scenarios=(
        Scenario(
            "double_charge",
            "Billing",
            ("Billing", "Refund"),
            ("Hallo, mir wurde die Rechnung diesen Monat zweimal abgebucht, zweimal {amount}.",),
            (
                ("Ich schaue mir die Zahlungen auf Ihrem Konto an.", "Okay, danke."),
                (
                    "Ja, ich sehe zwei Abbuchungen über {amount} am selben Tag.",
                    "Genau, das sehe ich auch auf meinem Kontoauszug.",
                ),
            ),
            (
                _o(
                    "Refund issued",
                    True,
                    1,
                    [
                        "Ich habe Ihnen die {amount} erstattet; das Geld ist in drei bis fünf "
                        "Werktagen wieder auf Ihrem Konto."
                    ],
                    ["Super, vielen Dank."],
                ),
            ),
        ),
        Scenario(
            "internet_drops",
            "Technical support",
            ("Outage",),
            ("Meine Internetverbindung bricht ständig ab, ungefähr jede Stunde.",),
            (
                ("Welche Lampen leuchten an Ihrem Router?", "Die Internet-Lampe blinkt rot."),
                (
                    "Könnten Sie den Router bitte neu starten? Stecker ziehen, dreißig Sekunden "
                    "warten und wieder einstecken.",
                    "Okay, Moment... er startet gerade wieder.",
                ),
            ),
            (
                _o(
                    "Resolved",
                    True,
                    2,
                    ["Ich habe Ihr Leitungsprofil zurückgesetzt; die Verbindung sollte jetzt stabil sein."],
                    ["Jetzt leuchtet sie grün, danke!"],
                ),
                _o(
                    "Callback scheduled",
                    False,
                    1,
                    ["Ich habe einen Techniker-Termin am Donnerstag für Sie gebucht."],
                    ["In Ordnung."],
                ),
            ),
        ),
    ),
)


PACKS: dict[str, Pack] = {"en": EN, "es": ES, "nl": NL, "de": DE}
