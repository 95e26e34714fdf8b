#!/usr/bin/env python3
"""vigie benchmark: vigie side by side with collectd and snmp_exporter, on a simulated estate on loopback.

Polling: N devices served by real snmpd processes, polled by vigie-agent, by collectd's snmp plugin and
by prometheus-snmp-exporter (scraped 16-way with curl, as Prometheus would), then the same with a
tenth of the devices dead. Ingest: vigie-server receiving the pushes of many agents, and collectd's
rrdtool plugin writing the same values into the same RRD files. Checks: 1,200 targets checked by ICMP
echo by vigie-agent, fping and collectd's ping plugin, in a network namespace of their own. Reports: a
month of history for 50 sites x 20 devices pushed to vigie-server, then its availability and monthly
report timed. Prints one table, written to tests/bench/results/DATE-HOST.txt (and .json), with a
comparison against the previous result there.

See tests/bench/README.md. Run with `make bench` (or `make bench BENCH_ARGS=--quick`)."""

import argparse
import datetime
import http.server
import json
import os
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import types

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks  # noqa: E402
import estate  # noqa: E402
import ingest  # noqa: E402
import olt  # noqa: E402
import reports  # noqa: E402

CLK_TCK = os.sysconf('SC_CLK_TCK')
NEEDED = {  # program: Debian package
    'snmpd': 'snmpd', 'snmpget': 'snmp', 'collectd': 'collectd-core',
    'prometheus-snmp-exporter': 'prometheus-snmp-exporter', 'curl': 'curl', 'rrdtool': 'rrdtool',
    'rrdcached': 'rrdcached',
}
NEEDED_CHECKS = {'fping': 'fping', 'collectd': 'collectd-core', 'ip': 'iproute2'}  # the checks part's


def log(msg):
    print('[%s] %s' % (time.strftime('%H:%M:%S'), msg), file=sys.stderr, flush=True)


# ---- processes and their counters ----------------------------------------------------------------

PROCS = []


def spawn(cmd, **kw):
    p = subprocess.Popen(cmd, **kw)
    PROCS.append(p)
    return p


def stop(p, sig=signal.SIGTERM, wait=10):
    if p is None or p.poll() is not None:
        return
    p.send_signal(sig)
    try:
        p.wait(wait)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def stop_all():
    for p in PROCS:
        stop(p, wait=5)


