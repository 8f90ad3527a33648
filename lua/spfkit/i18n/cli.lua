--- cli messages (see `spfkit.i18n`): { en = {...}, ja = {...} }.
-- The command-line tool's own words (`bin/spfkit`, `spfkit.cli`): usage
-- errors, result explanations, labels and help, side by side. Values
-- (records, domains, addresses, option names) are quoted with 「」 in
-- Japanese.
-- @module spfkit.i18n.cli

local en, ja = {}, {}

-- Usage and input errors (one line on stderr, after "spfkit: ") ---------------
en["cli-err-no-command"] = "no command given; \"spfkit --help\" lists the commands."
ja["cli-err-no-command"] = "コマンドが指定されていません。「spfkit --help」でコマンドの一覧をご確認ください。"
en["cli-err-unknown-command"] = "unknown command \"{name}\"; \"spfkit --help\" lists the commands."
ja["cli-err-unknown-command"] = "「{name}」というコマンドはありません。「spfkit --help」で一覧をご確認ください。"
en["cli-err-unknown-option"] = "unknown option \"{name}\"; see \"spfkit {value}--help\"."
ja["cli-err-unknown-option"] = "「{name}」というオプションはありません。「spfkit {value}--help」をご確認ください。"
en["cli-err-missing-value"] = "option \"{name}\" needs a value."
ja["cli-err-missing-value"] = "オプション「{name}」には値を指定してください。"
en["cli-err-no-value"] = "option \"{name}\" takes no value."
ja["cli-err-no-value"] = "オプション「{name}」には値を付けないでください。"
en["cli-err-args"] = "wrong arguments for \"{name}\"; see \"spfkit {name} --help\"."
ja["cli-err-args"] = "「{name}」の引数が正しくありません。「spfkit {name} --help」をご確認ください。"
en["cli-err-bad-lang"] = "unknown language \"{value}\" for --lang (en or ja)."
ja["cli-err-bad-lang"] = "--lang に指定された「{value}」は使えません。en か ja を指定してください。"
en["cli-err-bad-ip"] = "\"{value}\" is not an IPv4 or IPv6 address."
ja["cli-err-bad-ip"] = "「{value}」は IPv4/IPv6 アドレスとして正しくありません。"
en["cli-err-bad-domain"] = "\"{value}\" is not a domain name."
ja["cli-err-bad-domain"] = "「{value}」はドメイン名として正しくありません。"
en["cli-err-bad-sender"] = "\"{value}\" is not a mail address."
ja["cli-err-bad-sender"] = "「{value}」はメールアドレスとして正しくありません。"
en["cli-err-sender-domain"] = "the sender \"{value}\" is not an address at {domain}."
ja["cli-err-sender-domain"] = "送信者「{value}」は {domain} のアドレスではありません。"
en["cli-err-bad-number"] = "option \"{name}\" needs a whole number, not \"{value}\"."
ja["cli-err-bad-number"] = "オプション「{name}」には整数を指定してください(「{value}」は使えません)。"
en["cli-err-bad-all"] = "--all takes ~, - or ? (not \"{value}\")."
ja["cli-err-bad-all"] = "--all には ~、-、? のいずれかを指定してください(「{value}」は使えません)。"
en["cli-err-file"] = "cannot read {name}: {detail}"
ja["cli-err-file"] = "{name} を読み込めませんでした: {detail}"
en["cli-err-zone"] = "the zone file {name} cannot be used: {detail}"
ja["cli-err-zone"] = "ゾーンファイル {name} を利用できません: {detail}"
en["cli-err-zone-and-nameserver"] = "give either --zone or --nameserver, not both."
ja["cli-err-zone-and-nameserver"] = "--zone と --nameserver は同時に指定できません。どちらか一方を指定してください。"
en["cli-err-nameserver"] = "bad --nameserver \"{value}\" (want 192.0.2.53, 192.0.2.53:5353 or [2001:db8::53]:53)."
ja["cli-err-nameserver"] = "--nameserver の「{value}」は正しくありません(例: 192.0.2.53、192.0.2.53:5353、[2001:db8::53]:53)。"
en["cli-err-resolver"] = "no DNS to ask: the system resolver could not be set up ({detail})."
ja["cli-err-resolver"] = "DNS に問い合わせできません。システムのリゾルバーを利用できませんでした({detail})。"
en["cli-err-load"] = "cannot load spfkit's modules: {detail}"
ja["cli-err-load"] = "spfkit のモジュールを読み込めませんでした: {detail}"
en["cli-err-internal"] = "internal error, please report it: {detail}"
ja["cli-err-internal"] = "内部エラーが発生しました。お手数ですがご報告ください: {detail}"
en["cli-err-nothing-to-suggest"] = "nothing to suggest: give --provider, --ip, --host or --existing."
ja["cli-err-nothing-to-suggest"] = "提案する内容がありません。--provider、--ip、--host、--existing のいずれかを指定してください。"
en["cli-err-diagnose-input"] = "give a bounce file (- for standard input), or --domain with --ip."
ja["cli-err-diagnose-input"] = "エラーメールのファイル(標準入力は -)、または --domain と --ip を指定してください。"
en["cli-err-file-and-domain"] = "with a bounce file, the sender comes from the bounce: --sender is not taken."
ja["cli-err-file-and-domain"] = "エラーメールのファイルを指定した場合、送信者はエラーメールから読み取るため --sender は指定できません。"
en["cli-err-html-json"] = "--html and --json cannot be combined; choose one."
ja["cli-err-html-json"] = "--html と --json は同時に指定できません。どちらか一方を指定してください。"
en["cli-err-record-or-domain"] = "give a domain or --record TEXT to lint."
ja["cli-err-record-or-domain"] = "確認するドメイン名、または --record でレコードを指定してください。"
en["cli-err-bad-shard"] = "--shard wants I/N with 1 <= I <= N (e.g. 2/8), not \"{value}\"."
ja["cli-err-bad-shard"] = "--shard は I/N の形で 1 <= I <= N としてください(例: 2/8)。「{value}」は使えません。"
en["cli-err-bad-timeout"] = "--timeout wants seconds (0 < S <= 60, e.g. 1.5), not \"{value}\"."
ja["cli-err-bad-timeout"] = "--timeout は秒数で指定してください(0 < S <= 60、例: 1.5)。「{value}」は使えません。"

