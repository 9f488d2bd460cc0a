#!/usr/bin/env python3
"""metrics.py - the metrics test's helpers (t/milter/metrics.sh).

  metrics.py port                      a free loopback TCP port
  metrics.py scrape PORT OUT           GET /metrics into OUT; prints the
                                       status line and Content-Type
  metrics.py get PORT METHOD PATH      prints the status line only
  metrics.py closed PORT               exit 0 if nothing listens there
  metrics.py check FILE                the exposition format, checked
                                       here (promtool's is the other)
  metrics.py value FILE NAME [k=v...]  one sample's value (sum over the
                                       samples whose labels match)
  metrics.py results OUT...            what bench-milter --print outputs
                                       say: dkim/spf/dmarc results and
                                       actions, as "key count" lines
"""

import re
import socket
import sys
import urllib.error
import urllib.request

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')


def parse(text):
    """(name, labels dict, value) for each sample; raises on bad lines."""
    out, types = [], {}
    for n, line in enumerate(text.split('\n'), 1):
        if line == '':
            continue
        if line.startswith('# HELP ') or line.startswith('# TYPE '):
            parts = line.split(' ', 3)
            if len(parts) < 4:
                raise ValueError('line %d: %s' % (n, line))
            if parts[1] == 'TYPE':
                if parts[2] in types:
                    raise ValueError('line %d: TYPE twice' % n)
                if parts[3] not in ('counter', 'gauge', 'histogram',
                                    'summary', 'untyped'):
                    raise ValueError('line %d: type %s' % (n, parts[3]))
                types[parts[2]] = parts[3]
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError('line %d: not a sample: %r' % (n, line))
        labels, rest = {}, m.group(3) or ''
        while rest:
            lm = LABEL.match(rest)
            if not lm:
                raise ValueError('line %d: labels: %r' % (n, rest))
            labels[lm.group(1)] = lm.group(2)
            rest = rest[lm.end():]
        float(m.group(4))
        out.append((m.group(1), labels, float(m.group(4))))
    return out, types


def family(name, types):
    for suf in ('_bucket', '_sum', '_count'):
        if name.endswith(suf) and types.get(name[:-len(suf)]) == 'histogram':
            return name[:-len(suf)]
    return name


def check(path):
    text = open(path, encoding='utf-8').read()
    samples, types = parse(text)
    seen, last = set(), None
    done = set()
    for name, labels, value in samples:
        fam = family(name, types)
        if fam not in types:
            raise ValueError('%s: no TYPE' % name)
        if fam != last:
            if fam in done:
                raise ValueError('%s: samples not together' % fam)
            if last is not None:
                done.add(last)
            last = fam
        key = (name, tuple(sorted(labels.items())))
        if key in seen:
            raise ValueError('duplicate sample %s %s' % key)
        seen.add(key)
        if types[fam] == 'counter' and (not name.endswith('_total')
                                        or value < 0):
            raise ValueError('%s: a counter' % name)
    for fam, t in types.items():
        if t != 'histogram':
            continue
        b = [(float(l['le']), v) for n, l, v in samples
             if n == fam + '_bucket']
        if not b or b[-1][0] != float('inf'):
            raise ValueError('%s: no +Inf bucket' % fam)
        if any(b[i][1] > b[i + 1][1] for i in range(len(b) - 1)):
            raise ValueError('%s: buckets not cumulative' % fam)
        cnt = [v for n, l, v in samples if n == fam + '_count']
        if cnt != [b[-1][1]]:
            raise ValueError('%s: _count is not the +Inf bucket' % fam)
    print('%d samples, %d families: ok' % (len(samples), len(types)))


def value(path, name, want):
    samples, _ = parse(open(path, encoding='utf-8').read())
    total, hit = 0.0, False
    for n, labels, v in samples:
        if n == name and all(labels.get(k) == x for k, x in want.items()):
            total += v
            hit = True
    print(('%.17g' % total) if hit else 'absent')


def request(port, method, path):
    req = urllib.request.Request('http://127.0.0.1:%s%s' % (port, path),
                                 method=method)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.headers.get('Content-Type'), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get('Content-Type'), e.read()


def results(paths):
    """Counts from the delivered messages: our A-R field's results and
    the X-Milter-Result action."""
    counts = {}

    def add(k):
        counts[k] = counts.get(k, 0) + 1
    for p in paths:
        lines = open(p, encoding='utf-8').read().split('\n')
        ar, in_ar = '', False
        for line in lines:
            if line.startswith('Authentication-Results:'):
                ar, in_ar = line, True
            elif in_ar and line[:1] in (' ', '\t'):
                ar += line
            else:
                in_ar = False
            if line.startswith('X-Milter-Result:'):
                add('action ' + line.split()[1])
        for m in re.finditer(r'[;\s](dkim|dmarc)=(\w+)', ar):
            add('%s %s' % (m.group(1), m.group(2)))
        for m in re.finditer(r'\bspf=(\w+)[^;]*smtp\.(mailfrom|helo)=', ar):
            add('spf %s %s' % (m.group(2), m.group(1)))
    for k in sorted(counts):
        print(k, counts[k])


def main(argv):
    cmd = argv[1]
    if cmd == 'port':
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        print(s.getsockname()[1])
        s.close()
    elif cmd == 'scrape':
        status, ctype, body = request(argv[2], 'GET', '/metrics')
        open(argv[3], 'wb').write(body)
        print(status, ctype)
    elif cmd == 'get':
        print(request(argv[2], argv[3], argv[4])[0])
    elif cmd == 'closed':
        try:
            socket.create_connection(('127.0.0.1', int(argv[2])), 2).close()
        except ConnectionRefusedError:
            return 0
        return 1
    elif cmd == 'check':
        try:
            check(argv[2])
        except ValueError as e:
            print('bad exposition:', e)
            return 1
    elif cmd == 'value':
        value(argv[2], argv[3], dict(a.split('=', 1) for a in argv[4:]))
    elif cmd == 'results':
        results(argv[2:])
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
