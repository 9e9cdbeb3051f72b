import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requireDevice } from '../keys/device-principal.ts';
import {
  MAX_CLAIM_USERS,
  MAX_KEY_PACKAGE_BYTES,
  MAX_KEY_PACKAGES_PER_UPLOAD,
  type KeyPackages,
} from '../keys/key-packages.ts';
import { USER_ID_PATTERN } from '../keys/user-id.ts';
import { Base64, fromBase64, toBase64 } from './base64-schema.ts';

const KeyPackage = Base64(MAX_KEY_PACKAGE_BYTES, { description: 'MLSMessage(KeyPackage)' });
// A full upload of the largest KeyPackages, and room for the JSON around them.
const UPLOAD_BODY_LIMIT =
  (MAX_KEY_PACKAGES_PER_UPLOAD + 1) * (4 * Math.ceil(MAX_KEY_PACKAGE_BYTES / 3) + 3) + 1024;

/** KeyPackages: a device's upload, and claims for the devices of other users (docs/secure-channel.md). */
export const keyPackageRoutes: FastifyPluginAsyncTypebox<{ keyPackages: KeyPackages }> = async (
  app,
  { keyPackages },
) => {
  app.post(
    '/v1/devices/me/key-packages',
    {
      bodyLimit: UPLOAD_BODY_LIMIT,
      schema: {
        summary: "Upload the calling device's KeyPackages (all validated, stored all or none)",
        tags: ['devices'],
        body: Type.Object(
          {
            keyPackages: Type.Array(KeyPackage, { maxItems: MAX_KEY_PACKAGES_PER_UPLOAD }),
            lastResort: Type.Optional(KeyPackage),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const d = requireDevice(req);
      return keyPackages.upload(d, {
        keyPackages: req.body.keyPackages.map(fromBase64),
        ...(req.body.lastResort ? { lastResort: fromBase64(req.body.lastResort) } : {}),
      });
    },
  );

  app.post(
    '/v1/key-packages/claim',
    {
      schema: {
        summary: 'Claim one KeyPackage for every active device of the named users',
        tags: ['devices'],
        body: Type.Object(
          {
            userIds: Type.Array(Type.String({ pattern: USER_ID_PATTERN, maxLength: 128 }), {
              minItems: 1,
              maxItems: MAX_CLAIM_USERS,
            }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const d = requireDevice(req);
      const r = await keyPackages.claim(d, req.body.userIds);
      return {
        devices: r.devices.map((c) => ({
          userId: c.userId,
          deviceId: c.deviceId,
          keyPackage: toBase64(c.keyPackage),
          directory: c.directory,
        })),
        unavailable: r.unavailable,
      };
    },
  );
};
