#!/usr/bin/python3
"""gen_public_sites: writes a made-up public-sites CSV (server.yaml `public_sites: {file:}`, the columns
of server/config/public_sites.h) of N schools, town halls, police stations, traffic equipment and
cameras spread over the NROs of a server, in realistic French communes and EPCI of the Somme, for the
tests and the demo. Python 3 standard library only.

    gen_public_sites.py [-n 1200] (--nro ID[,ID...] | --server-yaml FILE) [--contract NAME[:WEIGHT]]...
                        [--agent ID] [--range loopback|bench] [--dual PCT] [--checks icmp|mixed]
                        [--seed 19] [-o FILE]

The same arguments always give the same file (--seed). The sites go to the NROs in contiguous blocks
(as equal as can be), each NRO with its own communes, so that a test can tell by hand how many sites
hang from each one. Addresses are never outside this machine: loopback (127.1.0.1 upwards) by
default, or the benchmarking range 198.18.0.0/15 (--range bench) for tests that create network
namespaces; each NRO's block starts on a new /24, so that a namespace per NRO can route its block.
Names have accents, commas and quotes, so that the file exercises the CSV's quoting.

Why not read YAML: the standard library has no YAML parser. --server-yaml scans a server.yaml for the
sites of kind nro written one a line ("- {id: x, ..., kind: nro}") or as a block ("- id: x" then
"kind: nro"), which is how conf/server.yaml and the tests write them; --nro names them outright."""
import argparse
import csv
import ipaddress
import random
import re
import sys
import unicodedata

CATEGORIES = (("school", 34), ("town_hall", 26), ("traffic", 14), ("camera", 14), ("police", 6), ("other", 6))
PREFIX = {"school": "ecole", "town_hall": "mairie", "police": "police", "traffic": "feux", "camera": "cam",
          "other": "site"}
# EPCI and their communes (real names of the Somme; the sites in them are made up)
EPCI = (
    ("CC du Territoire Nord Picardie", ("Doullens", "Beauval", "Bernaville", "Authieule", "Beauquesne", "Candas",
                                        "Fienvillers", "Gézaincourt", "Hem-Hardinval", "Lucheux", "Naours", "Occoches")),
    ("CC de la Haute Somme", ("Péronne", "Bray-sur-Somme", "Combles", "Cléry-sur-Somme", "Épehy", "Moislains",
                              "Roisel", "Sailly-Saillisel", "Templeux-la-Fosse", "Villers-Carbonnel")),
    ("CC du Grand Roye", ("Montdidier", "Roye", "Ailly-sur-Noye", "Hangest-en-Santerre", "Rosières-en-Santerre",
                          "Moreuil", "Fignières", "Piennes-Onvillers", "Guerbigny", "Davenescourt")),
    ("CA de la Baie de Somme", ("Abbeville", "Cayeux-sur-Mer", "Saint-Valery-sur-Somme", "Le Crotoy", "Rue",
                                "Fort-Mahon-Plage", "Quend", "Saint-Quentin-en-Tourmont", "Lanchères", "Pendé",
                                "Brutelles", "Woignarue")),
    ("CC Ponthieu-Marquenterre", ("Crécy-en-Ponthieu", "Nouvion", "Ailly-le-Haut-Clocher", "Forest-Montiers",
                                  "Bernay-en-Ponthieu", "Domvast", "Canchy", "Estrées-lès-Crécy")),
    ("CC Somme Sud-Ouest", ("Poix-de-Picardie", "Hornoy-le-Bourg", "Oisemont", "Conty", "Airaines", "Molliens-Dreuil",
                            "Quevauvillers", "Hallivillers", "Thieulloy-l'Abbaye", "Famechon")),
    ("CC du Val de Somme", ("Corbie", "Villers-Bretonneux", "Fouilloy", "Daours", "Lamotte-Warfusée", "Hamelet",
                            "Vaire-sous-Corbie", "Sailly-le-Sec")),
    ("CC du Pays du Coquelicot", ("Albert", "Acheux-en-Amiénois", "Mailly-Maillet", "Méaulte", "Bouzincourt",
                                  "Hédauville", "Pozières", "Thiepval", "Varennes", "Englebelmer")),
)
PEOPLE = ("Jean Jaurès", "Victor Hugo", "Jules Ferry", "Louise Michel", "Jean Moulin", "Marie Curie", "Jules Verne",
          "Pasteur", "Condorcet", "Jean de La Fontaine", "Simone Veil", "Paul Éluard", "Charles Péguy", "George Sand")
