# The encrypted columns main added to a case (a minor's guardian, the reports the law requires, the
# portal holder's reason, referrals, platforms' replies and kept attachments, erasure requests) use the
# case's own key like the rest: as in 0029 the columns keep their type and the AlterFields emit no
# SQL; `manage.py encrypt_with_case_keys` re-encrypts what the master keys hold. A reply and a kept
# attachment get the case of their request, copied, so that their texts can be sealed with its key
# (a reply still in the queue names no case and stays under the master keys).

import cases.crypto
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_case_of_request(apps, schema_editor):
    # A reply's case is its request's; an attachment's, its reply's (only matched replies keep any).
    PlatformReply = apps.get_model("cases", "PlatformReply")
    ReplyAttachment = apps.get_model("cases", "ReplyAttachment")
    TakedownRequest = apps.get_model("cases", "TakedownRequest")
    PlatformReply.objects.filter(takedown__isnull=False).update(
        case_id=models.Subquery(TakedownRequest.objects.filter(pk=models.OuterRef("takedown_id")).values("case_id")[:1])
    )
    ReplyAttachment.objects.update(
        case_id=models.Subquery(PlatformReply.objects.filter(pk=models.OuterRef("reply_id")).values("case_id")[:1])
    )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_two_step_sign_in'),
        ('cases', '0029_case_data_keys'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='platformreply',
            name='case',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.case'),
        ),
        migrations.AddField(
            model_name='replyattachment',
            name='case',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.case'),
        ),
        migrations.RunPython(copy_case_of_request, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='replyattachment',
            name='case',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.case'),
        ),
        migrations.AlterField(
            model_name='dutyreport',
            name='reference_number',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='their reference number'),
        ),
        migrations.AlterField(
            model_name='erasurerequest',
            name='reason',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='reason'),
        ),
        migrations.AlterField(
            model_name='guardian',
            name='consent_given_by',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='consent given by'),
        ),
        migrations.AlterField(
            model_name='guardian',
            name='contact_email',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name="guardian's e-mail"),
        ),
        migrations.AlterField(
            model_name='guardian',
            name='contact_phone',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name="guardian's phone"),
        ),
        migrations.AlterField(
            model_name='guardian',
            name='name',
            field=cases.crypto.CaseEncryptedTextField(verbose_name="guardian's name"),
        ),
        migrations.AlterField(
            model_name='guardian',
            name='relationship',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='relationship to her'),
        ),
        migrations.AlterField(
            model_name='platformreply',
            name='from_address',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='from'),
        ),
        migrations.AlterField(
            model_name='platformreply',
            name='subject',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='subject'),
        ),
        migrations.AlterField(
            model_name='platformreply',
            name='text',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='text'),
        ),
        migrations.AlterField(
            model_name='portalaccess',
            name='holder_reason',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='why the guardian holds it'),
        ),
        migrations.AlterField(
            model_name='referral',
            name='attachment',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='attached'),
        ),
        migrations.AlterField(
            model_name='referral',
            name='no_contact_reason',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='why without consent to contact'),
        ),
        migrations.AlterField(
            model_name='referral',
            name='outcome_note',
            field=cases.crypto.CaseEncryptedTextField(blank=True, default='', verbose_name='outcome'),
        ),
        migrations.AlterField(
            model_name='referral',
            name='reason',
            field=cases.crypto.CaseEncryptedTextField(verbose_name='reason'),
        ),
        migrations.AlterField(
            model_name='replyattachment',
            name='content',
            field=cases.crypto.CaseEncryptedTextField(),
        ),
        migrations.AlterField(
            model_name='replyattachment',
            name='filename',
            field=cases.crypto.CaseEncryptedTextField(verbose_name='file name'),
        ),
        migrations.AddIndex(
            model_name='platformreply',
            index=models.Index(condition=models.Q(('case__isnull', False)), fields=['case'], name='reply_case_idx'),
        ),
    ]
