"""Search over encrypted names: keyed hashes of a name's pieces, one row per piece (cases/crypto.py)."""

from __future__ import annotations

from django.db import models

from cases.models.case import Case


class NameGram(models.Model):
    """One keyed hash of a two-syllable (or three-letter) piece of a case's victim name."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", db_index=False)
    centre_id = models.IntegerField()
    gram = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "gram"], name="namegram_case_gram_unique")]
        indexes = [
            # Partial-name search: the cases of a centre that hold all of a query's pieces.
            models.Index(fields=["centre_id", "gram"], name="namegram_centre_gram_idx"),
        ]

    def __str__(self) -> str:
        return f"name piece of case {self.case_id}"
