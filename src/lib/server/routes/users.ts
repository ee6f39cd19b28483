/** Account administration (admin only): HTTP over services/users. */
import {CreateUserBody, RequireMfaBody, SetAgencyBody, SetRoleBody} from '../../domain/auth.js'
import {ADMINS} from '../../domain/roles.js'
import * as users from '../../services/users.js'
import {defineRoute} from '../route.js'

export const userRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/users',
    action: 'user.list',
    roles: ADMINS,
    handler: ({ctx, actor}) => users.listUsers(ctx, actor),
  }),

  defineRoute({
    method: 'POST',
    url: '/v1/users',
    action: 'user.create',
    roles: ADMINS,
    body: CreateUserBody,
    handler: async ({ctx, actor, body, reply}) => {
      const user = await users.createUser(ctx, actor, body)
      reply.code(201)
      return user
    },
  }),

  defineRoute({method: 'POST', url: '/v1/users/:username/disable', action: 'user.disable', roles: ADMINS, handler: ({ctx, actor, params}) => users.disableUser(ctx, actor, {username: params.username!})}),
  defineRoute({method: 'POST', url: '/v1/users/:username/enable', action: 'user.enable', roles: ADMINS, handler: ({ctx, actor, params}) => users.enableUser(ctx, actor, {username: params.username!})}),
  defineRoute({
    method: 'POST',
    url: '/v1/users/:username/role',
    action: 'user.set_role',
    roles: ADMINS,
    body: SetRoleBody,
    handler: ({ctx, actor, params, body}) => users.setRole(ctx, actor, {username: params.username!, role: body.role}),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/users/:username/agency',
    action: 'user.set_agency',
    roles: ADMINS,
    body: SetAgencyBody,
    handler: ({ctx, actor, params, body}) => users.setAgency(ctx, actor, {username: params.username!, agency: body.agency}),
  }),
  defineRoute({method: 'POST', url: '/v1/users/:username/lock', action: 'user.lock', roles: ADMINS, handler: ({ctx, actor, params}) => users.lockUser(ctx, actor, {username: params.username!})}),
  defineRoute({method: 'POST', url: '/v1/users/:username/unlock', action: 'user.unlock', roles: ADMINS, handler: ({ctx, actor, params}) => users.unlockUser(ctx, actor, {username: params.username!})}),
  defineRoute({
    method: 'POST',
    url: '/v1/users/:username/mfa',
    action: 'user.mfa.require',
    roles: ADMINS,
    body: RequireMfaBody,
    handler: ({ctx, actor, params, body}) => users.requireMfa(ctx, actor, {username: params.username!, required: body.required}),
  }),
  defineRoute({method: 'DELETE', url: '/v1/users/:username/mfa', action: 'user.mfa.reset', roles: ADMINS, handler: ({ctx, actor, params}) => users.resetMfa(ctx, actor, {username: params.username!})}),
]
