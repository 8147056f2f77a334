# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The unlock-code action: the path a task takes, its validation, the censored result, the vault file, and the
action base's one translation of SnowballError and its masking of loop items."""

from __future__ import annotations

import os
import stat

import pytest

from ansible.errors import AnsibleActionFail
from ansible.parsing.vault import VaultLib
from ansible.parsing.vault import VaultSecret
from ansible_collections.fieldops.snowball.plugins.action import snowball_unlock_code
from ansible_collections.fieldops.snowball.plugins.plugin_utils._masking import MASK


def aws(site, **args):
    return dict(args, endpoint_url=site.endpoint_url, region="us-east-1")


def test_a_controller_task_runs_in_process_and_its_result_is_censored(site, action_for):
    job_id = site.add_device()
    action = action_for(snowball_unlock_code, aws(site, job_id=job_id))
    result = action.run(task_vars={})
    assert result["unlock_code"] == site.world.jobs[job_id]["unlock_code"] and result["_ansible_no_log"] is True
    assert result["invocation"]["module_args"]["job_id"] == job_id
    assert action.shipped.calls == [] and site.world.count("GetJobUnlockCode") == 1


@pytest.mark.parametrize("where", [dict(transport="ssh"), dict(become=True), dict(in_process_variable=False)])
def test_any_other_task_ships_the_module_and_still_censors_the_result(site, action_for, where):
    job_id = site.add_device()
    task_vars = {"fieldops_snowball_in_process": False} if where.pop("in_process_variable", True) is False else {}
    action = action_for(snowball_unlock_code, dict(job_id=job_id), **where)
    action.shipped.result = dict(changed=False, unlock_code="abcde-12345-ABCDE-fghij-67890")
    result = action.run(task_vars=task_vars)
    assert action.shipped.calls == [("fieldops.snowball.snowball_unlock_code", {"job_id": job_id})]
    assert result["_ansible_no_log"] is True and site.world.calls == []


def test_bad_arguments_are_left_to_ansible_core(site, action_for):
    action = action_for(snowball_unlock_code, dict(job_id=site.add_device(), vault="perhaps", dest="/tmp/x"))
    with pytest.raises(AnsibleActionFail):
        action.run(task_vars={})
    assert site.world.calls == [] and action.shipped.calls == []


def test_a_snowball_error_is_a_failed_result_that_says_what_to_do(site, action_for, tmp_path):
    action = action_for(snowball_unlock_code, aws(site, job_id=site.add_device(), vault=True,
                                                  dest=str(tmp_path / "code.vault")))
    result = action.run(task_vars={})
    assert result["failed"] and "vault=true needs the play's vault secret" in result["msg"]
    assert site.world.calls == []


def test_vault_writes_the_encrypted_code_privately_and_returns_it_no_more(site, action_for, tmp_path):
    job_id = site.add_device()
    dest = tmp_path / "codes" / "code.vault"
    args = aws(site, job_id=job_id, vault=True, dest=str(dest))
    result = action_for(snowball_unlock_code, args, vault_password="s3cret").run(task_vars={})
    assert result["changed"] and result["dest"] == str(dest) and "unlock_code" not in result
    assert "_ansible_no_log" not in result
    vault = VaultLib([("default", VaultSecret(b"s3cret"))])
    assert vault.decrypt(dest.read_bytes()).decode() == site.world.jobs[job_id]["unlock_code"]
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert action_for(snowball_unlock_code, args, vault_password="s3cret").run(task_vars={})["changed"] is False


def test_a_vault_file_of_another_secret_is_refused_before_any_aws_call(site, action_for, tmp_path):
    dest = tmp_path / "code.vault"
    args = aws(site, job_id=site.add_device(), vault=True, dest=str(dest))
    action_for(snowball_unlock_code, args, vault_password="first").run(task_vars={})
    calls = len(site.world.calls)
    result = action_for(snowball_unlock_code, args, vault_password="second").run(task_vars={})
    assert result["failed"] and "encrypted with another vault secret" in result["msg"] and result["dest"] == str(dest)
    assert len(site.world.calls) == calls


def test_a_registered_result_as_loop_item_has_its_code_masked_in_place(site, action_for):
    job_id = site.add_device()
    code = site.world.jobs[job_id]["unlock_code"]
    item = {"job_id": job_id, "unlock_code": code, "note": "code %s" % code}
    extended = {"allitems": [item, {"unlock_code": code}]}
    action = action_for(snowball_unlock_code, aws(site, job_id=job_id), loop=[item])
    result = action.run(task_vars={"item": item, "ansible_loop": extended})
    assert item == {"job_id": job_id, "unlock_code": MASK, "note": "code " + MASK}
    assert extended["allitems"][1] == {"unlock_code": MASK}
    assert result["unlock_code"] == code  # the registered variable keeps it; the output is censored


def test_a_bare_code_as_loop_item_censors_the_whole_result(site, action_for):
    job_id = site.add_device()
    code = site.world.jobs[job_id]["unlock_code"]
    action = action_for(snowball_unlock_code, aws(site, job_id="JID123E4567-E89B-12D3-A456-426655440000"),
                        loop=[code])
    result = action.run(task_vars={"item": code})
    assert result["failed"] and result["_ansible_no_log"] is True
