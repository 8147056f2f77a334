# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs snowball_manifest in the controller's worker process when the task targets the controller (see plugin_utils/_action.py)."""

from __future__ import annotations

from ansible_collections.fieldops.snowball.plugins.modules import snowball_manifest
from ansible_collections.fieldops.snowball.plugins.plugin_utils._action import SnowballAction
from ansible_collections.fieldops.snowball.plugins.plugin_utils._in_process import warm_aws_loader

# Here, in ansible-playbook itself, once: its workers inherit the parsed data files (see warm_aws_loader).
warm_aws_loader("snowball")


class ActionModule(SnowballAction):
    MODULE = snowball_manifest
    AWS = True
