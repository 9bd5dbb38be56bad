# The case list by status and last change (and its total) from one index: see Case.Meta.indexes.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_two_step_sign_in'),
        ('cases', '0021_followups_done_and_snoozed'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['centre', 'status', '-updated_at', '-id'], include=('harm_types',), name='case_centre_status_changed_idx'),
        ),
    ]
