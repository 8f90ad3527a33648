rockspec_format = "3.0"
package = "spfkit"
version = "scm-1"
source = {
   url = "git+file:///srv/git/spfkit.git",   -- not used by `luarocks make`
}
description = {
   summary = "Why mail bounced for SPF, and exactly what to put in DNS",
   detailed = [[
spfkit reads bounces (Gmail 5.7.26 and friends), evaluates SPF (RFC 7208)
with its own C engine over real DNS (ldns) or static zones, knows the SPF
values hosting providers publish, and writes the exact TXT record to add.
Runs on Lua 5.4 and LuaJIT (OpenResty).]],
   license = "MIT",
}
dependencies = {
   "lua >= 5.1",
}
external_dependencies = {
   LDNS = { header = "ldns/ldns.h", library = "ldns" },
   LIBSPF2 = { header = "spf2/spf.h", library = "spf2" },
}
build = {
   type = "builtin",
   modules = {
      ["spfkit.core"] = {
         sources = {
            "csrc/arena.c",
            "csrc/check.c",
            "csrc/core.c",
            "csrc/dns_answer.c",
            "csrc/dns_answers.c",
            "csrc/dns_batch.c",
            "csrc/dns_cache.c",
            "csrc/dns_ldns.c",
            "csrc/dns_wire.c",
            "csrc/dns_zone.c",
            "csrc/iconv.c",
            "csrc/ip.c",
            "csrc/libspf2.c",
            "csrc/macro.c",
            "csrc/record.c",
            "csrc/zone_file.c",
         },
         defines = { "_DEFAULT_SOURCE" },
         libraries = { "ldns", "spf2" },
         incdirs = { "$(LDNS_INCDIR)", "$(LIBSPF2_INCDIR)" },
         libdirs = { "$(LDNS_LIBDIR)", "$(LIBSPF2_LIBDIR)" },
      },
      ["spfkit.bounce"] = "lua/spfkit/bounce.lua",
      ["spfkit.bounce.auth"] = "lua/spfkit/bounce/auth.lua",
      ["spfkit.bounce.charset"] = "lua/spfkit/bounce/charset.lua",
      ["spfkit.bounce.dsn"] = "lua/spfkit/bounce/dsn.lua",
      ["spfkit.bounce.reason"] = "lua/spfkit/bounce/reason.lua",
      ["spfkit.bounce.scan"] = "lua/spfkit/bounce/scan.lua",
      ["spfkit.bounce.text"] = "lua/spfkit/bounce/text.lua",
      ["spfkit.audit"] = "lua/spfkit/audit.lua",
      ["spfkit.audit.cache"] = "lua/spfkit/audit/cache.lua",
      ["spfkit.audit.dmarc"] = "lua/spfkit/audit/dmarc.lua",
      ["spfkit.audit.job"] = "lua/spfkit/audit/job.lua",
      ["spfkit.audit.scheduler"] = "lua/spfkit/audit/scheduler.lua",
      ["spfkit.audit.source"] = "lua/spfkit/audit/source.lua",
      ["spfkit.build"] = "lua/spfkit/build.lua",
      ["spfkit.cli"] = "lua/spfkit/cli.lua",
      ["spfkit.compat"] = "lua/spfkit/compat.lua",
      ["spfkit.diagnose"] = "lua/spfkit/diagnose.lua",
      ["spfkit.diagnose.dmarc"] = "lua/spfkit/diagnose/dmarc.lua",
      ["spfkit.diagnose.ptr"] = "lua/spfkit/diagnose/ptr.lua",
      ["spfkit.diagnose.relay"] = "lua/spfkit/diagnose/relay.lua",
      ["spfkit.diagnose.spf"] = "lua/spfkit/diagnose/spf.lua",
      ["spfkit.dns"] = "lua/spfkit/dns.lua",
      ["spfkit.headers"] = "lua/spfkit/headers.lua",
      ["spfkit.i18n.audit"] = "lua/spfkit/i18n/audit.lua",
      ["spfkit.i18n.cli"] = "lua/spfkit/i18n/cli.lua",
      ["spfkit.i18n.diagnose"] = "lua/spfkit/i18n/diagnose.lua",
      ["spfkit.i18n.en"] = "lua/spfkit/i18n/en.lua",
      ["spfkit.i18n"] = "lua/spfkit/i18n/init.lua",
      ["spfkit.i18n.ja"] = "lua/spfkit/i18n/ja.lua",
      ["spfkit"] = "lua/spfkit/init.lua",
      ["spfkit.lint"] = "lua/spfkit/lint.lua",
      ["spfkit.mime"] = "lua/spfkit/mime.lua",
      ["spfkit.options"] = "lua/spfkit/options.lua",
      ["spfkit.errors"] = "lua/spfkit/errors.lua",
      ["spfkit.providers"] = "lua/spfkit/providers.lua",
      ["spfkit.providers.data"] = "lua/spfkit/providers/data.lua",
      ["spfkit.psl"] = "lua/spfkit/psl.lua",
      ["spfkit.report"] = "lua/spfkit/report.lua",
      ["spfkit.txt"] = "lua/spfkit/txt.lua",
      ["spfkit.whatif"] = "lua/spfkit/whatif.lua",
   },
   install = {
      bin = { spfkit = "bin/spfkit" },
   },
}
test = {
   type = "busted",
}