-- Toolkit messages that name API options, reworded for the command line ------------
en["cli-unknown-provider"] = "unknown provider \"{id}\"; \"spfkit suggest --list\" lists the known ids."
ja["cli-unknown-provider"] = "プロバイダー「{id}」は登録されていません。「spfkit suggest --list」で一覧をご確認ください。"
en["cli-lookups-estimated"] = "{lookups} lookups counted from the record alone; includes can add more. "
  .. "Give --zone or --nameserver to count through them."
ja["cli-lookups-estimated"] = "DNS 参照回数 {lookups} 回はレコードの記述のみから数えたもので、include 先でさらに増える場合が"
  .. "ございます。--zone か --nameserver を指定すると include 先まで数えます。"
en["cli-flatten-unavailable"] = "No flattened record can be proposed without DNS (give --zone or --nameserver) "
  .. "or because the includes use macros, exists or ptr."
ja["cli-flatten-unavailable"] = "DNS が指定されていない(--zone または --nameserver)か、include 先でマクロ・exists・ptr が"
  .. "使われているため、展開したレコードをご提案できません。"

-- Results of `spfkit check` ----------------------------------------------------
en["cli-result-pass"] = "SPF passes: {domain} allows {ip} to send its mail."
ja["cli-result-pass"] = "SPF は pass です。{ip} は {domain} の送信元として許可されています。"
en["cli-result-fail"] = "SPF fails: the record of {domain} says {ip} must not send its mail, so receivers "
  .. "reject it. If {ip} is your server, \"spfkit diagnose --domain {domain} --ip {ip}\" shows the record to publish."
ja["cli-result-fail"] = "SPF は fail です。{domain} のレコードは {ip} からの送信を認めていないため、受信側で拒否されます。"
  .. "{ip} がご利用のサーバーであれば、「spfkit diagnose --domain {domain} --ip {ip}」で登録すべきレコードをご確認ください。"
en["cli-result-softfail"] = "SPF softfails: the record of {domain} does not include {ip}; Gmail and others "
  .. "reject or file such mail as spam. If {ip} is your server, \"spfkit diagnose --domain {domain} --ip {ip}\" "
  .. "shows the record to publish."
ja["cli-result-softfail"] = "SPF は softfail です。{domain} のレコードに {ip} が含まれていないため、Gmail などでは"
  .. "拒否または迷惑メール扱いとなります。{ip} がご利用のサーバーであれば、"
  .. "「spfkit diagnose --domain {domain} --ip {ip}」で登録すべきレコードをご確認ください。"
