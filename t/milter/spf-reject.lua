-- spf-reject.lua - SPF acting on its verdicts at MAIL FROM
-- (SPFFailAction reject, SPFSoftFailAction reject, SPFTempErrorAction
-- tempfail), SPFExplanation, SPFReceivedHeader yes and SPFSkipTrusted
-- no.  The reply texts are checked on the wire by spfreply.py.
dofile(srcdir .. "/t/milter/lib.lua")

local msg = "From: someone@other.example\nSubject: spf\n\nbody\n"
local ext = "198.51.100.1"
local helo = "helo.spf.example"

local function refused(name, from, want)
	local conn = start({ ip = ext, helo = helo, from = from, mail_only = true,
	    qid = "R" .. string.upper(name) })
	is(mt.getreply(conn), want, name .. ": refused at MAIL FROM")
	mt.disconnect(conn)
end

refused("fail", "<a@fail.spf.example>", SMFIR_REPLYCODE)
refused("softfail", "<a@softfail.spf.example>", SMFIR_REPLYCODE)
refused("temperror", "<a@temp.spf.example>", SMFIR_REPLYCODE)
ok(wait_log("RFAIL: MAIL FROM refused; spf=fail smtp.mailfrom=a@fail.spf.example (-all), " ..
    "spf=pass smtp.helo=helo.spf.example (ip4:198.51.100.1); action=reject"),
    "log: fail rejected, with both results")
ok(wait_log("RSOFTFAIL: MAIL FROM refused; spf=softfail smtp.mailfrom=a@softfail.spf.example"),
    "log: softfail rejected")
ok(wait_log("RTEMPERROR: MAIL FROM refused; spf=temperror smtp.mailfrom=a@temp.spf.example"),
    "log: temperror: temporary failure")
ok(wait_log("action=tempfail"), "log: temperror action is tempfail")

-- Accepted verdicts are annotated, with Received-SPF under the A-R.
local function accepted(name, opts, want_ar, want_rspf)
	opts.qid = "R" .. string.upper(name)
	local conn = start(opts)
	is(mt.getreply(conn), SMFIR_CONTINUE, name .. ": MAIL FROM accepted")
	local r = send_message(conn, opts.msg or msg)
	is(r, SMFIR_ACCEPT, name .. ": message accepted")
	local ar = added(conn, "Authentication-Results", 0)
	like(ar, want_ar, name .. ": A-R")
	if ar ~= nil then
		writefile(dir .. "/ar-" .. name, ar)
	end
	local rspf = added(conn, "Received-SPF", 0)
	like(rspf, want_rspf, name .. ": Received-SPF")
	if rspf ~= nil then
		writefile(dir .. "/rspf-" .. name, rspf)
	end
	ok(mt.eom_check(conn, MT_HDRINSERT, "Received-SPF", mt.getheader(conn, "Received-SPF", 0), 0),
	    name .. ": Received-SPF inserted at the top")
	if opts.signed then
		ok(mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature"), name .. ": signed too")
	end
	mt.disconnect(conn)
	return ar, rspf
end

accepted("pass", { ip = ext, helo = helo, from = "<a@pass.spf.example>" },
    "spf=pass smtp.mailfrom=a@pass.spf.example",
    " pass (mx.example.org: domain of a@pass.spf.example designates " ..
    "198.51.100.1 as permitted sender)\n\treceiver=mx.example.org; " ..
    "client-ip=198.51.100.1;\n\tenvelope-from=\"a@pass.spf.example\"; " ..
    "helo=helo.spf.example;\n\tidentity=mailfrom; " ..
    "mechanism=\"ip4:198.51.100.0/24\";")
accepted("neutral", { ip = ext, helo = helo, from = "<a@neutral.spf.example>" },
    "spf=neutral smtp.mailfrom=a@neutral.spf.example",
    " neutral (mx.example.org: 198.51.100.1 is neither permitted nor denied " ..
    "by domain of a@neutral.spf.example)")
accepted("null", { ip = ext, helo = helo, from = "<>" },
    "spf=pass smtp.mailfrom=postmaster@helo.spf.example",
    "envelope-from=\"\";")
accepted("permerror", { ip = ext, helo = helo, from = "<a@perm.spf.example>" },
    "spf=permerror smtp.mailfrom=a@perm.spf.example",
    " permerror (mx.example.org: permanent error in processing domain of " ..
    "a@perm.spf.example: ")

-- SPFSkipTrusted no: an internal client is checked too; its signed
-- mail carries an A-R with only the SPF results.
accepted("internal", { ip = "127.0.0.1", helo = helo, signed = true,
    from = "<a@neutral.spf.example>", msg = readfile(dir .. "/msg.eml") },
    " mx.example.org;\n\tspf=neutral smtp.mailfrom=a@neutral.spf.example;\n\t" ..
    "spf=fail smtp.helo=helo.spf.example (", " neutral (")
