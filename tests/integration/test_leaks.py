# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The leak-canary suite: the unlock code and the presigned manifest URL must
not escape, on any path, at any verbosity, through any callback.

Every job of every scenario has a fresh random unlock code and every manifest
URL a fresh random signature (the canaries). After each run the suite looks
for them, also without hyphens and in upper case, in stdout, stderr, the
Ansible log, the system journal (where there is one), every file created or
changed under the user's home and the temporary directories (except the
client profile, which must hold the code), and the command line of every
process sampled while the run was going on.

Results are written to tests/output/leaks/ and printed as a table at the end
of the run (see conftest.py).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from ansible_collections.fieldops.snowball.tests.standins.harness import as_in_a_terminal
from ansible_collections.fieldops.snowball.tests.standins.harness import ENTRY_PLAY, ROLE_PLAY, Site, device_vars, module_play, regular_files
from ansible_collections.fieldops.snowball.tests.standins.snowball_edge_sim import write_devices
from ansible_collections.fieldops.snowball.plugins.module_utils._client_config import TRANSIENT_PREFIX

REPORT_DIR = os.path.join("tests", "output", "leaks")
VAULT_PASSWORD = "leak-suite vault password"

# Verbosity and callback variants each scenario runs under; the log is on in all.
VARIANTS = {
    "default": ([], {}),
    "-vvvv, display args": (["-vvvv"], {"DISPLAY_ARGS_TO_STDOUT": "true"}),
    "json callback -vvvv": (["-vvvv"], {"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"}),
    # the default callback's yaml result format (community.general.yaml left community.general in 12)
    "yaml result_format -vvvv": (["-vvvv"], {"ANSIBLE_CALLBACK_RESULT_FORMAT": "yaml"}),
    # their files are written under the site's temporary directory, which the scan searches
    "junit, log_plays -v": (["-v"], {"ANSIBLE_CALLBACKS_ENABLED": "ansible.builtin.junit,community.general.log_plays",
                                     "JUNIT_OUTPUT_DIR": "{tmp}/junit", "ANSIBLE_LOG_FOLDER": "{tmp}/log_plays"}),
}


class CmdlineSampler(threading.Thread):
    """Reads every process's command line while a run is going on."""

    def __init__(self):
        super().__init__(daemon=True)
        self.seen = set()
        self.samples = 0
        self.finished = threading.Event()

    def run(self):
        while not self.finished.is_set():
            for pid in os.listdir("/proc"):
                if pid.isdigit():
                    try:
                        with open("/proc/%s/cmdline" % pid, "rb") as handle:
                            self.seen.add(handle.read().replace(b"\0", b" ").decode("utf-8", "replace"))
                    except OSError:
                        pass
            self.samples += 1
            self.finished.wait(0.01)

    def stop(self):
        self.finished.set()
        self.join()


def canary_forms(secret):
    return {secret, secret.replace("-", ""), secret.upper(), secret.replace("-", "").upper()}


class Scan:
    """One run: what was searched and what was found."""

    def __init__(self, site, started):
        self.site = site
        self.started = started
        self.places = 0
        self.leaks = []

    def canaries(self):
        forms = set()
        for job in self.site.world.jobs.values():
            forms |= canary_forms(job["unlock_code"])
        for token in self.site.world.manifest_tokens:
            forms |= {token, token.upper()}
        # the devices' secret access keys (random per device): only the AWS credentials file may hold one
        forms |= set(self.site.secret_access_keys())
        return forms

    def text(self, place, text):
        self.places += 1
        for canary in self.canaries():
            if canary in text:
                self.leaks.append(place)
                return

    def files(self, allowed):
        for path in regular_files(self.site.home, self.site.tmp):
            if path not in allowed:
                with open(path, "rb") as handle:
                    self.text("file " + os.path.relpath(path, self.site.root), handle.read().decode("utf-8", "replace"))
        # the real temporary directory, for anything that ignored TMPDIR
        for entry in os.scandir("/tmp"):
            try:
                if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime >= self.started:
                    with open(entry.path, "rb") as handle:
                        self.text("file " + entry.path, handle.read(1 << 20).decode("utf-8", "replace"))
            except FileNotFoundError:
                pass  # another process's file, removed since the listing: nothing left to read

    def journal(self):
        if not shutil.which("journalctl") or not os.path.isdir("/run/systemd/journal"):
            return
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started - 1))
        output = subprocess.run(["journalctl", "--since", since, "--no-pager", "-q"], capture_output=True, text=True,
                                check=False)
        self.text("journal", output.stdout)


