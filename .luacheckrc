std = "max"
max_line_length = 120
files["spec/**"] = { std = "+busted", max_line_length = false }
exclude_files = { "build/**" }
-- nginx (ngx_lua) code: the ngx global and its modules
files["lua/spfkit/openresty/**"] = { std = "max+ngx_lua" }
files["examples/openresty/**"] = { std = "max+ngx_lua" }
