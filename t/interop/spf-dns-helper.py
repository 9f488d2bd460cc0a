#!/usr/bin/env python3
"""t/interop/spf-dns-helper.py - a small DNS server that misbehaves on
purpose, and a milter client, for t/interop/spf-dns.sh (stdlib only)

  serve PORTFILE LOGFILE
      Answers on 127.0.0.1, UDP and TCP on the same free port (written
      to PORTFILE), until killed.  It plays a recursive resolver for the
      names in ZONE below: CNAME chains are followed into the answer (a
      loop is sent as it is, for the client to notice), a name that
      does not exist is NXDOMAIN, and per name it can answer SERVFAIL,
      never answer, answer late, or truncate over UDP (always, or when
      the answer does not fit the client's UDP size) and then answer
      or stay silent over TCP.  One line per query goes to LOGFILE:
      "proto qname qtype".
  mailfrom SOCKET IP HELO SENDER
      Speaks the MTA side of the milter protocol to the milter at the
      unix SOCKET up to MAIL FROM and prints "SECONDS CMD REPLY" for the
      milter's answer to MAIL FROM.

Nothing leaves the loopback interface.
"""
import os
import socket
import struct
import sys
import threading
import time

A, CNAME, MX, TXT, AAAA, OPT = 1, 5, 15, 16, 28, 41
NOERROR, SERVFAIL, NXDOMAIN = 0, 2, 3


def txt(*strings):
    return (TXT, list(strings))


# name -> {"rr": [(type, data)], behaviour flags}
ZONE = {
    # SERVFAIL for the record itself, and for a mechanism's target
    "servfail.test": {"servfail": True},
    "spf-a-servfail.test": {"rr": [txt("v=spf1 a:servfail.test -all")]},
    # never answers, directly and under an include
    "silent.test": {"silent": True},
    "spf-inc-silent.test": {"rr": [txt("v=spf1 include:silent.test -all")]},
    # truncated over UDP: the SPF record among TXT records too big for
    # any UDP size; TCP has it all
    "big.test": {"rr": [txt("v=spf1 ip4:192.0.2.1 -all")] +
                 [txt(("%c" % (ord("a") + i)) * 250, "x" * 250)
                  for i in range(12)]},
    # truncated over UDP, and TCP never answers
    "tcp-silent.test": {"rr": [txt("v=spf1 ip4:192.0.2.1 -all")],
                        "tc": True, "tcp_silent": True},
    # CNAME chains: the record, an a: target, an exp= text
    "chain.test": {"rr": [(CNAME, "chain2.test")]},
    "chain2.test": {"rr": [(CNAME, "chain3.test")]},
    "chain3.test": {"rr": [txt("v=spf1 ip4:192.0.2.1 -all")]},
    "spf-a-chain.test": {"rr": [txt("v=spf1 a:ca.test -all")]},
    "ca.test": {"rr": [(CNAME, "ca2.test")]},
    "ca2.test": {"rr": [(A, "192.0.2.1")]},
    "spf-exp-chain.test": {"rr": [txt("v=spf1 -all exp=expc.test")]},
    "expc.test": {"rr": [(CNAME, "expt.test")]},
    "expt.test": {"rr": [txt("%{i} refused by %{d}")]},
    # a chain to a name without TXT (NODATA), and to no name (NXDOMAIN)
    "nodata-chain.test": {"rr": [(CNAME, "aonly.test")]},
    "aonly.test": {"rr": [(A, "192.0.2.9")]},
    "spf-inc-nx-chain.test": {"rr": [txt("v=spf1 include:nxc.test -all")]},
    "nxc.test": {"rr": [(CNAME, "gone.test")]},
    # CNAME loops: the record, and an include target
    "loop.test": {"rr": [(CNAME, "loop2.test")]},
    "loop2.test": {"rr": [(CNAME, "loop.test")]},
    "spf-inc-loop.test": {"rr": [txt("v=spf1 include:loop.test -all")]},
    # mx: one MX name's A lookup fails
    "spf-mx-servfail.test": {"rr": [txt("v=spf1 mx -all"),
                                    (MX, (10, "mx1.spf-mx-servfail.test")),
                                    (MX, (20, "servfail.test"))]},
    "mx1.spf-mx-servfail.test": {"rr": [(A, "192.0.2.1")]},
    # helo names
    "helo.test": {"rr": [txt("v=spf1 ip4:198.51.100.1 -all")]},
}

