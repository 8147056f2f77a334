# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Makes this checkout's stand-ins (tests/standins) importable under the one name the tests use, for the scripts
that run them outside pytest (make demo, make standins, make bench).

The stand-ins are not part of the collection a user installs; the collection these scripts run is the one
installed from the tarball (ANSIBLE_COLLECTIONS_PATH, set by the Makefile), which ansible-playbook loads. The name
``ansible_collections.fieldops.snowball`` is given to the checkout through a private link, removed at exit, so
that nothing else on sys.path (an installed copy) answers for it.
"""

import atexit
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def link():
    """Put a private ``ansible_collections/fieldops/snowball`` -> this checkout on sys.path; returns ROOT."""
    source_link = tempfile.mkdtemp(prefix="snowball-source-")
    atexit.register(shutil.rmtree, source_link, True)
    os.makedirs(os.path.join(source_link, "ansible_collections", "fieldops"))
    os.symlink(ROOT, os.path.join(source_link, "ansible_collections", "fieldops", "snowball"))
    sys.path.insert(0, source_link)
    return ROOT
