"""Live updates: Graph change notifications on the blocking calendars, against the simulator.

The simulator checks the notification URL with the validation handshake and POSTs its
notifications to the app's live server (http on loopback, which only the simulator allows).
"""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from bookings.tests.conftest import booking_at
from calendars import subscriptions, sync, tasks
from calendars.models import BusyInterval, Calendar, CalendarConnection, Subscription
from conftest import ARTIFACTS, WORK, start_celery_worker, stop_celery_worker

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, timeout=15, what="condition", log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    tail = log.read_text()[-4000:] if log else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")


@pytest.fixture
def queued(monkeypatch):
    """The notified syncs and lifecycle tasks the views queue, recorded instead of sent."""
    calls = {"syncs": [], "lifecycle": []}
    monkeypatch.setattr(
        tasks,
        "queue_notified_sync",
        lambda pk, *, countdown: calls["syncs"].append((pk, countdown)),
    )
    monkeypatch.setattr(
        tasks, "queue_lifecycle", lambda pk, event: calls["lifecycle"].append((pk, event))
    )
    return calls


@pytest.fixture
def live(settings, live_server, simulator):
    settings.MICROSOFT_NOTIFICATION_URL = live_server.url
    return live_server


@pytest.fixture
def subscribed(live, expert, expert_client, connect_calendar):
    """The work persona connected, its calendar list read, and subscribed."""
    connect_calendar(expert_client, WORK)
    connection = CalendarConnection.objects.get(expert=expert)
    subscriptions.maintain(connection, now=timezone.now())
    connection.subscription = Subscription.objects.get(connection=connection)
    return connection


def notification(subscription, *, client_state=None, change="created", event_id="AAMk-1"):
    return {
        "subscriptionId": subscription.graph_id,
        "clientState": subscription.client_state if client_state is None else client_state,
        "changeType": change,
        "resource": f"Users/abc/Events/{event_id}",
        "resourceData": {
            "@odata.type": "#Microsoft.Graph.Event",
            "@odata.id": f"Users/abc/Events/{event_id}",
            "id": event_id,
        },
        "subscriptionExpirationDateTime": "2030-01-01T00:00:00.0000000Z",
        "tenantId": "t",
    }


def post(client, items, name="calendars:notifications"):
    return client.post(reverse(name), {"value": items}, content_type="application/json")


# --- the endpoint ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["calendars:notifications", "calendars:lifecycle"])
def test_the_validation_handshake_echoes_the_decoded_token_as_plain_text(client, name):
    answer = client.post(
        reverse(name) + "?validationToken=Validation%3A%20Testing%20%3Cb%3E",
        content_type="text/plain",
    )
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")
    assert answer.content.decode() == "Validation: Testing <b>"


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"value": 3}', b"\xff"])
def test_a_malformed_notification_is_400_not_500(client, body):
    answer = client.post(reverse("calendars:notifications"), body, content_type="application/json")
    assert answer.status_code == 400
    answer = client.post(reverse("calendars:lifecycle"), body, content_type="application/json")
    assert answer.status_code == 400


def test_only_post_is_answered(client):
    assert client.get(reverse("calendars:notifications")).status_code == 405


def test_a_forged_notification_changes_nothing_and_queues_no_sync(subscribed, client, queued):
    before = CalendarConnection.objects.get(pk=subscribed.pk)
    forged = [
        notification(subscribed.subscription, client_state="guessed"),
        notification(subscribed.subscription, client_state=""),
        {**notification(subscribed.subscription), "subscriptionId": "unknown"},
        {**notification(subscribed.subscription), "subscriptionId": ["list"]},
        "not an object",
    ]
    answer = post(client, forged)
    assert answer.status_code == 202
    assert queued["syncs"] == []
    after = CalendarConnection.objects.get(pk=subscribed.pk)
    assert after.notified_sync_due_at is None
    assert after.next_sync_at == before.next_sync_at
    assert Subscription.objects.get(pk=subscribed.subscription.pk).last_notification_at is None
    lifecycle = [
        {**notification(subscribed.subscription, client_state="x"), "lifecycleEvent": "missed"}
    ]
    assert post(client, lifecycle, "calendars:lifecycle").status_code == 202
    assert queued["lifecycle"] == []


