#!/usr/bin/python3
"""Crash soak: publish persistent messages with publisher confirms while the broker is
killed with SIGKILL at random moments, restart it, and check that every confirmed message
is delivered again, that nothing was invented (every message carries a unique id and a body
that follows from it), that no acked message comes back, and that the queue keeps publish
order. The test suite runs 5 cycles of the same code (tests/integration/durability); this
runs as many as you like.

    tests/durability/crash_soak.py                       # 100 cycles, release build
    tests/durability/crash_soak.py --cycles 1000 --drain-every 5 --kill-max 5
    tests/durability/crash_soak.py --duration 3600 --broker-arg=--sync-policy=interval
    tests/durability/crash_soak.py --seed 1234           # replay a run (same kill timing)

Each cycle: start the broker on 127.0.0.1 (a free port) over one data directory (with
probability --kill-in-startup, first SIGKILL a start-up 0-100 ms in, to kill a recovery);
drain the queue and check it (every --drain-every cycles; in between only queue.declare's
count is checked); publish with a confirm window (--window) bodies of random size
(--min-size..--max-size); SIGKILL after a random --kill-min..--kill-max seconds. At the end:
a last start, a full drain and check, and a SIGTERM that must exit 0. Stops at the first
cycle with a violation and keeps the data directory and the broker logs (also with
--keep). Exit status 0 when every check held, 1 otherwise.

Needs python3-pika (Debian); the binary is --binary, else $POLYMQ_BIN, else
build/release/src/server/polymq (build it with `cmake --preset release && cmake --build
--preset release`).
"""

import argparse
import os
import random
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "durability"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "common"))

from durability_helpers import crash_cycles  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cycles", type=int, default=100, help="kill/restart cycles (100)")
    ap.add_argument("--duration", type=float, help="stop after this many seconds")
    ap.add_argument("--seed", type=int, help="random seed (printed; default: random)")
    ap.add_argument("--binary", help="the polymq binary")
    ap.add_argument("--kill-min", type=float, default=0.1, help="earliest kill, s (0.1)")
    ap.add_argument("--kill-max", type=float, default=3.0, help="latest kill, s (3.0)")
    ap.add_argument("--kill-in-startup", type=float, default=0.2,
                    help="probability of also killing a start-up (0.2)")
    ap.add_argument("--drain-every", type=int, default=1,
                    help="drain and check every N cycles, let the backlog grow between (1)")
    ap.add_argument("--window", type=int, default=1000, help="unconfirmed messages (1000)")
    ap.add_argument("--min-size", type=int, default=16, help="smallest body (16)")
    ap.add_argument("--max-size", type=int, default=8192, help="largest body (8192)")
    ap.add_argument("--broker-arg", action="append", default=[],
                    help="extra broker argument, repeatable (e.g. --broker-arg=--sync-policy"
                         "=interval)")
    ap.add_argument("--workdir", help="where the data directory and logs go (default: a "
                                      "new temporary directory)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()

    binary = args.binary or os.environ.get("POLYMQ_BIN") or os.path.join(
        ROOT, "build", "release", "src", "server", "polymq")
    if not os.access(binary, os.X_OK):
        sys.exit("no broker binary at %s (build the release preset or pass --binary)" % binary)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    workdir = args.workdir or tempfile.mkdtemp(prefix="polymq-crash-soak.")
    os.makedirs(workdir, exist_ok=True)
    print("crash soak: binary %s, seed %d, work directory %s" % (binary, seed, workdir),
          flush=True)
    t0 = time.monotonic()
    try:
        report = crash_cycles(
            workdir, cycles=args.cycles, seed=seed, duration=args.duration,
            kill_after=(args.kill_min, args.kill_max), kill_in_startup=args.kill_in_startup,
            drain_every=args.drain_every, broker_args=args.broker_arg, binary=binary,
            window=args.window, sizes=(args.min_size, args.max_size),
            log=lambda line: print(line, flush=True))
    except Exception as e:  # noqa: BLE001 - a broken run is a failed run
        print("FAILED with an error: %r (seed %d, work directory kept: %s)" % (e, seed, workdir))
        raise
    elapsed = time.monotonic() - t0
    print("%s in %.0f s" % (report.summary(), elapsed))
    if report.violations:
        print("FAILED (seed %d, work directory kept: %s):" % (seed, workdir))
        for v in report.violations:
            print("  " + v)
        return 1
    print("OK: every confirmed message came back, nothing invented, nothing acked came back")
    if not args.keep and not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
