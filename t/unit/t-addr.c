/*
 * t-addr - RFC 5322 address lists and the author set of a message:
 * the RFC's own examples, obsolete syntax, RFC 6532 UTF-8, IDN, and
 * the From-parsing bypasses (OpenDMARC CVE-2019-16378, CVE-2021-34555,
 * #342, #345)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "err.h"
#include "hdr.h"
#include "tap.h"

#define OK	AM_ADDR_OK
#define EMPTY	AM_ADDR_EMPTY
#define NODOM	AM_ADDR_NODOMAIN
#define BAD	AM_ADDR_UNPARSEABLE

/*
 * want: each mailbox's addr, " | " between them; a mailbox without a
 * usable domain shows as "!local@domain".  For BAD, want is a
 * substring of the reason.
 */
static const struct {
	const char		*name;
	const char		*in;
	enum am_addr_status	 status;
	const char		*want;
} cases[] = {
	/* RFC 5322 Appendix A, field values verbatim */
	{ "A.1.1 From", " John Doe <jdoe@machine.example>", OK,
	  "jdoe@machine.example" },
	{ "A.1.1 To", " Mary Smith <mary@example.net>", OK,
	  "mary@example.net" },
	{ "A.1.1 Sender", " Michael Jones <mjones@machine.example>", OK,
	  "mjones@machine.example" },
	{ "A.1.2 From", " \"Joe Q. Public\" <john.q.public@example.com>", OK,
	  "john.q.public@example.com" },
	{ "A.1.2 To", " Mary Smith <mary@x.test>, jdoe@example.org, "
	  "Who? <one@y.test>", OK,
	  "mary@x.test | jdoe@example.org | one@y.test" },
	{ "A.1.2 Cc", " <boss@nil.test>, \"Giant; \\\"Big\\\" Box\" "
	  "<sysservices@example.net>", OK,
	  "boss@nil.test | sysservices@example.net" },
	{ "A.1.3 From", " Pete <pete@silly.example>", OK,
	  "pete@silly.example" },
	{ "A.1.3 To (group)", " A Group:Ed Jones <c@a.test>,joe@where.test,"
	  "John <jdoe@one.test>;", OK,
	  "c@a.test | joe@where.test | jdoe@one.test" },
	{ "A.1.3 Cc (empty group)", " Undisclosed recipients:;", EMPTY, "" },
	{ "A.2 Reply-To", " \"Mary Smith: Personal Account\" "
	  "<smith@home.example>", OK, "smith@home.example" },
	{ "A.3 Resent-To", " Jane Brown <j-brown@other.example>", OK,
	  "j-brown@other.example" },
	{ "A.4 From", " John Doe <jdoe@node.example>", OK,
	  "jdoe@node.example" },
	{ "A.5 From", " Pete(A nice \\) chap) <pete(his account)@silly.test"
	  "(his host)>", OK, "pete@silly.test" },
	{ "A.5 To", "A Group(Some people)\r\n"
	  "     :Chris Jones <c@(Chris's host.)public.example>,\r\n"
	  "         joe@example.org,\r\n"
	  "  John <jdoe@one.test> (my dear friend); (the end of the group)",
	  OK, "c@public.example | joe@example.org | jdoe@one.test" },
	{ "A.5 Cc", "(Empty list)(start)Hidden recipients  :(nobody(that I "
	  "know))  ;", EMPTY, "" },
	{ "A.6.1 From", " Joe Q. Public <john.q.public@example.com>", OK,
	  "john.q.public@example.com" },
	{ "A.6.1 To", " Mary Smith <@node.test:mary@example.net>, , "
	  "jdoe@test  . example", OK, "mary@example.net | jdoe@test.example" },
	{ "A.6.3 From", " John Doe <jdoe@machine(comment).  example>", OK,
	  "jdoe@machine.example" },
	{ "A.6.3 To", " Mary Smith\r\n  \r\n          <mary@example.net>", OK,
	  "mary@example.net" },
	{ "A.6.3 Message-ID as an address", " <1234   @   local(blah)  "
	  ".machine .example>", OK, "1234@local.machine.example" },

	/* RFC 5322 3.4 forms */
	{ "bare addr-spec", "user@example.com", OK, "user@example.com" },
	{ "angle only", "<user@example.com>", OK, "user@example.com" },
	{ "quoted local part", "\"john doe\"@example.com", OK,
	  "\"john doe\"@example.com" },
	{ "quoted local part, no need", "\"john\"@example.com", OK,
	  "john@example.com" },
	{ "quoted-pair in local part", "\"a\\\"b\\\\c\"@example.com", OK,
	  "\"a\\\"b\\\\c\"@example.com" },
	{ "obs-local-part mixing words", "\"john\".doe@example.com", OK,
	  "john.doe@example.com" },
	{ "quoted-pair comma in display name (OpenDMARC #345)",
	  "\"Doe\\, John\" <jd@example.com>", OK, "jd@example.com" },
	{ "quoted comma in display name", "\"Doe, John\" <jd@example.com>",
	  OK, "jd@example.com" },
	{ "domain upper case", "User@EXAMPLE.Com", OK, "User@example.com" },
	{ "trailing comma", "a@example.com,", OK, "a@example.com" },
	{ "leading commas", " , ,a@example.com", OK, "a@example.com" },
	{ "group with members in From (RFC 6854)",
	  "Team: a@example.com, b@example.org;", OK,
	  "a@example.com | b@example.org" },
	{ "group then address", "g:;, a@example.com", OK, "a@example.com" },
	{ "obs-route with several domains",
	  "<@a.example,,@b.example:u@c.example>", OK, "u@c.example" },
	{ "obs-route with leading comma", "<,@a.example:u@c.example>", OK,
	  "u@c.example" },
	{ "tab and comments everywhere", "\t(c)\tuser (c) @ (c) example "
	  "(c) . (c) com (c)", OK, "user@example.com" },
	{ "display name with a dot (obs-phrase)", "J. Smith <js@example.com>",
	  OK, "js@example.com" },
	{ "local part with doubled dot", "foo..bar@example.jp", OK,
	  "foo..bar@example.jp" },
	{ "local part with trailing dot", "foo.@example.jp", OK,
	  "foo.@example.jp" },
	{ "empty quoted local part", "\"\"@example.com", OK,
	  "\"\"@example.com" },
	{ "quoted words and a dot only", "\"\".\"\"@example.com", OK,
	  "\".\"@example.com" },

	/* RFC 6532 and IDN */
	{ "UTF-8 local part", "J\xc3\xb6rg <j\xc3\xb6rg@example.de>", OK,
	  "j\xc3\xb6rg@example.de" },
	{ "U-label domain", "x@b\xc3\xbc" "cher.example", OK,
	  "x@xn--bcher-kva.example" },
	{ "U-label domain, upper case", "<x@B\xc3\x9c" "CHER.Example>", OK,
	  "x@xn--bcher-kva.example" },
	{ "A-label domain", "x@XN--BCHER-KVA.example", OK,
	  "x@xn--bcher-kva.example" },
	{ "UTF-8 in a quoted local part", "\"\xe7\x94\xb0\xe4\xb8\xad "
	  "x\"@example.jp", OK, "\"\xe7\x94\xb0\xe4\xb8\xad x\"@example.jp" },
	{ "Latin-1 display name", "M\xfcller <m@example.de>", OK,
	  "m@example.de" },
	{ "Latin-1 in a comment", "m@example.de (M\xfcller)", OK,
	  "m@example.de" },

	/* Encoded-words: display-name atoms, never decoded */
	{ "encoded-word display name", "=?utf-8?Q?J=C3=B6rg?= "
	  "<j@example.de>", OK, "j@example.de" },
	{ "encoded '@' and '<' in an encoded-word",
	  "=?utf-8?Q?x=40good.example_=3Cx=40good.example=3E?= "
	  "<x@evil.example>", OK, "x@evil.example" },
	{ "base64 encoded-word", "=?utf-8?B?eEBnb29kLmV4YW1wbGUgPA==?= "
	  "<x@evil.example>", OK, "x@evil.example" },
	{ "quoted encoded-word with '@' and '<'",
	  "\"=?us-ascii?Q?x@good.example <a>?=\" <x@evil.example>", OK,
	  "x@evil.example" },
	{ "raw '@' inside an encoded-word",
	  "=?us-ascii?Q?x@good.example?= <x@evil.example>", BAD,
	  "'<' after an address" },
	{ "raw '<' inside an encoded-word",
	  "=?us-ascii?Q?a<b?= <x@evil.example>", BAD, "" },

	/* No usable domain: a defined outcome */
	{ "no '@'", "MAILER-DAEMON", NODOM, "!MAILER-DAEMON@" },
	{ "angle without '@'", "Alice <alice>", NODOM, "!alice@" },
	{ "address literal", "user@[192.0.2.1]", NODOM,
	  "!user@[192.0.2.1]" },
	{ "IPv6 literal", "<user@[IPv6:2001:db8::1]>", NODOM,
	  "!user@[IPv6:2001:db8::1]" },
	{ "domain that is no host name", "user@exa$mple.com", NODOM,
	  "!user@exa$mple.com" },
	{ "one of two without a domain", "a@example.com, b", NODOM,
	  "a@example.com | !b@" },

	/* Empty */
	{ "empty value", "", EMPTY, "" },
	{ "blanks only", " \t ", EMPTY, "" },
	{ "comment only", " (nobody) ", EMPTY, "" },
	{ "commas only", " , , ", EMPTY, "" },
	{ "folding only", "\r\n \r\n\t", EMPTY, "" },

	/* Bypasses and broken syntax: unparseable, never a pick */
	{ "two addresses in angle brackets", "<x@evil.example> "
	  "<y@good.example>", BAD, "text after '>'" },
	{ "text after '>'", "<x@evil.example>good.example", BAD,
	  "text after '>'" },
	{ "domain after '>'", "<x@evil.example>@good.example", BAD,
	  "text after '>'" },
	{ "unquoted '@' in display name", "a@good.example <x@evil.example>",
	  BAD, "'<' after an address" },
	{ "two '@'", "x@evil.example@good.example", BAD,
	  "text after an address" },
	{ "space in domain", "x@evil.example good.example", BAD,
	  "text after an address" },
	{ "space in local part", "john doe@example.com", BAD,
	  "two words in a local part" },
	{ "display name without address", "John Doe", BAD,
	  "display name without an address" },
	{ "stray '>'", "x@good.example>", BAD, "" },
	{ "stray '>' alone", "> x@evil.example", BAD, "stray '>'" },
	{ "stray '>' in display name (OpenDMARC #342)",
	  "Bad> Name <x@evil.example>", BAD, "" },
	{ "stray '<'", "John < x@evil.example", BAD, "unclosed '<'" },
	{ "nested '<'", "<<x@evil.example>>", BAD, "" },
	{ "'<' inside angle", "<x@evil.example <y@good.example>>", BAD, "" },
	{ "empty angle", "<>", BAD, "empty address" },
	{ "empty angle with name", "Postmaster <>", BAD, "empty address" },
	{ "unbalanced quote", "\"x@good.example <x@evil.example>", BAD,
	  "unterminated quoted string" },
	{ "quote closing at end", "x@evil.example\"", BAD,
	  "unterminated quoted string" },
	{ "backslash ending a quote", "\"abc\\", BAD,
	  "unterminated quoted string" },
	{ "unbalanced comment", "(x@good.example <x@evil.example>", BAD,
	  "unterminated comment" },
	{ "unbalanced nested comment", "(a(b) x@evil.example", BAD,
	  "unterminated comment" },
	{ "stray ')'", "x@evil.example)", BAD, "stray ')'" },
	{ "stray ']'", "x@evil.example]", BAD, "stray ']'" },
	{ "stray backslash", "x\\@evil.example", BAD, "stray '\\'" },
	{ "unterminated literal", "x@[1.2.3.4", BAD,
	  "unterminated domain literal" },
	{ "'[' in literal", "x@[1.[2]", BAD, "'[' inside" },
	{ "trailing dot in domain", "x@example.com.", BAD,
	  "domain ends with '.'" },
	{ "no domain after '@'", "x@", BAD, "no domain after '@'" },
	{ "no local part", "@example.com", BAD, "no local part" },
	{ "route without ':'", "<@good.example,x@evil.example>", BAD,
	  "malformed route" },
	{ "route without '@'", "<good.example:x@evil.example>", BAD, "" },
	{ "route without comma", "<@a.example@b.example:x@c.example>", BAD,
	  "malformed route" },
	{ "nested group", "a: b: c@example.com;;", BAD,
	  "group inside a group" },
	{ "group without ';'", "g: a@example.com", BAD, "group without ';'" },
	{ "stray ';'", "a@example.com;", BAD, "stray ';'" },
	{ "':' without group name", ":a@example.com;", BAD,
	  "without a group name" },
	{ "text after group", "g:;x", BAD, "" },
	{ "semicolon list", "a@example.com; b@example.org", BAD, "" },
	{ "control character", "x@evil\x01.example", BAD,
	  "control character" },
	{ "control character in quoted local part", "\"a\x01\"@example.com",
	  BAD, "control character in address" },
	{ "escaped CR in quoted local part", "\"a\\\rb\"@example.com", BAD,
	  "control character in address" },
	{ "DEL", "x\x7f@example.com", BAD, "control character" },
	{ "invalid UTF-8 in local part", "m\xfc@example.de", BAD,
	  "invalid UTF-8" },
	{ "invalid UTF-8 in domain", "m@b\xfc" "cher.example", BAD,
	  "invalid UTF-8" },
	{ "overlong UTF-8 '@' in local part", "a\xc0\x80@example.com", BAD,
	  "invalid UTF-8" },
	{ "UTF-16 surrogate in domain", "a@\xed\xa0\x80.example", BAD,
	  "invalid UTF-8" },
	{ "bare literal", "[1.2.3.4]", BAD, "domain literal without" },
};

