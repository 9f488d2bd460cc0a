/*
 * t-keystate - the key rotation state file (lib/config/keystate.c):
 * a missing file, save and load back, find, bad lines, transitions
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keystate.h"
#include "tap.h"

static void
entry(struct am_keystate_entry *e, const char *sel, enum am_keystate s,
    const char *alg)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->domain, sizeof(e->domain), "example.net");
	snprintf(e->alg, sizeof(e->alg), "%s", alg);
	snprintf(e->selector, sizeof(e->selector), "%s", sel);
	snprintf(e->keyfile, sizeof(e->keyfile), "/k/%s.private", sel);
	e->state = s;
	e->since = 1765000000ULL;
}

int
main(void)
{
	char			 dir[] = "/tmp/t-keystate.XXXXXX", path[256];
	struct am_keystate_file	 f, g;
	struct am_keystate_entry e;
	struct am_err		 err;
	FILE			*fp;
	enum am_keystate	 s;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/KeyTable.state", dir);
	ok(am_keystate_load(path, &f, &err) == 0 && f.n == 0,
	    "a missing file is an empty state");
	entry(&e, "rsa2026", AM_KEYSTATE_ACTIVE, "rsa");
	am_keystate_add(&f, &e);
	entry(&e, "rsa2027", AM_KEYSTATE_PENDING, "rsa");
	am_keystate_add(&f, &e);
	entry(&e, "ed2026", AM_KEYSTATE_ACTIVE, "ed25519");
	am_keystate_add(&f, &e);
	ok(am_keystate_save(path, &f, &err) == 0, "saved");
	ok(am_keystate_load(path, &g, &err) == 0 && g.n == 3, "loaded back");
	ok(g.n == 3 && memcmp(f.e, g.e, 3 * sizeof(*f.e)) == 0,
	    "the same entries");
	ok(am_keystate_find(&g, "EXAMPLE.net", "rsa", NULL,
	    AM_KEYSTATE_PENDING) == &g.e[1], "find: pending rsa key");
	ok(am_keystate_find(&g, "example.net", "ed25519", NULL,
	    AM_KEYSTATE_PENDING) == NULL, "find: algorithms apart");
	ok(am_keystate_find(&g, "example.net", "rsa", "rsa2026",
	    AM_KEYSTATE_ACTIVE) == &g.e[0], "find: by selector");
	am_keystate_release(&g);

	fp = fopen(path, "w");
	fprintf(fp, "# c\n\nexample.net rsa s1 retiring 5 /k/s1\n"
	    "example.net rsa s2 active 5\n");
	fclose(fp);
	ok(am_keystate_load(path, &g, &err) == -1 && strstr(err.msg,
	    "line 4") != NULL, "a short line: refused, with its number");
	fp = fopen(path, "w");
	fprintf(fp, "example.net dsa s1 active 5 /k/s1\n");
	fclose(fp);
	ok(am_keystate_load(path, &g, &err) == -1, "unknown algorithm");
	fp = fopen(path, "w");
	fprintf(fp, "example.net rsa s1 active -5 /k/s1\n");
	fclose(fp);
	ok(am_keystate_load(path, &g, &err) == -1, "negative time");
	fp = fopen(path, "w");
	fprintf(fp, "example.net rsa s1 fresh 5 /k/s1\n");
	fclose(fp);
	ok(am_keystate_load(path, &g, &err) == -1, "unknown state");

	ok(am_keystate_can(AM_KEYSTATE_PENDING, AM_KEYSTATE_ACTIVE) &&
	    am_keystate_can(AM_KEYSTATE_REVOKED, AM_KEYSTATE_DELETED) &&
	    !am_keystate_can(AM_KEYSTATE_PENDING, AM_KEYSTATE_RETIRING) &&
	    !am_keystate_can(AM_KEYSTATE_ACTIVE, AM_KEYSTATE_PENDING),
	    "one step at a time, forward only");
	ok(am_keystate_parse("Retiring", &s) == 0 &&
	    s == AM_KEYSTATE_RETIRING && am_keystate_parse("x", &s) == -1,
	    "state names");
	is_str(am_keystate_name(AM_KEYSTATE_REVOKED), "revoked", "names");
	am_keystate_release(&f);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
