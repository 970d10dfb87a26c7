/**
 * How the admin routes reach the consumer store.
 */
import type { ConsumerStore } from "@turnpike/policy-auth";

/** Gives the gateway's consumer store (the instance shared with the auth policies). */
export interface StoreAccess {
  store(): ConsumerStore;
}