static void
render(const struct am_addr_list *l, struct am_buf *b)
{
	size_t	 i;

	am_buf_reset(b);
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			(void)am_buf_appends(b, " | ");
		if (l->mbox[i].addr != NULL)
			(void)am_buf_appends(b, l->mbox[i].addr);
		else
			(void)am_buf_printf(b, "!%s@%s", l->mbox[i].local,
			    l->mbox[i].domain);
	}
}

/* Folds the value at every space: the result must not change. */

static void
fold(const char *in, struct am_buf *b)
{
	am_buf_reset(b);
	for (; *in != '\0'; in++) {
		if (*in == ' ')
			(void)am_buf_appends(b, "\r\n");
		(void)am_buf_appendc(b, *in);
	}
}

static void
test_cases(void)
{
	struct am_addr_list	 l;
	struct am_buf		 got, folded, gotf;
	char			 name[256];
	size_t			 i;

	am_buf_init(&got, 1 << 16);
	am_buf_init(&folded, 1 << 16);
	am_buf_init(&gotf, 1 << 16);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		am_addr_parse(cases[i].in, strlen(cases[i].in), &l);
		render(&l, &got);
		(void)snprintf(name, sizeof(name), "%s: %s", cases[i].name,
		    am_addr_status_name(cases[i].status));
		if (!is_int(l.status, cases[i].status, name))
			printf("#   reason: %s at %zu\n", l.reason, l.offset);
		if (cases[i].status == BAD) {
			(void)snprintf(name, sizeof(name), "%s: reason",
			    cases[i].name);
			if (!ok(l.n == 0 && l.reason[0] != '\0' &&
			    strstr(l.reason, cases[i].want) != NULL &&
			    l.offset <= strlen(cases[i].in), name))
				printf("#   reason: %s\n", l.reason);
		} else {
			(void)snprintf(name, sizeof(name), "%s: addresses",
			    cases[i].name);
			is_str(am_buf_str(&got), cases[i].want, name);
		}
		am_addr_list_release(&l);

		/* The same with every space folded. */
		fold(cases[i].in, &folded);
		am_addr_parse(am_buf_str(&folded), folded.len, &l);
		render(&l, &gotf);
		(void)snprintf(name, sizeof(name), "%s: folded", cases[i].name);
		ok(l.status == cases[i].status && gotf.len == got.len &&
		    memcmp(am_buf_str(&gotf), am_buf_str(&got), got.len) == 0,
		    name);
		am_addr_list_release(&l);
	}
	am_buf_release(&got);
	am_buf_release(&folded);
	am_buf_release(&gotf);
}

