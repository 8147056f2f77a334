# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The unlock and wait state machine of a device or cluster: send the unlock where it is needed, poll until
every device is UNLOCKED, and fail at once on a refusal or a node left out."""

from __future__ import annotations

import time

from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import device_host
from ansible_collections.fieldops.snowball.plugins.module_utils._client import CLUSTER_BOOT_MINUTES
from ansible_collections.fieldops.snowball.plugins.module_utils._client import LOCKED
from ansible_collections.fieldops.snowball.plugins.module_utils._client import UNLOCKED
from ansible_collections.fieldops.snowball.plugins.module_utils._client import UNANSWERED
from ansible_collections.fieldops.snowball.plugins.module_utils._client import UNLOCKING
from ansible_collections.fieldops.snowball.plugins.module_utils._client import UNREACHABLE
from ansible_collections.fieldops.snowball.plugins.module_utils._client import overall_state
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._poll_schedule import Watch
from ansible_collections.fieldops.snowball.plugins.module_utils._progress import Progress
from ansible_collections.fieldops.snowball.plugins.module_utils._run_board import children_cpu


class Unlocker:
    """Unlocks through an EdgeClient inside its session. ``clock``, ``sleep``, ``wall`` and ``cpu`` are
    time.monotonic, time.sleep, time.time and _run_board.children_cpu unless a test gives its own."""

    def __init__(self, client, clock=time.monotonic, sleep=time.sleep, wall=time.time, cpu=children_cpu):
        self.client, self.ctx = client, client.ctx
        self.clock, self.sleep, self.wall, self.cpu = clock, sleep, wall, cpu
        self.asked = set()  # devices an unlock command went to
        self.just_asked = set()  # ... since the last describe: LOCKED at the next one means refused
        self.warned = set()
        self.unanswered = set()  # devices whose last look got no answer (UNREACHABLE until they answer again)
        self.last = None  # the devices as last described

    @property
    def device_ips(self):
        return self.client.device_ips

    def describe(self):
        """The client's describe, failing at once when a device refused the unlock."""
        devices = self.client.describe()
        self._check_refused(devices)
        self.last = devices
        return devices

    def _look(self):
        """describe() while waiting: a device that stops answering (a power blip, a cable moved) is not a failure
        yet. It is UNREACHABLE until it answers again or the wait times out; one that comes back LOCKED lost power
        and is unlocked again (a reboot or power cut re-locks a device: developer guide, "Rebooting the device")."""
        try:
            return self.describe()
        except SnowballError as error:
            if error.facts.get("deadline") and self.last:
                # the last look, stopped by the wait's own timeout: the wait timed out, it says so with what it saw
                return self.last
            if error.facts.get("client_error") not in UNANSWERED or not self.last:
                raise
            if not self.unanswered:
                self.ctx.warn("%s stopped answering while it unlocks (%s); still waiting for it until the timeout."
                              % (", ".join(_label(device) for device in self.last), error.facts["client_error"]))
            self.unanswered = {_key(device) for device in self.last}
            self.just_asked -= self.unanswered  # LOCKED when it answers again is a power cut, not a refusal
            self.last = [dict(device, reachability=UNREACHABLE) for device in self.last]
            return self.last

    def unlock(self, devices):
        """Send the unlock to the devices that need it (``devices``: as last described)."""
        if self.device_ips:
            self.client.run("unlock-cluster", "--device-ip-addresses", *self.device_ips)
            listed = set(self.device_ips)
            targets = {_key(device) for device in devices
                       if device["state"] == LOCKED and device["reachability"] != UNREACHABLE and device["ip"] in listed}
        else:
            self.client.run("unlock-device")
            targets = {_key(device) for device in devices}
        self.asked |= targets
        self.just_asked |= targets

    def wait_unlocked(self, timeout, poll_interval, started, known=None):
        """Look until every device is UNLOCKED: at once, then every ``poll_interval`` seconds; or, when it is None,
        on the adaptive schedule (_poll_schedule), with what the run's other devices showed when the client joined
        the run (EdgeClient.join_run). ``known``: the devices as described before the unlock, to name them in the
        first progress line before the first look (which the adaptive schedule does not take at once)."""
        progress = Progress(self.ctx.progress, timeout, started, self.clock)
        watch = Watch(poll_interval, self.client.board if poll_interval is None else None, self.client.run_cpu,
                      clock=self.clock, wall=self.wall, sleep=self._sleep_reporting(progress), cpu=self.cpu,
                      last_wall=self.client.run_seconds, queued=lambda: self.client.queued)
        try:
            return self._wait(watch, progress, timeout, started, known)
        except BaseException:
            watch.give_up()
            raise

    def _wait(self, watch, progress, timeout, started, known):
        if known:
            progress.start(known)
        self.last = self.last or known
        devices = watch.look(self._look, overall_state, started + timeout)
        if not known:
            progress.start(devices)
        progress.seen(devices)
        while overall_state(devices) != UNLOCKED:
            if self.device_ips:
                self._check_left_out(devices)
                # A node that answers again, LOCKED, after the unlock went out (it was unreachable, or lost power) is
                # reconnected with unlock-cluster (developer guide administerclusterfortpoint.md).
                back = [device for device in devices if device["state"] == LOCKED and device["reachability"] != UNREACHABLE
                        and device["ip"] in self.device_ips and _key(device) not in self.asked]
                if back and self.asked:
                    self.unlock(devices)
                self._warn_unreachable(devices)
            elif self._back_locked(devices):
                self.unlock(devices)
            # the last look before the timeout was taken (a look's time early, so that it could answer)
            if watch.final or self.clock() - started >= timeout:
                raise SnowballError("Timed out after %ds waiting for UNLOCKED; still waiting for: %s. %s"
                                    % (timeout, awaited(devices, self.device_ips), _timeout_advice(devices, bool(self.device_ips))),
                                    devices=devices)
            devices = watch.look(self._look, overall_state, started + timeout)
            progress.seen(devices)
        return devices

    def _back_locked(self, devices):
        """Whether a stand-alone device that did not answer answers again, LOCKED: it lost power meanwhile."""
        back = [device for device in devices if device["reachability"] != UNREACHABLE and _key(device) in self.unanswered]
        if back:
            self.unanswered = set()
        return any(device["state"] == LOCKED for device in back)

    def _sleep_reporting(self, progress):
        """``sleep`` that keeps the heartbeat while the schedule waits longer than it between two looks: the
        last answer repeated, never a look of its own (each look is a client run)."""
        def sleep(seconds):
            end = self.clock() + seconds
            while end - self.clock() > 0:
                quiet = self.clock() - (progress.last_line if progress.last_line is not None else self.clock())
                self.sleep(min(end - self.clock(), max(progress.heartbeat - quiet, 0.001)))
                if progress.devices:  # before the first look there is nothing to repeat
                    progress.seen(progress.devices)
        return sleep

    def _check_left_out(self, devices):
        """A node that answers, LOCKED, but is not in --device-ip-addresses never gets the unlock: waiting for it
        would only end at the timeout."""
        listed = {device_host(ip) for ip in self.device_ips}
        left_out = [device for device in devices if device["state"] == LOCKED and device["reachability"] != UNREACHABLE
                    and device["ip"] and device_host(device["ip"]) not in listed]
        if left_out:
            raise SnowballError("Cluster node %s answers and is LOCKED, but is not in cluster_ips, so the unlock never "
                                "goes to it: list every node's IP in cluster_ips (snowball_unlock_cluster_ips), "
                                "%s included, and run again."
                                % (", ".join(_label(device) for device in left_out),
                                   ", ".join(device["ip"] for device in left_out)), devices=devices)

    def _check_refused(self, devices):
        """A device the unlock went to that is LOCKED at the next look, or back at LOCKED after UNLOCKING, refused
        the credentials; AWS's own scripts (aws-snow-tools-for-eks-anywhere setup-tools/unlock-devices.sh) treat
        LOCKED after unlocking as the failure. Fail at once instead of waiting for the timeout."""
        refused = []
        for device in devices:
            key = _key(device)
            if device["state"] == UNLOCKING:
                self.asked.add(key)
                self.just_asked.add(key)
            elif (device["state"] == LOCKED and device["reachability"] != UNREACHABLE and key in self.just_asked):
                refused.append(device)
        self.just_asked = {_key(device) for device in devices if device["state"] == UNLOCKING}
        if refused:
            raise SnowballError(refused_message(refused, self.client.job_id), devices=devices)

    def _warn_unreachable(self, devices):
        for device in devices:
            if device["reachability"] == UNREACHABLE and _key(device) not in self.warned:
                self.warned.add(_key(device))
                self.ctx.warn("Cluster node %s is UNREACHABLE (%s, association %s); still waiting for it: check that it "
                              "is powered on and on the network. A cluster node needs about %d minutes after power-on."
                              % (_label(device), device["state"], device["association"], CLUSTER_BOOT_MINUTES))


