"""The "Availability" and "Booking page" settings tabs: the hours editor's validation, saving
with POST/redirect/GET or in place (htmx), dates with other hours, and friendly messages."""

from datetime import time, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from bookings import hours_forms
from bookings.hours_forms import DateExceptionForm, WeeklyHoursForm
from bookings.models import BookingSettings, DateException, WeeklyHours
from experts.time_zones import label as zone_label

AVAILABILITY = reverse("bookings:availability")
BOOKING_PAGE = reverse("bookings:booking_settings")
SAVE_WEEKLY = reverse("bookings:save_weekly")
ADD_DATE = reverse("bookings:add_exception")
SAVE_SETTINGS = reverse("bookings:save_settings")
HTMX = {"HTTP_HX_REQUEST": "true"}

pytestmark = pytest.mark.django_db


def week(**days):
    """A weekly-hours POST: week(tuesday=[("09:00", "12:00")], …); named days are ticked."""
    names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    data = MultiValueDict()
    for d, name in enumerate(names):
        if name in days:
            data[f"day_{d}_on"] = "on"
            data.setlist(f"day_{d}_start", [start for start, _ in days[name]])
            data.setlist(f"day_{d}_end", [end for _, end in days[name]])
    return data


def sent(data):
    """A MultiValueDict as the test client must get it to send every value of a list."""
    return dict(data.lists())


def errors_of(form):
    return list(form.non_field_errors())


def day_ahead(days=10):
    return timezone.localdate() + timedelta(days=days)


# --- the form ---------------------------------------------------------------------------


def test_ranges_are_read_sorted_and_empty_rows_are_ignored():
    form = WeeklyHoursForm(
        week(tuesday=[("13:00", "17:00"), ("", ""), ("9:00", "12:00")], friday=[("08:30", "12:00")])
    )

    assert form.is_valid(), errors_of(form)
    weekly = form.cleaned_data["weekly"]
    assert weekly[1] == [(time(9), time(12)), (time(13), time(17))]
    assert weekly[4] == [(time(8, 30), time(12))]
    assert weekly[0] == weekly[6] == []


def test_touching_ranges_are_fine():
    form = WeeklyHoursForm(week(monday=[("09:00", "12:00"), ("12:00", "17:00")]))

    assert form.is_valid(), errors_of(form)


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        ([("13:00", "12:00")], "Tuesday: the end (noon) must be after the start (1 p.m.)."),
        ([("09:00", "09:00")], "Tuesday: the end (9 a.m.) must be after the start (9 a.m.)."),
        (
            [("09:00", "12:00"), ("11:00", "14:00")],
            "Tuesday: 9 a.m.–noon and 11 a.m.–2 p.m. overlap. Please change one of them.",
        ),
        (
            [("25:00", "26:00")],
            "Tuesday: “25:00” is not a time. Please use hours and minutes, e.g. 09:00.",
        ),
        ([("09:00", "")], "Tuesday: please give both a start and an end."),
        (
            [("18:00", "00:00")],
            "Tuesday: hours cannot run past midnight. Please end them at 23:59.",
        ),
        ([], "Tuesday: please add your hours, or untick the day."),
    ],
)
def test_a_bad_range_is_refused_with_a_sentence_naming_the_day(ranges, message):
    form = WeeklyHoursForm(week(tuesday=ranges))

    assert not form.is_valid()
    assert errors_of(form) == [message]
    tuesday = form.days[1]
    assert tuesday.errors == [message]
    assert tuesday.available


def test_hours_typed_into_an_unticked_day_are_not_dropped_silently():
    data = week(saturday=[("10:00", "14:00")])
    del data["day_5_on"]

    form = WeeklyHoursForm(data)

    assert not form.is_valid()
    assert errors_of(form) == ["Saturday: tick the day to offer these hours, or clear them."]


def test_too_many_ranges_in_a_day_are_refused():
    ranges = [(f"{h:02d}:00", f"{h:02d}:30") for h in range(6, 20)]

    form = WeeklyHoursForm(week(monday=ranges))

    assert not form.is_valid()
    assert "Monday: at most 12 ranges, please." in errors_of(form)


