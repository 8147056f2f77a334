# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The remote unlock's action plugin runs its module with amazon.aws's connection options, so that
module_defaults for the snowball group (region, profile, endpoint_url) reach it."""

from __future__ import annotations

from ansible_collections.fieldops.snowball.plugins.action.snowball_remote_unlock import ActionModule
from ansible_collections.fieldops.snowball.plugins.modules import snowball_remote_unlock


def test_runs_its_module_with_the_aws_options():
    action = ActionModule.__new__(ActionModule)
    spec = action.argument_spec()
    assert ActionModule.MODULE is snowball_remote_unlock
    assert action.module_name == "fieldops.snowball.snowball_remote_unlock"
    assert {"region", "profile", "endpoint_url", "job_ids", "managed_device_ids"} <= set(spec)
