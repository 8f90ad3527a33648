--- Japanese messages (see `spfkit.i18n`). Placeholders: `{name}`.
-- ホスティングのお客様向けに、各社のお知らせと同じ丁寧な調子で書いています。
-- @module spfkit.i18n.ja

local SYNTAX = {
  ["not-spf"] = "SPFレコードは必ず「v=spf1」で始まる必要があります",
  ["unknown-mechanism"] = "SPFで使用できる記述ではありません(綴りをご確認ください。修飾子は「=」で指定します)",
  ["bad-cidr"] = "「/」の後の数値(プレフィックス長)が正しくありません(IPv4は0〜32、IPv6は0〜128、先頭に0は付けません)",
  ["bad-ip4"] = "IPv4アドレスの形式が正しくありません(例: ip4:192.0.2.1)",
  ["bad-ip6"] = "IPv6アドレスの形式が正しくありません(例: ip6:2001:db8::1)",
  ["missing-domain"] = "「:」または「=」の後にドメイン名がありません",
  ["bad-all"] = "「all」には値を付けられません",
  ["bad-domain"] = "ドメイン名の形式が正しくありません(「.jp」「.com」などで終わる名前を、ポート番号やパスを付けずに記述してください)",
  ["duplicate-modifier"] = "「redirect=」「exp=」はそれぞれ1回しか記述できません",
  ["bad-macro"] = "「%」で始まるマクロの記述が正しくありません",
  ["bad-modifier"] = "「=」の前に修飾子の名前がありません",
  ["non-ascii"] = "全角スペースや全角文字など、半角英数字以外の文字が含まれています",
  ["control-character"] = "改行やタブなどの制御文字が含まれています",
  ["bad-qualifier"] = "限定子は「+」「-」「~」「?」のいずれかです",
}

local COMPAT = {
  cidr0 = "「{term}」のプレフィックス長「/0」は RFC 7208 では有効ですが、libspf2(Exim、OpenDMARC、各種 milter "
    .. "が利用)は構文エラーとして扱います。これらの受信サーバーではレコード全体が無効(permerror または invalid)となり、"
    .. "SPF認証に合格しません。",
  ["bad-domain"] = "「{term}」は RFC 7208 では無効です(Gmail では permerror)が、libspf2(Exim、OpenDMARC、milter)"
    .. "は警告のみでそのまま問い合わせを行います。受信サーバーによって判定結果が異なる可能性がございます。",
  ["empty-domain"] = "「{term}」はドメイン名が空のため RFC 7208 では無効です(Gmail では permerror)が、libspf2"
    .. "(Exim、OpenDMARC、milter)は受け付けて処理を続けます。受信サーバーによって判定結果が異なります。",
  ["duplicate-modifier"] = "「{term}」は修飾子の重複のため RFC 7208 では無効です(Gmail では permerror)が、libspf2"
    .. "(Exim、OpenDMARC、milter)は受け付けます。一部の受信サーバーでは動作しているように見えますが、Gmail では認証に失敗します。",
  ["leading-zero-cidr"] = "「{term}」のプレフィックス長は先頭に0が付いているため RFC 7208 では無効ですが、libspf2"
    .. "(Exim、OpenDMARC、milter)は受け付けます。一部の受信サーバーでのみ動作しているように見えます。",
  ["redirect-colon"] = "「{term}」は「redirect=」と記述してください。libspf2(Exim、milter)はコロン形式も受け付けますが、"
    .. "Gmail など RFC 7208 に従う受信サーバーでは permerror となります。",
  ["bad-macro"] = "「{term}」のマクロは RFC 7208 では無効ですが、libspf2(Exim、milter)は文字どおりに解釈します。"
    .. "受信サーバーによって判定結果が異なります。",
  ["dotted-modifier"] = "修飾子名に「.」を含む「{term}」は RFC 7208 では有効ですが、libspf2(Exim、OpenDMARC、milter)"
    .. "では解釈できず、レコード全体が無効として扱われます。",
  ["redirect-with-all"] = "libspf2(Exim、milter)は「all」があっても「{term}」をたどります。Gmail など RFC 7208 "
    .. "に従う受信サーバーはこれを無視するため、受信サーバーによって判定結果が異なる場合がございます。",
  ["include-limit"] = "libspf2(Exim、milter)は include ごとに DNS 参照回数を数え直すため、Gmail では permerror "
    .. "となるこのレコード(参照 {lookups} 回)でも、これらの受信サーバーでは認証に合格する場合がございます。",
  ["void-limit"] = "libspf2(Exim、milter)には「該当なし」となる参照回数の上限がないため、Gmail では permerror "
    .. "となるこのレコードでも、これらの受信サーバーでは評価が続けられます。",
  crash = "このレコードは Debian の libspf2 1.2.10 を異常終了させる形(CVE-2023-42118: 多数の %{d} マクロを含む長い名前)"
    .. "です。libspf2 を利用する受信サーバー(Exim、milter)では、メールの受信が保留または失敗する場合がございます。"
    .. "マクロを簡潔にしてください。",
  accepted = "「{term}」は RFC 7208 では無効です(Gmail では permerror)が、libspf2(Exim、OpenDMARC、milter)は"
    .. "受け付けます。一部の受信サーバーでは動作しているように見えても、Gmail では認証に失敗します。",
  compiler = "libspf2(Exim、OpenDMARC、milter)は、このレコードを RFC 7208 と異なる形で判定します: {detail}",
}