def test_the_messages_are_marked_for_translation(monkeypatch):
    seen = []

    def recording_gettext(message):
        seen.append(message)
        return message

    monkeypatch.setattr(hours_forms, "gettext", recording_gettext)

    WeeklyHoursForm(week(monday=[("13:00", "12:00"), ("x", "y")], tuesday=[])).is_valid()

    assert "%(day)s: the end (%(end)s) must be after the start (%(start)s)." in seen
    assert "%(day)s: “%(value)s” is not a time. Please use hours and minutes, e.g. 09:00." in seen
    assert "%(day)s: please add your hours, or untick the day." in seen


def test_the_day_names_follow_the_language():
    from django.utils import translation

    with translation.override("de"):
        names = [day.label for day in WeeklyHoursForm().days]

    assert names[0] == "Montag"
    assert names[6] == "Sonntag"


def test_an_unbound_form_shows_the_saved_week():
    form = WeeklyHoursForm(hours={2: [(time(9), time(12))]})

    wednesday = form.days[2]
    assert wednesday.available
    assert [(r.start, r.end) for r in wednesday.rows] == [("09:00", "12:00")]
    assert [(r.start, r.end) for r in wednesday.rows_with_spare] == [("09:00", "12:00"), ("", "")]
    assert not form.days[0].available


def test_a_date_with_other_hours_needs_hours():
    form = DateExceptionForm({"date": day_ahead().isoformat(), "kind": "hours"})

    assert not form.is_valid()
    assert errors_of(form) == [
        "Please add the hours you are available that day, or choose “Day off”."
    ]


def test_a_day_off_ignores_rows_typed_before_choosing_it():
    data = MultiValueDict({"date": [day_ahead().isoformat()], "kind": ["off"]})
    data.setlist("date_start", ["13:00"])
    data.setlist("date_end", ["12:00"])

    form = DateExceptionForm(data)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["hours"] == []


# --- the Availability tab ---------------------------------------------------------------


def test_the_tab_names_the_time_zone_once(expert_client, expert):
    WeeklyHours.objects.create(expert=expert, weekday=0, start=time(9), end=time(17))

    page = expert_client.get(AVAILABILITY)

    text = page.content.decode()
    assert page.status_code == 200
    assert text.count(zone_label("Europe/Zurich")) == 1
    assert 'name="day_0_start" value="09:00"' in text
    assert 'id="day_0_on" data-available checked' in text


def test_saved_hours_redirect_back_to_the_tab_with_a_message(expert_client, expert):
    answer = expert_client.post(
        SAVE_WEEKLY, sent(week(tuesday=[("09:00", "12:00"), ("13:00", "17:00")]))
    )

    assert answer.status_code == 302
    assert answer["Location"] == AVAILABILITY
    page = expert_client.get(answer["Location"])
    assert "Your weekly hours were saved." in page.content.decode()
    assert list(WeeklyHours.objects.values_list("weekday", "start", "end")) == [
        (1, time(9), time(12)),
        (1, time(13), time(17)),
    ]


def test_refused_hours_show_the_whole_tab_with_the_typed_values(expert_client, expert):
    WeeklyHours.objects.create(expert=expert, weekday=0, start=time(8), end=time(9))

    page = expert_client.post(SAVE_WEEKLY, sent(week(monday=[("13:00", "12:00")])))

    text = page.content.decode()
    assert page.status_code == 400
    assert "Monday: the end (noon) must be after the start (1 p.m.)." in text
    assert 'name="day_0_start" value="13:00" aria-label="Monday, from" aria-invalid="true"' in text
    assert "Your weekly hours were not saved." in text
    assert 'id="dates"' in text  # the whole tab
    assert WeeklyHours.objects.get().start == time(8)  # nothing changed


def test_an_in_place_save_answers_the_form_and_the_messages_only(expert_client, expert):
    answer = expert_client.post(SAVE_WEEKLY, sent(week(wednesday=[("10:00", "11:00")])), **HTMX)

    text = answer.content.decode()
    assert answer.status_code == 200
    assert text.lstrip().startswith("<form")
    assert 'id="weekly"' in text
    assert 'id="dates"' not in text
    assert "<html" not in text
    assert 'id="messages" class="messages" aria-live="polite" hx-swap-oob="innerHTML"' in text
    assert "Your weekly hours were saved." in text
    assert WeeklyHours.objects.get().weekday == 2


