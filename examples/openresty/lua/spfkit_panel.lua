-- spfkit control-panel example (see conf/nginx.conf): the handlers.
--
--   GET  /                 the page: paste or upload a bounce, pick 日本語/English
--   POST /                 the same page with the diagnosis (report:html())
--   POST /api/diagnose     report:json() (raw message, multipart or form body)
--   GET  /api/check?ip=&domain=   the SPF result of ip for domain, as JSON
--
-- No handler blocks the worker: DNS goes through spfkit.openresty's
-- cosocket source with a deadline; answers are shared by the workers in
-- the lua_shared_dict given to init().
local openresty = require "spfkit.openresty"
local page = require "spfkit_panel.page"

local M = {}

-- seconds a diagnosis may spend on DNS; bytes a bounce may have
M.DEADLINE = 8
M.MAX = 2 * 1024 * 1024

local json
do
  local ok, cjson = pcall(require, "cjson.safe")
  json = ok and cjson.encode or require("spfkit.report").json_encode
end

--- init_by_lua: nameservers from $SPFKIT_NAMESERVERS ("a:p,b:p"), else resolv.conf.
function M.init(opts)
  local list = os.getenv("SPFKIT_NAMESERVERS")
  local ns
  if list and list ~= "" then
    ns = {}
    for s in list:gmatch("[^,%s]+") do ns[#ns + 1] = s end
  end
  openresty.configure{ nameservers = ns, cache = opts.cache, timeout = 2, retries = 1 }
end

local function send_json(status, body)
  ngx.status = status
  ngx.header["Content-Type"] = "application/json; charset=utf-8"
  ngx.say(body)
end

local function error_json(err)
  return json({ error = { code = err.code, message = err.message } })
end

--- POST /api/diagnose
function M.api_diagnose()
  if ngx.req.get_method() ~= "POST" then
    return send_json(405, error_json{ code = "method", message = "POST a bounce" })
  end
  local report, err = openresty.diagnose_request{ deadline = M.DEADLINE, max = M.MAX }
  if not report then return send_json(err.status or 400, error_json(err)) end
  send_json(200, report:json())
end

--- GET /api/check?ip=&domain=
function M.api_check()
  local args = ngx.req.get_uri_args()
  local ip, domain = args.ip, args.domain
  if type(ip) ~= "string" or type(domain) ~= "string" or domain == "" then
    return send_json(400, error_json{ code = "bad-request", message = "give ip= and domain=" })
  end
  local r, err = openresty.check{ ip = ip, sender = "postmaster@" .. domain, deadline = M.DEADLINE }
  if not r then return send_json(400, error_json(err)) end
  send_json(200, json({ domain = domain, ip = ip, result = r.result, mechanism = r.mechanism,
                        explanation = r.explanation, lookups = r.lookups,
                        void_lookups = r.void_lookups, received_spf = r.received_spf }))
end

--- GET / (the form) and POST / (the form and the diagnosis)
function M.page()
  local lang = ngx.var.arg_lang == "en" and "en" or "ja"
  if ngx.req.get_method() ~= "POST" then
    return ngx.say(page.render{ lang = lang })
  end
  local report, err = openresty.diagnose_request{ deadline = M.DEADLINE, max = M.MAX, default_lang = "ja" }
  if not report then
    ngx.status = err.status or 400
    return ngx.say(page.render{ lang = lang, error = err })
  end
  ngx.say(page.render{ lang = report.lang or lang, report = report:html(), fix = report.fix })
end

return M
