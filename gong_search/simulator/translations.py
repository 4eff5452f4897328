"""A few calls are held in Spanish, French or German: a small phrase set per intent.

A non-English call keeps its speakers, timings and intent labels; only each sentence's text is
replaced by a phrase of the same intent in the call's language (ISO 639-2/B codes, as Gong
writes ``metaData.language``). Competitor and product names stay as they are, so the
Competitors tracker still fires on them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from .language import COMPETITORS

LANGUAGES = ("spa", "fre", "ger")

PHRASES: dict[str, dict[str | None, tuple[str, ...]]] = {
    "spa": {
        None: (
            "¿Me escuchan bien?",
            "Perfecto, compartiré mi pantalla.",
            "Gracias por su tiempo hoy.",
            "Eso tiene sentido.",
            "¿Pueden repetir la última parte?",
        ),
        "pricing_pushback": (
            "El precio está muy por encima de lo que presupuestamos.",
            "Necesitaríamos un descuento del veinte por ciento.",
        ),
        "competitor": (
            "También estamos evaluando {competitor}.",
            "¿Cómo se comparan con {competitor}?",
        ),
        "security": (
            "Necesitamos el informe SOC 2 antes de firmar.",
            "Nuestro equipo de seguridad hará una revisión.",
        ),
        "integration": ("¿Se integra con nuestro CRM?", "¿Tienen una API REST?"),
        "timeline": ("Queremos estar en producción el próximo trimestre.",),
        "budget": ("El director financiero tiene que aprobar el presupuesto.",),
        "renewal": ("Nuestro contrato se renueva en marzo.",),
        "wrap": ("Como próximos pasos, enviaré la propuesta.", "Gracias a todos, hasta pronto."),
    },
    "fre": {
        None: (
            "Vous m'entendez bien ?",
            "Je partage mon écran.",
            "Merci de prendre le temps aujourd'hui.",
            "C'est logique.",
            "Pouvez-vous répéter la dernière partie ?",
        ),
        "pricing_pushback": (
            "Le prix est bien au-dessus de notre budget.",
            "Il nous faudrait une remise de vingt pour cent.",
        ),
        "competitor": (
            "Nous évaluons aussi {competitor}.",
            "Comment vous comparez-vous à {competitor} ?",
        ),
        "security": (
            "Nous avons besoin du rapport SOC 2 avant de signer.",
            "Notre équipe sécurité doit faire un audit.",
        ),
        "integration": ("Est-ce que ça s'intègre à notre CRM ?", "Avez-vous une API REST ?"),
        "timeline": ("Nous voulons être en production le trimestre prochain.",),
        "budget": ("Le directeur financier doit approuver le budget.",),
        "renewal": ("Notre contrat est renouvelé en mars.",),
        "wrap": ("Prochaine étape : je vous envoie la proposition.", "Merci à tous, à bientôt."),
    },
    "ger": {
        None: (
            "Können Sie mich gut hören?",
            "Ich teile kurz meinen Bildschirm.",
            "Danke, dass Sie sich heute Zeit nehmen.",
            "Das ergibt Sinn.",
            "Können Sie den letzten Teil wiederholen?",
        ),
        "pricing_pushback": (
            "Der Preis liegt deutlich über unserem Budget.",
            "Wir bräuchten einen Rabatt von zwanzig Prozent.",
        ),
        "competitor": (
            "Wir prüfen auch {competitor}.",
            "Wie schneiden Sie im Vergleich zu {competitor} ab?",
        ),
        "security": (
            "Wir brauchen den SOC 2 Bericht vor der Unterschrift.",
            "Unser Sicherheitsteam macht eine Prüfung.",
        ),
        "integration": ("Lässt sich das mit unserem CRM integrieren?", "Gibt es eine REST API?"),
        "timeline": ("Wir wollen im nächsten Quartal live gehen.",),
        "budget": ("Der Finanzchef muss das Budget freigeben.",),
        "renewal": ("Unser Vertrag verlängert sich im März.",),
        "wrap": ("Als nächsten Schritt schicke ich das Angebot.", "Danke allen, bis bald."),
    },
}


def translate(
    transcript: Sequence[dict],
    labels: Sequence[str | None],
    language: str,
    rng: random.Random,
    wrap_topic: str,
) -> tuple[dict, ...]:
    """The same monologues with every sentence said in ``language`` instead."""
    phrases = PHRASES[language]
    translated, k = [], 0
    for monologue in transcript:
        sentences = []
        for sentence in monologue["sentences"]:
            intent = labels[k] if k < len(labels) else None
            pool = phrases["wrap"] if intent is None and monologue["topic"] == wrap_topic else None
            text = rng.choice(pool or phrases[intent])
            sentences.append({**sentence, "text": text.format(competitor=rng.choice(COMPETITORS))})
            k += 1
        translated.append({**monologue, "sentences": sentences})
    return tuple(translated)
