-- verify.lua - an external client's mail is verified; the
-- Authentication-Results field goes on top; On-* actions
dofile(srcdir .. "/t/milter/lib.lua")

local function one(name, file, qid)
	local conn = start({ host = "mx.sender.example", ip = "198.51.100.1",
	    qid = qid })
	local r = send_message(conn, readfile(dir .. "/" .. file))
	return conn, r
end

local conn, r = one("pass", "signed.eml", "VPASS")
is(r, SMFIR_ACCEPT, "verify pass: accepted")
local ar = added(conn, "Authentication-Results", 0)
is(ar, readfile(dir .. "/expect-ar-pass"), "verify pass: A-R as authmilter-tool verify reports it")
ok(mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results",
    mt.getheader(conn, "Authentication-Results", 0), 0), "verify pass: A-R inserted at index 0")
ok(not mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature"), "verify pass: nothing signed")
mt.disconnect(conn)

conn, r = one("unsigned", "msg.eml", "VNONE")
is(r, SMFIR_ACCEPT, "verify unsigned: accepted (On-NoSignature accept)")
is(added(conn, "Authentication-Results", 0), " mx.example.org;\n\tdkim=none;\n\t" ..
    "spf=none smtp.mailfrom=sender@example.net;\n\tspf=none smtp.helo=client.example;\n\t" ..
    "dmarc=none header.from=example.net", "verify unsigned: dkim=none")
mt.disconnect(conn)

conn, r = one("tampered", "tampered.eml", "VFAIL")
is(r, SMFIR_REPLYCODE, "verify tampered: rejected (On-BadSignature reject)")
ok(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.20", "DKIM: signature verification failed"),
    "verify tampered: 550 5.7.20 with a reason")
mt.disconnect(conn)

conn, r = one("servfail", "signed-servfail.eml", "VTEMP")
is(r, SMFIR_REPLYCODE, "verify SERVFAIL: temporary failure (On-DNSError default)")
ok(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.4.3", "DKIM: key lookup failed, try again later"),
    "verify SERVFAIL: 451 4.4.3 with a reason")
mt.disconnect(conn)

conn, r = one("nokey", "signed-nokey.eml", "VNOKEY")
is(r, SMFIR_ACCEPT, "verify no key: accepted and quarantined")
ok(mt.eom_check(conn, MT_QUARANTINE), "verify no key: quarantined (On-KeyNotFound quarantine)")
like(added(conn, "Authentication-Results", 0), "dkim=permerror reason=\"no key for signature\"",
    "verify no key: dkim=permerror")
mt.disconnect(conn)
ok(wait_log("VPASS: verify: client mx.sender.example [198.51.100.1] is not trusted; dkim=pass d=example.net; " ..
    "spf=none smtp.mailfrom=sender@example.net (example.net: no SPF record), " ..
    "spf=none smtp.helo=client.example (client.example: no SPF record); " ..
    "dmarc=none header.from=example.net: accept (dmarc=none for example.net); action=accept"),
    "log: verify line with queue id, reason and verdict")
