--- Generated bounces for the memory and work bounds (spec/bounce_memory_spec.lua).
-- @module spec.support.deep_bounce
local M = {}

local rep, concat = string.rep, table.concat

--- A Postfix bounce whose returned message nests `depth` levels of
-- multipart/mixed + message/rfc822, with a `size`-byte text body at the bottom.
-- @tparam number depth levels of nesting
-- @tparam number size bytes of the innermost body
-- @treturn string the message (LF line endings)
function M.nested(depth, size)
  local line = rep("x", 75) .. "\n"
  local inner = "From: a@example.org\nTo: b@example.net\nSubject: bottom\n\n"
    .. rep(line, math.floor(size / #line))
  for level = depth, 1, -1 do
    local b = "b" .. level
    inner = concat({
      "From: level" .. level .. "@example.org\nSubject: level " .. level,
      "\nContent-Type: multipart/mixed; boundary=\"" .. b .. "\"\n\n--" .. b,
      "\nContent-Type: text/plain\n\nforwarded\n--" .. b,
      "\nContent-Type: message/rfc822\n\n", inner, "\n--" .. b .. "--\n" })
  end
  return concat({
    "From: MAILER-DAEMON@mx.example.org\nTo: a@example.org\nSubject: Undelivered Mail Returned to Sender\n",
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"top\"\n\n--top\n",
    "Content-Type: text/plain\n\nThis is the mail system at host mx.example.org.\n\n",
    "<b@example.net>: host mx.example.net[192.0.2.7] said: 550 5.1.1 <b@example.net>:\n",
    "    Recipient address rejected: User unknown (in reply to RCPT TO command)\n\n--top\n",
    "Content-Type: message/rfc822\n\n", inner, "\n--top--\n" })
end

--- Sibling parts that are each a multipart whose boundary never occurs:
-- every one of them searches to the end of the message for its delimiter,
-- the worst case for boundary searches (n times the input without a cap).
-- @tparam number n parts
-- @tparam number size bytes of filler after them
-- @treturn string
function M.unclosed(n, size)
  local t = { "From: x@example.org\nContent-Type: multipart/mixed; boundary=top\n\n" }
  for i = 1, n do
    t[#t + 1] = "--top\nContent-Type: multipart/mixed; boundary=never" .. i .. "\n\npreamble\n"
  end
  t[#t + 1] = "--top\nContent-Type: text/plain\n\n" .. rep(rep("y", 75) .. "\n", math.floor(size / 76))
  return concat(t)
end

return M
