#!/usr/bin/env python3
"""arindex.py - forged Authentication-Results are deleted highest index
first (CVE-2022-48521), checked on the wire.

miltertest does not report smfi_chgheader indices, so this speaks the
MTA side of the milter protocol (version 6) itself and prints TAP lines
without numbers (milter.sh numbers them).

usage: arindex.py SOCKETPATH
"""
import socket
import struct
import sys

SMFIF_ALL = 0x1FF
SMFIP_ALL = 0x1FFFFF


def send(s, cmd, data=b""):
    s.sendall(struct.pack("!I", len(data) + 1) + cmd + data)


def recv(s):
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


def ok(cond, name, got=None):
    print(("ok - " if cond else "not ok - ") + name)
    if not cond and got is not None:
        print("# got: %r" % (got,))


def main():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(sys.argv[1])
    send(s, b"O", struct.pack("!III", 6, SMFIF_ALL, SMFIP_ALL))
    cmd, data = recv(s)
    _, actions, proto = struct.unpack("!III", data[:12])
    nr_hdr = proto & 0x80
    ok(proto & 0x100000, "arindex: SMFIP_HDR_LEADSPC negotiated")
    send(s, b"C", b"mx.other.example\0" + b"4" + struct.pack("!H", 25) +
         b"192.0.2.9\0")
    recv(s)
    for cmd, arg in ((b"H", b"client.example\0"),
                     (b"M", b"<a@example.net>\0"),
                     (b"R", b"<b@example.com>\0")):
        if cmd == b"M":
            send(s, b"D", b"Mi\0ARIDX\0")
        send(s, cmd, arg)
        recv(s)
    fields = [
        ("Received", " from x by y"),
        ("Authentication-Results", " mx.example.org; dkim=pass header.d=evil.example"),  # 1: ours
        ("Authentication-Results", " other.example; dkim=pass"),                           # 2
        ("From", " user@example.net"),
        ("Authentication-Results", " (forged) MX.Example.Org; spf=pass"),                 # 3: ours
        ("Authentication-Results", " mx.example.org.evil; dkim=pass"),                    # 4
        ("Authentication-Results", ' "mx.example.org"; dkim=pass'),                       # 5: ours
        ("Subject", " hello"),
    ]
    for name, value in fields:
        send(s, b"L", name.encode() + b"\0" + value.encode() + b"\0")
        if not nr_hdr:
            recv(s)
    send(s, b"N")
    recv(s)
    send(s, b"B", b"body\r\n")
    recv(s)
    send(s, b"E")
    ops = []
    while True:
        cmd, data = recv(s)
        if cmd in (b"m", b"i"):
            (idx,) = struct.unpack("!I", data[:4])
            name, value = data[4:].split(b"\0")[:2]
            ops.append((cmd.decode(), idx, name.decode(), value.decode()))
        elif cmd in (b"p",):
            continue
        else:
            final = cmd
            break
    send(s, b"Q")
    s.close()
    dels = [(o[1]) for o in ops if o[0] == "m"]
    ok(dels == [5, 3, 1], "arindex: deletes A-R 5, 3, 1 in that order", dels)
    ok(all(o[3] == "" and o[2] == "Authentication-Results"
           for o in ops if o[0] == "m"), "arindex: deletions have an empty value")
    ins = [o for o in ops if o[0] == "i"]
    ok(len(ins) == 1 and ins[0][1] == 0 and
       ins[0][2] == "Authentication-Results" and
       ins[0][3].startswith(" mx.example.org;\n\tdkim=none"),
       "arindex: our A-R inserted at index 0", ins)
    ok(ops and ops[-1][0] == "i", "arindex: inserted after the deletions", ops)
    ok(final == b"a", "arindex: accepted", final)


if __name__ == "__main__":
    main()
