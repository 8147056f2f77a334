# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unlocking a fleet from the office: each job's managed device, unlock tasks in batches of ten, the wait for UNLOCKED.

It talks to AWS only through ``api`` (_sdm.SnowDeviceManagement or a fake)
and to time only through ``clock``, so the whole state machine is tested
without a server or a sleep. No unlock code is involved anywhere: AWS
unlocks the device itself (developer guide connect-unlock-remote.md).
"""

from __future__ import annotations

import datetime
import hashlib
import re
import time

from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import job_id_problem

UNLOCKED = "UNLOCKED"
# An unlock is running on the device (model: UnlockState): one without an open execution of its own (its task ended
# before AWS's cached view caught up, or an on-site unlock) is watched, not sent a second unlock.
UNLOCKING = "UNLOCKING"
SUCCEEDED = "SUCCEEDED"
# CreateTask's targets: 1 to 10 managed device ids (model: TargetList).
BATCH_SIZE = 10
# Execution states that do not change any more (model: ExecutionState; developer guide sdm-cli-describe-execution.md).
ENDED = ("SUCCEEDED", "FAILED", "REJECTED", "TIMED_OUT", "CANCELED")
# botocore's ManagedDeviceId: 1 to 64 characters, no pattern. The ids AWS issues are smd- and lower-case letters and
# digits; letters, digits, hyphens and underscores keep an id that goes into a URI path free of surprises.
MANAGED_DEVICE_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
# An execution that may still unlock its device: a device with one gets no second unlock task (it runs one command
# at a time; developer guide sdm-cli-create-task.md), the run waits on that one instead.
OPEN = ("QUEUED", "IN_PROGRESS")
# How many ended tasks a batch's token may lead to before the run gives up (see RemoteUnlock._create).
MAX_CHAINED_TOKENS = 20
_ON_SITE = "unlock it on site with the role's main entry point (fieldops.snowball.unlock)"
NO_REMOTE_MANAGEMENT = (
    "has no managed device in region %s: it was ordered without remote management (or in another region). "
    "Check the region; otherwise " + _ON_SITE + ". To enable remote management for the next time, run "
    "snowballEdge set-features --remote-management-state INSTALLED_AUTOSTART after that local unlock "
    "(remote management cannot be added to a device ordered without it).")
NEXT_STEP = {
    "REJECTED": "the device rejected the unlock task (it runs one task at a time, and its remote management may be "
                "off): check it in AWS OpsHub, then run again; if it persists, " + _ON_SITE + ".",
    "FAILED": "the device could not carry out the unlock: check its display, then run again; if it persists, "
              + _ON_SITE + ".",
    "TIMED_OUT": "the device did not pick up the task before AWS gave up on it: it is off, or has no route to AWS in "
                 "region %s. Power it on and check its network, then run again; or " + _ON_SITE + ".",
    "CANCELED": "the task was canceled before the device ran it: run again.",
}


class Clock:
    """Real time; tests pass one of their own."""

    monotonic = staticmethod(time.monotonic)
    sleep = staticmethod(time.sleep)

    @staticmethod
    def now():
        return datetime.datetime.now(datetime.timezone.utc)


def batch_token(targets, chained_from=None):
    """The clientToken of one batch (model: IdempotencyToken, 1 to 64 printable characters). ``targets``: {managed
    device id: the lastUpdatedAt of AWS's view of it}. No clock window: the token is the same as long as the devices
    have not reported a new state, and changes when one reports again (a re-lock is reported that way).
    ``chained_from``: the ended task the token last returned."""
    seed = "unlock|%s|%s" % (",".join("%s@%s" % (device_id, iso(targets[device_id])) for device_id in sorted(targets)),
                             chained_from or "")
    return "fieldops-unlock-" + hashlib.sha256(seed.encode()).hexdigest()[:40]


def managed_device_id_problem(device_id):
    """Why ``device_id`` is not a managed device id, or None when it may be one."""
    if isinstance(device_id, str) and MANAGED_DEVICE_ID_PATTERN.match(device_id):
        return None
    return ("managed_device_ids must hold managed device ids: 1 to 64 letters, digits, hyphens or underscores, for "
            "example smd-fictqic6gcldf111 (as AWS OpsHub shows them); got %r." % (device_id,))


def iso(value):
    return value.isoformat() if isinstance(value, datetime.datetime) else value


class RemoteUnlock:
    """One run: find the devices, unlock those that need it, wait, and report each."""

    def __init__(self, api, warn, clock=None, offline_after=900):
        self.api = api
        self.warn = warn
        self.clock = clock or Clock()
        self.offline_after = offline_after
        self.region = getattr(api, "region", None)
        # Every task CreateTask answered with, as soon as it answered: a failure before the batch's devices are
        # given their task (DescribeTask, ListExecutions) still names it.
        self.answered_task_ids = set()

    def find(self, job_ids=None, managed_device_ids=None):
        """One entry per device: job_id, managed_device_id. A device's own problem (a job id that is not one, listed
        twice, without a managed device or with several) is its entry's ``msg``, not an error of the whole run: the
        other devices are still unlocked, and each host of a play fails alone."""
        if managed_device_ids:
            return [dict(job_id=None, managed_device_id=device_id) for device_id in managed_device_ids]
        problems = {}
        for job_id in job_ids:
            problem = job_id_problem(job_id)
            if problem:
                problems[job_id] = "%s (got %r)" % (problem, job_id)
            elif job_ids.count(job_id) > 1:
                problems[job_id] = ("Job %s is listed %d times (for one device each time?): give each device's own "
                                    "job id once; none of them gets an unlock task." % (job_id, job_ids.count(job_id)))
        by_job = {}
        if any(job_id not in problems for job_id in job_ids):
            for summary in self.api.managed_devices():
                by_job.setdefault(summary.get("associatedWithJob"), []).append(summary["managedDeviceId"])
        entries = []
        for job_id in job_ids:
            found = by_job.get(job_id, [])
            entry = dict(job_id=job_id, managed_device_id=found[0] if len(found) == 1 else None)
            if job_id in problems:
                entry["msg"] = problems[job_id]
            elif len(found) > 1:
                entry["msg"] = ("Job %s has %d managed devices in region %s (%s); give managed_device_ids instead."
                                % (job_id, len(found), self.region, ", ".join(found)))
            elif not found:
                entry["msg"] = "Job %s %s" % (job_id, NO_REMOTE_MANAGEMENT % self.region)
            entries.append(entry)
        return entries

    def run(self, entries, timeout, poll_interval, check_mode=False):
        started = self.clock.monotonic()
        for entry in entries:
            entry.update(device_state=None, execution_state=None, last_reached_out_at=None, task_id=None, cached_at=None)
            if entry["managed_device_id"] and not entry.get("msg"):
                self._look(entry)
                self._warn_if_offline(entry)
        locked = [entry for entry in entries if entry["managed_device_id"] and not entry.get("msg")
                  and entry["device_state"] != UNLOCKED]
        if check_mode or not locked:
            return self._report(entries, changed=bool(locked))
        try:
            self._join_open_executions(locked)
            fresh = [entry for entry in locked if entry["task_id"] is None and entry["device_state"] != UNLOCKING]
            for start in range(0, len(fresh), BATCH_SIZE):
                self._create(fresh[start:start + BATCH_SIZE])
            tasks = {}
            for entry in locked:
                tasks.setdefault(entry["task_id"], []).append(entry)
            self._wait(list(tasks.items()), started + timeout, timeout, poll_interval)
        except SnowballError as error:
            # Tasks may already be queued at AWS: the failure names them and each device's state so far.
            raise SnowballError(error.msg, **dict(error.facts, **self._facts(entries, changed=True))) from None
        except Exception as error:  # pylint: disable=broad-exception-caught
            # A bug or an answer nobody foresaw, after tasks may have been sent: never a bare exception that loses them.
            facts = self._facts(entries, changed=True)
            raise SnowballError("Remote unlock stopped on an unexpected %s (%s) after sending unlock tasks %s: they "
                                "stay queued at AWS; run again (a device with an unlock queued or running gets no "
                                "second one)." % (type(error).__name__, error, ", ".join(facts["task_ids"]) or "(none)"),
                                **facts) from error
        return self._report(entries, changed=True)

    def _join_open_executions(self, locked):
        """Give each locked device the task of its open (QUEUED or IN_PROGRESS) execution, if it has one, whatever
        task sent it (an earlier run, with other devices or at another time; AWS OpsHub): waiting on it, not
        queuing a second unlock. The model has no per-device listing: ListTasks (IN_PROGRESS), then each task's
        ListExecutions."""
        wanted = {entry["managed_device_id"]: entry for entry in locked}
        for task in self.api.open_tasks():
            task_id = task["taskId"]  # _sdm checks that each answer has one
            for execution in self.api.executions(task_id):
                entry = wanted.get(execution.get("managedDeviceId"))
                if entry is not None and entry["task_id"] is None and execution.get("state") in OPEN:
                    entry["task_id"] = task_id
                    entry["execution_state"] = execution["state"]
                    entry["joined"] = True

    def _look(self, entry):
        """DescribeDevice: AWS's cached view of the device (deviceState, lastReachedOutAt)."""
        described = self.api.describe_device(entry["managed_device_id"])
        entry["device_state"] = described.get("deviceState")
        entry["last_reached_out_at"] = iso(described.get("lastReachedOutAt"))
        entry["cached_at"] = described.get("lastUpdatedAt")
        entry["job_id"] = entry["job_id"] or described.get("associatedWithJob")
        return described

    def _warn_if_offline(self, entry):
        if entry["device_state"] == UNLOCKED:
            return
        last = entry["last_reached_out_at"]
        age = None
        if last:
            age = (self.clock.now() - datetime.datetime.fromisoformat(last)).total_seconds()
        if age is None or age > self.offline_after:
            since = "never" if age is None else "%s, %d minutes ago" % (last, age // 60)
            self.warn("Device %s (job %s) last contacted AWS %s: it is off, or has no route to AWS in region %s. Its "
                      "unlock task may stay queued until it times out; for a site without a route to AWS, %s."
                      % (entry["managed_device_id"], entry["job_id"], since, self.region, _ON_SITE))

    def _create(self, batch):
        """The batch's unlock task. Its clientToken covers the window between CreateTask and its answer (a retry,
        or a crash before the answer came, then a re-run before the task shows in ListTasks): the same devices with
        the same reported state give the same token. A token that returns an ended task of an earlier lock (a device
        that has not reported since) is followed by one chained from that task."""
        targets = {entry["managed_device_id"]: entry["cached_at"] for entry in batch}
        chained_from = None
        for _attempt in range(MAX_CHAINED_TOKENS):
            task_id = self.api.create_unlock_task(sorted(targets), batch_token(targets, chained_from),
                                                  "fieldops.snowball remote unlock")
            self.answered_task_ids.add(task_id)
            if self._still_current(task_id, batch):
                break
            chained_from = task_id
        else:
            raise SnowballError("AWS answered CreateTask for %s with %d tasks that have ended already (last %s): the "
                                "devices have not reported to AWS since those tasks. Check that they are on and can "
                                "reach AWS in region %s; for a site without a route to AWS, %s."
                                % (", ".join(sorted(targets)), MAX_CHAINED_TOKENS, task_id, self.region, _ON_SITE),
                                task_id=task_id)
        for entry in batch:
            entry["task_id"] = task_id
            entry["execution_state"] = "QUEUED"
        return task_id

    def _still_current(self, task_id, batch):
        """Whether the task CreateTask answered serves this run: in progress, or ended with every device unlocked
        after AWS's cached view of them was last refreshed (the cache just lags). A device whose view was refreshed
        after the task ended and still says locked was locked again since (a power cut): a new task is needed."""
        task = self.api.describe_task(task_id)
        if task.get("state") == "IN_PROGRESS":
            return True
        completed = task.get("completedAt")
        states = {execution["managedDeviceId"]: execution.get("state") for execution in self.api.executions(task_id)}
        return completed is not None and all(
            states.get(entry["managed_device_id"]) == SUCCEEDED
            and (entry["cached_at"] is None or entry["cached_at"] < completed) for entry in batch)

    def _wait(self, tasks, deadline, timeout, poll_interval):
        pending = {entry["managed_device_id"]: entry for _task, batch in tasks for entry in batch}
        while True:
            for task_id, batch in tasks:
                if not any(entry["managed_device_id"] in pending for entry in batch):
                    continue
                if task_id is None:  # UNLOCKING without a task of its own: AWS's view of the device is all there is
                    for entry in [entry for entry in batch if entry["managed_device_id"] in pending]:
                        self._look(entry)
                        if entry["device_state"] == UNLOCKED:
                            del pending[entry["managed_device_id"]]
                    continue
                states = {execution["managedDeviceId"]: execution.get("state")
                          for execution in self.api.executions(task_id)}
                for entry in batch:
                    if entry["managed_device_id"] in pending:
                        self._follow(entry, states.get(entry["managed_device_id"]), pending)
            if not pending:
                return
            if self.clock.monotonic() >= deadline:
                for entry in pending.values():
                    entry["msg"] = self._timed_out(entry, timeout)
                return
            self.clock.sleep(poll_interval)

    def _follow(self, entry, state, pending):
        device_id = entry["managed_device_id"]
        entry["execution_state"] = state or entry["execution_state"]
        if state == SUCCEEDED:
            # DescribeDevice answers from AWS's cache (lastUpdatedAt): it may say LOCKED a little longer.
            self._look(entry)
            if entry["device_state"] == UNLOCKED:
                del pending[device_id]
        elif state in ENDED:
            self._look(entry)
            entry["msg"] = "Device %s (job %s): unlock task %s ended %s: %s" % (
                device_id, entry["job_id"], entry["task_id"], state, NEXT_STEP[state].replace("%s", str(self.region)))
            del pending[device_id]

    def _timed_out(self, entry, timeout):
        what = "Device %s (job %s)" % (entry["managed_device_id"], entry["job_id"])
        if entry["task_id"] is None:
            return ("%s: AWS showed it UNLOCKING, with no unlock task of this run, and still %s after %ds: an unlock "
                    "started elsewhere (on site, or a task that ended before AWS's view caught up). Check again with "
                    "a longer timeout; an UNLOCKED device gets no new task." % (what, entry["device_state"], timeout))
        if entry["execution_state"] == SUCCEEDED and entry.get("joined"):
            # The model does not say which command a task runs: the open execution found may have been a reboot.
            return ("%s: task %s, found queued for it before this run, succeeded, but AWS's view still said %s after "
                    "%ds. If that task was not an unlock (the API does not say), run again: a device with no open "
                    "execution gets its own unlock task; otherwise check again with a longer timeout."
                    % (what, entry["task_id"], entry["device_state"], timeout))
        if entry["execution_state"] == SUCCEEDED:
            return ("%s: the unlock task succeeded, but AWS's cached view still said %s after %ds: the device updates it "
                    "when it next reports. Check again with a longer timeout; an UNLOCKED device gets no new task."
                    % (what, entry["device_state"], timeout))
        return ("%s: its unlock task %s was still %s after %ds (last contact with AWS: %s). Check that the device is on "
                "and can reach AWS in region %s, then run again (a device with a queued task gets no second one), or "
                "raise timeout; for a site without a route to AWS, %s."
                % (what, entry["task_id"], entry["execution_state"], timeout, entry["last_reached_out_at"] or "never",
                   self.region, _ON_SITE))

    def _facts(self, entries, changed):
        devices = [{key: entry[key] for key in ("job_id", "managed_device_id", "device_state", "execution_state",
                                                "last_reached_out_at", "task_id")} for entry in entries]
        for device, entry in zip(devices, entries):
            if entry.get("msg"):
                device["msg"] = entry["msg"]
        task_ids = sorted({entry["task_id"] for entry in entries if entry["task_id"]} | self.answered_task_ids)
        return dict(changed=changed, devices=devices, task_ids=task_ids)

    def _report(self, entries, changed):
        result = self._facts(entries, changed)
        problems = [entry["msg"] for entry in entries if entry.get("msg")]
        if problems:
            raise SnowballError("%d of %d devices are not unlocked. %s" % (len(problems), len(entries), " ".join(problems)),
                                **result)
        return result
