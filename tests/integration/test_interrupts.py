# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An interrupt while the role waits for the device: Ctrl-C (SIGINT to the
terminal's process group) or SIGTERM to ansible-playbook. Afterwards nothing but
the client's config may hold the code, and with snowball_unlock_keep_profile
false not even that; ANSIBLE_KEEP_REMOTE_FILES=1 changes nothing. Both paths
(in the worker, shipped module), whatever FIELDOPS_SNOWBALL_TEST_PATH says."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from ansible_collections.fieldops.snowball.tests.standins.harness import ROLE_PLAY, as_in_a_terminal, device_vars, regular_files
from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import TRANSIENT_PREFIX

DEADLINE = 60


def wait_for(condition, what):
    """Poll ``condition`` until it holds; fail after DEADLINE seconds (a bound, not a synchronisation)."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting for " + what
        time.sleep(0.05)


def files_holding(site, code):
    found = []
    for path in regular_files(site.home, site.tmp):
        with open(path, "rb") as handle:
            data = handle.read()
        if code.encode() in data or code.replace("-", "").encode() in data:
            found.append(path)
    return sorted(found)


def transient_homes(site):
    return [name for name in os.listdir(site.tmp) if name.startswith(TRANSIENT_PREFIX)]


@pytest.mark.parametrize("in_process", [True, False], ids=["in-process", "shipped"])
@pytest.mark.parametrize("keep_profile", [False, True], ids=["transient", "kept profile"])
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_interrupt_while_waiting_leaves_the_code_only_in_the_client_config(site, how, keep_profile, in_process):
    job_id = site.add_device(unlock_delay=3600)
    hosts = {"bench": device_vars(site, job_id, snowball_unlock_keep_profile=keep_profile)}
    play = os.path.join(site.root, "play.yml")
    with open(play, "w", encoding="utf-8") as handle:
        handle.write(textwrap.dedent(ROLE_PLAY))
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", site.inventory(hosts), play,
               "-e", "fieldops_snowball_in_process=%s" % in_process]
    # its own process group, as a shell gives a foreground job; Ctrl-C signals the whole group
    process = subprocess.Popen(command, env=site.env(ANSIBLE_KEEP_REMOTE_FILES="1"), cwd=site.root, preexec_fn=as_in_a_terminal,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        wait_for(lambda: site.client_invocations("unlock-device") and site.client_invocations("describe-device")[-1:]
                 and len(site.client_invocations("describe-device")) >= 2, "the role to wait for UNLOCKED")
        if not keep_profile:
            assert transient_homes(site), "the transient profile is not where the test expects it"
        if how == "ctrl-c":
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=DEADLINE)[0]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode != 0, output[-3000:]
    # the worker (or the shipped module) may still be cleaning up when ansible-playbook is gone
    wait_for(lambda: not transient_homes(site), "the transient client home to be removed")
    code = site.world.jobs[job_id]["unlock_code"]
    assert files_holding(site, code) == ([site.config_path()] if keep_profile else [])
    assert code not in output
    assert site.device(site.devices[0]["ip"])["state"] != "UNLOCKED"  # it was really interrupted while waiting


def test_a_transient_home_left_by_a_killed_process_is_removed_on_the_next_run(site):
    """SIGKILL runs no cleanup: the next transient profile removes what a dead process left."""
    job_id = site.add_device(device_state="UNLOCKED")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    stale = os.path.join(site.tmp, "%s%s-abcd1234" % (TRANSIENT_PREFIX, dead.stdout.strip()))
    live = os.path.join(site.tmp, "%s%d-abcd1234" % (TRANSIENT_PREFIX, os.getpid()))
    for home in (stale, live):
        os.makedirs(os.path.join(home, ".aws"), mode=0o700)
    manifest = site.manifest_file(job_id)
    tasks = textwrap.dedent("""
    - name: Unlock with credentials
      hosts: snowball_devices
      gather_facts: false
      tasks:
        - name: Unlock
          fieldops.snowball.snowball_edge_unlock:
            endpoint: 192.0.2.10
            manifest_path: %s
            unlock_code: "%s"
    """) % (manifest, site.world.jobs[job_id]["unlock_code"])
    process = site.playbook(tasks)
    assert process.returncode == 0, process.stdout[-3000:]
    assert not os.path.exists(stale) and os.path.isdir(live)
