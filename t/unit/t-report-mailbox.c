/*
 * t-report-mailbox - which recipients are our report mailboxes
 * (am_config_report_mailbox): ReportMailbox entries and ReportEmail,
 * compared case-insensitively on the local part before '+' and on the
 * domain; RCPT TO forms (angle brackets, a source route, a quoted local
 * part, a trailing dot); ReportMailbox and ReportCaptureMaxSize as
 * loaded from a file (defaults, a bad address refused).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_impl.h"
#include "tap.h"

static void
matcher(void)
{
	struct am_config	 cfg;
	char			 b1[] = "rua@Example.NET";
	char			 b2[] = "dmarc+in@example.com";
	char			 email[] = "reports@example.org";
	char			*boxes[] = { b1, b2, NULL };

	memset(&cfg, 0, sizeof(cfg));
	ok(!am_config_report_mailbox(&cfg, "<rua@example.net>"),
	    "no ReportMailbox, no ReportEmail: nothing is a report mailbox");
	ok(!am_config_report_capture(&cfg), "... and nothing is captured");
	cfg.report.mailboxes = boxes;
	cfg.report.email = email;
	ok(am_config_report_capture(&cfg), "ReportMailbox set: capture on");
	ok(am_config_report_mailbox(&cfg, "<rua@example.net>"),
	    "an entry, as RCPT TO gives it");
	ok(am_config_report_mailbox(&cfg, "rua@example.net"),
	    "without angle brackets");
	ok(am_config_report_mailbox(&cfg, "<RUA@EXAMPLE.net>"),
	    "local part and domain in any case");
	ok(am_config_report_mailbox(&cfg, "<rua+2026-12-07@example.net>"),
	    "a +detail form of an entry");
	ok(am_config_report_mailbox(&cfg, "<rua@example.net.>"),
	    "a trailing dot on the domain");
	ok(am_config_report_mailbox(&cfg, "<@relay.example,@b.example:rua@example.net>"),
	    "a source route");
	ok(am_config_report_mailbox(&cfg, "<\"rua\"@example.net>"),
	    "a quoted local part");
	ok(am_config_report_mailbox(&cfg, " <rua@example.net> "),
	    "blanks around");
	ok(am_config_report_mailbox(&cfg, "<dmarc@example.com>"),
	    "an entry's own +detail is ignored too");
	ok(am_config_report_mailbox(&cfg, "<dmarc+other@example.com>"),
	    "... so any +detail of its base matches");
	ok(am_config_report_mailbox(&cfg, "<reports+r-abc123@example.org>"),
	    "ReportEmail's +detail form (bounces of our reports)");
	ok(am_config_report_mailbox(&cfg, "<reports@example.org>"),
	    "ReportEmail itself");
	ok(!am_config_report_mailbox(&cfg, "<ruax@example.net>"),
	    "a longer local part does not match");
	ok(!am_config_report_mailbox(&cfg, "<ru@example.net>"),
	    "a shorter local part does not match");
	ok(!am_config_report_mailbox(&cfg, "<rua@sub.example.net>"),
	    "another domain does not match");
	ok(!am_config_report_mailbox(&cfg, "<rua@example.ne>"),
	    "a shorter domain does not match");
	ok(!am_config_report_mailbox(&cfg, "<+rua@example.net>"),
	    "an empty base does not match");
	ok(!am_config_report_mailbox(&cfg, "<>"), "the null path");
	ok(!am_config_report_mailbox(&cfg, "<rua>"), "no domain");
	ok(!am_config_report_mailbox(&cfg, "<rua@>"), "an empty domain");
	ok(!am_config_report_mailbox(&cfg, NULL), "NULL");
	cfg.report.email = NULL;
	ok(!am_config_report_mailbox(&cfg, "<reports@example.org>"),
	    "without ReportEmail its address is an ordinary one");
}

static void
discard(void *ctx, enum am_log_level level, const char *line)
{
	(void)ctx;
	(void)level;
	(void)line;
}

static struct am_config *
load(const char *text)
{
	static const struct am_log	 log = { discard, NULL, NULL };
	struct am_config_overrides	 ov;
	struct am_err			 err;
	char				 path[] = "/tmp/t-report-mailbox.XXXXXX";
	struct am_config		*cfg;
	FILE				*fp;
	int				 fd;

	if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		abort();
	fprintf(fp, "Socket local:/tmp/t-report-mailbox.sock\nMode v\n%s",
	    text);
	fclose(fp);
	memset(&ov, 0, sizeof(ov));
	ov.dns_zone = "";
	am_err_clear(&err);
	cfg = am_config_load(path, &ov, &log, &err);
	unlink(path);
	return cfg;
}

static void
options(void)
{
	struct am_config	*cfg;

	cfg = load("");
	ok(cfg != NULL && cfg->report.mailboxes == NULL &&
	    cfg->report.capture_max == 20971520 &&
	    !am_config_report_capture(cfg),
	    "defaults: no ReportMailbox, ReportCaptureMaxSize 20 MiB");
	am_config_unref(&cfg);
	cfg = load("ReportMailbox rua@example.net, ruf@example.net\n"
	    "ReportCaptureMaxSize 1048576\n");
	ok(cfg != NULL && am_config_report_capture(cfg) &&
	    am_config_report_mailbox(cfg, "<ruf+x@example.net>") &&
	    cfg->report.capture_max == 1048576,
	    "ReportMailbox is a list; ReportCaptureMaxSize is taken");
	am_config_unref(&cfg);
	cfg = load("ReportMailbox rua\n");
	ok(cfg == NULL, "ReportMailbox without a domain is refused");
	am_config_unref(&cfg);
	cfg = load("ReportCaptureMaxSize 100\n");
	ok(cfg == NULL, "ReportCaptureMaxSize below 1024 is refused");
	am_config_unref(&cfg);
}

int
main(void)
{
	matcher();
	options();
	return tap_done();
}
