# Follow-ups can be marked done and snoozed (with a version for optimistic locking); the events that record it.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0020_event_kinds_after_merging_retention"),
    ]

    operations = [
        migrations.AddField(
            model_name='followup',
            name='done_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='done at'),
        ),
        migrations.AddField(
            model_name='followup',
            name='version',
            field=models.PositiveIntegerField(default=1, verbose_name='version'),
        ),
        migrations.AlterField(
            model_name='caseevent',
            name='kind',
            field=models.CharField(choices=[('created', 'Case opened'), ('updated', 'Details changed'), ('status_changed', 'Status changed'), ('assigned', 'Assigned'), ('note_added', 'Note added'), ('sightings_added', 'Places added'), ('sighting_changed', 'Place updated'), ('takedown_drafted', 'Takedown request drafted'), ('takedown_edited', 'Takedown letter edited'), ('takedown_changed', 'Takedown request updated'), ('letter_queued', 'Takedown letter queued for e-mail'), ('letter_failed', 'Takedown letter could not be e-mailed'), ('followup_set', 'Follow-up set'), ('followup_done', 'Follow-up done'), ('followup_snoozed', 'Follow-up snoozed'), ('portal_issued', 'Portal access issued'), ('portal_revoked', 'Portal access revoked'), ('consents_changed', 'Consent changed'), ('contact_changed', 'Contact choices changed'), ('places_reported', 'Places reported by the victim'), ('closure_requested', 'Closure requested'), ('closure_decided', 'Closure request decided'), ('guardian_changed', "Guardian's details changed"), ('duty_raised', 'Report to the authorities owed'), ('duty_reported', 'Report to the authorities recorded'), ('retention_extended', 'Retention extended'), ('exported', 'Everything held about the victim exported'), ('erasure_requested', 'Erasure requested'), ('erasure_declined', 'Erasure declined'), ('risk_assessed', 'Risk of harm assessed'), ('escalation_acknowledged', 'Urgent risk acknowledged by a supervisor'), ('escalation_resolved', 'Safety plan recorded after an urgent risk')], max_length=30),
        ),
    ]