# slow.test: ten mx terms, each MX with ten names; every answer below
# slow.test comes 250 ms late (the time budget must stop it)
ZONE["slow.test"] = {"rr": [txt("v=spf1 " + " ".join(
    "mx:m%d.slow.test" % i for i in range(10)) + " -all")]}
for _i in range(10):
    ZONE["m%d.slow.test" % _i] = {
        "rr": [(MX, (k, "h%d.m%d.slow.test" % (k, _i))) for k in range(10)],
        "delay": 0.25}
    for _k in range(10):
        ZONE["h%d.m%d.slow.test" % (_k, _i)] = {"rr": [(A, "192.0.2.%d" % _k)],
                                                "delay": 0.25}

# a CNAME chain longer than any resolver should follow
for _i in range(12):
    ZONE["long%d.test" % _i] = {"rr": [(CNAME, "long%d.test" % (_i + 1))]}
ZONE["long12.test"] = {"rr": [txt("v=spf1 ip4:192.0.2.1 -all")]}


# ---------------------------------------------------------------- wire format

def name_wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rdata(rtype, data):
    if rtype == A:
        return socket.inet_aton(data)
    if rtype == CNAME:
        return name_wire(data)
    if rtype == MX:
        return struct.pack("!H", data[0]) + name_wire(data[1])
    if rtype == TXT:
        return b"".join(bytes([len(s)]) + s.encode() for s in data)
    raise ValueError(rtype)


def rr_wire(owner, rtype, data):
    rd = rdata(rtype, data)
    return (name_wire(owner) + struct.pack("!HHIH", rtype, 1, 300, len(rd)) +
            rd)


def parse_query(pkt):
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", pkt[:12])
    pos, labels = 12, []
    while pkt[pos]:
        n = pkt[pos]
        labels.append(pkt[pos + 1:pos + 1 + n].decode("ascii", "replace"))
        pos += 1 + n
    pos += 1
    qtype, qclass = struct.unpack("!HH", pkt[pos:pos + 4])
    question = pkt[12:pos + 4]
    pos += 4
    udp_size = 512
    for _ in range(ar):			# EDNS: the client's UDP size
        if pkt[pos] == 0 and len(pkt) >= pos + 11:
            rtype, size = struct.unpack("!HH", pkt[pos + 1:pos + 5])
            if rtype == OPT:
                udp_size = max(512, size)
        break
    return qid, flags, ".".join(labels).lower(), qtype, question, udp_size


def resolve(qname, qtype):
    """(rcode, [answer records]) as a recursive resolver would answer;
    None to stay silent."""
    answer, cur, seen = [], qname, set()
    for _ in range(20):
        if cur in seen:
            return NOERROR, answer	# a loop, sent as it is
        seen.add(cur)
        entry = ZONE.get(cur)
        if entry is None:
            return NXDOMAIN, answer	# RFC 6604: the chain, then NXDOMAIN
        if entry.get("silent"):
            return None
        if entry.get("servfail"):
            return SERVFAIL, []
        rrs = entry.get("rr", [])
        cname = [d for t, d in rrs if t == CNAME]
        if cname and qtype != CNAME:
            answer.append((cur, CNAME, cname[0]))
            cur = cname[0]
            continue
        answer += [(cur, t, d) for t, d in rrs if t == qtype]
        return NOERROR, answer
    return NOERROR, answer


