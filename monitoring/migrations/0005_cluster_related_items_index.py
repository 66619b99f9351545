# The item view's related items walk one category of an activation, most urgent
# first. Built concurrently: the cluster table takes writes from ingestion.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("monitoring", "0004_add_post_fulltext_search_vector"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="cluster",
            index=models.Index(
                fields=["activation", "category", "-priority", "-first_seen_at"],
                name="cluster_related_idx",
            ),
        ),
    ]
