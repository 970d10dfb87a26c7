/**
 * Waiting for a state another process reaches on its own time (a store change seen by another gateway
 * instance): there is no event to await across processes, so the check is retried until a deadline.
 */

/**
 * Calls `check` until it returns true, at most until `withinMs` elapsed (then once more).
 * @returns whether it became true in time
 */
export async function eventually(check: () => Promise<boolean>, withinMs: number, everyMs = 25): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Status of `GET url` with an `Authorization` header. */
export async function statusOf(url: string, authorization: string): Promise<number> {
  const res = await fetch(url, { headers: { authorization } });
  await res.arrayBuffer();
  return res.status;
}
