--- spfkit.openresty.body: the bounce a customer sent, whatever nginx did
-- with the request body.
--
-- nginx keeps a body in memory up to `client_body_buffer_size` and spills a
-- bigger one to a temporary file (`ngx.req.get_body_data()` is then nil and
-- `ngx.req.get_body_file()` names the file); a browser sends a form as
-- `multipart/form-data` (file upload) or `application/x-www-form-urlencoded`
-- (a textarea); a script posts the message itself (`message/rfc822`,
-- `text/plain`, anything else). All give the same raw message here.
-- @module spfkit.openresty.body

local errors = require "spfkit.errors"

local ngx = ngx
local type, tonumber, pairs, ipairs = type, tonumber, pairs, ipairs

local M = {}

--- Default limit of the bounce itself (bytes).
M.MAX = 1024 * 1024

-- form encodings cost up to 3 bytes a byte (%XX), plus the form's other fields
local function raw_limit(max) return 3 * max + 16384 end

local function too_large(max)
  return nil, errors.new("too-large", "the bounce is larger than " .. max .. " bytes",
                         { status = 413, max = max })
end

-- the body as a string, from memory or from nginx's temporary file
local function raw_body(limit)
  local len = tonumber(ngx.var.http_content_length or ngx.var.content_length or "")
  if len and len > limit then return nil, "too-large" end
  ngx.req.read_body()
  local data = ngx.req.get_body_data()
  if data then return data end
  local path = ngx.req.get_body_file()
  if not path then return "" end
  local f = io.open(path, "rb")
  if not f then return nil, "unreadable" end
  local size = f:seek("end")
  if size > limit then f:close() return nil, "too-large" end
  f:seek("set", 0)
  data = f:read("*a")
  f:close()
  return data
end

-- Content-Disposition parameters of one part's header block
local function disposition(head)
  local cd = head:match("[Cc][Oo][Nn][Tt][Ee][Nn][Tt]%-[Dd][Ii][Ss][Pp][Oo][Ss][Ii][Tt][Ii][Oo][Nn]:([^\r\n]*)")
  if not cd then return nil end
  return cd:match('[; ]name="([^"]*)"') or cd:match("[; ]name=([^;%s]+)"),
         cd:match('filename="([^"]*)"') or cd:match("filename=([^;%s]+)")
end

-- { {name=, filename=, value=}, ... } of a multipart/form-data body (RFC 7578)
local function multipart(data, boundary)
  local parts, delim = {}, "--" .. boundary
  local pos = data:find(delim, 1, true)
  while pos do
    local hstart = pos + #delim
    if data:sub(hstart, hstart + 1) == "--" then break end   -- the closing delimiter
    local hend, bstart = data:find("\r?\n\r?\n", hstart)
    if not hend then break end
    local nextpos = data:find("\r\n" .. delim, bstart + 1, true)
    local bend = nextpos and nextpos - 1 or #data
    local name, filename = disposition(data:sub(hstart, hend))
    if name then
      parts[#parts + 1] = { name = name, filename = filename, value = data:sub(bstart + 1, bend) }
    end
    pos = nextpos and nextpos + 2
  end
  return parts
end

local function boundary_of(ctype)
  return ctype:match('[Bb][Oo][Uu][Nn][Dd][Aa][Rr][Yy]="([^"]+)"')
      or ctype:match("[Bb][Oo][Uu][Nn][Dd][Aa][Rr][Yy]=([^;%s]+)")
end

-- the bounce among the form's fields: a non-empty uploaded file first,
-- then the text field; other fields are returned too (lang, ...)
local function from_parts(parts, field)
  local fields, file, text = {}, nil, nil
  for _, p in ipairs(parts) do
    if p.filename and p.filename ~= "" and p.value ~= "" then file = file or p.value
    elseif not p.filename then
      if p.name == field then text = p.value end
      if fields[p.name] == nil then fields[p.name] = p.value end
    end
  end
  return file or text, fields
end

local function from_urlencoded(data, field)
  local args = ngx.decode_args(data, 0)
  local fields = {}
  for k, v in pairs(args) do
    if type(v) == "table" then v = v[1] end
    if type(v) == "string" then fields[k] = v end
  end
  return fields[field], fields
end

--- Read the bounce from the current request (rewrite, access or content phase).
-- @tparam[opt] table opts `{ max = 1048576 (bytes of the bounce), field =
--   "bounce" (the form field of a pasted bounce) }`
-- @return the raw message and a table of the form's other fields (empty for
--   a raw post), or `nil, err` with `err.code` "too-large" (err.status 413),
--   "empty", "bad-form" or "unreadable" (err.status 400)
function M.read_bounce(opts)
  opts = opts or {}
  local max, field = opts.max or M.MAX, opts.field or "bounce"
  local data, why = raw_body(raw_limit(max))
  if why == "too-large" then return too_large(max) end
  if not data then
    return nil, errors.new("unreadable", "the request body could not be read", { status = 400 })
  end
  local ctype = (ngx.var.content_type or ""):lower()
  local bounce, fields = data, {}
  if ctype:find("^multipart/form%-data") then
    local b = boundary_of(ngx.var.content_type)
    if not b then return nil, errors.new("bad-form", "multipart body without a boundary", { status = 400 }) end
    bounce, fields = from_parts(multipart(data, b), field)
  elseif ctype:find("^application/x%-www%-form%-urlencoded") and not data:find("[\n ]") then
    -- a real form encodes its spaces and newlines; a message posted with
    -- curl --data-binary's default type is taken as it is
    bounce, fields = from_urlencoded(data, field)
  end
  if not bounce or bounce:find("^%s*$") then
    return nil, errors.new("empty", "no bounce in the request (paste it or upload the file)", { status = 400 })
  end
  if #bounce > max then return too_large(max) end
  return bounce, fields
end

return M