/* Display names, flags, both domain forms, the local part. */

static void
test_details(void)
{
	struct am_addr_list	 l;
	const char		*v;

	v = " \"a@good.example\" <x@evil.example>";
	am_addr_parse(v, strlen(v), &l);
	is_int(l.n, 1, "quoted '@' in display name: one mailbox");
	is_str(l.mbox[0].alabel, "evil.example",
	    "quoted '@' in display name: the domain is the address's");
	is_mem(v + l.mbox[0].display_off, l.mbox[0].display_len,
	    "\"a@good.example\"", 16, "display name kept as written");
	ok(l.mbox[0].flags & AM_ADDR_F_ANGLE, "name-addr flagged");
	am_addr_list_release(&l);

	v = "\"x\" <@good.example:x@evil.example>";
	am_addr_parse(v, strlen(v), &l);
	ok(l.status == OK && l.n == 1 && strcmp(l.mbox[0].alabel,
	    "evil.example") == 0 && (l.mbox[0].flags & AM_ADDR_F_ROUTE),
	    "obs-route: the route's domain is never the author's");
	am_addr_list_release(&l);

	v = "=?utf-8?Q?J=C3=B6rg_=3Cj=40good.example=3E?= <j@evil.example>";
	am_addr_parse(v, strlen(v), &l);
	ok(l.n == 1 && (l.mbox[0].flags & AM_ADDR_F_ENCWORD) &&
	    l.mbox[0].display_len == strlen(v) - strlen(" <j@evil.example>"),
	    "encoded-word flagged and kept as written, not decoded");
	is_str(l.mbox[0].alabel, "evil.example", "encoded-word: address "
	    "from the angle brackets");
	am_addr_list_release(&l);

	v = "x@B\xc3\xbc" "cher.Example";
	am_addr_parse(v, strlen(v), &l);
	is_str(l.mbox[0].domain, "B\xc3\xbc" "cher.Example",
	    "IDN: domain as written");
	is_str(l.mbox[0].alabel, "xn--bcher-kva.example",
	    "IDN: lower-case A-labels");
	ok(l.mbox[0].flags & AM_ADDR_F_IDN, "IDN flagged");
	am_addr_list_release(&l);

	v = "\"j\\\"o\\\\e\"@example.com";
	am_addr_parse(v, strlen(v), &l);
	is_str(l.mbox[0].local, "j\"o\\e", "local part: quoted-pairs "
	    "resolved");
	ok(l.mbox[0].flags & AM_ADDR_F_QUOTED, "quoted local part flagged");
	am_addr_list_release(&l);

	v = "user@[192.0.2.1]";
	am_addr_parse(v, strlen(v), &l);
	ok(l.status == NODOM && l.n == 1 && l.mbox[0].alabel == NULL &&
	    l.mbox[0].addr == NULL && (l.mbox[0].flags & AM_ADDR_F_LITERAL) &&
	    strstr(l.reason, "literal") != NULL,
	    "address literal: no domain, flagged, with a reason");
	am_addr_list_release(&l);

	v = "A Group:Ed Jones <c@a.test>,joe@where.test;, x@y.test";
	am_addr_parse(v, strlen(v), &l);
	ok(l.n == 3 && l.ngroups == 1 && (l.mbox[0].flags & AM_ADDR_F_GROUP)
	    && (l.mbox[1].flags & AM_ADDR_F_GROUP) &&
	    !(l.mbox[2].flags & AM_ADDR_F_GROUP), "group members flagged");
	am_addr_list_release(&l);

	v = "j\xc3\xb6rg@example.de";
	am_addr_parse(v, strlen(v), &l);
	ok(l.n == 1 && (l.mbox[0].flags & AM_ADDR_F_UTF8),
	    "UTF-8 local part flagged");
	am_addr_list_release(&l);

	v = "x@good.example <";
	am_addr_parse(v, strlen(v), &l);
	ok(l.status == BAD && l.n == 0 && l.offset == 15,
	    "unparseable: offset of the problem, no mailboxes left over");
	am_addr_list_release(&l);

	am_addr_parse(NULL, 0, &l);
	is_int(l.status, EMPTY, "NULL value: empty");
	am_addr_list_release(&l);
}

