# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Refusals: an ansible-core older than 2.19 and an async task are refused with a message that says why."""

from __future__ import annotations

import types

import pytest

from ansible.errors import AnsibleActionFail
from ansible_collections.fieldops.snowball.plugins.plugin_utils import _refusals


def _task(async_val=0):
    return types.SimpleNamespace(async_val=async_val, action="snowball_edge_unlock")


@pytest.mark.parametrize("version", ["2.18.19", "2.17.0", "2.9.27", "2.18.0rc1"])
def test_an_older_ansible_core_is_refused_with_the_version_needed(version):
    with pytest.raises(AnsibleActionFail, match=r"needs ansible-core 2\.19 or later \(this is %s\)" % version):
        _refusals.refuse_unsupported(_task(), version=version)


@pytest.mark.parametrize("version", ["2.19.0", "2.19.14", "2.20.0b1", "2.21.5", "2.22.0.dev0", "3.0.0"])
def test_a_supported_ansible_core_runs(version):
    _refusals.refuse_unsupported(_task(), version=version)


def test_the_running_ansible_core_is_the_one_checked(monkeypatch):
    monkeypatch.setattr(_refusals, "ANSIBLE_CORE_VERSION", "2.18.19")
    with pytest.raises(AnsibleActionFail, match="2.18.19"):
        _refusals.refuse_unsupported(_task())


def test_async_is_refused_with_the_reason():
    with pytest.raises(AnsibleActionFail, match="does not run with async: .* writes the module with its arguments"):
        _refusals.refuse_unsupported(_task(async_val=900))
