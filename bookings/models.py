import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class BookingSettings(models.Model):
    """How an expert's appointments are offered; every duration in minutes."""

    class Meeting(models.TextChoices):
        TEAMS = "teams", _("Microsoft Teams meeting, created in Outlook")
        LINK = "link", _("My own video link")
        PHONE = "phone", _("Phone: I call the customer")

    expert = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="booking_settings"
    )
    appointment_minutes = models.PositiveSmallIntegerField(
        _("appointment length (minutes)"),
        default=30,
        validators=[MinValueValidator(10), MaxValueValidator(480)],
    )
    slot_step_minutes = models.PositiveSmallIntegerField(
        _("start times every (minutes)"),
        default=15,
        choices=[(5, "5"), (10, "10"), (15, "15"), (20, "20"), (30, "30"), (60, "60")],
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(
        _("free time before (minutes)"), default=0, validators=[MaxValueValidator(240)]
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        _("free time after (minutes)"), default=0, validators=[MaxValueValidator(240)]
    )
    minimum_notice_minutes = models.PositiveIntegerField(
        _("minimum notice (minutes)"), default=120, validators=[MaxValueValidator(20160)]
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("bookable up to (days ahead)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(92)],
        help_text=_(
            "Never beyond the end of the second month after this one: "
            "later busy times are not synced."
        ),
    )
    request_hold_hours = models.PositiveSmallIntegerField(
        _("a request holds its time for (hours)"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(336)],
    )
    meeting = models.CharField(
        _("How do you meet?"), max_length=10, choices=Meeting.choices, default=Meeting.TEAMS
    )
    meeting_link = models.URLField(
        _("your video link"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["https"])],
        help_text=_("An https address: Zoom, Webex, Jitsi, your own room."),
    )
    confirm_automatically = models.BooleanField(
        _("Confirm bookings automatically"),
        default=False,
        help_text=_("Off: you accept each request yourself."),
    )
    reminder_hours = models.PositiveSmallIntegerField(
        _("reminder to the customer (hours before; 0: none)"),
        default=24,
        validators=[MaxValueValidator(168)],
    )

    class Meta:
        verbose_name = _("booking settings")
        verbose_name_plural = _("booking settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(meeting__in=["teams", "link", "phone"]),
                name="bookingsettings_meeting_valid",
            ),
        ]

    def __str__(self):
        return f"{self.expert}"


class WeeklyHours(models.Model):
    """One range of open hours on a weekday, in the expert's own time zone."""

    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_hours"
    )
    weekday = models.PositiveSmallIntegerField()  # Monday = 0
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="weeklyhours_weekday_valid"),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="weeklyhours_end_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.weekday}: {self.start:%H:%M}–{self.end:%H:%M}"


class DateException(models.Model):
    """A date whose hours differ from the week's: a row without times is a day off."""

    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="date_exceptions"
    )
    date = models.DateField()
    start = models.TimeField(null=True, blank=True)
    end = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ["date", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=True, end__isnull=True)
                | Q(start__isnull=False, end__isnull=False, end__gt=F("start")),
                name="dateexception_day_off_or_hours",
            ),
        ]

    def __str__(self):
        return f"{self.date}"


class BookingQuerySet(models.QuerySet):
    def for_expert(self, expert):
        return self.filter(expert=expert)

    def live(self, now):
        """Bookings that hold their time: accepted ones, and requests not yet expired."""
        return self.filter(
            Q(status=Booking.Status.ACCEPTED)
            | Q(status=Booking.Status.REQUESTED, expires_at__gt=now)
        )


class Booking(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        CANCELLED = "cancelled", _("cancelled")
        EXPIRED = "expired", _("expired")

    class Outlook(models.TextChoices):
        NONE = "", _("not in Outlook")
        WRITING = "writing", _("waiting to be written to your Outlook calendar")
        WRITTEN = "written", _("in your Outlook calendar")
        WRITE_FAILED = "write_failed", _("could not be written to your Outlook calendar")
        REMOVING = "removing", _("waiting to be removed from your Outlook calendar")
        REMOVED = "removed", _("removed from your Outlook calendar")
        REMOVE_FAILED = "remove_failed", _("could not be removed from your Outlook calendar")
        MOVING = "moving", _("waiting to be moved in your Outlook calendar")
        # The event lives in a Microsoft account that is no longer connected.
        LEFT_BEHIND = (
            "left_behind",
            _("still in your previous Outlook calendar: please delete it there"),
        )

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookings"
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    customer_name = models.CharField(_("name"), max_length=100)
    customer_email = models.EmailField(_("email address"), max_length=254)
    customer_message = models.TextField(_("message"), max_length=1000, blank=True)
    customer_language = models.CharField(_("language"), max_length=2, default="en")
    customer_time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    customer_phone = models.CharField(_("phone number"), max_length=40, blank=True)
    # "12" or "24": the clock the customer saw the times in; "" uses the language's format.
    customer_clock = models.CharField(_("clock"), max_length=2, blank=True, default="")
    # How this appointment is met, fixed when it is booked; the join link once known.
    meeting = models.CharField(
        _("meeting"), max_length=10, choices=BookingSettings.Meeting.choices, default="link"
    )
    join_url = models.URLField(_("join link"), max_length=1000, blank=True)
    meeting_problem = models.TextField(blank=True)
    # Raised with every change of time: calendar files with a higher SEQUENCE replace older ones.
    sequence = models.PositiveIntegerField(default=0)
    cancel_reason = models.TextField(_("reason"), max_length=500, blank=True)
    cancelled_by_customer = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("request expires"), null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    outlook_state = models.CharField(
        _("Outlook"), max_length=14, choices=Outlook.choices, blank=True, default=""
    )
    outlook_event_id = models.CharField(max_length=512, blank=True)
    # The Microsoft account (MSAL home account id) the event was written into, and its
    # address: an event is moved or removed only there.
    outlook_account = models.CharField(max_length=140, blank=True)
    outlook_account_address = models.CharField(max_length=254, blank=True)
    # After a switch of accounts: the event still in the previous one, for the expert to delete.
    previous_outlook_address = models.CharField(max_length=254, blank=True)
    outlook_problem = models.TextField(blank=True)
    # Outlook told us the expert deleted this appointment's event there: the expert's list
    # asks whether to cancel it for the customer too (never done automatically).
    outlook_removed_at = models.DateTimeField(null=True, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["start"]
        indexes = [models.Index(fields=["expert", "start"])]
        # PostgreSQL also gets an exclusion constraint against overlapping live bookings of
        # one expert (migration 0002); SQLite serialises writers instead.
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="booking_end_after_start"),
            models.CheckConstraint(
                condition=Q(
                    status__in=["requested", "accepted", "declined", "cancelled", "expired"]
                ),
                name="booking_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    outlook_state__in=[
                        "",
                        "writing",
                        "written",
                        "write_failed",
                        "removing",
                        "removed",
                        "remove_failed",
                        "moving",
                        "left_behind",
                    ]
                ),
                name="booking_outlook_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(customer_language__in=["en", "de"]), name="booking_language_valid"
            ),
            models.CheckConstraint(
                condition=Q(meeting__in=["teams", "link", "phone"]), name="booking_meeting_valid"
            ),
            models.CheckConstraint(
                condition=Q(customer_clock__in=["", "12", "24"]), name="booking_clock_valid"
            ),
        ]

    def __str__(self):
        return f"{self.customer_name} {self.start:%Y-%m-%d %H:%M} UTC ({self.status})"
