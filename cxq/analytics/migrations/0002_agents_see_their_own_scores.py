"""The built-in Agent role gains ``analytics.own`` (their own scores next to the team average) on
databases made before analytics existed; a role someone edited keeps its other permissions."""

from django.db import migrations


def grant(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(key="agent", is_builtin=True):
        if "analytics.own" not in role.permissions:
            role.permissions = sorted({*role.permissions, "analytics.own"})
            role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_initial"), ("accounts", "0002_builtin_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
