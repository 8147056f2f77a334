# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make bench`: the role against the hand-run AWS CLI, and fleets of devices.

Everything runs against the bundled stand-ins on this machine (the API on
loopback, simulated devices), so the figures measure the tools' own cost:
process start-ups, Python imports, Ansible's task machinery. The role runs
on both of the collection's paths: in Ansible's worker process (the default
on the controller) and shipped as modules (``fieldops_snowball_in_process=false``).
Each run is measured for wall time, CPU of its whole process tree and peak
memory of that tree. Prints a table and writes bench/results/latest.json.
"""

import atexit
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The stand-ins come from this checkout, as the Makefile that runs this script does; they are not part
# of the collection a user installs. The collection under test is the one installed from the tarball
# (ANSIBLE_COLLECTIONS_PATH, set by the Makefile), which ansible-playbook loads.
# They are imported under the one name the tests use, through a private ansible_collections/fieldops/snowball
# link to this checkout (removed at exit).
_SOURCE_LINK = tempfile.mkdtemp(prefix="snowball-source-")
atexit.register(shutil.rmtree, _SOURCE_LINK, True)
os.makedirs(os.path.join(_SOURCE_LINK, "ansible_collections", "fieldops"))
os.symlink(ROOT, os.path.join(_SOURCE_LINK, "ansible_collections", "fieldops", "snowball"))
sys.path.insert(0, _SOURCE_LINK)

from ansible_collections.fieldops.snowball.tests.standins.harness import ENTRY_PLAY, ROLE_PLAY, Site, device_vars  # noqa: E402
from ansible_collections.fieldops.snowball.tests.standins.sdm_api import SdmServer  # noqa: E402
from ansible_collections.fieldops.snowball.tests.standins.sdm_world import SdmWorld  # noqa: E402

import fleet_wait  # noqa: E402  pylint: disable=wrong-import-position

RUNS = 5
FLEETS = (1, 10, 50)
# Fleets of the role on its default path: median of this many runs each.
FLEET_RUNS = 3
FLEET_UNLOCK_DELAY = 2.0
THROTTLE_RATIO = 0.3
# The remote entry point's fleet: two unlock tasks (ten devices to a task). The devices report every 0.5 s and
# unlock in 1 s, so the wall time is mostly the tool's own cost.
REMOTE_FLEET = 12
# Issue 12: the real client is a Java program; the simulator burns this much CPU per run before it answers.
CLIENT_STARTUP = 1.5
# ... which makes a fleet of 50 cost minutes of CPU on two cores: fleets of 1 and 10 give the per-device figures.
STARTUP_FLEETS = (1, 10)
BIN = os.path.dirname(sys.executable)
# botocore's own retries are on here, as on a user's laptop.
REAL_RETRIES = {"AWS_MAX_ATTEMPTS": None}
# The collection's two paths, forced either way whatever the harness inventory says: in Ansible's worker
# process (the default on the controller) and shipped as modules, as to a remote host.
IN_PROCESS = ("-e", "fieldops_snowball_in_process=true")
SHIPPED = ("-e", "fieldops_snowball_in_process=false")
# What any role that runs two modules per device costs here: ansible-playbook's start-up, and per device
# two module runs (AnsiballZ build, Python start-up, ansible.module_utils.basic compiled from the zip).
# The role's shipped path is four module runs per device on a first run.
FLOOR_PLAY = """
- name: Ansible's floor, two module runs per device
  hosts: snowball_devices
  gather_facts: false
  tasks:
    - name: First module run
      ansible.builtin.ping:
    - name: Second module run
      ansible.builtin.ping:
