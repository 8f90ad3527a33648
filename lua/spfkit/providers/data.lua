--- SPF values published by hosting providers and mail senders.
--
-- Plain data, one entry per provider, used by `spfkit.providers`.
-- Every value comes from the public page in `source`; nothing here is
-- guessed. Terms never contain `all`, `redirect=` or `v=spf1`: the record
-- builder adds those. Placeholders:
--
--   `{ip}`   the server's IP address; becomes `ip4:<ip>` or `ip6:<ip>`
--            (a qualifier may precede it: `+{ip}`)
--   `{host}` the server's host name, inside a term (`a:{host}`)
--
-- Every parameter listed in `params` is required.
--
-- Optional fields: `panel` (where the provider's control panel shows the
-- authoritative value, when it may differ per account), `refs` (further
-- public pages worth reading), `hosts` (Lua patterns of the provider's
-- mail server host names, as its documents show them: a bounce's
-- reporting MTA, "This is the mail system at host ...", Received: or the
-- IP's PTR name matching one names the provider; when the template has a
-- `{host}` parameter, the matched name fills it) and `value_quotes`
-- (true: the provider's panel takes the TXT value with its double quotes
-- typed, as its notice shows; nil: not documented).
--
-- @module spfkit.providers.data

local function ip_param(en, ja, example)
  return { description = { en = en, ja = ja }, example = example or "192.0.2.1" }
end

local function host_param(en, ja, example)
  return { description = { en = en, ja = ja }, example = example }
end

