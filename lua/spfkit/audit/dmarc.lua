--- The DMARC part of an audit row: is there a policy, and which (RFC 7489
-- section 6.6.3 discovery: `_dmarc.<domain>`, then `_dmarc.<organizational
-- domain>`). Records are parsed by spfkit.diagnose.dmarc.
-- @module spfkit.audit.dmarc

local psl = require "spfkit.psl"
local parse = require("spfkit.diagnose.dmarc").parse

local M = {}

local type, ipairs, concat = type, ipairs, table.concat

local function dmarc_texts(ans)
  local found = {}
  for _, r in ipairs(ans.records or {}) do
    if r.type == "TXT" then
      local text = type(r.data) == "table" and concat(r.data) or tostring(r.data)
      if text:match("^%s*[vV]%s*=%s*DMARC1") then found[#found + 1] = text end
    end
  end
  return found
end

-- the name to look at after _dmarc.<domain>, or nil
local function org_name(domain)
  local org = psl.org_domain(domain)
  if org and org ~= domain then return "_dmarc." .. org end
  return nil
end

local function found_record(row, add, name, texts, inherited)
  if #texts > 1 then
    row.dmarc = "invalid"
    row.findings[#row.findings + 1] = add("dmarc-multiple-records", "warning", { name = name, count = #texts })
    return
  end
  local rec, problems = parse(texts[1])
  row.dmarc, row.dmarc_record = rec.p or "invalid", texts[1]
  row.dmarc_inherited = inherited or nil
  for _, p in ipairs(problems) do
    row.findings[#row.findings + 1] = add("dmarc-syntax", "warning", { name = name, tag = p.tag, value = p.value })
  end
end

--- Fills row.dmarc ("none"|"quarantine"|"reject"|"invalid"|nil when there
-- is none), row.dmarc_record, and DMARC findings (`dmarc-no-record` is
-- info: it does not make the row a problem).
-- @tparam table env the job's environment (`ask`)
-- @tparam string domain
-- @tparam table row
-- @tparam function add `add(code, severity, params) -> finding`
function M.read(env, domain, row, add)
  local name, i = "_dmarc." .. domain, 1
  while name do
    local ans = env.ask(name, "TXT")
    if ans.rcode ~= "NOERROR" and ans.rcode ~= "NXDOMAIN" then
      row.dmarc = "temperror"
      row.findings[#row.findings + 1] = add("dmarc-temperror", "warning", { name = name, rcode = ans.rcode })
      return
    end
    local texts = dmarc_texts(ans)
    if #texts > 0 then return found_record(row, add, name, texts, i > 1) end
    name, i = i == 1 and org_name(domain) or nil, i + 1
  end
  -- info: Gmail asks DMARC only of bulk senders (5,000+ messages a day);
  -- without one, a small sender's mail is not refused (row.dmarc says so)
  row.findings[#row.findings + 1] = add("dmarc-no-record", "info", { domain = domain })
end

return M
