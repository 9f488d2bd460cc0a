-- sign.lua - an internal client's message is signed; the signature is
-- the one authmilter-tool makes for the same message and time
dofile(srcdir .. "/t/milter/lib.lua")

local conn = start({ host = "localhost", ip = "127.0.0.1", qid = "SIGN1" })
local r = send_message(conn, readfile(dir .. "/msg.eml"))
is(r, SMFIR_ACCEPT, "sign: accepted")
local sig = added(conn, "DKIM-Signature", 0)
is(sig, readvalue(dir .. "/expect-sig"), "sign: signature equals authmilter-tool's")
ok(mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature",
    mt.getheader(conn, "DKIM-Signature", 0), 0),
    "sign: DKIM-Signature inserted at index 0")
ok(string.find(mt.getheader(conn, "DKIM-Signature", 0), "\r", 1, true) == nil,
    "sign: folded with LF TAB, no CR")
ok(string.sub(mt.getheader(conn, "DKIM-Signature", 0), 1, 5) == " v=1;",
    "sign: value keeps its leading space (SMFIP_HDR_LEADSPC)")
like(added(conn, "DKIM-Filter", 0), "authmilter ", "sign: SoftwareHeader adds DKIM-Filter")
ok(not mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results"),
    "sign: no Authentication-Results when signing")
writefile(dir .. "/got-sig", sig or "")
ok(mt.test_option(conn, SMFIP_HDR_LEADSPC), "negotiated SMFIP_HDR_LEADSPC")
ok(mt.test_option(conn, SMFIP_SKIP), "negotiated SMFIP_SKIP")
ok(mt.test_action(conn, SMFIF_CHGHDRS) and mt.test_action(conn, SMFIF_ADDHDRS)
    and mt.test_action(conn, SMFIF_QUARANTINE), "asked for ADDHDRS, CHGHDRS, QUARANTINE")

-- A second message on the same connection, without a body.
mt.macro(conn, SMFIC_MAIL, "i", "SIGN2")
must(mt.mailfrom(conn, "<sender@example.net>"), "mailfrom")
must(mt.rcptto(conn, "<rcpt@example.com>"), "rcptto")
r = send_message(conn, "From: User <user@example.net>\nSubject: empty\n")
is(r, SMFIR_ACCEPT, "sign: message without a body accepted")
like(added(conn, "DKIM-Signature", 0), "h=from:from:subject;",
    "sign: message without a body signed")
mt.disconnect(conn)
ok(wait_log("SIGN1: sign: client localhost [127.0.0.1] is in InternalHosts"),
    "log: one line with the queue id and the reason")
