-- The DNS of the Zenlogic notice's example (seed 000): the customer's
-- domain publishes "v=spf1 include:_spf.example.jp ~all", which does not
-- cover the hosting server 164.0.1.2 that Gmail saw.
return {
  ["example.jp"] = {
    { TXT = "v=spf1 include:_spf.example.jp ~all" },
    { TXT = "google-site-verification=Qm9vZ2xlLXNpdGUtdmVyaWZpY2F0aW9u" },
    { MX = { 10, "mail.example.jp" } },
    { A = "164.0.1.2" },
  },
  ["_spf.example.jp"] = { { TXT = "v=spf1 ip4:192.0.2.0/24 -all" } },
  ["mail.example.jp"] = { { A = "164.0.1.2" } },
}
