import https from 'node:https'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {initialPolicy, writeLocalPolicies} from '../../src/lib/core/policies.js'
import type {StreamGrant} from '../../src/lib/domain/stream.js'
import {probeStream} from '../../src/lib/media/probe.js'
import {runCli} from '../helpers/cli.js'
import {sql} from '../helpers/sql.js'
import {decodeFrames, type Site, startSite, until} from './helpers.js'
import {failure} from '../helpers/failure.js'

let site: Site
type AuditRow = {action: string; target: string; outcome: string; detail: Record<string, unknown>}

/** Opens a watch URL and keeps reading until closed; resolves with the bytes read when the server ends it. */
function watch(url: string, pin: {certPem: string}): {bytes: () => number; ended: Promise<number>; close: () => void} {
  let bytes = 0
  let request!: ReturnType<typeof https.get>
  const ended = new Promise<number>((resolve, reject) => {
    request = https.get(url, {ca: pin.certPem, checkServerIdentity: () => undefined, minVersion: 'TLSv1.3'}, (res) => {
      res.on('data', (chunk: Buffer) => (bytes += chunk.length))
      res.on('end', () => resolve(bytes))
      res.on('close', () => resolve(bytes))
    })
    request.on('error', reject)
  })
  return {bytes: () => bytes, ended, close: () => request.destroy()}
}

beforeAll(async () => {
  site = await startSite({host: '127.0.9.11', modes: ['always', 'never']})
  await site.startAgent()
  site.t.server.ctx.cores.streams.timings.viewerIdleMs = 500
})

afterAll(() => site?.stop())

