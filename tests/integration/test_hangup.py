# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A hang-up (the terminal or SSH session closes: SIGHUP to ansible-playbook) while the role waits for the device
ends the client runs and removes the transient client homes, which hold the code, within a few seconds, as
Ctrl-C and SIGTERM do. Both paths (in the worker, shipped module), whatever FIELDOPS_SNOWBALL_TEST_PATH says."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from ansible_collections.fieldops.snowball.tests.standins.harness import ROLE_PLAY, as_in_a_terminal, device_vars
from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import TRANSIENT_PREFIX

# Generous bounds for a loaded machine, not synchronisation: each wait polls for its condition.
STARTED_WITHIN = 60
CLEANED_WITHIN = 30


def wait_for(condition, what, seconds):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting %d s for %s" % (seconds, what)
        time.sleep(0.05)


def transient_homes(site):
    return [name for name in os.listdir(site.tmp) if name.startswith(TRANSIENT_PREFIX)]


def client_processes(site):
    """Processes running the site's stand-in client (its executable lives in the site's bin directory)."""
    return processes_naming(site.bin + os.sep)


def processes_naming(prefix):
    """Processes with an argument that starts with ``prefix``."""
    running = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as handle:
                argv = handle.read().decode("utf-8", "replace").split("\0")
        except OSError:
            continue
        if any(arg.startswith(prefix) for arg in argv):
            running.append(int(pid))
    return running


def _core_before(version):
    from ansible.release import __version__  # pylint: disable=import-outside-toplevel

    return tuple(int(part) for part in __version__.split(".")[:3] if part.isdigit()) < version


# Measured in the floors cell: on ansible-core 2.19.0 a shipped module's transient home outlives the hang-up (the
# worker's SIGTERM handler of that release only signals its group and stays alive); 2.19.14 removes it. The next
# task of the collection removes it then, as after a SIGKILL (security.rst). Which 2.19.x changed it is not known.
SHIPPED_HANGUP_KNOWN_BAD = pytest.mark.xfail(_core_before((2, 19, 14)), strict=False,
                                             reason="ansible-core before 2.19.14: see SHIPPED_HANGUP_KNOWN_BAD")


@pytest.mark.parametrize("in_process", [True, pytest.param(False, marks=SHIPPED_HANGUP_KNOWN_BAD)],
                         ids=["in-process", "shipped"])
def test_a_hang_up_while_waiting_ends_the_client_and_removes_the_transient_home(site, in_process):
    job_id = site.add_device(unlock_delay=3600)
    hosts = {"bench": device_vars(site, job_id, snowball_unlock_keep_profile=False)}
    play = os.path.join(site.root, "play.yml")
    with open(play, "w", encoding="utf-8") as handle:
        handle.write(textwrap.dedent(ROLE_PLAY))
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", site.inventory(hosts), play,
               "-e", "fieldops_snowball_in_process=%s" % in_process]
    process = subprocess.Popen(command, env=site.env(), cwd=site.root, stdout=subprocess.PIPE, preexec_fn=as_in_a_terminal,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        wait_for(lambda: len(site.client_invocations("describe-device")) >= 2 and transient_homes(site),
                 "the role to wait for UNLOCKED with a transient profile", STARTED_WITHIN)
        process.send_signal(signal.SIGHUP)
        output = process.communicate(timeout=STARTED_WITHIN)[0]
        assert process.returncode == -signal.SIGHUP, output[-3000:]
        wait_for(lambda: not transient_homes(site), "the transient client home to be removed", CLEANED_WITHIN)
        wait_for(lambda: not client_processes(site), "the client to end", CLEANED_WITHIN)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        # what a failed run leaves (workers of ansible-playbook name the play, clients the site's bin): never
        # outlive the test
        for pid in processes_naming(site.root + os.sep):
            if pid != os.getpid():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    assert site.world.jobs[job_id]["unlock_code"] not in output
