-- dmarc.lua - DMARC at the end of a verified message: the dmarc=
-- resinfo in our one Authentication-Results field (after dkim and
-- spf), and the disposition: quarantine (smfi_quarantine) by default
-- for p=reject and p=quarantine failures, 550 5.7.1 under
-- RejectFailures, nothing for p=none, never for authenticated,
-- InternalHosts or IgnoreMailFrom; temperror per TemporaryErrorAction.
-- name is "dmarc" (defaults) or "dmarc-reject" (RejectFailures yes,
-- TemporaryErrorAction accept).  A-R values go to dir/ar-NAME.
dofile(srcdir .. "/t/milter/lib.lua")

local rejecting = name == "dmarc-reject"
local ext = "198.51.100.1"

-- run CASE FROM-HEADER OPTS: one message; returns the connection (still
-- open), the reply and our A-R value.
local function run(case, from, opts)
	opts.ip = opts.ip or ext
	opts.helo = opts.helo or "helo.spf.example"
	opts.qid = opts.qid or ("DM" .. string.upper(string.gsub(case, "[^%w]", "")))
	local conn = start(opts)
	local msg = (from and ("From: " .. from .. "\n") or "") ..
	    "To: rcpt@example.com\nSubject: dmarc " .. case .. "\n\nbody\n"
	local r = send_message(conn, msg)
	local ar = added(conn, "Authentication-Results", 0)
	if ar ~= nil then
		writefile(dir .. "/ar-" .. case, ar)
	end
	return conn, r, ar
end

local function quarantined(conn)
	return mt.eom_check(conn, MT_QUARANTINE)
end

-- aligned: SPF passes for aligned.spf.example, From is that domain.
local conn, r, ar = run("aligned", "Boss <boss@aligned.spf.example>",
    { from = "<bounce@aligned.spf.example>" })
is(r, SMFIR_ACCEPT, "aligned pass: accepted")
ok(not quarantined(conn), "aligned pass: not quarantined")
like(ar, ";\n\tspf=pass smtp.mailfrom=bounce@aligned.spf.example;", "aligned pass: spf before dmarc")
like(ar, ";\n\tdmarc=pass (p=reject dis=pass) header.from=aligned.spf.example " ..
    "policy.dmarc=reject", "aligned pass: dmarc=pass with the policy")
mt.disconnect(conn)

-- spoofed: From a p=reject domain, SPF passes for another one.
conn, r, ar = run("spoofed", "ceo@bank.spf.example", { from = "<a@pass.spf.example>" })
if rejecting then
	is(r, SMFIR_REPLYCODE, "RejectFailures: spoofed p=reject refused")
	ok(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
	    "rejected by DMARC policy for bank.spf.example"),
	    "RejectFailures: 550 5.7.1 rejected by DMARC policy for bank.spf.example")
	ok(wait_log("DMSPOOFED: verify: client localhost [198.51.100.1] is not trusted; dkim=none; " ..
	    "spf=pass smtp.mailfrom=a@pass.spf.example (ip4:198.51.100.0/24), " ..
	    "spf=pass smtp.helo=helo.spf.example (ip4:198.51.100.1); " ..
	    "dmarc=fail header.from=bank.spf.example policy=reject: reject ("),
	    "RejectFailures: log line has the dmarc verdict")
else
	is(r, SMFIR_ACCEPT, "spoofed p=reject: accepted")
	ok(quarantined(conn), "spoofed p=reject: quarantined (SMFIR_QUARANTINE), not rejected")
	like(ar, ";\n\tdmarc=fail (p=reject dis=quarantine) header.from=bank.spf.example " ..
	    "policy.dmarc=reject", "spoofed p=reject: dmarc=fail in A-R, after dkim and spf")
	ok(wait_log("DMSPOOFED: dmarc-report ip=198.51.100.1 header_from=bank.spf.example " ..
	    "envelope_from=pass.spf.example"), "spoofed: dmarc-report record logged")
	ok(wait_log("dmarc=fail header.from=bank.spf.example policy=reject: quarantine (dmarc=fail " ..
	    "for bank.spf.example, policy reject: quarantined"), "spoofed: log line has the dmarc verdict")
end
mt.disconnect(conn)

