#!/usr/bin/env bash
# install - "make install" and what it installs for running the daemon (TAP)
#
# Installs into a scratch DESTDIR: the programs, the manual pages, the
# default configuration (which must load with "authmilter -n -c" and is
# never overwritten), the systemd unit (its sandboxing and commands),
# the tmpfiles.d and sysusers.d entries; uninstall leaves the
# configuration.  Then the AuthservID default: in a private UTS and
# mount namespace whose host name is "mx1" and whose /etc/hosts says
# "mx1.example.org mx1", the installed configuration gets AuthservID
# mx1.example.org (needs root and unshare; skipped otherwise).
set -u
: "${top_builddir:?}" "${top_srcdir:?}"
MAKE=${MAKE:-make}
# A make of our own: not the jobserver or the variables of the make check
# that runs us.
unset MAKEFLAGS MFLAGS MAKELEVEL
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; bad=0
ok()  { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; bad=1; [ -f "$tmp/out" ] && sed 's/^/#   /' "$tmp/out" | head -20; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}"/t/tool/known-user.sh
t() { # description, then a command; passes when it exits 0
	local d=$1; shift
	if "$@" >"$tmp/out" 2>&1; then ok "$d"; else nok "$d"; fi
}
# mkvar NAME: a variable of the build's Makefile, expanded by make
mkvar() { $MAKE -s -C "$top_builddir" --no-print-directory -f Makefile -f - \
	print-var VAR="$1" <<'EOF'
print-var:
	@echo $($(VAR))
EOF
}
D=$tmp/root
prefix=$(mkvar prefix); sbindir=$(mkvar sbindir); bindir=$(mkvar bindir)
sysconfdir=$(mkvar sysconfdir); mandir=$(mkvar mandir)
unitdir=$(mkvar systemdsystemunitdir); tmpfilesdir=$(mkvar tmpfilesdir)
sysusersdir=$(mkvar sysusersdir)
echo "# prefix=$prefix sysconfdir=$sysconfdir unitdir=$unitdir"

t "make install DESTDIR=... exits 0" $MAKE -s -C "$top_builddir" install DESTDIR="$D"
cp "$tmp/out" "$tmp/install1.out"
t "authmilter in sbindir" test -x "$D$sbindir/authmilter"
t "authmilter-tool in bindir" test -x "$D$bindir/authmilter-tool"
t "man pages" test -f "$D$mandir/man8/authmilter.8" -a -f "$D$mandir/man5/authmilter.conf.5" \
    -a -f "$D$mandir/man1/authmilter-tool.1"
C=$D$sysconfdir/authmilter.conf
t "default configuration in sysconfdir" cmp "$C" "$top_srcdir/dist/authmilter.conf"
# shellcheck disable=SC2046
t "it loads with authmilter -n -c" "$top_builddir/milter/authmilter" -n \
	$(known_user "$C") -c "$C"
cp "$tmp/out" "$tmp/n.out"
# (without an authmilter user here -n ran with -u: the file says it)
t "... verify only, socket in /run/authmilter, UserID authmilter" bash -c \
    "grep -qx 'Socket  *unix:/run/authmilter/authmilter.sock' '$tmp/n.out' &&
     { grep -qx 'UserID  *authmilter' '$tmp/n.out' ||
       grep -q '^UserID[[:space:]]*authmilter\$' '$C'; } &&
     grep -qx '#KeyTable  *(not set)' '$tmp/n.out'"

U=$D$unitdir/authmilter.service
t "unit installed" test -f "$U"
want() { t "unit: $1" grep -qx -- "$1" "$U"; }
want "ExecStart=$sbindir/authmilter -f -c $sysconfdir/authmilter.conf"
want 'ExecReload=/bin/kill -HUP $MAINPID'
want "User=authmilter"
want "RuntimeDirectory=authmilter"
want "ProtectSystem=strict"
want "ReadWritePaths=-/var/spool/postfix/authmilter"
want "PrivateTmp=yes"
want "NoNewPrivileges=yes"
want "WantedBy=multi-user.target"
t "unit: no @variable@ left" bash -c "! grep -q '@[a-z]*@' '$U'"
if command -v systemd-analyze >/dev/null 2>&1; then
	# Only the binary's and man pages' absence (they are in DESTDIR)
	# may be reported.
	systemd-analyze verify "$U" > "$tmp/out" 2>&1
	if grep -v -e 'is not executable' -e "Command 'man " "$tmp/out" | grep -q .; then
		nok "systemd-analyze verify finds nothing else"; else ok "systemd-analyze verify finds nothing else"; fi
else
	skip "systemd-analyze verify" "no systemd-analyze"
fi
t "tmpfiles.d: the Postfix-chroot socket directory, authmilter:postfix 2750" \
    grep -qx 'd /var/spool/postfix/authmilter 2750 authmilter postfix -' "$D$tmpfilesdir/authmilter.conf"
t "sysusers.d: the authmilter user" grep -q '^u authmilter ' "$D$sysusersdir/authmilter.conf"

echo "# changed by the operator" >> "$C"
t "make install again exits 0" $MAKE -s -C "$top_builddir" install DESTDIR="$D"
cp "$tmp/out" "$tmp/install2.out"
t "... says it kept the configuration" grep -q 'authmilter.conf exists: kept as it is' "$tmp/install2.out"
t "... and did not overwrite it" grep -qx '# changed by the operator' "$C"
t "make uninstall exits 0" $MAKE -s -C "$top_builddir" uninstall DESTDIR="$D"
t "... removes the unit and the programs" test ! -e "$U" -a ! -e "$D$sbindir/authmilter"
t "... and leaves the configuration" test -f "$C"

# AuthservID: the fully qualified name, in a namespace of our own.
printf '127.0.0.1 localhost\n127.0.1.1 mx1.example.org mx1\n' > "$tmp/hosts"
if [ "$(id -u)" = 0 ] && unshare -m -u true 2>/dev/null; then
	t "AuthservID default: the fully qualified host name (mx1 -> mx1.example.org)" \
	    unshare -m -u sh -c "mount --bind '$tmp/hosts' /etc/hosts && hostname mx1 &&
	    '$top_builddir/milter/authmilter' -n -c '$top_srcdir/dist/authmilter.conf' |
	    grep -qx 'AuthservID  *mx1.example.org'"
else
	skip "AuthservID default: the fully qualified host name" "needs root and unshare"
fi

echo "1..$n"
exit $bad
