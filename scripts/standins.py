# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make standins [DEVICES=N]`: start the stand-ins (the Snowball API on loopback, N simulated LOCKED devices behind
a simulated snowballEdge) and keep them up until Ctrl-C, so that a field engineer can rehearse their own playbook
before the site visit. Prints the inventory and the environment to run it with; everything lives under
.build/standins (its own HOME), which the next `make standins` replaces."""

import os
import shlex
import shutil
import signal
import sys

import checkout_standins

ROOT = checkout_standins.link()

from ansible_collections.fieldops.snowball.tests.standins.harness import Site  # noqa: E402  pylint: disable=wrong-import-position

STANDINS = os.path.join(ROOT, ".build", "standins")


def main(devices):
    shutil.rmtree(STANDINS, ignore_errors=True)
    os.makedirs(STANDINS)
    site = Site(STANDINS)
    try:
        hosts = {}
        for number in range(devices):
            ip = "192.0.2.%d" % (10 + number)
            job_id = site.add_device(ip=ip, unlock_delay=5)
            hosts["device-%d" % (number + 1)] = {"snowball_unlock_job_id": job_id, "snowball_unlock_endpoint": ip,
                                                 "snowball_unlock_aws_endpoint_url": site.endpoint_url}
        inventory = site.inventory(hosts)
        environment = os.path.join(STANDINS, "standins.env")
        with open(environment, "w", encoding="utf-8") as handle:
            handle.writelines("export %s=%s\n" % (key, shlex.quote(value)) for key, value in sorted(site.env().items()))
        relative = os.path.relpath
        print("Stand-ins are up: a Snowball API at %s and %d LOCKED device(s) behind a simulated snowballEdge."
              % (site.endpoint_url, devices))
        print("In another shell, from this checkout:\n")
        print("  . %s" % relative(environment))
        print("  ansible-playbook -i %s fieldops.snowball.unlock      # or your own playbook" % relative(inventory))
        print("\nThe environment gives that shell the stand-ins' HOME, PATH (the simulated client), AWS keys and "
              "region; the inventory:\n")
        with open(inventory, encoding="utf-8") as handle:
            print("  " + handle.read().replace("\n", "\n  "))
        print("Ctrl-C here stops the stand-ins.", flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            print("\nstand-ins stopped")
    finally:
        site.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(int(os.environ.get("DEVICES", "1"))))
