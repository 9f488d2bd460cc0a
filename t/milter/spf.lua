-- spf.lua - SPF with the default options: both identities checked at
-- MAIL FROM and reported in our one Authentication-Results field,
-- never acted on; trusted and authenticated clients are skipped.
-- Every A-R value is also written to dir/ar-NAME for python3-authres.
dofile(srcdir .. "/t/milter/lib.lua")

local msg = "From: someone@other.example\nSubject: spf\n\nbody\n"

-- run NAME OPTS: one message; returns the reply and our A-R value.
local function run(name, opts)
	opts.qid = opts.qid or ("SPF" .. string.upper(name))
	local conn = start(opts)
	local r = send_message(conn, opts.msg or msg)
	local ar = added(conn, "Authentication-Results", 0)
	if ar ~= nil then
		writefile(dir .. "/ar-" .. string.gsub(name, " ", "-"), ar)
	end
	local rspf = mt.eom_check(conn, MT_HDRINSERT, "Received-SPF")
	mt.disconnect(conn)
	return r, ar, rspf
end

local ext = "198.51.100.1"
local helo = "helo.spf.example"

local function case(name, from, want, want_helo, h)
	local r, ar, rspf = run(name, { ip = ext, helo = h or helo, from = from })
	is(r, SMFIR_ACCEPT, name .. ": accepted (SPF actions default to accept)")
	like(ar, " mx.example.org;\n\tdkim=none;\n\t" .. want,
	    name .. ": " .. string.gsub(want, "\n\t", " "))
	like(ar, want_helo or ";\n\tspf=pass smtp.helo=helo.spf.example",
	    name .. ": HELO identity reported too")
	ok(not rspf, name .. ": no Received-SPF (off by default)")
end

case("pass", "<a@pass.spf.example>",
    "spf=pass smtp.mailfrom=a@pass.spf.example;")
case("fail", "<a@fail.spf.example>",
    "spf=fail smtp.mailfrom=a@fail.spf.example (198.51.100.1 is not one " ..
    "of fail.spf.example's designated mail servers);")
case("fail-exp", "<b@failexp.spf.example>",
    "spf=fail smtp.mailfrom=b@failexp.spf.example (198.51.100.1 may not " ..
    "send for failexp.spf.example, see https://spf.example/why);")
case("softfail", "<a@softfail.spf.example>",
    "spf=softfail smtp.mailfrom=a@softfail.spf.example;")
case("neutral", "<a@neutral.spf.example>",
    "spf=neutral smtp.mailfrom=a@neutral.spf.example;")
case("none", "<a@nospf.spf.example>",
    "spf=none smtp.mailfrom=a@nospf.spf.example;")
case("permerror", "<a@perm.spf.example>",
    "spf=permerror smtp.mailfrom=a@perm.spf.example (")
case("temperror", "<a@temp.spf.example>",
    "spf=temperror smtp.mailfrom=a@temp.spf.example (")
case("null sender", "<>",
    "spf=pass smtp.mailfrom=postmaster@helo.spf.example;")
case("source route", "<@relay.example:a@pass.spf.example>",
    "spf=pass smtp.mailfrom=a@pass.spf.example;")
case("helo fail", "<a@pass.spf.example>",
    "spf=pass smtp.mailfrom=a@pass.spf.example;\n\t" ..
    "spf=fail smtp.helo=badhelo.spf.example (", ";\n\tspf=fail smtp.helo=",
    "badhelo.spf.example")
case("helo without record", "<a@pass.spf.example>",
    "spf=pass smtp.mailfrom=a@pass.spf.example;\n\t" ..
    "spf=none smtp.helo=client.example", ";\n\tspf=none smtp.helo=client.example",
    "client.example")

-- The HELO result is kept for the next message of the connection.
local conn = start({ ip = ext, helo = helo, from = "<a@pass.spf.example>",
    qid = "SPFTWO1" })
send_message(conn, msg)
local first = added(conn, "Authentication-Results", 0)
mt.macro(conn, SMFIC_MAIL, "i", "SPFTWO2")
must(mt.mailfrom(conn, "<a@fail.spf.example>"), "second mailfrom")
must(mt.rcptto(conn, "<rcpt@example.com>"), "second rcptto")
send_message(conn, msg)
local second = added(conn, "Authentication-Results", 0)
like(first, "spf=pass smtp.mailfrom=a@pass.spf.example", "two messages: first")
like(second, "spf=fail smtp.mailfrom=a@fail.spf.example", "two messages: second checked again")
like(second, "spf=pass smtp.helo=helo.spf.example", "two messages: HELO result kept")
mt.disconnect(conn)

-- Trusted clients are not checked: InternalHosts, SMTP AUTH.
local r, ar = run("internal", { ip = "127.0.0.1", from = "<a@fail.spf.example>" })
is(r, SMFIR_ACCEPT, "internal client: accepted")
ok(ar ~= nil and string.find(ar, "spf=", 1, true) == nil,
    "internal client: no SPF result")
r, ar = run("auth", { ip = ext, from = "<a@fail.spf.example>",
    mail_macros = { "{auth_authen}", "alice" } })
is(r, SMFIR_ACCEPT, "authenticated client: accepted")
ok(ar ~= nil and string.find(ar, "spf=", 1, true) == nil,
    "authenticated client: no SPF result")

ok(wait_log("SPFPASS: verify: client localhost [198.51.100.1] is not trusted; dkim=none; " ..
    "spf=pass smtp.mailfrom=a@pass.spf.example (ip4:198.51.100.0/24), " ..
    "spf=pass smtp.helo=helo.spf.example (ip4:198.51.100.1); " ..
    "dmarc=none header.from=other.example: accept (dmarc=none for other.example); action=accept"),
    "log: both SPF results on the message's line")
ok(wait_log("SPFINTERNAL: verify: no signing key for the From address; dkim=none; " ..
    "spf skipped: trusted client; dmarc=none header.from=other.example: accept " ..
    "(dmarc=none for other.example); action=accept"), "log: says SPF was skipped")
