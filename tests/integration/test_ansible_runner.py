# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role as AWX runs it: through ansible-runner, from a private data directory laid out as AWX lays out a
job's (project/, inventory/, env/ with the AWS credential's variables and the vault credential's password),
against the stand-ins. AWX keeps what the runner writes, above all every task's result in job_events/: the
unlock code must appear in none of it, at AWX's highest verbosity too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
import yaml

from ansible_collections.fieldops.snowball.tests.standins.harness import device_vars, regular_files
from ansible_collections.fieldops.snowball.tests.standins.snowball_api import ACCESS_KEY, SECRET_KEY

BINDIR = os.path.dirname(sys.executable)
VAULT_ID = "snowball"
VAULT_SECRET = "the office's vault secret"
# A project's playbook as docs/docsite/rst/guide_awx.rst has it: the collection's own, imported
PROJECT_PLAYBOOK = """
- name: The collection's playbook
  ansible.builtin.import_playbook: fieldops.snowball.%s
"""
# ansible_runner.run, in a process of its own with the job's environment. "run": in one step, as AWX runs a job
# on its own node; "stream": as AWX runs one on an execution node through receptor, transmit (the controller
# packs the private data directory) | worker (the execution node runs it, in a folder of its own) | process (the
# controller unpacks the events and artifacts it keeps, into the job's private data directory).
RUN_JOB = textwrap.dedent("""
    import json, os, sys
    import ansible_runner
    directory, playbook, ident, verbosity, mode = sys.argv[1:6]
    options = dict(playbook=playbook, ident=ident, verbosity=int(verbosity))
    if mode == "run":
        result = ansible_runner.run(private_data_dir=directory, quiet=True, **options)
    else:
        transmitted, worked = os.path.join(directory, "..", "transmitted"), os.path.join(directory, "..", "worked")
        with open(transmitted, "w+b") as stream:
            ansible_runner.run(private_data_dir=directory, streamer="transmit", _output=stream, **options)
        with open(transmitted, "rb") as stream_in, open(worked, "w+b") as stream_out:
            ansible_runner.run(private_data_dir=os.path.join(directory, "..", "worker"), streamer="worker",
                               _input=stream_in, _output=stream_out)
        with open(worked, "rb") as stream:
            result = ansible_runner.run(private_data_dir=directory, streamer="process", _input=stream, quiet=True,
                                        ident=ident)
    rc = result.rc
    if rc is None:  # the processor has the status only: the rc comes back among the artifacts, as AWX reads it
        with open(os.path.join(directory, "artifacts", ident, "rc"), encoding="utf-8") as handle:
            rc = int(handle.read())
    print(json.dumps({"status": result.status, "rc": rc}))
""")


def canary_forms(code):
    return {code, code.replace("-", ""), code.upper(), code.replace("-", "").upper()}


class Job:
    """One AWX job: its private data directory, what ansible-runner answered and printed."""

    def __init__(self, directory, ident, outcome, output):
        self.directory = directory
        self.ident = ident
        self.status = outcome["status"]
        self.rc = outcome["rc"]
        self.output = output

    @property
    def artifacts(self):
        return os.path.join(self.directory, "private_data_dir", "artifacts", self.ident)

    def events(self):
        folder = os.path.join(self.artifacts, "job_events")
        found = []
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                found.append(json.load(handle))
        return found

    def stdout(self):
        with open(os.path.join(self.artifacts, "stdout"), encoding="utf-8") as handle:
            return handle.read()

    def leaks(self, codes):
        """Every file the job left (the private data directory with its artifacts, and the streams and the
        worker's folder of a streamed job), and what the runner printed, holding a code."""
        canaries = set().union(*(canary_forms(code) for code in codes))
        places = [("runner output", self.output)]
        for path in regular_files(self.directory):
            with open(path, "rb") as handle:
                places.append((os.path.relpath(path, self.directory), handle.read().decode("utf-8", "replace")))
        assert len(places) > 10, places  # the scan saw a job's artifacts, not an empty folder
        return [place for place, text in places if any(canary in text for canary in canaries)]


