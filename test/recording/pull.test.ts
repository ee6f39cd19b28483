/**
 * Recorded video end to end on loopback: simulated cameras → the Core records (2 s segments here,
 * a keyframe every second) → `recordings list` shows the range → a multi-segment window is pulled
 * into a case's evidence → the clip plays for the window (within one keyframe interval), its custody
 * verifies offline with the Core's signed chain head → a flipped byte in a segment on the Core is
 * caught at pull time and named. Cameras whose recorded policy refuses are refused, audited, announced.
 */
import {existsSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {pullRecording} from '../../src/lib/client/recordings.js'
import {editLocalPolicy} from '../../src/lib/core/local-policy.js'
import {recordingPaths, setCameraRecording, writeRecordingSettings} from '../../src/lib/core/recording/settings.js'
import type {ChainEntry, CoreAnswer, RecordingList} from '../../src/lib/domain/recording.js'
import type {AccessRequest, ApprovalPayload} from '../../src/lib/domain/access.js'
import type {CanvassResult} from '../../src/lib/domain/requests.js'
import {verifyEvidenceDir} from '../../src/lib/evidence/evidence-dir.js'
import {ffprobePath} from '../../src/lib/media/ffmpeg.js'
import {runMediaTool} from '../../src/lib/media/run.js'
import {signApproval} from '../../src/lib/policy/document.js'
import {runCli} from '../helpers/cli.js'
import {runInProcess} from '../helpers/cli-in-process.js'
import {failure} from '../helpers/failure.js'
import {removeDir, tempDir} from '../helpers/server.js'
import {sqlAll} from '../helpers/sql.js'
import {type Site, SITE, startSite, until} from '../core/helpers.js'

const SEGMENT_SECONDS = 2
/** The simulator sends a keyframe every `fps` frames: one a second. */
const KEYFRAME_SECONDS = 1
/** About two segments of the simulator's video: the `never` camera records under it. */
const TINY_BUDGET = 80_000

let site: Site
let out: string
let cam: {always: string; never: string; approval: string}

function chainOf(cameraId: string): ChainEntry[] {
  const file = join(recordingPaths(site.dir).root, cameraId, 'chain.jsonl')
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ChainEntry) : []
}

async function durationOf(file: string): Promise<number> {
  const {stdout} = await runMediaTool(ffprobePath(), ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], {source: file, action: 'probe', timeoutMs: 20_000})
  return Number(String(stdout).trim())
}

beforeAll(async () => {
  site = await startSite({host: '127.0.10.11', modes: ['never', 'never', 'never'], ownerKey: true})
  const [always, never, approval] = site.core.cameras.map((c) => c.id) as [string, string, string]
  cam = {always, never, approval}
  editLocalPolicy(site.dir, always, {recorded: 'always'})
  editLocalPolicy(site.dir, approval, {recorded: 'approval'})
  const on = {on: true, retentionSeconds: 3600, maxDiskBytes: 2 ** 30}
  writeRecordingSettings(site.dir, {segmentSeconds: SEGMENT_SECONDS, cameras: {[always]: on, [never]: {...on, maxDiskBytes: TINY_BUDGET}, [approval]: on}})
  await site.startAgent()
  out = tempDir('rtcc-pull-')
  // Enough for a window spanning three segments.
  await until(() => chainOf(always).filter((e) => e.kind === 'segment').length >= 4, `four sealed segments; the Core's log: ${site.logs.join('\n')}`, 30_000)
}, 60_000)

afterAll(async () => {
  await site?.stop()
  if (out) removeDir(out)
})

