import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requireDevice } from '../keys/device-principal.ts';
import { encodeBase64 } from '../tlog/base64.ts';
import type { DeliveryService } from './delivery-service.ts';
import { CreateGroupBody, GroupParams, secureSchemas } from './secure-schemas.ts';
import { base64Length } from './secure-limits.ts';

/** What `GET /v1/secure/config` answers: the suite and the Delivery Service's MLS identity. */
export interface SecureConfig {
  readonly cipherSuite: string;
  readonly externalSender: {
    readonly userId: string;
    readonly deviceId: string;
    readonly signatureKey: string;
  };
}

/** `/v1/secure/config` and `/v1/groups`: the Delivery Service's group routes, for devices. */
export const groupRoutes: FastifyPluginAsyncTypebox<{
  service: DeliveryService;
  config: SecureConfig;
}> = async (app, { service, config }) => {
  const schemas = secureSchemas(service.limits);
  const mlsChars = base64Length(service.limits.maxMessageBytes);
  const tags = ['secure'];

  app.get(
    '/v1/secure/config',
    { schema: { summary: "The secure channel's suite and external sender", tags } },
    (req) => {
      requireDevice(req);
      return config;
    },
  );

  app.post(
    '/v1/groups',
    {
      schema: {
        summary: 'Create a group; the calling device is its first member',
        tags,
        body: CreateGroupBody,
      },
    },
    async (req, reply) => {
      const device = requireDevice(req);
      const created = await service.createGroup(device, req.body.groupId);
      return reply.code(201).send({ ...created, leafIndex: 0 });
    },
  );

  app.post(
    '/v1/groups/:groupId/handshake',
    {
      // A commit, its Welcome and its GroupInfo can each reach the message limit.
      bodyLimit: 3 * mlsChars + 256 * 1024,
      schema: {
        summary: 'Post a commit (first for its epoch wins) or a proposal',
        tags,
        params: GroupParams,
        body: schemas.HandshakeBody,
      },
    },
    async (req) => service.handshake(requireDevice(req), req.params.groupId, req.body),
  );

  app.post(
    '/v1/groups/:groupId/messages',
    {
      bodyLimit: mlsChars + 16 * 1024,
      schema: {
        summary: 'Post an application message to the other member devices',
        tags,
        params: GroupParams,
        body: schemas.ApplicationBody,
      },
    },
    async (req, reply) => {
      const answer = await service.postApplication(requireDevice(req), req.params.groupId, req.body.message);
      return reply.code(202).send(answer);
    },
  );

  app.get(
    '/v1/groups/:groupId/group-info',
    {
      schema: {
        summary: "The group's latest GroupInfo, for members and re-joining devices of member users",
        tags,
        params: GroupParams,
        response: { 200: Type.Object({ groupInfo: Type.String(), epoch: Type.Integer() }) },
      },
    },
    async (req) => {
      const info = await service.groupInfo(requireDevice(req), req.params.groupId);
      return { groupInfo: encodeBase64(info.groupInfo), epoch: info.epoch };
    },
  );
};
