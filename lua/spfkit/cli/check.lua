--- `spfkit check IP DOMAIN|ADDRESS [--sender ADDR] [--helo NAME]`: evaluate
-- SPF for one mail and show the result, the record, the lookups against
-- their limits and the DNS trace. Exit 0 for pass, 1 for any other result.
-- @module spfkit.cli.check

local args = require "spfkit.cli.args"
local input = require "spfkit.cli.input"
local render = require "spfkit.cli.render"

local ipairs, tostring, type = ipairs, tostring, type
local concat = table.concat
local T, write, clean = render.T, render.write, render.clean

local M = { flags = { sender = "value", helo = "value" } }

-- The check's options from IP and DOMAIN (or an address), and the domain.
local function check_inputs(ctx, ip, target)
  local domain, sender = target, ctx.opts.sender
  if target:find("@", 1, true) then
    domain = input.domain_of(target)
    sender = sender or target
  end
  domain = input.domain(domain)
  if sender then
    if input.domain_of(sender) ~= domain then
      args.fail("cli-err-sender-domain", { value = sender, domain = domain })
    end
  else
    sender = "postmaster@" .. domain
  end
  return { ip = ip, sender = sender, helo = ctx.opts.helo }
end

local FIELDS = { "result", "domain", "ip", "sender", "helo", "identity", "record", "mechanism",
  "matched_term", "matched_domain", "explanation", "problem", "problem_code", "problem_position",
  "lookups", "void_lookups", "received_spf", "authentication_results", "trace" }

local function explanation(ctx, r)
  return T(ctx, "cli-result-" .. r.result, { domain = r.domain or "", ip = r.ip })
end

local function answer_text(a)
  if type(a) ~= "table" then return tostring(a) end
  local parts = {}
  for i, x in ipairs(a) do parts[i] = tostring(x) end
  return concat(parts, type(a[1]) == "number" and " " or "")
end

local function rows_of(ctx, r)
  local limits = ctx.spfkit.LIMITS
  local rows = {
    { T(ctx, "cli-label-result"), r.result },
    { T(ctx, "cli-label-sender"), clean(r.sender or "") },
    { T(ctx, "cli-label-record"), r.record and clean(r.record) or T(ctx, "cli-label-no-record") },
  }
  if r.mechanism then rows[#rows + 1] = { T(ctx, "cli-label-matched"), clean(r.mechanism) } end
  if r.explanation then rows[#rows + 1] = { T(ctx, "cli-label-explanation"), clean(r.explanation) } end
  if r.problem_code then
    local p = ctx.lang == "ja" and r.problem_code or (r.problem_code .. ": " .. clean(r.problem or ""))
    rows[#rows + 1] = { T(ctx, "cli-label-problem"), p }
  end
  rows[#rows + 1] = { T(ctx, "cli-label-lookups"), render.limit(r.lookups, limits.lookups) }
  rows[#rows + 1] = { T(ctx, "cli-label-void"), render.limit(r.void_lookups, limits.void_lookups) }
  return rows
end

local function write_trace(ctx, trace)
  if #trace == 0 then return end
  write(ctx, "\n", T(ctx, "cli-label-trace"), "\n")
  for _, q in ipairs(trace) do
    local answers = {}
    for i, a in ipairs(q.answers or {}) do answers[i] = answer_text(a) end
    write(ctx, ("  %-5s %-24s %-8s %s\n"):format(q.type, clean(q.name), q.rcode, clean(concat(answers, " | "))))
  end
end

local function text(ctx, r)
  write(ctx, r.domain or "", " / ", r.ip, ": ", r.result, "\n")
  write(ctx, explanation(ctx, r), "\n\n")
  render.rows(ctx, rows_of(ctx, r))
  write(ctx, "  ", clean(r.received_spf), "\n")
  write_trace(ctx, r.trace or {})
end

local function json(ctx, r)
  local t = {}
  for _, k in ipairs(FIELDS) do t[k] = r[k] end
  t.trace = render.array(t.trace)
  t.message = explanation(ctx, r)
  render.json(ctx, t)
end

--- Run `spfkit check`.
-- @tparam table ctx the command's context
-- @treturn string "ok" (pass) or "problem"
function M.run(ctx)
  args.count(ctx, 2)
  local ip = ctx.args[1]
  local opts = check_inputs(ctx, ip, ctx.args[2])
  opts.dns = input.dns(ctx)
  local r, err = ctx.spfkit.check(opts)
  if not r then
    if err and err.code == "bad-sender" then args.fail("cli-err-bad-sender", { value = opts.sender }) end
    args.fail("cli-err-bad-ip", { value = ip })
  end
  if ctx.opts.json then json(ctx, r) else text(ctx, r) end
  return r.result == "pass" and "ok" or "problem"
end

return M