PLACES = ("place de l'Église", "place de la Mairie", "rue de la République", "parking de la gare", "rond-point de la RD 925",
          "entrée nord", "stade municipal", "salle des fêtes", "déchetterie", "quai du canal", "rue du Général Leclerc")
OTHERS = ("Médiathèque", "Salle polyvalente", "Centre technique municipal", "Piscine intercommunale",
          "Maison de santé", "Office de tourisme", "Centre social « Le Lien »")


def die(msg):
    """a bad argument or input: said on stderr, exit status 2 (as argparse's own errors)"""
    sys.stderr.write("gen_public_sites: %s\n" % msg)
    sys.exit(2)


def slug(s):
    """ascii, lower case, words joined by '-': what a site id may be (lib/names.h)"""
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")


def site_name(rnd, category, commune):
    if category == "school":
        kind = rnd.choice(("École élémentaire", "École maternelle", "Groupe scolaire", "Collège"))
        return "%s %s" % (kind, rnd.choice(PEOPLE))
    if category == "town_hall":
        return rnd.choice(("Mairie de %s", "Hôtel de ville, %s", "Mairie annexe de %s")) % commune
    if category == "police":
        return rnd.choice(("Gendarmerie de %s", "Police municipale de %s", "Brigade de gendarmerie, %s")) % commune
    if category == "traffic":
        return "Feux tricolores, %s" % rnd.choice(PLACES)
    if category == "camera":
        return "Caméra %s" % rnd.choice(PLACES)
    return rnd.choice(OTHERS)


def checks_of(rnd, category, mode, first):
    if mode == "icmp":
        return "icmp"
    if category == "camera":
        return "icmp tcp:554"
    if category == "town_hall" and rnd.random() < 0.3:
        return 'icmp http:http://%s/=200' % first
    if category == "police":
        return "icmp tcp:443"
    return "icmp"


class Addresses:
    """Consecutive host addresses from a start, never .0 nor .255, each NRO from a new /24."""

    def __init__(self, net):
        self.net = ipaddress.ip_network(net)
        self.next = int(self.net.network_address)

    def new_block(self):
        if self.next % 256 != 0:
            self.next += 256 - self.next % 256

    def take(self):
        if self.next % 256 == 0:
            self.next += 1
        if self.next % 256 == 255:
            self.next += 2
        a = ipaddress.ip_address(self.next)
        if a not in self.net:
            die("%s has no room for so many addresses" % self.net)
        self.next += 1
        return str(a)


def nros_from_yaml(path):
    """the ids of the sites of kind nro, in their order (see the module's note)"""
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError as e:
        die("%s: %s" % (path, e.strerror))
    out, block = [], None
    for line in lines:
        line = line.split(" #")[0].rstrip()
        m = re.match(r"\s*-\s*\{(.*)\}\s*$", line)
        if m:
            f = dict(re.findall(r"(\w+):\s*\"?([^,\"]*)\"?", m.group(1)))
            if f.get("kind", "").strip() == "nro" and f.get("id"):
                out.append(f["id"].strip())
            block = None
            continue
        m = re.match(r"\s*-\s*id:\s*\"?([\w.-]+)\"?\s*$", line)
        if m:
            block = m.group(1)
            continue
        if block and re.match(r"\s+kind:\s*\"?nro\"?\s*$", line):
            out.append(block)
            block = None
    if not out:
        die("%s: no site of kind nro found" % path)
    return out


def weighted(specs):
    out = []
    for s in specs:
        name, _, w = s.partition(":")
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", name):
            die("--contract %r: not a contract name" % s)
        try:
            weight = float(w) if w else 1.0
        except ValueError:
            die("--contract %r: the weight is not a number" % s)
        if weight <= 0:
            die("--contract %r: the weight must be positive" % s)
        out.append((name, weight))
    return out