def reply(pkt, proto):
    qid, flags, qname, qtype, question, udp_size = parse_query(pkt)
    entry = ZONE.get(qname, {})
    if entry.get("delay"):
        time.sleep(entry["delay"])
    if proto == "tcp" and entry.get("tcp_silent"):
        return None
    res = resolve(qname, qtype)
    if res is None:
        return None
    rcode, answer = res
    body = b"".join(rr_wire(*a) for a in answer)
    tc = 0
    if proto == "udp" and (entry.get("tc") or
                           12 + len(question) + len(body) > udp_size):
        tc, answer, body = 0x0200, [], b""
    rflags = 0x8000 | (flags & 0x7900) | 0x0080 | tc | rcode
    return (struct.pack("!HHHHHH", qid, rflags, 1, len(answer), 0, 0) +
            question + body)


# ---------------------------------------------------------------- server

LOCK = threading.Lock()


def log(logf, proto, pkt):
    try:
        _, _, qname, qtype, _, _ = parse_query(pkt)
    except Exception:
        qname, qtype = "?", 0
    with LOCK:
        logf.write("%s %s %d\n" % (proto, qname, qtype))
        logf.flush()


def udp_one(sock, pkt, addr, logf):
    log(logf, "udp", pkt)
    try:
        r = reply(pkt, "udp")
        if r is not None:
            sock.sendto(r, addr)
    except Exception as e:
        print("udp: %s" % e, file=sys.stderr)


def udp_loop(sock, logf):
    while True:
        pkt, addr = sock.recvfrom(4096)
        threading.Thread(target=udp_one, args=(sock, pkt, addr, logf),
                         daemon=True).start()


def tcp_one(conn, logf):
    try:
        conn.settimeout(30)
        while True:
            head = conn.recv(2)
            if len(head) < 2:
                break
            (n,) = struct.unpack("!H", head)
            pkt = b""
            while len(pkt) < n:
                chunk = conn.recv(n - len(pkt))
                if not chunk:
                    return
                pkt += chunk
            log(logf, "tcp", pkt)
            r = reply(pkt, "tcp")
            if r is None:
                time.sleep(30)		# hold the connection, say nothing
                return
            conn.sendall(struct.pack("!H", len(r)) + r)
    except Exception:
        pass
    finally:
        conn.close()


def tcp_loop(sock, logf):
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=tcp_one, args=(conn, logf),
                         daemon=True).start()


def bind_pair():
    for _ in range(50):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            t.bind(("127.0.0.1", port))
        except OSError:
            u.close()
            t.close()
            continue
        t.listen(16)
        return u, t, port
    raise SystemExit("no free port")


def cmd_serve(portfile, logfile):
    u, t, port = bind_pair()
    logf = open(logfile, "a")
    threading.Thread(target=tcp_loop, args=(t, logf), daemon=True).start()
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(portfile + ".tmp", portfile)
    udp_loop(u, logf)


# ---------------------------------------------------------------- milter client

def msend(s, cmd, data=b""):
    s.sendall(struct.pack("!I", len(data) + 1) + cmd + data)


def mrecv(s):
    def exact(n):
        buf = b""
        while len(buf) < n:
            chunk = s.recv(n - len(buf))
            if not chunk:
                raise EOFError("milter closed the connection")
            buf += chunk
        return buf
    (n,) = struct.unpack("!I", exact(4))
    data = exact(n)
    return data[:1], data[1:]


def cmd_mailfrom(path, ip, helo, sender):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(path)
    msend(s, b"O", struct.pack("!III", 6, 0x1FF, 0x1FFFFF))
    mrecv(s)
    msend(s, b"C", b"client.test\0" + b"4" + struct.pack("!H", 25) +
          ip.encode() + b"\0")
    mrecv(s)
    msend(s, b"H", helo.encode() + b"\0")
    mrecv(s)
    msend(s, b"D", b"Mi\0DNSQID\0")
    t0 = time.monotonic()
    msend(s, b"M", sender.encode() + b"\0")
    cmd, data = mrecv(s)
    elapsed = time.monotonic() - t0
    msend(s, b"Q")
    s.close()
    print("%.2f %s %s" % (elapsed, cmd.decode(),
                          data.rstrip(b"\0").decode("ascii", "replace")))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        cmd_serve(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 6 and sys.argv[1] == "mailfrom":
        cmd_mailfrom(*sys.argv[2:])
    else:
        sys.exit(__doc__)
