-- Organizational domains for DMARC alignment (Debian's Public Suffix List,
-- or the built-in fallback).
describe("spfkit.psl", function()
  local function fresh(path)
    package.loaded["spfkit.psl"] = nil
    local psl = require "spfkit.psl"
    if path then psl.PATH = path end
    return psl
  end
  after_each(function() package.loaded["spfkit.psl"] = nil end)

  it("uses Debian's list: second-level, wildcard and exception rules", function()
    local psl = fresh()
    assert.are.equal("example.co.jp", psl.org_domain("mail.example.co.jp"))
    assert.are.equal("example.com", psl.org_domain("a.b.example.com."))
    assert.are.equal("example.tokyo.jp", psl.org_domain("www.example.tokyo.jp"))
    assert.are.equal("city.kawasaki.jp", psl.org_domain("x.city.kawasaki.jp"))      -- !city.kawasaki.jp
    assert.are.equal("y.foo.kawasaki.jp", psl.org_domain("y.foo.kawasaki.jp"))     -- *.kawasaki.jp
    assert.is_nil(psl.org_domain("co.jp"))
    assert.is_nil(psl.org_domain(""))
    assert.are.equal("/usr/share/publicsuffix/public_suffix_list.dat", psl.source)
  end)

  it("falls back to a built-in list without the package", function()
    local psl = fresh("/nonexistent/public_suffix_list.dat")
    assert.are.equal("example.co.jp", psl.org_domain("mail.example.co.jp"))
    assert.are.equal("example.net", psl.org_domain("a.example.net"))
    assert.are.equal("built-in", psl.source)
  end)
end)
