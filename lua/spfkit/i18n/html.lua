--- html messages (see `spfkit.i18n`): { en = {...}, ja = {...} }.
-- The words only the HTML report (`spfkit.report.html`) shows: copy
-- buttons and their feedback, the notes beside the value and the zone-file
-- line, the zone and provider lines. Values are quoted with 「」 in Japanese.
-- @module spfkit.i18n.html

local en, ja = {}, {}

-- Copy buttons (the label, then what the button says for two seconds) ---------
en["label-html-copy"] = "Copy"
ja["label-html-copy"] = "コピー"
en["label-html-copied"] = "Copied"
ja["label-html-copied"] = "コピーしました"
en["label-html-copy-failed"] = "Selected: press Ctrl+C (⌘C)"
ja["label-html-copy-failed"] = "選択しました。Ctrl+C(⌘C)でコピーしてください"

-- Notes beside the labels of the fix ------------------------------------------
en["label-html-note-value"] = "without quotes"
ja["label-html-note-value"] = "引用符なし"
en["label-html-note-zone-line"] = "with quotes, for a zone file"
ja["label-html-note-zone-line"] = "引用符付き(ゾーンファイルに書く場合)"
en["label-html-zone"] = "DNS zone (the panel to open)"
ja["label-html-zone"] = "DNS ゾーン(設定画面を開くドメイン)"

-- The provider line -------------------------------------------------------------
en["label-html-provider"] = "Your provider: {name}"
ja["label-html-provider"] = "ご利用の事業者: {name}"
en["label-html-provider-from"] = "(recognised from {from})"
ja["label-html-provider-from"] = "({from}から判定)"
en["label-html-provider-from-host"] = "(recognised from {from}: {fqdn})"
ja["label-html-provider-from-host"] = "({from}「{fqdn}」から判定)"
en["label-html-from-reporting-mta"] = "the server that sent the bounce"
ja["label-html-from-reporting-mta"] = "エラーメールを送ったサーバー"
en["label-html-from-mail-system"] = "the bounce's \"mail system at host\" line"
ja["label-html-from-mail-system"] = "エラーメールの「This is the mail system at host」の行"
en["label-html-from-received"] = "a Received: header of the returned mail"
ja["label-html-from-received"] = "返送されたメールの Received: ヘッダー"
en["label-html-from-ptr"] = "the host name of the sending IP address"
ja["label-html-from-ptr"] = "送信元 IP アドレスのホスト名"
en["label-html-from-record"] = "the include: of your current SPF record"
ja["label-html-from-record"] = "現在の SPF レコードの include:"
en["label-html-from-include"] = "the include: of your current SPF record"
ja["label-html-from-include"] = "現在の SPF レコードの include:"
en["label-html-from-caller"] = "the provider given to the diagnosis"
ja["label-html-from-caller"] = "診断時に指定された事業者"

return { en = en, ja = ja }
