/**
 * Server video search end to end: an owner uploads real footage (basketball1.png filmed by a panning
 * camera) to a case's request through the CLI; the requesting agency's investigator indexes the case,
 * finds the person and clips the sighting with its lineage; a later upload is indexed as it arrives;
 * another agency's investigator finds nothing, and both searches are in the audit log with their result counts. Real server, SMTP, CLI.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {CanvassResult} from '../../src/lib/domain/requests.js'
import {IMPORT_OPTIONS_HEADER} from '../../src/lib/domain/registry-import.js'
import {probeStream} from '../../src/lib/media/probe.js'
import type {SearchJob, ServerHit} from '../../src/lib/domain/search.js'
import {runCli} from '../helpers/cli.js'
import {runInProcess} from '../helpers/cli-in-process.js'
import {removeDir, startTestServer, tempDir, type TestServer} from '../helpers/server.js'
import {decodeQuotedPrintable, startSmtp} from '../helpers/smtp.js'
import {sqlAll} from '../helpers/sql.js'
import {opencvSample, panningVideo, skipWithoutOpencv} from './footage.js'

const CASE = 'CASE-SEARCH-1'
const SLOW = 120_000
const square = (west: number, south: number) => ({type: 'Polygon', coordinates: [[[west, south], [west + 0.1, south], [west + 0.1, south + 0.1], [west, south + 0.1], [west, south]]]})

let t: TestServer
let smtp: Awaited<ReturnType<typeof startSmtp>>
let work: string
const tokens: Record<string, string> = {}
/** The owner answering the request from the email with the CLI (the same clip each time). */
let fulfil: (...args: string[]) => ReturnType<typeof runCli>

/**
 * The CLI as a signed-in user (a token in the environment, the server's pinned fingerprint): in this
 * process (same dist/ code and oclif handling) unless `run` is runCli (bin/run.js as a process).
 */
const cli = (who: string, args: string[], run = runInProcess) => run([...args, '--json'], {env: {RTCC_CONFIG_DIR: join(work, `config-${who}`), RTCC_SERVER: t.url, RTCC_FINGERPRINT: t.fingerprint, RTCC_TOKEN: tokens[who]}, timeoutMs: SLOW})

