# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running the Snowball Edge client for every command the collection runs: with a saved or transient profile,
reading its JSON answer past any notice printed before it, parsing ``describe-*``, and the one failure table."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time

from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import MANAGEMENT_PORT
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import check_device_ips
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import device_host
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import normalize_endpoint
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import unlock_ips
from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import CONFIG_SUFFIX
from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import ProfileStore
from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import client_home
from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import client_profile
from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import home_warning
from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import java_home_environment
from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import transient_home
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import check_client_profile_name
from ansible_collections.fieldops.snowball.plugins.module_utils._process import Overdue
from ansible_collections.fieldops.snowball.plugins.module_utils._run_board import START_SECONDS
from ansible_collections.fieldops.snowball.plugins.module_utils._run_board import RunBoard
from ansible_collections.fieldops.snowball.plugins.module_utils._run_board import children_cpu

CLIENT_DOWNLOAD = "https://aws.amazon.com/snowball/resources/"
UNLOCKED, UNLOCKING, LOCKED = "UNLOCKED", "UNLOCKING", "LOCKED"
# The on-device API's enums (aws/eks-anywhere internal/aws-sdk-go-v2/service/snowballdevice/types/enums.go):
# UnlockStatusState has these three values and no other; NetworkReachabilityState REACHABLE | UNREACHABLE.
UNLOCK_STATES = (LOCKED, UNLOCKING, UNLOCKED)
UNREACHABLE = "UNREACHABLE"
# The client's failures (see _FAILURES) that mean the device did not answer at all.
UNANSWERED = ("Connection refused", "connect timed out", "No route to host")
BOOT_MINUTES = 10  # developer guide getting-started-connect.md: ready to unlock "after about 10 minutes"
# A cluster's node takes longer: the guide's cluster pages allow about 20 minutes before a node rejoins.
CLUSTER_BOOT_MINUTES = 20
# How long one client run may take by default: the client answers in seconds (unlock-device returns at once and
# the device unlocks in the background), so more than this is a client or a device that does not answer.
CLIENT_TIMEOUT = 120
MAX_CLIENT_TIMEOUT = 86400

# Options of every module that talks to a device through the client.
CLIENT_ARGUMENT_SPEC = dict(
    profile=dict(type="str"),
    endpoint=dict(type="str"),
    manifest_path=dict(type="path"),
    unlock_code=dict(type="str", no_log=True),
    client=dict(type="str", default="snowballEdge"),
    cluster_ips=dict(type="list", elements="str"),
    # No default here: the client's own file is resolved in code (_client_config.default_config_path), under the
    # client's Java home, which is not always $HOME (what type=path would expand ~ with).
    config_path=dict(type="path"),
    client_timeout=dict(type="int", default=CLIENT_TIMEOUT),
)
# A saved profile, or the credentials for a transient one: not both (write a profile to keep with
# fieldops.snowball.snowball_edge_profile).
CLIENT_ARGUMENT_RULES = dict(
    required_one_of=[("profile", "endpoint")],
    mutually_exclusive=[("profile", "endpoint")],
    required_together=[("endpoint", "manifest_path", "unlock_code")],
)


