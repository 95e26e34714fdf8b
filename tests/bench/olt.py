"""The OLT section of the benchmark (issue 17): one GPON OLT of 2,048 ONTs, polled by vigie-agent with
its per-ONT slow sweep (at the default sweep_requests and at a larger one), by vigie-agent with the sweep
off, and by collectd's snmp plugin reading the same OIDs.

The OLT is a Huawei SmartAX MA5800-like recording written by tests/integration/ont_sweep_snmprec.py
(16 PON ports of 128 ONTs, with the ONTs' run status: --full), every value made readable (the
generator leaves tx power, OLT receive power and ranging distance at the MIB's "not readable" values,
which vigie drops as absent but collectd would store): so every poller stores the same values. It is
served as the other sections' devices are, by one Net-SNMP snmpd with static `override` values (its
10,400 OIDs start in under a second and a walk of them all takes 0.1 s: no need for snmpsimd, whose
Python answers would weigh in the pollers' cycle).

Figures, over --olt-cycles measured cycles after a warm-up one, every --olt-interval seconds:
  values per cycle, CPU s per 1,000 values (and per cycle) of the poller's process;
  SNMP requests per cycle: snmpd's snmpInPkts (SNMPv2-MIB) over the measured cycles, for every poller
    (the agent's own count, logged per cycle with the sweep, is given beside it);
  cycles per pass over the 2,048 ONTs: the agent's "pass N complete in M cycles" (the run goes on
    until the first pass is complete); 1 for the pollers that read every ONT each cycle.
The ratios are to vigie-agent with its sweep at the default budget."""

import copy
import fnmatch
import os
import re
import shutil
import statistics
import subprocess
import sys

import yaml

import estate

PORTS, ONTS_PER_PORT = 16, 128
ONTS = PORTS * ONTS_PER_PORT
PROFILE = 'olt-huawei-smartax'
XPON = '1.3.6.1.4.1.2011.6.128.1.1.2'
# the generator's "not readable" columns, given values a live OLT has (g: the ONT's number from 0)
READABLE = {
    XPON + '.51.1.3.': lambda g: 150 + g % 120,          # ONT tx power, 0.01 dBm: 1.5 to 2.7 dBm
    XPON + '.51.1.6.': lambda g: 7500 + g % 400,         # OLT rx power: (v - 10000) / 100 dBm, -25 to -21
    XPON + '.46.1.20.': lambda g: 800 + (g * 37) % 19000,  # ranging distance, m
}
PON_RX = XPON + '.23.1.5.'  # the PON port's rx power (burst mode: not readable on the generator's)


def olt_records(srcdir, work):
    """The OLT's image (OID -> (snmprec type, value)), every value readable."""
    path = os.path.join(work, 'olt.snmprec')
    gen = os.path.join(srcdir, 'tests', 'integration', 'ont_sweep_snmprec.py')
    subprocess.run([sys.executable, gen, path, str(PORTS), str(ONTS_PER_PORT), '--full'], check=True)
    recs = estate._read_snmprec(path)
    port_ix = sorted({int(o.rsplit('.', 1)[1]) for o in recs if o.startswith(XPON + '.21.1.16.')})
    for oid, (typ, val) in list(recs.items()):
        for col, value in READABLE.items():
            if oid.startswith(col):
                ix, ont = (int(x) for x in oid[len(col):].split('.'))
                recs[oid] = (typ, str(value(port_ix.index(ix) * ONTS_PER_PORT + ont)))
        if oid.startswith(PON_RX):
            recs[oid] = (typ, '-1650')
    return recs


def olt_plan(srcdir, recs):
    """What vigie reads on the OLT (generic.yaml and the profile), as estate.device_plan gives it for the
    peers: each column once (olt.ont.online counts the run status column olt.ont.status reads: vigie
    computes it, a peer has no such count), a pattern filter as the values of the rows it matches."""
    present = set(recs) | {estate.SYS_UPTIME}
    cols = {o.rsplit('.', n)[0] for o in recs for n in (1, 2)}
    scalars, tables, seen = [], [], set()
    for pfile in ('generic.yaml', PROFILE + '.yaml'):
        doc = yaml.safe_load(open(os.path.join(srcdir, 'mibs', pfile), encoding='utf-8'))
        for mname, m in doc.get('metrics', {}).items():
            for src in m.get('sources', []):
                if 'oid' in src and estate._norm(src['oid']) in present:
                    scalars.append((mname, estate._norm(src['oid'])))
                    break
                col = estate._norm(src.get('column', ''))
                if col not in cols:
                    continue
                if col not in seen and not m.get('aggregate'):
                    seen.add(col)
                    tables.append((mname, col, None, _filters(m, col, recs)))
                break
    return {'scalars': scalars, 'tables': tables}


