"""Letters e-mailed by caseflow: a random token per request (quoted instead of the case reference),
where the letter went and its Message-ID, the mail's state, and one row per attempt.

Existing requests get a token each before the column becomes unique: a callable default would give
every existing row the same one.
"""

import cases.models.letter
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def give_tokens(apps, schema_editor):
    TakedownRequest = apps.get_model("cases", "TakedownRequest")
    taken = set()
    for pk in TakedownRequest.objects.filter(token__isnull=True).values_list("pk", flat=True).iterator():
        token = cases.models.letter.new_letter_token()
        while token in taken:
            token = cases.models.letter.new_letter_token()
        taken.add(token)
        TakedownRequest.objects.filter(pk=pk).update(token=token)


def nothing(apps, schema_editor):
    """Going back drops the column with its tokens."""


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0009_search_by_name_pieces_and_last_four_digits'),
    ]

    operations = [
        migrations.CreateModel(
            name='LetterAttempt',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('outcome', models.CharField(choices=[('sent', 'Sent'), ('failed', 'Failed'), ('lost', 'Worker lost')], max_length=10, verbose_name='outcome')),
                ('error', models.CharField(blank=True, default='', max_length=100, verbose_name='error')),
                ('started_at', models.DateTimeField(verbose_name='started at')),
                ('finished_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='finished at')),
            ],
            options={
                'verbose_name': 'letter attempt',
                'verbose_name_plural': 'letter attempts',
            },
        ),
        migrations.AddField(
            model_name='takedownrequest',
            name='mail_attempts',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='e-mail attempts'),
        ),
        migrations.AddField(
            model_name='takedownrequest',
            name='mail_claim',
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='takedownrequest',
            name='mail_claimed_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='takedownrequest',
            name='mail_due_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='next e-mail attempt'),
        ),
        migrations.AddField(
            model_name='takedownrequest',
            name='mail_error',
            field=models.CharField(blank=True, default='', max_length=100, verbose_name='last e-mail error'),
        ),
        migrations.AddField(
            model_name='takedownrequest',
            name='mail_state',
            field=models.CharField(blank=True, choices=[('', 'Not e-mailed'), ('pending', 'Waiting to be sent'), ('sending', 'Being sent'), ('sent', 'Accepted by the mail server'), ('failed', 'Could not be sent')], default='', max_length=10, verbose_name='e-mail'),
        ),
        migrations.AddField(
            model_name='takedownrequest',
            name='message_id',
            field=models.CharField(blank=True, default='', max_length=255, verbose_name='Message-ID'),
        ),
        migrations.AddField(
            model_name='takedownrequest',
            name='sent_to',
            field=models.CharField(blank=True, default='', max_length=254, verbose_name='sent to'),
        ),
        migrations.AddField(
            model_name='takedownrequest',
            name='token',
            field=models.CharField(editable=False, max_length=20, null=True, verbose_name='request token'),
        ),
        migrations.RunPython(give_tokens, nothing),
        migrations.AlterField(
            model_name='takedownrequest',
            name='token',
            field=models.CharField(default=cases.models.letter.new_letter_token, editable=False, max_length=20, unique=True, verbose_name='request token'),
        ),
        migrations.AlterField(
            model_name='caseevent',
            name='kind',
            field=models.CharField(choices=[('created', 'Case opened'), ('updated', 'Details changed'), ('status_changed', 'Status changed'), ('assigned', 'Assigned'), ('note_added', 'Note added'), ('sightings_added', 'Places added'), ('sighting_changed', 'Place updated'), ('takedown_drafted', 'Takedown request drafted'), ('takedown_edited', 'Takedown letter edited'), ('takedown_changed', 'Takedown request updated'), ('letter_queued', 'Takedown letter queued for e-mail'), ('letter_failed', 'Takedown letter could not be e-mailed'), ('followup_set', 'Follow-up set'), ('portal_issued', 'Portal access issued'), ('portal_revoked', 'Portal access revoked'), ('consents_changed', 'Consent changed'), ('contact_changed', 'Contact choices changed'), ('places_reported', 'Places reported by the victim'), ('closure_requested', 'Closure requested'), ('closure_decided', 'Closure request decided')], max_length=30),
        ),
        migrations.AddIndex(
            model_name='takedownrequest',
            index=models.Index(condition=models.Q(('mail_state', 'pending')), fields=['mail_due_at'], name='takedown_mail_due_idx'),
        ),
        migrations.AddIndex(
            model_name='takedownrequest',
            index=models.Index(condition=models.Q(('mail_state', 'sending')), fields=['mail_claimed_at'], name='takedown_mail_claimed_idx'),
        ),
        migrations.AddField(
            model_name='letterattempt',
            name='takedown',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='letter_attempts', to='cases.takedownrequest'),
        ),
    ]
