#!/usr/bin/python3
"""dmarcparse.py - the A-R values dmarc.lua captured parse with
python3-authres, and each dmarc result names header.from (unquoted
domains: the parser drops quoted ones).

Prints TAP lines without numbers (milter.sh numbers them).  Run with
Debian's /usr/bin/python3, where python3-authres lives.

usage: dmarcparse.py FILE...
"""
import os
import sys

import authres


def ok(cond, name, got=None):
    print(("ok - " if cond else "not ok - ") + name)
    if not cond and got is not None:
        print("# got: %r" % (got,))


def main(paths):
    for path in paths:
        name = "%s/%s" % (os.path.basename(os.path.dirname(path)),
                          os.path.basename(path))
        with open(path) as f:
            value = f.read()
        try:
            h = authres.AuthenticationResultsHeader.parse(
                "Authentication-Results:" + value)
        except Exception as e:  # the parser raises many kinds
            ok(False, "dmarcparse: %s parses with python3-authres" % name,
               "%s: %s" % (type(e).__name__, e))
            continue
        methods = [r.method for r in h.results]
        dm = [r for r in h.results if r.method == "dmarc"]
        froms = [[p.value for p in r.properties
                  if (p.type, p.name) == ("header", "from")] for r in dm]
        ok(h.authserv_id == "mx.example.org" and len(dm) > 0 and
           methods.index("dmarc") > methods.index("dkim") and
           all(len(x) == 1 and x[0] for x in froms),
           "dmarcparse: %s parses with python3-authres (%d dmarc, "
           "header.from %s)" % (name, len(dm),
                                ",".join(x[0] for x in froms if x)),
           value)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
