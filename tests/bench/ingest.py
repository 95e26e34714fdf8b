"""Ingest part of the benchmark: vigie-server receiving the pushes of many agents, then collectd's
rrdtool plugin writing the same number of values into the same RRD files.

Each agent owns `batch` series (two devices of about 62 values) and pushes `pushes` batches, one
value per series each, a step apart, as a real agent does once per interval. The pushes go in rounds,
as they arrive in real life: in round k every agent sends its k-th batch (`concurrency` senders at
once), and round k + 1 starts once round k is stored, so that each RRD update carries one value (a
writer that fell behind could otherwise merge many steps of a file into one update, which never
happens when the pushes of an agent are an interval apart).

vigie-server: the documented JSON (lib/push.h) POSTed to /api/v1/ingest with each agent's token. Its
answer comes once the values are in the RRD files and SQLite, so latency is the full store.

collectd: the same values as PUTVAL commands on its unixsock socket (one line per value, a batch's
lines sent together, then its acknowledgements read), written by the rrdtool plugin (CacheTimeout 0:
one rrd_update per value, as vigie). The files are vigie's own, hard-linked under collectd's naming
(HOST/PLUGIN/gauge-INSTANCE.rrd): the same layout, the same sizes, already created. collectd
acknowledges a value when it is queued, not written: its latency is an acknowledgement time, and its
rate counts until each round's values are in the files (the last files written hold the round's time).
"""

import http.client
import json
import os
import random
import socket
import subprocess
import threading
import time

import struct

import estate

# metrics of a UPS/PDU/cooling mix: (metric, instances)
SERIES_SHAPE = [('outlet.current', 16), ('outlet.realpower', 16), ('outlet.energy', 16), ('input.voltage', 3),
                ('input.current', 3), ('ups.load', 3), ('cooling.supply.temperature', 3),
                ('battery.charge', 1), ('battery.runtime', 1)]


def series_of_agent(batch):
    per_device = [(m, str(i + 1)) for m, n in SERIES_SHAPE for i in range(n)]  # 62
    out = []
    d = 0
    while len(out) < batch:
        for m, inst in per_device:
            if len(out) == batch:
                break
            out.append(('dev-%02d' % d, m, inst))
        d += 1
    return out


def percentile(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, int(round(p / 100.0 * len(xs) + 0.5)) - 1))
    return xs[k]


def rrd_last(path):
    r = subprocess.run(['rrdtool', 'last', path], capture_output=True, text=True)
    return int(r.stdout.strip()) if r.returncode == 0 and r.stdout.strip().isdigit() else None


def rrd_last_up(path):
    """live_head.last_up of an RRD file, read from its header (x86_64 layout of rrd_format.h)."""
    with open(path, 'rb') as f:
        h = f.read(4096)
    ds_cnt, rra_cnt = struct.unpack_from('<QQ', h, 24)
    return struct.unpack_from('<q', h, 128 + 120 * ds_cnt + 120 * rra_cnt)[0]


def check_files(paths, expect, sample=40):
    """How many of a random sample of files hold the expected last update."""
    pick = random.sample(paths, min(sample, len(paths)))
    return sum(1 for p in pick if rrd_last(p) == expect), len(pick)


