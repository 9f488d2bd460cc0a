-- lib.lua - helpers for the authmilter miltertest scripts
--
-- Globals set by milter.sh with -D: sock (the milter socket), dir (the
-- test's scratch directory), pid (the daemon), srcdir, name (the test).
-- Results are TAP lines without numbers; milter.sh numbers them.

unpack = table.unpack or unpack

function ok(cond, name)
	if cond then
		print("ok - " .. name)
	else
		print("not ok - " .. name)
	end
	return cond
end

function is(got, want, name)
	local r = ok(got == want, name)
	if not r then
		print("# got:  " .. string.gsub(tostring(got), "\n", "\\n"))
		print("# want: " .. string.gsub(tostring(want), "\n", "\\n"))
	end
	return r
end

function like(got, pat, name)
	local r = ok(got ~= nil and string.find(got, pat, 1, true) ~= nil, name)
	if not r then
		print("# got:  " .. string.gsub(tostring(got), "\n", "\\n"))
		print("# want it to contain: " .. pat)
	end
	return r
end

function readfile(path)
	local f = assert(io.open(path, "rb"))
	local s = f:read("*a")
	f:close()
	return s
end

-- The contents of a one-value file, without its final newline.
function readvalue(path)
	return (string.gsub(readfile(path), "\n$", ""))
end

function writefile(path, s)
	local f = assert(io.open(path, "wb"))
	f:write(s)
	f:close()
end

-- Waits (at most 5 s) until the daemon's log contains text.
function wait_log(text)
	for i = 1, 100 do
		local f = io.open(dir .. "/log", "rb")
		if f then
			local s = f:read("*a")
			f:close()
			if string.find(s, text, 1, true) then
				return true
			end
		end
		mt.sleep(0.05)
	end
	return false
end

function must(err, what)
	if err ~= nil then
		error(what .. ": " .. tostring(err))
	end
end

-- Opens a connection and runs it up to RCPT TO.  opts: host, ip,
-- helo, from (the MAIL FROM argument, "<a@b>"), qid, conn_macros,
-- mail_macros (flat name, value lists).  With opts.mail_only it stops
-- after MAIL FROM (see mt.getreply for the milter's answer).
function start(opts)
	local conn = mt.connect(sock, 100, 0.05)
	if conn == nil then
		error("cannot connect to " .. sock)
	end
	must(mt.negotiate(conn, nil, nil, nil), "negotiate")
	if opts.conn_macros then
		mt.macro(conn, SMFIC_CONNECT, unpack(opts.conn_macros))
	end
	must(mt.conninfo(conn, opts.host or "localhost",
	    opts.ip or "127.0.0.1"), "conninfo")
	must(mt.helo(conn, opts.helo or "client.example"), "helo")
	local mm = { "i", opts.qid or "QID" }
	for _, v in ipairs(opts.mail_macros or {}) do
		table.insert(mm, v)
	end
	mt.macro(conn, SMFIC_MAIL, unpack(mm))
	must(mt.mailfrom(conn, opts.from or "<sender@example.net>"), "mailfrom")
	if opts.mail_only then
		return conn
	end
	must(mt.rcptto(conn, "<rcpt@example.com>"), "rcptto")
	return conn
end

-- Splits a message into header fields (folding kept, CR LF) and body.
function parse(text)
	text = string.gsub(text, "\r\n", "\n")
	local head, body
	local e = string.find(text, "\n\n", 1, true)
	if e then
		head = string.sub(text, 1, e)
		body = string.sub(text, e + 2)
	else
		head = text
		body = ""
	end
	local hdrs = {}
	for line in string.gmatch(head, "([^\n]*)\n") do
		if string.match(line, "^[ \t]") and #hdrs > 0 then
			hdrs[#hdrs].value = hdrs[#hdrs].value .. "\r\n" .. line
		elseif line ~= "" then
			local n, v = string.match(line, "^([^:]+):(.*)$")
			table.insert(hdrs, { name = n, value = v })
		end
	end
	return hdrs, (string.gsub(body, "\n", "\r\n"))
end

-- Sends the headers and the end of headers.
function send_headers(conn, hdrs)
	local lead = mt.test_option(conn, SMFIP_HDR_LEADSPC)
	for _, h in ipairs(hdrs) do
		local v = h.value
		if not lead then
			v = string.gsub(v, "^ ", "")
		end
		must(mt.header(conn, h.name, v), "header " .. h.name)
	end
	must(mt.eoh(conn), "eoh")
end

-- Sends a whole message (text as in a file) and the end of message;
-- returns the milter's reply to the end of message.
function send_message(conn, text)
	local hdrs, body = parse(text)
	send_headers(conn, hdrs)
	if mt.getreply(conn) == SMFIR_ACCEPT or
	    mt.getreply(conn) == SMFIR_REPLYCODE then
		return mt.getreply(conn)
	end
	if #body > 0 then
		must(mt.bodystring(conn, body), "body")
	end
	must(mt.eom(conn), "eom")
	return mt.getreply(conn)
end

-- The header value the milter inserted, as a file would hold it.  Our
-- Authentication-Results folds long resinfos (am_authres_finish); that
-- folding is undone here (one resinfo a line, ";\n\t" between them),
-- so the tests compare results, not where the lines broke.
function added(conn, name, n)
	local v = mt.getheader(conn, name, n or 0)
	if v == nil then
		return nil
	end
	v = string.gsub(v, "\r", "")
	if name == "Authentication-Results" then
		v = string.gsub(v, "([^;])\n\t", "%1 ")
	end
	return v
end
