import {createHash, generateKeyPairSync} from 'node:crypto'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {CUSTODY_FILE, serializeCustody, signCustody} from '../../src/lib/evidence/custody.js'
import {probeStream} from '../../src/lib/media/probe.js'
import type {SearchHit} from '../../src/lib/search/query.js'
import {runCli} from '../helpers/cli.js'
import {runInProcess} from '../helpers/cli-in-process.js'
import {opencvSample, panningVideo, skipWithoutOpencv} from './footage.js'

const SLOW = {timeoutMs: 120_000}
// In this process (same dist/ code and oclif handling, no start-up per call); the first index and the
// face refusal go through bin/run.js as processes.
const cli = (args: string[]) => runInProcess(args)
let dir: string
let evidence: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtcc-search-cli-'))
  evidence = join(dir, 'evidence')
  mkdirSync(evidence)
})
afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe.skipIf(skipWithoutOpencv)('rtcc search, offline on a folder', () => {
  beforeAll(() => {
    const video = panningVideo(opencvSample('basketball1.png'), join(evidence, 'door-12.mp4'), 3)
    writeFileSync(join(evidence, 'notes.txt'), 'canvass notes, not video\n')
    // As `rtcc request download` leaves it: custody.json names the camera of each file.
    const bytes = readFileSync(video)
    const file = {
      id: 'evd_01', name: 'door-12.mp4', requestId: 'req_01', kind: 'original' as const, parentId: null, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length,
      cameraId: 'cam_door12', media: null, recorderClockOffsetSeconds: null, uploadedBy: {id: 'own_01', role: 'owner'}, uploadedAt: new Date().toISOString(), uploadedFrom: null, originalName: null, derivation: null,
    }
    const custody = signCustody({origin: 'test', case: {id: 'C-1182', agency: 'Metro PD'}, requests: [{id: 'req_01', caseId: 'C-1182', status: 'fulfilled'}], files: [file], timeline: []}, generateKeyPairSync('ed25519').privateKey)
    writeFileSync(join(evidence, CUSTODY_FILE), serializeCustody(custody))
  })

  it('indexes the videos of a folder, skips what is not video, and skips unchanged files the second time', async () => {
    const first = await runCli(['search', 'index', evidence, '--json'], SLOW)
    expect(first.code, first.stderr).toBe(0)
    const result = first.json<{indexed: {file: string; sightings: number}[]; skipped: {file: string; reason: string}[]; sightings: number}>()
    expect(result.indexed.map((f) => f.file)).toEqual(['door-12.mp4'])
    expect(result.skipped).toEqual([{file: 'notes.txt', reason: 'not a video file'}])
    expect(result.sightings).toBeGreaterThanOrEqual(1)
    const again = await cli(['search', 'index', evidence, '--json'])
    expect(again.json<{unchanged: string[]; indexed: unknown[]}>()).toMatchObject({unchanged: ['door-12.mp4'], indexed: []})
  })

  it('finds the person with file, offset, colours and thumbnail, as JSON, CSV and copied crops', async () => {
    const thumbs = join(dir, 'crops')
    const found = await cli(['search', '--class', 'person', '--min-score', '0.6', '--index', evidence, '--thumbs', thumbs, '--json'])
    expect(found.code, found.stderr).toBe(0)
    const {hits} = found.json<{hits: SearchHit[]}>()
    expect(hits.length).toBeGreaterThanOrEqual(1)
    expect(hits[0]).toMatchObject({label: 'person', camera: 'cam_door12', source: join(evidence, 'door-12.mp4'), startSeconds: 0})
    expect(hits[0]!.id).toMatch(/^sig_/)
    expect(hits[0]!.colours.length).toBeGreaterThanOrEqual(1)
    expect(hits[0]!.thumbnail.startsWith(thumbs)).toBe(true)
    expect(readFileSync(hits[0]!.thumbnail).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]))
    const scores = hits.map((h) => h.score)
    expect(scores).toEqual([...scores].sort((a, b) => b - a))

    const csv = await cli(['search', '--class', 'person', '--index', evidence, '--csv'])
    expect(csv.stdout.split('\n')[0]).toBe('id,class,score,colours,camera,source,start_seconds,end_seconds,best_seconds,thumbnail')

    const cars = await cli(['search', '--class', 'car', '--index', evidence, '--json'])
    expect(cars.json()).toEqual({hits: []})
    const otherCamera = await cli(['search', '--class', 'person', '--camera', 'cam_other', '--index', evidence, '--json'])
    expect(otherCamera.json()).toEqual({hits: []})
    const thisCamera = await cli(['search', '--class', 'person', '--camera', 'cam_door12', '--index', evidence, '--json'])
    expect(thisCamera.json<{hits: SearchHit[]}>().hits.length).toBe(hits.length)
  })

  it('cuts a clip around a sighting by stream copy', async () => {
    const {hits} = (await cli(['search', '--class', 'person', '--index', evidence, '--json'])).json<{hits: SearchHit[]}>()
    const out = join(dir, 'player.mp4')
    const cut = await cli(['search', 'clip', hits[0]!.id, '-o', out, '--pad', '1s', '--index', evidence, '--json'])
    expect(cut.code, cut.stderr).toBe(0)
    expect(cut.json()).toMatchObject({sighting: hits[0]!.id, output: out, fromSeconds: 0})
    const info = await probeStream(out)
    expect(info).toMatchObject({codec: 'h264', width: 640})
    expect(info.durationSeconds).toBeGreaterThan(1)
  })
})

describe('rtcc search errors', () => {
  it('refuses a file that is not video, naming it', async () => {
    const text = join(dir, 'list.txt')
    writeFileSync(text, 'not a video')
    const result = await cli(['search', 'index', text, '--json'])
    expect(result.code).toBe(1)
    expect(result.json()).toMatchObject({error: {code: 'not_video'}})
    expect(result.stderr).toContain(text)
  })

  it('refuses a face or person-attribute query as a usage error, and a folder without an index', async () => {
    const face = await runCli(['search', '--class', 'face', '--index', dir])
    expect(face.code).toBe(2)
    expect(face.stderr).toContain('Faces and other attributes of people are never searchable')
    const missing = await cli(['search', '--class', 'car', '--index', join(dir, 'nowhere')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('rtcc search index')
    expect(existsSync(join(dir, 'nowhere'))).toBe(false)
  })
})
