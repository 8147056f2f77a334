# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every directory the collection creates is 0700 whatever the umask: a field laptop with ``umask 000`` ends a
run with a private tree and a device AWS profile that works on the next run too."""

from __future__ import annotations

import contextlib
import os
import stat

from ansible_collections.fieldops.snowball.tests.standins.harness import ROLE_PLAY, device_vars


@contextlib.contextmanager
def umask(value):
    """The umask ansible-playbook inherits from this process."""
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def directories_under(root):
    found = {}
    for directory, names, _files in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            found[os.path.relpath(path, root)] = stat.S_IMODE(os.lstat(path).st_mode)
    return found


def test_a_run_under_umask_000_leaves_a_private_tree_and_a_working_device_profile(site):
    job_id = site.add_device()
    hosts = {"bench": device_vars(site, job_id, snowball_unlock_device_aws_profile="snowball-bench")}
    with umask(0o000):
        first = site.playbook(ROLE_PLAY, hosts=hosts)
        site.set_device("192.0.2.10", state="LOCKED")
        second = site.playbook(ROLE_PLAY, hosts=hosts)
    assert first.returncode == 0, first.stdout[-3000:]
    assert second.returncode == 0, second.stdout[-3000:]
    created = directories_under(site.home)
    for expected in (".aws", os.path.join(".aws", "snowball"), os.path.join(".aws", "snowball", "config"),
                     ".snowball", os.path.join(".snowball", "manifests")):
        assert expected in created, sorted(created)
    assert {path: "%04o" % mode for path, mode in created.items() if mode != 0o700} == {}
    with open(os.path.join(site.home, ".aws", "credentials"), encoding="utf-8") as handle:
        assert "[snowball-bench]" in handle.read()
