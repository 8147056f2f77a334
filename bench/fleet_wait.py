# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bench of a fleet with a real client's costs: waiting for UNLOCKED, side by side.

The simulated client burns ``STARTUP`` seconds of CPU per run before it answers (the real one is a JVM
start), and each device unlocks a random ``UNLOCK`` seconds after its unlock went out (uniform, seeded: the
same durations, device by device, for every contender of a fleet). Contenders, one after the other:

* ``role``: the role's main entry point, ``--forks`` = devices, its poll interval unset (the adaptive
  schedule of module_utils/_poll_schedule.py);
* ``aws``: the shape of AWS's own script (aws-samples/aws-snow-tools-for-eks-anywhere,
  setup-tools/unlock-devices.sh): one background shell per device, ``unlock-device``, ``describe-device`` at
  once, then ``describe-device`` every 30 s until UNLOCKED. Written here in that shape, not copied; the
  manifest and code are given to it, as its config.json gives them;
* ``hand`` (one device): what an engineer types: three AWS CLI calls, curl, ``unlock-device``, then
  ``describe-device`` every 30 s.

Measured for each: wall time (until the last device is known UNLOCKED, and of the whole run), the
detection lag of each device (from the moment it reached UNLOCKED, which the simulator's device table
holds, to the end of the client run that answered UNLOCKED: the run knows it then), client starts per
device (the simulator's invocations.jsonl), CPU of the process tree and its peak memory, proportional set
size (``Pss`` of /proc/PID/smaps_rollup: pages shared by forked workers count once) beside the resident size.

``BENCH_WAIT_FLEETS`` (1,10,30), ``BENCH_WAIT_UNLOCK`` (60,180: seconds, the range of the uniform draw),
``BENCH_WAIT_STARTUP`` (1.5), ``BENCH_WAIT_SEED`` (21) and ``BENCH_WAIT_CONTENDERS`` (role,aws,hand) change the
set-up; the report says which it ran.
"""

import json
import os
import random
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from standins.harness import ROLE_PLAY, Site, device_vars  # noqa: E402  pylint: disable=wrong-import-position

BIN = os.path.dirname(sys.executable)
FLEETS = tuple(int(count) for count in os.environ.get("BENCH_WAIT_FLEETS", "1,10,30").split(","))
UNLOCK = tuple(float(bound) for bound in os.environ.get("BENCH_WAIT_UNLOCK", "60,180").split(","))
STARTUP = float(os.environ.get("BENCH_WAIT_STARTUP", "1.5"))
SEED = int(os.environ.get("BENCH_WAIT_SEED", "21"))
CONTENDERS = os.environ.get("BENCH_WAIT_CONTENDERS", "role,aws,hand").split(",")
AWS_POLL = 30  # unlock-devices.sh: `sleep 30` between two describe-device
# Targets for the largest fleet, as ratios to AWS's script shape in the same run.
TARGETS = {"lag_median": 0.5, "lag_max": 0.6, "starts": 1.0, "cpu": 1.0}
STRETCH_MEDIAN = 5.0


class TreeMemory(threading.Thread):
    """Peak memory of a process and its descendants, sampled: proportional set size and resident size."""

    def __init__(self, pid, every=0.25):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak_pss = self.peak_rss = 0
        self.done = threading.Event()

    def tree(self):
        parents = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open("/proc/%s/stat" % entry, encoding="utf-8") as handle:
                        parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    pass
        tree, grew = {self.pid}, True
        while grew:
            grew = False
            for pid, parent in parents.items():
                if parent in tree and pid not in tree:
                    tree.add(pid)
                    grew = True
        return tree

    def run(self):
        while not self.done.is_set():
            pss = rss = 0
            for pid in self.tree():
                try:
                    with open("/proc/%d/smaps_rollup" % pid, encoding="utf-8") as handle:
                        for line in handle:
                            if line.startswith("Pss:"):
                                pss += int(line.split()[1]) * 1024
                            elif line.startswith("Rss:"):
                                rss += int(line.split()[1]) * 1024
                except (OSError, ValueError):
                    pass
            self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)
            self.done.wait(self.every)


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command, env, cwd):
    """Run a command; (wall started, wall seconds, rc, output tail, peak PSS, peak RSS, CPU of the tree)."""
    cpu = children_cpu()
    started, clock = time.time(), time.monotonic()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    memory = TreeMemory(process.pid)
    memory.start()
    out, _err = process.communicate()
    memory.done.set()
    memory.join()
    return {"started": started, "wall_s": time.monotonic() - clock, "rc": process.returncode, "output": out[-3000:],
            "peak_pss_mb": memory.peak_pss / 2 ** 20, "peak_rss_mb": memory.peak_rss / 2 ** 20,
            "cpu_s": children_cpu() - cpu}


def fleet_site(root, name, durations):
    """A site with one device per duration; returns (site, [(ip, job id)])."""
    site = Site(tempfile.mkdtemp(prefix=name + "-", dir=root), client_startup=STARTUP)
    devices = []
    for number, seconds in enumerate(durations):
        ip = "198.51.100.%d" % (number + 1)
        devices.append((ip, site.add_device(ip=ip, unlock_delay=seconds)))
    return site, devices


def run_role(site, devices):
    hosts = {}
    for number, (ip, job_id) in enumerate(devices):
        host_vars = device_vars(site, job_id, ip=ip)
        del host_vars["snowball_unlock_poll_interval"]  # unset: the adaptive schedule
        hosts["device%03d" % number] = host_vars
    path = os.path.join(site.root, "bench.yml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(ROLE_PLAY)
    command = [os.path.join(BIN, "ansible-playbook"), "-i", site.inventory(hosts), path, "--forks", str(len(devices))]
    return timed(command, site.env(AWS_MAX_ATTEMPTS=None), site.root)


def run_aws(site, devices):
    """AWS's script shape. Its config.json gives each device's manifest and code and it passes the code with
    --unlock-code; here each device has a client profile instead, so that no code is in a process's
    arguments even on the bench (the client's cost is the same: it reads the profile at start-up)."""
    profiles = {}
    for ip, job_id in devices:
        name = "aws-" + ip.replace(".", "-")
        profiles[name] = {"name": name, "manifestPath": site.manifest_file(job_id), "defaultEndpoint": "https://" + ip,
                          "unlockCode": site.world.jobs[job_id]["unlock_code"], "jobId": job_id, "isCluster": False,
                          "deviceIps": []}
    write_client_config(site, profiles)
    shells = []
    for name in profiles:
        shells.append("""(
  snowballEdge unlock-device --profile {p} >/dev/null || exit 1
  state=$(snowballEdge describe-device --profile {p} | grep -o '"State" : "[A-Z]*"' | head -1)
  while [[ "$state" != *'"UNLOCKED"'* ]]; do
    sleep {poll}
    state=$(snowballEdge describe-device --profile {p} | grep -o '"State" : "[A-Z]*"' | head -1)
    [[ "$state" == *'"LOCKED"'* ]] && exit 1
  done
) &""".format(p=shlex.quote(name), poll=AWS_POLL))
    script = "set -u\n%s\nwait\n" % "\n".join(shells)
    return timed(["bash", "-c", script], site.env(), site.root)


def hand_script(site, job_id, ip, poll=None):
    """What an engineer types for one device: three AWS CLI calls, curl, the client's unlock, then describe-device
    once (``poll`` None) or every ``poll`` seconds until it says UNLOCKED. The bench's hand rows, here and in
    bench/run.py, all run this one script."""
    manifest = os.path.join(site.home, job_id + "_manifest.bin")
    describe = ('snowballEdge describe-device --endpoint https://{ip} --manifest-file {manifest} --unlock-code "$code"'
                " | grep '\"UNLOCKED\"' >/dev/null")
    # grep reads the whole answer (not -q): a client whose output pipe closes early fails its run
    wait = describe if poll is None else "until %s; do sleep {poll}; done" % describe
    return ("""
set -e
aws="aws --endpoint-url {url} --output json snowball"
state=$($aws describe-job --job-id {job} --query JobMetadata.JobState --output text)
test "$state" = WithCustomer
uri=$($aws get-job-manifest --job-id {job} --query ManifestURI --output text)
curl -sf -o {manifest} "$uri"
code=$($aws get-job-unlock-code --job-id {job} --query UnlockCode --output text)
snowballEdge unlock-device --endpoint https://{ip} --manifest-file {manifest} --unlock-code "$code" >/dev/null
%s
""" % wait).format(url=site.endpoint_url, job=job_id, manifest=manifest, ip=ip, poll=poll)


def run_hand(site, devices):
    """One device by hand: the AWS CLI, curl, the client; describe-device again every 30 s."""
    (ip, job_id), = devices
    env = site.env()
    env["PATH"] = BIN + os.pathsep + env["PATH"]
    return timed(["bash", "-c", hand_script(site, job_id, ip, poll=AWS_POLL)], env, site.root)


def write_client_config(site, profiles):
    path = site.config_path()
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"version": 1, "profiles": profiles}, handle)


