--- html messages (see `spfkit.i18n`): { en = {...}, ja = {...} }.
-- The words only the HTML report (`spfkit.report.html`) shows: copy
-- buttons and their feedback, the notes beside the value and the zone-file
-- line, the zone and provider lines. Values are quoted with 「」 in Japanese.
-- @module spfkit.i18n.html

local en, ja = {}, {}

-- Copy buttons (the label, then what the button says for two seconds) ---------
en["html-copy"] = "Copy"
ja["html-copy"] = "コピー"
en["html-copied"] = "Copied"
ja["html-copied"] = "コピーしました"
en["html-copy-failed"] = "Selected: press Ctrl+C (⌘C)"
ja["html-copy-failed"] = "選択しました。Ctrl+C(⌘C)でコピーしてください"

-- Notes beside the labels of the fix ------------------------------------------
en["html-note-value"] = "without quotes, as most control panels take it"
ja["html-note-value"] = "引用符なし(多くのコントロールパネルではこちらを入力します)"
en["html-note-zone-line"] = "with quotes, for a zone file"
ja["html-note-zone-line"] = "引用符付き(ゾーンファイルに書く場合)"
en["html-label-zone"] = "DNS zone (the panel to open)"
ja["html-label-zone"] = "DNS ゾーン(設定画面を開くドメイン)"
en["html-label-host"] = "Host"
ja["html-label-host"] = "ホスト名"

-- The provider line -------------------------------------------------------------
en["html-provider"] = "Your provider: {name}"
ja["html-provider"] = "ご利用の事業者: {name}"
en["html-provider-from"] = "(recognised from {from})"
ja["html-provider-from"] = "({from}から判定)"
en["html-provider-from-host"] = "(recognised from {from}: {host})"
ja["html-provider-from-host"] = "({from}「{host}」から判定)"
en["html-from-reporting-mta"] = "the server that sent the bounce"
ja["html-from-reporting-mta"] = "エラーメールを送ったサーバー"
en["html-from-mail-system"] = "the bounce's \"mail system at host\" line"
ja["html-from-mail-system"] = "エラーメールの「This is the mail system at host」の行"
en["html-from-received"] = "a Received: header of the returned mail"
ja["html-from-received"] = "返送されたメールの Received: ヘッダー"
en["html-from-ptr"] = "the host name of the sending IP address"
ja["html-from-ptr"] = "送信元 IP アドレスのホスト名"
en["html-from-record"] = "the include: of your current SPF record"
ja["html-from-record"] = "現在の SPF レコードの include:"
en["html-from-include"] = "the include: of your current SPF record"
ja["html-from-include"] = "現在の SPF レコードの include:"
en["html-from-caller"] = "the provider given to the diagnosis"
ja["html-from-caller"] = "診断時に指定された事業者"

return { en = en, ja = ja }
