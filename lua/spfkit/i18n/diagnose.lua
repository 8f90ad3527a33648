--- diagnose messages (see `spfkit.i18n`): { en = {...}, ja = {...} }.
-- @module spfkit.i18n.diagnose
return { en = {}, ja = {} }
