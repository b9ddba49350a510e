"""The figures as a Markdown table, with the targets of the performance budget beside them."""

import math


def _ok(passed):
    return "met" if passed else "**missed**"


def render(results, *, machine, when, size):
    lines = [
        "# Benchmark results",
        "",
        f"Run {when:%Y-%m-%d %H:%M} UTC with `make bench`{' (tiny sizes)' if size == 'tiny' else ''}.",
        "",
        "| machine | |",
        "|---|---|",
        *[f"| {key} | {value} |" for key, value in machine.items()],
        "",
    ]
    slots = results["slots"]
    lines += [
        "## 1. Slot finder (pure)",
        "",
        "Mon–Fri 08:00–18:00 Europe/Zurich, 30-minute appointments on a 15-minute grid, from now to",
        "the end of the second month after this one; N random busy intervals; median of repeats.",
        "",
        "| N busy | slots | slot finder | naive reference | speed-up |",
        "|---:|---:|---:|---:|---:|",
        *[
            f"| {r['n']:,} | {r['slots']:,} | {r['fast_ms']:.2f} ms | {r['naive_ms']:.1f} ms | {r['speedup']:.0f}× |"
            for r in slots
        ],
    ]
    by_n = {r["n"]: r for r in slots}
    if 1_000 in by_n and 10_000 in by_n:
        growth = by_n[10_000]["fast_ms"] / by_n[1_000]["fast_ms"]
        nlogn = 10 * math.log(10_000) / math.log(1_000)
        lines += [
            "",
            f"- N = 1,000: {by_n[1_000]['fast_ms']:.2f} ms (target < 5 ms: {_ok(by_n[1_000]['fast_ms'] < 5)}),"
            f" {by_n[1_000]['speedup']:.0f}× the naive reference (target ≥ 20×: {_ok(by_n[1_000]['speedup'] >= 20)}).",
            f"- Growth from 1,000 to 10,000: {growth:.1f}× (N log N would be {nlogn:.1f}×:"
            f" {_ok(growth <= nlogn * 1.2)}).",
        ]
    if "peer" in results:
        lines += _peer(results["peer"])
    page = results["page"]
    s, f = page["slots"], page["floor"]
    lines += [
        "",
        "## 2. Booking page (slots JSON, one month) under gunicorn, 2 workers, PostgreSQL",
        "",
        f"{page['busy']:,} busy intervals; 8 keep-alive connections from a separate process;"
        f" answer {page['bytes']:,} bytes.",
        "",
        "| endpoint | requests | req/s | p50 | p95 | p99 |",
        "|---|---:|---:|---:|---:|---:|",
        f"| slots.json | {s['requests']:,} | {s['rps']:.0f} | {s['p50_ms']:.1f} ms | {s['p95_ms']:.1f} ms | {s['p99_ms']:.1f} ms |",
        f"| floor (same bytes, no work) | {f['requests']:,} | {f['rps']:.0f} | {f['p50_ms']:.1f} ms | {f['p95_ms']:.1f} ms | {f['p99_ms']:.1f} ms |",
        "",
        f"- Repeated views are answered from the cache (per expert, dropped on every change of"
        f" availability, at most a minute old); computing an answer afresh (a cache miss, in-process,"
        f" median) takes {page['uncached_ms']:.1f} ms.",
        f"- SQL queries per request: {page['queries']} (target: constant, ≤ 5: {_ok(len(set(page['queries'].values())) == 1 and max(page['queries'].values()) <= 5)}).",
        f"- p95 {s['p95_ms']:.1f} ms (target < 50 ms: {_ok(s['p95_ms'] < 50)}); p95 ratio to the floor"
        f" {page['p95_ratio']:.2f}× (target ≤ 2×: {_ok(page['p95_ratio'] <= 2)}).",
        f"- Status codes: slots {s['statuses']}, floor {f['statuses']}.",
    ]
    sync = results["sync"]
    st = sync["statements"]
    lines += [
        "",
        "## 3. Sync cycle through a real Celery worker (threads pool, 8)",
        "",
        f"{sync['calendars']:,} connected calendars, {sync['events']} events each in the window, the"
        f" simulator adding {sync['latency_ms']} ms to every request (set-up took {sync['setup_s']:.0f} s).",
        "",
        "| cycle | wall time | syncs/s | worker CPU per calendar |",
        "|---|---:|---:|---:|",
        *[
            f"| {name} | {c['wall_s']:.1f} s | {c['syncs_per_s']:.1f} | {c['cpu_ms_per_calendar']:.1f} ms |"
            for name, c in (
                ("first (all changed)", sync["changed"]),
                ("second (unchanged)", sync["unchanged"]),
            )
        ],
        "",
        f"- SQL statements per calendar: changed {st['changed']['statements']}"
        f" ({st['changed']['busy_interval_writes']} busy-interval writes), unchanged"
        f" {st['unchanged']['statements']} ({st['unchanged']['busy_interval_writes']} busy-interval writes;"
        f" target 0: {_ok(st['unchanged']['busy_interval_writes'] == 0)}).",
        f"- CPU per calendar (target < 10 ms): steady state, calendar unchanged {sync['unchanged']['cpu_ms_per_calendar']:.1f} ms:"
        f" {_ok(sync['unchanged']['cpu_ms_per_calendar'] < 10)}; first sync, every interval new"
        f" {sync['changed']['cpu_ms_per_calendar']:.1f} ms: {_ok(sync['changed']['cpu_ms_per_calendar'] < 10)}.",
        f"- Calendars one 2-core worker host keeps fresh every 30 minutes: {sync['per_host_30min_measured']:,.0f}"
        f" at the measured rate, {sync['per_host_30min_cpu_bound']:,.0f} if CPU were the only limit"
        f" (target ≥ 10,000: {_ok(min(sync['per_host_30min_measured'], sync['per_host_30min_cpu_bound']) >= 10_000)}).",
    ]
    race = results["race"]
    lines += [
        "",
        "## 4. Booking contention",
        "",
        f"{race['customers']} customers submit the same slot at once (gunicorn, 2 workers, PostgreSQL).",
        "",
        f"- Answers: {race['statuses']} (302 = held, 409 = refused with a sentence;"
        f" exactly one hold and no 500: {_ok(race['statuses'].get('302', race['statuses'].get(302, 0)) == 1 and not any(str(k).startswith('5') for k in race['statuses']))}).",
        f"- Latency of the answers: p50 {race['p50_ms']:.0f} ms, p95 {race['p95_ms']:.0f} ms.",
        "",
    ]
    lines += _drill(results["drill"])
    if "staleness" in results:
        lines += _staleness(results["staleness"])
    return "\n".join(lines)