def measure(site, devices, sample):
    """Detection lags, client starts and the time the last device was known UNLOCKED, from the simulator."""
    with open(os.path.join(site.sim_state, "devices.json"), encoding="utf-8") as handle:
        table = json.load(handle)
    calls = site.client_invocations()
    lags, unlocked = [], 0
    known_last = sample["started"]
    for ip, _job_id in devices:
        device = table[ip]
        if device["state"] != "UNLOCKED":
            continue
        unlocked += 1
        at = device["unlocking_since"] + device["unlock_delay"]
        answers = [call["started"] + call["seconds"] for call in calls if call["command"] == "describe-device"
                   and call["rc"] == 0 and (call["endpoint"] or "").rstrip("/").endswith("//" + ip)]
        # every contender stops asking once it has seen UNLOCKED: its last answer is the one that said so
        known = max(answers)
        assert known >= at, "the last describe-device of %s ended before it unlocked" % ip
        lags.append(known - at)
        known_last = max(known_last, known)
    count = len(devices)
    return {"devices": count, "unlocked": unlocked, "lag_median_s": statistics.median(lags) if lags else None,
            "lag_max_s": max(lags) if lags else None, "lags_s": [round(lag, 2) for lag in lags],
            "starts_per_device": len(calls) / count, "all_known_s": known_last - sample["started"],
            "wall_s": sample["wall_s"], "cpu_s": sample["cpu_s"], "cpu_s_per_device": sample["cpu_s"] / count,
            "peak_pss_mb": sample["peak_pss_mb"], "peak_rss_mb": sample["peak_rss_mb"], "rc": sample["rc"]}


