--- cli messages (see `spfkit.i18n`): { en = {...}, ja = {...} }.
-- @module spfkit.i18n.cli
return { en = {}, ja = {} }
