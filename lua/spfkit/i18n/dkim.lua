--- DKIM messages (see `spfkit.i18n`): the findings of spfkit.dkim (key
-- records, lookups, verification), in English and Japanese side by side.
-- Values (names, records) are quoted with 「」 in Japanese.
-- @module spfkit.i18n.dkim

local en, ja = {}, {}

-- Key records -------------------------------------------------------------------
en["dkim-key-revoked"] = "The DKIM key record has an empty p=: the key is revoked, and every signature with this "
  .. "selector fails."
ja["dkim-key-revoked"] = "DKIM の鍵レコードの p= が空です。鍵が失効扱いになり、このセレクタの署名はすべて失敗します。"
en["dkim-key-weak"] = "The DKIM key has only {bits} bits: receivers such as Gmail ignore keys shorter than {min} bits. "
  .. "Generate a 2048-bit key."
ja["dkim-key-weak"] = "DKIM の鍵が {bits} ビットしかありません。Gmail などの受信側は {min} ビット未満の鍵を無視します。"
  .. "2048 ビットの鍵を生成してください。"
en["dkim-key-short"] = "The DKIM key has {bits} bits; {good} bits are recommended (RFC 8301)."
ja["dkim-key-short"] = "DKIM の鍵は {bits} ビットです。{good} ビットが推奨されています(RFC 8301)。"
en["dkim-testing"] = "The DKIM key record is in testing mode (t=y): receivers may treat failures as if unsigned. "
  .. "Remove t=y once signatures pass."
ja["dkim-testing"] = "DKIM の鍵レコードがテストモード(t=y)です。署名が成功するようになったら t=y を削除してください。"
en["dkim-unknown-k"] = "The DKIM key type k={k} is unknown: use k=rsa (or k=ed25519)."
ja["dkim-unknown-k"] = "DKIM の鍵の種類 k={k} は不明です。k=rsa(または k=ed25519)を指定してください。"
en["dkim-bad-version"] = "The DKIM key record has v={v}; it must be v=DKIM1 (or no v= at all)."
ja["dkim-bad-version"] = "DKIM の鍵レコードが v={v} になっています。v=DKIM1 にしてください(省略も可)。"
en["dkim-not-for-email"] = "The DKIM key record limits the key to services s={s} that do not include email."
ja["dkim-not-for-email"] = "DKIM の鍵レコードの s={s} にメール(email)が含まれていないため、メールの署名に使えません。"
en["dkim-no-p"] = "The DKIM key record has no p= tag (the public key)."
ja["dkim-no-p"] = "DKIM の鍵レコードに p=(公開鍵)がありません。"
en["dkim-key-bad-base64"] = "The p= value is not valid base64 (character {position} of {length}: 「{char}」). "
  .. "Copy the value again from the provider's panel."
ja["dkim-key-bad-base64"] = "p= の値が base64 として正しくありません({length} 文字中 {position} 文字目:「{char}」)。"
  .. "提供元の管理画面から値をコピーし直してください。"
local CAUSE_EN = {
  quotes = "quotes were pasted inside it (\" \" or \"\") when it was split into 255-byte strings: enter "
    .. "each string in its own quotes, or the whole value without quotes, as the panel expects",
  escapes = "it contains backslashes from a zone file: enter the value without escapes",
  truncated = "it was cut: {bytes} of the {need} bytes of the key are there. Copy the whole value (it is "
    .. "longer than 255 characters; some panels cut it)",
  ["wrong-type"] = "it holds a key of another type than k={k}",
  unknown = "it was probably cut or altered when pasted",
}
local CAUSE_JA = {
  quotes = "255 バイトずつに分けたときに引用符(\" \" や \"\")が値の中に入ってしまっています。"
    .. "管理画面の指定どおり、各文字列をそれぞれ引用符で囲むか、値全体を引用符なしで入力してください",
  escapes = "ゾーンファイルのバックスラッシュが含まれています。エスケープを付けずに入力してください",
  truncated = "値が途中で切れています(鍵 {need} バイトのうち {bytes} バイトのみ)。255 文字を超える長い値なので、"
    .. "全体をコピーしてください(途中で切ってしまう管理画面があります)",
  ["wrong-type"] = "k={k} とは別の種類の鍵が入っています",
  unknown = "貼り付けの際に切れたか変わってしまった可能性があります",
}
local function fill(t, p)
  return (t:gsub("{([%a_]+)}", function(k) return p[k] ~= nil and tostring(p[k]) or nil end))
