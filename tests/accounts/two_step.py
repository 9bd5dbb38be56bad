"""Steps of two-step sign-in over HTTP, shared by the tests that need a person to set it up or use it."""

from __future__ import annotations

import re

from django.test import Client
from django_otp.oath import TOTP

from accounts import models
from accounts.models import TotpDevice, User

RECOVERY_CODE = re.compile(r"<code>([a-z0-9]{4}(?:-[a-z0-9]{4}){3})</code>")


def code(device: TotpDevice, steps: int = 0) -> str:
    """The device's code `steps` time steps from now, by the clock the devices read (tests may move it).

    A device takes one step either side of now, and never a step at or before the last it took.
    """
    generator = TOTP(device.bin_key, step=TotpDevice.STEP, digits=TotpDevice.DIGITS, drift=steps)
    generator.time = models.totp_clock()
    return f"{generator.token():06d}"


def wrong_code(device: TotpDevice) -> str:
    """A code the device does not take now: not that of any step it accepts (a "wrong" code chosen
    blindly, 000000 or the right one plus one, is right one time in a million per step)."""
    accepted = {code(device, steps) for steps in range(-2, 3)}
    return next(f"{n:06d}" for n in range(10) if f"{n:06d}" not in accepted)


def enrol(client: Client, user: User, name: str = "My phone") -> tuple[TotpDevice, list[str]]:
    """Sets up an authenticator app through the pages, as the person would; returns it and the recovery codes shown."""
    started = client.post("/accounts/mfa/setup/")
    assert started.status_code == 302, started
    device = TotpDevice.objects.get(user=user, confirmed=False)
    assert started["Location"] == f"/accounts/mfa/setup/{device.pk}/"
    shown = client.post(started["Location"], {"name": name, "code": code(device)})
    assert shown.status_code == 200, shown.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    return device, RECOVERY_CODE.findall(shown.content.decode())


def password_step(client: Client, user: User, password: str, address: str = "10.0.0.1", next_url: str = ""):
    """The first step of signing in: e-mail and password on the sign-in page."""
    url = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": user.email, "password": password}, REMOTE_ADDR=address)


def code_step(client: Client, value: str, address: str = "10.0.0.1"):
    """The second step: the code on /accounts/mfa/verify/."""
    return client.post("/accounts/mfa/verify/", {"code": value}, REMOTE_ADDR=address)
