# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lines a field engineer reads while a device unlocks: what is awaited and for how long, one when a
device's state changes, and a heartbeat with the elapsed time and the timeout."""

from __future__ import annotations

import time

# At most this long without a line while waiting: long enough that ten devices' lines stay readable
# (--forks 10), short enough that a silent terminal is never mistaken for a hung run.
HEARTBEAT_SECONDS = 30
# Said before the wait, not after an interrupt: on Ctrl-C, ansible-playbook stops reading its workers' lines at
# once (and a worker's own stdout is /dev/null), so a line printed after the interrupt is never seen.
INTERRUPT_ADVICE = ("Ctrl-C is safe: a device the unlock went to goes on to UNLOCKED by itself (its display shows the "
                    "state), and running the play again asks the device first, never unlocks an unlocked device again "
                    "and waits for one that is UNLOCKING.")


def device_name(device):
    """A device or cluster node as the engineer sees it on its display: its IP (and job id when both are known)."""
    if device.get("ip") and device.get("id"):
        return "%s (%s)" % (device["ip"], device["id"])
    return device.get("ip") or device.get("id") or "the device"


def _condition(device):
    """What the engineer is told about one device: its state, and UNREACHABLE when it does not answer."""
    if device.get("reachability") == "UNREACHABLE":
        return "%s, UNREACHABLE" % device["state"]
    return device["state"]


class Progress:
    """Reports a wait for UNLOCKED through ``say`` (one call a line; a context that cannot print while its task
    runs passes a function that does nothing). ``clock`` is time.monotonic unless a test gives its own; the
    wait started at ``started`` on that clock and ends at ``started + timeout``."""

    def __init__(self, say, timeout, started, clock=time.monotonic, heartbeat=HEARTBEAT_SECONDS):
        self.say, self.timeout, self.started, self.clock, self.heartbeat = say, timeout, started, clock, heartbeat
        self.conditions = {}  # device name -> condition last reported
        self.last_line = None  # clock time of the last line
        self.devices = []

    def start(self, devices):
        """The first line: what the wait is for, how long at most, and that interrupting it is safe."""
        self.say("waiting up to %ds for %s to report UNLOCKED; a line at each change, at least every %ds. %s"
                 % (self.timeout, ", ".join(device_name(device) for device in devices), self.heartbeat,
                    INTERRUPT_ADVICE))

    def _elapsed(self):
        return "%ds of %ds" % (self.clock() - self.started, self.timeout)

    def seen(self, devices):
        """Report the devices as just described: a line for each whose condition changed (the first look
        reports every device), else a heartbeat when no line was printed for ``heartbeat`` seconds."""
        self.devices = devices
        lines = []
        for device in devices:
            name, condition = device_name(device), _condition(device)
            before = self.conditions.get(name)
            if before != condition:
                self.conditions[name] = condition
                lines.append("%s %s" % (name, "%s -> %s" % (before, condition) if before else condition))
        now = self.clock()
        if lines:
            self.say("%s (%s)" % ("; ".join(lines), self._elapsed()))
        elif self.last_line is None or now - self.last_line >= self.heartbeat:
            waiting = [device for device in devices if device["state"] != "UNLOCKED"]
            self.say("waiting for UNLOCKED, %s: %s" % (self._elapsed(), "; ".join(
                "%s %s" % (device_name(device), _condition(device)) for device in waiting) or "none"))
        else:
            return
        self.last_line = now
