from django.db import migrations


def create_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="body_auditor")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_keptanswers")]
    operations = [migrations.RunPython(create_role, migrations.RunPython.noop)]
