/**
 * @turnpike/policy-auth: the `key-auth`, `basic-auth` and `jwt` policies, scopes, and the consumer &
 * credential store they share with the admin API.
 *
 * The default export is the plugin; the core loads it by name when a pipeline uses one of its policies.
 */
import { definePlugin } from "@turnpike/core";
import { basicAuthPolicy } from "./policies/basic-auth/basic-auth.js";
import { jwtPolicy } from "./policies/jwt/jwt.js";
import { keyAuthPolicy } from "./policies/key-auth/key-auth.js";

/** The plugin: `key-auth`, `basic-auth` and `jwt`. */
const plugin = definePlugin({ name: "@turnpike/policy-auth", policies: [keyAuthPolicy, basicAuthPolicy, jwtPolicy] });
export default plugin;

export { basicAuthPolicy, jwtPolicy, keyAuthPolicy };
export type { BasicAuthOptions } from "./policies/basic-auth/basic-auth-schema.js";
export type { KeyAuthOptions } from "./policies/key-auth/key-auth-schema.js";
export type { JwtAlgorithm, JwtOptions } from "./policies/jwt/jwt-schema.js";
export { JWT_ALGORITHMS } from "./policies/jwt/jwt-schema.js";
export { algorithmsForPublicKey } from "./policies/jwt/jwt-keys.js";
export { credentialCache, CredentialCache, ENTRY_TTL_MS } from "./auth/credential-cache.js";
export { CREDENTIAL_TYPES, ConsumerStoreError, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, STORE_ERROR_STATUS } from "./store/consumer-store.js";
export type {
  AppChanges,
  AppInput,
  AppRecord,
  AuthRecord,
  ConsumerRecord,
  ConsumerStore,
  CredentialInput,
  CredentialRecord,
  CredentialType,
  ConsumerImport,
  ImportedApp,
  ImportedCredential,
  ImportedUser,
  ImportResult,
  ImportSkip,
  IssuedCredential,
  Page,
  PageRequest,
  ScopeChange,
  ScopeRecord,
  StoreChange,
  StoreErrorCode,
  UserChanges,
  UserFields,
  UserInput,
  UserRecord,
} from "./store/consumer-store.js";
export { consumerStore, SQLITE_FILE_NAME } from "./store/shared-consumer-store.js";
export { createMemoryConsumerStore, createRedisConsumerStore, createSqliteConsumerStore } from "./store/create-consumer-store.js";
export type { ConsumerStoreOptions } from "./store/create-consumer-store.js";
export { ConsumerDirectory } from "./store/consumer-directory.js";
export { declaredConsumerId, declaredConsumers } from "./store/declared-consumers.js";
export { importedBcryptHash } from "./store/secret-hash.js";
export type { DeclaredConsumers, DeclaredSource } from "./store/declared-consumers.js";
