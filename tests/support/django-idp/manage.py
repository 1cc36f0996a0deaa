#!/usr/bin/python3
"""Entry point of the test IdP; run with /usr/bin/python3 so Debian's Django and DOT are importable."""
import os
import shutil
import sys
import threading
import time


def exit_when_orphaned(parent_pid):
    # If the test runner dies without stopping us (SIGKILL, crashed worker), don't linger holding a port,
    # and clean up the state dir its exit hook could not.
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    shutil.rmtree(os.environ.get("DJANGO_IDP_STATE_DIR", ""), ignore_errors=True)
    os._exit(0)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "idp.settings")
    threading.Thread(target=exit_when_orphaned, args=(os.getppid(),), daemon=True).start()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
