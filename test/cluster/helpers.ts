/**
 * A deployment of several real `rtcc server start` processes on loopback, sharing one PostgreSQL
 * database, one NATS JetStream stream (named for this run only), optionally one S3 peer for evidence,
 * and one data dir (the deployment's certificate and keys). Under CI a missing PostgreSQL or NATS fails the run.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {fileURLToPath} from 'node:url'

import {connect} from 'nats'

import {ApiClient} from '../../src/lib/client/api.js'
import type {SessionView} from '../../src/lib/domain/auth.js'
import {admin} from '../helpers/database.js'

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
export const NATS_URL = process.env.RTCC_TEST_NATS_URL ?? 'nats://127.0.0.1:4222'

/** Whether NATS and PostgreSQL answer; under CI their absence is an error, not a skip. */
export async function clusterServicesAvailable(): Promise<boolean> {
  const problems: string[] = []
  await connect({servers: NATS_URL, timeout: 2000})
    .then((nc) => nc.close())
    .catch((error: Error) => problems.push(`NATS at ${NATS_URL}: ${error.message}`))
  await admin(async () => undefined).catch((error: Error) => problems.push(`PostgreSQL: ${error.message}`))
  if (problems.length && process.env.CI) throw new Error(`cluster tests need NATS with JetStream and PostgreSQL: ${problems.join('; ')}`)
  return problems.length === 0
}

/** A JetStream stream name no other test run uses. */
export const uniqueStream = (): string => `rtcc_test_${process.pid}_${randomBytes(4).toString('hex')}`

export async function deleteStream(stream: string): Promise<void> {
  const nc = await connect({servers: NATS_URL})
  try {
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined)
  } finally {
    await nc.close()
  }
}

export interface Instance {
  url: string
  fingerprint: string
  child: ChildProcess
  stderr: () => string
  /** The machine dies: SIGKILL, no goodbye to anyone. */
  kill(): Promise<void>
  /** Ctrl-C: finishes requests, signs a checkpoint. */
  stop(): Promise<void>
}

/** Starts `rtcc server start --port 0 --json` and resolves once it prints its URL. */
export function startInstance(options: {dataDir: string; database: string; bus: string; evidence?: string}): Promise<Instance> {
  const evidence = options.evidence ? ['--evidence', options.evidence] : []
  const child = spawn(process.execPath, [BIN, 'server', 'start', '--port', '0', '--json', '--data-dir', options.dataDir, '--database', options.database, '--bus', options.bus, ...evidence], {
    env: {...process.env, NO_COLOR: '1'},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += d))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const ended = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    await exited
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rtcc server start printed no URL within 20 s: ${stderr}`)), 20_000)
    child.once('exit', (code) => reject(new Error(`rtcc server start exited (${code}): ${stderr}`)))
    child.stdout!.on('data', (d) => {
      stdout += d
      const line = stdout.split('\n')[0]
      if (!stdout.includes('\n') || !line) return
      clearTimeout(timer)
      const {url, fingerprint} = JSON.parse(line) as {url: string; fingerprint: string}
      resolve({url, fingerprint, child, stderr: () => stderr, kill: () => ended('SIGKILL'), stop: () => ended('SIGTERM')})
    })
  })
}

export async function loginAt(url: string, pin: {certPem: string; fingerprint: string}, username: string, password: string): Promise<ApiClient> {
  const session = await new ApiClient({baseUrl: url, pin}).post<SessionView>('/v1/auth/login', {username, password})
  return new ApiClient({baseUrl: url, pin, token: session.token})
}
