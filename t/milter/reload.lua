-- reload.lua - SIGHUP/SIGUSR1 reload while a message is in flight; a
-- bad config keeps the old one; SIGTERM lets the message in flight end
dofile(srcdir .. "/t/milter/lib.lua")

local hdrs, body = parse(readfile(dir .. "/msg.eml"))

local function begin(qid)
	local conn = start({ qid = qid })
	send_headers(conn, hdrs)
	return conn
end

local function finish(conn)
	must(mt.bodystring(conn, body), "body")
	must(mt.eom(conn), "eom")
	local sig = mt.getheader(conn, "DKIM-Signature", 0)
	local r = mt.getreply(conn)
	mt.disconnect(conn)
	return r, sig
end

local function signed_by(conn, sel, name)
	local r, sig = finish(conn)
	is(r, SMFIR_ACCEPT, name .. ": accepted")
	like(sig, "s=" .. sel .. ";", name .. ": signed with s=" .. sel)
end

-- Good reload with a message in flight.
local c1 = begin("R1")
os.execute("cp " .. dir .. "/good2.conf " .. dir .. "/authmilter.conf && kill -HUP " .. pid)
ok(wait_log("reloaded"), "SIGHUP: reloaded")
signed_by(c1, "rsa2026", "message in flight during reload keeps the old config")
signed_by(begin("R2"), "ed2026", "next message uses the new config")

-- Bad reload with a message in flight.
local c3 = begin("R3")
os.execute("cp " .. dir .. "/bad.conf " .. dir .. "/authmilter.conf && kill -USR1 " .. pid)
ok(wait_log("reload failed, keeping the running configuration"), "SIGUSR1 with a bad config: refused")
ok(wait_log("authmilter.conf:"), "bad config: problem logged with file:line")
signed_by(c3, "ed2026", "message in flight during a failed reload")
signed_by(begin("R4"), "ed2026", "after a failed reload the old config serves")

-- SIGTERM with a message in flight: it still completes.
local c5 = begin("R5")
os.execute("kill -TERM " .. pid)
ok(wait_log("stopping"), "SIGTERM: stopping")
signed_by(c5, "ed2026", "message in flight at SIGTERM completes")