describe('live video through a provisioned Core', () => {
  it('registers the provisioned cameras as the owner\'s live-capable cameras and shows the Core online', async () => {
    const cameras = await site.owner.get<{id: string; liveCapable: boolean; name: string}[]>('/v1/cameras')
    expect(cameras.map((c) => c.id).sort()).toEqual(site.core.cameras.map((c) => c.id).sort())
    expect(cameras.every((c) => c.liveCapable)).toBe(true)
    const cores = await site.investigator.get<{id: string; online: boolean; cameras: {liveMode: string}[]}[]>('/v1/cores')
    expect(cores).toMatchObject([{id: site.core.coreId, online: true}])
    expect(cores[0]!.cameras.map((c) => c.liveMode).sort()).toEqual(['always', 'never'])
    expect(site.events.some((e) => e.type === 'core.online' && e.data.coreId === site.core.coreId)).toBe(true)
  })

  it('relays real frames of an `always` camera to an investigator, audited and announced', async () => {
    const camera = site.core.cameras[0]!
    const grant = await site.investigator.post<StreamGrant>('/v1/streams', {cameraId: camera.id})
    expect(grant).toMatchObject({cameraId: camera.id, kind: 'live', started: true, policy: {code: 'always', until: null}})
    expect(grant.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\/streams\/watch\//)
    expect(await probeStream(grant.url)).toMatchObject({codec: 'h264', width: 320, height: 180, format: 'mov,mp4,m4a,3gp,3g2,mj2'})
    const decoded = await decodeFrames(grant.url, site.t.pin, 8)
    expect(decoded.stderr).toBe("")
    expect(decoded.frames).toHaveLength(8)
    expect(decoded.frames.every((f) => f.size === 320 * 180 * 1.5)).toBe(true)
    // A live picture changes from frame to frame.
    expect(new Set(decoded.frames.map((f) => f.md5)).size).toBeGreaterThan(1)

    const listed = await site.investigator.get<{cameraId: string; policyMode: string; site: string}[]>('/v1/streams')
    expect(listed).toMatchObject([{cameraId: camera.id, policyMode: 'always', site: 'Corner Store'}])
    const started = site.events.find((e) => e.type === 'stream.started' && e.data.cameraId === camera.id)
    expect(started?.data).toMatchObject({cameraName: camera.name, site: 'Corner Store', policyMode: 'always'})
    const audit = await site.t.admin.get<AuditRow[]>('/v1/audit', {action: 'stream.start', target: camera.id})
    expect(audit.at(-1)).toMatchObject({outcome: 'allowed', detail: {kind: 'live', policyReason: 'the owner always shares live video'}})
  })

  it('the server refuses a `never` camera on its own copy of the policy, before asking the Core: 403, audited with the reason and who decided, no relay', async () => {
    const camera = site.core.cameras[1]!
    const error = await failure(site.investigator.post('/v1/streams', {cameraId: camera.id}))
    expect(error).toMatchObject({code: 'policy_denied', exitCode: 4})
    expect(error.message).toMatch(/as the server holds it, refuses \(the Core was not asked\): the owner never shares live video/)
    expect(site.agent!.activeRelays().filter((r) => r.cameraId === camera.id)).toEqual([])
    expect(site.logs.filter((l) => l.includes(camera.id) && /SHARE|REFUSE/.test(l))).toEqual([])
    const audit = await site.t.admin.get<AuditRow[]>('/v1/audit', {target: camera.id})
    expect(audit.at(-1)).toMatchObject({action: 'stream.view', outcome: 'denied', detail: {policyCode: 'never', decidedBy: 'server'}})
  })

  it('stops the stream when the viewer leaves', async () => {
    const camera = site.core.cameras[0]!
    await until(() => site.agent!.activeRelays().length === 0, 'the first stream to end')
    const grant = await site.investigator.post<StreamGrant>('/v1/streams', {cameraId: camera.id})
    const viewer = watch(grant.url, site.t.pin)
    await until(() => viewer.bytes() > 10_000, 'video to flow')
    viewer.close()
    await until(() => site.events.some((e) => e.type === 'stream.stopped' && e.data.streamId === grant.streamId), 'stream.stopped')
    expect(site.events.find((e) => e.type === 'stream.stopped' && e.data.streamId === grant.streamId)?.data.reason).toBe('viewer-left')
    await until(() => site.agent!.activeRelays().length === 0, 'the Core to stop relaying')
  })

  it('stops within seconds when the owner changes the policy on the Core host', async () => {
    const camera = site.core.cameras[0]!
    const grant = await site.investigator.post<StreamGrant>('/v1/streams', {cameraId: camera.id})
    const viewer = watch(grant.url, site.t.pin)
    await until(() => viewer.bytes() > 10_000, 'video to flow')
    writeLocalPolicies(site.dir, {[camera.id]: {...initialPolicy(camera.id, {live: 'never'}), version: 2}, [site.core.cameras[1]!.id]: initialPolicy(site.core.cameras[1]!.id, {})})
    await viewer.ended
    await until(() => site.events.some((e) => e.type === 'stream.stopped' && e.data.streamId === grant.streamId), 'stream.stopped')
    expect(site.events.find((e) => e.type === 'stream.stopped' && e.data.streamId === grant.streamId)?.data.reason).toBe('owner-revoked')
    const error = await failure(site.investigator.post('/v1/streams', {cameraId: camera.id}))
    expect(error).toMatchObject({code: 'policy_denied'})
    writeLocalPolicies(site.dir, {[camera.id]: {...initialPolicy(camera.id, {live: 'always'}), version: 3}})
    // The server's own copy refuses until the Core reports the change (its next re-check).
    await until(async () => (await site.t.server.ctx.store.policies.shownPolicies([camera.id])).get(camera.id)?.version === 3, 'the Core to report policy v3')
  })

  it('serves a JPEG snapshot of a shared camera', async () => {
    const camera = site.core.cameras[0]!
    const response = await site.investigator.http.get(`v1/streams/${camera.id}/snapshot`, {responseType: 'buffer'})
    expect(response.statusCode, response.body.toString().slice(0, 300)).toBe(200)
    expect(response.headers['content-type']).toBe('image/jpeg')
    expect(response.body.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]))
  })

  it('a tampered server copy showing "always" while the Core enforces "never" is flagged: warning event, audit record, core list and the refusal say so', async () => {
    const camera = site.core.cameras[1]!
    await sql(site.t.server.ctx.store, "UPDATE camera_policies SET live_mode = 'always' WHERE camera_id = ?", [camera.id])
    try {
      const listed = await runCli(['core', 'list'], {env: {RTCC_CONFIG_DIR: site.dir, RTCC_SERVER: site.t.url, RTCC_FINGERPRINT: site.t.fingerprint, RTCC_TOKEN: site.t.admin.options.token!}})
      expect(listed.code, listed.stderr).toBe(0)
      expect(listed.stderr).toContain(`WARNING Corner Store / ${camera.name}: the server's copy of this camera's policy (v1: live always, recorded never) differs from what its Core enforces (v1: live never, recorded never)`)

      const error = await failure(site.investigator.post('/v1/streams', {cameraId: camera.id}))
      expect(error).toMatchObject({code: 'policy_denied'})
      expect(error.message).toMatch(/^the owner's Core refused: the owner never shares live video.*; note: the server's copy of this camera's policy .* differs/)
      expect(site.logs.find((l) => l.includes(`REFUSE live ${camera.id}`))).toMatch(/the server's copy of the policy would allow it; this Core's own policy decides\); the server notes: the server's copy .* differs/)

      const warnings = site.events.filter((e) => e.type === 'core.policy_mismatch' && e.data.cameraId === camera.id)
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatchObject({severity: 'warning', data: {coreId: site.core.coreId, cameraName: camera.name}})
      const audit = await site.t.admin.get<AuditRow[]>('/v1/audit', {target: camera.id})
      expect(audit.filter((r) => r.action === 'core.policy_mismatch')).toMatchObject([{outcome: 'error', detail: {coreId: site.core.coreId, reported: {liveMode: 'never'}}}])
      expect(audit.at(-1)).toMatchObject({action: 'stream.view', outcome: 'denied', detail: {decidedBy: 'core', policyCode: 'never', policyWarning: expect.stringMatching(/differs/)}})
    } finally {
      await sql(site.t.server.ctx.store, "UPDATE camera_policies SET live_mode = 'never' WHERE camera_id = ?", [camera.id])
    }
  })
})