"""


class TreeMemory(threading.Thread):
    """Peak resident memory of a process and all its descendants, sampled."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            parents = {}
            for entry in os.listdir("/proc"):
                if entry.isdigit():
                    try:
                        with open("/proc/%s/stat" % entry, encoding="utf-8") as handle:
                            fields = handle.read().rsplit(")", 1)[1].split()
                        parents[int(entry)] = (int(fields[1]), int(fields[21]) * os.sysconf("SC_PAGE_SIZE"))
                    except (OSError, IndexError, ValueError):
                        pass
            tree, total = {self.pid}, 0
            for pid in sorted(parents):
                if parents[pid][0] in tree or pid == self.pid:
                    tree.add(pid)
            for pid in tree:
                total += parents.get(pid, (0, 0))[1]
            self.peak = max(self.peak, total)
            self.done.wait(0.05)


def children_cpu():
    """CPU seconds (user + system) of every descendant this process has reaped so far. A process's own
    figure includes the descendants it reaped itself, so the delta around one ansible-playbook run counts
    its forked workers (the strategy reaps them: Process.is_alive() waits for them) and every client
    they ran; the stand-in API, a thread of this process, is not counted."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command, env, cwd):
    """Runs a command; returns (wall seconds, rc, output, peak tree memory in bytes, tree CPU seconds)."""
    cpu = children_cpu()
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = TreeMemory(process.pid)
    memory.start()
    out, err = process.communicate()
    memory.done.set()
    memory.join()
    return time.monotonic() - started, process.returncode, out + err, memory.peak, children_cpu() - cpu


def play_run(site, hosts, forks=1, env=None, play=ROLE_PLAY, args=IN_PROCESS):
    path = os.path.join(site.root, "bench.yml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(play)
    command = [os.path.join(BIN, "ansible-playbook"), "-i", site.inventory(hosts), path, "--forks", str(forks)]
    return timed(command + list(args), site.env(**dict(REAL_RETRIES, **(env or {}))), site.root)


def baseline_run(site, job_id, ip):
    """What an engineer types: three AWS CLI calls, curl, and the client twice."""
    env = site.env(**REAL_RETRIES)
    env["PATH"] = BIN + os.pathsep + env["PATH"]
    return timed(["bash", "-c", fleet_wait.hand_script(site, job_id, ip)], env, site.root)


def summary(samples):
    """Median wall and CPU, max peak memory of several (wall, rc, output, peak, cpu) runs."""
    return {"wall_s": statistics.median(sample[0] for sample in samples),
            "cpu_s": statistics.median(sample[4] for sample in samples),
            "peak_rss_mb": max(sample[3] for sample in samples) / 2 ** 20, "runs": len(samples)}


def single_device(site):
    samples = {"role": [], "shipped": [], "baseline": [], "floor": []}
    for run in range(RUNS):  # alternating, so all of them see the same machine
        for name, number in (("role", 10), ("shipped", 60), ("baseline", 110)):
            ip = "192.0.2.%d" % (number + run)
            job_id = site.add_device(ip=ip)
            if name == "baseline":
                sample = baseline_run(site, job_id, ip)
            else:
                sample = play_run(site, {"bench": device_vars(site, job_id, ip=ip)},
                                  args=SHIPPED if name == "shipped" else IN_PROCESS)
            assert sample[1] == 0 and site.device_states()[ip] == "UNLOCKED", sample[2][-3000:]
            samples[name].append(sample)
        sample = play_run(site, {"bench": {}}, play=FLOOR_PLAY)
        assert sample[1] == 0, sample[2][-3000:]
        samples["floor"].append(sample)
    return {name: summary(runs) for name, runs in samples.items()}


def api_calls(site):
    job_id = site.add_device(ip="192.0.2.200")
    hosts = {"bench": device_vars(site, job_id, ip="192.0.2.200")}
    site.world.reset_calls()
    play_run(site, hosts)
    first = (site.world.count(), len(site.world.manifest_downloads))
    site.world.reset_calls()
    before = len(site.client_invocations("unlock-device"))
    play_run(site, hosts)
    return first, site.world.count(), len(site.client_invocations("unlock-device")) - before


def fleet(root, count, throttle=0.0, args=IN_PROCESS, client_startup=None):
    """One play over ``count`` devices, --forks count; wall, CPU and peak memory of the tree, devices
    unlocked, and client runs."""
    site = Site(tempfile.mkdtemp(prefix="fleet-", dir=root), client_startup=client_startup)
    try:
        site.world.faults.throttle_ratio = throttle
        hosts = {}
        for number in range(count):
            ip = "198.51.100.%d" % (number + 1)
            hosts["device%03d" % number] = device_vars(site, site.add_device(ip=ip, unlock_delay=FLEET_UNLOCK_DELAY),
                                                       ip=ip, snowball_unlock_poll_interval=0.5)
        sample = play_run(site, hosts, forks=count, args=args)
        unlocked = sum(1 for state in site.device_states().values() if state == "UNLOCKED")
        return sample, unlocked, len(site.client_invocations())
    finally:
        site.close()


def fleet_rows(root, runs=1, fleets=FLEETS, **options):
    """Fleets of 1, 10 and 50: medians of ``runs`` runs (the fleet of 50 once), per device figures."""
    rows = {}
    for count in fleets:
        samples, unlocked, clients = [], [], []
        for _run in range(runs if count < FLEETS[-1] else 1):
            sample, done, client_runs = fleet(root, count, **options)
            samples.append(sample)
            unlocked.append(done)
            clients.append(client_runs)
        row = summary(samples)
        row.update(unlocked=min(unlocked), client_runs_per_device=statistics.median(clients) / count,
                   cpu_s_per_device=row["cpu_s"] / count, peak_rss_mb_per_device=row["peak_rss_mb"] / count)
        rows[count] = row
    growth(rows, fleets)
    return rows


def floor_fleet(root, count):
    site = Site(tempfile.mkdtemp(prefix="floor-", dir=root))
    try:
        sample = play_run(site, {"device%03d" % number: {} for number in range(count)}, forks=count, play=FLOOR_PLAY)
        assert sample[1] == 0, sample[2][-3000:]
        return summary([sample])
    finally:
        site.close()


def growth(rows, fleets=FLEETS):
    """Each fleet's ratio to one device, in place; and, from the second-largest to the largest fleet,
    the wall time and the CPU each added device costs."""
    base = rows[1]["wall_s"]
    for row in rows.values():
        row["ratio_to_one"] = row["wall_s"] / base
    small, large = rows[fleets[-2]], rows[fleets[-1]]
    rows["added"] = {"beyond": fleets[-2], "wall_s": (large["wall_s"] - small["wall_s"]) / (fleets[-1] - fleets[-2]),
                     "cpu_s": (large["cpu_s"] - small["cpu_s"]) / (fleets[-1] - fleets[-2])}


def remote_fleet(root, count=REMOTE_FLEET):
    """The remote entry point on a fleet: wall, CPU, Snow Device Management calls per device, and the Snowball
    API calls it made (none: no manifest, no unlock code)."""
    site = Site(os.path.join(root, "remote"))
    sdm = SdmServer(SdmWorld()).start()
    try:
        hosts = {}
        for index in range(count):
            job_id = site.world.add_job()["metadata"]["JobId"]
            sdm.world.add_device(job_id, contact_interval=0.5, unlock_seconds=1.0)
            hosts["device%02d" % index] = {"snowball_unlock_job_id": job_id, "snowball_unlock_aws_region": "us-east-1",
                                           "snowball_unlock_aws_endpoint_url": sdm.endpoint_url,
                                           "snowball_unlock_poll_interval": 0.5}
        wall, rc, output, peak, cpu = play_run(site, hosts, forks=count, play=ENTRY_PLAY % "remote")
        if rc != 0:
            raise RuntimeError("the remote entry point failed on the bench:\n" + output)
        return {"devices": count, "wall_s": wall, "cpu_s": cpu, "peak_rss_mb": peak / 2**20,
                "sdm_calls_per_device": sdm.world.count() / count, "tasks": len(sdm.world.tasks),
                "snowball_calls": site.world.count()}
    finally:
        sdm.stop()
        site.close()


def load():
    """The machine's load while the bench ran: the 1-minute load average, sampled."""
    return os.getloadavg()[0]


