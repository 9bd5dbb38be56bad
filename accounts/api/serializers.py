"""Serializers of the accounts API."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import User


class TokenRequestSerializer(serializers.Serializer[None]):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="The current code of the account's authenticator app, or a recovery code. "
        "Required for accounts with two-step sign-in.",
    )


class MeSerializer(serializers.ModelSerializer[User]):
    centre = serializers.CharField(source="centre.name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "role", "centre", "preferred_language"]
        read_only_fields = fields


class TokenResponseSerializer(serializers.Serializer[dict[str, object]]):
    token = serializers.CharField()
    expiry = serializers.DateTimeField()
    user = MeSerializer()
