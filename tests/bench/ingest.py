"""Ingest part of the benchmark: vigie-server receiving the pushes of many agents, then collectd's
rrdtool plugin writing the same number of values into the same RRD files; then both again through one
rrdcached.

Each agent owns `batch` series (two devices of about 62 values) and pushes `pushes` batches, one
value per series each, a step apart, as a real agent does once per interval. The pushes go in rounds,
as they arrive in real life: in round k every agent sends its k-th batch (`concurrency` senders at
once), and round k + 1 starts once round k is stored, so that each RRD update carries one value (a
writer that fell behind could otherwise merge many steps of a file into one update, which never
happens when the pushes of an agent are an interval apart).

vigie-server: the documented JSON (lib/push.h) POSTed to /api/v1/ingest with each agent's token. Its
answer comes once the values are in the RRD files and SQLite (with rrdcached: in rrdcached's journal),
so latency is the full store.

collectd: the same values as PUTVAL commands on its unixsock socket (one line per value, a batch's
lines sent together, then its acknowledgements read), written by the rrdtool plugin (CacheTimeout 0:
one rrd_update per value, as vigie) or by the rrdcached plugin. The files are vigie's own, hard-linked
under collectd's naming (HOST/PLUGIN/gauge-INSTANCE.rrd): the same layout, the same sizes, already
created. collectd acknowledges a value when it is queued, not written: its latency is an acknowledgement
time, and a round ends when its values are written (rrdtool: the last files written hold the round's
time; rrdcached: rrdcached has received them all).

rrdcached (one, started here on a unix socket, journal in the work folder) holds the values for an hour
(-w 3600, as it is commonly set up): during the rounds it only journals them; then a FLUSHALL writes
each file once with all its values, and the rows count that flush in a second rate and in CPU.

Every phase writes later times than the one before, and a sample of files is read back with
`rrdtool fetch` after each: every value sent to those files must be there, with its value.

PostgreSQL (issue 22; when Debian's postgresql is installed, unless --no-pg): right after the SQLite
phase, the same pushes to one vigie-server whose `database:` is a PostgreSQL started here (vigie_pg),
then to a pair of servers with `cluster:` on that PostgreSQL (vigie_pair), each with its own data_dir
(a copy of the first one's, audit.key included), every batch POSTed to both at once as an agent with
`server: [a, b]` does (a push thread per server). The PostgreSQL is the benchmark's own: initdb in a temporary folder
(as nobody under root), a SCRAM password, a free loopback port, fsync on as in production; stopped
and removed at the end. The counts are checked in the database too (batches and their samples per
node, latest values).

Then a sharded estate on that PostgreSQL (vigie_shards): two servers with cluster.shards a and b, one
server each, the first half of the sites in a and the others in b, each agent pushing only to its own
shard's server (both servers at once). b's data_dir is a copy of the first one holding only b's sites'
files; the values are read back from the files of each site's shard (and must not be in the other's),
and one push of each shard's agent to the other shard's server must be refused (421). Afterwards b's
sites' files go back to the first data_dir for the phases that follow.
"""

import concurrent.futures
import http.client
import json
import os
import glob
import random
import secrets
import shutil
import socket
import subprocess
import threading
import time
import urllib.request

import struct

import estate

# metrics of a UPS/PDU/cooling mix: (metric, instances)
SERIES_SHAPE = [('outlet.current', 16), ('outlet.realpower', 16), ('outlet.energy', 16), ('input.voltage', 3),
                ('input.current', 3), ('ups.load', 3), ('cooling.supply.temperature', 3),
                ('battery.charge', 1), ('battery.runtime', 1)]
RRDCACHED_HOLD = 3600  # -w: seconds rrdcached keeps a file's values before writing them
CHECK_FILES = 40


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


def rrd_last_up(path):
    """live_head.last_up of an RRD file, read from its header (x86_64 layout of rrd_format.h)."""
    with open(path, 'rb') as f:
        h = f.read(4096)
    ds_cnt, rra_cnt = struct.unpack_from('<QQ', h, 24)
    return struct.unpack_from('<q', h, 128 + 120 * ds_cnt + 120 * rra_cnt)[0]


def rrd_rows(path, start, end, step):
    """{time: value} of the step-resolution AVERAGE archive between start and end, read from the file."""
    r = subprocess.run(['rrdtool', 'fetch', path, 'AVERAGE', '-r', str(step), '-s', str(start - step), '-e', str(end)],
                       capture_output=True, text=True)
    rows = {}
    for line in r.stdout.splitlines():
        t, _, v = line.partition(':')
        if t.strip().isdigit():
            try:
                rows[int(t)] = float(v)
            except ValueError:
                pass
    return rows


def check_values(files, expected, ks, ts, step):
    """Reads back the sampled files: (values found with the value sent, values sent to them) over rounds ks.
    `files` maps a sample key to its path, `expected[key, k]` is the value sent in round k."""
    good = total = 0
    for key, path in files.items():
        rows = rrd_rows(path, ts(ks[0]), ts(ks[-1]), step)
        for k in ks:
            total += 1
            v = rows.get(ts(k))
            good += v is not None and v == v and abs(v - expected[key, k]) < 1e-6
    return good, total


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


# ---- rrdcached -------------------------------------------------------------------------------------

