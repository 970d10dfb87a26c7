/**
 * @turnpike/testing: helpers for testing Turnpike policies and gateways with real parts.
 */
export { createPolicyApp } from "./policy-app.js";
export type { PolicyAppOptions } from "./policy-app.js";
export { startUpstream, echo } from "./upstream.js";
export type { ReceivedRequest, TestUpstream, UpstreamHandler } from "./upstream.js";
export { startRedis } from "./redis-server.js";
export type { TestRedis } from "./redis-server.js";
export { spawnGateway, spawnProcess, runTurnpike, cliPath } from "./gateway-process.js";
export type { GatewayProcess, SpawnGatewayOptions, WatchedProcess } from "./gateway-process.js";
export { writeConfig } from "./write-config.js";