def test_a_burst_of_notifications_queues_one_sync_then_at_most_one_a_minute(
    subscribed, client, queued, settings
):
    settings.CALENDAR_NOTIFIED_SYNC_DELAY = 1.0
    genuine = notification(subscribed.subscription)
    assert post(client, [genuine] * 100).status_code == 202
    for _ in range(100):
        assert post(client, [genuine]).status_code == 202
    assert len(queued["syncs"]) == 1
    pk, countdown = queued["syncs"][0]
    assert pk == subscribed.pk
    assert 0 < countdown <= 1.0

    # The sync starts: a change from now on needs another sync, a minute after this one.
    started = timezone.now()
    assert sync.start_notified_sync(subscribed.pk, now=started)
    for _ in range(50):
        post(client, [genuine])
    assert len(queued["syncs"]) == 2
    assert queued["syncs"][1][1] > 50  # not before a minute after the previous one started


def test_a_lost_notified_sync_lapses_and_the_next_notification_asks_again(subscribed):
    now = timezone.now()
    assert sync.claim_notified_sync(subscribed.pk, now=now) is not None
    assert sync.claim_notified_sync(subscribed.pk, now=now) is None
    later = now + timedelta(minutes=10)
    assert sync.claim_notified_sync(subscribed.pk, now=later) is not None


# --- subscriptions at the simulator -------------------------------------------------------


def test_a_connection_subscribes_its_blocking_calendar(subscribed, simulator, live):
    at_microsoft = simulator.subscriptions()
    assert len(at_microsoft) == 1
    made = at_microsoft[0]
    stored = subscribed.subscription
    assert made["id"] == stored.graph_id
    assert made["clientState"] == stored.client_state
    assert len(stored.client_state) >= 40
    assert made["changeType"] == "created,updated,deleted"
    assert made["resource"] == "/me/events"
    assert made["notificationUrl"] == live.url + reverse("calendars:notifications")
    assert made["lifecycleNotificationUrl"] == live.url + reverse("calendars:lifecycle")
    left = stored.expires_at - timezone.now()
    assert timedelta(days=2, hours=23) < left <= timedelta(days=3)


def test_each_blocking_calendar_has_its_own_subscription_and_unticking_deletes_it(
    subscribed, simulator
):
    holidays = simulator.add_calendar(WORK, "Holidays")
    from calendars import services

    assert services.refresh_calendars(subscribed)
    extra = Calendar.objects.get(connection=subscribed, graph_id=holidays)
    Calendar.objects.filter(pk=extra.pk).update(blocks=True)
    subscriptions.maintain(subscribed, now=timezone.now())
    resources = {s["resource"] for s in simulator.subscriptions()}
    assert resources == {"/me/events", f"/me/calendars/{holidays}/events"}
    assert Subscription.objects.filter(connection=subscribed).count() == 2

    Calendar.objects.filter(pk=extra.pk).update(blocks=False)
    subscriptions.maintain(subscribed, now=timezone.now())
    assert {s["resource"] for s in simulator.subscriptions()} == {"/me/events"}
    assert Subscription.objects.filter(connection=subscribed).count() == 1


def test_the_simulator_refuses_a_url_that_fails_the_handshake(subscribed, simulator, settings):
    settings.MICROSOFT_NOTIFICATION_URL = "http://127.0.0.1:9"  # nothing listens
    Subscription.objects.all().delete()
    subscriptions.maintain(subscribed, now=timezone.now())
    assert not Subscription.objects.exists()
    refused = [r for r in simulator.requests("/subscriptions") if r["method"] == "POST"]
    assert refused[-1]["status"] == 400
    # The settings tab says why live updates are off.
    assert subscriptions.live_status(subscribed)["on"] is False


