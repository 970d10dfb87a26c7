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
