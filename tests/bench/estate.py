"""The simulated estate of the benchmark: device images, the snmpd instances that serve them, and
the list of OIDs each device type is polled for, turned into the configuration of each poller
(vigie-agent, collectd's snmp plugin, snmp_exporter).

Three device types, each a recording of the demo estate (demo/snmprec, written for the project)
with its tables grown to a realistic size:

  ups      RFC 1628 UPS-MIB, three-phase: input, output and bypass tables of 3 lines
  pdu      APC rack PDU (PowerNet-MIB rPDU2), 16 metered and switched outlets
  cooling  Stulz WIB 8000 gateway in front of 7 cooling units (one table row per unit)

Every device is served by a real Net-SNMP snmpd, one process per device type listening on the UDP
ports of all the devices of that type, with static values (`override` directives): snmpd answers in
tens of microseconds, so the pollers, not the simulator, are what is measured."""

import http.client
import os
import re
import socket
import subprocess
import time

import yaml

SNMPREC_TYPES = {'2': 'integer', '4': 'octet_str', '6': 'object_id', '64': 'ipaddress', '65': 'counter',
                 '66': 'unsigned', '67': 'timeticks', '70': 'counter64'}

# type: (demo recording, profile vigie detects, table growth)
DEVICE_TYPES = {
    'ups': ('nro-doullens-ups', 'ups-rfc1628'),
    'pdu': ('italie-pdu-a', 'pdu-apc-rpdu2'),
    'cooling': ('nro-doullens-clim', 'cooling-stulz-wib8000'),
}
SYS_UPTIME = '1.3.6.1.2.1.1.3.0'  # left to snmpd itself: a live, growing uptime


def _read_snmprec(path):
    recs = {}
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if not line or line.startswith('#'):
            continue
        oid, typ, val = line.split('|', 2)
        if typ.endswith(':numeric'):  # snmpsim variation: keep its initial value
            typ = typ.split(':')[0]
            m = re.search(r'initial=(-?\d+)', val)
            val = m.group(1) if m else '0'
        recs[oid] = (typ, val)
    return recs


def _grow_rows(recs, entry, old_index, new_indexes, index_cols=()):
    """Copies the row `old_index` of table `entry` (a single-integer index) to every index of
    `new_indexes`: strings get the row number appended, index columns take the new index, numbers move
    a little from row to row."""
    old = '.' + old_index
    for oid, (typ, val) in list(recs.items()):
        if not oid.startswith(entry + '.') or not oid.endswith(old):
            continue
        col = oid[len(entry) + 1:-len(old)]
        if '.' in col:
            continue
        for k, idx in enumerate(new_indexes, start=1):
            nval = val
            if int(col) in index_cols:  # the row's own number (single-integer indexes)
                nval = idx
            elif typ == '4':
                nval = '%s %d' % (val, k + 1)
            elif typ in ('2', '65', '66', '70') and int(val) > 20:
                nval = str(int(val) + (k % 3) - 1)
            recs['%s.%s.%s' % (entry, col, idx)] = (typ, nval)


def device_records(srcdir, kind):
    """The (OID -> (snmprec type, value)) image of one device type."""
    name, _ = DEVICE_TYPES[kind]
    recs = _read_snmprec(os.path.join(srcdir, 'demo', 'snmprec', name + '.snmprec'))
    if kind == 'ups':
        for lines in ('1.3.6.1.2.1.33.1.3.2.0', '1.3.6.1.2.1.33.1.4.3.0', '1.3.6.1.2.1.33.1.5.2.0'):
            recs[lines] = ('2', '3')
        for entry in ('1.3.6.1.2.1.33.1.3.3.1', '1.3.6.1.2.1.33.1.4.4.1', '1.3.6.1.2.1.33.1.5.3.1'):
            _grow_rows(recs, entry, '1', ['2', '3'], index_cols=(1,))
    elif kind == 'pdu':
        outlets = [str(i) for i in range(9, 17)]
        _grow_rows(recs, '1.3.6.1.4.1.318.1.1.26.9.2.3.1', '1', outlets, index_cols=(1, 4))
        _grow_rows(recs, '1.3.6.1.4.1.318.1.1.26.9.4.3.1', '1', outlets, index_cols=(1, 4))
    elif kind == 'cooling':
        units = ['1.%d.1' % a for a in range(2, 8)]
        for oid in [o for o in recs if o.startswith('1.3.6.1.4.1.29462.10.2.') and o.endswith('.1.1.1')]:
            typ, val = recs[oid]
            for k, idx in enumerate(units, start=1):  # the units differ a little from each other
                nval = str(int(val) + (k % 3) - 1) if typ in ('2', '66') and int(val) > 20 else val
                recs[oid[:-len('1.1.1')] + idx] = (typ, nval)
        label = '1.3.6.1.4.1.29462.10.1.1.6.1.1.393221'
        typ, val = recs[label + '.1.1']
        for a in range(2, 8):
            recs['%s.1.%d' % (label, a)] = (typ, '%s %d' % (val, a))
    return recs


