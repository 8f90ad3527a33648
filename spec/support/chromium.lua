-- Headless Chromium (Debian's `chromium`) for the specs: dump a page's DOM
-- after it ran, take a screenshot, and look for a coloured box in the
-- screenshot (a PNG read by a short Python 3 script, standard library only).
--
--   local chromium = require "spec.support.chromium"
--   local dom, log = chromium.dump_dom(url, dir)
--   local png = chromium.screenshot(url, dir, "1000,1400")
--   local box = chromium.find_color(png, 0xee, 0xf6, 0xee)
--   -- box.count, box.x0, box.y0, box.x1, box.y1, box.dark (dark pixels inside)
--
-- Flags from ../shared/notes/openresty-recipe.md section 5; a fresh
-- --user-data-dir under dir each run; `--virtual-time-budget` lets the page
-- run its scripts and follow a form submission before the dump.
local M = {}

M.CHROMIUM = "/usr/bin/chromium"
M.PYTHON = "/usr/bin/python3"

local FLAGS = "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
  .. "--disable-background-networking --disable-component-update --disable-sync "
  .. "--enable-logging=stderr --v=0 --virtual-time-budget=15000"

local function sh(cmd)
  local ok = os.execute(cmd)
  return ok == true or ok == 0
end

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

function M.available()
  return sh("test -x " .. M.CHROMIUM) and sh("test -x " .. M.PYTHON)
end

local n = 0
local function run(dir, args)
  n = n + 1
  local ud, out, err = dir .. "/ud" .. n, dir .. "/out" .. n, dir .. "/err" .. n
  sh(("timeout 60 %s %s --user-data-dir='%s' %s >'%s' 2>'%s'"):format(M.CHROMIUM, FLAGS, ud, args, out, err))
  sh("rm -rf '" .. ud .. "'")
  return read(out) or "", read(err) or ""
end

--- The DOM after the page ran (and the browser's log, with console lines).
function M.dump_dom(url, dir)
  return run(dir, "--dump-dom '" .. url .. "'")
end

--- A screenshot of url; returns the PNG path (nil if none) and the log.
function M.screenshot(url, dir, size)
  n = n + 1
  local png = dir .. "/shot" .. n .. ".png"
  local _, log = run(dir, ("--window-size=%s --screenshot='%s' '%s'"):format(size or "1000,1400", png, url))
  return read(png) and png or nil, log
end

--- Script errors in a browser log: uncaught exceptions and console errors.
function M.script_errors(log)
  local errs = {}
  for line in log:gmatch("[^\n]+") do
    if line:find("CONSOLE", 1, true) and (line:find("Uncaught", 1, true) or line:find("Error", 1, true)) then
      errs[#errs + 1] = line
    end
  end
  return errs
end

M.PNG_SCRIPT = [==[
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
want = tuple(int(v) for v in sys.argv[2:5])
pos, idat, w, h, ctype = 8, b"", 0, 0, 0
while pos < len(data):
    n, kind = struct.unpack("!I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack("!IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), "unsupported PNG"
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, rows, i = bytearray(stride), [], 0
for y in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line)
    prev = line
count, x0, y0, x1, y1 = 0, w, h, -1, -1
for y in range(h):
    r = rows[y]
    for x in range(w):
        if tuple(r[x * bpp:x * bpp + 3]) == want:
            count += 1
            x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
dark = 0
for y in range(max(y0, 0), y1 + 1):
    r = rows[y]
    for x in range(max(x0, 0), x1 + 1):
        if sum(r[x * bpp:x * bpp + 3]) < 200:
            dark += 1
print(w, h, count, x0, y0, x1, y1, dark)
]==]

--- Pixels of one colour in a PNG: `{ count =, x0 =, y0 =, x1 =, y1 = (their
-- bounding box), dark = (near-black pixels inside the box: text), w =, h = }`
function M.find_color(png, r, g, b)
  local script = png .. ".py"
  local f = assert(io.open(script, "wb"))
  f:write(M.PNG_SCRIPT)
  f:close()
  local p = io.popen(("%s '%s' '%s' %d %d %d 2>&1"):format(M.PYTHON, script, png, r, g, b))
  local out = p:read("*a")
  p:close()
  local v = {}
  for num in out:gmatch("%-?%d+") do v[#v + 1] = tonumber(num) end
  if #v ~= 8 then return nil, out end
  return { w = v[1], h = v[2], count = v[3], x0 = v[4], y0 = v[5], x1 = v[6], y1 = v[7], dark = v[8] }
end

return M