en["cli-result-neutral"] = "SPF is neutral: the record of {domain} says nothing about {ip}; receivers treat "
  .. "the mail as unauthenticated. \"spfkit diagnose --domain {domain} --ip {ip}\" shows the record to publish."
ja["cli-result-neutral"] = "SPF は neutral です。{domain} のレコードは {ip} について何も定めていないため、"
  .. "受信側では認証されていないメールとして扱われます。"
  .. "「spfkit diagnose --domain {domain} --ip {ip}」で登録すべきレコードをご確認ください。"
en["cli-result-none"] = "SPF is none: {domain} publishes no SPF record, so Gmail rejects its mail (550-5.7.26). "
  .. "\"spfkit diagnose --domain {domain} --ip {ip}\" shows the record to publish."
ja["cli-result-none"] = "SPF は none です。{domain} には SPFレコードがないため、Gmail では拒否されます(550-5.7.26)。"
  .. "「spfkit diagnose --domain {domain} --ip {ip}」で登録すべきレコードをご確認ください。"
en["cli-result-permerror"] = "SPF permerror: the record of {domain} is broken, so no receiver can use it. "
  .. "\"spfkit lint {domain}\" shows what to fix."
ja["cli-result-permerror"] = "SPF は permerror です。{domain} のレコードに誤りがあり、受信側で利用できません。"
  .. "「spfkit lint {domain}」で修正箇所をご確認ください。"
en["cli-result-temperror"] = "SPF temperror: DNS for {domain} did not answer; receivers defer the mail. "
  .. "Try again later, and check the name servers of {domain}."
ja["cli-result-temperror"] = "SPF は temperror です。{domain} の DNS が応答しなかったため、受信側では配送が保留されます。"
  .. "時間を置いて再度お試しいただき、{domain} のネームサーバーをご確認ください。"

-- Labels -----------------------------------------------------------------------
en["cli-label-result"] = "Result"
ja["cli-label-result"] = "結果"
en["cli-label-sender"] = "Sender"
ja["cli-label-sender"] = "送信者"
en["cli-label-record"] = "SPF record"
ja["cli-label-record"] = "SPFレコード"
en["cli-label-no-record"] = "(none)"
ja["cli-label-no-record"] = "(ありません)"
en["cli-label-matched"] = "Matched term"
ja["cli-label-matched"] = "一致した項目"
en["cli-label-explanation"] = "Explanation"
ja["cli-label-explanation"] = "説明文(exp=)"
en["cli-label-problem"] = "Problem"
ja["cli-label-problem"] = "問題の種類"
en["cli-label-lookups"] = "DNS lookups"
ja["cli-label-lookups"] = "DNS参照回数"
en["cli-label-void"] = "Void lookups"
ja["cli-label-void"] = "空の応答"
en["cli-label-trace"] = "DNS queries:"
ja["cli-label-trace"] = "DNS への問い合わせ:"
en["cli-label-findings"] = "Findings:"
ja["cli-label-findings"] = "確認された内容:"
en["cli-label-no-findings"] = "No problems found."
ja["cli-label-no-findings"] = "問題は見つかりませんでした。"
en["cli-label-fix"] = "fix"
ja["cli-label-fix"] = "修正案"
en["cli-label-tree"] = "Includes and redirects:"
ja["cli-label-tree"] = "include・redirect の参照先:"
en["cli-label-name"] = "Name (host)"
ja["cli-label-name"] = "レコード名(ホスト名)"
en["cli-label-type"] = "Type"
ja["cli-label-type"] = "タイプ"
en["cli-label-value"] = "Value"
ja["cli-label-value"] = "値"
en["cli-label-ttl"] = "TTL"
ja["cli-label-ttl"] = "TTL"
en["cli-label-zone-line"] = "Zone file line"
ja["cli-label-zone-line"] = "ゾーンファイル形式"
en["cli-label-notes"] = "Notes:"
ja["cli-label-notes"] = "ご注意:"
en["cli-label-added"] = "Added"
ja["cli-label-added"] = "追加した項目"
en["cli-label-skipped"] = "Already there"
ja["cli-label-skipped"] = "登録済みの項目"
en["cli-label-new-findings"] = "Checks of the new record:"
ja["cli-label-new-findings"] = "新しいレコードの確認結果:"
en["cli-label-providers"] = "Providers (spfkit suggest --provider ID):"
ja["cli-label-providers"] = "プロバイダー一覧(spfkit suggest --provider ID):"
en["cli-label-needs"] = "needs"
ja["cli-label-needs"] = "必須"
en["cli-label-audit-done"] = "{count} domains checked."
ja["cli-label-audit-done"] = "{count} 件のドメインを確認しました。"
-- count: domains done, limit: domains in all, value: domains a second, human: time left
en["cli-label-audit-progress"] = "{count}/{limit}  {value}/s  ETA {human}"
ja["cli-label-audit-progress"] = "{count}/{limit}  {value} 件/秒  残り {human}"
en["cli-label-audit-progress-open"] = "{count}  {value}/s"
ja["cli-label-audit-progress-open"] = "{count} 件  {value} 件/秒"
en["cli-label-audit-summary"] = "Summary of {count} domains:"
ja["cli-label-audit-summary"] = "{count} 件のドメインの集計:"
en["cli-label-audit-fixes"] = "{count} domains have a proposed record (column fix)."
ja["cli-label-audit-fixes"] = "{count} 件のドメインに修正後のレコードの提案があります(fix 列)。"
en["cli-label-audit-unauthorized"] = "{count} domains do not authorise the given servers (column authorized)."
ja["cli-label-audit-unauthorized"] = "{count} 件のドメインが指定のサーバーを許可していません(authorized 列)。"
en["cli-label-audit-codes"] = "Domains per finding:"
ja["cli-label-audit-codes"] = "確認内容ごとのドメイン数:"

