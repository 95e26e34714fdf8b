"""The checks section of the benchmark (issue 19): one vigie-agent checking --check-targets targets by
ICMP echo, side by side with fping (Debian fping, one `fping -C` run over all targets a cycle, as
SmokePing's FPing probe runs it) and collectd's ping plugin, on the same targets at the same interval.

Targets, local traffic only. Everything runs in a network namespace the benchmark creates and removes
(`ip netns add`):
  answering: --check-targets loopback addresses 127.1.x.y (all of 127/8 is local on Linux: the
    namespace's own kernel answers the echoes);
  silent: --check-dead percent more (10) in 198.18.0.0/16, routed through a veth pair to a second
    namespace (the "gateway", 198.19.255.255/31) that does not forward: the echoes vanish without an
    ICMP error, as those to a dead site do, and each tool waits its timeout for them.
Each tool sends --check-pings echoes (5) per target and cycle, every --check-interval s (30), with a
timeout of --check-timeout s (1):
  vigie-agent: agent.yaml `checks:` (one line per target), check_interval, check_pings, check_timeout;
    its pushes go to a sink inside the namespace (answering 200), which counts the echoes answered
    from the pushed link.loss of every target;
  fping: `fping -C PINGS -q -p 1000/PINGS -t TIMEOUT -i GAP -r 0 -f TARGETS` started every interval (the
    run's wall time is its cycle time; its CPU and peak RSS are the process's, from wait4 and
    /proc/PID/status);
  collectd's ping plugin (liboping, like vigie): `Interval` (its reads) = the interval, and its own
    ping `Interval` = interval / PINGS, so that it sends as many echoes per target and interval; but
    it sends one echo per target per round, its rounds spread over the interval, so it has no cycle
    of PINGS echoes to time. Its answers are counted from the `ping_droprate` values its csv plugin
    writes.
Figures over --check-cycles measured cycles (3) after a warm-up one: CPU ms per 1,000 probes (echoes
sent) and per cycle, peak RSS (VmHWM) and its own part (RssAnon), cycle wall time, and every echo
counted twice: by the namespace's kernel (Icmp OutEchos and InEchoReps of /proc/net/snmp, which only
the tool being measured sends and receives) and as the tool reports it (answered echoes of the
answering targets, lost ones of the silent targets). The ratios are to vigie's."""

import ctypes
import http.server
import json
import os
import re
import statistics
import subprocess
import threading
import time

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