class EdgeClient:
    """Runs the Snowball Edge client with a list of arguments, never a shell, and always with a profile,
    so the unlock code is never on a command line."""

    def __init__(self, ctx):
        self.ctx = ctx
        params = ctx.params
        self.cluster_ips = check_device_ips(params["cluster_ips"])
        self.endpoint = normalize_endpoint(params["endpoint"]) if params["endpoint"] else None
        if params["profile"]:
            check_client_profile_name(params["profile"])
        self.home = client_home(params["config_path"])
        if not params["config_path"] and not self.endpoint:
            warning = home_warning()
            if warning:
                ctx.warn(warning)
        client = os.path.expanduser(params["client"])
        self.path = client if os.sep in client else ctx.find_executable(client)
        if not self.path or not os.access(self.path, os.X_OK):
            raise SnowballError("The Snowball Edge client %r was not found or is not executable. Download it from "
                                "%s, unpack it, and set client (role: snowball_unlock_client) to the path of its "
                                "bin/snowballEdge." % (params["client"], CLIENT_DOWNLOAD))
        self.credential_args = None
        self.environment = None
        self.job_id = params.get("job_id")
        self.device_ips = None  # what --device-ip-addresses gets, for a cluster (see unlock_ips)
        timeout = params.get("client_timeout")
        timeout = CLIENT_TIMEOUT if timeout is None else timeout
        if not 0 < timeout <= MAX_CLIENT_TIMEOUT:
            raise SnowballError("client_timeout must be a number of seconds above 0 and at most %d (a day), not %r."
                                % (MAX_CLIENT_TIMEOUT, timeout))
        self.run_timeout = timeout
        self.deadline = None  # time.monotonic() by which every client run ends (a module with a timeout sets it)
        self.run_cpu = 0.0  # CPU seconds the last client run took: what the next look costs (a JVM start)
        self.run_seconds = 0.0  # ... and its wall seconds: how long before a deadline the last look must start
        self.board = None  # the ansible-playbook run's shared board (_run_board), once join_run found it
        self.queued = 0.0  # seconds waited in the run's line for client starts, all runs together

    @contextlib.contextmanager
    def session(self):
        """Make the client's credentials available for the ``with`` block.

        With ``profile``, the client reads that profile from ``config_path``. With
        endpoint/manifest_path/unlock_code, a transient profile is written into a private temporary
        client home, used, and removed afterwards, also on an interrupt.
        """
        params = self.ctx.params
        if not self.endpoint:
            profile = ProfileStore(os.path.join(self.home, CONFIG_SUFFIX)).get(params["profile"]) or {}
            if isinstance(profile.get("unlockCode"), str) and profile["unlockCode"]:
                # Not a task argument, so nothing masks it yet: the client's messages are part of a failure.
                self.ctx.add_secret(profile["unlockCode"])
            if self.cluster_ips:
                # The endpoint goes into --device-ip-addresses too: it is in the profile.
                if not profile.get("defaultEndpoint"):
                    raise SnowballError("Profile %s is not in %s (or has no endpoint): write it with "
                                        "fieldops.snowball.snowball_edge_profile first."
                                        % (params["profile"], os.path.join(self.home, CONFIG_SUFFIX)))
                self.job_id = self.job_id or profile.get("jobId")
                self.device_ips = unlock_ips(normalize_endpoint(profile["defaultEndpoint"]), self.cluster_ips)
            self._use(params["profile"], self.home)
            yield self
            return
        if self.cluster_ips:
            self.device_ips = unlock_ips(self.endpoint, self.cluster_ips)
        name = "fieldops-transient-%s" % secrets.token_hex(4)
        profile = client_profile(name, params.get("job_id"), params["unlock_code"], params["manifest_path"],
                                 self.endpoint, self.device_ips)
        with transient_home(profile) as home:
            self._use(name, home)
            yield self

    def _use(self, name, home):
        self.credential_args = ["--profile", name]
        # The client is a Java program: it reads its config under user.home, which the JVM's option variables set
        # whatever the launcher script does.
        self.environment = java_home_environment(home)

    def run(self, command, *extra, endpoint=None, urgent=True, most=None):
        """``(stdout, stderr)`` of ``snowballEdge command`` with the session's credentials (inside ``session()``)
        and ``extra``; ``endpoint`` (``https://IP``) asks that device, e.g. one node of a cluster profile, instead
        of the profile's own endpoint. SnowballError, from the failure table, when it exits non-zero.
        ``extra`` is on the command line: never a secret. Not ``urgent``: in a joined run, the start lets the run's
        urgent ones go first for a while (RunBoard.client_slot). ``most``: seconds this run may take, when fewer
        than client_timeout (a check that must not hold a slot for long)."""
        argv = [self.path, command] + self.credential_args + (["--endpoint", endpoint] if endpoint else []) + list(extra)
        # A joined run's slot is held for the client's start-up (START_SECONDS at most: a run still going then waits
        # for its device) and released however it ends (the deadline's kill included); waiting in line for it ends
        # at the deadline too.
        asked = time.monotonic()
        with self.board.client_slot(urgent, self.deadline) if self.board else contextlib.nullcontext() as slot:
            self.queued += time.monotonic() - asked
            limit = self.run_timeout if most is None else min(most, self.run_timeout)
            timeout = limit
            if self.deadline is not None:
                timeout = max(1, min(timeout, int(self.deadline - time.monotonic() + 0.999)))
            # stopped by the task's deadline rather than by client_timeout: the wait, not the client, ran out
            cut_short = timeout < limit
            cpu, began = children_cpu(), time.monotonic()
            try:
                rc, out, err = self.ctx.run_command(argv, environ_update=self.environment, timeout=timeout, **(
                    {"busy": (START_SECONDS, self.board.let_go)} if slot is not None else {}))
            except Overdue:
                raise SnowballError(
                    "snowballEdge %s: the client did not answer within %s s, so it was stopped with the processes it "
                    "started. Check that the device is powered on and on this laptop's network, and that client is the "
                    "Snowball Edge client (`snowballEdge version` answers at once); then run again." % (command, timeout),
                    client_timeout=True, **({"deadline": True} if cut_short else {})) from None
            finally:
                self.run_cpu = children_cpu() - cpu
                self.run_seconds = time.monotonic() - began
        if rc != 0:
            raise SnowballError(explain_client_failure(command, rc, out, err), client_rc=rc,
                                client_error=_classify(out, err)[0])
        return out, err

    def join_run(self):
        """Share this device's looks and the client starts with the other devices of the ansible-playbook run
        (inside ``session()``), for the adaptive wait; without /proc or a private temporary directory the device
        waits alone."""
        self.board = RunBoard.for_this_run(" ".join(self.device_ips or [
            self.endpoint or "%s %s" % (self.home, self.ctx.params["profile"])]))

    def describe(self, endpoint=None):
        """Every device as ``{id, ip, state, reachability, association}``; a cluster (without ``endpoint``)
        lists every node.

        A cluster is asked node by node with describe-device until every listed node is UNLOCKED, and only then
        with describe-cluster, which also names nodes left out of cluster_ips: the developer guide says
        describe-cluster reports "every node in an unlocked cluster" (ClusterOverview.md), and unlock-cluster's
        own answer says to follow the unlock with describe-device, so a device may refuse it before."""
        if self.device_ips and not endpoint:
            nodes = [self._describe_node(ip) for ip in self.device_ips]
            answering = [node for node in nodes if node["reachability"] != UNREACHABLE]
            if not answering or overall_state(answering) != UNLOCKED:
                return nodes
            # Every node that answers is UNLOCKED: describe-cluster also names the others (an unreachable node's id
            # and association, a node left out of cluster_ips).
            try:
                out, err = self.run("describe-cluster", "--device-ip-addresses", *self.device_ips)
            except SnowballError as error:
                if error.facts.get("client_error") != "IncorrectDeviceStateException":
                    raise
                if len(answering) < len(nodes):
                    return nodes  # not unlocked while a node does not answer: what the nodes said is all there is
                raise SnowballError(
                    "Every node in cluster_ips (%s) is UNLOCKED, but the cluster refuses describe-cluster as not "
                    "unlocked: a node of the cluster is not in cluster_ips, so the unlock never went to it. List "
                    "every node's IP in cluster_ips (snowball_unlock_cluster_ips) and run again."
                    % ", ".join(self.device_ips), devices=nodes) from None
            raw = (json_answer(out, "Devices") or {}).get("Devices")
            if not isinstance(raw, list) or not raw:
                raise SnowballError(_no_state("describe-cluster", out, err))
            return [parse_device(entry, "describe-cluster", out, err) for entry in raw]
        out, err = self.run("describe-device", endpoint=endpoint)
        return [parse_device(json_answer(out, "UnlockStatus"), "describe-device", out, err)]

    def _describe_node(self, ip):
        """One listed cluster node by describe-device at its own address; a node that does not answer is
        UNREACHABLE (its lock state unknown, so LOCKED: nothing is done to it until it answers)."""
        try:
            return self.describe(endpoint="https://" + device_host(ip))[0]
        except SnowballError as error:
            if error.facts.get("client_error") not in UNANSWERED:
                raise
            return {"id": None, "ip": ip, "state": LOCKED, "reachability": UNREACHABLE, "association": None}


