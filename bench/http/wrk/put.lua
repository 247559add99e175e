-- PUT /kv/{key} for wrk: every request stores the same 64-byte body under
-- the key in the URL (run.sh passes http://127.0.0.1:PORT/kv/k1).
wrk.method = "PUT"
wrk.body = string.rep("v", 64)
wrk.headers["Content-Type"] = "application/octet-stream"