def _staleness(stale):
    live, poll = stale["notifications"], stale["polling"]
    return [
        "",
        "## 6. Staleness of busy times after a change in Outlook",
        "",
        f"{stale['calendars']} calendars per mode, one change each after a random pause; seconds from"
        f" the change in the simulator to the stored busy time (gunicorn, a real Celery worker with"
        f" beat; CALENDAR_SYNC_INTERVAL = {stale['interval_s']} s here, 1,800 s in production).",
        "",
        "| mode | median | max |",
        "|---|---:|---:|",
        f"| live updates (change notifications, {stale['notified_sync_delay_s']:.0f} s burst delay)"
        f" | {live['median_s']:.1f} s | {live['max_s']:.1f} s |",
        f"| polling only | {poll['median_s']:.1f} s | {poll['max_s']:.1f} s |",
        "",
        f"- {live.get('notified', '?')} of {live['changes']} live changes were stored by a"
        " notified sync.",
        f"- Live updates: median {live['median_s']:.1f} s (target < 10 s: {_ok(live['median_s'] < 10)}),"
        " independent of the interval. Polling waits half an interval on average: about 15"
        " minutes at the production interval of 30 minutes.",
        "",
    ]


def _drill(drill):
    effects, mails, outlook = drill["effects"], drill["mails"], drill["outlook"]
    statuses = drill["statuses"]
    server_errors = sum(
        n for phase in statuses.values() for code, n in phase.items() if code.startswith("5")
    )
    no_answer = sum(phase.get("no answer", 0) for phase in statuses.values())
    outage_requests = drill["by_action"]["outage"].get("request", {})
    recover = drill["recover_s"]
    busy = (
        " while the worker is in the middle of a task (a calendar sync, the simulator answering"
        " slowly),"
        if drill["busy_worker"]
        else ""
    )
    lines = [
        "## 5. Fault drill: Redis killed under traffic",
        "",
        "A disposable Redis (broker and cache), gunicorn (2 workers) and a Celery worker with"
        f" embedded beat (outbox repair pass every {drill['repair_interval_s']} s; production"
        " default 15 s), mails written to files, the expert's Outlook calendar in the simulator."
        f" {drill['customers']} customers request distinct slots (booking page, slots.json,"
        f" request) and the expert accepts {drill['accepts']}. Once every effect of that is done,"
        f"{busy} Redis gets SIGKILL; for {drill['outage_s']:g} s {drill['clients']} customers keep"
        " requesting while the expert accepts and cancels; then Redis starts again, empty, on the"
        " same port. Every mail and Outlook write was recorded in the booking's transaction, so"
        " the repair pass hands what could not be queued to the worker once Redis is back.",
        "",
        "| phase | requests tried | status codes |",
        "|---|---:|---|",
        f"| healthy | {drill['requests']['healthy']} | {statuses['healthy']} |",
        f"| Redis down | {drill['requests']['outage']} | {statuses['outage']} |",
        "",
        f"- Bookings created: {drill['bookings']['created']}, of them"
        f" {outage_requests.get('302', 0)} while Redis was down (booking requests then: {outage_requests}).",
        f"- No 5xx answer and every request answered: {_ok(server_errors == 0 and no_answer == 0)}"
        f" ({server_errors} 5xx, {no_answer} unanswered).",
        f"- Effects recorded: {effects['recorded']}; done {effects['done']}, failed"
        f" {effects['failed']}, lost (still pending {drill['recover_timeout_s']:g} s after Redis"
        f" returned) {effects['lost']} (target 0: {_ok(effects['lost'] == 0)}); reminders"
        f" waiting for their time: {effects.get('scheduled', 0)}.",
        f"- Mails in the mail directory: {mails['sent']} ({mails['distinct']} distinct), mail"
        f" effects done: {mails['done_mail_effects']} (a confirmation overtaken by its"
        f" cancellation is dropped, not sent); each sent exactly once: {_ok(mails['match'])}.",
        f"- Outlook events in the simulator: {outlook['events']} for {outlook['accepted']} accepted"
        f" appointments, cancelled ones removed: {_ok(outlook['match'])}.",
        "- Time to recover after Redis returned (every effect done or failed): "
        + (f"{recover:.1f} s" if recover is not None else "**not within the timeout**")
        + " (the worker reconnects after growing pauses of 2, 4, 6 … s, at most 30 s; the next"
        " repair pass then queues what could not be queued).",
        f"- Worker exits during the drill: {len(drill['worker_exits'])}"
        + (f" (exit codes {drill['worker_exits']})" if drill["worker_exits"] else "")
        + f" (target 0: {_ok(not drill['worker_exits'])}; the drill"
        " starts an exited worker again a second later, as a supervisor with Restart=always would).",
    ]
    if effects["failures"]:
        lines.append(f"- Failed effects: {effects['failures']}.")
    return [*lines, ""]


