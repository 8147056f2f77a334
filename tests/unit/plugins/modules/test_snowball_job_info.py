# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""snowball_job_info, run in-process through real botocore against the API stand-in: every page, a cluster,
failures that end cleanly."""

from __future__ import annotations

import pytest

from ansible_collections.fieldops.snowball.plugins.modules import snowball_job_info


def test_job_info_lists_every_page_and_filters_by_state(site, run_module, aws_args):
    ids = [site.add_device(ip="192.0.2.%d" % n) for n in range(1, 6)]
    site.world.set_state(ids[0], "Complete")
    result = run_module(snowball_job_info, aws_args(site))
    assert sorted(job["job_id"] for job in result["jobs"]) == sorted(ids)
    assert site.world.count("ListJobs") == 3  # two per page
    filtered = run_module(snowball_job_info, aws_args(site, states=["WithCustomer"]))
    assert sorted(job["job_id"] for job in filtered["jobs"]) == sorted(ids[1:])


def test_job_info_of_a_cluster(site, run_module, aws_args):
    cluster_id = "CID123e4567-e89b-12d3-a456-426655440000"
    ids = [site.add_device(ip="192.0.2.%d" % n, cluster_id=cluster_id) for n in range(1, 4)]
    site.add_device(ip="192.0.2.9")
    result = run_module(snowball_job_info, aws_args(site, cluster_id=cluster_id))
    assert sorted(job["job_id"] for job in result["jobs"]) == sorted(ids)


@pytest.mark.parametrize("fault", ["server_error_next", "drop_next"])
def test_persistent_failures_fail_cleanly(site, run_module, fault, monkeypatch, aws_args):
    job_id = site.add_device()
    setattr(site.world.faults, fault, 100)
    monkeypatch.setattr("time.sleep", lambda seconds: None)  # the retry back-off, not synchronisation
    result = run_module(snowball_job_info, aws_args(site, job_id=job_id))
    assert result["failed"]
    assert "after several retries" in result["msg"] or "Could not reach the Snowball API" in result["msg"]
    assert "Traceback" not in result.get("msg", "")
