"""The control API for tests and demos (/_sim/...): seed, revoke, break, observe."""

import json
import random
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from . import demo, events
from .identity import json_response
from .personas import PERSONAL_TENANT, Persona, Tenant
from .state import Fault


def _body(request):
    try:
        value = json.loads(request.get_data() or b"{}")
    except ValueError:
        value = None
    return value if isinstance(value, dict) else {}


def health(ctx, request):
    return json_response({"ok": True})


def reset(ctx, request):
    ctx.state.reset()
    return json_response({"ok": True})


def settings(ctx, request):
    state = ctx.state
    with state.lock:
        for key, value in _body(request).items():
            if hasattr(state.settings, key):
                setattr(state.settings, key, int(value))
        return json_response(asdict(state.settings))


def add_persona(ctx, request):
    data = _body(request)
    state = ctx.state
    kind = data.get("kind", "work")
    seed = abs(hash(data["username"]))
    tenant_id = data.get("tenant_id") or (
        PERSONAL_TENANT if kind == "personal" else f"{seed % 10**8:08d}-0000-4000-8000-000000000001"
    )
    oid = data.get("oid") or (
        f"00000000-0000-0000-{seed % 16**4:04x}-{seed % 16**12:012x}"
        if kind == "personal"
        else f"{seed % 16**8:08x}-{seed % 16**4:04x}-4000-8000-{seed % 16**12:012x}"
    )
    persona = Persona(
        username=data["username"],
        display_name=data.get("display_name", data["username"]),
        kind=kind,
        tenant_id=tenant_id,
        oid=oid,
        graph_id=oid[-16:].replace("-", "") if kind == "personal" else oid,
        mail=None if kind == "personal" else data["username"],
        time_zone=data.get("time_zone", "Europe/Berlin"),
        is_admin=bool(data.get("is_admin", False)),
    )
    with state.lock:
        state.personas[persona.username] = persona
        if tenant_id not in state.tenants:
            state.tenants[tenant_id] = Tenant(tenant_id, data.get("tenant_name", "Tenant"))
        if "consent_policy" in data:
            state.tenants[tenant_id].consent_policy = data["consent_policy"]
    shown = {k: sorted(v) if isinstance(v, set) else v for k, v in asdict(persona).items()}
    return json_response(shown, status=201)


def revoke(ctx, request, username):
    state = ctx.state
    with state.lock:
        for token, grant in list(state.refresh_tokens.items()):
            if grant["username"] == username:
                del state.refresh_tokens[token]
                state.retired_refresh_tokens[token] = "revoked"
        for token, grant in list(state.access_tokens.items()):
            if grant["username"] == username:
                del state.access_tokens[token]
    return json_response({"ok": True})


def withdraw_consent(ctx, request, username):
    with ctx.state.lock:
        ctx.state.consent_withdrawn.add(username)
    return json_response({"ok": True})


def expire_access_tokens(ctx, request, username):
    state = ctx.state
    with state.lock:
        for grant in state.access_tokens.values():
            if grant["username"] == username:
                grant["expires_at"] = state.now() - 1
    return json_response({"ok": True})


def mailbox(ctx, request, username):
    """A mailbox's events and calendars.

    POST {"events": [...]}: add events to the default calendar; with "calendar": an id, to
    that calendar; with "add_calendar": {"name", "can_edit", "owner": {"name", "address"}},
    to a calendar made first (its id comes back as "calendar_id").
    GET: every event (with its "calendar_id") and the calendars.
    DELETE: every event; with ?calendar=id that calendar and its events, as when it is
    deleted in Outlook.
    """
    state = ctx.state
    persona = state.personas.get(username)
    if persona is None:
        return json_response({"error": f"no persona {username}"}, status=404)
    if request.method == "DELETE":
        return _delete(state, persona, request.args.get("calendar"))
    if request.method == "GET":
        with state.lock:
            stored = list(state.mailbox(username).values())
            listed = persona.all_calendars()
        found = [dict(_raw(e), calendar_id=e["calendar_id"] or persona.calendar_id) for e in stored]
        return json_response({"events": found, "calendars": listed})
    data = _body(request)
    calendar_id = data.get("calendar")
    if isinstance(data.get("add_calendar"), dict):
        calendar_id = _add_calendar(state, persona, data["add_calendar"])
    elif calendar_id is not None and persona.calendar(calendar_id) is None:
        return json_response({"error": f"no calendar {calendar_id}"}, status=404)
    answer = _add(ctx, persona, data.get("events", []), calendar_id=calendar_id)
    if calendar_id is not None and answer.status_code == 201:
        body = json.loads(answer.get_data())
        answer = json_response({**body, "calendar_id": calendar_id}, status=201)
    return answer


def _add_calendar(state, persona, spec):
    with state.lock:
        calendar = {
            "id": persona.new_calendar_id(state.new_id(size=9)),
            "name": str(spec.get("name") or "Calendar"),
            "can_edit": bool(spec.get("can_edit", True)),
            "owner": spec.get("owner")
            or {"name": persona.display_name, "address": persona.mail or persona.username},
        }
        persona.calendars.append(calendar)
    return calendar["id"]


