-- trusted.lua - TrustedAuthservIDs: the spf and dkim results of an
-- Authentication-Results field from a trusted authserv-id count for
-- DMARC; fields from any other authserv-id never do, and one with our
-- own (mx.example.org, listed too: dropped with a warning) is still
-- removed as a forgery.  milter.sh gives example.net "p=reject" and
-- runs this with "TrustedAuthservIDs relay.example.net, mx.example.org".
dofile(srcdir .. "/t/milter/lib.lua")

local plain = "From: User <user@example.net>\nTo: rcpt@example.com\n" ..
    "Subject: trusted\n\nbody\n"
local tampered = readfile(dir .. "/tampered.eml")

-- run CASE AR-VALUE MESSAGE [MAIL-FROM]: one message from an external
-- client with the A-R field on top; returns the connection, the reply
-- and our A-R value.
local function run(case, arv, msg, from)
	local conn = start({ ip = "198.51.100.1", helo = "helo.spf.example",
	    from = from or "<a@pass.spf.example>",
	    qid = "TA" .. string.upper(string.gsub(case, "[^%w]", "")) })
	local r = send_message(conn, "Authentication-Results: " .. arv .. "\n" .. msg)
	return conn, r, added(conn, "Authentication-Results", 0)
end

local function removed(conn)
	return mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results") or
	    mt.eom_check(conn, MT_HDRCHANGE, "Authentication-Results")
end

ok(wait_log("TrustedAuthservIDs: \"mx.example.org\" is our own AuthservID, never trusted"),
    "our own authserv-id in TrustedAuthservIDs: warned about")

-- Trusted upstream, our own DKIM absent: dmarc=pass.
local conn, r, ar = run("absent", "relay.example.net;\n\tdkim=pass (good) header.d=example.net",
    plain)
is(r, SMFIR_ACCEPT, "trusted dkim=pass, unsigned: accepted")
ok(not mt.eom_check(conn, MT_QUARANTINE), "trusted dkim=pass, unsigned: not quarantined")
like(ar, ";\n\tdkim=none;", "trusted dkim=pass, unsigned: our own dkim=none stays")
like(ar, ";\n\tdmarc=pass", "trusted dkim=pass, unsigned: dmarc=pass")
like(ar, "header.from=example.net policy.dmarc=reject", "trusted dkim=pass, unsigned: p=reject")
ok(not removed(conn), "trusted dkim=pass: the trusted field stays")
ok(wait_log("TAABSENT: verify: client localhost [198.51.100.1] is not trusted; dkim=none; " ..
    "spf=pass smtp.mailfrom=a@pass.spf.example"), "trusted dkim=pass, unsigned: logged")
ok(wait_log("dmarc=pass header.from=example.net policy=reject (dkim from trusted " ..
    "relay.example.net): accept"), "log line says the dkim result came from upstream")
mt.disconnect(conn)

-- Trusted upstream, our own DKIM fails (body changed since): dmarc=pass.
conn, r, ar = run("fails", "RELAY.example.net 1 (v1); spf=none smtp.mailfrom=a@pass.spf.example; " ..
    "dkim=pass header.d=\"example.net\" header.b=\"AbCd/eF+\"", tampered)
is(r, SMFIR_ACCEPT, "trusted dkim=pass, own dkim=fail: accepted")
ok(not mt.eom_check(conn, MT_QUARANTINE), "trusted dkim=pass, own dkim=fail: not quarantined")
like(ar, ";\n\tdkim=fail", "trusted dkim=pass, own dkim=fail: our dkim=fail stays")
like(ar, ";\n\tdmarc=pass", "trusted dkim=pass, own dkim=fail: dmarc=pass")
mt.disconnect(conn)

-- Trusted spf=pass for an aligned MAIL FROM replaces ours.
conn, r, ar = run("spf", "relay.example.net; spf=pass smtp.mailfrom=bounce@example.net",
    plain)
ok(not mt.eom_check(conn, MT_QUARANTINE), "trusted aligned spf=pass: not quarantined")
like(ar, ";\n\tdmarc=pass", "trusted aligned spf=pass: dmarc=pass")
ok(wait_log("(spf from trusted relay.example.net): accept"), "trusted spf: logged")
mt.disconnect(conn)

-- Untrusted authserv-id: ignored.
conn, r, ar = run("untrusted", "relay.evil.example;\n\tdkim=pass header.d=example.net", plain)
is(r, SMFIR_ACCEPT, "untrusted dkim=pass: accepted")
ok(mt.eom_check(conn, MT_QUARANTINE), "untrusted dkim=pass: ignored, quarantined")
like(ar, ";\n\tdmarc=fail", "untrusted dkim=pass: dmarc=fail")
ok(not removed(conn), "untrusted field: left alone")
mt.disconnect(conn)

-- A trusted field that does not parse strictly is not used.
conn, r, ar = run("unparseable", "relay.example.net; dkim=pass action=none header.d=example.net",
    plain)
ok(mt.eom_check(conn, MT_QUARANTINE), "unparseable trusted field: ignored, quarantined")
ok(wait_log("TAUNPARSEABLE: Authentication-Results from trusted relay.example.net not used"),
    "unparseable trusted field: warned about")
mt.disconnect(conn)

-- Our own authserv-id: a forgery, removed and never used.
conn, r, ar = run("ours", "mx.example.org; dkim=pass header.d=example.net", plain)
ok(removed(conn), "our own authserv-id: removed as a forgery")
ok(mt.eom_check(conn, MT_QUARANTINE), "our own authserv-id: never trusted, quarantined")
like(ar, ";\n\tdmarc=fail", "our own authserv-id: dmarc=fail")
mt.disconnect(conn)