def run_and_scan(site, body, hosts, args, env, log_name):
    log = os.path.join(site.root, log_name)
    sampler = CmdlineSampler()
    started = time.time()
    sampler.start()
    try:
        process = site.playbook(body, hosts=hosts, args=args, env=dict(env, ANSIBLE_LOG_PATH=log))
    finally:
        sampler.stop()
    scan = Scan(site, started)
    scan.text("stdout", process.stdout)
    scan.text("stderr", process.stderr)
    if os.path.exists(log):
        with open(log, encoding="utf-8") as handle:
            scan.text("ansible log", handle.read())
    for index, cmdline in enumerate(sorted(sampler.seen)):
        scan.text("cmdline #%d" % index, cmdline)
    scan.client_sampled = any("snowballEdge" in cmdline for cmdline in sampler.seen)
    scan.journal()
    scan.files(allowed={site.config_path(), log, *getattr(site, "requested_secret_files", [])})
    return process, scan


# --- scenarios: each sets up the site and returns the runs to make (body, hosts, extra args, expect success)


def role_run(site, expect_ok=True, args=(), **extra):
    job_id = extra.pop("job_id", None) or site.add_device(unlock_delay=0.3)
    return [(ROLE_PLAY, {"bench": device_vars(site, job_id, **extra)}, list(args), expect_ok)]


def scenario_wrong_code(site):
    job_id = site.add_device()
    site.devices[0]["unlock_code"] = "zzzzz-zzzzz-zzzzz-zzzzz-zzzzz"
    write_devices(site.sim_state, site.devices)
    return role_run(site, expect_ok=False, job_id=job_id)


def scenario_throttled(site):
    site.world.faults.throttle_next = 10 ** 6
    return role_run(site, expect_ok=False)


def scenario_three_devices(site):
    hosts = {}
    for number in range(3):
        ip = "192.0.2.%d" % (50 + number)
        hosts["device%d" % number] = device_vars(site, site.add_device(ip=ip, unlock_delay=0.3), ip=ip)
    return [(ROLE_PLAY, hosts, ["--forks", "3"], True)]


def scenario_prefetch_then_offline(site):
    job_id = site.add_device(unlock_delay=0.3)
    hosts = {"bench": device_vars(site, job_id)}
    return [(ENTRY_PLAY % "prefetch", hosts, [], True), (ENTRY_PLAY % "unlock", hosts, [], True)]


def scenario_each_module(site):
    job_id = site.add_device(unlock_delay=0.3)
    home = site.home
    # dest without vault writes the code in plain text, because the user asked for that file
    site.requested_secret_files = [os.path.join(home, "code.txt")]
    tasks = """
    - name: Job info
      fieldops.snowball.snowball_job_info:
        job_id: {job}
    - name: Manifest
      fieldops.snowball.snowball_manifest:
        job_id: {job}
        dest: {home}/manifest.bin
    - name: Code, without no_log on the task
      fieldops.snowball.snowball_unlock_code:
        job_id: {job}
      register: code
    - name: Code to a file
      fieldops.snowball.snowball_unlock_code:
        job_id: {job}
        dest: {home}/code.txt
    - name: Code to a vault file
      fieldops.snowball.snowball_unlock_code:
        job_id: {job}
        dest: {home}/code.vault
        vault: true
    - name: Profile with diff
      fieldops.snowball.snowball_edge_profile:
        name: bench
        job_id: {job}
        unlock_code: "{{{{ code.unlock_code }}}}"
        manifest_path: {home}/manifest.bin
        endpoint: 192.0.2.10
      diff: true
    - name: Device info
      fieldops.snowball.snowball_edge_device_info:
        profile: bench
    - name: Unlock with explicit credentials, without no_log on the task
      fieldops.snowball.snowball_edge_unlock:
        endpoint: 192.0.2.10
        manifest_path: {home}/manifest.bin
        unlock_code: "{{{{ code.unlock_code }}}}"
        poll_interval: 0.05
""".format(job=job_id, home=home)
    return [(module_play(site, tasks), None, ["--diff"], True)]


