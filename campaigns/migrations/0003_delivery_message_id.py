"""The Message-ID of each sent email, so that bounce reports find their send."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0002_role_capabilities"),
    ]

    operations = [
        migrations.AddField(
            model_name="campaignsend",
            name="message_id",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddIndex(
            model_name="campaignsend",
            index=models.Index(
                condition=models.Q(("message_id", ""), _negated=True),
                fields=["message_id"],
                name="send_message_id",
            ),
        ),
    ]
