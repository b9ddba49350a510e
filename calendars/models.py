import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

# Graph's name for Teams meetings of work or school accounts (personal accounts get
# "skypeForConsumer", which creates no Teams meeting).
TEAMS_FOR_BUSINESS = "teamsForBusiness"


class CalendarConnectionQuerySet(models.QuerySet):
    def for_expert(self, expert):
        return self.filter(expert=expert)


class CalendarConnection(models.Model):
    """An expert's connected Microsoft calendar and the (encrypted) MSAL token cache."""

    class AccountKind(models.TextChoices):
        WORK = "work", _("work or school account")
        PERSONAL = "personal", _("personal Outlook.com account")

    class Status(models.TextChoices):
        CONNECTED = "connected", _("connected")
        RECONNECT_NEEDED = "reconnect_needed", _("reconnect needed")

    class ProblemKind(models.TextChoices):
        RECONNECT = "reconnect", _("Microsoft no longer accepts the connection.")
        UNAVAILABLE = "unavailable", _("Microsoft could not be reached or was busy.")
        MALFORMED = "malformed", _("Microsoft sent an answer Okomo could not read.")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    expert = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_connection",
        verbose_name=_("expert"),
    )
    account_oid = models.CharField(_("account object id"), max_length=64)
    account_tid = models.CharField(_("account tenant id"), max_length=64)
    # MSAL's key for the account in the token cache ("{uid}.{utid}" from client_info).
    home_account_id = models.CharField(max_length=140)
    account_address = models.CharField(_("account"), max_length=254)
    account_name = models.CharField(_("account name"), max_length=254, blank=True)
    account_kind = models.CharField(_("account kind"), max_length=10, choices=AccountKind.choices)
    token_cache = models.TextField(_("token cache (encrypted)"), editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CONNECTED
    )
    connected_at = models.DateTimeField(_("connected at"), auto_now_add=True)
    last_sync_at = models.DateTimeField(_("last successful sync"), null=True, blank=True)
    next_sync_at = models.DateTimeField(_("next sync due"), null=True, blank=True, db_index=True)
    # Set only while a sync runs: a second sync of the same calendar waits its turn.
    sync_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    sync_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Change notifications: when the sync they asked for is due (null: none waiting) and when
    # the last such sync started (they run at most once a minute).
    notified_sync_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    notified_sync_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    # SHA-256 of the stored busy intervals: an unchanged calendar is recognised without
    # reading them back (the common case, every 30 minutes).
    busy_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    # The same busy times merged into one value the slot finder reads in one go (see
    # calendars/packed.py); valid only while busy_fingerprint is set.
    busy_packed = models.BinaryField(default=b"", blank=True, editable=False)
    last_problem = models.TextField(_("last problem"), blank=True)
    last_problem_kind = models.CharField(
        _("kind of last problem"), max_length=20, choices=ProblemKind.choices, blank=True
    )
    last_problem_at = models.DateTimeField(_("last problem at"), null=True, blank=True)
    # Calendar metadata read at connect ("teamsForBusiness", "skypeForConsumer", ...): which
    # ways to meet online Outlook can create in this account's calendar.
    online_meeting_providers = models.JSONField(default=list, blank=True, editable=False)
    treat_tentative_as_busy = models.BooleanField(
        _("Treat “tentative” as busy"),
        default=False,
        help_text=_("Appointments you marked as tentative also block booking times."),
    )
    treat_out_of_office_as_busy = models.BooleanField(
        _("Treat “out of office” as busy"),
        default=False,
        help_text=_("Times you are marked as out of office also block booking times."),
    )

    objects = CalendarConnectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("calendar connection")
        verbose_name_plural = _("calendar connections")
        constraints = [
            models.CheckConstraint(
                condition=Q(account_kind__in=["work", "personal"]),
                name="calendarconnection_account_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["connected", "reconnect_needed"]),
                name="calendarconnection_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(last_problem_kind__in=["", "reconnect", "unavailable", "malformed"]),
                name="calendarconnection_problem_kind_valid",
            ),
            # One Microsoft account, one expert: two portals writing into one mailbox would
            # block each other's times and remove each other's appointments.
            models.UniqueConstraint(
                fields=["account_tid", "account_oid"], name="calendarconnection_account_unique"
            ),
        ]

    def __str__(self):
        return f"{self.account_address} ({self.expert})"

    @property
    def needs_reconnect(self):
        return self.status == self.Status.RECONNECT_NEEDED

    @property
    def allows_teams(self):
        return TEAMS_FOR_BUSINESS in self.online_meeting_providers