def test_a_subscription_is_renewed_a_day_before_it_expires(subscribed, simulator):
    stored = subscribed.subscription
    Subscription.objects.filter(pk=stored.pk).update(
        expires_at=timezone.now() + timedelta(hours=20)
    )
    simulator.clear_requests()
    subscriptions.maintain(subscribed, now=timezone.now())
    patched = [r for r in simulator.requests("/subscriptions") if r["method"] == "PATCH"]
    assert len(patched) == 1
    assert patched[0]["status"] == 200
    renewed = Subscription.objects.get(pk=stored.pk)
    assert renewed.expires_at - timezone.now() > timedelta(days=2, hours=23)
    # With days left, nothing is asked of Microsoft.
    simulator.clear_requests()
    subscriptions.maintain(subscribed, now=timezone.now())
    assert simulator.requests("/subscriptions") == []


def test_a_subscription_microsoft_lost_is_made_again(subscribed, simulator):
    stored = subscribed.subscription
    simulator.expire_subscription(stored.graph_id)
    Subscription.objects.filter(pk=stored.pk).update(expires_at=timezone.now() + timedelta(hours=5))
    subscriptions.maintain(subscribed, now=timezone.now())
    again = Subscription.objects.get(connection=subscribed)
    assert again.graph_id != stored.graph_id
    assert [s["id"] for s in simulator.subscriptions()] == [again.graph_id]


def test_disconnecting_deletes_the_subscription(subscribed, simulator, expert_client):
    answer = expert_client.post(reverse("calendars:disconnect", args=[subscribed.uuid]))
    assert answer.status_code == 302
    assert simulator.subscriptions() == []
    assert not Subscription.objects.exists()


def test_without_the_setting_nothing_is_subscribed(
    simulator, settings, expert, expert_client, connect_calendar
):
    settings.MICROSOFT_NOTIFICATION_URL = ""
    connect_calendar(expert_client, WORK)
    connection = CalendarConnection.objects.get(expert=expert)
    simulator.clear_requests()
    tasks._maintain_subscriptions(connection.pk)
    subscriptions.maintain(connection, now=timezone.now())
    assert simulator.requests("/subscriptions") == []
    assert simulator.subscriptions() == []
    assert subscriptions.live_status(connection)["on"] is False


def test_turning_live_updates_off_removes_the_subscriptions(subscribed, simulator, settings):
    settings.MICROSOFT_NOTIFICATION_URL = ""
    tasks.maintain_subscriptions_task()
    assert simulator.subscriptions() == []
    assert not Subscription.objects.exists()


# --- notifications from the simulator -----------------------------------------------------