class Netns:
    """The namespace the tools run in, and the gateway namespace that swallows the silent targets'
    echoes. Removed by close() (deleting a namespace removes its veth pair)."""

    def __init__(self, live, dead):
        self.name = 'vigie-bench-%d' % os.getpid()
        self.gw = self.name + '-gw'
        self.live = ['127.1.%d.%d' % (i // 250, i % 250 + 1) for i in range(live)]
        self.dead = ['198.18.%d.%d' % (i // 250, i % 250 + 1) for i in range(dead)]
        self.made = []
        try:
            for ns in (self.name, self.gw):
                self._ip('netns', 'add', ns)
                self.made.append(ns)
            veth = 'vb%d' % (os.getpid() % 100000)
            self._ip('link', 'add', veth + 'a', 'netns', self.name, 'type', 'veth', 'peer', 'name', veth + 'b',
                     'netns', self.gw)
            self._ip('-n', self.name, 'link', 'set', 'lo', 'up')
            self._ip('-n', self.name, 'link', 'set', veth + 'a', 'up')
            self._ip('-n', self.gw, 'link', 'set', veth + 'b', 'up')
            self._ip('-n', self.name, 'addr', 'add', '198.19.255.254/31', 'dev', veth + 'a')
            self._ip('-n', self.gw, 'addr', 'add', '198.19.255.255/31', 'dev', veth + 'b')
            self._ip('-n', self.name, 'route', 'add', '198.18.0.0/16', 'via', '198.19.255.255')
            # the gateway neither forwards nor answers: echoes to 198.18/16 vanish without an ICMP error
            subprocess.run(['ip', 'netns', 'exec', self.gw, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=0'],
                           check=True)
            self.fd = os.open('/run/netns/' + self.name, os.O_RDONLY)
        except Exception:
            self.close()
            raise

    @staticmethod
    def _ip(*a):
        r = subprocess.run(['ip'] + list(a), capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError('ip %s: %s' % (' '.join(a), r.stderr.strip()))

    def enter(self):
        """Moves the calling thread (or a child before its exec) into the namespace."""
        if _libc.setns(self.fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), 'setns %s' % self.name)

    def icmp(self):
        """(echoes sent, echo replies received) by the namespace since it was made."""
        out = subprocess.run(['ip', 'netns', 'exec', self.name, 'cat', '/proc/net/snmp'], capture_output=True,
                             text=True, check=True).stdout
        rows = [l.split()[1:] for l in out.splitlines() if l.startswith('Icmp:')]
        d = dict(zip(rows[0], (int(x) for x in rows[1])))
        return d['OutEchos'], d['InEchoReps']

    def close(self):
        if getattr(self, 'fd', None) is not None:
            os.close(self.fd)
            self.fd = None
        for ns in reversed(self.made):
            subprocess.run(['ip', 'netns', 'del', ns], capture_output=True)
        self.made = []


# ---- vigie-agent -----------------------------------------------------------------------------------

class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_POST(self):
        n = int(self.headers.get('Content-Length', 0))
        self.server.on_body(self.rfile.read(n) if 0 < n <= 16 << 20 else b'')
        body = b'{"agent":"bench-checks","seq":0,"stored":0,"stale":0}'
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


class CountingSink:
    """A push sink inside the namespace (answers 200 as bench's does) that counts, per cycle, the echoes
    answered from each target's link.loss: answered = pings x (100 - loss) / 100."""

    def __init__(self, ns, pings):
        self.pings = pings
        self.answered = {}  # ts -> {device: echoes answered}
        self.lock = threading.Lock()
        box, err = [], []

        def make():  # the listening socket is made by a thread inside the namespace
            try:
                ns.enter()
                srv = _Server(('127.0.0.1', 0), _Handler)
                srv.on_body = self._on_body
                threading.Thread(target=srv.serve_forever, daemon=True).start()
                box.append(srv)
            except Exception as e:
                err.append(e)
        t = threading.Thread(target=make)
        t.start()
        t.join()
        if err:
            raise err[0]
        self.srv = box[0]
        self.url = 'http://127.0.0.1:%d' % self.srv.server_address[1]

    def _on_body(self, body):
        try:
            doc = json.loads(body)
        except ValueError:
            return
        with self.lock:
            for s in doc.get('samples', []):
                if s.get('metric') == 'link.loss':
                    n = int(round(self.pings * (100.0 - s['value']) / 100.0))
                    self.answered.setdefault(s['ts'], {})[s['device']] = n

    def cycle(self, ts):
        with self.lock:
            return dict(self.answered.get(ts, {}))

    def close(self):
        self.srv.shutdown()


def agent_yaml(args, url, spool, targets):
    out = ['agent: bench-checks', 'server: %s' % url, 'token: "bench-token-0123456789"', 'spool_dir: %s' % spool,
           'check_interval: %d' % args.check_interval, 'check_pings: %d' % args.check_pings,
           'check_timeout: %g' % args.check_timeout, 'checks:']
    out += ['  - {name: t%04d, host: %s}' % (i, a) for i, a in enumerate(targets)]
    return '\n'.join(out) + '\n'


CYCLE = re.compile(r' check: cycle at (\d+): (\d+) targets, (\d+) probes, (\d+) answered in ([0-9.]+) s')


def run_vigie(args, work, ns, h):
    k, ivl = args.check_cycles, args.check_interval
    sink = CountingSink(ns, args.check_pings)
    conf = os.path.join(work, 'agent-checks.yaml')
    with open(conf, 'w') as f:
        f.write(agent_yaml(args, sink.url, os.path.join(work, 'spool-checks'), ns.live + ns.dead))
    os.chmod(conf, 0o600)
    p = h.spawn([os.path.join(args.bindir, 'agent', 'vigie-agent'), '-c', conf, '--profiles',
                 os.path.join(args.srcdir, 'mibs'), '--log-level', 'debug'], stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE, preexec_fn=ns.enter)
    r = h.LineReader(p.stderr, keep=lambda l: CYCLE.search(l) or ' error ' in l or ' warn ' in l)
    r.start()
    sampler = h.Sampler({'tool': [p.pid]})
    sampler.start()

    def cycles():
        return [(t, CYCLE.search(l)) for t, l in r.snapshot() if CYCLE.search(l)]
    try:
        limit = (k + 2) * ivl + 60
        h.wait_until(lambda: len(cycles()) >= 1 or p.poll() is not None, limit, 'the first check cycle')
        if p.poll() is not None:
            said = ' / '.join(l for _, l in r.snapshot())
            raise RuntimeError('vigie-agent exited (%s): %s' % (p.returncode, said[:300]))
        icmp0 = ns.icmp()
        h.wait_until(lambda: len(cycles()) >= k + 1 or p.poll() is not None, limit, 'the check cycles')
        icmp1 = ns.icmp()
        time.sleep(1)  # the last cycle's push reaches the sink
    finally:
        sampler.finish()
        h.stop(p)
        sink.close()
    cs = cycles()[:k + 1]
    if len(cs) < k + 1:
        raise RuntimeError('vigie-agent exited after %d cycles' % len(cs))
    meas = cs[1:]
    probes = sum(int(m.group(3)) for _, m in meas)
    cpu = sampler.cpu_between('tool', cs[0][0], cs[-1][0])
    walls = [float(m.group(5)) for _, m in meas]
    live = set('t%04d' % i for i in range(len(ns.live)))
    answered = lost_dead = 0
    for _, m in meas:
        got = sink.cycle(int(m.group(1)))
        answered += sum(n for d, n in got.items() if d in live)
        lost_dead += sum(args.check_pings - n for d, n in got.items() if d not in live)
    res = figures(k, probes, cpu, walls, sampler.rss_mib('tool'), sampler.anon_mib('tool'), icmp0, icmp1,
                  answered, lost_dead)
    res['targets_answered'] = statistics.median(int(m.group(4)) for _, m in meas)
    res['problems'] = [l for _, l in r.snapshot() if not CYCLE.search(l)][:5]
    return res


def figures(k, probes, cpu, walls, rss, anon, icmp0, icmp1, answered, lost_dead):
    return {
        'probes_per_cycle': probes / float(k), 'cpu_per_1000': 1000.0 * 1000.0 * cpu / max(probes, 1),
        'cpu_ms_per_cycle': 1000.0 * cpu / k,
        'cycle_s': statistics.median(walls) if walls else None, 'cycle_max_s': max(walls) if walls else None,
        'rss_mib': rss, 'anon_mib': anon,
        'sent_per_cycle': (icmp1[0] - icmp0[0]) / float(k), 'replies_per_cycle': (icmp1[1] - icmp0[1]) / float(k),
        'answered_per_cycle': answered / float(k), 'dead_lost_per_cycle': lost_dead / float(k),
    }


# ---- fping -----------------------------------------------------------------------------------------

def run_fping(args, work, ns, h):
    """One `fping -C` over every target each interval, as SmokePing's FPing probe does."""
    k, ivl, pings = args.check_cycles, args.check_interval, args.check_pings
    tfile = os.path.join(work, 'fping-targets.txt')
    with open(tfile, 'w') as f:
        f.write('\n'.join(ns.live + ns.dead) + '\n')
    cmd = ['fping', '-C', str(pings), '-q', '-p', '%g' % (1000.0 / pings), '-t', '%g' % (1000 * args.check_timeout),
           '-i', '%g' % args.fping_gap, '-r', '0', '-f', tfile]
    live = set(ns.live)
    runs, hwm, anon = [], 0, 0
    r0 = time.time()
    icmp = []
    for c in range(k + 1):
        while time.time() < r0 + c * ivl:
            time.sleep(0.01)
        if c == 1:
            icmp.append(ns.icmp())
        err = os.path.join(work, 'fping-%d.err' % c)
        start = time.time()
        with open(err, 'w') as ef:
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=ef, preexec_fn=ns.enter)
        while True:  # the peak RSS of fping itself: /proc/PID/status while it runs
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            hwm = max(hwm, h.proc_status_kb(p.pid, 'VmHWM:'))
            anon = max(anon, h.proc_status_kb(p.pid, 'RssAnon:'))
            time.sleep(0.02)
        p.returncode = os.waitstatus_to_exitcode(status)
        wall = time.time() - start
        answered = lost_dead = said = 0
        for line in open(err):
            if ' : ' not in line:
                continue
            host, vals = line.split(' : ', 1)
            vals = vals.split()
            said += len(vals)
            if host.strip() in live:
                answered += sum(1 for v in vals if v != '-')
            else:
                lost_dead += sum(1 for v in vals if v == '-')
        if p.returncode not in (0, 1):  # 1: some targets did not answer (the silent ones)
            raise RuntimeError('fping exited %d: %s' % (p.returncode, open(err).read()[:300]))
        runs.append((wall, ru.ru_utime + ru.ru_stime, answered, lost_dead, said))
    icmp.append(ns.icmp())
    meas = runs[1:]
    probes = sum(x[4] for x in meas)  # the echoes its -C output accounts for, answered or not
    cpu = sum(x[1] for x in meas)
    return figures(k, probes, cpu, [x[0] for x in meas], hwm / 1024.0, anon / 1024.0, icmp[0], icmp[1],
                   sum(x[2] for x in meas), sum(x[3] for x in meas))


# ---- collectd's ping plugin ------------------------------------------------------------------------

def collectd_conf(args, work, targets):
    ping_ivl = float(args.check_interval) / args.check_pings
    out = ['Interval %d' % args.check_interval, 'Hostname "bench"', 'FQDNLookup false',
           'BaseDir "%s"' % os.path.join(work, 'collectd-checks'),
           'PIDFile "%s"' % os.path.join(work, 'collectd-checks.pid'),
           'LoadPlugin logfile', '<Plugin logfile>', '  LogLevel warning', '  File stderr', '</Plugin>',
           'LoadPlugin csv', '<Plugin csv>', '  DataDir "stdout"', '  StoreRates false', '</Plugin>',
           'LoadPlugin ping', '<Plugin ping>']
    out += ['  Host "%s"' % a for a in targets]
    out += ['  Interval %g' % ping_ivl, '  Timeout %g' % args.check_timeout, '</Plugin>']
    return '\n'.join(out) + '\n'


class IcmpSampler(threading.Thread):
    """The namespace's ICMP counters every 20 ms (read by a thread inside it, from /proc/thread-self/net),
    so that they can be read at any instant afterwards."""

    def __init__(self, ns):
        super().__init__(daemon=True)
        self.ns, self.samples, self.halt = ns, [], threading.Event()

    def run(self):
        self.ns.enter()
        while not self.halt.is_set():
            with open('/proc/thread-self/net/snmp') as f:
                rows = [l.split()[1:] for l in f if l.startswith('Icmp:')]
            d = dict(zip(rows[0], (int(x) for x in rows[1])))
            self.samples.append((time.time(), d['OutEchos'], d['InEchoReps']))
            self.halt.wait(0.02)

    def at(self, t):
        """(echoes sent, replies received) at time t: the last reading at or before it."""
        best = self.samples[0]
        for x in self.samples:
            if x[0] > t:
                break
            best = x
        return best[1], best[2]


def run_collectd(args, work, ns, h):
    k, ivl, pings = args.check_cycles, args.check_interval, args.check_pings
    os.makedirs(os.path.join(work, 'collectd-checks'), exist_ok=True)
    conf = os.path.join(work, 'collectd-checks.conf')
    with open(conf, 'w') as f:
        f.write(collectd_conf(args, work, ns.live + ns.dead))
    reads = {}  # the read's time (csv) -> [(arrival, host, droprate)]
    lock = threading.Lock()
    line_re = re.compile(r'^PUTVAL bench/ping/ping_droprate-(\S+) interval=\S+ (\d+)(?:\.\d+)?:(\S+)')

    def on_line(line):
        m = line_re.match(line)
        if m:
            try:
                v = float(m.group(3))
            except ValueError:
                return
            with lock:
                reads.setdefault(int(m.group(2)), []).append((time.time(), m.group(1), v))

    icmp = IcmpSampler(ns)
    icmp.start()
    p = h.spawn(['collectd', '-f', '-C', conf], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                preexec_fn=ns.enter)
    h.LineReader(p.stdout, keep=lambda l: False, sink=on_line).start()
    er = h.LineReader(p.stderr, keep=lambda l: 'ping plugin' in l or 'rror' in l)
    er.start()
    sampler = h.Sampler({'tool': [p.pid]})
    sampler.start()
    ntargets = len(ns.live) + len(ns.dead)

    def done():  # the warm-up read and k more, the last one whole (or the next one begun)
        with lock:
            ts = sorted(reads)
            return p.poll() is not None or len(ts) > k + 1 or (len(ts) == k + 1 and len(reads[ts[k]]) >= ntargets)
    try:
        h.wait_until(done, (k + 2) * ivl + 60, 'collectd\'s ping reads', step=0.02)
        if p.poll() is not None:
            said = ' / '.join(l for _, l in er.snapshot())
            raise RuntimeError('collectd exited (%s): %s' % (p.returncode, said[:300]))
        time.sleep(0.1)
    finally:
        sampler.finish()
        icmp.halt.set()
        icmp.join()
        h.stop(p)
    with lock:
        ts = sorted(reads)
        # the window: from the end of the warm-up read (the echoes of the first rounds) to the end of the
        # k-th read after it; its reads' values are those of the rounds within
        t0, t1 = max(x[0] for x in reads[ts[0]]), max(x[0] for x in reads[ts[k]])
        got = [x for t in ts[1:k + 1] for x in reads[t]]
    icmp0, icmp1 = icmp.at(t0), icmp.at(t1)
    live = set(ns.live)
    sent = icmp1[0] - icmp0[0]
    # its reads give a drop rate per target, not counts, and a read may hold one round more or less
    # than another: its echoes answered are the mean answered share of the answering targets' reads
    # times the echoes it sent them (the kernel's count, shared out evenly), its silent targets' alike
    rounds = sent / float(ntargets)
    share = lambda vals: sum(vals) / len(vals) if vals else 0.0
    answered = share([1 - v for _, host, v in got if host in live and v == v]) * len(live) * rounds
    lost_dead = share([v for _, host, v in got if host not in live and v == v]) * len(ns.dead) * rounds
    res = figures(k, sent, sampler.cpu_between('tool', t0, t1), [], sampler.rss_mib('tool'), sampler.anon_mib('tool'),
                  icmp0, icmp1, answered, lost_dead)
    res['ping_interval_s'] = float(ivl) / pings
    res['rounds_per_interval'] = rounds / k
    res['read_sizes'] = [len(reads[t]) for t in ts[:k + 1]]
    res['problems'] = [l for _, l in er.snapshot()][:5]
    return res


# ---- the section ------------------------------------------------------------------------------------

def run(args, work, h):
    """{tool: {figure: value}} for vigie, fping and collectd, with the sizes. h: bench's helpers (spawn,
    stop, Sampler, LineReader, wait_until, proc_status_kb, log)."""
    ndead = int(round(args.check_targets * args.check_dead / 100.0))
    res = {'targets': args.check_targets, 'dead': ndead, 'interval': args.check_interval, 'pings': args.check_pings,
           'timeout': args.check_timeout, 'cycles': args.check_cycles, 'fping_gap_ms': args.fping_gap}
    ns = Netns(args.check_targets, ndead)
    try:
        for name, fn in (('vigie', run_vigie), ('fping', run_fping), ('collectd', run_collectd)):
            if name not in args.tools:
                continue
            h.log('checks: %s' % name)
            load = os.getloadavg()[0]
            try:
                res[name] = fn(args, work, ns, h)
                res[name]['load'] = load
            except Exception as e:  # one tool failing must not lose the others' figures
                h.log('checks: %s failed: %s' % (name, e))
                res[name] = {'error': str(e)}
            h.log('  %s' % json.dumps(res[name]))
    finally:
        ns.close()
    return res


COLUMNS = (('vigie', 'vigie-agent'), ('fping', 'fping -C'), ('collectd', 'collectd ping'))
ROWS = [
    ('echoes sent per cycle (1)', 'sent_per_cycle', False),
    ('  the tool\'s own count', 'probes_per_cycle', False),
    ('echo replies received per cycle (1)', 'replies_per_cycle', False),
    ('echoes answered, as the tool says (2)', 'answered_per_cycle', False),
    ('echoes of silent targets lost (2)', 'dead_lost_per_cycle', False),
    ('CPU ms per 1,000 probes', 'cpu_per_1000', True),
    ('CPU ms per cycle', 'cpu_ms_per_cycle', True),
    ('cycle wall time, s (median) (3)', 'cycle_s', True),
    ('cycle wall time, s (longest)', 'cycle_max_s', True),
    ('peak RSS, MiB', 'rss_mib', True),
    ('  of which its own (RssAnon), MiB', 'anon_mib', True),
]


def table(r, fmt, cell, W0=38, W=20):
    """The checks section of the benchmark's table, as lines."""
    if r.get('error'):
        return ['', 'CHECKS: %s%s' % ('' if r['error'].startswith('not run') else 'failed: ', r['error'])]
    live, dead, pings = r['targets'], r['dead'], r['pings']
    out = ['', 'CHECKS: {:,} answering targets (127.1/16) + {:,} silent ones (198.18/16), {} echoes per target '
           'every {} s, timeout {:g} s, {} measured cycles'.format(live, dead, pings, r['interval'], r['timeout'],
                                                                   r['cycles'])]
    cols = [(k, t) for k, t in COLUMNS if k in r]
    ref = r.get('vigie') or {}

    def row(label, expected, cells):
        fields = (W0, label, 10, expected) + sum(((W, x) for x in cells), ())
        out.append(('%-*s %-*s' + ' %-*s' * len(cells)) % fields)

    row('', 'expected', [t for _, t in cols])
    expect = {'sent_per_cycle': (live + dead) * pings, 'probes_per_cycle': (live + dead) * pings,
              'replies_per_cycle': live * pings, 'answered_per_cycle': live * pings,
              'dead_lost_per_cycle': dead * pings}
    for label, key, ratio in ROWS:
        cells = []
        for k, _ in cols:
            d = r.get(k) or {}
            v = d.get(key)
            if d.get('error'):
                v = 'failed' if key == 'sent_per_cycle' else None
            if k == 'collectd' and key == 'cycle_s':
                v = 'none (3)'
            cells.append(fmt(v) if k == 'vigie' or not ratio else cell(v, ref.get(key), ratio))
        row(label, '{:,}'.format(expect[key]) if key in expect else '', cells)
    out.append('(1) counted by the namespace\'s kernel (Icmp OutEchos, InEchoReps of /proc/net/snmp), where only the '
               'tool measured runs')
    out.append('(2) vigie: from the link.loss it pushes per target; fping: the times its -C output gives, "-" for a '
               'lost echo;')
    out.append('    collectd: the mean of its ping_droprate values per target and read, times the echoes it sent (1)')
    out.append('(3) vigie: its "check: cycle at T: ... in S s" line; fping: the wall time of one `fping -C %d` run '
               '(-i %g ms between' % (pings, r.get('fping_gap_ms', 0)))
    out.append('    echoes); collectd sends one echo per target every %g s (its ping Interval), so as many per target '
               'and' % (float(r['interval']) / pings))
    out.append('    interval, but has no cycle of %d echoes to time: CPU and echoes are per interval' % pings)
    loads = ['%s %.1f' % (t, r[k]['load']) for k, t in cols if 'load' in (r.get(k) or {})]
    if loads:
        out.append('load average (1 min) as each began, on %d cores: %s' % (os.cpu_count(), ', '.join(loads)))
    for k, _ in cols:
        d = r.get(k) or {}
        if d.get('error'):
            out.append('Note: %s failed: %s' % (k, d['error']))
        for p in d.get('problems') or []:
            out.append('Note: %s said: %s' % (k, p[:200]))
    return out
