--- DKIM guidance per provider, keyed by the ids of spfkit.providers.data:
-- whether the provider signs, with which selectors, what record the
-- customer publishes and where its value comes from. Values that differ
-- per customer (the key itself) are never invented here: `value_from`
-- says which panel shows them.
--
-- Fields: `signs` (boolean), `selectors` (tried first by discovery),
-- `record` ("TXT" | "CNAME"), `cname` (function(selector, domain, opts) ->
-- target, for CNAME delegation), `panel` {en, ja}, `notes` {en, ja},
-- `source` (where this is documented).
-- @module spfkit.providers.dkim

return {
  -- Seed 000 (Zenlogic notice): "Zenlogicホスティングでは「DKIM」をご提供して
  -- おりません" — SPF is the only way for this provider.
  zenlogic = {
    signs = false,
    source = "../shared/seeds/000_8ec1b8dfe3bbf4eb.txt (Zenlogic notice)",
    notes = {
      en = "Zenlogic hosting does not sign mail with DKIM: publish the SPF record; DKIM cannot be set up there.",
      ja = "Zenlogic ホスティングでは DKIM が提供されていません。SPF レコードを設定してください。",
    },
  },
  -- Seed 003: cPanel's Email Deliverability shows the DKIM name and value;
  -- cPanel's selector is "default" (default._domainkey.<domain>).
  mixhost = {
    signs = true, selectors = { "default" }, record = "TXT",
    source = "https://help.mixhost.jp/hc/ja/articles/17242746134937",
    panel = {
      en = "cPanel > Email > Email Deliverability > (your domain) > DKIM",
      ja = "cPanel > メール > Email Deliverability > (対象ドメイン) > DKIM",
    },
    notes = {
      en = "mixhost signs with DKIM (selector default). With an external DNS, copy the DKIM name and value "
        .. "that Email Deliverability shows into that DNS as a TXT record named default._domainkey.",
      ja = "mixhost は DKIM 署名を行います(セレクタ default)。外部 DNS をご利用の場合は、Email Deliverability に"
        .. "表示される DKIM の名前と値を、その DNS に「default._domainkey」という名前の TXT レコードとして設定してください。",
    },
  },
  -- Xserver shows the DKIM record of each domain in its server panel (its
  -- DNS manual: the source below); no selector is assumed here.
  xserver = {
    signs = true, selectors = {}, record = "TXT",
    source = "https://www.xserver.ne.jp/manual/man_domain_dns_setting.php",
    panel = {
      en = "Xserver server panel > Mail > DKIM settings (the DKIM record of your domain)",
      ja = "エックスサーバーのサーバーパネル >「DKIM設定」(対象ドメインの DKIM レコード)",
    },
    notes = {
      en = "Xserver signs when DKIM is turned on in the server panel. With an external DNS, copy the record "
        .. "name and value the panel shows into that DNS as a TXT record.",
      ja = "エックスサーバーはサーバーパネルで DKIM を有効にすると署名します。外部 DNS をご利用の場合は、"
        .. "サーバーパネルに表示されるレコード名と値を、その DNS に TXT レコードとして設定してください。",
    },
  },
  -- https://support.google.com/a/answer/174126 (generate the key) and
  -- https://support.google.com/a/answer/177063 (selector prefix "google").
  ["google-workspace"] = {
    signs = true, selectors = { "google" }, record = "TXT",
    source = "https://support.google.com/a/answer/174126",
    panel = {
      en = "Google Admin console > Apps > Google Workspace > Gmail > Authenticate email",
      ja = "Google 管理コンソール > アプリ > Google Workspace > Gmail >「メールの認証」",
    },
    notes = {
      en = "Generate the key in the Admin console (2048 bits if your DNS accepts it), publish the TXT record "
        .. "google._domainkey it shows, then press Start authentication.",
      ja = "管理コンソールで鍵を生成し(DNS が対応していれば 2048 ビット)、表示された「google._domainkey」の "
        .. "TXT レコードを設定してから「認証を開始」を押してください。",
    },
  },
  -- https://learn.microsoft.com/defender-office-365/email-authentication-dkim-configure
  -- Two CNAMEs; the target shown in the Defender portal is authoritative
  -- (newer tenants get targets under dkim.mail.microsoft).
  microsoft365 = {
    signs = true, selectors = { "selector1", "selector2" }, record = "CNAME",
    source = "https://learn.microsoft.com/defender-office-365/email-authentication-dkim-configure",
    cname = function(selector, domain, opts)
      local tenant = opts and opts.tenant
      if not tenant then return nil end
      return selector .. "-" .. domain:gsub("%.", "-") .. "._domainkey." .. tenant .. ".onmicrosoft.com"
    end,
    panel = {
      en = "Microsoft Defender portal > Email authentication settings > DKIM > (your domain)",
      ja = "Microsoft Defender ポータル >「メール認証の設定」> DKIM >(対象ドメイン)",
    },
    notes = {
      en = "Publish both CNAMEs (selector1._domainkey and selector2._domainkey) exactly as the Defender portal "
        .. "shows them, then enable signing for the domain.",
      ja = "Defender ポータルに表示される 2 つの CNAME(selector1._domainkey と selector2._domainkey)を"
        .. "そのまま設定してから、ドメインの DKIM 署名を有効にしてください。",
    },
  },
  -- https://mailchimp.com/developer/transactional/docs/authentication-delivery/
  mandrill = {
    signs = true, selectors = { "mandrill" }, record = "TXT",
    source = "https://mailchimp.com/developer/transactional/docs/authentication-delivery/",
    panel = { en = "Mailchimp Transactional > Settings > Domains > Sending domains",
              ja = "Mailchimp Transactional > Settings > Domains > Sending domains" },
    notes = {
      en = "Publish the mandrill._domainkey record shown for the sending domain.",
      ja = "送信ドメインに表示される「mandrill._domainkey」のレコードを設定してください。",
    },
  },
  -- https://docs.aws.amazon.com/ses/latest/dg/send-email-authentication-dkim-easy.html
  -- Easy DKIM: three CNAMEs <token>._domainkey -> <token>.dkim.amazonses.com;
  -- the tokens are per identity, so there is no selector to guess.
  ["amazon-ses"] = {
    signs = true, selectors = {}, record = "CNAME",
    source = "https://docs.aws.amazon.com/ses/latest/dg/send-email-authentication-dkim-easy.html",
    panel = { en = "Amazon SES console > Identities > (your domain) > Authentication > DKIM",
              ja = "Amazon SES コンソール > ID >(対象ドメイン)> 認証 > DKIM" },
    notes = {
      en = "Publish the three CNAME records the SES console shows for the domain (Easy DKIM).",
      ja = "SES コンソールに表示される 3 つの CNAME レコードを設定してください(Easy DKIM)。",
    },
  },
}