def test_a_refused_in_place_save_answers_the_form_with_its_problems(expert_client):
    answer = expert_client.post(
        SAVE_WEEKLY, sent(week(wednesday=[("10:00", "12:00"), ("11:00", "13:00")])), **HTMX
    )

    text = answer.content.decode()
    assert answer.status_code == 400
    assert text.lstrip().startswith("<form")
    assert "data-unsaved" in text
    assert "Wednesday: 10 a.m.–noon and 11 a.m.–1 p.m. overlap." in text
    assert not WeeklyHours.objects.exists()


def test_opening_a_forms_address_leads_to_its_tab(expert_client):
    assert expert_client.get(SAVE_WEEKLY)["Location"] == AVAILABILITY
    assert expert_client.get(ADD_DATE)["Location"] == AVAILABILITY
    assert expert_client.get(SAVE_SETTINGS)["Location"] == BOOKING_PAGE
    assert expert_client.put(SAVE_WEEKLY).status_code == 405


def test_signed_out_people_are_sent_to_sign_in(client):
    for url in (AVAILABILITY, BOOKING_PAGE):
        assert reverse("login") in client.get(url)["Location"]
    assert (
        reverse("login")
        in client.post(SAVE_WEEKLY, sent(week(monday=[("09:00", "10:00")])))["Location"]
    )
    assert not WeeklyHours.objects.exists()


def test_the_forms_need_the_csrf_token(expert):
    client = Client(enforce_csrf_checks=True)
    client.force_login(expert)

    refused = client.post(SAVE_WEEKLY, sent(week(monday=[("09:00", "10:00")])))
    token = client.get(AVAILABILITY).context["csrf_token"]
    data = week(monday=[("09:00", "10:00")])
    data["csrfmiddlewaretoken"] = str(token)
    accepted = client.post(SAVE_WEEKLY, sent(data))

    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert WeeklyHours.objects.count() == 1


# --- dates with other hours -------------------------------------------------------------


def test_a_date_with_other_hours_is_saved_and_listed(expert_client, expert):
    day = day_ahead()
    data = MultiValueDict({"date": [day.isoformat()], "kind": ["hours"]})
    data.setlist("date_start", ["14:00", "09:00"])
    data.setlist("date_end", ["16:00", "10:00"])

    answer = expert_client.post(ADD_DATE, sent(data), follow=True)

    text = answer.content.decode()
    assert answer.redirect_chain == [(AVAILABILITY, 302)]
    assert "your other hours were saved." in text
    assert "9 a.m.–10 a.m., 2 p.m.–4 p.m." in text
    assert list(DateException.objects.values_list("date", "start", "end")) == [
        (day, time(9), time(10)),
        (day, time(14), time(16)),
    ]


def test_adding_a_date_in_place_answers_the_dates_section(expert_client, expert):
    day = day_ahead()

    answer = expert_client.post(ADD_DATE, {"date": day.isoformat(), "kind": "off"}, **HTMX)

    text = answer.content.decode()
    assert answer.status_code == 200
    assert text.lstrip().startswith('<section id="dates"')
    assert 'id="weekly"' not in text
    assert "is saved as a day off." in text
    assert "Day off" in text
    assert DateException.objects.get(expert=expert).start is None


def test_a_refused_date_keeps_what_was_typed(expert_client):
    day = day_ahead()
    data = MultiValueDict({"date": [day.isoformat()], "kind": ["hours"]})
    data.setlist("date_start", ["15:00"])
    data.setlist("date_end", ["14:00"])

    page = expert_client.post(ADD_DATE, sent(data))

    text = page.content.decode()
    assert page.status_code == 400
    assert f'value="{day.isoformat()}"' in text
    assert 'name="date_start" value="15:00"' in text
    assert "the end (2 p.m.) must be after the start (3 p.m.)." in text
    assert not DateException.objects.exists()


