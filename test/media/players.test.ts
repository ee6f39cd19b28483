/**
 * `rtcc stream open --play` with whichever player is installed (no ffplay ships with rtcc), and
 * `rtcc doctor` listing the players it found. Stand-in players on PATH read the loopback relay and
 * keep what they received, so the test can check it is the camera's real fragmented MP4.
 */
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {probeStream} from '../../src/lib/media/probe.js'
import {runCli} from '../helpers/cli.js'
import {runInProcess} from '../helpers/cli-in-process.js'
import {removeDir, tempDir} from '../helpers/server.js'
import {type Site, startSite} from '../core/helpers.js'

let site: Site
let work: string
let env: Record<string, string>

/**
 * A player named `name` in its own folder: reads the URL it is given (its last argument) until it
 * has the first media fragment, tries the relay's root path too, and saves all of it next to itself.
 */
function standIn(name: string): string {
  const dir = join(work, `bin-${name}`)
  mkdirSync(dir)
  const script = `#!${process.execPath}
const http = require('node:http')
const fs = require('node:fs')
const url = process.argv.at(-1)
setTimeout(() => process.exit(3), 15000)
http.get(new URL('/live.mp4', url), (probe) => {
  probe.resume()
  http.get(url, (res) => {
    const chunks = []
    res.on('data', (chunk) => {
      chunks.push(chunk)
      const bytes = Buffer.concat(chunks)
      if (bytes.includes('mdat') && bytes.length > 20000) {
        fs.writeFileSync(${JSON.stringify(join(work, name))} + '.mp4', bytes)
        fs.writeFileSync(${JSON.stringify(join(work, name))} + '.json', JSON.stringify({argv: process.argv.slice(2), status: res.statusCode, otherPath: probe.statusCode}))
        process.exit(0)
      }
    })
  })
})
`
  writeFileSync(join(dir, name), script, {mode: 0o755})
  return dir
}

/** Top-level MP4 box types, in order. */
function boxes(bytes: Buffer): string[] {
  const types: string[] = []
  for (let at = 0; at + 8 <= bytes.length; ) {
    const size = bytes.readUInt32BE(at)
    types.push(bytes.toString('latin1', at + 4, at + 8))
    if (size < 8) break
    at += size
  }
  return types
}

beforeAll(async () => {
  site = await startSite({host: '127.0.41.11', modes: ['always']})
  await site.startAgent()
  work = tempDir('rtcc-players-')
  env = {RTCC_CONFIG_DIR: join(work, 'profile'), RTCC_SERVER: site.t.url, RTCC_FINGERPRINT: site.t.fingerprint, RTCC_TOKEN: site.investigator.options.token!, RTCC_PLAYER: ''}
}, 60_000)

afterAll(async () => {
  await site?.stop()
  if (work) removeDir(work)
})

describe('stream open --play without ffplay', () => {
  it('plays through mpv when it is the only player on PATH: mpv reads real fMP4 of the camera from the loopback relay', async () => {
    const played = await runCli(['stream', 'open', site.core.cameras[0]!.id, '--play'], {env: {...env, PATH: standIn('mpv')}, timeoutMs: 40_000})
    expect(played.code, played.stderr).toBe(0)
    const seen = JSON.parse(readFileSync(join(work, 'mpv.json'), 'utf8')) as {argv: string[]; status: number; otherPath: number}
    expect(seen.argv[0]).toBe(`--force-media-title=${site.core.cameras[0]!.name} (rtcc live)`)
    expect(seen.argv.at(-1)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}\/live\.mp4$/)
    expect(seen.status).toBe(200)
    expect(seen.otherPath).toBe(404) // the relay answers only its random path
    const bytes = readFileSync(join(work, 'mpv.mp4'))
    expect(boxes(bytes).slice(0, 2)).toEqual(['ftyp', 'moov'])
    expect(boxes(bytes)).toEqual(expect.arrayContaining(['moof', 'mdat']))
    expect(await probeStream(join(work, 'mpv.mp4'))).toMatchObject({codec: 'h264', width: 320, height: 180})
  })

  it('plays through VLC found on PATH, with its own arguments', async () => {
    const played = await runCli(['stream', 'open', site.core.cameras[0]!.id, '--play', '--json'], {env: {...env, PATH: standIn('vlc')}, timeoutMs: 40_000})
    expect(played.code, played.stderr).toBe(0)
    expect(played.json<{cameraId: string}>().cameraId).toBe(site.core.cameras[0]!.id)
    const seen = JSON.parse(readFileSync(join(work, 'vlc.json'), 'utf8')) as {argv: string[]}
    expect(seen.argv).toEqual([`--meta-title=${site.core.cameras[0]!.name} (rtcc live)`, '--network-caching=300', '--play-and-exit', expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//)])
    expect(boxes(readFileSync(join(work, 'vlc.mp4')))[0]).toBe('ftyp')
  })

  it('says which players it looked for, and opens no stream, when none is installed', async () => {
    const empty = join(work, 'empty-bin')
    mkdirSync(empty)
    const events = site.events.length
    const played = await runCli(['stream', 'open', site.core.cameras[0]!.id, '--play', '--json'], {env: {...env, PATH: empty}})
    expect(played.code).toBe(1)
    expect(played.json<{error: {code: string; message: string; hint: string}}>().error).toMatchObject({code: 'player_missing', message: expect.stringMatching(/ffplay, mpv and vlc/), hint: expect.stringMatching(/RTCC_PLAYER/)})
    const broken = await runCli(['stream', 'open', site.core.cameras[0]!.id, '--play'], {env: {...env, PATH: empty, RTCC_PLAYER: join(work, 'no-such-player')}})
    expect(broken.code).toBe(1)
    expect(broken.stderr).toMatch(/RTCC_PLAYER=.*no-such-player cannot be run/)
    expect(site.events.slice(events).filter((e) => JSON.stringify(e).includes('stream'))).toEqual([])
  })
})

describe('rtcc doctor', () => {
  type Report = {checks: {name: string; ok: boolean; detail: string}[]}
  const player = (r: Report) => r.checks.find((c) => c.name === 'player')

  it('lists the players it found, the one --play uses first, and honours RTCC_PLAYER', async () => {
    const path = [join(work, 'bin-mpv'), join(work, 'bin-vlc')].join(':')
    const found = await runCli(['doctor', '--json'], {env: {...env, PATH: path}})
    expect(player(found.json<Report>())).toEqual({name: 'player', ok: true, detail: `mpv ${join(work, 'bin-mpv', 'mpv')} (used by --play), vlc ${join(work, 'bin-vlc', 'vlc')}`})
    // The first through bin/run.js as a process; these in this process (same dist/ code, no start-up).
    const chosen = await runInProcess(['doctor', '--json'], {env: {...env, PATH: path, RTCC_PLAYER: 'vlc'}})
    expect(player(chosen.json<Report>())?.detail).toMatch(/^vlc \S+\/bin-vlc\/vlc \(used by --play\), mpv /)
    const none = await runInProcess(['doctor', '--json'], {env: {...env, PATH: join(work, 'empty-bin')}})
    expect(player(none.json<Report>())).toMatchObject({ok: true, detail: expect.stringMatching(/^none found/)})
  })
})
