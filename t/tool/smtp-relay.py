#!/usr/bin/env python3
"""smtp-relay.py - a test SMTP relay on loopback for t/tool/report-smtp.sh
(not a test itself): STARTTLS (ssl, a certificate the test made), AUTH
PLAIN and LOGIN against one user and password, and what it got kept in
DIR: one N.json per transaction (envelope, tls, auth) with N.eml (the
message, dot-stuffing undone), and transcript.log (every line read).

usage: smtp-relay.py DIR PORTFILE [--cert C --key K] [--no-starttls]
       [--auth MECHS] [--user U --password P] [--tempfail N]
Writes the port it listens on to PORTFILE; serves until killed.
--tempfail N: the first N RCPT commands get 451 4.3.0.
"""
import argparse, base64, json, os, socket, ssl, sys

ap = argparse.ArgumentParser()
ap.add_argument('dir'); ap.add_argument('portfile')
ap.add_argument('--cert'); ap.add_argument('--key')
ap.add_argument('--no-starttls', action='store_true')
ap.add_argument('--auth', default='PLAIN LOGIN')
ap.add_argument('--user', default='reporter')
ap.add_argument('--password', default='')
ap.add_argument('--tempfail', type=int, default=0)
o = ap.parse_args()

state = {'n': 0, 'tempfail': o.tempfail}
log = open(os.path.join(o.dir, 'transcript.log'), 'a')


class Conn:
    def __init__(self, sock):
        self.s = sock
        self.buf = b''
        self.tls = False
        self.auth = None

    def send(self, line):
        self.s.sendall(line.encode() + b'\r\n')

    def line(self):
        while b'\n' not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            self.buf += d
        ln, self.buf = self.buf.split(b'\n', 1)
        ln = ln.rstrip(b'\r')
        log.write(('TLS ' if self.tls else 'CLR ') + ln.decode('latin-1') + '\n')
        log.flush()
        return ln.decode('latin-1')

    def ehlo(self):
        self.send('250-relay.test greets you')
        if not self.tls and o.cert and not o.no_starttls:
            self.send('250-STARTTLS')
        if o.auth:
            self.send('250-AUTH ' + o.auth)
        self.send('250-SIZE 10485760')
        self.send('250 8BITMIME')

    def check(self, user, pw):
        ok = user == o.user and pw == o.password
        if ok:
            self.auth = user
            self.send('235 2.7.0 Authentication successful')
        else:
            self.send('535 5.7.8 Authentication credentials invalid')

    def do_auth(self, args):
        a = args.split()
        mech = a[0].upper()
        if mech not in o.auth.upper().split():
            return self.send('504 5.5.4 mechanism not offered')
        if mech == 'PLAIN':
            if len(a) > 1:
                resp = a[1]
            else:
                self.send('334 ')
                resp = self.line()
            parts = base64.b64decode(resp).split(b'\0')
            self.auth_mech = 'PLAIN'
            return self.check(parts[1].decode(), parts[2].decode())
        if len(a) > 1:
            user = base64.b64decode(a[1]).decode()
        else:
            self.send('334 VXNlcm5hbWU6')
            user = base64.b64decode(self.line()).decode()
        self.send('334 UGFzc3dvcmQ6')
        pw = base64.b64decode(self.line()).decode()
        self.auth_mech = 'LOGIN'
        return self.check(user, pw)

    def data(self, env):
        self.send('354 go ahead')
        lines = []
        while True:
            ln = self.line()
            if ln == '.':
                break
            lines.append(ln[1:] if ln.startswith('.') else ln)
        n = state['n']
        state['n'] += 1
        with open(os.path.join(o.dir, '%d.eml' % n), 'w', newline='') as f:
            f.write(''.join(l + '\r\n' for l in lines))
        env.update(tls=self.tls, auth=self.auth,
                   mech=getattr(self, 'auth_mech', None))
        with open(os.path.join(o.dir, '%d.json' % n), 'w') as f:
            json.dump(env, f)
        self.send('250 2.0.0 queued as %d' % n)

    def run(self):
        self.send('220 relay.test ESMTP test relay')
        env = {}
        while True:
            cmd = self.line()
            verb = cmd.split(' ', 1)[0].upper()
            arg = cmd.split(' ', 1)[1] if ' ' in cmd else ''
            if verb == 'EHLO':
                self.ehlo()
            elif verb == 'STARTTLS' and o.cert and not self.tls:
                self.send('220 2.0.0 ready')
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(o.cert, o.key)
                self.s = ctx.wrap_socket(self.s, server_side=True)
                self.tls = True
                self.buf = b''
            elif verb == 'AUTH':
                self.do_auth(arg)
            elif verb == 'MAIL':
                if o.password and not self.auth:
                    self.send('530 5.7.0 Authentication required')
                    continue
                env = {'from': arg[5:].strip().strip('<>')}
                self.send('250 2.1.0 ok')
            elif verb == 'RCPT':
                if state['tempfail'] > 0:
                    state['tempfail'] -= 1
                    self.send('451 4.3.0 try again later')
                    continue
                env['to'] = arg[3:].strip().strip('<>')
                self.send('250 2.1.5 ok')
            elif verb == 'DATA':
                self.data(env)
            elif verb == 'QUIT':
                self.send('221 2.0.0 bye')
                return
            elif verb in ('RSET', 'NOOP'):
                self.send('250 ok')
            else:
                self.send('502 5.5.2 not implemented')


srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', 0))
srv.listen(5)
with open(o.portfile + '.tmp', 'w') as f:
    f.write('%d\n' % srv.getsockname()[1])
os.rename(o.portfile + '.tmp', o.portfile)
while True:
    c, _ = srv.accept()
    c.settimeout(20)
    try:
        Conn(c).run()
    except (EOFError, OSError, ssl.SSLError, ValueError, IndexError) as e:
        log.write('-- connection ended: %s\n' % e)
        log.flush()
    finally:
        c.close()
