"""Creates a staff user with a role in a centre: `manage.py create_user EMAIL --centre … --role …`."""

from __future__ import annotations

import getpass
import os
from argparse import ArgumentParser
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.actions import do_record_account_created
from accounts.models import Centre, Role, User, normalize_address


class Command(BaseCommand):
    help = "Create a staff user with a role in a centre. The password is asked for, or read from CASEFLOW_PASSWORD."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", required=True, help="Full name.")
        parser.add_argument("--centre", required=True, help="Centre name; created if --create-centre is given.")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--language", choices=["ko", "en"], default="ko")
        parser.add_argument("--create-centre", action="store_true", help="Create the centre if it does not exist.")

    def handle(self, *args: Any, **options: Any) -> None:
        email = normalize_address(options["email"])
        if User.objects.filter(email=email).exists():
            raise CommandError(f"A user with the e-mail address {email} already exists.")
        password = os.environ.get("CASEFLOW_PASSWORD") or self._ask_password()
        with transaction.atomic():
            if options["create_centre"]:
                centre, _ = Centre.objects.get_or_create(name=options["centre"])
            else:
                try:
                    centre = Centre.objects.get(name=options["centre"])
                except Centre.DoesNotExist:
                    raise CommandError(
                        f"No centre is named {options['centre']!r}; add --create-centre to create it."
                    ) from None
            user = User(
                email=email,
                full_name=options["name"],
                centre=centre,
                role=options["role"],
                preferred_language=options["language"],
            )
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise CommandError("Password refused: " + " ".join(exc.messages)) from None
            user = User.objects.create_user(
                email,
                password,
                full_name=options["name"],
                centre=centre,
                role=options["role"],
                preferred_language=options["language"],
            )
            do_record_account_created(actor=None, account=user)
        self.stdout.write(self.style.SUCCESS(f"Created {user.role} {user.email} in {centre.name}."))

    def _ask_password(self) -> str:
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match.")
        return first