def test_a_change_in_outlook_reaches_the_app_as_a_genuine_notification(
    subscribed, simulator, queued
):
    day = (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%d")
    simulator.add_events(
        WORK,
        [
            {
                "subject": "Dentist",
                "start": {"dateTime": f"{day}T09:00:00", "timeZone": "UTC"},
                "end": {"dateTime": f"{day}T10:00:00", "timeZone": "UTC"},
            }
        ],
    )
    wait_for(lambda: queued["syncs"], what="a notified sync")
    assert queued["syncs"][0][0] == subscribed.pk
    delivered = simulator.deliveries()
    assert delivered[0]["status"] == 202
    assert delivered[0]["changeTypes"] == ["created"]
    assert Subscription.objects.get(pk=subscribed.subscription.pk).last_notification_at


@pytest.mark.parametrize("event", ["reauthorizationRequired", "subscriptionRemoved", "missed"])
def test_lifecycle_notifications(subscribed, simulator, queued, event, monkeypatch):
    stored = subscribed.subscription
    simulator.lifecycle(stored.graph_id, event)
    wait_for(lambda: queued["lifecycle"], what="a lifecycle notification")
    assert queued["lifecycle"] == [(stored.pk, event)]
    # What the worker does with it.
    tasks.subscription_lifecycle_task(stored.pk, event)
    at_microsoft = simulator.subscriptions()
    assert len(at_microsoft) == 1
    if event == "reauthorizationRequired":
        assert at_microsoft[0]["id"] == stored.graph_id
        assert at_microsoft[0]["reauthorized"] == 1
        assert not at_microsoft[0]["reauthorizationRequired"]
    elif event == "subscriptionRemoved":
        again = Subscription.objects.get(connection=subscribed)
        assert again.graph_id != stored.graph_id == stored.graph_id
        assert at_microsoft[0]["id"] == again.graph_id
    else:
        assert at_microsoft[0]["id"] == stored.graph_id
    # subscriptionRemoved and missed: notifications may be lost, a full sync follows.
    expected = [] if event == "reauthorizationRequired" else [subscribed.pk]
    assert [pk for pk, _ in queued["syncs"]] == expected


# --- our own appointment deleted in Outlook ------------------------------------------------


def test_an_appointment_deleted_in_outlook_asks_the_expert_and_cancels_nothing(
    subscribed, simulator, queued, expert, expert_client
):
    start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    day, hour = start.strftime("%Y-%m-%d"), start.hour
    event_ids = simulator.add_events(
        WORK,
        [
            {
                "subject": "Okomo: Jane Doe",
                "start": {"dateTime": f"{day}T{hour:02d}:00:00", "timeZone": "UTC"},
                "end": {"dateTime": f"{day}T{hour:02d}:30:00", "timeZone": "UTC"},
            }
        ],
    )
    ours = booking_at(
        expert, start=start, outlook_state=Booking.Outlook.WRITTEN, outlook_event_id=event_ids[0]
    )
    other = booking_at(
        expert,
        start=start + timedelta(hours=2),
        outlook_state=Booking.Outlook.WRITTEN,
        outlook_event_id="still-there",
    )
    simulator.clear_events(WORK)  # the expert deletes it in Outlook

    wait_for(lambda: Booking.objects.get(pk=ours.pk).outlook_removed_at, what="the removal flag")
    assert Booking.objects.get(pk=ours.pk).status == Booking.Status.ACCEPTED
    assert Booking.objects.get(pk=other.pk).outlook_removed_at is None

    page = expert_client.get(reverse("bookings:expert_list")).content.decode()
    assert page.count("You removed this appointment from Outlook") == 1
    assert reverse("bookings:keep", args=[ours.uuid]) in page

    expert_client.post(reverse("bookings:keep", args=[ours.uuid]))
    kept = Booking.objects.get(pk=ours.pk)
    assert kept.status == Booking.Status.ACCEPTED
    assert kept.outlook_removed_at is None
    assert kept.outlook_state == Booking.Outlook.REMOVED
    assert kept.outlook_event_id == ""
    page = expert_client.get(reverse("bookings:expert_list")).content.decode()
    assert "You removed this appointment from Outlook" not in page


def test_the_prompt_cancels_through_the_usual_flow(expert, expert_client):
    start = timezone.now() + timedelta(days=2)
    booking = booking_at(
        expert,
        start=start,
        outlook_state=Booking.Outlook.WRITTEN,
        outlook_event_id="gone",
        outlook_removed_at=timezone.now(),
    )
    answer = expert_client.post(reverse("bookings:cancel", args=[booking.uuid]))
    assert answer.status_code == 302
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED


def test_keep_is_only_for_the_experts_own_bookings(other_expert, expert_client):
    theirs = booking_at(
        other_expert,
        start=timezone.now() + timedelta(days=2),
        outlook_removed_at=timezone.now(),
        outlook_event_id="x",
        outlook_state=Booking.Outlook.WRITTEN,
    )
    assert expert_client.post(reverse("bookings:keep", args=[theirs.uuid])).status_code == 404
    assert Booking.objects.get(pk=theirs.pk).outlook_removed_at is not None


# --- the whole way, with a real worker -----------------------------------------------------


@pytest.mark.worker
def test_a_busy_event_added_in_outlook_is_stored_within_seconds(
    live, settings, celery_queue, expert, expert_client, connect_calendar, simulator
):
    # Polling would take an hour here: only a notification can bring the event in time.
    worker = start_celery_worker(
        settings,
        celery_queue,
        environment={
            "MICROSOFT_NOTIFICATION_URL": live.url,
            "CALENDAR_SYNC_INTERVAL": "3600",
            "CALENDAR_NOTIFIED_SYNC_DELAY": "0.5",
        },
    )
    try:
        connect_calendar(expert_client, WORK)  # the first sync subscribes
        connection = CalendarConnection.objects.get(expert=expert)
        wait_for(
            lambda: Subscription.objects.filter(connection=connection).exists(),
            timeout=40,
            what="the subscription",
            log=worker.log_path,
        )
        assert not BusyInterval.objects.filter(connection=connection).exists()
        day = (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%d")
        simulator.add_events(
            WORK,
            [
                {
                    "subject": "Board meeting",
                    "start": {"dateTime": f"{day}T13:00:00", "timeZone": "UTC"},
                    "end": {"dateTime": f"{day}T14:30:00", "timeZone": "UTC"},
                    "showAs": "busy",
                }
            ],
        )
        stored = wait_for(
            lambda: list(BusyInterval.objects.filter(connection=connection)),
            timeout=20,
            what="the busy time",
            log=worker.log_path,
        )
        assert [(b.start.hour, b.end.hour, b.end.minute) for b in stored] == [(13, 14, 30)]
        # The sync read the window with the five-field $select; the event itself was never read.
        assert not [r for r in simulator.requests("/me/events/") if r["method"] == "GET"]
    finally:
        stop_celery_worker(worker)


# --- what the expert and the staff see ------------------------------------------------------


def test_the_sync_tab_and_the_admin_say_whether_live_updates_are_on(
    subscribed, expert_client, admin_client, settings
):
    page = expert_client.get(reverse("calendars:settings")).content.decode()
    assert "Live updates" in page
    assert "changes in Outlook arrive within seconds" in page
    admin_page = admin_client.get(
        reverse("admin:calendars_calendarconnection_change", args=[subscribed.pk])
    ).content.decode()
    assert "/me/events" in admin_page
    assert subscribed.subscription.client_state not in admin_page

    settings.MICROSOFT_NOTIFICATION_URL = ""
    page = expert_client.get(reverse("calendars:settings")).content.decode()
    assert "off (this portal has no public address for Microsoft)" in page
    status = expert_client.get(reverse("calendars:status", args=[subscribed.uuid])).json()
    assert status["live_updates"]["on"] is False


@pytest.mark.browser
@pytest.mark.parametrize("width", [320, 1280])
def test_the_removed_in_outlook_prompt_fits_the_page(browser, live_server, expert, width):
    booking_at(
        expert,
        start=timezone.now() + timedelta(days=2),
        outlook_state=Booking.Outlook.WRITTEN,
        outlook_event_id="gone",
        outlook_removed_at=timezone.now(),
    )
    context = browser.new_context(locale="en-US", viewport={"width": width, "height": 800})
    tab = context.new_page()
    tab.goto(f"{live_server.url}/sign-in/")
    tab.get_by_label("Email address").fill("expert@example.com")
    tab.get_by_label("Password").fill("pw-expert-1")
    tab.get_by_role("button", name="Sign in").click()
    tab.goto(f"{live_server.url}{reverse('bookings:expert_list')}")
    prompt = tab.locator(".outlook-removed")
    assert prompt.is_visible()
    assert tab.get_by_role("button", name="Keep it").is_visible()
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=ARTIFACTS / f"outlook-removed-{width}.png", full_page=True)
    context.close()
