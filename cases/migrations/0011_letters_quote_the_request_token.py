"""Letter templates quote the request's token ($token), never the case reference ($reference): the
reference is what a victim signs in to the portal with, and a platform has no need of it.

Every template changes, seeded or written by an administrator, since render_letter no longer offers
$reference. The Korean seed's "참조 번호 $reference를" becomes "요청 번호($token)를", whose particle
follows 번호 and so is right whatever the token ends with.
"""

import re

from django.db import migrations

KOREAN_OLD = "참조 번호 $reference를"
KOREAN_NEW = "요청 번호($token)를"
# $reference or ${reference}, but not $$reference (an escaped dollar: literal text).
REFERENCE = re.compile(r"(?<!\$)\$(?:reference\b|\{reference\})")
TOKEN = re.compile(r"(?<!\$)\$(?:token\b|\{token\})")


def to_token(text):
    return REFERENCE.sub("$token", text.replace(KOREAN_OLD, KOREAN_NEW))


def to_reference(text):
    return TOKEN.sub("$reference", text.replace(KOREAN_NEW, KOREAN_OLD))


def _rewrite(apps, change):
    LetterTemplate = apps.get_model("cases", "LetterTemplate")
    for letter in LetterTemplate.objects.all():
        subject, body = change(letter.subject), change(letter.body)
        if (subject, body) != (letter.subject, letter.body):
            letter.subject, letter.body = subject, body
            letter.save(update_fields=["subject", "body"])


def forwards(apps, schema_editor):
    _rewrite(apps, to_token)


def backwards(apps, schema_editor):
    _rewrite(apps, to_reference)


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_letter_token_and_mail_state")]

    operations = [migrations.RunPython(forwards, backwards)]