def scenario_loops(site):
    """Many devices from one play: loops over the registered codes, with and without a label, and a failing item."""
    ips = ["192.0.2.70", "192.0.2.71"]
    jobs = [site.add_device(ip=ip, unlock_delay=0.3) for ip in ips]
    os.makedirs(os.path.join(site.home, "m"), mode=0o700)
    tasks = """
    - name: Manifests
      fieldops.snowball.snowball_manifest:
        job_id: "{{{{ item }}}}"
        dest: "{home}/m/{{{{ item }}}}.bin"
      loop: {jobs}
    - name: Codes
      fieldops.snowball.snowball_unlock_code:
        job_id: "{{{{ item }}}}"
      loop: {jobs}
      register: codes
    - name: Profiles
      fieldops.snowball.snowball_edge_profile:
        name: "fieldops-{{{{ item.job_id }}}}"
        unlock_code: "{{{{ item.unlock_code }}}}"
        manifest_path: "{home}/m/{{{{ item.job_id }}}}.bin"
        endpoint: "{{{{ devices[item.job_id] }}}}"
      loop: "{{{{ codes.results }}}}"
    - name: A profile that fails
      fieldops.snowball.snowball_edge_profile:
        name: "broken-{{{{ item.job_id }}}}"
        unlock_code: "{{{{ item.unlock_code }}}}"
        manifest_path: "{home}/nowhere.bin"
        endpoint: "{{{{ devices[item.job_id] }}}}"
      loop: "{{{{ codes.results }}}}"
      ignore_errors: true
    - name: Unlock with the credentials
      fieldops.snowball.snowball_edge_unlock:
        endpoint: "{{{{ devices[item.job_id] }}}}"
        manifest_path: "{home}/m/{{{{ item.job_id }}}}.bin"
        unlock_code: "{{{{ item.unlock_code }}}}"
        poll_interval: 0.05
      loop: "{{{{ codes.results }}}}"
      loop_control:
        label: "{{{{ item.job_id }}}}"
        extended: true
""".format(home=site.home, jobs=json.dumps(jobs))
    play = module_play(site, tasks).replace("  tasks:", "  vars:\n    devices: %s\n  tasks:" % json.dumps(dict(zip(jobs, ips))), 1)
    return [(play, None, [], True)]


def scenario_device_aws_profile(site):
    # the device's secret key is written to the AWS credentials file because the user asked for the profile
    site.requested_secret_files = [os.path.join(site.home, ".aws", "credentials")]
    return role_run(site, args=["--diff"], snowball_unlock_device_aws_profile="bench-device")


SCENARIOS = {
    "role main: success": role_run,
    "role main: re-run, device unlocked": lambda site: role_run(site, job_id=site.add_device(device_state="UNLOCKED")),
    "role main: job not delivered": lambda site: role_run(site, False, job_id=site.add_device(state="InTransitToCustomer")),
    "role main: unknown job": lambda site: role_run(site, False, job_id="JID00000000-0000-4000-8000-000000000000"),
    "role main: expired job": lambda site: role_run(site, False, job_id=site.add_device(age_days=400)),
    "role main: throttled, then failed": scenario_throttled,
    "role main: wrong code": scenario_wrong_code,
    "role main: client missing": lambda site: role_run(site, False, snowball_unlock_client="/nonexistent/snowballEdge"),
    "role main: unlock timeout": lambda site: role_run(site, False, job_id=site.add_device(unlock_delay=60),
                                                       snowball_unlock_timeout=1),
    "role main: check mode, diff": lambda site: role_run(site, args=["--check", "--diff"]),
    "role main: three devices, forks": scenario_three_devices,
    "role prefetch, then unlock offline": scenario_prefetch_then_offline,
    "each module alone, no no_log, diff": scenario_each_module,
    "loops over registered codes": scenario_loops,
    "role main: device AWS profile, diff": scenario_device_aws_profile,
}


def write_report(name, rows):
    os.makedirs(REPORT_DIR, exist_ok=True)
    with open(os.path.join(REPORT_DIR, name + ".json"), "w", encoding="utf-8") as handle:
        json.dump(rows, handle)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_no_leak(tmp_path_factory, scenario):
    rows = []
    for variant, (args, env) in VARIANTS.items():
        site = Site(tmp_path_factory.mktemp("leak"))
        vault_file = os.path.join(site.root, "vault-pass")
        with open(vault_file, "w", encoding="utf-8") as handle:
            handle.write(VAULT_PASSWORD)
        try:
            runs = SCENARIOS[scenario](site)
            for index, (body, hosts, extra_args, expect_ok) in enumerate(runs):
                if body.rstrip().endswith("tasks_from: unlock"):
                    site.stop()  # the offline unlock runs without AWS
                process, scan = run_and_scan(site, body, hosts, args + extra_args + ["--vault-password-file", vault_file],
                                             {key: value.format(tmp=site.tmp) for key, value in env.items()},
                                             "ansible-%d.log" % index)
                assert (process.returncode == 0) == expect_ok, process.stdout[-3000:] + process.stderr[-3000:]
                rows.append({"scenario": scenario, "variant": variant, "places": scan.places, "leaks": scan.leaks,
                             "client_sampled": scan.client_sampled})
                assert scan.leaks == [], "%s / %s leaked into %s" % (scenario, variant, scan.leaks)
            check_secret_files(site)
        finally:
            site.close()
    if scenario == "role main: success":  # the sampler is fast enough to catch the client while it unlocks
        assert any(row["client_sampled"] for row in rows), "no snowballEdge process was ever sampled"
    write_report(scenario, rows)