-- Help -----------------------------------------------------------------------------
local function lines(t) return table.concat(t, "\n") .. "\n" end

local COMMON_EN = [[
Common options:
  --json               JSON output
  --lang ja|en         language (default: from LC_ALL, LC_MESSAGES, LANG)
  --nameserver IP[:PORT]  ask this name server (repeatable; default: /etc/resolv.conf)
  --zone FILE          answer from a zone file instead of DNS (master file, or a .lua table)
  --help               this help]]
local COMMON_JA = [[
共通オプション:
  --json               JSON で出力します
  --lang ja|en         表示言語です(既定: LC_ALL、LC_MESSAGES、LANG の設定)
  --nameserver IP[:PORT]  問い合わせるネームサーバーです(複数可。既定: /etc/resolv.conf)
  --zone FILE          DNS の代わりにゾーンファイルを使います(マスターファイル、または .lua の表)
  --help               このヘルプを表示します]]

-- The main help: its head, one line a command (synopsis and summary, in
-- the order of spfkit.cli.COMMANDS), its tail.
en["cli-help-main-head"] = lines{
  "Usage: spfkit COMMAND [options]",
  "",
  "Find out why mail bounced for SPF, and exactly what TXT record to put in DNS.",
  "",
  "Commands:",
}
ja["cli-help-main-head"] = lines{
  "使い方: spfkit コマンド [オプション]",
  "",
  "SPF が原因でメールが届かなかった理由と、DNS に登録すべき TXT レコードをお知らせします。",
  "",
  "コマンド:",
}
en["cli-help-main-tail"] = lines{
  "",
  COMMON_EN,
  "  --version            print the version",
  "",
  "Exit status: 0 nothing to fix, 1 a problem was found, 2 usage or input error.",
  "\"spfkit COMMAND --help\" shows the options of a command.",
}
ja["cli-help-main-tail"] = lines{
  "",
  COMMON_JA,
  "  --version            バージョンを表示します",
  "",
  "終了コード: 0 問題なし、1 問題あり、2 使い方または入力の誤りです。",
  "各コマンドのオプションは「spfkit コマンド --help」でご確認ください。",
}

