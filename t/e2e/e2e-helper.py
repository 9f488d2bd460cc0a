#!/usr/bin/python3
"""t/e2e/e2e-helper.py - oracles for the end-to-end tests (Debian's python3)

  verify FILE DNS_PORT         dkimpy verifies every DKIM-Signature in FILE,
                               fetching keys from 127.0.0.1:DNS_PORT only;
                               prints one line per signature: "d s a pass|fail"
  authres FILE...              parses every Authentication-Results header with
                               python3-authres; prints "ok N" or the failures
  summary FILE AUTHSERV [ORIG] one line describing the milter's decisions:
                               sig=d/s/a,...  (signatures not present in ORIG)
                               ar=N           (A-R headers carrying AUTHSERV)
                               dkim=result/d/s,... (sorted, from those headers)
  headers FILE                 the header fields in order, unfolded, one a line
  sign IN OUT D S KEY CANON    dkimpy signs IN (LF) with KEY (PEM, RSA or
                               Ed25519 PKCS#8) as d=D s=S; OUT keeps LF ends
"""
import base64
import sys

import authres
import dkim
import dns.resolver


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def headers(msg):
    """[(name, value)] in order, unfolded; msg is bytes with LF or CRLF."""
    text = msg.replace(b'\r\n', b'\n').decode('utf-8', 'replace')
    head = text.split('\n\n', 1)[0]
    out = []
    for line in head.split('\n'):
        if line[:1] in (' ', '\t') and out:
            out[-1] = (out[-1][0], out[-1][1] + ' ' + line.strip())
        elif ':' in line:
            n, v = line.split(':', 1)
            out.append((n.strip(), v.strip()))
    return out


def tags(value):
    t = {}
    for part in value.split(';'):
        if '=' in part:
            k, v = part.split('=', 1)
            t[k.strip()] = ''.join(v.split())
    return t


def sigs(msg):
    return [tags(v) for n, v in headers(msg) if n.lower() == 'dkim-signature']


def cmd_verify(path, port):
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ['127.0.0.1']
    res.port = int(port)
    res.timeout = res.lifetime = 5

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        try:
            ans = res.resolve(name, 'TXT')
        except Exception:
            return None
        return b''.join(b''.join(r.strings) for r in ans)

    msg = read(path).replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
    d = dkim.DKIM(msg)
    n = len(sigs(msg))
    rc = 0
    for i, t in enumerate(sigs(msg)):
        try:
            ok = d.verify(idx=i, dnsfunc=dnsfunc)
        except Exception as e:  # dkimpy raises on malformed input
            ok = False
            print('# %s' % e)
        print('%s %s %s %s' % (t.get('d'), t.get('s'), t.get('a'),
                               'pass' if ok else 'fail'))
        rc |= not ok
    if n == 0:
        print('no signature')
        rc = 1
    return rc


def cmd_authres(paths):
    bad = 0
    n = 0
    for p in paths:
        for name, value in headers(read(p)):
            if name.lower() != 'authentication-results':
                continue
            n += 1
            try:
                authres.AuthenticationResultsHeader.parse(
                    'Authentication-Results: ' + value)
            except Exception as e:
                bad += 1
                print('%s: %r: %s: %s' % (p, value, type(e).__name__, e))
    if not bad:
        print('ok %d' % n)
    return 1 if bad else 0


def ours(value, authserv):
    return value.split(';', 1)[0].strip().lower() == authserv.lower()


def cmd_summary(path, authserv, orig=None):
    msg = read(path)
    before = set()
    if orig:
        before = {t.get('b') for t in sigs(read(orig))}
    new = ['%s/%s/%s' % (t.get('d'), t.get('s'), t.get('a'))
           for t in sigs(msg) if t.get('b') not in before]
    ars = [v for n, v in headers(msg)
           if n.lower() == 'authentication-results' and ours(v, authserv)]
    dk = []
    for v in ars:
        try:
            h = authres.AuthenticationResultsHeader.parse(
                'Authentication-Results: ' + v)
        except Exception as e:
            dk.append('UNPARSABLE(%s)' % type(e).__name__)
            continue
        for r in h.results:
            if r.method != 'dkim':
                continue
            props = {(p.type + '.' + p.name).lower(): p.value
                     for p in r.properties}
            d = props.get('header.d')
            if not d and props.get('header.i'):
                d = props['header.i'].rsplit('@', 1)[-1]
            dk.append('%s/%s/%s' % (r.result, d or '-',
                                    props.get('header.s', '-')))
    print('sig=%s ar=%d dkim=%s' % (','.join(new) or 'none', len(ars),
                                    ','.join(sorted(dk)) or 'none'))
    return 0


def cmd_headers(path):
    for n, v in headers(read(path)):
        print('%s: %s' % (n, v))
    return 0


def read_key(path):
    pem = read(path)
    der = base64.b64decode(b''.join(
        l for l in pem.splitlines() if not l.startswith(b'-----')))
    if len(der) == 48 and der[7:12] == b'\x06\x03\x2b\x65\x70':
        return b'ed25519-sha256', base64.b64encode(der[-32:])
    return b'rsa-sha256', pem


def cmd_sign(inp, out, d, s, key, canon):
    alg, k = read_key(key)
    msg = read(inp).replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
    c = canon.encode().split(b'/')
    sig = dkim.sign(msg, s.encode(), d.encode(), k, canonicalize=(c[0], c[1]),
                    signature_algorithm=alg,
                    include_headers=[b'from', b'to', b'subject', b'date',
                                     b'message-id', b'from'])
    with open(out, 'wb') as f:
        f.write((sig + msg).replace(b'\r\n', b'\n'))
    return 0


def main(argv):
    cmd = argv[1]
    if cmd == 'verify':
        return cmd_verify(argv[2], argv[3])
    if cmd == 'authres':
        return cmd_authres(argv[2:])
    if cmd == 'summary':
        return cmd_summary(*argv[2:5])
    if cmd == 'sign':
        return cmd_sign(*argv[2:8])
    if cmd == 'headers':
        return cmd_headers(argv[2])
    print(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
