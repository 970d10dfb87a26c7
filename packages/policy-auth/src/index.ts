/**
 * @turnpike/policy-auth: the `key-auth`, `basic-auth` and `jwt` policies, scopes, and the consumer &
 * credential store they share with the admin API.
 */
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
export type { DeclaredConsumers, DeclaredSource } from "./store/declared-consumers.js";
