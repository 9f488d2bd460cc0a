#!/usr/bin/env python3
"""hostile.py - the MTA side of the milter protocol, sending what a
hostile or broken MTA or message would (hardening.sh).

usage:
  hostile.py inject SOCK           a queue id, client name, HELO, address
                                   and header with line feeds in them
  hostile.py stall SOCK LIMIT      half a packet, then silence: prints the
                                   seconds until the milter hung up
  hostile.py message SOCK FILE OUT one message from FILE (headers and body);
                                   writes the A-R value we were given to OUT
  hostile.py manyhdr SOCK N        from 127.0.0.1 (a client we sign for), a
                                   message with From and N more header
                                   fields; prints the end-of-message reply
"""
import socket
import struct
import sys
import time

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


def connect(path, host=b"client.example", qid=b"QID1", helo=b"client.example",
            mailfrom=b"<a@example.net>", addr=b"198.51.100.1"):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(path)
    send(s, b"O", struct.pack("!III", 6, SMFIF_ALL, SMFIP_ALL))
    _, data = recv(s)
    proto = struct.unpack("!III", data[:12])[2]
    send(s, b"C", host + b"\0" + b"4" + struct.pack("!H", 25) + addr + b"\0")
    recv(s)
    send(s, b"H", helo + b"\0")
    recv(s)
    send(s, b"D", b"Mi\0" + qid + b"\0")
    send(s, b"M", mailfrom + b"\0")
    recv(s)
    send(s, b"R", b"<b@example.com>\0")
    recv(s)
    return s, proto


def message(s, proto, headers, body):
    for name, value in headers:
        send(s, b"L", name + b"\0" + value + b"\0")
        if not proto & 0x80:
            recv(s)
    send(s, b"N")
    recv(s)
    send(s, b"B", body)
    recv(s)
    send(s, b"E")
    ops = []
    while True:
        cmd, data = recv(s)
        if cmd == b"i":
            name, value = data[4:].split(b"\0")[:2]
            ops.append((name, value))
        elif cmd in (b"m", b"h", b"p"):
            continue
        else:
            ops.append((b"", cmd + data.split(b"\0")[0]))
            break
    send(s, b"Q")
    s.close()
    return ops


def inject(path):
    s, proto = connect(path, host=b"evil.example\nFORGED-HOST: x",
                       qid=b"QID2\nFORGED-QID: x",
                       helo=b"helo.example\r\nFORGED-HELO: x",
                       mailfrom=b"<a\nFORGED-FROM@example.net>")
    message(s, proto, [(b"From", b" a@example.net\nFORGED-HDR: x"),
                       (b"Subject", b" hi")], b"body\r\n")
    print("ok - inject: message sent")


def stall(path, limit):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(float(limit))
    s.connect(path)
    start = time.time()
    s.sendall(struct.pack("!I", 100) + b"O\0")     # half a packet
    try:
        while s.recv(100):
            pass
        print("%.1f" % (time.time() - start))
    except socket.timeout:
        print("never")


def onemsg(path, file, out):
    raw = open(file, "rb").read().replace(b"\r\n", b"\n")
    head, _, body = raw.partition(b"\n\n")
    headers = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and headers:
            headers[-1] = (headers[-1][0], headers[-1][1] + b"\r\n" + line)
        else:
            name, _, value = line.partition(b":")
            headers.append((name, value))
    s, proto = connect(path, host=b"mx.sender.example")
    ops = message(s, proto, headers, body.replace(b"\n", b"\r\n"))
    with open(out, "wb") as f:
        for name, value in ops:
            if name == b"Authentication-Results":
                f.write(value)


def manyhdr(path, n):
    s, proto = connect(path, host=b"localhost", addr=b"127.0.0.1")
    headers = [(b"From", b" a@example.net"), (b"Subject", b" many")]
    headers += [(b"X-Many", b" %d" % i) for i in range(n)]
    ops = message(s, proto, headers, b"body\r\n")
    print(ops[-1][1].decode(errors="replace"))


if __name__ == "__main__":
    if sys.argv[1] == "inject":
        inject(sys.argv[2])
    elif sys.argv[1] == "manyhdr":
        manyhdr(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "stall":
        stall(sys.argv[2], sys.argv[3])
    else:
        onemsg(sys.argv[2], sys.argv[3], sys.argv[4])