end
en["dkim-key-not-a-key"] = function(p)
  return "The p= value is not a public key: " .. fill(CAUSE_EN[p.cause] or CAUSE_EN.unknown, p) .. "."
end
ja["dkim-key-not-a-key"] = function(p)
  return "p= の値が公開鍵になっていません。" .. fill(CAUSE_JA[p.cause] or CAUSE_JA.unknown, p) .. "。"
end
en["dkim-syntax"] = "The DKIM record or signature is not a valid tag list (at character {position})."
ja["dkim-syntax"] = "DKIM のレコードまたは署名のタグの書き方が正しくありません({position} 文字目)。"
en["dkim-too-long"] = "The DKIM record or signature is longer than any DNS record or header can be."
ja["dkim-too-long"] = "DKIM のレコードまたは署名が、DNS レコードやヘッダーとしてありえない長さです。"
en["dkim-duplicate-tag"] = "The tag {tag}= appears twice."
ja["dkim-duplicate-tag"] = "タグ {tag}= が 2 回書かれています。"

-- Lookups -----------------------------------------------------------------------
en["dkim-record-syntax"] = function(p)
  return ("The DKIM record at %s cannot be read (at character %s: %s).%s"):format(p.name, tostring(p.position),
    tostring(p.detail), p.quotes and " It contains quotes: enter the value without the quotes around or inside it."
    or "")
end
ja["dkim-record-syntax"] = function(p)
  return ("「%s」の DKIM レコードを読み取れません(%s 文字目:%s)。%s"):format(p.name, tostring(p.position),
    tostring(p.detail), p.quotes and "引用符が含まれています。値の前後や途中の引用符を除いて入力してください。" or "")
end
en["dkim-multiple-records"] = "{name} has {count} DKIM records: receivers pick one at random. Keep only one."
ja["dkim-multiple-records"] = "「{name}」に DKIM レコードが {count} 件あります。受信側はどれを使うか決まらないため、1 件だけにしてください。"
en["dkim-no-key"] = function(p)
  return ("No DKIM key is published at %s (%s): signatures with selector %s cannot be verified."):format(p.name,
    p.nxdomain and "the name does not exist" or "the name has no TXT record", tostring(p.selector))
end
ja["dkim-no-key"] = function(p)
  return ("「%s」に DKIM の公開鍵が設定されていません(%s)。セレクタ「%s」の署名を検証できません。"):format(p.name,
    p.nxdomain and "名前が存在しません" or "TXT レコードがありません", tostring(p.selector))
end
en["dkim-cname-dangling"] = "{name} is a CNAME to {target}, which does not exist: the provider's DKIM setup for the "
  .. "domain is not finished, or the CNAME value is wrong."
ja["dkim-cname-dangling"] = "「{name}」は CNAME で「{target}」を指していますが、その名前が存在しません。提供元での DKIM の"
  .. "設定が完了していないか、CNAME の値が間違っています。"
en["dkim-cname-loop"] = "The CNAMEs from {name} loop or are too long (stopped at {target})."
ja["dkim-cname-loop"] = "「{name}」からの CNAME がループしているか、長すぎます(「{target}」で停止)。"
en["dkim-doubled-name"] = "The DKIM key was published at {found} instead of {name}: the panel added the domain to a "
  .. "name that already ended with it. Enter only the part before the domain (e.g. default._domainkey)."
ja["dkim-doubled-name"] = "DKIM の鍵が「{name}」ではなく「{found}」に設定されています。管理画面がドメイン名を自動で付け足すため、"
  .. "ドメイン名より前の部分(例:default._domainkey)だけを入力してください。"
