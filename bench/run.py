# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make bench`: the role against the hand-run AWS CLI, and fleets of devices.

Everything runs against the bundled stand-ins on this machine (the API on
loopback, simulated devices), so the figures measure the tools' own cost:
process start-ups, Python imports, Ansible's task machinery. Prints a table
and writes bench/results/latest.json.
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, ".build", "collections"))

from ansible_collections.fieldops.snowball.tests.standins.harness import ROLE_PLAY, Site, device_vars  # noqa: E402

RUNS = 5
FLEETS = (1, 10, 50)
FLEET_UNLOCK_DELAY = 2.0
THROTTLE_RATIO = 0.3
BIN = os.path.dirname(sys.executable)
# botocore's own retries are on here, as on a user's laptop.
REAL_RETRIES = {"AWS_MAX_ATTEMPTS": None}
# What any role that runs two modules per device costs here: ansible-playbook's start-up, and per device
# two module runs (AnsiballZ build, Python start-up, ansible.module_utils.basic compiled from the zip).
# The role's first run is two module runs, so role minus floor is what the collection itself adds.
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


def timed(command, env, cwd):
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = TreeMemory(process.pid)
    memory.start()
    out, err = process.communicate()
    memory.done.set()
    memory.join()
    return time.monotonic() - started, process.returncode, out + err, memory.peak


