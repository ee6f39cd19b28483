/** The owner's devices (the phone's panic button): HTTP over services/devices. */
import {z} from 'zod'

import {DeviceAddBody, DeviceKeyBody, DeviceStatementBody} from '../../domain/device.js'
import {OwnerStatement} from '../../domain/policy.js'
import * as devices from '../../services/devices.js'
import {defineRoute} from '../route.js'

const OWNER = ['owner' as const]

export const deviceRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/owner-devices',
    action: 'device.add',
    roles: OWNER,
    body: DeviceAddBody,
    handler: async ({ctx, actor, body, reply}) => {
      const added = await devices.addDevice(ctx, actor, body)
      reply.code(201)
      return added
    },
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/owner-devices',
    action: 'device.list',
    roles: OWNER,
    handler: ({ctx, actor}) => devices.listDevices(ctx, actor),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/owner-devices/:id',
    action: 'device.read',
    roles: OWNER,
    handler: ({ctx, actor, params}) => devices.showDevice(ctx, actor, {id: params.id!}),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/owner-devices/:id/vouch',
    action: 'device.vouch',
    roles: OWNER,
    body: DeviceStatementBody,
    handler: ({ctx, actor, params, body}) => devices.vouchDevice(ctx, actor, {id: params.id!, statement: body.statement}),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/owner-devices/:id/revoke',
    action: 'device.revoke',
    roles: OWNER,
    body: z.object({statement: OwnerStatement.optional()}),
    handler: ({ctx, actor, params, body}) => devices.revokeDevice(ctx, actor, {id: params.id!, ...body}),
  }),

  // The phone: the one-time link's secret travels as a header, never in a URL.
  defineRoute({
    method: 'POST',
    url: '/v1/device/key',
    action: 'device.key',
    roles: 'public',
    rateLimit: {max: 20, windowSeconds: 3600},
    body: DeviceKeyBody,
    handler: ({ctx, body, req}) => devices.sendDeviceKey(ctx, {link: String(req.headers['x-rtcc-device-link'] ?? ''), publicKey: body.publicKey}),
  }),

  defineRoute({
    method: 'GET',
    url: '/v1/device',
    action: 'device.home',
    roles: OWNER,
    allowDevice: true,
    handler: ({ctx, actor}) => devices.deviceHome(ctx, actor),
  }),
]
