# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make standins`: a field engineer rehearses a playbook before the site visit against stand-ins that stay up,
with the inventory and environment the script prints, and Ctrl-C stops them."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys

from ansible_collections.fieldops.snowball.tests.standins.harness import as_in_a_terminal

SCRIPT = os.path.join("scripts", "standins.py")


def _read_until(process, marker):
    lines = []
    for line in process.stdout:
        lines.append(line)
        if marker in line:
            return "".join(lines)
    raise AssertionError("the stand-ins ended before %r: %s" % (marker, "".join(lines)))


def _environment(path):
    """The variables the printed environment file exports, as a shell that sources it has them."""
    env = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            key, _sep, value = line[len("export "):].rstrip("\n").partition("=")
            env[key] = shlex.split(value)[0] if value else ""
    return env


def test_a_playbook_rehearsed_against_the_standins_unlocks_their_devices_and_ctrl_c_stops_them():
    process = subprocess.Popen([sys.executable, SCRIPT], env=dict(os.environ, DEVICES="2"), stdout=subprocess.PIPE,
                               preexec_fn=as_in_a_terminal,
                               stderr=subprocess.STDOUT, text=True)
    try:
        said = _read_until(process, "Ctrl-C here stops the stand-ins.")
        sourced = next(line.split()[1] for line in said.splitlines() if line.strip().startswith(". "))
        inventory = next(line.split()[2] for line in said.splitlines() if "ansible-playbook -i" in line)
        env = _environment(sourced)
        run = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory,
                              "fieldops.snowball.unlock"], env=env, capture_output=True, text=True, timeout=300,
                             check=False)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
        assert run.stdout.count("is UNLOCKED.") == 2  # the summary's line for each of the two devices
        process.send_signal(signal.SIGINT)
        assert "stand-ins stopped" in process.communicate(timeout=60)[0]
        assert process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
