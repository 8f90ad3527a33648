--- Received-SPF (RFC 7208 section 9.1) and Authentication-Results
-- (RFC 8601) text for a check result.
-- @module spfkit.headers

local headers = {}

local TAGS = {
  pass = "Pass", fail = "Fail", softfail = "SoftFail", neutral = "Neutral",
  none = "None", temperror = "TempError", permerror = "PermError",
}

-- dot-atom values go bare, everything else as a quoted-string
local function quote(s)
  if s:match("^[%w!#$%%&'*+/=?^_`{|}~-]+$") or
     s:match("^[%w!#$%%&'*+/=?^_`{|}~-]+%.[%w!#$%%&'*+/=?^_`{|}~.-]*[%w!#$%%&'*+/=?^_`{|}~-]$")
     and not s:find("..", 1, true) then
    return s
  end
  return '"' .. s:gsub('[\\"]', "\\%0"):gsub("%c", "") .. '"'
end

-- RFC 8601 pvalue: [ [ local-part ] "@" ] domain-name, else a quoted-string
local function pvalue(s)
  if s:match("^[%w.!#$%%&'*+/=?^_`{|}~-]*@?[%w][%w.-]*$") then return s end
  return quote(s)
end

local function comment(r, receiver)
  local who = r.identity == "helo" and r.domain or r.sender
  local res, ip, d = r.result, r.ip, r.domain
  local text
  if res == "pass" then
    text = ("domain of %s designates %s as permitted sender"):format(who, ip)
  elseif res == "fail" then
    text = ("domain of %s does not designate %s as permitted sender"):format(who, ip)
  elseif res == "softfail" then
    text = ("domain of transitioning %s does not designate %s as permitted sender"):format(who, ip)
  elseif res == "neutral" or res == "none" then
    text = ("%s is neither permitted nor denied by domain of %s"):format(ip, who)
  elseif res == "permerror" then
    text = ("permanent error in processing domain of %s: %s"):format(d, r.problem or "error")
  else
    text = ("temporary error in processing during lookup of %s"):format(d)
  end
  -- a comment must not break out of its parentheses
  text = text:gsub("[()\\]", "\\%0"):gsub("%c", " ")
  return receiver and (receiver .. ": " .. text) or text
end

--- The Received-SPF header line for result r (which carries helo and
-- receiver when they were given to the check).
-- @tparam table r the check result
function headers.received_spf(r)
  local opts = r
  if not r.result or not TAGS[r.result] then return nil end
  local parts = { ("Received-SPF: %s (%s)"):format(TAGS[r.result], comment(r, opts.receiver)) }
  parts[#parts + 1] = "client-ip=" .. r.ip .. ";"
  if r.identity ~= "helo" then parts[#parts + 1] = "envelope-from=" .. quote(r.sender) .. ";" end
  if opts.helo and opts.helo ~= "" then parts[#parts + 1] = "helo=" .. quote(opts.helo) .. ";" end
  if opts.receiver then parts[#parts + 1] = "receiver=" .. quote(opts.receiver) .. ";" end
  if r.mechanism then parts[#parts + 1] = "mechanism=" .. quote(r.mechanism) .. ";" end
  if r.result == "permerror" and r.problem then
    parts[#parts + 1] = "problem=" .. quote(r.problem) .. ";"
  end
  parts[#parts + 1] = "identity=" .. (r.identity or "mailfrom")
  return table.concat(parts, " ")
end

--- The `spf=` clause of an Authentication-Results header (RFC 8601),
-- prefixed with the authserv-id when r.authserv_id is set.
function headers.authentication_results(r)
  local opts = r
  if not r.result or not TAGS[r.result] then return nil end
  local prop = r.identity == "helo" and ("smtp.helo=" .. pvalue(opts.helo or r.domain))
                                     or ("smtp.mailfrom=" .. pvalue(r.sender))
  local clause = ("spf=%s (%s) %s"):format(r.result, comment(r, nil), prop)
  if opts.authserv_id then
    return ("Authentication-Results: %s; %s"):format(opts.authserv_id, clause)
  end
  return clause
end

return headers
