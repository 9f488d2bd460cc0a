#!/usr/bin/python3
"""dkimpy-helper - dkimpy as a signing and verifying oracle, no DNS.

Run with /usr/bin/python3 (Debian's python3-dkim lives there).

  dkimpy-helper.py verify KEYS FILE...
      Verify every DKIM-Signature of each FILE.  Prints one line per
      signature, tab-separated:  FILE  INDEX  pass|fail  REASON
      and "FILE - none -" for an unsigned message.

  dkimpy-helper.py sign KEYS < JOBS
      Each job line (whitespace-separated):
        OUT IN SELECTOR KEYFILE CANON OVERSIGN LENGTH
      CANON is header/body; OVERSIGN 1 signs From twice (dkimpy's
      include_headers with "from" listed twice), 0 signs it once;
      LENGTH 1 adds l=.  The algorithm comes from the PEM key.  Writes
      the DKIM-Signature header followed by the input (CRLF) to OUT.

KEYS is a table "NAME<TAB>TXT-RECORD" per line; dkimpy's dnsfunc is
replaced by a lookup in it, so no resolver is needed.
"""

import base64
import logging
import sys

import dkim

DOMAIN = b"example.test"


def load_keys(path):
    keys = {}
    with open(path, "rb") as f:
        for line in f:
            line = line.rstrip(b"\r\n")
            if line:
                name, rec = line.split(b"\t", 1)
                keys[name.lower().rstrip(b".")] = rec
    return keys


def crlf(data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


class Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.msgs = []

    def emit(self, record):
        self.msgs.append(record.getMessage())


def verify(keys, files):
    def dnsfunc(name, timeout=5):
        return keys.get(name.lower().rstrip(b"."))

    for path in files:
        with open(path, "rb") as f:
            msg = crlf(f.read())
        try:
            d = dkim.DKIM(msg)
        except Exception as e:      # e.g. an empty file
            print("%s\t-\terror\t%s" % (path, " ".join(str(e).split())))
            continue
        nsig = sum(1 for k, _ in d.headers if k.lower() == b"dkim-signature")
        if nsig == 0:
            print("%s\t-\tnone\t-" % path)
            continue
        for idx in range(nsig):
            cap = Capture()
            log = logging.getLogger("dkimpy-helper.%d" % idx)
            log.handlers = [cap]
            log.propagate = False
            log.setLevel(logging.DEBUG)
            d = dkim.DKIM(msg, logger=log, minkey=1024)
            try:
                ok = d.verify(idx=idx, dnsfunc=dnsfunc)
                reason = "" if ok else (cap.msgs[-1] if cap.msgs else "")
            except Exception as e:
                ok, reason = False, "%s: %s" % (type(e).__name__, e)
            reason = " ".join(reason.split())[:200] or "-"
            print("%s\t%d\t%s\t%s" % (path, idx, "pass" if ok else "fail",
                                      reason))


def read_key(path):
    """Returns (algorithm, key in the form dkim.sign wants)."""
    with open(path, "rb") as f:
        pem = f.read()
    der = base64.b64decode(b"".join(
        l for l in pem.splitlines() if not l.startswith(b"-----")))
    if b"ED25519" in pem.upper() or (len(der) == 48 and
                                      der[7:12] == b"\x06\x03\x2b\x65\x70"):
        # PKCS#8 Ed25519: the 32-byte seed is the tail; dkimpy (PyNaCl)
        # wants it base64-encoded.
        return b"ed25519-sha256", base64.b64encode(der[-32:])
    return b"rsa-sha256", pem


def sign(keys, jobs):
    rc = 0
    for line in jobs:
        f = line.split()
        if not f:
            continue
        out, inp, sel, keyfile, canon, over, length = f
        alg, key = read_key(keyfile)
        with open(inp, "rb") as fh:
            msg = crlf(fh.read())
        hdrs = dkim.DKIM(msg).headers
        # every header present in the message that dkimpy agrees to sign
        # (not Received, ...), From once or twice
        names = []
        for k, _ in hdrs:
            if (k.lower() not in names and
                    k.lower() not in dkim.DKIM.SHOULD_NOT):
                names.append(k.lower())
        if over == "1":
            names.append(b"from")
        c = canon.encode().split(b"/")
        try:
            sig = dkim.sign(msg, sel.encode(), DOMAIN, key,
                            canonicalize=(c[0], c[1]),
                            signature_algorithm=alg,
                            include_headers=names, length=(length == "1"))
        except dkim.DKIMException as e:
            print("%s: sign failed: %s" % (out, e), file=sys.stderr)
            rc = 1
            continue
        with open(out, "wb") as fh:
            fh.write(sig + msg)
    return rc


def main(argv):
    if len(argv) >= 3 and argv[1] == "verify":
        verify(load_keys(argv[2]), argv[3:])
        return 0
    if len(argv) == 3 and argv[1] == "sign":
        return sign(load_keys(argv[2]), sys.stdin)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
