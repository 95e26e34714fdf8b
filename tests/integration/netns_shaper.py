#!/usr/bin/python3
"""The userspace stand-in for `tc netem` (tests/integration/netns_lib.sh, ns_shape), for kernels built
without sch_netem (some CI and VM kernels): it opens the TUN device NAME in the network namespace it
runs in, and writes every packet the kernel routes into it back, LOSS percent of them dropped and the
rest DELAY milliseconds later, in their order of arrival. What it writes back is routed on as if
received on NAME; netns_lib.sh sends only the shaped destinations through it (policy routing).

    netns_shaper.py NAME DELAY-MS LOSS-PCT SEED

The drops are drawn from a random generator seeded with SEED, so that a run is repeatable. On SIGTERM
it prints `shaper NAME: N packets, D dropped, delay X ms` to stderr and exits 0."""
import fcntl
import heapq
import os
import random
import select
import signal
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def main(argv):
    name, delay, loss, seed = argv[1], float(argv[2]) / 1000.0, float(argv[3]), int(argv[4])
    if not 0 < len(name) < 16 or not 0 <= loss <= 100 or not 0 <= delay <= 10:
        sys.exit('netns_shaper: bad arguments %r' % argv[1:])
    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI))
    rnd = random.Random(seed)
    held, seq, counts = [], 0, [0, 0]

    def bye(*_):
        print('shaper %s: %d packets, %d dropped, delay %g ms' % (name, counts[0], counts[1], delay * 1000),
              file=sys.stderr, flush=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, bye)
    while True:
        now = time.monotonic()
        while held and held[0][0] <= now:
            os.write(fd, heapq.heappop(held)[2])
        wait = max(held[0][0] - now, 0) if held else 1.0
        if not select.select([fd], [], [], wait)[0]:
            continue
        pkt = os.read(fd, 65536)
        counts[0] += 1
        if rnd.random() * 100 < loss:
            counts[1] += 1
            continue
        seq += 1
        heapq.heappush(held, (time.monotonic() + delay, seq, pkt))


if __name__ == '__main__':
    sys.exit(main(sys.argv))
