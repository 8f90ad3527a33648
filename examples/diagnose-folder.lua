-- Diagnose every bounce in a folder: one line per bounce, then the DNS
-- change to make (a support desk's morning run over forwarded bounces).
--
--   lua5.4 examples/diagnose-folder.lua [folder [zone-file [ja|en]]]
--
-- Without a zone file it asks real DNS (the system resolver). From a
-- source checkout, run it through tools/lua.sh so that the C core is found:
--   sh tools/lua.sh examples/diagnose-folder.lua examples/bounces examples/zones/example.jp.zone
local spfkit = require "spfkit"

local folder = arg[1] or "examples/bounces"
local zone_path = arg[2]
local lang = arg[3] or "en"

local dns
if zone_path then
  local err
  dns, err = spfkit.zone_file(zone_path)
  if not dns then
    io.stderr:write("diagnose-folder: ", err.message, "\n")
    os.exit(2)
  end
end

-- the files of the folder, sorted (no dependency beyond the shell's ls)
local files = {}
local p = assert(io.popen("ls -1 '" .. folder:gsub("'", "'\\''") .. "' 2>/dev/null"))
for name in p:lines() do
  if not name:match("^%.") then files[#files + 1] = folder .. "/" .. name end
end
p:close()
table.sort(files)

local problems = 0
for _, path in ipairs(files) do
  local f = io.open(path, "rb")
  if f then
    local raw = f:read("*a")
    f:close()
    local r = spfkit.diagnose{ bounce = raw, dns = dns, lang = lang }
    if r.status ~= "ok" then problems = problems + 1 end
    print(("%-40s %-8s %-22s %s"):format(path:match("[^/]+$"), r.status, r.case, r.domain or r.ip or "-"))
    print("    " .. r.summary)
    if r.fix.action ~= "none" then
      print("    " .. r.fix.zone_line)
    end
  end
end
print(("%d bounce(s), %d need attention"):format(#files, problems))
os.exit(problems > 0 and 1 or 0)
