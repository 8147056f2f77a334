# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole way to a secret's directory is checked, as OpenSSH's StrictModes does: a manifest directory below a
symbolic link to a world-writable place is refused before any AWS or client call, and nothing is written there."""

from __future__ import annotations

import os

from ansible_collections.fieldops.snowball.tests.standins.harness import ROLE_PLAY, device_vars


def test_a_manifest_dir_below_a_link_to_a_world_writable_place_is_refused_before_any_call(site):
    shared = os.path.join(site.root, "shared")
    os.makedirs(os.path.join(shared, "sub"), mode=0o700)
    os.chmod(shared, 0o777)
    os.symlink(shared, os.path.join(site.home, "linkdir"))
    job_id = site.add_device()
    hosts = {"bench": device_vars(site, job_id, snowball_unlock_manifest_dir="~/linkdir/sub")}
    process = site.playbook(ROLE_PLAY, hosts=hosts)
    assert process.returncode != 0 and "shared is world-writable, so another user could replace" in process.stdout, \
        process.stdout[-3000:]
    # the pre-flight's `snowballEdge version` takes no profile and contacts no device
    assert site.world.calls == [] and site.client_invocations() == site.client_invocations("version")
    assert os.listdir(os.path.join(shared, "sub")) == []
