/**
 * Following the admin API's paged lists (`{<items>: [...], nextKey}`, Express Gateway's shape) to the end.
 */
import { adminRequest, type AdminTarget } from "./admin-client.js";

/** Pages fetched at most (a safety bound: 1000 pages of 500 items). */
const MAX_PAGES = 1000;

/**
 * Fetches every page of `path` (which may already carry a query) and returns the items under `key`.
 */
export async function fetchAllPages<T>(target: AdminTarget, path: string, key: string, count = 500): Promise<T[]> {
  const items: T[] = [];
  let start: string | number = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const sep = path.includes("?") ? "&" : "?";
    const query = `count=${count}${start !== 0 && start !== "0" ? `&start=${encodeURIComponent(String(start))}` : ""}`;
    const body = await adminRequest<Record<string, unknown>>(target, "GET", `${path}${sep}${query}`);
    const list = body[key];
    if (Array.isArray(list)) items.push(...(list as T[]));
    const next = body.nextKey;
    if (next === undefined || next === null || next === 0 || next === "0" || next === "") break;
    start = next as string | number;
  }
  return items;
}
