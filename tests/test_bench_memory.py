"""The bench's memory figures: a process tree's peaks, children included."""

import subprocess
import sys

from benchmarks.run import TreeMemory

MB = 1024  # kB

# a grandchild that holds 150 MB (written, so resident) until its standard input closes
GRANDCHILD = (
    "import sys; data = b'\\x01' * (150 << 20); print('ready', flush=True); sys.stdin.read()"
)
CHILD = f"""
import subprocess, sys
grandchild = subprocess.Popen([sys.executable, "-c", {GRANDCHILD!r}], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE)
print(grandchild.stdout.readline().decode().strip(), flush=True)
sys.stdin.read()
grandchild.stdin.close()
grandchild.wait()
"""


def test_the_tree_counts_a_grandchilds_memory_and_the_root_its_own():
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert child.stdout.readline() == b"ready\n"
        memory = TreeMemory(child.pid)
        memory.poll()
    finally:
        child.stdin.close()
        child.wait()
    assert memory.peak_kb >= 150 * MB
    # at its first poll the tree is at its peak: its PSS is read, the grandchild's 150 MB its own
    assert memory.pss_kb >= 150 * MB
    assert memory.own_kb < 100 * MB  # the root's own high-water mark, not its tree's
