# -*- coding: utf-8 -*-
# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A site to test against: the Snowball API stand-in, simulated devices, the
simulated ``snowballEdge`` on PATH and a private home directory, plus a way to
run real ``ansible-playbook`` against them.

Used by the unit tests (in-process modules), the integration and leak tests
(playbooks), the demo and the benchmark.

The simulated client finds its config as Java does (``user.home``, from
``-Duser.home`` in ``JAVA_TOOL_OPTIONS`` or else the password database, never
``$HOME``), so ``Site.env`` sets both ``JAVA_TOOL_OPTIONS`` and ``HOME`` to the
site's private home.
"""

from __future__ import annotations

import collections
import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid

from .aws_jobs import World
from .certificates import build_certificate, make_certificate
from .snowball_api import ACCESS_KEY, REGION, SECRET_KEY, SnowballApiServer
from .device_services import cut_power
from .simulated_devices import devices_locked, make_device, write_devices, write_settings


class Cluster(collections.namedtuple("Cluster", "cluster_id ips job_ids")):
    """What add_cluster returns: the cluster's id, its nodes' IPs and their job ids, in the same order."""

    __slots__ = ()

    def job_id(self, ip):
        return self.job_ids[self.ips.index(ip)]


SIMULATOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "snowball_edge_sim.py")
# Which way the collection's action plugins run a module: "in_process" (the default, in Ansible's
# worker) or "module" (shipped as a module, as on a remote host). `make test` runs the suites both ways.
TEST_PATH = os.environ.get("FIELDOPS_SNOWBALL_TEST_PATH", "in_process")
if TEST_PATH not in ("in_process", "module"):
    raise ValueError("FIELDOPS_SNOWBALL_TEST_PATH must be in_process or module, not %r" % TEST_PATH)
# Whether describe-cluster is refused while the cluster is not unlocked: the developer guide's stricter reading
# (see snowball_edge_sim), the default. A Site can choose either, and FIELDOPS_SNOWBALL_STRICT_DESCRIBE_CLUSTER=0
# runs a whole suite under the lenient reading, which the collection must work under too.
STRICT_DESCRIBE_CLUSTER = os.environ.get("FIELDOPS_SNOWBALL_STRICT_DESCRIBE_CLUSTER", "1") == "1"
# DG updating-device.md: the device's certificate needs renewing for a device kept "more than 360 days".
CERTIFICATE_DAYS = 360


def as_in_a_terminal():
    """``preexec_fn`` for a process a test interrupts: SIGINT and SIGHUP at their defaults, as a terminal's
    foreground job has them. A suite started in the background (`cmd &` ignores SIGINT) or under nohup (SIGHUP)
    would otherwise hand its children signals they ignore, and the test would not test the interrupt."""
    import signal  # pylint: disable=import-outside-toplevel

    for signum in (signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def regular_files(*roots):
    """Every regular file under ``roots``: not a symbolic link, nor a socket or FIFO (ansible-core 2.21's
    multiprocessing leaves its listener socket in the temporary directory when a run is killed), which cannot
    be read as a file."""
    for root in roots:
        for directory, _dirs, names in os.walk(root):
            for name in names:
                path = os.path.join(directory, name)
                if stat.S_ISREG(os.lstat(path).st_mode):
                    yield path


class Site:
    """One field site: jobs at the (stand-in) AWS, devices on the (simulated) bench."""

    def __init__(self, root, world=None, start_api=True, tls=False, client_startup=None,
                 strict_describe_cluster=None):
        """``tls``: serve the API and manifests over HTTPS with a private CA (``self.ca_bundle``).
        ``client_startup``: CPU seconds each simulated client run burns first, as a JVM start does.
        ``strict_describe_cluster``: refuse describe-cluster while the cluster is not unlocked (default
        STRICT_DESCRIBE_CLUSTER)."""
        self.root = str(root)
        self.home = os.path.join(self.root, "home")
        self.sim_state = os.path.join(self.root, "sim")
        self.bin = os.path.join(self.root, "bin")
        # TMPDIR stays short, apart from the site: ansible-core 2.21 puts its RPC server's Unix socket
        # (TMPDIR/pymp-*/listener-*) under it, and a path over 107 bytes makes every playbook fail to start.
        self.tmp = tempfile.mkdtemp(prefix="site-", dir="/tmp" if os.path.isdir("/tmp") else None)
        for directory in (self.home, self.sim_state, self.bin):
            os.makedirs(directory, mode=0o700, exist_ok=True)
        self.devices = []
        self.client_startup = client_startup
        self.client = os.path.join(self.bin, "snowballEdge")
        with open(self.client, "w", encoding="utf-8") as handle:
            handle.write("#!%s\nimport runpy, sys\nsys.argv[0] = 'snowballEdge'\nrunpy.run_path(%r, run_name='__main__')\n"
                         % (sys.executable, SIMULATOR))
        os.chmod(self.client, 0o755)
        write_devices(self.sim_state, [])
        self._settings = {"strict_describe_cluster": STRICT_DESCRIBE_CLUSTER if strict_describe_cluster is None
                          else bool(strict_describe_cluster)}
        write_settings(self.sim_state, self._settings)
        certificate = make_certificate(self.tmp) if tls else None
        self.ca_bundle = certificate[0] if tls else None
        self.api = SnowballApiServer(world or World(), certificate=certificate)
        self.stopped = not start_api
        if start_api:
            self.api.start()

    @property
    def world(self):
        return self.api.world

    @property
    def endpoint_url(self):
        return self.api.endpoint_url

    def stop(self):
        if not self.stopped:
            self.stopped = True
            self.api.stop()

    def close(self):
        """Stop the API and remove the site's TMPDIR (the rest lives under ``root``, the caller's)."""
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- jobs and devices

    def add_device(self, ip="192.0.2.10", state="WithCustomer", age_days=3, unlock_delay=0.0, device_state="LOCKED",
                   reachable=True, cluster_id=None, unlock_code=None, connection=None, refuse_unlock=0,
                   access_keys=1, boot_seconds=0.0, long_term_pricing=False, credentials_expired=None,
                   association="ASSOCIATED", device_type="V3_5C", job_type="LOCAL_USE",
                   remote_management="INSTALLED_ONLY", **device_options):
        """A job at AWS and the device that belongs to it; returns the job id.

        Device options (see snowball_edge_sim.make_device): ``connection`` up/refused/unreachable
        (``reachable=False`` = unreachable), ``boot_seconds`` (refuses connections that long),
        ``refuse_unlock`` (unlocks to refuse: UNLOCKING -> LOCKED; True for all), ``access_keys`` (how many).
        Job options (see aws_jobs.World.add_job): ``long_term_pricing``, ``credentials_expired``,
        ``job_type``, ``remote_management``; ``device_type`` is the job's SnowballType and the device's DeviceType.
        More device options (see make_device): ``device_id``, ``s3`` ("adapter" or "s3-snow"), ``s3_snow_ips``,
        ``reboot_seconds``, ``certificate_days`` (days until the device's certificate expires; default 360 days
        after the job was created).
        A device with ``cluster_id`` accepts that cluster's one code and manifest.
        """
        job = self.world.add_job(state=state, age_days=age_days, cluster_id=cluster_id, unlock_code=unlock_code,
                                 long_term_pricing=long_term_pricing, credentials_expired=credentials_expired,
                                 job_type=job_type, snowball_type=device_type, remote_management=remote_management)
        job_id = job["metadata"]["JobId"]
        self._add_device(ip, job, unlock_delay=unlock_delay, state=device_state, reachable=reachable,
                         connection=connection, cluster_id=cluster_id, refuse_unlock=refuse_unlock,
                         access_keys=access_keys, boot_seconds=boot_seconds, association=association,
                         device_type=device_type, **device_options)
        return job_id

    def _add_device(self, ip, job, certificate_days=None, **options):
        if any(device["ip"] == ip for device in self.devices):
            raise ValueError("a device with IP %s is already on this site" % ip)
        if certificate_days is None:
            expires = job["metadata"]["CreationDate"] + CERTIFICATE_DAYS * 86400
        else:
            expires = time.time() + certificate_days * 86400
        # ``certificate_pem``: a certificate made by the test (whose key serves the device's S3 in a namespace)
        certificate_pem = options.pop("certificate_pem", None) or build_certificate(ip, "Snowball Edge " + ip)[0]
        device = make_device(ip, job["metadata"]["JobId"], job["unlock_code"], job["manifest"],
                             certificate_pem=certificate_pem, certificate_expires=expires, **options)
        self.devices.append(device)
        # into the live table: rewriting it from self.devices would undo what the client did to the others
        with devices_locked(self.sim_state) as devices:
            devices[ip] = device

    def add_cluster(self, ips, state="WithCustomer", age_days=3, unlock_delay=0.0, device_state="LOCKED",
                    cluster_id=None, unreachable=(), refused=(), refuse_unlock=0, access_keys=1,
                    device_type="V3_5C", **device_options):
        """A cluster job at AWS and its nodes: one job per node, but one code and one manifest for all (every
        node's job hands them out, every node accepts them). ``unreachable`` / ``refused``: IPs of nodes that
        do not answer / refuse connections. ``device_options`` as for add_device (``s3`` for every node).
        Returns a Cluster(cluster_id, ips, job_ids)."""
        cluster_id = cluster_id or "CID" + str(uuid.uuid4())
        job_ids = []
        for ip in ips:
            job = self.world.add_job(state=state, age_days=age_days, cluster_id=cluster_id, snowball_type=device_type)
            connection = "unreachable" if ip in unreachable else "refused" if ip in refused else "up"
            # DG ClusterOverview.md: "A node ID is the same as the job ID for a device" (what describe-device and
            # describe-cluster report); a stand-alone device's DeviceId is its own (make_device)
            node_options = dict({"device_id": job["metadata"]["JobId"]}, **device_options)
            self._add_device(ip, job, unlock_delay=unlock_delay, state=device_state, connection=connection,
                             cluster_id=cluster_id, refuse_unlock=refuse_unlock, access_keys=access_keys,
                             device_type=device_type, **node_options)
            job_ids.append(job["metadata"]["JobId"])
        return Cluster(cluster_id, list(ips), job_ids)

    def add_export_job(self, ips, state="WithCustomer", age_days=3, device_type="V3_5C"):
        """An export job: a main job with no device of its own and one job part (with its device) per IP.
        Returns (main job id, [part job ids])."""
        main, parts = self.world.add_export_job(parts=len(ips), state=state, age_days=age_days,
                                                snowball_type=device_type)
        for ip, part in zip(ips, parts):
            self._add_device(ip, part)
        return main["metadata"]["JobId"], [part["metadata"]["JobId"] for part in parts]

    def set_device(self, ip, **fields):
        """Change a device as it runs (e.g. connection="up" once it has booted, state="LOCKED" after a power
        cut); returns the device as it is now."""
        with devices_locked(self.sim_state) as devices:
            devices[ip].update(fields)
            device = devices[ip]
        self.devices = [device if entry["ip"] == ip else entry for entry in self.devices]
        return device

    def power_cycle(self, ip, after=0.0, down_seconds=1.0, boot_seconds=0.0):
        """A reboot or power cut of the device at ``ip``: from ``after`` seconds on it does not answer for
        ``down_seconds``, then refuses connections for ``boot_seconds``, then answers LOCKED (see
        device_services.cut_power). The device's own clock moves it on: tests wait with the role's polling,
        never with a sleep."""
        with devices_locked(self.sim_state) as devices:
            cut_power(devices[ip], after=after, down_seconds=down_seconds, boot_seconds=boot_seconds)
            device = devices[ip]
        self.devices = [device if entry["ip"] == ip else entry for entry in self.devices]
        return device

    def set_strict_describe_cluster(self, strict=True):
        """Refuse (True) or allow (False) describe-cluster while the cluster is not unlocked, from now on."""
        self._settings["strict_describe_cluster"] = bool(strict)
        write_settings(self.sim_state, self._settings)

    def hang_client(self, commands=(), seconds=3600.0):
        """Make the simulated client hang on ``commands`` (all when empty): it starts a child process and both
        sleep ``seconds``, far past any timeout (see snowball_edge_sim.hang). ``seconds=0`` stops it."""
        self._settings["hang"] = {"commands": list(commands), "seconds": float(seconds)} if seconds else None
        write_settings(self.sim_state, self._settings)

    def client_hangs(self):
        """The hung client runs so far: [{"command", "pid", "child_pid"}]."""
        path = os.path.join(self.sim_state, "hangs.jsonl")
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle]

    def device(self, ip):
        """The device as the simulated client last left it."""
        with open(os.path.join(self.sim_state, "devices.json"), encoding="utf-8") as handle:
            return json.load(handle)[ip]

    def device_states(self):
        with open(os.path.join(self.sim_state, "devices.json"), encoding="utf-8") as handle:
            return {ip: device["state"] for ip, device in json.load(handle).items()}

    def access_keys(self, ip):
        """The device's access keys: {access key id: secret access key}."""
        return dict(self.device(ip)["access_keys"])

    def secret_access_keys(self):
        """Every device's secret access keys (canaries for the leak suite)."""
        with open(os.path.join(self.sim_state, "devices.json"), encoding="utf-8") as handle:
            return [secret for device in json.load(handle).values() for secret in device["access_keys"].values()]

    def device_certificate(self, ip):
        """The device's own certificate as PEM text (its SAN is the device's IP)."""
        return self.device(ip)["certificate"]["pem"]

    def client_invocations(self, command=None):
        path = os.path.join(self.sim_state, "invocations.jsonl")
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as handle:
            calls = [json.loads(line) for line in handle]
        return [call for call in calls if command is None or call["command"] == command]

    def manifest_file(self, job_id):
        """The job's manifest, downloaded by hand into the home directory."""
        path = os.path.join(self.home, job_id + "_manifest.bin")
        with open(path, "wb") as handle:
            handle.write(self.world.jobs[job_id]["manifest"])
        return path

    def config_path(self):
        return os.path.join(self.home, ".aws", "snowball", "config", "snowball-edge.config")

    # --- running Ansible

    def env(self, **extra):
        # Only ANSIBLE_COLLECTIONS_PATH says where the collection under test is: PYTHONPATH
        # (which the tests need to import the stand-ins) would let Ansible find the source tree too.
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("AWS_", "ANSIBLE_")) and key != "PYTHONPATH" or key == "ANSIBLE_COLLECTIONS_PATH"}
        env.update({
            "HOME": self.home,
            # the client is Java: its home is user.home, which only -Duser.home moves off the password database's
            "JAVA_TOOL_OPTIONS": "-Duser.home=" + (self.home if " " not in self.home else '"%s"' % self.home),
            "TMPDIR": self.tmp,
            "PATH": self.bin + os.pathsep + env.get("PATH", ""),
            "SNOWBALL_SIM_STATE": self.sim_state,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION,
            # botocore's own retries would hide the modules' retry behaviour from the call counts
            "AWS_MAX_ATTEMPTS": "1",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_LOCAL_TEMP": os.path.join(self.tmp, "ansible-local"),
            "ANSIBLE_REMOTE_TMP": os.path.join(self.tmp, "ansible-remote"),
            "ANSIBLE_DEPRECATION_WARNINGS": "0",
        })
        if self.client_startup:
            env["SNOWBALL_SIM_STARTUP_SECONDS"] = str(self.client_startup)
        env.update({key: str(value) for key, value in extra.items() if value is not None})
        for key in [key for key, value in extra.items() if value is None]:  # None: leave the variable unset
            env.pop(key, None)
        return env

    def inventory(self, hosts=None):
        """An inventory file: ``hosts`` maps a device name to its host vars (default: one localhost)."""
        path = os.path.join(self.root, "inventory.ini")
        lines = ["[snowball_devices]"]
        for name, host_vars in (hosts or {"localhost": {}}).items():
            pairs = " ".join("%s=%s" % (key, shlex.quote(str(value))) for key, value in host_vars.items())
            lines.append("%s %s" % (name, pairs))
        lines += ["", "[snowball_devices:vars]", "ansible_connection=local",
                  "ansible_python_interpreter='{{ ansible_playbook_python }}'",
                  "fieldops_snowball_in_process=%s" % (TEST_PATH == "in_process"),
                  # The simulated devices (192.0.2.0/24, documentation addresses) have no network presence, and no
                  # test sends traffic beyond loopback: the pre-flight's TCP connection is tested on loopback
                  # addresses (tests/integration/test_preflight.py), which set it back to true per host.
                  "snowball_unlock_preflight_connect=false"]
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        return path

    def playbook(self, body, args=(), hosts=None, env=None, name="play.yml", check=False, merged=False):
        """Run ``ansible-playbook`` on a playbook text; returns the CompletedProcess. ``merged``: its stderr (warnings,
        progress lines) in its stdout, in the order a terminal shows them."""
        path = os.path.join(self.root, name)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(textwrap.dedent(body))
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", self.inventory(hosts), path]
        command += list(args)
        return subprocess.run(command, env=self.env(**(env or {})), cwd=self.root, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT if merged else subprocess.PIPE, text=True, timeout=600, check=check)

    def aws_defaults(self):
        """module_defaults for the collection's AWS modules, pointing at the stand-in."""
        return "group/fieldops.snowball.snowball: {endpoint_url: %s, region: %s}" % (self.endpoint_url, REGION)


