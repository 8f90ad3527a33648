--- English messages (see `spfkit.i18n`). Placeholders: `{name}`.
-- Written for a hosting customer: what is wrong, what receivers such as
-- Gmail will do, and what to change.
-- @module spfkit.i18n.en

-- What the parser's error codes mean, for the "syntax" finding.
local SYNTAX = {
  ["not-spf"] = "an SPF record must start with exactly \"v=spf1\"",
  ["unknown-mechanism"] = "this is not a mechanism SPF knows (check the spelling; modifiers need \"=\")",
  ["bad-cidr"] = "the prefix length after \"/\" is not valid (0-32 for IPv4, 0-128 for IPv6, no leading zeros)",
  ["bad-ip4"] = "this is not a valid IPv4 address (four numbers 0-255, e.g. ip4:192.0.2.1)",
  ["bad-ip6"] = "this is not a valid IPv6 address (e.g. ip6:2001:db8::1)",
  ["missing-domain"] = "a domain name is missing after \":\" or \"=\"",
  ["bad-all"] = "\"all\" takes no value",
  ["bad-domain"] = "the domain name is not valid (it must end with a name such as .jp or .com, without a port or path)",
  ["duplicate-modifier"] = "redirect= and exp= may appear only once",
  ["bad-macro"] = "the %-macro is not valid",
  ["bad-modifier"] = "the modifier has no name before \"=\"",
  ["non-ascii"] = "the record contains non-ASCII characters (for example a full-width space or letter)",
  ["control-character"] = "the record contains a control character such as a line break or tab",
  ["bad-qualifier"] = "the qualifier must be one of + - ~ ?",
}

local COMPAT = {
  cidr0 = "libspf2 (used by Exim, OpenDMARC and many milters) rejects the prefix length /0 in \"{term}\" "
    .. "as a syntax error, although RFC 7208 allows it: those receivers treat the whole record as invalid "
    .. "(permerror or \"invalid\"), so mail checked by them does not pass SPF.",
  ["bad-domain"] = "\"{term}\" is invalid under RFC 7208 (Gmail returns permerror), but libspf2 "
    .. "(Exim, OpenDMARC, milters) only warns and looks the name up anyway: "
    .. "such receivers may give a different result.",
  ["empty-domain"] = "\"{term}\" has an empty domain, which RFC 7208 rejects (permerror at Gmail); libspf2 "
    .. "(Exim, OpenDMARC, milters) accepts it and carries on, so those receivers may still pass or fail your mail.",
  ["duplicate-modifier"] = "\"{term}\" repeats a modifier, which RFC 7208 rejects (permerror at Gmail); "
    .. "libspf2 (Exim, OpenDMARC, milters) accepts it, so your record seems to work there but not at Gmail.",
  ["leading-zero-cidr"] = "\"{term}\" has a prefix length with a leading zero, which RFC 7208 rejects; "
    .. "libspf2 (Exim, OpenDMARC, milters) accepts it, so the record seems to work there but not at Gmail.",
  ["redirect-colon"] = "\"{term}\" should be written \"redirect=\"; libspf2 (Exim, milters) accepts the colon form, "
    .. "RFC 7208 receivers such as Gmail return permerror.",
  ["bad-macro"] = "\"{term}\" has a macro that RFC 7208 rejects; libspf2 (Exim, milters) takes it literally, "
    .. "so receivers disagree about your record.",
  ["dotted-modifier"] = "libspf2 (Exim, OpenDMARC, milters) cannot compile a modifier name containing \".\" "
    .. "(\"{term}\"), although RFC 7208 allows it: those receivers treat the record as invalid.",
  ["redirect-with-all"] = "libspf2 (Exim, milters) follows \"{term}\" even though the record has \"all\"; "
    .. "RFC 7208 receivers such as Gmail ignore it, so the two kinds of receivers can give different results.",
  ["include-limit"] = "libspf2 (Exim, milters) restarts the {limit}-lookup count inside each include, so those "
    .. "receivers may still pass mail that Gmail rejects with permerror ({lookups} lookups).",
  ["void-limit"] = "libspf2 (Exim, milters) has no limit on lookups that find nothing, so those receivers "
    .. "may still evaluate this record while Gmail returns permerror.",
  crash = "This record has the shape that crashes Debian's libspf2 1.2.10 (CVE-2023-42118: a long name with many "
    .. "%{d} macros); receivers using it (Exim, milters) may crash or defer your mail. Simplify the macros.",
  accepted = "\"{term}\" is invalid under RFC 7208 (Gmail returns permerror), but libspf2 (Exim, OpenDMARC, "
    .. "milters) accepts it, so your record seems to work at some receivers and not at Gmail.",
  compiler = "libspf2 (Exim, OpenDMARC, milters) judges this record differently from RFC 7208: {detail}",
}