class Calendar(models.Model):
    """One calendar of the connected account, as Graph lists it: its name, never its content.

    `blocks`: its busy times block booking times. `receives_appointments`: new appointments
    are written into it (at most one per connection, and only one Okomo may write to).
    """

    connection = models.ForeignKey(
        CalendarConnection, on_delete=models.CASCADE, related_name="calendars"
    )
    # Graph's calendar id (base64, about 150 characters; room to spare as for event ids).
    graph_id = models.CharField(max_length=512)
    name = models.CharField(_("name"), max_length=255)
    # Set only for a calendar someone else shared with the account, to tell it apart.
    owner_name = models.CharField(_("owner"), max_length=255, blank=True)
    is_default = models.BooleanField(_("default calendar"), default=False)
    can_edit = models.BooleanField(_("can be written to"), default=False)
    blocks = models.BooleanField(_("blocks booking times"), default=False)
    receives_appointments = models.BooleanField(_("receives new appointments"), default=False)

    class Meta:
        verbose_name = _("calendar")
        verbose_name_plural = _("calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "graph_id"], name="calendar_graph_id_unique"
            ),
            models.UniqueConstraint(
                fields=["connection"],
                condition=Q(receives_appointments=True),
                name="calendar_one_receiver",
            ),
            models.CheckConstraint(
                condition=Q(receives_appointments=False) | Q(can_edit=True),
                name="calendar_receiver_can_edit",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.owner_name})" if self.owner_name else self.name


class BusyInterval(models.Model):
    """A time the expert is busy in Outlook: start and end (UTC, half-open) and the calendar
    it came from, nothing else."""

    connection = models.ForeignKey(
        CalendarConnection, on_delete=models.CASCADE, related_name="busy_intervals"
    )
    # Null: read before the account's calendars were listed, i.e. from the default calendar.
    calendar = models.ForeignKey(
        Calendar,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="busy_intervals",
    )
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        verbose_name = _("busy interval")
        verbose_name_plural = _("busy intervals")
        indexes = [models.Index(fields=["connection", "start"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="busyinterval_end_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M} UTC"


class Subscription(models.Model):
    """A Microsoft Graph change-notification subscription on one calendar's events.

    Graph calls the portal when an event there changes; the portal then syncs (it never reads
    the event itself). `client_state` is the secret Graph echoes in every notification.
    """

    connection = models.ForeignKey(
        CalendarConnection, on_delete=models.CASCADE, related_name="subscriptions"
    )
    # Graph's subscription id (a GUID).
    graph_id = models.CharField(max_length=128, unique=True)
    # "/me/events" (the default calendar) or "/me/calendars/{id}/events".
    resource = models.CharField(max_length=600)
    # MSAL's home account id the subscription was made with: another account, another mailbox.
    account = models.CharField(max_length=140)
    client_state = models.CharField(max_length=128, editable=False)
    notification_url = models.URLField(max_length=500)
    expires_at = models.DateTimeField(_("expires at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_notification_at = models.DateTimeField(_("last notification"), null=True, blank=True)

    class Meta:
        verbose_name = _("live-update subscription")
        verbose_name_plural = _("live-update subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "resource"], name="subscription_resource_unique"
            ),
        ]

    def __str__(self):
        return f"{self.resource} until {self.expires_at:%Y-%m-%d %H:%M} UTC"
