# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Playbook-level fixtures: each test gets its own site (API stand-in on a free
loopback port, simulated devices, private HOME) and runs real ansible-playbook
against the collection installed from its tarball."""

from __future__ import annotations

import pytest

from ansible_collections.fieldops.snowball.tests.standins.harness import Site


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path)
    yield site
    site.stop()
