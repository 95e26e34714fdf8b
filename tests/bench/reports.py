"""Reports part of the benchmark: the month's availability and the monthly SLA report of a large estate.

The history: the last complete calendar month (Europe/Paris) of `sites` sites of `site_devices` devices
each (50 x 20 by default), pushed to a real vigie-server through /api/v1/ingest with each site's agent
token, as an agent replaying its spool would send it (every poll of the month, one sample time per
`step`, a push holding as many polls as fit in 19,000 samples). The server's ingest accepts samples up
to 93 days old (PUSH_MAX_AGE), so the month before the present always goes in. Everything the report
reads is thus written by the server's own code: the RRD files (rrd_store.c), the health runs and the
state events (state.c, db.c). Maintenance windows are declared afterwards through
POST /api/v1/maintenance, as an operator would.

Each site has 20 devices: 2 UPS, 3 cooling units, 2 environment probes, 2 OLTs and 11 PDUs, every one
sending the series the report judges or draws (reachability, the UPS and cooling states, UPS load,
battery charge, supply and return air, room temperature, humidity and leak, PON receive power, PDU
input current). Sites follow a pattern of five (a data center, a point of presence, three NRO
shelters, the kinds' default services) and each gets, from a seeded random generator, what a month
brings: short cooling alarms, a UPS self-test on battery, power cuts (both UPS on battery: the site is
down), hot afternoons, an agent silent for hours, a probe unreachable for a day, a flapping PON port,
devices that fall silent for the rest of the month, and maintenance windows over some of the outages.

Then, with the server idle, each of these is timed `reps` times (median and longest):
  availability   `vigie availability --month M`: every site's figures (GET /api/v1/availability)
  report pdf|html|csv|json   `vigie report --month M --format F`: the full monthly report
with the wall time of the command, the server's CPU seconds (/proc/PID/stat) and its peak RSS (VmHWM,
reset before each command through /proc/PID/clear_refs). The same again with a server.yaml of only
the first `small_sites` sites (5) over the same data: the scaling reference. And the time to just read
the month's data: the SQLite rows (health runs, events, maintenance) with sqlite3, and the hourly
averages of every series the report draws with `rrdtool fetch` (one rrdtool process reading its
commands from standard input)."""

import datetime
import json
import math
import os
import queue
import random
import shutil
import sqlite3
import statistics
import subprocess
import threading
import time
import http.client
import zoneinfo

import estate

TZ = 'Europe/Paris'
MAX_SAMPLES = 19000  # a push holds at most 20,000 (PUSH_MAX_SAMPLES)
ADMIN = 'bench-report-admin-token-0123'
FORMATS = ('pdf', 'html', 'csv', 'json')
SENDERS = 2

# class, names, [(metric, instance, unit)] in the order of a poll
LAYOUT = [
    ('ups', ['ups-1', 'ups-2'], [('device.reachable', '', 'bool'), ('ups.status', '', 'state'),
                                 ('ups.load', '', '%'), ('battery.charge', '', '%')]),
    ('cooling', ['clim-1', 'clim-2', 'clim-3'], [('device.reachable', '', 'bool'), ('cooling.state', '', 'state'),
                                                 ('cooling.supply.temperature', '', 'degC'),
                                                 ('cooling.return.temperature', '', 'degC')]),
    ('env', ['env-1', 'env-2'], [('device.reachable', '', 'bool'), ('env.temperature', '0', 'degC'),
                                 ('env.humidity', '0', '%RH'), ('env.leak', '0', 'state')]),
    ('olt', ['olt-1', 'olt-2'], [('device.reachable', '', 'bool'), ('olt.pon.rx.power', '0/1/1', 'dBm'),
                                 ('olt.pon.rx.power', '0/1/2', 'dBm')]),
    ('pdu', ['pdu-%02d' % i for i in range(1, 12)], [('device.reachable', '', 'bool'), ('input.current', 'L1', 'A')]),
]
PROFILES = {'ups': 'ups-rfc1628', 'cooling': 'cooling-stulz-wib8000', 'env': 'env-akcp-sensorprobe',
            'olt': 'olt-huawei-smartax', 'pdu': 'pdu-apc-rpdu2'}
