-- decision.lua - sign or verify: by address (InternalHosts), by
-- authentication ({auth_authen}, {auth_type}) and by MacroList
dofile(srcdir .. "/t/milter/lib.lua")

local msg = readfile(dir .. "/msg.eml")

local function case(name, opts, want_sign)
	local conn = start(opts)
	local r = send_message(conn, msg)
	local signed = mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature")
	local ar = mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results")
	is(r, SMFIR_ACCEPT, name .. ": accepted")
	if want_sign then
		ok(signed and not ar, name .. ": signed")
	else
		ok(ar and not signed, name .. ": verified, not signed")
	end
	mt.disconnect(conn)
end

case("address in InternalHosts CIDR", { host = "a.internal", ip = "192.0.2.7" }, true)
case("address outside InternalHosts", { host = "b.outside", ip = "198.51.100.1" }, false)
case("auth_authen", { ip = "198.51.100.1", mail_macros = { "{auth_authen}", "alice" } }, true)
case("auth_type", { ip = "198.51.100.1", mail_macros = { "{auth_type}", "PLAIN" } }, true)
case("MacroList daemon_name=MSA", { ip = "198.51.100.1",
    conn_macros = { "{daemon_name}", "MSA" } }, true)
case("MacroList daemon_name=MTA does not match", { ip = "198.51.100.1",
    conn_macros = { "{daemon_name}", "MTA" } }, false)

-- Trusted, but no key for the From domain: verify.
local conn = start({ ip = "192.0.2.7", qid = "NOKEY" })
send_message(conn, "From: someone@other.example\nSubject: x\n\nbody\n")
ok(not mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature") and
    mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results"),
    "trusted client, From domain without key: verified")
mt.disconnect(conn)
ok(wait_log("NOKEY: verify: no signing key for the From address"), "log: says why")
