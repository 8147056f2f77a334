# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A task context whose Snowball Edge client is a Python callable: logic units run the real client layer
(_client.EdgeClient) without a JVM, a socket or a subprocess."""

from __future__ import annotations

import os
import stat

CONFIG_SUFFIX = os.path.join(".aws", "snowball", "config", "snowball-edge.config")


class FakeTask:
    """The task context (see module_utils/_context.py) with ``device(args) -> (rc, stdout, stderr)`` as the
    client. ``args`` is the command and its own arguments, without the credentials (--profile NAME) and
    without --endpoint, which ``endpoints`` records in call order."""

    def __init__(self, device, client_path, params, check_mode=False, diff=False):
        self.device, self.client_path = device, client_path
        self.params, self.check_mode, self.diff, self.region = params, check_mode, diff, None
        self.warnings, self.secrets, self.endpoints, self.argvs, self.lines, self.timeouts = [], [], [], [], [], []
        self.busy = None

    def run_command(self, argv, environ_update=None, timeout=None, busy=None):  # pylint: disable=unused-argument
        self.argvs.append(list(argv))
        self.busy = busy  # (seconds, callback) for the run that is going on: a test calls it as the time passes
        self.timeouts.append(timeout)
        rest = list(argv[4:])  # argv: client, command, --profile, NAME, ...
        endpoint = None
        if rest[:1] == ["--endpoint"]:
            endpoint, rest = rest[1], rest[2:]
        self.endpoints.append(endpoint)
        return self.device([argv[1]] + rest)

    def find_executable(self, name):  # pylint: disable=unused-argument
        return self.client_path

    def warn(self, msg):
        self.warnings.append(msg)

    def add_secret(self, value):
        self.secrets.append(value)

    def progress(self, msg):
        self.lines.append(msg)


def make_task(device, home, client_directory, check_mode=False, diff=False, **params):
    """A FakeTask over a saved profile ``bench`` of a client config under ``home`` (which need not exist);
    the client path is an executable file in ``client_directory`` that never runs."""
    client = os.path.join(str(client_directory), "snowballEdge")
    if not os.path.exists(client):
        # written aside and renamed: forked writers (test_parallel_runs_*) must never see it before its chmod
        aside = "%s.%d" % (client, os.getpid())
        with open(aside, "w", encoding="ascii") as handle:
            handle.write("#!/bin/sh\nexit 99\n")
        os.chmod(aside, stat.S_IRWXU)
        os.replace(aside, client)
    base = {"profile": "bench", "endpoint": None, "manifest_path": None, "unlock_code": None, "client": client,
            "cluster_ips": None, "config_path": os.path.join(str(home), CONFIG_SUFFIX), "client_timeout": 120}
    base.update(params)
    return FakeTask(device, client, base, check_mode=check_mode, diff=diff)