def snmpd_conf(recs):
    lines = ['rocommunity public 127.0.0.1']
    for oid, (typ, val) in sorted(recs.items(), key=lambda kv: [int(x) for x in kv[0].split('.')]):
        if oid == SYS_UPTIME or typ not in SNMPREC_TYPES:
            continue
        if typ == '4':
            val = '"%s"' % val.replace('"', "'")
        lines.append('override .%s %s %s' % (oid, SNMPREC_TYPES[typ], val))
    return '\n'.join(lines) + '\n'


# ---- what a device type is polled for ------------------------------------------------------------

def _norm(oid):
    return str(oid).lstrip('.')


def device_plan(srcdir, kind, recs):
    """The OIDs vigie's profiles (generic + the device's) read, restricted to what the device has:
    {'scalars': [(metric, oid)], 'tables': [(metric, column, label_column or None, [filter columns])]}.
    Peers are configured with these: the same values, asked for once each."""
    _, prof = DEVICE_TYPES[kind]
    present = set(recs) | {SYS_UPTIME}
    cols_present = {o.rsplit('.', 1)[0] for o in recs} | {o.rsplit('.', 2)[0] for o in recs} | \
        {o.rsplit('.', 3)[0] for o in recs}
    scalars, tables = [], []
    for pfile in ('generic.yaml', prof + '.yaml'):
        doc = yaml.safe_load(open(os.path.join(srcdir, 'mibs', pfile), encoding='utf-8'))
        for mname, m in doc.get('metrics', {}).items():
            for src in m.get('sources', []):
                if 'oid' in src and _norm(src['oid']) in present:
                    scalars.append((mname, _norm(src['oid'])))
                    break
                if 'column' in src and _norm(src['column']) in cols_present:
                    label = m.get('label', {}).get('column')
                    filters = m.get('filter', [])
                    if isinstance(filters, dict):
                        filters = [filters]
                    fcols = [(_norm(f['column']), [str(v) for v in f.get('values', [])]) for f in filters
                             if 'column' in f and f.get('values') and not f.get('index')]
                    tables.append((mname, _norm(src['column']), _norm(label) if label else None, fcols))
                    break
    return {'scalars': scalars, 'tables': tables}


# ---- ports and processes -------------------------------------------------------------------------

def free_udp_ports(count, start=20000):
    """`count` consecutive free UDP ports on 127.0.0.1, from a random base."""
    import random
    for _ in range(50):
        base = random.randrange(start, 60000 - count)
        socks = []
        try:
            for p in range(base, base + count):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(('127.0.0.1', p))
                socks.append(s)
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
        return list(range(base, base + count))
    raise RuntimeError('no block of %d free UDP ports' % count)


def free_tcp_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p


class BlackHole:
    """UDP ports bound and never read: a device that is there but never answers (a true timeout,
    unlike a closed port, whose ICMP error some SNMP stacks report at once)."""

    def __init__(self, ports):
        self.socks = []
        for p in ports:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(('127.0.0.1', p))
            self.socks.append(s)

    def close(self):
        for s in self.socks:
            s.close()


def start_snmpd(workdir, kind, conf_text, ports, log):
    """One snmpd serving `conf_text` on every port of `ports`; returns the Popen."""
    conf = os.path.join(workdir, 'snmpd-%s.conf' % kind)
    with open(conf, 'w') as f:
        f.write(conf_text)
    persist = os.path.join(workdir, 'snmpd-%s-state' % kind)
    os.makedirs(persist, exist_ok=True)
    env = dict(os.environ, MIBS='', SNMP_PERSISTENT_DIR=persist, SNMPCONFPATH=persist)
    addrs = ','.join('udp:127.0.0.1:%d' % p for p in ports)
    # only the modules needed: the system group, the SNMP counters, the overrides and access control
    cmd = ['snmpd', '-f', '-C', '-c', conf, '-Lf', log, '-p', os.path.join(workdir, 'snmpd-%s.pid' % kind),
           '-I', 'override,system_mib,snmp_mib,vacm_conf,vacm_vars,usmConf', addrs]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def snmp_get(port, oid, timeout=0.5):
    r = subprocess.run(['snmpget', '-v2c', '-c', 'public', '-On', '-Oqv', '-t', str(timeout), '-r', '0',
                        '127.0.0.1:%d' % port, oid], capture_output=True, text=True, env=dict(os.environ, MIBS=''))
    return r.stdout.strip() if r.returncode == 0 else None


def wait_snmpd(port, proc, limit=15):
    end = time.time() + limit
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError('snmpd exited with status %s' % proc.returncode)
        if snmp_get(port, '.1.3.6.1.2.1.1.2.0') is not None:
            return
        time.sleep(0.2)
    raise RuntimeError('snmpd did not answer on port %d' % port)


def snmp_in_pkts(port):
    """snmpInPkts of the snmpd serving `port` (the SNMPv2-MIB snmp group counts every request)."""
    v = snmp_get(port, '.1.3.6.1.2.1.11.1.0')
    return int(v) if v and v.isdigit() else 0


