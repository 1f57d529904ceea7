from django.db import migrations


def create_builtin(apps, schema_editor):
    from cxq.accounts.permissions import BUILTIN_ROLES

    Role = apps.get_model("accounts", "Role")
    OrgSettings = apps.get_model("accounts", "OrgSettings")
    for spec in BUILTIN_ROLES:
        Role.objects.get_or_create(
            key=spec.key,
            defaults={
                "name": spec.name,
                "description": spec.description,
                "is_builtin": True,
                "permissions": sorted(spec.permissions),
            },
        )
    OrgSettings.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_builtin, migrations.RunPython.noop)]