/* NUL bytes, very long values, many addresses, deep comments. */

static void
test_limits(void)
{
	struct am_addr_list	 l;
	struct am_buf		 b;
	size_t			 i;

	am_addr_parse("x@evil.example\0@good.example", 28, &l);
	ok(l.status == BAD && l.offset == 14 && strstr(l.reason, "NUL"),
	    "NUL byte: unparseable at its offset");
	am_addr_list_release(&l);
	am_addr_parse("\"a\0\"@example.com", 16, &l);
	is_int(l.status, BAD, "NUL in a quoted string: unparseable");
	am_addr_list_release(&l);
	am_addr_parse("(\0) a@example.com", 17, &l);
	is_int(l.status, BAD, "NUL in a comment: unparseable");
	am_addr_list_release(&l);

	am_buf_init(&b, 1 << 20);
	for (i = 0; i < AM_ADDR_MAXMBOX; i++)
		(void)am_buf_printf(&b, "%su%zu@d%zu.example", i ? "," : "",
		    i, i % 3);
	am_addr_parse(am_buf_str(&b), b.len, &l);
	ok(l.status == OK && l.n == AM_ADDR_MAXMBOX, "64 addresses: ok");
	am_addr_list_release(&l);
	(void)am_buf_appends(&b, ",one@more.example");
	am_addr_parse(am_buf_str(&b), b.len, &l);
	ok(l.status == BAD && l.n == 0 && strstr(l.reason, "more than"),
	    "65 addresses: unparseable");
	am_addr_list_release(&l);

	am_buf_reset(&b);
	for (i = 0; i < AM_ADDR_MAXDEPTH; i++)
		(void)am_buf_appendc(&b, '(');
	for (i = 0; i < AM_ADDR_MAXDEPTH; i++)
		(void)am_buf_appendc(&b, ')');
	(void)am_buf_appends(&b, "a@example.com");
	am_addr_parse(am_buf_str(&b), b.len, &l);
	is_int(l.status, OK, "comments nested 32 deep: ok");
	am_addr_list_release(&l);
	am_buf_reset(&b);
	for (i = 0; i < 10000; i++)
		(void)am_buf_appendc(&b, '(');
	(void)am_buf_appends(&b, "a@example.com");
	am_addr_parse(am_buf_str(&b), b.len, &l);
	ok(l.status == BAD && strstr(l.reason, "too deeply"),
	    "comments nested 10000 deep: unparseable, no recursion");
	am_addr_list_release(&l);

	am_buf_reset(&b);
	(void)am_buf_appendc(&b, '"');
	for (i = 0; i < AM_ADDR_MAXVALUE - 100; i++)
		(void)am_buf_appendc(&b, 'n');
	(void)am_buf_appends(&b, "\" <x@example.com>");
	am_addr_parse(am_buf_str(&b), b.len, &l);
	ok(l.status == OK && l.mbox[0].display_len == AM_ADDR_MAXVALUE - 98,
	    "very long display name: ok");
	am_addr_list_release(&l);

	am_buf_reset(&b);
	for (i = 0; i < 5000; i++)
		(void)am_buf_appendc(&b, 'l');
	(void)am_buf_appends(&b, "@example.com");
	am_addr_parse(am_buf_str(&b), b.len, &l);
	ok(l.status == OK && strlen(l.mbox[0].local) == 5000,
	    "5000-octet local part: parsed (the author set refuses it)");
	am_addr_list_release(&l);

	am_buf_reset(&b);
	for (i = 0; i <= AM_ADDR_MAXVALUE; i++)
		(void)am_buf_appendc(&b, ' ');
	am_addr_parse(am_buf_str(&b), b.len, &l);
	ok(l.status == BAD && strstr(l.reason, "too long"),
	    "value over AM_ADDR_MAXVALUE: unparseable");
	am_addr_list_release(&l);

	am_buf_reset(&b);
	for (i = 0; i < 3000; i++)
		(void)am_buf_appends(&b, "\"\\\"\\\"\\\"\",");
	am_addr_parse(am_buf_str(&b), b.len, &l);
	is_int(l.status, BAD, "many quoted words: unparseable, in bounds");
	am_addr_list_release(&l);

	am_buf_reset(&b);
	for (i = 0; i < 250; i++)
		(void)am_buf_appends(&b, "a.");
	(void)am_buf_appends(&b, "a@");
	for (i = 0; i < 200; i++)
		(void)am_buf_appends(&b, "b.");
	(void)am_buf_appends(&b, "example");
	am_addr_parse(am_buf_str(&b), b.len, &l);
	ok(l.status == NODOM && l.mbox[0].nodomain != NULL,
	    "domain over 253 octets: no usable domain");
	am_addr_list_release(&l);
	am_buf_release(&b);
}