# ---- poller configurations -----------------------------------------------------------------------

def vigie_agent_yaml(agent_id, token, server_url, spool_dir, interval, timeout, retries, devices):
    """devices: [(name, port)]"""
    out = ['agent: %s' % agent_id, 'site: bench', 'server: %s' % server_url, 'token: "%s"' % token,
           'interval: %d' % interval, 'timeout: %g' % timeout, 'retries: %d' % retries,
           'spool_dir: %s' % spool_dir, 'devices:']
    for name, port in devices:
        out.append('  - {name: %s, host: 127.0.0.1, port: %d, community: public}' % (name, port))
    return '\n'.join(out) + '\n'


def _cd_name(metric, kind):
    return '%s_%s' % (kind, metric.replace('.', '_'))


def collectd_conf(plans, devices, interval, timeout, retries, threads, bulk, plugin_dir=None):
    """devices: [(name, port, kind)]. One Data block per value (Type gauge), as collectd's snmp plugin
    is configured in practice: a scalar is one GET; a table column is walked, with the row label
    (outlet name) as type instance where vigie has one."""
    out = ['Interval %d' % interval, 'ReadThreads %d' % threads, 'Hostname "bench"', 'FQDNLookup false',
           'LoadPlugin logfile', '<Plugin logfile>', '  LogLevel warning', '  File stderr', '</Plugin>',
           'LoadPlugin csv', '<Plugin csv>', '  DataDir "stdout"', '  StoreRates false', '</Plugin>',
           'LoadPlugin snmp', '<Plugin snmp>']
    collect = {}
    for kind, plan in plans.items():
        names = []
        for metric, oid in plan['scalars']:
            n = _cd_name(metric, kind)
            out += ['  <Data "%s">' % n, '    Type "gauge"', '    Table false', '    TypeInstance "%s"' % metric,
                    '    Values "%s"' % oid, '  </Data>']
            names.append(n)
        for metric, col, label, filters in plan['tables']:
            n = _cd_name(metric, kind) + '_t'
            out += ['  <Data "%s">' % n, '    Type "gauge"', '    Table true', '    Values "%s"' % col]
            if label and kind == 'pdu':  # same index as the value: collectd can use it
                out.append('    TypeInstanceOID "%s"' % label)
            out.append('    TypeInstancePrefix "%s-"' % metric)
            if filters:  # collectd takes one filter per Data block
                out += ['    FilterOID "%s"' % filters[0][0],
                        '    FilterValues %s' % ' '.join('"%s"' % v for v in filters[0][1])]
            out.append('  </Data>')
            names.append(n)
        collect[kind] = names
    for name, port, kind in devices:
        out += ['  <Host "%s">' % name, '    Address "127.0.0.1:%d"' % port, '    Version 2',
                '    Community "public"', '    Collect %s' % ' '.join('"%s"' % n for n in collect[kind]),
                '    Interval %d' % interval, '    Timeout %g' % timeout, '    Retries %d' % retries,
                '    BulkSize %d' % bulk, '  </Host>']
    out.append('</Plugin>')
    return '\n'.join(out) + '\n'


def snmp_exporter_yaml(plans, timeout, retries, bulk):
    """One module per device type, written by hand in the format prometheus-snmp-exporter 0.21 reads
    (what its generator would produce from MIBs): scalars fetched with GET, tables walked."""
    modules = {}
    for kind, plan in plans.items():
        metrics, walk, get = [], [], []
        for metric, oid in plan['scalars']:
            get.append(oid)
            metrics.append({'name': metric.replace('.', '_'), 'oid': oid[:-2] if oid.endswith('.0') else oid,
                            'type': 'gauge', 'help': metric})
        for metric, col, label, filters in plan['tables']:
            walk.append(col)
            nparts = 3 if kind == 'cooling' else 1
            idx = [{'labelname': 'i%d' % k, 'type': 'gauge'} for k in range(nparts)]
            m = {'name': metric.replace('.', '_'), 'oid': col, 'type': 'gauge', 'help': metric, 'indexes': idx}
            if label:
                walk.append(label)
                m['lookups'] = [{'labels': ['i0'] if nparts == 1 else ['i0', 'i1'], 'labelname': 'label',
                                 'oid': label, 'type': 'DisplayString'}]
            for f, _ in filters:
                walk.append(f)
            metrics.append(m)
        modules['bench_' + kind] = {
            'walk': sorted(set(walk)), 'get': get, 'metrics': metrics, 'version': 2,
            'max_repetitions': bulk, 'retries': retries, 'timeout': '%gs' % timeout,
            'auth': {'community': 'public'}}
    return yaml.safe_dump(modules, sort_keys=False)  # 0.21: modules at the top level


def vigie_healthy(port):
    """True when the vigie-server on 127.0.0.1:port answers its health check."""
    try:
        c = http.client.HTTPConnection('127.0.0.1', port, timeout=2)
        c.request('GET', '/api/v1/health')
        ok = c.getresponse().status == 200
        c.close()
        return ok
    except OSError:
        return False
