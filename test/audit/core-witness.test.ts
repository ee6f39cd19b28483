/** Item 9: a Core witnesses the audit log, countersigns what it checked, and refuses a rewritten log. */
import {createPublicKey} from 'node:crypto'
import {readFileSync, rmSync} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {coreCosignerName, verifyCosignature} from '../../src/lib/audit/cosignature.js'
import {openCheckpoint, parseVerifierKey} from '../../src/lib/audit/note.js'
import type {AuditHead} from '../../src/lib/domain/audit.js'
import {readCoreConfig, writeCoreConfig, writePrivateFile} from '../../src/lib/core/config.js'
import {generateIdentity} from '../../src/lib/core/identity.js'
import {CoreWitness} from '../../src/lib/core/witness.js'
import {CORE_CONFIG_FORMAT, type EnrollCodeView, type EnrollResult} from '../../src/lib/domain/core.js'
import {openDatabase} from '../../src/lib/store/db.js'
import {removeDir, startTestServer, tempDir, type TestServer} from '../helpers/server.js'
import {backendUnderTest} from '../helpers/database.js'
import {editLeaf, rehashLeaf} from './helpers.js'

const onSqlite = backendUnderTest() === 'sqlite'

let t: TestServer
let port: number
let coreDir: string
let coreId: string
let logs: string[]

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const {port} = probe.address() as {port: number}
      probe.close(() => resolve(port))
    })
  })

beforeEach(async () => {
  port = await freePort()
  t = await startTestServer({port})
  const signup = await t.anonymous().post<{owner: {id: string}}>('/v1/owners/signup', {username: 'witness-owner', password: 'Site-Owner-Passphrase-1', profile: {displayName: 'Witness Owner', email: 'w@example.org'}})
  const code = (await t.admin.post<EnrollCodeView>('/v1/cores/enroll-codes', {ownerId: signup.owner.id, expiresInSeconds: 3600})).code
  // Enrol a Core with no cameras (the witness needs only its identity and the pinned server).
  coreDir = tempDir('rtcc-core-')
  const identity = generateIdentity()
  const enrolled = await t.anonymous().post<EnrollResult>('/v1/cores/enroll', {code, name: 'Witness Store', publicKey: identity.publicKeyPem, version: 'test', cameras: []})
  coreId = enrolled.coreId
  writePrivateFile(join(coreDir, 'identity.key'), identity.privateKeyPem)
  writeCoreConfig(coreDir, {
    format: CORE_CONFIG_FORMAT,
    version: 1,
    coreId,
    name: 'Witness Store',
    ownerId: enrolled.ownerId,
    server: {url: t.url, fingerprint: t.pin.fingerprint, certPem: t.pin.certPem},
    site: {latitude: 41.88, longitude: -87.63, address: '1 Test Plaza', locationType: 'business'},
    ownerPolicyKey: null,
    cameras: [],
    enrolledAt: new Date().toISOString(),
  })
  logs = []
})
afterEach(async () => {
  await t.stop()
  removeDir(t.dataDir)
  removeDir(coreDir)
})

const witness = () => new CoreWitness(coreDir, readCoreConfig(coreDir), (line) => logs.push(line))

describe('a Core as witness of the audit log', () => {
  it('countersigns the checkpoint it checked, and the server serves the cosignature with it', async () => {
    await witness().check()
    const head = await t.anonymous().get<AuditHead>('/v1/audit/head')
    const name = coreCosignerName(coreId)
    const line = head.checkpoint.split('\n').find((l) => l.startsWith(`— ${name} `))
    expect(line, logs.join('\n')).toBeDefined()
    const corePublicKey = createPublicKey(readFileSync(join(coreDir, 'identity.key')))
    expect(verifyCosignature(head.checkpoint, line!, name, corePublicKey)).toBeGreaterThan(Date.now() / 1000 - 60)
    // The log's own signature still verifies with the cosignature in the note.
    expect(openCheckpoint(head.checkpoint, parseVerifierKey(head.verifierKey)).size).toBe(head.size)
    expect(JSON.parse(readFileSync(join(coreDir, 'witness.json'), 'utf8'))).toMatchObject({size: head.size, rootHash: head.rootHash})
  })

  it('refuses a cosignature that is not the Core\'s', async () => {
    const head = await t.anonymous().get<AuditHead>('/v1/audit/head')
    const forged = `— ${coreCosignerName(coreId)} ${Buffer.alloc(76, 7).toString('base64')}`
    await expect(t.anonymous().post(`/v1/audit/cosignatures/${coreId}`, {size: head.size, cosignature: forged})).rejects.toThrow(/x-rtcc-core-time|not accepted as Core/)
  })

  // Forges the log by editing the SQLite file directly; on PostgreSQL the same forgery (plain SQL) is caught in test/store/audit.test.ts.
  it.runIf(onSqlite)('refuses a server whose log was rewritten after the Core saw it, and says so loudly', async () => {
    const first = witness()
    await first.check()
    expect(first.failure).toBeUndefined()
    const token = t.admin.options.token!
    await t.stop()
    const db = openDatabase(join(t.dataDir, 'rtcc.db'))
    editLeaf(db, 2, {action: 'user.delete'})
    rehashLeaf(db, 2)
    db.exec('DELETE FROM audit_cosignatures; DELETE FROM audit_checkpoints')
    db.close()
    rmSync(join(t.dataDir, 'audit-checkpoint.note'))
    t = await startTestServer({dataDir: t.dataDir, port})
    t.admin.options.token = token

    const again = witness()
    await again.check()
    expect(again.failure).toMatch(/FORKED: it does not extend the checkpoint you saw/)
    expect(logs.join('\n')).toMatch(/AUDIT LOG REFUSED: REFUSED: the audit log of .* FORKED/)
    const head = await t.anonymous().get<AuditHead>('/v1/audit/head')
    expect(head.checkpoint).not.toContain(coreCosignerName(coreId))
  })
})
