import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HeraldError } from '../errors/index.ts';
import { requireDevice } from '../keys/device-principal.ts';
import type { KeyDirectory } from '../keys/key-directory.ts';
import { USER_ID_PATTERN } from '../keys/user-id.ts';

/**
 * `GET /v1/directory/:userId/:deviceId`: a device's key directory entries in the caller's tenant,
 * oldest first, each the exact JSON of its leaf with the leaf index once sequenced (null before).
 */
export const directoryRoutes: FastifyPluginAsyncTypebox<{ directory: KeyDirectory }> = async (
  app,
  { directory },
) => {
  app.get(
    '/v1/directory/:userId/:deviceId',
    {
      schema: {
        summary: "A device's key directory entries (publish, rotate, revoke), oldest first",
        tags: ['devices'],
        params: Type.Object(
          {
            userId: Type.String({ pattern: USER_ID_PATTERN, maxLength: 128 }),
            deviceId: Type.String({ minLength: 1, maxLength: 64 }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const d = requireDevice(req);
      const entries = await directory.entries(d.tenantId, req.params.userId, req.params.deviceId);
      if (entries.length === 0)
        throw new HeraldError('HERALD_ERR_DEVICE_NOT_FOUND', { id: req.params.deviceId });
      return { entries };
    },
  );
};
