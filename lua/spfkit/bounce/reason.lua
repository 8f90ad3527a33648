--- Bounce reason classification, in Sisimai's vocabulary, from data.
--
-- The data lives in `spfkit.bounce.reasons.*`: the enhanced status codes
-- (`status`) and the phrase tables per reason, in files by family
-- (`recipient`, `sender`, `content`, `transport`), each phrase group citing
-- where its words come from. `classify` decides in this documented order
-- and says what decided (`reason_from`):
--
--  1. `hint`: a reason set by the reader that found the entry (an ARF
--     report is `feedback`, an RFC 3834 auto-reply `vacation`);
--     `header:<field>`: a provider's verdict in the notice's own header
--     (`reasons.providers.headers`, e.g. au's `X-SPASIGN: NG`);
--     `dsn:<field>`: a vendor's reason field in the recipient's DSN group
--     (`reasons.providers.dsn_fields`, PowerMTA's bounce category);
--  2. `status`/`action`: a 2.x.x status or `Action: delivered` is `delivered`;
--     `diagnostic_type`: an X-Unix diagnostic is a local `mailererror`;
--  3. `status`: a specific enhanced status code (5.1.1, 5.2.2, 5.7.26 ...)
--     found in the message, unless the reply's words name one of the reasons
--     that code yields to (MTAs answer 5.1.1 to a blocked client too);
--  4. `phrase:<phrase>`: the phrase tables, in `ORDER` (the first reason in
--     the order wins, but a `weak` group's words, which every kind of
--     refusal uses, lose to any other reason's; among the matches of the
--     winning reason a longer phrase that contains the winner wins, being
--     more specific), refined by the SMTP command of the failure (a phrase
--     group's `commands`), by the sender being named as the subject
--     (`SENDER_SUBJECT`: an unknown address or domain, or a bare refusal,
--     of the sender is `rejected`) and by a temporary status;
--  5. `status`: a generic code (5.2.0, 4.7.1 ...), then the class and
--     subject (X.6 content, X.7 security);
--  6. `command`: refused at the connection or greeting is `blocked`;
--     `reply_code`: 500-504 are syntax errors; `action`: `delayed` is
--     `expired`; `command`: refused at MAIL FROM is `rejected`;
--  7. `default`: `onhold` when the receiver's words are there but name no
--     reason, else `undefined` (no diagnostic, or only the notice's own
--     prose standing in for one: `diagnostic_is_notice`).
--
-- The SMTP command is the reader's, or else the last one the diagnostic
-- names ("in reply to RCPT TO command", ">>> DATA", "[RCPT_TO]").
-- @module spfkit.bounce.reason
local STATUS = require "spfkit.bounce.reasons.status"
local PROVIDERS = require "spfkit.bounce.reasons.providers"

local M = {}
-- string-library bound: LuaJIT traces abort on the pattern functions and
-- the failed recordings cost more than they save (see README, Performance)
if jit then jit.off(true, true) end

local byte, find, lower, match, sub, gmatch, gsub = string.byte, string.find, string.lower, string.match,
  string.sub, string.gmatch, string.gsub

local FAMILIES = { "recipient", "sender", "content", "transport" }

--- Phrase groups per reason (merged from the family files).
M.PHRASES = {}
for _, family in ipairs(FAMILIES) do
  for name, groups in pairs(require("spfkit.bounce.reasons." .. family)) do M.PHRASES[name] = groups end
end

--- Order in which the reasons' phrases are tried (the first match wins).
M.ORDER = {
  "authfailure", "requireptr", "speeding", "badreputation", "notcompliantrfc", "mailboxfull", "mesgtoobig",
  "exceedlimit", "suspend", "hasmoved", "norelaying", "notaccept", "hostunknown", "userunknown",
  "virusdetected", "toomanyconn", "blocked", "policyviolation", "rejected", "filtered", "contenterror",
  "spamdetected", "failedstarttls", "securityerror", "networkerror", "expired", "systemerror",
  "systemfull", "mailererror", "syntaxerror",
}

--- The status code tables (`spfkit.bounce.reasons.status`).
M.STATUS = STATUS

-- The plain phrases are searched in one pass by the core (`core.phrase_find`
-- over `core.phrase_index`, a hash of their first three bytes); without the
-- core each is searched in turn (same result, slower). The phrases given as
-- words in order are looked up by their longest word: only a text holding
-- that word is searched for them.
local core_ok, core = pcall(require, "spfkit.core")
local phrase_index = core_ok and type(core) == "table" and core.phrase_index or nil
local phrase_find = core_ok and type(core) == "table" and core.phrase_find or nil

local PLAIN, BLOB, INDEX, WORDS, WORD_LIST

local function add_near(entry)
  local word = ""
  for w in gmatch(table.concat(entry.parts, " "), "%w+") do if #w > #word then word = w end end
  local list = INDEX[word]
  if not list then list = {}; INDEX[word] = list end
  list[#list + 1] = entry
end

local function build_index()
  PLAIN, INDEX = {}, {}
  local strings = {}
  for rank, name in ipairs(M.ORDER) do
    for g, group in ipairs(M.PHRASES[name] or {}) do
      for p, phrase in ipairs(group) do
        local e = { rank = rank * 100000 + g * 1000 + p, reason = name, phrase = phrase, group = group }
        -- a list of fragments: the words in that order, each close to the last
        if type(phrase) == "table" then
          e.parts, e.phrase = phrase, table.concat(phrase, "...")
          add_near(e)
        else
          PLAIN[#PLAIN + 1] = e
          strings[#strings + 1] = phrase
        end
      end
    end
  end
  BLOB = phrase_index and phrase_index(strings) or nil
  -- the words that key INDEX, searched in one pass: a text holding none of
  -- them needs no walk over its words (nil when a word is too short)
  local words = {}
  for w in pairs(INDEX) do
    if #w < 3 then words = nil; break end
    words[#words + 1] = w
  end
  table.sort(words or {})
  WORDS = BLOB and words and #words > 0 and phrase_index(words) or nil
  WORD_LIST = words
end

--- Largest gap (bytes) between two fragments of a phrase given as a list.
M.NEAR = 40

-- Whether the fragments occur in order, each at most NEAR bytes after the
-- previous one (tried from the first fragment's first few occurrences).
local function near(l, parts)
  local s, e = find(l, parts[1], 1, true)
  local tries = 0
  while s and tries < 32 do
    local last, ok = e, true
    for k = 2, #parts do
      local s2, e2 = find(l, parts[k], last + 1, true)
      if not s2 or s2 - last - 1 > M.NEAR then ok = false; break end
      last = e2
    end
    if ok then return true end
    tries = tries + 1
    s, e = find(l, parts[1], s + 1, true)
  end
  return false
end

local function consider(found, l, e)
  if found[e] == nil then
    if e.parts then found[e] = near(l, e.parts) else found[e] = find(l, e.phrase, 1, true) ~= nil end
  end
  if found[e] then found[#found + 1] = e end
end

local function is_alnum(c)
  return c and ((c >= 48 and c <= 57) or (c >= 65 and c <= 90) or (c >= 97 and c <= 122))
end

-- Whether the word w (of %w bytes) is a whole word of l, or is one with
-- an "s" added ("%f[%w]" .. w .. "s?%f[%W]", from plain searches).
local function whole_word(l, w)
  local p = find(l, w, 1, true)
  while p do
    if p == 1 or not is_alnum(byte(l, p - 1)) then
      local c = byte(l, p + #w)
      if c == 115 then c = byte(l, p + #w + 1) end
      if not is_alnum(c) then return true end
    end
    p = find(l, w, p + 1, true)
  end
  return false
end

-- Every phrase entry present in the lower-cased text `l`.
local function matches(l)
  if not PLAIN then build_index() end
  local found, seen = {}, {}
  if BLOB then
    local hits = phrase_find(BLOB, l)
    for i = 1, #hits do found[#found + 1] = PLAIN[hits[i]] end
  else
    for i = 1, #PLAIN do consider(found, l, PLAIN[i]) end
  end
  if WORDS then
    -- the index words in the text, then those that are a whole word there
    -- (or one with an "s" added: "records" also finds "record")
    local hits = phrase_find(WORDS, l)
    for i = 1, #hits do
      local w = WORD_LIST[hits[i]]
      if whole_word(l, w) then
        local list = INDEX[w]
        for j = 1, #list do consider(found, l, list[j]) end
      end
    end
    return found
  end
  for token in gmatch(l, "%w+") do
    local w = token
    for _ = 1, 2 do
      local list = not seen[w] and INDEX[w]
      if list then
        seen[w] = true
        for j = 1, #list do consider(found, l, list[j]) end
      end
      -- "records" also finds the phrases keyed by "record"
      if byte(w, -1) ~= 115 then break end
      w = sub(w, 1, -2)
    end
  end
  return found
end

-- The deciding match: the first reason in ORDER, then a longer phrase that
-- contains the winning one (it says the same, more precisely).
local function best_match(found)
  local best
  for i = 1, #found do
    local e = found[i]
    -- a weak group's words (every refusal's: "blocked by", "access denied")
    -- lose to any other reason's
    if not best or (best.group.weak and not e.group.weak)
        or (not e.group.weak == not best.group.weak and e.rank < best.rank) then
      best = e
    end
  end
  if not best then return nil end
  local winner = best
  for i = 1, #found do
    local e = found[i]
    if not e.parts and #e.phrase > #winner.phrase and find(e.phrase, best.phrase, 1, true) then winner = e end
  end
  return winner
end

--- The deciding phrase of a text.
-- @tparam string s diagnostic text
-- @treturn ?string reason
-- @treturn ?string the phrase that decided it
function M.match(s)
  if not s or s == "" then return nil end
  local e = best_match(matches(lower(s)))
  if not e then return nil end
  return e.reason, e.phrase
end

-- The first text (most specific first) in which a phrase is found.
local function phrase_in(texts)
  for i = 1, #texts do
    local e = best_match(matches(texts[i]))
    if e then return e end
  end
  return nil
end

-- SMTP commands named in a diagnostic, by the words MTAs use for them.
local COMMAND_WORDS = {
  { "rcpt to", "RCPT" }, { "rcpt_to", "RCPT" }, { "end of data", "DATA" }, { "data command", "DATA" },
  { ">>> data", "DATA" }, { "rejected address", "RCPT" }, { "after data", "DATA" }, { "mail from:", "MAIL" },
  { "mail from command", "MAIL" }, { "mail_from", "MAIL" }, { ">>> ehlo", "HELO" }, { ">>> helo", "HELO" },
  { "to ehlo", "HELO" }, { "to helo", "HELO" }, { "initial connection", "CONN" }, { "greeting", "CONN" },
  -- Exim "SMTP error from remote server after RCPT command", X3/MailMarshal "SMTP:RCPT host ..."
  { "after rcpt", "RCPT" }, { "rcpt command", "RCPT" }, { "smtp:rcpt", "RCPT" }, { "smtp:data", "DATA" },
  { "smtp:mail", "MAIL" }, { "after mail from", "MAIL" },
}

-- The command words in one pass (by the core): only those a text holds are
-- looked for one by one.
local COMMAND_BLOB
if phrase_index then
  local words = {}
  for i, cw in ipairs(COMMAND_WORDS) do words[i] = cw[1] end
  COMMAND_BLOB = phrase_index(words)
end

local ALL_COMMANDS = {}
for i = 1, #COMMAND_WORDS do ALL_COMMANDS[i] = i end

-- The last command the texts name (the one that failed), or nil.
local function command_in(texts)
  local best, at = nil, 0
  for i = 1, #texts do
    local l = texts[i]
    local present = COMMAND_BLOB and phrase_find(COMMAND_BLOB, l) or ALL_COMMANDS
    for k = 1, #present do
      local cw = COMMAND_WORDS[present[k]]
      local pos, last = 0, nil
      repeat
        pos = find(l, cw[1], pos + 1, true)
        if pos then last = pos end
      until not pos
      if last and (i * 1e9 + last) > at then best, at = cw[2], i * 1e9 + last end
    end
    if best then return best end
  end
  return nil
end

M.command_in = command_in

-- RFC 3463 X.1.x codes name the address at fault: the sender's (X.1.7,
-- X.1.8) is refused at MAIL FROM, any other at RCPT TO.
local function command_of_status(st)
  local detail = st and match(st, "^%d%.1%.(%d+)$")
  if not detail then return nil end
  return (detail == "7" or detail == "8") and "MAIL" or "RCPT"
end

local function yields_to(reason, found)
  local list = STATUS.yields[reason]
  if not list or not found then return false end
  for _, other in ipairs(list) do
    if found.reason == other then return true end
  end
  return false
end

-- Step 3: a specific status code, unless the words say it yields.
local function specific_status(st, found, all)
  local reason = st and STATUS.specific[st]
  if not reason then return nil end
  local needs = STATUS.needs and STATUS.needs[st]
  if needs then
    local ok = false
    for _, w in ipairs(needs) do ok = ok or find(all, w, 1, true) ~= nil end
    if not ok then return needs.otherwise end
  end
  if yields_to(reason, found) then return nil end
  return reason
end

-- Step 4: the phrase, refined by the failing command and a temporary status.
--- Words that make the sender's address or domain the subject of a refusal
-- (lower case, plain): "Sender address rejected: Domain not found" is the
-- sender's domain, not the recipient's.
M.SENDER_SUBJECT = { "sender address rejected", "domain of sender", "sender domain", "sender verify failed",
  "sender rejected", "envelope sender", "mail from address", "sender address has", "your sender address" }

-- Reasons about the recipient's address or a bare refusal, which the
-- sender's words turn into `rejected`.
local FOR_SENDER = { userunknown = true, hostunknown = true, notaccept = true, filtered = true }

local function about_sender(all)
  for i = 1, #M.SENDER_SUBJECT do
    if find(all, M.SENDER_SUBJECT[i], 1, true) then return true end
  end
  return false
end

local function phrase_reason(found, cmd, st, all)
  local reason = found.reason
  local by_command = found.group.commands
  if by_command and by_command[cmd or "none"] then reason = by_command[cmd or "none"] end
  if (FOR_SENDER[reason] or found.group.weak) and all and about_sender(all) then return "rejected" end
  local temporary = M.PHRASES[found.reason].temporary
  if temporary and st and sub(st, 1, 1) == "4" then reason = temporary end
  return reason
end

-- Step 5: a generic code, then the class and subject of the code.
local function generic_status(st)
  if not st then return nil end
  local reason = STATUS.generic[st]
  if reason then return reason end
  return STATUS.class[match(st, "^(%d%.%d+)%.")]
end

local function lowered_texts(r)
  local texts = {}
  if r.texts then
    for i = 1, #r.texts do
      local t = r.texts[i]
      if type(t) == "string" and t ~= "" then texts[#texts + 1] = lower(t) end
    end
  end
  if r.diagnostic and r.diagnostic ~= "" then texts[#texts + 1] = lower(r.diagnostic) end
  return texts
end

local RETRY_HINT = { onhold = true, undefined = true }

--- The verdict a provider wrote into the notice's header (`PROVIDERS.headers`).
-- @tparam table hmap the notice's header map (lower-case names)
-- @treturn ?string reason
-- @treturn ?string what decided it: "header:<field>"
function M.header_verdict(hmap)
  for _, h in ipairs(PROVIDERS.headers) do
    local v = hmap[h[1]]
    local value = type(v) == "string" and lower((gsub(v, "^%s+", ""))) or ""
    if sub(value, 1, #h[2]) == h[2] then return h[3], "header:" .. h[1] end
  end
  return nil
end

-- A vendor's reason field in the recipient's DSN group (`PROVIDERS.dsn_fields`).
local function dsn_field(fields)
  if not fields then return nil end
  for _, d in ipairs(PROVIDERS.dsn_fields) do
    local v = fields[d[1]]
    local reason = type(v) == "string" and d.values[lower((gsub(v, "^%s*(.-)%s*$", "%1")))]
    if reason then return reason, "dsn:" .. d[1] end
  end
  return nil
end

-- Steps 1 and 2: what the reader, the notice's header, a vendor's DSN
-- field, a success or the diagnostic type decide.
local function early(r)
  if r.reason_hint and not RETRY_HINT[r.reason_hint] then return r.reason_hint, "hint" end
  if r.header_reason then return r.header_reason, r.header_from end
  local reason, from = dsn_field(r.fields)
  if reason then return reason, from end
  local st = r.status_in_mail
  if st and sub(st, 1, 2) == "2." then return "delivered", "status" end
  if r.action == "delivered" then return "delivered", "action" end
  if lower(r.diagnostic_type or "") == "x-unix" then return "mailererror", "diagnostic_type" end
  return nil
end

-- A provider's own error code in the reply (`PROVIDERS.codes`).
local function provider_code(all)
  for _, p in ipairs(PROVIDERS.codes) do
    local hit = false
    for _, key in ipairs(p.keys) do hit = hit or find(all, key, 1, true) ~= nil end
    for _, pat in ipairs(hit and p.patterns or {}) do
      local code = match(all, pat)
      local reason = code and p.codes[code]
      if code and not reason and p.ranges then
        local n = tonumber(code)
        for _, r in ipairs(p.ranges) do
          if n >= r[1] and n <= r[2] then reason = r[3]; break end
        end
      end
      if reason then return reason, "code:" .. p[1] .. " " .. code end
    end
  end
  return nil
end

-- What the refusing provider's own words or codes decide (step 2b).
local function provider_reason(r, all, cmd)
  local reason, from = provider_code(all)
  if reason then return reason, from end
  local who = r.receiver or r.reporter
  local rc = who and PROVIDERS.receivers[who]
  if not rc then return nil end
  for _, ph in ipairs(rc.phrases or {}) do
    if find(all, ph[1], 1, true) then return ph[2], "phrase:" .. who .. ":" .. ph[1] end
  end
  local st = r.status_in_mail or r.status
  if rc.commands and cmd and rc.commands[cmd] and st and match(st, "^%d%.0%.0$") then
    return rc.commands[cmd], "command"
  end
  return nil
end

-- Steps 5 to 7: what is left when no specific code or phrase decided.
local function fallback(r, st, cmd)
  local reason = generic_status(st)
  if reason and not (r.action == "delayed" and reason == "securityerror") then return reason, "status" end
  if cmd == "CONN" or cmd == "EHLO" or cmd == "HELO" then return "blocked", "command" end
  local code = tonumber(match(r.diagnostic or "", "^%s*(5%d%d)[%s%-]"))
  if code and code >= 500 and code <= 504 then return "syntaxerror", "reply_code" end
  if r.action == "delayed" then return "expired", "action" end
  if cmd == "MAIL" then return "rejected", "command" end
  if reason then return reason, "status" end
  if r.diagnostic and r.diagnostic ~= "" and not r.diagnostic_is_notice then return "onhold", "default" end
  return "undefined", "default"
end

--- Classify one recipient entry.
-- @tparam table r entry: `status`, `status_in_mail` (a code really present
--   in the message), `action`, `command`, `diagnostic`, `diagnostic_type`,
--   `reason_hint`, `texts` (extra texts, most specific first), `receiver`
--   (`spfkit.bounce.receiver` name of the refusing provider), `reporter`
--   (the same for the provider whose host wrote the notice), `notice` (the
--   notice's prose, read last, when the entry quotes no SMTP reply),
--   `diagnostic_is_notice` (the diagnostic is that prose, not a receiver's
--   words), `header_reason`/`header_from` (`header_verdict` of the notice),
--   `fields` (the recipient's DSN group, lower-case names)
-- @treturn string reason
-- @treturn string what decided it: "hint", "header:<field>", "dsn:<field>", "status", "action",
--   "diagnostic_type", "code:<provider> <code>", "phrase:<phrase>",
--   "phrase:<receiver>:<phrase>", "reply_code", "command" or "default"
function M.classify(r)
  local reason, from = early(r)
  if reason then return reason, from end
  local texts = lowered_texts(r)
  local found = phrase_in(texts)
  local st = r.status_in_mail
  local cmd = r.command or command_in(texts) or command_of_status(st)
  local all = table.concat(texts, " ")
  reason, from = provider_reason(r, all, cmd)
  if reason then return reason, from end
  reason = specific_status(st, found, all)
  if reason then return reason, "status" end
  if found then return phrase_reason(found, cmd, st or r.status, all), "phrase:" .. found.phrase end
  reason, from = fallback(r, st or r.status, cmd)
  -- step 7 only when the notice's own prose names no reason either
  if from == "default" and r.notice and r.notice ~= "" then
    found = phrase_in({ lower(r.notice) })
    if found then return phrase_reason(found, cmd, st or r.status), "phrase:" .. found.phrase end
  end
  return reason, from
end

return M
