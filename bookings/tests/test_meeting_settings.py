"""How the expert meets customers, instant confirmation and reminders, on the "Booking page" tab.

Teams is offered only when the connected calendar allows it; the real simulator answers
/me/calendar as Microsoft does (work accounts: teamsForBusiness, personal: skypeForConsumer).
"""

import pytest
from django.urls import reverse

from bookings.models import BookingSettings
from calendars.models import CalendarConnection
from conftest import PERSONAL, WORK

pytestmark = pytest.mark.django_db

SETTINGS_PAGE = reverse("bookings:booking_settings")
SAVE = reverse("bookings:save_settings")
TEAMS_REASON = "needs a connected Microsoft 365 work or school calendar"
FALLBACK = "Your calendar cannot create Teams meetings"


def settings_post(**changes):
    """A complete settings form as the page sends it, with `changes` applied."""
    data = {
        "appointment_minutes": 30,
        "slot_step_minutes": 15,
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 0,
        "minimum_notice_minutes": 120,
        "horizon_days": 60,
        "request_hold_hours": 48,
        "meeting": "link",
        "meeting_link": "https://meet.jit.si/jana-expert",
        "reminder_hours": 24,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def saved(expert):
    return BookingSettings.objects.get(expert=expert)


def input_tag(page, marker):
    """The rendered <input ...> that contains `marker`."""
    html = page.content.decode()
    start = html.index(marker)
    return html[html.rindex("<input", 0, start) : html.index(">", start) + 1]


def teams_radio(page):
    return input_tag(page, 'value="teams"')


def calendar_metadata_requests(simulator):
    return [r for r in simulator.requests("/v1.0/me/calendar") if r["path"] == "/v1.0/me/calendar"]


def test_own_link_is_required_when_meeting_by_link(expert_client, expert):
    page = expert_client.post(SAVE, settings_post(meeting="link", meeting_link=""))

    assert page.status_code == 400
    assert "Please enter your video link, or choose another way to meet." in page.content.decode()
    assert not BookingSettings.objects.filter(expert=expert, meeting="link").exists()


def test_an_http_link_is_refused_with_a_sentence(expert_client, expert):
    page = expert_client.post(SAVE, settings_post(meeting_link="http://zoom.us/j/123456789"))

    assert page.status_code == 400
    text = page.content.decode()
    assert "Please use a secure link that starts with https://" in text
    assert "Enter a valid URL" not in text
    assert not BookingSettings.objects.filter(expert=expert, meeting="link").exists()


def test_a_link_typed_without_https_gets_it(expert_client, expert):
    expert_client.post(SAVE, settings_post(meeting_link="zoom.us/j/123456789"))

    assert saved(expert).meeting_link == "https://zoom.us/j/123456789"


def test_a_link_is_optional_for_phone_and_kept_as_given(expert_client, expert):
    expert_client.post(SAVE, settings_post(meeting="phone", meeting_link=""))

    assert saved(expert).meeting == "phone"
    assert saved(expert).meeting_link == ""


@pytest.mark.parametrize("hours", ["169", "-1", "a day"])
def test_a_reminder_outside_one_week_is_refused_with_a_sentence(expert_client, expert, hours):
    page = expert_client.post(SAVE, settings_post(reminder_hours=hours))

    assert page.status_code == 400
    text = page.content.decode()
    assert "Please give a whole number of hours from 0 (no reminder) to 168 (a week)." in text
    assert "Ensure this value" not in text


def test_saved_values_round_trip_through_the_settings_page(expert_client, expert):
    answer = expert_client.post(
        SAVE,
        settings_post(
            meeting="link",
            meeting_link="https://example.webex.com/meet/jana",
            confirm_automatically="on",
            reminder_hours=6,
        ),
        follow=True,
    )

    assert "Your booking settings were saved." in answer.content.decode()
    stored = saved(expert)
    assert stored.meeting == "link"
    assert stored.meeting_link == "https://example.webex.com/meet/jana"
    assert stored.confirm_automatically is True
    assert stored.reminder_hours == 6
    form = answer.context["settings_form"]
    assert form["meeting"].value() == "link"
    assert form["meeting_link"].value() == "https://example.webex.com/meet/jana"
    assert form["confirm_automatically"].value() is True
    assert form["reminder_hours"].value() == 6
    text = answer.content.decode()
    assert 'value="https://example.webex.com/meet/jana"' in text
    assert "checked" in input_tag(answer, 'name="confirm_automatically"')

    expert_client.post(SAVE, settings_post(meeting="phone", reminder_hours=0))

    stored = saved(expert)
    assert (stored.meeting, stored.confirm_automatically, stored.reminder_hours) == (
        "phone",
        False,
        0,
    )
    assert stored.meeting_link == "https://meet.jit.si/jana-expert"  # kept as the fallback


def test_teams_is_shown_disabled_without_a_calendar(expert_client, expert):
    page = expert_client.get(SETTINGS_PAGE)

    radio = teams_radio(page)
    assert "disabled" in radio
    assert 'aria-describedby="id_meeting_0_reason"' in radio
    text = page.content.decode()
    assert f'<small id="id_meeting_0_reason">{TEAMS_REASON}</small>' in text
    # Teams is the default: the expert is told what happens instead.
    assert FALLBACK in text


def test_choosing_teams_without_a_teams_calendar_is_refused(expert_client, expert):
    expert_client.post(SAVE, settings_post(meeting="link"))

    page = expert_client.post(SAVE, settings_post(meeting="teams"))

    assert page.status_code == 400
    assert (
        "Teams meetings need a connected Microsoft 365 work or school calendar."
        in page.content.decode()
    )
    assert saved(expert).meeting == "link"


def test_a_saved_teams_choice_survives_a_save_of_the_other_settings(expert_client, expert):
    """The browser sends nothing for the checked but disabled Teams button."""
    BookingSettings.objects.create(expert=expert, meeting="teams")

    page = expert_client.post(
        SAVE, settings_post(meeting=None, meeting_link="", reminder_hours=12), follow=True
    )

    assert "Your booking settings were saved." in page.content.decode()
    assert saved(expert).meeting == "teams"
    assert saved(expert).reminder_hours == 12
    assert "you have no video link yet" in page.content.decode()


def test_the_fallback_warning_names_the_video_link_once_there_is_one(expert_client, expert):
    BookingSettings.objects.create(
        expert=expert, meeting="teams", meeting_link="https://meet.jit.si/jana"
    )

    page = expert_client.get(SETTINGS_PAGE)

    assert (
        "Your calendar cannot create Teams meetings: appointments get your video link instead."
        in page.content.decode()
    )


def test_a_work_calendar_offers_teams(expert_client, expert, connect_calendar):
    connect_calendar(expert_client, WORK)

    page = expert_client.get(SETTINGS_PAGE)

    assert "disabled" not in teams_radio(page)
    text = page.content.decode()
    assert TEAMS_REASON not in text
    assert FALLBACK not in text
    expert_client.post(SAVE, settings_post(meeting="teams", meeting_link=""))
    assert saved(expert).meeting == "teams"


def test_a_personal_calendar_does_not_offer_teams(expert_client, expert, connect_calendar):
    connect_calendar(expert_client, PERSONAL)

    page = expert_client.get(SETTINGS_PAGE)

    assert "disabled" in teams_radio(page)
    assert TEAMS_REASON in page.content.decode()


def test_another_experts_work_calendar_does_not_offer_teams_here(
    client, expert, other_expert, connect_calendar
):
    client.force_login(other_expert)
    connect_calendar(client, WORK)
    client.force_login(expert)

    page = client.get(SETTINGS_PAGE)

    assert "disabled" in teams_radio(page)


def test_the_providers_are_stored_at_connect_from_calendar_metadata_only(
    expert_client, expert, connect_calendar, simulator
):
    connect_calendar(expert_client, WORK)

    connection = CalendarConnection.objects.get(expert=expert)
    assert connection.online_meeting_providers == ["teamsForBusiness"]
    assert connection.allows_teams
    assert [r["query"] for r in calendar_metadata_requests(simulator)] == [
        {"$select": "allowedOnlineMeetingProviders,defaultOnlineMeetingProvider"}
    ]


def test_reconnecting_with_a_personal_account_withdraws_teams(
    expert_client, expert, connect_calendar
):
    connect_calendar(expert_client, WORK)

    connect_calendar(expert_client, PERSONAL)

    connection = CalendarConnection.objects.get(expert=expert)
    assert connection.online_meeting_providers == ["skypeForConsumer"]
    assert not connection.allows_teams


def test_a_failing_providers_call_does_not_fail_the_connect(
    expert_client, expert, connect_calendar, simulator
):
    simulator.fault(path="/v1.0/me/calendar", status=503)

    page = connect_calendar(expert_client, WORK)

    text = page.content.decode()
    assert "Your calendar is connected: anna.berger@contoso.example" in text
    connection = CalendarConnection.objects.get(expert=expert)
    assert connection.status == "connected"
    assert connection.online_meeting_providers == []
    assert "disabled" in teams_radio(expert_client.get(SETTINGS_PAGE))
    assert [r["status"] for r in calendar_metadata_requests(simulator)] == [503]
