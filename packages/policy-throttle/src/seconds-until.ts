/** Seconds until `resetAt` (epoch ms), rounded up and never negative: what `Retry-After` and reset headers carry. */
export function secondsUntil(resetAt: number, now: number): number {
  const ms = resetAt - now;
  return ms <= 0 ? 0 : Math.ceil(ms / 1000);
}