/* ---------------------------------------------------------------- author */

static void
author(const char *name, const char *const *v, size_t n,
    enum am_from_status want, size_t ndomains, const char *domain,
    const char *why)
{
	struct am_from_field	 f[8];
	struct am_from		 a;
	char			 label[256];
	size_t			 i;

	for (i = 0; i < n; i++) {
		f[i].value = v[i];
		f[i].len = strlen(v[i]);
	}
	am_from_fields(f, n, &a);
	(void)snprintf(label, sizeof(label), "author: %s: %s", name,
	    am_from_status_name(want));
	if (!is_int(a.status, want, label))
		printf("#   why: %s\n", a.why);
	(void)snprintf(label, sizeof(label), "author: %s: %zu domain%s",
	    name, ndomains, ndomains == 1 ? "" : "s");
	is_int(a.ndomains, ndomains, label);
	(void)snprintf(label, sizeof(label), "author: %s: domain", name);
	is_str(a.domain, domain, label);
	(void)snprintf(label, sizeof(label), "author: %s: why", name);
	if (!ok(strstr(a.why, why) != NULL && (want == AM_FROM_OK) ==
	    (a.why[0] == '\0'), label))
		printf("#   why: %s\n", a.why);
	if (want != AM_FROM_OK) {
		(void)snprintf(label, sizeof(label), "author: %s: no address",
		    name);
		is_str(a.addr, "", label);
	}
}

