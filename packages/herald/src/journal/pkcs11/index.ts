// The archive key on an HSM through PKCS#11 (issue 5): the vault, its configuration, and the
// token port it uses. The gateway never imports this; export and keygen tools do.
export type { ArchiveKeyToken, TokenKeyPair } from './archive-token.ts';
export { DEFAULT_ARCHIVE_KEY_LABEL, pkcs11VaultConfig, type Pkcs11Settings } from './pkcs11-config.ts';
export { Pkcs11KeyVault, type Pkcs11VaultConfig } from './pkcs11-key-vault.ts';
export { openPkcs11Token, type TokenConfig } from './pkcs11js-token.ts';
