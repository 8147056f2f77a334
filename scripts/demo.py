# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make demo`: run playbooks/unlock.yml, the role end to end, twice against the bundled stand-ins (a local
Snowball API on loopback and a simulated device behind a simulated snowballEdge), then print a short summary
naming the files the run left under .build/demo (the demo's own HOME; the next demo replaces it). The unlock
code is never printed; the stand-ins stop when this script ends."""

import os
import shutil
import sys

import checkout_standins

ROOT = checkout_standins.link()

from ansible_collections.fieldops.snowball.tests.standins.harness import Site  # noqa: E402  pylint: disable=wrong-import-position

DEMO = os.path.join(ROOT, ".build", "demo")


def main():
    shutil.rmtree(DEMO, ignore_errors=True)
    os.makedirs(DEMO)
    site = Site(DEMO)
    try:
        job_id = site.add_device(ip="192.0.2.10", unlock_delay=1.5)
        with open(os.path.join(ROOT, "playbooks", "unlock.yml"), encoding="utf-8") as handle:
            playbook = handle.read()
        hosts = {"bench-device": {"snowball_unlock_job_id": job_id, "snowball_unlock_endpoint": "192.0.2.10",
                                  "snowball_unlock_aws_endpoint_url": site.endpoint_url,
                                  "snowball_unlock_aws_region": "us-east-1",
                                  "snowball_unlock_poll_interval": 0.5}}
        runs, calls = [], []
        for number, what in enumerate(("first run: the device is LOCKED",
                                       "second run: the device is UNLOCKED, so nothing is done")):
            print("=== ansible-playbook -i .build/demo/inventory.ini .build/demo/unlock.yml  (a copy of "
                  "playbooks/unlock.yml, installed as fieldops.snowball.unlock; %s)\n" % what, flush=True)
            runs.append(site.playbook(playbook, hosts=hosts, name="unlock.yml", merged=True))
            calls.append(site.world.count() - sum(calls))
            sys.stdout.write(runs[-1].stdout)
            if runs[-1].returncode != 0:
                print("demo: run %d failed (exit %d)." % (number + 1, runs[-1].returncode))
                return runs[-1].returncode
        code = site.world.jobs[job_id]["unlock_code"]
        if any(code in run.stdout for run in runs):
            print("demo: the unlock code appeared in the output; this is a bug.")
            return 1
        relative = os.path.relpath  # from the checkout, where make demo runs
        manifest = os.path.join(site.home, ".snowball", "manifests", job_id + "_manifest.bin")
        print("\nSummary")
        print("  job           %s (%s at the stand-in AWS)" % (job_id, site.world.jobs[job_id]["metadata"]["JobState"]))
        print("  device        192.0.2.10: %s" % site.device_states()["192.0.2.10"])
        print("  API calls     %d on the first run, %d on the re-run" % tuple(calls))
        print("  unlock calls  %d (the re-run found the device unlocked)" % len(site.client_invocations("unlock-device")))
        print("  unlock code   never shown; kept only in the client's config file (mode 0600)")
        print("  files         the demo's HOME is %s; in it:" % relative(site.home))
        for path in (site.config_path(), manifest):
            if os.path.exists(path):
                print("                %s (mode %o)" % (relative(path, site.home), os.stat(path).st_mode & 0o777))
        print("  playbook      %s and %s (the stand-ins stopped with the demo: make demo runs it again)"
              % (relative(os.path.join(DEMO, "inventory.ini")), relative(os.path.join(DEMO, "unlock.yml"))))
    finally:
        site.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
