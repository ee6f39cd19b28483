/**
 * Owner self-service: sign up (a password-protected profile), see and edit it, delete it for good, and
 * manage one's own cameras. Owners only ever reach their own rows.
 */
import type {CameraFields, Owner, OwnerInput} from '../domain/camera.js'
import {badRequest, conflict, notFound} from '../server/http-error.js'
import {hashPassword, passwordProblem} from '../server/passwords.js'
import {toUserView} from '../store/users.js'
import type {Actor, ServiceContext} from './context.js'

async function myProfile(ctx: ServiceContext, actor: Actor): Promise<Owner> {
  const owner = await ctx.store.owners.ownerForUser(actor.user.id)
  if (!owner) throw notFound('your owner profile')
  return owner
}

async function myCamera(ctx: ServiceContext, actor: Actor, id: string) {
  const camera = await ctx.store.cameras.getCamera({kind: 'owner', ownerId: (await myProfile(ctx, actor)).id}, id)
  if (!camera) throw notFound(`camera ${id}`)
  return camera
}

export async function signup(ctx: ServiceContext, input: {username: string; password: string; profile: OwnerInput}) {
  ctx.note({subject: {id: null, name: input.username, role: 'owner'}})
  const problem = await passwordProblem(input.password, {username: input.username, ...input.profile})
  if (problem) throw badRequest(problem, 'password')
  if (await ctx.store.users.findUserByName(input.username)) throw conflict(`user name "${input.username}" is taken`, 'username')
  const passwordHash = await hashPassword(input.password)
  return ctx.audited(async () => {
    const user = await ctx.store.users.insertUser({username: input.username, role: 'owner', passwordHash, displayName: input.profile.displayName})
    ctx.note({subject: {id: user.id, name: user.username, role: 'owner'}, target: user.id})
    return {user: toUserView(user), owner: await ctx.store.owners.insertOwner(input.profile, {id: user.id, userId: user.id, verified: false})}
  })
}

export function readProfile(ctx: ServiceContext, actor: Actor) {
  return ctx.audited(() => myProfile(ctx, actor), {target: actor.user.id})
}

export async function updateProfile(ctx: ServiceContext, actor: Actor, patch: Partial<OwnerInput>) {
  const owner = await myProfile(ctx, actor)
  return ctx.audited(() => ctx.store.owners.updateOwner(owner.id, patch), {target: owner.id, detail: {fields: Object.keys(patch)}})
}

/**
 * For good: the store erases the deleted rows rather than leaving them in free space. The audit log
 * keeps that it happened (ids and counts), not the personal data.
 */
export async function deleteProfile(ctx: ServiceContext, actor: Actor) {
  const owner = await myProfile(ctx, actor)
  return ctx.store.forget(() =>
    ctx.audited(async () => {
      const removed = (await ctx.store.cameras.registryStats({kind: 'owner', ownerId: owner.id})).cameras
      await ctx.store.owners.deleteOwner(owner.id)
      await ctx.store.users.deleteUser(actor.user.id)
      return {deleted: true, ownerId: owner.id, camerasDeleted: removed}
    }, {target: owner.id}),
  )
}

export async function listMyCameras(ctx: ServiceContext, actor: Actor) {
  const ownerId = (await myProfile(ctx, actor)).id
  return ctx.audited(() => ctx.store.cameras.listCameras({kind: 'owner', ownerId}, {limit: 10_000}))
}

export async function addCamera(ctx: ServiceContext, actor: Actor, fields: CameraFields) {
  const owner = await myProfile(ctx, actor)
  return ctx.audited(
    () => ctx.store.cameras.insertOwnerCamera(owner.id, fields),
    (camera) => ({target: camera.id}),
  )
}

export async function updateCamera(ctx: ServiceContext, actor: Actor, id: string, patch: Partial<CameraFields>) {
  const camera = await myCamera(ctx, actor, id)
  return ctx.audited(() => ctx.store.cameras.updateCamera(camera.id, patch), {target: camera.id, detail: {fields: Object.keys(patch)}})
}

export async function deleteCamera(ctx: ServiceContext, actor: Actor, id: string) {
  const camera = await myCamera(ctx, actor, id)
  return ctx.audited(async () => {
    await ctx.store.cameras.deleteCamera(camera.id)
    return {deleted: true, id: camera.id}
  }, {target: camera.id})
}
