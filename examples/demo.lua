-- make demo: read a notice-style Gmail bounce, evaluate the sending IP
-- against the domain's DNS (a bundled zone, offline), and check that the
-- record the Zenlogic notice proposes would pass.
--
--   lua5.4 examples/demo.lua [bounce-file [zone.lua]]
local spfkit = require "spfkit"

local bounce_file = arg[1] or "examples/bounces/zenlogic-gmail-5.7.26.eml"
local zone_file = arg[2] or "examples/zones/example.jp.lua"

local f = assert(io.open(bounce_file, "rb"))
local raw = f:read("*a")
f:close()
local zonedata = dofile(zone_file)

local entries, err = spfkit.bounce.parse(raw)
if not entries then
  io.stderr:write("not a bounce: ", err.message, "\n")
  os.exit(2)
end

local function show_check(r)
  print(("  result:    %s%s"):format(r.result, r.problem and (" (" .. r.problem .. ")") or ""))
  if r.record then print("  record:    " .. r.record) end
  print(("  lookups:   %d DNS-querying terms, %d void"):format(r.lookups, r.void_lookups))
  for _, q in ipairs(r.trace) do
    local answers = {}
    for _, a in ipairs(q.answers) do
      answers[#answers + 1] = type(a) == "table" and table.concat(a, type(a[1]) == "number" and " " or "") or a
    end
    print(("    %-5s %-20s %-8s %s"):format(q.type, q.name, q.rcode, table.concat(answers, " | ")))
  end
  print("  " .. r.received_spf)
end

for _, e in ipairs(entries) do
  print(("Bounce: %s to <%s> (%s, reason %s)"):format(e.status or "?", e.recipient or "?",
        e.mta or "?", e.reason or "?"))
  local auth = e.auth
  if not (auth and auth.domain and auth.ip) then
    print("  the receiver did not name an SPF domain and IP")
  else
    print(("Gmail says: SPF for %s did not pass with ip %s"):format(auth.domain, auth.ip))
    print("\nSPF now (bundled zone " .. zone_file .. "):")
    local now = assert(spfkit.check{ ip = auth.ip, sender = "postmaster@" .. auth.domain,
                                     helo = e.reporting_mta, dns = assert(spfkit.zone(zonedata)) })
    show_check(now)
    -- The notice's fix: merge the server's address into the one record,
    -- prove it passes before anyone touches DNS, and show what to paste.
    if now.result ~= "pass" and now.record then
      local proposed, info = spfkit.merge(now.record, { (auth.ip:find(":") and "ip6:" or "ip4:") .. auth.ip })
      if not proposed then
        print("\nNo merged record: " .. info.message)
      else
        local w = spfkit.whatif{ ip = auth.ip, sender = "postmaster@" .. auth.domain, helo = e.reporting_mta,
                                 record = proposed, dns = assert(spfkit.zone(zonedata)) }
        local t = spfkit.txt(proposed, { domain = auth.domain })
        print(("\nWith the merged record (%d DNS-querying terms):"):format(info.lookups))
        print("  " .. t.zone_line)
        show_check(w)
        print("  " .. w.summary.message.en)
        print("  " .. w.summary.message.ja)
      end
    end
  end
end