def proc_cpu(pid):
    """utime + stime of a process and of its children that ended, in seconds (0 once it is gone)."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return sum(int(x) for x in fields[11:15]) / CLK_TCK
    except (OSError, IndexError):
        return 0.0


def proc_tree(pid):
    """pid and its live descendants (vigie-server's RRD writer is a child process: its CPU counts)."""
    out = [pid]
    try:
        for tid in os.listdir('/proc/%d/task' % pid):
            with open('/proc/%d/task/%s/children' % (pid, tid)) as f:
                for child in f.read().split():
                    out += proc_tree(int(child))
    except OSError:
        pass
    return out


def proc_hwm_kb(pid):
    return proc_status_kb(pid, 'VmHWM:')


def proc_status_kb(pid, key):
    """A memory figure of /proc/PID/status, in kB (0 once the process is gone). VmHWM is the peak RSS,
    which counts the pages of shared libraries the process touched (for vigie-agent, libcrypto, gnutls
    and the other libraries libcurl and Net-SNMP bring: about 10 MiB); RssAnon is the memory the
    process has for itself (heap, stacks), which grows with what it polls."""
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler(threading.Thread):
    """Records the CPU time of groups of processes (with their child processes) every `period` s, and
    their peak RSS, so that CPU over any window can be read afterwards (linear interpolation between
    samples)."""

    def __init__(self, groups, period=0.1):
        super().__init__(daemon=True)
        self.groups = groups  # name -> [pid]
        self.period = period
        self.samples = []  # (t, {name: cpu})
        self.hwm = {name: {} for name in groups}
        self.anon = {name: {} for name in groups}  # peak RssAnon per process
        self.halt = threading.Event()

    def snap(self):
        t = time.time()
        cpu = {}
        for name, tops in self.groups.items():
            pids = [p for top in tops for p in proc_tree(top)]
            cpu[name] = sum(proc_cpu(p) for p in pids)
            for p in pids:
                h = proc_hwm_kb(p)
                if h:
                    self.hwm[name][p] = max(self.hwm[name].get(p, 0), h)
                a = proc_status_kb(p, 'RssAnon:')
                if a:
                    self.anon[name][p] = max(self.anon[name].get(p, 0), a)
        self.samples.append((t, cpu))

    def run(self):
        while not self.halt.is_set():
            self.snap()
            self.halt.wait(self.period)

    def finish(self):
        self.halt.set()
        self.join()
        self.snap()

    def cpu_at(self, name, t):
        s = self.samples
        if not s:
            return 0.0
        if t <= s[0][0]:
            return s[0][1][name]
        for (t0, c0), (t1, c1) in zip(s, s[1:]):
            if t0 <= t <= t1:
                f = (t - t0) / (t1 - t0) if t1 > t0 else 0
                return c0[name] + f * (c1[name] - c0[name])
        return s[-1][1][name]

    def cpu_between(self, name, t0, t1):
        return self.cpu_at(name, t1) - self.cpu_at(name, t0)

    def rss_mib(self, name):
        return sum(self.hwm[name].values()) / 1024.0

    def anon_mib(self, name):
        return sum(self.anon[name].values()) / 1024.0


class LineReader(threading.Thread):
    """Reads a process's output line by line, with the arrival time of each."""

    def __init__(self, stream, keep=None, sink=None):
        super().__init__(daemon=True)
        self.stream, self.keep, self.sink = stream, keep, sink
        self.lines = []
        self.lock = threading.Lock()

    def run(self):
        for raw in self.stream:
            line = raw.decode('utf-8', 'replace') if isinstance(raw, bytes) else raw
            if self.sink:
                self.sink(line)
            if self.keep is None or self.keep(line):
                with self.lock:
                    self.lines.append((time.time(), line.rstrip('\n')))

    def snapshot(self):
        with self.lock:
            return list(self.lines)


def wait_until(cond, limit, what, step=0.1):
    end = time.time() + limit
    while time.time() < end:
        if cond():
            return
        time.sleep(step)
    raise RuntimeError('timed out after %.0f s waiting for %s' % (limit, what))


# ---- the simulated estate ------------------------------------------------------------------------

class Estate:
    def __init__(self, args, work):
        self.args, self.work = args, work
        kinds = list(estate.DEVICE_TYPES)
        n = args.devices
        self.ndead = int(round(n * args.dead / 100.0))
        ports = estate.free_udp_ports(n + self.ndead)
        self.devices = [('dev-%04d' % i, ports[i], kinds[i % len(kinds)]) for i in range(n)]
        self.dead_ports = ports[n:]
        self.records = {k: estate.device_records(args.srcdir, k) for k in kinds}
        self.plans = {k: estate.device_plan(args.srcdir, k, self.records[k]) for k in kinds}
        self.snmpd = {}
        self.first_port = {}
        for k in kinds:
            kports = [p for _, p, kk in self.devices if kk == k]
            self.first_port[k] = kports[0]
            self.snmpd[k] = spawn_snmpd(work, k, estate.snmpd_conf(self.records[k]), kports)
        for k in kinds:
            estate.wait_snmpd(self.first_port[k], self.snmpd[k])
        self.blackhole = estate.BlackHole(self.dead_ports)

    def scenario(self, dead):
        """The device list for a scenario: with `dead`, every tenth device (as many as --dead says)
        points to a port that never answers."""
        if not dead or not self.ndead:
            return list(self.devices), set()
        step = len(self.devices) / float(self.ndead)
        dead_idx = {int(i * step) for i in range(self.ndead)}
        out, dead_names, d = [], set(), 0
        for i, (name, port, kind) in enumerate(self.devices):
            if i in dead_idx:
                port = self.dead_ports[d]
                d += 1
                dead_names.add(name)
            out.append((name, port, kind))
        return out, dead_names

    def snmpd_pids(self):
        return [p.pid for p in self.snmpd.values()]

    def packets(self):
        return sum(estate.snmp_in_pkts(p) for p in self.first_port.values())

    def close(self):
        for p in self.snmpd.values():
            stop(p)
        self.blackhole.close()


def spawn_snmpd(work, kind, conf, ports):
    p = estate.start_snmpd(work, kind, conf, ports, os.path.join(work, 'snmpd-%s.log' % kind))
    PROCS.append(p)
    return p


# ---- a push sink for the agents of the polling runs ----------------------------------------------

class Sink(http.server.ThreadingHTTPServer):
    daemon_threads = True


class SinkHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_POST(self):
        n = int(self.headers.get('Content-Length', 0))
        while n > 0:
            n -= len(self.rfile.read(min(n, 1 << 20)))
        body = b'{"agent":"bench","seq":0,"stored":0,"stale":0}'
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def start_sink():
    srv = Sink(('127.0.0.1', 0), SinkHandler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


# ---- polling runs --------------------------------------------------------------------------------

def lib_floor(args, devices, dead_names, url):
    """Peak RSS, MiB, of tests/bench/lib_floor: Net-SNMP and libcurl initialised, one GET, one POST."""
    prog = os.path.join(args.bindir, 'tests', 'bench', 'lib_floor')
    alive = [p for n, p, _ in devices if n not in dead_names]
    if not os.path.exists(prog) or not alive:
        return None
    r = subprocess.run([prog, '127.0.0.1:%d' % alive[0], 'public', url], capture_output=True, text=True, timeout=60)
    words = r.stdout.split()
    if r.returncode != 0 or len(words) < 2:
        log('lib_floor failed: %s' % (r.stderr.strip() or r.returncode))
        return None
    return int(words[1]) / 1024.0

def run_vigie_agent(args, est, work, dead):
    devices, dead_names = est.scenario(dead)
    sink = start_sink()
    url = 'http://127.0.0.1:%d' % sink.server_address[1]
    groups = [devices[i:i + args.agent_devices] for i in range(0, len(devices), args.agent_devices)]
    agents, readers = [], []
    tag = 'dead' if dead else 'alive'
    for g, devs in enumerate(groups):
        conf = os.path.join(work, 'agent-%s-%d.yaml' % (tag, g))
        with open(conf, 'w') as f:
            f.write(estate.vigie_agent_yaml('bench-%d' % g, 'bench-token-0123456789', url,
                                            os.path.join(work, 'spool-%s-%d' % (tag, g)), args.interval,
                                            args.timeout, args.retries, [(n, p) for n, p, _ in devs]))
        os.chmod(conf, 0o600)
        p = spawn([os.path.join(args.bindir, 'agent', 'vigie-agent'), '-c', conf, '--profiles',
                   os.path.join(args.srcdir, 'mibs'), '--log-level', 'debug'],
                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        r = LineReader(p.stderr, keep=lambda l: ' cycle at ' in l or ' error ' in l or 'batch full' in l)
        r.start()
        agents.append(p)
        readers.append(r)
    sampler = Sampler({'tool': [p.pid for p in agents], 'snmpd': est.snmpd_pids()})
    sampler.start()
    k = args.cycles

    def cycles(r):
        return [(t, l) for t, l in r.snapshot() if re.search(r' cycle at \d+: ', l)]

    limit = (k + 2) * args.interval + 60
    wait_until(lambda: all(len(cycles(r)) >= 1 for r in readers), limit, 'the first vigie-agent cycle')
    pk0 = est.packets()
    wait_until(lambda: all(len(cycles(r)) >= k + 1 for r in readers), limit, 'vigie-agent cycles')
    pk1 = est.packets()
    sampler.finish()
    for p in agents:
        stop(p)
    floor = lib_floor(args, devices, dead_names, url) if not dead else None
    sink.shutdown()
    values, walls, starts = 0, [], []
    for r in readers:
        cs = cycles(r)
        parsed = []
        for t, l in cs[:k + 1]:
            # "cycle at T: A of N devices answered, V values in X s"
            words = re.split(r' cycle at \d+: ', l, 1)[1].split()
            parsed.append((t, int(words[0]), int(words[5]), float(words[8])))
        values += sum(v for _, _, v, _ in parsed[1:])
        walls.append([x for _, _, _, x in parsed[1:]])
        starts.append([t - x for t, _, _, x in parsed])
    # window: from the start of cycle 1 to the start of cycle k + 1 (≈ the end of cycle k's push)
    t0 = min(s[1] for s in starts)
    t1 = t0 + k * args.interval
    cpu = sampler.cpu_between('tool', t0, t1)
    snmpd_cpu = sampler.cpu_between('snmpd', t0, t1)
    per_cycle_wall = [max(w[i] for w in walls) for i in range(k)]
    problems = [l for r in readers for _, l in r.snapshot() if ' cycle at ' not in l]
    return {
        'values_per_cycle': values / k, 'cpu_per_1000': 1000.0 * cpu / max(values, 1),
        'cycle_s': statistics.median(per_cycle_wall), 'cycle_max_s': max(per_cycle_wall),
        'rss_mib': sampler.rss_mib('tool'), 'anon_mib': sampler.anon_mib('tool'),
        'snmpd_cpu_per_1000': 1000.0 * snmpd_cpu / max(values, 1),
        'packets_per_device': (pk1 - pk0) / float(k) / max(len(devices) - len(dead_names), 1),
        'processes': len(agents), 'problems': problems[:5], 'floor_mib': floor,
    }


def run_collectd(args, est, work, dead):
    devices, dead_names = est.scenario(dead)
    tag = 'dead' if dead else 'alive'
    conf = os.path.join(work, 'collectd-%s.conf' % tag)
    with open(conf, 'w') as f:
        f.write(estate.collectd_conf(est.plans, devices, args.interval, args.timeout, args.retries,
                                     args.collectd_threads, args.bulk))
    stamps = {}  # host -> [dispatch time]
    lock = threading.Lock()

    def on_line(line):
        # csv plugin on stdout: "PUTVAL HOST/PLUGIN/TYPE-INSTANCE interval=10.000 EPOCH:VALUE"
        parts = line.split()
        if len(parts) < 3 or parts[0] != 'PUTVAL':
            return
        try:
            ts = float(parts[-1].split(':', 1)[0])
        except ValueError:
            return
        host = parts[1].split('/', 1)[0]
        with lock:
            stamps.setdefault(host, []).append(ts)

    errors = {}  # host -> [time of a failed request] (a dead host: collectd gives up after one timeout)

    def on_err(line):
        if 'snmp plugin: host ' in line:
            host = line.split('snmp plugin: host ', 1)[1].split(':', 1)[0]
            with lock:
                errors.setdefault(host, []).append(time.time())

    p = spawn(['collectd', '-f', '-C', conf], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader = LineReader(p.stdout, keep=lambda l: False, sink=on_line)
    reader.start()
    ereader = LineReader(p.stderr, keep=lambda l: 'snmp plugin' not in l and 'plugin_load' not in l, sink=on_err)
    ereader.start()
    sampler = Sampler({'tool': [p.pid], 'snmpd': est.snmpd_pids()})
    sampler.start()
    k, I = args.cycles, args.interval
    alive = [n for n, _, _ in devices if n not in dead_names]

    def first_t():
        with lock:
            return min((v[0] for v in stamps.values() if v), default=None)

    wait_until(lambda: first_t() is not None, 60, 'collectd\'s first values')
    r0 = first_t() - 0.05  # every host's first read is due at start-up: round r is due at r0 + r * I
    # requests: counted between the rounds (each takes a fraction of the interval), rounds 1 to k
    while time.time() < r0 + 0.6 * I:
        time.sleep(0.05)
    pk0 = est.packets()
    while time.time() < r0 + (k + 0.6) * I:
        time.sleep(0.05)
    pk1 = est.packets()
    while time.time() < r0 + (k + 1) * I + 0.2:
        time.sleep(0.05)
    sampler.finish()
    stop(p)
    reader.join(5)
    with lock:
        allts = {h: sorted(v) for h, v in stamps.items()}
        errs = {h: sorted(v) for h, v in errors.items()}
    rounds = []  # (wall, alive hosts without values in that round)
    for r in range(k + 1):
        lo, hi = r0 + r * I, r0 + (r + 1) * I
        seen = [max((t for t in allts.get(h, []) if lo <= t < hi), default=None) for h in alive]
        gave_up = [max((t for t in errs.get(h, []) if lo <= t < hi), default=None) for h in dead_names]
        ends = [t for t in seen + gave_up if t is not None]
        rounds.append((max(ends) - lo if ends else None, sum(1 for t in seen if t is None)))
    t0, t1 = r0 + I, r0 + (k + 1) * I
    values = sum(1 for v in allts.values() for ts in v if t0 <= ts < t1)
    cpu = sampler.cpu_between('tool', t0, t1)
    snmpd_cpu = sampler.cpu_between('snmpd', t0, t1)
    walls = [w for w, m in rounds[1:] if w is not None]
    late = sum(m for _, m in rounds[1:])
    res = {
        'values_per_cycle': values / float(k), 'cpu_per_1000': 1000.0 * cpu / max(values, 1),
        'cycle_s': statistics.median(walls) if walls and not late else None,
        'cycle_max_s': max(walls) if walls else None,
        'rss_mib': sampler.rss_mib('tool'), 'anon_mib': sampler.anon_mib('tool'),
        'snmpd_cpu_per_1000': 1000.0 * snmpd_cpu / max(values, 1),
        'packets_per_device': (pk1 - pk0) / float(k) / max(len(alive), 1),
        'processes': 1, 'problems': [l for _, l in ereader.snapshot()][:5],
    }
    if late:  # collectd did not keep up: some answering devices got no read in a round
        res['cycle_lower_bound_s'] = float(I)
        res['late_reads'] = late
    return res


def run_snmp_exporter(args, est, work, dead):
    devices, dead_names = est.scenario(dead)
    tag = 'dead' if dead else 'alive'
    conf = os.path.join(work, 'snmp-%s.yml' % tag)
    with open(conf, 'w') as f:
        f.write(estate.snmp_exporter_yaml(est.plans, args.timeout, args.retries, args.bulk))
    port = estate.free_tcp_port()
    p = spawn(['prometheus-snmp-exporter', '--config.file=' + conf, '--web.listen-address=127.0.0.1:%d' % port,
               '--log.level=warn'], stdout=subprocess.DEVNULL, stderr=open(conf + '.log', 'w'))

    def up():
        return subprocess.run(['curl', '-sf', '-o', '/dev/null', 'http://127.0.0.1:%d/metrics' % port]).returncode == 0

    wait_until(up, 30, 'snmp_exporter to listen')
    outdir = os.path.join(work, 'scrape-%s' % tag)
    os.makedirs(outdir, exist_ok=True)
    cfg = os.path.join(work, 'scrape-%s.curl' % tag)
    with open(cfg, 'w') as f:
        for name, dport, kind in devices:
            f.write('url = "http://127.0.0.1:%d/snmp?module=bench_%s&target=127.0.0.1:%d"\n' % (port, kind, dport))
            f.write('output = "%s/%s.prom"\n' % (outdir, name))
    sampler = Sampler({'tool': [p.pid], 'snmpd': est.snmpd_pids()})
    sampler.start()
    k, I = args.cycles, args.interval
    rounds = []
    r0 = time.time()
    pk = []
    for r in range(k + 1):
        due = r0 + r * I
        while time.time() < due:
            time.sleep(0.01)
        pk.append(est.packets())
        start = time.time()
        subprocess.run(['curl', '-s', '--parallel', '--parallel-max', str(args.parallel), '--max-time',
                        str(max(10, args.interval)), '--config', cfg], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        wall = time.time() - start
        values = 0
        for name, _, _ in devices:
            try:
                with open(os.path.join(outdir, name + '.prom')) as f:
                    values += sum(1 for l in f if l and l[0] != '#' and not l.startswith('snmp_scrape_'))
                os.unlink(os.path.join(outdir, name + '.prom'))
            except OSError:
                pass
        rounds.append((start, wall, values))
    pk.append(est.packets())
    t_end = time.time()
    sampler.finish()
    stop(p)
    t0 = rounds[1][0]
    values = sum(v for _, _, v in rounds[1:])
    cpu = sampler.cpu_between('tool', t0, t_end)
    snmpd_cpu = sampler.cpu_between('snmpd', t0, t_end)
    walls = [w for _, w, _ in rounds[1:]]
    return {
        'values_per_cycle': values / float(k), 'cpu_per_1000': 1000.0 * cpu / max(values, 1),
        'cycle_s': statistics.median(walls), 'cycle_max_s': max(walls), 'rss_mib': sampler.rss_mib('tool'),
        'anon_mib': sampler.anon_mib('tool'),
        'snmpd_cpu_per_1000': 1000.0 * snmpd_cpu / max(values, 1),
        'packets_per_device': (pk[-1] - pk[1]) / float(k) / max(len(devices) - len(dead_names), 1),
        'processes': 1,
    }


# ---- the table -----------------------------------------------------------------------------------

def fmt(v, digits=3):
    if v is None:
        return '-'
    if isinstance(v, str):
        return v
    if abs(v) >= 1000:
        return '{:,.0f}'.format(v)
    if abs(v) >= 100:
        return '%.0f' % v
    if abs(v) >= 10:
        return '%.1f' % v
    return ('%.' + str(digits) + 'f') % v if abs(v) < 1 else '%.2f' % v


def cell(v, ref, ratio=True):
    """A peer's figure and its ratio to vigie's (x2.0: the peer's figure is twice vigie's)."""
    if v is None:
        return '-'
    if isinstance(v, str):
        return v
    s = fmt(v)
    if ratio and isinstance(ref, (int, float)) and ref and v:
        s += ' (x%s)' % fmt(v / ref, 2)
    return s


def ingest_table(ing, fmt, cell, W0, W=19):
    """The ingest rows: direct writes (vigie, collectd rrdtool), then through rrdcached (vigie, collectd
    rrdcached); each collectd figure with its ratio to the vigie figure on its left."""
    out = []
    line = lambda *a: out.append(('%-*s' + ' %-*s' * 4) % (W0, a[0], W, a[1], W, a[2], W, a[3], W, a[4]))
    v, c = ing.get('vigie', {}), ing.get('collectd', {})
    vr, cr = ing.get('vigie_rrdcached', {}), ing.get('collectd_rrdcached', {})
    pair = lambda d, p, key, tail='': (fmt(d.get(key)), cell(p.get(key), d.get(key)) + (tail if p.get(key) else ''))
    line('', 'vigie-server', 'collectd rrdtool', 'vigie + rrdcached', 'collectd rrdcached')
    line('values stored per second (1)', *pair(v, c, 'values_per_s'), *pair(vr, cr, 'values_per_s'))
    line('  ... with rrdcached\'s final flush (2)', '', '', *pair(vr, cr, 'flushed_values_per_s'))
    line('CPU s per 1,000 values (3)', *pair(v, c, 'cpu_per_1000'), *pair(vr, cr, 'cpu_per_1000'))
    line('  of which rrdcached', '', '', *pair(vr, cr, 'rrdcached_cpu_per_1000'))
    line('p99 latency per batch, ms', *pair(v, c, 'p99_ms', ' ack'), *pair(vr, cr, 'p99_ms', ' ack'))
    line('p50 latency per batch, ms', *pair(v, c, 'p50_ms', ' ack'), *pair(vr, cr, 'p50_ms', ' ack'))
    line('peak RSS, MiB (4)', *pair(v, c, 'rss_mib'), *pair(vr, cr, 'rss_mib'))
    line('values read back / sent (5)', *(d.get('checked_values', '-') for d in (v, c, vr, cr)))
    line('first push of each agent (creates', '', '', '', '')
    line('  %d files): values per second' % v.get('files', 0), fmt(v.get('create_values_per_s')), '-', '', '')
    line('  p99 latency per batch, ms', fmt(v.get('create_p99_ms')), '-', '', '')
    if vr.get('values_per_s') and c.get('values_per_s'):
        out.append('through rrdcached, vigie-server stores x%s as many values per second as collectd\'s rrdtool plugin '
                   '(x%s with the final flush)' % (fmt(vr['values_per_s'] / c['values_per_s'], 2),
                                                    fmt(vr.get('flushed_values_per_s', 0) / c['values_per_s'], 2)))
    if vr.get('values_per_s'):
        out += [
            '(1) rrdcached columns: values acknowledged, i.e. in rrdcached\'s memory and journal; rrdcached (-w %d) '
            'writes a file' % vr.get('rrdcached_hold_s', 0),
            '    once an hour with all its values; collectd acknowledges a value when queued, its rate counts until '
            'written',
            '(2) the same values over the rounds and the FLUSHALL that writes them all to the files after them '
            '(%s s, %s s)' % (fmt(vr.get('flush_s')), fmt(cr.get('flush_s'))),
            '(3) rrdcached columns: the client\'s CPU and rrdcached\'s own (which does the writing), flush included',
            '(4) rrdcached columns: the client\'s and rrdcached\'s peak RSS added up']
    out += ['(5) every value sent to a sample of %s files, read back from them with rrdtool fetch after each run'
            % v.get('checked_files', '-')]
    if ing.get('vigie_pg') or ing.get('vigie_pair'):
        out += pg_table(ing, fmt, cell, W0, W)
    out += ingest.shards_table(ing, fmt, cell, W0)
    return out


def pg_table(ing, fmt, cell, W0, W):
    """The PostgreSQL rows (issue 22): one server on PostgreSQL and a pair, as ratios to vigie-server on
    SQLite measured in the same run."""
    out = ['', '-- PostgreSQL store (ratios to vigie-server on SQLite above, same run)']
    line = lambda *a: out.append(('%-*s' + ' %-*s' * 3) % (W0, a[0], W, a[1], W + 4, a[2], W + 8, a[3]))
    v, g, p = ing.get('vigie', {}), ing.get('vigie_pg', {}), ing.get('vigie_pair', {})
    row = lambda label, key, ref=None: line(label, fmt(v.get(key)), cell(g.get(key), v.get(ref or key)),
                                            cell(p.get(key), v.get(ref or key)))
    line('', 'SQLite, 1 server', 'PostgreSQL, 1 server', 'pair on PostgreSQL (7)')
    row('values stored per second (by both)', 'values_per_s')
    row('server CPU s per 1,000 values', 'cpu_per_1000')
    if p.get('cpu_per_1000_a'):
        line('  pair: each server', '', '', '%s / %s' % (fmt(p['cpu_per_1000_a']), fmt(p['cpu_per_1000_b'])))
    line('postgres CPU s per 1,000 values', 'in the server', cell(g.get('pg_cpu_per_1000'), v.get('cpu_per_1000')),
         cell(p.get('pg_cpu_per_1000'), v.get('cpu_per_1000')))
    line('all CPU s per 1,000 values', fmt(v.get('cpu_per_1000')),
         cell(g.get('total_cpu_per_1000'), v.get('cpu_per_1000')), cell(p.get('total_cpu_per_1000'), v.get('cpu_per_1000')))
    row('p99 latency per batch, ms (8)', 'p99_ms')
    row('p50 latency per batch, ms', 'p50_ms')
    if p.get('p99_ms_a'):
        line('  pair: p99 of each server', '', '', '%s / %s' % (fmt(p['p99_ms_a']), fmt(p['p99_ms_b'])))
    row('servers\' peak RSS, MiB', 'rss_mib')
    line('PostgreSQL WAL, KiB per 1,000 values', '', fmt(g.get('wal_kib_per_1000')), fmt(p.get('wal_kib_per_1000')))
    line('PostgreSQL commits per batch and server', '', fmt(g.get('pg_commits_per_batch')), fmt(p.get('pg_commits_per_batch')))
    line('PostgreSQL connections held', '', fmt(g.get('pg_connections')), fmt(p.get('pg_connections')))
    line('values read back / sent (5)', v.get('checked_values', '-'), g.get('checked_values', '-'),
         '%s, b %s' % (p.get('checked_values', '-'), p.get('checked_values_b', '-')) if p else '-')
    ok = lambda d: '-' if not d else ('ok' if d.get('db_ok') else 'MISMATCH %s' % d.get('db_batches'))
    line('batches and samples in the database', '', ok(g), ok(p))
    if p.get('roles'):
        out.append('(7) two vigie-servers with cluster: (%s) on one PostgreSQL, own data_dir each; every batch POSTed '
                   'to both at once,' % ', '.join('%s %s' % kv for kv in sorted(p['roles'].items())))
        out.append('    as an agent with server: [a, b]; values per second: values both servers stored; CPU per '
                   '1,000 of those values')
        out.append('(8) pair: from sending a batch until both servers have answered it')
    return out


def build_table(meta, res):
    W0, W = 38, 20
    out = []
    line = lambda a, b, c, d: out.append('%-*s %-*s %-*s %-*s' % (W0, a, W, b, W, c, W, d))
    out.append('vigie benchmark %s on %s (%s cores), vigie %s' % (meta['date'], meta['host'], meta['cores'],
                                                                 meta['version']))
    out.append('command: %s' % meta['command'])
    pol = res.get('polling')
    if pol:
        out.append('')
        out.append('POLLING: %d devices (%s), interval %d s, %d measured cycles, timeout %g s, retries %d'
                   % (meta['devices'], pol['mix'], meta['interval'], meta['cycles'], meta['timeout'], meta['retries']))
        nproc = ((pol.get('alive') or {}).get('vigie') or {}).get('processes')
        if nproc and nproc > 1:
            out.append('vigie-agent: %d processes of at most %d devices each; figures are their sum'
                       % (nproc, meta['agent_devices']))
        line('', 'vigie-agent', 'collectd snmp', 'snmp_exporter')
        for scen, title in (('alive', 'all devices answer'), ('dead', '%d %% of devices dead' % meta['dead'])):
            r = pol.get(scen)
            if not r:
                continue
            v, c, e = r.get('vigie', {}), r.get('collectd', {}), r.get('exporter', {})
            out.append('-- %s' % title)
            rows = [('values per cycle', 'values_per_cycle', False),
                    ('CPU s per 1,000 values', 'cpu_per_1000', True),
                    ('cycle wall time, s (median)', 'cycle_s', True),
                    ('cycle wall time, s (longest)', 'cycle_max_s', True),
                    ('peak RSS, MiB (all processes)', 'rss_mib', True),
                    ('  of which its own (RssAnon), MiB', 'anon_mib', True),
                    ('  libraries alone (lib_floor), MiB (6)', 'floor_mib', False),
                    ('snmpd CPU s per 1,000 values', 'snmpd_cpu_per_1000', True),
                    ('SNMP requests per device and cycle', 'packets_per_device', True)]
            for label, key, ratio in rows:
                vv = v.get(key)
                cc = c.get(key)
                if key == 'cycle_s' and cc is None and c.get('cycle_lower_bound_s'):
                    cc = '> %s' % fmt(c['cycle_lower_bound_s'])
                line(label, fmt(vv), cell(cc, vv, ratio), cell(e.get(key), vv, ratio))
    if res.get('olt'):
        out += olt.table(res['olt'], fmt, cell, W0)
    if res.get('checks'):
        out += checks.table(res['checks'], fmt, cell, W0)
    ing = res.get('ingest')
    if ing:
        out.append('')
        out.append('INGEST: %d agents x %d values (batches of %d values, %d pushes each), step %d s, %d senders'
                   % (meta['agents'], meta['agent_values'], meta['batch'], meta['pushes'], meta['step'],
                      meta['concurrency']))
        out += ingest_table(ing, fmt, cell, W0)
    if res.get('reports'):
        out += reports.table(res['reports'], fmt, W0, W)
    notes = []
    for scen in ('alive', 'dead'):
        for tool, r in ((pol or {}).get(scen) or {}).items():
            if r.get('error'):
                notes.append('%s (%s) failed: %s' % (tool, scen, r['error']))
            for p in r.get('problems') or []:
                notes.append('%s (%s) said: %s' % (tool, scen, p[:200]))
            if r.get('late_reads'):
                notes.append('%s (%s): %d reads of answering devices missed their round' % (tool, scen, r['late_reads']))
    for tool, r in (ing or {}).items():
        if r.get('error'):
            notes.append('ingest %s failed: %s' % (tool, r['error']))
        elif (r.get('stored') != r.get('sent') or len(set(r.get('checked_values', '').split('/'))) != 1
              or len(set(r.get('checked_values_b', '0/0').split('/'))) != 1 or r.get('db_ok') is False):
            notes.append('ingest %s: %s of %s values stored, %s of the values sent to sample files read back'
                         % (tool, r.get('stored'), r.get('sent'), r.get('checked_values')))
    out.append('')
    if any(((pol or {}).get(sc) or {}).get('vigie', {}).get('floor_mib') for sc in ('alive', 'dead')):
        out.append('(6) tests/bench/lib_floor: a program that only initialises Net-SNMP and libcurl as vigie-agent does, '
                   'sends one GET and one POST;')
        out.append('    its peak RSS is the floor of any program linking them (Debian\'s libcurl brings GnuTLS, '
                   'Kerberos, LDAP...)')
    out.append('(xN): the peer\'s figure divided by vigie\'s in this run; for costs, above 1 means vigie spends less.')
    if notes:
        out.append('Notes:')
        out += ['  ' + n for n in notes]
    return '\n'.join(out)


KEY_FIGURES = [
    ('polling', 'alive', 'vigie', 'cpu_per_1000', 'polling CPU s/1,000 values'),
    ('polling', 'alive', 'vigie', 'cycle_s', 'polling cycle, s'),
    ('polling', 'alive', 'vigie', 'rss_mib', 'agent peak RSS, MiB'),
    ('polling', 'alive', 'vigie', 'anon_mib', 'agent own memory (RssAnon), MiB'),
    ('polling', 'dead', 'vigie', 'cycle_s', 'cycle with dead devices, s'),
    ('olt', None, 'sweep', 'cpu_per_1000', 'OLT sweep CPU s/1,000 values'),
    ('olt', None, 'sweep', 'requests_per_cycle', 'OLT sweep requests per cycle'),
    ('olt', None, 'nosweep', 'cpu_per_1000', 'OLT no sweep CPU s/1,000 values'),
    ('checks', None, 'vigie', 'cpu_per_1000', 'checks CPU ms/1,000 probes'),
    ('checks', None, 'vigie', 'cycle_s', 'checks cycle, s'),
    ('checks', None, 'vigie', 'rss_mib', 'checks peak RSS, MiB'),
    ('ingest', None, 'vigie', 'values_per_s', 'ingest values/s'),
    ('ingest', None, 'vigie', 'cpu_per_1000', 'ingest CPU s/1,000 values'),
    ('ingest', None, 'vigie', 'p99_ms', 'ingest p99, ms'),
    ('ingest', None, 'vigie_rrdcached', 'values_per_s', 'ingest via rrdcached values/s'),
    ('ingest', None, 'vigie_pg', 'values_per_s', 'ingest on PostgreSQL values/s'),
    ('ingest', None, 'vigie_pair', 'values_per_s', 'ingest by a pair values/s'),
    ('ingest', None, 'vigie_pair', 'total_cpu_per_1000', 'ingest pair + pg CPU s/1,000'),
    ('ingest', None, 'vigie_rrdcached', 'cpu_per_1000', 'ingest via rrdcached CPU s/1,000'),
    ('reports', 'full', 'availability', 'wall_s', 'reports: availability, s'),
    ('reports', 'full', 'pdf', 'wall_s', 'reports: PDF report, s'),
    ('reports', 'full', 'pdf', 'cpu_s', 'reports: PDF server CPU s'),
    ('reports', 'full', 'html', 'wall_s', 'reports: HTML report, s'),
    ('reports', 'full', 'csv', 'wall_s', 'reports: CSV report, s'),
    ('reports', 'full', 'pdf', 'rss_mib', 'reports: PDF peak RSS, MiB'),
]


def _get(res, sect, scen, tool, key):
    d = res.get(sect) or {}
    if scen:
        d = d.get(scen) or {}
    return (d.get(tool) or {}).get(key)


SIZES = ('devices', 'interval', 'cycles', 'agents', 'agent_values', 'batch', 'step', 'check_targets', 'check_interval')


def previous_result(folder, meta):
    """The latest earlier result of the same sizes, else the latest one: (path, data) or None."""
    found = []
    for f in sorted(os.listdir(folder)):
        if f.endswith('.json'):
            try:
                found.append((os.path.join(folder, f), json.load(open(os.path.join(folder, f)))))
            except (OSError, ValueError):
                pass
    same = [x for x in found if all(x[1].get('meta', {}).get(k) == meta.get(k) for k in SIZES)]
    return (same or found or [None])[-1]


def compare(prev_path, prev, meta, res):
    out = ['', 'Compared with %s (%s):' % (os.path.basename(prev_path), prev['meta'].get('command', '?'))]
    same = all(prev['meta'].get(k) == meta.get(k) for k in SIZES)
    if not same:
        out.append('  (not the same sizes: compare with care)')
    for sect, scen, tool, key, label in KEY_FIGURES:
        a, b = _get(prev['results'], sect, scen, tool, key), _get(res, sect, scen, tool, key)
        if a is None or b is None:
            continue
        ch = (b - a) / a * 100 if a else 0
        if sect == 'reports' and not reports.same_sizes(prev['results'], res):
            label += ' (other sizes)'
        out.append('  %-32s %10s -> %-10s %+6.1f %%' % (label, fmt(a), fmt(b), ch))
    return '\n'.join(out)


# ---- main ----------------------------------------------------------------------------------------

def parse_args(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description='vigie benchmark against collectd and snmp_exporter (see README.md)')
    ap.add_argument('--quick', action='store_true', help='50 devices, 10 agents, 10 report sites, shorter cycles (about 2 minutes)')
    ap.add_argument('--only', choices=['polling', 'olt', 'checks', 'ingest', 'reports'], help='run one part only')
    ap.add_argument('--tools', default='vigie,collectd,exporter,fping',
                    help='pollers to measure, comma-separated (vigie,collectd,exporter,fping; fping: checks only)')
    ap.add_argument('--devices', type=int, help='simulated devices (default 500; 50 with --quick)')
    ap.add_argument('--dead', type=float, default=10, help='percent of devices dead in the second scenario (10)')
    ap.add_argument('--interval', type=int, help='poll interval, s (default 10; 5 with --quick)')
    ap.add_argument('--cycles', type=int, help='measured cycles after a warm-up one (default 3; 2 with --quick)')
    ap.add_argument('--timeout', type=float, default=1, help='SNMP timeout, s (1)')
    ap.add_argument('--retries', type=int, default=0, help='SNMP retries (0)')
    ap.add_argument('--bulk', type=int, default=25, help='GETBULK max-repetitions for collectd and snmp_exporter (25)')
    ap.add_argument('--agent-devices', type=int, default=5000,
                    help='devices per vigie-agent process (5000: one agent for the whole estate)')
    ap.add_argument('--collectd-threads', type=int, default=16, help='collectd ReadThreads (16)')
    ap.add_argument('--parallel', type=int, default=16, help='concurrent scrapes of snmp_exporter (16)')
    ap.add_argument('--olt-interval', type=int, default=5, help='olt: poll interval, s (5)')
    ap.add_argument('--olt-cycles', type=int, help='olt: measured cycles after a warm-up one (default 6; 2 with --quick)')
    ap.add_argument('--olt-sweep-requests', type=int, default=40,
                    help='olt: the larger sweep_requests of the second vigie run (40; the default is the agent\'s)')
    ap.add_argument('--olt-pass-max', type=int, default=60,
                    help='olt: cycles a sweep\'s first pass over the ONTs may take before the run gives up (60)')
    ap.add_argument('--check-targets', type=int, help='checks: answering targets (default 1200; 200 with --quick)')
    ap.add_argument('--check-dead', type=float, default=10, help='checks: silent targets, percent more (10)')
    ap.add_argument('--check-interval', type=int, help='checks: interval, s (default 30; 10 with --quick)')
    ap.add_argument('--check-pings', type=int, default=5, help='checks: echoes per target and cycle (5)')
    ap.add_argument('--check-timeout', type=float, default=1, help='checks: echo timeout, s (1)')
    ap.add_argument('--check-cycles', type=int,
                    help='checks: measured cycles after a warm-up one (default 3; 2 with --quick)')
    ap.add_argument('--fping-gap', type=float, default=0,
                    help='checks: fping -i, ms between two echoes (0: a burst, as liboping sends)')
    ap.add_argument('--agents', type=int, help='pushing agents (default 100; 10 with --quick)')
    ap.add_argument('--agent-values', type=int, default=5000, help='values each agent pushes (5000)')
    ap.add_argument('--batch', type=int, default=125, help='values per push, one per series (125)')
    ap.add_argument('--concurrency', type=int, default=8, help='pushes in flight at once (8)')
    ap.add_argument('--step', type=int, default=60, help='RRD step and the agents\' interval, s (60)')
    ap.add_argument('--no-rrdcached', action='store_true', help='ingest: direct writes only, not through rrdcached')
    ap.add_argument('--no-pg', action='store_true',
                    help='ingest: no PostgreSQL rows (vigie_pg, vigie_pair; run when Debian\'s postgresql is installed)')
    ap.add_argument('--report-sites', type=int, help='reports: sites of the month\'s history (default 50; 10 with --quick)')
    ap.add_argument('--report-devices', type=int, default=20, help='reports: devices per site (20)')
    ap.add_argument('--report-step', type=int, default=600, help='reports: the history\'s poll interval, s (600)')
    ap.add_argument('--report-reps', type=int, help='reports: runs of each timed command (default 3; 2 with --quick)')
    ap.add_argument('--report-small', type=int, default=5, help='reports: sites of the scaling reference (5)')
    ap.add_argument('--builddir', default=os.getcwd(), help='where vigie-agent and vigie-server were built')
    ap.add_argument('--srcdir', default=os.path.dirname(os.path.dirname(here)), help='vigie source tree')
    ap.add_argument('--results', help='results folder (default SRCDIR/tests/bench/results)')
    ap.add_argument('--note', help='said after the version in the table (e.g. which tree was built)')
    ap.add_argument('--no-save', action='store_true', help='print the table only')
    ap.add_argument('--keep', action='store_true', help='keep the work folder')
    a = ap.parse_args(argv)
    q = a.quick
    a.devices = a.devices or (50 if q else 500)
    a.interval = a.interval or (5 if q else 10)
    a.cycles = a.cycles or (2 if q else 3)
    a.olt_cycles = a.olt_cycles or (2 if q else 6)
    a.agents = a.agents or (10 if q else 100)
    a.check_targets = a.check_targets or (200 if q else 1200)
    a.check_interval = a.check_interval or (10 if q else 30)
    a.check_cycles = a.check_cycles or (2 if q else 3)
    a.report_sites = a.report_sites or (10 if q else 50)
    a.report_reps = a.report_reps or (2 if q else 3)
    a.builddir = os.path.abspath(a.builddir)
    a.srcdir = os.path.abspath(a.srcdir)
    a.tools = a.tools.split(',')
    a.results = a.results or os.path.join(a.srcdir, 'tests', 'bench', 'results')
    if a.interval < 5 or a.olt_interval < 5:
        ap.error('--interval must be at least 5 (vigie-agent\'s minimum)')
    if (not 10 <= a.check_interval <= 3600 or not 1 <= a.check_pings <= 100
            or a.check_timeout * a.check_pings >= a.check_interval):
        ap.error('--check-interval must be 10 to 3600 s, --check-pings 1 to 100, and pings x timeout under the interval '
                 '(vigie-agent\'s bounds)')
    return a


def check_tools(args):
    needed = dict(NEEDED, **(NEEDED_CHECKS if args.only in (None, 'checks') else {}))
    missing = sorted({pkg for prog, pkg in needed.items() if not shutil.which(prog)})
    try:
        import yaml  # noqa: F401
    except ImportError:
        missing.append('python3-yaml')
    for prog in ('agent/vigie-agent', 'server/vigie-server'):
        if not os.access(os.path.join(args.builddir, prog), os.X_OK):
            sys.exit('bench: %s not built in %s (run make first, or give --builddir)' % (prog, args.builddir))
    if args.only == 'checks' and os.geteuid() != 0:
        sys.exit('bench: --only checks needs root (it makes a network namespace, and ICMP needs raw sockets)')
    if missing:
        sys.exit('bench: missing Debian packages: %s\n  apt-get install --no-install-recommends %s'
                 % (' '.join(missing), ' '.join(missing)))


def version(args):
    """vigie's version, the commit of --srcdir and whether its C sources or profiles have local changes."""
    try:
        out = subprocess.run([os.path.join(args.builddir, 'agent', 'vigie-agent'), '--version'], capture_output=True,
                             text=True).stdout.split()
    except OSError:
        out = []
    v = out[-1] if out else '?'
    git = lambda *a: subprocess.run(['git', '-C', args.srcdir] + list(a), capture_output=True, text=True)
    rev = git('rev-parse', '--short', 'HEAD')
    if rev.returncode == 0 and rev.stdout.strip():
        dirty = git('status', '--porcelain', '--', 'agent', 'lib', 'server', 'mibs').stdout.strip()
        v += ' (%s%s)' % (rev.stdout.strip(), ' + local changes' if dirty else '')
    if args.note:
        v += ', ' + args.note
    return v


def main(argv):
    args = parse_args(argv)
    check_tools(args)
    # the servers it starts read the vocabulary of the source tree (server.yaml mibs_dir's default)
    os.environ.setdefault('VIGIE_MIBS_DIR', os.path.join(os.path.abspath(args.srcdir), 'mibs'))
    work = tempfile.mkdtemp(prefix='vigie-bench-', dir=os.environ.get('TMPDIR', '/tmp'))
    os.chmod(work, 0o755)
    # copies of the programs: a rebuild during the run must not change or remove what is measured
    bindir = os.path.join(work, 'bin')
    for prog in ('agent/vigie-agent', 'server/vigie-server', 'cli/vigie', 'tests/bench/lib_floor'):
        if prog == 'tests/bench/lib_floor' and not os.path.exists(os.path.join(args.builddir, prog)):
            log('tests/bench/lib_floor is not built (make bench builds it): no library floor in the table')
            continue
        os.makedirs(os.path.join(bindir, os.path.dirname(prog)), exist_ok=True)
        shutil.copy2(os.path.join(args.builddir, prog), os.path.join(bindir, prog))
    args.bindir = bindir
    started = time.time()
    now = datetime.datetime.now()
    meta = {
        'date': now.strftime('%Y-%m-%d %H:%M'), 'host': socket.gethostname(), 'cores': os.cpu_count(),
        'version': version(args), 'command': ('bench.py ' + shlex.join(argv)) if argv else 'bench.py',
        'devices': args.devices, 'interval': args.interval, 'cycles': args.cycles, 'timeout': args.timeout,
        'retries': args.retries, 'dead': args.dead, 'agents': args.agents, 'agent_values': args.agent_values,
        'batch': args.batch, 'pushes': max(args.agent_values // args.batch, 1), 'step': args.step,
        'concurrency': args.concurrency, 'agent_devices': args.agent_devices,
    }
    res = {}
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    try:
        if args.only in (None, 'polling'):
            log('polling: starting %d simulated devices' % args.devices)
            est = Estate(args, work)
            try:
                pol = {}
                for dead in (False, True):
                    scen = 'dead' if dead else 'alive'
                    pol[scen] = {}
                    for tool, fn in (('vigie', run_vigie_agent), ('collectd', run_collectd),
                                     ('exporter', run_snmp_exporter)):
                        if tool not in args.tools:
                            continue
                        log('polling (%s): %s' % (scen, tool))
                        try:
                            pol[scen][tool] = fn(args, est, work, dead)
                        except Exception as e:  # one peer failing must not lose the others' figures
                            log('polling (%s): %s failed: %s' % (scen, tool, e))
                            pol[scen][tool] = {'error': str(e)}
                        log('  %s' % json.dumps(pol[scen][tool]))
                res['polling'] = pol
                per_dev = (pol['alive'].get('vigie') or {}).get('values_per_cycle', 0) / float(args.devices)
                pol['mix'] = '%s in turn, %.1f values each on average' % ('/'.join(estate.DEVICE_TYPES), per_dev)
            finally:
                est.close()
        if args.only == 'olt' or (args.only is None and not args.quick):
            log('olt: one OLT of {:,} ONTs'.format(olt.ONTS))
            helpers = types.SimpleNamespace(spawn=spawn, stop=stop, spawn_snmpd=spawn_snmpd, Sampler=Sampler,
                                            LineReader=LineReader, wait_until=wait_until, start_sink=start_sink,
                                            run_collectd=run_collectd, log=log)
            try:
                res['olt'] = olt.run(args, work, helpers)
            except Exception as e:
                log('olt failed: %s' % e)
                res['olt'] = {'error': str(e)}
        if args.only in (None, 'checks'):
            log('checks: %d targets every %d s' % (args.check_targets, args.check_interval))
            meta.update({k: getattr(args, k) for k in ('check_targets', 'check_interval', 'check_pings', 'check_dead')})
            helpers = types.SimpleNamespace(spawn=spawn, stop=stop, Sampler=Sampler, LineReader=LineReader,
                                            wait_until=wait_until, proc_status_kb=proc_status_kb, log=log)
            if os.geteuid() != 0:
                res['checks'] = {'error': 'not run: it needs root (a network namespace, raw ICMP sockets)'}
            else:
                try:
                    res['checks'] = checks.run(args, work, helpers)
                except Exception as e:
                    log('checks failed: %s' % e)
                    res['checks'] = {'error': str(e)}
        if args.only in (None, 'ingest'):
            log('ingest: %d agents x %d values' % (args.agents, args.agent_values))
            try:
                res['ingest'] = ingest.run(args, work, spawn, stop, Sampler, log)
            except Exception as e:
                log('ingest failed: %s' % e)
                res['ingest'] = {'vigie': {'error': str(e)}}
            for tool, r in res['ingest'].items():
                log('  %s: %s' % (tool, json.dumps(r)))
        if args.only in (None, 'reports'):
            log('reports: %d sites x %d devices' % (args.report_sites, args.report_devices))
            try:
                res['reports'] = reports.run(args, work, spawn, stop, log)
            except Exception as e:
                log('reports failed: %s' % e)
                res['reports'] = {'error': str(e)}
    finally:
        stop_all()
        if args.keep:
            log('work folder kept: %s' % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    table = build_table(meta, res)
    table += '\n(run took %.0f s)' % (time.time() - started)
    report = table
    if not args.no_save:
        os.makedirs(args.results, exist_ok=True)
        stem = '%s-%s' % (now.strftime('%Y-%m-%d-%H%M'), socket.gethostname())
        prev = previous_result(args.results, meta)
        if prev:
            report += '\n' + compare(prev[0], prev[1], meta, res)
        with open(os.path.join(args.results, stem + '.txt'), 'w') as f:
            f.write(report + '\n')
        with open(os.path.join(args.results, stem + '.json'), 'w') as f:
            json.dump({'meta': meta, 'results': res}, f, indent=1, sort_keys=True)
        report += '\n\nwritten to %s.txt' % os.path.join(args.results, stem)
    print(report)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
