#!/usr/bin/env python3
"""compare.py - does `authmilter-tool eval -c` predict the daemon?

usage: compare.py ORIGINAL.eml DAEMON.out EVAL.out

DAEMON.out is bench-milter --print's output: the message as the MTA
would deliver it (the milter's inserts on top, its deletions applied),
then "X-Milter-Result: ...".  EVAL.out is eval's output, whose indented
lines "milter: ...", "delete: Authentication-Results N" and
"add: NAME: VALUE" say what the daemon would do.  Compared:
  - the result: action, SMTP code, enhanced code and text (the wire
    doubles '%' in a reply text, libmilter's escape; undone here);
  - when the daemon delivered (accept, quarantine), the header block:
    eval's additions on top, then the original fields minus eval's
    deletions, field by field, folding white space made one space.
Prints nothing and exits 0 when they agree; else says how they differ
and exits 1.
"""
import re
import sys


def fields(lines):
    """Header fields of a message (list of lines), unfolded."""
    out = []
    for ln in lines:
        if ln == "":
            break
        if ln[0] in " \t" and out:
            out[-1] += " " + ln
        else:
            out.append(ln)
    return [norm(f) for f in out]


def norm(s):
    name, _, value = s.partition(":")
    return name.strip() + ": " + re.sub(r"\s+", " ", value).strip()


def main():
    orig = open(sys.argv[1]).read().split("\n")
    dout = open(sys.argv[2]).read().rstrip("\n").split("\n")
    eout = open(sys.argv[3]).read().rstrip("\n").split("\n")
    bad = []
    dres = dout[-1]
    if not dres.startswith("X-Milter-Result: "):
        print("daemon: no X-Milter-Result line")
        return 1
    dres = dres[len("X-Milter-Result: "):].replace("%%", "%")
    eres = [ln[len("  milter: "):] for ln in eout if ln.startswith("  milter: ")]
    if len(eres) != 1:
        bad.append("eval: %d 'milter:' lines" % len(eres))
    elif eres[0] != dres:
        bad.append("result: daemon %r, eval %r" % (dres, eres[0]))
    if dres.split(" ")[0] in ("accept", "quarantine"):
        adds = [norm(ln[len("  add: "):]) for ln in eout
                if ln.startswith("  add: ")]
        dels = []
        for ln in eout:
            m = re.match(r"  delete: (\S+) (\d+)$", ln)
            if m:
                dels.append((m.group(1).lower(), int(m.group(2))))
        kept, seen = [], {}
        for f in fields(orig):
            name = f.split(":")[0].lower()
            seen[name] = seen.get(name, 0) + 1
            if (name, seen[name]) not in dels:
                kept.append(f)
        want = adds + kept
        got = fields(dout[:-1])
        if want != got:
            bad.append("header block differs:")
            for w in want:
                if w not in got:
                    bad.append("  eval only:   " + w)
            for g in got:
                if g not in want:
                    bad.append("  daemon only: " + g)
            if all(w in got for w in want) and all(g in want for g in got):
                bad.append("  (same fields, another order)")
    for b in bad:
        print(b)
    return 1 if bad else 0


sys.exit(main())
