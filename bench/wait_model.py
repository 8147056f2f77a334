# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A model of the fleet wait, in seconds of CPU instead of an hour of bench: the schedule the module runs
(plugins/module_utils/_poll_schedule.next_look) against AWS's script shape, for unlock durations the bench
does not draw (seconds, ten minutes, half an hour, a fleet of one model that unlocks alike).

Each client run is a job of ``WORK`` CPU seconds on ``CORES`` cores shared equally by the runs alive (the
kernel's fair share, as with thirty JVM starts at once); the client reads the device's state when its
start-up is done. The module's client runs (describe, unlock, looks) take one of ``CORES`` slots first,
the run board's cap; AWS's shape has none. Ansible's own CPU is left out: the bench measures it.
``python bench/wait_model.py`` prints the median and max detection lag and client starts per device of
both, as the bench does, averaged over seeds.
"""

import heapq
import os
import random
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "plugins", "module_utils"))

from _poll_schedule import REPLAN, Seen, next_look  # noqa: E402  pylint: disable=wrong-import-position,import-error

WORK = 1.55  # CPU seconds a simulated client run costs: 1.5 s of start-up and the simulator's own Python
CORES = 2
SCENARIOS = (  # name, fleet, shortest and longest unlock (uniform), seeds
    ("bench: 1 to 3 minutes", 30, 60, 180, 6),
    ("bench: 1 to 3 minutes", 10, 60, 180, 6),
    ("one model: 100 to 120 s", 30, 100, 120, 4),
    ("seconds: 5 to 15 s", 30, 5, 15, 4),
    ("ten minutes: 570 to 630 s", 30, 570, 630, 2),
    ("half an hour: 1700 to 1900 s", 10, 1700, 1900, 1),
)


def aws_shape(_device, _board):
    """unlock-devices.sh: unlock-device, describe-device at once, then every 30 s."""
    yield "unlock", False
    state = yield "describe", False
    while state != "UNLOCKED":
        yield "sleep", 30.0
        state = yield "describe", False


def schedule(device, board):
    """The module: describe, unlock, then look when next_look says, telling the board what each look showed;
    once UNLOCKED, the certificate check, behind every look that waits for a slot (RunBoard.client_slot)."""
    yield "describe", True
    yield "unlock", True
    sent = yield "now", None
    board[device] = Seen(sent, None, None)
    waited, last_run, still = 0.0, WORK, None
    while True:
        while True:
            now = yield "now", None
            fleet = [seen for key, seen in board.items() if key != device]
            left = sent + next_look(waited, last_run, fleet, sent) - now
            if left <= 1e-9:
                break
            yield "sleep", min(left, REPLAN)
        state = yield "describe", True
        waited = (yield "now", None) - sent
        if state == "UNLOCKED":
            board[device] = Seen(sent, still, waited)
            yield "check", True
            return
        still = waited
        board[device] = Seen(sent, still, None)


def simulate(policy, durations):
    """(median lag, max lag, client starts per device) of ``policy`` over devices that unlock after ``durations``."""
    count = len(durations)
    clock, sequence = 0.0, 0
    jobs, queue, timers, board = {}, [], [], {}
    unlocked_at, known, starts = [None] * count, [None] * count, [0] * count
    walkers = [policy(device, board) for device in range(count)]

    def advance(device, value=None):
        nonlocal sequence
        while True:
            try:
                kind, argument = walkers[device].send(value)
            except StopIteration:
                return
            if kind == "now":
                value = clock
                continue
            if kind == "sleep":
                sequence += 1
                heapq.heappush(timers, (clock + argument, sequence, device))
            else:
                starts[device] += 1
                capped = argument and sum(1 for job in jobs.values() if job[3]) >= CORES
                if capped:  # in line: the checks after an unlock behind the rest, each class in order of asking
                    queue.insert(len(queue) if kind == "check" else sum(1 for _device, waiting in queue if waiting != "check"),
                                 (device, kind))
                else:
                    sequence += 1
                    jobs[sequence] = [WORK, device, kind, argument]
            return

    for device in range(count):
        advance(device)
    while jobs or timers or queue:
        rate = min(1.0, CORES / len(jobs)) if jobs else 0.0
        step = min([job[0] / rate for job in jobs.values()] + [timers[0][0] - clock if timers else float("inf")])
        for job in jobs.values():
            job[0] -= step * rate
        clock += step
        for key in [key for key, job in jobs.items() if job[0] <= 1e-9]:
            _work, device, kind, capped = jobs.pop(key)
            if capped and queue:
                waiting, waiting_kind = queue.pop(0)
                sequence += 1
                jobs[sequence] = [WORK, waiting, waiting_kind, True]
            if kind in ("unlock", "check"):
                if kind == "unlock":
                    unlocked_at[device] = clock + durations[device]
                advance(device)
                continue
            if unlocked_at[device] is None:
                state = "LOCKED"  # the describe before the unlock
            else:
                state = "UNLOCKED" if clock >= unlocked_at[device] else "UNLOCKING"
            if state == "UNLOCKED" and known[device] is None:
                known[device] = clock
            advance(device, state)
        while timers and timers[0][0] <= clock + 1e-12:
            advance(heapq.heappop(timers)[2])
    lags = [known[device] - unlocked_at[device] for device in range(count)]
    return statistics.median(lags), max(lags), sum(starts) / count


def main():
    print("%-30s %5s   %-28s %-28s %s" % ("unlocks", "fleet", "AWS's shape: median/max lag, starts",
                                          "schedule", "ratios"))
    for name, count, shortest, longest, seeds in SCENARIOS:
        figures = {}
        for label, policy in (("aws", aws_shape), ("schedule", schedule)):
            runs = []
            for seed in range(seeds):
                rng = random.Random("%s/%d" % (name, seed))
                runs.append(simulate(policy, [rng.uniform(shortest, longest) for _device in range(count)]))
            figures[label] = [statistics.mean(run[index] for run in runs) for index in range(3)]
        aws, ours = figures["aws"], figures["schedule"]
        print("%-30s %5d   %5.1fs %5.1fs %4.1f            %5.1fs %5.1fs %4.1f            %.2fx %.2fx %.2fx" % (
            name, count, aws[0], aws[1], aws[2], ours[0], ours[1], ours[2],
            ours[0] / aws[0], ours[1] / aws[1], ours[2] / aws[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