def json_answer(out, key):
    """The JSON object in the client's stdout that holds ``key``, whatever else is printed around it (a notice
    or banner, which may hold JSON of its own); else the first JSON object printed; None when there is none."""
    text = out or ""
    decoder = json.JSONDecoder()
    first = None
    index = text.find("{")
    while index >= 0:
        try:
            value, end = decoder.raw_decode(text, index)
        except ValueError:
            value, end = None, index + 1
        if isinstance(value, dict):
            if key in value:
                return value
            first = value if first is None else first
        index = text.find("{", end if isinstance(value, dict) else index + 1)
    return first


def parse_device(raw, command, out, err):
    """One device as the collection returns it; a device without a documented UnlockStatus.State is a failure."""
    if not isinstance(raw, dict):
        raise SnowballError(_no_state(command, out, err))
    state = (raw.get("UnlockStatus") or {}).get("State")
    if state not in UNLOCK_STATES:
        raise SnowballError(_no_state(command, out, err))
    return {"id": raw.get("DeviceId"),
            "ip": (raw.get("ActiveNetworkInterface") or {}).get("IpAddress"),
            "state": state,
            # describe-device answers only when the device is reachable; describe-cluster says per node.
            "reachability": (raw.get("NetworkReachability") or {}).get("State", "REACHABLE"),
            "association": (raw.get("ClusterAssociation") or {}).get("State")}


def overall_state(devices):
    """UNLOCKED when every device is, else UNLOCKING when any is, else LOCKED when any is."""
    states = {device["state"] for device in devices}
    if states == {UNLOCKED}:
        return UNLOCKED
    if UNLOCKING in states:
        return UNLOCKING
    return LOCKED if LOCKED in states else next(iter(states), None)


