"""Inbound webhook receipts are deduplicated on what the signature covers, not on the request id.

``x-zm-request-id`` is not signed, so a captured delivery replayed under a fresh id used to create a
new interaction each time. Receipts now carry ``delivery_key`` (SHA-256 of the signed
``v0:{timestamp}:{body}``), unique; the request id stays as tracing information and loses its
uniqueness.

Receipts recorded before this migration have no body to digest. They get a placeholder key
(``legacy-<id>``, never equal to a 64-character hex digest); their timestamps are past the 5-minute
tolerance, so no replay of them would be accepted anyway.
"""

from django.db import migrations, models


def fill_legacy_keys(apps, schema_editor):
    WebhookReceipt = apps.get_model("interactions", "WebhookReceipt")
    for pk in WebhookReceipt.objects.filter(delivery_key__isnull=True).values_list("pk", flat=True).iterator():
        WebhookReceipt.objects.filter(pk=pk).update(delivery_key=f"legacy-{pk}")


def unique_request_ids(apps, schema_editor):
    """Going back, request ids become unique again: a missing or repeated one takes the delivery key."""
    WebhookReceipt = apps.get_model("interactions", "WebhookReceipt")
    seen: set[str] = set()
    for pk, request_id, key in WebhookReceipt.objects.order_by("pk").values_list("pk", "request_id", "delivery_key"):
        if not request_id or request_id in seen:
            request_id = key
            WebhookReceipt.objects.filter(pk=pk).update(request_id=key)
        seen.add(request_id)


class Migration(migrations.Migration):
    dependencies = [
        ("interactions", "0009_phrase_mentions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="webhookreceipt",
            name="request_id",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="webhookreceipt",
            name="delivery_key",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunPython(fill_legacy_keys, unique_request_ids),
        migrations.AlterField(
            model_name="webhookreceipt",
            name="delivery_key",
            field=models.CharField(max_length=64, unique=True),
        ),
    ]