ROLE_PLAY = """
- name: Bring the devices online
  hosts: snowball_devices
  gather_facts: false
  roles:
    - role: fieldops.snowball.snowball_unlock
"""

# A role entry point other than main, by name (prefetch, unlock).
ENTRY_PLAY = """
- name: Entry point
  hosts: snowball_devices
  gather_facts: false
  tasks:
    - name: Run the entry point
      ansible.builtin.include_role:
        name: fieldops.snowball.snowball_unlock
        tasks_from: %s
"""


def module_play(site, tasks):
    """A play running ``tasks`` (indented YAML text) with the AWS modules pointed at the stand-in."""
    return """
- name: Modules
  hosts: snowball_devices
  gather_facts: false
  module_defaults:
    %s
  tasks:
%s
""" % (site.aws_defaults(), tasks)


def device_vars(site, job_id, ip="192.0.2.10", **extra):
    """Host vars of one device for the role, pointed at the stand-ins."""
    host_vars = {
        "snowball_unlock_job_id": job_id,
        "snowball_unlock_endpoint": ip,
        "snowball_unlock_aws_endpoint_url": site.endpoint_url,
        "snowball_unlock_aws_region": "us-east-1",
        "snowball_unlock_poll_interval": 0.2,
    }
    host_vars.update(extra)
    return host_vars


def result_of(process, task_name):
    """The JSON result of one task, from a run with the json stdout callback."""
    report = json.loads(process.stdout)
    for play in report["plays"]:
        for task in play["tasks"]:
            if task["task"]["name"] == task_name:
                return task["hosts"]
    raise KeyError(task_name)