static void
test_author(void)
{
	struct am_from_field	 f[2];
	struct am_from		 a;
	const char		*v[8] = { NULL };

	author("no From field", v, 0, AM_FROM_NONE, 0, "",
	    "message has no From field");

	v[0] = " John Doe <jdoe@machine.example>";
	author("one", v, 1, AM_FROM_OK, 1, "machine.example", "");

	v[0] = " a@example.net";
	v[1] = " b@example.net";
	author("two From fields, one domain", v, 2, AM_FROM_SEVERAL_FIELDS, 1,
	    "example.net", "message has 2 From fields");

	v[0] = " x@good.example";
	v[1] = " x@evil.example";
	author("two From fields, two domains", v, 2, AM_FROM_SEVERAL_FIELDS,
	    2, "", "message has 2 From fields");

	v[0] = " x@good.example";
	v[1] = " <x@evil.example";
	author("two From fields, one unparseable", v, 2,
	    AM_FROM_SEVERAL_FIELDS, 1, "", "message has 2 From fields");

	v[0] = " x@evil.example, y@good.example";
	author("two addresses", v, 1, AM_FROM_SEVERAL_ADDRS, 2, "",
	    "From field has several addresses");

	v[0] = " a@example.com, b@EXAMPLE.com";
	author("two addresses, one domain (notes test 35)", v, 1,
	    AM_FROM_SEVERAL_ADDRS, 1, "example.com",
	    "From field has several addresses");

	v[0] = "";
	author("empty From", v, 1, AM_FROM_EMPTY, 0, "",
	    "From field is empty");

	v[0] = " undisclosed:;";
	author("empty group", v, 1, AM_FROM_EMPTY, 0, "",
	    "From field holds a group");

	v[0] = " user@[192.0.2.1]";
	author("address literal (notes test 36)", v, 1, AM_FROM_NODOMAIN, 0,
	    "", "literal");

	v[0] = " alice";
	author("no '@'", v, 1, AM_FROM_NODOMAIN, 0, "", "has no domain");

	v[0] = " a@good.example, b";
	author("one address without a domain", v, 1, AM_FROM_NODOMAIN, 1, "",
	    "has no domain");

	v[0] = " <x@evil.example>good.example";
	author("text after '>'", v, 1, AM_FROM_UNPARSEABLE, 0, "",
	    "text after '>'");

	v[0] = " x@evil.example (good.example)";
	author("comment after address", v, 1, AM_FROM_OK, 1, "evil.example",
	    "");

	v[0] = " \"a@good.example\" <x@evil.example>";
	author("quoted '@' in display name", v, 1, AM_FROM_OK, 1,
	    "evil.example", "");

	v[0] = " \"x\" <@good.example:x@evil.example>";
	author("obs-route", v, 1, AM_FROM_OK, 1, "evil.example", "");

	v[0] = " x@b\xc3\xbc" "cher.example";
	author("IDN (notes test 37)", v, 1, AM_FROM_OK, 1,
	    "xn--bcher-kva.example", "");

	am_from_fields(NULL, 0, &a);
	ok(!a.complete, "no From: domain list not complete");

	f[0].value = " x@b\xc3\xbc" "cher.example";
	f[0].len = strlen(f[0].value);
	am_from_fields(f, 1, &a);
	ok(a.complete && a.ndomains == 1 && a.nfields == 1 && a.naddrs == 1,
	    "one address: complete");
	is_str(a.addr, "x@xn--bcher-kva.example", "one address: addr in "
	    "A-labels");

	f[0].value = " a@x.example, b@y.example, c@X.example";
	f[0].len = strlen(f[0].value);
	am_from_fields(f, 1, &a);
	ok(a.complete && a.ndomains == 2 && a.naddrs == 3 &&
	    strcmp(a.domains[0], "x.example") == 0 &&
	    strcmp(a.domains[1], "y.example") == 0,
	    "several addresses: every author domain, deduplicated");

	f[0].value = " a@x.example, b";
	f[0].len = strlen(f[0].value);
	am_from_fields(f, 1, &a);
	ok(!a.complete && a.ndomains == 1, "no domain: list not complete");

	f[0].value = " a@x.example";
	f[0].len = strlen(f[0].value);
	f[1].value = " (";
	f[1].len = 2;
	am_from_fields(f, 2, &a);
	ok(!a.complete && a.ndomains == 1 && a.nfields == 2,
	    "two fields, one unparseable: list not complete");
}