# what report_render.c draws: (class, metric)
GRAPHED = {('env', 'env.temperature'), ('ups', 'ups.load'), ('ups', 'battery.charge'),
           ('cooling', 'cooling.supply.temperature'), ('cooling', 'cooling.return.temperature'),
           ('olt', 'olt.pon.rx.power')}
KINDS = ['datacenter', 'pop', 'nro', 'nro', 'nro']


def devices_of_site(n):
    """The first n devices of the layout, taken class by class in turn so that a smaller site keeps
    the mix: (name, class, series)."""
    pools = [[(name, cls, series) for name in names] for cls, names, series in LAYOUT]
    out = []
    while len(out) < n and any(pools):
        for p in pools:
            if p and len(out) < n:
                out.append(p.pop(0))
    return out


def previous_month(now=None):
    """(label, from, to): the last complete calendar month in Europe/Paris."""
    tz = zoneinfo.ZoneInfo(TZ)
    d = datetime.datetime.fromtimestamp(now or time.time(), tz)
    first = d.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    prev = (first - datetime.timedelta(days=1)).replace(day=1)
    return prev.strftime('%Y-%m'), int(prev.timestamp()), int(first.timestamp())


class Site:
    """One site's month: its devices and what happens to them, from a random generator seeded with
    the site's number (the same every run)."""

    def __init__(self, i, ndev, t0, t1, step):
        self.i, self.step = i, step
        self.id = 'site-%03d' % i
        self.kind = KINDS[i % 5]
        self.agent = 'agent-%03d' % i
        self.token = 'bench-report-token-%03d-0123456789' % i
        self.devices = devices_of_site(ndev)
        rnd = random.Random(1000 + i)
        step_align = lambda t: t - (t - t0) % step
        at = lambda lo=0.0, hi=1.0: step_align(t0 + int((t1 - t0) * rnd.uniform(lo, hi)))
        self.crit = {}     # device -> [(start, end, cause metric)]: the device's state is critical
        self.unreach = {}  # device -> [(start, end)]: device.reachable 0, nothing else
        self.silent = {}   # device -> start: no sample from then on
        self.hot = []      # (start, end): env-1 above the site's threshold
        self.nodata = []   # (start, end): the agent pushes nothing (its link is down)
        self.windows = []  # (service or '', start, end, reason)
        self.flap = []     # (device, start, end): critical on every other poll
        names = {d[1]: [n for n, c, _ in self.devices if c == d[1]] for d in self.devices}
        add = lambda table, dev, span: table.setdefault(dev, []).append(span)
        p = i % 5
        clim, ups, env, olt, pdu = (names.get(c, []) for c in ('cooling', 'ups', 'env', 'olt', 'pdu'))
        for _ in range(rnd.randint(2, 4)):  # short cooling alarms
            if clim:
                s = at()
                add(self.crit, rnd.choice(clim), (s, s + step * rnd.randint(1, 3)))
        if ups:  # a UPS self-test: one poll on battery, the other UPS holds the load
            s = at()
            add(self.crit, rnd.choice(ups), (s, s + step))
        if p in (0, 2) and ups:  # a power cut: every UPS on battery
            s, d = at(0.1, 0.9), step * rnd.randint(2, 8)
            for u in ups:
                add(self.crit, u, (s, s + d))
            if i % 10 == 0:  # announced: inside a maintenance window of the whole site
                self.windows.append(('', s - 1800, s + d + 1800, 'Essai de bascule sur groupe électrogène'))
        if p == 1 and env:  # two hot afternoons
            for _ in range(2):
                s = at(0.05, 0.95)
                s -= (s - t0) % 86400
                s += 14 * 3600
                self.hot.append((s, s + step * rnd.randint(12, 36)))
        if p == 1 and clim:  # a compressor replaced during a declared window, alarming meanwhile
            s = at(0.2, 0.8)
            add(self.crit, clim[0], (s + 900, s + 2700))
            self.windows.append(('cooling', s, s + 3600, 'Remplacement du compresseur de %s' % clim[0]))
        if p == 3:  # the shelter's link is down for hours; a probe unreachable for a day
            s = at(0.1, 0.9)
            self.nodata.append((s, s + 3600 * rnd.randint(2, 6)))
            if len(env) > 1:
                s = at(0.1, 0.9)
                add(self.unreach, env[1], (s, s + 86400))
        if p == 4 and olt:  # a PON port flapping for three hours
            s = at(0.1, 0.9)
            self.flap.append((olt[-1], s, s + 3 * 3600))
        if p == 4 and pdu:  # a PDU card dead from some day on
            self.silent[pdu[-1]] = at(0.1, 0.5)
        if i % 7 == 3 and olt:  # an OLT's management card dead for the end of the month
            self.silent[olt[0]] = at(0.6, 0.9)
        if i % 3 == 2 and env:  # a maintenance of the environment sensors, nothing wrong meanwhile
            s = at(0.1, 0.9)
            self.windows.append(('environment', s, s + 7200, 'Étalonnage des sondes'))
        self.threshold = 35 if self.kind == 'nro' else 27

    @staticmethod
    def _inside(spans, t):
        for s, e, *_ in spans:
            if s <= t < e:
                return True
        return False

    def samples(self, t, wave):
        """The JSON fragments of one poll at time t."""
        if self._inside(self.nodata, t):
            return []
        out = []
        for k, (name, cls, series) in enumerate(self.devices):
            silent = self.silent.get(name)
            if silent is not None and t >= silent:
                continue
            if self._inside(self.unreach.get(name, ()), t):
                out.append('{"device":"%s","metric":"device.reachable","value":0,"unit":"bool","ts":%d}' % (name, t))
                continue
            crit = self._inside(self.crit.get(name, ()), t)
            for f in self.flap:
                if f[0] == name and f[1] <= t < f[2] and (t - f[1]) // self.step % 2:
                    crit = True
            off = (k % 5) * 0.3
            for metric, inst, unit in series:
                text, sev = '', None
                if metric == 'device.reachable':
                    v = 1
                elif metric == 'ups.status':
                    v, text, sev = (5, 'OB', 'critical') if crit else (3, 'OL', 'ok')
                elif metric == 'cooling.state':
                    v, text, sev = (4, 'alarm', 'critical') if crit else (1, 'on', 'ok')
                elif metric == 'env.leak':
                    v, text, sev = 2, 'dry', 'ok'
                elif metric == 'ups.load':
                    v = 30 + off * 10 + 6 * wave
                elif metric == 'battery.charge':
                    v = 97 if crit else 100
                elif metric == 'cooling.supply.temperature':
                    v = 19 + off + 0.6 * wave
                elif metric == 'cooling.return.temperature':
                    v = (38 if crit else 30) + off + 1.5 * wave
                elif metric == 'env.temperature':
                    v = 22 + off + 1.5 * wave
                    if k == 0 and self.kind == 'nro':
                        v += 8
                    if self.hot and self._inside(self.hot, t) and name == 'env-1':
                        v = self.threshold + 2 + wave
                elif metric == 'env.humidity':
                    v = 45 + 4 * wave
                elif metric == 'olt.pon.rx.power':
                    v, sev = (-40, 'critical') if crit and inst.endswith('2') else (-19.5 - off + 0.3 * wave, 'ok')
                else:
                    v = 7 + off + 1.2 * wave
                frag = '{"device":"%s","metric":"%s","instance":"%s","value":%s,"unit":"%s","ts":%d' % (
                    name, metric, inst, ('%.2f' % v) if isinstance(v, float) else v, unit, t)
                if text:
                    frag += ',"text":"%s"' % text
                if sev:
                    frag += ',"severity":"%s"' % sev
                out.append(frag + '}')
        return out

    def devices_json(self):
        return ','.join('{"name":"%s","class":"%s","profile":"%s"}' % (n, c, PROFILES[c]) for n, c, _ in self.devices)


