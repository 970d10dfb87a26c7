// Starts the demo upstream and the gateway in one process, so the example runs with one command.
// PORT and UPSTREAM_PORT choose the ports (0 = any free port).
import { createGateway, watchConfig } from "@turnpike/core";
import { fileURLToPath } from "node:url";
import { startDemoUpstream } from "./upstream.js";

const configFile = fileURLToPath(new URL("./gateway.config.yml", import.meta.url));
const upstream = await startDemoUpstream(Number(process.env.UPSTREAM_PORT ?? 9001));
// The config reads UPSTREAM_PORT: pass the real port when an ephemeral one was asked for.
process.env.UPSTREAM_PORT = String(upstream.address().port);
console.log(`demo upstream listening on http://127.0.0.1:${upstream.address().port}`);

const gateway = await createGateway({ config: configFile });
// Watched before listening, so no edit made after the listening line can be missed.
const unwatch = watchConfig(gateway, configFile);
const { http } = await gateway.listen();
console.log(`gateway listening on ${http}`);
console.log(`try: curl -i ${http}/api/hello`);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, async () => {
    unwatch();
    await gateway.close();
    upstream.close();
  });
}
