std = "max"
max_line_length = 120
files["spec/**"] = { std = "+busted", max_line_length = false }
exclude_files = { "build/**" }
