--- Which provider refused: recognised from the remote MTA's name, then from
-- the words of its reply (help URLs, signatures such as Gmail's "gsmtp"),
-- then from status codes only one provider uses. Data, checked in order.
-- Sources: the providers' published sender guidelines and error pages
-- (support.google.com/mail/answer/81126, senderhelp.yahooinc.com,
-- learn.microsoft.com "NDRs in Exchange Online"), and the remote MTA names
-- in Sisimai's rhost tests.
-- @module spfkit.bounce.receiver
local M = {}
-- string-library bound: LuaJIT traces abort on the pattern functions and
-- the failed recordings cost more than they save (see README, Performance)
if jit then jit.off(true, true) end

local find, lower, sub = string.find, string.lower, string.sub

--- `{name, hosts = {host suffixes}, words = {lower-case plain phrases},
-- statuses = {enhanced codes only this provider uses}}`
M.RECEIVERS = {
  { "gmail", hosts = { "google.com", "googlemail.com", "gmail.com" },
    words = { "gsmtp", "support.google.com/mail", "gmail.com/mail", "google.com/mail" } },
  { "microsoft", hosts = { "outlook.com", "hotmail.com", "live.com", "msn.com", "office365.com",
      "protection.outlook.com" },
    words = { "outlook.com", "hotmail.com", "office 365", "exchange online", "aka.ms/", "protection.outlook" },
    statuses = { "5.7.515", "5.7.509", "5.7.708", "5.7.750", "5.4.316" } },
  { "yahoo", hosts = { "yahoodns.net", "yahoo.com", "yahoo.net", "aol.com", "aol.net" },
    words = { "yahoo", "yahooinc.com", "aol.com", "postmaster.aol" } },
  { "icloud", hosts = { "icloud.com", "me.com", "mac.com", "apple.com" },
    words = { "icloud.com", "support.apple.com" } },
  { "mailru", hosts = { "mail.ru" }, words = { "mail.ru", "help.mail.ru" } },
  { "yandex", hosts = { "yandex.ru", "yandex.net" }, words = { "yandex" } },
  { "gmx", hosts = { "gmx.net", "gmx.com", "gmx.de", "web.de", "kundenserver.de", "1and1.com", "ionos.com" },
    words = { "gmx.net", "web.de", "1and1.com", "ionos" } },
  { "zoho", hosts = { "zoho.com", "zohomail.com" }, words = { "zoho" } },
  { "orange", hosts = { "orange.fr", "wanadoo.fr" }, words = { "orange.fr", "wanadoo" } },
  { "comcast", hosts = { "comcast.net" }, words = { "comcast" } },
  { "att", hosts = { "att.net", "sbcglobal.net" }, words = { "att.net" } },
  { "proofpoint", hosts = { "pphosted.com", "ppe-hosted.com" }, words = { "proofpoint" } },
  { "mimecast", hosts = { "mimecast.com", "mimecast-offshore.com" }, words = { "mimecast" } },
  { "messagelabs", hosts = { "messagelabs.com" }, words = { "messagelabs", "email security.cloud" } },
  { "barracuda", hosts = { "barracudanetworks.com", "ess.barracudanetworks.com" }, words = { "barracuda" } },
  { "tencent", hosts = { "qq.com", "exmail.qq.com" }, words = { "qq.com", "tencent" } },
  { "docomo", hosts = { "docomo.ne.jp" }, words = { "docomo.ne.jp" } },
  { "au", hosts = { "ezweb.ne.jp", "au.com", "auone-net.jp" }, words = { "ezweb.ne.jp", "au.com" } },
  { "softbank", hosts = { "softbank.ne.jp", "i.softbank.jp" }, words = { "softbank" } },
}

-- The tables flattened once, in order: host suffix -> first receiver
-- naming it; `{word, name}` pairs; status -> name.
local core_ok, core = pcall(require, "spfkit.core")
local find_any = core_ok and type(core) == "table" and core.find_any or nil

local BY_HOST, WORDS, WORD_LIST, BY_STATUS

local function flatten()
  BY_HOST, WORDS, WORD_LIST, BY_STATUS = {}, {}, {}, {}
  for i = 1, #M.RECEIVERS do
    local r = M.RECEIVERS[i]
    for _, h in ipairs(r.hosts or {}) do BY_HOST[h] = BY_HOST[h] or r[1] end
    for _, w in ipairs(r.words or {}) do
      WORDS[#WORDS + 1] = { w, r[1] }
      WORD_LIST[#WORD_LIST + 1] = w
    end
    for _, st in ipairs(r.statuses or {}) do BY_STATUS[st] = BY_STATUS[st] or r[1] end
  end
end

-- The receiver whose host suffix is the longest one `host` ends with.
local function by_host(host)
  local d = host
  while d do
    local name = BY_HOST[d]
    if name then return name end
    local dot = find(d, ".", 1, true)
    d = dot and sub(d, dot + 1) or nil
  end
  return nil
end

--- Name the refusing provider.
-- @tparam ?string remote_mta host name of the server that refused
-- @tparam ?string diagnostic its reply
-- @tparam ?string status enhanced status code
-- @treturn ?string a `RECEIVERS` name
function M.infer(remote_mta, diagnostic, status)
  if not BY_HOST then flatten() end
  local name = remote_mta and by_host(lower(remote_mta))
  if name then return name end
  if diagnostic then
    local l = lower(diagnostic)
    if find_any then
      local i = find_any(l, WORD_LIST)
      return i and WORDS[i][2] or (status and BY_STATUS[status] or nil)
    end
    for i = 1, #WORDS do
      if find(l, WORDS[i][1], 1, true) then return WORDS[i][2] end
    end
  end
  return status and BY_STATUS[status] or nil
end

return M
