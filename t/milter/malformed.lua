-- malformed.lua - bad From, too many headers, NUL, abort: a defined
-- outcome and a log line, never a crash
dofile(srcdir .. "/t/milter/lib.lua")

local function internal(name, text, qid)
	local conn = start({ qid = qid })
	local r = send_message(conn, text)
	is(r, SMFIR_ACCEPT, name .. ": accepted")
	ok(not mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature"), name .. ": not signed")
	local ar = added(conn, "Authentication-Results", 0)
	mt.disconnect(conn)
	return ar
end

like(internal("no From", "Subject: x\n\nbody\n", "NOFROM"),
    "dkim=none reason=\"message has no From field\"", "no From: reported in A-R")
like(internal("two From fields", "From: a@example.net\nFrom: b@example.net\n\nbody\n", "TWOFROM"),
    "message has 2 From fields", "two From fields: reported in A-R")
like(internal("two addresses", "From: a@example.net, b@example.net\n\nbody\n", "TWOADDR"),
    "From field has several addresses", "two addresses: reported in A-R")
like(internal("group", "From: undisclosed:;\n\nbody\n", "GROUP"),
    "From field holds a group", "group syntax: reported in A-R")
ok(wait_log("NOFROM: verify: message has no From field"), "log: no From logged with queue id")

-- More header fields than the limit: permerror, not a crash.
local conn = start({ ip = "198.51.100.1", qid = "MANY" })
local hdrs = { { name = "From", value = " user@example.net" } }
for i = 1, 1200 do
	table.insert(hdrs, { name = "X-Filler", value = " " .. string.rep("x", 60) })
end
send_headers(conn, hdrs)
must(mt.bodystring(conn, "body\r\n"), "body")
must(mt.eom(conn), "eom")
is(mt.getreply(conn), SMFIR_ACCEPT, "1200 fields: accepted (On-BadSignature accept)")
like(added(conn, "Authentication-Results", 0), "dkim=permerror reason=\"header block refused",
    "1200 fields: dkim=permerror")
mt.disconnect(conn)
ok(wait_log("MANY: header block refused"), "1200 fields: logged")

-- A NUL in a header value, then an aborted message, then a good one.
conn = start({ ip = "198.51.100.1", qid = "NUL" })
must(mt.header(conn, "From", " user@example.net"), "From")
mt.header(conn, "Subject", " a\0b")
must(mt.eoh(conn), "eoh")
mt.abort(conn)
mt.macro(conn, SMFIC_MAIL, "i", "AFTER")
must(mt.mailfrom(conn, "<sender@example.net>"), "mailfrom")
must(mt.rcptto(conn, "<rcpt@example.com>"), "rcptto")
local r = send_message(conn, "From: user@example.net\nSubject: y\n\nbody\n")
is(r, SMFIR_ACCEPT, "after NUL and abort: next message accepted")
like(added(conn, "Authentication-Results", 0), "dkim=none", "after abort: verified")
mt.disconnect(conn)

-- A connection dropped in the middle of a message.
conn = start({ ip = "198.51.100.1", qid = "DROP" })
must(mt.header(conn, "From", " user@example.net"), "From")
mt.disconnect(conn, false)
conn = start({ qid = "ALIVE" })
r = send_message(conn, readfile(dir .. "/msg.eml"))
ok(r == SMFIR_ACCEPT and mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature"),
    "after a dropped connection: still signing")
mt.disconnect(conn)
