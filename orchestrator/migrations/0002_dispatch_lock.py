from django.db import migrations


def create_lock(apps, schema_editor):
    apps.get_model("orchestrator", "EngineLock").objects.get_or_create(name="dispatch")


def remove_lock(apps, schema_editor):
    apps.get_model("orchestrator", "EngineLock").objects.filter(name="dispatch").delete()


class Migration(migrations.Migration):
    dependencies = [("orchestrator", "0001_initial")]
    operations = [migrations.RunPython(create_lock, remove_lock)]
