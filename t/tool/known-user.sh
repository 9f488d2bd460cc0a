# known-user.sh - sourced by the tests that run authmilter -n on a
# configuration they did not write (a shell function, no test of its own).

# known_user FILE: "-u USER" for authmilter -n when FILE's UserID names a
# user this machine does not have (a fresh machine has no opendmarc or
# authmilter user): -n checks that the user exists, and this test is
# about the file.
known_user() {
	local u
	u=$(awk 'tolower($1) == "userid" { v = $2 } END { print v }' "$1")
	u=${u%%:*}
	if [ -n "$u" ] && ! getent passwd "$u" >/dev/null; then
		echo "-u $(id -un)"
	fi
}
