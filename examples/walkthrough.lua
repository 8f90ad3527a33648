-- luacheck: allow defined top, no max line length
-- A REPL walk-through: from a Gmail bounce to the TXT record to paste.
-- Paste the lines into `lua5.4` (or `luajit`) started from the repository
-- root after `make`, with the source tree on the paths:
--
--   LUA_PATH="lua/?.lua;lua/?/init.lua;;" LUA_CPATH="build/lua5.4/?.so;;" lua5.4
--
-- or run it whole: `sh tools/lua.sh examples/walkthrough.lua`. The REPL runs
-- each line as its own chunk, so the lines use globals. `-->` shows what
-- each print shows (spec/readme_spec.lua replays this file the same way).

spfkit = require "spfkit"

-- The customer's DNS, offline: a standard master file (the Zenlogic notice's example).
dns = spfkit.zone_file("examples/zones/example.jp.zone")

-- 1. Read the bounce the customer forwarded: who, why, which domain and IP.
raw = io.open("examples/bounces/zenlogic-gmail-5.7.26.eml", "rb"):read("*a")
e = spfkit.bounce.parse(raw)[1]
print(e.status, e.reason, e.auth.domain, e.auth.ip)   --> 5.7.26  authfailure  example.jp  164.0.1.2

-- 2. What does SPF say for that IP now?
r = spfkit.check{ ip = e.auth.ip, sender = e.sender, dns = dns }
print(r.result, r.record)                            --> softfail  v=spf1 include:_spf.example.jp ~all

-- 3. The whole diagnosis, in Japanese: what is wrong and the one record to publish.
report = spfkit.diagnose{ bounce = raw, dns = dns, lang = "ja" }
print(report.status, report.case, report.fix.action) --> problem  spf-fail  merge
print(report.fix.name, report.fix.fqdn, report.fix.ttl) --> @  example.jp.  3600
print(report.fix.value)                              --> v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all
print(report.whatif.before, report.whatif.result)    --> softfail  pass
print(report.summary)
--> example.jp の SPF レコードに送信元 164.0.1.2 が含まれていません(判定結果は「softfail」)。下記のとおり既存のレコードに追記してください。
codes = {}
for _, s in ipairs(report.steps) do codes[#codes + 1] = s.code end
print(table.concat(codes, " "))
--> step-open-dns step-edit-txt step-quotes-panel step-keep-other-txt step-wait step-verify-dns step-verify-gmail

-- print(report) shows the whole text report; report:json() and report:html()
-- are the forms for a control panel.

-- 4. Without a bounce: a domain and the server's IP, in English.
en = spfkit.diagnose{ domain = "example.jp", ip = "164.0.1.2", dns = dns, lang = "en" }
print(en.fix.zone_line)                              --> example.jp. 3600 IN TXT "v=spf1 ip4:164.0.1.2 include:_spf.example.jp ~all"

-- 5. A 5.7.25 bounce: reverse DNS, which only the IP's owner can set.
ptr = spfkit.diagnose{ bounce = io.open("examples/bounces/gmail-5.7.25-ptr.eml", "rb"):read("*a"), dns = dns }
print(ptr.case, ptr.ptr.reverse_name, ptr.ptr.suggested, ptr.fix.owner)
--> ptr  2.1.0.164.in-addr.arpa.  mail.example.jp  ip-owner