describe.skipIf(skipWithoutOpencv)('rtcc search on the server', () => {
  beforeAll(async () => {
    smtp = await startSmtp()
    t = await startTestServer({smtpUrl: smtp.url})
    work = tempDir('rtcc-search-server-')
    const imported = await t.admin.http.post('v1/registry/import', {
      body: 'external_id,name,latitude,longitude,owner_email,owner_name,records,retention_days,location_type\nG1,Gym door,41.9805,-87.6500,gym@example.org,Gym,yes,30,business\n',
      headers: {'content-type': 'application/octet-stream', [IMPORT_OPTIONS_HEADER]: JSON.stringify({format: 'csv', fileName: 'gym.csv', source: 'gym'})},
    })
    expect(imported.statusCode).toBe(200)
    await t.admin.post('/v1/agencies', {name: 'North PD', jurisdiction: square(-87.7, 41.95)})
    await t.admin.post('/v1/agencies', {name: 'South PD', jurisdiction: square(-87.7, 41.7)})
    const password = 'Search-Investigator-1'
    for (const [name, agency] of [['north', 'North PD'], ['south', 'South PD']] as const) {
      await t.admin.post('/v1/users', {username: `${name}-inv`, password, role: 'investigator', agency})
      tokens[name] = (await t.login(`${name}-inv`, password)).options.token!
    }
    const north = await t.login('north-inv', password)
    const window = {from: new Date(Date.now() - 50 * 3600_000).toISOString(), to: new Date(Date.now() - 49 * 3600_000).toISOString()}
    const canvass = await north.post<CanvassResult>('/v1/requests/canvass', {latitude: 41.98, longitude: -87.65, radius: '300m', caseId: CASE, reason: 'assault', ...window})
    expect(canvass.requests).toHaveLength(1)
    // The owner answers from the email with the CLI, as the mail says.
    const mail = decodeQuotedPrintable(smtp.received.find((m) => m.to[0] === 'gym@example.org')!.raw)
    const token = /rtcc_r_[A-Za-z0-9_-]{43}/.exec(mail)![0]
    const video = panningVideo(opencvSample('basketball1.png'), join(work, 'gym.mp4'), 3)
    fulfil = (...args) => runCli(['request', 'fulfil', token, video, ...args, '--server', t.url, '--fingerprint', t.fingerprint, '--json'], {env: {RTCC_CONFIG_DIR: join(work, 'config-owner'), RTCC_SERVER: undefined, RTCC_TOKEN: undefined}, timeoutMs: SLOW})
    const answered = await fulfil()
    expect(answered.code, answered.stderr).toBe(0)
  }, 180_000)

  afterAll(async () => {
    await t?.stop()
    await smtp?.stop()
    if (work) removeDir(work)
    if (t) removeDir(t.dataDir)
  })

  it('indexes the case, finds the person, clips it with lineage, indexes a later upload; another agency finds nothing; both searches audited', async () => {
    const indexed = await cli('north', ['search', 'index', '--case', CASE], runCli)
    expect(indexed.code, indexed.stderr).toBe(0)
    const job = indexed.json<SearchJob>()
    expect(job).toMatchObject({caseId: CASE, status: 'done', filesTotal: 1, filesDone: 1})
    await t.server.ctx.events.drain()
    const events = (await t.server.ctx.events.replay(0)).filter((e) => e.type.startsWith('search.'))
    expect(events.map((e) => [e.type, e.data.jobId, e.data.filesDone, e.data.requestId])).toEqual([
      ['search.progress', job.id, 1, expect.stringMatching(/^req_/)],
      ['search.done', job.id, 1, expect.stringMatching(/^req_/)],
    ])

    const found = await cli('north', ['search', '--case', CASE, '--class', 'person'])
    expect(found.code, found.stderr).toBe(0)
    const {hits} = found.json<{hits: ServerHit[]}>()
    expect(hits.length).toBeGreaterThanOrEqual(1)
    expect(hits[0]).toMatchObject({label: 'person', caseId: CASE, camera: expect.stringMatching(/^cam_/)})
    expect(hits[0]!.score).toBeGreaterThanOrEqual(0.5)
    const thumb = await t.login('north-inv', 'Search-Investigator-1').then((api) => api.http.get(`v1/search/sightings/${hits[0]!.id}/thumbnail`, {responseType: 'buffer'}))
    expect(thumb.statusCode).toBe(200)
    expect((thumb.body as Buffer).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]))

    // By place: the camera's registry position is inside 200 m of the gym door, not of a point 1 km south.
    const near = await cli('north', ['search', '--near', '41.9805,-87.65', '--radius', '200m', '--class', 'person'])
    expect(near.json<{hits: ServerHit[]}>().hits.map((h) => h.id)).toEqual(hits.map((h) => h.id))
    const far = await cli('north', ['search', '--near', '41.9715,-87.65', '--radius', '200m'])
    expect(far.json<{hits: ServerHit[]}>().hits).toEqual([])

    const out = join(work, 'person.mp4')
    const clipped = await cli('north', ['search', 'clip', hits[0]!.id, '-o', out, '--pad', '1s'])
    expect(clipped.code, clipped.stderr).toBe(0)
    expect((await probeStream(out)).codec).toBe('h264')
    const lineage = JSON.parse(readFileSync(`${out}.lineage.json`, 'utf8')) as {source: {evidenceId: string; sha256: string}; sighting: string}
    expect(lineage).toMatchObject({sighting: hits[0]!.id, source: {evidenceId: hits[0]!.evidenceId}, fromSeconds: Math.max(0, hits[0]!.startSeconds - 1), toSeconds: hits[0]!.endSeconds + 1})
    const evidence = await t.server.ctx.store.evidence.getEvidence(hits[0]!.evidenceId)
    expect(lineage.source.sha256).toBe(evidence!.sha256)

    const south = await cli('south', ['search', '--case', CASE])
    expect(south.code, south.stderr).toBe(0)
    expect(south.json<{hits: ServerHit[]}>().hits).toEqual([])
    const southIndex = await cli('south', ['search', 'index', '--case', CASE])
    expect(southIndex.code).not.toBe(0)
    expect(southIndex.stderr).toContain('not found')

    // A new upload of the indexed case is indexed as it arrives.
    const second = await fulfil('--done')
    expect(second.code, second.stderr).toBe(0)
    const deadline = Date.now() + 60_000
    let evidenceIds = new Set<string>()
    while (evidenceIds.size < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500))
      evidenceIds = new Set((await t.server.ctx.store.search.findSightings({agencyId: null, caseId: CASE, minScore: 0, limit: 100})).map((s) => s.evidenceId))
    }
    expect(evidenceIds.size).toBe(2)

    const audited = await sqlAll<{actor_name: string; detail: string}>(t.server.ctx.store, "SELECT actor_name, detail FROM audit_records WHERE action = 'search.query' ORDER BY seq")
    expect(audited.map((r) => [r.actor_name, (JSON.parse(r.detail) as {results: number}).results])).toEqual([
      ['north-inv', hits.length],
      ['north-inv', hits.length],
      ['north-inv', 0],
      ['south-inv', 0],
    ])
  }, SLOW)
})