def rrdcached_cmd(sock, cmd):
    """One command on rrdcached's socket: (status, lines) where lines are the ones its answer announces."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(sock)
    try:
        s.sendall(cmd.encode() + b'\n')
        buf = b''
        while b'\n' not in buf:
            chunk = s.recv(65536)
            if not chunk:
                raise RuntimeError('rrdcached closed the socket on %s' % cmd)
            buf += chunk
        head, buf = buf.split(b'\n', 1)
        status = int(head.split(b' ', 1)[0])
        lines = []
        while status > 0 and len(lines) < status:
            while b'\n' not in buf:
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
            if b'\n' not in buf:
                break
            line, buf = buf.split(b'\n', 1)
            lines.append(line.decode())
        return status, lines
    finally:
        s.close()


def rrdcached_stats(sock):
    _, lines = rrdcached_cmd(sock, 'STATS')
    return {k.strip(): int(v) for k, _, v in (ln.partition(':') for ln in lines) if v.strip().isdigit()}


def start_rrdcached(work, spawn):
    sock = os.path.join(work, 'rrdcached.sock')
    journal = os.path.join(work, 'rrdcached-journal')
    os.makedirs(journal, exist_ok=True)
    log = os.path.join(work, 'rrdcached.log')
    # -g: foreground; -b: relative paths (none here: both clients send absolute ones, so no -B);
    # -w/-f: hold the values an hour, as commonly set up, so that a file is written once with many values
    p = spawn(['rrdcached', '-g', '-l', 'unix:' + sock, '-p', os.path.join(work, 'rrdcached.pid'), '-j', journal,
               '-b', work, '-w', str(RRDCACHED_HOLD), '-f', str(2 * RRDCACHED_HOLD), '-F'],
              stdout=subprocess.DEVNULL, stderr=open(log, 'w'))
    end = time.time() + 30
    while True:
        try:
            rrdcached_cmd(sock, 'PING')
            return p, sock
        except (OSError, RuntimeError, ValueError):
            if time.time() > end or p.poll() is not None:
                raise RuntimeError('rrdcached did not start: %s' % open(log).read()[-500:])
            time.sleep(0.1)


def rrdcached_flush(sock, written_before, values, limit=600):
    """FLUSHALL, then waits until rrdcached has written `values` more data sets (one value each here) and
    its queue is empty. Returns the data sets it wrote."""
    rrdcached_cmd(sock, 'FLUSHALL')
    end = time.time() + limit
    while True:
        st = rrdcached_stats(sock)
        done = st.get('DataSetsWritten', 0) - written_before
        if (done >= values and st.get('QueueLength', 1) == 0) or time.time() > end:
            return done
        time.sleep(0.05)


# ---- PostgreSQL ------------------------------------------------------------------------------------

def pg_bindir():
    """The newest Debian PostgreSQL server's bin folder, or None."""
    dirs = sorted(glob.glob('/usr/lib/postgresql/*/bin'), key=lambda d: int(d.split('/')[-2]))
    dirs = [d for d in dirs if os.access(os.path.join(d, 'initdb'), os.X_OK)]
    return dirs[-1] if dirs else None


