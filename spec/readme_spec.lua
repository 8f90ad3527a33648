-- The README synopsis must paste into the lua5.4 REPL and print what its
-- "-->" comments say. The REPL runs each complete statement as its own
-- chunk, so this replays the block the same way (locals would vanish).
local function synopsis()
  local f = assert(io.open("README.md", "rb"))
  local text = f:read("*a")
  f:close()
  local section = assert(text:match("\n## Synopsis\n(.-)\n## "), "no Synopsis section")
  return assert(section:match("```lua\n(.-)```"), "no lua block in the Synopsis")
end

local function squash(s) return (s:gsub("%s+", " "):gsub("^ ", ""):gsub(" $", "")) end

local function walkthrough()
  local f = assert(io.open("examples/walkthrough.lua", "rb"))
  local text = f:read("*a")
  f:close()
  return text
end

-- Replay a REPL session text line by line, checking the "-->" outputs.
local function replay(text)
  local printed, expected = {}, {}
  local env = setmetatable({
    print = function(...)
      local parts = {}
      for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
      printed[#printed + 1] = table.concat(parts, "\t")
    end,
  }, { __index = _G })
  local pending = ""
  local last_print
  for line in (text .. "\n"):gmatch("(.-)\n") do
    local out = line:match("^%-%->%s?(.*)")
    local inline
    if not out then
      local code, comment = line:match("^(.-%S)%s+%-%->%s?(.*)$")
      if code then line, inline = code, comment end
    end
    if out then
      -- continuation of the expected output of the last print
      local i = last_print
      expected[i] = (expected[i] and (expected[i] .. " ") or "") .. out
    elseif line:match("%S") and not line:match("^%s*%-%-") then
      pending = pending .. line .. "\n"
      local chunk, err = (loadstring or load)(pending, "=stdin", "t", env)
      if chunk or not tostring(err):match("<eof>") then
        assert(chunk, err)
        if setfenv then setfenv(chunk, env) end
        local before = #printed
        chunk()
        if #printed > before then last_print = #printed end
        if inline then
          assert(#printed > before, "a --> comment on a line that prints nothing: " .. line)
          expected[last_print] = inline
        end
        pending = ""
      end
    end
  end
  assert.are.equal("", pending)
  assert.is_true(next(expected) ~= nil, "the synopsis shows no output")
  for i, want in pairs(expected) do
    -- "nil" printed for a table value shows as table: 0x...; compare words
    local got = squash(printed[i] or "")
    want = squash(want)
    assert.are.equal(want, got)
  end
end

describe("README synopsis", function()
  it("runs line by line as in the REPL and prints what it says", function()
    replay(synopsis())
  end)
end)

describe("examples/walkthrough.lua", function()
  it("runs line by line as in the REPL and prints what it says", function()
    replay(walkthrough())
  end)
end)
