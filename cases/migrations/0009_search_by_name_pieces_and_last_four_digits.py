# Partial-name search (keyed hashes of two-syllable or three-letter pieces, one row each) and search by
# the last four digits of a phone; the existing cases get theirs here. What the pieces reveal: README.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def build(apps, schema_editor):
    """The new indexes for the cases that exist (decrypting their names and phones, as the command does)."""
    from cases.crypto import gram_indexes, phone_last4_index

    Case = apps.get_model("cases", "Case")
    NameGram = apps.get_model("cases", "NameGram")
    for case in Case.objects.only("id", "centre_id", "victim_name", "contact_phone").iterator(chunk_size=500):
        Case.objects.filter(pk=case.pk).update(phone_last4_index=phone_last4_index(case.centre_id, case.contact_phone))
        NameGram.objects.bulk_create(
            [NameGram(case_id=case.pk, centre_id=case.centre_id, gram=g) for g in gram_indexes(case.centre_id, case.victim_name)],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_account_events'),
        ('cases', '0008_portal_access_sessions_and_closure_requests'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='NameGram',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('centre_id', models.IntegerField()),
                ('gram', models.CharField(max_length=64)),
            ],
        ),
        migrations.AddField(
            model_name='case',
            name='phone_last4_index',
            field=models.CharField(default='', editable=False, max_length=64),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['centre', 'phone_last4_index'], name='case_phone_last4_idx'),
        ),
        migrations.AddField(
            model_name='namegram',
            name='case',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.case'),
        ),
        migrations.AddIndex(
            model_name='namegram',
            index=models.Index(fields=['centre_id', 'gram'], name='namegram_centre_gram_idx'),
        ),
        migrations.AddConstraint(
            model_name='namegram',
            constraint=models.UniqueConstraint(fields=('case', 'gram'), name='namegram_case_gram_unique'),
        ),
        migrations.RunPython(build, migrations.RunPython.noop),
    ]