def _delete(state, persona, calendar_id):
    with state.lock:
        box = state.mailbox(persona.username)
        if calendar_id is None:
            box.clear()
            return json_response({"ok": True})
        if calendar_id == persona.calendar_id or persona.calendar(calendar_id) is None:
            return json_response({"error": f"no removable calendar {calendar_id}"}, status=404)
        persona.calendars[:] = [c for c in persona.calendars if c["id"] != calendar_id]
        for event_id in [i for i, e in box.items() if e["calendar_id"] == calendar_id]:
            del box[event_id]
    return json_response({"ok": True})


def seed_demo(ctx, request, username):
    persona = ctx.state.personas.get(username)
    if persona is None:
        return json_response({"error": f"no persona {username}"}, status=404)
    payloads = [
        p
        for p in demo.demo_events(datetime.now(UTC).date())
        if persona.calendar(p.get("simCalendarId")) is not None
    ]
    return _add(ctx, persona, payloads)


def bulk(ctx, request, username):
    data = _body(request)
    persona = ctx.state.personas.get(username)
    if persona is None:
        return json_response({"error": f"no persona {username}"}, status=404)
    rng = random.Random(data.get("seed", 1))  # noqa: S311 (test data, not secrets)
    first = datetime.fromisoformat(data["start"]).astimezone(UTC)
    last = datetime.fromisoformat(data["end"]).astimezone(UTC)
    marker = data.get("marker", "")
    span = int((last - first).total_seconds() // 900)
    generated = []
    for n in range(int(data.get("count", 0))):
        begin = first + timedelta(minutes=15 * rng.randrange(max(1, span)))
        all_day = rng.random() < 0.03
        show_as = rng.choices(["busy", "tentative", "free", "oof"], weights=[80, 8, 8, 4])[0]
        if all_day:
            day = begin.date()
            start = {"dateTime": f"{day}T00:00:00", "timeZone": "UTC"}
            end = {"dateTime": f"{day + timedelta(days=1)}T00:00:00", "timeZone": "UTC"}
        else:
            finish = begin + timedelta(minutes=rng.choice([15, 30, 45, 60, 90, 120]))
            start = {"dateTime": begin.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}
            end = {"dateTime": finish.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}
        generated.append(
            {
                "subject": f"Meeting {n} {marker}",
                "body": f"Agenda {marker}",
                "location": f"Room {marker}",
                "attendees": [f"guest{n}@example.com"],
                "start": start,
                "end": end,
                "isAllDay": all_day,
                "showAs": show_as,
            }
        )
    return _add(ctx, persona, generated)


def _add(ctx, persona, payloads, calendar_id=None):
    state = ctx.state
    created = []
    if calendar_id is not None:
        payloads = [{**p, "simCalendarId": calendar_id} for p in payloads]
    try:
        built = [
            events.build_event(p, mailbox_zone=persona.time_zone, now=state.now()) for p in payloads
        ]
    except events.InvalidEvent as exc:
        return json_response({"error": str(exc)}, status=400)
    with state.lock:
        box = state.mailbox(persona.username)
        for event in built:
            box[event["id"]] = event
            created.append(event["id"])
    return json_response({"ids": created}, status=201)


def _raw(event):
    raw = {k: v for k, v in event.items() if k not in ("start_local", "end_local", "deleted")}
    raw["start"] = {
        "dateTime": event["start_local"].replace(tzinfo=None).isoformat(),
        "timeZone": event["zone"],
    }
    raw["end"] = {
        "dateTime": event["end_local"].replace(tzinfo=None).isoformat(),
        "timeZone": event["zone"],
    }
    raw["deletedOccurrences"] = sorted(event["deleted"])
    return raw


def faults(ctx, request):
    state = ctx.state
    if request.method == "DELETE":
        with state.lock:
            state.faults.clear()
        return json_response({"ok": True})
    data = _body(request)
    fault = Fault(
        path=data["path"],
        status=int(data.get("status", 503)),
        method=data.get("method"),
        regex=bool(data.get("regex", False)),
        times=int(data.get("times", 1)),
        skip=int(data.get("skip", 0)),
        retry_after=None if data.get("retry_after") is None else str(data["retry_after"]),
        delay_ms=int(data.get("delay_ms", 0)),
        body=data.get("body"),
        content_type=data.get("content_type"),
    )
    with state.lock:
        state.faults.append(fault)
    return json_response(asdict(fault), status=201)


def request_log(ctx, request):
    state = ctx.state
    with state.lock:
        if request.method == "DELETE":
            state.log.clear()
            return json_response({"ok": True})
        entries = list(state.log)
    needle = request.args.get("path_contains")
    if needle:
        entries = [e for e in entries if needle in e["path"]]
    return json_response({"requests": entries})
