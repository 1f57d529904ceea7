"""``cxq createadmin``: create (or promote) an Admin user."""

from __future__ import annotations

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cxq.accounts.models import Role, User
from cxq.accounts.services import roles_ensure_builtin, user_create
from cxq.events import AuditTrail, Name, publish


class Command(BaseCommand):
    help = "Create an Admin user. The password comes from --password, CXQ_ADMIN_PASSWORD or a prompt."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="Administrator")
        parser.add_argument("--password", default=None)

    def handle(self, *args, email, name, password, **opts):
        roles_ensure_builtin()
        admin = Role.objects.get(key="admin")
        password = password or os.environ.get("CXQ_ADMIN_PASSWORD")
        existing = User.objects.filter(email__iexact=email).first()
        if existing:
            with transaction.atomic():
                existing.role = admin
                existing.is_active = True
                existing.save(update_fields=["role", "is_active", "updated_at"])
                publish(Name.USER_PROMOTED_ADMIN, subject=existing, audit=AuditTrail(after={"role": "Admin"}))
            self.stdout.write(self.style.SUCCESS(f"{email} is now an Admin."))
            if password:  # a password change goes through the account page or another admin (who tell the person)
                self.stdout.write("Their password was left unchanged; an admin can set a new one on their page.")
            return
        if not password:
            if not os.isatty(0):
                raise CommandError("Give --password or set CXQ_ADMIN_PASSWORD (no terminal to prompt on).")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        try:
            user_create(by=None, email=email, full_name=name, role=admin, password=password)
        except ValidationError as exc:
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            raise CommandError(details)
        self.stdout.write(self.style.SUCCESS(f"Admin {email} created."))
