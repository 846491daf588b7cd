"""The local stack exits within its deadline of a SIGTERM even when its main thread is stuck in
C code and never runs the Python-level handler (how a stop during start-up once hung)."""
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

STUCK_MAIN = textwrap.dedent("""
    import signal, threading
    import local.__main__ as entry

    entry.STOP_DEADLINE_SECONDS = 0.5

    class Stack:
        def kill_children(self):
            print("children killed", flush=True)

    # A handler that stops nothing: whether or not the main thread runs it before it blocks,
    # only the deadline can end this process.
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    entry._enforce_stop_deadline(Stack())
    # Only the watcher thread (started above) can now receive SIGTERM: the main thread never
    # wakes for it, exactly as when the kernel picks another thread.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    print("stuck", flush=True)
    lock = threading.Lock()
    lock.acquire()
    lock.acquire()  # forever, in C
""")


def test_a_stuck_main_thread_still_exits_after_the_deadline():
    process = subprocess.Popen([sys.executable, "-c", STUCK_MAIN], cwd=REPO_ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert process.stdout.readline() == "stuck\n"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert "children killed" in process.stdout.read()
    finally:
        process.kill()
