--- Words at the edge: turns a report's codes and params into messages in
-- one language (findings' `message`, steps' `text`, the summary, the
-- error's and the fix reason's messages, the what-if sentence). Params
-- that depend on the language are derived here: `human` from `seconds`,
-- `reason_name` from `reason`, `detail` from an error's code/message.
-- Pure Lua.
-- @module spfkit.report.words

local i18n = require "spfkit.i18n"

local M = {}

local type, pairs, ipairs, tostring, tonumber, floor = type, pairs, ipairs, tostring, tonumber, math.floor

--- A duration in words ("1 hour", "5 minutes", "1 時間").
function M.human_seconds(s, lang)
  s = floor(tonumber(s) or 0)
  local h, m = floor(s / 3600), floor((s % 3600) / 60)
  if s >= 3600 and s % 60 == 0 then
    if m == 0 then return i18n.text("unit-hours", lang, { n = h }) end
    return i18n.text("unit-hours-minutes", lang, { h = h, m = m })
  end
  if s >= 60 and s % 60 == 0 then return i18n.text("unit-minutes", lang, { n = floor(s / 60) }) end
  return i18n.text("unit-seconds", lang, { n = s })
end

-- The message of an error carried in params as `<k>_code`, `<k>_message`
-- (and `<k>_message_ja`).
local function error_words(params, k, lang)
  local code = params[k .. "_code"]
  if lang == "ja" and params[k .. "_message_ja"] then return params[k .. "_message_ja"] end
  if code and i18n.has(code) then return i18n.text(code, lang, params) end
  return params[k .. "_message"] or code
end

local PROVIDER_NAMES       -- id -> {en, ja}, from the provider data
local function provider_name(id, lang)
  if not PROVIDER_NAMES then
    PROVIDER_NAMES = {}
    for _, e in ipairs(require("spfkit.providers.data")) do PROVIDER_NAMES[e.id] = e.name end
  end
  local n = PROVIDER_NAMES[id]
  return n and (n[lang] or n.en) or tostring(id)
end

--- Params with their language-dependent values filled in.
function M.params(params, lang)
  local p = {}
  for k, v in pairs(params or {}) do p[k] = v end
  if p.seconds and not p.human then p.human = M.human_seconds(p.seconds, lang) end
  if p.reason and not p.reason_name then
    local code = "reason-" .. tostring(p.reason)
    p.reason_name = i18n.has(code) and i18n.text(code, lang) or tostring(p.reason)
  end
  if p.detail == nil and p.detail_code then p.detail = error_words(p, "detail", lang) end
  if p.provider and not p.provider_name then p.provider_name = provider_name(p.provider, lang) end
  if p.from and i18n.has("provider-from-" .. tostring(p.from)) then
    p.from_name = i18n.text("provider-from-" .. tostring(p.from), lang)
  end
  return p
end

--- One coded item in words: its `text` (both languages, for codes outside
-- the catalog) or the catalog's message for its code and params.
function M.say(item, lang)
  if type(item.text) == "table" and item.text[lang] then return item.text[lang] end
  return i18n.text(tostring(item.code), lang, M.params(item.params, lang))
end

--- Fill every message of a report (in place) in `r.lang`.
function M.fill(r)
  local lang = r.lang
  for _, f in ipairs(r.findings or {}) do f.message = M.say(f, lang) end
  for _, s in ipairs(r.steps or {}) do
    if type(s.text) == "table" then s.words = s.text end
    s.text = M.say({ code = s.code, params = s.params, text = s.words }, lang)
  end
  if r.summary_code then
    r.summary = M.say({ code = r.summary_code, params = r.summary_params }, lang)
  end
  if type(r.error) == "table" and r.error.code then r.error.message = M.say(r.error, lang) end
  if type(r.fix) == "table" and r.fix.reason then r.fix.reason_message = i18n.text(r.fix.reason, lang) end
  if type(r.provider) == "table" and r.provider.id then r.provider.name = provider_name(r.provider.id, lang) end
  local w = r.whatif
  if type(w) == "table" then w.message = type(w.text) == "table" and w.text[lang] or w.result end
  return r
end

return M