def load():
    with open("/proc/loadavg", encoding="utf-8") as handle:
        return " ".join(handle.read().split()[:3])


def rows(root):
    """Every fleet, every contender, one after the other: {fleet: {contender: figures}}."""
    results = {"setup": {"fleets": FLEETS, "unlock_s": UNLOCK, "client_startup_s": STARTUP, "seed": SEED,
                         "aws_poll_s": AWS_POLL, "load_before": load()}}
    for count in FLEETS:
        rng = random.Random("%d/%d" % (SEED, count))
        durations = [rng.uniform(*UNLOCK) for _device in range(count)]
        contenders = [(name, run) for name, run in (("role", run_role), ("aws", run_aws), ("hand", run_hand))
                      if name in CONTENDERS and (name != "hand" or count == 1)]
        results[count] = {}
        for name, run in contenders:
            site, devices = fleet_site(root, "%s%d" % (name, count), durations)
            try:
                sample = run(site, devices)
                figures = measure(site, devices, sample)
                figures["load_after"] = load()
                if sample["rc"] != 0 or figures["unlocked"] != count:
                    figures["output"] = sample["output"]
                results[count][name] = figures
            finally:
                site.close()
            print("fleet wait: %d device(s), %s: %s" % (count, name, summary_line(results[count][name])), flush=True)
    results["setup"]["load_after"] = load()
    return results


def summary_line(row):
    if row["lag_median_s"] is None:
        return "nothing unlocked (rc %s)" % row["rc"]
    return ("%d/%d unlocked, all known after %.0fs (run %.0fs), lag median %.1fs max %.1fs, %.1f client starts/device, "
            "CPU %.1fs (%.2fs/device), peak PSS %.0f MiB (RSS %.0f)" % (
                row["unlocked"], row["devices"], row["all_known_s"], row["wall_s"], row["lag_median_s"], row["lag_max_s"],
                row["starts_per_device"], row["cpu_s"], row["cpu_s_per_device"], row["peak_pss_mb"], row["peak_rss_mb"]))


def ratios(results):
    """The largest fleet's role figures as ratios to AWS's script shape, and whether each target is met."""
    largest = max(count for count in results if isinstance(count, int))
    role, aws = results[largest].get("role"), results[largest].get("aws")
    if not role or not aws or role["lag_median_s"] is None or aws["lag_median_s"] is None:
        return largest, {}
    values = {"lag_median": role["lag_median_s"] / aws["lag_median_s"], "lag_max": role["lag_max_s"] / aws["lag_max_s"],
              "starts": role["starts_per_device"] / aws["starts_per_device"], "cpu": role["cpu_s"] / aws["cpu_s"]}
    return largest, {key: (value, value <= TARGETS[key]) for key, value in values.items()}


def report(results, line, met):
    setup = results["setup"]
    print("fleet wait: client start-up %.1fs of CPU a run, unlocks uniform %g-%gs (seed %d), load %s -> %s" % (
        setup["client_startup_s"], setup["unlock_s"][0], setup["unlock_s"][1], setup["seed"], setup["load_before"],
        setup["load_after"]))
    for count in (key for key in results if isinstance(key, int)):
        for name, row in results[count].items():
            line("  %d device%s, %s" % (count, "s" if count > 1 else "", name),
                 "%.1fs" % row["lag_median_s"] if row["lag_median_s"] is not None else "-", summary_line(row))
    largest, checked = ratios(results)
    if not checked:
        return
    for key, (value, ok) in checked.items():
        line("  %d devices, role / aws: %s" % (largest, key), "%.2fx" % value, "target <= %.1fx: %s" % (TARGETS[key], met(ok)))
    role = results[largest]["role"]
    if role["lag_median_s"] is not None:
        line("  %d devices, role: median lag" % largest, "%.1fs" % role["lag_median_s"],
             "stretch < %.0fs: %s" % (STRETCH_MEDIAN, met(role["lag_median_s"] < STRETCH_MEDIAN)))


def main():
    with tempfile.TemporaryDirectory(prefix="snowball-wait-") as root:
        results = rows(root)
    report(results, lambda measure_, value, note="": print("%-40s %10s   %s" % (measure_, value, note)),
           lambda ok: "met" if ok else "NOT MET")
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", "fleet_wait.json"), "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=2, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