INTERRUPTS = {"Ctrl-C (SIGINT to the group)": True, "SIGTERM to ansible-playbook": False}


@pytest.mark.parametrize("how", sorted(INTERRUPTS))
def test_no_leak_after_an_interrupt(site, how):
    """Interrupted while the role waits for UNLOCKED, with keep_profile false and ANSIBLE_KEEP_REMOTE_FILES=1:
    nothing may hold the code afterwards, not even the client's config."""
    job_id = site.add_device(unlock_delay=3600)
    hosts = {"bench": device_vars(site, job_id, snowball_unlock_keep_profile=False)}
    play, log = os.path.join(site.root, "play.yml"), os.path.join(site.root, "ansible.log")
    with open(play, "w", encoding="utf-8") as handle:
        handle.write(textwrap.dedent(ROLE_PLAY))
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", site.inventory(hosts), play, "-vvvv"]
    sampler, started = CmdlineSampler(), time.time()
    sampler.start()
    process = subprocess.Popen(command, env=site.env(ANSIBLE_KEEP_REMOTE_FILES="1", ANSIBLE_LOG_PATH=log), cwd=site.root,
                               preexec_fn=as_in_a_terminal,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60  # a bound on the wait, not a synchronisation
        while len(site.client_invocations("describe-device")) < 2 or not site.client_invocations("unlock-device"):
            assert time.monotonic() < deadline and process.poll() is None, "the role never waited for the device"
            time.sleep(0.05)
        if INTERRUPTS[how]:
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=60)
        deadline = time.monotonic() + 60  # the worker or the shipped module may still be cleaning up
        while [name for name in os.listdir(site.tmp) if name.startswith(TRANSIENT_PREFIX)]:
            assert time.monotonic() < deadline, "the transient client home was left behind"
            time.sleep(0.05)
    finally:
        sampler.stop()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode != 0
    scan = Scan(site, started)
    scan.text("stdout", stdout)
    scan.text("stderr", stderr)
    with open(log, encoding="utf-8") as handle:
        scan.text("ansible log", handle.read())
    for index, cmdline in enumerate(sorted(sampler.seen)):
        scan.text("cmdline #%d" % index, cmdline)
    scan.files(allowed={log})  # not even the client's config: the profile was transient
    write_report("interrupt " + how, [{"scenario": "interrupted while waiting: " + how, "variant": "-vvvv, keep files",
                                       "places": scan.places, "leaks": scan.leaks}])
    assert scan.leaks == []


def check_secret_files(site):
    """The files that hold secrets are private; nothing else was left behind."""
    for path in getattr(site, "requested_secret_files", []):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    config = site.config_path()
    if os.path.exists(config):
        assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(os.path.dirname(config)).st_mode) == 0o700
        with open(config, encoding="utf-8") as handle:
            assert not [name for name in json.load(handle)["profiles"] if name.startswith("fieldops-transient-")]
        # a device's CA bundle (snowball_unlock_device_aws_profile) is public, and by default beside the config
        assert sorted(name for name in os.listdir(os.path.dirname(config)) if not name.endswith("-ca-bundle.pem")) == \
            ["snowball-edge.config"]
    for directory in (os.path.join(site.home, ".snowball", "manifests"), os.path.join(site.home, ".snowball", "codes")):
        for name in os.listdir(directory) if os.path.isdir(directory) else []:
            path = os.path.join(directory, name)
            assert not name.startswith("."), "a temporary file was left behind: %s" % path
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
            if name.endswith(".vault"):
                with open(path, encoding="utf-8") as handle:
                    assert handle.read().startswith("$ANSIBLE_VAULT;")


def test_the_scanner_finds_a_planted_leak(site):
    """A debug of the registered result is the playbook author's doing and is
    not protected; it doubles as proof that the scanner sees a leak."""
    job_id = site.add_device()
    tasks = """
    - name: Code
      fieldops.snowball.snowball_unlock_code:
        job_id: %s
      register: code
    - name: The author prints it
      ansible.builtin.debug:
        msg: "{{ code.unlock_code | upper }}"
""" % job_id
    _process, scan = run_and_scan(site, module_play(site, tasks), None, [], {}, "ansible.log")
    assert "stdout" in scan.leaks and "ansible log" in scan.leaks
    write_report("planted leak", [{"scenario": "planted leak (debug of the registered code)", "variant": "default",
                                   "places": scan.places, "leaks": scan.leaks, "expected": True}])


