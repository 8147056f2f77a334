# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit-level fixtures: a live API stand-in and simulated device per test, and
a way to run a module in-process against them through real botocore."""

from __future__ import annotations

import contextlib
import json
import os

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.parameters import PASS_VARS
from ansible.module_utils.common.text.converters import to_bytes
from ansible_collections.fieldops.snowball.tests.standins.harness import Site

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core before 2.19: AnsibleModule reads its arguments from basic._ANSIBLE_ARGS
    @contextlib.contextmanager
    def patch_module_args(args):
        saved = basic._ANSIBLE_ARGS  # pylint: disable=protected-access
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))  # pylint: disable=protected-access
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved  # pylint: disable=protected-access


def _site(tmp_path, monkeypatch, **options):
    site = Site(tmp_path, **options)
    env = site.env()
    for key in os.environ:
        if key.startswith("AWS_") and key not in env:  # this machine's AWS settings are not the stand-in's
            monkeypatch.delenv(key)
    for key, value in env.items():
        # JAVA_TOOL_OPTIONS: the (simulated) client is Java and finds its config under -Duser.home, not $HOME
        if key.startswith(("AWS_", "SNOWBALL_")) or key in ("HOME", "PATH", "JAVA_TOOL_OPTIONS"):
            monkeypatch.setenv(key, value)
    return site


@pytest.fixture
def site(tmp_path, monkeypatch):
    site = _site(tmp_path, monkeypatch)
    yield site
    site.close()


@pytest.fixture
def tls_site(tmp_path, monkeypatch):
    """A site whose API and manifest URLs are HTTPS, signed by a private CA (``tls_site.ca_bundle``)."""
    site = _site(tmp_path, monkeypatch, tls=True)
    yield site
    site.close()


@pytest.fixture
def run_module(capsys):
    """Run ``module.main()`` with ``args``; return its JSON result (failed or not)."""

    def run(module, args):
        if "tracebacks_for" in PASS_VARS:
            # As the controller passes it by default (DISPLAY_TRACEBACK: never): without it ansible-core 2.19.0
            # puts the call stack into a failed result, which a user never sees.
            args = dict({"_ansible_tracebacks_for": []}, **args)
        with patch_module_args(args), pytest.raises(SystemExit):
            module.main()
        return json.loads(capsys.readouterr().out)

    return run
