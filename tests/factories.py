"""factory-boy factories for the shared cast and ad-hoc objects."""

from __future__ import annotations

import functools

import factory
from django.contrib.auth.hashers import make_password

from accounts.models import Centre, Role, User

PASSWORD = "correct horse battery staple 42"


@functools.cache
def _password_hash() -> str:
    # Argon2 is slow on purpose; hash the shared test password once per run.
    return make_password(PASSWORD)


class CentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Centre
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Centre {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@centre.test")
    full_name = factory.Sequence(lambda n: f"User {n}")
    centre = factory.SubFactory(CentreFactory)
    role = Role.COUNSELLOR
    password = factory.LazyFunction(_password_hash)
