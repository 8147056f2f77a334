# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as Galaxy and ansible-builder see it: the installed tarball's documentation with no
other collection on the path (Galaxy runs ansible-doc that way), the role's documentation, and
meta/execution-environment.yml as ansible-builder's introspection reads it from an installed collection
(what `ansible-builder create` makes of it: test_execution_environment.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

BINDIR = os.path.dirname(sys.executable)
MODULES = ("snowball_edge_credentials", "snowball_edge_device_info", "snowball_edge_profile", "snowball_edge_unlock",
           "snowball_job_info", "snowball_manifest", "snowball_remote_unlock", "snowball_unlock_code")
AWS_MODULES = ("snowball_job_info", "snowball_manifest", "snowball_remote_unlock", "snowball_unlock_code")
AWS_OPTIONS = {"region", "profile", "access_key", "secret_key", "session_token", "endpoint_url", "aws_ca_bundle",
               "validate_certs", "aws_config", "debug_botocore_endpoint_logs"}


def installed_collection():
    """The collection installed from its tarball (make integration sets ANSIBLE_COLLECTIONS_PATH)."""
    root = os.environ["ANSIBLE_COLLECTIONS_PATH"].split(os.pathsep)[0]
    path = os.path.join(root, "ansible_collections", "fieldops", "snowball")
    assert os.path.isfile(os.path.join(path, "MANIFEST.json")), "no collection installed from a tarball at " + path
    return path


def requirement_lines(path):
    """What a requirements or bindep file claims: its lines without comments and blank lines."""
    with open(path, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip() and not line.lstrip().startswith("#")]


@pytest.fixture
def alone(tmp_path):
    """A collections path that holds this collection and nothing else, as Galaxy's ansible-doc run has."""
    namespace = tmp_path / "collections" / "ansible_collections" / "fieldops"
    namespace.mkdir(parents=True)
    (namespace / "snowball").symlink_to(installed_collection())
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "collections"), ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"),
               ANSIBLE_NOCOLOR="1")
    return env


def ansible_doc(env, *args):
    run = subprocess.run([os.path.join(BINDIR, "ansible-doc"), "--json"] + list(args), env=env,
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_every_module_is_documented_without_amazon_aws_installed(alone):
    """One ansible-doc call for all modules, as galaxy-importer makes it: one unknown fragment fails them all."""
    docs = ansible_doc(alone, "-t", "module", *("fieldops.snowball." + module for module in MODULES))
    assert sorted(docs) == sorted("fieldops.snowball." + module for module in MODULES)
    for module in AWS_MODULES:
        doc = docs["fieldops.snowball." + module]["doc"]
        assert AWS_OPTIONS <= set(doc["options"]), module
        assert doc["options"]["region"]["aliases"] == ["aws_region"]
        assert "boto3 >= 1.34.0" in doc["requirements"]


def test_role_entry_points_document_the_role_variables(alone):
    role = ansible_doc(alone, "-t", "role", "fieldops.snowball.snowball_unlock")["fieldops.snowball.snowball_unlock"]
    entry_points = role["entry_points"]
    assert sorted(entry_points) == ["main", "prefetch", "remote", "unlock"]
    with open(os.path.join(installed_collection(), "roles", "snowball_unlock", "defaults", "main.yml"),
              encoding="utf-8") as handle:
        defaults = yaml.safe_load(handle)
    # every variable with a default is documented by the entry points that run on site
    assert set(defaults) - {"snowball_unlock_code_dir"} <= set(entry_points["main"]["options"])
    assert set(defaults) <= set(entry_points["unlock"]["options"])
    for name in ("main", "prefetch", "unlock", "remote"):
        assert entry_points[name]["options"]["snowball_unlock_job_id"]["required"] is True


def test_role_readme_is_in_the_tarball_and_points_to_ansible_doc():
    with open(os.path.join(installed_collection(), "roles", "snowball_unlock", "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    assert "ansible-doc -t role fieldops.snowball.snowball_unlock" in readme
    for entry_point in ("`main`", "`prefetch`", "`unlock`"):
        assert entry_point in readme


def test_meta_dependency_files_claim_what_the_root_files_claim():
    """ansible-builder create reads meta/requirements.txt and meta/bindep.txt; everything else the root's."""
    for name in ("requirements.txt", "bindep.txt"):
        assert requirement_lines(os.path.join("meta", name)) == requirement_lines(name), name


def test_installed_collection_declares_its_dependencies_to_ansible_builder(alone):
    """What ansible-builder's introspection (and galaxy-importer's check) reads from an installed collection."""
    run = subprocess.run([os.path.join(BINDIR, "ansible-builder"), "introspect",
                          alone["ANSIBLE_COLLECTIONS_PATH"]], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    data = yaml.safe_load(run.stdout.split("\n", 1)[1])
    ours = sorted(line.split("#")[0].strip() for line in data["python"] if line.endswith("fieldops.snowball"))
    assert ours == sorted(requirement_lines("requirements.txt"))
    assert not any(line.endswith("fieldops.snowball") for line in data.get("system") or [])


def test_the_tarball_holds_what_a_user_runs_and_not_the_checkout_tools():
    """make demo and make bench take the stand-ins from the checkout; nothing installed needs tests/."""
    installed = installed_collection()
    for name in ("tests", "scripts", "bench", "Makefile", "requirements-dev.txt", "requirements-importer.txt"):
        assert not os.path.exists(os.path.join(installed, name)), name
    for name in ("README.md", "requirements.txt", "bindep.txt", "meta/execution-environment.yml",
                 "roles/snowball_unlock/README.md", "playbooks/unlock.yml"):
        assert os.path.isfile(os.path.join(installed, name)), name
