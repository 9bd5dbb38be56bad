# The access log names two more reads: a list and a search that showed victims' names (one row a request).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0006_sighting_and_platform_versions'),
    ]

    operations = [
        migrations.AlterField(
            model_name='accesslog',
            name='action',
            field=models.CharField(choices=[('view', 'Opened'), ('export', 'Exported'), ('list', 'Listed'), ('search', 'Searched'), ('duplicate_check', 'Checked for duplicates')], default='view', max_length=20),
        ),
    ]