def _filters(m, col, recs):
    fs = m.get('filter', [])
    out = []
    for f in [fs] if isinstance(fs, dict) else fs:
        fcol = estate._norm(f['column'])
        values = [str(v) for v in f.get('values', [])]
        if f.get('pattern'):
            values = sorted({v for o, (_, v) in recs.items() if o.startswith(fcol + '.')
                             and fnmatch.fnmatchcase(v, f['pattern'])})
        if values and fcol != col:
            out.append((fcol, values))
    return out


def profiles_without_sweep(srcdir, work):
    """A copy of mibs/ whose OLT profile has no `sweep:` key: every ONT read every cycle."""
    dst = os.path.join(work, 'mibs-nosweep')
    shutil.copytree(os.path.join(srcdir, 'mibs'), dst)
    path = os.path.join(dst, PROFILE + '.yaml')
    text = open(path, encoding='utf-8').read()
    text, n = re.subn(r'(?m)^[ \t]+sweep:[^\n]*\n', '', text)
    metrics = yaml.safe_load(text)['metrics']
    if not n or any('sweep' in m for m in metrics.values()):
        raise RuntimeError('%s: could not take its sweep keys out' % path)
    open(path, 'w', encoding='utf-8').write(text)
    return dst


class Olt:
    """The OLT served by one snmpd, with the interface bench.run_collectd expects of an estate."""

    def __init__(self, args, work, h):
        self.recs = olt_records(args.srcdir, work)
        self.plans = {'olt': olt_plan(args.srcdir, self.recs)}
        self.port = estate.free_udp_ports(1)[0]
        self.proc = h.spawn_snmpd(work, 'olt', estate.snmpd_conf(self.recs), [self.port])
        estate.wait_snmpd(self.port, self.proc, limit=60)

    def scenario(self, dead):
        return [('olt', self.port, 'olt')], set()

    def snmpd_pids(self):
        return [self.proc.pid]

    def packets(self):
        """snmpInPkts; the GET that reads it counts too: a difference of two readings has one extra."""
        return estate.snmp_in_pkts(self.port)


SWEEP_LINE = re.compile(r' olt: (\d+) requests, (\d+) of (\d+) for the sweep: (\d+) cells of (\d+) columns, '
                        r'(?:up to row \S+|pass \d+ complete in (\d+) cycles)')
CYCLE_LINE = re.compile(r' cycle at \d+: ')


