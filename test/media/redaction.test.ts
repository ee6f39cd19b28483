/**
 * Camera passwords typed into URLs hold `@`, `:` and `/` more often than not; none of it may reach
 * the terminal, a message or --json output of `media probe` and `media snapshot`, whether the
 * command works or fails.
 */
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {redactText, redactUrl} from '../../src/lib/media/redact.js'
import {type RtspServer, startRtspServer} from '../../src/lib/media/rtsp-server.js'
import {TestPatternFeed} from '../../src/lib/media/test-pattern.js'
import {runCli} from '../helpers/cli.js'
import {removeDir, tempDir} from '../helpers/server.js'

const HOST = '127.0.6.21'
// Pieces distinctive enough never to occur by chance in ports, bitrates or timestamps.
const PASSWORD = 'Qv@k9Zw:jX'
let server: RtspServer
let feed: TestPatternFeed
let dir: string

beforeAll(async () => {
  feed = new TestPatternFeed({label: 'Redaction', width: 160, height: 120, fps: 5})
  server = await startRtspServer({host: HOST, port: 0, feeds: {'/live': feed}, auth: {user: 'admin', password: PASSWORD}})
  dir = tempDir('rtcc-redact-')
})

afterAll(async () => {
  feed.stop()
  await server?.close()
  removeDir(dir)
})

/** Every piece of the password a partial redaction would print. */
const leaks = (output: string, password: string) => [password, ...password.split(/[@:/]/).filter((p) => p.length > 1)].filter((piece) => output.includes(piece))

describe('camera passwords with @, : and / are never printed', () => {
  it('hides everything up to the last @ before the host, in URLs and in free text', () => {
    expect(redactUrl('rtsp://admin:Pass@33@10.0.0.5:554/live')).toBe('rtsp://***@10.0.0.5:554/live')
    expect(redactUrl('rtsp://admin:p@ss:w/rd@10.0.0.5/live?x=1')).toBe('rtsp://***@10.0.0.5/live?x=1')
    expect(redactUrl('rtsp://admin:with space@cam.local/x')).toBe('rtsp://***@cam.local/x')
    expect(redactUrl('rtsp://10.0.0.5:554/live')).toBe('rtsp://10.0.0.5:554/live')
    expect(redactText('[rtsp @ 0x1] rtsp://admin:Pa@s:s/w@10.0.0.5:554: Connection refused; http://a:b@c/d')).toBe('[rtsp @ 0x1] rtsp://***@10.0.0.5:554: Connection refused; http://***@c/d')
    expect(redactText('opening rtsp://a:my pass@h/x failed', 'rtsp://a:my pass@h/x')).toBe('opening rtsp://***@h/x failed')
  })

  it('media probe --json of a camera whose password holds @ and : shows rtsp://***@host and no part of the password', async () => {
    const url = `rtsp://admin:${PASSWORD}@${HOST}:${server.port}/live`
    const probed = await runCli(['media', 'probe', url, '--json'])
    expect(probed.code, probed.stderr).toBe(0)
    expect(probed.json<{source: string; codec: string}>()).toMatchObject({source: `rtsp://***@${HOST}:${server.port}/live`, codec: 'h264'})
    const table = await runCli(['media', 'probe', url])
    expect(table.stdout).toContain(`rtsp://***@${HOST}:${server.port}/live`)
    expect(leaks(probed.stdout + probed.stderr + table.stdout + table.stderr, PASSWORD)).toEqual([])
  })

  it('media snapshot --json writes the frame and reports the source redacted', async () => {
    const output = join(dir, 'frame.jpg')
    const shot = await runCli(['media', 'snapshot', `rtsp://admin:${PASSWORD}@${HOST}:${server.port}/live`, '-o', output, '--json'])
    expect(shot.code, shot.stderr).toBe(0)
    expect(shot.json<{source: string}>().source).toBe(`rtsp://***@${HOST}:${server.port}/live`)
    expect(leaks(shot.stdout + shot.stderr, PASSWORD)).toEqual([])
  })

  it('errors of probe and snapshot (rejected, unparsable with /, unreachable) print no part of the password, as text or JSON', async () => {
    const wrong = 'Wr0ng@9qz:Xk4'
    const slash = 'Sl@7h/qz9:Wv3'
    const attempts = [
      ['media', 'probe', `rtsp://admin:${wrong}@${HOST}:${server.port}/live`, '--json'],
      ['media', 'probe', `rtsp://admin:${wrong}@${HOST}:${server.port}/live`],
      ['media', 'snapshot', `rtsp://admin:${wrong}@${HOST}:${server.port}/live`, '-o', join(dir, 'no.jpg'), '--json'],
      ['media', 'probe', `rtsp://admin:${slash}@${HOST}:${server.port}/live`, '--json', '--timeout', '3s'],
      ['media', 'snapshot', `rtsp://admin:${slash}@${HOST}:1/live`, '-o', join(dir, 'no.jpg'), '--timeout', '3s'],
    ]
    const results = await Promise.all(attempts.map((args) => runCli(args)))
    for (const [i, result] of results.entries()) {
      expect(result.code, attempts[i]!.join(' ')).toBe(1)
      expect(result.stdout + result.stderr).toContain(`rtsp://***@${HOST}:`)
      expect(leaks(result.stdout + result.stderr, i < 3 ? wrong : slash), attempts[i]!.join(' ')).toEqual([])
    }
    expect(results[0]!.json<{error: {code: string; where: string}}>().error).toMatchObject({code: 'credentials_rejected', where: `rtsp://***@${HOST}:${server.port}/live`})
  })
  it('a mistyped scheme (rstp://) is "no such file" without the password', async () => {
    const typo = 'Qzx@8817:kwv'
    const result = await runCli(['media', 'probe', `rstp://admin:${typo}@${HOST}/live`, '--json'])
    expect(result.code).toBe(1)
    expect(result.json<{error: {code: string; where: string}}>().error).toMatchObject({code: 'not_found', where: `rstp://***@${HOST}/live`})
    expect(leaks(result.stdout + result.stderr, typo)).toEqual([])
  })
})
