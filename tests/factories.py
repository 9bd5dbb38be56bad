"""factory-boy factories for the shared cast and ad-hoc objects."""

from __future__ import annotations

import functools

import factory
from django.contrib.auth.hashers import make_password
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.mfa import owes_code
from accounts.models import Centre, Role, TotpDevice, User

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


def authenticator(user: User) -> TotpDevice:
    """The user's confirmed authenticator app, made (unaudited) if she has none; `bin_key` makes its codes."""
    device = TotpDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    return device or TotpDevice.objects.create(user=user, name="Test phone", secret=TotpDevice.new_secret())


def sign_in(client: Client, user: User) -> Client:
    """Signs `client` in as `user` the way a finished sign-in leaves it: verified by a code when she owes one.

    A session of a role in MFA_REQUIRED_FOR (or of anyone with an authenticator app) that has not
    entered a code reaches nothing (accounts.middleware); tests of that use `client.force_login`.
    """
    client.force_login(user)
    # As stored: a test may have changed the role since the object was loaded.
    if owes_code(User.objects.get(pk=user.pk)):
        session = client.session
        # What django_otp.login() stores after a right code.
        session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
        session.save()
    return client
