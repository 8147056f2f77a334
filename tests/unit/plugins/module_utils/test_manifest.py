# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What cannot be a manifest (a captive portal's page, text, a body too small) is told apart from one."""

from __future__ import annotations

import pytest

from ansible_collections.fieldops.snowball.plugins.module_utils import _manifest


@pytest.mark.parametrize("data, content_type, problem", [
    (b"<!DOCTYPE html><html>" + b"x" * 600, "binary/octet-stream", "HTML or XML page"),
    (b"\x00" * 600, "text/html; charset=utf-8", "served as text/html"),
    (b"\x00" * 600, "application/json", "served as application/json"),
    (b"\x01\x02", "binary/octet-stream", "only 2 bytes"),
])
def test_manifest_problem_names_why(data, content_type, problem):
    assert problem in _manifest.manifest_problem(data, content_type)


def test_a_stand_in_manifest_is_a_manifest(site):
    job_id = site.add_device()
    assert _manifest.manifest_problem(site.world.jobs[job_id]["manifest"], "binary/octet-stream") is None
