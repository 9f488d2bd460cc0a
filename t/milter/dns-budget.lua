-- dns-budget.lua - the name server never answers (milter.sh starts a
-- UDP socket nobody reads): the worst message (SPF at MAIL FROM and
-- HELO, 100 signatures naming 100 keys, DMARC) is done within
-- DNSBudget (1 s here; DNSTimeout 1, so one silent lookup alone is 2 s)
-- plus 1.5 s, with temperror for what could not be fetched.
dofile(srcdir .. "/t/milter/lib.lua")

local function uptime()
	local f = assert(io.open("/proc/uptime", "rb"))
	local t = f:read("*n")
	f:close()
	return t
end

local sigs = {}
for i = 1, 100 do
	table.insert(sigs, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; " ..
	    "d=silent.example; s=s" .. i .. "; h=from:to:subject;\n" ..
	    " bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hKuU8=; b=dGVzdHRlc3R0ZXN0\n")
end
local msg = table.concat(sigs) .. "From: a@silent.example\nTo: b@example.org\n" ..
    "Subject: silent\n\nbody\n"

local t0 = uptime()
local conn = start({ host = "mx.silent.example", ip = "198.51.100.1",
    helo = "helo.silent.example", from = "<a@silent.example>", qid = "SILENT" })
local r = send_message(conn, msg)
local dt = uptime() - t0
print(string.format("# the whole message took %.2f s (DNSBudget 1 s, DNSTimeout 1 s)", dt))
ok(dt < 2.5, "worst case: the whole message within DNSBudget + 1.5 s")
is(r, SMFIR_REPLYCODE, "temporary failure (On-DNSError default)")
ok(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.4.3", "DKIM: key lookup failed, try again later"),
    "451 4.4.3 with a reason")
mt.disconnect(conn)
ok(wait_log("SILENT: verify: "), "log: the message's line")
local log = readfile(dir .. "/log")
like(log, "dkim=temperror d=silent.example key query failed: TIMEOUT", "log: dkim=temperror")
like(log, "36 DKIM signatures beyond the first 64 not checked", "64 signatures checked")
ok(not string.find(log, "dkim=permerror", 1, true), "log: no dkim=permerror")

-- The same with one signature, so that the whole line is logged
-- (every name was cut short by the budget above, so none is kept as a
-- failure: this message waits for its budget again).
msg = sigs[1] .. "From: a@silent.example\nTo: b@example.org\nSubject: again\n\nbody\n"
t0 = uptime()
conn = start({ host = "mx.silent.example", ip = "198.51.100.1",
    helo = "helo.silent.example", from = "<a@silent.example>", qid = "AGAIN" })
r = send_message(conn, msg)
dt = uptime() - t0
print(string.format("# the next message took %.2f s", dt))
ok(dt < 2.5, "next message: within DNSBudget + 1.5 s")
is(r, SMFIR_REPLYCODE, "next message: temporary failure")
mt.disconnect(conn)
ok(wait_log("AGAIN: verify: "), "log: the next message's line")
log = readfile(dir .. "/log")
like(log, "AGAIN: verify: Mode has no s; " ..
    "dkim=temperror d=silent.example key query failed: TIMEOUT; " ..
    "spf=temperror smtp.mailfrom=a@silent.example", "log: dkim and MAIL FROM spf=temperror")
like(log, "spf=temperror smtp.helo=helo.silent.example", "log: HELO spf=temperror")
like(log, "dmarc=temperror", "log: dmarc=temperror")
