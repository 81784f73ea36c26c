from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orchestrator", "0006_batch_run_settings"),
    ]

    operations = [
        migrations.CreateModel(
            name="EngineProcess",
            fields=[
                ("owner", models.CharField(max_length=200, primary_key=True, serialize=False)),
                ("kind", models.CharField(max_length=20)),
                ("workflows", models.JSONField(blank=True, default=list)),
                ("started_at", models.DateTimeField()),
                ("seen_at", models.DateTimeField()),
            ],
            options={"db_table": "yooini_process"},
        ),
    ]
