"""Evidence: the hashes of an uploaded image or video, and the file itself only with the victim's consent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Centre
from cases.models.case import Case

# 256-bit PDQ hashes are cut into 16 chunks of 16 bits (columns c0 … c15). Two hashes within
# Hamming distance 31 differ by at most one bit in at least one chunk (pigeonhole: 16 × 2 > 31), so
# candidates are the rows with some chunk equal to the query's chunk or one bit away (17 values per
# chunk, 16 indexed columns); PostgreSQL then checks each with bit_count of the XOR.
CHUNK_FIELDS = [f"c{i}" for i in range(16)]
MIN_MATCH_QUALITY = 50


class EvidenceKind(models.TextChoices):
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video")


class Evidence(models.Model):
    """One uploaded file: its SHA-256 (of the bytes as uploaded) and perceptual hashes."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence", db_index=False)
    # The case's centre, copied: matching and the hash bank work per centre without joining cases.
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", db_index=False)
    kind = models.CharField(_("kind"), max_length=10, choices=EvidenceKind.choices)
    media_type = models.CharField(_("file type"), max_length=40)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    quality = models.PositiveSmallIntegerField(_("PDQ quality"))
    # True while the file itself is kept (encrypted, cases/evidence_vault.py), with the victim's consent.
    kept = models.BooleanField(_("file kept"), default=False)
    # At upload, with consent to hash matching: some hash was within distance 31 of one another centre
    # shared with the national bank. Nothing else about that centre or its case is known here.
    known_elsewhere = models.BooleanField(_("known at another centre"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            # The same file uploaded again to the same case is the same evidence.
            models.UniqueConstraint(fields=["case", "sha256"], name="evidence_case_sha256_unique"),
        ]
        indexes = [
            # The same bytes in another case of the centre (exact match before the perceptual one).
            models.Index(fields=["centre", "sha256"], name="evidence_centre_sha256_idx"),
        ]

    def __str__(self) -> str:
        return f"evidence {self.pk}"


class EvidenceHash(models.Model):
    """One PDQ hash of a piece of evidence: an image's, or that of one sampled second of a video."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="hashes")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", db_index=False)
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", db_index=False)
    second = models.PositiveIntegerField(null=True, blank=True)
    pdq = models.CharField(max_length=64)
    quality = models.PositiveSmallIntegerField()
    c0 = models.IntegerField()
    c1 = models.IntegerField()
    c2 = models.IntegerField()
    c3 = models.IntegerField()
    c4 = models.IntegerField()
    c5 = models.IntegerField()
    c6 = models.IntegerField()
    c7 = models.IntegerField()
    c8 = models.IntegerField()
    c9 = models.IntegerField()
    c10 = models.IntegerField()
    c11 = models.IntegerField()
    c12 = models.IntegerField()
    c13 = models.IntegerField()
    c14 = models.IntegerField()
    c15 = models.IntegerField()

    class Meta:
        indexes = [
            # cases/matching.py: one index per chunk, within the centre, of the hashes good enough to
            # match; a query ORs 16 `cN = ANY(17 values)` probes (a BitmapOr) and checks the few candidates.
            *(
                models.Index(
                    fields=["centre", name],
                    condition=Q(quality__gte=MIN_MATCH_QUALITY),
                    name=f"evidence_hash_{name}_idx",
                )
                for name in CHUNK_FIELDS
            ),
        ]

    def __str__(self) -> str:
        return f"hash {self.pk} of evidence {self.evidence_id}"


class EvidenceFile(models.Model):
    """The file as uploaded and a re-encoded copy without metadata for viewing, both encrypted.

    Exists only while the victim's consent to keep evidence is recorded; a separate table so that
    lists of evidence never read the bytes.
    """

    evidence = models.OneToOneField(Evidence, on_delete=models.CASCADE, related_name="file", primary_key=True)
    original = models.BinaryField()
    viewing = models.BinaryField()
    viewing_type = models.CharField(max_length=40)

    def __str__(self) -> str:
        return f"file of evidence {self.evidence_id}"


class EvidenceMatch(models.Model):
    """A new piece of evidence looked like one already held by the centre (PDQ distance ≤ 31, or the
    same bytes): the two cases are linked for the counsellors."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="matches")
    matched = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="matched_by")
    distance = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["evidence", "matched"], name="evidence_match_unique")]

    def __str__(self) -> str:
        return f"evidence {self.evidence_id} ~ {self.matched_id}"
