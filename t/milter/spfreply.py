#!/usr/bin/env python3
"""spfreply.py - the SMTP replies of SPF rejections, on the wire.

miltertest does not show the text of a reply given before the end of
the message, so this speaks the MTA side of the milter protocol (as
arindex.py does) and checks the reply to MAIL FROM for each sender.
Prints TAP lines without numbers (milter.sh numbers them).

usage: spfreply.py SOCKETPATH
"""
import socket
import struct
import sys

from arindex import SMFIF_ALL, SMFIP_ALL, ok, recv, send

CASES = [
    ("fail, SPFExplanation", "<a@fail.spf.example>",
     b"550 5.7.23 custom: 198.51.100.1 refused for fail.spf.example"),
    ("fail, exp=", "<b@failexp.spf.example>",
     b"550 5.7.23 198.51.100.1 may not send for failexp.spf.example, "
     b"see https://spf.example/why"),
    ("fail, '%' in the explanation doubled", "<c@pct.spf.example>",
     b"550 5.7.23 100%% sure: 198.51.100.1 is refused"),
    ("softfail", "<a@softfail.spf.example>",
     b"550 5.7.23 SPF softfail: softfail.spf.example does not designate "
     b"198.51.100.1 as permitted sender"),
    ("temperror", "<a@temp.spf.example>",
     b"451 4.7.24 SPF: temporary error checking temp.spf.example, "
     b"try again later"),
    ("pass", "<a@pass.spf.example>", None),
]


def mail_from(path, sender):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    send(s, b"O", struct.pack("!III", 6, SMFIF_ALL, SMFIP_ALL))
    recv(s)
    send(s, b"C", b"mx.sender.example\0" + b"4" + struct.pack("!H", 25) +
         b"198.51.100.1\0")
    recv(s)
    send(s, b"H", b"helo.spf.example\0")
    recv(s)
    send(s, b"D", b"Mi\0WIRE\0")
    send(s, b"M", sender.encode() + b"\0")
    cmd, data = recv(s)
    send(s, b"Q")
    s.close()
    return cmd, data.rstrip(b"\0")


def main():
    for name, sender, want in CASES:
        cmd, data = mail_from(sys.argv[1], sender)
        if want is None:
            ok(cmd == b"c", "reply: %s: continue" % name, (cmd, data))
        else:
            ok(cmd == b"y" and data == want, "reply: %s: %s" %
               (name, want.decode()), (cmd, data))


if __name__ == "__main__":
    main()
