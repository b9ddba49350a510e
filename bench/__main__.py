"""`make bench`: run every benchmark, print the figures, write bench/RESULTS.md.

python -m bench [--tiny]            all parts, each in a process of its own
python -m bench --part NAME [...]   one part, printing JSON (used by the above)
"""

import argparse
import json
import os
import subprocess
import sys
from datetime import UTC, datetime

from . import environment, report

SIZES = {
    "full": {
        "slots": {"sizes": [100, 1_000, 10_000], "repeats": 21},
        "peer": {"sizes": [100, 1_000, 10_000], "repeats": 11},
        "page": {"busy": 1_000, "seconds": 10.0, "requests": 20_000},
        "sync": {"calendars": 1_000, "events": 300, "latency_ms": 50},
        "race": {"customers": 50},
        "drill": {"customers": 40, "accepts": 20, "outage_s": 10.0, "clients": 4},
        "staleness": {"calendars": 10, "interval_s": 30},
    },
    "tiny": {
        "slots": {"sizes": [10, 50], "repeats": 3},
        "peer": {"sizes": [30], "repeats": 2},
        "page": {"busy": 20, "seconds": 0.5, "requests": 40},
        "sync": {"calendars": 3, "events": 20, "latency_ms": 5, "timeout": 60},
        "race": {"customers": 5},
        "drill": {
            "customers": 4,
            "accepts": 2,
            "outage_s": 3.0,
            "clients": 2,
            "recover_timeout": 40.0,
        },
        "staleness": {"calendars": 2, "interval_s": 4, "timeout": 60},
    },
}


def run_part(name, options, db_name):
    os.environ["BENCH_DB_NAME"] = db_name
    if name == "slots":
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
        import django

        django.setup()
        from . import slot_finder

        return slot_finder.run(**options)
    if name == "sync":
        from . import sync_cycle

        return sync_cycle.run(**options)
    if name == "scale":
        from . import scale

        return scale.run(**options)
    if name == "staleness":
        from . import staleness

        return staleness.run(**options)
    if name == "drill":
        from . import fault_drill

        return fault_drill.run(**options)
    environment.use_database(f"{db_name}_{name}")
    if name == "peer":
        from . import peer_comparison

        return peer_comparison.run(**options)
    if name == "page":
        from . import booking_page

        return booking_page.run(**options)
    from . import contention

    return contention.run(**options)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tiny", action="store_true", help="smallest sizes: checks that it runs")
    parser.add_argument(
        "--part",
        # scale: only through `make bench-scale` (python -m bench.scale), minutes of its own.
        choices=["slots", "peer", "page", "sync", "race", "drill", "staleness", "scale"],
    )
    parser.add_argument("--options", default="{}")
    parser.add_argument("--db", default="okomo_bench")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args()
    if args.part:
        print(json.dumps(run_part(args.part, json.loads(args.options), args.db), default=str))
        return
    size = "tiny" if args.tiny else "full"
    results = {}
    for part, options in SIZES[size].items():
        print(f"running {part} …", file=sys.stderr, flush=True)
        out = subprocess.run(  # noqa: S603 (this module, fixed arguments)
            [
                sys.executable,
                "-m",
                "bench",
                "--part",
                part,
                "--options",
                json.dumps(options),
                "--db",
                args.db,
            ],
            capture_output=True,
            text=True,
            cwd=environment.ROOT,
        )
        if out.returncode:
            sys.stderr.write(out.stdout + out.stderr)
            raise SystemExit(f"benchmark {part} failed")
        results[part] = json.loads(out.stdout.strip().splitlines()[-1])
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    text = report.render(results, machine=environment.machine(), when=datetime.now(UTC), size=size)
    print(text)
    if not args.no_write:
        from .scale import kept_section

        results_path = environment.ROOT / "bench" / "RESULTS.md"
        # The scale section comes from `make bench-scale`; a full run keeps it.
        kept = kept_section(results_path.read_text()) if results_path.exists() else ""
        results_path.write_text(text.rstrip("\n") + "\n\n" + kept if kept else text)


if __name__ == "__main__":
    main()
