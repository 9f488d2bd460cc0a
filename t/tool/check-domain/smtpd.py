#!/usr/bin/env python3
"""A scripted SMTP server on loopback for t/tool/check-domain.sh.

smtpd.py MODE PORTFILE LOGFILE: listens on 127.0.0.1 (a free port,
written to PORTFILE), answers one connection after another as a real
MTA would for the domain example.com, logs every command it receives
to LOGFILE, and exits after 60 s without a connection.  MODE is a
comma-separated list of: good (the defaults), open (accepts relaying),
notls (no STARTTLS), noabuse (refuses abuse@), flood (an EHLO reply
that never ends), banner=NAME (the name
in the greeting and the EHLO reply).  It never delivers anything.
"""
import socket
import sys

mode = sys.argv[1].split(",")
name = "mail.example.com"
for m in mode:
    if m.startswith("banner="):
        name = m[len("banner="):]
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(4)
srv.settimeout(60)
with open(sys.argv[2], "w") as f:
    f.write("%d\n" % srv.getsockname()[1])
log = open(sys.argv[3], "a", buffering=1)


def session(c):
    r = c.makefile("rb")

    def say(s):
        c.sendall(s.encode() + b"\r\n")

    say("220 %s ESMTP scripted" % name)
    while True:
        line = r.readline()
        if not line:
            return
        cmd = line.decode("ascii", "replace").rstrip("\r\n")
        log.write(cmd + "\n")
        verb = cmd.split(" ")[0].upper()
        arg = cmd[len(verb):].strip().lower()
        if verb == "EHLO" and "flood" in mode:
            for i in range(100000):
                say("250-X-FLOOD-%d" % i)
        elif verb == "EHLO":
            ext = ["PIPELINING", "SIZE 10240000"]
            if "notls" not in mode:
                ext.append("STARTTLS")
            ext.append("8BITMIME")
            say("250-" + name)
            for e in ext[:-1]:
                say("250-" + e)
            say("250 " + ext[-1])
        elif verb == "HELO":
            say("250 " + name)
        elif verb == "MAIL":
            say("250 2.1.0 Ok")
        elif verb == "RCPT":
            if arg.endswith("@example.com>"):
                if "abuse@" in arg and "noabuse" in mode:
                    say("550 5.1.1 <abuse@example.com>: Recipient address rejected")
                else:
                    say("250 2.1.5 Ok")
            elif "open" in mode:
                say("250 2.1.5 Ok")
            else:
                say("554 5.7.1 Relay access denied")
        elif verb == "RSET":
            say("250 2.0.0 Ok")
        elif verb == "DATA":
            say("354 End data with <CR><LF>.<CR><LF>")
        elif verb == "QUIT":
            say("221 2.0.0 Bye")
            return
        else:
            say("502 5.5.2 Error: command not recognized")


while True:
    try:
        conn, _ = srv.accept()
    except socket.timeout:
        break
    conn.settimeout(30)
    try:
        session(conn)
    except OSError:
        pass
    conn.close()
