# case_mine_status_idx also carries the case's id, so that a counsellor's case ids are read from the
# index alone: her takedown requests and referrals are matched against them (access._of_counsellors_cases).
# PostgreSQL has no ALTER INDEX … INCLUDE, so the index is rebuilt. On PostgreSQL the new one is built
# beside the old one without locking the table (CREATE INDEX CONCURRENTLY, hence a migration outside a
# transaction), then the old one dropped the same way and the new one renamed: cases stay readable and
# writable throughout (a plain rebuild would block every read of cases_case until it committed, about
# a second per 100,000 cases). Elsewhere (SQLite, `make run`) the index is simply dropped and created.

from django.db import migrations, models

FIELDS = ["centre", "assigned_to", "status", "-created_at"]
OLD = models.Index(fields=FIELDS, name="case_mine_status_idx")
NEW = models.Index(fields=FIELDS, include=["id"], name="case_mine_status_idx")
BUILDING = models.Index(fields=FIELDS, include=["id"], name="case_mine_status_idx_next")


def swap(apps, schema_editor, old, new, building):
    case = apps.get_model("cases", "Case")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.remove_index(case, old)
        schema_editor.add_index(case, new)
        return
    schema_editor.add_index(case, building, concurrently=True)
    schema_editor.remove_index(case, old, concurrently=True)
    schema_editor.rename_index(case, building, new)


def include_id(apps, schema_editor):
    swap(apps, schema_editor, OLD, NEW, BUILDING)


def leave_out_id(apps, schema_editor):
    building = models.Index(fields=FIELDS, name="case_mine_status_idx_next")
    swap(apps, schema_editor, NEW, OLD, building)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cases", "0030_case_keys_for_guardians_duties_referrals_and_replies"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="case", name="case_mine_status_idx"),
                migrations.AddIndex(model_name="case", index=NEW),
            ],
            database_operations=[migrations.RunPython(include_id, leave_out_id)],
        ),
    ]