def test_removing_a_date_in_place_answers_the_list_only(expert_client, expert):
    day = day_ahead()
    DateException.objects.create(expert=expert, date=day)

    answer = expert_client.post(reverse("bookings:delete_exception", args=[day]), **HTMX)

    text = answer.content.decode()
    assert text.lstrip().startswith('<div id="date-list"')
    assert "follows your weekly hours again." in text
    assert "No dates with other hours yet." in text
    assert not DateException.objects.exists()


def test_another_experts_date_cannot_be_removed(expert_client, expert, other_expert):
    day = day_ahead()
    DateException.objects.create(expert=other_expert, date=day)

    answer = expert_client.post(reverse("bookings:delete_exception", args=[day]), follow=True)

    assert answer.status_code == 200
    assert "follows your weekly hours again." not in answer.content.decode()
    assert DateException.objects.get().expert == other_expert


def test_another_experts_hours_are_not_shown_or_replaced(expert_client, expert, other_expert):
    WeeklyHours.objects.create(expert=other_expert, weekday=3, start=time(7), end=time(8))
    DateException.objects.create(expert=other_expert, date=day_ahead())

    page = expert_client.get(AVAILABILITY)
    expert_client.post(SAVE_WEEKLY, sent(week(monday=[("09:00", "10:00")])))

    assert 'value="07:00"' not in page.content.decode()
    assert "No dates with other hours yet." in page.content.decode()
    assert WeeklyHours.objects.filter(expert=other_expert).count() == 1


# --- the Booking page tab ---------------------------------------------------------------


def settings_post(**changes):
    data = {
        "appointment_minutes": 30,
        "slot_step_minutes": 15,
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 0,
        "minimum_notice_minutes": 120,
        "horizon_days": 60,
        "request_hold_hours": 48,
        "meeting": "phone",
        "meeting_link": "",
        "reminder_hours": 24,
    }
    return data | changes


@pytest.mark.parametrize(
    ("field", "value", "sentence"),
    [
        ("horizon_days", "93", "Please choose from 1 to 92 days ahead."),
        ("horizon_days", "0", "Please choose from 1 to 92 days ahead."),
        ("appointment_minutes", "5", "Please choose a length from 10 to 480 minutes (8 hours)."),
        ("appointment_minutes", "", "Please choose a length from 10 to 480 minutes (8 hours)."),
        (
            "buffer_after_minutes",
            "241",
            "Please give 0 to 240 minutes (4 hours) of free time after.",
        ),
        (
            "minimum_notice_minutes",
            "-1",
            "Please give a notice from 0 to 20160 minutes (two weeks).",
        ),
        ("request_hold_hours", "a lot", "Please give 1 to 336 hours (two weeks)."),
        ("slot_step_minutes", "7", "Please choose one of the offered steps."),
    ],
)
def test_a_booking_setting_out_of_range_gets_a_friendly_sentence(
    expert_client, expert, field, value, sentence
):
    page = expert_client.post(SAVE_SETTINGS, settings_post(**{field: value}))

    text = page.content.decode()
    assert page.status_code == 400
    assert sentence in text
    assert "Ensure this value" not in text
    assert "Enter a whole number" not in text
    assert "This field is required" not in text
    assert 'id="booking-settings"' in text
    assert not BookingSettings.objects.filter(expert=expert, meeting="phone").exists()


def test_the_booking_page_tab_shows_the_public_link_and_the_requests(expert_client, expert):
    page = expert_client.get(BOOKING_PAGE)

    text = page.content.decode()
    assert 'value="http://testserver/book/jana/"' in text
    assert reverse("bookings:expert_list") in text
    assert 'min="10" max="480"' in text  # the browser knows the bounds too


def test_booking_settings_saved_in_place_answer_the_form(expert_client, expert):
    answer = expert_client.post(SAVE_SETTINGS, settings_post(horizon_days=30), **HTMX)

    text = answer.content.decode()
    assert answer.status_code == 200
    assert text.lstrip().startswith("<form")
    assert "Your booking settings were saved." in text
    assert BookingSettings.objects.get(expert=expert).horizon_days == 30


def test_booking_settings_saved_without_htmx_redirect_to_the_tab(expert_client, expert):
    answer = expert_client.post(SAVE_SETTINGS, settings_post(horizon_days=30))

    assert answer.status_code == 302
    assert answer["Location"] == BOOKING_PAGE
