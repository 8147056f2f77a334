# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The on-site modules through main(), where the client's own words are part of the result."""

from __future__ import annotations

import os
import stat

from ansible_collections.fieldops.snowball.plugins.module_utils._profiles import ProfileStore
from ansible_collections.fieldops.snowball.plugins.module_utils._profiles import client_profile
from ansible_collections.fieldops.snowball.plugins.modules import snowball_edge_unlock


def test_a_client_that_echoes_the_saved_profiles_code_has_it_masked(site, run_module, tmp_path):
    """With a saved profile the code is no task argument, yet the client may repeat it in an error."""
    job_id = site.add_device()
    code = site.world.jobs[job_id]["unlock_code"]
    ProfileStore(site.config_path()).put("bench", client_profile(
        "bench", job_id, code, site.manifest_file(job_id), "https://192.0.2.10", []))
    echo = tmp_path / "snowballEdge"
    echo.write_text("#!/bin/sh\necho \"IncorrectDeviceManifestException: cannot decrypt the manifest with %s\"\n"
                    "exit 1\n" % code)
    echo.chmod(stat.S_IRWXU)
    result = run_module(snowball_edge_unlock, {"profile": "bench", "client": str(echo)})
    assert result["failed"] and "IncorrectDeviceManifestException" in result["msg"], result
    assert code not in repr(result)
    assert os.path.isfile(site.config_path())