en["dkim-no-domainkey-label"] = "The DKIM key was published at {found} instead of {name}: the name needs "
  .. "._domainkey after the selector."
ja["dkim-no-domainkey-label"] = "DKIM の鍵が「{name}」ではなく「{found}」に設定されています。セレクタの後ろに「._domainkey」が必要です。"
en["dkim-wrong-type"] = "The DKIM key at {name} was published as type {type}; receivers read only TXT. Publish it "
  .. "as a TXT record."
ja["dkim-wrong-type"] = "「{name}」の DKIM の鍵がタイプ {type} で設定されています。受信側は TXT しか見ないため、TXT レコードとして設定してください。"
en["dkim-temperror"] = "The DKIM key at {name} could not be looked up ({rcode}); try again later."
ja["dkim-temperror"] = "「{name}」の DKIM の鍵を取得できませんでした({rcode})。時間をおいて再度お試しください。"

-- Verification ------------------------------------------------------------------
en["dkim-verify-pass"] = "The DKIM signature of {d} (selector {s}) verifies with the published key."
ja["dkim-verify-pass"] = "{d}(セレクタ {s})の DKIM 署名は、公開されている鍵で正しく検証できます。"
en["dkim-verify-headers-only"] = "The DKIM signature of {d} (selector {s}) verifies over the headers with the "
  .. "published key; the body was not available, so the body hash was not checked."
ja["dkim-verify-headers-only"] = "{d}(セレクタ {s})の DKIM 署名はヘッダー部分について公開鍵で検証できました。"
  .. "本文がないため、本文のハッシュは確認していません。"
en["dkim-verify-body-changed"] = "The body of the message no longer matches the DKIM signature of {d} (selector {s}): "
  .. "it was changed after signing (a footer, a forwarder, or a line-ending conversion)."
ja["dkim-verify-body-changed"] = "{d}(セレクタ {s})の DKIM 署名と本文が一致しません。署名後に本文が変更されています"
  .. "(フッターの追加、転送、改行コードの変換など)。"
en["dkim-verify-key-mismatch"] = "The DKIM signature of {d} (selector {s}) does not verify with the key published at "
  .. "{name}: the server signs with another key (publish the current one from the panel), or a signed header was "
  .. "changed on the way."
ja["dkim-verify-key-mismatch"] = "{d}(セレクタ {s})の DKIM 署名が「{name}」の公開鍵で検証できません。サーバーが別の鍵で"
  .. "署名しているため(管理画面の現在の値を設定してください)か、署名されたヘッダーが途中で変更されています。"
en["dkim-verify-no-key"] = "No DKIM key is published at {name}, so the signature of {d} (selector {s}) cannot pass."
ja["dkim-verify-no-key"] = "「{name}」に DKIM の公開鍵がないため、{d}(セレクタ {s})の署名は検証に成功しません。"
en["dkim-verify-key-revoked"] = "The key at {name} is revoked (empty p=), so the signature of {d} cannot pass."
ja["dkim-verify-key-revoked"] = "「{name}」の鍵が失効扱い(p= が空)のため、{d} の署名は検証に成功しません。"
en["dkim-verify-key-unusable"] = "The key at {name} cannot be used (see the key findings), so the signature of {d} "
  .. "cannot pass."
ja["dkim-verify-key-unusable"] = "「{name}」の鍵が使えない状態のため(鍵についての指摘を参照)、{d} の署名は検証に成功しません。"
en["dkim-verify-dns-temperror"] = "The key at {name} could not be looked up; the signature of {d} was not checked."
ja["dkim-verify-dns-temperror"] = "「{name}」の鍵を取得できなかったため、{d} の署名は確認できませんでした。"
en["dkim-verify-expired"] = "The DKIM signature of {d} has expired (x=)."
ja["dkim-verify-expired"] = "{d} の DKIM 署名の有効期限(x=)が切れています。"
en["dkim-verify-permerror"] = "The DKIM signature of {d} cannot be evaluated ({reason})."
ja["dkim-verify-permerror"] = "{d} の DKIM 署名を評価できません({reason})。"

return { en = en, ja = ja }