def generate(args):
    rnd = random.Random(args.seed)
    nros = args.nros
    contracts = weighted(args.contract or ["standard"])
    addrs = Addresses("127.1.0.0/16" if args.range == "loopback" else "198.18.0.0/15")
    # each NRO its own communes: the EPCI are dealt round the NROs, their communes in turn
    pools = [[] for _ in nros]
    flat = [(epci, c) for epci, cs in EPCI for c in cs]
    for i, ec in enumerate(flat):
        pools[i * len(nros) // len(flat) if len(nros) <= len(flat) else i % len(nros)].append(ec)
    for i, p in enumerate(pools):
        if not p:
            p.append(flat[i % len(flat)])
    rows, ids = [], set()
    for k, nro in enumerate(nros):
        lo, hi = k * args.count // len(nros), (k + 1) * args.count // len(nros)
        addrs.new_block()
        for i in range(lo, hi):
            epci, commune = pools[k][rnd.randrange(len(pools[k]))]
            category = rnd.choices([c for c, _ in CATEGORIES], [w for _, w in CATEGORIES])[0]
            base = ("%s-%s" % (PREFIX[category], slug(commune)))[:56]
            n, sid = 1, base
            while sid in ids:
                n += 1
                sid = "%s-%d" % (base, n)
            ids.add(sid)
            hosts = [addrs.take()]
            if rnd.random() * 100 < args.dual:
                hosts.append(addrs.take())
            row = {"id": sid, "name": site_name(rnd, category, commune), "commune": commune, "epci": epci,
                   "category": category, "nro": nro, "address": " ".join(hosts),
                   "contract": rnd.choices([c for c, _ in contracts], [w for _, w in contracts])[0],
                   "checks": checks_of(rnd, category, args.checks, hosts[0])}
            if args.agent:
                row["agent"] = args.agent
            rows.append(row)
    return rows


def main(argv):
    p = argparse.ArgumentParser(prog="gen_public_sites.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n\n".join(__doc__.split("\n\n")[2:]))
    p.add_argument("-n", "--count", type=int, default=1200, help="how many sites (1..5000, default 1200)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--nro", action="append", help="an NRO site id, or several separated by commas (repeatable)")
    src.add_argument("--server-yaml", metavar="FILE", help="take the NROs of this server.yaml (its sites of kind nro)")
    p.add_argument("--contract", action="append", metavar="NAME[:WEIGHT]",
                   help="a contract class of server.yaml and its share (repeatable; default: standard)")
    p.add_argument("--agent", help="write an agent column naming this checking agent (default: none, "
                                   "server.yaml's public_sites: agent checks them)")
    p.add_argument("--range", choices=("loopback", "bench"), default="loopback",
                   help="addresses in 127.1.0.0/16 (default) or in the benchmarking range 198.18.0.0/15")
    p.add_argument("--dual", type=float, default=0, metavar="PCT", help="percent of the sites with a second address (default 0)")
    p.add_argument("--checks", choices=("icmp", "mixed"), default="icmp",
                   help="icmp only (default), or mixed: cameras tcp:554, police tcp:443, some town halls an HTTP GET")
    p.add_argument("--seed", type=int, default=19, help="the random seed (default 19)")
    p.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output)")
    args = p.parse_args(argv)
    if not 1 <= args.count <= 5000:
        p.error("--count must be 1..5000 (server/config/public_sites.h, PUBLIC_MAX_SITES)")
    if not 0 <= args.dual <= 100:
        p.error("--dual must be a percentage, 0..100")
    if args.agent and not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", args.agent):
        p.error("--agent %r: not an agent name" % args.agent)
    if args.server_yaml:
        args.nros = nros_from_yaml(args.server_yaml)
    else:
        args.nros = [n.strip() for x in args.nro for n in x.split(",") if n.strip()]
    for n in args.nros:
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", n):
            p.error("NRO %r: not a site id" % n)
    if len(set(args.nros)) != len(args.nros) or not args.nros:
        p.error("the NROs must be given once each, at least one")
    rows = generate(args)
    cols = ["id", "name", "commune", "epci", "category", "nro", "address", "contract", "checks"] + (["agent"] if args.agent else [])
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout
    w = csv.DictWriter(out, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    if args.output:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
