export { ERRORS, type ErrorCode } from './registry.ts';
export { HeraldError, isHeraldError, FAILURE_REASONS, type FailureReason } from './herald-error.ts';
