#!/usr/bin/python3
"""A deliberately bad SNMP agent for tests: it serves an snmprec file for GET and GETNEXT (v1 and
v2c) but answers every GETBULK with genErr, as some management cards do. The agent must fall back
to GETNEXT for such a device. Usage: nobulk_agent.py FILE.snmprec PORT (Debian's python3-pysnmp4)."""
import bisect
import socket
import sys

from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api, rfc1902, rfc1905

TYPES = {"2": rfc1902.Integer32, "4": rfc1902.OctetString, "6": rfc1902.ObjectName,
         "65": rfc1902.Counter32, "66": rfc1902.Gauge32, "67": rfc1902.TimeTicks, "70": rfc1902.Counter64}


def load(path):
    rows = []
    for line in open(path, encoding="utf-8"):
        oid, tag, value = line.rstrip("\n").split("|", 2)
        key = tuple(int(x) for x in oid.split("."))
        if tag == "4x":
            val = rfc1902.OctetString(hexValue=value)
        else:
            val = TYPES[tag](int(value) if tag not in ("4", "6") else value)
        rows.append((key, val))
    rows.sort()
    return [r[0] for r in rows], [r[1] for r in rows]


def main():
    keys, vals = load(sys.argv[1])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", int(sys.argv[2])))
    while True:
        data, peer = sock.recvfrom(65535)
        version = int(api.decodeMessageVersion(data))
        pmod = api.protoModules[version]
        msg, _ = decoder.decode(data, asn1Spec=pmod.Message())
        req = pmod.apiMessage.getPDU(msg)
        rsp_msg = pmod.apiMessage.getResponse(msg)
        rsp = pmod.apiMessage.getPDU(rsp_msg)
        out = []
        err = None
        if req.isSameTypeWith(pmod.GetRequestPDU()):
            for oid, _ in pmod.apiPDU.getVarBinds(req):
                i = bisect.bisect_left(keys, tuple(oid))
                if i < len(keys) and keys[i] == tuple(oid):
                    out.append((oid, vals[i]))
                elif version == api.protoVersion1:
                    err = ("noSuchName", len(out) + 1)
                    break
                else:
                    out.append((oid, rfc1905.noSuchInstance))
        elif req.isSameTypeWith(pmod.GetNextRequestPDU()):
            for oid, _ in pmod.apiPDU.getVarBinds(req):
                i = bisect.bisect_right(keys, tuple(oid))
                if i < len(keys):
                    out.append((rfc1902.ObjectName(keys[i]), vals[i]))
                elif version == api.protoVersion1:
                    err = ("noSuchName", len(out) + 1)
                    break
                else:
                    out.append((oid, rfc1905.endOfMibView))
        else:  # GETBULK and anything else
            err = ("genErr", 1)
        if err:
            pmod.apiPDU.setErrorStatus(rsp, err[0])
            pmod.apiPDU.setErrorIndex(rsp, err[1])
            pmod.apiPDU.setVarBinds(rsp, pmod.apiPDU.getVarBinds(req))
        else:
            pmod.apiPDU.setVarBinds(rsp, out)
        sock.sendto(encoder.encode(rsp_msg), peer)


if __name__ == "__main__":
    main()
