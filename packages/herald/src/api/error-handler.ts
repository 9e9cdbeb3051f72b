import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { HeraldError, isHeraldError } from '../errors/index.ts';

/**
 * Maps every failure to the public error shape with a stable code. Framework errors (parsing,
 * limits, schema validation) get Herald codes too, so clients never switch on Fastify's.
 * Unexpected errors are logged with the request id and answered without their message, which
 * could hold data.
 */
export function toHeraldError(err: unknown, req: FastifyRequest, bodyLimit: number): HeraldError {
  if (isHeraldError(err)) return err;
  const fe = err as FastifyError;
  if (fe.validation) {
    const first = fe.validation[0];
    const where = `${fe.validationContext ?? 'body'}${first?.instancePath ?? ''}`;
    const detail = `${where} ${first?.message ?? 'is invalid'}`.slice(0, 300);
    return new HeraldError('HERALD_ERR_API_VALIDATION', { detail });
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HeraldError('HERALD_ERR_API_MALFORMED_JSON');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      // Some routes (the secure channel's, which carry MLS messages) have their own limit.
      return new HeraldError('HERALD_ERR_API_BODY_TOO_LARGE', {
        limit: req.routeOptions.bodyLimit ?? bodyLimit,
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HeraldError('HERALD_ERR_API_UNSUPPORTED_MEDIA_TYPE');
  }
  if (fe instanceof SyntaxError) return new HeraldError('HERALD_ERR_API_MALFORMED_JSON');
  return new HeraldError('HERALD_ERR_API_INTERNAL', { requestId: req.id }, { cause: err });
}

export function sendError(reply: FastifyReply, err: HeraldError, req: FastifyRequest) {
  if (err.code === 'HERALD_ERR_API_INTERNAL') req.log.error({ err: err.cause }, 'unhandled error');
  if (err.code === 'HERALD_ERR_IDEMPOTENCY_IN_FLIGHT' || err.reason === 'throttled')
    void reply.header('retry-after', '1');
  return reply.code(err.statusCode).send({
    error: {
      code: err.code,
      message: err.message,
      reason: err.reason,
      retryable: err.isRetryable,
      requestId: req.id,
    },
  });
}
