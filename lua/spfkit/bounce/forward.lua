--- A bounce forwarded inline by a mail client: the customer's note, then a
-- block of the forwarded message's header fields as the client writes them
-- ("---------- Forwarded message ---------", "-----Original Message-----",
-- "Begin forwarded message:", "-------- 転送メッセージ --------", or just
-- "From: ... Sent: ... To: ... Subject: ..." in the client's language),
-- then the bounce's text. `unwrap` rebuilds that bounce as a message of its
-- own (its From/To/Subject/Date and its text) so that it is read like the
-- bounce itself: the same readers, and the forwarder's addresses kept out.
-- @module spfkit.bounce.forward
local text = require "spfkit.bounce.text"

local M = {}
-- string-library bound: LuaJIT traces abort on the pattern functions and
-- the failed recordings cost more than they save (see README, Performance)
if jit then jit.off(true, true) end

local find, lower, match, sub, gsub = string.find, string.lower, string.match, string.sub, string.gsub
local concat = table.concat

--- The labels mail clients write for the forwarded header fields (lower
-- case, without the colon), per field: Gmail, Outlook, Apple Mail,
-- Thunderbird in English, Japanese, German, French, Spanish, Italian.
M.LABELS = {
  from = { "from", "差出人", "送信者", "von", "de", "da", "remitente" },
  to = { "to", "宛先", "an", "à", "a", "para", "cc" },
  subject = { "subject", "件名", "betreff", "objet", "asunto", "oggetto" },
  date = { "date", "sent", "日付", "送信日時", "datum", "gesendet", "envoyé", "enviado", "fecha", "inviato", "data" },
}

local LABEL = {}
for field, words in pairs(M.LABELS) do
  for _, w in ipairs(words) do LABEL[w] = LABEL[w] or field end
end

--- Plain words one of which a text must contain to be searched for a
-- forwarded header block (its From: label as clients write it).
M.HINTS = { "rom:", "ROM:", "rom :", "差出人", "送信者", "Von:", "De :", "De:", "Da:", "Remitente:" }

--- Words (lower case, plain) of the line that opens a forwarded message, or
-- a line of dashes or underscores only (Outlook).
M.MARKS = { "forward", "original message", "転送", "weitergeleitet", "ursprüngliche nachricht", "transféré",
  "message d'origine", "reenviado", "mensaje original", "inoltrato", "messaggio originale" }

-- The field a line labels ("From: x", "*From:* x", "差出人: x"), and its value.
local function labelled(l)
  local label, value = match(l, "^[>%s]*%**([^:*>]-)%**%s*[:：]%**%s*(.*)$")
  if not label or #label > 24 then return nil end
  local field = LABEL[lower(text.trim(label))]
  return field, field and value
end

-- The header block starting at line i: its fields and the line after it.
local function block_at(lines, i)
  local fields, n, j = {}, 0, i
  while j <= #lines and j < i + 12 do
    local l = lines[j]
    if not find(l, "[^>%s]") then break end -- a blank line, quoted or not
    local field, value = labelled(l)
    if field then
      if not fields[field] then fields[field] = text.trim(value); n = n + 1 end
    elseif n > 0 and find(l, "^%s") and fields.to then
      fields.to = fields.to .. " " .. text.trim(l) -- a folded To: list
    else
      return nil
    end
    j = j + 1
  end
  if n < 2 or not fields.from then return nil end
  return fields, j
end

local has_any = require("spfkit.bounce.readers.util").has_any

-- Whether one of the two lines before line i opens a forwarded message.
local function marked(lines, i)
  for k = i - 1, math.max(1, i - 2), -1 do
    local l = lower(lines[k])
    if find(l, "^%s*[%-_=]+%s*$") or has_any(l, M.MARKS) then return true end
  end
  return false
end

-- The forwarded text after the block, without the "> " quoting a client
-- may have added.
local function body_after(lines, j)
  local out, quoted, nonblank = {}, 0, 0
  while j <= #lines and not find(lines[j], "[^>%s]") do j = j + 1 end
  for k = j, #lines do
    local l = lines[k]
    if find(l, "%S") then
      nonblank = nonblank + 1
      if sub(l, 1, 1) == ">" then quoted = quoted + 1 end
    end
    out[#out + 1] = l
  end
  if quoted * 2 > nonblank then
    for k = 1, #out do out[k] = gsub(out[k], "^> ?", "", 1) end
  end
  return concat(out, "\n")
end

--- The forwarded bounce inside a text, rebuilt as a message.
-- @tparam string notice the forwarding message's text
-- @tparam table words `{from = {...}, subject = {...}}`: words of a bounce's
--   From: and Subject: (lower case, plain), one of which the forwarded
--   header block must contain
-- @treturn ?string the forwarded bounce as a message (header fields, blank
--   line, text), or nil when the text forwards no bounce
function M.unwrap(notice, words)
  local hint = false
  for i = 1, #M.HINTS do hint = hint or find(notice, M.HINTS[i], 1, true) ~= nil end
  if not hint then return nil end
  local lines = text.lines(notice, 4000)
  for i = 1, #lines do
    local fields, j = nil, nil
    if find(lines[i], "[:：]") then fields, j = block_at(lines, i) end
    -- the block is a bounce's: its From: is a bounce address, or a client's
    -- forward marker opens it and its Subject: is a bounce's
    if fields and (has_any(match(fields.from, "^[^@]*") or fields.from, words.from)
        or (marked(lines, i) and has_any(fields.subject, words.subject))) then
      local head = {}
      for _, f in ipairs({ "from", "to", "subject", "date" }) do
        if fields[f] then head[#head + 1] = f:gsub("^%l", string.upper) .. ": " .. gsub(fields[f], "[\r\n]", " ") end
      end
      return concat(head, "\n") .. "\n\n" .. body_after(lines, j)
    end
  end
  return nil
end

return M
