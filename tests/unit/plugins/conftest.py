# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the plugin unit tests: a task context over a fake client (see fake_task.py) and real
certificates."""

from __future__ import annotations

import os

import pytest

from ansible_collections.fieldops.snowball.tests.standins.snowball_api import make_certificate
from ansible_collections.fieldops.snowball.tests.unit.plugins.fake_task import make_task


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A private home for the AWS files, and none of this machine's AWS settings."""
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
def fake_task(tmp_path_factory):
    """``fake_task(device, home, **params)``: a FakeTask over a saved profile ``bench`` of a client config under
    ``home`` (which need not exist). The client path is an executable file that never runs."""
    directory = tmp_path_factory.mktemp("client")

    def make(device, home, **options):
        return make_task(device, home, directory, **options)

    return make


@pytest.fixture(scope="module")
def pem(tmp_path_factory):
    """A real certificate for 192.0.2.10, as a device makes for its IP."""
    certificate, _key = make_certificate(str(tmp_path_factory.mktemp("device")), host="192.0.2.10")
    with open(certificate, encoding="ascii") as handle:
        return handle.read()


@pytest.fixture(scope="module")
def other_pem(tmp_path_factory):
    """A real certificate for another device, 192.0.2.99."""
    certificate, _key = make_certificate(str(tmp_path_factory.mktemp("device")), host="192.0.2.99")
    with open(certificate, encoding="ascii") as handle:
        return handle.read()
