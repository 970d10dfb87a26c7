/**
 * The time source of the cache. Freshness, ages and retention are computed from it, so tests can drive
 * a cache through minutes of its life without waiting.
 */

/** Returns the current time in milliseconds since the epoch. */
export type Clock = () => number;

/** The wall clock (`Date.now`): HTTP dates and `Age` are wall-clock quantities. */
export const systemClock: Clock = Date.now;
