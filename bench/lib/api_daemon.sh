# api_daemon.sh: sourced by the benchmarks that talk to batchd's API. api_daemon_start
# NAME BATCHD DB TMP makes a viewer token (in $token) and starts batchd on DB with the
# API on a free loopback port, its state and log under TMP; returns when batchd has
# started, with $pid, $port and $url set. NAME prefixes the error messages.
api_daemon_start() {
    token=$("$2" token create --name bench --role viewer --db "$3" 2>/dev/null | head -n 1)
    mkdir -p "$4/state"
    "$2" --db "$3" --listen 127.0.0.1:0 --state-dir "$4/state" --log-file "$4/d.log" \
        2>"$4/stderr.log" &
    pid=$!
    _n=0
    until grep -q '"batchd started' "$4/d.log" 2>/dev/null || [ "$_n" -ge 1200 ]; do
        kill -0 "$pid" 2>/dev/null || { echo "$1: batchd exited" >&2; cat "$4/stderr.log" >&2; exit 1; }
        sleep 0.05; _n=$((_n + 1))
    done
    port=$(sed -n 's/.*API listening on .* (port \([0-9]*\)).*/\1/p' "$4/d.log" | head -n 1)
    [ -n "$port" ] || { echo "$1: no API port in the log" >&2; exit 1; }
    url="http://127.0.0.1:$port"
}