def _key(device):
    return device["ip"] or device["id"]


def _label(device):
    if device["ip"] and device["id"]:
        return "%s (%s)" % (device["ip"], device["id"])
    return device["ip"] or device["id"] or "?"


def awaited(devices, listed=None):
    """The devices not UNLOCKED yet, named by IP with their states."""
    names = []
    for device in devices:
        if device["state"] == UNLOCKED:
            continue
        details = [device["state"], device["reachability"]]
        if device["association"]:
            details.append(device["association"])
        if listed and device["ip"] not in listed:
            details.append("not in cluster_ips")
        names.append("%s %s" % (_label(device), ", ".join(details)))
    return "; ".join(names) or "none"


def _timeout_advice(devices, cluster):
    if any(device["reachability"] == UNREACHABLE for device in devices if device["state"] != UNLOCKED):
        if not cluster:
            return ("The device stopped answering: check that it is powered on, cabled and has the IP shown (a device "
                    "answers about 10 minutes after power-on), then run again.")
        return ("An UNREACHABLE node does not answer the others: check that it is powered on, cabled and has the IP "
                "shown; a cluster node needs about %d minutes after power-on. Once it answers, run again (it is unlocked "
                "with the cluster's code and manifest)." % CLUSTER_BOOT_MINUTES)
    return "Unlocking can take several minutes: raise timeout, and check the device's display."


def refused_message(refused, job_id):
    names = ", ".join(_label(device) for device in refused)
    mismatch = ""
    # Only a cluster node's DeviceId is a job id (developer guide ClusterOverview.md: "A node ID is the same as the
    # job ID"); a stand-alone device's is its own, never equal to its job's, so comparing would always accuse it.
    reported = sorted({device["id"] for device in refused
                       if device["association"] and device["id"] and job_id and device["id"] != job_id})
    if reported and len(refused) == 1:
        mismatch = (" The node reports job %s and the profile is for job %s: check that both are jobs of this "
                    "cluster." % (reported[0], job_id))
    return ("The device at %s refused the unlock: it accepted the command, then went back to LOCKED, so it did not "
            "accept the manifest and unlock code it was given.%s Check that the job id on the device's display is the "
            "job the manifest and code are from (a cluster's nodes all take the cluster's one manifest and code), "
            "download that job's manifest again and fetch its unlock code (fieldops.snowball.snowball_manifest, "
            "snowball_unlock_code), then run again. If they are that job's, the job may be past its 360 days: "
            "contact AWS Support." % (names, mismatch))
