# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs snowball_edge_preflight in the controller's worker process when the task targets the controller (see plugin_utils/_action.py)."""

from __future__ import annotations

from ansible_collections.fieldops.snowball.plugins.modules import snowball_edge_preflight
from ansible_collections.fieldops.snowball.plugins.plugin_utils._action import SnowballAction


class ActionModule(SnowballAction):
    MODULE = snowball_edge_preflight
    AWS = False
