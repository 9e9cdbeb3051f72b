import {
  CodecError,
  CryptoError,
  CryptoVerificationError,
  DependencyError,
  InternalError,
  MlsError,
  UsageError,
  ValidationError,
} from 'ts-mls/mlsError.js';
import { HeraldError, isHeraldError } from '../../errors/index.ts';

/**
 * Maps whatever an MLS library call threw to a `HeraldError`, by the library's error classes
 * (never by message text). ts-mls's messages are fixed strings without key material, so they are
 * kept as `{detail}`; the original error stays as `cause` for logs.
 */
export function toHeraldError(err: unknown): HeraldError {
  if (isHeraldError(err)) return err;
  const detail = err instanceof Error ? err.message.slice(0, 200) : 'unknown failure';
  const cause = { cause: err };
  if (err instanceof CodecError)
    return new HeraldError('HERALD_ERR_E2EE_MALFORMED_MESSAGE', { detail }, cause);
  if (err instanceof CryptoVerificationError)
    return new HeraldError('HERALD_ERR_E2EE_AUTHENTICATION_FAILED', { detail }, cause);
  if (err instanceof CryptoError) return new HeraldError('HERALD_ERR_E2EE_DECRYPTION_FAILED', {}, cause);
  if (err instanceof ValidationError)
    return new HeraldError('HERALD_ERR_E2EE_PROTOCOL_VIOLATION', { detail }, cause);
  if (err instanceof DependencyError)
    return new HeraldError('HERALD_ERR_E2EE_UNSUPPORTED_CIPHERSUITE', { suite: 'requested' }, cause);
  if (err instanceof UsageError) return new HeraldError('HERALD_ERR_E2EE_INVALID_STATE', { detail }, cause);
  if (err instanceof InternalError || err instanceof MlsError)
    return new HeraldError('HERALD_ERR_E2EE_INTERNAL', { detail }, cause);
  // Decoders index past the end of truncated input and throw RangeError from DataView.
  if (err instanceof RangeError)
    return new HeraldError('HERALD_ERR_E2EE_MALFORMED_MESSAGE', { detail }, cause);
  return new HeraldError('HERALD_ERR_E2EE_INTERNAL', { detail }, cause);
}

/** Runs `fn`, turning every failure into a `HeraldError`. */
export async function mlsCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toHeraldError(err);
  }
}
