#!/usr/bin/env bash
# key-auth -> rate-limit with the Redis store -> proxy (redis-server pinned to the load CPU).
set -euo pipefail
port=$((UPSTREAM_PORT + 100))
taskset -c 1 redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no > "$WORK/redis.log" 2>&1 &
for _ in $(seq 50); do redis-cli -p "$port" ping > /dev/null 2>&1 && break; sleep 0.1; done
cat > "$WORK/gateway.config.yml" <<EOF
http: { port: ${PORT}, host: 127.0.0.1 }
redis: { url: "redis://127.0.0.1:$port" }
consumers:
  - username: bench
    credentials:
      - { type: key-auth, keyId: bench-key-id, keySecret: bench-key-secret }
apiEndpoints: { all: { host: "*", paths: ["/*"] } }
serviceEndpoints: { upstream: { url: "http://127.0.0.1:${UPSTREAM_PORT}" } }
pipelines:
  bench:
    apiEndpoints: [all]
    policies:
      - key-auth: {}
      - rate-limit: { max: 100000000, windowMs: 60000, rateLimitBy: "\${req.user.id}", store: redis }
      - proxy: { serviceEndpoint: upstream }
EOF
cd "$WORK"
ln -sfn "$TURNPIKE_DIR/node_modules" node_modules
exec node "$TURNPIKE_DIR/node_modules/.bin/turnpike" start -c "$WORK/gateway.config.yml" --no-watch
