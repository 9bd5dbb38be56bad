# The key store's one table; it is created only in the `keystore` database (keystore/router.py).

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='CaseKey',
            fields=[
                ('case_id', models.BigIntegerField(primary_key=True, serialize=False)),
                ('master_key_id', models.CharField(max_length=16)),
                ('wrapped', models.BinaryField()),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('wrapped_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'verbose_name': 'case key',
                'indexes': [models.Index(fields=['master_key_id', 'case_id'], name='casekey_master_idx')],
            },
        ),
    ]