local function syntax_detail(p)
  return SYNTAX[p.error_code] or "構文エラーです"
end

return {
  -- lint findings ---------------------------------------------------------
  ["no-record"] = function(p)
    if p.reason == "nxdomain" then
      return "ドメイン名「" .. (p.domain or "?") .. "」が DNS に存在しないため、SPFレコードもありません。"
        .. "ドメイン名の綴りと、ネームサーバーの設定をご確認ください。"
    end
    return (p.domain and ("「" .. p.domain .. "」の") or "") .. "SPFレコードが見つかりません。"
      .. "この場合 Gmail などの受信サーバーでは SPF が「none」と判定され、メールが受信拒否される"
      .. "(550-5.7.26)可能性がございます。「v=spf1」から始まる TXT レコードを追加してください。"
  end,
  ["multiple-records"] = "「{domain}」に SPFレコード(「v=spf1」から始まる TXT レコード)が {count} 件登録されています。"
    .. "SPFレコードは1件しか登録できないため、すべての受信サーバーで permerror となり、SPF認証に失敗します。"
    .. "1行の半角スペース区切りにまとめて1件とし、ほかのレコードは削除してください。",
  ["syntax"] = function(p)
    return "SPFレコードの「" .. (p.term or "") .. "」(" .. tostring(p.position or "?") .. "文字目)に誤りがあります: "
      .. syntax_detail(p) .. "。受信サーバーではレコード全体が permerror となり、SPF認証に失敗します。"
  end,
  ["too-many-lookups"] = "このレコードは DNS 参照(include、a、mx、ptr、exists、redirect。include 先も含めて数えます)"
    .. "が {lookups} 回必要ですが、SPF では {limit} 回までと決められています。Gmail などの受信サーバーでは permerror "
    .. "となります。ご利用になっていない include を削除するか、一部を ip4:/ip6: のアドレス指定に置き換えてください。",
  ["too-many-void-lookups"] = "このレコードには、参照しても何も見つからない(存在しない名前・データなし)記述が "
    .. "{void_lookups} 件あります。SPF では {limit} 件までのため、受信サーバーでは permerror となります。"
    .. "存在しない名前を指している記述を削除してください。",
  ["plus-all"] = "「{term}」はインターネット上のすべてのサーバーに、お客様のドメイン名でのメール送信を許可する設定です。"
    .. "SPF の意味がなくなり、なりすましメールに悪用されるおそれがございます。末尾は「~all」(または「-all」)としてください。",
  ["ptr"] = "「{term}」は処理が遅く不安定なため RFC 7208 で非推奨とされており、無視する受信サーバーもございます。"
    .. "ip4:/ip6: のアドレス指定または a: のホスト名指定に置き換えてください。",
  ["no-all"] = "レコードの末尾に「all」も「redirect=」もないため、記載のないサーバーからのメールは「neutral」と判定されます。"
    .. "各社のご案内のとおり、末尾に「~all」を追加してください。",
  ["after-all"] = "「{term}」は「{all}」より後ろにあるため評価されません(受信サーバーは「all」で判定を終えます)。"
    .. "「{all}」より前に移動してください。",
  ["redirect-ignored"] = "レコードに「{all}」があるため、「{term}」は無視されます。どちらか一方にしてください"
    .. "(「{all}」を残す場合は、redirect 先の内容を include: で追加してください)。",
  ["string-too-long"] = function(p)
    if p.published then
      return "このレコードの TXT 文字列が " .. tostring(p.length) .. " バイトあります。DNS の文字列は1つあたり "
        .. tostring(p.limit) .. " バイトまでのため、ダブルクォートで囲んだ複数の文字列に分けて登録してください(spfkit.txt で分け方を確認できます)。"
    end
    return "レコードの長さが " .. tostring(p.length) .. " バイトあります。TXT の文字列は1つあたり "
      .. tostring(p.limit) .. " バイトまでのため、"
      .. "1件の TXT レコードの中で、ダブルクォートで囲んだ複数の文字列に分けて登録してください"
      .. "(spfkit.txt で分け方を確認できます。自動で分割する DNS 管理画面もございます)。"
  end,
  ["record-too-long"] = function(p)
    local s = "レコードの長さが " .. tostring(p.length) .. " バイトあります。DNS の応答が1つの UDP パケットに収まるよう、"
      .. "RFC 7208 では " .. tostring(p.limit) .. " バイト未満に抑えることが推奨されています。"
    if p.over512 then
      s = s .. "512 バイトを超えると、EDNS や TCP に対応していない受信サーバーではレコードを読み取れません。"
    end
    return s .. "不要になった記述を削除するなどして短くしてください。"
  end,
  ["duplicate-include"] = "「{term}」が重複して指定されています。重複分は DNS 参照回数を増やすだけで効果がないため、削除してください。",
  ["include-loop"] = "「{term}」をたどると、評価中の「{target}」に戻ってしまいます(レコードが自分自身を参照しています)。"
    .. "受信サーバーでは permerror となりますので、循環している include または redirect を削除してください。",
  ["include-no-record"] = "「{term}」の参照先「{target}」には SPFレコードがありません。受信サーバーではレコード全体が "
    .. "permerror となります。ご利用サービスの案内と綴りが一致しているかご確認ください。",
  ["quoted-value"] = function(p)
    local kind = p.typographic and "全角の引用符(“ ”)" or "ダブルクォート(\")"
    if p.published then
      return "登録されている TXT レコードの値そのものが" .. kind .. "で始まっている(または終わっている)ため、"
        .. "受信サーバーで SPFレコードとして認識されません。余分な引用符を除いて登録し直してください: " .. (p.fix or "")
    end
    if p.typographic then
      return "値に全角の引用符(“ ”)が含まれています。Webページからコピーした際に混入したものと思われます。"
        .. "DNS 管理画面ではそのまま値の一部として登録され、SPF が機能しません。半角のダブルクォート(\")を使うか、"
        .. "引用符なしで入力してください: " .. (p.fix or "")
    end
    return "値がダブルクォート(\")で囲まれています。ゾーンファイルや、ダブルクォートでの入力を求める DNS 管理画面では"
      .. "このままで正しいですが、入力した文字をそのまま登録する管理画面では引用符もレコードの一部となり、SPF が機能しません。"
      .. "レコード本体は次のとおりです: " .. (p.fix or "")
  end,
  ["spf-rr-type"] = "「{domain}」には、廃止されたレコードタイプ「SPF」(タイプ99)のレコードも登録されています。"
    .. "RFC 7208 で廃止されており、受信サーバーは TXT レコードのみを参照します。SPF タイプのレコードは削除し、"
    .. "TXT レコードを残してください(レコードタイプは SPF ではなく TXT を選択してください)。",
  ["mx-no-address"] = function(p)
    if p.reason == "no-mx" then
      return "「" .. (p.term or "mx") .. "」: 「" .. (p.target or "?") .. "」には MX レコードがないため、この記述は一致せず、"
        .. "「該当なし」の DNS 参照として数えられます。"
    end
    return "「" .. (p.term or "mx") .. "」: 「" .. (p.target or "?") .. "」のメールサーバーに IP アドレスが登録されていないため、"
      .. "この記述は一致しません。"
  end,
  ["a-no-address"] = "「{term}」: 「{target}」には IPv4/IPv6 アドレスが登録されていないため、この記述は一致せず、"
    .. "「該当なし」の DNS 参照として数えられます。ホスト名をご確認ください。",
  ["compat-libspf2"] = function(p)
    local t = COMPAT[p.kind] or COMPAT.compiler
    return (t:gsub("{(%w+)}", function(k) return p[k] ~= nil and tostring(p[k]) or nil end))
  end,
  ["version-typo"] = "TXT レコード「{text}」は SPFレコードのように見えますが、正確に「v=spf1」で始まっていないため、"
    .. "受信サーバーに無視されます。次のように修正してください: {fix}",
  ["fullwidth-character"] = "レコードに全角スペースや全角英数字が含まれています。SPF では半角文字しか使えません。"
    .. "日本語入力をオフにして、次のように入力し直してください: {fix}",
  ["dns-temperror"] = "「{target}」の DNS 参照({qtype})に応答がありませんでした。受信サーバーでは temperror となり、"
    .. "メールの受信が保留される場合がございます。このため確認を完了できませんでした。時間をおいて再度お試しいただき、"
    .. "「{target}」のネームサーバーもご確認ください。",
  ["private-address"] = "「{term}」はプライベート(ローカル)アドレスです。インターネット上の受信サーバーにはこのアドレスから"
    .. "メールが届くことはありません。コントロールパネルに表示されているサーバーのグローバル IP アドレスを指定してください。",
  ["wide-range"] = "「{term}」は約 {count} 個のアドレスを許可しており、メールサーバーに必要な範囲を大きく超えています。"
    .. "この範囲の誰もがお客様のドメイン名でメールを送信できてしまいますので、ご利用サーバーのアドレスのみを指定してください。",

  -- build and merge -------------------------------------------------------
  ["unknown-provider"] = "プロバイダー「{id}」は登録されていません。spfkit.providers.list() で一覧をご確認ください。",
  ["missing-param"] = "プロバイダー「{id}」には「{param}」の指定が必要です。{description_ja}",
  ["bad-param"] = "「{value}」はプロバイダー「{id}」の「{param}」として正しくありません(例: {example})。",
  ["bad-term"] = function(p)
    return "「" .. tostring(p.term) .. "」は SPF の記述として正しくありません: " .. syntax_detail(p) .. "。"
  end,
  ["bad-all"] = "「{value}」は「all」の限定子ではありません。「~」(各社のご案内と同じ softfail)、「-」、「?」のいずれかを指定してください。",
  ["merge-too-many-lookups"] = "まとめたレコードは DNS 参照が {lookups} 回必要になり、上限の {limit} 回を超えるため、"
    .. "受信サーバーでは permerror となります。そのためレコードは作成していません。ご利用になっていない include を削除するか、"
    .. "下記のフラット化した案をご検討ください。",
  ["flatten-proposal"] = "フラット化案: {flattened} を、現時点({date})で公開されている ip4:/ip6: アドレスに置き換えました。"
    .. "DNS 参照は {lookups} 回に収まりますが、提供元がサーバーを変更してもお客様のレコードには反映されず、"
    .. "いずれ古くなります。定期的に確認し直してください。",
  ["flatten-unavailable"] = "DNS が指定されていない(dns=)か、include 先でマクロ・exists・ptr が使われているため、"
    .. "フラット化した案を作成できませんでした。",
  ["lookups-estimated"] = "DNS 参照回数 {lookups} 回はレコードの記述のみから数えたもので、include 先でさらに増える場合がございます。"
    .. "dns= を指定すると include 先まで数えます。",
  ["redirect-to-include"] = "「{term}」は「include:{target}」に変換しました。redirect は1件のレコードに1つしか記述できず、"
    .. "「all」がある場合は無視されるためです。",
  ["all-conflict"] = "まとめたレコードの末尾の指定が異なっていました({alls})。まとめたレコードでは「{all}」としています。",
  ["qualifier-conflict"] = "「{term}」は追加していません。同じ値に対する「{existing}」がすでに記述されています。",
  ["not-spf-ignored"] = "「{text}」は SPFレコードではないため、まとめる対象から除きました。別の TXT レコードとしてそのまま残してください。",
  ["exp-dropped"] = "「{term}」は除きました。exp= は1件のレコードに1つしか記述できません。",

  -- txt presentation notes -----------------------------------------------
  ["txt-name"] = "レコード名(ホスト名): 「@」(空白で入力する管理画面もございます)、または末尾にピリオドを付けた「{fqdn}」と"
    .. "してください。ピリオドがないと「{bare}」は「{doubled}」として登録されてしまいます。",
  ["txt-name-sub"] = "レコード名(ホスト名): 「{name}」(ゾーン内の名前)、または末尾にピリオドを付けた「{fqdn}」と"
    .. "してください。ピリオドがないと「{bare}」は「{doubled}」として登録されてしまいます。",
  ["txt-type"] = "レコードタイプ: TXT(※SPF は選択しないでください。受信サーバーは TXT のみを参照します)。",
  ["txt-quotes"] = "値の前後には半角のダブルクォート(\")を付けてください(管理画面やゾーンファイルが求める場合)。"
    .. "Webページからコピーした全角の引用符(“ ”)は使わないでください。",
  ["txt-split"] = "値が {limit} バイトを超えるため、ダブルクォートで囲んだ {count} 個の文字列に分けています。"
    .. "すべてを1件の TXT レコードに入力してください(受信サーバーは空白を挟まずに連結して読み取ります)。",
  ["txt-ttl"] = "TTL: {ttl} 秒(60以上の数値を入れてください)。",
  ["txt-ttl-low"] = "TTL {ttl} は短すぎます。60 秒以上(通常は 3600)を指定してください。",
  ["txt-one-record"] = "すでに「v=spf1」から始まる TXT レコードがある場合は、2件目を追加せずに既存のレコードを編集してください"
    .. "(SPFレコードが2件あると SPF認証に失敗します)。google-site-verification などほかの TXT レコードはそのまま残してください。",
  ["txt-propagation"] = "変更後の情報がインターネット全般に反映されるまで、数時間程度かかる場合がございます。"
    .. "少し時間を置いてから Gmail への送信をお試しください。",

  -- what-if -----------------------------------------------------------------
  ["whatif-fixed"] = "ご提案のレコードにすると、{ip} からのメールは SPF「{after}」となります(現在は「{before}」)。",
  ["whatif-broken"] = "ご注意ください: ご提案のレコードにすると、{ip} からのメールは SPF「{after}」となります"
    .. "(現在は「{before}」)。",
  ["whatif-still-failing"] = "ご提案のレコードでは解決しません。{ip} からのメールは引き続き SPF「{after}」となります"
    .. "(現在は「{before}」)。",
  ["whatif-unchanged"] = "{ip} からのメールは、現在もご提案のレコードでも SPF「{after}」です。",
  ["whatif-changed"] = "ご提案のレコードにすると、{ip} からのメールは SPF「{before}」から「{after}」に変わります。",
}
