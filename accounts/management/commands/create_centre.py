"""For operators: `manage.py create_centre NAME --admin-email … --admin-name … --site-url https://…`.

Creates the centre if it does not exist and, if it has no administrator yet, its first one, who is sent
a link to choose a password at her own address: the operator never knows it. Running it again changes
nothing, so it is safe in provisioning scripts.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.actions import do_create_account
from accounts.models import Centre, Language, Role, User, normalize_address


class Command(BaseCommand):
    help = (
        "Create a centre and its first administrator (who is e-mailed a link to choose a password), unless they exist."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("name", help="The centre's name.")
        parser.add_argument("--admin-email", required=True, help="The first administrator's e-mail address.")
        parser.add_argument("--admin-name", required=True, help="The first administrator's full name.")
        parser.add_argument("--language", choices=Language.values, default=Language.KOREAN)
        parser.add_argument(
            "--site-url",
            required=True,
            help="Where staff open caseflow, e.g. https://caseflow.example.org (for the link).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        site = urlsplit(options["site_url"])
        if site.scheme not in {"http", "https"} or not site.netloc or site.path not in {"", "/"}:
            raise CommandError("--site-url must be like https://caseflow.example.org (no path).")
        email = normalize_address(options["admin_email"])
        with transaction.atomic():
            centre, created = Centre.objects.get_or_create(name=options["name"])
            self.stdout.write(f"{'Created' if created else 'Found'} the centre {centre.name}.")
            existing = centre.users.filter(role=Role.ADMIN).first()
            if existing is not None:
                self.stdout.write(f"It already has an administrator ({existing.email}); nobody was created.")
                return
            if User.objects.filter(email=email).exists():
                raise CommandError(f"A user with the e-mail address {email} already exists (in some centre).")
            account = User(
                email=email,
                full_name=options["admin_name"],
                centre=centre,
                role=Role.ADMIN,
                preferred_language=options["language"],
            )
            try:
                do_create_account(actor=None, account=account, domain=site.netloc, use_https=site.scheme == "https")
            except ValidationError as exc:
                raise CommandError("Refused: " + " ".join(exc.messages)) from None
        # The link is mailed when the transaction commits, just above.
        self.stdout.write(
            self.style.SUCCESS(f"Created the administrator {email}; a link to choose a password was sent there.")
        )
