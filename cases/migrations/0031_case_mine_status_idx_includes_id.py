# case_mine_status_idx also carries the case's id, so that a counsellor's case ids are read from the
# index alone: her takedown requests and referrals are matched against them (access._of_counsellors_cases).
# Rebuilt rather than altered (PostgreSQL has no ALTER INDEX … INCLUDE); about a second per 100,000
# cases, during which new cases wait. SQLite ignores `include`.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0030_case_keys_for_guardians_duties_referrals_and_replies"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="case", name="case_mine_status_idx"),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["centre", "assigned_to", "status", "-created_at"],
                include=("id",),
                name="case_mine_status_idx",
            ),
        ),
    ]
