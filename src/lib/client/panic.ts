/** Client side of the panic button: the owner signs the panic (and its clear) here, on their machine. */
import {newId} from '../domain/ids.js'
import {PANIC_MAX_MS, type PanicView} from '../domain/panic.js'
import {signPanic, signPanicClear} from '../policy/document.js'
import {RtccError, usageError} from '../errors.js'
import type {ApiClient} from './api.js'
import {ownerSigningKey} from './policy-key.js'

export async function triggerPanic(api: ApiClient, options: {message?: string; durationMs: number}, now = new Date()): Promise<PanicView> {
  if (options.durationMs <= 0 || options.durationMs > PANIC_MAX_MS) throw usageError('--duration: a panic lasts from a minute up to 24h')
  const {key} = await ownerSigningKey(api)
  const statement = signPanic({panicId: newId('alr', now.getTime()), startedAt: now.toISOString(), until: new Date(now.getTime() + options.durationMs).toISOString(), message: options.message?.trim() || null}, key)
  return api.post<PanicView>('/v1/panic', {statement})
}

export async function activePanics(api: ApiClient): Promise<PanicView[]> {
  return api.get<PanicView[]>('/v1/panic')
}

/** Clears every panic of the owner's that is in force. */
export async function clearPanic(api: ApiClient, now = new Date()): Promise<{cleared: PanicView[]}> {
  const active = await activePanics(api)
  if (active.length === 0) throw new RtccError('no panic is active', {code: 'no_panic', hint: 'Nothing to clear: `rtcc panic status` lists active panics.'})
  const {key} = await ownerSigningKey(api)
  const statement = signPanicClear({panicIds: active.map((p) => p.panicId), clearedAt: now.toISOString()}, key)
  return api.post<{cleared: PanicView[]}>('/v1/panic/clear', {statement})
}
