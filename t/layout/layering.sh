#!/usr/bin/env bash
# layering.sh - the lib/ folders are include boundaries: a header of a
# folder that is not below a folder does not compile there.
#
# For every pair of lib/ folders (A, B) it compiles a one-line file
# "#include <a header of B>" with the include path Makefile.am gives A
# (the I_* variables, read from Makefile.am itself), and expects success
# exactly when B is A or a folder A may use.  So a Makefile.am that
# opens a path upward fails here, and so does a header that drags in a
# higher layer.
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
cc=${CC:-cc}
n=0
fail=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }

# Which folders each folder may use (itself included): the layers.
declare -A uses=(
	[util]="util"
	[mail]="util mail"
	[dns]="util dns"
	[crypto]="util crypto"
	[dkim]="util mail dns crypto dkim"
	[spf]="util mail dns spf"
	[dmarc]="util mail dns dmarc"
	[engine]="util mail dns crypto dkim spf dmarc engine"
	[audit]="util mail dns crypto dkim spf dmarc audit"
	[report]="util mail dns crypto dkim spf dmarc report"
	[config]="util mail dns crypto dkim spf dmarc engine config"
)
# Include path of a folder: Makefile.am's I_<FOLDER> variable, with the
# I_* variables it names expanded (read from Makefile.am itself).
ipath() {
	python3 - "$top" "I_$(echo "$1" | tr a-z A-Z)" <<'PY'
import re, sys
top, want = sys.argv[1], sys.argv[2]
text = open(top + "/Makefile.am").read().replace("\\\n", " ")
defs = dict(re.findall(r"^(I_[A-Z]+) = (.*)$", text, re.M))
defs["top_srcdir"] = top
def expand(v, depth=0):
    return re.sub(r"\$\((\w+)\)", lambda m: expand(defs.get(m.group(1), ""),
        depth + 1) if depth < 20 else "", v)
print(expand(defs[want]) if want in defs else "")
PY
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ext=$(pkg-config --cflags openssl ldns libidn2 libpsl libxml-2.0 2>/dev/null)
for a in "${!uses[@]}"; do
	flags=$(ipath "$a")
	if [ -z "$flags" ]; then ok 1 "Makefile.am defines I_${a^^}"; continue; fi
	for b in "${!uses[@]}"; do
		h=$(cd "$top/lib/$b" && ls *.h 2>/dev/null | grep -v '_impl\.h$' | head -1)
		[ -n "$h" ] || continue
		printf '#include "%s"\n' "$h" > "$tmp/t.c"
		$cc -fsyntax-only -D_GNU_SOURCE $flags $ext "$tmp/t.c" -o /dev/null >"$tmp/err" 2>&1
		rc=$?
		case " ${uses[$a]} " in
		*" $b "*) ok $rc "lib/$a may include lib/$b ($h)";;
		*) [ $rc != 0 ] && grep -q "No such file" "$tmp/err"
		   ok $? "lib/$a cannot include lib/$b ($h)";;
		esac
	done
done
echo "1..$n"
exit $fail