def _peer(peer):
    """Ours against django-appointment (bench/peer_comparison.py)."""
    rows = peer["rows"]
    goal = {100: 30, 1_000: 30, 10_000: 15}
    lines = [
        "",
        f"## Against a peer: {peer['peer']}",
        "",
        "One expert, Mon–Fri 08:00–18:00 Europe/Zurich, 30-minute appointments on a 15-minute",
        "grid, N busy blocks of 30–90 minutes on working days (`random.Random(42)`), from today to",
        "the end of the second month after this one. The peer: its `get_available_slots_for_staff`"
        " for every day, in-process SQLite, its own virtualenv (var/peer-venv). Ours: the slots"
        " JSON view through Django's test client (routing, every middleware, the cache) on"
        f" PostgreSQL, the horizon in {_requests(rows[0]['requests'] if rows else 0)} (at most"
        " 93 days each). Both interleaved in one process pair, on one frozen clock; medians"
        " (min).",
        "",
        "| N busy | slots | peer | ours, cache miss | ours, cache hit | ratio (miss) |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['slots']:,} | {r['peer_ms']:.0f} ms ({r['peer_min_ms']:.0f}),"
            f" {r['peer_queries']} queries | {r['miss_ms']:.1f} ms ({r['miss_min_ms']:.1f}),"
            f" {r['queries']} queries | {r['hit_ms']:.1f} ms ({r['hit_min_ms']:.1f}) |"
            f" {r['ratio']:.0f}× |"
        )
    lines += ["", "- Both sides found exactly the same slots at every N (checked slot by slot)."]
    for r in rows:
        if r["n"] in goal:
            lines.append(
                f"- N = {r['n']:,}: {r['ratio']:.0f}× on a cache miss"
                f" (target ≥ {goal[r['n']]}×: {_ok(r['ratio'] >= goal[r['n']])})."
            )
    big = next((r for r in rows if r["n"] == 10_000), None)
    if big:
        per_request = big["miss_ms"] / big["requests"]
        lines.append(
            f"- N = 10,000: {per_request:.1f} ms per request on a cache miss"
            f" ({_requests(big['requests'])} for the whole horizon; target < 15 ms:"
            f" {_ok(per_request < 15)})."
        )
    return lines


def _requests(count):
    return "one request" if count == 1 else f"{count} requests"