static void
test_author_limits(void)
{
	struct am_from_field	 f;
	struct am_from		 a;
	struct am_buf		 b;
	size_t			 i;

	am_buf_init(&b, 1 << 16);
	for (i = 0; i < AM_FROM_MAXDOMAINS + 1; i++)
		(void)am_buf_printf(&b, "%su@d%zu.example", i ? ", " : "", i);
	f.value = am_buf_str(&b);
	f.len = b.len;
	am_from_fields(&f, 1, &a);
	ok(a.status == AM_FROM_SEVERAL_ADDRS && !a.complete &&
	    a.ndomains == AM_FROM_MAXDOMAINS,
	    "more author domains than AM_FROM_MAXDOMAINS: not complete");

	am_buf_reset(&b);
	for (i = 0; i < 600; i++)
		(void)am_buf_appendc(&b, 'l');
	(void)am_buf_appends(&b, "@example.com");
	f.value = am_buf_str(&b);
	f.len = b.len;
	am_from_fields(&f, 1, &a);
	ok(a.status == AM_FROM_UNPARSEABLE && a.addr[0] == '\0' &&
	    strstr(a.why, "too long"), "600-octet local part: too long");
	am_buf_release(&b);
}

static void
test_author_hdrs(void)
{
	static const char *const raw[] = {
		"Received: from x by y; 1 Jan 2026 00:00:00 +0000",
		"FROM : Mary Smith <mary@example.net>",
		"Subject: x",
		"from:\r\n\tJohn <jdoe@example.org>",
	};
	struct am_hdrs	*h;
	struct am_from	 a;
	size_t		 i;

	h = am_hdrs_new(16, 4096);
	for (i = 0; i < 3; i++)
		(void)am_hdrs_add_raw(h, raw[i], strlen(raw[i]), NULL);
	am_from_hdrs(h, &a);
	ok(a.status == AM_FROM_OK && strcmp(a.addr, "mary@example.net") == 0,
	    "hdrs: one From field (any case, obsolete WSP before ':')");
	(void)am_hdrs_add_raw(h, raw[3], strlen(raw[3]), NULL);
	am_from_hdrs(h, &a);
	ok(a.status == AM_FROM_SEVERAL_FIELDS && a.ndomains == 2 &&
	    a.addr[0] == '\0', "hdrs: two From fields");
	am_hdrs_free(&h);
	h = am_hdrs_new(16, 4096);
	(void)am_hdrs_add_raw(h, raw[0], strlen(raw[0]), NULL);
	am_from_hdrs(h, &a);
	is_int(a.status, AM_FROM_NONE, "hdrs: no From field");
	am_hdrs_free(&h);
}

int
main(void)
{
	test_cases();
	test_details();
	test_limits();
	test_author();
	test_author_limits();
	test_author_hdrs();
	return done_testing();
}
