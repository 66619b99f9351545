"""The library of reply templates (French and English, common situations), from
publichelp/data/reply_library.json. Missing ones only: edited templates are kept."""

import json
from pathlib import Path

from django.db import migrations

LIBRARY = Path(__file__).resolve().parent.parent / "data" / "reply_library.json"


def seed(apps, schema_editor):
    ReplyTemplate = apps.get_model("publichelp", "ReplyTemplate")
    for row in json.loads(LIBRARY.read_text(encoding="utf-8")):
        ReplyTemplate.objects.get_or_create(
            activation=None,
            situation=row["situation"],
            language=row["language"],
            defaults={
                "title": row["title"],
                "body": row["body"],
                "resource_urls": row["resource_urls"],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("publichelp", "0001_reply_templates_and_aid_board")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
