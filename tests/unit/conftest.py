# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit-level fixtures: a live API stand-in and simulated device per test, and
a way to run a module in-process against them through real botocore."""

from __future__ import annotations

import json

import pytest

from ansible.module_utils.testing import patch_module_args
from ansible_collections.fieldops.snowball.tests.standins.harness import Site


@pytest.fixture
def site(tmp_path, monkeypatch):
    site = Site(tmp_path)
    for key, value in site.env().items():
        if key.startswith(("AWS_", "SNOWBALL_")) or key in ("HOME", "PATH"):
            monkeypatch.setenv(key, value)
    yield site
    site.stop()


@pytest.fixture
def run_module(capsys):
    """Run ``module.main()`` with ``args``; return its JSON result (failed or not)."""

    def run(module, args):
        with patch_module_args(args), pytest.raises(SystemExit):
            module.main()
        return json.loads(capsys.readouterr().out)

    return run
