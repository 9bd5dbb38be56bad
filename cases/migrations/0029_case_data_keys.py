# Each case gets its own data key (in the key store, keystore app): `has_own_key` says it has one.
# The encrypted columns keep their type (text); only the Python field that seals and opens them
# changes, so the AlterFields below emit no SQL (the one on caseevent.kind adds a choice). Existing
# values are re-encrypted with their case's key by `manage.py encrypt_with_case_keys`, in batches
# (cases/case_keys.py says why not here).

import cases.crypto
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0028_centre_signing_keys_for_police_packs'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='has_own_key',
            field=models.BooleanField(default=False, editable=False, verbose_name='encrypted with its own key'),
        ),
        migrations.AlterField(
            model_name='case',
            name='contact_email',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='contact e-mail'),
        ),
        migrations.AlterField(
            model_name='case',
            name='contact_phone',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='contact phone'),
        ),
        migrations.AlterField(
            model_name='case',
            name='safe_contact_notes',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='when and how it is safe to contact'),
        ),
        migrations.AlterField(
            model_name='case',
            name='summary',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='summary'),
        ),
        migrations.AlterField(
            model_name='case',
            name='victim_name',
            field=cases.crypto.CaseEncryptedTextField(verbose_name="victim's name"),
        ),
        migrations.AlterField(
            model_name='caseevent',
            name='kind',
            field=models.CharField(choices=[('created', 'Case opened'), ('updated', 'Details changed'), ('status_changed', 'Status changed'), ('assigned', 'Assigned'), ('note_added', 'Note added'), ('sightings_added', 'Places added'), ('sighting_changed', 'Place updated'), ('takedown_drafted', 'Takedown request drafted'), ('takedown_edited', 'Takedown letter edited'), ('takedown_changed', 'Takedown request updated'), ('letter_queued', 'Takedown letter queued for e-mail'), ('letter_failed', 'Takedown letter could not be e-mailed'), ('followup_set', 'Follow-up set'), ('referral_proposed', 'Referral proposed'), ('referral_changed', 'Referral updated'), ('reply_received', "Platform's reply received"), ('followup_done', 'Follow-up done'), ('followup_snoozed', 'Follow-up snoozed'), ('portal_issued', 'Portal access issued'), ('portal_revoked', 'Portal access revoked'), ('consents_changed', 'Consent changed'), ('contact_changed', 'Contact choices changed'), ('places_reported', 'Places reported by the victim'), ('closure_requested', 'Closure requested'), ('closure_decided', 'Closure request decided'), ('guardian_changed', "Guardian's details changed"), ('duty_raised', 'Report to the authorities owed'), ('duty_reported', 'Report to the authorities recorded'), ('retention_extended', 'Retention extended'), ('exported', 'Everything held about the victim exported'), ('erasure_requested', 'Erasure requested'), ('erasure_declined', 'Erasure declined'), ('key_destroyed', 'Case key destroyed: the case can no longer be read'), ('risk_assessed', 'Risk of harm assessed'), ('escalation_acknowledged', 'Urgent risk acknowledged by a supervisor'), ('escalation_resolved', 'Safety plan recorded after an urgent risk'), ('evidence_added', 'Evidence hashed'), ('evidence_matched', 'Evidence matched another case'), ('hashes_shared', 'Hashes shared with the national bank'), ('hashes_withdrawn', 'Hashes withdrawn from the national bank'), ('police_pack_exported', 'Evidence pack exported for the police')], max_length=30),
        ),
        migrations.AlterField(
            model_name='caseevent',
            name='reason',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='closurerequest',
            name='decline_reason',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='why not'),
        ),
        migrations.AlterField(
            model_name='closurerequest',
            name='reason',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='why'),
        ),
        migrations.AlterField(
            model_name='followup',
            name='note',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='what to do'),
        ),
        migrations.AlterField(
            model_name='note',
            name='body',
            field=cases.crypto.CaseEncryptedTextField(verbose_name='note'),
        ),
        migrations.AlterField(
            model_name='riskassessment',
            name='answer',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='the answer'),
        ),
        migrations.AlterField(
            model_name='riskassessment',
            name='asked',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='what was asked'),
        ),
        migrations.AlterField(
            model_name='riskassessment',
            name='plan',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='the plan agreed'),
        ),
        migrations.AlterField(
            model_name='sighting',
            name='url',
            field=cases.crypto.CaseEncryptedTextField(verbose_name='address'),
        ),
        migrations.AlterField(
            model_name='takedownrequest',
            name='body',
            field=cases.crypto.CaseEncryptedTextField(verbose_name='letter'),
        ),
        migrations.AlterField(
            model_name='takedownrequest',
            name='sent_body',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='letter as sent'),
        ),
        migrations.AlterField(
            model_name='takedownrequest',
            name='sent_subject',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='subject as sent'),
        ),
        migrations.AlterField(
            model_name='takedownrequest',
            name='subject',
            field=cases.crypto.CaseEncryptedTextField(verbose_name='subject'),
        ),
    ]
