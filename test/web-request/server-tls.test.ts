/**
 * `rtcc server start --tls-cert/--tls-key/--public-url` as a process: a CA-issued certificate that
 * clients trusting the CA verify without a pin (and `rtcc doctor` says so), reloaded on SIGHUP while
 * an open connection stays up, a bad file refused by name, and the public URL in the mailed link.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {copyFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {connect} from 'node:tls'
import {fileURLToPath} from 'node:url'
import {afterAll, describe, expect, it} from 'vitest'

import {fetchCertificate} from '../../src/lib/client/pinning.js'
import {runCli} from '../helpers/cli.js'
import {removeDir, tempDir} from '../helpers/server.js'
import {createTestCa} from '../helpers/test-ca.js'

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
const work = tempDir('rtcc-server-tls-')
const children: ChildProcess[] = []

// Each server signs a last checkpoint as it stops: wait for that before removing its data dir.
afterAll(async () => {
  const running = children.filter((child) => child.exitCode === null && child.signalCode === null)
  await Promise.all(running.map((child) => new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM'))))
  removeDir(work)
})

function start(args: string[]): Promise<{child: ChildProcess; line: string; stderr: () => string}> {
  const child = spawn(process.execPath, [BIN, 'server', 'start', '--port', '0', '--json', ...args], {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, NO_COLOR: '1'}})
  children.push(child)
  let err = ''
  child.stderr!.on('data', (d) => (err += d))
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d) => {
      out += d
      if (out.includes('\n')) resolve({child, line: out.split('\n')[0]!, stderr: () => err})
    })
    child.once('exit', (code) => reject(Object.assign(new Error(`server exited ${code}: ${err}`), {code, stderr: err})))
  })
}

describe('rtcc server start with a CA-issued certificate', () => {
  it('serves the CA certificate, which clients trusting the CA verify without a pin; SIGHUP swaps it and keeps open connections', async () => {
    const ca = await createTestCa()
    const files = await ca.issue(join(work))
    const dataDir = join(work, 'data')
    const {child, line, stderr} = await start(['--data-dir', dataDir, '--tls-cert', files.certFile, '--tls-key', files.keyFile, '--public-url', 'https://rtcc.example.org/'])
    const started = JSON.parse(line) as {url: string; publicUrl: string; fingerprint: string; certificate: string}
    expect(started).toMatchObject({publicUrl: 'https://rtcc.example.org', certificate: 'from --tls-cert'})
    const presented = await fetchCertificate(started.url)
    expect(presented.fingerprint).toBe(started.fingerprint)

    const config = tempDir('rtcc-server-tls-config-')
    const env = {RTCC_CONFIG_DIR: config, NODE_EXTRA_CA_CERTS: files.caFile}
    const doctor = await runCli(['doctor', '--json', '--server', started.url], {env})
    const certificate = doctor.json<{checks: {name: string; ok: boolean; detail: string}[]}>().checks.find((c) => c.name === 'certificate')
    expect(certificate).toMatchObject({ok: true, detail: expect.stringContaining('verified by a CA this machine trusts')})
    const untrusting = await runCli(['doctor', '--json', '--server', started.url], {env: {RTCC_CONFIG_DIR: config}})
    expect(untrusting.json<{checks: {name: string; ok: boolean}[]}>().checks.find((c) => c.name === 'certificate')?.ok).toBe(false)
    removeDir(config)

    // An open TLS connection before the reload.
    const open = connect({host: '127.0.0.1', port: Number(new URL(started.url).port), ca: ca.caPem, minVersion: 'TLSv1.3'})
    await new Promise((resolve, reject) => open.once('secureConnect', resolve).once('error', reject))

    // A broken key is refused by name and the old certificate stays.
    writeFileSync(join(work, 'server-key.pem'), 'not a key\n')
    child.kill('SIGHUP')
    await expect.poll(stderr).toContain('kept the current certificate')
    expect(stderr()).toContain(join(work, 'server-key.pem'))
    expect((await fetchCertificate(started.url)).fingerprint).toBe(started.fingerprint)

    const renewed = await (await createTestCa('renewed CA')).issue(join(work, 'renewed'))
    copyFileSync(renewed.certFile, files.certFile)
    copyFileSync(renewed.keyFile, files.keyFile)
    child.kill('SIGHUP')
    await expect.poll(stderr).toContain('reloaded')
    expect((await fetchCertificate(started.url)).fingerprint).not.toBe(started.fingerprint)
    expect(open.destroyed).toBe(false)
    open.end()
  }, 60_000)

  it('refuses to start with a key that is not the certificate\'s, naming the file', async () => {
    const ca = await createTestCa()
    const a = await ca.issue(join(work, 'a'))
    const b = await ca.issue(join(work, 'b'))
    const failed = await runCli(['server', 'start', '--port', '0', '--json', '--data-dir', join(work, 'data2'), '--tls-cert', a.certFile, '--tls-key', b.keyFile])
    expect(failed.code).toBe(1)
    expect(failed.json<{error: {message: string}}>().error.message).toBe(`${b.keyFile} is not the key of the first certificate in ${a.certFile}`)
  }, 30_000)
})
