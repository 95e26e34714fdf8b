#!/usr/bin/python3
"""ont_sweep_snmprec.py OUT [PORTS [ONTS_PER_PORT]] [--full] [--uptime=TICKS]: writes the snmprec of a Huawei SmartAX-like
GPON OLT (what mibs/olt-huawei-smartax.yaml reads) with PORTS PON ports (16) of ONTS_PER_PORT ONTs (128)
each, for tests/integration/ont_sweep.sh. Written at run time: 2,048 ONTs are 20,000 lines.

ONT g (0 from the first port's first ONT) receives -(10 + g/100) dBm (hwGponOntOpticalDdmRxPower in
hundredths of dBm), so that every ONT's value is its own. Its other swept columns (tx power, OLT receive
power, ranging distance) are there, as a device has them, but hold the MIB's "not readable" values
(0x7FFFFFFF, -1): they cost requests, not series. The ONTs' run status column, which olt.ont.online
counts, and so the poll walks whole every cycle, is left out unless --full: its 2,048 series would only
cost the test's server disk. --uptime sets sysUpTime (a lower one than before: the OLT rebooted)."""
import sys

args = [a for a in sys.argv[1:] if not a.startswith('--')]
full = '--full' in sys.argv
uptime = next((a.split('=', 1)[1] for a in sys.argv if a.startswith('--uptime=')), '123456789')
out = args[0]
ports = int(args[1]) if len(args) > 1 else 16
per_port = int(args[2]) if len(args) > 2 else 128

XPON = '1.3.6.1.4.1.2011.6.128.1.1.2'
rows = []


def add(oid, typ, val):
    rows.append((tuple(int(x) for x in oid.split('.')), typ, val))


add('1.3.6.1.2.1.1.1.0', 4, 'Huawei Integrated Access Software (MA5800-X7) (simulated for vigie)')
add('1.3.6.1.2.1.1.2.0', 6, '1.3.6.1.4.1.2011.2.248')
add('1.3.6.1.2.1.1.3.0', 67, uptime)
add('1.3.6.1.2.1.1.5.0', 4, 'olt-sweep')
# PON ports on frame 0, slot 1: ifIndex 0xFA000000 + slot * 8192 + port * 256, as SmartAX numbers them
pon = [4194304000 + 1 * 8192 + p * 256 for p in range(ports)]
uplink = 4194304000 + 9 * 8192
for p, ix in enumerate(pon):
    add(f'1.3.6.1.2.1.2.2.1.3.{ix}', 2, '250')                  # ifType gpon
    add(f'1.3.6.1.2.1.2.2.1.8.{ix}', 2, '1')                    # ifOperStatus up
    add(f'1.3.6.1.2.1.31.1.1.1.1.{ix}', 4, f'GPON 0/1/{p}')      # ifName
    add(f'{XPON}.21.1.10.{ix}', 2, '1')                         # hwGponDeviceOltControlStatus
    add(f'{XPON}.21.1.16.{ix}', 2, str(per_port))               # hwGponDeviceOltControlOntNum
    add(f'{XPON}.23.1.1.{ix}', 2, '41')                         # OLT optics temperature
    add(f'{XPON}.23.1.4.{ix}', 2, str(300 + p))                 # tx power, 0.01 dBm
    add(f'{XPON}.23.1.5.{ix}', 2, '2147483647')                 # rx power: burst mode, not readable
add(f'1.3.6.1.2.1.2.2.1.3.{uplink}', 2, '6')
add(f'1.3.6.1.2.1.2.2.1.8.{uplink}', 2, '1')
add(f'1.3.6.1.2.1.31.1.1.1.1.{uplink}', 4, 'ethernet0/9/0')
for p, ix in enumerate(pon):
    for ont in range(per_port):
        g = p * per_port + ont
        idx = f'{ix}.{ont}'
        if full:
            add(f'{XPON}.46.1.15.{idx}', 2, '1' if g % 10 else '2')   # hwGponDeviceOntControlRunStatus
        add(f'{XPON}.46.1.20.{idx}', 2, '-1')                   # hwGponDeviceOntControlRanging: invalid
        add(f'{XPON}.51.1.3.{idx}', 2, '2147483647')            # ONT tx power: not readable
        add(f'{XPON}.51.1.4.{idx}', 2, str(-(1000 + g)))        # ONT rx power
        add(f'{XPON}.51.1.6.{idx}', 2, '2147483647')            # OLT rx power from the ONT: not readable
rows.sort()
with open(out, 'w') as f:
    for oid, typ, val in rows:
        f.write('.'.join(map(str, oid)) + f'|{typ}|{val}\n')