en["cli-label-synopsis-check"] = "check IP DOMAIN"
ja["cli-label-synopsis-check"] = "check IP DOMAIN"
en["cli-summary-check"] = "evaluate SPF for mail from IP as DOMAIN"
ja["cli-summary-check"] = "IP から DOMAIN として送ったメールの SPF を評価します"
en["cli-label-synopsis-lint"] = "lint DOMAIN"
ja["cli-label-synopsis-lint"] = "lint DOMAIN"
en["cli-summary-lint"] = "check the SPF record a domain publishes (or --record TEXT)"
ja["cli-summary-lint"] = "ドメインの SPFレコードを確認します(--record TEXT でレコードを直接指定できます)"
en["cli-label-synopsis-suggest"] = "suggest"
ja["cli-label-synopsis-suggest"] = "suggest"
en["cli-summary-suggest"] = "the SPF record for your providers (--provider ID), ready for DNS"
ja["cli-summary-suggest"] = "ご利用のプロバイダー(--provider ID)に合わせた SPFレコードを作成します"
en["cli-label-synopsis-diagnose"] = "diagnose FILE|-"
ja["cli-label-synopsis-diagnose"] = "diagnose FILE|-"
en["cli-summary-diagnose"] = "read a bounce and say what to change in DNS"
ja["cli-summary-diagnose"] = "エラーメールを読み、DNS の変更内容をお知らせします"
en["cli-label-synopsis-dkim"] = "dkim DOMAIN"
ja["cli-label-synopsis-dkim"] = "dkim DOMAIN"
en["cli-summary-dkim"] = "find and check the DKIM keys of DOMAIN (--selector S, --provider ID)"
ja["cli-summary-dkim"] = "DOMAIN の DKIM 公開鍵を探して確認します(--selector S、--provider ID)"
en["cli-dkim-missing"] = "No DKIM key is published under these selectors: {tried}"
ja["cli-dkim-missing"] = "次のセレクターには DKIM 公開鍵が設定されていません: {tried}"
en["cli-dkim-tried"] = "DKIM keys of {domain} (selectors tried: {tried})"
ja["cli-dkim-tried"] = "{domain} の DKIM 公開鍵です(確認したセレクター: {tried})"
en["cli-label-synopsis-audit"] = "audit FILE"
ja["cli-label-synopsis-audit"] = "audit FILE"
en["cli-summary-audit"] = "audit every domain listed in FILE, many at once (CSV, or --json lines)"
ja["cli-summary-audit"] = "FILE に並んだすべてのドメインをまとめて確認します(CSV、または --json で JSON Lines)"

en["cli-help-check"] = lines{
  "Usage: spfkit check IP DOMAIN [--sender ADDR] [--helo NAME]",
  "",
  "Evaluates SPF (RFC 7208) for mail sent from IP with DOMAIN (or the --sender",
  "address) in MAIL FROM, and shows the record, the term that matched, the DNS",
  "lookups and the Received-SPF header a receiver would add.",
  "",
  "  --sender ADDR        the MAIL FROM address (default: postmaster@DOMAIN)",
  "  --helo NAME          the HELO/EHLO name",
  COMMON_EN,
  "",
  "Exit status: 0 pass, 1 any other result, 2 usage or input error.",
}
ja["cli-help-check"] = lines{
  "使い方: spfkit check IP DOMAIN [--sender ADDR] [--helo NAME]",
  "",
  "IP から DOMAIN(または --sender のアドレス)を MAIL FROM として送ったメールの SPF",
  "(RFC 7208)を評価し、レコード、一致した項目、DNS参照回数、受信側が付ける",
  "Received-SPF ヘッダーを表示します。",
  "",
  "  --sender ADDR        MAIL FROM のアドレスです(既定: postmaster@DOMAIN)",
  "  --helo NAME          HELO/EHLO の名前です",
  COMMON_JA,
  "",
  "終了コード: 0 pass、1 それ以外の結果、2 使い方または入力の誤りです。",
}

en["cli-help-lint"] = lines{
  "Usage: spfkit lint DOMAIN",
  "       spfkit lint --record TEXT [DOMAIN]",
  "",
  "Checks an SPF record: syntax, the {limit}-lookup limit through includes and",
  "redirects, +all, ptr, several records, typographic quotes and more, each",
  "with what to change.",
  "",
  "  --record TEXT        check this text instead of what DOMAIN publishes",
  "                       (with DOMAIN, includes are followed in DNS)",
  COMMON_EN,
  "",
  "Exit status: 0 no error or warning, 1 an error or warning, 2 usage or input error.",
}
ja["cli-help-lint"] = lines{
  "使い方: spfkit lint DOMAIN",
  "        spfkit lint --record TEXT [DOMAIN]",
  "",
  "SPFレコードを確認します。構文、include・redirect を含めた DNS参照回数(上限{limit}回)、",
  "+all、ptr、レコードの重複、全角の引用符などを調べ、修正方法をお知らせします。",
  "",
  "  --record TEXT        DOMAIN が公開しているレコードの代わりにこの文字列を確認します",
  "                       (DOMAIN も指定すると include を DNS でたどります)",
  COMMON_JA,
  "",
  "終了コード: 0 エラー・警告なし、1 エラーまたは警告あり、2 使い方または入力の誤りです。",
}

