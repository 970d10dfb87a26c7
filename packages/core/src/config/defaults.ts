/**
 * Defaults, in one place (the docs quote them from here).
 */
export const DEFAULTS = {
  /** Gateway listeners bind every interface: clients must reach them. */
  host: "0.0.0.0",
  /** The admin API binds loopback unless told otherwise. */
  adminHost: "127.0.0.1",
  /** Durable local data (admin-managed consumers), relative to the config file's directory. */
  dataDir: ".turnpike",
  server: {
    /** Node's own default; larger heads get 431. */
    maxHeaderSize: 16384,
    /** A slow client gets this long to send its request head. */
    headersTimeout: 20000,
    /** ...and this long for the whole request, body included. */
    requestTimeout: 120000,
    /** Longer than typical client idle timeouts' complement (Node's default is 5 s). */
    keepAliveTimeout: 5000,
    shutdownTimeout: 30000,
  },
  redis: {
    prefix: "turnpike:",
    commandTimeout: 500,
    connectTimeout: 2000,
  },
  proxy: {
    /** Time allowed for the upstream's response headers (CONTRACT §3), then 504. */
    proxyTimeout: 30000,
    /** Time allowed to open a connection to the upstream, then 504. */
    connectTimeout: 5000,
    /** Longest pause between two chunks of the upstream's response body before the exchange is aborted. */
    bodyTimeout: 60000,
    /** Idle upstream connections are kept this long for reuse. */
    keepAliveTimeout: 4000,
  },
} as const;