def run_vigie(args, work, olt, h, tag, profiles, budget):
    """vigie-agent polling the OLT; budget: agent.yaml sweep_requests (None: not set, the default)."""
    sink = h.start_sink()
    url = 'http://127.0.0.1:%d' % sink.server_address[1]
    conf = os.path.join(work, 'agent-olt-%s.yaml' % tag)
    with open(conf, 'w') as f:
        f.write(estate.vigie_agent_yaml('bench-olt', 'bench-token-0123456789', url,
                                        os.path.join(work, 'spool-olt-%s' % tag), args.olt_interval,
                                        args.timeout, args.retries, [('olt', olt.port)]))
        if budget:
            f.write('sweep_requests: %d\n' % budget)
    os.chmod(conf, 0o600)
    p = h.spawn([os.path.join(args.bindir, 'agent', 'vigie-agent'), '-c', conf, '--profiles', profiles,
                 '--log-level', 'debug'], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    r = h.LineReader(p.stderr, keep=lambda l: (' cycle at ' in l or ' error ' in l or 'batch full' in l
                                             or ' for the sweep: ' in l))
    r.start()
    sampler = h.Sampler({'tool': [p.pid], 'snmpd': olt.snmpd_pids()})
    sampler.start()
    k, I = args.olt_cycles, args.olt_interval
    cycles = lambda: [(t, l) for t, l in r.snapshot() if CYCLE_LINE.search(l)]
    sweeps = lambda: [(t, SWEEP_LINE.search(l)) for t, l in r.snapshot() if SWEEP_LINE.search(l)]
    passed = lambda: [int(m.group(6)) for _, m in sweeps() if m.group(6)]
    limit = (k + 2) * I + 60
    h.wait_until(lambda: len(cycles()) >= 1, limit, 'the first vigie-agent cycle')
    pk0 = olt.packets()
    h.wait_until(lambda: len(cycles()) >= 2, limit, 'vigie-agent\'s second cycle')
    swept = bool(sweeps())
    if swept:
        # The window is whole passes over the ONTs (at least k cycles): the pass that starts with the
        # first cycle is cycles 0 to P - 1, so cycles 1 to P hold each of its slices once.
        h.wait_until(lambda: passed(), (args.olt_pass_max + 2) * I + 30, 'the sweep\'s first pass')
        k = passed()[0] * -(-k // passed()[0])
    h.wait_until(lambda: len(cycles()) >= k + 1, (k + 2) * I + 60, 'vigie-agent cycles')
    pk1 = olt.packets()
    sampler.finish()
    h.stop(p)
    sink.shutdown()
    parsed = []  # (line time, values, wall s): "cycle at T: A of N devices answered, V values in X s"
    for t, l in cycles()[:k + 1]:
        words = CYCLE_LINE.split(l, 1)[1].split()
        parsed.append((t, int(words[5]), float(words[8])))
    t0 = parsed[1][0] - parsed[1][2]  # the start of cycle 1; the window ends as cycle k + 1 starts
    t1 = t0 + k * I
    values = sum(v for _, v, _ in parsed[1:])
    cpu = sampler.cpu_between('tool', t0, t1)
    walls = [x for _, _, x in parsed[1:]]
    res = {
        'cycles': k, 'values_per_cycle': values / float(k), 'cpu_per_1000': 1000.0 * cpu / max(values, 1),
        'cpu_ms_per_cycle': 1000.0 * cpu / k, 'cycle_s': statistics.median(walls), 'cycle_max_s': max(walls),
        'rss_mib': sampler.rss_mib('tool'), 'anon_mib': sampler.anon_mib('tool'),
        'snmpd_cpu_ms_per_cycle': 1000.0 * sampler.cpu_between('snmpd', t0, t1) / k,
        'requests_per_cycle': (pk1 - pk0 - 1) / float(k), 'pass_cycles': 1,
        'problems': [l for _, l in r.snapshot() if ' cycle at ' not in l and ' for the sweep: ' not in l][:5],
    }
    if swept:
        # the sweep's lines of cycles 1 to k: each cycle logs its own before its cycle line
        own = [m for t, m in sweeps() if parsed[0][0] < t <= parsed[-1][0]]
        n = float(len(own) or 1)
        res.update({
            'pass_cycles': passed()[0], 'budget': int(own[0].group(3)) if own else None,
            'own_requests_per_cycle': sum(int(m.group(1)) for m in own) / n,
            'sweep_requests_per_cycle': sum(int(m.group(2)) for m in own) / n,
            'swept_columns': int(own[0].group(5)) if own else None,
            'swept_cells_per_cycle': sum(int(m.group(4)) for m in own) / n,
        })
    return res


def run_collectd(args, work, olt, h):
    """collectd's snmp plugin on the OLT: bench.run_collectd, at the section's interval and cycles."""
    a = copy.copy(args)
    a.interval, a.cycles = args.olt_interval, args.olt_cycles
    c = h.run_collectd(a, olt, work, False)
    c['requests_per_cycle'] = c.pop('packets_per_device') - 1.0 / a.cycles  # less the counter's own GET
    c['cpu_ms_per_cycle'] = c['cpu_per_1000'] * c['values_per_cycle']
    c['snmpd_cpu_ms_per_cycle'] = c.pop('snmpd_cpu_per_1000') * c['values_per_cycle']
    c['pass_cycles'], c['cycles'] = 1, a.cycles
    return c


def run(args, work, h):
    """The section's figures: {run: {figure: value}} for the runs sweep, sweep_more, nosweep and collectd,
    with the OLT's sizes. h: bench's helpers (spawn, stop, spawn_snmpd, Sampler, LineReader, wait_until,
    start_sink, run_collectd, log)."""
    olt = Olt(args, work, h)
    plan = olt.plans['olt']
    res = {'onts': ONTS, 'ports': PORTS, 'interval': args.olt_interval, 'cycles': args.olt_cycles,
           'oids': len(olt.recs), 'ref': 'sweep', 'bulk': args.bulk,
           'collectd_blocks': '%d GET, %d Table' % (len(plan['scalars']), len(plan['tables']))}
    mibs = os.path.join(args.srcdir, 'mibs')
    runs = [('sweep', 'vigie', lambda: run_vigie(args, work, olt, h, 'sweep', mibs, None)),
            ('sweep_more', 'vigie', lambda: run_vigie(args, work, olt, h, 'sweep_more', mibs, args.olt_sweep_requests)),
            ('nosweep', 'vigie', lambda: run_vigie(args, work, olt, h, 'nosweep',
                                                   profiles_without_sweep(args.srcdir, work), None)),
            ('collectd', 'collectd', lambda: run_collectd(args, work, olt, h))]
    try:
        for name, tool, fn in runs:
            if tool not in args.tools:
                continue
            h.log('olt: %s' % name)
            try:
                res[name] = fn()
            except Exception as e:  # one run failing must not lose the others' figures
                h.log('olt: %s failed: %s' % (name, e))
                res[name] = {'error': str(e)}
            h.log('  %s' % res[name])
    finally:
        h.stop(olt.proc)
    return res


COLUMNS = (('sweep', 'vigie, sweep'), ('sweep_more', 'vigie, sweep'), ('nosweep', 'vigie, no sweep'),
           ('collectd', 'collectd snmp'))
ROWS = [
    ('values per cycle', 'values_per_cycle', False),
    ('CPU s per 1,000 values', 'cpu_per_1000', True),
    ('CPU ms per cycle', 'cpu_ms_per_cycle', True),
    ('SNMP requests per cycle (1)', 'requests_per_cycle', True),
    ('  the agent\'s own count', 'own_requests_per_cycle', False),
    ('  of which the sweep\'s', 'sweep_requests_per_cycle', False),
    ('cycles per pass over the ONTs (2)', 'pass_cycles', False),
    ('measured cycles', 'cycles', False),
    ('cycle wall time, s (median)', 'cycle_s', True),
    ('cycle wall time, s (longest)', 'cycle_max_s', True),
    ('peak RSS, MiB', 'rss_mib', True),
    ('  of which its own (RssAnon), MiB', 'anon_mib', True),
    ('snmpd CPU ms per cycle', 'snmpd_cpu_ms_per_cycle', True),
]


def table(r, fmt, cell, W0=38, W=20):
    """The OLT section of the benchmark's table, as lines."""
    if r.get('error'):
        return ['', 'OLT: failed: %s' % r['error']]
    out = ['', 'OLT: one Huawei MA5800-like OLT, {:,} ONTs over {} PON ports ({:,} OIDs, one snmpd), interval {} s, '
           'at least {} measured cycles'.format(r['onts'], r['ports'], r['oids'], r['interval'], r['cycles'])]
    cols = [(k, t) for k, t in COLUMNS if k in r]
    ref = r.get(r['ref']) or {}
    head = []
    for k, t in cols:
        b = (r.get(k) or {}).get('budget')
        head.append('%s %s' % (t, b) if b else t)
    out.append(('%-*s' + ' %-*s' * len(cols)) % ((W0, '') + sum(((W, x) for x in head), ())))
    for label, key, ratio in ROWS:
        if not any(key in (r.get(k) or {}) for k, _ in cols):
            continue
        cells = []
        for k, _ in cols:
            d = r.get(k) or {}
            v = d.get(key)
            if key in ('pass_cycles', 'cycles') and v is not None:
                v = '%d' % v
            if d.get('error') and key == 'values_per_cycle':
                v = 'failed'
            cells.append(fmt(v) if k == r['ref'] else cell(v, ref.get(key), ratio))
        out.append(('%-*s' + ' %-*s' * len(cols)) % ((W0, label) + sum(((W, x) for x in cells), ())))
    s = ref
    if s.get('swept_columns'):
        out.append('the sweep reads %s columns (%s cells a cycle at its default budget); the ONTs\' run status is read '
                   'whole' % (s['swept_columns'], fmt(s.get('swept_cells_per_cycle'))))
        out.append('  every cycle, as olt.ont.online counts it per PON port')
    out.append('(1) snmpd\'s snmpInPkts over the measured cycles; the agent\'s own count is that of its "N requests, M '
               'for the sweep" lines')
    out.append('(2) the agent\'s "pass 1 complete in N cycles"; 1 for a poller that reads every ONT every cycle. With the '
               'sweep the')
    out.append('    measured cycles are whole passes, so its figures per cycle are a pass\'s average')
    out.append('sweep N: agent.yaml sweep_requests N (%s: the agent\'s default), requests a cycle for the swept columns'
               % ((r.get('sweep') or {}).get('budget') or '-'))
    out.append('collectd: %s blocks (vigie\'s OIDs, each column once, BulkSize %s); it has no per-port count of ONTs up'
               % (r.get('collectd_blocks'), r.get('bulk', 25)))
    out.append('ratios: to vigie with its sweep at the default budget')
    for k, t in cols:
        d = r.get(k) or {}
        if d.get('error'):
            out.append('Note: %s failed: %s' % (k, d['error']))
        for p in d.get('problems') or []:
            out.append('Note: %s said: %s' % (k, p[:200]))
        if d.get('late_reads'):
            out.append('Note: %s: %d reads missed their round' % (k, d['late_reads']))
    return out
