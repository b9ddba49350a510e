import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Effect(models.Model):
    """One thing to do after a commit, e.g. "mail the customer that booking 17 was accepted"."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=50)
    # The row the effect is about (a booking, a calendar connection); the kind says which.
    subject_id = models.BigIntegerField(_("subject"))
    args = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    # Set when handed to the broker; the repair pass queues again what sat there too long.
    queued_at = models.DateTimeField(null=True, blank=True)
    # Set while a worker carries the effect out: a second delivery waits or finds it done.
    locked_until = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("effect")
        verbose_name_plural = _("effects")
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="effect_pending_due", condition=Q(status="pending")
            ),
            models.Index(fields=["kind", "subject_id"], name="effect_subject"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "done", "failed"]), name="effect_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.kind} #{self.subject_id} ({self.status})"
