/**
 * @turnpike/testing: helpers for testing Turnpike policies and gateways with real parts.
 */
export { createPolicyApp } from "./policy-app.js";
export type { PolicyAppOptions } from "./policy-app.js";
export { startUpstream, echo } from "./upstream.js";
export type { ReceivedRequest, TestUpstream, UpstreamHandler } from "./upstream.js";
export { startRedis } from "./redis-server.js";
export type { TestRedis } from "./redis-server.js";
export { spawnGateway, runTurnpike, cliPath } from "./gateway-process.js";
export type { GatewayProcess, SpawnGatewayOptions } from "./gateway-process.js";
export { writeConfig } from "./write-config.js";