return {
  -- ------------------------------------------------------------------
  -- The providers of the source notices (shared/seeds/)
  -- ------------------------------------------------------------------
  {
    id = "zenlogic",
    -- seed 000: "This is the mail system at host ******-*******00000.znlc.jp."
    hosts = { "%.znlc%.jp$" },
    value_quotes = true,   -- seed 000: 設定値 :"v=spf1 ip4:... ~all" (quotes typed)
    name = { en = "Zenlogic hosting", ja = "Zenlogic ホスティング" },
    terms = { "{ip}" },
    params = {
      ip = ip_param(
        "IP address of your Zenlogic server (Control panel > Server information).",
        "ご利用サーバーのIPアドレス([コントロールパネル] > [サーバー情報] で確認できます)。",
        "164.0.1.2"),
    },
    source = "https://faq.zenlogic.jp/faqs/FAQ01157",
    notes = {
      en = "Zenlogic offers no DKIM, so SPF is the only authentication your mail can pass. "
        .. "Domains added on or after 2023-07-05 get this record automatically; older ones need it added. "
        .. "Choose record type TXT, not SPF, and leave the host name empty.",
      ja = "Zenlogic ホスティングでは DKIM が提供されていないため、SPF レコードで対応する必要があります。"
        .. "2023年7月5日以降に追加したドメインには自動で設定されますが、それ以前のドメインはお客様による追加が必要です。"
        .. "レコードタイプは TXT を選び(SPF は選択しない)、ホスト名は空白にしてください。",
    },
  },
  {
    id = "willnet",
    hosts = { "%.willnet%.ad%.jp$", "%.willnet%.ne%.jp$" },
    value_quotes = true,   -- seed 001: テキスト: "v=spf1 ..." ("前後の""なし" is its common mistake)
    name = { en = "Willnet (shared server)", ja = "ウイルネット(共用サーバー)" },
    terms = { "a", "mx", "include:spf01.willnet.ad.jp" },
    params = {},
    source = "https://www.willnet.ad.jp/12867-2/",
    notes = {
      en = "For Willnet shared servers. Record name: \"example.com.\" with the trailing dot, or \"@\"; "
        .. "put the value in double quotes; TTL 60 or more. On a VPS, cloud or dedicated server use willnet-vps.",
      ja = "ウイルネットの共用サーバー向けです。レコード名は末尾のピリオド付きの「example.com.」または「@」、"
        .. "テキストは前後を「\"」で囲み、TTL は60以上にしてください。VPS・クラウド・専用サーバーは willnet-vps を使います。",
    },
  },
  {
    id = "willnet-vps",
    value_quotes = true,   -- seed 001
    name = { en = "Willnet (VPS, cloud or dedicated server)", ja = "ウイルネット(VPS・クラウド・専用サーバー)" },
    terms = { "a", "mx", "{ip}" },
    params = {
      ip = ip_param("IP address of your Willnet server.", "ご利用サーバーのIPアドレス。"),
    },
    source = "https://www.willnet.ad.jp/12867-2/",
    notes = {
      en = "Record name: \"example.com.\" with the trailing dot, or \"@\"; value in double quotes; TTL 60 or more.",
      ja = "レコード名は末尾のピリオド付きの「example.com.」または「@」、テキストは前後を「\"」で囲み、TTL は60以上にしてください。",
    },
  },
  {
    id = "sakura",
    -- seed 002: the server host name is www***.sakura.ne.jp (the {host} of the template)
    hosts = { "^www%d+%.sakura%.ne%.jp$", "%.sakura%.ne%.jp$" },
    value_quotes = true,   -- seed 002: データ "v=spf1 a:www***.sakura.ne.jp mx ~all"
    name = {
      en = "Sakura Internet (Rental Server, Mailbox, Managed Server)",
      ja = "さくらインターネット(さくらのレンタルサーバ・メールボックス・マネージドサーバ)",
    },
    terms = { "a:{host}", "mx" },
    params = {
      host = host_param(
        "Host name of your Sakura server, such as www1234.sakura.ne.jp (shown in the server control panel).",
        "ご利用サーバーのホスト名(例: www1234.sakura.ne.jp。サーバコントロールパネルで確認できます)。",
        "www1234.sakura.ne.jp"),
    },
    source = "https://help.sakura.ad.jp/gmail-troubleshooting",
    notes = {
      en = "Use your own server's host name: another server's name (www2222...) makes receivers treat your mail "
        .. "as forged. Setting SPF from the domain control panel resets other DNS records you added; edit the zone "
        .. "by hand if you have any. Mail forwarded to Gmail and mailing-list mail can fail SPF even so.",
      ja = "ご自身のサーバーのホスト名を記述してください(別のサーバー名を書くと、なりすましと判定されます)。"
        .. "コントロールパネルから SPF を設定すると、お客様が追加・修正したその他の DNS レコードがリセットされるため、"
        .. "その場合は手動でゾーンを編集してください。Gmail への転送やメーリングリストのメールは SPF で失敗することがあります。",
    },
  },
  {
    id = "mixhost",
    name = { en = "mixhost (cPanel)", ja = "mixhost(cPanel)" },
    terms = { "+a", "+mx", "+{ip}" },
    params = {
      ip = ip_param(
        "IP address of your mixhost server (cPanel > General Information).",
        "ご利用サーバーのIPアドレス(cPanel の「一般情報」で確認できます)。"),
    },
    source = "https://docs.cpanel.net/whm/scripts/the-spf_installer-script/",
    panel = {
      en = "cPanel > Email > Email Deliverability > (your domain) > SPF",
      ja = "cPanel > メール > Email Deliverability > (対象ドメイン) > SPF",
    },
    refs = {
      "https://help.mixhost.jp/hc/ja/articles/17242746134937",
    },
    notes = {
      en = "mixhost creates SPF and DKIM automatically for domains it hosts DNS for. With an external DNS, copy "
        .. "the exact SPF (and DKIM) values cPanel's Email Deliverability shows for the domain: they are "
        .. "authoritative. These terms are cPanel's documented default (+a +mx +ip4:<server IP>); if Email "
        .. "Deliverability shows something else, use what it shows.",
      ja = "mixhost の DNS を利用している場合は SPF・DKIM が自動で設定されます。外部 DNS を利用している場合は、"
        .. "cPanel の Email Deliverability で対象ドメインに表示される SPF(と DKIM)の値をそのまま設定してください。"
        .. "ここでの値は cPanel が標準で生成する形式(+a +mx +ip4:サーバーのIPアドレス)です。"
        .. "Email Deliverability の表示と異なる場合は、表示されている値を使ってください。",
    },
  },
  {
    -- Seed 004 (BiNDism) sends Xserver customers to Xserver's own DNS manual;
    -- Xserver publishes no fixed SPF value to copy: its server panel shows
    -- each domain's record. No value is invented here (panel_only).
    id = "xserver",
    -- Xserver's manuals name servers "sv****.xserver.jp" (the server number)
    hosts = { "^sv%d+%.xserver%.jp$" },
    name = { en = "Xserver", ja = "エックスサーバー" },
    panel_only = true,
    source = "https://www.xserver.ne.jp/manual/man_domain_dns_setting.php",
    panel = {
      en = "Xserver server panel > Domain > DNS record settings (the SPF line of your domain)",
      ja = "エックスサーバーのサーバーパネル >「DNSレコード設定」(対象ドメインの SPF の行)",
    },
    notes = {
      en = "When the domain uses Xserver's name servers, Xserver sets SPF itself; check the SPF setting in the "
        .. "server panel. With an external DNS, copy the SPF value the server panel shows for the domain into "
        .. "that DNS as one TXT record (merge it into an existing v=spf1 record).",
      ja = "エックスサーバーのネームサーバーをご利用の場合、SPF はエックスサーバー側で設定されます。"
        .. "サーバーパネルの SPF 設定をご確認ください。外部の DNS をご利用の場合は、サーバーパネルに表示される"
        .. "対象ドメインの SPF の値を、その DNS に TXT レコード1件として設定してください"
        .. "(既存の v=spf1 レコードがある場合はまとめてください)。",
    },
  },
  {
    id = "bind",
    name = { en = "BiND server (BiNDup)", ja = "BiNDサーバー(BiNDup)" },
    terms = {
      "a", "mx",
      "ip4:122.219.43.142", "ip4:122.219.46.7", "ip4:122.219.46.23",
      "ip4:122.219.46.39", "ip4:122.219.46.55", "ip4:210.131.150.91",
      "ip4:210.131.150.92", "ip4:122.219.45.73", "ip4:122.219.40.14",
    },
    params = {},
    source = "https://bindup.jp/support/09/0906/09090609t",
    notes = {
      en = "Add it as a TXT record under \"DNS record settings\" of the domain in the BiND control panel. "
        .. "The addresses are BiND's sending servers as published by BiNDup support; they change only when BiND "
        .. "announces it.",
      ja = "BiND のコントロールパネルで、メールアドレスを作成しているドメインの「DNSレコードの設定値」に TXT レコードとして追加してください。"
        .. "IPアドレスは BiNDup サポートサイトで公開されている送信サーバーのものです。",
    },
  },
  {
    id = "google-workspace",
    hosts = { "^mail%-[%w%-]+%.google%.com$" },
    name = { en = "Google Workspace (Gmail)", ja = "Google Workspace(Gmail)" },
    terms = { "include:_spf.google.com" },
    params = {},
    source = "https://support.google.com/a/answer/10684623",
    notes = {
      en = "Covers mail sent through Google's servers (Gmail, Google Workspace). Also set up DKIM in the "
        .. "Google Admin console; bulk senders to Gmail need SPF, DKIM and DMARC.",
      ja = "Google のサーバー(Gmail・Google Workspace)から送信するメールが対象です。"
        .. "Google 管理コンソールで DKIM も設定してください。Gmail への大量送信者には SPF・DKIM・DMARC のすべてが必要です。",
    },
  },
  {
    id = "microsoft365",
    hosts = { "%.outbound%.protection%.outlook%.com$", "%.prod%.outlook%.com$" },
    name = { en = "Microsoft 365 (Exchange Online)", ja = "Microsoft 365(Exchange Online)" },
    terms = { "include:spf.protection.outlook.com" },
    params = {},
    source = "https://learn.microsoft.com/en-us/defender-office-365/email-authentication-spf-configure",
    notes = {
      en = "Needed for custom domains only; *.onmicrosoft.com is managed by Microsoft. Microsoft recommends "
        .. "ending the record with -all. Enable DKIM in the Defender portal as well.",
      ja = "独自ドメインの場合のみ必要です(*.onmicrosoft.com は Microsoft が管理しています)。"
        .. "Microsoft はレコードの末尾を -all にすることを推奨しています。Defender ポータルで DKIM も有効にしてください。",
    },
  },

  -- ------------------------------------------------------------------
  -- Other common senders and Japanese services (each from its own page)
  -- ------------------------------------------------------------------
  {
    id = "amazon-ses",
    name = { en = "Amazon SES", ja = "Amazon SES" },
    terms = { "include:amazonses.com" },
    params = {},
    source = "https://docs.aws.amazon.com/ses/latest/DeveloperGuide/mail-from-set.html",
    refs = { "https://docs.aws.amazon.com/ses/latest/dg/send-email-authentication-spf.html" },
    notes = {
      en = "SES sends with a MAIL FROM under amazonses.com by default: SPF passes, but for amazonses.com, so it "
        .. "does not align with your From domain for DMARC. For alignment, set a custom MAIL FROM domain (a "
        .. "subdomain such as bounce.example.jp, not used to receive mail) and publish this record there, with "
        .. "the MX record SES asks for (10 feedback-smtp.<region>.amazonses.com). Adding it to the apex does not "
        .. "make SES mail align.",
      ja = "SES は既定で amazonses.com のサブドメインを MAIL FROM に使うため、SPF は通りますが送信元(From)ドメインとは"
        .. "一致せず、DMARC のアライメントになりません。カスタム MAIL FROM ドメイン(受信に使わない bounce.example.jp などの"
        .. "サブドメイン)を設定し、そのサブドメインにこのレコードと SES が指定する MX レコード"
        .. "(10 feedback-smtp.<リージョン>.amazonses.com)を登録してください。ルートドメインに追加しても SES のメールはアライメントしません。",
    },
  },
  {
    id = "mailgun",
    name = { en = "Mailgun", ja = "Mailgun" },
    terms = { "include:mailgun.org" },
    params = {},
    source = "https://documentation.mailgun.com/docs/mailgun/user-manual/domains/domains-verify",
    notes = {
      en = "Publish it on the domain you added in Mailgun, usually a sending subdomain such as mg.example.jp, "
        .. "not on the apex. Mailgun also asks for a DKIM TXT record shown in its control panel.",
      ja = "Mailgun に登録したドメイン(通常は mg.example.jp などの送信用サブドメイン)に設定してください。"
        .. "ルートドメインではありません。コントロールパネルに表示される DKIM の TXT レコードも必要です。",
    },
  },
  {
    id = "postmark",
    name = { en = "Postmark", ja = "Postmark" },
    terms = { "include:spf.mtasv.net" },
    params = {},
    source = "https://postmarkapp.com/support/article/900-what-is-spf",
    refs = { "https://postmarkapp.com/blog/why-we-no-longer-ask-for-spf-records" },
    notes = {
      en = "Postmark's default Return-Path is on pm.mtasv.net, so SPF passes for Postmark's domain without this; "
        .. "for DMARC alignment set up a custom Return-Path domain in Postmark. Postmark suggests "
        .. "\"v=spf1 a mx include:spf.mtasv.net ~all\" for a new domain (a and mx cover your own servers).",
      ja = "Postmark の既定の Return-Path は pm.mtasv.net のため、このレコードがなくても Postmark のドメインで SPF は通ります。"
        .. "DMARC のアライメントにはカスタム Return-Path ドメインを設定してください。新規ドメインには "
        .. "「v=spf1 a mx include:spf.mtasv.net ~all」が案内されています(a と mx はお客様自身のサーバーの分です)。",
    },
  },
  {
    id = "mandrill",
    name = { en = "Mailchimp Transactional (Mandrill)", ja = "Mailchimp Transactional(Mandrill)" },
    terms = { "include:spf.mandrillapp.com" },
    params = {},
    source = "https://mailchimp.com/developer/transactional/docs/authentication-delivery/",
    notes = {
      en = "Mailchimp Transactional (formerly Mandrill) uses include:spf.mandrillapp.com. It is separate from "
        .. "Mailchimp's marketing sends. Its default return-path is on mandrillapp.com, so SPF alone does not "
        .. "align for DMARC: verify the domain, add the DKIM records, and set a custom return-path domain. "
        .. "Current Mailchimp docs require DKIM and a DMARC policy to send.",
      ja = "Mailchimp Transactional(旧 Mandrill)の SPF は include:spf.mandrillapp.com です。Mailchimp のメール配信"
        .. "(マーケティング)とは別のサービスです。既定の return-path は mandrillapp.com のため、SPF だけでは DMARC の"
        .. "アライメントになりません。ドメイン認証と DKIM レコード、カスタム return-path ドメインを設定してください。"
        .. "現在のドキュメントでは送信に DKIM と DMARC ポリシーが必須です。",
    },
  },
  {
    id = "heteml",
    name = { en = "heteml", ja = "ヘテムル" },
    terms = { "include:_spf.heteml.jp" },
    params = {},
    source = "https://support.heteml.jp/hc/ja/articles/360041679414",
    notes = {
      en = "Set automatically when the domain uses heteml's name servers, or Muumuu DNS configured for heteml. "
        .. "Add it yourself only when another company's name servers serve the domain.",
      ja = "ヘテムルのネームサーバー、またはヘテムル用に設定したムームーDNS を利用している場合は初期設定済みです。"
        .. "他社のネームサーバーを利用している場合のみ、お客様による設定が必要です。",
    },
  },
  {
    id = "goope",
    name = { en = "Goope", ja = "グーペ" },
    terms = { "include:_spf.goope.jp" },
    params = {},
    source = "https://help.goope.jp/hc/ja/articles/6749211690515",
    notes = {
      en = "Not needed when the domain uses Goope's name servers. The record must start with \"v=spf1\" "
        .. "(one example on the source page has a typo, \"v=pf1\").",
      ja = "グーペのネームサーバーを利用している場合は設定不要です。レコードは必ず「v=spf1」で始めてください"
        .. "(参照ページの例の一つに「v=pf1」という誤記があります)。",
    },
  },
  {
    id = "haihaimail",
    name = { en = "Haihai Mail", ja = "配配メール" },
    terms = { "include:spf.haihaimail.jp" },
    params = {},
    source = "https://support.haihaimail.jp/arrivalimprovement/spfset/",
    notes = {
      en = "Keep the terms for your own mail server too (the vendor's example: "
        .. "\"v=spf1 ip4:<your mail server IP> include:spf.haihaimail.jp ~all\"). Only one v=spf1 record per domain.",
      ja = "通常お使いの送信メールサーバーの記述も残してください(例:「v=spf1 ip4:送信メールサーバのIPアドレス "
        .. "include:spf.haihaimail.jp ~all」)。v=spf1 のレコードは1ドメインに1つだけです。",
    },
  },
  {
    id = "jcity",
    name = { en = "J-City Mail / J-City Form", ja = "ジェイシティメール/ジェイシティフォーム" },
    terms = { "include:jcity.com" },
    params = {},
    source = "https://service.jcity.com/v3/supportTool/SPFRecordGuide",
    notes = {
      en = "SPF checks the envelope From: with J-City Mail, also apply for the envelope-From change; with "
        .. "J-City Form, keep the auto-reply envelope From \"same as sender\" (the default).",
      ja = "SPF はエンベロープ From のドメインが対象です。ジェイシティメールではエンベロープ From の変更申請も、"
        .. "ジェイシティフォームでは自動返信のエンベロープ From を「差出人アドレスと同じにする」(初期値)にしてください。",
    },
  },
  {
    id = "bluemonkey",
    name = { en = "CMS BlueMonkey", ja = "CMS BlueMonkey" },
    terms = { "include:_spf.bluemonkey.jp" },
    params = {},
    source = "https://faq.bluemonkey.jp/hc/ja/articles/34825443656601",
    notes = {
      en = "For the site's form mail sent from the sender domain. Merge it into the domain's existing SPF record.",
      ja = "サイトのお問い合わせフォーム等から送信されるメール用です。既存の SPF レコードに追記してください。",
    },
  },
  {
    id = "kinsta",
    name = { en = "Kinsta (mail via MailChannels)", ja = "Kinsta(MailChannels 経由のメール)" },
    terms = { "include:relay.kinstamailservice.com" },
    params = {},
    source = "https://kinsta.com/jp/docs/mailchannels-spf-txt-record/",
    notes = {
      en = "Kinsta sends WordPress mail through MailChannels. The vendor's full example is "
        .. "\"v=spf1 a mx include:relay.kinstamailservice.com ~all\".",
      ja = "Kinsta は WordPress のメールを MailChannels 経由で送信します。案内されている全体の例は"
        .. "「v=spf1 a mx include:relay.kinstamailservice.com ~all」です。",
    },
  },
  {
    id = "gmo-simplemail",
    name = { en = "GMO Cloud Simple mail", ja = "GMOクラウド Simple mail" },
    terms = { "include:simplemail.jp" },
    params = {},
    source = "https://mail-saas.gmocloud.com/support/faq.html",
    notes = {
      en = "With virtual domains, the main domain needs the record too, or mail may be judged forged.",
      ja = "バーチャルドメインを利用している場合、メインドメインの DNS にも SPF レコードがないと「なりすまし」と判断される場合があります。",
    },
  },
  {
    id = "cloudflare-email",
    name = { en = "Cloudflare Email Routing / Email Service", ja = "Cloudflare Email Routing / Email Service" },
    terms = { "include:_spf.mx.cloudflare.net" },
    params = {},
    source = "https://developers.cloudflare.com/email-service/concepts/email-authentication/",
    notes = {
      en = "Email Routing uses this record on the root domain. Email Sending puts it on cf-bounce.<your domain>, "
        .. "not on the root; Cloudflare configures both automatically for domains it serves.",
      ja = "Email Routing ではルートドメインに、Email Sending では cf-bounce.<ドメイン> に設定します(ルートではありません)。"
        .. "Cloudflare の DNS を利用している場合は自動で設定されます。",
    },
  },
  {
    id = "espar-form",
    name = { en = "espar form", ja = "espar form" },
    terms = { "include:spf.espar.biz" },
    params = {},
    source = "https://doc.feedtailor.jp/espar/form/config/02",
    notes = {
      en = "Insert it into the existing v=spf1 record; keep other TXT records (verification tokens) "
        .. "as separate strings.",
      ja = "既存の v=spf1 レコードに挿入してください。SPF 以外の TXT レコード(認証用トークンなど)は別の文字列として残してください。",
    },
  },
  {
    id = "flexcrm",
    name = { en = "FlexCRM", ja = "FlexCRM" },
    terms = { "include:spf1.flex-crm.com" },
    params = {},
    source = "https://support.flex-crm.com/spf-setting",
    notes = {
      en = "Not needed when sending from the flex-crm.com domain. Set it on the DNS of the sender address's domain.",
      ja = "ドメインに flex-crm.com を使用する場合は設定済みです。差出人アドレスのドメインの DNS で設定してください。",
    },
  },
}