local function syntax_detail(p)
  return SYNTAX[p.error_code] or p.detail or "syntax error"
end

return {
  -- lint findings ---------------------------------------------------------
  ["no-record"] = function(p)
    if p.reason == "nxdomain" then
      return "The domain " .. (p.domain or "?") .. " does not exist in DNS, so it has no SPF record. "
        .. "Check the spelling of the domain and that its name servers are set up."
    end
    return "No SPF record was found" .. (p.domain and (" for " .. p.domain) or "") .. ". Receivers such as Gmail "
      .. "then see SPF \"none\" and may reject your mail (550-5.7.26). "
      .. "Add a TXT record whose value starts with \"v=spf1\"."
  end,
  ["multiple-records"] = "{domain} publishes {count} SPF records (TXT values starting with \"v=spf1\"). "
    .. "SPF allows only one, so every receiver returns permerror and your mail fails SPF. "
    .. "Combine them into a single record and delete the others.",
  ["syntax"] = function(p)
    return "The SPF record has an error at \"" .. (p.term or "") .. "\" (character " .. tostring(p.position or "?")
      .. "): " .. syntax_detail(p) .. ". Receivers return permerror for the whole record, so your mail fails SPF."
  end,
  ["too-many-lookups"] = "The record needs {lookups} DNS lookups (include, a, mx, ptr, exists and redirect, "
    .. "counted through every include); SPF allows at most {limit}. Receivers such as Gmail return permerror. "
    .. "Remove includes you no longer use, or replace some with ip4:/ip6: addresses.",
  ["too-many-void-lookups"] = "{void_lookups} lookups in the record find nothing (no such name or no data); "
    .. "SPF allows at most {limit}. Receivers return permerror. "
    .. "Remove the terms that point to names that do not exist.",
  ["plus-all"] = "\"{term}\" lets every server on the Internet send mail as your domain, which makes SPF useless "
    .. "and invites spoofing. Use \"~all\" (or \"-all\") at the end instead.",
  ["ptr"] = "\"{term}\" is slow, unreliable and discouraged by RFC 7208; some receivers ignore it. "
    .. "Replace it with ip4:/ip6: addresses or a: host names.",
  ["no-all"] = "The record ends without \"all\" or \"redirect=\", so mail from servers not listed gets \"neutral\". "
    .. "Add \"~all\" at the end, as the hosting notices show.",
  ["after-all"] = "\"{term}\" comes after \"{all}\" and is never evaluated: receivers stop at \"all\". "
    .. "Move it before \"{all}\".",
  ["redirect-ignored"] = "\"{term}\" is ignored because the record has \"{all}\". Remove one of the two: "
    .. "keep \"{all}\" and add what the redirect covered as include:, or remove \"{all}\".",
  ["string-too-long"] = function(p)
    if p.published then
      return "A TXT string of this record is " .. tostring(p.length) .. " bytes long; DNS allows at most "
        .. tostring(p.limit) .. " bytes per string. Publish the value as several quoted strings (spfkit.txt shows how)."
    end
    return "The record is " .. tostring(p.length) .. " bytes long; one TXT string holds at most "
      .. tostring(p.limit) .. " bytes. "
      .. "Publish it as several quoted strings in one TXT record (spfkit.txt shows how); "
      .. "some DNS panels split it for you."
  end,
  ["record-too-long"] = function(p)
    local s = "The record is " .. tostring(p.length) .. " bytes long; RFC 7208 recommends keeping SPF records "
      .. "under " .. tostring(p.limit) .. " bytes so that the DNS answer fits in one UDP packet."
    if p.over512 then
      s = s .. " Over 512 bytes, receivers without EDNS or TCP fallback cannot read it at all."
    end
    return s .. " Shorten it, e.g. by removing terms you no longer need."
  end,
  ["duplicate-include"] = "\"{term}\" is included more than once; each copy costs DNS lookups and adds nothing. "
    .. "Remove the duplicate.",
  ["include-loop"] = "\"{term}\" leads back to {target}, which is already being evaluated: the record "
    .. "includes itself. Receivers return permerror. Remove the looping include or redirect.",
  ["include-no-record"] = "\"{term}\" points to {target}, which has no SPF record. Receivers return permerror "
    .. "for your whole record. Check the spelling against your provider's instructions.",
  ["quoted-value"] = function(p)
    local kind = p.typographic and "typographic quotes (“ ”)" or "double quotes"
    if p.published then
      return "The published TXT value itself starts or ends with " .. kind .. ", so receivers do not recognise "
        .. "it as SPF. Enter the value without the extra quotes: " .. (p.fix or "")
    end
    if p.typographic then
      return "The value contains typographic quotes (“ ”), probably copied from a web page. DNS panels keep "
        .. "them as part of the value and SPF breaks. Type plain ASCII double quotes (\") or none: " .. (p.fix or "")
    end
    return "The value is enclosed in double quotes. That is right where the DNS panel or zone file expects "
      .. "quotes; where it takes the text as is, the quotes become part of the record and SPF breaks. "
      .. "The record itself is: " .. (p.fix or "")
  end,
  ["spf-rr-type"] = "{domain} also publishes a record of the obsolete type SPF (type 99). RFC 7208 removed it "
    .. "and receivers only read TXT. Delete the SPF-type record and keep the TXT one (select TXT, not SPF).",
  ["mx-no-address"] = function(p)
    if p.reason == "no-mx" then
      return "\"" .. (p.term or "mx") .. "\": " .. (p.target or "?") .. " has no MX records, so this term never "
        .. "matches and counts as a lookup that finds nothing."
    end
    return "\"" .. (p.term or "mx") .. "\": the mail servers of " .. (p.target or "?") .. " have no IP addresses "
      .. "in DNS, so this term never matches."
  end,
  ["a-no-address"] = "\"{term}\": {target} has no IPv4 or IPv6 address in DNS, so this term never matches "
    .. "and counts as a lookup that finds nothing. Check the host name.",
  ["compat-libspf2"] = function(p)
    local t = COMPAT[p.kind] or COMPAT.compiler
    return (t:gsub("{(%w+)}", function(k) return p[k] ~= nil and tostring(p[k]) or nil end))
  end,
  ["version-typo"] = "The TXT value \"{text}\" looks like an SPF record but does not start with exactly "
    .. "\"v=spf1\", so receivers ignore it. Write it as: {fix}",
  ["fullwidth-character"] = "The record contains full-width characters (such as a full-width space or letter) "
    .. "typed with a Japanese input method. SPF accepts only half-width characters. Write it as: {fix}",
  ["dns-temperror"] = "The DNS lookup of {target} ({qtype}) did not answer. Receivers return temperror and may "
    .. "defer your mail; this check could not be completed. Try again later, and check the name servers of {target}.",
  ["private-address"] = "\"{term}\" is a private or local address. Receivers on the Internet never see mail "
    .. "from it; use the server's public IP address (shown in your control panel).",
  ["wide-range"] = "\"{term}\" authorises about {count} addresses, far more than a mail server needs; anyone "
    .. "in that range can send as your domain. List only your servers' addresses.",

  -- build and merge -------------------------------------------------------
  ["unknown-provider"] = "Unknown provider \"{id}\"; see spfkit.providers.list() for the known ids.",
  ["missing-param"] = "Provider \"{id}\" needs the \"{param}\" parameter: {description}",
  ["bad-param"] = "\"{value}\" is not a valid \"{param}\" for provider \"{id}\" (e.g. {example}).",
  ["bad-term"] = function(p)
    return "\"" .. tostring(p.term) .. "\" is not a valid SPF term: " .. syntax_detail(p) .. "."
  end,
  ["bad-all"] = "\"{value}\" is not an \"all\" qualifier; use \"~\" "
    .. "(softfail, as the hosting notices do), \"-\" or \"?\".",
  ["merge-too-many-lookups"] = "The combined record would need {lookups} DNS lookups; SPF allows at most "
    .. "{limit}, so receivers would return permerror. It was not created. Remove includes you do not use, "
    .. "or publish the flattened record proposed below.",
  ["flatten-proposal"] = "Flattened proposal: {flattened} replaced by the ip4:/ip6: addresses they publish "
    .. "today ({date}). This brings the record to {lookups} lookups, but it goes stale: when the provider changes its "
    .. "servers, your record will not follow. Check it again regularly.",
  ["flatten-unavailable"] = "No flattened record can be proposed without DNS (give dns=) or because the "
    .. "includes use macros, exists or ptr.",
  ["lookups-estimated"] = "{lookups} lookups counted from the record alone; includes can add more. Give dns= "
    .. "to count through them.",
  ["redirect-to-include"] = "\"{term}\" was turned into \"include:{target}\": one record can have only one "
    .. "redirect, and redirect is ignored next to \"all\".",
  ["all-conflict"] = "The records end differently ({alls}); the combined record keeps \"{all}\".",
  ["qualifier-conflict"] = "\"{term}\" was not added: the record already has \"{existing}\" for the same value.",
  ["not-spf-ignored"] = "\"{text}\" is not an SPF record and was left out; keep it as its own TXT record.",
  ["exp-dropped"] = "\"{term}\" was left out: a record can have only one exp=.",

  -- txt presentation notes -----------------------------------------------
  ["txt-name"] = "Record name: \"@\" (some panels want it left empty) or \"{fqdn}\" with the trailing dot. "
    .. "Without the dot, \"{bare}\" becomes \"{doubled}\".",
  ["txt-name-sub"] = "Record name: \"{name}\" (relative to the zone) or \"{fqdn}\" with the trailing dot. "
    .. "Without the dot, \"{bare}\" becomes \"{doubled}\".",
  ["txt-type"] = "Record type: TXT. Do not select the SPF type; receivers read only TXT.",
  ["txt-quotes"] = "Enter the value with plain double quotes (\") at both ends where the panel or zone file "
    .. "expects them; do not paste typographic quotes (“ ”).",
  ["txt-split"] = "The value is longer than {limit} bytes and is split into {count} quoted strings. Enter them all "
    .. "in ONE TXT record; receivers join them without spaces.",
  ["txt-ttl"] = "TTL: {ttl} seconds (60 or more).",
  ["txt-ttl-low"] = "TTL {ttl} is too short; use 60 seconds or more (3600 is usual).",
  ["txt-one-record"] = "If the domain already has a TXT record starting with \"v=spf1\", edit it instead of "
    .. "adding a second one: two SPF records make SPF fail. "
    .. "Other TXT records (e.g. google-site-verification) stay as they are.",
  ["txt-propagation"] = "The change can take a few hours to reach the whole Internet; wait a little before "
    .. "sending to Gmail again.",

  -- what-if -----------------------------------------------------------------
  ["whatif-fixed"] = "With the proposed record, mail from {ip} would get SPF {after} (now: {before}).",
  ["whatif-broken"] = "Careful: with the proposed record, mail from {ip} would get SPF {after}; now it gets {before}.",
  ["whatif-still-failing"] = "The proposed record does not fix it: mail from {ip} would still get SPF {after} "
    .. "(now: {before}).",
  ["whatif-unchanged"] = "Mail from {ip} gets SPF {after} both now and with the proposed record.",
  ["whatif-changed"] = "With the proposed record, mail from {ip} would get SPF {after} instead of {before}.",
}
