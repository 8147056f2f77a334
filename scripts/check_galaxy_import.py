# Copyright: fieldops engineering
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make importer`: judge what galaxy-importer said about the tarball, as Galaxy would show it.

Fails unless the log ends with "Importer processing completed successfully", and also when the import
only looks successful: an ERROR or WARNING line (galaxy-importer logs a failed ansible-doc run, or a
dependency file of meta/execution-environment.yml it cannot find, and goes on), a module or plugin
without documentation in the result, or the role without its README.

Usage: check_galaxy_import.py IMPORTER_LOG IMPORTER_RESULT_JSON
"""

import json
import sys

SUCCESS = "Importer processing completed successfully"
DOCUMENTED = ("module", "filter", "lookup")


def problems(log_lines, result):
    found = []
    if not log_lines or log_lines[-1].strip() != SUCCESS:
        found.append("the log does not end with %r" % SUCCESS)
    found.extend("importer said: %s" % line for line in log_lines if line.startswith(("ERROR", "WARNING")))
    if result is None:
        return found
    for content in result["docs_blob"]["contents"]:
        kind, name = content["content_type"], content["content_name"]
        if kind in DOCUMENTED and not (content.get("doc_strings") or {}).get("doc"):
            found.append("%s %s has no documentation on Galaxy" % (kind, name))
        if kind == "role" and not content.get("readme_html"):
            found.append("role %s has no README on Galaxy" % name)
    if not any(content["content_type"] == "module" for content in result["docs_blob"]["contents"]):
        found.append("no module found in the import result")
    return found


def main(log_path, result_path):
    with open(log_path, encoding="utf-8") as handle:
        log_lines = [line.rstrip("\n") for line in handle if line.strip()]
    try:
        with open(result_path, encoding="utf-8") as handle:
            result = json.load(handle)
    except FileNotFoundError:
        result = None
    found = problems(log_lines, result)
    for problem in found:
        print("galaxy import: " + problem)
    if found:
        return 1
    print("galaxy import: completed, every module, filter and lookup documented, role README rendered")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