def server_yaml(path, port, data, step, sites):
    with open(path, 'w') as f:
        f.write('listen: 127.0.0.1:%d\ndata_dir: %s\nstep: %d\nsites:\n' % (port, data, step))
        for s in sites:
            f.write('  - {id: %s, name: "Site %03d (%s)", kind: %s, timezone: %s}\n' % (s.id, s.i, s.kind, s.kind, TZ))
        f.write('agents:\n')
        for s in sites:
            f.write('  - {id: %s, site: %s, token: "%s"}\n' % (s.agent, s.id, s.token))
        f.write('api_tokens:\n  - {name: bench, role: admin, token: "%s"}\n' % ADMIN)
    os.chmod(path, 0o600)


class Server:
    def __init__(self, args, work, spawn, conf, name):
        self.port = int(open(conf).readline().rsplit(':', 1)[1])
        self.url = 'http://127.0.0.1:%d' % self.port
        self.log = os.path.join(work, name + '.log')
        self.p = spawn([os.path.join(args.bindir, 'server', 'vigie-server'), '-c', conf, '--log-level', 'warn'],
                       stdout=subprocess.DEVNULL, stderr=open(self.log, 'w'))
        end = time.time() + 30
        while not self.healthy():
            if time.time() > end or self.p.poll() is not None:
                raise RuntimeError('vigie-server did not start: %s' % open(self.log).read()[-500:])
            time.sleep(0.1)

    def healthy(self):
        return estate.vigie_healthy(self.port)

    def cpu(self):
        with open('/proc/%d/stat' % self.p.pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')

    def reset_peak(self):
        """Resets VmHWM to the present RSS (Linux: 5 > /proc/PID/clear_refs). False if not allowed."""
        try:
            with open('/proc/%d/clear_refs' % self.p.pid, 'w') as f:
                f.write('5')
            return True
        except OSError:
            return False

    def status_kb(self, key):
        with open('/proc/%d/status' % self.p.pid) as f:
            for line in f:
                if line.startswith(key + ':'):
                    return int(line.split()[1])
        return 0


def push_history(srv, sites, t0, t1, step, log):
    """Pushes the month of every site, in time order (every site's first push, then every site's
    second...), from SENDERS connections, each owning a share of the sites so that a site's pushes
    stay in order. Returns (samples, pushes, seconds)."""
    polls = list(range(t0, t1, step))
    tzi = zoneinfo.ZoneInfo(TZ)
    waves = {}
    for t in polls:  # a daily wave, coolest at 05:00 local time
        h = datetime.datetime.fromtimestamp(t, tzi)
        waves[t] = math.sin(2 * math.pi * ((h.hour * 3600 + h.minute * 60 - 5 * 3600) / 86400.0) - math.pi / 2)
    per_poll = max(sum(len(series) for _, _, series in s.devices) for s in sites)
    chunk = max(1, MAX_SAMPLES // max(per_poll, 1))
    queues = [queue.Queue(maxsize=4) for _ in range(SENDERS)]
    errors, counts = [], [0, 0]
    lock = threading.Lock()

    def sender(q):
        c = http.client.HTTPConnection('127.0.0.1', srv.port, timeout=600)
        try:
            while True:
                item = q.get()
                if item is None:
                    return
                if errors:
                    continue
                site, body, n = item
                c.request('POST', '/api/v1/ingest', body=body,
                          headers={'Authorization': 'Bearer ' + site.token, 'Content-Type': 'application/json'})
                r = c.getresponse()
                answer = r.read()
                if r.status != 200 or json.loads(answer).get('stored') != n:
                    errors.append('%s: HTTP %d %s' % (site.id, r.status, answer[:300]))
                with lock:
                    counts[0] += n
                    counts[1] += 1
        except Exception as e:  # reported, not hidden
            errors.append(repr(e))
        finally:
            c.close()

    threads = [threading.Thread(target=sender, args=(q,), daemon=True) for q in queues]
    for t in threads:
        t.start()
    seq = {s.id: 0 for s in sites}
    devs = {s.id: s.devices_json() for s in sites}
    start = time.time()
    last_log = start
    try:
        for c0 in range(0, len(polls), chunk):
            for s in sites:
                frags = []
                for t in polls[c0:c0 + chunk]:
                    frags += s.samples(t, waves[t])
                if not frags:
                    continue
                seq[s.id] += 1
                body = ('{"agent":"%s","seq":%d,"devices":[%s],"samples":[%s]}'
                        % (s.agent, seq[s.id], devs[s.id], ','.join(frags))).encode()
                while not errors:
                    try:
                        queues[s.i % SENDERS].put((s, body, len(frags)), timeout=1)
                        break
                    except queue.Full:
                        pass
                if errors:
                    raise RuntimeError('push refused: %s' % errors[0])
            if time.time() - last_log > 30:
                last_log = time.time()
                log('reports: history %d %% (%d samples, %.0f s)'
                    % (100 * (c0 + chunk) // len(polls), counts[0], time.time() - start))
    finally:
        for q in queues:
            q.put(None)
        for t in threads:
            t.join()
    if errors:
        raise RuntimeError('push refused: %s' % errors[0])
    return counts[0], counts[1], time.time() - start


def declare_windows(srv, sites):
    n = 0
    c = http.client.HTTPConnection('127.0.0.1', srv.port, timeout=60)
    for s in sites:
        for service, start, end, reason in s.windows:
            body = {'site': s.id, 'start': start, 'end': end, 'reason': reason}
            if service:
                body['service'] = service
            c.request('POST', '/api/v1/maintenance', body=json.dumps(body).encode(),
                      headers={'Authorization': 'Bearer ' + ADMIN, 'Content-Type': 'application/json'})
            r = c.getresponse()
            answer = r.read()
            if r.status != 201:
                raise RuntimeError('maintenance window for %s refused: %d %s' % (s.id, r.status, answer[:200]))
            n += 1
    c.close()
    return n


def time_command(srv, cmd, env, out_path, reps):
    """Runs cmd `reps` times against the idle server: wall time, the server's CPU seconds and peak RSS
    (VmHWM after a reset), and the command's own CPU."""
    walls, cpus, rss, cli_cpu = [], [], [], []
    size = 0
    for _ in range(reps):
        peak_ok = srv.reset_peak()
        c0 = srv.cpu()
        ch0 = os.times()
        t = time.time()
        r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        wall = time.time() - t
        ch1 = os.times()
        if r.returncode != 0:
            raise RuntimeError('%s: %s' % (' '.join(cmd[1:4]), r.stderr.decode(errors='replace')[-300:]))
        # the server answers, then accounts its CPU: read it once the tick is surely counted
        time.sleep(0.02)
        cpus.append(srv.cpu() - c0)
        walls.append(wall)
        rss.append(srv.status_kb('VmHWM') / 1024.0 if peak_ok else None)
        cli_cpu.append((ch1.children_user - ch0.children_user) + (ch1.children_system - ch0.children_system))
        if out_path and os.path.exists(out_path):
            size = os.path.getsize(out_path)
        elif r.stdout:
            size = len(r.stdout)
    return {
        'wall_s': statistics.median(walls), 'wall_max_s': max(walls),
        'cpu_s': statistics.median(cpus), 'cpu_max_s': max(cpus),
        'rss_mib': max(rss) if all(x is not None for x in rss) else srv.status_kb('VmHWM') / 1024.0,
        'rss_is_peak_of_run': not all(x is not None for x in rss),
        'cli_cpu_s': statistics.median(cli_cpu), 'bytes': size, 'reps': reps,
    }


def measure(args, srv, cli, work, tag, month, reps, log):
    env = dict(os.environ, VIGIE_SERVER=srv.url, VIGIE_TOKEN=ADMIN)
    env.pop('VIGIE_CACERT', None)
    out = {}
    log('reports (%s): vigie availability --month %s, %d times' % (tag, month, reps))
    out['availability'] = time_command(srv, [cli, 'availability', '--month', month], env, None, reps)
    for f in FORMATS:
        path = os.path.join(work, 'report-%s.%s' % (tag, f))
        log('reports (%s): vigie report --month %s --format %s, %d times' % (tag, month, f, reps))
        out[f] = time_command(srv, [cli, 'report', '--month', month, '--format', f, '-o', path], env, path, reps)
    return out


def read_baseline(data, sites, t0, t1, reps):
    """The time to read the month's data without computing anything: the SQLite rows the report
    reads (the sites' devices, health runs and maintenance windows), and the hourly averages of every
    series it draws, fetched with one rrdtool process. Median of `reps`."""
    db = os.path.join(data, 'vigie.db')
    ids = [s.id for s in sites]
    marks = ','.join('?' * len(ids))
    queries = [
        ('SELECT site, member, health, start, last, cause FROM health_runs WHERE site IN (%s) AND last >= ? AND start < ?'
         % marks, ids + [t0, t1]),
        ('SELECT * FROM devices WHERE site IN (%s)' % marks, ids),
        ('SELECT * FROM maintenance WHERE site IN (%s) AND "end" > ? AND start < ?' % marks, ids + [t0, t1]),
    ]
    files = []
    for s in sites:
        for name, cls, series in s.devices:
            for metric, inst, _ in series:
                if (cls, metric) in GRAPHED:
                    p = os.path.join(data, 'rrd', s.id, name, '%s@%s.rrd' % (metric, inst) if inst else metric + '.rrd')
                    if os.path.exists(p):
                        files.append(p)
    cmds = ''.join('fetch %s AVERAGE -r 3600 -s %d -e %d\n' % (p, t0, t1) for p in files).encode()
    sql_t, rrd_t, rows = [], [], 0
    for _ in range(reps):
        t = time.time()
        con = sqlite3.connect('file:%s?mode=ro' % db, uri=True)
        rows = 0
        for q, params in queries:
            try:
                rows += len(con.execute(q, params).fetchall())
            except sqlite3.OperationalError:
                pass  # a table of another name: the row counts say so
        con.close()
        sql_t.append(time.time() - t)
        t = time.time()
        r = subprocess.run(['rrdtool', '-'], input=cmds, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        rrd_t.append(time.time() - t)
        if r.returncode != 0:
            raise RuntimeError('rrdtool fetch failed')
    return {'sqlite_s': statistics.median(sql_t), 'sqlite_rows': rows, 'rrd_fetch_s': statistics.median(rrd_t),
            'rrd_files': len(files)}


def db_counts(data, t0, t1):
    con = sqlite3.connect('file:%s?mode=ro' % os.path.join(data, 'vigie.db'), uri=True)
    out = {}
    for key, q in (('health_runs', 'SELECT count(*) FROM health_runs WHERE last >= ? AND start < ?'),
                   ('events', 'SELECT count(*) FROM events WHERE ts >= ? AND ts < ?')):
        try:
            out[key] = con.execute(q, (t0, t1)).fetchone()[0]
        except sqlite3.OperationalError:
            out[key] = None
    con.close()
    return out


def run(args, work, spawn, stop, log):
    n, ndev, step, reps = args.report_sites, args.report_devices, args.report_step, args.report_reps
    small_n = min(args.report_small, n)
    month, t0, t1 = previous_month()
    sites = [Site(i, ndev, t0, t1, step) for i in range(n)]
    cli = os.path.join(args.bindir, 'cli', 'vigie')
    if not os.access(cli, os.X_OK):  # bench.py copies the CLI with the daemons; older copies did not
        cli = os.path.join(args.builddir, 'cli', 'vigie')
    data = os.path.join(work, 'report-data')
    rwork = os.path.join(work, 'reports')
    os.makedirs(rwork, exist_ok=True)
    res = {'month': month, 'sites': n, 'site_devices': ndev, 'devices': sum(len(s.devices) for s in sites),
           'step': step, 'reps': reps, 'small_sites': small_n, 'load_before': os.getloadavg()[0]}

    conf = os.path.join(rwork, 'server.yaml')
    server_yaml(conf, estate.free_tcp_port(), data, step, sites)
    srv = Server(args, rwork, spawn, conf, 'server-%d' % n)
    try:
        log('reports: pushing %s for %d sites x %d devices (step %d s)' % (month, n, ndev, step))
        c0 = srv.cpu()
        samples, pushes, wall = push_history(srv, sites, t0, t1, step, log)
        res['history'] = {'samples': samples, 'pushes': pushes, 'wall_s': wall, 'values_per_s': samples / wall,
                          'server_cpu_s': srv.cpu() - c0,
                          'windows': declare_windows(srv, sites),
                          'silent_devices': sum(len(s.silent) for s in sites),
                          'rrd_files': sum(len(fs) for _, _, fs in os.walk(os.path.join(data, 'rrd')))}
        log('reports: history pushed: %d samples in %d pushes, %.0f s' % (samples, pushes, wall))
        os.sync()  # the files written back now, not while the reports are timed
        res['history'].update(db_counts(data, t0, t1))
        res['load_before'] = os.getloadavg()[0]  # the 1-minute load as the timing starts: others skew it
        res['full'] = measure(args, srv, cli, rwork, 'full', month, reps, log)
        doc = json.load(open(os.path.join(rwork, 'report-full.json')))
        res['history']['incidents'] = sum(len(s.get('incidents', [])) for s in doc['sites'])
        res['history']['counted_incidents'] = sum((s.get('figures') or {}).get('incidents') or 0 for s in doc['sites'])
        res['full']['pdf']['pages'] = pdf_pages(os.path.join(rwork, 'report-full.pdf'))
    finally:
        stop(srv.p)
    log('reports: reading the month raw (sqlite3, rrdtool fetch)')
    res['read'] = read_baseline(data, sites, t0, t1, reps)
    if small_n < n:
        sconf = os.path.join(rwork, 'server-small.yaml')
        server_yaml(sconf, estate.free_tcp_port(), data, step, sites[:small_n])
        srv = Server(args, rwork, spawn, sconf, 'server-%d' % small_n)
        try:
            res['small'] = measure(args, srv, cli, rwork, 'small', month, reps, log)
        finally:
            stop(srv.p)
        res['read_small'] = read_baseline(data, sites[:small_n], t0, t1, reps)
    return res


def pdf_pages(path):
    if not shutil.which('pdfinfo'):
        return None
    r = subprocess.run(['pdfinfo', path], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        if line.startswith('Pages:'):
            return int(line.split()[1])
    return None


# ---- the table -----------------------------------------------------------------------------------

OPS = [('availability', 'availability, all sites'), ('pdf', 'report PDF'), ('html', 'report HTML'),
       ('csv', 'report CSV'), ('json', 'report JSON')]


def same_sizes(a, b):
    """Whether two results' reports sections measured the same estate."""
    ra, rb = (a or {}).get('reports') or {}, (b or {}).get('reports') or {}
    return all(ra.get(k) == rb.get(k) for k in ('sites', 'site_devices', 'step', 'small_sites'))


def table(r, fmt, W0=38, W=20):
    """The REPORTS section of the benchmark's table, as lines (columns W0, W, W, W wide as the others)."""
    row = lambda a, b, c, d: '%-*s %-*s %-*s %-*s' % (W0, a, W, b, W, c, W, d)
    if r.get('error'):
        return ['', 'REPORTS: failed: %s' % r['error']]
    h = r.get('history') or {}
    num = lambda v: '-' if v is None else '{:,}'.format(v)
    full, small, rd = r.get('full') or {}, r.get('small') or {}, r.get('read') or {}
    sql, rrd = rd.get('sqlite_s'), rd.get('rrd_fetch_s')
    out = ['', 'REPORTS: month %s of %d sites x %d devices (%s devices), step %d s, each command run %d times'
           % (r['month'], r['sites'], r['site_devices'], num(r['devices']), r['step'], r['reps'])]
    out.append('history, pushed through /api/v1/ingest: %s samples in %s pushes, %s s (%s values/s); %s RRD files,'
               % (num(h.get('samples')), num(h.get('pushes')), fmt(h.get('wall_s')), fmt(h.get('values_per_s')),
                  num(h.get('rrd_files'))))
    out.append('  %s health runs, %s events, %s maintenance windows, %s incidents (%s counted), %s devices falling silent'
               % (num(h.get('health_runs')), num(h.get('events')), num(h.get('windows')), num(h.get('incidents')),
                  num(h.get('counted_incidents')), num(h.get('silent_devices'))))
    has_small = bool(small)
    out.append(row('', '%d sites' % r['sites'], ('%d sites (x: %d / %d)' % (r['small_sites'], r['sites'], r['small_sites']))
                   if has_small else '', 'read raw (x: cmd/read)'))

    def ratio(a, b):
        return '%s (x%s)' % (fmt(b), fmt(a / b, 2)) if a and b else fmt(b)

    for key, title in OPS:
        f, s = full.get(key), small.get(key) or {}
        if not f:
            continue
        what = title
        if key == 'pdf' and f.get('pages'):
            what += ', %d pages' % f['pages']
        if key != 'availability':
            what += ', %s kB' % fmt(f.get('bytes', 0) / 1000.0)
        ref = (sql or 0) + ((rrd or 0) if key in ('pdf', 'html') else 0)
        out.append(what)
        out.append(row('  wall s, median (longest)', '%s (%s)' % (fmt(f['wall_s']), fmt(f['wall_max_s'])),
                       ratio(f['wall_s'], s.get('wall_s')) if has_small else '', ratio(f['wall_s'], ref)))
        out.append(row('  server CPU s, median', fmt(f['cpu_s']), ratio(f['cpu_s'], s.get('cpu_s')) if has_small else '',
                       ''))
        out.append(row('  server peak RSS, MiB', fmt(f['rss_mib']), fmt(s.get('rss_mib')) if has_small else '', ''))
    if rd:
        out.append('read raw: the sites\' SQLite rows (devices, health runs, maintenance windows: %s rows) in %s s, and'
                   % (num(rd.get('sqlite_rows')), fmt(sql)))
        out.append('  the hourly averages of the month of the %s series the report draws (one `rrdtool -`, fetch by fetch)'
                   ' in %s s;' % (num(rd.get('rrd_files')), fmt(rrd)))
        out.append('  availability, CSV and JSON are compared with the SQLite read, PDF and HTML with both.')
    if has_small:
        out.append('(x: %d / %d): the same command over the first %d sites of the same data; linear would be x%s.'
                   % (r['sites'], r['small_sites'], r['small_sites'], fmt(r['sites'] / float(r['small_sites']), 2)))
    if any((full.get(k) or {}).get('rss_is_peak_of_run') for k, _ in OPS):
        out.append('(/proc/PID/clear_refs could not be written: peak RSS is the server\'s peak since it started)')
    if r.get('load_before', 0) > 1.5:
        out.append('(the machine was busy: load average %.1f as the timing began; wall times suffer, CPU less)'
                   % r['load_before'])
    out.append('CPU and peak RSS are vigie-server\'s (which computes and renders; the CLI only downloads); its peak RSS is')
    out.append('  reset before each command, to the memory it already holds.')
    return out
