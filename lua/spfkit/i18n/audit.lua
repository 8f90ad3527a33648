--- audit messages (see `spfkit.i18n`): { en = {...}, ja = {...} }.
-- The finding codes that only `spfkit.audit` reports; the others (lint's,
-- `spf-not-authorized`, `dmarc-*`) are shared with lint and the diagnosis.
-- @module spfkit.i18n.audit

local en, ja = {}, {}

en["provider-not-included"] = "The SPF record of {domain} does not include {id}'s servers; add {terms}."
ja["provider-not-included"] = "{domain} の SPF レコードに {id} のサーバーが含まれていません。{terms} を追加してください。"
en["bad-domain"] = "\"{value}\" is not a domain name."
ja["bad-domain"] = "「{value}」はドメイン名ではありません。"

return { en = en, ja = ja }
