-- badfrom.lua - RejectBadFrom rejects at the end of headers
dofile(srcdir .. "/t/milter/lib.lua")

local conn = start({ ip = "198.51.100.1", qid = "BADFROM" })
local hdrs = parse("From: a@example.net\nFrom: b@example.net\nSubject: x\n\n")
send_headers(conn, hdrs)
is(mt.getreply(conn), SMFIR_REPLYCODE, "two From fields: rejected at end of headers")
mt.disconnect(conn)
ok(wait_log("BADFROM: reject: message has 2 From fields"), "log: rejection with reason")

conn = start({ ip = "198.51.100.1", qid = "GOODFROM" })
is(send_message(conn, readfile(dir .. "/msg.eml")), SMFIR_ACCEPT, "one From: accepted")
mt.disconnect(conn)
