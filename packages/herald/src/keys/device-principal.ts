import type { FastifyRequest } from 'fastify';
import { HeraldError } from '../errors/index.ts';
import type { TenantId } from '../ids.ts';

/** An enrolled, active device calling with its own token (never an API key). */
export interface DevicePrincipal {
  readonly tenantId: TenantId;
  readonly userId: string;
  readonly deviceId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    device?: DevicePrincipal;
  }
}

/** Throws unless the caller is an active device. */
export function requireDevice(req: FastifyRequest): DevicePrincipal {
  if (req.device) return req.device;
  if (req.principal)
    throw new HeraldError('HERALD_ERR_AUTH_FORBIDDEN', {
      role: req.principal.role,
      action: 'act as a device',
    });
  throw new HeraldError('HERALD_ERR_AUTH_MISSING');
}
