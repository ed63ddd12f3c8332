"""Payment provider simulators for the tests and the payment benchmark: real HTTP servers on loopback that speak
WeChat Pay API v3 and the Alipay open API, with their own keys, signatures and error codes."""
