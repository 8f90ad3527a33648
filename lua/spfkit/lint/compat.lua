--- Lint's `compat-libspf2` findings: where libspf2 (Exim, OpenDMARC,
-- milters) judges a record differently from RFC 7208. Asks the libspf2
-- engine (`spfkit.compat`) when it is built, else uses what we know of it.
-- @module spfkit.lint.compat

local add = require("spfkit.lint.finding").add

local M = {}

local type, ipairs, tostring, pcall, require = type, ipairs, tostring, pcall, require

local function term_at(text, pos)
  return text:match("^[^ ]*", pos or 1)
end
M.term_at = term_at

-- libspf2 differences visible in a record our parser accepts.
local function compat_static(st, node, rec)
  for _, t in ipairs(rec.terms) do
    local m = t.mechanism
    if (m == "ip4" or m == "ip6" or m == "a" or m == "mx")
      and (t.cidr4 == 0 or t.cidr6 == 0 or t.text:find("/0$") or t.text:find("/0/")) then
      add(st, "compat-libspf2", "warning", node, t.text, t.position, { kind = "cidr0" })
    end
  end
  for _, m in ipairs(rec.modifier_list or {}) do
    if m.name:find(".", 1, true) then
      add(st, "compat-libspf2", "warning", node, m.text, m.position, { kind = "dotted-modifier" })
    end
  end
end

-- libspf2's view of a record our parser rejects (perr from spfkit.parse).
local function compat_rejected(st, node, text, perr)
  local term = term_at(text, perr.position)
  local kind
  local code = perr.code
  if code == "bad-domain" then
    kind = term:find("%", 1, true) and "bad-macro" or "bad-domain"
  elseif code == "missing-domain" then
    local body = term:gsub("^[%+%-~%?]", ""):lower()
    if body:find("^[%a]+:$") and not body:find("^include") or body == "exp=" or body == "redirect=" then
      kind = "empty-domain"
    end
  elseif code == "duplicate-modifier" then kind = "duplicate-modifier"
  elseif code == "bad-cidr" and term:find("/0%d") then kind = "leading-zero-cidr"
  elseif code == "unknown-mechanism" and term:lower():find("^redirect:") then kind = "redirect-colon"
  elseif code == "bad-macro" then kind = "bad-macro"
  end
  if kind then
    add(st, "compat-libspf2", "info", node, term, perr.position, { kind = kind })
  end
end

-- Ask spfkit.compat (the libspf2 engine) when it is there.
local function compat_compile()
  local ok, compat = pcall(require, "spfkit.compat")
  if ok and type(compat) == "table" and type(compat.compile) == "function" then
    return compat.compile
  end
  return nil
end

--- The compat-libspf2 findings of the root record: `rec` when our parser
-- accepts `text`, else `perr` (its error).
function M.check(st, node, text, rec, perr)
  local compile = compat_compile()
  if not compile then
    if rec then compat_static(st, node, rec) else compat_rejected(st, node, text, perr) end
    return
  end
  local ok, res = pcall(compile, text)
  if not ok or type(res) ~= "table" then return end   -- engine unavailable: say nothing
  if res.screened then
    add(st, "compat-libspf2", "warning", node, nil, nil, { kind = "crash" })
    return
  end
  local accepted = res.ok == true
  if rec and not accepted then
    local before = #st.findings
    compat_static(st, node, rec)
    if #st.findings == before then
      add(st, "compat-libspf2", "warning", node, nil, nil,
        { kind = "compiler", detail = tostring(res.message or res.error) })
    end
  elseif not rec and accepted then
    local before = #st.findings
    compat_rejected(st, node, text, perr)
    if #st.findings == before then
      add(st, "compat-libspf2", "info", node, term_at(text, perr.position), perr.position,
        { kind = "accepted" })
    end
  end
end

return M
