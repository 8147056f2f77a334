# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A private network namespace for one test, so that a stand-in can listen on a device's own IP address while
no packet can leave the machine.

``unshare -n`` starts a holder process in a new network namespace whose only interface is its loopback, with
the devices' addresses added to it (``ip link set lo up; ip addr add IP/32 dev lo``). Work runs inside it in a
thread that joins the namespace with setns(2) (a network namespace belongs to a thread, and threads and
processes started from that thread inherit it: namespaces(7), setns(2)), so servers and clients are ordinary
Python objects and subprocesses of the test.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import threading

CLONE_NEWNET = 0x40000000  # linux/sched.h


def unavailable_reason():
    """Why no namespace can be made here (None when one can): it takes root (CAP_SYS_ADMIN) and unshare(1)."""
    if os.geteuid() != 0:
        return "network namespaces need root (CAP_SYS_ADMIN); this test runs as uid %d" % os.geteuid()
    for tool in ("unshare", "ip"):
        if shutil.which(tool) is None:
            return "%s(8) is not installed" % tool
    probe = subprocess.run(["unshare", "-n", "--", "ip", "link", "set", "lo", "up"], capture_output=True, text=True,
                           check=False)
    if probe.returncode != 0:
        return "unshare -n is refused here: %s" % (probe.stderr.strip() or probe.returncode)
    return None


class NetworkNamespace:
    """A network namespace holding ``addresses`` on its loopback; ``close()`` (or ``with``) removes it."""

    def __init__(self, addresses):
        script = "ip link set lo up && %s && echo ready && exec sleep infinity" % " && ".join(
            "ip addr add %s/32 dev lo" % address for address in addresses)
        self.holder = subprocess.Popen(["unshare", "-n", "--", "sh", "-c", script], stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
        line = self.holder.stdout.readline()
        if line.strip() != "ready":
            self.close()
            raise RuntimeError("the network namespace did not come up: %s" % self.holder.stderr.read())
        self.path = "/proc/%d/ns/net" % self.holder.pid

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.close()

    def close(self):
        if self.holder.poll() is None:
            self.holder.kill()
        self.holder.communicate()

    def _join(self):
        libc = ctypes.CDLL(None, use_errno=True)
        descriptor = os.open(self.path, os.O_RDONLY)
        try:
            if libc.setns(descriptor, CLONE_NEWNET) != 0:
                error = ctypes.get_errno()
                raise OSError(error, "setns: %s" % os.strerror(error))
        finally:
            os.close(descriptor)

    def run(self, function, *args, **kwargs):
        """``function(*args, **kwargs)`` in a thread inside the namespace; returns its result or raises its error."""
        outcome = {}

        def inside():
            try:
                self._join()
                outcome["result"] = function(*args, **kwargs)
            except BaseException as error:  # pylint: disable=broad-except
                outcome["error"] = error

        thread = threading.Thread(target=inside, name="in-netns")
        thread.start()
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]
