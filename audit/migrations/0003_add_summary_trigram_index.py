"""Searching words of the summary (``summary__icontains``, which PostgreSQL runs as
``UPPER(summary) LIKE UPPER('%word%')``) through a trigram index: without it a
rare word scans the whole trail of an activation (about 1 s for a million rows,
benchmarks/bench_audit.py). pg_trgm is a trusted extension: the database owner
may create it."""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_make_audit_events_append_only")]

    operations = [
        TrigramExtension(),
        migrations.AddIndex(
            model_name="auditevent",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("summary"),
                    name="gin_trgm_ops",
                ),
                name="audit_summary_trgm_idx",
            ),
        ),
    ]
