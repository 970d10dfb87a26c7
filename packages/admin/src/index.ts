/**
 * @turnpike/admin: the admin REST API (users, apps, credentials, scopes, health, metrics), started by the
 * gateway when `admin:` is configured.
 *
 * @example
 * ```yaml
 * admin: { port: 9876, host: 127.0.0.1, token: "${TURNPIKE_ADMIN_TOKEN}" }
 * ```
 */
export { startAdmin } from "./start-admin.js";
export { createAdminApp } from "./admin-app.js";
export type { AdminAppOptions } from "./admin-app.js";
export { createAdminMetrics, MAX_CONSUMER_LABELS, OTHER_CONSUMERS, CLIENT_CLOSED } from "./metrics/admin-metrics.js";
export type { AdminMetrics, AdminMetricsOptions } from "./metrics/admin-metrics.js";
export type { StoreAccess } from "./store/store-access.js";
export { BODY_LIMIT_BYTES } from "./http/json-body.js";
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./http/query.js";
