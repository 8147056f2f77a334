# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Snow Device Management stand-in's world: managed devices with their contact schedules, unlock tasks, and
the executions that move through their states as ``SdmWorld.clock`` (epoch seconds) advances.

sdm_api.py serves it over loopback; the sources of each behaviour are listed there.
"""

from __future__ import annotations

import math
import threading
import time
import uuid

from .snowball_api import REGION

ENDED = ("SUCCEEDED", "FAILED", "REJECTED", "TIMED_OUT", "CANCELED")


class SdmFaults:
    """What the next calls suffer. ``operations``: None for every operation, else the names it applies to."""

    def __init__(self):
        self.throttle_next = 0
        self.server_error_next = 0
        self.quota_next = 0  # CreateTask answers ServiceQuotaExceededException
        self.denied = set()  # operations the credentials may not call: AccessDeniedException
        self.operations = None


class SdmWorld:
    """The managed devices and tasks the stand-in knows; ``clock`` gives epoch seconds."""

    def __init__(self, clock=time.time, execution_timeout=30.0, account="111122223333"):
        self.clock = clock
        self.execution_timeout = execution_timeout
        self.account = account
        self.devices = {}
        self.tasks = {}
        self.tokens = {}
        self.calls = []
        self.faults = SdmFaults()
        self.lock = threading.RLock()

    def add_device(self, job_id, state="LOCKED", region=REGION, contact_interval=1.0, last_contact_age=0.0,
                   outcome="SUCCEEDED", unlock_seconds=1.0, cache_lag=0.0):
        """A managed device of ``job_id``. It contacts AWS every ``contact_interval`` seconds; its last contact was
        ``last_contact_age`` seconds ago (None: never), and a device whose ``last_contact_age`` is over its interval
        is stale: it stopped reporting then. ``outcome``: how its executions end (SUCCEEDED, FAILED, REJECTED).
        ``unlock_seconds``: how long an unlock runs; ``cache_lag``: how late its pushed state lags its contacts."""
        device_id = "smd-" + uuid.uuid4().hex[:16]
        now = self.clock()
        # The device's contact schedule: segments {start, interval, reporting}, each until the next one starts.
        if last_contact_age is None:
            schedule = [{"start": now, "interval": contact_interval, "reporting": False}]
        else:
            schedule = [{"start": now - last_contact_age, "interval": contact_interval, "reporting": True}]
            if last_contact_age > contact_interval:
                schedule.append({"start": now - last_contact_age + 1e-6, "interval": contact_interval, "reporting": False})
        self.devices[device_id] = {
            "id": device_id, "job_id": job_id, "state": state, "region": region, "schedule": schedule,
            "outcome": outcome, "unlock_seconds": unlock_seconds, "cache_lag": cache_lag, "relocked_at": None,
        }
        return device_id

    def relock(self, device_id):
        """A power cut: the device is LOCKED again from now on."""
        self.devices[device_id]["relocked_at"] = self.clock()

    def set_online(self, device_id, online=True, contact_interval=None):
        """From now on the device reports (every ``contact_interval`` seconds), or stops reporting."""
        schedule = self.devices[device_id]["schedule"]
        schedule.append({"start": self.clock(), "interval": contact_interval or schedule[-1]["interval"],
                         "reporting": online})

    @staticmethod
    def last_contact(device, at):
        """The device's last contact at or before ``at``, or None: DescribeDevice's ``lastReachedOutAt``, "when the
        device last contacted the AWS Cloud" (developer guide sdm-cli-describe-device.md)."""
        last, schedule = None, device["schedule"]
        for index, segment in enumerate(schedule):
            if segment["start"] > at:
                break
            end = schedule[index + 1]["start"] if index + 1 < len(schedule) else math.inf
            if segment["reporting"]:
                steps = math.floor((min(at, end) - segment["start"]) / segment["interval"])
                if steps and segment["start"] + steps * segment["interval"] >= end:
                    steps -= 1  # a contact exactly at the segment's end belongs to the next segment
                last = segment["start"] + steps * segment["interval"]
        return last

    @staticmethod
    def next_contact(device, after):
        """The device's first contact at or after ``after``, or None if it never contacts AWS again."""
        schedule = device["schedule"]
        for index, segment in enumerate(schedule):
            end = schedule[index + 1]["start"] if index + 1 < len(schedule) else math.inf
            if not segment["reporting"] or end <= after:
                continue
            steps = max(0, math.ceil((after - segment["start"]) / segment["interval"]))
            contact = segment["start"] + steps * segment["interval"]
            if contact < end:
                return contact
        return None

    def execution_state(self, task, device_id, at):
        """(state, started, ended) of one execution at time ``at``, in the model's ExecutionState values. The device
        takes it at its next contact: a device must be on and reach its region to be managed (sdm-cli-commands.md);
        one it has not taken ``execution_timeout`` seconds after the task was created has TIMED_OUT (how long AWS
        waits is undocumented: a knob). A rejecting device refuses it as it takes it (stricter: no time runs)."""
        device, created = self.devices[device_id], task["created"]
        if task["canceled"] is not None and task["canceled"] <= at:
            return "CANCELED", None, task["canceled"]
        picked = self.next_contact(device, created)
        timeout = created + self.execution_timeout
        if picked is None or picked > timeout:
            return ("TIMED_OUT", None, timeout) if at >= timeout else ("QUEUED", None, None)
        if at < picked:
            return "QUEUED", None, None
        if device["outcome"] == "REJECTED":
            return "REJECTED", picked, picked
        ended = picked + device["unlock_seconds"]
        return (device["outcome"], picked, ended) if at >= ended else ("IN_PROGRESS", picked, None)

    def device_state(self, device_id, at):
        """The device's own state at ``at`` (model: UnlockState): UNLOCKING while an unlock execution runs, UNLOCKED once
        one SUCCEEDED, since its last re-lock (a power cut re-locks a device; developer guide, unlocking)."""
        device = self.devices[device_id]
        state = "LOCKED" if device["relocked_at"] is not None and device["relocked_at"] <= at else device["state"]
        for task in sorted(self.tasks.values(), key=lambda task: task["created"]):
            if device_id not in task["targets"] or task["created"] > at:
                continue
            if device["relocked_at"] is not None and task["created"] < device["relocked_at"] <= at:
                continue
            execution, _started, _ended = self.execution_state(task, device_id, at)
            if execution == "SUCCEEDED":
                state = "UNLOCKED"
            elif execution == "IN_PROGRESS" and state == "LOCKED":
                state = "UNLOCKING"
        return state

    def record(self, operation, resource):
        with self.lock:
            self.calls.append({"operation": operation, "resource": resource, "time": self.clock()})

    def count(self, operation=None):
        return sum(1 for call in self.calls if operation is None or call["operation"] == operation)
