# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a field engineer sees at default verbosity while devices unlock, with several devices in parallel
(--forks): every line names its host. On the path the suite runs (FIELDOPS_SNOWBALL_TEST_PATH)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time

from ansible_collections.fieldops.snowball.tests.standins.harness import ROLE_PLAY, TEST_PATH, device_vars


def test_each_device_reports_its_wait_on_lines_prefixed_with_its_host(site):
    ips = ["192.0.2.%d" % number for number in range(10, 13)]
    hosts = {"dev%d" % index: device_vars(site, site.add_device(ip=ip, unlock_delay=0.5), ip=ip)
             for index, ip in enumerate(ips)}
    process = site.playbook(ROLE_PLAY, hosts=hosts, args=["--forks", "3"])
    assert process.returncode == 0, process.stdout[-3000:]
    for host, ip in zip(hosts, ips):
        if TEST_PATH == "in_process":
            # the device's own states as the worker sees them, each change on its own line
            assert re.search(r"^\[%s\] %s \(\S+\) UNLOCKING \(\d+s of 900s\)$" % (host, re.escape(ip)),
                             process.stderr, re.M), process.stderr[-3000:]
            assert re.search(r"^\[%s\] %s \(\S+\) UNLOCKING -> UNLOCKED \(\d+s of 900s\)$" % (host, re.escape(ip)),
                             process.stderr, re.M), process.stderr[-3000:]
        else:
            # a shipped module prints nothing until it ends: what it waits for, and for how long, comes first
            assert re.search(r"^\[%s\] unlocking the device of client profile fieldops-\S+ and waiting up to 900s for "
                             r"UNLOCKED" % host, process.stderr, re.M), process.stderr[-3000:]


def test_the_wait_says_before_it_starts_that_ctrl_c_is_safe_and_ctrl_c_leaves_the_device_unlocking(site):
    """ansible-playbook stops reading its workers' lines at Ctrl-C: the advice comes with the start of the wait."""
    job_id = site.add_device(unlock_delay=3600)
    play = os.path.join(site.root, "play.yml")
    with open(play, "w", encoding="utf-8") as handle:
        handle.write(textwrap.dedent(ROLE_PLAY))
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
               site.inventory({"bench": device_vars(site, job_id)}), play]
    # its own process group, as a shell gives a foreground job; Ctrl-C signals the whole group
    process = subprocess.Popen(command, env=site.env(), cwd=site.root, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60  # a bound, not a synchronisation: the poll below is what waits
        while len(site.client_invocations("describe-device")) < 3:
            assert time.monotonic() < deadline, "the role never waited for UNLOCKED"
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)
        output = process.communicate(timeout=60)[0]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode != 0
    assert re.search(r"^\[bench\] .*waiting up to 900s .*Ctrl-C is safe: .*running the play again", output, re.M), \
        output[-3000:]
    assert site.device_states() == {"192.0.2.10": "UNLOCKING"}  # as the advice says: it goes on by itself
