# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pre-flight, before anything is fetched or written and without the unlock code: the client is the Snowball
Edge client, and each device's management port accepts a TCP connection (waiting a while for a booting device)."""

from __future__ import annotations

import errno
import os
import re
import socket
import time

from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import MANAGEMENT_PORT
from ansible_collections.fieldops.snowball.plugins.module_utils._client import BOOT_MINUTES
from ansible_collections.fieldops.snowball.plugins.module_utils._client import CLIENT_DOWNLOAD
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._process import Overdue
from ansible_collections.fieldops.snowball.plugins.module_utils._run_board import RunBoard

# Developer guide using-client-commands.md, "Snowball Edge client version": `snowballEdge version` prints the
# client's version, for example "Snowball client version: 1.2.0 Build 661". No device is contacted.
_VERSION = re.compile(r"Snowball(?: Edge)? client version:?\s*(?P<version>\S.*)", re.IGNORECASE)
CONNECT_SECONDS = 3  # one TCP connection attempt; a device on the same network answers in milliseconds
RETRY_SECONDS = 5  # between two attempts while waiting for a booting device
VERSION_SECONDS = 60  # `snowballEdge version` is one JVM start: seconds, even on a busy laptop


def client_version(ctx, client, board=RunBoard.for_this_run):
    """The version the client reports (``client version``): proof that ``client`` is the Snowball Edge client.

    Asked once per ansible-playbook run and client file (``board``, see _run_board.py), not once per device: each
    ask is a JVM start, seconds of CPU, and a fleet asks at the same moment."""
    name = os.path.expanduser(client)
    path = name if os.sep in name else ctx.find_executable(name)
    if not path or not os.access(path, os.X_OK):
        raise SnowballError("The Snowball Edge client %r was not found or is not executable. Download it from %s, "
                            "unpack it, and set snowball_unlock_client (module: client) to the path of its "
                            "bin/snowballEdge." % (client, CLIENT_DOWNLOAD))
    # The same file (replaced or edited in between: another file) is the same answer.
    status = os.stat(path)
    identity = (os.path.realpath(path), status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)
    key = "client version %s %d %d %d %d" % identity
    run = board(key)
    return run.once(key, lambda: _ask_version(ctx, client, path)) if run else _ask_version(ctx, client, path)


def _ask_version(ctx, client, path):
    try:
        rc, out, err = ctx.run_command([path, "version"], timeout=VERSION_SECONDS)
    except Overdue:
        raise SnowballError("`%s version` did not answer within %d s, so it was stopped with the processes it "
                            "started; it contacts no device, and the Snowball Edge client answers in seconds. Run "
                            "`%s version` by hand to see where it hangs (its Java runtime, a home directory on a "
                            "network share); then run again." % (path, VERSION_SECONDS, path)) from None
    match = _VERSION.search(out) or _VERSION.search(err)
    if rc != 0 or not match:
        said = " ".join((out + " " + err).split())[:200] or "nothing"
        raise SnowballError("%s is not the Snowball Edge client: `%s version` exited %d and printed %s, not "
                            "\"Snowball client version: ...\". Set snowball_unlock_client (module: client) to the "
                            "bin/snowballEdge of the client downloaded from %s." % (path, client, rc, said, CLIENT_DOWNLOAD))
    return match.group("version").strip()


def _connect(host, timeout):
    """None when ``host``'s management port accepts a TCP connection, else ``refused`` or ``no answer``."""
    try:
        with socket.create_connection((host.strip("[]"), MANAGEMENT_PORT), timeout=timeout):
            return None
    except ConnectionRefusedError:
        return "refused"
    except OSError as error:
        if error.errno in (errno.ECONNREFUSED,):
            return "refused"
        return "no answer"


def wait_for_ports(hosts, wait, connect=_connect, clock=time.monotonic, sleep=time.sleep):
    """Wait up to ``wait`` seconds (0: one attempt each) until every host's management port accepts a TCP
    connection; returns ``{host: seconds until it answered}``. Nothing is sent: the connection is closed at once."""
    started = clock()
    answered, problems = {}, {}
    while True:
        for host in hosts:
            if host not in answered:
                problem = connect(host, CONNECT_SECONDS)
                if problem is None:
                    answered[host] = round(clock() - started, 1)
                    problems.pop(host, None)
                else:
                    problems[host] = problem
        remaining = wait - (clock() - started)
        if not problems or remaining <= 0:
            break
        sleep(min(RETRY_SECONDS, remaining))
    if problems:
        raise SnowballError(_unreachable_message(problems, wait), answered=answered)
    return answered


def _unreachable_message(problems, wait):
    refused = sorted(host for host, problem in problems.items() if problem == "refused")
    silent = sorted(host for host, problem in problems.items() if problem != "refused")
    waited = ("after waiting %ds" % wait) if wait else "(snowball_unlock_wait_for_device is 0: one attempt)"
    parts = []
    if refused:
        parts.append("%s refused the connection to port %d %s: the device is on the network but its management "
                     "service is not up yet. A device needs about %d minutes after power-on; set "
                     "snowball_unlock_wait_for_device (seconds, for example 900) to wait for it, or run again later."
                     % (", ".join(refused), MANAGEMENT_PORT, waited, BOOT_MINUTES))
    if silent:
        parts.append("%s did not answer on port %d %s: check the IP on the device's display, its network cable "
                     "and that this machine is on the device's network (a firewall between them must allow port %d)."
                     % (", ".join(silent), MANAGEMENT_PORT, waited, MANAGEMENT_PORT))
    return " ".join(parts) + " Nothing was fetched or written."
