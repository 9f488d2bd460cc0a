-- dualsign.lua - a KeyTable entry with an RSA and an Ed25519 key signs
-- twice, the signatures ending in the signer's order
dofile(srcdir .. "/t/milter/lib.lua")

local conn = start({ qid = "DUAL1" })
local r = send_message(conn, readfile(dir .. "/msg.eml"))
is(r, SMFIR_ACCEPT, "dual-sign: accepted")
-- miltertest lists inserted fields newest first.
local first = mt.getheader(conn, "DKIM-Signature", 0)
local second = mt.getheader(conn, "DKIM-Signature", 1)
like(first, "a=rsa-sha256", "dual-sign: RSA signature (first key) inserted last, so on top")
like(second, "a=ed25519-sha256", "dual-sign: Ed25519 signature below it")
ok(mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature", first, 0) and
    mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature", second, 0),
    "dual-sign: both inserted at index 0")
is((string.gsub(first .. "\nDKIM-Signature:" .. second, "\r", "")), readvalue(dir .. "/expect-sig"),
    "dual-sign: both equal authmilter-tool's, in order")
writefile(dir .. "/got-sig", (string.gsub(first, "\r", "")) .. "\nDKIM-Signature:" ..
    (string.gsub(second, "\r", "")))
mt.disconnect(conn)