describe('recorded video on the Core', () => {
  it("keeps segments only encrypted, in a chain the Core signs, with the camera's clock offset", () => {
    const folder = join(recordingPaths(site.dir).root, cam.always)
    const files = readdirSync(folder)
    expect(files.filter((f) => f.endsWith('.seg')).length).toBeGreaterThanOrEqual(4)
    // Only the segment being written is plain text, in open/.
    expect(files.filter((f) => f.endsWith('.mp4'))).toEqual([])
    expect(readdirSync(join(folder, 'open')).length).toBeLessThanOrEqual(1)
    const sealed = readFileSync(join(folder, files.find((f) => f.endsWith('.seg'))!))
    expect(sealed.subarray(0, 8).toString()).toBe('RTCCSEG1')
    expect(sealed.includes(Buffer.from('ftyp'))).toBe(false)
    const chain = chainOf(cam.always)
    chain.forEach((e, i) => i > 0 && expect(e.prev).toBe(chain[i - 1]!.hash))
    expect(chain.every((e) => e.signature.length > 40 && e.cameraClockOffsetSeconds !== undefined)).toBe(true)
    // The simulator answers ONVIF GetSystemDateAndTime with its (our) clock.
    expect(Math.abs(chain.at(-1)!.cameraClockOffsetSeconds ?? 99)).toBeLessThanOrEqual(2)
  })

  it('lists the time range the Core holds, audited and announced', async () => {
    const list = await site.investigator.get<RecordingList>(`/v1/recordings/${cam.always}`, {from: new Date(Date.now() - 600_000).toISOString()})
    expect(list).toMatchObject({cameraId: cam.always, coreId: site.core.coreId, policy: {code: 'always'}})
    expect(list.ranges).toHaveLength(1)
    const seconds = (Date.parse(list.ranges[0]!.to) - Date.parse(list.ranges[0]!.from)) / 1000
    expect(seconds).toBeGreaterThanOrEqual(4 * SEGMENT_SECONDS - 1)
    const audit = await sqlAll<{outcome: string; detail: string}>(site.t.server.ctx.store, "SELECT outcome, detail FROM audit_records WHERE action = 'recording.list'")
    expect(audit.map((a) => a.outcome)).toContain('allowed')
    await until(() => site.events.some((e) => e.type === 'recording.listed' && e.data.cameraId === cam.always), 'the recording.listed event')
  })

  it('pulls a multi-segment window into a case: the clip plays for the window, custody verifies offline with the Core chain head', async () => {
    const list = await site.investigator.get<RecordingList>(`/v1/recordings/${cam.always}`)
    const from = new Date(Date.parse(list.ranges[0]!.from) + 1500)
    const to = new Date(from.getTime() + 2.5 * SEGMENT_SECONDS * 1000)
    const dir = join(out, 'case-1')
    const pulled = await pullRecording(site.investigator, cam.always, {from: from.toISOString(), to: to.toISOString(), caseId: 'CASE-REC-1'}, dir)
    expect(pulled).toMatchObject({caseId: 'CASE-REC-1', cameraId: cam.always, coreSignature: 'verified', policy: {code: 'always'}})
    expect(pulled.manifest.segments.length).toBeGreaterThanOrEqual(3)
    const clip = pulled.download.files[0]!
    const seconds = await durationOf(join(dir, clip.name))
    const asked = (to.getTime() - from.getTime()) / 1000
    expect(Math.abs(seconds - asked)).toBeLessThanOrEqual(KEYFRAME_SECONDS + 0.15)
    // Offline, with nothing but the folder.
    const report = await verifyEvidenceDir(dir)
    expect(report.ok).toBe(true)
    const custody = JSON.parse(readFileSync(join(dir, 'custody.json'), 'utf8')) as {files: {uploadedBy: {role: string; id: string}}[]; timeline: {action: string; detail?: Record<string, unknown>}[]}
    expect(custody.files[0]!.uploadedBy).toMatchObject({role: 'core', id: site.core.coreId})
    const facts = custody.timeline.find((e) => e.action === 'pulled-from-core')!.detail!
    expect(facts).toMatchObject({coreId: site.core.coreId, cameraId: cam.always, policyCode: 'always', requester: {role: 'investigator'}})
    expect((facts.segments as unknown[]).length).toBe(pulled.manifest.segments.length)
    await until(() => site.events.some((e) => e.type === 'recording.pulled' && e.data.caseId === 'CASE-REC-1'), 'the recording.pulled event')
    const audit = await sqlAll<{outcome: string}>(site.t.server.ctx.store, "SELECT outcome FROM audit_records WHERE action = 'recording.pull'")
    expect(audit.map((a) => a.outcome)).toContain('allowed')
  }, 60_000)

  it('answers a footage request from the Core for the owner: cameras the recorded policy shares are delivered, the others named', async () => {
    const list = await site.investigator.get<RecordingList>(`/v1/recordings/${cam.always}`)
    const from = list.ranges[0]!.from
    const to = new Date(Date.parse(from) + SEGMENT_SECONDS * 1000).toISOString()
    const canvass = await site.investigator.post<CanvassResult>('/v1/requests/canvass', {...SITE, radius: '200m', caseId: 'CASE-REC-2', reason: 'burglary seen from the street', from, to, cameras: [cam.always, cam.never]})
    const request = canvass.requests[0]!
    const answer = await site.owner.post<CoreAnswer>(`/v1/requests/${request.id}/from-core`)
    const byCamera = new Map(answer.cameras.map((c) => [c.cameraId, c]))
    expect(byCamera.get(cam.always)).toMatchObject({evidenceId: expect.stringMatching(/^evd_/), refused: null})
    expect(byCamera.get(cam.never)!.refused).toMatch(/never shares recordings/)
    // One camera is missing, so the owner may still answer it by hand.
    expect(answer.status).not.toBe('fulfilled')
    const custody = await site.investigator.get<{timeline: {action: string; detail?: {policyCode?: string}}[]}>('/v1/custody', {request: request.id})
    expect(custody.timeline.find((e) => e.action === 'pulled-from-core')?.detail?.policyCode).toBe('always')
    const audit = await sqlAll<{outcome: string}>(site.t.server.ctx.store, "SELECT outcome FROM audit_records WHERE action = 'request.fulfil_from_core'")
    expect(audit.map((a) => a.outcome)).toEqual(['allowed'])
  }, 60_000)

  it('answers a new request for an auto-answer camera from the Core at once, shown in the owner\'s access report', async () => {
    const statusReports = async () => (await sqlAll(site.t.server.ctx.store, "SELECT seq FROM audit_records WHERE action = 'core.recording_status'")).length
    const reported = await statusReports()
    setCameraRecording(site.dir, cam.always, {autoAnswer: true})
    await until(async () => (await statusReports()) > reported, 'the Core to report the auto-answer setting')
    const list = await site.investigator.get<RecordingList>(`/v1/recordings/${cam.always}`)
    const from = list.ranges[0]!.from
    const to = new Date(Date.parse(from) + SEGMENT_SECONDS * 1000).toISOString()
    const canvass = await site.investigator.post<CanvassResult>('/v1/requests/canvass', {...SITE, radius: '200m', caseId: 'CASE-REC-3', reason: 'hit and run on the corner', from, to, cameras: [cam.always]})
    const id = canvass.requests[0]!.id
    await until(async () => (await site.investigator.get<{status: string}>(`/v1/requests/${id}`)).status === 'fulfilled', 'the Core to answer the request by itself', 30_000)
    const report = await site.owner.get<{entries: {action: string; cameraId: string | null; kind: string | null; reason: string | null}[]}>('/v1/owners/me/access-report')
    expect(report.entries.find((e) => e.action === 'recording.auto_answer')).toMatchObject({cameraId: cam.always, kind: 'recorded', reason: expect.stringMatching(/always shares recordings/)})
    setCameraRecording(site.dir, cam.always, {autoAnswer: false})
  }, 60_000)

  it('works from the command line: core camera record on the Core host, recordings list and pull for the investigator', async () => {
    const base = {RTCC_CONFIG_DIR: join(out, 'profile'), RTCC_SERVER: site.t.url, RTCC_FINGERPRINT: site.t.fingerprint}
    const investigator = {...base, RTCC_TOKEN: site.investigator.options.token!}
    // In this process (same dist/ code and oclif handling), but for the pull: bin/run.js as a process.
    const record = await runInProcess(['core', 'camera', 'record', cam.never, '--retention', '2h', '--json'], {env: {RTCC_CORE_DIR: site.dir}})
    expect(record.code, record.stderr).toBe(0)
    expect(record.json<{settings: {on: boolean; retentionSeconds: number}}>().settings).toMatchObject({on: true, retentionSeconds: 7200})
    const nothing = await runInProcess(['core', 'camera', 'record', cam.never], {env: {RTCC_CORE_DIR: site.dir}})
    expect(nothing.code).toBe(2)
    expect(nothing.stderr).toMatch(/nothing to change/)

    const list = await runInProcess(['recordings', 'list', cam.always, '--json'], {env: investigator})
    expect(list.code, list.stderr).toBe(0)
    const from = list.json<RecordingList>().ranges[0]!.from
    const to = new Date(Date.parse(from) + 1500).toISOString()
    const dir = join(out, 'cli-pull')
    const pull = await runCli(['recordings', 'pull', cam.always, '--from', from, '--to', to, '--case', 'CASE-CLI', '-o', dir, '--json'], {env: investigator, timeoutMs: 60_000})
    expect(pull.code, pull.stderr).toBe(0)
    expect(pull.json<{caseId: string; coreSignature: string}>()).toMatchObject({caseId: 'CASE-CLI', coreSignature: 'verified'})
    expect(readdirSync(dir)).toContain('custody.json')
    const verify = await runInProcess(['evidence', 'verify', dir, '--json'], {env: {RTCC_CONFIG_DIR: join(out, 'profile')}})
    expect(verify.code, verify.stderr).toBe(0)

    const refused = await runInProcess(['recordings', 'list', cam.never, '--json'], {env: investigator})
    expect(refused.code).toBe(4)
    expect(refused.json<{error: {message: string}}>().error.message).toMatch(/never shares recordings/)
  }, 90_000)

  it('catches a flipped byte in a segment on the Core at pull time, names it, and keeps nothing', async () => {
    const chain = chainOf(cam.always).filter((e) => e.kind === 'segment')
    const victim = chain[2]!
    const file = join(recordingPaths(site.dir).root, cam.always, victim.file!)
    const bytes = readFileSync(file)
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01
    writeFileSync(file, bytes)
    const evidenceBefore = (await sqlAll(site.t.server.ctx.store, 'SELECT id FROM evidence_files')).length
    const error = await failure(pullRecording(site.investigator, cam.always, {from: victim.start, to: victim.end}, join(out, 'case-2')))
    expect(error.message).toContain(victim.file!)
    expect(error.message).toMatch(/FAILED its integrity check/)
    expect((await sqlAll(site.t.server.ctx.store, 'SELECT id FROM evidence_files')).length).toBe(evidenceBefore)
    await until(() => site.events.some((e) => e.type === 'recording.pull.ended' && String(e.data.error).includes(victim.file!)), 'the recording.pull.ended event naming the segment')
  }, 30_000)

  it('refuses cameras whose recorded policy is never or approval (none open), audited and announced', async () => {
    const refusals = () => site.events.filter((e) => e.type === 'recording.refused' && e.data.cameraId === cam.never).length
    const before = refusals()
    const seq = (await sqlAll<{seq: number}>(site.t.server.ctx.store, 'SELECT max(seq) AS seq FROM audit_records'))[0]!.seq
    for (const [id, code] of [[cam.never, 'never'], [cam.approval, 'no-approval']] as const) {
      const error = await failure(site.investigator.get(`/v1/recordings/${id}`))
      expect(error.message).toMatch(/policy/)
      expect(error.exitCode).toBe(4)
      const decision = (error.result as {decision?: {code: string}} | undefined)?.decision
      if (decision) expect(decision.code).toBe(code)
      await failure(site.investigator.post(`/v1/recordings/${id}/pull`, {from: new Date(Date.now() - 60_000).toISOString(), to: new Date().toISOString()}))
    }
    const denied = await sqlAll<{action: string; target: string}>(site.t.server.ctx.store, "SELECT action, target FROM audit_records WHERE action LIKE 'recording.%' AND outcome = 'denied' AND seq > ?", [seq])
    expect(denied.filter((d) => d.target === cam.never).map((d) => d.action).sort()).toEqual(['recording.list', 'recording.pull'])
    await until(() => refusals() - before === 2, 'two recording.refused events')
    // Recording is the owner's, whatever the sharing policy: the `never` camera is still recorded.
    expect(chainOf(cam.never).filter((e) => e.kind === 'segment').length).toBeGreaterThan(2)
    // …under its tiny disk budget: the oldest segments went, their chain entries stay.
    const folder = join(recordingPaths(site.dir).root, cam.never)
    const kept = readdirSync(folder).filter((f) => f.endsWith('.seg'))
    expect(kept.reduce((sum, f) => sum + statSync(join(folder, f)).size, 0)).toBeLessThanOrEqual(TINY_BUDGET)
    expect(kept.length).toBeLessThan(chainOf(cam.never).filter((e) => e.kind === 'segment').length)
  })

  it('releases recorded video of an `approval` camera only for the window the owner approved, and not under a live approval', async () => {
    await until(() => chainOf(cam.approval).filter((e) => e.kind === 'segment').length >= 3, 'three sealed segments of the approval camera', 20_000)
    const first = chainOf(cam.approval).find((e) => e.kind === 'segment')!
    const from = new Date(Date.parse(first.start) + 500)
    const window = {from: from.toISOString(), to: new Date(from.getTime() + 3000).toISOString()}
    const pull = (w: {from: string; to: string}, caseId: string) => pullRecording(site.investigator, cam.approval, {...w, caseId}, join(out, caseId))
    const received = () => site.logs.filter((l) => l.includes('owner statements:')).length
    const approve = async (request: AccessRequest, extra: Partial<ApprovalPayload>) => {
      const now = Date.now()
      const payload = {requestId: request.id, cameraId: cam.approval, requesterId: request.requester.id, from: new Date(now).toISOString(), until: new Date(now + 600_000).toISOString(), ...extra}
      return site.owner.post<AccessRequest>(`/v1/access-requests/${request.id}/approve`, {statement: signApproval(payload, site.ownerKey!)})
    }
    const ask = (body: Record<string, unknown>) => site.investigator.post<AccessRequest>('/v1/access-requests', {cameraId: cam.approval, reason: 'hit and run', durationSeconds: 600, ...body})

    // An approved live window does not release recorded video.
    let seen = received()
    await approve(await ask({}), {})
    await until(() => received() > seen, 'the Core to receive the live approval')
    expect((await failure(pull(window, 'CASE-APR-0'))).message).toMatch(/only within a window they approved/)

    const request = await ask({kind: 'recorded', recorded: window})
    expect(request).toMatchObject({kind: 'recorded', recorded: window, status: 'pending'})
    // The owner signs exactly the window asked: a wider one is refused by the server.
    const wider = {from: new Date(from.getTime() - 60_000).toISOString(), to: window.to}
    expect((await failure(approve(request, {kind: 'recorded', recorded: wider}))).message).toMatch(/asks for recorded video of/)
    seen = received()
    await approve(request, {kind: 'recorded', recorded: window})
    await until(() => received() > seen, 'the Core to receive the recorded approval')

    const pulled = await pull(window, 'CASE-APR-1')
    expect(pulled.policy).toMatchObject({code: 'approval-active'})
    expect(Math.abs((await durationOf(join(out, 'CASE-APR-1', pulled.download.files[0]!.name))) - 3)).toBeLessThanOrEqual(KEYFRAME_SECONDS + 0.15)
    // Wider than, or outside, the approved window: nothing.
    for (const w of [wider, {from: window.to, to: new Date(Date.parse(window.to) + 2000).toISOString()}]) {
      const error = await failure(pull(w, 'CASE-APR-2'))
      expect(error.message).toMatch(/approved recorded video of .* only, which does not cover/)
      expect(error.exitCode).toBe(4)
    }
  }, 60_000)
})