def awx_job(site, name, playbook, hosts, home, verbosity=0, vault=None, mode="run"):
    """Lay out the private data directory as AWX does and run it; ``home`` is the job's own (an AWX job's
    container starts with an empty /runner); ``vault``: the secret of the job's vault credential."""
    directory = os.path.join(site.root, "awx", name, "private_data_dir")
    for folder in ("project", "inventory", "env"):
        os.makedirs(os.path.join(directory, folder), mode=0o700)
    with open(os.path.join(directory, "project", name + ".yml"), "w", encoding="utf-8") as handle:
        handle.write(textwrap.dedent(playbook))
    with open(site.inventory(hosts), encoding="utf-8") as source:
        with open(os.path.join(directory, "inventory", "hosts"), "w", encoding="utf-8") as handle:
            handle.write(source.read())
    # AWX's "Amazon Web Services" credential reaches the job as these variables (env/envvars)
    envvars = {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
    # a job template with "Enable Fact Storage": AWX keeps the fact cache among the job's artifacts
    # (in the folder where the job runs: the worker's, when streamed, which sends the artifacts back)
    runs_in = directory if mode == "run" else os.path.join(os.path.dirname(directory), "worker")
    envvars.update(ANSIBLE_CACHE_PLUGIN="jsonfile",
                   ANSIBLE_CACHE_PLUGIN_CONNECTION=os.path.join(runs_in, "artifacts", "1", "fact_cache"))
    write_yaml(os.path.join(directory, "env", "envvars"), envvars)
    if vault:
        # AWX's "Vault" credential with a vault id: --vault-id ID@prompt, answered from env/passwords
        with open(os.path.join(directory, "env", "cmdline"), "w", encoding="utf-8") as handle:
            handle.write("--vault-id %s@prompt" % VAULT_ID)
        write_yaml(os.path.join(directory, "env", "passwords"),
                   {r"Vault password \(%s\):\s*?$" % VAULT_ID: vault})
    os.makedirs(home, mode=0o700, exist_ok=True)
    env = site.env(HOME=home, JAVA_TOOL_OPTIONS="-Duser.home=" + home, AWS_ACCESS_KEY_ID=None,
                   AWS_SECRET_ACCESS_KEY=None)
    env["PATH"] = os.pathsep.join([site.bin, BINDIR, env["PATH"]])
    run = subprocess.run([sys.executable, "-c", RUN_JOB, directory, name + ".yml", "1", str(verbosity), mode], env=env,
                         cwd=site.root, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    return Job(os.path.dirname(directory), "1", outcome, run.stdout + run.stderr)


def write_yaml(path, data):
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle)
    os.chmod(path, 0o600)


@pytest.mark.parametrize("verbosity, mode", [(0, "run"), (4, "run"), (4, "stream")])
def test_an_awx_job_unlocks_and_its_artifacts_never_hold_the_code(site, verbosity, mode):
    job_id = site.add_device(unlock_delay=0.3)
    code = site.world.jobs[job_id]["unlock_code"]
    job = awx_job(site, "unlock", PROJECT_PLAYBOOK % "unlock", {"bench": device_vars(site, job_id)},
                  home=os.path.join(site.root, "runner-home"), verbosity=verbosity, mode=mode)
    assert (job.status, job.rc) == ("successful", 0), job.stdout()[-3000:]
    assert site.device_states() == {"192.0.2.10": "UNLOCKED"}
    assert "device https://192.0.2.10 is UNLOCKED" in job.stdout()
    # the three AWS calls were signed with the credential from env/envvars: the job's process had none
    assert site.world.count() == 3
    events = job.events()
    assert any(event["event"] == "runner_on_ok" and event["event_data"].get("res") for event in events)
    assert job.leaks([code]) == []
    # the code was there to find: the client's profile in the job's home holds it, and only that file
    profile = os.path.join(site.root, "runner-home", ".aws", "snowball", "config", "snowball-edge.config")
    with open(profile, encoding="utf-8") as handle:
        assert code in handle.read()
    for path in regular_files(os.path.join(site.root, "runner-home")):
        with open(path, "rb") as handle:
            assert path == profile or code.encode() not in handle.read(), path


def test_a_failed_awx_job_shows_the_reason_and_not_the_code(site):
    job_id = site.add_device()
    site.set_device("192.0.2.10", unlock_code="zzzzz-zzzzz-zzzzz-zzzzz-zzzzz")  # the device takes another code
    job = awx_job(site, "unlock", PROJECT_PLAYBOOK % "unlock", {"bench": device_vars(site, job_id)},
                  home=os.path.join(site.root, "runner-home"), verbosity=4)
    assert job.status == "failed" and job.rc != 0
    assert "refused the manifest or the unlock code" in job.stdout()
    assert job.leaks([site.world.jobs[job_id]["unlock_code"]]) == []


def test_the_offline_flow_as_two_awx_jobs_with_state_on_a_persisted_path(site):
    """Job 1 at the office (AWS reachable) keeps the manifest and the vault-encrypted code on a path exposed to
    jobs; job 2 on site (no AWS), in a fresh container home, unlocks from that path with the same vault
    credential."""
    job_id = site.add_device(unlock_delay=0.3)
    code = site.world.jobs[job_id]["unlock_code"]
    persisted = os.path.join(site.root, "var", "lib", "snowball")
    hosts = {"bench": device_vars(site, job_id, snowball_unlock_manifest_dir=persisted + "/manifests",
                                  snowball_unlock_code_dir=persisted + "/codes")}
    prefetch = awx_job(site, "prefetch", PROJECT_PLAYBOOK % "prefetch", hosts, home=os.path.join(site.root, "home-1"),
                       vault=VAULT_SECRET)
    assert (prefetch.status, prefetch.rc) == ("successful", 0), prefetch.stdout()[-3000:]
    with open(os.path.join(persisted, "codes", job_id + ".vault"), encoding="utf-8") as handle:
        assert handle.read().startswith("$ANSIBLE_VAULT;1.2;AES256;" + VAULT_ID)
    assert os.listdir(os.path.join(persisted, "manifests")) == [job_id + "_manifest.bin"]

    site.stop()  # on site there is no AWS
    site.world.reset_calls()
    # a vault credential with another secret: nothing is decrypted, the device is not touched
    mistaken = awx_job(site, "mistaken", PROJECT_PLAYBOOK % "unlock_offline", hosts,
                       home=os.path.join(site.root, "home-2"), vault="another secret")
    assert mistaken.status == "failed" and mistaken.rc != 0
    assert site.device_states() == {"192.0.2.10": "LOCKED"} and site.client_invocations("unlock-device") == []
    unlock = awx_job(site, "unlock", PROJECT_PLAYBOOK % "unlock_offline", hosts, home=os.path.join(site.root, "home-3"),
                     vault=VAULT_SECRET)
    assert (unlock.status, unlock.rc) == ("successful", 0), unlock.stdout()[-3000:]
    assert site.device_states() == {"192.0.2.10": "UNLOCKED"} and site.world.calls == []
    assert prefetch.leaks([code]) == [] and mistaken.leaks([code]) == [] and unlock.leaks([code]) == []
    for path in regular_files(persisted):
        with open(path, "rb") as handle:
            assert code.encode() not in handle.read(), path
