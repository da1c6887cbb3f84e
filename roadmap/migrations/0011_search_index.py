"""Full-text search on an index, and trigram similarity for misspelled titles.

PostgreSQL only: on SQLite, the zero-setup default, search falls back to
substrings and there is nothing to create. The indexes are built from the rule in
`roadmap.search` (`search_indexes`), which the query uses too.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from roadmap.search import search_indexes


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in search_indexes(apps):
        schema_editor.add_index(model, index)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in search_indexes(apps):
        schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [
        ("roadmap", "0010_resource_specification_and_reference_kinds"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
