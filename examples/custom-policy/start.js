// Starts the items service and the gateway in one process. PORT and UPSTREAM_PORT choose the ports.
import { createGateway, watchConfig } from "@turnpike/core";
import { fileURLToPath } from "node:url";
import { startItemsService } from "./upstream.js";

const configFile = fileURLToPath(new URL("./gateway.config.yml", import.meta.url));
const upstream = await startItemsService(Number(process.env.UPSTREAM_PORT ?? 9001));
process.env.UPSTREAM_PORT = String(upstream.address().port);

const gateway = await createGateway({ config: configFile });
// Watched before listening, so no edit made after the listening line can be missed.
const unwatch = watchConfig(gateway, configFile);
const { http } = await gateway.listen();
console.log(`gateway listening on ${http}`);
console.log(`try: curl -i -H 'Accept-Version: 2' ${http}/v1/items`);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, async () => {
    unwatch();
    await gateway.close();
    upstream.close();
  });
}
