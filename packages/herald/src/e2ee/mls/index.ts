// The MLS engine as the SDK imports it (`@herald/server/mls`): the port, the ts-mls engine and the
// key-directory Authentication Service. No Node built-ins here, so it runs in browsers with
// ts-mls's stock provider; the native provider is `@herald/server/mls/node`.
export {
  DEFAULT_MLS_CIPHER_SUITE,
  MLS_CIPHER_SUITES,
  MLS_WIRE_FORMATS,
  type MlsCallOptions,
  type MlsCipherSuiteName,
  type MlsCommitOutput,
  type MlsEngine,
  type MlsExternalJoin,
  type MlsExternalJoiner,
  type MlsExternalRemoveRequest,
  type MlsExternalSender,
  type MlsFraming,
  type MlsFramingSender,
  type MlsGroupState,
  type MlsKeyPackageBundle,
  type MlsMember,
  type MlsPendingCommit,
  type MlsProcessed,
  type MlsSignatureKeyPair,
  type MlsValidatedKeyPackage,
  type MlsWireFormat,
} from './mls-engine.ts';
export {
  encodeMemberIdentity,
  parseMemberIdentity,
  type CredentialValidator,
  type CredentialVerdict,
  type MlsMemberIdentity,
} from './credential-validator.ts';
export {
  KeyDirectoryCredentialValidator,
  type SignatureKeyLookup,
} from './key-directory-credential-validator.ts';
export { TsMlsEngine, type TsMlsEngineOptions } from './ts-mls-engine.ts';
