#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: snowball_edge_device_info
short_description: Ask a Snowball Edge device whether it is unlocked
version_added: 0.1.0
description:
  - Runs C(snowballEdge describe-device) (or C(describe-cluster)) and returns the unlock state of every device.
  - With a O(profile) that the client's config file does not hold yet, whose manifest file is no longer on this
    machine, or that was written for another device or job than O(expected_endpoint) and O(expected_job_id),
    returns RV(profile_found=false) without running the client, so a play can tell a first run from a
    re-run, and set the profile up again.
options:
  expected_endpoint:
    description:
      - With O(profile), the device the play means (its IP or C(https://IP)). A saved profile that names another
        endpoint is not used to ask a device (it would ask the wrong one, for example after a typo in the
        inventory was corrected); the module warns and returns RV(profile_found=false).
    type: str
    version_added: 0.2.0
  expected_job_id:
    description:
      - With O(profile), the job the play means. A saved profile written for another job is not used to ask
        the device; the module warns and returns RV(profile_found=false).
    type: str
    version_added: 0.2.0
author:
  - fieldops engineering (@fieldops)
extends_documentation_fragment:
  - fieldops.snowball.in_process
  - fieldops.snowball.client
notes:
  - Read-only, towards the device and on this machine; never reports C(changed). Supports check mode.
  - With O(profile), a client config file that is a symbolic link or in a world-writable directory is refused,
    since it holds unlock codes. To make a readable config file private, run
    M(fieldops.snowball.snowball_edge_profile) with only O(fieldops.snowball.snowball_edge_profile#module:name)
    (the owner of that file).
seealso:
  - module: fieldops.snowball.snowball_edge_unlock
"""

EXAMPLES = r"""
- name: Is the device on the bench unlocked?
  fieldops.snowball.snowball_edge_device_info:
    profile: bench-device
  register: bench_device

- name: Say so
  ansible.builtin.debug:
    msg: "The device is {{ bench_device.device_state }}"
"""

RETURN = r"""
profile_found:
  description:
    - Whether the client's config file holds O(profile) and the manifest it names exists. Always true without
      O(profile).
  returned: always
  type: bool
  sample: true
profile_saved_elsewhere:
  description:
    - True when O(profile) was saved for another endpoint or job than O(expected_endpoint) and O(expected_job_id)
      (so RV(profile_found) is false). A play replaces it only once the device answers at the new one.
  returned: when O(profile) was saved for another device or job
  type: bool
  sample: true
device_state:
  description:
    - C(UNLOCKED) when every device is unlocked, else C(UNLOCKING) or C(LOCKED).
    - Null when RV(profile_found) is false.
  returned: always
  type: str
  sample: UNLOCKED
devices:
  description: Every device.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The device id.
      type: str
    ip:
      description: The device's IP address.
      type: str
    state:
      description: C(LOCKED), C(UNLOCKING) or C(UNLOCKED).
      type: str
    reachability:
      description:
        - C(REACHABLE) or C(UNREACHABLE); for a cluster, as the node the client asked reports each node
          (C(describe-cluster) lists every node, also one that does not answer).
      type: str
    association:
      description:
        - A cluster node's C(ClusterAssociation.State) (C(ASSOCIATED), C(ASSOCIATING), C(DISASSOCIATED) or
          C(DISASSOCIATING)); null for a stand-alone device.
      type: str
  sample: [{"id": "JID123e4567-e89b-12d3-a456-426655440000", "ip": "192.0.2.10", "state": "UNLOCKED",
            "reachability": "REACHABLE", "association": null}]
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.fieldops.snowball.plugins.module_utils._addresses import normalize_endpoint
from ansible_collections.fieldops.snowball.plugins.module_utils._client import CLIENT_ARGUMENT_RULES
from ansible_collections.fieldops.snowball.plugins.module_utils._client import CLIENT_ARGUMENT_SPEC
from ansible_collections.fieldops.snowball.plugins.module_utils._client import EdgeClient
from ansible_collections.fieldops.snowball.plugins.module_utils._client import device_result
from ansible_collections.fieldops.snowball.plugins.module_utils._client import manifest_failure
from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import ProfileStore
from ansible_collections.fieldops.snowball.plugins.module_utils._context import run_module
from ansible_collections.fieldops.snowball.plugins.module_utils._errors import SnowballError
from ansible_collections.fieldops.snowball.plugins.module_utils._ids import job_id_problem

ARGUMENT_SPEC = dict(
    CLIENT_ARGUMENT_SPEC,
    expected_endpoint=dict(type="str"),
    expected_job_id=dict(type="str"),
)
ARGUMENT_RULES = CLIENT_ARGUMENT_RULES


def _expected(params):
    """``{profile key: value}`` the play means, each checked."""
    expected = {}
    if params["expected_endpoint"]:
        expected["defaultEndpoint"] = normalize_endpoint(params["expected_endpoint"])
    if params["expected_job_id"]:
        problem = job_id_problem(params["expected_job_id"])
        if problem:
            raise SnowballError("expected_" + problem)
        expected["jobId"] = params["expected_job_id"]
    return expected


def _saved_elsewhere(profile, expected):
    """What the saved profile names instead of what the play means; a value the profile leaves out (a profile
    written by hand) is no difference."""
    differences = []
    for key, wanted in expected.items():
        saved = profile.get(key)
        if key == "defaultEndpoint" and saved:
            try:
                saved = normalize_endpoint(saved)
            except SnowballError:
                pass  # not an endpoint at all: it differs
        if saved and saved != wanted:
            differences.append("%s instead of %s" % (saved, wanted))
    return differences


def run(ctx):
    """Ask the device (or cluster) for its unlock state. Read-only: never changes anything, here or on the device."""
    params = ctx.params
    client = EdgeClient(ctx)
    expected = _expected(params)
    not_asked = dict(changed=False, profile_found=False, device_state=None, devices=[])
    if params["profile"]:
        store = ProfileStore(params["config_path"], check_mode=True)
        store.check_location()
        profile = store.get(params["profile"])
        if profile is None:
            return not_asked
        manifest = profile.get("manifestPath")
        if not (isinstance(manifest, str) and os.path.isfile(manifest)):
            ctx.warn("Profile %s names the manifest %s, which is not on this laptop: the device was not asked. "
                     "Download the manifest again (the snowball_unlock role does that when run again)."
                     % (params["profile"], manifest))
            return not_asked
        elsewhere = _saved_elsewhere(profile, expected)
        if elsewhere:
            ctx.warn("Profile %s was written for %s: the device was not asked with it. Set the profile up again "
                     "(the snowball_unlock role does that when run again)." % (params["profile"], "; ".join(elsewhere)))
            return dict(not_asked, profile_saved_elsewhere=True)
    try:
        with client.session():
            devices = client.describe()
    except SnowballError as error:
        error.facts.setdefault("changed", False)
        error.facts.setdefault("profile_found", True)
        raise manifest_failure(error, params) from None
    return dict(changed=False, profile_found=True, **device_result(devices))


def main():
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **ARGUMENT_RULES), run)


if __name__ == "__main__":
    main()