def _send_all(agents, pushes, concurrency, send_one, after_round=None):
    """Runs send_one(thread_state, agent, k) for every agent, round by round (every agent's push k, then
    after_round(k, last) once all are answered, then push k + 1), the agents spread over `concurrency`
    threads. `last` holds each thread's last (agent, k). Returns the list of (latency s, result)."""
    results = []
    lock = threading.Lock()
    errors = []
    n = min(concurrency, len(agents))
    last = {}

    def hook():
        if after_round and not errors:
            after_round(hook.k, dict(last))
        hook.k += 1

    hook.k = pushes[0]
    barrier = threading.Barrier(n, action=hook)

    def worker(c, mine):
        state = {}
        try:
            for k in pushes:
                for a in mine:
                    if not errors:
                        t = time.time()
                        r = send_one(state, a, k)
                        dt = time.time() - t
                        with lock:
                            results.append((dt, r))
                            last[c] = (a, k)
                barrier.wait()
        except threading.BrokenBarrierError:
            pass
        except Exception as e:  # reported, not hidden
            errors.append(repr(e))
            barrier.abort()
        finally:
            if state.get('close'):
                state['close']()

    threads = [threading.Thread(target=worker, args=(c, [a for a in agents if a % n == c])) for c in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError('sender failed: %s' % errors[0])
    return results


def run(args, work, spawn, stop, Sampler, log):
    A, batch, step, C = args.agents, args.batch, args.step, args.concurrency
    P = max(args.agent_values // batch, 1)
    series = series_of_agent(batch)
    site = lambda a: 'site-%03d' % a
    agent_id = lambda a: 'agent-%03d' % a
    token = lambda a: 'bench-token-%03d-0123456789abcdef' % a
    T0 = int(time.time()) // step * step - (2 * P + 3) * step
    ts = lambda k: T0 + k * step
    rnd = random.Random(42)
    out = {}

    # ---- vigie-server -------------------------------------------------------------------------------
    port = estate.free_tcp_port()
    data = os.path.join(work, 'vigie-data')
    conf = os.path.join(work, 'server.yaml')
    with open(conf, 'w') as f:
        f.write('listen: 127.0.0.1:%d\ndata_dir: %s\nstep: %d\nsites:\n' % (port, data, step))
        for a in range(A):
            f.write('  - {id: %s, kind: nro}\n' % site(a))
        f.write('agents:\n')
        for a in range(A):
            f.write('  - {id: %s, site: %s, token: "%s"}\n' % (agent_id(a), site(a), token(a)))
    os.chmod(conf, 0o600)
    srv = spawn([os.path.join(args.bindir, 'server', 'vigie-server'), '-c', conf, '--log-level', 'warn'],
                stdout=subprocess.DEVNULL, stderr=open(conf + '.log', 'w'))

    def health():
        try:
            c = http.client.HTTPConnection('127.0.0.1', port, timeout=2)
            c.request('GET', '/api/v1/health')
            ok = c.getresponse().status == 200
            c.close()
            return ok
        except OSError:
            return False

    end = time.time() + 30
    while not health():
        if time.time() > end or srv.poll() is not None:
            raise RuntimeError('vigie-server did not start: %s' % open(conf + '.log').read()[-500:])
        time.sleep(0.1)

    log('ingest: encoding %d pushes' % (A * (P + 1)))
    bodies = {}
    for a in range(A):
        for k in range(P + 1):
            samples = [{'device': d, 'metric': m, 'instance': i, 'value': round(rnd.uniform(0, 500), 2),
                        'unit': 'A', 'ts': ts(k)} for d, m, i in series]
            bodies[a, k] = json.dumps({'agent': agent_id(a), 'seq': k + 1, 'samples': samples}).encode()

    def post(state, a, k):
        c = state.get('conn')
        if c is None:
            c = state['conn'] = http.client.HTTPConnection('127.0.0.1', port, timeout=120)
            state['close'] = c.close
        c.request('POST', '/api/v1/ingest', body=bodies[a, k],
                  headers={'Authorization': 'Bearer ' + token(a), 'Content-Type': 'application/json'})
        r = c.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError('push %d of %s: HTTP %d %s' % (k, agent_id(a), r.status, body[:200]))
        return json.loads(body).get('stored', 0)

    sampler = Sampler({'server': [srv.pid]})
    sampler.start()
    log('ingest: vigie-server, first push of each agent (creates %d RRD files)' % (A * batch))
    t = time.time()
    first = _send_all(list(range(A)), [0], C, post)
    create_wall = time.time() - t
    t_sync = time.time()
    os.sync()  # the new files written back now, not during the measured rounds (nor collectd's)
    log('ingest: vigie-server, %d pushes of %d values (sync took %.1f s)' % (A * P, batch, time.time() - t_sync))
    t0 = time.time()
    res = _send_all(list(range(A)), list(range(1, P + 1)), C, post)
    t1 = time.time()
    sampler.finish()
    stored = sum(r for _, r in res)
    lat = [dt for dt, _ in res]
    paths = [os.path.join(data, 'rrd', site(a), d, '%s@%s.rrd' % (m, i)) for a in range(A) for d, m, i in series]
    ok, n = check_files(paths, ts(P))
    cpu = sampler.cpu_between('server', t0, t1)
    out['vigie'] = {
        'values_per_s': stored / (t1 - t0), 'cpu_per_1000': 1000.0 * cpu / max(stored, 1),
        'p99_ms': 1000 * percentile(lat, 99), 'p50_ms': 1000 * percentile(lat, 50),
        'rss_mib': sampler.rss_mib('server'), 'stored': stored, 'sent': A * P * batch,
        'files': A * batch, 'create_values_per_s': A * batch / create_wall,
        'create_p99_ms': 1000 * percentile([dt for dt, _ in first], 99),
        'create_cpu_per_1000': 1000.0 * sampler.cpu_between('server', t, t_sync) / max(A * batch, 1),
        'checked_files': '%d/%d' % (ok, n),
    }
    stop(srv)
    bodies.clear()

    # ---- collectd rrdtool ---------------------------------------------------------------------------
    cdir = os.path.join(work, 'collectd-rrd')
    log('ingest: collectd, linking the same %d files' % len(paths))
    cpaths = []
    for a in range(A):
        for d, m, i in series:
            dst = os.path.join(cdir, site(a), d, 'gauge-%s@%s.rrd' % (m, i))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.link(os.path.join(data, 'rrd', site(a), d, '%s@%s.rrd' % (m, i)), dst)
            cpaths.append(dst)
    os.sync()
    sock = os.path.join(work, 'collectd.sock')
    cconf = os.path.join(work, 'collectd-ingest.conf')
    with open(cconf, 'w') as f:
        f.write('\n'.join([
            'Interval %d' % step, 'Hostname "bench"', 'FQDNLookup false', 'WriteQueueLimitHigh 0',
            'LoadPlugin logfile', '<Plugin logfile>', '  LogLevel warning', '  File stderr', '</Plugin>',
            'LoadPlugin unixsock', '<Plugin unixsock>', '  SocketFile "%s"' % sock, '  SocketPerms "0600"',
            '</Plugin>',
            'LoadPlugin rrdtool', '<Plugin rrdtool>', '  DataDir "%s"' % cdir, '  StepSize %d' % step,
            '  HeartBeat %d' % (3 * step), '  CacheTimeout 0', '  WritesPerSecond 0', '</Plugin>', '']))
    cd = spawn(['collectd', '-f', '-C', cconf], stdout=subprocess.DEVNULL, stderr=open(cconf + '.log', 'w'))
    end = time.time() + 30
    while not os.path.exists(sock):
        if time.time() > end or cd.poll() is not None:
            raise RuntimeError('collectd did not start: %s' % open(cconf + '.log').read()[-500:])
        time.sleep(0.1)
    log('ingest: encoding %d batches of PUTVAL' % (A * P))
    lines = {}
    for a in range(A):
        for k in range(P + 1, 2 * P + 1):
            lines[a, k] = ''.join('PUTVAL "%s/%s/gauge-%s@%s" interval=%d %d:%.2f\n'
                                  % (site(a), d, m, i, step, ts(k), rnd.uniform(0, 500))
                                  for d, m, i in series).encode()

    def putval(state, a, k):
        s = state.get('sock')
        if s is None:
            s = state['sock'] = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sock)
            state['close'] = s.close
            state['buf'] = b''
        s.sendall(lines[a, k])
        need, buf, good = batch, state['buf'], 0
        while need:
            while b'\n' not in buf:
                chunk = s.recv(65536)
                if not chunk:
                    raise RuntimeError('collectd closed its socket')
                buf += chunk
            line, buf = buf.split(b'\n', 1)
            good += line.startswith(b'0 ')
            need -= 1
        state['buf'] = buf
        return good

    last_file = lambda a: os.path.join(cdir, site(a), series[-1][0], 'gauge-%s@%s.rrd' % series[-1][1:])
    waited = [0.0]

    def drained(k, last):
        """Waits until the last file each sender's last batch touched holds round k's time."""
        t = time.time()
        files = [last_file(a) for a, _ in last.values()]
        while time.time() - t < 120:
            if all(rrd_last_up(f) >= ts(k) for f in files):
                break
            time.sleep(0.002)
        waited[0] += time.time() - t

    sampler = Sampler({'server': [cd.pid]}, period=0.1)
    sampler.start()
    log('ingest: collectd, %d batches of %d values' % (A * P, batch))
    t0 = time.time()
    res = _send_all(list(range(A)), list(range(P + 1, 2 * P + 1)), C, putval, after_round=drained)
    t1 = time.time()
    sampler.finish()
    acked = sum(r for _, r in res)
    lat = [dt for dt, _ in res]
    ok, n = check_files(cpaths, ts(2 * P))
    cpu = sampler.cpu_between('server', t0, t1)
    out['collectd'] = {
        'values_per_s': acked / (t1 - t0), 'cpu_per_1000': 1000.0 * cpu / max(acked, 1),
        'p99_ms': 1000 * percentile(lat, 99), 'p50_ms': 1000 * percentile(lat, 50),
        'rss_mib': sampler.rss_mib('server'), 'stored': acked, 'sent': A * P * batch,
        'waiting_for_writes_s': waited[0], 'checked_files': '%d/%d' % (ok, n),
    }
    stop(cd)
    return out
