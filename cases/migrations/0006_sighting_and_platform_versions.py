# Optimistic locking for the last two last-write-wins records: a PATCH of a sighting or a platform now
# names the version it read and a stale one is a 409. PostgreSQL 11+ adds a column with a constant
# default without rewriting the table, so this is quick even with millions of sightings.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0005_covering_takedown_due_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='platform',
            name='version',
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name='version'),
        ),
        migrations.AddField(
            model_name='sighting',
            name='version',
            field=models.PositiveIntegerField(default=1, verbose_name='version'),
        ),
    ]