class Postgres:
    """A throwaway PostgreSQL: initdb in a temporary folder, as nobody under root (it refuses root), a
    SCRAM password, listening on a free loopback port and a socket in that folder. fsync stays on, as in
    production: its writes are part of what is measured."""

    def __init__(self, work, log):
        self.bin = pg_bindir()
        self.dir = os.path.join(work, 'pg')
        self.data = os.path.join(self.dir, 'data')
        self.password = secrets.token_hex(16)
        self.port = None
        os.makedirs(self.dir)
        self.user = {'user': 'nobody', 'group': 'nogroup'} if os.geteuid() == 0 else {}
        if self.user:
            shutil.chown(self.dir, 'nobody', 'nogroup')
        pw = os.path.join(self.dir, 'pw')
        with open(os.open(pw, os.O_WRONLY | os.O_CREAT, 0o600), 'w') as f:
            f.write(self.password + '\n')
        if self.user:
            shutil.chown(pw, 'nobody', 'nogroup')
        r = subprocess.run([os.path.join(self.bin, 'initdb'), '-D', self.data, '-U', 'vigie', '-A', 'scram-sha-256',
                            '--pwfile', pw, '-E', 'UTF8', '--locale=C.UTF-8'], capture_output=True, text=True,
                           **self.user)
        os.unlink(pw)
        if r.returncode:
            raise RuntimeError('initdb failed: %s' % r.stderr[-500:])
        for _ in range(5):
            port = estate.free_tcp_port()
            r = subprocess.run([os.path.join(self.bin, 'pg_ctl'), '-D', self.data, '-l',
                                os.path.join(self.dir, 'postgres.log'), '-w', '-t', '60', '-o',
                                '-c listen_addresses=127.0.0.1 -p %d -k %s' % (port, self.dir), 'start'],
                               capture_output=True, text=True, **self.user)
            if r.returncode == 0:
                self.port = port
                break
        if not self.port:
            raise RuntimeError('PostgreSQL did not start: %s' % open(os.path.join(self.dir, 'postgres.log')).read()[-500:])
        with open(os.path.join(self.data, 'postmaster.pid')) as f:
            self.pid = int(f.readline())
        self.sql('CREATE DATABASE vigie', db='postgres')
        log('ingest: PostgreSQL %s on 127.0.0.1:%d (pid %d)' % (self.bin.split('/')[-2], self.port, self.pid))

    def uri(self, schema=None, db='vigie'):
        u = 'postgresql://vigie:%s@127.0.0.1:%d/%s' % (self.password, self.port, db)
        return u + ('?options=-csearch_path%%3D%s' % schema if schema else '')

    def sql(self, query, db='vigie'):
        """Rows of one statement through psql, each a list of strings."""
        r = subprocess.run([os.path.join(self.bin, 'psql'), '-X', '-q', '-A', '-t', '-F', '|', '-v', 'ON_ERROR_STOP=1',
                            '-d', self.uri(db=db), '-c', query], capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, PGOPTIONS='-c client_min_messages=warning', PGCONNECT_TIMEOUT='10'))
        if r.returncode:
            raise RuntimeError('psql: %s' % r.stderr.replace(self.password, '***')[-300:])
        return [line.split('|') for line in r.stdout.splitlines() if line]

    def schema(self, name):
        self.sql('DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s' % (name, name))
        return self.uri(name)

    def wal_lsn(self):
        return self.sql('SELECT pg_current_wal_lsn()')[0][0]

    def wal_bytes(self, since):
        return int(self.sql("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '%s')" % since)[0][0])

    def connections(self):
        return int(self.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'vigie' AND pid <> pg_backend_pid()")[0][0])

    def close(self):
        if self.port:
            subprocess.run([os.path.join(self.bin, 'pg_ctl'), '-D', self.data, '-m', 'fast', '-w', 'stop'],
                           capture_output=True, **self.user)
            self.port = None
        shutil.rmtree(self.dir, ignore_errors=True)


def pg_counts(pg, schema):
    """{node: (batches, samples)} of the accepted batches in a schema, and its rows of latest values."""
    nodes = {r[0]: (int(r[1]), int(r[2]))
             for r in pg.sql('SELECT node, count(*), sum(samples) FROM %s.batches GROUP BY node' % schema)}
    return nodes, int(pg.sql('SELECT count(*) FROM %s.latest' % schema)[0][0])


def pg_xacts(pg):
    return int(pg.sql("SELECT xact_commit FROM pg_stat_database WHERE datname = 'vigie'")[0][0])


def pg_commits_since(pg, before):
    """Commits in the database since `before`, once the servers stopped: a backend reports its counts
    when idle at most once a second, and at its exit (less the reads of this count)."""
    time.sleep(1.5)
    return pg_xacts(pg) - before - 2


def run_pg(args, work, spawn, stop, Sampler, log, phases, start_server, encode, poster, verify, vpath, data,
           series, sample, expected, ts, out):
    """vigie_pg (one server on PostgreSQL) and vigie_pair (two servers with cluster: on it), each a warm-up
    round (the devices and latest rows are new in its schema) and then the measured rounds."""
    A, batch, C, step = args.agents, args.batch, args.concurrency, args.step
    pg = Postgres(work, log)
    try:
        # ---- one server ----
        ks = phases['vigie_pg']
        uri = pg.schema('single')
        xacts = pg_xacts(pg)  # every commit of the phase, warm-up included: counted once the server stopped
        srv, port = start_server('pg', database=uri)
        bodies = encode([ks[0] - 1] + ks)
        post = poster(port, bodies)
        log('ingest: vigie-server on PostgreSQL, first push of each agent (new devices in its schema)')
        _send_all(list(range(A)), [ks[0] - 1], C, post)
        os.sync()
        sampler = Sampler({'server': [srv.pid], 'postgres': [pg.pid]})
        sampler.start()
        lsn = pg.wal_lsn()
        log('ingest: vigie-server on PostgreSQL, %d pushes of %d values' % (A * len(ks), batch))
        t0 = time.time()
        res = _send_all(list(range(A)), ks, C, post)
        t1 = time.time()
        sampler.finish()
        wal = pg.wal_bytes(lsn)
        conns = pg.connections()
        stored = sum(r for _, r in res)
        lat = [dt for dt, _ in res]
        scpu, pcpu = sampler.cpu_between('server', t0, t1), sampler.cpu_between('postgres', t0, t1)
        nodes, latest = pg_counts(pg, 'single')
        out['vigie_pg'] = {
            'values_per_s': stored / (t1 - t0), 'cpu_per_1000': 1000.0 * scpu / max(stored, 1),
            'pg_cpu_per_1000': 1000.0 * pcpu / max(stored, 1),
            'total_cpu_per_1000': 1000.0 * (scpu + pcpu) / max(stored, 1),
            'p99_ms': 1000 * percentile(lat, 99), 'p50_ms': 1000 * percentile(lat, 50),
            'rss_mib': sampler.rss_mib('server'), 'pg_rss_mib': sampler.rss_mib('postgres'),
            'stored': stored, 'sent': A * len(ks) * batch,
            'wal_kib_per_1000': wal / 1024.0 / max(stored / 1000.0, 1e-9),
            'pg_connections': conns, 'db_batches': nodes, 'db_latest': latest,
            'db_ok': nodes.get('', (0, 0)) == (A * (len(ks) + 1), A * (len(ks) + 1) * batch) and latest == A * batch,
        }
        stop(srv)
        out['vigie_pg']['pg_commits_per_batch'] = pg_commits_since(pg, xacts) / (A * (len(ks) + 1))
        bodies.clear()
        verify('vigie_pg', vpath)

        # ---- a pair: b's data_dir a copy of a's (its RRD files, audit.key), not the SQLite file ----
        ks = phases['vigie_pair']
        data_b = data + '-b'
        log('ingest: the pair: copying %d RRD files for the second server' % (A * batch))
        shutil.copytree(data, data_b, ignore=shutil.ignore_patterns('vigie.db*'))
        uri = pg.schema('pair')
        xacts = pg_xacts(pg)
        srv_a, port_a = start_server('pair-a', database=uri, node='vigie-a')
        srv_b, port_b = start_server('pair-b', data_dir=data_b, database=uri, node='vigie-b')
        bodies = encode([ks[0] - 1] + ks)
        post_a, post_b = poster(port_a, bodies), poster(port_b, bodies)

        def post_both(state, a, k):
            """As an agent with server: [a, b] (a push thread per server): the batch to both at once, each
            over its own connection; both must store it. Returns (stored by a, by b, a's latency, b's)."""
            sa, sb = state.setdefault('a', {}), state.setdefault('b', {})
            if 'pool' not in state:
                state['pool'] = concurrent.futures.ThreadPoolExecutor(1)
                state['close'] = lambda: [state['pool'].shutdown()] + [x['close']() for x in (sa, sb) if x.get('close')]
            t = time.time()

            def to_b():
                nb = post_b(sb, a, k)
                return nb, time.time() - t

            fb = state['pool'].submit(to_b)
            na = post_a(sa, a, k)
            dt_a = time.time() - t
            nb, dt_b = fb.result()
            return na, nb, dt_a, dt_b

        log('ingest: the pair, first push of each agent to both')
        _send_all(list(range(A)), [ks[0] - 1], C, post_both)
        os.sync()
        sampler = Sampler({'a': [srv_a.pid], 'b': [srv_b.pid], 'postgres': [pg.pid]})
        sampler.start()
        lsn = pg.wal_lsn()
        log('ingest: the pair, %d pushes of %d values to each server' % (A * len(ks), batch))
        t0 = time.time()
        res = _send_all(list(range(A)), ks, C, post_both)
        t1 = time.time()
        sampler.finish()
        wal = pg.wal_bytes(lsn)
        conns = pg.connections()
        sa, sb = sum(r[0] for _, r in res), sum(r[1] for _, r in res)
        stored = min(sa, sb)
        cpu = {n: sampler.cpu_between(n, t0, t1) for n in ('a', 'b', 'postgres')}
        per = lambda c: 1000.0 * c / max(stored, 1)
        roles = {}
        for name, p in (('vigie-a', port_a), ('vigie-b', port_b)):
            try:
                with urllib.request.urlopen('http://127.0.0.1:%d/api/v1/health' % p, timeout=10) as r:
                    roles[name] = (json.loads(r.read()).get('cluster') or {}).get('role')
            except Exception as e:  # noqa: BLE001 (a figure, not the run)
                roles[name] = 'unknown (%s)' % e
        nodes, latest = pg_counts(pg, 'pair')
        want = (A * (len(ks) + 1), A * (len(ks) + 1) * batch)
        out['vigie_pair'] = {
            'values_per_s': stored / (t1 - t0), 'cpu_per_1000_a': per(cpu['a']), 'cpu_per_1000_b': per(cpu['b']),
            'cpu_per_1000': per(cpu['a'] + cpu['b']), 'pg_cpu_per_1000': per(cpu['postgres']),
            'total_cpu_per_1000': per(sum(cpu.values())),
            'p99_ms': 1000 * percentile([dt for dt, _ in res], 99), 'p50_ms': 1000 * percentile([dt for dt, _ in res], 50),
            'p99_ms_a': 1000 * percentile([r[2] for _, r in res], 99),
            'p99_ms_b': 1000 * percentile([r[3] for _, r in res], 99),
            'rss_mib': sampler.rss_mib('a') + sampler.rss_mib('b'), 'pg_rss_mib': sampler.rss_mib('postgres'),
            'stored': stored, 'stored_a': sa, 'stored_b': sb, 'sent': A * len(ks) * batch,
            'wal_kib_per_1000': wal / 1024.0 / max(stored / 1000.0, 1e-9),
            'pg_connections': conns, 'roles': roles, 'db_batches': nodes, 'db_latest': latest,
            'db_ok': nodes.get('vigie-a') == want and nodes.get('vigie-b') == want and latest == A * batch,
            'db_size_mib': int(pg.sql("SELECT pg_database_size('vigie')")[0][0]) / 1048576.0,
        }
        stop(srv_a)
        stop(srv_b)
        out['vigie_pair']['pg_commits_per_batch'] = pg_commits_since(pg, xacts) / (2 * A * (len(ks) + 1))
        bodies.clear()
        verify('vigie_pair', vpath)
        files_b = {(a, j): vpath(a, *series[j]).replace(data, data_b, 1) for a, j in sample}
        good, total = check_values(files_b, expected, ks, ts, step)
        out['vigie_pair']['checked_values_b'] = '%d/%d' % (good, total)
        shutil.rmtree(data_b, ignore_errors=True)

        # ---- two shards on the same PostgreSQL, one server each: half the sites (and their agents) in a,
        # half in b; each agent pushes to its own shard's server only. a keeps the first data_dir, b a copy
        # of it holding only b's sites' RRD files (and audit.key, not the SQLite file) ----
        ks = phases['vigie_shards']
        half = (A + 1) // 2
        shard = lambda a: 'a' if a < half else 'b'
        mine = {'a': [a for a in range(A) if shard(a) == 'a'], 'b': [a for a in range(A) if shard(a) == 'b']}
        site_dir = lambda a: os.path.dirname(os.path.dirname(vpath(a, *series[0])))  # DATA/rrd/SITE
        a_sites = {os.path.basename(site_dir(a)) for a in mine['a']}
        rrd_root = os.path.dirname(site_dir(0))

        def not_b(folder, names):
            return [n for n in names if n.startswith('vigie.db') or (folder == rrd_root and n in a_sites)]

        data_b = data + '-shard-b'
        log('ingest: two shards: copying the %d RRD files of shard b\'s %d sites' % (len(mine['b']) * batch,
                                                                                   len(mine['b'])))
        shutil.copytree(data, data_b, ignore=not_b)
        uri = pg.schema('shards')
        xacts = pg_xacts(pg)
        ports = {'a': estate.free_tcp_port(), 'b': estate.free_tcp_port()}
        while ports['b'] == ports['a']:
            ports['b'] = estate.free_tcp_port()
        nodes_of = {'a': 'shard-a1', 'b': 'shard-b1'}
        srv_a, _ = start_server('shard-a', database=uri, node=nodes_of['a'], shards=('a', ports, shard))
        srv_b, _ = start_server('shard-b', data_dir=data_b, database=uri, node=nodes_of['b'],
                                shards=('b', ports, shard))
        bodies = encode([ks[0] - 1] + ks)
        posts = {sh: poster(ports[sh], bodies) for sh in ports}

        def post_own(state, a, k):
            """As an agent of a sharded estate: its batch to its own shard's server (a connection to each
            server per sender). Returns (the shard, values stored)."""
            sh = shard(a)
            if 'close' not in state:
                state['close'] = lambda: [x['close']() for x in (state.get('a', {}), state.get('b', {}))
                                          if x.get('close')]
            return sh, posts[sh](state.setdefault(sh, {}), a, k)

        log('ingest: two shards, first push of each agent to its shard\'s server (%d in a, %d in b)'
            % (len(mine['a']), len(mine['b'])))
        _send_all(list(range(A)), [ks[0] - 1], C, post_own)
        os.sync()
        sampler = Sampler({'a': [srv_a.pid], 'b': [srv_b.pid], 'postgres': [pg.pid]})
        sampler.start()
        lsn = pg.wal_lsn()
        log('ingest: two shards, %d pushes of %d values, each to its shard\'s server' % (A * len(ks), batch))
        t0 = time.time()
        res = _send_all(list(range(A)), ks, C, post_own)
        t1 = time.time()
        sampler.finish()
        wal = pg.wal_bytes(lsn)
        conns = pg.connections()
        st = {sh: sum(r[1] for _, r in res if r[0] == sh) for sh in ports}
        stored = st['a'] + st['b']
        cpu = {n: sampler.cpu_between(n, t0, t1) for n in ('a', 'b', 'postgres')}
        per = lambda c, n=stored: 1000.0 * c / max(n, 1)
        lat = {sh: [dt for dt, r in res if r[0] == sh] for sh in ports}
        roles = {}
        for sh in ports:
            try:
                with urllib.request.urlopen('http://127.0.0.1:%d/api/v1/health' % ports[sh], timeout=10) as r:
                    c = json.loads(r.read()).get('cluster') or {}
                    roles[nodes_of[sh]] = '%s of shard %s' % (c.get('role'), c.get('shard'))
            except Exception as e:  # noqa: BLE001 (a figure, not the run)
                roles[nodes_of[sh]] = 'unknown (%s)' % e
        nodes, latest = pg_counts(pg, 'shards')
        want = {sh: (len(mine[sh]) * (len(ks) + 1), len(mine[sh]) * (len(ks) + 1) * batch) for sh in ports}
        # a push of another shard's agent must be refused (421) and store nothing: the warm-up round's batch of
        # one agent of each shard sent to the other shard's server, once the counts above are read
        cross = {}
        for sh, other in (('a', 'b'), ('b', 'a')):
            state = {}
            try:
                n = poster(ports[other], bodies)(state, mine[sh][0], ks[0] - 1)
                cross['%s to %s' % (sh, other)] = 'HTTP 200, %d stored' % n
            except Exception as e:  # noqa: BLE001 (421 expected: poster raises on anything but 200)
                cross['%s to %s' % (sh, other)] = str(e).split(': ', 1)[-1][:160]  # "HTTP 421 b'{...}'"
            finally:
                if state.get('close'):
                    state['close']()
        out['vigie_shards'] = {
            'values_per_s': stored / (t1 - t0), 'cpu_per_1000': per(cpu['a'] + cpu['b']),
            'cpu_per_1000_a': per(cpu['a'], st['a']), 'cpu_per_1000_b': per(cpu['b'], st['b']),
            'pg_cpu_per_1000': per(cpu['postgres']), 'total_cpu_per_1000': per(sum(cpu.values())),
            'p99_ms': 1000 * percentile([dt for dt, _ in res], 99), 'p50_ms': 1000 * percentile([dt for dt, _ in res], 50),
            'p99_ms_a': 1000 * percentile(lat['a'], 99), 'p99_ms_b': 1000 * percentile(lat['b'], 99),
            'rss_mib': sampler.rss_mib('a') + sampler.rss_mib('b'), 'pg_rss_mib': sampler.rss_mib('postgres'),
            'stored': stored, 'stored_a': st['a'], 'stored_b': st['b'], 'sent': A * len(ks) * batch,
            'agents_a': len(mine['a']), 'agents_b': len(mine['b']),
            'wal_kib_per_1000': wal / 1024.0 / max(stored / 1000.0, 1e-9),
            'pg_connections': conns, 'roles': roles, 'db_batches': nodes, 'db_latest': latest,
            'db_ok': (nodes.get(nodes_of['a']) == want['a'] and nodes.get(nodes_of['b']) == want['b']
                      and len(nodes) == 2 and latest == A * batch),
            'db_size_mib': int(pg.sql("SELECT pg_database_size('vigie')")[0][0]) / 1048576.0,
            'cross_push_status': cross,
        }
        stop(srv_a)
        stop(srv_b)
        out['vigie_shards']['pg_commits_per_batch'] = pg_commits_since(pg, xacts) / (A * (len(ks) + 1))
        bodies.clear()
        # each site's values in its own shard's server's files; none in the other shard's
        in_b = lambda path: path.replace(data, data_b, 1)
        verify('vigie_shards', lambda a, d, m, i: vpath(a, d, m, i) if shard(a) == 'a' else in_b(vpath(a, d, m, i)))
        for sh in ports:
            files = {(a, j): vpath(a, *series[j]) if sh == 'a' else in_b(vpath(a, *series[j]))
                     for a, j in sample if shard(a) == sh}
            good, total = check_values(files, expected, ks, ts, step)
            out['vigie_shards']['checked_values_' + sh] = '%d/%d' % (good, total)
        foreign = {(a, j): in_b(vpath(a, *series[j])) if shard(a) == 'a' else vpath(a, *series[j]) for a, j in sample}
        out['vigie_shards']['foreign_values_found'] = check_values(foreign, expected, ks, ts, step)[0]
        g, v = out.get('vigie_pg', {}), out.get('vigie', {})
        out['vigie_shards']['ratios'] = {
            ref: {key: out['vigie_shards'][key] / d[rk] for key, rk in
                  (('values_per_s', 'values_per_s'), ('cpu_per_1000', 'cpu_per_1000'),
                   ('pg_cpu_per_1000', 'pg_cpu_per_1000' if ref != 'vigie' else 'cpu_per_1000'),
                   ('total_cpu_per_1000', 'total_cpu_per_1000' if ref != 'vigie' else 'cpu_per_1000'),
                   ('wal_kib_per_1000', 'wal_kib_per_1000'), ('p99_ms', 'p99_ms'))
                  if d.get(rk)}
            for ref, d in (('vigie', v), ('vigie_pg', g), ('vigie_pair', out.get('vigie_pair', {})))}
        # the later phases write every site's files in the first data_dir: b's sites' files back there, with
        # this phase's rounds (left behind, their next update would come after more than a heartbeat: unknown)
        for a in mine['b']:
            shutil.rmtree(site_dir(a))
            shutil.move(in_b(site_dir(a)), site_dir(a))
        shutil.rmtree(data_b, ignore_errors=True)
    finally:
        pg.close()


# ---- the run ---------------------------------------------------------------------------------------

def run(args, work, spawn, stop, Sampler, log):
    A, batch, step, C = args.agents, args.batch, args.step, args.concurrency
    P = max(args.agent_values // batch, 1)
    series = series_of_agent(batch)
    site = lambda a: 'site-%03d' % a
    agent_id = lambda a: 'agent-%03d' % a
    token = lambda a: 'bench-token-%03d-0123456789abcdef' % a
    # rounds, each a step later than the one before, so that every phase can write the same files:
    # 0 creates the files, 1..P vigie-server, then collectd rrdtool, a warm-up and P rounds of vigie-server
    # through rrdcached, and P rounds of collectd through rrdcached
    # with PostgreSQL, after vigie: a warm-up and P rounds of vigie_pg, the same of vigie_pair and of vigie_shards
    use_pg = not getattr(args, 'no_pg', False) and pg_bindir() is not None
    order = ['vigie'] + (['vigie_pg', 'vigie_pair', 'vigie_shards'] if use_pg else []) + [
        'collectd', 'vigie_rrdcached', 'collectd_rrdcached']
    warmed = {'vigie_pg', 'vigie_pair', 'vigie_shards', 'vigie_rrdcached'}  # preceded by an unmeasured round
    phases, k = {}, 1
    for name in order:
        k += name in warmed
        phases[name] = list(range(k, k + P))
        k += P
    T0 = int(time.time()) // step * step - (k + 2) * step
    ts = lambda k: T0 + k * step
    rnd = random.Random(42)
    out = {}
    data = os.path.join(work, 'vigie-data')
    vpath = lambda a, d, m, i: os.path.join(data, 'rrd', site(a), d, '%s@%s.rrd' % (m, i))
    paths = [vpath(a, d, m, i) for a in range(A) for d, m, i in series]
    # the files read back after each phase, and every value sent to them
    sample = set(random.Random(7).sample([(a, j) for a in range(A) for j in range(batch)], min(CHECK_FILES, A * batch)))
    expected = {}

    def value(a, j, k):
        v = round(rnd.uniform(0, 500), 2)
        if (a, j) in sample:
            expected[(a, j), k] = v
        return v

    def verify(name, file_of):
        files = {(a, j): file_of(a, *series[j]) for a, j in sample}
        good, total = check_values(files, expected, phases[name], ts, step)
        out[name]['checked_values'] = '%d/%d' % (good, total)
        out[name]['checked_files'] = len(files)

    # ---- vigie-server ---------------------------------------------------------------------------------
    def start_server(name, rrdcached=None, data_dir=data, database=None, node=None, shards=None):
        """shards: (this server's shard, {shard: its server's port}, shard of agent a), for a sharded
        estate (cluster.shards, every site's shard:); the port is then the one given for this shard."""
        port = shards[1][shards[0]] if shards else estate.free_tcp_port()
        conf = os.path.join(work, 'server-%s.yaml' % name)
        with open(conf, 'w') as f:
            f.write('listen: 127.0.0.1:%d\ndata_dir: %s\nstep: %d\n' % (port, data_dir, step))
            if rrdcached:
                f.write('rrdcached: unix:%s\n' % rrdcached)
            if database:
                f.write("database: '%s'\n" % database)
            if node and shards:
                f.write('cluster:\n  node: %s\n  shard: %s\n  lease: 20\n  shards:\n' % (node, shards[0]))
                for sh, p in sorted(shards[1].items()):
                    f.write('    - {name: %s, servers: ["http://127.0.0.1:%d"]}\n' % (sh, p))
            elif node:
                f.write('cluster: {node: %s, lease: 20}\n' % node)
            f.write('sites:\n')
            for a in range(A):
                f.write('  - {id: %s, kind: nro%s}\n' % (site(a), ', shard: %s' % shards[2](a) if shards else ''))
            f.write('agents:\n')
            for a in range(A):
                f.write('  - {id: %s, site: %s, token: "%s"}\n' % (agent_id(a), site(a), token(a)))
        os.chmod(conf, 0o600)
        srv = spawn([os.path.join(args.bindir, 'server', 'vigie-server'), '-c', conf, '--log-level', 'warn'],
                    stdout=subprocess.DEVNULL, stderr=open(conf + '.log', 'w'))

        def health():
            return estate.vigie_healthy(port)

        end = time.time() + 30
        while not health():
            if time.time() > end or srv.poll() is not None:
                raise RuntimeError('vigie-server did not start: %s' % open(conf + '.log').read()[-500:])
            time.sleep(0.1)
        return srv, port

    def encode(ks):
        log('ingest: encoding %d pushes' % (A * len(ks)))
        bodies = {}
        for a in range(A):
            for k in ks:
                samples = [{'device': d, 'metric': m, 'instance': i, 'value': value(a, j, k), 'unit': 'A',
                            'ts': ts(k)} for j, (d, m, i) in enumerate(series)]
                bodies[a, k] = json.dumps({'agent': agent_id(a), 'seq': k + 1, 'samples': samples}).encode()
        return bodies

    def poster(port, bodies):
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
        return post

    srv, port = start_server('direct')
    bodies = encode([0] + phases['vigie'])
    post = poster(port, bodies)
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
    res = _send_all(list(range(A)), phases['vigie'], C, post)
    t1 = time.time()
    sampler.finish()
    stored = sum(r for _, r in res)
    lat = [dt for dt, _ in res]
    cpu = sampler.cpu_between('server', t0, t1)
    out['vigie'] = {
        'values_per_s': stored / (t1 - t0), 'cpu_per_1000': 1000.0 * cpu / max(stored, 1),
        'p99_ms': 1000 * percentile(lat, 99), 'p50_ms': 1000 * percentile(lat, 50),
        'rss_mib': sampler.rss_mib('server'), 'stored': stored, 'sent': A * P * batch,
        'files': A * batch, 'create_values_per_s': A * batch / create_wall,
        'create_p99_ms': 1000 * percentile([dt for dt, _ in first], 99),
        'create_cpu_per_1000': 1000.0 * sampler.cpu_between('server', t, t_sync) / max(A * batch, 1),
    }
    stop(srv)
    bodies.clear()
    verify('vigie', vpath)
    if use_pg:
        try:
            run_pg(args, work, spawn, stop, Sampler, log, phases, start_server, encode, poster, verify, vpath, data,
                   series, sample, expected, ts, out)
        except Exception as e:  # the other figures stand
            log('ingest: PostgreSQL phases failed: %s' % e)
            # the phase that was running: the first without its values read back (its figures kept beside)
            failed = next((n for n in ('vigie_pg', 'vigie_pair', 'vigie_shards')
                           if 'checked_values' not in out.get(n, {})), 'vigie_shards')
            out.setdefault(failed, {})['error'] = str(e)

    # ---- collectd, its files hard-linked under its naming ------------------------------------------------
    cdir = os.path.join(work, 'collectd-rrd')
    cpath = lambda a, d, m, i: os.path.join(cdir, site(a), d, 'gauge-%s@%s.rrd' % (m, i))
    log('ingest: collectd, linking the same %d files' % len(paths))
    for a in range(A):
        for d, m, i in series:
            os.makedirs(os.path.dirname(cpath(a, d, m, i)), exist_ok=True)
            os.link(vpath(a, d, m, i), cpath(a, d, m, i))
    os.sync()
    sock = os.path.join(work, 'collectd.sock')

    def start_collectd(name, plugin_conf):
        if os.path.exists(sock):
            os.unlink(sock)
        cconf = os.path.join(work, 'collectd-%s.conf' % name)
        with open(cconf, 'w') as f:
            f.write('\n'.join([
                'Interval %d' % step, 'Hostname "bench"', 'FQDNLookup false', 'WriteQueueLimitHigh 0',
                'LoadPlugin logfile', '<Plugin logfile>', '  LogLevel warning', '  File stderr', '</Plugin>',
                'LoadPlugin unixsock', '<Plugin unixsock>', '  SocketFile "%s"' % sock, '  SocketPerms "0600"',
                '</Plugin>'] + plugin_conf + ['']))
        cd = spawn(['collectd', '-f', '-C', cconf], stdout=subprocess.DEVNULL, stderr=open(cconf + '.log', 'w'))
        end = time.time() + 30
        while not os.path.exists(sock):
            if time.time() > end or cd.poll() is not None:
                raise RuntimeError('collectd did not start: %s' % open(cconf + '.log').read()[-500:])
            time.sleep(0.1)
        return cd

    def encode_putval(ks):
        log('ingest: encoding %d batches of PUTVAL' % (A * len(ks)))
        lines = {}
        for a in range(A):
            for k in ks:
                lines[a, k] = ''.join('PUTVAL "%s/%s/gauge-%s@%s" interval=%d %d:%.2f\n'
                                      % (site(a), d, m, i, step, ts(k), value(a, j, k))
                                      for j, (d, m, i) in enumerate(series)).encode()
        return lines

    def putvaler(lines):
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
        return putval

    # ---- collectd rrdtool -------------------------------------------------------------------------------
    cd = start_collectd('rrdtool', [
        'LoadPlugin rrdtool', '<Plugin rrdtool>', '  DataDir "%s"' % cdir, '  StepSize %d' % step,
        '  HeartBeat %d' % (3 * step), '  CacheTimeout 0', '  WritesPerSecond 0', '</Plugin>'])
    lines = encode_putval(phases['collectd'])
    last_file = lambda a: cpath(a, *series[-1])
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
    log('ingest: collectd rrdtool, %d batches of %d values' % (A * P, batch))
    t0 = time.time()
    res = _send_all(list(range(A)), phases['collectd'], C, putvaler(lines), after_round=drained)
    t1 = time.time()
    sampler.finish()
    acked = sum(r for _, r in res)
    lat = [dt for dt, _ in res]
    cpu = sampler.cpu_between('server', t0, t1)
    out['collectd'] = {
        'values_per_s': acked / (t1 - t0), 'cpu_per_1000': 1000.0 * cpu / max(acked, 1),
        'p99_ms': 1000 * percentile(lat, 99), 'p50_ms': 1000 * percentile(lat, 50),
        'rss_mib': sampler.rss_mib('server'), 'stored': acked, 'sent': A * P * batch,
        'waiting_for_writes_s': waited[0],
    }
    stop(cd)
    lines.clear()
    verify('collectd', cpath)
    if getattr(args, 'no_rrdcached', False):
        return out

    # ---- through rrdcached: vigie-server, then collectd's rrdcached plugin ------------------------------------
    os.sync()
    rc, rsock = start_rrdcached(work, spawn)

    def through_rrdcached(name, proc, send_one, ks, after_round=None):
        """Rounds ks with `proc` writing through rrdcached, then FLUSHALL; the figures count rrdcached's CPU."""
        before = rrdcached_stats(rsock)
        sampler = Sampler({'server': [proc.pid], 'rrdcached': [rc.pid]}, period=0.1)
        sampler.start()
        log('ingest: %s, %d batches of %d values' % (name, A * len(ks), batch))
        t0 = time.time()
        res = _send_all(list(range(A)), ks, C, send_one, after_round=after_round)
        t1 = time.time()
        received = rrdcached_stats(rsock).get('UpdatesReceived', 0) - before.get('UpdatesReceived', 0)
        sent = A * len(ks) * batch
        written = rrdcached_flush(rsock, before.get('DataSetsWritten', 0), sent)
        t2 = time.time()
        sampler.finish()
        after = rrdcached_stats(rsock)
        stored = sum(r for _, r in res)
        lat = [dt for dt, _ in res]
        cpu = sampler.cpu_between('server', t0, t2) + sampler.cpu_between('rrdcached', t0, t2)
        return {
            'values_per_s': stored / (t1 - t0), 'flushed_values_per_s': written / (t2 - t0),
            'flush_s': t2 - t1, 'cpu_per_1000': 1000.0 * cpu / max(stored, 1),
            'rrdcached_cpu_per_1000': 1000.0 * sampler.cpu_between('rrdcached', t0, t2) / max(stored, 1),
            'p99_ms': 1000 * percentile(lat, 99), 'p50_ms': 1000 * percentile(lat, 50),
            'rss_mib': sampler.rss_mib('server') + sampler.rss_mib('rrdcached'), 'stored': stored, 'sent': sent,
            'rrdcached_received': received, 'rrdcached_written': written,
            'rrd_updates': after.get('UpdatesWritten', 0) - before.get('UpdatesWritten', 0),
            'rrdcached_hold_s': RRDCACHED_HOLD,
        }

    try:
        srv, port = start_server('rrdcached', rsock)
        warm = phases['vigie_rrdcached'][0] - 1
        bodies = encode([warm] + phases['vigie_rrdcached'])
        post = poster(port, bodies)
        # a new server knows no file yet: its first push of each agent asks rrdcached for each file's
        # last update; like the first push of the direct run, it is not measured
        log('ingest: vigie-server through rrdcached, first push of each agent (reads %d files)' % len(paths))
        _send_all(list(range(A)), [warm], C, post)
        rrdcached_flush(rsock, rrdcached_stats(rsock).get('DataSetsWritten', 0), A * batch)
        out['vigie_rrdcached'] = through_rrdcached('vigie-server through rrdcached', srv, post,
                                                   phases['vigie_rrdcached'])
        stop(srv)
        bodies.clear()
        verify('vigie_rrdcached', vpath)
        os.sync()

        cd = start_collectd('rrdcached', [
            'LoadPlugin rrdcached', '<Plugin rrdcached>', '  DaemonAddress "unix:%s"' % rsock,
            '  DataDir "%s"' % cdir, '  CreateFiles false', '  CollectStatistics false', '  StepSize %d' % step,
            '  HeartBeat %d' % (3 * step), '</Plugin>'])
        lines = encode_putval(phases['collectd_rrdcached'])
        base = [0]

        def received(k, last):
            """Waits until rrdcached has received every value of the rounds so far."""
            want = base[0] + (k - phases['collectd_rrdcached'][0] + 1) * A * batch
            end = time.time() + 120
            while rrdcached_stats(rsock).get('UpdatesReceived', 0) < want and time.time() < end:
                time.sleep(0.002)

        base[0] = rrdcached_stats(rsock).get('UpdatesReceived', 0)
        out['collectd_rrdcached'] = through_rrdcached('collectd through rrdcached', cd, putvaler(lines),
                                                      phases['collectd_rrdcached'], after_round=received)
        stop(cd)
        verify('collectd_rrdcached', cpath)
    except Exception as e:  # the direct figures stand
        log('ingest: through rrdcached failed: %s' % e)
        out.setdefault('vigie_rrdcached', {'error': str(e)})
    finally:
        stop(rc)
    return out


# ---- the table's rows for two shards (bench.py's ingest table calls this when vigie_shards is there) ------

def shards_table(ing, fmt, cell, W0, W=20):
    """Two shards on one PostgreSQL against one server on SQLite and one on PostgreSQL of the same run:
    each figure with its ratio to SQLite's, then to PostgreSQL's (x SQLite, x PostgreSQL)."""
    v, g, p, s = (ing.get(k) or {} for k in ('vigie', 'vigie_pg', 'vigie_pair', 'vigie_shards'))
    if not s or s.get('error'):
        return []
    out = ['', '-- two shards on one PostgreSQL (9) (ratios to SQLite, then to PostgreSQL, 1 server, same run)']
    line = lambda *a: out.append(('%-*s' + ' %-*s' * 4) % (W0, a[0], W - 4, a[1], W, a[2], W + 4, a[3], W + 8, a[4]))

    def two(x, ref_v, ref_g):
        if x is None:
            return '-'
        r = ['x%s' % fmt(x / ref, 2) for ref in (ref_v, ref_g) if isinstance(ref, (int, float)) and ref]
        return fmt(x) + (' (%s)' % ', '.join(r) if r else '')

    row = lambda label, key, vkey=None: line(label, fmt(v.get(vkey or key)), fmt(g.get(key)), fmt(p.get(key)),
                                             two(s.get(key), v.get(vkey or key), g.get(key)))
    line('', 'SQLite, 1 server', 'PostgreSQL, 1 server', 'pair (by both)', '2 shards (the estate)')
    row('values stored per second', 'values_per_s')
    row('server CPU s per 1,000 values', 'cpu_per_1000')
    line('  each server (its own values)', '', '', '%s / %s' % (fmt(p.get('cpu_per_1000_a')), fmt(p.get('cpu_per_1000_b'))),
         '%s / %s' % (fmt(s.get('cpu_per_1000_a')), fmt(s.get('cpu_per_1000_b'))))
    line('postgres CPU s per 1,000 values', 'in the server', fmt(g.get('pg_cpu_per_1000')), fmt(p.get('pg_cpu_per_1000')),
         two(s.get('pg_cpu_per_1000'), v.get('cpu_per_1000'), g.get('pg_cpu_per_1000')))
    line('all CPU s per 1,000 values', fmt(v.get('cpu_per_1000')), fmt(g.get('total_cpu_per_1000')),
         fmt(p.get('total_cpu_per_1000')), two(s.get('total_cpu_per_1000'), v.get('cpu_per_1000'), g.get('total_cpu_per_1000')))
    row('p99 latency per batch, ms', 'p99_ms')
    row('p50 latency per batch, ms', 'p50_ms')
    line('  p99 of each server', '', '', '', '%s / %s' % (fmt(s.get('p99_ms_a')), fmt(s.get('p99_ms_b'))))
    line('PostgreSQL WAL, KiB per 1,000 values', '', fmt(g.get('wal_kib_per_1000')), fmt(p.get('wal_kib_per_1000')),
         two(s.get('wal_kib_per_1000'), None, g.get('wal_kib_per_1000')))
    line('PostgreSQL commits per batch', '', fmt(g.get('pg_commits_per_batch')),
         fmt(p.get('pg_commits_per_batch')) + ' a server', fmt(s.get('pg_commits_per_batch')))
    line('PostgreSQL connections held', '', fmt(g.get('pg_connections')), fmt(p.get('pg_connections')),
         fmt(s.get('pg_connections')))
    line('values read back / sent (5)', v.get('checked_values', '-'), g.get('checked_values', '-'),
         '%s, b %s' % (p.get('checked_values', '-'), p.get('checked_values_b', '-')) if p else '-',
         'a %s, b %s' % (s.get('checked_values_a', '-'), s.get('checked_values_b', '-')))
    line('  found in the other shard\'s files', '', '', '', str(s.get('foreign_values_found', '-')))
    line('batches and samples in the database', '', 'ok' if g.get('db_ok') else '-', 'ok' if p.get('db_ok') else '-',
         'ok' if s.get('db_ok') else 'MISMATCH %s' % s.get('db_batches'))
    line('a push to the other shard\'s server', '', '', '',
         ', '.join('%s %s' % (k, ' '.join(x.split()[:2])) for k, x in sorted((s.get('cross_push_status') or {}).items())))
    out.append('(9) cluster.shards a and b, one vigie-server each (%s) on one PostgreSQL schema, own data_dir each;'
               % ', '.join('%s %s' % kv for kv in sorted((s.get('roles') or {}).items())))
    out.append('    %d sites (agents) in a, %d in b, each agent pushing to its own shard\'s server only, both at once; '
               'values per second: the estate\'s' % (s.get('agents_a', 0), s.get('agents_b', 0)))
    out.append('    (both servers\' stored values added up); CPU per 1,000 of those, "each server" per 1,000 of its own')
    return out