# --- bad input, refused before any AWS call or client call

BAD_JOB_IDS = {
    "wrong prefix": "CID123e4567-e89b-12d3-a456-426655440000",
    "too short": "JID123e4567-e89b-12d3-a456-42665544000",
    "upper-case hex": "JID123E4567-E89B-12D3-A456-426655440000",
    "whitespace": "JID123e4567-e89b-12d3-a456-426655440000 ",
    "shell metacharacters": "JID123e4567-e89b-12d3-a456-4266554400;$(id)",
    "a path": "../../../etc/passwd",
}
BAD_ENDPOINTS = {
    "shell metacharacters": "192.0.2.10;reboot",
    "command substitution": "$(curl example.com)",
    "user:password@": "https://admin:hunter2@192.0.2.10",
}


def refused(site, hosts, expected, args=()):
    process = site.playbook(ROLE_PLAY, hosts=hosts, args=list(args))
    output = process.stdout + process.stderr
    assert process.returncode != 0 and expected in output, output[-3000:]
    # the pre-flight's `snowballEdge version` takes no input and contacts no device
    assert site.world.calls == [] and site.client_invocations() == site.client_invocations("version")


@pytest.mark.parametrize("case", sorted(BAD_JOB_IDS))
def test_bad_job_id_is_refused(site, case):
    refused(site, {"bench": device_vars(site, BAD_JOB_IDS[case])}, "job_id must be a Snowball job id")
    write_report("bad job id " + case, [{"bad_input": "job id: " + case}])


@pytest.mark.parametrize("case", sorted(BAD_ENDPOINTS))
def test_bad_endpoint_is_refused(site, case):
    refused(site, {"bench": device_vars(site, site.add_device(), ip=BAD_ENDPOINTS[case])}, "is not a device address")
    write_report("bad endpoint " + case, [{"bad_input": "endpoint: " + case}])


def test_symlinked_manifest_dir_is_refused(site):
    elsewhere = os.path.join(site.root, "elsewhere")
    os.mkdir(elsewhere, 0o700)
    link = os.path.join(site.home, "manifests")
    os.symlink(elsewhere, link)
    job_id = site.add_device()
    process = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id, snowball_unlock_manifest_dir=link)})
    assert process.returncode != 0 and "is a symbolic link" in process.stdout
    assert site.world.calls == [] and os.listdir(elsewhere) == []
    write_report("bad manifest dir symlink", [{"bad_input": "manifest dir: symbolic link"}])


def test_world_writable_manifest_dir_is_refused(site):
    shared = os.path.join(site.root, "shared")
    os.mkdir(shared)
    os.chmod(shared, 0o777)
    refused(site, {"bench": device_vars(site, site.add_device(), snowball_unlock_manifest_dir=shared)},
            "is world-writable")
    write_report("bad manifest dir world-writable", [{"bad_input": "manifest dir: world-writable"}])


def test_corrupt_client_config_is_refused_and_untouched(site):
    os.makedirs(os.path.dirname(site.config_path()), mode=0o700)
    corrupt = '{"version": 1, "profiles": {"opshub": {"unlockCode": '
    with open(site.config_path(), "w", encoding="utf-8") as handle:
        handle.write(corrupt)
    refused(site, {"bench": device_vars(site, site.add_device())}, "is not valid JSON")
    with open(site.config_path(), encoding="utf-8") as handle:
        assert handle.read() == corrupt
    write_report("bad client config", [{"bad_input": "corrupt client config (left untouched)"}])


def test_unlock_code_of_the_wrong_form_is_refused(site):
    bad_code = "Zq9x-not-a-code-" + os.urandom(4).hex()
    job_id = site.add_device(unlock_code=bad_code)
    process = site.playbook(ROLE_PLAY, hosts={"bench": device_vars(site, job_id)}, args=["-vvvv"])
    assert process.returncode != 0 and "not of the documented form" in process.stdout
    assert bad_code not in process.stdout + process.stderr
    assert site.client_invocations() == site.client_invocations("version")  # the pre-flight's only
    assert not os.path.exists(site.config_path())
    write_report("bad unlock code from the API", [{"bad_input": "unlock code of the wrong form from the API"}])