en["cli-help-suggest"] = lines{
  "Usage: spfkit suggest --provider ID [--ip IP] [--host NAME] ... [--existing TEXT] [--domain DOMAIN]",
  "",
  "Builds the one SPF record that covers your providers and prints it as it goes",
  "into DNS: value, record name, type, TTL and a zone file line.",
  "",
  "  --provider ID        a hosting provider or mail service (repeatable; --list shows the ids)",
  "  --ip IP              the server address for the --provider before it;",
  "                       without any --provider, adds ip4:IP or ip6:IP",
  "  --host NAME          the server host name for the --provider before it;",
  "                       without any --provider, adds a:NAME",
  "  --existing TEXT      merge into this existing record (repeatable: several",
  "                       records become one)",
  "  --domain DOMAIN      the domain the record is for (record name, zone line);",
  "                       with --zone or --nameserver and no --existing, its",
  "                       published record is merged into",
  "  --ttl SECONDS        TTL of the record (default 3600)",
  "  --all ~|-|?          the all qualifier (default: kept, or ~ for a new record)",
  "  --list               list the provider ids",
  COMMON_EN,
  "",
  "Exit status: 0 a record was made, 1 no record within the {limit}-lookup limit,",
  "2 usage or input error (unknown provider, missing parameter).",
}
ja["cli-help-suggest"] = lines{
  "使い方: spfkit suggest --provider ID [--ip IP] [--host NAME] ... [--existing TEXT] [--domain DOMAIN]",
  "",
  "ご利用のプロバイダーをすべて含む1件の SPFレコードを作成し、DNS に登録する形",
  "(値、レコード名、タイプ、TTL、ゾーンファイル形式)で表示します。",
  "",
  "  --provider ID        ホスティング事業者やメール配信サービスです(複数可。--list で一覧を表示します)",
  "  --ip IP              直前の --provider のサーバーの IP アドレスです。",
  "                       --provider がない場合は ip4:IP または ip6:IP を追加します",
  "  --host NAME          直前の --provider のサーバーのホスト名です。",
  "                       --provider がない場合は a:NAME を追加します",
  "  --existing TEXT      この既存のレコードに追加します(複数指定すると1件にまとめます)",
  "  --domain DOMAIN      レコードを登録するドメインです(レコード名、ゾーンファイル形式)。",
  "                       --zone か --nameserver があり --existing がない場合は、",
  "                       公開中のレコードに追加します",
  "  --ttl SECONDS        レコードの TTL です(既定 3600)",
  "  --all ~|-|?          all の修飾子です(既定: 既存のものを維持、新規は ~)",
  "  --list               プロバイダーの ID を一覧表示します",
  COMMON_JA,
  "",
  "終了コード: 0 レコードを作成できました、1 DNS参照回数の上限({limit}回)に収まりません、",
  "2 使い方または入力の誤り(不明なプロバイダー、必要な指定の不足)です。",
}

