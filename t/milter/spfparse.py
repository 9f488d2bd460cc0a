#!/usr/bin/python3
"""spfparse.py - the header values the SPF milter tests captured parse.

  ar-NAME    an Authentication-Results value: python3-authres must parse
             it, and each spf result must carry smtp.mailfrom or
             smtp.helo
  rspf-NAME  a Received-SPF value (RFC 7208 9.1): pyspf's parser must
             read back the result, client-ip, envelope-from, helo,
             receiver and identity

Prints TAP lines without numbers (milter.sh numbers them).  Run with
Debian's /usr/bin/python3, where python3-authres and python3-spf live.

usage: spfparse.py FILE...
"""
import os
import re
import sys

import authres
import spf


def ok(cond, name, got=None):
    print(("ok - " if cond else "not ok - ") + name)
    if not cond and got is not None:
        print("# got: %r" % (got,))


def check_ar(path, value):
    name = os.path.basename(path)
    try:
        h = authres.AuthenticationResultsHeader.parse(
            "Authentication-Results:" + value)
    except Exception as e:  # the parser raises many kinds
        ok(False, "spfparse: %s parses with python3-authres" % name,
           "%s: %s" % (type(e).__name__, e))
        return
    spfs = [r for r in h.results if r.method == "spf"]
    props = [sorted("%s.%s" % (p.type, p.name) for p in r.properties)
             for r in spfs]
    good = all(p in (["smtp.mailfrom"], ["smtp.helo"]) for p in props)
    ok(good, "spfparse: %s parses with python3-authres (%d spf)" %
       (name, len(spfs)), props)


def check_rspf(path, value):
    name = os.path.basename(path)
    unfolded = re.sub(r"\r?\n[ \t]+", " ", value).strip()
    q = spf.query("0.0.0.0", "", "")
    try:
        q.parse_header_spf(unfolded)
    except Exception as e:
        ok(False, "spfparse: %s parses with pyspf" % name,
           "%s: %s" % (type(e).__name__, e))
        return
    want = name.split("-", 1)[1]
    want = {"null": "pass", "internal": "neutral"}.get(want, want)
    got = (q.result, q.c, q.r, q.ident)
    ok(q.result == want and q.c in ("198.51.100.1", "127.0.0.1"),
       "spfparse: %s parses with pyspf: %s" % (name, q.result), got)
    ok(q.r == "mx.example.org" and q.ident == "mailfrom" and
       q.h == "helo.spf.example",
       "spfparse: %s: receiver, identity and helo read back" % name,
       (q.r, q.ident, q.h, q.s))


def main():
    for path in sys.argv[1:]:
        if not os.path.exists(path):
            ok(False, "spfparse: %s exists" % path)
            continue
        with open(path, encoding="utf-8") as f:
            value = f.read()
        if os.path.basename(path).startswith("rspf-"):
            check_rspf(path, value)
        else:
            check_ar(path, value)


if __name__ == "__main__":
    main()
