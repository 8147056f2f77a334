# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The manifest action: in process it gives the file facts a shipped module gives, and check mode writes nothing."""

from __future__ import annotations

from ansible_collections.fieldops.snowball.plugins.action import snowball_manifest


def test_in_process_the_result_has_the_file_facts_of_a_shipped_module(site, action_for, tmp_path):
    job_id = site.add_device()
    dest = tmp_path / "manifest.bin"
    action = action_for(snowball_manifest, dict(job_id=job_id, dest=str(dest), endpoint_url=site.endpoint_url,
                                                region="us-east-1"))
    result = action.run(task_vars={})
    assert result["changed"] and (result["state"], result["mode"]) == ("file", "0600")
    assert result["size"] == len(site.world.jobs[job_id]["manifest"]) == dest.stat().st_size
    assert "X-Amz-Signature" not in repr(result)


def test_check_mode_downloads_and_writes_nothing(site, action_for, tmp_path):
    dest = tmp_path / "manifest.bin"
    action = action_for(snowball_manifest, dict(job_id=site.add_device(), dest=str(dest),
                                                endpoint_url=site.endpoint_url, region="us-east-1"), check_mode=True)
    assert action.run(task_vars={})["changed"] and not dest.exists() and site.world.manifest_downloads == []
