-- spf-modes.lua - SPF when DKIM has nothing to say (Mode s, client not
-- trusted) and SPFMode off.  milter.sh runs it twice: as spf-mode-s
-- (Mode s) and as spf-off (Mode sv, SPFMode off).
dofile(srcdir .. "/t/milter/lib.lua")

local spfmode = name == "spf-off" and "off" or "on"

local forged = "Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=x@bank.example\n" ..
    "From: someone@other.example\nSubject: spf\n\nbody\n"
local conn = start({ ip = "198.51.100.1", helo = "helo.spf.example",
    from = "<a@pass.spf.example>", qid = "MODES" })
local r = send_message(conn, forged)
is(r, SMFIR_ACCEPT, spfmode .. ": accepted")
if spfmode == "on" then
	is(added(conn, "Authentication-Results", 0), " mx.example.org;\n\t" ..
	    "spf=pass smtp.mailfrom=a@pass.spf.example;\n\tspf=pass smtp.helo=helo.spf.example",
	    "Mode s, untrusted client: an A-R with the SPF results only")
	ok(mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results") or
	    mt.eom_check(conn, MT_HDRCHANGE, "Authentication-Results"),
	    "Mode s: the forged A-R with our authserv-id is removed")
	ok(not mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature"), "Mode s: not signed")
else
	is(added(conn, "Authentication-Results", 0), " mx.example.org;\n\tdkim=none;\n\t" ..
	    "dmarc=none header.from=other.example",
	    "SPFMode off: no SPF result")
end
mt.disconnect(conn)
