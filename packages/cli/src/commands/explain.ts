/**
 * `turnpike explain [-c FILE] METHOD URL [-H 'Name: value']... [--consumer NAME]`: what the gateway
 * would do with a request, without sending anything upstream: locally from FILE, or with `--remote` from
 * the running gateway's admin API (`POST /explain`, where the cache shows the gateway's own entries).
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { createGateway, silentLogger, type ExplainInput, type RequestExplanation } from "@turnpike/core";
import { ADMIN_OPTIONS, ADMIN_USAGE, adminRequest, adminTarget } from "../admin-client.js";
import { UsageError, type Command } from "../command.js";
import { formatExplanation } from "../explain/format-explanation.js";
import { printJson } from "../subcommands.js";

function parseHeaders(values: readonly string[] | undefined): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (const value of values ?? []) {
    const colon = value.indexOf(":");
    if (colon <= 0) throw new UsageError(`-H ${JSON.stringify(value)}: expected 'Name: value'`);
    const name = value.slice(0, colon).trim();
    (headers[name] ??= []).push(value.slice(colon + 1).trim());
  }
  return headers;
}

export const explainCommand: Command = {
  name: "explain",
  summary: "show what the gateway would do with a request, without sending it",
  usage: [
    "turnpike explain [-c FILE] METHOD URL [-H 'Name: value']... [--consumer NAME] [--client-ip IP] [--json]",
    "turnpike explain --remote [--admin-url URL] [--token TOKEN] METHOD URL ...",
    "",
    "  URL                 a path (/users/1?x=2) or an absolute URL (its host becomes the Host header)",
    "  -c, --config FILE   configuration file (default ./gateway.config.yml)",
    "  -H, --header H      a request header, 'Name: value' (repeatable)",
    "  --consumer NAME     explain as if this consumer (username, app name or id) had authenticated",
    "  --client-ip IP      the client's address (default 127.0.0.1)",
    "  --json              print the explanation as JSON",
    "  --remote            ask the running gateway's admin API (POST /explain) instead of reading FILE",
    ADMIN_USAGE,
  ].join("\n"),
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: "string", short: "c" },
        header: { type: "string", short: "H", multiple: true },
        consumer: { type: "string" },
        "client-ip": { type: "string" },
        json: { type: "boolean" },
        remote: { type: "boolean" },
        ...ADMIN_OPTIONS,
      },
    });
    if (positionals.length !== 2) throw new UsageError("give METHOD and URL");
    const input: ExplainInput = {
      method: positionals[0]!,
      url: positionals[1]!,
      headers: parseHeaders(values.header),
      ...(values.consumer !== undefined ? { consumer: values.consumer } : {}),
      ...(values["client-ip"] !== undefined ? { clientIp: values["client-ip"] } : {}),
    };
    let explanation: RequestExplanation;
    if (values.remote) {
      explanation = await adminRequest<RequestExplanation>(adminTarget(values, io.env), "POST", "/explain", input);
    } else {
      const file = path.resolve(io.cwd, values.config ?? "gateway.config.yml");
      const gateway = await createGateway({ config: file, env: io.env, logger: silentLogger });
      try {
        explanation = await gateway.explain(input);
      } finally {
        await gateway.close();
      }
    }
    if (values.json) printJson(io, explanation);
    else for (const line of formatExplanation(explanation)) io.out(line);
    return 0;
  },
};