en["cli-help-dkim"] = lines{
  "Usage: spfkit dkim DOMAIN [--selector S]... [--provider ID]",
  "",
  "Finds the DKIM keys of DOMAIN: the selectors given with --selector, else the",
  "provider's documented selectors and the common ones, asked together. Each key",
  "is checked (syntax, key type and size, revoked, test mode, CNAMEs followed),",
  "and a missing key is looked for where it is often put by mistake (the doubled",
  "name <selector>._domainkey.DOMAIN.DOMAIN, without _domainkey, the SPF type).",
  "",
  "  --selector S         the selector to check (repeatable)",
  "  --provider ID        your provider: its selectors first, and where its panel",
  "                       shows the DKIM record",
  COMMON_EN,
  "",
  "Exit status: 0 a usable key was found, 1 none, 2 usage or input error.",
}
ja["cli-help-dkim"] = lines{
  "使い方: spfkit dkim DOMAIN [--selector S]... [--provider ID]",
  "",
  "DOMAIN の DKIM 公開鍵を探します。--selector で指定したセレクター、指定がない場合は",
  "プロバイダーのセレクターと一般的なセレクターをまとめて問い合わせます。見つかった鍵は",
  "構文・鍵の種類と長さ・失効・テストモードを確認し(CNAME もたどります)、見つからない場合は",
  "よくある誤り(<selector>._domainkey.DOMAIN.DOMAIN、_domainkey なし、SPF タイプ)も確認します。",
  "",
  "  --selector S         確認するセレクターです(複数可)",
  "  --provider ID        ご利用のプロバイダーです。そのセレクターを先に確認し、DKIM レコードを",
  "                       表示する管理画面をお知らせします",
  COMMON_JA,
  "",
  "終了コード: 0 使える鍵あり、1 なし、2 使い方または入力の誤りです。",
}
en["cli-help-diagnose"] = lines{
  "Usage: spfkit diagnose FILE|- [--ip IP] [--domain D] [--provider ID [--host NAME]] [--entry N]",
  "       spfkit diagnose --domain DOMAIN --ip IP [--sender ADDR] [--helo NAME]",
  "",
  "Reads a bounce (a file, or standard input with -), evaluates SPF, DMARC and",
  "reverse DNS as they are now, and says exactly what to change in DNS.",
  "",
  "  --domain DOMAIN      diagnose DOMAIN instead of a bounce (with --ip);",
  "                       with a FILE, the domain to check instead of the bounce's",
  "  --ip IP              the sending server's address; with a FILE, it wins over",
  "                       what the bounce says (or gives it when the bounce has none)",
  "  --sender ADDR        the MAIL FROM address (with --domain)",
  "  --helo NAME          the HELO/EHLO name",
  "  --provider ID        your provider, so that the fix uses its published terms",
  "                       (repeatable; an ip it needs comes from the bounce)",
  "  --host NAME          the server host name for the --provider before it",
  "  --entry N            which recipient of a bounce that reports several (default 1)",
  "  --ttl SECONDS        TTL of the proposed record",
  "  --html               an HTML fragment instead of text",
  COMMON_EN,
  "",
  "Exit status: 0 nothing to fix, 1 a problem was found, 2 usage or input error.",
}
ja["cli-help-diagnose"] = lines{
  "使い方: spfkit diagnose FILE|- [--ip IP] [--domain D] [--provider ID [--host NAME]] [--entry N]",
  "        spfkit diagnose --domain DOMAIN --ip IP [--sender ADDR] [--helo NAME]",
  "",
  "エラーメール(ファイル、または - で標準入力)を読み、現在の SPF・DMARC・逆引き DNS を",
  "確認して、DNS の変更内容をお知らせします。",
  "",
  "  --domain DOMAIN      エラーメールの代わりに DOMAIN を診断します(--ip と併用)。",
  "                       FILE と併用すると、エラーメールのドメインの代わりに確認します",
  "  --ip IP              送信サーバーの IP アドレスです。FILE と併用すると、エラーメールの",
  "                       記載より優先します(記載がない場合はこれを使います)",
  "  --sender ADDR        MAIL FROM のアドレスです(--domain と併用)",
  "  --helo NAME          HELO/EHLO の名前です",
  "  --provider ID        ご利用のプロバイダーです。修正案にその指定値を使います",
  "                       (複数可。必要な IP アドレスはエラーメールから補います)",
  "  --host NAME          直前の --provider のサーバーのホスト名です",
  "  --entry N            複数の宛先が記載されたエラーメールで、何番目を診断するかです(既定 1)",
  "  --ttl SECONDS        提案するレコードの TTL です",
  "  --html               テキストの代わりに HTML で出力します",
  COMMON_JA,
  "",
  "終了コード: 0 問題なし、1 問題あり、2 使い方または入力の誤りです。",
}

