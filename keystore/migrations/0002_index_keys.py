# The versions of the blind-index key (keystore/index_keys.py), in the key store like the case keys.

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('keystore', '0001_case_keys'),
    ]

    operations = [
        migrations.CreateModel(
            name='IndexKey',
            fields=[
                ('version', models.PositiveIntegerField(primary_key=True, serialize=False)),
                ('master_key_id', models.CharField(blank=True, default='', max_length=16)),
                ('wrapped', models.BinaryField(blank=True, default=b'')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'verbose_name': 'index key',
            },
        ),
    ]
