"""The shared library: one French and one English prevention message per risk,
approved, short enough for every channel (X counts a link as 23 characters)."""

from django.db import migrations

GEORISQUES = "https://www.georisques.gouv.fr"
VIGILANCE = "https://vigilance.meteofrance.fr"
VIGICRUES = "https://www.vigicrues.gouv.fr"
FEUX = "https://www.feux-foret.gouv.fr"
GOUV = "https://www.gouvernement.fr/risques"

MESSAGES = [
    ("flood", "fr", "Inondation : les bons gestes",
     "Inondation : ne prenez pas votre voiture, ne traversez jamais une route "
     "inondée, montez en hauteur et ne descendez pas dans les sous-sols. "
     "Suivez la vigilance crues.", VIGICRUES),
    ("flood", "en", "Flood: what to do",
     "Flood: do not drive, never cross a flooded road, move to higher floors "
     "and stay out of basements. Follow the flood warnings.", VIGICRUES),
    ("wildfire", "fr", "Feux de forêt : prévenir",
     "Feux de forêt : pas de barbecue ni de cigarette en forêt, débroussaillez "
     "autour de chez vous. Si vous voyez des flammes, appelez le 18 ou le 112.",
     FEUX),
    ("wildfire", "en", "Wildfire: prevent it",
     "Wildfire: no barbecues or cigarettes in the forest, clear brush around "
     "your home. If you see flames, call 112.", FEUX),
    ("storm", "fr", "Tempête : se protéger",
     "Tempête : rentrez les objets qui peuvent s’envoler, limitez vos "
     "déplacements, ne vous abritez pas sous les arbres. Suivez la vigilance "
     "météo.", VIGILANCE),
    ("storm", "en", "Storm: stay safe",
     "Storm: bring in loose objects, limit travel and do not shelter under "
     "trees. Follow the weather warnings.", VIGILANCE),
    ("heat_wave", "fr", "Canicule : les bons réflexes",
     "Canicule : buvez de l’eau régulièrement, restez au frais, fermez volets "
     "et fenêtres le jour et prenez des nouvelles de vos proches isolés.",
     VIGILANCE),
    ("heat_wave", "en", "Heat wave: keep cool",
     "Heat wave: drink water often, stay somewhere cool, close shutters during "
     "the day and check on isolated relatives and neighbours.", VIGILANCE),
    ("earthquake", "fr", "Séisme : les bons gestes",
     "Séisme : pendant la secousse, abritez-vous sous un meuble solide, loin "
     "des fenêtres. Après, sortez avec prudence et n’utilisez pas l’ascenseur.",
     GEORISQUES),
    ("earthquake", "en", "Earthquake: what to do",
     "Earthquake: during shaking, take cover under sturdy furniture away from "
     "windows. Afterwards, go out carefully and do not use lifts.", GEORISQUES),
    ("industrial", "fr", "Accident industriel : se mettre à l’abri",
     "Accident industriel : à l’alerte, mettez-vous à l’abri dans un bâtiment, "
     "fermez portes et fenêtres, n’allez pas chercher vos enfants à l’école. "
     "Écoutez la radio.", GOUV),
    ("industrial", "en", "Industrial accident: shelter in place",
     "Industrial accident: when the siren sounds, go indoors, close doors and "
     "windows, do not fetch children from school. Listen to the radio.", GOUV),
]


def seed(apps, schema_editor):
    PreventionMessage = apps.get_model("campaigns", "PreventionMessage")
    for risk, language, title, text, link in MESSAGES:
        PreventionMessage.objects.get_or_create(
            team=None,
            risk=risk,
            language=language,
            title=title,
            defaults={"text": text, "link": link, "status": "approved"},
        )


def unseed(apps, schema_editor):
    PreventionMessage = apps.get_model("campaigns", "PreventionMessage")
    PreventionMessage.objects.filter(
        team=None, title__in=[m[2] for m in MESSAGES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0001_create_prevention_campaigns")]

    operations = [migrations.RunPython(seed, unseed)]