en["cli-help-audit"] = lines{
  "Usage: spfkit audit FILE|- [--json] [--concurrency N] [--provider ID] [--host NAME] [--ip IP]",
  "                    [--shard I/N] [--bom] [--summary] [--timeout SECONDS]",
  "",
  "Audits every domain in FILE (one per line; blank lines and # comments are skipped):",
  "its SPF record and include tree, DMARC, and with --provider/--host/--ip whether the",
  "record authorises those servers; prints one CSV row per domain in list order, a",
  "domain whose DNS fails included. Up to N domains are checked at once (default 200)",
  "with one shared answer cache. On a terminal, stderr shows a progress bar with rate",
  "and ETA, then a summary (counts per status and per finding; --summary prints it",
  "also when stderr is not a terminal). stdout carries only the rows.",
  "",
  "CSV columns: domain,status,errors,warnings,lookups,void_lookups,codes,record,message,fix,",
  "             dmarc,authorized",
  "  status: ok, warning, error, temperror (its DNS did not answer: try again later)",
  "          or invalid (not a domain name)",
  "  codes: the finding codes, separated by spaces",
  "  message: the first error or warning, in the --lang language",
  "  fix: the SPF record to publish instead (with the given servers when they are missing)",
  "  dmarc: none, quarantine, reject, invalid, temperror, or empty without a record",
  "  authorized: yes/no with --provider/--host/--ip, else empty",
  "  --json             one JSON object per line (JSON lines), with index, findings, checks",
  "  --bom              start the CSV with a UTF-8 byte order mark (Excel, Japanese text)",
  "  --concurrency N    domains in flight (1-100000, default 200)",
  "  --provider ID      the provider whose servers every domain should authorise",
  "  --host NAME        a server's host name (its A/AAAA addresses are checked)",
  "  --ip IP            a server's address (repeatable)",
  "  --shard I/N        audit only the I-th of N parts: the listed domains at positions",
  "                     I, I+N, I+2N, ... (comments and blank lines not counted)",
  "  --timeout SECONDS  per DNS try (with the network resolver; default 2)",
  COMMON_EN,
  "",
  "Exit status: 0 no domain has an error or warning, 1 some do, 2 usage or input error.",
}
ja["cli-help-audit"] = lines{
  "使い方: spfkit audit FILE|- [--json] [--concurrency N] [--provider ID] [--host NAME] [--ip IP]",
  "                     [--shard I/N] [--bom] [--summary] [--timeout 秒]",
  "",
  "FILE に記載されたすべてのドメイン(1行に1件。空行と # 以降のコメントは読み飛ばします)の",
  "SPFレコードと include の構成、DMARC を確認し、--provider/--host/--ip を指定した場合は",
  "そのサーバーが許可されているかも確認して、ドメインごとに CSV を1行、ファイルの順に出力します。",
  "DNS が応答しないドメインも1行として出力します。同時に N 件(既定 200)を確認し、DNS の応答は",
  "全体で共有します。標準エラー出力が端末の場合は進み具合(件/秒と残り時間)と、最後に集計",
  "(状態ごと・確認内容ごとの件数)を表示します(--summary で端末以外にも表示)。",
  "標準出力には行だけを出力します。",
  "",
  "CSV の列: domain,status,errors,warnings,lookups,void_lookups,codes,record,message,fix,",
  "          dmarc,authorized",
  "  status: ok、warning、error、temperror(DNS が応答しませんでした。時間を置いて再度お試しください)、",
  "          invalid(ドメイン名として正しくありません)",
  "  codes: 確認された内容のコードです(空白区切り)",
  "  message: 最初のエラーまたは警告の説明です(--lang の言語)",
  "  fix: 代わりに登録する SPF レコードです(指定のサーバーが含まれていなければ追加します)",
  "  dmarc: none、quarantine、reject、invalid、temperror、レコードがなければ空です",
  "  authorized: --provider/--host/--ip を指定した場合に yes/no、それ以外は空です",
  "  --json             1行に1つの JSON オブジェクトで出力します(JSON Lines。index、findings、checks 付き)",
  "  --bom              CSV の先頭に UTF-8 の BOM を付けます(Excel で日本語を正しく開くため)",
  "  --concurrency N    同時に確認するドメイン数です(1〜100000、既定 200)",
  "  --provider ID      すべてのドメインが許可すべきサーバーのプロバイダーです",
  "  --host NAME        サーバーのホスト名です(その A/AAAA のアドレスを確認します)",
  "  --ip IP            サーバーの IP アドレスです(複数可)",
  "  --shard I/N        N 分割した I 番目だけを確認します: I、I+N、I+2N…番目のドメイン",
  "                     (コメントと空行は数えません)",
  "  --timeout 秒       DNS の1回の問い合わせの待ち時間です(ネットワークの DNS のみ。既定 2)",
  COMMON_JA,
  "",
  "終了コード: 0 どのドメインにもエラー・警告なし、1 エラーまたは警告あり、2 使い方または入力の誤りです。",
}

return { en = en, ja = ja }