def machine():
    import ansible  # pylint: disable=import-outside-toplevel
    import boto3  # pylint: disable=import-outside-toplevel
    with open("/proc/meminfo", encoding="utf-8") as handle:
        memory = int(handle.readline().split()[1]) * 1024
    return {"cores": os.cpu_count(), "memory_gib": round(memory / 2 ** 30, 1), "platform": platform.platform(),
            "python": platform.python_version(), "ansible_core": ansible.__version__, "boto3": boto3.__version__}


def main():
    sections = set(os.environ.get("BENCH_ONLY", "single,api,fleet,shipped_fleet,throttled,startup,floor,remote,fleet_wait")
                   .split(","))
    results = {"machine": machine(), "runs": RUNS, "fleet_runs": FLEET_RUNS, "load": [load()],
               "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    with tempfile.TemporaryDirectory(prefix="snowball-bench-") as root:
        if sections & {"single", "api"}:
            site = Site(os.path.join(root, "single"))
            try:
                if "single" in sections:
                    results["single"] = single_device(site)
                    results["load"].append(load())
                if "api" in sections:
                    (first_calls, first_downloads), rerun_calls, rerun_unlocks = api_calls(site)
                    results["api"] = {"first_run_calls": first_calls, "first_run_downloads": first_downloads,
                                      "rerun_calls": rerun_calls, "rerun_unlock_calls": rerun_unlocks}
            finally:
                site.close()
        if "fleet" in sections:
            results["fleet"] = fleet_rows(root, runs=FLEET_RUNS)
            results["load"].append(load())
        if "shipped_fleet" in sections:
            results["shipped_fleet"] = fleet_rows(root, args=SHIPPED)
            results["load"].append(load())
        if "startup" in sections:
            results["startup_fleet"] = fleet_rows(root, fleets=STARTUP_FLEETS, client_startup=CLIENT_STARTUP)
            results["load"].append(load())
        if "throttled" in sections:
            sample, unlocked, _clients = fleet(root, FLEETS[-1], throttle=THROTTLE_RATIO)
            results["throttled"] = dict(summary([sample]), devices=FLEETS[-1], ratio=THROTTLE_RATIO,
                                        success_rate=unlocked / FLEETS[-1])
        if "remote" in sections:
            results["remote_fleet"] = remote_fleet(root)
            results["load"].append(load())
        if "floor" in sections:
            results["floor_fleet"] = {count: floor_fleet(root, count) for count in FLEETS}
            growth(results["floor_fleet"])
        if "fleet_wait" in sections:  # minutes of unlocks: bench/fleet_wait.py
            results["fleet_wait"] = fleet_wait.rows(root)
        results["load"].append(load())

    report(results)
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    name = "latest.json" if "BENCH_ONLY" not in os.environ else "partial.json"
    with open(os.path.join(ROOT, "bench", "results", name), "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=2)
    return 0


def line(measure, value, note=""):
    print("%-58s %12s   %s" % (measure, value, note))


def met(ok):
    return "met" if ok else "NOT MET"


def report(results):
    info = results["machine"]
    print("\nfieldops.snowball benchmark: %d cores, %.0f GiB, Python %s, ansible-core %s, boto3 %s; %s" % (
        info["cores"], info["memory_gib"], info["python"], info["ansible_core"], info["boto3"], info["platform"]))
    print("load average (1 min) during the run: %s" % " ".join("%.1f" % value for value in results["load"]))
    line("measure", "value", "notes")
    single = results.get("single")
    if single:
        hand = single["baseline"]
        print("single device, first run (median of %d, alternating): wall, CPU of the process tree, peak memory"
              % results["runs"])
        for key, label in (("baseline", "by hand (AWS CLI, curl, snowballEdge)"),
                           ("role", "role main, in the worker process (default)"),
                           ("shipped", "role main, shipped modules (in_process=false)"),
                           ("floor", "floor: ansible-playbook, two pings")):
            row = single[key]
            ratio = row["wall_s"] / hand["wall_s"]
            target = {"role": "target <= 0.8x: %s" % met(ratio <= 0.8),
                      "shipped": "target <= 1.6x: %s" % met(ratio <= 1.6)}.get(key, "")
            line("  " + label, "%.2fs %.2fx" % (row["wall_s"], ratio),
                 "CPU %.2fs, peak %.0f MiB  %s" % (row["cpu_s"], row["peak_rss_mb"], target))
    api = results.get("api")
    if api:
        line("API calls + manifest downloads, first run", "%d + %d" % (api["first_run_calls"], api["first_run_downloads"]),
             "target 3 + 1: %s" % met((api["first_run_calls"], api["first_run_downloads"]) == (3, 1)))
        line("API calls, re-run on an unlocked device", api["rerun_calls"], "target 0: %s" % met(api["rerun_calls"] == 0))
        line("unlock calls, re-run on an unlocked device", api["rerun_unlock_calls"],
             "target 0: %s" % met(api["rerun_unlock_calls"] == 0))
    for key, title in (("fleet", "role, in the worker process"), ("shipped_fleet", "role, shipped modules"),
                       ("startup_fleet", "role, in the worker process, client start-up %.1fs" % CLIENT_STARTUP),
                       ("floor_fleet", "floor, two pings")):
        rows = results.get(key)
        if not rows:
            continue
        print("fleets, %s (--forks = devices, unlock delay %.0fs, poll 0.5s)%s" % (
            title, FLEET_UNLOCK_DELAY, "; fleets of 1 and 10: median of %d" % FLEET_RUNS if key == "fleet" else ""))
        for count in sorted(key for key in rows if isinstance(key, int)):
            row = rows[count]
            extra = ""
            if "unlocked" in row:
                extra = ", %d/%d unlocked, %.1f client runs/device" % (row["unlocked"], count, row["client_runs_per_device"])
            line("  %d device%s" % (count, "s" if count > 1 else ""), "%.2fs %.2fx" % (row["wall_s"], row["ratio_to_one"]),
                 "CPU %.2fs (%.2fs/device), peak %.0f MiB (%.1f MiB/device)%s" % (
                     row["cpu_s"], row["cpu_s"] / count, row["peak_rss_mb"], row["peak_rss_mb"] / count, extra))
        added = rows["added"]
        targets = ""
        if key == "fleet":
            targets = "targets <= 0.15s: %s, <= 0.30s: %s; peak of 50 <= 2509 MiB: %s" % (
                met(added["wall_s"] <= 0.15), met(added["cpu_s"] <= 0.3), met(rows[FLEETS[-1]]["peak_rss_mb"] <= 4.9 * 1024 / 2))
        line("  each device beyond %d adds" % added["beyond"], "%.2fs" % added["wall_s"],
             "wall; CPU %.2fs  %s" % (added["cpu_s"], targets))
    remote = results.get("remote_fleet")
    if remote:
        line("remote entry point, fleet of %d (%d unlock tasks)" % (remote["devices"], remote["tasks"]),
             "%.2fs" % remote["wall_s"], "CPU %.2fs; %.1f SDM calls/device; Snowball API calls %d (target 0: %s)" % (
                 remote["cpu_s"], remote["sdm_calls_per_device"], remote["snowball_calls"],
                 met(remote["snowball_calls"] == 0)))
    if results.get("fleet_wait"):
        fleet_wait.report(results["fleet_wait"], line, met)
    throttled = results.get("throttled")
    if throttled:
        line("fleet of %d, %.0f%% of API calls throttled" % (throttled["devices"], throttled["ratio"] * 100),
             "%.0f%%" % (throttled["success_rate"] * 100),
             "unlocked (target 100%%: %s), %.2fs, CPU %.2fs" % (met(throttled["success_rate"] == 1), throttled["wall_s"],
                                                                throttled["cpu_s"]))


if __name__ == "__main__":
    sys.exit(main())