-- p=quarantine: quarantined either way.
conn, r, ar = run("quarantine", "x@quar.spf.example", { from = "<a@pass.spf.example>" })
is(r, SMFIR_ACCEPT, "p=quarantine: accepted")
ok(quarantined(conn), "p=quarantine: quarantined")
like(ar, "header.from=quar.spf.example policy.dmarc=quarantine", "p=quarantine: A-R")
mt.disconnect(conn)

-- p=none: nothing changes.
conn, r, ar = run("none", "x@monitor.spf.example", { from = "<a@pass.spf.example>" })
is(r, SMFIR_ACCEPT, "p=none: accepted")
ok(not quarantined(conn), "p=none: not quarantined")
like(ar, ";\n\tdmarc=fail (p=none dis=none) header.from=monitor.spf.example policy.dmarc=none",
    "p=none: dmarc=fail, policy none")
mt.disconnect(conn)

-- no _dmarc record at all
conn, r, ar = run("nopolicy", "x@other.example", { from = "<a@pass.spf.example>" })
is(r, SMFIR_ACCEPT, "no record: accepted")
like(ar, ";\n\tdmarc=none header.from=other.example", "no record: dmarc=none")
mt.disconnect(conn)

-- Never enforced: authenticated client, InternalHosts, IgnoreMailFrom.
conn, r, ar = run("authenticated", "ceo@bank.spf.example", { from = "<a@pass.spf.example>",
    mail_macros = { "{auth_authen}", "alice" } })
is(r, SMFIR_ACCEPT, "authenticated client: accepted")
ok(not quarantined(conn), "authenticated client: not quarantined")
like(ar, "dmarc=fail", "authenticated client: A-R still says dmarc=fail")
ok(wait_log("DMAUTHENTICATED: verify: no signing key for the From address; dkim=none; spf skipped: " ..
    "trusted client; dmarc=fail header.from=bank.spf.example policy=reject: accept " ..
    "(authenticated client, not enforced"), "authenticated client: logged as not enforced")
mt.disconnect(conn)

conn, r, ar = run("internal", "ceo@bank.spf.example", { ip = "127.0.0.1",
    from = "<a@pass.spf.example>" })
is(r, SMFIR_ACCEPT, "InternalHosts client: accepted")
ok(not quarantined(conn), "InternalHosts client: not quarantined")
mt.disconnect(conn)

conn, r, ar = run("ignored", "x@ignored.spf.example", { from = "<a@pass.spf.example>" })
is(r, SMFIR_ACCEPT, "IgnoreMailFrom domain: accepted")
ok(not quarantined(conn), "IgnoreMailFrom domain: not quarantined")
like(ar, "dmarc=fail (p=reject", "IgnoreMailFrom domain: A-R still says dmarc=fail")
mt.disconnect(conn)

-- An ignored domain does not shield another author domain.
conn, r, ar = run("ignored-and-spoofed", "x@ignored.spf.example, ceo@bank.spf.example",
    { from = "<a@pass.spf.example>" })
if rejecting then
	is(r, SMFIR_REPLYCODE, "ignored + spoofed authors: refused")
else
	ok(quarantined(conn), "ignored + spoofed authors: quarantined")
	like(ar, "header.from=bank.spf.example policy.dmarc=reject;\n\tdmarc=fail (p=reject",
	    "ignored + spoofed authors: one dmarc= per author domain")
end
mt.disconnect(conn)

-- temperror: SERVFAIL on the policy record.
conn, r, ar = run("temperror", "x@flaky.spf.example", { from = "<a@pass.spf.example>" })
if rejecting then
	is(r, SMFIR_ACCEPT, "TemporaryErrorAction accept: accepted")
	like(ar, ";\n\tdmarc=temperror", "TemporaryErrorAction accept: dmarc=temperror in A-R")
else
	is(r, SMFIR_REPLYCODE, "temperror: refused (TemporaryErrorAction tempfail)")
	ok(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1", "DMARC temporary error for " ..
	    "flaky.spf.example: DNS error during policy discovery"), "temperror: 451 4.7.1")
end
mt.disconnect(conn)

-- No From from an external client: 550 5.7.1 (RequiredHeaders).
conn, r, ar = run("nofrom", nil, { from = "<a@pass.spf.example>" })
is(r, SMFIR_REPLYCODE, "no From: refused (RequiredHeaders)")
ok(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", "Message rejected: author (From) " ..
    "not usable for DMARC: no From field: message has no From field"), "no From: 550 5.7.1")
mt.disconnect(conn)