def device_result(devices):
    """The device_state and devices of a module result."""
    return {"device_state": overall_state(devices), "devices": devices}


def _no_state(command, out, err):
    """Exit 0 without a state that can be read: a failure, never a success."""
    advice = _classify(out, err)[1]
    return ("snowballEdge %s exited 0 but printed no device state that can be read (UnlockStatus.State), so the "
            "device's state is unknown. %s Client said: %s"
            % (command, advice or "Check that client is the Snowball Edge client (snowballEdge version).",
               _said(out, err)))


def no_answer(command, what):
    """The message for a client run that exited 0 without the answer ``what`` (its output is not shown: it may
    hold a secret)."""
    return ("snowballEdge %s printed no %s. Check that client is the Snowball Edge client (download it from %s) and "
            "run `snowballEdge %s` by hand to see what it says." % (command, what, CLIENT_DOWNLOAD, command))


# The failures the client reports, by the on-device API's error names (aws/eks-anywhere
# internal/aws-sdk-go-v2/service/snowballdevice/types/errors.go) and the Java HTTP client's connection errors.
# Searched in stdout and stderr: the client's stream for errors is not documented.
_FAILURES = (
    ("IncorrectDeviceManifestException",
     "The device refused the manifest or the unlock code: they are not its job's. Check that the job id on the "
     "device's display is the profile's job (a cluster's nodes all take the cluster's one manifest and code), "
     "download that job's manifest again and fetch its code, then run again."),
    ("IncorrectDeviceStateException",
     "The device is not unlocked: unlock it first (fieldops.snowball.snowball_edge_unlock) and wait for UNLOCKED. "
     "Or it is not in the state this command needs (for example, it is locked): wait until describe-device shows "
     "the state the command needs, then run again."),
    ("UnsupportedOperationException",
     "The device does not support this command: a stand-alone device is not a cluster, so leave cluster_ips "
     "empty for it (and give every node's IP for a cluster)."),
    ("InvalidParameterValueException",
     "The device refused a parameter: check the endpoint and cluster_ips."),
    ("ResourceNotFoundException",
     "The device does not know what was asked for: list what it has (list-access-keys, list-certificates)."),
    ("Connection refused",
     "The device is not reachable yet: a device answers about %d minutes after power-on (port %d is closed until "
     "then). Wait, check its display, and run again." % (BOOT_MINUTES, MANAGEMENT_PORT)),
    ("connect timed out",
     "The device does not answer on port %d: check that it is powered on, that the IP is the one on its display "
     "and that this laptop is on its network (a device just powered on answers after about %d minutes)."
     % (MANAGEMENT_PORT, BOOT_MINUTES)),
    ("No route to host",
     "There is no route to the device: check that this laptop is on the device's network and that the IP is the "
     "one on its display."),
)


def _classify(out, err):
    """``(error name, advice)`` for the first documented failure the client printed, else ``(None, None)``."""
    text = "%s\n%s" % (out or "", err or "")
    for token, advice in _FAILURES:
        if token in text:
            return token, advice
    return None, None


def _said(out, err):
    # The JVM prints "Picked up JAVA_TOOL_OPTIONS: ..." on stderr on every run: not part of any failure. A line
    # that names a secret (get-secret-access-key's answer) is never repeated.
    lines = [line for line in ("%s\n%s" % (err or "", out or "")).splitlines()
             if line.strip() and not line.startswith("Picked up ") and "secret" not in line.lower()]
    return " ".join(lines)[-500:] or "nothing"


def explain_client_failure(command, rc, out, err=""):
    """The message for a client run that exited non-zero, from the documented error names it printed."""
    advice = _classify(out, err)[1] or "See the client's message."
    return "snowballEdge %s failed (exit %d): %s Client said: %s" % (command, rc, advice, _said(out, err))


def manifest_failure(error, params):
    """``error`` (a failed client run), naming the manifest file when the device refused the credentials
    (IncorrectDeviceManifestException: the device cannot tell a wrong manifest from a wrong code), so that
    the user knows which file to replace; with the facts manifest_rejected and manifest_path, on which the
    role downloads the manifest afresh and fetches the code again."""
    if error.facts.get("client_error") != "IncorrectDeviceManifestException":
        return error
    if params.get("manifest_path"):
        path = os.path.abspath(os.path.expanduser(params["manifest_path"]))
    else:
        try:
            path = (ProfileStore(params["config_path"]).get(params["profile"]) or {}).get("manifestPath")
        except SnowballError:
            path = None
    if path:
        error.msg += (" The manifest used is %s: remove it (or run fieldops.snowball.snowball_manifest with "
                      "force: true; the role downloads it again by itself when online) and run again." % path)
    error.facts.update(manifest_rejected=True, manifest_path=path)
    return error