def play_run(site, hosts, forks=1, env=None, play=ROLE_PLAY):
    path = os.path.join(site.root, "bench.yml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(play)
    command = [os.path.join(BIN, "ansible-playbook"), "-i", site.inventory(hosts), path, "--forks", str(forks)]
    return timed(command, site.env(**dict(REAL_RETRIES, **(env or {}))), site.root)


def baseline_run(site, job_id, ip):
    """What an engineer types: three AWS CLI calls, curl, and the client twice."""
    manifest = os.path.join(site.home, job_id + "_manifest.bin")
    script = """
set -e
aws="aws --endpoint-url {url} --output json snowball"
state=$($aws describe-job --job-id {job} --query JobMetadata.JobState --output text)
test "$state" = WithCustomer
uri=$($aws get-job-manifest --job-id {job} --query ManifestURI --output text)
curl -sf -o {manifest} "$uri"
code=$($aws get-job-unlock-code --job-id {job} --query UnlockCode --output text)
snowballEdge unlock-device --endpoint https://{ip} --manifest-file {manifest} --unlock-code "$code" >/dev/null
snowballEdge describe-device --endpoint https://{ip} --manifest-file {manifest} --unlock-code "$code" | grep -q '"UNLOCKED"'
""".format(url=site.endpoint_url, job=job_id, manifest=manifest, ip=ip)
    env = site.env(**REAL_RETRIES)
    env["PATH"] = BIN + os.pathsep + env["PATH"]
    return timed(["bash", "-c", script], env, site.root)


def single_device(site):
    role_times, baseline_times, floor_times, peaks = [], [], [], []
    for run in range(RUNS):  # alternating, so all three see the same machine
        ip = "192.0.2.%d" % (10 + run)
        job_id = site.add_device(ip=ip)
        seconds, rc, output, peak = play_run(site, {"bench": device_vars(site, job_id, ip=ip)})
        assert rc == 0, output[-3000:]
        role_times.append(seconds)
        peaks.append(peak)
        ip = "192.0.2.%d" % (110 + run)
        seconds, rc, output, _peak = baseline_run(site, site.add_device(ip=ip), ip)
        assert rc == 0, output[-3000:]
        baseline_times.append(seconds)
        seconds, rc, output, _peak = play_run(site, {"bench": {}}, play=FLOOR_PLAY)
        assert rc == 0, output[-3000:]
        floor_times.append(seconds)
    return (statistics.median(role_times), statistics.median(baseline_times), statistics.median(floor_times),
            max(peaks))


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


def fleet(root, count, throttle=0.0):
    site = Site(tempfile.mkdtemp(prefix="fleet-", dir=root))
    try:
        site.world.faults.throttle_ratio = throttle
        hosts = {}
        for number in range(count):
            ip = "198.51.100.%d" % (number + 1)
            hosts["device%03d" % number] = device_vars(site, site.add_device(ip=ip, unlock_delay=FLEET_UNLOCK_DELAY),
                                                       ip=ip, snowball_unlock_poll_interval=0.5)
        seconds, _rc, _output, peak = play_run(site, hosts, forks=count)
        unlocked = sum(1 for state in site.device_states().values() if state == "UNLOCKED")
        return seconds, unlocked, peak
    finally:
        site.stop()


def floor_fleet(root, count):
    site = Site(tempfile.mkdtemp(prefix="floor-", dir=root))
    try:
        seconds, rc, output, _peak = play_run(site, {"device%03d" % number: {} for number in range(count)},
                                              forks=count, play=FLOOR_PLAY)
        assert rc == 0, output[-3000:]
        return seconds
    finally:
        site.stop()


def growth(rows):
    """Each fleet's ratio to one device and added seconds per device, in place; the added seconds per
    device from the second-largest to the largest fleet."""
    base = rows[1]["wall_s"]
    for count, row in rows.items():
        row["ratio_to_one"] = row["wall_s"] / base
        row["added_s_per_device"] = (row["wall_s"] - base) / (count - 1) if count > 1 else 0.0
    return (rows[FLEETS[-1]]["wall_s"] - rows[FLEETS[-2]]["wall_s"]) / (FLEETS[-1] - FLEETS[-2])


def main():
    results = {"machine": {"cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
               "runs": RUNS}
    with tempfile.TemporaryDirectory(prefix="snowball-bench-") as root:
        site = Site(os.path.join(root, "single"))
        try:
            role, baseline, floor, peak = single_device(site)
            (first_calls, first_downloads), rerun_calls, rerun_unlocks = api_calls(site)
        finally:
            site.stop()
        results["single"] = {"role_s": role, "baseline_s": baseline, "ratio": role / baseline, "peak_rss_mb": peak / 2 ** 20,
                             "floor_s": floor, "floor_ratio": floor / baseline}
        results["api"] = {"first_run_calls": first_calls, "first_run_downloads": first_downloads,
                          "rerun_calls": rerun_calls, "rerun_unlock_calls": rerun_unlocks}
        results["fleet"], results["floor_fleet"] = {}, {}
        for count in FLEETS:
            seconds, unlocked, peak = fleet(root, count)
            results["fleet"][count] = {"wall_s": seconds, "unlocked": unlocked, "peak_rss_mb": peak / 2 ** 20}
            results["floor_fleet"][count] = {"wall_s": floor_fleet(root, count)}
        results["added_s_per_device_beyond_10"] = growth(results["fleet"])
        results["floor_added_s_per_device_beyond_10"] = growth(results["floor_fleet"])
        seconds, unlocked, peak = fleet(root, FLEETS[-1], throttle=THROTTLE_RATIO)
        results["throttled"] = {"devices": FLEETS[-1], "ratio": THROTTLE_RATIO, "wall_s": seconds,
                                "success_rate": unlocked / FLEETS[-1],
                                "added_s": seconds - results["fleet"][FLEETS[-1]]["wall_s"], "peak_rss_mb": peak / 2 ** 20}

    report(results)
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", "latest.json"), "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=2)
    return 0


def report(results):
    single, api, floor = results["single"], results["api"], results["floor_fleet"]
    print("\nfieldops.snowball benchmark (%d cores, %s; median of %d runs)" % (
        results["machine"]["cores"], results["machine"]["platform"], results["runs"]))
    print("%-56s %10s" % ("measure", "value"))
    print("%-56s %9.2fs" % ("single device, role main (first run)", single["role_s"]))
    print("%-56s %9.2fs" % ("single device, hand-run AWS CLI + curl + snowballEdge", single["baseline_s"]))
    print("%-56s %9.2fx   (target <= 1.0x)" % ("ratio role / hand-run", single["ratio"]))
    print("%-56s %9.2fs   %.2fx of hand-run; role adds %.2fs" % (
        "floor: ansible-playbook running two pings", single["floor_s"], single["floor_ratio"],
        single["role_s"] - single["floor_s"]))
    print("%-56s %6d + %d   (target <= 3 + 1)" % ("API calls + manifest downloads, first run",
                                                  api["first_run_calls"], api["first_run_downloads"]))
    print("%-56s %10d   (target <= 1)" % ("API calls, re-run on an unlocked device", api["rerun_calls"]))
    print("%-56s %10d   (target 0)" % ("unlock calls, re-run on an unlocked device", api["rerun_unlock_calls"]))
    for count, row in results["fleet"].items():
        print("%-56s %9.2fs   %.2fx of one, %d/%d unlocked, peak %.0f MiB; floor %.2fs, %.2fx of one" % (
            "fleet of %d (forks %d, unlock delay %.0fs)" % (count, count, FLEET_UNLOCK_DELAY), row["wall_s"],
            row["ratio_to_one"], row["unlocked"], count, row["peak_rss_mb"], floor[count]["wall_s"],
            floor[count]["ratio_to_one"]))
    print("%-56s %9.2fx   (target <= 2.0x)" % ("fleet of 10 / fleet of 1", results["fleet"][10]["ratio_to_one"]))
    print("%-56s %9.2fs   (target <= 0.5s); floor %.2fs" % (
        "added wall time per device beyond 10", results["added_s_per_device_beyond_10"],
        results["floor_added_s_per_device_beyond_10"]))
    throttled = results["throttled"]
    print("%-56s %9.2fs   success %.0f%% (target 100%%), %+.2fs vs unthrottled" % (
        "fleet of %d, %.0f%% of calls throttled" % (throttled["devices"], throttled["ratio"] * 100), throttled["wall_s"],
        throttled["success_rate"] * 100, throttled["added_s"]))
    print("%-56s %8.0f MiB" % ("peak memory, ansible-playbook tree, single device", single["peak_rss_mb"]))


if __name__ == "__main__":
    sys.exit(main())
